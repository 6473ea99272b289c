/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The floor of the benchmark: the least any survey of a host's PCI functions
 * has to do. It lists the bus, reads each function's uevent once (driver,
 * class, ids, subsystem ids and modalias in one read) and reads its
 * iommu_group link once, and prints how many functions it saw. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        char path[PATH_MAX], buf[4096], target[PATH_MAX];
        unsigned long functions = 0, bytes = 0, grouped = 0;
        struct dirent *e;
        DIR *d;
        int dir;

        if (argc != 2) {
                fprintf(stderr, "Usage: floor ROOT\n");
                return 2;
        }
        snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", argv[1]);
        dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0 || !(d = fdopendir(dup(dir)))) {
                perror(path);
                return 1;
        }
        while ((e = readdir(d))) {
                ssize_t n;
                int fd;

                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/uevent", e->d_name);
                fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                n = read(fd, buf, sizeof(buf));
                close(fd);
                if (n > 0)
                        bytes += (unsigned long)n;
                snprintf(path, sizeof(path), "%s/iommu_group", e->d_name);
                if (readlinkat(dir, path, target, sizeof(target)) > 0)
                        grouped++;
                functions++;
        }
        closedir(d);
        close(dir);
        printf("%lu functions, %lu in IOMMU groups, %lu bytes of uevent\n", functions, grouped,
               bytes);
        return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "record.h"
#include "util.h"

static int mkdir_ok(const char *path)
{
        return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

int record_applied(const struct conf *c)
{
        _cleanup_free_ char *run = root_path("/run"), *dir = root_path("/run/gpupt");
        _cleanup_free_ char *path = root_path(RECORD_APPLIED), *tmp = NULL;
        _cleanup_close_ int fd = -1;
        char hash[65], line[66];
        int r;

        if (!run || !dir || !path)
                return -ENOMEM;
        r = conf_hash(c, hash);
        if (r < 0)
                return r;
        if ((r = mkdir_ok(run)) < 0 || (r = mkdir_ok(dir)) < 0)
                return r;
        tmp = strdup_printf("%s.tmp", path);
        if (!tmp)
                return -ENOMEM;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        snprintf(line, sizeof(line), "%s\n", hash);
        errno = 0;
        if (write(fd, line, 65) != 65) {
                r = errno ? -errno : -EIO;
                (void)unlink(tmp);
                return r;
        }
        if (close(fd) < 0) {
                fd = -1;
                r = -errno;
                (void)unlink(tmp);
                return r;
        }
        fd = -1;
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void)unlink(tmp);
                return r;
        }
        return 0;
}

int record_read(char out[static 65])
{
        _cleanup_free_ char *path = root_path(RECORD_APPLIED);
        char buf[80];
        int r;

        if (!path)
                return -ENOMEM;
        r = read_attr_at(AT_FDCWD, path, buf, sizeof(buf));
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        if (r != 64 || strspn(buf, "0123456789abcdef") != 64)
                return -EBADMSG;
        memcpy(out, buf, 65);
        return 0;
}

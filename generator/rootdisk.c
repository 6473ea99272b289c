/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "rootdisk.h"
#include "util.h"

#define SLAVES_DEPTH 16 /* dm over md over partitions is 3; loops end here */

static int probe_value(const char *dev, const char *tag, char **ret)
{
        blkid_probe pr = blkid_new_probe_from_filename(dev);
        const char *v = NULL;
        int r = -ENOENT;

        if (!pr)
                return -errno ?: -EIO;
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_UUID | BLKID_SUBLKS_LABEL |
                                                      BLKID_SUBLKS_TYPE);
        blkid_probe_enable_partitions(pr, 0);
        if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, tag, &v, NULL) == 0) {
                *ret = strdup(v);
                r = *ret ? 0 : -ENOMEM;
        }
        blkid_free_probe(pr);
        return r;
}

/* The node of a block device under the root: dev/NAME, or dev/mapper/NAME
 * for device-mapper. */
static char *node_of(const char *name)
{
        _cleanup_free_ char *dm = strdup_printf("%s/sys/class/block/%s/dm/name", root_dir(), name);
        char buf[256];

        if (dm && read_attr_at(AT_FDCWD, dm, buf, sizeof(buf)) > 0 && !strchr(buf, '/')) {
                char *p = strdup_printf("%s/dev/mapper/%s", root_dir(), buf);
                struct stat st;

                if (p && stat(p, &st) == 0)
                        return p;
                free(p);
        }
        return strdup_printf("%s/dev/%s", root_dir(), name);
}

/* PARTUUID and PARTLABEL live in the disk's partition table. */
static int match_partition(const char *part, const char *tag, const char *value)
{
        _cleanup_free_ char *link = strdup_printf("%s/sys/class/block/%s", root_dir(), part);
        _cleanup_free_ char *pfile = NULL, *disk_node = NULL;
        char real[PATH_MAX], buf[32];
        const char *disk;
        blkid_partlist ls;
        blkid_probe pr;
        int partno, r = 0;

        if (!link || !realpath(link, real))
                return 0;
        pfile = strdup_printf("%s/partition", real);
        if (!pfile || read_attr_at(AT_FDCWD, pfile, buf, sizeof(buf)) < 0 ||
            parse_int(buf, &partno) < 0 || partno <= 0)
                return 0;
        *strrchr(real, '/') = '\0';
        disk = strrchr(real, '/') + 1;
        disk_node = node_of(disk);
        if (!disk_node)
                return -ENOMEM;
        pr = blkid_new_probe_from_filename(disk_node);
        if (!pr)
                return 0;
        blkid_probe_enable_superblocks(pr, 0);
        blkid_probe_enable_partitions(pr, 1);
        ls = blkid_probe_get_partitions(pr);
        for (int i = 0; ls && i < blkid_partlist_numof_partitions(ls); i++) {
                blkid_partition p = blkid_partlist_get_partition(ls, i);
                const char *v;

                if (blkid_partition_get_partno(p) != partno)
                        continue;
                v = streq(tag, "PARTUUID") ? blkid_partition_get_uuid(p)
                                           : blkid_partition_get_name(p);
                r = v && strcasecmp(v, value) == 0;
        }
        blkid_free_probe(pr);
        return r;
}

/* Finds the block device whose TAG is value by probing each one. */
static int find_by_tag(const char *tag, const char *value, char **ret)
{
        _cleanup_free_ char *dir = strdup_printf("%s/sys/class/block", root_dir());
        bool part_tag = streq(tag, "PARTUUID") || streq(tag, "PARTLABEL");
        struct dirent *de;
        DIR *d;
        int r = -ENOENT;

        if (!dir)
                return -ENOMEM;
        d = opendir(dir);
        if (!d)
                return -errno;
        while (r == -ENOENT && (de = readdir(d))) {
                _cleanup_free_ char *node = NULL, *v = NULL;

                if (de->d_name[0] == '.')
                        continue;
                if (part_tag) {
                        int m = match_partition(de->d_name, tag, value);

                        if (m < 0)
                                r = m;
                        else if (m > 0)
                                r = (*ret = strdup(de->d_name)) ? 0 : -ENOMEM;
                        continue;
                }
                node = node_of(de->d_name);
                if (!node) {
                        r = -ENOMEM;
                        break;
                }
                if (probe_value(node, tag, &v) == 0 &&
                    (streq(tag, "UUID") ? strcasecmp(v, value) == 0 : streq(v, value)))
                        r = (*ret = strdup(de->d_name)) ? 0 : -ENOMEM;
        }
        closedir(d);
        return r;
}

/* "/dev/nvme0n1p2", "/dev/mapper/vg-root", "/dev/disk/by-uuid/…" → kernel name. */
static int name_from_path(const char *path, char **ret)
{
        _cleanup_free_ char *full = strdup_printf("%s%s", root_dir(), path);
        char real[PATH_MAX];
        const char *base;

        if (!full)
                return -ENOMEM;
        if (strncmp(path, "/dev/", 5) != 0)
                return -EINVAL;
        /* Udev's symlinks resolve to the node; a fixture's mapper link too. */
        base = realpath(full, real) ? strrchr(real, '/') + 1 : strrchr(path, '/') + 1;
        if (strncmp(path, "/dev/mapper/", 12) == 0 && !realpath(full, real)) {
                /* no node: find the dm device by its name */
                _cleanup_free_ char *dir = strdup_printf("%s/sys/class/block", root_dir());
                struct dirent *de;
                DIR *d = dir ? opendir(dir) : NULL;
                int r = -ENOENT;

                if (!d)
                        return dir ? -errno : -ENOMEM;
                while (r == -ENOENT && (de = readdir(d))) {
                        _cleanup_free_ char *f = strdup_printf("%s/%s/dm/name", dir, de->d_name);
                        char buf[256];

                        if (f && read_attr_at(AT_FDCWD, f, buf, sizeof(buf)) > 0 &&
                            streq(buf, path + 12))
                                r = (*ret = strdup(de->d_name)) ? 0 : -ENOMEM;
                }
                closedir(d);
                return r;
        }
        *ret = strdup(base);
        return *ret ? 0 : -ENOMEM;
}

static int resolve(const char *spec, char **ret)
{
        static const char *const tags[] = { "UUID", "LABEL", "PARTUUID", "PARTLABEL" };

        for (size_t i = 0; i < ELEMENTSOF(tags); i++) {
                size_t l = strlen(tags[i]);

                if (strncmp(spec, tags[i], l) != 0 || spec[l] != '=')
                        continue;
                if (!spec[l + 1])
                        return -EINVAL;
                if (!*root_dir()) {
                        /* The running system: udev's links answer without privileges. */
                        char *dev = blkid_evaluate_tag(tags[i], spec + l + 1, NULL);

                        if (dev) {
                                int r = name_from_path(dev, ret);

                                free(dev);
                                return r;
                        }
                }
                return find_by_tag(tags[i], spec + l + 1, ret);
        }
        if (spec[0] == '/')
                return name_from_path(spec, ret);
        return -EINVAL;
}

static int add_controller(struct rootdisk *rd, const struct pci_addr *a)
{
        struct pci_addr *v;

        for (size_t i = 0; i < rd->n_controllers; i++)
                if (pci_addr_eq(&rd->controllers[i], a))
                        return 0;
        v = xrealloc_array(rd->controllers, rd->n_controllers + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        rd->controllers = v;
        rd->controllers[rd->n_controllers++] = *a;
        return 0;
}

/* Walks from a block device down to the disks it is made of and records the
 * nearest PCI function above each. */
static int walk(struct rootdisk *rd, const char *name, unsigned depth)
{
        _cleanup_free_ char *link = strdup_printf("%s/sys/class/block/%s", root_dir(), name);
        _cleanup_free_ char *slaves = NULL;
        char real[PATH_MAX];
        struct pci_addr last;
        bool found = false;
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (depth > SLAVES_DEPTH)
                return -ELOOP;
        if (!link)
                return -ENOMEM;
        if (!realpath(link, real))
                return -errno;

        slaves = strdup_printf("%s/slaves", real);
        if (!slaves)
                return -ENOMEM;
        d = opendir(slaves);
        if (d) {
                bool any = false;

                while (r >= 0 && (de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        any = true;
                        r = walk(rd, de->d_name, depth + 1);
                }
                closedir(d);
                if (any || r < 0)
                        return r;
        }

        /* A partition's controller is its disk's: the path holds both. */
        for (char *p = strtok(real, "/"); p; p = strtok(NULL, "/"))
                if (pci_addr_parse(p, &last, NULL) == 0 && strlen(p) == PCI_ADDR_STRLEN - 1)
                        found = true;
        return found ? add_controller(rd, &last) : 0;
}

static int cmp_addr(const void *a, const void *b)
{
        uint32_t x = pci_addr_key(a), y = pci_addr_key(b);

        return x < y ? -1 : x > y;
}

int rootdisk_find(const char *spec, struct rootdisk *ret)
{
        struct rootdisk rd = { 0 };
        int r;

        if (!spec || !*spec || strlen(spec) > 4096)
                return -EINVAL;
        rd.spec = strdup(spec);
        if (!rd.spec)
                return -ENOMEM;
        r = resolve(spec, &rd.blockdev);
        if (r == 0)
                r = walk(&rd, rd.blockdev, 0);
        if (r < 0) {
                rootdisk_done(&rd);
                return r;
        }
        /* readdir order is arbitrary; messages should not be */
        if (rd.n_controllers > 1)
                qsort(rd.controllers, rd.n_controllers, sizeof(*rd.controllers), cmp_addr);
        *ret = rd;
        return 0;
}

void rootdisk_done(struct rootdisk *rd)
{
        free(rd->spec);
        free(rd->blockdev);
        free(rd->controllers);
        *rd = (struct rootdisk){ 0 };
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "host.h"
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

/* Block device names, as resolving finds them. */
struct names {
        char **v;
        size_t n;
};

static void names_done(struct names *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i]);
        free(l->v);
        *l = (struct names){ 0 };
}

static int names_add(struct names *l, const char *name)
{
        char **v;

        for (size_t i = 0; i < l->n; i++)
                if (streq(l->v[i], name))
                        return 0;
        v = xrealloc_array(l->v, l->n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        l->v = v;
        l->v[l->n] = strdup(name);
        if (!l->v[l->n])
                return -ENOMEM;
        l->n++;
        return 0;
}

/* Adds every block device whose TAG is value (and, with type, whose TYPE is
 * type), by probing each one: a btrfs over several disks carries its UUID on
 * all of them, a ZFS pool its name on each member. -ENOENT when none has it. */
static int find_by_tag(const char *tag, const char *value, const char *type, struct names *ret)
{
        _cleanup_free_ char *dir = strdup_printf("%s/sys/class/block", root_dir());
        bool part_tag = streq(tag, "PARTUUID") || streq(tag, "PARTLABEL");
        size_t before = ret->n, n;
        char **blocks;
        int r;

        if (!dir)
                return -ENOMEM;
        r = dir_names_sorted(AT_FDCWD, dir, NULL, NULL, &blocks, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *node = NULL, *v = NULL, *t = NULL;
                const char *name = blocks[i];

                if (part_tag) {
                        int m = match_partition(name, tag, value);

                        if (m < 0)
                                r = m;
                        else if (m > 0)
                                r = names_add(ret, name);
                        continue;
                }
                node = node_of(name);
                if (!node) {
                        r = -ENOMEM;
                        break;
                }
                if (probe_value(node, tag, &v) < 0 ||
                    !(streq(tag, "UUID") ? strcasecmp(v, value) == 0 : streq(v, value)))
                        continue;
                if (type && (probe_value(node, "TYPE", &t) < 0 || !streq(t, type)))
                        continue;
                r = names_add(ret, name);
        }
        dir_names_free(blocks, n);
        if (r < 0)
                return r;
        return ret->n > before ? 0 : -ENOENT;
}

struct dm_want {
        const char *dir;  /* ROOT/sys/class/block */
        const char *name; /* the device-mapper name */
};

static bool is_dm_named(const char *block, void *userdata)
{
        const struct dm_want *w = userdata;
        _cleanup_free_ char *f = strdup_printf("%s/%s/dm/name", w->dir, block);
        char buf[256];

        return f && read_attr_at(AT_FDCWD, f, buf, sizeof(buf)) > 0 && streq(buf, w->name);
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
                struct dm_want w = { .dir = dir, .name = path + 12 };
                char **found;
                size_t n;
                int r;

                if (!dir)
                        return -ENOMEM;
                r = dir_names_sorted(AT_FDCWD, dir, is_dm_named, &w, &found, &n);
                if (r < 0)
                        return r;
                /* dm names are unique: one at most */
                r = n == 0 ? -ENOENT : (*ret = strdup(found[0])) ? 0 : -ENOMEM;
                dir_names_free(found, n);
                return r;
        }
        *ret = strdup(base);
        return *ret ? 0 : -ENOMEM;
}

/* A btrfs spans every device that carries its UUID; blkid_evaluate_tag()
 * names one of them. */
static int add_btrfs_siblings(const char *name, struct names *ret)
{
        _cleanup_free_ char *node = node_of(name), *type = NULL, *uuid = NULL;
        int r;

        if (!node)
                return -ENOMEM;
        if (probe_value(node, "TYPE", &type) < 0 || !streq(type, "btrfs") ||
            probe_value(node, "UUID", &uuid) < 0)
                return 0;
        r = find_by_tag("UUID", uuid, "btrfs", ret);
        return r == -ENOMEM ? r : 0;
}

static int resolve(const char *spec, struct names *ret)
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
                                _cleanup_free_ char *name = NULL;
                                int r = name_from_path(dev, &name);

                                free(dev);
                                if (r == 0)
                                        r = names_add(ret, name);
                                if (r == 0)
                                        r = add_btrfs_siblings(name, ret);
                                return r;
                        }
                }
                return find_by_tag(tags[i], spec + l + 1, NULL, ret);
        }
        if (spec[0] == '/') {
                _cleanup_free_ char *name = NULL;
                int r = name_from_path(spec, &name);

                if (r == 0)
                        r = names_add(ret, name);
                if (r == 0)
                        r = add_btrfs_siblings(name, ret);
                return r;
        }
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
        char real[PATH_MAX], **names;
        struct pci_addr last;
        bool found = false;
        size_t n;
        int r;

        if (depth > SLAVES_DEPTH)
                return -ELOOP;
        if (!link)
                return -ENOMEM;
        if (!realpath(link, real))
                return -errno;

        slaves = strdup_printf("%s/slaves", real);
        if (!slaves)
                return -ENOMEM;
        r = dir_names_sorted(AT_FDCWD, slaves, NULL, NULL, &names, &n);
        if (r == -ENOMEM)
                return r;
        if (r == 0 && n > 0) {
                for (size_t i = 0; r >= 0 && i < n; i++)
                        r = walk(rd, names[i], depth + 1);
                dir_names_free(names, n);
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

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks every device found into a rootdisk named by spec. Takes names. */
static int finish(const char *spec, struct names *names, struct rootdisk *ret)
{
        struct rootdisk rd = { 0 };
        size_t len = 0;
        int r = 0;

        rd.spec = strdup(spec);
        if (!rd.spec) {
                names_done(names);
                return -ENOMEM;
        }
        /* readdir order is arbitrary; messages should not be */
        if (names->n > 1)
                qsort(names->v, names->n, sizeof(*names->v), cmp_str);
        for (size_t i = 0; i < names->n; i++)
                len += strlen(names->v[i]) + 1;
        rd.blockdev = calloc(1, len ?: 1);
        if (!rd.blockdev)
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < names->n; i++) {
                if (i)
                        strcat(rd.blockdev, ",");
                strcat(rd.blockdev, names->v[i]);
                r = walk(&rd, names->v[i], 0);
        }
        names_done(names);
        if (r < 0) {
                rootdisk_done(&rd);
                return r;
        }
        if (rd.n_controllers > 1)
                qsort(rd.controllers, rd.n_controllers, sizeof(*rd.controllers), cmp_addr);
        *ret = rd;
        return 0;
}

int rootdisk_find(const char *spec, struct rootdisk *ret)
{
        struct names names = { 0 };
        int r;

        if (!spec || !*spec || strlen(spec) > 4096)
                return -EINVAL;
        r = resolve(spec, &names);
        if (r < 0) {
                names_done(&names);
                return r;
        }
        return finish(spec, &names, ret);
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
        char *w = s;

        for (const char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
                    p[3] >= '0' && p[3] <= '7') {
                        *w++ = (char)((p[1] - '0') << 6 | (p[2] - '0') << 3 | (p[3] - '0'));
                        p += 3;
                } else
                        *w++ = *p;
        }
        *w = '\0';
}

/* The devices of the mount at "/" as one mountinfo line describes it:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS…] - FSTYPE SOURCE SUPEROPTS". */
static int mount_devices(char *line, char **ret_source, struct names *ret)
{
        char *field[5], *fstype, *source, *save = NULL, *sep, *p;
        unsigned major, minor;
        int r;

        sep = strstr(line, " - ");
        if (!sep)
                return -EBADMSG;
        *sep = '\0';
        p = line;
        for (size_t i = 0; i < ELEMENTSOF(field); i++) {
                field[i] = strtok_r(p, " ", &save);
                p = NULL;
                if (!field[i])
                        return -EBADMSG;
        }
        fstype = strtok_r(sep + 3, " ", &save);
        source = fstype ? strtok_r(NULL, " ", &save) : NULL;
        if (!source)
                return -EBADMSG;
        unescape(field[4]);
        if (!streq(field[4], "/"))
                return -ENOENT;
        unescape(source);
        *ret_source = source;

        /* A block device of its own: its major:minor is in sys/dev/block. */
        if (sscanf(field[2], "%u:%u", &major, &minor) == 2 && major != 0) {
                _cleanup_free_ char *link = strdup_printf("%s/sys/dev/block/%u:%u", root_dir(),
                                                          major, minor);
                char real[PATH_MAX];

                if (!link)
                        return -ENOMEM;
                if (realpath(link, real))
                        return names_add(ret, strrchr(real, '/') + 1);
        }
        /* btrfs shows an anonymous device number; the source names a disk of it. */
        if (streq(fstype, "btrfs") && strncmp(source, "/dev/", 5) == 0) {
                _cleanup_free_ char *name = NULL;

                r = name_from_path(source, &name);
                if (r == 0)
                        r = names_add(ret, name);
                if (r == 0)
                        r = add_btrfs_siblings(name, ret);
                return r;
        }
        /* ZFS: "pool/dataset"; every member of the pool carries its name. */
        if (streq(fstype, "zfs") && source[0] != '/') {
                _cleanup_free_ char *pool = strndup(source, strcspn(source, "/"));

                if (!pool)
                        return -ENOMEM;
                return find_by_tag("LABEL", pool, "zfs_member", ret);
        }
        if (strncmp(source, "/dev/", 5) == 0) {
                _cleanup_free_ char *name = NULL, *link = NULL;
                struct stat st;

                r = name_from_path(source, &name);
                if (r < 0)
                        return r;
                /* "/dev/root" and the like name no device here */
                link = strdup_printf("%s/sys/class/block/%s", root_dir(), name);
                if (!link)
                        return -ENOMEM;
                if (stat(link, &st) < 0)
                        return -ENOENT;
                return names_add(ret, name);
        }
        return -ENOENT; /* tmpfs, overlay, NFS: no disk of ours */
}

int rootdisk_find_mounted(struct rootdisk *ret)
{
        _cleanup_free_ char *path = root_path("/proc/self/mountinfo"), *text = NULL;
        _cleanup_free_ char *source = NULL;
        struct names names = { 0 };
        char *line, *save = NULL;
        int r, found = -ENOENT;

        if (!path)
                return -ENOMEM;
        r = read_file(path, 16u << 20, &text, NULL);
        if (r < 0)
                return r;
        /* The last mount on "/" is the one on top, the one a path resolves in. */
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct names here = { 0 };
                char *src = NULL;

                r = mount_devices(line, &src, &here);
                if (r == -ENOMEM || !src) {
                        names_done(&here);
                        if (r == -ENOMEM) {
                                names_done(&names);
                                return r;
                        }
                        continue; /* another mount point, or a line that does not parse */
                }
                names_done(&names);
                names = here;
                found = r;
                free(source);
                source = strdup(src);
                if (!source) {
                        names_done(&names);
                        return -ENOMEM;
                }
        }
        if (found < 0) {
                names_done(&names);
                return found;
        }
        return finish(source, &names, ret);
}

int rootdisk_merge(struct rootdisk *a, const struct rootdisk *b)
{
        for (size_t i = 0; i < b->n_controllers; i++) {
                int r = add_controller(a, &b->controllers[i]);

                if (r < 0)
                        return r;
        }
        if (a->n_controllers > 1)
                qsort(a->controllers, a->n_controllers, sizeof(*a->controllers), cmp_addr);
        return 0;
}

int rootdisk_record_parse(const char *text, struct rootdisk_record **ret, size_t *n)
{
        struct rootdisk_record *v = NULL;
        size_t k = 0, alloc = 0;
        const char *line = text;

        while (line && *line) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line) : strlen(line);
                char buf[64], addr[PCI_ADDR_STRLEN + 1], id[16], extra;
                struct pci_id pid;
                struct rootdisk_record rec;

                if (len >= sizeof(buf))
                        goto bad;
                memcpy(buf, line, len);
                buf[len] = '\0';
                line = end ? end + 1 : NULL;
                if (buf[strspn(buf, " \t")] == '\0' || buf[strspn(buf, " \t")] == '#')
                        continue;
                if (sscanf(buf, "%13s %15s %c", addr, id, &extra) != 2 ||
                    strlen(addr) != PCI_ADDR_STRLEN - 1 || pci_addr_parse(addr, &rec.addr, NULL) < 0 ||
                    pci_id_parse(id, &pid) < 0 || pid.has_sub)
                        goto bad;
                rec.vendor = pid.vendor;
                rec.device = pid.device;
                if (GROW(v, k, alloc) < 0) {
                        free(v);
                        return -ENOMEM;
                }
                v[k++] = rec;
        }
        *ret = v;
        *n = k;
        return 0;
bad:
        free(v);
        return -EBADMSG;
}

int rootdisk_record_read(struct rootdisk_record **ret, size_t *n)
{
        _cleanup_free_ char *path = root_path(ROOTDISK_RECORD), *text = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_file(path, 64u << 10, &text, NULL);
        if (r < 0)
                return r;
        return rootdisk_record_parse(text, ret, n);
}

int rootdisk_record_print(FILE *f, const struct rootdisk *rd)
{
        for (size_t i = 0; i < rd->n_controllers; i++) {
                char bdf[PCI_ADDR_STRLEN], buf[32];
                uint64_t vendor, device;
                _cleanup_free_ char *dir = NULL;
                _cleanup_close_ int fd = -1;
                int r;

                pci_addr_format(&rd->controllers[i], bdf);
                dir = strdup_printf("%s/sys/bus/pci/devices/%s", root_dir(), bdf);
                if (!dir)
                        return -ENOMEM;
                fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if ((r = read_attr_at(fd, "vendor", buf, sizeof(buf))) < 0 ||
                    (r = parse_hex(buf, UINT16_MAX, &vendor)) < 0 ||
                    (r = read_attr_at(fd, "device", buf, sizeof(buf))) < 0 ||
                    (r = parse_hex(buf, UINT16_MAX, &device)) < 0)
                        return r;
                fprintf(f, "%s %04x:%04x\n", bdf, (unsigned)vendor, (unsigned)device);
        }
        return 0;
}

void rootdisk_done(struct rootdisk *rd)
{
        free(rd->spec);
        free(rd->blockdev);
        free(rd->controllers);
        *rd = (struct rootdisk){ 0 };
}

bool rootdisk_has(const struct rootdisk *rd, const struct pci_addr *a)
{
        for (size_t i = 0; i < rd->n_controllers; i++)
                if (pci_addr_eq(&rd->controllers[i], a))
                        return true;
        return false;
}

/* The record's lines that still name the device at their address. */
static int known_record(struct host *h, struct rootdisk_known *k)
{
        _cleanup_free_ struct rootdisk_record *v = NULL;
        size_t n = 0;

        k->rec_error = rootdisk_record_read(&v, &n);
        if (k->rec_error == -ENOMEM)
                return -ENOMEM;
        if (k->rec_error < 0)
                return 0;
        k->n_rec_lines = n;
        k->rec = calloc(n ?: 1, sizeof(*k->rec));
        if (!k->rec)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct pci_fn *fn = NULL;
                char a[PCI_ADDR_STRLEN];
                int r = host_get(h, &v[i].addr, &fn);

                if (r == -ENOMEM)
                        return r;
                if (r == 0 && fn->vendor == v[i].vendor && fn->device == v[i].device) {
                        k->rec[k->n_rec++] = v[i].addr;
                        continue;
                }
                if (k->stale[0])
                        continue;
                pci_addr_format(&v[i].addr, a);
                if (r == 0)
                        snprintf(k->stale, sizeof(k->stale), "%s holds %04x:%04x, not the "
                                 "recorded %04x:%04x", a, fn->vendor, fn->device, v[i].vendor,
                                 v[i].device);
                else
                        snprintf(k->stale, sizeof(k->stale), "no device at %s, where %04x:%04x "
                                 "was recorded", a, v[i].vendor, v[i].device);
        }
        return 0;
}

int rootdisk_known_gather(const char *root_spec, struct host *h, struct rootdisk_known *ret)
{
        *ret = (struct rootdisk_known){ .cmd_error = 1, .mnt_error = -ENOENT,
                                        .rec_error = -ENOENT };
        if (root_spec) {
                ret->cmd_error = rootdisk_find(root_spec, &ret->cmd);
                if (ret->cmd_error == -ENOMEM)
                        return -ENOMEM;
        }
        ret->mnt_error = rootdisk_find_mounted(&ret->mnt);
        if (ret->mnt_error == -ENOMEM)
                return -ENOMEM;
        return h ? known_record(h, ret) : 0;
}

bool rootdisk_known_has(const struct rootdisk_known *k, const struct pci_addr *a)
{
        if ((!k->cmd_error && rootdisk_has(&k->cmd, a)) ||
            (!k->mnt_error && rootdisk_has(&k->mnt, a)))
                return true;
        for (size_t i = 0; i < k->n_rec; i++)
                if (pci_addr_eq(&k->rec[i], a))
                        return true;
        return false;
}

void rootdisk_known_done(struct rootdisk_known *k)
{
        if (!k->cmd_error)
                rootdisk_done(&k->cmd);
        if (!k->mnt_error)
                rootdisk_done(&k->mnt);
        free(k->rec);
        k->rec = NULL;
        k->n_rec = 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "host.h"
#include "strpool.h"
#include "util.h"

#define DEVICES "/sys/bus/pci/devices"
#define UEVENT_MAX 4096

/* Lookups by address are the common case (a config of bdf entries never
 * scans the bus), so functions are found by the packed address in a hash
 * table; absent addresses are remembered too. 16 bytes an address and 8 a
 * slot: a host of thousands of functions touches as few pages as it can,
 * each first touch costing. */
struct slot_entry {
        uint32_t key;
        int err;           /* -ENOENT: known absent; other -errno: unreadable */
        struct pci_fn *fn; /* NULL when err is set */
};

struct host {
        struct slot_entry *entries; /* by address in table */
        size_t n_entries, entries_alloc;
        struct hashtab table;
        struct pci_fn **all; /* after host_scan */
        size_t n_all;
        bool scanned;       /* every function is in the table: the rest are absent */
        size_t n_bad;       /* functions the scan could not read */
        struct pci_fn **by_group; /* after a scan: all, sorted by group, then address */
        int devices_fd;
        /* The boot display as vgaarb names it (vga_default_read). */
        enum { VGA_DEFAULT_UNREAD, VGA_DEFAULT_KNOWN, VGA_DEFAULT_ASK_EACH } vga_default;
        uint32_t vga_default_key;
        /* The functions' strings, freed with the host. Drivers, modaliases
         * and reset methods repeat across thousands of functions: each
         * distinct one is kept once, found by its hash. */
        struct strpool strings;
        const char **kept;
        size_t n_kept, kept_alloc;
        struct hashtab kept_table;
};

int host_new(struct host **ret)
{
        struct host *h = calloc(1, sizeof(*h));

        if (!h)
                return -ENOMEM;
        h->devices_fd = -1;
        *ret = h;
        return 0;
}

static void fn_free(struct pci_fn *f)
{
        if (!f)
                return;
        free(f->bars);
        free(f);
}

void host_free(struct host *h)
{
        if (!h)
                return;
        for (size_t i = 0; i < h->n_entries; i++)
                fn_free(h->entries[i].fn);
        free(h->entries);
        hashtab_free(&h->table);
        free(h->kept);
        hashtab_free(&h->kept_table);
        free(h->all);
        free(h->by_group);
        strpool_free(&h->strings);
        if (h->devices_fd >= 0)
                close(h->devices_fd);
        free(h);
}

static struct slot_entry *table_find(struct host *h, uint32_t key)
{
        size_t i;

        /* hash_u32 is a bijection: the hash is the key */
        return hashtab_get(&h->table, hash_u32(key), NULL, NULL, NULL, &i) ? &h->entries[i] : NULL;
}

static int table_put(struct host *h, uint32_t key, struct pci_fn *fn, int err)
{
        int r;

        assert(fn || err < 0);
        if (GROW(h->entries, h->n_entries, h->entries_alloc) < 0)
                return -ENOMEM;
        r = hashtab_add(&h->table, hash_u32(key), NULL, NULL, NULL, h->n_entries, NULL);
        if (r < 0)
                return r;
        assert(r == 0); /* asked only for an address not in the table */
        h->entries[h->n_entries++] = (struct slot_entry){ .key = key, .fn = fn, .err = err };
        return 0;
}

static int devices_fd(struct host *h)
{
        if (h->devices_fd < 0) {
                int fd = root_open(DEVICES, O_RDONLY | O_DIRECTORY);

                if (fd < 0)
                        return fd;
                h->devices_fd = fd;
        }
        return h->devices_fd;
}

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* "10DE:1E04", exactly four hex digits on each side. */
static int parse_id_pair(const char *v, uint16_t *a, uint16_t *b)
{
        unsigned x = 0, y = 0;

        if (strlen(v) != 9 || v[4] != ':')
                return -EBADMSG;
        for (unsigned i = 0; i < 4; i++) {
                int h = hex_digit(v[i]), l = hex_digit(v[5 + i]);

                if (h < 0 || l < 0)
                        return -EBADMSG;
                x = x << 4 | (unsigned)h;
                y = y << 4 | (unsigned)l;
        }
        *a = (uint16_t)x;
        *b = (uint16_t)y;
        return 0;
}

static bool same_kept(const void *ctx, size_t value, const void *key)
{
        const struct host *h = ctx;

        return streq(h->kept[value], key);
}

/* S as the host keeps it: one shared copy. */
static const char *keep(struct host *h, const char *s)
{
        uint32_t hash = hash_string(s);
        const char *copy;
        size_t i;

        if (hashtab_get(&h->kept_table, hash, same_kept, h, s, &i))
                return h->kept[i];
        if (GROW(h->kept, h->n_kept, h->kept_alloc) < 0 || !(copy = strpool_dup(&h->strings, s)))
                return NULL;
        if (hashtab_add(&h->kept_table, hash, same_kept, h, s, h->n_kept, NULL) < 0)
                return NULL;
        h->kept[h->n_kept++] = copy;
        return copy;
}

static int parse_uevent(struct host *h, struct pci_fn *f, char *text)
{
        bool have_id = false, have_class = false;
        char *line, *next;

        for (line = text; line && *line; line = next) {
                char *v;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                v = strchr(line, '=');
                if (!v)
                        continue;
                *v++ = '\0';
                if (streq(line, "DRIVER")) {
                        /* the kernel writes each key once; twice is garbage */
                        if (!*v || f->driver)
                                return -EBADMSG;
                        if (!(f->driver = keep(h, v)))
                                return -ENOMEM;
                } else if (streq(line, "PCI_CLASS")) {
                        /* one to six hex digits: the kernel drops leading zeros */
                        size_t n = strlen(v);
                        uint32_t x = 0;

                        if (n == 0 || n > 6)
                                return -EBADMSG;
                        for (size_t i = 0; i < n; i++) {
                                int d = hex_digit(v[i]);

                                if (d < 0)
                                        return -EBADMSG;
                                x = x << 4 | (uint32_t)d;
                        }
                        f->class = x;
                        have_class = true;
                } else if (streq(line, "PCI_ID")) {
                        if (parse_id_pair(v, &f->vendor, &f->device) < 0)
                                return -EBADMSG;
                        have_id = true;
                } else if (streq(line, "PCI_SUBSYS_ID")) {
                        if (parse_id_pair(v, &f->subvendor, &f->subdevice) < 0)
                                return -EBADMSG;
                } else if (streq(line, "MODALIAS")) {
                        if (f->modalias)
                                return -EBADMSG;
                        if (!(f->modalias = keep(h, v)))
                                return -ENOMEM;
                }
        }
        return have_id && have_class ? 0 : -EBADMSG;
}

/* "BDF/ATTR" in PATH, which holds FN_ATTR_MAX bytes: a path below the devices
 * directory, built for each of thousands of functions without printf. */
#define FN_ATTR_MAX (PCI_ADDR_STRLEN + sizeof("/reset_method"))
static const char *fn_attr(char path[static FN_ATTR_MAX], const char *bdf, const char *attr)
{
        size_t n = strlen(attr) + 1;

        assert(n <= FN_ATTR_MAX - PCI_ADDR_STRLEN);
        memcpy(path, bdf, PCI_ADDR_STRLEN - 1);
        path[PCI_ADDR_STRLEN - 1] = '/';
        memcpy(path + PCI_ADDR_STRLEN, attr, n);
        return path;
}

/* The group number from the iommu_group link of the function NAME. */
static int read_group(int dir, const char *name, int *ret)
{
        char path[FN_ATTR_MAX], target[PATH_MAX];
        const char *base;
        ssize_t n;
        int g;

        n = readlinkat(dir, fn_attr(path, name, "iommu_group"), target, sizeof(target) - 1);
        if (n < 0) {
                if (errno == ENOENT) {
                        *ret = -1;
                        return 0;
                }
                return errno == ENOTDIR ? -EBADMSG : -errno;
        }
        target[n] = '\0';
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        if (parse_int(base, &g) < 0 || g < 0)
                return -EBADMSG;
        *ret = g;
        return 0;
}

/* What every function costs, on a host of thousands of them: one open, one
 * read and one close of its uevent (driver, class, ids and modalias in one
 * go), and one readlink of its iommu_group, both relative to the devices
 * directory. Everything else is read in host_details, for the few that the
 * plan needs. */
static int load_fn(struct host *h, const struct pci_addr *a, struct pci_fn **ret)
{
        char uevent[UEVENT_MAX], path[FN_ATTR_MAX];
        struct pci_fn *f;
        char name[PCI_ADDR_STRLEN];
        int dir, r;

        dir = devices_fd(h);
        if (dir < 0)
                return dir;
        pci_addr_format(a, name);
        r = read_attr_at(dir, fn_attr(path, name, "uevent"), uevent, sizeof(uevent));
        if (r < 0)
                return r == -EFBIG || r == -ENOTDIR ? -EBADMSG : r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->addr = *a;
        memcpy(f->bdf, name, sizeof(name));
        f->iommu_group = -1;
        f->numa_node = -1;
        f->boot_vga = -1;
        f->sriov_totalvfs = -1;
        r = parse_uevent(h, f, uevent);
        if (r == 0)
                r = read_group(dir, name, &f->iommu_group);
        if (r < 0) {
                fn_free(f);
                return r;
        }
        *ret = f;
        return 0;
}

int host_get(struct host *h, const struct pci_addr *a, struct pci_fn **ret)
{
        uint32_t key = pci_addr_key(a);
        struct slot_entry *e = table_find(h, key);
        struct pci_fn *f = NULL;
        int r;

        if (e) {
                if (!e->fn)
                        return e->err ?: -ENOENT;
                *ret = e->fn;
                return 0;
        }
        if (h->scanned)
                return -ENOENT; /* the scan saw every function there is */
        r = load_fn(h, a, &f);
        if (r == -ENOMEM)
                return r;
        /* Absent and unreadable functions are remembered as well: asking
         * again, as the slot and group checks do, costs no system call. */
        if (table_put(h, key, f, r) < 0) {
                fn_free(f);
                return -ENOMEM;
        }
        if (r < 0)
                return r;
        if (!f)
                return -ENOENT;
        *ret = f;
        return 0;
}

static int attr_int(int dfd, const char *name, int *ret)
{
        char buf[32];
        int r = read_attr_at(dfd, name, buf, sizeof(buf));

        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        return parse_int(buf, ret) < 0 ? -EBADMSG : 0;
}

/* A text attribute into BUF (4 KiB, sysfs's page): 1, 0 when the function
 * has no such attribute, or -errno; -EBADMSG when it is not UTF-8. */
static int attr_text(int dfd, const char *name, char buf[static 4096])
{
        int r = read_attr_at(dfd, name, buf, 4096);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        return string_is_utf8(buf) ? 1 : -EBADMSG;
}

/* A text attribute kept in the host's strings; *ret untouched when absent. */
static int attr_kept(struct host *h, int dfd, const char *name, const char **ret)
{
        char buf[4096];
        int r = attr_text(dfd, name, buf);

        if (r <= 0)
                return r;
        *ret = keep(h, buf);
        return *ret ? 0 : -ENOMEM;
}

/* A text attribute as a string of the caller's; *ret untouched when absent. */
static int attr_str(int dfd, const char *name, char **ret)
{
        char buf[4096];
        int r = attr_text(dfd, name, buf);

        if (r <= 0)
                return r;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

/* `resource` holds "start end flags" per BAR; a BAR's size is end - start + 1. Sizes
 * that are not a whole power-of-two number of MiB stay unknown. */
static void bar_sizes_now(const char *res, int now[static PCI_BAR_COUNT])
{
        for (unsigned i = 0; i < PCI_BAR_COUNT && *res; i++) {
                unsigned long long start, end, flags;
                const char *nl = strchr(res, '\n');

                if (sscanf(res, "%llx %llx %llx", &start, &end, &flags) == 3 && end > start) {
                        unsigned long long size = end - start + 1;

                        if (size >= (1ULL << 20) && (size & (size - 1)) == 0)
                                now[i] = __builtin_ctzll(size) - 20;
                }
                if (!nl)
                        break;
                res = nl + 1;
        }
}

/* The kernel gives boot_vga only to VGA-class functions (0x0300, and the
 * pre-class-code 0x0001): the rest are not asked. */
static bool has_boot_vga(const struct pci_fn *f)
{
        return (f->class >> 8) == 0x0300 || (f->class >> 8) == 0x0001;
}

/* The boot_vga attribute AT (below DIR) of a VGA-class function; absent
 * leaves f->boot_vga as it is (-1). */
static int read_boot_vga(int dir, const char *at, struct pci_fn *f)
{
        int r, v;

        r = attr_int(dir, at, &v);
        if (r == 0)
                f->boot_vga = v != 0;
        return r == -ENOENT ? 0 : r;
}

static int read_numa_node(int dir, const char *at, struct pci_fn *f)
{
        int r, v;

        r = attr_int(dir, at, &v);
        if (r == 0 && v >= 0)
                f->numa_node = v;
        return r == -ENOENT ? 0 : r;
}

/* The kernel's boot_vga reads 1 for vgaarb's default VGA device and 0 for
 * every other VGA function; only when there is no default device does each
 * function answer for itself (its shadowed ROM). /dev/vga_arbiter, freshly
 * opened, names that device: "count:N,PCI:DDDD:BB:DD.F,decodes=..." or
 * "invalid". One read then answers for a fleet of GPUs; without the node,
 * or with no default device, every VGA function is asked. Opening it takes
 * no lock: an arbiter client locks only what it writes for. */
static void vga_default_read(struct host *h)
{
        _cleanup_free_ char *path = root_path("/dev/vga_arbiter");
        char buf[256], *p, *end;
        struct pci_addr a;

        h->vga_default = VGA_DEFAULT_ASK_EACH;
        if (!path || read_attr_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
                return;
        p = strstr(buf, ",PCI:");
        if (!p || !(end = strchr(p + 5, ',')))
                return;
        *end = '\0';
        if (pci_addr_parse(p + 5, &a, NULL) < 0)
                return;
        h->vga_default = VGA_DEFAULT_KNOWN;
        h->vga_default_key = pci_addr_key(&a);
}

int host_basics(struct host *h, struct pci_fn *f)
{
        char path[FN_ATTR_MAX];
        int dir, r;

        if (f->details || f->basics)
                return 0;
        dir = devices_fd(h);
        if (dir < 0)
                return dir;
        /* Each function's own: firmware's _PXM is per device, and a write
         * to numa_node (a workaround for broken firmware) changes one. */
        r = read_numa_node(dir, fn_attr(path, f->bdf, "numa_node"), f);
        if (r == 0 && has_boot_vga(f)) {
                if (h->vga_default == VGA_DEFAULT_UNREAD)
                        vga_default_read(h);
                if (h->vga_default == VGA_DEFAULT_KNOWN)
                        f->boot_vga = pci_addr_key(&f->addr) == h->vga_default_key;
                else
                        r = read_boot_vga(dir, fn_attr(path, f->bdf, "boot_vga"), f);
        }
        if (r == 0) {
                /* detect-reset asks it of every claim; absent is an answer */
                r = attr_kept(h, dir, fn_attr(path, f->bdf, "reset_method"), &f->reset_method);
        }
        if (r < 0)
                return r;
        f->basics = true;
        return 0;
}

int host_details(struct host *h, struct pci_fn *f)
{
        _cleanup_close_ int dfd = -1;
        struct pci_bars bars = { 0 };
        char buf[64];
        bool any_resizable = false;
        int dir, r, v;

        if (f->details)
                return 0;
        dir = devices_fd(h);
        if (dir < 0)
                return dir;
        dfd = openat(dir, f->bdf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;

        for (unsigned i = 0; i < PCI_BAR_COUNT; i++)
                bars.now[i] = -1;
        f->numa_node = -1;
        f->boot_vga = -1;
        f->reset_method = NULL; /* host_basics may have read it */
        r = read_numa_node(dfd, "numa_node", f);
        if (r < 0)
                return r;
        if ((r = attr_kept(h, dfd, "local_cpulist", &f->local_cpulist)) < 0 ||
            (r = attr_kept(h, dfd, "reset_method", &f->reset_method)) < 0 ||
            (r = attr_kept(h, dfd, "driver_override", &f->driver_override)) < 0)
                return r;
        if (f->driver_override && streq(f->driver_override, "(null)")) {
                f->driver_override = NULL;
        }
        r = has_boot_vga(f) ? read_boot_vga(dfd, "boot_vga", f) : 0;
        if (r < 0)
                return r;
        r = attr_int(dfd, "sriov_totalvfs", &v);
        if (r == 0) {
                if (v < 0)
                        return -EBADMSG;
                f->sriov_totalvfs = v;
                r = attr_int(dfd, "sriov_numvfs", &v);
                if (r < 0 && r != -ENOENT)
                        return r;
                f->sriov_numvfs = r == 0 && v > 0 ? v : 0;
        } else if (r != -ENOENT)
                return r;
        for (unsigned i = 0; i < PCI_BAR_COUNT; i++) {
                char name[32];
                uint64_t mask;

                snprintf(name, sizeof(name), "resource%u_resize", i);
                r = read_attr_at(dfd, name, buf, sizeof(buf));
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r == -EFBIG ? -EBADMSG : r;
                if (parse_hex(buf, UINT64_MAX, &mask) < 0)
                        return -EBADMSG;
                bars.resizable[i] = true;
                bars.sizes[i] = mask;
                any_resizable = true;
        }
        /* The current sizes, only where a BAR can be resized: one more read for those few. */
        if (any_resizable) {
                char res[2048];

                if (read_attr_at(dfd, "resource", res, sizeof(res)) >= 0)
                        bar_sizes_now(res, bars.now);
                free(f->bars);
                f->bars = malloc(sizeof(bars));
                if (!f->bars)
                        return -ENOMEM;
                *f->bars = bars;
        }
        {
                char target[PATH_MAX];
                ssize_t n = readlinkat(dfd, "physfn", target, sizeof(target) - 1);

                if (n >= 0) {
                        const char *base;

                        target[n] = '\0';
                        base = strrchr(target, '/');
                        base = base ? base + 1 : target;
                        if (pci_addr_parse(base, &f->physfn, NULL) < 0)
                                return -EBADMSG;
                        f->is_vf = true;
                }
        }
        f->details = true;
        return 0;
}

static int cmp_fn(const void *a, const void *b)
{
        uint32_t x = pci_addr_key(&(*(struct pci_fn *const *)a)->addr);
        uint32_t y = pci_addr_key(&(*(struct pci_fn *const *)b)->addr);

        return x < y ? -1 : x > y;
}

int host_scan(struct host *h, struct pci_fn *const **ret, size_t *n, size_t *n_bad)
{
        struct pci_fn **all = NULL;
        size_t k = 0, alloc = 0, bad = 0;
        struct dirent *de;
        DIR *d;
        int fd, r = 0;

        if (h->scanned)
                goto done;
        fd = devices_fd(h);
        if (fd < 0)
                return fd;
        fd = dup(fd);
        if (fd < 0 || !(d = fdopendir(fd))) {
                r = -errno;
                if (fd >= 0)
                        close(fd);
                return r;
        }
        rewinddir(d);
        while ((de = readdir(d))) {
                struct pci_addr a;
                struct pci_fn *f;

                if (de->d_name[0] == '.')
                        continue;
                if (pci_addr_parse(de->d_name, &a, NULL) < 0) {
                        bad++;
                        continue;
                }
                r = host_get(h, &a, &f);
                if (r == -ENOMEM)
                        break;
                if (r < 0) {
                        bad++;
                        r = 0;
                        continue;
                }
                if (GROW(all, k, alloc) < 0) {
                        r = -ENOMEM;
                        break;
                }
                all[k++] = f;
        }
        closedir(d);
        if (r < 0) {
                free(all);
                return r;
        }
        if (k)
                qsort(all, k, sizeof(*all), cmp_fn);
        h->all = all;
        h->n_all = k;
        h->n_bad = bad;
        h->scanned = true;
        if (n_bad)
                *n_bad = bad;
        else
                (void)bad;
done:
        *ret = h->all;
        *n = h->n_all;
        return 0;
}

int host_slot(struct host *h, const struct pci_addr *a, struct pci_fn *out[8], size_t *n)
{
        size_t k = 0;

        for (uint8_t fn = 0; fn < 8; fn++) {
                struct pci_addr b = *a;
                struct pci_fn *f;
                int r;

                b.fn = fn;
                r = host_get(h, &b, &f);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                out[k++] = f;
        }
        *n = k;
        return 0;
}

static int cmp_group(const void *a, const void *b)
{
        const struct pci_fn *x = *(struct pci_fn *const *)a, *y = *(struct pci_fn *const *)b;

        if (x->iommu_group != y->iommu_group)
                return x->iommu_group < y->iommu_group ? -1 : 1;
        return cmp_fn(a, b);
}

/* After a scan every function's group is known: the members of g are a
 * range of the functions sorted by group, found by bisection, and no group
 * directory is read. */
static int group_from_scan(struct host *h, int g, struct pci_fn ***ret, size_t *n)
{
        size_t lo = 0, hi = h->n_all, end;

        if (!h->by_group && h->n_all) {
                h->by_group = xrealloc_array(NULL, h->n_all, sizeof(*h->by_group));
                if (!h->by_group)
                        return -ENOMEM;
                memcpy(h->by_group, h->all, h->n_all * sizeof(*h->by_group));
                qsort(h->by_group, h->n_all, sizeof(*h->by_group), cmp_group);
        }
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (h->by_group[mid]->iommu_group < g)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (end = lo; end < h->n_all && h->by_group[end]->iommu_group == g; end++)
                ;
        if (end == lo)
                return -ENOENT;
        *ret = xrealloc_array(NULL, end - lo, sizeof(**ret));
        if (!*ret)
                return -ENOMEM;
        memcpy(*ret, h->by_group + lo, (end - lo) * sizeof(**ret));
        *n = end - lo;
        return 0;
}

int host_group(struct host *h, int g, struct pci_fn ***ret, size_t *n)
{
        _cleanup_free_ char *path = NULL;
        struct pci_fn **v = NULL;
        size_t k = 0, alloc = 0;
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (h->scanned && h->n_bad == 0 && g >= 0 && group_from_scan(h, g, ret, n) == 0)
                return 0;
        path = strdup_printf("%s/sys/kernel/iommu_groups/%d/devices", root_dir(), g);
        if (!path)
                return -ENOMEM;
        d = opendir(path);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                struct pci_addr a;
                struct pci_fn *f;

                /* Groups can hold non-PCI devices too; those are not ours to judge. */
                if (de->d_name[0] == '.' || pci_addr_parse(de->d_name, &a, NULL) < 0)
                        continue;
                r = host_get(h, &a, &f);
                if (r == -ENOENT) {
                        r = 0;
                        continue;
                }
                if (r < 0)
                        break;
                if (GROW(v, k, alloc) < 0) {
                        r = -ENOMEM;
                        break;
                }
                v[k++] = f;
        }
        closedir(d);
        if (r < 0) {
                free(v);
                return r;
        }
        if (k)
                qsort(v, k, sizeof(*v), cmp_fn);
        *ret = v;
        *n = k;
        return 0;
}

void mdev_types_free(struct mdev_type *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].id);
                free(v[i].name);
                free(v[i].description);
                free(v[i].device_api);
        }
        free(v);
}

int host_mdev_types(struct host *h, const char *parent, struct mdev_type **ret, size_t *n)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int dfd = -1;
        struct mdev_type *v = NULL;
        char **names = NULL;
        size_t k = 0, n_names = 0;
        int r;

        (void)h;
        if (strchr(parent, '/') || streq(parent, ".") || streq(parent, ".."))
                return -EINVAL;
        path = strdup_printf("%s/sys/class/mdev_bus/%s/mdev_supported_types", root_dir(), parent);
        if (!path)
                return -ENOMEM;
        dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        /* in bytewise order, as --list shows them: a message that names the
         * types reads the same on every file system */
        r = dir_names_sorted(dfd, ".", NULL, NULL, &names, &n_names);
        if (r < 0)
                return r;
        if (n_names && !(v = calloc(n_names, sizeof(*v))))
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < n_names; i++) {
                _cleanup_close_ int tfd = openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct mdev_type *t;
                int avail;

                if (tfd < 0)
                        continue;
                t = &v[k++];
                *t = (struct mdev_type){ .available = -1, .id = strdup(names[i]) };
                if (!t->id) {
                        r = -ENOMEM;
                        break;
                }
                if ((r = attr_str(tfd, "name", &t->name)) == -ENOMEM ||
                    (r = attr_str(tfd, "description", &t->description)) == -ENOMEM ||
                    (r = attr_str(tfd, "device_api", &t->device_api)) == -ENOMEM)
                        break;
                r = 0;
                if (attr_int(tfd, "available_instances", &avail) == 0 && avail >= 0)
                        t->available = avail;
        }
        dir_names_free(names, n_names);
        if (r < 0) {
                mdev_types_free(v, k);
                return r;
        }
        *ret = v;
        *n = k;
        return 0;
}

char *host_fn_path(const struct pci_fn *f)
{
        return strdup_printf("%s" DEVICES "/%s", root_dir(), f->bdf);
}

char *host_driver_now(const char *bdf)
{
        _cleanup_free_ char *p = strdup_printf("%s/sys/bus/pci/devices/%s/driver", root_dir(), bdf);
        char target[PATH_MAX];
        ssize_t n;

        if (!p)
                return NULL;
        n = readlink(p, target, sizeof(target) - 1);
        if (n < 0)
                return NULL;
        target[n] = '\0';
        return strdup(strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
}

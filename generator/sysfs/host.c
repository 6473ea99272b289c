/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "host.h"
#include "strpool.h"
#include "sysattr.h"
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
        bool sealed;        /* host_seal(): answers from memory only */
        size_t n_bad;       /* functions the scan could not read */
        struct pci_fn **by_group; /* after a scan: all, sorted by group, then address */
        int devices_fd;
        /* The boot display as vgaarb names it (vga_default_read). */
        enum { VGA_DEFAULT_UNREAD, VGA_DEFAULT_KNOWN, VGA_DEFAULT_ASK_EACH } vga_default;
        uint32_t vga_default_key;
        /* What host_facts() shares between threads: the devices directory,
         * vga_default and the strings. */
        pthread_mutex_t lock;
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
        pthread_mutex_init(&h->lock, NULL);
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
        pthread_mutex_destroy(&h->lock);
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

/* S as the host keeps it: one shared copy. The caller holds h->lock:
 * --list reads facts from several threads. */
static const char *keep_locked(struct host *h, const char *s)
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

static const char *keep(struct host *h, const char *s)
{
        const char *copy;

        pthread_mutex_lock(&h->lock);
        copy = keep_locked(h, s);
        pthread_mutex_unlock(&h->lock);
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
#define FN_ATTR_MAX (PCI_ADDR_STRLEN + sizeof("/resource5_resize"))
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
        char path[FN_ATTR_MAX], base[32];
        int g, r;

        r = sysattr_read_link_base(dir, fn_attr(path, name, "iommu_group"), base, sizeof(base));
        if (r == -ENOENT) {
                *ret = -1;
                return 0;
        }
        if (r < 0)
                return r == -ENOTDIR ? -EBADMSG : r;
        if (parse_int(base, &g) < 0 || g < 0)
                return -EBADMSG;
        *ret = g;
        return 0;
}

/* What every function costs, on a host of thousands of them: one open, one
 * read and one close of its uevent (driver, class, ids and modalias in one
 * go), and one readlink of its iommu_group, both relative to the devices
 * directory. Everything else is read by host_facts, for the few that the
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
        if (h->sealed)
                return -ENOENT; /* not gathered: not there for a renderer */
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

/* A text attribute into BUF (4 KiB, sysfs's page): 1, 0 when the function
 * has no such attribute, or -errno; -EBADMSG when it is not UTF-8. */
static int attr_text(int dfd, const char *name, char buf[static 4096])
{
        int r = sysattr_read_string(dfd, name, buf, 4096);

        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
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

int pci_bar_sizes_read(int dirfd, const char *name, int now[static PCI_BAR_COUNT])
{
        char buf[4096];
        const char *res = buf;
        int r;

        for (unsigned i = 0; i < PCI_BAR_COUNT; i++)
                now[i] = -1;
        /* 17 lines of 57 bytes: a page holds them */
        r = read_attr_at(dirfd, name, buf, sizeof(buf));
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
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
        return 0;
}

int pci_vf_read(int devices_dir, const char *pf_bdf, unsigned i, struct pci_addr *ret)
{
        char link[PCI_ADDR_STRLEN + 32], base[PCI_ADDR_STRLEN];
        int r;

        snprintf(link, sizeof(link), "%s/virtfn%u", pf_bdf, i);
        r = sysattr_read_link_base(devices_dir, link, base, sizeof(base));
        if (r < 0)
                return r;
        return pci_addr_parse(base, ret, NULL) < 0 ? -EBADMSG : 0;
}

/* The kernel gives boot_vga only to VGA-class functions (pci_is_vga():
 * 0x0300, and the pre-class-code 0x0001): the rest are not asked. A 3D or
 * other display controller (0x0302, 0x0380) has none, whatever a copied
 * tree holds. */
static bool has_boot_vga(const struct pci_fn *f)
{
        return (f->class >> 8) == 0x0300 || (f->class >> 8) == 0x0001;
}

/* The kernel's boot_vga reads 1 for vgaarb's default VGA device and 0 for
 * every other VGA function; only when there is no default device does each
 * function answer for itself (its shadowed ROM). /dev/vga_arbiter, freshly
 * opened, names that device: "count:N,PCI:DDDD:BB:DD.F,decodes=..." or
 * "invalid". One read then answers for a fleet of GPUs; without the node,
 * or with no default device, every VGA function is asked. Opening it takes
 * no lock: an arbiter client locks only what it writes for. Called with
 * the host's lock held. */
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

/* A function's attributes by name: below its own directory when it is
 * open, else as "BDF/ATTR" below the devices directory, which saves the
 * open of a directory for the one or two attributes most calls want. */
struct fn_at {
        int dir;
        bool own;
        const char *bdf;
        char path[FN_ATTR_MAX];
};

static const char *at(struct fn_at *d, const char *attr)
{
        return d->own ? attr : fn_attr(d->path, d->bdf, attr);
}

static int read_numa(struct host *h, struct fn_at *d, struct pci_fn *f)
{
        int r, v;

        (void)h;
        f->numa_node = -1;
        r = sysattr_read_int(d->dir, at(d, "numa_node"), &v);
        if (r == 0 && v >= 0)
                f->numa_node = v;
        return r == -ENOENT ? 0 : r;
}

/* boot_vga is 1 for the device the firmware booted on
 * (Documentation/ABI/testing/sysfs-bus-pci), which the kernel decides as
 * vga_default_read() says: the one answer for the check, apply and --list. */
static int read_boot_vga(struct host *h, struct fn_at *d, struct pci_fn *f)
{
        bool known;
        unsigned v;
        int r;

        f->boot_vga = -1;
        if (!has_boot_vga(f))
                return 0;
        pthread_mutex_lock(&h->lock);
        if (h->vga_default == VGA_DEFAULT_UNREAD)
                vga_default_read(h);
        known = h->vga_default == VGA_DEFAULT_KNOWN;
        pthread_mutex_unlock(&h->lock);
        if (known) {
                f->boot_vga = pci_addr_key(&f->addr) == h->vga_default_key;
                return 0;
        }
        /* "%u": 0 or 1 */
        r = sysattr_read_unsigned(d->dir, at(d, "boot_vga"), &v);
        if (r == 0)
                f->boot_vga = v != 0;
        return r == -ENOENT ? 0 : r;
}

static int read_reset(struct host *h, struct fn_at *d, struct pci_fn *f)
{
        /* detect-reset asks it of every claim; absent is an answer */
        f->reset_method = NULL;
        return attr_kept(h, d->dir, at(d, "reset_method"), &f->reset_method);
}

static int read_cpus(struct host *h, struct fn_at *d, struct pci_fn *f)
{
        f->local_cpulist = NULL;
        return attr_kept(h, d->dir, at(d, "local_cpulist"), &f->local_cpulist);
}

static int read_override(struct host *h, struct fn_at *d, struct pci_fn *f)
{
        int r;

        f->driver_override = NULL;
        r = attr_kept(h, d->dir, at(d, "driver_override"), &f->driver_override);
        if (r == 0 && f->driver_override && streq(f->driver_override, "(null)"))
                f->driver_override = NULL;
        return r;
}

/* sriov_totalvfs is the kernel's "%u" of a 16-bit count, and only an
 * endpoint has one (sriov_init() turns down every other PCI Express type):
 * a bridge is not asked, and a negative or oversized number is no kernel's
 * (-EBADMSG), never "not a PF". */
static int read_sriov(struct host *h, struct fn_at *d, struct pci_fn *f)
{
        unsigned total, num;
        int r;

        (void)h;
        f->sriov_totalvfs = -1;
        f->sriov_numvfs = 0;
        if (pci_fn_is_bridge(f))
                return 0;
        r = sysattr_read_unsigned(d->dir, at(d, "sriov_totalvfs"), &total);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (total > UINT16_MAX)
                return -EBADMSG;
        r = sysattr_read_unsigned(d->dir, at(d, "sriov_numvfs"), &num);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == 0 && num > UINT16_MAX)
                return -EBADMSG;
        f->sriov_totalvfs = (int)total;
        f->sriov_numvfs = r == 0 ? (int)num : 0;
        return 0;
}

static int read_bars(struct host *h, struct fn_at *d, struct pci_fn *f)
{
        struct pci_bars bars = { 0 };
        bool any_resizable = false;
        int r;

        (void)h;
        free(f->bars);
        f->bars = NULL;
        for (unsigned i = 0; i < PCI_BAR_COUNT; i++) {
                char name[32];
                uint64_t mask;

                snprintf(name, sizeof(name), "resource%u_resize", i);
                r = sysattr_read_hex(d->dir, at(d, name), UINT64_MAX, &mask);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                bars.resizable[i] = true;
                bars.sizes[i] = mask;
                any_resizable = true;
        }
        if (!any_resizable)
                return 0;
        /* The current sizes, only where a BAR can be resized: one more read for those few. */
        (void)pci_bar_sizes_read(d->dir, at(d, "resource"), bars.now);
        f->bars = malloc(sizeof(bars));
        if (!f->bars)
                return -ENOMEM;
        *f->bars = bars;
        return 0;
}

/* A VF is what has a physfn link: the kernel makes one on every VF
 * (Documentation/ABI/testing/sysfs-bus-pci), and it names the PF even where
 * the PF's virtfnN links are not to be counted on (sriov_numvfs read before
 * the VFs came, a tree copied in part). */
static int read_physfn(struct host *h, struct fn_at *d, struct pci_fn *f)
{
        char base[PCI_ADDR_STRLEN];
        int r;

        (void)h;
        f->is_vf = false;
        if (pci_fn_is_bridge(f))
                return 0; /* a VF is an endpoint */
        r = sysattr_read_link_base(d->dir, at(d, "physfn"), base, sizeof(base));
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (pci_addr_parse(base, &f->physfn, NULL) < 0)
                return -EBADMSG;
        f->is_vf = true;
        return 0;
}

/* In HOST_* bit order: the order in which a call reads them. */
static int (*const readers[])(struct host *, struct fn_at *, struct pci_fn *) = {
        read_numa, read_boot_vga, read_reset, read_cpus,
        read_override, read_sriov, read_bars, read_physfn,
};

int host_facts(struct host *h, struct pci_fn *f, unsigned what)
{
        _cleanup_close_ int dfd = -1;
        unsigned want = what & HOST_DETAILS & ~f->loaded;
        struct fn_at d = { .bdf = f->bdf };
        int r = 0;

        if (!want)
                return 0;
        if (h->sealed)
                return -ENODATA;
        pthread_mutex_lock(&h->lock);
        d.dir = devices_fd(h);
        pthread_mutex_unlock(&h->lock);
        if (d.dir < 0)
                return d.dir;
        /* Many attributes: one walk through the bus's link, then each
         * relative to the function's own directory. */
        if (__builtin_popcount(want) > 3) {
                dfd = openat(d.dir, f->bdf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd < 0)
                        return -errno;
                d.dir = dfd;
                d.own = true;
        }
        for (unsigned i = 0; r == 0 && i < ELEMENTSOF(readers); i++) {
                if (!(want & 1u << i))
                        continue;
                r = readers[i](h, &d, f);
                if (r == 0)
                        f->loaded |= 1u << i;
        }
        f->basics = (f->loaded & HOST_BASICS) == HOST_BASICS;
        f->details = (f->loaded & HOST_DETAILS) == HOST_DETAILS;
        return r;
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
        if (h->sealed)
                return -ENODATA;
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
        if (h->sealed)
                return -ENODATA;
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

        if (h->sealed)
                return -ENODATA;
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
                if (sysattr_read_int(tfd, "available_instances", &avail) == 0 && avail >= 0)
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
        char name[PATH_MAX];

        if (!p || sysattr_read_link_base(AT_FDCWD, p, name, sizeof(name)) < 0)
                return NULL;
        return strdup(name);
}

int host_devices_dir(struct host *h)
{
        return h->sealed ? -ENODATA : devices_fd(h);
}

void host_seal(struct host *h)
{
        h->sealed = true;
}

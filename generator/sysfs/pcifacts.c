/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "pcicfg.h"
#include "pcifacts.h"
#include "util.h"

int config_reset_methods(const unsigned char *cfg, size_t len, const char *out[static 2])
{
        int n = 0, flr, af;

        /* A list too short to walk (the unprivileged 64 bytes) is unknown; a
         * broken one (a loop, all ones) offers nothing. */
        flr = pcicfg_has_flr(cfg, len);
        if (flr == -ENODATA)
                return flr;
        if (flr > 0)
                out[n++] = "flr";
        af = pcicfg_find_cap(cfg, len, PCICFG_CAP_AF);
        /* Advanced Features: Transactions Pending and FLR both capable */
        if (af >= 0 && (cfg[af + 3] & 0x03) == 0x03)
                out[n++] = "af_flr";
        return n;
}

/* A function's attributes, by name below its directory. */
struct fnat {
        int dir;
        size_t base;
        char path[PCI_ADDR_STRLEN + 64];
};

static const char *at(struct fnat *a, const char *name)
{
        snprintf(a->path + a->base, sizeof(a->path) - a->base, "%s", name);
        return a->path;
}

static int attr(struct fnat *dfd, const char *name, char *buf, size_t size)
{
        int r = read_attr_at(dfd->dir, at(dfd, name), buf, size);

        return r < 0 ? r : string_is_utf8(buf) ? r : -EBADMSG;
}

static int attr_dup(struct fnat *dfd, const char *name, char **ret)
{
        char buf[1024];

        if (attr(dfd, name, buf, sizeof(buf)) < 0 || !*buf)
                return 0;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static int attr_int(struct fnat *dfd, const char *name, int *ret)
{
        char buf[32];
        int v;

        int r = attr(dfd, name, buf, sizeof(buf));

        if (r < 0)
                return r;
        if (parse_int(buf, &v) < 0)
                return -EBADMSG;
        *ret = v;
        return 0;
}

static int add_word(char ***v, size_t *n, const char *w, size_t len)
{
        char **nv = xrealloc_array(*v, *n + 2, sizeof(char *));

        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[*n] = strndup(w, len)))
                return -ENOMEM;
        nv[++*n] = NULL;
        return 0;
}

static int read_reset(struct fnat *dfd, struct pci_facts *x)
{
        char buf[256];
        int r = attr(dfd, "reset_method", buf, sizeof(buf));

        if (r >= 0) {
                /* An empty list is a fact too: the kernel offers no reset. */
                x->reset_methods = calloc(1, sizeof(char *));
                if (!x->reset_methods)
                        return -ENOMEM;
                for (const char *p = buf + strspn(buf, " "); *p; p += strspn(p, " ")) {
                        size_t len = strcspn(p, " ");

                        if (add_word(&x->reset_methods, &x->n_reset_methods, p, len) < 0)
                                return -ENOMEM;
                        p += len;
                }
                return 0;
        }
        if (r != -ENOENT)
                return 0;
        /* Before Linux 5.15 there is no attribute: FLR is what config space tells. */
        {
                unsigned char cfg[4096];
                const char *m[2];
                _cleanup_close_ int fd = openat(dfd->dir, at(dfd, "config"), O_RDONLY | O_CLOEXEC);
                ssize_t len;
                int k;

                if (fd < 0 || (len = read(fd, cfg, sizeof(cfg))) <= 0)
                        return 0;
                k = config_reset_methods(cfg, (size_t)len, m);
                if (k < 0)
                        return 0;
                x->reset_methods = calloc(1, sizeof(char *));
                if (!x->reset_methods)
                        return -ENOMEM;
                x->reset_from_config = true;
                for (int i = 0; i < k; i++)
                        if (add_word(&x->reset_methods, &x->n_reset_methods, m[i],
                                     strlen(m[i])) < 0)
                                return -ENOMEM;
        }
        return 0;
}

static int read_mdev_types(struct fnat *dfd, struct pci_facts *x)
{
        int r = dir_names_sorted(dfd->dir, at(dfd, "mdev_supported_types"), NULL, NULL,
                                 &x->mdev_types, &x->n_mdev_types);

        /* none: not an mdev parent */
        return r == -ENOMEM ? r : 0;
}

void pci_facts_init(struct pci_facts *x)
{
        *x = (struct pci_facts){
                .numa_node = -1, .boot_vga = -1, .sriov_total = -1,
                .link_width = -1, .link_max_width = -1,
        };
}

int pci_facts_read(int devices_dir, const struct pci_fn *f, unsigned what, struct pci_facts *ret)
{
        _cleanup_close_ int fd = -1;
        struct fnat a = { .base = 0 }, *dfd = &a;
        struct pci_facts x;
        int r, v;

        pci_facts_init(&x);
        *ret = x;
        /* One walk through the bus's symlink, then each attribute relative to it. */
        fd = openat(devices_dir, f->bdf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        a.dir = fd;
        if (attr_int(dfd, "numa_node", &v) == 0 && v >= 0)
                x.numa_node = v;
        if (((what & PCI_FACTS_CPUS) && (r = attr_dup(dfd, "local_cpulist", &x.local_cpus)) < 0) ||
            (r = read_reset(dfd, &x)) < 0)
                goto fail;
        if (pci_fn_is_display(f) && attr_int(dfd, "boot_vga", &v) == 0)
                x.boot_vga = v != 0;
        /* SR-IOV is an endpoint's capability: a bridge is not asked. */
        if (!pci_fn_is_bridge(f) && attr_int(dfd, "sriov_totalvfs", &v) == 0 && v >= 0) {
                x.sriov_total = v;
                x.sriov_current = attr_int(dfd, "sriov_numvfs", &v) == 0 && v > 0 ? v : 0;
        }
        if ((what & PCI_FACTS_MDEV) && (r = read_mdev_types(dfd, &x)) < 0)
                goto fail;
        if (what & PCI_FACTS_LINK) {
                if ((r = attr_dup(dfd, "current_link_speed", &x.link_speed)) < 0)
                        goto fail;
                /* Without the first, a function that is no PCI Express one has none. */
                if (x.link_speed && (r = attr_dup(dfd, "max_link_speed", &x.link_max_speed)) < 0)
                        goto fail;
                if (x.link_speed && attr_int(dfd, "current_link_width", &v) == 0 && v >= 0)
                        x.link_width = v;
                if (x.link_speed && attr_int(dfd, "max_link_width", &v) == 0 && v >= 0)
                        x.link_max_width = v;
        }
        if ((r = vfio_nodes_read(fd, f, &x.vfio)) < 0)
                goto fail;
        *ret = x;
        return 0;
fail:
        pci_facts_done(&x);
        return r;
}

int pci_facts_read_cpus(int devices_dir, const struct pci_fn *f, struct pci_facts *x)
{
        struct fnat a = { .dir = devices_dir };

        a.base = (size_t)snprintf(a.path, sizeof(a.path), "%s/", f->bdf);
        free(x->local_cpus);
        x->local_cpus = NULL;
        return attr_dup(&a, "local_cpulist", &x->local_cpus);
}

int pci_facts_vfs(int devices_dir, const struct pci_fn *pf, int n, struct pci_addr *out)
{
        int k = 0;

        for (int i = 0; i < n; i++) {
                char link[PCI_ADDR_STRLEN + 32], target[PATH_MAX];
                const char *base;
                ssize_t len;

                snprintf(link, sizeof(link), "%s/virtfn%d", pf->bdf, i);
                len = readlinkat(devices_dir, link, target, sizeof(target) - 1);
                if (len <= 0)
                        continue;
                target[len] = '\0';
                base = strrchr(target, '/');
                base = base ? base + 1 : target;
                if (pci_addr_parse(base, &out[k], NULL) == 0)
                        k++;
        }
        return k;
}

static void strv_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

void pci_facts_done(struct pci_facts *x)
{
        free(x->local_cpus);
        strv_free(x->reset_methods, x->n_reset_methods);
        strv_free(x->mdev_types, x->n_mdev_types);
        free(x->link_speed);
        free(x->link_max_speed);
        vfio_nodes_done(&x->vfio);
        pci_facts_init(x);
}

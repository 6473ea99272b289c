/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "pcicfg.h"
#include "pcifacts.h"
#include "sysattr.h"
#include "util.h"

/* What --list shows of the host model's facts. */
#define LIST_FACTS (HOST_NUMA | HOST_BOOT_VGA | HOST_RESET | HOST_CPUS | HOST_SRIOV | HOST_PHYSFN)

/* A function's attributes, by name below the devices directory. */
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

static int attr_dup(struct fnat *dfd, const char *name, char **ret)
{
        char buf[1024];

        if (sysattr_read_string(dfd->dir, at(dfd, name), buf, sizeof(buf)) < 0 || !*buf)
                return 0;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
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

/* The host's reset_method, word by word. */
static int reset_words(const char *list, struct pci_facts *x)
{
        /* An empty list is a fact too: the kernel offers no reset. */
        x->reset_methods = calloc(1, sizeof(char *));
        if (!x->reset_methods)
                return -ENOMEM;
        for (const char *p = list + strspn(list, " "); *p; p += strspn(p, " ")) {
                size_t len = strcspn(p, " ");

                if (add_word(&x->reset_methods, &x->n_reset_methods, p, len) < 0)
                        return -ENOMEM;
                p += len;
        }
        return 0;
}

static int read_reset(struct fnat *dfd, const struct pci_fn *f, struct pci_facts *x)
{
        uint8_t cfg[256];
        const char *m[2];
        int len, k;

        if (f->reset_method)
                return reset_words(f->reset_method, x);
        /* Before Linux 5.15 there is no attribute: FLR is what config space tells. */
        len = pcicfg_read_at(dfd->dir, at(dfd, "config"), cfg, sizeof(cfg));
        if (len <= 0)
                return 0;
        k = pcicfg_reset_methods(cfg, (size_t)len, m);
        if (k < 0)
                return 0;
        x->reset_methods = calloc(1, sizeof(char *));
        if (!x->reset_methods)
                return -ENOMEM;
        x->reset_from_config = true;
        for (int i = 0; i < k; i++)
                if (add_word(&x->reset_methods, &x->n_reset_methods, m[i], strlen(m[i])) < 0)
                        return -ENOMEM;
        return 0;
}

/* The host model's facts of f, which host_facts has read. */
static int host_part(struct fnat *dfd, const struct pci_fn *f, struct pci_facts *x)
{
        x->numa_node = f->numa_node;
        x->local_cpus = f->local_cpulist;
        x->boot_vga = f->boot_vga;
        x->sriov_total = f->sriov_totalvfs;
        x->sriov_current = f->sriov_totalvfs >= 0 ? f->sriov_numvfs : 0;
        x->is_vf = f->is_vf;
        if (f->is_vf)
                pci_addr_format(&f->physfn, x->physfn);
        return read_reset(dfd, f, x);
}

static int read_mdev_types(struct fnat *dfd, struct pci_facts *x)
{
        int r = dir_names_sorted(dfd->dir, at(dfd, "mdev_supported_types"), NULL, NULL,
                                 &x->mdev_types, &x->n_mdev_types);

        /* none: not an mdev parent */
        return r == -ENOMEM ? r : 0;
}

static int read_link(struct fnat *dfd, struct pci_facts *x)
{
        unsigned v;
        int r;

        if ((r = attr_dup(dfd, "current_link_speed", &x->link_speed)) < 0)
                return r;
        /* Without the first, a function that is no PCI Express one has none. */
        if (!x->link_speed)
                return 0;
        if ((r = attr_dup(dfd, "max_link_speed", &x->link_max_speed)) < 0)
                return r;
        if (sysattr_read_unsigned(dfd->dir, at(dfd, "current_link_width"), &v) == 0 && v <= INT_MAX)
                x->link_width = (int)v;
        if (sysattr_read_unsigned(dfd->dir, at(dfd, "max_link_width"), &v) == 0 && v <= INT_MAX)
                x->link_max_width = (int)v;
        return 0;
}

void pci_facts_init(struct pci_facts *x)
{
        *x = (struct pci_facts){
                .numa_node = -1, .boot_vga = -1, .sriov_total = -1,
                .link_width = -1, .link_max_width = -1,
        };
}

int pci_facts_read(struct host *h, struct pci_fn *f, unsigned what, struct pci_facts *ret)
{
        struct fnat a = { .base = 0 }, *dfd = &a;
        struct pci_facts x;
        int r;

        pci_facts_init(&x);
        *ret = x;
        a.dir = host_devices_dir(h);
        if (a.dir < 0) {
                ret->error = a.dir;
                return 0;
        }
        a.base = (size_t)snprintf(a.path, sizeof(a.path), "%s/", f->bdf);
        r = host_facts(h, f, LIST_FACTS);
        if (r == -ENOMEM)
                return r;
        x.error = r;
        if (r == 0 && (r = host_part(dfd, f, &x)) < 0)
                goto fail;
        if ((what & PCI_FACTS_MDEV) && (r = read_mdev_types(dfd, &x)) < 0)
                goto fail;
        if ((what & PCI_FACTS_LINK) && (r = read_link(dfd, &x)) < 0)
                goto fail;
        if ((r = vfio_nodes_read(-1, f, &x.vfio)) < 0)
                goto fail;
        *ret = x;
        return 0;
fail:
        pci_facts_done(&x);
        return r;
}

static void strv_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

void pci_facts_done(struct pci_facts *x)
{
        strv_free(x->reset_methods, x->n_reset_methods);
        strv_free(x->mdev_types, x->n_mdev_types);
        free(x->link_speed);
        free(x->link_max_speed);
        vfio_nodes_done(&x->vfio);
        pci_facts_init(x);
}

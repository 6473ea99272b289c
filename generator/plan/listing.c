/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listing (listing.h): one pass over the bus, each function's uevent
 * and group link, then a handful of its attributes (the host model,
 * pcifacts.h) on every CPU; the IOMMU state, the module index and the root
 * disk from the plan, and the module lookup made once per distinct
 * modalias. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "hashtab.h"
#include "listing.h"
#include "modules.h"
#include "plan-build.h"
#include "util.h"

/* --- modules per modalias ----------------------------------------------------- */

struct modcache {
        struct gp_modules *m;        /* the plan's; NULL: no module index */
        struct listing_modules **v;  /* each on its own: the functions point at them */
        size_t n, alloc;
        struct hashtab by_modalias;
};

static int cmp_strp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool same_modalias(const void *ctx, size_t value, const void *key)
{
        const struct modcache *c = ctx;

        return streq(c->v[value]->modalias, key);
}

static void modentry_free(struct listing_modules *e)
{
        if (!e)
                return;
        free(e->modalias);
        for (size_t k = 0; k < e->n; k++)
                free(e->names[k]);
        free(e->names);
        free(e);
}

/* The modules for a modalias, from libkmod on its first sight. */
static int modcache_get(struct modcache *c, const char *modalias,
                        const struct listing_modules **ret)
{
        uint32_t h = hash_string(modalias);
        struct module_match *mm = NULL;
        struct listing_modules *e;
        size_t i, n = 0;
        int r;

        if (hashtab_get(&c->by_modalias, h, same_modalias, c, modalias, &i)) {
                *ret = c->v[i];
                return 0;
        }
        if (GROW(c->v, c->n, c->alloc) < 0)
                return -ENOMEM;
        r = modules_for_modalias(c->m, modalias, &mm, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                n = 0;
        e = calloc(1, sizeof(*e));
        if (!e || !(e->modalias = strdup(modalias)) ||
            (n && !(e->names = calloc(n, sizeof(char *))))) {
                modentry_free(e);
                module_matches_free(mm, n);
                return -ENOMEM;
        }
        for (size_t k = 0; k < n; k++) {
                e->names[k] = mm[k].name; /* taken over */
                mm[k].name = NULL;
        }
        e->n = n;
        module_matches_free(mm, n);
        if (n > 1)
                qsort(e->names, n, sizeof(char *), cmp_strp);
        if (hashtab_add(&c->by_modalias, h, same_modalias, c, modalias, c->n, NULL) < 0) {
                modentry_free(e);
                return -ENOMEM;
        }
        c->v[c->n++] = e;
        *ret = e;
        return 0;
}

static void modcache_free(struct modcache *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n; i++)
                modentry_free(c->v[i]);
        free(c->v);
        hashtab_free(&c->by_modalias);
        free(c);
}

/* --- what the config keeps on the host ------------------------------------------- */

static int add_use(struct listing *l, const struct pci_addr *a, enum listing_use_kind kind,
                   const char *entry)
{
        struct listing_use *u = xrealloc_array(l->uses, l->n_uses + 1, sizeof(*u));

        if (!u)
                return -ENOMEM;
        l->uses = u;
        u[l->n_uses++] = (struct listing_use){ .addr = *a, .kind = kind, .entry = entry };
        return 0;
}

/* The functions the sriov, mdev and vgpu entries keep, in config order. */
static int gather_uses(struct listing *l, const struct conf *c)
{
        int r = 0;

        for (size_t i = 0; r == 0 && i < c->n_sriovs; i++)
                r = add_use(l, &c->sriovs[i].pf, LISTING_USE_SRIOV, c->sriovs[i].name);
        for (size_t i = 0; r == 0 && i < c->n_mdevs; i++) {
                struct pci_addr a;

                /* a parent that is no PCI address is no function listed here */
                if (pci_addr_parse(c->mdevs[i].parent, &a, NULL) == 0)
                        r = add_use(l, &a, LISTING_USE_MDEV, c->mdevs[i].name);
        }
        for (size_t i = 0; r == 0 && i < c->n_vgpus; i++)
                r = add_use(l, &c->vgpus[i].pf, LISTING_USE_VGPU, c->vgpus[i].name);
        return r;
}

const struct listing_use *listing_use_of(const struct listing *l, const struct pci_addr *a)
{
        for (size_t i = 0; i < l->n_uses; i++)
                if (pci_addr_eq(&l->uses[i].addr, a))
                        return &l->uses[i];
        return NULL;
}

int listing_slot(const struct listing *l, const struct pci_addr *a, struct pci_fn *out[8],
                 size_t *n)
{
        /* the host is scanned: the slot's functions are all in its table */
        return host_slot(l->plan->host, a, out, n);
}

/* --- reading the facts, on every CPU ------------------------------------------------ */

static int copy_link(struct pci_facts *to, const struct pci_facts *from)
{
        free(to->link_speed);
        free(to->link_max_speed);
        to->link_speed = from->link_speed ? strdup(from->link_speed) : NULL;
        to->link_max_speed = from->link_max_speed ? strdup(from->link_max_speed) : NULL;
        to->link_width = from->link_width;
        to->link_max_width = from->link_max_width;
        return (from->link_speed && !to->link_speed) ||
                               (from->link_max_speed && !to->link_max_speed)
                       ? -ENOMEM
                       : 0;
}

/* The functions registered as mdev parents: only they have types to read. */
struct mdev_parents {
        char **names; /* in class/mdev_bus, sorted bytewise */
        size_t n;
};

static int read_mdev_parents(struct mdev_parents *ret)
{
        _cleanup_free_ char *path = root_path("/sys/class/mdev_bus");
        int r;

        if (!path)
                return -ENOMEM;
        r = dir_names_sorted(AT_FDCWD, path, NULL, NULL, &ret->names, &ret->n);
        /* no mdev_bus: no parents */
        return r == -ENOMEM ? r : 0;
}

/* Facts take a handful of syscalls per function, which is most of the
 * time on a big host; the functions are split into contiguous runs, one
 * per worker, so each keeps the link of its last slot. */
struct worker {
        struct host *h;
        const struct mdev_parents *parents;
        struct listing_fn *it;
        size_t from, to;
        int r;
        pthread_t thread;
};

static void *work(void *u)
{
        struct worker *w = u;
        uint32_t link_slot = UINT32_MAX;
        struct pci_facts link;
        int r = 0;

        pci_facts_init(&link);
        for (size_t i = w->from; r == 0 && i < w->to; i++) {
                struct listing_fn *it = &w->it[i];
                uint32_t slot = pci_addr_key(&it->fn->addr) >> 3;
                bool bridge = pci_fn_is_bridge(it->fn);
                unsigned what = 0;

                /* A bridge's link is the one to the device below it, shown there. */
                what |= !bridge && slot != link_slot ? PCI_FACTS_LINK : 0;
                what |= w->parents->n &&
                                        bsearch(&(const char *){ it->fn->bdf }, w->parents->names,
                                                w->parents->n, sizeof(char *), cmp_strp)
                                ? PCI_FACTS_MDEV
                                : 0;
                r = pci_facts_read(w->h, it->fn, what, &it->x);
                if (r == -ENOMEM)
                        break;
                it->facts = r == 0;
                r = 0;
                if (!it->facts)
                        continue;
                if (what & PCI_FACTS_LINK) {
                        r = copy_link(&link, &it->x);
                        link_slot = slot;
                } else if (!bridge)
                        r = copy_link(&it->x, &link);
        }
        pci_facts_done(&link);
        w->r = r;
        return NULL;
}

static int read_facts(struct host *h, const struct mdev_parents *parents, struct listing_fn *it,
                      size_t n)
{
        struct worker w[4];
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        size_t k = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus;
        int r = 0;

        if (n < 512)
                k = 1; /* threads cost more than they save */
        for (size_t i = 0; i < k; i++)
                w[i] = (struct worker){ .h = h, .parents = parents, .it = it,
                                        .from = n * i / k, .to = n * (i + 1) / k };
        /* Runs do not split a slot: the cache keeps its link. */
        for (size_t i = 1; i < k; i++) {
                while (w[i].from < n && w[i].from > 0 &&
                       pci_addr_same_slot(&it[w[i].from - 1].fn->addr, &it[w[i].from].fn->addr))
                        w[i].from++;
                w[i - 1].to = w[i].from;
        }
        bool started[4] = { false };

        for (size_t i = 1; i < k; i++)
                started[i] = pthread_create(&w[i].thread, NULL, work, &w[i]) == 0;
        /* Whatever did not get a thread of its own, this one does. */
        for (size_t i = 0; i < k; i++)
                if (!started[i])
                        work(&w[i]);
        for (size_t i = 0; i < k; i++) {
                if (started[i])
                        pthread_join(w[i].thread, NULL);
                if (w[i].r < 0)
                        r = w[i].r;
        }
        return r;
}

/* --- the listing ----------------------------------------------------------------- */

/* What needs the shared caches: the config entry, the root disk, modules. */
static int fill(struct listing *l, struct listing_fn *it)
{
        const struct claim *c = plan_find_claim(l->plan, &it->fn->addr);
        int r;

        it->entry = c ? c->entry->name : NULL;
        it->used = listing_use_of(l, &it->fn->addr) != NULL;
        it->root_disk = rootdisk_known_has(&l->plan->rootdisk, &it->fn->addr);
        if (l->mods->m && it->fn->modalias) {
                r = modcache_get(l->mods, it->fn->modalias, &it->mods);
                if (r < 0)
                        return r;
        }
        l->n_shown++;
        l->n_claimed += c != NULL;
        l->n_used += it->used;
        return 0;
}

static int cmp_group_addr(const void *a, const void *b)
{
        const struct pci_fn *x = *(struct pci_fn *const *)a, *y = *(struct pci_fn *const *)b;
        unsigned gx = (unsigned)x->iommu_group, gy = (unsigned)y->iommu_group; /* -1 last */
        uint32_t kx = pci_addr_key(&x->addr), ky = pci_addr_key(&y->addr);

        if (gx != gy)
                return gx < gy ? -1 : 1;
        return kx < ky ? -1 : kx > ky;
}

/* The functions in the listing's order, and which are shown: with
 * display, the groups with a display controller and the ungrouped display
 * controllers. */
static int order(struct listing *l, struct pci_fn *const *all, size_t n)
{
        _cleanup_free_ struct pci_fn **v = calloc(n ? n : 1, sizeof(*v));

        l->fns = calloc(n ? n : 1, sizeof(*l->fns));
        if (!v || !l->fns)
                return -ENOMEM;
        if (n)
                memcpy(v, all, n * sizeof(*v));
        qsort(v, n, sizeof(*v), cmp_group_addr);
        for (size_t i = 0; i < n;) {
                size_t j = i;
                bool display = false;

                for (; j < n && v[j]->iommu_group == v[i]->iommu_group; j++)
                        display = display || pci_fn_is_display(v[j]);
                for (; i < j; i++) {
                        struct listing_fn *it = &l->fns[i];

                        it->fn = v[i];
                        pci_facts_init(&it->x);
                        it->shown = !l->display || (v[i]->iommu_group >= 0
                                                            ? display
                                                            : pci_fn_is_display(v[i]));
                        l->n_ungrouped_shown += v[i]->iommu_group < 0 && it->shown;
                        l->n_grouped += v[i]->iommu_group >= 0;
                }
        }
        l->n = n;
        return 0;
}

int listing_build(const struct conf *conf, struct host *h, bool display, struct listing **ret)
{
        struct pci_fn *const *all;
        struct mdev_parents parents = { 0 };
        struct listing *l;
        size_t n = 0;
        int r;

        r = host_devices_dir(h);
        if (r < 0)
                return r;
        l = calloc(1, sizeof(*l));
        if (!l || !(l->mods = calloc(1, sizeof(*l->mods)))) {
                free(l);
                return -ENOMEM;
        }
        l->display = display;
        r = host_scan(h, &all, &n, &l->n_bad);
        if (r < 0)
                goto fail;
        r = plan_resolve(conf, h, &l->plan);
        if (r < 0)
                goto fail;
        r = plan_gather(l->plan, true);
        if (r < 0)
                goto fail;
        l->mods->m = l->plan->modules;
        r = read_mdev_parents(&parents);
        if (r == 0)
                r = gather_uses(l, conf);
        if (r == 0)
                r = order(l, all, n);
        if (r == 0)
                r = read_facts(h, &parents, l->fns, l->n);
        for (size_t i = 0; r == 0 && i < l->n; i++)
                if (l->fns[i].shown)
                        r = fill(l, &l->fns[i]);
        dir_names_free(parents.names, parents.n);
        if (r < 0)
                goto fail;
        *ret = l;
        return 0;
fail:
        listing_free(l);
        return r;
}

void listing_free(struct listing *l)
{
        if (!l)
                return;
        for (size_t i = 0; l->fns && i < l->n; i++)
                pci_facts_done(&l->fns[i].x);
        free(l->fns);
        free(l->uses);
        modcache_free(l->mods);
        plan_free(l->plan);
        free(l);
}

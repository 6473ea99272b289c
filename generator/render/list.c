/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check --list: every IOMMU group, ascending, with its functions by
 * address and what an admin decides on. One pass over the bus: each
 * function's uevent and group link (the host model), then a handful of its
 * attributes; the module lookup is made once per distinct modalias. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include "list.h"
#include "modules.h"
#include "pciids.h"
#include "pcifacts.h"
#include "plan-build.h"
#include "report.h"
#include "rootdisk.h"
#include "util.h"
#include "vfio-nodes.h"

/* --- modules per modalias ----------------------------------------------------- */

struct modentry {
        char *modalias; /* NULL: free slot */
        char **names;   /* sorted */
        size_t n;
};

struct modcache {
        struct gp_modules *m; /* NULL: no module index */
        struct modentry *v;
        size_t cap, used;
};

static uint64_t hash_str(const char *s)
{
        uint64_t h = 1469598103934665603ULL;

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return h;
}

static int cmp_strp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int modcache_grow(struct modcache *c)
{
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct modentry *v = calloc(cap, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < c->cap; i++) {
                size_t j;

                if (!c->v[i].modalias)
                        continue;
                for (j = hash_str(c->v[i].modalias) & (cap - 1); v[j].modalias; j = (j + 1) & (cap - 1))
                        ;
                v[j] = c->v[i];
        }
        free(c->v);
        c->v = v;
        c->cap = cap;
        return 0;
}

/* The modules for a modalias, from libkmod on its first sight. */
static int modcache_get(struct modcache *c, const char *modalias, const struct modentry **ret)
{
        struct module_match *mm = NULL;
        struct modentry *e;
        size_t j, n = 0;
        int r;

        if ((c->used + 1) * 2 > c->cap && modcache_grow(c) < 0)
                return -ENOMEM;
        for (j = hash_str(modalias) & (c->cap - 1); c->v[j].modalias; j = (j + 1) & (c->cap - 1))
                if (streq(c->v[j].modalias, modalias)) {
                        *ret = &c->v[j];
                        return 0;
                }
        e = &c->v[j];
        r = modules_for_modalias(c->m, modalias, &mm, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                n = 0;
        if (!(e->modalias = strdup(modalias)) ||
            (n && !(e->names = calloc(n, sizeof(char *))))) {
                free(e->modalias);
                e->modalias = NULL;
                module_matches_free(mm, n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                e->names[i] = mm[i].name; /* taken over */
                mm[i].name = NULL;
        }
        e->n = n;
        module_matches_free(mm, n);
        if (n > 1)
                qsort(e->names, n, sizeof(char *), cmp_strp);
        c->used++;
        *ret = e;
        return 0;
}

static void modcache_done(struct modcache *c)
{
        for (size_t i = 0; i < c->cap; i++) {
                if (!c->v[i].modalias)
                        continue;
                free(c->v[i].modalias);
                for (size_t k = 0; k < c->v[i].n; k++)
                        free(c->v[i].names[k]);
                free(c->v[i].names);
        }
        free(c->v);
        modules_free(c->m);
}

/* --- one group --------------------------------------------------------------- */

struct item {
        struct pci_fn *fn;
        struct pci_facts x;
        bool facts;                  /* x was read */
        const struct modentry *mods; /* NULL: no module index */
        const char *entry;           /* the config entry that claims it */
        bool root_disk;
        bool shown;                  /* not filtered out by --display */
};

struct lister {
        FILE *f;
        const struct list_options *o;
        struct host *h;
        struct plan *plan;
        struct pciids *db;
        struct modcache mods;
        struct rootdisk_known roots;  /* as the root-disk check knows it */
        int devices_dir;
        bool first_group, first_ungrouped;
        size_t n_groups, n_fns, n_claimed, n_whole;
        size_t n_ungrouped, ungrouped_done;
        struct pci_fn *const *all;    /* the bus, by address */
        size_t n_all;
        char **mdev_parents;          /* names in class/mdev_bus, sorted bytewise */
        size_t n_mdev_parents;
};

/* Can the group go to a VM whole, and the config lines that give it. */
struct verdict {
        bool whole;
        char *reason;   /* why not; NULL when whole */
        char *warnings; /* '\n'-separated; NULL */
        char *suggest;  /* '\n'-separated config lines; NULL when not whole */
};

static void verdict_done(struct verdict *v)
{
        free(v->reason);
        free(v->warnings);
        free(v->suggest);
}

static void slot_name(const struct pci_addr *a, bool with_fn, char *buf, size_t n)
{
        int k = a->domain ? snprintf(buf, n, "vm-%04x-%02x-%02x", a->domain, a->bus, a->dev)
                          : snprintf(buf, n, "vm-%02x-%02x", a->bus, a->dev);

        if (with_fn && k > 0 && (size_t)k < n)
                snprintf(buf + k, n - (size_t)k, "-%u", a->fn);
}

/* A growing string; on a failed allocation it stays as it was and says so. */
struct strbuf {
        char *s;
        size_t len, alloc;
        bool failed;
};

static void strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);
static void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
        va_list ap;
        int k;

        for (int round = 0; round < 2 && !b->failed; round++) {
                size_t room = b->alloc - b->len;

                va_start(ap, fmt);
                k = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
                va_end(ap);
                if (k < 0) {
                        b->failed = true;
                        return;
                }
                if ((size_t)k < room) {
                        b->len += (size_t)k;
                        return;
                }
                {
                        size_t want = b->len + (size_t)k + 1 + 128;
                        char *p = realloc(b->s, want);

                        if (!p) {
                                b->failed = true;
                                return;
                        }
                        b->s = p;
                        b->alloc = want;
                }
        }
}

/* The functions of a's slot, from the bus scan (sorted by address): no
 * probe of the functions a slot does not have. out has room for 8. */
static size_t slot_of(const struct lister *l, const struct pci_addr *a, struct pci_fn *out[8])
{
        uint32_t want = pci_addr_key(a) >> 3;
        size_t lo = 0, hi = l->n_all, k = 0;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (pci_addr_key(&l->all[mid]->addr) >> 3 < want)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (; lo < l->n_all && k < 8 && pci_addr_key(&l->all[lo]->addr) >> 3 == want; lo++)
                out[k++] = l->all[lo];
        return k;
}

/* Whether the config claims every function of a slot already. */
static bool slot_claimed(const struct lister *l, struct pci_fn *const *slot, size_t k)
{
        for (size_t j = 0; j < k; j++)
                if (!plan_find_claim(l->plan, &slot[j]->addr))
                        return false;
        return true;
}

static int judge(struct lister *l, struct item *it, size_t n, struct verdict *v)
{
        struct strbuf w = { 0 }, s = { 0 };
        size_t endpoints = 0;
        uint32_t done_slot = UINT32_MAX;

        *v = (struct verdict){ 0 };
        for (size_t i = 0; i < n && !v->reason; i++) {
                const struct pci_fn *f = it[i].fn;

                if (pci_fn_is_bridge(f))
                        continue;
                endpoints++;
                if ((f->class >> 16) == 0x06) {
                        v->reason = strdup_printf("it holds %s, a host or system bridge (class "
                                                  "0x%06x) that the host needs",
                                                  f->bdf, f->class);
                        if (!v->reason)
                                return -ENOMEM;
                } else if (it[i].root_disk) {
                        v->reason = strdup_printf("it holds %s, the controller of the root "
                                                  "filesystem", f->bdf);
                        if (!v->reason)
                                return -ENOMEM;
                }
        }
        if (!v->reason && endpoints == 0 && !(v->reason = strdup("it holds only PCI bridges")))
                return -ENOMEM;
        if (v->reason)
                return 0;

        for (size_t i = 0; i < n; i++) {
                const struct pci_fn *f = it[i].fn;
                struct pci_fn *slot[8];
                size_t k = 0;
                bool whole_slot = true;
                char name[32], sa[PCI_ADDR_STRLEN];

                if (pci_fn_is_bridge(f))
                        continue;
                if (it[i].facts && it[i].x.boot_vga > 0)
                        strbuf_printf(&w, "%s%s is the boot display: the host console goes dark "
                                      "when it goes to a VM", w.len ? "\n" : "", f->bdf);
                if (pci_addr_key(&f->addr) >> 3 == done_slot)
                        continue;
                /* A slot whose functions are all in this group is claimed whole;
                 * one split across groups function by function. */
                k = slot_of(l, &f->addr, slot);
                if (k == 0)
                        whole_slot = false;
                for (size_t j = 0; j < k; j++)
                        if (slot[j]->iommu_group != f->iommu_group || pci_fn_is_bridge(slot[j]))
                                whole_slot = false;
                if (whole_slot)
                        done_slot = pci_addr_key(&f->addr) >> 3;
                /* A line for what the config claims already would claim nothing. */
                if (whole_slot ? slot_claimed(l, slot, k) : it[i].entry != NULL)
                        continue;
                memcpy(sa, f->bdf, sizeof(sa));
                if (whole_slot) {
                        sa[PCI_ADDR_STRLEN - 3] = '\0';
                        slot_name(&f->addr, false, name, sizeof(name));
                        strbuf_printf(&s, "%sdevice \"%s\" { bdf = \"%s\" expect = \"%04x:%04x\" }",
                                      s.len ? "\n" : "", name, sa, slot[0]->vendor,
                                      slot[0]->device);
                } else {
                        slot_name(&f->addr, true, name, sizeof(name));
                        strbuf_printf(&s, "%sdevice \"%s\" { bdf = \"%s\" functions = single "
                                      "expect = \"%04x:%04x\" }",
                                      s.len ? "\n" : "", name, sa, f->vendor, f->device);
                }
        }
        if (w.failed || s.failed) {
                free(w.s);
                free(s.s);
                return -ENOMEM;
        }
        v->whole = true;
        v->warnings = w.s;
        v->suggest = s.s;
        return 0;
}

/* --- JSON ---------------------------------------------------------------------- */

static void json_strv(FILE *f, char *const *v, size_t n)
{
        fputc_unlocked('[', f);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        json_put(f, ", ");
                json_string(f, v[i]);
        }
        fputc_unlocked(']', f);
}

static void json_bool(FILE *f, const char *key, bool v)
{
        json_put(f, key);
        json_put(f, v ? "true" : "false");
}

static void json_fn(struct lister *l, const struct item *it, const char *indent, bool last)
{
        const struct pci_fn *fn = it->fn;
        const struct pci_facts *x = &it->x;
        FILE *f = l->f;

        json_put(f, indent);
        json_put(f, "{ \"bdf\": \"");
        json_put(f, fn->bdf);
        json_put(f, "\", \"id\": \"");
        json_put_hex(f, fn->vendor, 4);
        fputc_unlocked(':', f);
        json_put_hex(f, fn->device, 4);
        json_put(f, "\", \"subsystem_id\": \"");
        json_put_hex(f, fn->subvendor, 4);
        fputc_unlocked(':', f);
        json_put_hex(f, fn->subdevice, 4);
        json_put(f, "\", \"class\": \"0x");
        json_put_hex(f, fn->class, 6);
        json_put(f, "\", \"name\": ");
        json_string_or_null(f, l->db ? pciids_name(l->db, fn->vendor, fn->device) : NULL);
        json_put(f, ", \"iommu_group\": ");
        json_int_or_null(f, fn->iommu_group);
        json_put(f, ", \"driver\": ");
        json_string_or_null(f, fn->driver);
        json_put(f, ", \"modules\": ");
        if (it->mods)
                json_strv(f, it->mods->names, it->mods->n);
        else
                json_put(f, "null");
        json_put(f, ", \"numa_node\": ");
        json_int_or_null(f, x->numa_node);
        json_put(f, ", \"local_cpus\": ");
        json_string_or_null(f, x->local_cpus);
        json_put(f, ", \"reset_methods\": ");
        if (x->reset_methods)
                json_strv(f, x->reset_methods, x->n_reset_methods);
        else
                json_put(f, "null");
        json_put(f, ", \"reset_source\": ");
        json_put(f, !x->reset_methods ? "null" : x->reset_from_config ? "\"config\"" : "\"reset_method\"");
        json_bool(f, ", \"boot_vga\": ", x->boot_vga > 0);
        json_bool(f, ", \"root_disk\": ", it->root_disk);
        json_bool(f, ", \"bridge\": ", pci_fn_is_bridge(fn));
        json_put(f, ", \"sriov\": ");
        if (x->sriov_total >= 0) {
                json_put(f, "{ \"total_vfs\": ");
                json_put_uint(f, (unsigned)x->sriov_total);
                json_put(f, ", \"current_vfs\": ");
                json_put_uint(f, (unsigned)x->sriov_current);
                json_put(f, " }");
        } else
                json_put(f, "null");
        json_put(f, ", \"physfn\": ");
        json_string_or_null(f, x->is_vf ? x->physfn : NULL);
        json_put(f, ", \"mdev_types\": ");
        json_strv(f, x->mdev_types, x->n_mdev_types);
        json_put(f, ", \"link\": ");
        if (x->link_speed || x->link_max_speed || x->link_width >= 0 || x->link_max_width >= 0) {
                json_put(f, "{ \"speed\": ");
                json_string_or_null(f, x->link_speed);
                json_put(f, ", \"width\": ");
                json_int_or_null(f, x->link_width);
                json_put(f, ", \"max_speed\": ");
                json_string_or_null(f, x->link_max_speed);
                json_put(f, ", \"max_width\": ");
                json_int_or_null(f, x->link_max_width);
                json_put(f, " }");
        } else
                json_put(f, "null");
        json_put(f, ", \"vfio_group\": ");
        json_string_or_null(f, x->vfio.group);
        json_put(f, ", \"vfio_cdev\": ");
        json_string_or_null(f, x->vfio.cdev);
        json_put(f, ", \"entry\": ");
        json_string_or_null(f, it->entry);
        json_put(f, last ? " }\n" : " },\n");
}

/* Lines joined by '\n' as a JSON array of strings. */
static void json_lines(FILE *f, const char *text)
{
        fputc('[', f);
        for (const char *p = text; p && *p;) {
                size_t len = strcspn(p, "\n");
                _cleanup_free_ char *line = strndup(p, len);

                if (p != text)
                        fputs(", ", f);
                json_string_or_null(f, line ? line : "");
                p += len;
                if (*p)
                        p++;
        }
        fputc(']', f);
}

static void json_group(struct lister *l, struct item *it, size_t n, const struct verdict *v)
{
        FILE *f = l->f;

        fprintf(f, "%s    { \"group\": %d, \"whole_to_vm\": %s, \"reason\": ",
                l->first_group ? "\n" : ",\n", it[0].fn->iommu_group, v->whole ? "true" : "false");
        json_string_or_null(f, v->reason);
        fputs(", \"warnings\": ", f);
        json_lines(f, v->warnings);
        fputs(", \"suggest\": ", f);
        json_string_or_null(f, v->suggest);
        fputs(",\n      \"functions\": [\n", f);
        for (size_t i = 0; i < n; i++)
                json_fn(l, &it[i], "        ", i + 1 == n);
        fputs("      ] }", f);
}

/* --- for people ------------------------------------------------------------------ */

static void human_strv(FILE *f, char *const *v, size_t n, const char *none)
{
        if (!n)
                fputs(none, f);
        for (size_t i = 0; i < n; i++) {
                fputs(i ? ", " : "", f);
                fputs_printable(v[i], f);
        }
}

static void human_fn(struct lister *l, const struct item *it)
{
        const struct pci_fn *fn = it->fn;
        const struct pci_facts *x = &it->x;
        const char *name = l->db ? pciids_name(l->db, fn->vendor, fn->device) : NULL;
        _cleanup_free_ char *e_name = NULL, *e_driver = NULL, *e_cpus = NULL;
        _cleanup_free_ char *e_speed = NULL, *e_max = NULL;
        FILE *f = l->f;
        bool any = false;

        /* Everything but the numbers and the entry's name (conf_name_valid)
         * is the host's text: through printable(), as all output for people. */
        /* without any pci.ids, no name: the listing's head says why, once */
        fprintf(f, "  %c %s [%04x:%04x]%s%s", it->entry ? '*' : '-', fn->bdf, fn->vendor,
                fn->device, l->db ? " " : "",
                name ? printable(name, &e_name) : l->db ? "(no name in pci.ids)" : "");
        if (it->entry)
                fprintf(f, "  <- claimed by \"%s\"", it->entry);
        fprintf(f, "\n      class 0x%06x, subsystem %04x:%04x, driver %s, modules ", fn->class,
                fn->subvendor, fn->subdevice,
                fn->driver ? printable(fn->driver, &e_driver) : "none");
        if (it->mods)
                human_strv(f, it->mods->names, it->mods->n, "none");
        else
                fputs("unknown (no module index)", f);
        fputs("\n      NUMA node ", f);
        if (x->numa_node >= 0)
                fprintf(f, "%d", x->numa_node);
        else
                fputs("none", f);
        fprintf(f, ", CPUs %s, reset ",
                x->local_cpus ? printable(x->local_cpus, &e_cpus) : "unknown");
        if (x->reset_methods) {
                human_strv(f, x->reset_methods, x->n_reset_methods, "none");
                if (x->reset_from_config)
                        fputs(" (from config space)", f);
        } else
                fputs("unknown", f);
        if (x->link_speed || x->link_width >= 0) {
                fprintf(f, ", link %s x%d",
                        x->link_speed ? printable(x->link_speed, &e_speed) : "?", x->link_width);
                if (x->link_max_speed || x->link_max_width >= 0)
                        fprintf(f, " of %s x%d",
                                x->link_max_speed ? printable(x->link_max_speed, &e_max) : "?",
                                x->link_max_width);
        }
        fputs("\n", f);

#define MORE() (fputs(any ? "; " : "      ", f), any = true)
        if (x->boot_vga > 0)
                MORE(), fputs("boot VGA", f);
        if (it->root_disk)
                MORE(), fputs("root disk", f);
        if (x->sriov_total >= 0)
                MORE(), fprintf(f, "SR-IOV %d of %d VFs", x->sriov_current, x->sriov_total);
        if (x->is_vf)
                MORE(), fprintf(f, "VF of %s", x->physfn);
        if (x->n_mdev_types)
                MORE(), fputs("mdev types ", f), human_strv(f, x->mdev_types, x->n_mdev_types, "");
        if (x->vfio.group)
                MORE(), fprintf(f, "VFIO group %s", x->vfio.group);
        if (x->vfio.cdev)
                MORE(), fputs("VFIO device ", f), fputs_printable(x->vfio.cdev, f);
#undef MORE
        if (any)
                fputc('\n', f);
}

static void human_lines(FILE *f, const char *prefix, const char *text)
{
        for (const char *p = text; p && *p;) {
                size_t len = strcspn(p, "\n");

                fprintf(f, "%s%.*s\n", prefix, (int)len, p);
                p += len;
                if (*p)
                        p++;
        }
}

static void human_group(struct lister *l, struct item *it, size_t n, const struct verdict *v)
{
        FILE *f = l->f;

        fprintf(f, "\nIOMMU group %d: ", it[0].fn->iommu_group);
        if (v->whole)
                fputs("can go to a VM whole\n", f);
        else
                fprintf(f, "not for a VM whole: %s\n", v->reason);
        human_lines(f, "    warning: ", v->warnings);
        human_lines(f, "    config:  ", v->suggest);
        for (size_t i = 0; i < n; i++)
                human_fn(l, &it[i]);
}

/* --- the walk -------------------------------------------------------------------- */

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
static int read_mdev_parents(struct lister *l)
{
        _cleanup_free_ char *path = root_path("/sys/class/mdev_bus");
        int r;

        if (!path)
                return -ENOMEM;
        r = dir_names_sorted(AT_FDCWD, path, NULL, NULL, &l->mdev_parents, &l->n_mdev_parents);
        /* no mdev_bus: no parents */
        return r == -ENOMEM ? r : 0;
}

/* --- reading the facts, on every CPU ------------------------------------------------ */

/* Facts take a handful of syscalls per function, which is most of the
 * time on a big host; the functions are split into contiguous runs, one
 * per worker, so each keeps its slot and node caches. */
struct worker {
        const struct lister *l;
        struct item *it;
        size_t from, to;
        int r;
        pthread_t thread;
};

/* The local CPUs of the last few NUMA nodes a worker saw: the kernel
 * derives a function's local_cpulist from its node (cpumask_of_node, all
 * online CPUs for none), so one read answers for every function on it. */
#define NODE_CACHE 8

struct node_cpus {
        bool used;
        int numa_node;
        char *local_cpus;
};

static struct node_cpus *node_find(struct node_cpus *c, int node)
{
        for (size_t i = 0; i < NODE_CACHE; i++)
                if (c[i].used && c[i].numa_node == node)
                        return &c[i];
        return NULL;
}

/* The item's local CPUs, from the cache or read once for its node. */
static int node_cpus(const struct lister *l, struct node_cpus *cache, size_t *next,
                     struct item *it)
{
        struct node_cpus *n = node_find(cache, it->x.numa_node);
        int r;

        if (n) {
                it->x.local_cpus = n->local_cpus ? strdup(n->local_cpus) : NULL;
                return n->local_cpus && !it->x.local_cpus ? -ENOMEM : 0;
        }
        r = pci_facts_read_cpus(l->devices_dir, it->fn, &it->x);
        if (r < 0)
                return r;
        n = &cache[(*next)++ % NODE_CACHE];
        free(n->local_cpus);
        *n = (struct node_cpus){ .used = true, .numa_node = it->x.numa_node };
        n->local_cpus = it->x.local_cpus ? strdup(it->x.local_cpus) : NULL;
        return it->x.local_cpus && !n->local_cpus ? -ENOMEM : 0;
}

static void *work(void *u)
{
        struct worker *w = u;
        struct node_cpus nodes[NODE_CACHE] = { 0 };
        uint32_t link_slot = UINT32_MAX;
        size_t next_node = 0;
        struct pci_facts link;
        int r = 0;

        pci_facts_init(&link);
        for (size_t i = w->from; r == 0 && i < w->to; i++) {
                struct item *it = &w->it[i];
                uint32_t slot = pci_addr_key(&it->fn->addr) >> 3;
                bool bridge = pci_fn_is_bridge(it->fn);
                unsigned what = 0;

                /* A bridge's link is the one to the device below it, shown there. */
                what |= !bridge && slot != link_slot ? PCI_FACTS_LINK : 0;
                what |= w->l->n_mdev_parents &&
                                        bsearch(&(const char *){ it->fn->bdf },
                                                w->l->mdev_parents, w->l->n_mdev_parents,
                                                sizeof(char *), cmp_strp)
                                ? PCI_FACTS_MDEV
                                : 0;
                r = pci_facts_read(w->l->devices_dir, it->fn, what, &it->x);
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
                if (r == 0)
                        r = node_cpus(w->l, nodes, &next_node, it);
        }
        pci_facts_done(&link);
        for (size_t i = 0; i < NODE_CACHE; i++)
                free(nodes[i].local_cpus);
        w->r = r;
        return NULL;
}

static int read_facts(const struct lister *l, struct item *it, size_t n)
{
        struct worker w[4];
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        size_t k = cpus < 1 ? 1 : cpus > 4 ? 4 : (size_t)cpus;
        int r = 0;

        if (n < 512)
                k = 1; /* threads cost more than they save */
        for (size_t i = 0; i < k; i++)
                w[i] = (struct worker){ .l = l, .it = it, .from = n * i / k, .to = n * (i + 1) / k };
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

static int cmp_item_addr(const void *a, const void *b)
{
        uint32_t x = pci_addr_key(&(*(struct item *const *)a)->fn->addr);
        uint32_t y = pci_addr_key(&(*(struct item *const *)b)->fn->addr);

        return x < y ? -1 : x > y;
}

/* Each enabled VF learns its PF from the PF's virtfn links. */
static int mark_vfs(const struct lister *l, struct item *it, size_t n)
{
        _cleanup_free_ struct item **by_addr = NULL;
        size_t n_pfs = 0;

        for (size_t i = 0; i < n; i++)
                n_pfs += it[i].facts && it[i].x.sriov_current > 0;
        if (!n_pfs)
                return 0;
        by_addr = calloc(n, sizeof(*by_addr));
        if (!by_addr)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                by_addr[i] = &it[i];
        qsort(by_addr, n, sizeof(*by_addr), cmp_item_addr);
        for (size_t i = 0; i < n; i++) {
                int vfs = it[i].facts ? it[i].x.sriov_current : 0, k;
                _cleanup_free_ struct pci_addr *a = NULL;

                if (vfs <= 0)
                        continue;
                a = calloc((size_t)vfs, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                k = pci_facts_vfs(l->devices_dir, it[i].fn, vfs, a);
                for (int j = 0; j < k; j++) {
                        struct pci_fn key_fn = { .addr = a[j] };
                        struct item key = { .fn = &key_fn }, *kp = &key, **vf;

                        vf = bsearch(&kp, by_addr, n, sizeof(*by_addr), cmp_item_addr);
                        if (vf) {
                                (*vf)->x.is_vf = true;
                                memcpy((*vf)->x.physfn, it[i].fn->bdf, PCI_ADDR_STRLEN);
                        }
                }
        }
        return 0;
}

/* What needs the shared caches: the config entry, the root disk, modules. */
static int fill(struct lister *l, struct item *it)
{
        const struct claim *c = plan_find_claim(l->plan, &it->fn->addr);
        int r;

        it->entry = c ? c->entry->name : NULL;
        it->root_disk = rootdisk_known_has(&l->roots, &it->fn->addr);
        if (l->mods.m && it->fn->modalias) {
                r = modcache_get(&l->mods, it->fn->modalias, &it->mods);
                if (r < 0)
                        return r;
        }
        l->n_fns++;
        l->n_claimed += c != NULL;
        return 0;
}

static int emit_group(struct lister *l, struct item *it, size_t n)
{
        struct verdict v = { 0 };
        int r = 0;

        for (size_t i = 0; r == 0 && i < n; i++)
                r = fill(l, &it[i]);
        if (r == 0)
                r = judge(l, it, n, &v);
        if (r == 0) {
                if (l->o->json)
                        json_group(l, it, n, &v);
                else
                        human_group(l, it, n, &v);
                l->first_group = false;
                l->n_groups++;
                l->n_whole += v.whole;
        }
        verdict_done(&v);
        return r;
}

static int emit_ungrouped(struct lister *l, struct item *it)
{
        int r = fill(l, it);

        if (r < 0)
                return r;
        if (l->o->json) {
                if (l->first_ungrouped)
                        fputc('\n', l->f);
                json_fn(l, it, "    ", ++l->ungrouped_done == l->n_ungrouped);
        } else {
                if (l->first_ungrouped)
                        fputs("\nNo IOMMU group (DMA not isolated; not for a VM):\n", l->f);
                human_fn(l, it);
        }
        l->first_ungrouped = false;
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

int list_host(FILE *f, struct host *h, const struct conf *conf, const struct list_options *o)
{
        _cleanup_free_ struct pci_fn **order = NULL;
        _cleanup_close_ int devices_dir = -1;
        struct pci_fn *const *all;
        struct lister l = { .f = f, .o = o, .h = h, .first_group = true, .first_ungrouped = true };
        struct item *items = NULL;
        struct iommu_state iommu;
        size_t n = 0, bad = 0, first_ungrouped;
        int r;

        devices_dir = root_open("/sys/bus/pci/devices", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (devices_dir < 0)
                return devices_dir;
        l.devices_dir = devices_dir;
        r = host_scan(h, &all, &n, &bad);
        if (r < 0)
                return r;
        l.all = all;
        l.n_all = n;
        r = iommu_probe(&iommu);
        if (r < 0)
                return r;
        r = plan_resolve(conf, h, &l.plan);
        if (r < 0)
                return r;
        if (modules_open(&l.mods.m) < 0)
                l.mods.m = NULL;
        (void)pciids_open(&l.db);
        r = rootdisk_known_gather(l.plan->cmdline.root, h, &l.roots);
        if (r == 0)
                r = read_mdev_parents(&l);
        if (r < 0)
                goto out;
        order = calloc(n ? n : 1, sizeof(*order));
        items = calloc(n ? n : 1, sizeof(*items));
        if (!order || !items) {
                r = -ENOMEM;
                goto out;
        }
        if (n)
                memcpy(order, all, n * sizeof(*order));
        qsort(order, n, sizeof(*order), cmp_group_addr);
        /* Which are shown: with --display, the groups with a display
         * controller and the ungrouped display controllers. */
        for (size_t i = 0; i < n;) {
                size_t j = i;
                bool display = false;

                for (; j < n && order[j]->iommu_group == order[i]->iommu_group; j++)
                        display = display || pci_fn_is_display(order[j]);
                for (; i < j; i++) {
                        items[i].fn = order[i];
                        pci_facts_init(&items[i].x);
                        items[i].shown = !o->display || (order[i]->iommu_group >= 0
                                                                 ? display
                                                                 : pci_fn_is_display(order[i]));
                        l.n_ungrouped += order[i]->iommu_group < 0 && items[i].shown;
                }
        }
        r = read_facts(&l, items, n);
        if (r == 0)
                r = mark_vfs(&l, items, n);
        if (r < 0)
                goto out;

        if (o->json) {
                fputs("{\n", f);
                json_iommu(f, &iommu);
                fputs("  \"groups\": [", f);
        } else {
                fprintf(f, "IOMMU: %s, %u group%s; interrupt remapping: %s; iommufd: %s\n",
                        iommu.enabled ? "on" : "off", iommu.n_groups,
                        iommu.n_groups == 1 ? "" : "s",
                        iommu.irq_remapping < 0   ? "unknown"
                        : iommu.irq_remapping > 0 ? "yes"
                                                  : "no",
                        iommufd_present() ? "yes (/dev/iommu)" : "no");
                if (!l.db)
                        fprintf(f, "Names: %s.\n", pciids_hint);
                if (o->display)
                        fputs("Only the groups that hold a display controller.\n", f);
        }
        first_ungrouped = n;
        for (size_t i = 0; i < n;) {
                size_t j = i;

                if (order[i]->iommu_group < 0) {
                        first_ungrouped = i;
                        break;
                }
                while (j < n && order[j]->iommu_group == order[i]->iommu_group)
                        j++;
                if (items[i].shown) {
                        r = emit_group(&l, items + i, j - i);
                        if (r < 0)
                                goto out;
                }
                i = j;
        }
        if (o->json)
                fputs(l.first_group ? "],\n  \"ungrouped\": [" : "\n  ],\n  \"ungrouped\": [", f);
        for (size_t i = first_ungrouped; i < n; i++) {
                if (!items[i].shown)
                        continue;
                r = emit_ungrouped(&l, &items[i]);
                if (r < 0)
                        goto out;
        }
        if (o->json)
                fputs(l.first_ungrouped ? "]\n}\n" : "  ]\n}\n", f);
        else {
                fprintf(f, "\n%zu function%s in %zu group%s shown (%zu of them can go to a VM "
                        "whole); %zu claimed by the config (*).\n",
                        l.n_fns, l.n_fns == 1 ? "" : "s", l.n_groups, l.n_groups == 1 ? "" : "s",
                        l.n_whole, l.n_claimed);
                if (bad)
                        fprintf(f, "%zu function%s could not be read.\n", bad, bad == 1 ? "" : "s");
        }
out:
        for (size_t i = 0; items && i < n; i++)
                pci_facts_done(&items[i].x);
        free(items);
        dir_names_free(l.mdev_parents, l.n_mdev_parents);
        modcache_done(&l.mods);
        pciids_free(l.db);
        rootdisk_known_done(&l.roots);
        plan_free(l.plan);
        return r;
}

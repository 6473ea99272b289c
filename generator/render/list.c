/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check --list: every IOMMU group, ascending, with its functions by
 * address and what an admin decides on. One pass over the bus: each
 * function's uevent and group link, then a handful of its attributes (the
 * host model, pcifacts.h); the IOMMU state, the module index and the root
 * disk come from the plan, and the module lookup is made once per distinct
 * modalias. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "hashtab.h"
#include "list.h"
#include "modules.h"
#include "pciids.h"
#include "pcifacts.h"
#include "plan-build.h"
#include "report.h"
#include "strbuf.h"
#include "util.h"

/* --- modules per modalias ----------------------------------------------------- */

struct modentry {
        char *modalias;
        char **names; /* sorted */
        size_t n;
};

struct modcache {
        struct gp_modules *m; /* the plan's; NULL: no module index */
        struct modentry **v;  /* each on its own: the items point at them */
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

static void modentry_free(struct modentry *e)
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
static int modcache_get(struct modcache *c, const char *modalias, const struct modentry **ret)
{
        uint32_t h = hash_string(modalias);
        struct module_match *mm = NULL;
        struct modentry *e;
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

static void modcache_done(struct modcache *c)
{
        for (size_t i = 0; i < c->n; i++)
                modentry_free(c->v[i]);
        free(c->v);
        hashtab_free(&c->by_modalias);
}

/* --- one group --------------------------------------------------------------- */

struct item {
        struct pci_fn *fn;
        struct pci_facts x;
        bool facts;                  /* x was read */
        const struct modentry *mods; /* NULL: no module index */
        const char *entry;           /* the config entry that claims it */
        bool used;                   /* an sriov, mdev or vgpu entry's (lister.uses) */
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
        bool first_group, first_ungrouped;
        size_t n_groups, n_fns, n_claimed, n_whole;
        size_t n_ungrouped, ungrouped_done;
        char **mdev_parents;          /* names in class/mdev_bus, sorted bytewise */
        size_t n_mdev_parents;
        struct use *uses;             /* the functions the config's sriov, mdev and
                                       * vgpu entries keep on the host */
        size_t n_uses, n_used;
};

/* A function an sriov entry (its pf), an mdev entry (its parent) or a vgpu
 * entry (its pf) keeps on its host driver, to make VFs, mdevs or vGPUs of:
 * not for a VM whole, however its group is made. */
enum use_kind { USE_SRIOV, USE_MDEV, USE_VGPU };

struct use {
        struct pci_addr addr;
        enum use_kind kind;
        const char *entry;
};

static const char *const use_codes[] = {
        [USE_SRIOV] = "sriov-pf", [USE_MDEV] = "mdev-parent", [USE_VGPU] = "vgpu-pf",
};
static const char *const use_kinds[] = {
        [USE_SRIOV] = "sriov", [USE_MDEV] = "mdev", [USE_VGPU] = "vgpu",
};

/* Can the group go to a VM whole, and the config lines that give it. */
struct verdict {
        bool whole;
        char *reason;              /* why not; NULL when whole */
        const char *reason_code;   /* the reason's code in gpupt-check(8); NULL */
        char *warnings;            /* '\n'-separated; NULL */
        char *warning_codes;       /* a code per line of warnings */
        char *suggest;             /* '\n'-separated config lines; NULL when not whole */
};

static void verdict_done(struct verdict *v)
{
        free(v->reason);
        free(v->warnings);
        free(v->warning_codes);
        free(v->suggest);
}

static const struct use *use_of(const struct lister *l, const struct pci_fn *f)
{
        for (size_t i = 0; i < l->n_uses; i++)
                if (pci_addr_eq(&l->uses[i].addr, &f->addr))
                        return &l->uses[i];
        return NULL;
}

static int add_use(struct lister *l, const struct pci_addr *a, enum use_kind kind,
                   const char *entry)
{
        struct use *u = xrealloc_array(l->uses, l->n_uses + 1, sizeof(*u));

        if (!u)
                return -ENOMEM;
        l->uses = u;
        u[l->n_uses++] = (struct use){ .addr = *a, .kind = kind, .entry = entry };
        return 0;
}

/* The functions the sriov, mdev and vgpu entries keep, in config order. */
static int gather_uses(struct lister *l, const struct conf *c)
{
        int r = 0;

        for (size_t i = 0; r == 0 && i < c->n_sriovs; i++)
                r = add_use(l, &c->sriovs[i].pf, USE_SRIOV, c->sriovs[i].name);
        for (size_t i = 0; r == 0 && i < c->n_mdevs; i++) {
                struct pci_addr a;

                /* a parent that is no PCI address is no function listed here */
                if (pci_addr_parse(c->mdevs[i].parent, &a, NULL) == 0)
                        r = add_use(l, &a, USE_MDEV, c->mdevs[i].name);
        }
        for (size_t i = 0; r == 0 && i < c->n_vgpus; i++)
                r = add_use(l, &c->vgpus[i].pf, USE_VGPU, c->vgpus[i].name);
        return r;
}

static void slot_name(const struct pci_addr *a, bool with_fn, char *buf, size_t n)
{
        int k = a->domain ? snprintf(buf, n, "vm-%04x-%02x-%02x", a->domain, a->bus, a->dev)
                          : snprintf(buf, n, "vm-%02x-%02x", a->bus, a->dev);

        if (with_fn && k > 0 && (size_t)k < n)
                snprintf(buf + k, n - (size_t)k, "-%u", a->fn);
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
        struct strbuf w = { 0 }, wc = { 0 }, s = { 0 };
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
                        v->reason_code = "host-bridge";
                        if (!v->reason)
                                return -ENOMEM;
                } else if (it[i].root_disk) {
                        v->reason = strdup_printf("it holds %s, the controller of the root "
                                                  "filesystem", f->bdf);
                        v->reason_code = "root-disk";
                        if (!v->reason)
                                return -ENOMEM;
                } else if (it[i].used) {
                        const struct use *u = use_of(l, f);

                        /* the config's own name: conf_name_valid */
                        v->reason = strdup_printf("it holds %s, the %s of %s \"%s\", which keeps "
                                                  "its host driver to make the %s",
                                                  f->bdf, u->kind == USE_MDEV ? "parent" : "PF",
                                                  use_kinds[u->kind], u->entry,
                                                  u->kind == USE_SRIOV ? "VFs"
                                                  : u->kind == USE_MDEV ? "mdevs"
                                                                        : "vGPUs");
                        v->reason_code = use_codes[u->kind];
                        if (!v->reason)
                                return -ENOMEM;
                }
        }
        if (!v->reason && endpoints == 0) {
                v->reason = strdup("it holds only PCI bridges");
                v->reason_code = "bridges-only";
                if (!v->reason)
                        return -ENOMEM;
        }
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
                if (it[i].facts && it[i].x.boot_vga > 0) {
                        strbuf_printf(&wc, "%sboot-vga", w.len ? "\n" : "");
                        strbuf_printf(&w, "%s%s is the boot display: the host console goes dark "
                                      "when it goes to a VM", w.len ? "\n" : "", f->bdf);
                }
                if (pci_addr_key(&f->addr) >> 3 == done_slot)
                        continue;
                /* A slot whose functions are all in this group is claimed whole;
                 * one split across groups function by function. */
                if (host_slot(l->h, &f->addr, slot, &k) < 0 || k == 0)
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
        if (strbuf_take(&w, &v->warnings) < 0 || strbuf_take(&wc, &v->warning_codes) < 0 ||
            strbuf_take(&s, &v->suggest) < 0) {
                strbuf_done(&wc);
                strbuf_done(&s);
                return -ENOMEM; /* verdict_done frees what was taken */
        }
        v->whole = true;
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
        json_put(f, ", \"used_by\": [");
        for (size_t i = 0, k = 0; it->used && i < l->n_uses; i++) {
                if (!pci_addr_eq(&l->uses[i].addr, &fn->addr))
                        continue;
                json_put(f, k++ ? ", { \"kind\": \"" : "{ \"kind\": \"");
                json_put(f, use_kinds[l->uses[i].kind]);
                json_put(f, "\", \"entry\": ");
                json_string(f, l->uses[i].entry);
                json_put(f, " }");
        }
        json_put(f, last ? "] }\n" : "] },\n");
}

/* "config_error": why the config did not load, as the check's problem
 * says it; null when it did. */
static void json_config_error(FILE *f, const struct conf_error *e)
{
        _cleanup_free_ char *msg = e ? conf_error_text(e) : NULL;

        fputs("  \"config_error\": ", f);
        if (!e) {
                fputs("null,\n", f);
                return;
        }
        fputs("{ \"code\": ", f);
        json_string(f, problem_name(e->untrusted ? PROBLEM_CONFIG_UNTRUSTED : PROBLEM_CONFIG_ERROR));
        fputs(", \"message\": ", f);
        json_string(f, msg ? msg : "config error");
        fputs(" },\n", f);
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
        fputs(", \"reason_code\": ", f);
        json_string_or_null(f, v->reason_code);
        fputs(", \"warnings\": ", f);
        json_lines(f, v->warnings);
        fputs(", \"warning_codes\": ", f);
        json_lines(f, v->warning_codes);
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

/* "  <- pf of sriov "nic0"; parent of mdev "gvt-a", "gvt-b"" */
static void human_uses(const struct lister *l, const struct pci_fn *fn)
{
        const struct use *prev = NULL;

        fputs("  <-", l->f);
        for (size_t i = 0; i < l->n_uses; i++) {
                const struct use *u = &l->uses[i];

                if (!pci_addr_eq(&u->addr, &fn->addr))
                        continue;
                if (!prev || prev->kind != u->kind)
                        fprintf(l->f, "%s %s of %s", prev ? ";" : "",
                                u->kind == USE_MDEV ? "parent" : "PF", use_kinds[u->kind]);
                else
                        fputc(',', l->f);
                fprintf(l->f, " \"%s\"", u->entry);
                prev = u;
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
        fprintf(f, "  %c %s [%04x:%04x]%s%s", it->entry ? '*' : it->used ? '+' : '-', fn->bdf,
                fn->vendor, fn->device, l->db ? " " : "",
                name ? printable(name, &e_name) : l->db ? "(no name in pci.ids)" : "");
        if (it->entry)
                fprintf(f, "  <- claimed by \"%s\"", it->entry);
        if (it->used)
                human_uses(l, fn);
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
        /* the check's words for a function the host model cannot read */
        if (x->error)
                MORE(), fprintf(f, "cannot be read: %s", plan_read_error(x->error));
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
 * per worker, so each keeps the link of its last slot. */
struct worker {
        const struct lister *l;
        struct item *it;
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
                r = pci_facts_read(w->l->h, it->fn, what, &it->x);
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

/* What needs the shared caches: the config entry, the root disk, modules. */
static int fill(struct lister *l, struct item *it)
{
        const struct claim *c = plan_find_claim(l->plan, &it->fn->addr);
        int r;

        it->entry = c ? c->entry->name : NULL;
        it->used = use_of(l, it->fn) != NULL;
        it->root_disk = rootdisk_known_has(&l->plan->rootdisk, &it->fn->addr);
        if (l->mods.m && it->fn->modalias) {
                r = modcache_get(&l->mods, it->fn->modalias, &it->mods);
                if (r < 0)
                        return r;
        }
        l->n_fns++;
        l->n_claimed += c != NULL;
        l->n_used += it->used;
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
        struct pci_fn *const *all;
        struct lister l = { .f = f, .o = o, .h = h, .first_group = true, .first_ungrouped = true };
        struct item *items = NULL;
        const struct iommu_state *iommu;
        size_t n = 0, bad = 0, first_ungrouped;
        int r;

        r = host_devices_dir(h);
        if (r < 0)
                return r;
        r = host_scan(h, &all, &n, &bad);
        if (r < 0)
                return r;
        r = plan_resolve(conf, h, &l.plan);
        if (r < 0)
                return r;
        r = plan_gather(l.plan, true);
        if (r < 0)
                goto out;
        iommu = &l.plan->iommu;
        l.mods.m = l.plan->modules;
        (void)pciids_open(&l.db);
        r = read_mdev_parents(&l);
        if (r == 0)
                r = gather_uses(&l, conf);
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
        if (r < 0)
                goto out;

        if (o->json) {
                fputs("{\n", f);
                json_schema(f);
                json_iommu(f, iommu);
                json_config_error(f, o->config_error);
                fputs("  \"groups\": [", f);
        } else {
                report_iommu_human(f, iommu);
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
                        "whole); %zu claimed by the config (*)",
                        l.n_fns, l.n_fns == 1 ? "" : "s", l.n_groups, l.n_groups == 1 ? "" : "s",
                        l.n_whole, l.n_claimed);
                if (l.n_used)
                        fprintf(f, ", %zu kept on the host by its sriov, mdev or vgpu entries (+)",
                                l.n_used);
                fputs(".\n", f);
                if (bad)
                        fprintf(f, "%zu function%s could not be read.\n", bad, bad == 1 ? "" : "s");
        }
out:
        for (size_t i = 0; items && i < n; i++)
                pci_facts_done(&items[i].x);
        free(items);
        dir_names_free(l.mdev_parents, l.n_mdev_parents);
        free(l.uses);
        modcache_done(&l.mods);
        pciids_free(l.db);
        plan_free(l.plan);
        return r;
}

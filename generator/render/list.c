/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check --list: every IOMMU group, ascending, with its functions by
 * address and what an admin decides on, printed from the listing
 * (listing.h), which holds every fact: nothing is read here. */
#include <errno.h>
#include <string.h>

#include "list.h"
#include "pciids.h"
#include "report.h"
#include "strbuf.h"
#include "util.h"

/* --- one group --------------------------------------------------------------- */

struct lister {
        FILE *f;
        const struct list_options *o;
        const struct listing *l;
        const struct pciids *db;       /* NULL: no names */
        bool first_group, first_ungrouped;
        size_t n_groups, n_whole, ungrouped_done;
};

static const char *const use_codes[] = {
        [LISTING_USE_SRIOV] = "sriov-pf", [LISTING_USE_MDEV] = "mdev-parent",
        [LISTING_USE_VGPU] = "vgpu-pf",
};
static const char *const use_kinds[] = {
        [LISTING_USE_SRIOV] = "sriov", [LISTING_USE_MDEV] = "mdev", [LISTING_USE_VGPU] = "vgpu",
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
                if (!plan_find_claim(l->l->plan, &slot[j]->addr))
                        return false;
        return true;
}

static int judge(const struct lister *l, const struct listing_fn *it, size_t n,
                 struct verdict *v)
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
                        const struct listing_use *u = listing_use_of(l->l, &f->addr);

                        /* the config's own name: conf_name_valid */
                        v->reason = strdup_printf("it holds %s, the %s of %s \"%s\", which keeps "
                                                  "its host driver to make the %s",
                                                  f->bdf, u->kind == LISTING_USE_MDEV ? "parent" : "PF",
                                                  use_kinds[u->kind], u->entry,
                                                  u->kind == LISTING_USE_SRIOV ? "VFs"
                                                  : u->kind == LISTING_USE_MDEV ? "mdevs"
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
                if (listing_slot(l->l, &f->addr, slot, &k) < 0 || k == 0)
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

static void json_fn(const struct lister *l, const struct listing_fn *it, const char *indent, bool last)
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
        for (size_t i = 0, k = 0; it->used && i < l->l->n_uses; i++) {
                const struct listing_use *u = &l->l->uses[i];

                if (!pci_addr_eq(&u->addr, &fn->addr))
                        continue;
                json_put(f, k++ ? ", { \"kind\": \"" : "{ \"kind\": \"");
                json_put(f, use_kinds[u->kind]);
                json_put(f, "\", \"entry\": ");
                json_string(f, u->entry);
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

static void json_group(const struct lister *l, const struct listing_fn *it, size_t n, const struct verdict *v)
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
        const struct listing_use *prev = NULL;

        fputs("  <-", l->f);
        for (size_t i = 0; i < l->l->n_uses; i++) {
                const struct listing_use *u = &l->l->uses[i];

                if (!pci_addr_eq(&u->addr, &fn->addr))
                        continue;
                if (!prev || prev->kind != u->kind)
                        fprintf(l->f, "%s %s of %s", prev ? ";" : "",
                                u->kind == LISTING_USE_MDEV ? "parent" : "PF",
                                use_kinds[u->kind]);
                else
                        fputc(',', l->f);
                fprintf(l->f, " \"%s\"", u->entry);
                prev = u;
        }
}

static void human_fn(const struct lister *l, const struct listing_fn *it)
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

static void human_group(const struct lister *l, const struct listing_fn *it, size_t n, const struct verdict *v)
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

static int emit_group(struct lister *l, const struct listing_fn *it, size_t n)
{
        struct verdict v = { 0 };
        int r;

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

static void emit_ungrouped(struct lister *l, const struct listing_fn *it)
{
        if (l->o->json) {
                if (l->first_ungrouped)
                        fputc('\n', l->f);
                json_fn(l, it, "    ", ++l->ungrouped_done == l->l->n_ungrouped_shown);
        } else {
                if (l->first_ungrouped)
                        fputs("\nNo IOMMU group (DMA not isolated; not for a VM):\n", l->f);
                human_fn(l, it);
        }
        l->first_ungrouped = false;
}

int list_print(FILE *f, const struct listing *ls, const struct pciids *db,
               const struct list_options *o)
{
        struct lister l = { .f = f, .o = o, .l = ls, .db = db, .first_group = true,
                            .first_ungrouped = true };
        const struct listing_fn *it = ls->fns;
        const struct iommu_state *iommu = &ls->plan->iommu;
        size_t n = ls->n, bad = ls->n_bad;
        int r;

        if (o->json) {
                fputs("{\n", f);
                json_schema(f);
                json_iommu(f, iommu);
                json_config_error(f, o->config_error);
                fputs("  \"groups\": [", f);
        } else {
                report_iommu_human(f, iommu);
                if (!db)
                        fprintf(f, "Names: %s.\n", pciids_hint);
                if (ls->display)
                        fputs("Only the groups that hold a display controller.\n", f);
        }
        for (size_t i = 0; i < ls->n_grouped;) {
                size_t j = i;

                while (j < ls->n_grouped && it[j].fn->iommu_group == it[i].fn->iommu_group)
                        j++;
                if (it[i].shown) {
                        r = emit_group(&l, it + i, j - i);
                        if (r < 0)
                                return r;
                }
                i = j;
        }
        if (o->json)
                fputs(l.first_group ? "],\n  \"ungrouped\": [" : "\n  ],\n  \"ungrouped\": [", f);
        for (size_t i = ls->n_grouped; i < n; i++)
                if (it[i].shown)
                        emit_ungrouped(&l, &it[i]);
        if (o->json)
                fputs(l.first_ungrouped ? "]\n}\n" : "  ]\n}\n", f);
        else {
                fprintf(f, "\n%zu function%s in %zu group%s shown (%zu of them can go to a VM "
                        "whole); %zu claimed by the config (*)",
                        ls->n_shown, ls->n_shown == 1 ? "" : "s", l.n_groups,
                        l.n_groups == 1 ? "" : "s", l.n_whole, ls->n_claimed);
                if (ls->n_used)
                        fprintf(f, ", %zu kept on the host by its sriov, mdev or vgpu entries (+)",
                                ls->n_used);
                fputs(".\n", f);
                if (bad)
                        fprintf(f, "%zu function%s could not be read.\n", bad, bad == 1 ? "" : "s");
        }
        return 0;
}

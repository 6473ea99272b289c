/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "json-out.h"
#include "pciids.h"
#include "report.h"
#include "table.h"
#include "util.h"
#include "verify.h"
#include "vfio-nodes.h"

/* ", \"KEY\": N", or null when N is negative (unknown). */
static void json_member_int(FILE *f, const char *key, int n)
{
        json_put(f, ", \"");
        json_put(f, key);
        json_put(f, "\": ");
        json_int_or_null(f, n);
}

void json_applied(FILE *f, const struct plan *p, bool applied)
{
        if (p->verified)
                fprintf(f, ", \"applied\": %s", applied ? "true" : "false");
}

void json_schema(FILE *f)
{
        fprintf(f, "  \"schema\": %d,\n", REPORT_JSON_SCHEMA);
}

void json_iommu(FILE *f, const struct iommu_state *s)
{
        fprintf(f, "  \"iommu\": { \"enabled\": %s, \"interrupt_remapping\": %s, "
                "\"iommufd\": %s, \"vendor\": %s, \"default_domain\": ",
                s->enabled ? "true" : "false",
                s->irq_remapping < 0 ? "null" : s->irq_remapping ? "true" : "false",
                s->iommufd ? "true" : "false",
                s->cpu == CPU_INTEL ? "\"intel\"" : s->cpu == CPU_AMD ? "\"amd\"" : "null");
        json_string_or_null(f, *s->default_domain ? s->default_domain : NULL);
        fprintf(f, ", \"units\": %u, \"groups\": %u },\n", s->n_units, s->n_groups);
}

/* "config_files": the files the config was read from, in order. */
static void json_config_files(FILE *f, const struct conf *c)
{
        fputs("  \"config_files\": [", f);
        for (size_t i = 0; i < c->n_files; i++) {
                fputs(i ? ", " : "", f);
                json_string(f, c->files[i]);
        }
        fputs("],\n", f);
}

/* The claim's "bars": each BAR it resizes, its size now (null when
 * unknown) and at boot, in MiB. */
static void json_bars(FILE *f, const struct claim *c)
{
        json_put(f, ", \"bars\": [");
        for (size_t j = 0; j < c->n_bars; j++) {
                int now = pci_fn_bar_now(c->fn, c->bars[j].index);

                fprintf(f, "%s{ \"index\": %u, \"now_mib\": ", j ? ", " : "", c->bars[j].index);
                if (now >= 0)
                        fprintf(f, "%llu", 1ULL << now);
                else
                        json_put(f, "null");
                fprintf(f, ", \"at_boot_mib\": %llu }", 1ULL << c->bars[j].log2_mib);
        }
        json_put(f, "]");
}

/* The claim's VFIO nodes, as "vfio_group" and "vfio_cdev" members. */
static void json_vfio_nodes(FILE *f, const struct vfio_nodes *v)
{
        fputs(", \"vfio_group\": ", f);
        json_string_or_null(f, v->group);
        fputs(", \"vfio_cdev\": ", f);
        json_string_or_null(f, v->cdev);
}

static void json_problem(FILE *f, const struct problem *pr, bool last)
{
        char a[PCI_ADDR_STRLEN];

        fprintf(f, "    { \"severity\": \"%s\", \"code\": ",
                pr->severity == SEVERITY_ERROR ? "error" : "warning");
        json_string(f, problem_name(pr->code));
        fputs(", \"bdf\": ", f);
        json_string_or_null(f, pr->has_addr ? pci_addr_format(&pr->addr, a) : NULL);
        fputs(", \"entry\": ", f);
        json_string_or_null(f, pr->entry);
        fputs(", \"message\": ", f);
        json_string(f, pr->message);
        fprintf(f, " }%s\n", last ? "" : ",");
}

void report_json(FILE *f, const struct plan *p, const struct pciids *db)
{
        fputs("{\n", f);
        json_schema(f);
        fprintf(f, "  \"ready\": %s,\n", plan_ready(p) ? "true" : "false");
        json_iommu(f, &p->iommu);
        json_config_files(f, p->conf);

        fputs("  \"claims\": [", f);
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];

                /* the bulk of a fleet's report: no printf here */
                json_put(f, i ? ",\n    { \"bdf\": \"" : "\n    { \"bdf\": \"");
                json_put(f, c->fn->bdf);
                json_put(f, "\", \"id\": \"");
                json_put_hex(f, c->fn->vendor, 4);
                json_put(f, ":");
                json_put_hex(f, c->fn->device, 4);
                json_put(f, "\", \"entry\": ");
                json_string(f, c->entry->name);
                json_put(f, ", \"name\": ");
                json_string_or_null(f, db ? pciids_name(db, c->fn->vendor, c->fn->device) : NULL);
                json_put(f, ", \"driver_now\": ");
                json_string_or_null(f, c->fn->driver);
                json_put(f, ", \"driver_at_boot\": ");
                json_string(f, plan_driver(p, c->driver));
                json_member_int(f, "iommu_group", c->fn->iommu_group);
                json_member_int(f, "numa_node", c->fn->numa_node);
                json_applied(f, p, c->applied);
                json_vfio_nodes(f, &c->vfio);
                json_bars(f, c);
                json_put(f, " }");
        }
        fputs(p->n_claims ? "\n  ],\n" : "],\n", f);

        fputs("  \"sriov\": [", f);
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];
                char a[PCI_ADDR_STRLEN];

                fprintf(f, "%s\n    { \"pf\": \"%s\", \"entry\": ", i ? "," : "",
                        pci_addr_format(&s->entry->pf, a));
                json_string(f, s->entry->name);
                fprintf(f, ", \"vfs\": %u, \"vfs_now\": ", s->entry->vfs);
                if (s->pf && s->pf->details && s->pf->sriov_totalvfs >= 0)
                        fprintf(f, "%d", s->pf->sriov_numvfs);
                else
                        fputs("null", f);
                json_member_int(f, "total_vfs", s->pf && s->pf->details ? s->pf->sriov_totalvfs : -1);
                fputs(", \"vf_driver\": ", f);
                json_string_or_null(f, s->entry->vf_driver ? plan_driver(p, s->vf_driver) : NULL);
                json_applied(f, p, s->applied);
                fputs(" }", f);
        }
        fputs(p->n_sriovs ? "\n  ],\n" : "],\n", f);

        fputs("  \"mdevs\": [", f);
        for (size_t i = 0; i < p->n_mdevs; i++) {
                const struct conf_mdev *m = p->mdevs[i].entry;

                fprintf(f, "%s\n    { \"parent\": ", i ? "," : "");
                json_string(f, m->parent);
                fputs(", \"entry\": ", f);
                json_string(f, m->name);
                fputs(", \"type\": ", f);
                json_string(f, m->type);
                fprintf(f, ", \"uuid\": \"%s\"", m->uuid);
                json_applied(f, p, p->mdevs[i].applied);
                fputs(" }", f);
        }
        fputs(p->n_mdevs ? "\n  ],\n" : "],\n", f);
        json_vgpus(f, p);

        fputs("  \"problems\": [", f);
        if (p->n_problems)
                fputc('\n', f);
        for (size_t i = 0; i < p->n_problems; i++)
                json_problem(f, &p->problems[i], i + 1 == p->n_problems);
        fputs(p->n_problems ? "  ]\n}\n" : "]\n}\n", f);
}

void report_config_error_json(FILE *f, const struct iommu_state *iommu, const struct conf_error *e)
{
        _cleanup_free_ char *msg = conf_error_text(e);
        struct problem pr = { .severity = SEVERITY_ERROR,
                              .code = e->untrusted ? PROBLEM_CONFIG_UNTRUSTED : PROBLEM_CONFIG_ERROR };

        pr.message = msg ? msg : "config error";
        fputs("{\n", f);
        json_schema(f);
        fputs("  \"ready\": false,\n", f);
        json_iommu(f, iommu);
        /* what did not load was not read as config */
        fputs("  \"config_files\": [],\n", f);
        fputs("  \"claims\": [],\n  \"sriov\": [],\n  \"mdevs\": [],\n  \"vgpus\": [],\n"
              "  \"problems\": [\n", f);
        json_problem(f, &pr, true);
        fputs("  ]\n}\n", f);
}

void report_config_error_human(FILE *f, const struct conf_error *e)
{
        _cleanup_free_ char *msg = conf_error_text(e);

        fprintf(f, "%s\n", msg ? msg : "config error");
}

static const char *sev_name(enum severity s)
{
        return s == SEVERITY_ERROR ? "error" : "warning";
}

static enum tone sev_tone(enum severity s)
{
        return s == SEVERITY_ERROR ? TONE_ERROR : TONE_WARNING;
}

void report_quiet(FILE *f, const struct plan *p, const struct style *st)
{
        for (size_t i = 0; i < p->n_problems; i++) {
                const struct problem *pr = &p->problems[i];
                char a[PCI_ADDR_STRLEN];

                fprintf(f, "%s%s%s %s %s: %s\n", tone_on(st, sev_tone(pr->severity)),
                        sev_name(pr->severity), tone_off(st), problem_name(pr->code),
                        pr->has_addr ? pci_addr_format(&pr->addr, a) : "-", pr->message);
        }
}

static void iommu_line(FILE *f, const struct iommu_state *s)
{
        const char *cpu = s->cpu == CPU_INTEL ? "Intel" : s->cpu == CPU_AMD ? "AMD" : "unknown CPU";

        if (!s->enabled) {
                fprintf(f, "IOMMU: off (%s; no IOMMU units, no groups)\n", cpu);
                return;
        }
        fprintf(f, "IOMMU: on (%s; %u unit%s, %u group%s; interrupt remapping: %s%s%s)\n", cpu,
                s->n_units, s->n_units == 1 ? "" : "s", s->n_groups, s->n_groups == 1 ? "" : "s",
                s->irq_remapping < 0   ? "unknown, the kernel log is not readable"
                : s->irq_remapping > 0 ? "yes"
                                       : "no",
                *s->default_domain ? "; default domain: " : "", s->default_domain);
}

void report_iommu_human(FILE *f, const struct iommu_state *s)
{
        iommu_line(f, s);
        fprintf(f, "iommufd: %s\n", s->iommufd ? "yes (/dev/iommu)" : "no (no /dev/iommu)");
}

/* A table of the report, after the blank line that parts it from the rest;
 * nothing when it has no row. */
static void print_table(FILE *f, const struct table *t, const struct style *st)
{
        if (!t->n_cells && !t->lost)
                return;
        fputc('\n', f);
        table_print(f, t, st->width);
}

/* The BARs the claim resizes, each with the size it has now where sysfs says. */
static void print_bars(FILE *f, const struct plan *p, const struct style *st)
{
        static const struct table_col cols[] = { { .header = "BAR RESIZE" },
                                                 { .header = "ENTRY" },
                                                 { .header = "BAR", .right = true },
                                                 { .header = "NOW", .right = true },
                                                 { .header = "AT BOOT", .right = true } };
        struct table t;

        table_init(&t, cols, ELEMENTSOF(cols));
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];

                for (size_t j = 0; j < c->n_bars; j++) {
                        unsigned idx = c->bars[j].index;
                        char bar[12], want[32], now[32] = "-";

                        snprintf(bar, sizeof(bar), "%u", idx);
                        if (pci_fn_bar_now(c->fn, idx) >= 0)
                                bar_size_str((unsigned)pci_fn_bar_now(c->fn, idx), now);
                        table_add(&t, (const char *const[][TABLE_ALTS]){
                                              { c->fn->bdf }, { c->entry->name }, { bar }, { now },
                                              { bar_size_str(c->bars[j].log2_mib, want) } });
                }
        }
        print_table(f, &t, st);
        table_done(&t);
}

/* Where a claimed function is bound to VFIO already: the nodes a VM opens. */
static void print_vfio_nodes(FILE *f, const struct plan *p, const struct style *st)
{
        static const struct table_col cols[] = { { .header = "VFIO NODES" },
                                                 { .header = "GROUP" },
                                                 { .header = "DEVICE (CDEV)" } };
        struct table t;

        table_init(&t, cols, ELEMENTSOF(cols));
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct vfio_nodes *v = &p->claims[i].vfio;

                if (v->group || v->cdev)
                        table_add(&t, (const char *const[][TABLE_ALTS]){
                                              { p->claims[i].fn->bdf }, { v->group }, { v->cdev } });
        }
        print_table(f, &t, st);
        table_done(&t);
}

/* A plan without claims may still do things at boot: say them, so that the
 * line never reads as "nothing" above the tables of what it does. */
static void print_no_claims(FILE *f, const struct plan *p)
{
        size_t vgpus = plan_vgpu_vfs(p), parts = !!p->n_sriovs + !!p->n_mdevs + !!vgpus, k = 0;

        if (!parts) {
                fputs("No device will be claimed at the next boot.\n", f);
                return;
        }
        fputs("No function will be claimed at the next boot; it will ", f);
/* "a", "a and b", "a, b and c" */
#define SEP() (k++ ? (k == parts ? " and " : ", ") : "")
        if (p->n_sriovs)
                fprintf(f, "%sset the VF count of %zu SR-IOV PF%s", SEP(), p->n_sriovs,
                        p->n_sriovs == 1 ? "" : "s");
        if (p->n_mdevs)
                fprintf(f, "%screate %zu mdev%s", SEP(), p->n_mdevs, p->n_mdevs == 1 ? "" : "s");
        if (vgpus)
                fprintf(f, "%sgive %zu VF%s a vGPU type", SEP(), vgpus, vgpus == 1 ? "" : "s");
#undef SEP
        fputs(", as below.\n", f);
}

/* The forms of a function's name, for a NAME cell that gives way to the
 * width: as lspci says it; the model first with the vendor's short name;
 * the model alone. Where pci.ids knows only the vendor: its name and its
 * short one. */
static void name_forms(const struct pciids_names *n, char **buf, const char *forms[TABLE_ALTS])
{
        forms[0] = forms[1] = forms[2] = NULL;
        if (!n)
                return;
        forms[0] = n->full;
        if (!n->model) {
                forms[1] = n->short_vendor;
                return;
        }
        *buf = strdup_printf("%s (%s)", n->model, n->short_vendor);
        forms[1] = *buf ? *buf : n->model;
        forms[2] = n->model;
}

/* The claimed functions, with the note that says where names come from when
 * pci.ids is not installed. */
static void print_claims(FILE *f, const struct plan *p, const struct pciids *db,
                         const struct style *st)
{
        static const struct table_col cols[] = { { .header = "ADDRESS" },
                                                 { .header = "ENTRY" },
                                                 { .header = "ID" },
                                                 { .header = "NAME", .shrink = true },
                                                 { .header = "DRIVER NOW" },
                                                 { .header = "AT BOOT" },
                                                 { .header = "GROUP", .right = true },
                                                 { .header = "NUMA", .right = true } };
        struct table t;

        table_init(&t, cols, ELEMENTSOF(cols));
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                const char *name[TABLE_ALTS];
                _cleanup_free_ char *buf = NULL;
                char id[10], group[12], numa[12];

                name_forms(db ? pciids_lookup(db, c->fn->vendor, c->fn->device) : NULL, &buf,
                           name);
                snprintf(id, sizeof(id), "%04x:%04x", c->fn->vendor, c->fn->device);
                snprintf(group, sizeof(group), "%d", c->fn->iommu_group);
                snprintf(numa, sizeof(numa), "%d", c->fn->numa_node);
                table_add(&t, (const char *const[][TABLE_ALTS]){
                                      { c->fn->bdf },
                                      { c->entry->name },
                                      { id },
                                      { name[0], name[1], name[2] },
                                      { c->fn->driver },
                                      { plan_driver(p, c->driver) },
                                      { c->fn->iommu_group >= 0 ? group : NULL },
                                      { c->fn->numa_node >= 0 ? numa : NULL } });
        }
        table_print(f, &t, st->width);
        table_done(&t);
        if (!db) {
                _cleanup_free_ char *note = strdup_printf("Names: %s.", pciids_hint);

                text_wrap(f, note ? note : pciids_hint, 0, st->width, "", "");
        }
}

static void print_sriovs(FILE *f, const struct plan *p, const struct style *st)
{
        static const struct table_col cols[] = { { .header = "SR-IOV PF" },
                                                 { .header = "ENTRY" },
                                                 { .header = "VFS", .right = true },
                                                 { .header = "NOW", .right = true },
                                                 { .header = "MAX", .right = true },
                                                 { .header = "VF DRIVER" } };
        struct table t;

        table_init(&t, cols, ELEMENTSOF(cols));
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];
                bool known = s->pf && s->pf->details && s->pf->sriov_totalvfs >= 0;
                char a[PCI_ADDR_STRLEN], vfs[12], now[12] = "-", max[12] = "-";

                snprintf(vfs, sizeof(vfs), "%u", s->entry->vfs);
                if (known) {
                        snprintf(now, sizeof(now), "%d", s->pf->sriov_numvfs);
                        snprintf(max, sizeof(max), "%d", s->pf->sriov_totalvfs);
                }
                table_add(&t, (const char *const[][TABLE_ALTS]){
                                      { pci_addr_format(&s->entry->pf, a) },
                                      { s->entry->name },
                                      { vfs },
                                      { now },
                                      { max },
                                      { s->entry->vf_driver ? plan_driver(p, s->vf_driver)
                                                            : "(host's choice)" } });
        }
        print_table(f, &t, st);
        table_done(&t);
}

static void print_mdevs(FILE *f, const struct plan *p, const struct style *st)
{
        static const struct table_col cols[] = { { .header = "MDEV PARENT" },
                                                 { .header = "ENTRY" },
                                                 { .header = "TYPE" },
                                                 { .header = "UUID" } };
        struct table t;

        table_init(&t, cols, ELEMENTSOF(cols));
        for (size_t i = 0; i < p->n_mdevs; i++) {
                const struct conf_mdev *m = p->mdevs[i].entry;
                _cleanup_free_ char *uuid = strdup_printf("%s (exists)", m->uuid);

                table_add(&t, (const char *const[][TABLE_ALTS]){
                                      { m->parent }, { m->name }, { m->type },
                                      { p->mdevs[i].exists && uuid ? uuid : m->uuid } });
        }
        print_table(f, &t, st);
        table_done(&t);
}

/* Each problem: its severity, code, address and entry on a line, and the
 * message under it, wrapped at the width. */
static void print_problem(FILE *f, const struct problem *pr, const struct style *st)
{
        char a[PCI_ADDR_STRLEN];

        fprintf(f, "%s%s%s%*s %s", tone_on(st, sev_tone(pr->severity)), sev_name(pr->severity),
                tone_off(st), (int)(7 - strlen(sev_name(pr->severity))), "",
                problem_name(pr->code));
        if (pr->has_addr)
                fprintf(f, " %s", pci_addr_format(&pr->addr, a));
        if (pr->entry)
                fprintf(f, " (%s)", pr->entry);
        fputs(":\n", f);
        text_wrap(f, pr->message, 8, st->width, "", "");
}

/* The verdict as one line of text, without its newline. */
static char *verdict_text(const struct plan *p, size_t errors, size_t warnings)
{
        char *text = NULL, *line;
        size_t len = 0;
        FILE *m;

        if (!p->verified && errors)
                return strdup_printf("Not ready: %zu error%s, %zu warning%s. The next boot will "
                                     "fail loudly until they are fixed.",
                                     errors, errors == 1 ? "" : "s", warnings,
                                     warnings == 1 ? "" : "s");
        if (!p->verified)
                return strdup_printf("Ready: %zu function%s claimed, %zu SR-IOV entr%s, "
                                     "%zu mdev%s, %zu vGPU%s; %zu warning%s.",
                                     p->n_claims, p->n_claims == 1 ? "" : "s", p->n_sriovs,
                                     p->n_sriovs == 1 ? "y" : "ies", p->n_mdevs,
                                     p->n_mdevs == 1 ? "" : "s", plan_vgpu_vfs(p),
                                     plan_vgpu_vfs(p) == 1 ? "" : "s", warnings,
                                     warnings == 1 ? "" : "s");
        /* verify.c words it, after a blank line of its own */
        m = open_memstream(&text, &len);
        if (!m)
                return NULL;
        verify_print_summary(m, p, errors, warnings);
        if (fclose(m) != 0 || !text) {
                free(text);
                return NULL;
        }
        line = text + strspn(text, "\n");
        len = strcspn(line, "\n");
        memmove(text, line, len);
        text[len] = '\0';
        return text;
}

/* The last line, fitted to the width: red when a problem is an error,
 * else green. */
static void print_verdict(FILE *f, const struct plan *p, const struct style *st, size_t errors,
                          size_t warnings, size_t shown)
{
        _cleanup_free_ char *text = verdict_text(p, errors, warnings);

        if (shown) /* a blank line after the problems printed above */
                fputc('\n', f);
        text_wrap(f, text ? text : errors ? "Not ready." : "Ready.", 0, st->width,
                  tone_on(st, errors ? TONE_ERROR : TONE_GOOD), tone_off(st));
}

void report_human(FILE *f, const struct plan *p, const struct pciids *db, const struct style *st)
{
        size_t errors = 0, warnings = 0, shown = 0;

        report_iommu_human(f, &p->iommu);
        if (p->conf->n_files == 0)
                fputs("Config: none\n", f);
        for (size_t i = 0; i < p->conf->n_files; i++) {
                _cleanup_free_ char *name = NULL;

                fprintf(f, "%s %s\n", i ? "       " : "Config:",
                        printable(p->conf->files[i], &name));
        }
        if (p->cmdline.gpupt_off)
                text_wrap(f, "Kernel command line: gpupt=off, so the boot claims nothing; the "
                             "plan below is what it would do.",
                          0, st->width, "", "");

        if (verify_unapplied_short(p)) {
                verify_print_unapplied(f, p);
                goto problems;
        }
        fputc('\n', f);
        if (!p->n_claims)
                print_no_claims(f, p);
        else {
                print_claims(f, p, db, st);
                print_vfio_nodes(f, p, st);
        }
        print_bars(f, p, st);
        if (p->n_sriovs)
                print_sriovs(f, p, st);
        if (p->n_mdevs)
                print_mdevs(f, p, st);
        human_vgpus(f, p, st);

        if (p->verified)
                verify_print_table(f, p);

problems:
        fputc('\n', f);
        for (size_t i = 0; i < p->n_problems; i++) {
                if (p->problems[i].severity == SEVERITY_ERROR)
                        errors++;
                else
                        warnings++;
                if (verify_told(p, &p->problems[i]))
                        continue;
                print_problem(f, &p->problems[i], st);
                shown++;
        }
        print_verdict(f, p, st, errors, warnings, shown);
}

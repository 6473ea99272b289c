/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "json-out.h"
#include "pciids.h"
#include "report.h"
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

/* --verify's verdict on one object; nothing without it. */
static void json_applied(FILE *f, const struct plan *p, bool applied)
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

void report_json(FILE *f, const struct plan *p)
{
        struct pciids *db = NULL;

        fputs("{\n", f);
        json_schema(f);
        fprintf(f, "  \"ready\": %s,\n", plan_ready(p) ? "true" : "false");
        json_iommu(f, &p->iommu);
        json_config_files(f, p->conf);
        if (p->n_claims)
                (void)pciids_open(&db);

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
        pciids_free(db);

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

void report_quiet(FILE *f, const struct plan *p)
{
        for (size_t i = 0; i < p->n_problems; i++) {
                const struct problem *pr = &p->problems[i];
                char a[PCI_ADDR_STRLEN];

                fprintf(f, "%s %s %s: %s\n", sev_name(pr->severity), problem_name(pr->code),
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

/* The BARs the claim resizes, each with the size it has now where sysfs says. */
static void print_bars(FILE *f, const struct plan *p)
{
        bool header = false;

        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];

                for (size_t j = 0; j < c->n_bars; j++) {
                        unsigned idx = c->bars[j].index;
                        char want[32], now[32] = "-";

                        if (!header) {
                                fprintf(f, "\n%-13s %-16s %3s %8s %8s\n", "BAR RESIZE", "ENTRY",
                                        "BAR", "NOW", "AT BOOT");
                                header = true;
                        }
                        if (pci_fn_bar_now(c->fn, idx) >= 0)
                                bar_size_str((unsigned)pci_fn_bar_now(c->fn, idx), now);
                        fprintf(f, "%-13s %-16.16s %3u %8s %8s\n", c->fn->bdf, c->entry->name,
                                idx, now, bar_size_str(c->bars[j].log2_mib, want));
                }
        }
}

/* Where a claimed function is bound to VFIO already: the nodes a VM opens. */
static void print_vfio_nodes(FILE *f, const struct plan *p)
{
        bool header = false;

        for (size_t i = 0; i < p->n_claims; i++) {
                const struct vfio_nodes *v = &p->claims[i].vfio;
                _cleanup_free_ char *cdev = NULL;

                if (!v->group && !v->cdev)
                        continue;
                if (!header) {
                        fprintf(f, "\n%-13s %-20s %s\n", "VFIO NODES", "GROUP", "DEVICE (CDEV)");
                        header = true;
                }
                /* the group's node is gpupt's own words, the cdev a sysfs name */
                fprintf(f, "%-13s %-20s %s\n", p->claims[i].fn->bdf, v->group ? v->group : "-",
                        v->cdev ? printable(v->cdev, &cdev) : "-");
        }
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

void report_human(FILE *f, const struct plan *p)
{
        struct pciids *db = NULL;
        size_t errors = 0, warnings = 0;

        report_iommu_human(f, &p->iommu);
        if (p->conf->n_files == 0)
                fputs("Config: none\n", f);
        for (size_t i = 0; i < p->conf->n_files; i++) {
                _cleanup_free_ char *name = NULL;

                fprintf(f, "%s %s\n", i ? "       " : "Config:",
                        printable(p->conf->files[i], &name));
        }
        if (p->cmdline.gpupt_off)
                fputs("Kernel command line: gpupt=off, so the boot claims nothing; the plan below "
                      "is what it would do.\n",
                      f);

        if (verify_unapplied_short(p)) {
                verify_print_unapplied(f, p);
                goto problems;
        }
        fputc('\n', f);
        if (!p->n_claims)
                print_no_claims(f, p);
        else {
                (void)pciids_open(&db);
                fprintf(f, "%-13s %-16s %-10s %-40s %-14s %-10s %5s %4s\n", "ADDRESS", "ENTRY",
                        "ID", "NAME", "DRIVER NOW", "AT BOOT", "GROUP", "NUMA");
                for (size_t i = 0; i < p->n_claims; i++) {
                        const struct claim *c = &p->claims[i];
                        const char *name = db ? pciids_name(db, c->fn->vendor, c->fn->device)
                                              : NULL;
                        _cleanup_free_ char *e_name = NULL, *e_now = NULL, *e_boot = NULL;
                        char id[10], group[12], numa[12];

                        snprintf(id, sizeof(id), "%04x:%04x", c->fn->vendor, c->fn->device);
                        snprintf(group, sizeof(group), "%d", c->fn->iommu_group);
                        snprintf(numa, sizeof(numa), "%d", c->fn->numa_node);
                        fprintf(f, "%-13s %-16.16s %-10s %-40.40s %-14.14s %-10s %5s %4s\n",
                                c->fn->bdf, c->entry->name, id,
                                name ? printable(name, &e_name) : "-",
                                c->fn->driver ? printable(c->fn->driver, &e_now) : "-",
                                printable(plan_driver(p, c->driver), &e_boot),
                                c->fn->iommu_group >= 0 ? group : "-",
                                c->fn->numa_node >= 0 ? numa : "-");
                }
                pciids_free(db);
                print_vfio_nodes(f, p);
        }
        print_bars(f, p);
        if (p->n_sriovs) {
                fprintf(f, "\n%-13s %-16s %5s %5s %5s  %s\n", "SR-IOV PF", "ENTRY", "VFS", "NOW",
                        "MAX", "VF DRIVER");
                for (size_t i = 0; i < p->n_sriovs; i++) {
                        const struct sriov_plan *s = &p->sriovs[i];
                        bool known = s->pf && s->pf->details && s->pf->sriov_totalvfs >= 0;
                        _cleanup_free_ char *vf_driver = NULL;
                        char a[PCI_ADDR_STRLEN], now[12] = "-", max[12] = "-";

                        if (known) {
                                snprintf(now, sizeof(now), "%d", s->pf->sriov_numvfs);
                                snprintf(max, sizeof(max), "%d", s->pf->sriov_totalvfs);
                        }
                        fprintf(f, "%-13s %-16.16s %5u %5s %5s  %s\n",
                                pci_addr_format(&s->entry->pf, a), s->entry->name, s->entry->vfs,
                                now, max,
                                s->entry->vf_driver
                                        ? printable(plan_driver(p, s->vf_driver), &vf_driver)
                                        : "(host's choice)");
                }
        }
        if (p->n_mdevs) {
                fprintf(f, "\n%-13s %-16s %-24s %s\n", "MDEV PARENT", "ENTRY", "TYPE", "UUID");
                for (size_t i = 0; i < p->n_mdevs; i++) {
                        const struct conf_mdev *m = p->mdevs[i].entry;
                        _cleanup_free_ char *type = NULL;

                        fprintf(f, "%-13s %-16.16s %-24s %s%s\n", m->parent, m->name,
                                printable(m->type, &type), m->uuid,
                                p->mdevs[i].exists ? " (exists)" : "");
                }
        }
        human_vgpus(f, p);

        if (p->verified)
                verify_print_table(f, p);

problems:
        fputc('\n', f);
        for (size_t i = 0; i < p->n_problems; i++) {
                const struct problem *pr = &p->problems[i];
                char a[PCI_ADDR_STRLEN];

                if (pr->severity == SEVERITY_ERROR)
                        errors++;
                else
                        warnings++;
                if (verify_told(p, pr))
                        continue;
                fprintf(f, "%-7s %s", sev_name(pr->severity), problem_name(pr->code));
                if (pr->has_addr)
                        fprintf(f, " %s", pci_addr_format(&pr->addr, a));
                if (pr->entry)
                        fprintf(f, " (%s)", pr->entry);
                fprintf(f, ":\n        %s\n", pr->message);
        }
        if (p->verified)
                verify_print_summary(f, p, errors, warnings);
        else if (errors)
                fprintf(f, "%sNot ready: %zu error%s, %zu warning%s. The next boot will fail "
                        "loudly until they are fixed.\n",
                        p->n_problems ? "\n" : "", errors, errors == 1 ? "" : "s", warnings,
                        warnings == 1 ? "" : "s");
        else
                fprintf(f, "%sReady: %zu function%s claimed, %zu SR-IOV entr%s, %zu mdev%s, "
                        "%zu vGPU%s; %zu warning%s.\n",
                        p->n_problems ? "\n" : "", p->n_claims, p->n_claims == 1 ? "" : "s",
                        p->n_sriovs, p->n_sriovs == 1 ? "y" : "ies", p->n_mdevs,
                        p->n_mdevs == 1 ? "" : "s", plan_vgpu_vfs(p),
                        plan_vgpu_vfs(p) == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
}

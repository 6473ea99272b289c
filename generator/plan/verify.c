/* SPDX-License-Identifier: GPL-2.0-or-later */
/* not-applied, reboot-required: gpupt-check --verify */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "record.h"
#include "units.h"
#include "util.h"
#include "variant.h"
#include "verify.h"

/* Why nothing may have been applied, for the messages. */
static const char *off_note(const struct plan *p)
{
        return p->cmdline.gpupt_off ? " (gpupt=off is on the kernel command line)" : "";
}

/* driver = "auto" planned a variant and the function is on vfio-pci itself:
 * the boot had no such driver when it claimed (an image without the module:
 * nothing said; a module that failed: gpupt-apply's line said it). */
static bool variant_missed(const struct claim *c)
{
        return c->fn->driver && module_name_eq(c->fn->driver, VARIANT_CATCH_ALL) &&
               streq(c->entry->driver, VARIANT_AUTO) &&
               !module_name_eq(c->driver, VARIANT_CATCH_ALL);
}

static bool claim_on_driver(const struct plan *p, const struct claim *c)
{
        return c->fn->driver && streq(c->fn->driver, plan_driver(p, c->driver));
}

/* Whether BAR j of the claim has its planned size; *now: its size now, -1
 * when unknown. */
static bool bar_sized(const struct claim *c, size_t j, int *now)
{
        *now = c->fn->details ? pci_fn_bar_now(c->fn, c->bars[j].index) : -1;
        return *now >= 0 && (unsigned)*now == c->bars[j].log2_mib;
}

static int verify_claim(struct plan *p, struct claim *c)
{
        const char *want = plan_driver(p, c->driver);
        bool ok = claim_on_driver(p, c);
        int r;

        if (!ok && variant_missed(c)) {
                r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, &c->fn->addr, c->entry->name,
                                 "%s was planned on the vfio-pci variant %s (driver = \"auto\") "
                                 "and is on %s itself now: the boot claimed it without the "
                                 "variant (an initramfs built without its module, or the module "
                                 "failing: `journalctl -b | grep gpupt-apply`); rebuild the "
                                 "initramfs, then reboot",
                                 c->fn->bdf, want, c->fn->driver);
                if (r < 0)
                        return r;
        } else if (!ok) {
                r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, &c->fn->addr, c->entry->name,
                                 "%s was planned on %s and is on %s now%s; `journalctl -b "
                                 "-u gpupt-claim.service` says why",
                                 c->fn->bdf, want, c->fn->driver ? c->fn->driver : "no driver",
                                 off_note(p));
                if (r < 0)
                        return r;
        }
        if (c->n_bars) {
                r = host_details(p->host, c->fn);
                if (r == -ENOMEM)
                        return r;
        }
        for (size_t j = 0; j < c->n_bars; j++) {
                unsigned idx = c->bars[j].index;
                char want_s[32], now_s[32] = "of unknown size";
                int now;

                if (bar_sized(c, j, &now))
                        continue;
                ok = false;
                if (now >= 0)
                        bar_size_str((unsigned)now, now_s);
                r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, &c->fn->addr, c->entry->name,
                                 "BAR %u of %s was planned at %s and is %s now%s", idx,
                                 c->fn->bdf, bar_size_str(c->bars[j].log2_mib, want_s), now_s,
                                 off_note(p));
                if (r < 0)
                        return r;
        }
        c->applied = ok;
        return 0;
}

static int verify_sriov(struct plan *p, struct sriov_plan *s)
{
        const struct conf_sriov *e = s->entry;
        char a[PCI_ADDR_STRLEN];
        int r;

        pci_addr_format(&e->pf, a);
        if (!s->pf)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, &e->pf, e->name,
                                    "%u VFs were planned on %s, which does not exist", e->vfs, a);
        r = host_details(p->host, s->pf);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || s->pf->sriov_totalvfs < 0)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, &e->pf, e->name,
                                    "%u VFs were planned on %s, which shows no SR-IOV now", e->vfs,
                                    a);
        if (s->pf->sriov_numvfs < 0 || (unsigned)s->pf->sriov_numvfs != e->vfs)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, &e->pf, e->name,
                                    "%u VFs were planned on %s and it has %d now%s", e->vfs, a,
                                    s->pf->sriov_numvfs, off_note(p));
        s->applied = true;
        return 0;
}

static int verify_mdev(struct plan *p, struct mdev_plan *m)
{
        const struct conf_mdev *e = m->entry;

        if (!m->exists)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, NULL, e->name,
                                    "mdev %s of type %s on %s was planned and does not exist%s",
                                    e->uuid, e->type, e->parent, off_note(p));
        if (m->type_now && !streq(m->type_now, e->type))
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, NULL, e->name,
                                    "mdev %s on %s was planned of type %s and is of type %s; "
                                    "remove it (echo 1 > %s/sys/bus/mdev/devices/%s/remove) "
                                    "and reboot",
                                    e->uuid, e->parent, e->type, m->type_now, root_dir(),
                                    e->uuid);
        m->applied = true;
        return 0;
}

/* The plan took the VFs that hold the entry's type before the free ones
 * (vgpu.c): the entry is applied when its count of them hold it. */
static int verify_vgpu(struct plan *p, struct vgpu_plan *g)
{
        const struct conf_vgpu *e = g->entry;
        _cleanup_free_ char *unit = NULL;
        char a[PCI_ADDR_STRLEN];

        if (g->type_id > 0 && g->n_held >= e->count) {
                g->applied = true;
                return 0;
        }
        pci_addr_format(&e->pf, a);
        if (g->type_id <= 0)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, &e->pf, e->name,
                                    "vgpu \"%s\" was planned on %u VF%s of %s, and no VF "
                                    "there offers its type %s now%s",
                                    e->name, e->count, e->count == 1 ? "" : "s", a, e->type,
                                    off_note(p));
        /* the unit's name as systemd spells it: journalctl -u takes no other */
        unit = unit_instance(UNIT_VGPU, e->name);
        if (!unit)
                return -ENOMEM;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_NOT_APPLIED, &e->pf, e->name,
                            "vgpu \"%s\" was planned on %u VF%s of %s with type %ld (%s), and "
                            "%zu hold%s it now%s; `journalctl -b -u '%s'` says why",
                            e->name, e->count, e->count == 1 ? "" : "s", a, g->type_id, e->type,
                            g->n_held, g->n_held == 1 ? "s" : "", off_note(p), unit);
}

/* "claim ran with sha256 0123456789ab, sriov nic0 with …": the units of the
 * record that ran with a config other than now's; NULL when none did. */
static int stale_units(const struct record *rec, const char *now, char **ret)
{
        _cleanup_free_ char *list = NULL;

        for (size_t i = 0; i < rec->n; i++) {
                const struct record_line *l = &rec->lines[i];
                char *s;

                if (streq(l->hash, now))
                        continue;
                s = strdup_printf("%s%s%s%s%s %s sha256 %.12s", list ? list : "",
                                  list ? ", " : "", record_kind_name(l->kind), l->arg ? " " : "",
                                  l->arg ? l->arg : "", list ? "with" : "ran with", l->hash);
                if (!s)
                        return -ENOMEM;
                free(list);
                list = s;
        }
        *ret = TAKE_PTR(list);
        return 0;
}

static bool all_applied(const struct plan *p)
{
        for (size_t i = 0; i < p->n_claims; i++)
                if (!p->claims[i].applied)
                        return false;
        for (size_t i = 0; i < p->n_sriovs; i++)
                if (!p->sriovs[i].applied)
                        return false;
        for (size_t i = 0; i < p->n_mdevs; i++)
                if (!p->mdevs[i].applied)
                        return false;
        for (size_t i = 0; i < p->n_vgpus; i++)
                if (!p->vgpus[i].applied)
                        return false;
        return true;
}

static int verify_record(struct plan *p)
{
        _cleanup_free_ char *path = root_path(RECORD_APPLIED), *stale = NULL;
        struct record rec = { 0 };
        bool planned = p->n_claims || p->n_sriovs || p->n_mdevs || p->n_vgpus;
        char now[65];
        int r;

        if (!path)
                return -ENOMEM;
        r = record_read(&rec);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT) {
                if (!planned || p->cmdline.gpupt_off)
                        return 0; /* nothing to run, or the not-applied lines say why */
                r = plan_problem(p, SEVERITY_WARNING, PROBLEM_REBOOT_REQUIRED, NULL, NULL,
                                 "no gpupt-apply has carried out a part of the config since "
                                 "this boot (no %s): gpupt's units did not run, or each "
                                 "failed; reboot to apply it",
                                 path);
                if (r >= 0 && !all_applied(p))
                        p->unapplied_cause = (ssize_t)p->n_problems - 1;
                return r;
        }
        if (r < 0)
                return plan_problem(p, SEVERITY_WARNING, PROBLEM_REBOOT_REQUIRED, NULL, NULL,
                                    "%s cannot be read (%s), so what this boot applied is "
                                    "unknown; reboot to apply the config",
                                    path, strerror(-r));
        if (p->conf->n_files == 0)
                r = plan_problem(p, SEVERITY_WARNING, PROBLEM_REBOOT_REQUIRED, NULL, NULL,
                                 "the config was removed since this boot applied one; "
                                 "reboot to give its devices back to the host");
        else if ((r = conf_hash(p->conf, now)) < 0)
                /* the config could be parsed a moment ago: a race, not news */
                r = r == -ENOMEM ? r : 0;
        else if ((r = stale_units(&rec, now, &stale)) == 0 && stale)
                /* A unit that has no line ran with no config, or failed: what
                 * it should have done is in the not-applied lines. */
                r = plan_problem(p, SEVERITY_WARNING, PROBLEM_REBOOT_REQUIRED, NULL, NULL,
                                 "the config changed since this boot applied it (%s; sha256 "
                                 "%.12s now); reboot to apply it, after rebuilding the "
                                 "initramfs if initramfs-stale says so",
                                 stale, now);
        record_done(&rec);
        return r;
}

int plan_verify(struct plan *p)
{
        int r;

        p->unapplied_cause = -1;
        for (size_t i = 0; i < p->n_claims; i++)
                if ((r = verify_claim(p, &p->claims[i])) < 0)
                        return r;
        for (size_t i = 0; i < p->n_sriovs; i++)
                if ((r = verify_sriov(p, &p->sriovs[i])) < 0)
                        return r;
        for (size_t i = 0; i < p->n_mdevs; i++)
                if ((r = verify_mdev(p, &p->mdevs[i])) < 0)
                        return r;
        for (size_t i = 0; i < p->n_vgpus; i++)
                if ((r = verify_vgpu(p, &p->vgpus[i])) < 0)
                        return r;
        r = verify_record(p);
        if (r < 0)
                return r;
        p->verified = true;
        return 0;
}

void verify_print_table(FILE *f, const struct plan *p)
{
        if (!p->n_claims && !p->n_sriovs && !p->n_mdevs && !p->n_vgpus)
                return;
        fprintf(f, "\n%-13s %-16s %-24s %-24s %s\n", "VERIFY", "ENTRY", "PLANNED", "NOW",
                "APPLIED");
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                _cleanup_free_ char *planned = NULL, *now = NULL;

                fprintf(f, "%-13s %-16.16s %-24.24s %-24.24s %s\n", c->fn->bdf, c->entry->name,
                        printable(plan_driver(p, c->driver), &planned),
                        c->fn->driver ? printable(c->fn->driver, &now) : "-",
                        c->applied ? "yes" : "no");
        }
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];
                char a[PCI_ADDR_STRLEN], want[32], now[32] = "-";

                snprintf(want, sizeof(want), "%u VFs", s->entry->vfs);
                if (s->pf && s->pf->details && s->pf->sriov_totalvfs >= 0)
                        snprintf(now, sizeof(now), "%d VFs", s->pf->sriov_numvfs);
                fprintf(f, "%-13s %-16.16s %-24s %-24s %s\n", pci_addr_format(&s->entry->pf, a),
                        s->entry->name, want, now, s->applied ? "yes" : "no");
        }
        for (size_t i = 0; i < p->n_mdevs; i++) {
                const struct mdev_plan *m = &p->mdevs[i];
                _cleanup_free_ char *type = NULL;

                fprintf(f, "%-13.13s %-16.16s %-24.24s %-24s %s\n", m->entry->parent,
                        m->entry->name, printable(m->entry->type, &type),
                        m->exists ? "present" : "absent",
                        m->applied ? "yes" : "no");
        }
        for (size_t i = 0; i < p->n_vgpus; i++) {
                const struct vgpu_plan *g = &p->vgpus[i];
                char a[PCI_ADDR_STRLEN], want[32] = "-", now[32];

                if (g->type_id > 0)
                        snprintf(want, sizeof(want), "%u x type %ld", g->entry->count,
                                 g->type_id);
                snprintf(now, sizeof(now), "%zu hold%s it", g->n_held, g->n_held == 1 ? "s" : "");
                fprintf(f, "%-13s %-16.16s %-24s %-24s %s\n", pci_addr_format(&g->entry->pf, a),
                        g->entry->name, want, now, g->applied ? "yes" : "no");
        }
}

bool verify_unapplied_short(const struct plan *p)
{
        return p->verified && p->unapplied_cause >= 0;
}

bool verify_told(const struct plan *p, const struct problem *pr)
{
        return verify_unapplied_short(p) &&
               (pr->code == PROBLEM_NOT_APPLIED || pr == &p->problems[p->unapplied_cause]);
}

/* The distinct strings get() gives for the claims of d that pick() takes,
 * in address order, ", "-separated, each printable. */
static void print_distinct(FILE *f, const struct plan *p, const struct conf_device *d,
                           bool (*pick)(const struct plan *, const struct claim *),
                           const char *(*get)(const struct plan *, const struct claim *))
{
        bool first = true;

        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                _cleanup_free_ char *buf = NULL;
                bool again = false;

                if (c->entry != d || !pick(p, c))
                        continue;
                for (size_t j = 0; j < i && !again; j++)
                        again = p->claims[j].entry == d && pick(p, &p->claims[j]) &&
                                streq(get(p, &p->claims[j]), get(p, c));
                if (again)
                        continue;
                fprintf(f, "%s%s", first ? "" : ", ", printable(get(p, c), &buf));
                first = false;
        }
}

static bool off_driver(const struct plan *p, const struct claim *c)
{
        return !claim_on_driver(p, c);
}

static const char *driver_now(const struct plan *p, const struct claim *c)
{
        (void)p;
        return c->fn->driver ? c->fn->driver : "no driver";
}

static const char *driver_planned(const struct plan *p, const struct claim *c)
{
        return plan_driver(p, c->driver);
}

/* "0000:c1:00.0", or "4 functions of 0000:c1:00, 0000:c2:00". */
static void print_functions(FILE *f, const struct plan *p, const struct conf_device *d, size_t n)
{
        const struct claim *last = NULL;

        if (n > 1)
                fprintf(f, "%zu functions of ", n);
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];

                if (c->entry != d || !off_driver(p, c))
                        continue;
                if (n == 1)
                        fputs(c->fn->bdf, f);
                else if (!last || !pci_addr_same_slot(&last->fn->addr, &c->fn->addr))
                        fprintf(f, "%s%.*s", last ? ", " : "", PCI_ADDR_STRLEN - 3, c->fn->bdf);
                last = c;
        }
}

/* One line for a device entry that is not applied: its functions on the
 * wrong driver, the BARs not at their size. */
static void print_device(FILE *f, const struct plan *p, const struct conf_device *d, int width)
{
        size_t off = 0, n = 0;
        const char *sep = "";

        for (size_t i = 0; i < p->n_claims; i++) {
                n += p->claims[i].entry == d && !p->claims[i].applied;
                off += p->claims[i].entry == d && off_driver(p, &p->claims[i]);
        }
        if (!n)
                return;
        fprintf(f, "  %-*s  ", width, d->name);
        if (off) {
                print_functions(f, p, d, off);
                fputs(" on ", f);
                print_distinct(f, p, d, off_driver, driver_now);
                fputs(", not ", f);
                print_distinct(f, p, d, off_driver, driver_planned);
                sep = "; ";
        }
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];

                for (size_t j = 0; c->entry == d && j < c->n_bars; j++) {
                        char want[32], now_s[32] = "of unknown size";
                        int now;

                        if (bar_sized(c, j, &now))
                                continue;
                        if (now >= 0)
                                snprintf(now_s, sizeof(now_s), "at %s",
                                         bar_size_str((unsigned)now, want));
                        fprintf(f, "%sBAR %u of %s %s, not %s", sep, c->bars[j].index, c->fn->bdf,
                                now_s, bar_size_str(c->bars[j].log2_mib, want));
                        sep = "; ";
                }
        }
        fputc('\n', f);
}

static void print_sriov(FILE *f, const struct sriov_plan *s, int width)
{
        char a[PCI_ADDR_STRLEN];

        if (s->applied)
                return;
        fprintf(f, "  %-*s  %s ", width, s->entry->name, pci_addr_format(&s->entry->pf, a));
        if (!s->pf)
                fputs("does not exist", f);
        else if (!s->pf->details || s->pf->sriov_totalvfs < 0)
                fputs("shows no SR-IOV", f);
        else
                fprintf(f, "has %d VFs, not %u", s->pf->sriov_numvfs, s->entry->vfs);
        fputc('\n', f);
}

static void print_mdev(FILE *f, const struct mdev_plan *m, int width)
{
        _cleanup_free_ char *type = NULL, *parent = NULL;
        const struct conf_mdev *e = m->entry;

        if (m->applied)
                return;
        if (m->exists)
                fprintf(f, "  %-*s  mdev %s on %s is not of type %s\n", width, e->name, e->uuid,
                        printable(e->parent, &parent), printable(e->type, &type));
        else
                fprintf(f, "  %-*s  mdev %s of type %s on %s does not exist\n", width, e->name,
                        e->uuid, printable(e->type, &type), printable(e->parent, &parent));
}

static void print_vgpu(FILE *f, const struct vgpu_plan *g, int width)
{
        _cleanup_free_ char *type = NULL;
        char a[PCI_ADDR_STRLEN];

        if (g->applied)
                return;
        fprintf(f, "  %-*s  %zu of %u VF%s of %s hold%s vGPU type %s\n", width, g->entry->name,
                g->n_held, g->entry->count, g->entry->count == 1 ? "" : "s",
                pci_addr_format(&g->entry->pf, a), g->n_held == 1 ? "s" : "",
                printable(g->entry->type, &type));
}

void verify_print_unapplied(FILE *f, const struct plan *p)
{
        const struct conf *c = p->conf;
        int width = 0;

        for (size_t i = 0; i < c->n_devices; i++)
                width = (int)strlen(c->devices[i].name) > width ? (int)strlen(c->devices[i].name)
                                                               : width;
        for (size_t i = 0; i < p->n_sriovs; i++)
                width = (int)strlen(p->sriovs[i].entry->name) > width
                                ? (int)strlen(p->sriovs[i].entry->name)
                                : width;
        for (size_t i = 0; i < p->n_mdevs; i++)
                width = (int)strlen(p->mdevs[i].entry->name) > width
                                ? (int)strlen(p->mdevs[i].entry->name)
                                : width;
        for (size_t i = 0; i < p->n_vgpus; i++)
                width = (int)strlen(p->vgpus[i].entry->name) > width
                                ? (int)strlen(p->vgpus[i].entry->name)
                                : width;
        fprintf(f, "\nNot applied: %s.\n", p->problems[p->unapplied_cause].message);
        for (size_t i = 0; i < c->n_devices; i++)
                print_device(f, p, &c->devices[i], width);
        for (size_t i = 0; i < p->n_sriovs; i++)
                print_sriov(f, &p->sriovs[i], width);
        for (size_t i = 0; i < p->n_mdevs; i++)
                print_mdev(f, &p->mdevs[i], width);
        for (size_t i = 0; i < p->n_vgpus; i++)
                print_vgpu(f, &p->vgpus[i], width);
        fputs("`journalctl -b -u 'gpupt-*'` says why no unit carried it out.\n", f);
}

void verify_print_summary(FILE *f, const struct plan *p, size_t errors, size_t warnings)
{
        size_t planned = p->n_claims + p->n_sriovs + p->n_mdevs, applied = 0, shown = 0;

        for (size_t i = 0; i < p->n_problems; i++)
                shown += !verify_told(p, &p->problems[i]);
        for (size_t i = 0; i < p->n_claims; i++)
                applied += p->claims[i].applied;
        for (size_t i = 0; i < p->n_sriovs; i++)
                applied += p->sriovs[i].applied;
        for (size_t i = 0; i < p->n_mdevs; i++)
                applied += p->mdevs[i].applied;
        /* a vgpu entry counts as the VFs it types, as the Ready line does */
        for (size_t i = 0; i < p->n_vgpus; i++) {
                planned += p->vgpus[i].entry->count;
                applied += p->vgpus[i].applied ? p->vgpus[i].entry->count : 0;
        }
        fprintf(f, "%s%s: %zu of %zu planned applied", shown ? "\n" : "",
                errors ? "Not in sync" : "In sync", applied, planned);
        fprintf(f, "; %zu error%s, %zu warning%s.\n", errors, errors == 1 ? "" : "s", warnings,
                warnings == 1 ? "" : "s");
}

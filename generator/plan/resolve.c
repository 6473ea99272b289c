/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The config's entries matched to the host's functions: each device entry
 * to the functions it claims (by address, with its slot, or by ids), each
 * sriov entry to its PF, each mdev entry to what exists now. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "mdevdev.h"
#include "plan-steps.h"
#include "util.h"
#include "variant.h"

static const char *claim_driver(struct plan *p, const struct pci_fn *fn, const struct conf_device *d)
{
        return streq(d->driver, VARIANT_AUTO) ? plan_auto_driver(p, fn->modalias) : d->driver;
}

/* Adds fn for entry d, unless an earlier entry claimed it already. */
static int add_claim(struct plan *p, size_t *alloc, struct pci_fn *fn, const struct conf_device *d,
                     bool primary)
{
        const char *driver = claim_driver(p, fn, d);

        if (!driver)
                return -ENOMEM;
        /* The function knows its claim: no search through thousands of them. */
        if (fn->plan_claim) {
                struct claim *c = &p->claims[fn->plan_claim - 1];

                if (!module_name_eq(c->driver, driver))
                        return plan_problem(p, SEVERITY_ERROR, PROBLEM_CONFLICTING_CLAIMS, &fn->addr,
                                            d->name,
                                            "%s is claimed by device \"%s\" (%s:%u) for %s and by "
                                            "device \"%s\" (%s:%u) for %s; keep one entry",
                                            fn->bdf, c->entry->name, c->entry->where.file,
                                            c->entry->where.line, c->driver, d->name,
                                            d->where.file, d->where.line, driver);
                if (primary && !c->n_bars && d->n_bars) {
                        c->bars = d->bars;
                        c->n_bars = d->n_bars;
                }
                return 0;
        }
        if (GROW(p->claims, p->n_claims, *alloc) < 0)
                return -ENOMEM;
        p->claims[p->n_claims++] = (struct claim){
                .fn = fn,
                .entry = d,
                .bars = primary ? d->bars : NULL,
                .n_bars = primary ? d->n_bars : 0,
                .driver = driver,
        };
        fn->plan_claim = p->n_claims;
        return 0;
}

/* fn and the functions of its slot that d takes: none with functions =
 * single; for a function address without functions = all, those in fn's
 * IOMMU group (the others a partial-slot warning names); else all. */
static int claim_with_slot(struct plan *p, size_t *alloc, struct pci_fn *fn,
                           const struct conf_device *d)
{
        bool group_only = conf_device_group_of_slot(d);
        struct pci_fn *slot[8];
        size_t n;
        int r;

        if (d->functions == FUNCTIONS_SINGLE)
                return add_claim(p, alloc, fn, d, true);
        r = host_slot(p->host, &fn->addr, slot, &n);
        if (r < 0)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &fn->addr, d->name,
                                    "the functions of %s cannot be read: %s", fn->bdf,
                                    plan_read_error(r));
        for (size_t i = 0; i < n; i++) {
                if (group_only && slot[i]->iommu_group != fn->iommu_group)
                        continue;
                r = add_claim(p, alloc, slot[i], d, slot[i] == fn);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool id_matches(const struct pci_id *id, const struct pci_fn *f)
{
        if (id->vendor != f->vendor || id->device != f->device)
                return false;
        return !id->has_sub || (id->subvendor == f->subvendor && id->subdevice == f->subdevice);
}

static int resolve_bdf(struct plan *p, size_t *alloc, const struct conf_device *d)
{
        char want[PCI_ADDR_STRLEN], ids[PCI_ID_STRLEN], have[PCI_ID_STRLEN];
        struct pci_fn *fn = NULL;
        int r;

        pci_addr_format(&d->bdf, want);
        if (d->whole_slot) {
                struct pci_fn *slot[8];
                size_t n;

                r = host_slot(p->host, &d->bdf, slot, &n);
                if (r == 0 && n > 0)
                        fn = slot[0];
                else if (r == 0)
                        r = -ENOENT;
        } else
                r = host_get(p->host, &d->bdf, &fn);
        if (r == -ENOENT) {
                _cleanup_free_ char *ls = plan_list_command();

                want[PCI_ADDR_STRLEN - 3] = d->whole_slot ? '\0' : want[PCI_ADDR_STRLEN - 3];
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &d->bdf, d->name,
                                    "no PCI device at %s (from %s:%u); `%s` lists the "
                                    "addresses this machine has",
                                    want, d->where.file, d->where.line, ls ? ls : "lspci -D");
        }
        if (r < 0)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &d->bdf, d->name,
                                    "%s cannot be read: %s", want, plan_read_error(r));

        if (d->has_expect && !id_matches(&d->expect, fn)) {
                struct pci_id now = { .vendor = fn->vendor, .device = fn->device,
                                      .subvendor = fn->subvendor, .subdevice = fn->subdevice,
                                      .has_sub = d->expect.has_sub };

                return plan_problem(p, SEVERITY_ERROR, PROBLEM_DEVICE_CHANGED, &fn->addr, d->name,
                                    "%s holds %s, not the expected %s: the hardware moved; "
                                    "nothing of \"%s\" is claimed until bdf or expect in %s:%u "
                                    "is updated",
                                    fn->bdf, pci_id_format(&now, have),
                                    pci_id_format(&d->expect, ids), d->name, d->where.file,
                                    d->where.line);
        }
        return claim_with_slot(p, alloc, fn, d);
}

static int resolve_ids(struct plan *p, size_t *alloc, const struct conf_device *d)
{
        struct pci_fn *const *all;
        size_t n, bad = 0;
        bool any = false;
        int r;

        r = host_scan(p->host, &all, &n, &bad);
        if (r < 0)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, NULL, d->name,
                                    "the PCI bus cannot be listed (%s/sys/bus/pci/devices): %s",
                                    root_dir(), strerror(-r));
        for (size_t i = 0; i < n; i++) {
                bool match = false;

                for (size_t j = 0; j < d->n_ids && !match; j++)
                        match = id_matches(&d->ids[j], all[i]);
                if (!match)
                        continue;
                any = true;
                r = claim_with_slot(p, alloc, all[i], d);
                if (r < 0)
                        return r;
        }
        if (!any) {
                char id[PCI_ID_STRLEN];

                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, NULL, d->name,
                                    "no PCI device matches ids of \"%s\" (%s:%u, first %s); "
                                    "`lspci -nn` shows the [vvvv:dddd] of each device",
                                    d->name, d->where.file, d->where.line,
                                    pci_id_format(&d->ids[0], id));
        }
        return 0;
}

/* The first function d names: its claim is another entry's when d has
 * none of its own. NULL when it cannot be found again. */
static struct pci_fn *first_named(struct plan *p, const struct conf_device *d)
{
        struct pci_fn *const *all, *slot[8], *fn = NULL;
        size_t n, bad = 0;

        if (d->has_bdf && d->whole_slot)
                return host_slot(p->host, &d->bdf, slot, &n) == 0 && n > 0 ? slot[0] : NULL;
        if (d->has_bdf)
                return host_get(p->host, &d->bdf, &fn) == 0 ? fn : NULL;
        if (host_scan(p->host, &all, &n, &bad) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < d->n_ids; j++)
                        if (id_matches(&d->ids[j], all[i]))
                                return all[i];
        return NULL;
}

/* d matched functions and added no claim, and said nothing: earlier
 * entries claim all of them, for the same driver. It is dead weight, or a
 * mistake (a copied line, an ids entry over a bdf one): say so. */
static int claimed_elsewhere(struct plan *p, const struct conf_device *d)
{
        struct pci_fn *fn = first_named(p, d);
        const struct conf_device *other;

        if (!fn || !fn->plan_claim)
                return 0;
        other = p->claims[fn->plan_claim - 1].entry;
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_CLAIMED_ELSEWHERE, &fn->addr, d->name,
                            "device \"%s\" (%s:%u) claims nothing: every function it names is "
                            "claimed already, %s by device \"%s\" (%s:%u); remove one of the "
                            "two entries",
                            d->name, d->where.file, d->where.line, fn->bdf, other->name,
                            other->where.file, other->where.line);
}

static int resolve_sriov(struct plan *p)
{
        p->sriovs = calloc(p->conf->n_sriovs ?: 1, sizeof(*p->sriovs));
        if (!p->sriovs)
                return -ENOMEM;
        for (size_t i = 0; i < p->conf->n_sriovs; i++) {
                const struct conf_sriov *s = &p->conf->sriovs[i];
                struct sriov_plan *sp = &p->sriovs[p->n_sriovs++];
                char a[PCI_ADDR_STRLEN];
                int r;

                sp->entry = s;
                r = host_get(p->host, &s->pf, &sp->pf);
                if (r < 0) {
                        _cleanup_free_ char *ls = plan_list_command();

                        sp->pf = NULL;
                        pci_addr_format(&s->pf, a);
                        if (r == -ENOENT)
                                r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &s->pf,
                                                 s->name,
                                                 "no PCI device at %s, the pf of sriov \"%s\" "
                                                 "(%s:%u); `%s` lists the addresses",
                                                 a, s->name, s->where.file, s->where.line,
                                                 ls ? ls : "lspci -D");
                        else
                                r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &s->pf,
                                                 s->name,
                                                 "%s, the pf of sriov \"%s\" (%s:%u), cannot be "
                                                 "read",
                                                 a, s->name, s->where.file, s->where.line);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = host_details(p->host, sp->pf);
                if (r < 0 && (r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &s->pf, s->name,
                                               "%s cannot be read: %s", sp->pf->bdf,
                                               plan_read_error(r))) < 0)
                        return r;
        }
        return 0;
}

static int resolve_mdevs(struct plan *p)
{
        p->mdevs = calloc(p->conf->n_mdevs ?: 1, sizeof(*p->mdevs));
        if (!p->mdevs)
                return -ENOMEM;
        for (size_t i = 0; i < p->conf->n_mdevs; i++) {
                const struct conf_mdev *m = &p->conf->mdevs[i];
                struct mdev_plan *mp = &p->mdevs[p->n_mdevs++];
                char type[PATH_MAX];

                *mp = (struct mdev_plan){ .entry = m, .exists = mdevdev_exists(m->uuid) };
                if (mp->exists && mdevdev_type(m->uuid, type, sizeof(type)) >= 0 &&
                    !(mp->type_now = strdup(type)))
                        return -ENOMEM;
        }
        return 0;
}

int plan_resolve_entries(struct plan *p)
{
        size_t alloc = 0;
        int r;

        for (size_t i = 0; i < p->conf->n_devices; i++) {
                const struct conf_device *d = &p->conf->devices[i];
                size_t n_claims = p->n_claims, n_problems = p->n_problems;

                r = d->has_bdf ? resolve_bdf(p, &alloc, d) : resolve_ids(p, &alloc, d);
                if (r == 0 && p->n_claims == n_claims && p->n_problems == n_problems)
                        r = claimed_elsewhere(p, d);
                if (r < 0)
                        return r;
        }
        if (p->n_claims > 1)
                qsort(p->claims, p->n_claims, sizeof(*p->claims), plan_cmp_claim);
        for (size_t i = 0; i < p->n_claims; i++)
                p->claims[i].fn->plan_claim = 0; /* the sort moved them; plan_find_claim bisects */
        if ((r = resolve_sriov(p)) < 0 || (r = resolve_mdevs(p)) < 0)
                return r;
        return 0;
}

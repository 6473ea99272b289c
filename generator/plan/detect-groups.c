/* SPDX-License-Identifier: GPL-2.0-or-later */
/* impure-group, partial-slot, no-iommu-group */
#include <errno.h>
#include <string.h>

#include "intset.h"
#include "plan-steps.h"
#include "strbuf.h"
#include "util.h"

/* A group is viable for vfio only when every endpoint in it belongs to the
 * VM side; bridges and root ports do not count (vfio leaves them alone). */
static int check_group(struct plan *p, const struct claim *c)
{
        _cleanup_free_ struct pci_fn **members = NULL;
        _cleanup_free_ char *list = NULL;
        struct strbuf b = { 0 };
        size_t n, n_bad = 0;
        int r;

        r = host_group(p->host, c->fn->iommu_group, &members, &n);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_IMPURE_GROUP, &c->fn->addr,
                                    c->entry->name,
                                    "IOMMU group %d of %s cannot be read (%s/sys/kernel/"
                                    "iommu_groups/%d/devices): %s",
                                    c->fn->iommu_group, c->fn->bdf, root_dir(),
                                    c->fn->iommu_group, strerror(-r));
        for (size_t i = 0; i < n; i++) {
                const struct pci_fn *m = members[i];

                if (pci_fn_is_bridge(m) || plan_find_claim(p, &m->addr))
                        continue;
                strbuf_printf(&b, "%s%s (%04x:%04x, %s)", n_bad ? ", " : "", m->bdf, m->vendor,
                              m->device, m->driver ? m->driver : "no driver");
                n_bad++;
        }
        if (strbuf_take(&b, &list) < 0)
                return -ENOMEM;
        if (!n_bad)
                return 0;
        return plan_problem(p,
                            p->conf->on_impure == IMPURE_WARN ? SEVERITY_WARNING : SEVERITY_ERROR,
                            PROBLEM_IMPURE_GROUP, &c->fn->addr, c->entry->name,
                            "IOMMU group %d holds %s, which %s on the host: a VM can only "
                            "take the whole group; claim %s too (an ids or bdf entry), or move "
                            "the card to a slot with its own group",
                            c->fn->iommu_group, list, n_bad > 1 ? "stay" : "stays",
                            n_bad > 1 ? "them" : "it");
}

/* A slot function that c's entry leaves on the host: with functions =
 * single, or (said once, at the function the address names) a function
 * address whose other functions of the slot are in IOMMU groups of their own. */
static int partial_slot(struct plan *p, const struct claim *c, const struct pci_fn *left)
{
        const struct conf_device *d = c->entry;

        if (d->functions == FUNCTIONS_SINGLE)
                return plan_problem(p, SEVERITY_WARNING, PROBLEM_PARTIAL_SLOT, &c->fn->addr, d->name,
                                    "functions = single leaves %s (%04x:%04x) of the same card "
                                    "on the host; use functions = all unless that is intended",
                                    left->bdf, left->vendor, left->device);
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_PARTIAL_SLOT, &c->fn->addr, d->name,
                            "bdf = \"%s\" of \"%s\" (%s:%u) claims the functions of IOMMU "
                            "group %d only and leaves %s (%04x:%04x, IOMMU group %d) of the "
                            "same card on the host; add functions = all to the entry if it "
                            "goes to the VM too",
                            c->fn->bdf, d->name, d->where.file, d->where.line,
                            c->fn->iommu_group, left->bdf, left->vendor, left->device,
                            left->iommu_group);
}

static int check_partial_slot(struct plan *p, const struct claim *c)
{
        const struct conf_device *d = c->entry;
        struct pci_fn *slot[8];
        size_t n;
        int r;

        if (d->functions != FUNCTIONS_SINGLE &&
            !(conf_device_group_of_slot(d) && pci_addr_key(&d->bdf) == pci_addr_key(&c->fn->addr)))
                return 0;
        r = host_slot(p->host, &c->fn->addr, slot, &n);
        if (r < 0)
                return 0; /* the group check reports unreadable trees */
        for (size_t i = 0; i < n; i++) {
                if (slot[i] == c->fn || plan_find_claim(p, &slot[i]->addr))
                        continue;
                r = partial_slot(p, c, slot[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* vfio-pci binds only a device in an IOMMU group: with the IOMMU on, one
 * the IOMMU does not cover (left out of the firmware's DMAR or IVRS
 * tables) cannot go to a VM. With the IOMMU off, iommu-off says it all. */
static int check_no_group(struct plan *p, const struct claim *c)
{
        if (!p->iommu.enabled)
                return 0;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_IOMMU_GROUP, &c->fn->addr, c->entry->name,
                            "%s (%04x:%04x), claimed by device \"%s\" (%s:%u), is in no IOMMU "
                            "group although the IOMMU is on: vfio-pci refuses a device without "
                            "one. The firmware's IOMMU tables (DMAR, IVRS) leave it out; update "
                            "the firmware or move the card to another slot, and remove it from "
                            "the entry until then",
                            c->fn->bdf, c->fn->vendor, c->fn->device, c->entry->name,
                            c->entry->where.file, c->entry->where.line);
}

int detect_groups(struct plan *p)
{
        struct intset seen = { 0 };
        int r = 0;

        for (size_t i = 0; i < p->n_claims && r >= 0; i++) {
                const struct claim *c = &p->claims[i];

                /* One report per group: the first claimed member speaks for it. */
                if (c->fn->iommu_group >= 0) {
                        r = intset_add(&seen, c->fn->iommu_group);
                        if (r == 0)
                                r = check_group(p, c);
                        if (r < 0)
                                break;
                } else if ((r = check_no_group(p, c)) < 0)
                        break;
                r = check_partial_slot(p, c);
        }
        intset_free(&seen);
        return r < 0 ? r : 0;
}

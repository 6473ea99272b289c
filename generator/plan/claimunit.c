/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Claim units, and the one decision of what each problem keeps from being
 * claimed. A unit is an IOMMU group together with the slots its claimed
 * functions belong to (and so their groups, transitively): vfio gives a VM
 * a group whole, and a slot split between vfio-pci and a host driver is a
 * card neither side can use. The boot claims a unit whole or not at all;
 * gpupt-check, apply, the generator and the hand-off read the verdict from
 * here and decide nothing of their own. */
#include <errno.h>
#include <stdlib.h>

#include "plan-steps.h"
#include "util.h"

static size_t root_of(size_t *parent, size_t i)
{
        while (parent[i] != i)
                i = parent[i] = parent[parent[i]];
        return i;
}

static void join(size_t *parent, size_t a, size_t b)
{
        a = root_of(parent, a);
        b = root_of(parent, b);
        /* the lower index stays the root: units come out in address order */
        if (a < b)
                parent[b] = a;
        else if (b < a)
                parent[a] = b;
}

struct by_group {
        int group;
        size_t claim;
};

static int cmp_group(const void *a, const void *b)
{
        const struct by_group *x = a, *y = b;

        if (x->group != y->group)
                return x->group < y->group ? -1 : 1;
        return x->claim < y->claim ? -1 : x->claim > y->claim;
}

int plan_units(struct plan *p)
{
        _cleanup_free_ size_t *parent = NULL, *count = NULL;
        _cleanup_free_ struct by_group *groups = NULL;
        size_t n = p->n_claims, n_groups = 0, next = 0;

        free(p->units);
        free(p->unit_members);
        p->units = NULL;
        p->unit_members = NULL;
        p->n_units = 0;
        if (!n)
                return 0;
        parent = calloc(n, sizeof(*parent));
        groups = calloc(n, sizeof(*groups));
        count = calloc(n, sizeof(*count));
        p->unit_members = calloc(n, sizeof(*p->unit_members));
        if (!parent || !groups || !count || !p->unit_members)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                parent[i] = i;
                /* the claims are sorted by address: slot-mates are neighbours */
                if (i > 0 && pci_addr_same_slot(&p->claims[i - 1].fn->addr, &p->claims[i].fn->addr))
                        join(parent, i - 1, i);
                if (p->claims[i].fn->iommu_group >= 0)
                        groups[n_groups++] = (struct by_group){ p->claims[i].fn->iommu_group, i };
        }
        if (n_groups > 1)
                qsort(groups, n_groups, sizeof(*groups), cmp_group);
        for (size_t i = 1; i < n_groups; i++)
                if (groups[i].group == groups[i - 1].group)
                        join(parent, groups[i - 1].claim, groups[i].claim);

        /* unit numbers in the order of their first claim */
        for (size_t i = 0; i < n; i++) {
                size_t r = root_of(parent, i);

                if (r == i)
                        p->claims[i].unit = next++;
                else
                        p->claims[i].unit = p->claims[r].unit;
                count[p->claims[i].unit]++;
        }
        p->units = calloc(next, sizeof(*p->units));
        if (!p->units)
                return -ENOMEM;
        p->n_units = next;
        for (size_t u = 0, at = 0; u < next; u++) {
                p->units[u] = (struct claim_unit){
                        .claims = p->unit_members + at,
                        .blocker = -1,
                };
                at += count[u];
        }
        for (size_t i = 0; i < n; i++) {
                struct claim_unit *u = &p->units[p->claims[i].unit];

                u->claims[u->n_claims++] = i;
        }
        return 0;
}

/* Whether the device entry named by the problem has a claim in u. Entry
 * names are the config's own strings, one per entry: compared by address,
 * a device and an sriov entry of one name are not confused. */
static bool names_claim_in(const struct plan *p, const struct problem *pr,
                           const struct claim_unit *u)
{
        for (size_t i = 0; pr->entry && i < u->n_claims; i++)
                if (p->claims[u->claims[i]].entry->name == pr->entry)
                        return true;
        return false;
}

bool plan_problem_of_claims(const struct plan *p, const struct problem *pr)
{
        for (size_t i = 0; pr->entry && i < p->conf->n_devices; i++)
                if (p->conf->devices[i].name == pr->entry)
                        return true;
        return !pr->entry;
}

static bool has_fn_at(const struct plan *p, const struct claim_unit *u, const struct pci_addr *a)
{
        for (size_t i = 0; i < u->n_claims; i++)
                if (pci_addr_eq(&p->claims[u->claims[i]].fn->addr, a))
                        return true;
        return false;
}

static bool has_group(const struct plan *p, const struct claim_unit *u, int group)
{
        for (size_t i = 0; group >= 0 && i < u->n_claims; i++)
                if (p->claims[u->claims[i]].fn->iommu_group == group)
                        return true;
        return false;
}

/* Whether the problem is about the unit: it names a device entry claimed
 * in it, or a function in it or in one of its IOMMU groups, or nothing in
 * particular (the whole machine). An sriov, mdev or vgpu entry's own
 * problem (its pf or parent is missing) is that entry's, not a claim's. */
static bool about(const struct plan *p, const struct problem *pr, const struct claim_unit *u,
                  bool group_too)
{
        struct pci_fn *fn;

        if (!plan_problem_of_claims(p, pr))
                return false;
        if (pr->has_addr) {
                if (has_fn_at(p, u, &pr->addr))
                        return true;
                return group_too && host_get(p->host, &pr->addr, &fn) == 0 && fn &&
                       has_group(p, u, fn->iommu_group);
        }
        return pr->entry ? names_claim_in(p, pr, u) : true;
}

bool plan_problem_blocks(const struct plan *p, const struct problem *pr, const struct claim_unit *u)
{
        if (pr->severity != SEVERITY_ERROR)
                return false;
        switch (problem_blocks(pr->code)) {
        case BLOCKS_NOTHING:
        case BLOCKS_ENTRY:
                return false;
        case BLOCKS_ALL:
                return true;
        case BLOCKS_GROUP:
                return about(p, pr, u, true);
        case BLOCKS_FUNCTION:
                return about(p, pr, u, false);
        }
        return false;
}

bool plan_problem_concerns(const struct plan *p, const struct problem *pr,
                           const struct claim_unit *u)
{
        if (pr->severity != SEVERITY_ERROR || problem_blocks(pr->code) == BLOCKS_ENTRY)
                return false;
        return problem_blocks(pr->code) == BLOCKS_ALL || about(p, pr, u, true);
}

void plan_decide(struct plan *p)
{
        for (size_t u = 0; u < p->n_units; u++) {
                struct claim_unit *cu = &p->units[u];
                ssize_t impure = -1;

                cu->blocker = -1;
                for (size_t i = 0; i < p->n_problems && cu->blocker < 0; i++) {
                        if (!plan_problem_blocks(p, &p->problems[i], cu))
                                continue;
                        /* An impure group has a unit of its own that fails
                         * naming the other members: any other cause is the
                         * claim's to report, so it comes first. */
                        if (p->problems[i].code == PROBLEM_IMPURE_GROUP) {
                                if (impure < 0)
                                        impure = (ssize_t)i;
                                continue;
                        }
                        cu->blocker = (ssize_t)i;
                }
                if (cu->blocker < 0)
                        cu->blocker = impure;
        }
}

const struct problem *plan_unit_blocker(const struct plan *p, const struct claim_unit *u)
{
        return u->blocker >= 0 ? &p->problems[u->blocker] : NULL;
}

const struct problem *plan_entry_blocker(const struct plan *p, const char *entry)
{
        for (size_t i = 0; i < p->n_problems; i++) {
                const struct problem *pr = &p->problems[i];

                if (pr->severity == SEVERITY_ERROR && pr->entry == entry &&
                    problem_blocks(pr->code) != BLOCKS_NOTHING)
                        return pr;
        }
        return NULL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* root-disk */
#include <errno.h>
#include <string.h>

#include "intset.h"
#include "plan.h"
#include "rootdisk.h"
#include "util.h"

static bool is_controller(const struct rootdisk *rd, const struct pci_addr *a)
{
        for (size_t i = 0; i < rd->n_controllers; i++)
                if (pci_addr_eq(&rd->controllers[i], a))
                        return true;
        return false;
}

static int check_claim(struct plan *p, const struct rootdisk *rd, const struct claim *c)
{
        _cleanup_free_ struct pci_fn **members = NULL;
        size_t n = 0;
        int r;

        if (is_controller(rd, &c->fn->addr))
                return plan_problem(p, SEVERITY_ERROR, "root-disk", &c->fn->addr, c->entry->name,
                                    "%s controls the root filesystem (root=%s on %s): claiming it "
                                    "would take the disk away from the host; remove it from "
                                    "\"%s\" (%s:%u)",
                                    c->fn->bdf, rd->spec, rd->blockdev, c->entry->name,
                                    c->entry->where.file, c->entry->where.line);
        if (c->fn->iommu_group < 0)
                return 0;
        r = host_group(p->host, c->fn->iommu_group, &members, &n);
        if (r < 0)
                return 0; /* detect_groups reports an unreadable group */
        for (size_t i = 0; i < n; i++) {
                if (members[i] == c->fn || !is_controller(rd, &members[i]->addr) ||
                    plan_find_claim(p, &members[i]->addr))
                        continue;
                return plan_problem(p, SEVERITY_ERROR, "root-disk", &c->fn->addr, c->entry->name,
                                    "%s shares IOMMU group %d with %s, the controller of the root "
                                    "filesystem (root=%s on %s): the group can never go to a VM "
                                    "whole; move the card to another slot",
                                    c->fn->bdf, c->fn->iommu_group, members[i]->bdf, rd->spec,
                                    rd->blockdev);
        }
        return 0;
}

int detect_root_disk(struct plan *p)
{
        struct rootdisk rd = { 0 };
        struct intset groups = { 0 };
        int r;

        if (!p->n_claims || !p->cmdline.root)
                return 0;
        r = rootdisk_find(p->cmdline.root, &rd);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                /* Without a resolved root we cannot prove a claim safe; say so. */
                return plan_problem(p, SEVERITY_WARNING, "root-disk-unknown", NULL, NULL,
                                    "root=%s from the kernel command line resolves to no block "
                                    "device here (%s), so gpupt-check cannot tell whether a claim "
                                    "takes the root disk's controller",
                                    p->cmdline.root, strerror(-r));
        for (size_t i = 0; i < p->n_claims && r >= 0; i++) {
                /* One finding per group is enough, but the controller itself
                 * is always named. */
                int g = p->claims[i].fn->iommu_group, seen = 0;

                if (g >= 0) {
                        seen = intset_add(&groups, g);
                        if (seen < 0) {
                                r = seen;
                                break;
                        }
                        if (seen && is_controller(&rd, &p->claims[i].fn->addr))
                                seen = 0;
                }
                if (!seen)
                        r = check_claim(p, &rd, &p->claims[i]);
        }
        intset_free(&groups);
        rootdisk_done(&rd);
        return r;
}

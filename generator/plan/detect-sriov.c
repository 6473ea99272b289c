/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sriov-unsupported, sriov-pf-claimed */
#include "plan-steps.h"

/* VFs are made by the PF's driver (its sriov_configure). The claim binds the
 * PF to its claim driver first; vfio-pci makes VFs only when loaded with
 * enable_sriov=1, and then for the VM's user of the PF, which must hold a
 * VF token; its variants make none. pci-pf-stub exists to make them. */
static int check_pf_claimed(struct plan *p, const struct sriov_plan *s)
{
        const struct claim *c = plan_find_claim(p, &s->entry->pf);
        char a[PCI_ADDR_STRLEN];

        if (!c || s->entry->vfs == 0 || module_name_eq(c->driver, "pci-pf-stub"))
                return 0;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_SRIOV_PF_CLAIMED, &s->entry->pf, s->entry->name,
                            "%s is claimed for %s by device \"%s\" (%s:%u) and given %u VFs by "
                            "sriov \"%s\" (%s:%u): the PF's driver makes the VFs, and vfio-pci "
                            "makes them only when loaded with enable_sriov=1 for a VM that "
                            "drives the PF and holds a VF token, which gpupt does not set up. "
                            "Keep the PF on its host driver (take it out of device \"%s\") to "
                            "give its VFs to VMs, or drop sriov \"%s\" to give the PF itself "
                            "to a VM",
                            pci_addr_format(&s->entry->pf, a), c->driver, c->entry->name,
                            c->entry->where.file, c->entry->where.line, s->entry->vfs,
                            s->entry->name, s->entry->where.file, s->entry->where.line,
                            c->entry->name, s->entry->name);
}

int detect_sriov(struct plan *p)
{
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];
                int r = 0;

                if (!s->pf || !s->pf->details)
                        continue; /* no-match said so */
                if ((r = check_pf_claimed(p, s)) < 0)
                        return r;
                if (s->pf->sriov_totalvfs < 0)
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_SRIOV_UNSUPPORTED, &s->pf->addr,
                                         s->entry->name,
                                         "%s (%04x:%04x) has no SR-IOV capability (no "
                                         "sriov_totalvfs); check the pf address, or enable SR-IOV "
                                         "in the firmware setup",
                                         s->pf->bdf, s->pf->vendor, s->pf->device);
                else if (s->entry->vfs > (unsigned)s->pf->sriov_totalvfs)
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_SRIOV_UNSUPPORTED, &s->pf->addr,
                                         s->entry->name,
                                         "sriov \"%s\" asks for %u VFs but %s offers at most %d; "
                                         "set vfs = %d or less in %s:%u",
                                         s->entry->name, s->entry->vfs, s->pf->bdf,
                                         s->pf->sriov_totalvfs, s->pf->sriov_totalvfs,
                                         s->entry->where.file, s->entry->where.line);
                if (r < 0)
                        return r;
        }
        return 0;
}

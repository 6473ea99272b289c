/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sriov-unsupported */
#include "plan.h"

int detect_sriov(struct plan *p)
{
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];
                int r = 0;

                if (!s->pf || !s->pf->details)
                        continue; /* no-match said so */
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

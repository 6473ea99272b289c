/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "plan.h"

/* The addresses of an sriov entry's VFs, before a boot creates them: the
 * PF's SR-IOV capability fixes them (pcicfg.h). Where a VF exists now, the
 * kernel's virtfnN link must agree. */
struct vf_routing {
        unsigned offset, stride;
};

/* Reads where each VF of s's entry lies, into s->vfs: the PF's config
 * space and virtfn links. 0 or -ENOMEM; what cannot be read is kept as
 * the answer of plan_vf_addrs. */
int plan_vf_addrs_gather(struct sriov_plan *s);
/* VFs first .. first + n - 1 of s's PF into out[0 .. n - 1], from what
 * plan_vf_addrs_gather read (-ENODATA before it). 0; -ENOENT
 * when the PF is absent or has no SR-IOV capability; -ENODATA when its
 * config space cannot be read beyond 64 bytes (not root); -ERANGE when a VF
 * would lie beyond bus ff; -ESTALE when a virtfnN link names another
 * address (*stale is then that VF's index); -EBADMSG for a capability that
 * makes no sense. */
int plan_vf_addrs(const struct sriov_plan *s, unsigned first, unsigned n, struct pci_addr *out,
                  struct vf_routing *routing, unsigned *stale);
/* The reason of a failure of plan_vf_addrs, in words. */
const char *plan_vf_addrs_error(int r);

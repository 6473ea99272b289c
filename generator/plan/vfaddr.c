/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VF addresses from the PF's SR-IOV capability, checked against virtfn links. */
#include <errno.h>

#include "pcicfg.h"
#include "vfaddr.h"

int plan_vf_addrs(const struct sriov_plan *s, unsigned first, unsigned n, struct pci_addr *out,
                  struct vf_routing *routing, unsigned *stale)
{
        struct pcicfg_sriov cap;
        uint32_t pf;
        int r;

        if (!s->pf)
                return -ENOENT;
        r = pci_fn_sriov(s->pf->bdf, &cap);
        if (r < 0)
                return r;
        *routing = (struct vf_routing){ .offset = cap.offset, .stride = cap.stride };
        /* The routing ID: bus, then device and function (with ARI, one
         * 8-bit function number: the same sum). The domain stays. */
        pf = (uint32_t)s->pf->addr.bus << 8 | (uint32_t)s->pf->addr.dev << 3 | s->pf->addr.fn;
        for (unsigned i = 0; i < n; i++) {
                uint64_t rid = pf + cap.offset + (uint64_t)(first + i) * cap.stride;
                struct pci_addr link;

                if (rid > 0xffff)
                        return -ERANGE;
                out[i] = (struct pci_addr){ .domain = s->pf->addr.domain,
                                            .bus = (uint8_t)(rid >> 8),
                                            .dev = (uint8_t)((rid >> 3) & 0x1f),
                                            .fn = (uint8_t)(rid & 7) };
                r = pci_fn_virtfn(s->pf->bdf, first + i, &link);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (!pci_addr_eq(&link, &out[i])) {
                        *stale = first + i;
                        return -ESTALE;
                }
        }
        return 0;
}

const char *plan_vf_addrs_error(int r)
{
        switch (r) {
        case -ENOENT:
                return "the PF is absent or has no SR-IOV capability";
        case -ENODATA:
                return "its config space reads only 64 bytes (run as root)";
        case -ERANGE:
                return "the capability places a VF beyond bus ff";
        case -ESTALE:
                return "the kernel's virtfn link names another address than the capability";
        case -EBADMSG:
                return "its SR-IOV capability is malformed";
        default:
                return "its config space cannot be read";
        }
}

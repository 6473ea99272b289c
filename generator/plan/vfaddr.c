/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VF addresses from the PF's SR-IOV capability, checked against virtfn links. */
#include <errno.h>
#include <stdlib.h>

#include "pcicfg.h"
#include "vfaddr.h"

int plan_vf_addrs_gather(struct sriov_plan *s)
{
        struct sriov_vfs *v = &s->vfs;
        unsigned n = s->entry->vfs;
        struct pcicfg_sriov cap;
        uint32_t pf;
        int r;

        free(v->addrs);
        free(v->errors);
        *v = (struct sriov_vfs){ .gathered = true };
        if (!s->pf) {
                v->error = -ENOENT;
                return 0;
        }
        r = pci_fn_sriov(s->pf->bdf, &cap);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                v->error = r;
                return 0;
        }
        v->offset = cap.offset;
        v->stride = cap.stride;
        v->addrs = calloc(n ?: 1, sizeof(*v->addrs));
        v->errors = calloc(n ?: 1, sizeof(*v->errors));
        if (!v->addrs || !v->errors)
                return -ENOMEM;
        /* The routing ID: bus, then device and function (with ARI, one
         * 8-bit function number: the same sum). The domain stays. */
        pf = (uint32_t)s->pf->addr.bus << 8 | (uint32_t)s->pf->addr.dev << 3 | s->pf->addr.fn;
        for (unsigned i = 0; i < n; i++) {
                uint64_t rid = pf + cap.offset + (uint64_t)i * cap.stride;
                struct pci_addr link;

                if (rid > 0xffff) {
                        v->errors[i] = -ERANGE;
                        continue;
                }
                v->addrs[i] = (struct pci_addr){ .domain = s->pf->addr.domain,
                                                 .bus = (uint8_t)(rid >> 8),
                                                 .dev = (uint8_t)((rid >> 3) & 0x1f),
                                                 .fn = (uint8_t)(rid & 7) };
                r = pci_fn_virtfn(s->pf->bdf, i, &link);
                if (r == -ENOMEM)
                        return r;
                if (r == -ENOENT)
                        continue;
                v->errors[i] = r < 0 ? r : !pci_addr_eq(&link, &v->addrs[i]) ? -ESTALE : 0;
        }
        return 0;
}

int plan_vf_addrs(const struct sriov_plan *s, unsigned first, unsigned n, struct pci_addr *out,
                  struct vf_routing *routing, unsigned *stale)
{
        const struct sriov_vfs *v = &s->vfs;

        if (!s->pf)
                return -ENOENT;
        if (!v->gathered)
                return -ENODATA;
        if (v->error < 0)
                return v->error;
        if (first + n > s->entry->vfs)
                return -ERANGE;
        *routing = (struct vf_routing){ .offset = v->offset, .stride = v->stride };
        /* The first VF that fails says why, as reading them in turn would. */
        for (unsigned i = first; i < first + n; i++) {
                if (v->errors[i] == -ESTALE)
                        *stale = i;
                if (v->errors[i] < 0)
                        return v->errors[i];
                out[i - first] = v->addrs[i];
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

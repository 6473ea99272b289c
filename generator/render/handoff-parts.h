/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What handoff.c and handoff-libvirt.c share: the output's pieces, split
 * out of the plan once, and the libvirt writer. */
#include "handoff.h"
#include "vfaddr.h"

/* The Hyper-V vendor id --guest windows gives: any 1 to 12 letters or
 * digits that are not KVM's own ("KVMKVMKVM") do (Proxmox's hv-vendor-id
 * takes [a-zA-Z0-9]{1,12}). */
#define HV_VENDOR_ID "gpupt"

/* The claimed functions of one host slot. */
struct slot {
        const struct claim *const *fns; /* the claimed functions of one host slot */
        size_t n;
        bool whole;                     /* every function present in the slot */
};

/* One VF to hand over: its own root port, guest function 0, since a VF is
 * a function of a slot without function 0. */
struct vf {
        const char *entry;
        unsigned index;
        struct pci_addr addr;
        char bdf[PCI_ADDR_STRLEN];
        struct vf_routing rt;
        const char *pf;
};

/* What one output holds beside the device entries' slots. */
struct extras {
        struct vf *vfs;
        size_t n_vfs;
        const struct claim *primary;
        const struct plan *plan;
};

static inline bool is_primary(const struct extras *x, const struct claim *c)
{
        return x->primary == c;
}

void handoff_write_libvirt(FILE *f, const struct handoff_set *set, const struct claim *const *v,
                           size_t n, const struct slot *s, size_t n_slots, const struct extras *x);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "pciaddr.h"

/* NVIDIA vGPU on SR-IOV VFs, as the vGPU 17+ drivers (Ada, Hopper,
 * Blackwell) lay it out in sysfs: no mdev bus; each VF of a PF on nvidia
 * has VF/nvidia/creatable_vgpu_types ("1155 : NVIDIA L40S-8Q" lines, the
 * types this VF can take now, given what its siblings hold) and
 * VF/nvidia/current_vgpu_type ("0": none). */

struct vgpu_vf {
        char bdf[PCI_ADDR_STRLEN];
        bool nvidia;         /* VF/nvidia/ exists */
        long current;        /* current_vgpu_type; -1 unreadable */
        char *creatable;     /* creatable_vgpu_types, as read; NULL none */
        bool taken;          /* by an entry of this plan */
};

/* The VFs of pf (its virtfnN links, in N order), read from sysfs now. */
int vgpu_vfs_read(const char *pf_bdf, struct vgpu_vf **ret, size_t *n);
void vgpu_vfs_free(struct vgpu_vf *v, size_t n);
/* The id of type name in a creatable_vgpu_types text; -1 when absent. */
long vgpu_type_id(const char *creatable, const char *name);
/* Every type name of the VFs that have none yet, "a, b"; NULL for ENOMEM. */
char *vgpu_type_names(const struct vgpu_vf *v, size_t n);

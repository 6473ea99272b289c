/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* Every problem gpupt can find, each explained in gpupt-check(8). The name
 * is the stable interface (JSON, --quiet); the enum is what code decides by. */
enum problem_code {
        PROBLEM_ACS_OVERRIDE,
        PROBLEM_BAR_UNSUPPORTED,
        PROBLEM_BOOT_FRAMEBUFFER,
        PROBLEM_BOOT_VGA,
        PROBLEM_CLAIMED_ELSEWHERE,
        PROBLEM_CMDLINE_LOST,
        PROBLEM_CMDLINE_PENDING,
        PROBLEM_CONFIG_ERROR,
        PROBLEM_CONFIG_UNTRUSTED,
        PROBLEM_CONFLICTING_CLAIMS,
        PROBLEM_DEVICE_CHANGED,
        PROBLEM_FOREIGN_CLAIM,
        PROBLEM_HOST_DRIVER_BUILTIN,
        PROBLEM_HOST_DRIVER_FIRST,
        PROBLEM_IMPURE_GROUP,
        PROBLEM_INITRAMFS_STALE,
        PROBLEM_IOMMU_OFF,
        PROBLEM_MDEV_NO_INSTANCES,
        PROBLEM_MDEV_TYPE_UNKNOWN,
        PROBLEM_MODULE_MISSING,
        PROBLEM_NO_INTERRUPT_REMAPPING,
        PROBLEM_NO_IOMMU_GROUP,
        PROBLEM_NO_MATCH,
        PROBLEM_NO_MODULE_INDEX,
        PROBLEM_NO_RESET,
        PROBLEM_NOT_APPLIED,
        PROBLEM_PARTIAL_SLOT,
        PROBLEM_RDNA3_BAR,
        PROBLEM_REBOOT_REQUIRED,
        PROBLEM_RESET_METHOD_UNSUPPORTED,
        PROBLEM_ROOT_DISK,
        PROBLEM_ROOT_DISK_UNKNOWN,
        PROBLEM_SRIOV_PF_CLAIMED,
        PROBLEM_SRIOV_PREREQUISITE,
        PROBLEM_SRIOV_UNSUPPORTED,
        PROBLEM_STORAGE_UNVERIFIED,
        PROBLEM_VGPU_NO_VFS,
        PROBLEM_VGPU_PF_DRIVER,
        PROBLEM_VGPU_TYPE_UNKNOWN,
        PROBLEM_VGPU_VF_IN_USE,
        _PROBLEM_MAX,
};

/* What a problem of severity error keeps the boot from doing. A claim unit
 * (an IOMMU group with the slots of its claimed functions, claimunit.c) is
 * taken whole or not at all, so blocking a function, its slot or its group
 * blocks every unit that holds one of them. */
enum problem_blocks {
        BLOCKS_NOTHING,  /* advice, or a finding of --verify */
        BLOCKS_FUNCTION, /* the function at the problem's address; without one, its
                          * entry; without that, everything */
        BLOCKS_GROUP,    /* the IOMMU group of the function at the address, claimed
                          * or not (an endpoint that holds the root disk) */
        BLOCKS_ENTRY,    /* the sriov, mdev or vgpu entry it names, and no claim */
        BLOCKS_ALL,      /* every claim of this boot */
};

const char *problem_name(enum problem_code code);
enum problem_blocks problem_blocks(enum problem_code code);
/* The code of a name from gpupt-check(8); -EINVAL for none. */
int problem_from_name(const char *name);

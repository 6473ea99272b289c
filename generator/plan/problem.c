/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one table of problem codes: their names and what each blocks. The
 * plan decides with it (claimunit.c); nothing else matches names. */
#include <errno.h>
#include <string.h>

#include "problem.h"
#include "util.h"

static const struct {
        const char *name;
        enum problem_blocks blocks;
} kinds[_PROBLEM_MAX] = {
        [PROBLEM_ACS_OVERRIDE] = { "acs-override", BLOCKS_NOTHING },
        /* The claim goes ahead with the BAR as it is, as when the kernel
         * refuses a resize at boot: the device is the VM's either way. */
        [PROBLEM_BAR_UNSUPPORTED] = { "bar-unsupported", BLOCKS_NOTHING },
        [PROBLEM_BOOT_FRAMEBUFFER] = { "boot-framebuffer", BLOCKS_FUNCTION },
        [PROBLEM_BOOT_VGA] = { "boot-vga", BLOCKS_NOTHING },
        [PROBLEM_CLAIMED_ELSEWHERE] = { "claimed-elsewhere", BLOCKS_NOTHING },
        [PROBLEM_CMDLINE_LOST] = { "cmdline-lost", BLOCKS_NOTHING },
        [PROBLEM_CMDLINE_PENDING] = { "cmdline-pending", BLOCKS_NOTHING },
        [PROBLEM_CONFIG_ERROR] = { "config-error", BLOCKS_ALL },
        [PROBLEM_CONFIG_UNTRUSTED] = { "config-untrusted", BLOCKS_ALL },
        [PROBLEM_CONFLICTING_CLAIMS] = { "conflicting-claims", BLOCKS_FUNCTION },
        [PROBLEM_DEVICE_CHANGED] = { "device-changed", BLOCKS_FUNCTION },
        [PROBLEM_FOREIGN_CLAIM] = { "foreign-claim", BLOCKS_NOTHING },
        /* The built-in driver binds first, but the late claim can still
         * take the device from it: an error for the early claim alone. */
        [PROBLEM_HOST_DRIVER_BUILTIN] = { "host-driver-builtin", BLOCKS_NOTHING },
        [PROBLEM_HOST_DRIVER_FIRST] = { "host-driver-first", BLOCKS_NOTHING },
        [PROBLEM_IMPURE_GROUP] = { "impure-group", BLOCKS_GROUP },
        [PROBLEM_INITRAMFS_STALE] = { "initramfs-stale", BLOCKS_NOTHING },
        [PROBLEM_IOMMU_OFF] = { "iommu-off", BLOCKS_ALL },
        [PROBLEM_MDEV_NO_INSTANCES] = { "mdev-no-instances", BLOCKS_ENTRY },
        [PROBLEM_MDEV_TYPE_UNKNOWN] = { "mdev-type-unknown", BLOCKS_ENTRY },
        [PROBLEM_MODULE_MISSING] = { "module-missing", BLOCKS_FUNCTION },
        [PROBLEM_NO_INTERRUPT_REMAPPING] = { "no-interrupt-remapping", BLOCKS_NOTHING },
        [PROBLEM_NO_IOMMU_GROUP] = { "no-iommu-group", BLOCKS_FUNCTION }, /* vfio-pci refuses it */
        [PROBLEM_NO_MATCH] = { "no-match", BLOCKS_FUNCTION },
        [PROBLEM_NO_MODULE_INDEX] = { "no-module-index", BLOCKS_NOTHING },
        [PROBLEM_NO_RESET] = { "no-reset", BLOCKS_NOTHING },
        [PROBLEM_NOT_APPLIED] = { "not-applied", BLOCKS_NOTHING },
        [PROBLEM_PARTIAL_SLOT] = { "partial-slot", BLOCKS_NOTHING },
        [PROBLEM_RDNA3_BAR] = { "rdna3-bar", BLOCKS_NOTHING }, /* advice for a guest */
        [PROBLEM_REBOOT_REQUIRED] = { "reboot-required", BLOCKS_NOTHING },
        [PROBLEM_RESET_METHOD_UNSUPPORTED] = { "reset-method-unsupported", BLOCKS_FUNCTION },
        [PROBLEM_ROOT_DISK] = { "root-disk", BLOCKS_GROUP },
        [PROBLEM_ROOT_DISK_UNKNOWN] = { "root-disk-unknown", BLOCKS_NOTHING },
        /* the claim goes ahead; the VFs vfio-pci will not make are the
         * sriov entry's failure */
        [PROBLEM_SRIOV_PF_CLAIMED] = { "sriov-pf-claimed", BLOCKS_ENTRY },
        [PROBLEM_SRIOV_PREREQUISITE] = { "sriov-prerequisite", BLOCKS_ENTRY },
        [PROBLEM_SRIOV_UNSUPPORTED] = { "sriov-unsupported", BLOCKS_ENTRY },
        [PROBLEM_STORAGE_UNVERIFIED] = { "storage-unverified", BLOCKS_FUNCTION },
        [PROBLEM_VGPU_NO_VFS] = { "vgpu-no-vfs", BLOCKS_ENTRY },
        [PROBLEM_VGPU_PF_DRIVER] = { "vgpu-pf-driver", BLOCKS_ENTRY },
        [PROBLEM_VGPU_TYPE_UNKNOWN] = { "vgpu-type-unknown", BLOCKS_ENTRY },
        [PROBLEM_VGPU_VF_IN_USE] = { "vgpu-vf-in-use", BLOCKS_NOTHING },
};

const char *problem_name(enum problem_code code)
{
        return code < _PROBLEM_MAX && kinds[code].name ? kinds[code].name : "unknown";
}

enum problem_blocks problem_blocks(enum problem_code code)
{
        return code < _PROBLEM_MAX ? kinds[code].blocks : BLOCKS_NOTHING;
}

int problem_from_name(const char *name)
{
        for (int i = 0; i < _PROBLEM_MAX; i++)
                if (kinds[i].name && streq(kinds[i].name, name))
                        return i;
        return -EINVAL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "pciaddr.h"

/* The root filesystem as the kernel command line names it (root=UUID=…,
 * LABEL=…, PARTUUID=…, PARTLABEL=…, /dev/…), resolved with libblkid to a block
 * device, then through partitions, device-mapper and md slaves to the PCI
 * functions that control the disks underneath. */
struct rootdisk {
        char *spec;                 /* the root= value as given */
        char *blockdev;             /* kernel name of the resolved device, "nvme0n1p2" */
        struct pci_addr *controllers; /* the nearest PCI function above each disk */
        size_t n_controllers;
};

/* spec is the root= value. Returns 0, -ENOENT when the spec resolves to no
 * block device, -EINVAL for a spec it cannot interpret. A resolved device
 * that sits on no PCI function (virtio-mmio, loop) gives 0 and no
 * controllers. */
int rootdisk_find(const char *spec, struct rootdisk *ret);
void rootdisk_done(struct rootdisk *rd);

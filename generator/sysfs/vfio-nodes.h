/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "host.h"

/* The character devices a VM opens to use a function that a VFIO driver
 * (vfio-pci or a variant driver) has bound: the group node /dev/vfio/N
 * (/dev/vfio/noiommu-N without an IOMMU) and, from Linux 6.6, the device
 * cdev /dev/vfio/devices/vfioX that the function's sysfs directory names
 * in vfio-dev/vfioX. Paths are given as the host sees them, without the
 * root; NULL where there is none. */
struct vfio_nodes {
        char *group;
        char *cdev;
};

/* fn_dir: an open descriptor of the function's sysfs directory, or -1 to
 * open it here. Only -ENOMEM is an error: a node that is not there is NULL. */
int vfio_nodes_read(int fn_dir, const struct pci_fn *f, struct vfio_nodes *ret);
void vfio_nodes_done(struct vfio_nodes *v);

/* A driver of the VFIO family: "vfio-pci", "vfio_pci", "mlx5_vfio_pci", … */
bool driver_is_vfio(const char *driver);

/* ROOT/dev/iommu, the iommufd node (Linux 6.2+, CONFIG_IOMMUFD) through
 * which the VFIO device cdevs are used. */
bool iommufd_present(void);

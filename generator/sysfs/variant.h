/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "modules.h"

/* driver = "auto": the vfio-pci variant driver for a function, picked as
 * libvirt picks it. Variant drivers declare their ids with
 * PCI_DRIVER_OVERRIDE_DEVICE_VFIO, which depmod turns into
 * "vfio_pci:v…d…sv…sd…bc…sc…i…" aliases; the function's modalias with
 * "vfio_pci:" in place of "pci:" is looked up among them and the alias with
 * the fewest wildcards wins. vfio-pci's own alias matches everything, so it
 * is the answer when nothing more specific exists. */

#define VARIANT_AUTO "auto"
#define VARIANT_CATCH_ALL "vfio-pci"

/* The driver name for modalias ("pci:v…"), allocated: a module name
 * ("mlx5_vfio_pci") or "vfio-pci". m may be NULL (no module index): then
 * "vfio-pci". -errno only for lookups that fail for other reasons than
 * "no match" and for ENOMEM. */
int variant_for_modalias(struct gp_modules *m, const char *modalias, char **ret);

/* Whether a driver name is vfio-pci or one of its variants, which need
 * vfio's IOMMU backend loaded as well: by name, since every variant in
 * the kernel is called *_vfio_pci. */
bool variant_is_vfio(const char *driver);

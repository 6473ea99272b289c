/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "pciids.h"
#include "plan.h"

/* gpupt-check --kubevirt: the functions of device entries and the mdevs of
 * mdev entries as KubeVirt takes them: the KubeVirt CR's
 * spec.configuration.permittedHostDevices (one pciHostDevices item per
 * vendor:device, one mediatedDevices item per mdev type) and a
 * VirtualMachine's devices that request them, as YAML. */

struct kubevirt_set {
        const struct conf_device **devices;
        size_t n_devices;
        const struct mdev_plan **mdevs;
        size_t n_mdevs;
};

/* Finds a device or mdev entry by name and adds it to set (once); -ENOENT
 * when the config has neither of that name. set's arrays have room for
 * every entry of the config. */
int kubevirt_add(const struct plan *p, struct kubevirt_set *set, const char *name);
/* As handoff_ready: whether no error of the plan stands in the way of the
 * entries' devices, the reasons written to why (when not NULL). */
bool kubevirt_ready(const struct plan *p, const struct kubevirt_set *set, FILE *why);
/* Writes the YAML; notes a person should see go to warn. Resource names
 * come from db, the names database the caller opened (NULL: none, the
 * fallback names). 0 or -ENOMEM. */
int kubevirt_write(FILE *f, FILE *warn, const struct plan *p, const struct pciids *db,
                   const struct kubevirt_set *set);
/* The resource name KubeVirt offers a vendor:device under when no entry
 * names one: from the pci.ids names ("NVIDIA Corporation", "TU104GL [Tesla
 * T4]" -> "nvidia.com/TU104GL_Tesla_T4"); "gpupt.io" for an unknown vendor,
 * fallback for an unknown product. out has room for 320 bytes. */
void kubevirt_resource_name(const char *vendor_name, const char *product, const char *fallback,
                            char out[static 320]);

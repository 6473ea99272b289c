/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/* Names from the pci.ids database: under the root first (a recorded
 * machine may carry its own), then the system's copies. The database is
 * read once, on the first lookup, and only the wanted lines are kept. */
struct pciids;

int pciids_open(struct pciids **ret); /* -ENOENT when no database is installed */
void pciids_free(struct pciids *db);
/* "NVIDIA Corporation TU102 [GeForce RTX 2080 Ti]" or NULL; owned by db. */
const char *pciids_name(struct pciids *db, uint16_t vendor, uint16_t device);
/* The vendor's and the device's names apart ("NVIDIA Corporation",
 * "TU104GL [Tesla T4]"), copies for the caller to free; *device_name NULL
 * when only the vendor is known. 0, -ENOENT when the vendor is not listed,
 * -ENOMEM. */
int pciids_names(struct pciids *db, uint16_t vendor, uint16_t device, char **vendor_name,
                 char **device_name);

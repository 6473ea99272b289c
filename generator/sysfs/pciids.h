/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/* Names from the pci.ids database: under the root first (a recorded
 * machine may carry its own), then the system's copies, each in
 * /usr/share/misc (Debian's pci.ids package) and /usr/share/hwdata
 * (Fedora's hwdata). The file is read whole when it is opened; each
 * lookup after that reads memory only, and its names are kept. */
struct pciids;

int pciids_open(struct pciids **ret); /* -ENOENT when no database is installed */
void pciids_free(struct pciids *db);

/* One vendor:device's names, owned by the database. */
struct pciids_names {
        char *full;         /* "NVIDIA Corporation TU102 [GeForce RTX 2080 Ti]", as lspci */
        char *vendor;       /* "NVIDIA Corporation" */
        char *short_vendor; /* "NVIDIA", see pci_vendor_short() */
        char *model;        /* "TU102 [GeForce RTX 2080 Ti]"; NULL: pci.ids knows the vendor only */
};
/* NULL when pci.ids knows not even the vendor (or memory fails). */
const struct pciids_names *pciids_lookup(const struct pciids *db, uint16_t vendor,
                                        uint16_t device);
/* The full name, or NULL. */
const char *pciids_name(const struct pciids *db, uint16_t vendor, uint16_t device);

/* A vendor's short name for a narrow column: pci.ids' own short form in
 * brackets ("Advanced Micro Devices, Inc. [AMD/ATI]" is "AMD/ATI"), else the
 * name without its trailing company forms such as Corporation, Inc., Co.,
 * Ltd. ("NVIDIA Corporation" is "NVIDIA"). A new string; NULL without
 * memory. */
char *pci_vendor_short(const char *name);

/* Where pciids_open() found no database: the note for people, without a
 * full stop, that says which package gives names. */
extern const char pciids_hint[];
/* The vendor's and the device's names apart ("NVIDIA Corporation",
 * "TU104GL [Tesla T4]"), copies for the caller to free; *device_name NULL
 * when only the vendor is known. 0, -ENOENT when the vendor is not listed,
 * -ENOMEM. */
int pciids_names(const struct pciids *db, uint16_t vendor, uint16_t device, char **vendor_name,
                 char **device_name);

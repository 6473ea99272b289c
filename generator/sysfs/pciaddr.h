/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* dddd:bb:dd.f */
struct pci_addr {
        uint16_t domain;
        uint8_t bus;
        uint8_t dev; /* 0..31 */
        uint8_t fn;  /* 0..7 */
};

#define PCI_ADDR_STRLEN 13 /* "0000:00:00.0" + NUL */

/* Accepts "dddd:bb:dd.f", "bb:dd.f" and, when slot_ok is non-NULL, the slot
 * forms "dddd:bb:dd" and "bb:dd" (then *slot_ok is set and fn is 0).
 * Hex is case-insensitive. Returns 0 or -EINVAL. */
int pci_addr_parse(const char *s, struct pci_addr *ret, bool *slot_ok);
/* Always the full lower-case form. */
char *pci_addr_format(const struct pci_addr *a, char buf[static PCI_ADDR_STRLEN]);
static inline uint32_t pci_addr_key(const struct pci_addr *a)
{
        return ((uint32_t)a->domain << 16) | ((uint32_t)a->bus << 8) | ((uint32_t)a->dev << 3) |
               a->fn;
}
static inline bool pci_addr_eq(const struct pci_addr *a, const struct pci_addr *b)
{
        return pci_addr_key(a) == pci_addr_key(b);
}
static inline bool pci_addr_same_slot(const struct pci_addr *a, const struct pci_addr *b)
{
        return (pci_addr_key(a) >> 3) == (pci_addr_key(b) >> 3);
}

/* vendor:device[:subvendor:subdevice] */
struct pci_id {
        uint16_t vendor, device;
        uint16_t subvendor, subdevice;
        bool has_sub;
};

#define PCI_ID_STRLEN 20

int pci_id_parse(const char *s, struct pci_id *ret);
char *pci_id_format(const struct pci_id *id, char buf[static PCI_ID_STRLEN]);

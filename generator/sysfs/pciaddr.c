/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pciaddr.h"

/* Exactly n hex digits; the kernel prints fixed widths and so do users. */
static int hex_field(const char **p, unsigned n, unsigned *ret)
{
        unsigned v = 0, i;

        for (i = 0; i < n; i++) {
                char c = (*p)[i];

                if (!isxdigit((unsigned char)c))
                        return -EINVAL;
                v = v * 16 + (unsigned)(isdigit((unsigned char)c) ? c - '0' : tolower(c) - 'a' + 10);
        }
        *p += n;
        *ret = v;
        return 0;
}

int pci_addr_parse(const char *s, struct pci_addr *ret, bool *slot_ok)
{
        unsigned domain = 0, bus, dev, fn = 0;
        const char *p = s;
        bool slot = false;
        size_t colons = 0;

        if (!s)
                return -EINVAL;
        for (const char *c = s; *c; c++)
                colons += *c == ':';
        if (colons == 2) {
                if (hex_field(&p, 4, &domain) < 0 || *p++ != ':')
                        return -EINVAL;
        } else if (colons != 1)
                return -EINVAL;
        if (hex_field(&p, 2, &bus) < 0 || *p++ != ':')
                return -EINVAL;
        if (hex_field(&p, 2, &dev) < 0 || dev > 31)
                return -EINVAL;
        if (*p == '.') {
                p++;
                if (*p < '0' || *p > '7')
                        return -EINVAL;
                fn = (unsigned)(*p++ - '0');
        } else if (slot_ok)
                slot = true;
        else
                return -EINVAL;
        if (*p)
                return -EINVAL;

        *ret = (struct pci_addr){ .domain = (uint16_t)domain,
                                  .bus = (uint8_t)bus,
                                  .dev = (uint8_t)dev,
                                  .fn = (uint8_t)fn };
        if (slot_ok)
                *slot_ok = slot;
        return 0;
}

/* By hand, not snprintf: a scan of a large host formats every address. */
char *pci_addr_format(const struct pci_addr *a, char buf[static PCI_ADDR_STRLEN])
{
        static const char hex[] = "0123456789abcdef";
        unsigned dom = a->domain & 0xffffu, bus = a->bus & 0xffu, dev = a->dev & 0x1fu;

        buf[0] = hex[dom >> 12];
        buf[1] = hex[(dom >> 8) & 15];
        buf[2] = hex[(dom >> 4) & 15];
        buf[3] = hex[dom & 15];
        buf[4] = ':';
        buf[5] = hex[bus >> 4];
        buf[6] = hex[bus & 15];
        buf[7] = ':';
        buf[8] = hex[dev >> 4];
        buf[9] = hex[dev & 15];
        buf[10] = '.';
        buf[11] = hex[a->fn & 7u];
        buf[12] = '\0';
        return buf;
}

int pci_id_parse(const char *s, struct pci_id *ret)
{
        unsigned f[4] = { 0 };
        const char *p = s;
        unsigned n = 0;

        if (!s)
                return -EINVAL;
        for (;;) {
                if (n == 4 || hex_field(&p, 4, &f[n]) < 0)
                        return -EINVAL;
                n++;
                if (!*p)
                        break;
                if (*p++ != ':')
                        return -EINVAL;
        }
        if (n != 2 && n != 4)
                return -EINVAL;
        *ret = (struct pci_id){ .vendor = (uint16_t)f[0],
                                .device = (uint16_t)f[1],
                                .subvendor = (uint16_t)f[2],
                                .subdevice = (uint16_t)f[3],
                                .has_sub = n == 4 };
        return 0;
}

char *pci_id_format(const struct pci_id *id, char buf[static PCI_ID_STRLEN])
{
        if (id->has_sub)
                snprintf(buf, PCI_ID_STRLEN, "%04x:%04x:%04x:%04x", id->vendor, id->device,
                         id->subvendor, id->subdevice);
        else
                snprintf(buf, PCI_ID_STRLEN, "%04x:%04x", id->vendor, id->device);
        return buf;
}

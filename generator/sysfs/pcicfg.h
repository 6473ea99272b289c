/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pciaddr.h"

/* A function's configuration space, as ROOT/sys/bus/pci/devices/BDF/config
 * shows it: what gpupt learns about resets where the kernel's reset_method
 * attribute is absent (Linux before 5.15). An unprivileged read of config
 * returns only the first 64 bytes, where no capability lives: the answers
 * are then "unknown" (-ENODATA), never "no". */

#define PCICFG_CAP_PM 0x01
#define PCICFG_CAP_EXP 0x10
#define PCICFG_CAP_AF 0x13
#define PCICFG_EXT_CAP_SRIOV 0x0010

/* Reads up to size bytes of bdf's config; the number read, or -errno. */
int pcicfg_read(const char *bdf, uint8_t *buf, size_t size);
/* The same of the config file name below dirfd ("BDF/config" below the
 * devices directory). */
int pcicfg_read_at(int dirfd, const char *name, uint8_t *buf, size_t size);
/* The offset of capability id in the standard list of cfg (len bytes read),
 * -ENOENT when it is not there, -ENODATA when cfg is too short to tell,
 * -EBADMSG for a list that points outside or loops. */
int pcicfg_find_cap(const uint8_t *cfg, size_t len, uint8_t id);
/* From cfg: 1 when the PCI Express capability advertises Function Level
 * Reset (Device Capabilities bit 28), 0 when it does not or there is no
 * such capability, -ENODATA / -EBADMSG as above. */
int pcicfg_has_flr(const uint8_t *cfg, size_t len);
/* From cfg: 1 when the Advanced Features capability announces both
 * Transactions Pending and FLR, which the kernel's "af_flr" needs; 0 when
 * not or there is no such capability, -ENODATA / -EBADMSG as above. */
int pcicfg_has_af_flr(const uint8_t *cfg, size_t len);
/* The reset methods the config space shows, as the kernel names them:
 * "flr" (pcicfg_has_flr), then "af_flr" (pcicfg_has_af_flr). Returns how
 * many it put in out, or -ENODATA when cfg does not reach the capabilities
 * (the unprivileged 64 bytes): unknown, never "none". */
int pcicfg_reset_methods(const uint8_t *cfg, size_t len, const char *out[static 2]);
/* From cfg: 1 when the kernel's "pm" reset (D3hot and back) works: a power
 * management capability whose PMCSR does not set No_Soft_Reset. */
int pcicfg_has_pm_reset(const uint8_t *cfg, size_t len);
/* The same, reading bdf's config under the root. */
int pci_fn_has_flr(const char *bdf);
int pci_fn_has_pm_reset(const char *bdf);
/* The offset of extended capability id in the list that starts at 0x100,
 * -ENOENT when it is not there (or cfg ends at 256 bytes: no extended
 * space), -ENODATA when fewer than 256 bytes were read, -EBADMSG as above. */
int pcicfg_find_ext_cap(const uint8_t *cfg, size_t len, uint16_t id);

/* The SR-IOV capability's routing of a PF's VFs (PCIe base spec, 9.3.3.9
 * and .10): VF n (from 0) has the routing ID of the PF + offset + n * stride,
 * bus in the high byte, device and function below. The values are those
 * for the NumVFs now set, as the kernel reads them when it enables VFs.
 * TotalVFs too. -ENOENT: no SR-IOV capability; -ENODATA / -EBADMSG as above;
 * -EBADMSG for an offset of 0 (the spec forbids it). */
struct pcicfg_sriov {
        unsigned offset, stride, total;
};
int pcicfg_sriov(const uint8_t *cfg, size_t len, struct pcicfg_sriov *ret);
/* The same, reading bdf's config under the root (all 4096 bytes: only root
 * reads beyond the first 64, so -ENODATA for others). */
int pci_fn_sriov(const char *bdf, struct pcicfg_sriov *ret);
/* The address the kernel's virtfnN link of pf points at: 0, -ENOENT when
 * there is no such link (the VF does not exist now), -EBADMSG when it does
 * not end in an address. */
int pci_fn_virtfn(const char *pf, unsigned n, struct pci_addr *ret);

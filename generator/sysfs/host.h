/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pciaddr.h"

#define PCI_BAR_COUNT 6

/* One PCI function as sysfs under the root shows it. The core fields come
 * from one read of uevent and one readlink of iommu_group; the rest is read
 * on demand by host_details(), since most functions on a big host are only
 * looked at to see whether they match. */
struct pci_fn {
        struct pci_addr addr;
        char bdf[PCI_ADDR_STRLEN];
        uint16_t vendor, device, subvendor, subdevice;
        uint32_t class;          /* 0xCCSSPP */
        const char *modalias;    /* kept by the host, as driver */
        const char *driver;      /* NULL when unbound */
        int iommu_group;         /* -1: none */

        bool basics;             /* numa_node, boot_vga and reset_method are loaded */
        bool details;            /* the fields below are loaded */
        int numa_node;           /* -1: none or unknown */
        const char *local_cpulist;
        const char *reset_method;
        const char *driver_override; /* NULL when "(null)" */
        int boot_vga;            /* -1: no such attribute */
        int sriov_totalvfs;      /* -1: not an SR-IOV PF */
        int sriov_numvfs;
        struct pci_bars *bars;   /* NULL: no BAR is resizable, or not read */
        bool is_vf;
        struct pci_addr physfn;
        size_t plan_claim;       /* 1 + its index in the claims while a plan is built; 0 none */
};

/* The resizable BARs of a function, read with its details. Kept apart from
 * struct pci_fn: a host has thousands of functions and few such BARs. */
struct pci_bars {
        uint64_t sizes[PCI_BAR_COUNT]; /* resourceN_resize: bit n = 2^n MiB; 0 none */
        bool resizable[PCI_BAR_COUNT];
        int now[PCI_BAR_COUNT];        /* log2 MiB of a resizable BAR now; -1 unknown */
};

static inline bool pci_fn_bar_resizable(const struct pci_fn *f, unsigned i)
{
        return f->bars && f->bars->resizable[i];
}
static inline uint64_t pci_fn_bar_sizes(const struct pci_fn *f, unsigned i)
{
        return f->bars ? f->bars->sizes[i] : 0;
}
static inline int pci_fn_bar_now(const struct pci_fn *f, unsigned i)
{
        return f->bars ? f->bars->now[i] : -1;
}

static inline bool pci_fn_is_bridge(const struct pci_fn *f)
{
        return (f->class >> 8) == 0x0604;
}
static inline bool pci_fn_is_display(const struct pci_fn *f)
{
        return (f->class >> 16) == 0x03;
}

struct mdev_type {
        char *id;          /* directory name: "i915-GVTg_V5_4" */
        char *name;
        char *description;
        char *device_api;
        int available;     /* available_instances, -1 unreadable */
};

struct host;

int host_new(struct host **ret);
void host_free(struct host *h);

/* One function by address: 0, -ENOENT when there is none, -errno when its
 * sysfs entry cannot be read (-EBADMSG for garbage in it). Cached: a second
 * call costs nothing. The function stays owned by the host. */
int host_get(struct host *h, const struct pci_addr *a, struct pci_fn **ret);
int host_details(struct host *h, struct pci_fn *f);
/* Only numa_node, boot_vga (read only for VGA-class functions) and
 * reset_method: what the report and the checks of a claim need. numa_node is
 * the function's own (firmware gives each device its node, and a write to
 * one function's numa_node overrides it), not its bus's. The other detail
 * fields stay unloaded (details false) until host_details. */
int host_basics(struct host *h, struct pci_fn *f);
/* Every function on the bus, sorted by address. The array is owned by the
 * host. Functions that cannot be read are skipped and counted in *n_bad. */
int host_scan(struct host *h, struct pci_fn *const **ret, size_t *n, size_t *n_bad);
/* The functions present in a's slot, in function order; out has room for 8. */
int host_slot(struct host *h, const struct pci_addr *a, struct pci_fn *out[8], size_t *n);
/* Members of IOMMU group g, sorted; *ret is allocated, the functions are
 * the host's. -ENOENT when there is no such group. */
int host_group(struct host *h, int g, struct pci_fn ***ret, size_t *n);
/* The mdev types a parent (its name under class/mdev_bus) offers.
 * -ENOENT when it is not registered as a parent. */
int host_mdev_types(struct host *h, const char *parent, struct mdev_type **ret, size_t *n);
void mdev_types_free(struct mdev_type *v, size_t n);
/* The driver bound to bdf now, read afresh from its driver link rather than
 * the cached one (the apply helper writes and waits); NULL when unbound or
 * out of memory. */
char *host_driver_now(const char *bdf);
/* The sysfs path of a function's directory, for messages. */
char *host_fn_path(const struct pci_fn *f);

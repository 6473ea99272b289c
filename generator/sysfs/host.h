/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pciaddr.h"

#define PCI_BAR_COUNT 6

/* One PCI function as sysfs under the root shows it. The core fields come
 * from one read of uevent and one readlink of iommu_group; the rest is read
 * on demand by host_facts(), since most functions on a big host are only
 * looked at to see whether they match. The host model is the one reader of
 * these attributes: the plan, the apply helper and --list all take them
 * from here. */
struct pci_fn {
        struct pci_addr addr;
        char bdf[PCI_ADDR_STRLEN];
        uint16_t vendor, device, subvendor, subdevice;
        uint32_t class;          /* 0xCCSSPP */
        const char *modalias;    /* kept by the host, as driver */
        const char *driver;      /* NULL when unbound */
        int iommu_group;         /* -1: none */

        unsigned loaded;         /* the HOST_* facts below that are read */
        bool basics;             /* every fact of HOST_BASICS is loaded */
        bool details;            /* every fact of HOST_DETAILS is loaded */
        int numa_node;           /* HOST_NUMA; -1: none or unknown */
        const char *local_cpulist; /* HOST_CPUS */
        const char *reset_method;  /* HOST_RESET; NULL: no such attribute */
        const char *driver_override; /* HOST_OVERRIDE; NULL when "(null)" */
        int boot_vga;            /* HOST_BOOT_VGA; -1: no such attribute */
        int sriov_totalvfs;      /* HOST_SRIOV; -1: not an SR-IOV PF */
        int sriov_numvfs;
        struct pci_bars *bars;   /* HOST_BARS; NULL: no BAR is resizable, or not read */
        bool is_vf;              /* HOST_PHYSFN */
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
/* Gathering is over: from here on the host answers from what is loaded
 * and never touches the file system, so that what renders a plan or a
 * listing reads the machine as it was gathered, whatever changes under the
 * root meanwhile. host_get, host_slot: a function not loaded is not there
 * (-ENOENT); host_facts: a fact not loaded is -ENODATA, as are host_scan
 * without a scan, host_group outside one, host_mdev_types and
 * host_devices_dir. */
void host_seal(struct host *h);

/* One function by address: 0, -ENOENT when there is none, -errno when its
 * sysfs entry cannot be read (-EBADMSG for garbage in it). Cached: a second
 * call costs nothing. The function stays owned by the host. */
int host_get(struct host *h, const struct pci_addr *a, struct pci_fn **ret);

/* The facts of a function beyond its uevent, each read by one reader in
 * host.c, as the kernel's ABI (Documentation/ABI/testing/sysfs-bus-pci)
 * says the attribute reads. */
enum {
        HOST_NUMA = 1 << 0,     /* numa_node: the function's own (firmware gives each
                                 * device its node, and a write to one function's
                                 * numa_node overrides it), not its bus's */
        HOST_BOOT_VGA = 1 << 1, /* boot_vga: VGA-class functions only */
        HOST_RESET = 1 << 2,    /* reset_method */
        HOST_CPUS = 1 << 3,     /* local_cpulist */
        HOST_OVERRIDE = 1 << 4, /* driver_override */
        HOST_SRIOV = 1 << 5,    /* sriov_totalvfs, sriov_numvfs: endpoints only */
        HOST_BARS = 1 << 6,     /* resourceN_resize, and resource where one is */
        HOST_PHYSFN = 1 << 7,   /* the physfn link: is it a VF, and whose */
        /* What the report and the checks of a claim need. */
        HOST_BASICS = HOST_NUMA | HOST_BOOT_VGA | HOST_RESET,
        HOST_DETAILS = (1 << 8) - 1,
};
/* Reads the facts of what (HOST_*) that are not loaded yet; a fact read
 * once is not read again. 0, or the first -errno: -EBADMSG when an
 * attribute's text is not what the kernel writes there, and the function
 * is then unreadable for whoever asked for that fact; the facts read before
 * it stay loaded. Calls for distinct functions may run on several threads
 * at once (--list does), once the bus is scanned or the function got; no
 * other call of the host may run beside them. */
int host_facts(struct host *h, struct pci_fn *f, unsigned what);
static inline int host_details(struct host *h, struct pci_fn *f)
{
        return host_facts(h, f, HOST_DETAILS);
}
static inline int host_basics(struct host *h, struct pci_fn *f)
{
        return host_facts(h, f, HOST_BASICS);
}
/* Every function on the bus, sorted by address. The array is owned by the
 * host. Functions that cannot be read are skipped and counted in *n_bad. */
int host_scan(struct host *h, struct pci_fn *const **ret, size_t *n, size_t *n_bad);
/* The functions present in a's slot, in function order; out has room for 8.
 * After a scan no function is probed: the scan knows which there are. */
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
/* ROOT/sys/bus/pci/devices, open: the directory the readers below take.
 * Owned by the host; -errno when it cannot be opened. */
int host_devices_dir(struct host *h);

/* The function that the PF's link virtfnI names. The kernel makes virtfn0
 * to virtfnN-1 for the N VFs it enabled, and gives each VF a physfn link
 * back (Documentation/ABI/testing/sysfs-bus-pci): the one reader of those
 * links. devices_dir: ROOT/sys/bus/pci/devices, open. 0, -ENOENT when there
 * is no VF i, -EBADMSG when the link names no PCI address, or -errno. */
int pci_vf_read(int devices_dir, const char *pf_bdf, unsigned i, struct pci_addr *ret);
/* The sizes of BARs 0-5 now, from the resource file name below dirfd (a
 * "start end flags" line per resource, the kernel's own account after a
 * resize): log2 MiB of each that is a whole power-of-two number of MiB,
 * else -1. 0, or -errno when the file cannot be read. */
int pci_bar_sizes_read(int dirfd, const char *name, int now[static PCI_BAR_COUNT]);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "vfio-nodes.h"

/* What `gpupt-check --list` says of one function beyond its uevent: the
 * host model's facts (host.h), which the listing takes from there rather
 * than reading them again, and the few attributes only the listing shows
 * (the PCI Express link, mdev types, VFIO nodes). Nothing is written. */
struct pci_facts {
        /* From the host model; all unknown when error is set. */
        int error;                /* -errno: the host model cannot read the
                                   * function's attributes (host_facts) */
        int numa_node;            /* -1: none or unknown */
        const char *local_cpus;   /* local_cpulist, the host's string; NULL */
        char **reset_methods;     /* NULL: unknown (no reset_method, config space unreadable) */
        size_t n_reset_methods;
        bool reset_from_config;   /* no reset_method attribute: FLR read from the capabilities */
        int boot_vga;             /* -1: no such attribute */
        int sriov_total;          /* -1: not an SR-IOV PF */
        int sriov_current;
        bool is_vf;               /* it has a physfn link, to physfn */
        char physfn[PCI_ADDR_STRLEN];
        /* The listing's own. */
        char **mdev_types;        /* directory names, sorted */
        size_t n_mdev_types;
        char *link_speed, *link_max_speed; /* "8.0 GT/s PCIe"; NULL */
        int link_width, link_max_width;    /* -1 unknown */
        struct vfio_nodes vfio;
};

/* What to read besides the host's facts. The link belongs to the device,
 * so every function of a slot shows the same one: a caller listing many
 * functions reads it once per slot. mdev types only where the function is
 * registered in class/mdev_bus. */
enum {
        PCI_FACTS_LINK = 1 << 0,
        PCI_FACTS_MDEV = 1 << 1,
        PCI_FACTS_ALL = PCI_FACTS_LINK | PCI_FACTS_MDEV,
};

/* Only -ENOMEM is an error. A function whose attributes the host model
 * cannot read has ret->error set and its host facts unknown, as the check
 * would call it unreadable; a missing or garbled attribute of the
 * listing's own leaves that fact unknown. Calls for distinct functions may
 * run on several threads at once (host_facts). */
int pci_facts_read(struct host *h, struct pci_fn *f, unsigned what, struct pci_facts *ret);
/* The facts' initial state: everything unknown. */
void pci_facts_init(struct pci_facts *x);
void pci_facts_done(struct pci_facts *x);

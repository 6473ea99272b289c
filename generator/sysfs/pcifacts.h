/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "vfio-nodes.h"

/* What `gpupt-check --list` says of one function beyond its uevent: read
 * from its sysfs directory, a handful of small files, nothing written. */
struct pci_facts {
        int numa_node;            /* -1: none or unknown */
        char *local_cpus;         /* local_cpulist; NULL */
        char **reset_methods;     /* NULL: unknown (no reset_method, config space unreadable) */
        size_t n_reset_methods;
        bool reset_from_config;   /* no reset_method attribute: FLR read from the capabilities */
        int boot_vga;             /* -1: no such attribute */
        int sriov_total;          /* -1: not an SR-IOV PF */
        int sriov_current;
        bool is_vf;               /* set from the PF's virtfnN links: see pci_facts_vfs() */
        char physfn[PCI_ADDR_STRLEN];
        char **mdev_types;        /* directory names, sorted */
        size_t n_mdev_types;
        char *link_speed, *link_max_speed; /* "8.0 GT/s PCIe"; NULL */
        int link_width, link_max_width;    /* -1 unknown */
        struct vfio_nodes vfio;
};

/* What to read besides the per-function facts (numa_node among them: each
 * function has its own, from firmware or written over it). The link belongs
 * to the device, so every function of a slot shows the same one; the kernel
 * derives local_cpulist from the function's node, so a caller listing many
 * functions reads the link once per slot and the CPUs once per node
 * (pci_facts_read_cpus). mdev types only where the function is registered in
 * class/mdev_bus. */
enum {
        PCI_FACTS_LINK = 1 << 0,
        PCI_FACTS_CPUS = 1 << 1,
        PCI_FACTS_MDEV = 1 << 2,
        PCI_FACTS_ALL = PCI_FACTS_LINK | PCI_FACTS_CPUS | PCI_FACTS_MDEV,
};

/* devices_dir: an open ROOT/sys/bus/pci/devices. Only -ENOMEM and a
 * function whose directory cannot be opened are errors; a missing or
 * garbled attribute leaves its fact unknown. */
int pci_facts_read(int devices_dir, const struct pci_fn *f, unsigned what, struct pci_facts *ret);
/* Only local_cpulist into x->local_cpus (NULL when absent): what
 * PCI_FACTS_CPUS reads, for a node the caller has not met yet. */
int pci_facts_read_cpus(int devices_dir, const struct pci_fn *f, struct pci_facts *x);
/* The addresses of a PF's enabled VFs, from its virtfn0..virtfnN-1 links:
 * one readlink per VF instead of a physfn probe on every function of the
 * host. out has room for n; returns how many it filled. */
int pci_facts_vfs(int devices_dir, const struct pci_fn *pf, int n, struct pci_addr *out);
/* The facts' initial state: everything unknown. */
void pci_facts_init(struct pci_facts *x);
void pci_facts_done(struct pci_facts *x);

/* The reset methods the config space shows: "flr" when the PCI Express
 * capability's Device Capabilities has Function Level Reset (bit 28),
 * "af_flr" for the Advanced Features capability's FLR. Returns how many it
 * put in out, or -ENODATA when cfg does not reach the capabilities (an
 * unprivileged read of config sees only its first 64 bytes). */
int config_reset_methods(const unsigned char *cfg, size_t len, const char *out[static 2]);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "host.h"
#include "pcifacts.h"
#include "plan.h"

/* The listing: what `gpupt-check --list` shows, gathered once. Every
 * function on the bus in the listing's order with the facts an admin
 * decides on (pcifacts.h), its modules, the entry that claims it and what
 * keeps it on the host; the config resolved against the host with the
 * IOMMU state, the module index and the root disk (plan_gather). The
 * renderer (list.h) prints it and reads nothing else. */

/* A function an sriov entry (its pf), an mdev entry (its parent) or a vgpu
 * entry (its pf) keeps on its host driver, to make VFs, mdevs or vGPUs of:
 * not for a VM whole, however its group is made. */
enum listing_use_kind { LISTING_USE_SRIOV, LISTING_USE_MDEV, LISTING_USE_VGPU };

struct listing_use {
        struct pci_addr addr;
        enum listing_use_kind kind;
        const char *entry;             /* the config's */
};

/* The modules libkmod gives one modalias, sorted bytewise. */
struct listing_modules {
        char *modalias;
        char **names;
        size_t n;
};

struct listing_fn {
        struct pci_fn *fn;             /* the host's */
        struct pci_facts x;
        bool facts;                    /* x was read */
        bool shown;                    /* not filtered out by display */
        /* Filled for the shown functions only: */
        const struct listing_modules *mods; /* NULL: no module index */
        const char *entry;             /* the device entry that claims it; NULL */
        bool used;                     /* one of the uses names it */
        bool root_disk;
};

struct modcache;

struct listing {
        struct plan *plan;             /* resolved and gathered, not checked */
        bool display;                  /* only the groups that hold a display controller */
        struct listing_fn *fns;        /* by IOMMU group, ascending, the functions in
                                        * none last; within each by address */
        size_t n;
        size_t n_grouped;              /* fns[0 .. n_grouped - 1] are in a group */
        size_t n_bad;                  /* functions the scan could not read */
        size_t n_ungrouped_shown;
        size_t n_shown, n_claimed, n_used; /* of the shown functions */
        struct listing_use *uses;      /* the config's sriov, mdev and vgpu entries' functions,
                                        * in config order */
        size_t n_uses;
        struct modcache *mods;
};

/* Scans the bus, resolves conf against it and reads every function's
 * facts. With display, only the groups with a display controller and the
 * ungrouped display controllers are shown. 0, or -errno when the bus
 * cannot be read at all or memory fails. */
int listing_build(const struct conf *conf, struct host *h, bool display, struct listing **ret);
void listing_free(struct listing *l);

/* The functions present in a's slot, from the scan: no system call. As
 * host_slot(). */
int listing_slot(const struct listing *l, const struct pci_addr *a, struct pci_fn *out[8],
                 size_t *n);
/* The first use of the function at a; NULL when none keeps it. */
const struct listing_use *listing_use_of(const struct listing *l, const struct pci_addr *a);

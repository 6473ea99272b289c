/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "plan.h"

/* From a claimed device to a VM definition: the functions one device entry
 * claims, rendered for libvirt, for a QEMU command line or for Proxmox's
 * `qm set`. The guest addresses mirror the host: one guest slot (behind a
 * PCIe root port of its own) per host slot, the same function numbers. */

enum handoff_kind { HANDOFF_LIBVIRT, HANDOFF_QEMU, HANDOFF_PROXMOX };

/* The device, sriov or mdev entry of that name, or NULL. */
const struct conf_device *handoff_entry(const struct conf *c, const char *name);
const struct conf_sriov *handoff_sriov(const struct conf *c, const char *name);
const struct conf_mdev *handoff_mdev(const struct conf *c, const char *name);

/* --guest: settings the guest's OS needs beside the devices. */
enum handoff_guest { HANDOFF_GUEST_ANY, HANDOFF_GUEST_WINDOWS };

/* VFs first .. first + n - 1 of an sriov entry ("nic0:0-1"). */
struct handoff_vfs {
        const struct conf_sriov *entry;
        unsigned first, n;
};

/* The entries one VM takes: their functions share one output, so that the
 * guest slots of several cards do not collide. */
struct handoff_set {
        const struct conf_device **entries;
        size_t n;
        struct handoff_vfs *vfs;
        size_t n_vfs;
        const struct conf_mdev **mdevs;
        size_t n_mdevs;
        const struct conf_device *primary; /* --primary: the guest's display; NULL */
        enum handoff_guest guest;
};

/* Whether the set can be written at all: --primary names one of the device
 * entries, and that entry claims exactly one VGA-class function. What is
 * wrong goes to err. */
bool handoff_check(const struct plan *p, const struct handoff_set *set, FILE *err);

/* Whether the entries' part of the plan is free of errors: no problem of
 * severity error that names an entry, one of their functions, a function in
 * the IOMMU group of one of them, or nothing at all (a machine-wide one,
 * such as iommu-off); no sriov or mdev entry kept from being applied
 * (plan_entry_blocker), and every VF's address known. The problems that stand in the way are written to
 * why (when not NULL), one per line. */
bool handoff_ready(const struct plan *p, const struct handoff_set *set, FILE *why);

/* Writes the definition of the entries' claimed functions. Notes a person should see
 * (a slot whose function 0 stays on the host) go to warn. Returns 0 or
 * -errno (-ENOMEM). */
int handoff_write(FILE *f, FILE *warn, const struct plan *p, const struct handoff_set *set,
                  enum handoff_kind kind);

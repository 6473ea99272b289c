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

/* The device entry of that name, or NULL. */
const struct conf_device *handoff_entry(const struct conf *c, const char *name);

/* The entries one VM takes: their functions share one output, so that the
 * guest slots of several cards do not collide. */
struct handoff_set {
        const struct conf_device **entries;
        size_t n;
};

/* Whether the entries' part of the plan is free of errors: no problem of
 * severity error that names an entry, one of their functions, a function in
 * the IOMMU group of one of them, or nothing at all (a machine-wide one,
 * such as iommu-off). The problems that stand in the way are written to
 * why (when not NULL), one per line. */
bool handoff_ready(const struct plan *p, const struct handoff_set *set, FILE *why);

/* Writes the definition of the entries' claimed functions. Notes a person should see
 * (a slot whose function 0 stays on the host) go to warn. Returns 0 or
 * -errno (-ENOMEM). */
int handoff_write(FILE *f, FILE *warn, const struct plan *p, const struct handoff_set *set,
                  enum handoff_kind kind);

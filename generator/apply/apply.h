/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "log.h"
#include "plan.h"
#include "record.h"

/* gpupt-apply's lines, each about a function, an entry or a parent:
 * "gpupt-apply: WHAT: TEXT" on standard error, which the initramfs points
 * at /dev/kmsg (log.h). */
#define report(what, ...) log_about(LOG_NOTICE, (what), __VA_ARGS__)

/* Carries out a plan on sysfs under the root. Every write is checked and
 * read back, every wait is bounded, and a second run changes nothing. */

/* Writes value to path (absolute, under the root). Tests replace it with a
 * double that does what the kernel would. */
extern int (*apply_write)(const char *path, const char *value);
/* Loads a module by name; NULL (the default under a root) skips loading,
 * since a recorded machine's kernel is not the running one. */
extern int (*apply_load_module)(const char *name);
/* Frees what a run keeps between its steps: the module index it loads
 * modules with. */
void apply_done(void);
/* How long to wait for a driver to bind, in milliseconds. */
extern unsigned apply_wait_ms;
/* The time spent in bounded waits so far, in milliseconds: what the tests
 * read to see that a wait is bounded once, not once per device. */
extern unsigned apply_waited_ms;
/* How long mdev PARENT waits for the parent to register, in milliseconds. */
extern unsigned apply_mdev_wait_ms;

/* Claims every function of the plan that may be claimed; problems that
 * make a claim unsafe (iommu-off, root-disk, storage-unverified,
 * impure-group with fail, conflicting-claims) stop it. Returns the number of failures (0: all done),
 * each reported on stderr with the path and the reason. */
int apply_claims(const struct plan *p);
/* 0 when the group is pure, else 1 with the unclaimed endpoints named. */
int apply_check_group(const struct plan *p, int group);
int apply_sriov(const struct plan *p, const char *name);
/* Creates the configured mdevs of parent that do not exist. A parent not
 * registered with the mdev core within apply_mdev_wait_ms is success, said
 * in one line: the udev rule creates them when it registers. 1 when a
 * create failed. */
int apply_mdevs(const struct plan *p, const char *parent);
/* Whether an mdev entry of the config names parent (as the kernel names it:
 * the PCI address in full, or the device name). */
bool apply_mdev_parent_configured(const struct plan *p, const char *parent);

/* How long vgpu NAME waits for the PF's VFs and their nvidia/ directories,
 * in milliseconds. */
extern unsigned apply_vgpu_wait_ms;
/* Gives the VFs that the plan picks for vgpu entry name their vGPU type
 * (VF/nvidia/current_vgpu_type), planning again once the VFs are there.
 * A VF holding another type is never overwritten. 1 on failure. */
int apply_vgpu(struct plan *p, const char *name);

/* Whether a run of unit (kind, arg: NULL for the claims) that returned
 * status carried out some of it, so that the record may say so: see
 * record-unit.c. */
bool apply_carried_out(const struct plan *p, enum record_kind kind, const char *arg, int status);
/* Records the unit when it was carried out (record_applied()): 1 recorded,
 * 0 nothing to record, -errno when the record could not be written. */
int apply_record(const struct plan *p, enum record_kind kind, const char *arg, int status);

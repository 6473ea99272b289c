/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Making a plan: what the programs, the reports and apply call. */

#include "plan.h"

/* Reads the machine under the root and computes the plan. Problems are
 * findings, not failures: the return is negative only when memory or the
 * host model itself fails. */
int plan_build(const struct conf *conf, struct host *host, struct plan **ret);
/* The two halves of plan_build(). Resolving reads the command line and the
 * functions the config names, nothing else: it is what the boot-time tools
 * need, on every boot and every daemon-reload. Checking adds what the
 * report and the checks read of each claim (host_basics, or host_details for
 * BARs to resize), the IOMMU state, the module index, the root disk and every
 * detector. */
int plan_resolve(const struct conf *conf, struct host *host, struct plan **ret);
int plan_check(struct plan *p);
/* The host facts the checks stand on, read once into the plan: the IOMMU
 * state, the module index (unless resolving opened it) and, with
 * root_disk, the root disk's controllers. plan_check runs it, asking for
 * the root disk where there are claims to judge; --list, which shows all
 * three, takes them from its plan so. */
int plan_gather(struct plan *p, bool root_disk);
/* plan_build for the boot after this one, as gpupt-check shows it: the
 * IOMMU verdict follows the command line the boot loader is configured
 * to give, and cmdline-pending/cmdline-lost say where it differs from
 * proc/cmdline. */
int plan_build_next(const struct conf *conf, struct host *host, struct plan **ret);
/* What a hand-off reads beyond plan_check, for every claim and sriov
 * entry: a claim's details (local_cpulist, for the placement), the other
 * functions of its slot (whether the slot goes whole) and where each VF
 * lies. The renderers then read only memory. 0 or -ENOMEM. */
int plan_gather_handoff(struct plan *p);
/* plan_resolve and the one check the boot's units need, which groups are
 * impure: what the generator runs on every boot and every daemon-reload. */
int plan_resolve_boot(const struct conf *conf, struct host *host, struct plan **ret);
/* The vGPU assignments planned again on the VFs there now: gpupt-apply's
 * vgpu command, whose plan may predate the VFs. */
int plan_replan_vgpus(struct plan *p);

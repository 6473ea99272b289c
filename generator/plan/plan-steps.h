/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The steps that fill a plan, each over the core (plan.h): resolving the
 * config's entries, driver = "auto", the claim units and their verdicts,
 * and the detectors. plan-build.c runs them in order; no step includes
 * plan-build.h (tests/check-layers.py holds it to that). */

#include "plan.h"

/* The config's entries matched to the host (resolve.c): claims sorted by
 * address, each sriov entry's PF, each mdev's existence. */
int plan_resolve_entries(struct plan *p);

/* The driver for modalias under driver = "auto", opening the module index
 * on first use; NULL only for ENOMEM. The string is the plan's. */
const char *plan_auto_driver(struct plan *p, const char *modalias);
/* An sriov entry's vf_driver with "auto" resolved (vfdriver.c); NULL when
 * it names none, or for ENOMEM under "auto". */
const char *plan_vf_driver(struct plan *p, const struct sriov_plan *s);
/* The modalias a PF's VFs have or will have; NULL when unknown. */
char *vf_modalias(struct host *h, const struct pci_fn *pf);

/* Claim units: built when resolving; plan_decide settles each one's
 * blocker from the problems found so far (plan-build.c runs it after every
 * step that adds problems). */
int plan_units(struct plan *p);
void plan_decide(struct plan *p);

/* The detectors, one per theme, each adding problems to the plan; see
 * gpupt-check(8) for the codes. They run in this order. */
int detect_iommu(struct plan *p);        /* iommu-off, no-interrupt-remapping, acs-override */
int detect_cmdline_next(struct plan *p); /* cmdline-pending, cmdline-lost */
int detect_groups(struct plan *p);       /* impure-group, partial-slot, no-iommu-group */
int detect_boot_vga(struct plan *p);     /* boot-vga */
int detect_root_disk(struct plan *p);    /* root-disk */
int detect_modules(struct plan *p);      /* module-missing, host-driver-builtin, host-driver-first */
int detect_bars(struct plan *p);         /* bar-unsupported */
int detect_sriov(struct plan *p);        /* sriov-unsupported, sriov-pf-claimed,
                                          * sriov-prerequisite */
int detect_mdevs(struct plan *p);        /* mdev-type-unknown, mdev-no-instances */
int detect_initramfs(struct plan *p);    /* initramfs-stale */
int detect_reset(struct plan *p);        /* no-reset, reset-method-unsupported */
int detect_framebuffer(struct plan *p);  /* boot-framebuffer */
int detect_foreign(struct plan *p);      /* foreign-claim */
int detect_variants(struct plan *p);     /* module-missing for a resolved variant */
int detect_vgpus(struct plan *p);        /* vgpu-*: fills p->vgpus; see vgpu.c */

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "plan.h"

/* gpupt-check --verify: the running system against the plan. Every planned
 * thing that is not so now (a claimed function on another driver, a VF
 * count, a missing mdev, a BAR of another size) is a not-applied error, and
 * each claim, sriov and mdev gets its applied verdict; reboot-required warns
 * when a unit of this boot's record (record.h) ran with a config other than
 * today's, naming it.
 * Sets p->verified. Negative only for memory.
 * A new kind of planned object (vgpu) gets a bool applied of its own, a
 * verify_*() here that sets it, and json_applied() in its JSON object:
 * "applied" appears exactly when p->verified. */
int plan_verify(struct plan *p);

/* For report_human: the table of planned against actual, and the verdict
 * line that replaces "Ready"/"Not ready". */
void verify_print_table(FILE *f, const struct plan *p);
/* Where no gpupt-apply ran since this boot and something planned is not
 * applied (p->unapplied_cause), the report is short: the cause first, then
 * one line per entry not applied (verify_print_unapplied) instead of the
 * plan's tables, the VERIFY table and a not-applied problem per function;
 * verify_told() says which problems it told already. The JSON keeps them. */
bool verify_unapplied_short(const struct plan *p);
void verify_print_unapplied(FILE *f, const struct plan *p);
bool verify_told(const struct plan *p, const struct problem *pr);
void verify_print_summary(FILE *f, const struct plan *p, size_t errors, size_t warnings);

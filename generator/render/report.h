/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "conf.h"
#include "iommu.h"
#include "json-out.h"
#include "plan.h"
#include "term.h"

/* Renders a plan, for people (fitted to the style's width, in its colours)
 * or as the JSON object of gpupt-check(8). */
void report_json(FILE *f, const struct plan *p);
void report_human(FILE *f, const struct plan *p, const struct style *st);
void report_quiet(FILE *f, const struct plan *p, const struct style *st);

/* A config that did not load: the same shapes, with one config-error problem. */
void report_config_error_json(FILE *f, const struct iommu_state *iommu, const struct conf_error *e);
/* "FILE:LINE: message" */
void report_config_error_human(FILE *f, const struct conf_error *e);

/* The "iommu" member of the report, indented, with its trailing comma. */
void json_iommu(FILE *f, const struct iommu_state *s);

/* The vgpu entries (report-vgpu.c): the JSON "vgpus" member, and a table. */
void json_vgpus(FILE *f, const struct plan *p);
void human_vgpus(FILE *f, const struct plan *p, const struct style *st);

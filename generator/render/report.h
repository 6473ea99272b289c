/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "conf.h"
#include "iommu.h"
#include "json-out.h"
#include "pciids.h"
#include "plan.h"
#include "term.h"

/* Renders a plan, for people (fitted to the style's width, in its colours)
 * or as the JSON object of gpupt-check(8). Renderers read memory only: the
 * plan, and the names database db (pciids_open), which the caller opened;
 * NULL when there is none, and the text says so. */
void report_json(FILE *f, const struct plan *p, const struct pciids *db);
void report_human(FILE *f, const struct plan *p, const struct pciids *db, const struct style *st);
void report_quiet(FILE *f, const struct plan *p, const struct style *st);

/* A config that did not load: the same shapes, with one config-error problem. */
void report_config_error_json(FILE *f, const struct iommu_state *iommu, const struct conf_error *e);
/* "FILE:LINE: message" */
void report_config_error_human(FILE *f, const struct conf_error *e);

/* The IOMMU's state and iommufd's, two lines: the same in the report and
 * in --list. */
void report_iommu_human(FILE *f, const struct iommu_state *s);

/* The version of the JSON objects of gpupt-check(8), the report's and the
 * listing's: fields are only added; removing one or changing what one
 * means bumps it. */
#define REPORT_JSON_SCHEMA 1

/* The "schema" member, indented, with its trailing comma. */
void json_schema(FILE *f);
/* The "iommu" member of the report, indented, with its trailing comma. */
void json_iommu(FILE *f, const struct iommu_state *s);

/* The vgpu entries (report-vgpu.c): the JSON "vgpus" member, and a table. */
/* --verify's verdict on one object; nothing without it. */
void json_applied(FILE *f, const struct plan *p, bool applied);
void json_vgpus(FILE *f, const struct plan *p);
void human_vgpus(FILE *f, const struct plan *p, const struct style *st);

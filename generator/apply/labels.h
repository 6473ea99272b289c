/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "plan.h"

/* gpupt-apply labels: node-feature-discovery's local feature file, so that a
 * cluster sends VMs only to nodes whose boot applied the plan. One
 * "name=value" line per label (NFD's input format), every name and value
 * within Kubernetes' rules (k8sname.h):
 *   gpupt.io/ready=true|false            --verify would say in sync
 *   gpupt.io/reboot-required=true|false  the config changed since the boot
 *   gpupt.io/pci-VVVV-DDDD=N             functions of that vendor:device on
 *                                        their claim driver, per model claimed
 * The plan must have been verified (plan_verify). */

/* NFD ignores a feature file larger than this. */
#define LABELS_FILE_MAX (64u * 1024u)

/* The file's text. 0, -ENOMEM, or -EINVAL when a label breaks the rules. */
int labels_format(FILE *f, const struct plan *p);
/* Writes the file the config names (node_labels; NULL the default path,
 * written only when its directory exists) atomically, through a dot file in
 * the same directory (NFD skips those), under the root. 1 written, 0 none
 * wanted, -errno. */
int labels_write(const struct plan *p, const char **path_ret);

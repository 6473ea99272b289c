/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Kubernetes' rules for the names gpupt hands to a cluster: a label's or an
 * extended resource's "prefix/name" and a label's value, as the API server
 * validates them (k8s.io/apimachinery validation: IsQualifiedName,
 * IsDNS1123Subdomain, IsValidLabelValue). */

#define K8S_NAME_MAX 63      /* a name part, a label value */
#define K8S_PREFIX_MAX 253   /* a DNS subdomain */

/* 1 to 63 of [A-Za-z0-9._-], beginning and ending with a letter or digit. */
bool k8s_name_valid(const char *s, size_t len);
/* Lower-case DNS labels of [a-z0-9-] joined by '.', 253 at most. */
bool k8s_prefix_valid(const char *s, size_t len);
/* "prefix/name" with both parts valid; an empty value is a valid label
 * value, and a label value is otherwise a name. */
bool k8s_qualified_valid(const char *s);
bool k8s_label_value_valid(const char *s);

/* A name part made of free text ("TU104GL [Tesla T4]" -> "TU104GL_Tesla_T4"):
 * each run of other characters one '_', none at either end, cut to fit 63.
 * Writes "" when nothing is left. out has room for K8S_NAME_MAX + 1. */
void k8s_name_from_text(const char *text, size_t len, char out[static K8S_NAME_MAX + 1]);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "hashtab.h"

/* Names to indexes, so "is this name defined already?" over thousands of
 * config entries costs one hash lookup, not a comparison with every earlier
 * name. The names themselves stay where they are: name_of(ctx, index)
 * finds one when two hashes match (hashtab.h). Initialise with
 * NAMESET_INIT; nameset_free when done. */
struct nameset {
        struct hashtab t;
        const char *(*name_of)(const void *ctx, size_t value);
        const void *ctx;
};

#define NAMESET_INIT(fn, c) ((struct nameset){ .name_of = (fn), .ctx = (c) })

/* Adds name → value (value < UINT32_MAX). Returns 0 when added, 1 when the
 * name was there already (*old, when not NULL, is then its value and the set
 * is unchanged), or -ENOMEM. */
int nameset_add(struct nameset *s, const char *name, size_t value, size_t *old);
void nameset_free(struct nameset *s);
/* Whether name is in the set; *value (when not NULL) is then its value. */
int nameset_get(const struct nameset *s, const char *name, size_t *value);

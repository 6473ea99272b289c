/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Names to indexes, so "is this name defined already?" over thousands of
 * config entries costs one hash lookup, not a comparison with every earlier
 * name. A slot holds a hash and an index, 8 bytes: the names themselves stay
 * where they are, and name_of(ctx, index) finds one when two hashes match.
 * Initialise with NAMESET_INIT; nameset_free when done. */
struct nameset {
        struct nameset_slot {
                uint32_t hash;
                uint32_t value; /* index + 1; 0: empty */
        } *slots;
        size_t size, used;
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

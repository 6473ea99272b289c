/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* Names to indexes, so "is this name defined already?" over thousands of
 * config entries costs one hash lookup, not a comparison with every earlier
 * name. The set borrows the strings: they must outlive it. Zero-initialise,
 * nameset_free when done. */
struct nameset {
        struct nameset_slot {
                const char *name; /* NULL: empty */
                size_t value;
        } *slots;
        size_t size, used;
};

/* Adds name → value. Returns 0 when added, 1 when the name was there already
 * (*old, when not NULL, is then its value and the set is unchanged), or
 * -ENOMEM. */
int nameset_add(struct nameset *s, const char *name, size_t value, size_t *old);
void nameset_free(struct nameset *s);
/* Whether name is in the set; *value (when not NULL) is then its value. */
int nameset_get(const struct nameset *s, const char *name, size_t *value);

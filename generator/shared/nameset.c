/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "nameset.h"

static bool same_name(const void *ctx, size_t value, const void *key)
{
        const struct nameset *s = ctx;

        return strcmp(s->name_of(s->ctx, value), key) == 0;
}

int nameset_add(struct nameset *s, const char *name, size_t value, size_t *old)
{
        return hashtab_add(&s->t, hash_string(name), same_name, s, name, value, old);
}

void nameset_free(struct nameset *s)
{
        hashtab_free(&s->t);
}

int nameset_get(const struct nameset *s, const char *name, size_t *value)
{
        return hashtab_get(&s->t, hash_string(name), same_name, s, name, value);
}

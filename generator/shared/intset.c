/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "intset.h"

int intset_add(struct intset *s, int v)
{
        if (v < 0)
                return -EINVAL;
        /* hash_u32 is a bijection: the hash is the key */
        return hashtab_add(&s->t, hash_u32((uint32_t)v), NULL, NULL, NULL, (size_t)v, NULL);
}

void intset_free(struct intset *s)
{
        hashtab_free(&s->t);
}

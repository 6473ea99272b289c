/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "intset.h"

static size_t slot_of(int v, size_t size)
{
        /* Fibonacci hashing: group numbers are dense, and the low bits of the
         * product spread them. */
        return (size_t)(((uint64_t)(unsigned)v * UINT64_C(0x9E3779B97F4A7C15)) >> 32) &
               (size - 1);
}

static int grow(struct intset *s)
{
        size_t size = s->size ? s->size * 2 : 64;
        int *slots = malloc(size * sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < size; i++)
                slots[i] = -1;
        for (size_t i = 0; i < s->size; i++) {
                size_t k;

                if (s->slots[i] < 0)
                        continue;
                for (k = slot_of(s->slots[i], size); slots[k] >= 0; k = (k + 1) & (size - 1))
                        ;
                slots[k] = s->slots[i];
        }
        free(s->slots);
        s->slots = slots;
        s->size = size;
        return 0;
}

int intset_add(struct intset *s, int v)
{
        size_t k;

        if (v < 0)
                return -EINVAL;
        if ((s->used + 1) * 2 > s->size && grow(s) < 0)
                return -ENOMEM;
        for (k = slot_of(v, s->size); s->slots[k] >= 0; k = (k + 1) & (s->size - 1))
                if (s->slots[k] == v)
                        return 1;
        s->slots[k] = v;
        s->used++;
        return 0;
}

void intset_free(struct intset *s)
{
        free(s->slots);
        *s = (struct intset){ 0 };
}

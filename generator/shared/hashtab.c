/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"

uint32_t hash_bytes(const void *s, size_t n)
{
        const unsigned char *p = s;
        uint32_t h = 2166136261u;

        while (n--)
                h = (h ^ *p++) * 16777619u;
        return h;
}

uint32_t hash_string(const char *s)
{
        return hash_bytes(s, strlen(s));
}

uint32_t hash_u32(uint32_t k)
{
        k ^= k >> 16;
        k *= 0x45d9f3bu; /* odd: the product keeps every bit */
        k ^= k >> 16;
        return k;
}

/* The slot holding the value with key under h, or the empty slot where it
 * would go. */
static struct hashtab_slot *find(const struct hashtab *t, uint32_t h, hashtab_same_fn same,
                                 const void *ctx, const void *key)
{
        size_t mask = t->size - 1, i = h & mask;

        for (; t->slots[i].value; i = (i + 1) & mask)
                if (t->slots[i].hash == h &&
                    (!same || same(ctx, t->slots[i].value - 1, key)))
                        break;
        return &t->slots[i];
}

static int grow(struct hashtab *t)
{
        size_t size = t->size ? 2 * t->size : 64;
        struct hashtab_slot *slots;

        if (size > SIZE_MAX / sizeof(*slots))
                return -ENOMEM;
        slots = calloc(size, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < t->size; i++)
                if (t->slots[i].value) { /* keys are distinct: the first empty slot */
                        size_t k = t->slots[i].hash & (size - 1);

                        while (slots[k].value)
                                k = (k + 1) & (size - 1);
                        slots[k] = t->slots[i];
                }
        free(t->slots);
        t->slots = slots;
        t->size = size;
        return 0;
}

int hashtab_get(const struct hashtab *t, uint32_t h, hashtab_same_fn same, const void *ctx,
                const void *key, size_t *value)
{
        const struct hashtab_slot *slot;

        if (!t->size)
                return 0;
        slot = find(t, h, same, ctx, key);
        if (!slot->value)
                return 0;
        if (value)
                *value = slot->value - 1;
        return 1;
}

int hashtab_add(struct hashtab *t, uint32_t h, hashtab_same_fn same, const void *ctx,
                const void *key, size_t value, size_t *old)
{
        struct hashtab_slot *slot;

        if (value >= UINT32_MAX)
                return -ENOMEM;
        if (4 * (t->used + 1) > 3 * t->size && grow(t) < 0)
                return -ENOMEM;
        slot = find(t, h, same, ctx, key);
        if (slot->value) {
                if (old)
                        *old = slot->value - 1;
                return 1;
        }
        *slot = (struct hashtab_slot){ .hash = h, .value = (uint32_t)value + 1 };
        t->used++;
        return 0;
}

void hashtab_clear(struct hashtab *t)
{
        if (t->slots)
                memset(t->slots, 0, t->size * sizeof(*t->slots));
        t->used = 0;
}

void hashtab_free(struct hashtab *t)
{
        free(t->slots);
        *t = (struct hashtab){ 0 };
}

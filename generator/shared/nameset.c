/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nameset.h"

static uint32_t hash(const char *s)
{
        uint64_t h = 1469598103934665603u; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211u;
        return (uint32_t)(h ^ (h >> 32));
}

/* The slot holding name, or the empty slot where it would go. */
static struct nameset_slot *find(const struct nameset *s, struct nameset_slot *slots, size_t size,
                                 const char *name, uint32_t h)
{
        size_t i = h & (size - 1);

        for (; slots[i].value; i = (i + 1) & (size - 1))
                if (slots[i].hash == h && strcmp(s->name_of(s->ctx, slots[i].value - 1), name) == 0)
                        break;
        return &slots[i];
}

static int grow(struct nameset *s)
{
        size_t size = s->size ? 2 * s->size : 64;
        struct nameset_slot *slots;

        if (size > SIZE_MAX / sizeof(*slots))
                return -ENOMEM;
        slots = calloc(size, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < s->size; i++)
                if (s->slots[i].value) { /* names are distinct: the first empty slot */
                        size_t k = s->slots[i].hash & (size - 1);

                        while (slots[k].value)
                                k = (k + 1) & (size - 1);
                        slots[k] = s->slots[i];
                }
        free(s->slots);
        s->slots = slots;
        s->size = size;
        return 0;
}

int nameset_add(struct nameset *s, const char *name, size_t value, size_t *old)
{
        struct nameset_slot *slot;
        uint32_t h = hash(name);

        if (value >= UINT32_MAX)
                return -ENOMEM;
        /* at most three quarters full, so a probe stays short */
        if (4 * (s->used + 1) > 3 * s->size && grow(s) < 0)
                return -ENOMEM;
        slot = find(s, s->slots, s->size, name, h);
        if (slot->value) {
                if (old)
                        *old = slot->value - 1;
                return 1;
        }
        *slot = (struct nameset_slot){ .hash = h, .value = (uint32_t)value + 1 };
        s->used++;
        return 0;
}

void nameset_free(struct nameset *s)
{
        free(s->slots);
        s->slots = NULL;
        s->size = s->used = 0;
}

int nameset_get(const struct nameset *s, const char *name, size_t *value)
{
        const struct nameset_slot *slot;

        if (!s->size)
                return 0;
        slot = find(s, s->slots, s->size, name, hash(name));
        if (!slot->value)
                return 0;
        if (value)
                *value = slot->value - 1;
        return 1;
}

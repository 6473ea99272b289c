/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nameset.h"

static size_t hash(const char *s)
{
        uint64_t h = 1469598103934665603u; /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211u;
        return (size_t)(h ^ (h >> 32));
}

static struct nameset_slot *find(struct nameset_slot *slots, size_t size, const char *name)
{
        size_t i = hash(name) & (size - 1);

        while (slots[i].name && strcmp(slots[i].name, name) != 0)
                i = (i + 1) & (size - 1);
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
                if (s->slots[i].name)
                        *find(slots, size, s->slots[i].name) = s->slots[i];
        free(s->slots);
        s->slots = slots;
        s->size = size;
        return 0;
}

int nameset_add(struct nameset *s, const char *name, size_t value, size_t *old)
{
        struct nameset_slot *slot;

        if (2 * (s->used + 1) > s->size && grow(s) < 0)
                return -ENOMEM;
        slot = find(s->slots, s->size, name);
        if (slot->name) {
                if (old)
                        *old = slot->value;
                return 1;
        }
        *slot = (struct nameset_slot){ .name = name, .value = value };
        s->used++;
        return 0;
}

void nameset_free(struct nameset *s)
{
        free(s->slots);
        *s = (struct nameset){ 0 };
}

int nameset_get(const struct nameset *s, const char *name, size_t *value)
{
        const struct nameset_slot *slot;

        if (!s->size)
                return 0;
        slot = find(s->slots, s->size, name);
        if (!slot->name)
                return 0;
        if (value)
                *value = slot->value;
        return 1;
}

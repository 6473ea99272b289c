/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strpool.h"

#define BLOCK_SIZE 8192 /* small enough that a short config wastes little */

struct strpool_block {
        struct strpool_block *next;
        size_t used, size;
        char data[];
};

char *strpool_ndup(struct strpool *p, const char *s, size_t n)
{
        struct strpool_block *b = p->blocks;
        char *r;

        if (!b || b->size - b->used < n + 1) {
                size_t size = n + 1 > BLOCK_SIZE ? n + 1 : BLOCK_SIZE;

                if (n >= SIZE_MAX - sizeof(*b) - 1)
                        return NULL;
                b = malloc(sizeof(*b) + size);
                if (!b)
                        return NULL;
                *b = (struct strpool_block){ .size = size };
                if (p->blocks && size > BLOCK_SIZE) {
                        /* an outsized string gets a block of its own, behind
                         * the current one, which keeps its free room */
                        b->next = p->blocks->next;
                        p->blocks->next = b;
                } else {
                        b->next = p->blocks;
                        p->blocks = b;
                }
        }
        r = b->data + b->used;
        memcpy(r, s, n);
        r[n] = '\0';
        b->used += n + 1;
        return r;
}

char *strpool_dup(struct strpool *p, const char *s)
{
        return strpool_ndup(p, s, strlen(s));
}

void strpool_free(struct strpool *p)
{
        while (p->blocks) {
                struct strpool_block *b = p->blocks;

                p->blocks = b->next;
                free(b);
        }
}

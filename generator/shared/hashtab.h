/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The one string hash: FNV-1a, 32 bits, over s[0..n) or a C string. */
uint32_t hash_bytes(const void *s, size_t n);
uint32_t hash_string(const char *s);
/* Spreads dense integer keys (packed PCI addresses, IOMMU group numbers)
 * over the low bits a table indexes by. A bijection: two keys share a hash
 * only when they are equal. */
uint32_t hash_u32(uint32_t k);

/* Values by hash, for the tables of thousands of names, addresses and
 * groups that would otherwise be searched one by one. A value is an index
 * into the caller's own array (below UINT32_MAX): the keys stay where the
 * caller keeps them, and same() says whether the value at hand is the one
 * with the key asked for when two hashes match. Open addressing, 8 bytes a
 * slot, at most three quarters of them used so that a probe stays short.
 * Zero-initialise; hashtab_free when done. */
struct hashtab {
        struct hashtab_slot {
                uint32_t hash;
                uint32_t value; /* value + 1; 0: empty */
        } *slots;
        size_t size, used;
};

/* Whether value is the one with key. NULL for same: equal hashes are the
 * same key (keys hashed by hash_u32, or a table that may err that way). */
typedef bool (*hashtab_same_fn)(const void *ctx, size_t value, const void *key);

/* 1 when a value under hash h has the key (*value, when not NULL, is then
 * that value), 0 when none has. */
int hashtab_get(const struct hashtab *t, uint32_t h, hashtab_same_fn same, const void *ctx,
                const void *key, size_t *value);
/* Adds value under h unless a value with the key is there. 0 when added, 1
 * when one was there (*old, when not NULL, is then its value and the table
 * is unchanged), -ENOMEM (a value of UINT32_MAX or more too). */
int hashtab_add(struct hashtab *t, uint32_t h, hashtab_same_fn same, const void *ctx,
                const void *key, size_t value, size_t *old);
/* Empties the table and keeps its memory, for a table used over and over. */
void hashtab_clear(struct hashtab *t);
void hashtab_free(struct hashtab *t);

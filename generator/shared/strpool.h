/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* Strings that live as long as their owner and are freed all at once: a
 * config's names, drivers and file names. One allocation holds hundreds of
 * them, so thousands of entries cost neither a malloc each nor its header.
 * Zero-initialise; strpool_free when done. */
struct strpool {
        struct strpool_block *blocks;
};

/* A copy of s[0..n) with a NUL after it, or NULL when out of memory. */
char *strpool_ndup(struct strpool *p, const char *s, size_t n);
char *strpool_dup(struct strpool *p, const char *s);
void strpool_free(struct strpool *p);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* A string built piece by piece: a list for a message, a block of config
 * lines. An append that cannot allocate leaves it as it was and marks it
 * failed, so a builder appends on and asks once at the end. Zero-initialise;
 * strbuf_take or strbuf_done when done. */
struct strbuf {
        char *s; /* NULL until something is appended */
        size_t len, alloc;
        bool failed;
};

void strbuf_printf(struct strbuf *b, const char *fmt, ...) _printf_(2, 3);
/* The string built into *ret (NULL when nothing was appended), the buffer
 * empty again; -ENOMEM (and *ret NULL) when an append failed. */
int strbuf_take(struct strbuf *b, char **ret);
void strbuf_done(struct strbuf *b);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* libconfuse reports the line of the token after a value, and accepts a file
 * that ends inside a section. This scanner walks the same lexical rules once
 * to learn where each section and key really is, and to refuse what
 * libconfuse lets through, so every message names the right line. */

struct conflex_key {
        char *section;  /* NULL at top level */
        char *title;    /* section title, NULL at top level */
        char *key;
        unsigned line;
};

struct conflex {
        struct conflex_key *keys; /* sections themselves appear with key NULL */
        size_t n_keys;
        /* The strings live in blocks of their own (one allocation for many
         * short names), and an index answers conflex_line in constant time. */
        struct conflex_block *blocks;
        struct conflex_slot *index;
        size_t index_size;
};

/* Scans text (NUL-terminated, len bytes). Returns 0, or -EINVAL with
 * *err_line and *err_msg (allocated) set for text libconfuse would misread:
 * bytes that are not UTF-8, a NUL byte, a section left open, an unterminated
 * string or comment. */
int conflex_scan(const char *text, size_t len, struct conflex *ret, unsigned *err_line,
                 char **err_msg);
void conflex_done(struct conflex *l);
/* Line of a key in a section (or of the section itself when key is NULL):
 * the first such key; for a key the section lacks, the line of the last
 * section of that kind and title; 0 when unknown. Constant time. */
unsigned conflex_line(const struct conflex *l, const char *section, const char *title,
                      const char *key);
/* Whether the key is set more than once in sections of that kind and title. */
bool conflex_repeated(const struct conflex *l, const char *section, const char *title,
                      const char *key);

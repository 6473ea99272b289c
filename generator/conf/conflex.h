/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libconfuse reports the line of the token after a value, and accepts a file
 * that ends inside a section. This scanner walks the same lexical rules once
 * to refuse what libconfuse lets through, and remembers where each top-level
 * section starts and ends: 12 bytes a section, whatever it holds. The line of
 * a key is found when a message needs it, by scanning that one section again,
 * so a config of thousands of entries keeps no index of its keys. */

struct conflex_section {
        uint32_t start; /* offset of the section's kind word */
        uint32_t end;   /* offset just past its closing brace */
        uint32_t line : 31;    /* line of the kind word */
        uint32_t assigns_twice : 1; /* it may assign a key twice ("k = …" … "k = …"):
                                     * conflex_key_count tells for sure */
};

struct conflex {
        /* Borrowed. The queries below read it again; a caller that drops it
         * after the scan (so a huge config is not held while it is parsed)
         * must set it back, unchanged, before asking them. */
        const char *text;
        size_t len;
        struct conflex_section *sections; /* top-level sections, in file order */
        size_t n_sections;
};

/* Scans text (NUL-terminated, len bytes). Returns 0, or -EINVAL with
 * *err_line and *err_msg (allocated) set for text libconfuse would misread:
 * bytes that are not UTF-8, a NUL byte, a section left open, an unterminated
 * string or comment. */
int conflex_scan(const char *text, size_t len, struct conflex *ret, unsigned *err_line,
                 char **err_msg);
void conflex_done(struct conflex *l);

/* Whether section i is "kind title {" (title unquoted as libconfuse does). */
bool conflex_section_is(const struct conflex *l, size_t i, const char *kind, const char *title);
/* Line of the first setting of key in section i; its header line when key is
 * NULL or not set there. */
unsigned conflex_key_line(const struct conflex *l, size_t i, const char *key);
/* How many times key is assigned in section i ("key = …"; "key += …" appends
 * and is not counted). */
unsigned conflex_key_count(const struct conflex *l, size_t i, const char *key);
/* Line of the first top-level setting of key; 0 when the file does not set it. */
unsigned conflex_top_line(const struct conflex *l, const char *key);
/* Line of the first setting of key anywhere in the file, at any depth; 0 when
 * none. For messages about a key libconfuse does not know. */
unsigned conflex_any_line(const struct conflex *l, const char *key);

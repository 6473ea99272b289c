/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Text for people, fitted to a width of columns: tables and wrapped
 * paragraphs. A column is a character (a UTF-8 sequence counts once). */

#define TABLE_ALTS 3

struct table_col {
        const char *header;
        bool right;  /* numbers: aligned right, header and cells */
        bool shrink; /* gives way when a line would pass the width; one at most */
};

/* Each column as wide as its widest cell and two spaces between columns,
 * nothing ever cut but the shrinking column: where the line would pass the
 * width the gaps narrow to one space and its cells are cut with "…" to
 * what the width leaves; where that is less than TABLE_SHRINK_MIN, the
 * column goes on a line of its own under each row. */
#define TABLE_SHRINK_MIN 12
struct table {
        const struct table_col *cols;
        size_t n_cols;
        char *(*cells)[TABLE_ALTS]; /* row after row, n_cols each */
        size_t n_cells, alloc;
        size_t lost; /* rows that memory could not hold */
};

void table_init(struct table *t, const struct table_col *cols, size_t n_cols);
/* A row of n_cols cells. A cell lists up to TABLE_ALTS forms of its text,
 * the fullest first, ending early at a NULL; the shrinking column shows in
 * every row the first form at which all its cells fit, else the last one,
 * cut where it must be. A cell without any shows
 * "-". The texts are a host's strings: the table keeps their printable()
 * forms. */
void table_add(struct table *t, const char *const row[][TABLE_ALTS]);
void table_print(FILE *f, const struct table *t, unsigned width);
void table_done(struct table *t);

/* The columns s takes. */
size_t text_width(const char *s);
/* s in lines of at most width columns (0: one line), each after indent
 * spaces and between on and off, broken where s has spaces; a word longer
 * than a line stands whole on its own. */
void text_wrap(FILE *f, const char *s, size_t indent, unsigned width, const char *on,
               const char *off);

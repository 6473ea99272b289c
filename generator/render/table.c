/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "table.h"
#include "util.h"

#define CUT_MARK "…"

void table_init(struct table *t, const struct table_col *cols, size_t n_cols)
{
        *t = (struct table){ .cols = cols, .n_cols = n_cols };
}

/* Room for one more row of cells. */
static int table_grow(struct table *t)
{
        void *p;
        size_t a;

        if (t->n_cells + t->n_cols <= t->alloc)
                return 0;
        a = t->alloc ? t->alloc * 2 : 8 * t->n_cols;
        if (a < t->n_cells + t->n_cols)
                a = t->n_cells + t->n_cols;
        p = xrealloc_array(t->cells, a, sizeof(*t->cells));
        if (!p)
                return -ENOMEM;
        t->cells = p;
        t->alloc = a;
        return 0;
}

void table_add(struct table *t, const char *const row[][TABLE_ALTS])
{
        if (table_grow(t) < 0) {
                t->lost++;
                return;
        }
        for (size_t c = 0; c < t->n_cols; c++) {
                char **cell = t->cells[t->n_cells++];
                bool end = false;

                for (size_t a = 0; a < TABLE_ALTS; a++) {
                        _cleanup_free_ char *buf = NULL;

                        end = end || !row[c][a];
                        /* a copy that memory refused shows as printable()'s "?" */
                        cell[a] = end ? NULL : strdup(printable(row[c][a], &buf));
                        if (!end && !cell[a])
                                cell[a] = strdup("?");
                }
        }
}

void table_done(struct table *t)
{
        for (size_t i = 0; i < t->n_cells; i++)
                for (size_t a = 0; a < TABLE_ALTS; a++)
                        free(t->cells[i][a]);
        free(t->cells);
        *t = (struct table){ 0 };
}

/* The columns of s[0..bytes): every byte but UTF-8's continuation bytes
 * starts a character. */
static size_t width_of(const char *s, size_t bytes)
{
        size_t n = 0;

        for (size_t i = 0; i < bytes; i++)
                n += ((unsigned char)s[i] & 0xc0) != 0x80;
        return n;
}

size_t text_width(const char *s)
{
        return width_of(s, strlen(s));
}

/* The bytes of s's first n characters. */
static size_t text_prefix(const char *s, size_t n)
{
        size_t i = 0;

        for (; s[i] && n; n--)
                for (i++; ((unsigned char)s[i] & 0xc0) == 0x80; i++)
                        ;
        return i;
}

/* A cell's form at level: its text there, or its last one before; "-" for
 * a cell without any. */
static const char *cell_form(char *const cell[TABLE_ALTS], size_t level)
{
        if (!cell[0])
                return "-";
        while (level && !cell[level])
                level--;
        return cell[level];
}

/* The widest form at level of column c's cells, its header included. */
static size_t column_width(const struct table *t, size_t c, size_t level)
{
        size_t w = text_width(t->cols[c].header);

        for (size_t i = c; i < t->n_cells; i += t->n_cols) {
                size_t n = text_width(cell_form(t->cells[i], level));

                if (n > w)
                        w = n;
        }
        return w;
}

/* The width of a shrinking column of natural width n (its header head
 * wide) on a line of width where the other columns take others. */
static size_t shrunk(size_t n, size_t head, size_t others, unsigned width)
{
        size_t w = others < width ? width - others : 0;

        if (w < n && w < TABLE_SHRINK_MIN)
                w = n < TABLE_SHRINK_MIN ? n : TABLE_SHRINK_MIN;
        return w < head ? head : w;
}

/* The widths of the columns at width (0: no limit), the gap between them
 * (two spaces, one where the shrinking column would be cut else) and the
 * level of the shrinking column's forms: the first at which every cell
 * fits, so that the column reads alike; the last one, cut, else. */
static size_t table_widths(const struct table *t, unsigned width, size_t *w, size_t *level)
{
        size_t total = 0, shrink = t->n_cols, gap = 2;

        *level = 0;
        for (size_t c = 0; c < t->n_cols; c++) {
                w[c] = column_width(t, c, 0);
                total += w[c];
                if (t->cols[c].shrink)
                        shrink = c;
        }
        if (!width || shrink == t->n_cols || total + gap * (t->n_cols - 1) <= width)
                return gap;
        gap = 1;
        total += t->n_cols - 1;
        if (total <= width)
                return gap;
        w[shrink] = shrunk(w[shrink], text_width(t->cols[shrink].header), total - w[shrink],
                           width);
        while (*level + 1 < TABLE_ALTS && column_width(t, shrink, *level) > w[shrink])
                ++*level;
        if (column_width(t, shrink, *level) < w[shrink])
                w[shrink] = column_width(t, shrink, *level);
        return gap;
}

/* One cell in w columns: its form at level, cut where it does not fit. */
static void put_cell(FILE *f, char *const cell[TABLE_ALTS], size_t level, size_t w, bool right,
                     bool last)
{
        const char *s = cell_form(cell, level);
        size_t n = text_width(s), bytes = strlen(s);
        bool cut = n > w;

        if (cut) {
                bytes = text_prefix(s, w - 1);
                /* "High Definition …" reads better as "High Definition…" */
                while (bytes && s[bytes - 1] == ' ')
                        bytes--;
                n = width_of(s, bytes) + text_width(CUT_MARK);
        }
        if (right)
                fprintf(f, "%*s", (int)(w - n), "");
        fwrite(s, 1, bytes, f);
        if (cut)
                fputs(CUT_MARK, f);
        if (!right && !last)
                fprintf(f, "%*s", (int)(w - n), "");
}

void table_print(FILE *f, const struct table *t, unsigned width)
{
        size_t w[t->n_cols], level, gap = table_widths(t, width, w, &level);

        for (size_t c = 0; c < t->n_cols; c++) {
                char *head[TABLE_ALTS] = { (char *)t->cols[c].header };

                fprintf(f, "%*s", c ? (int)gap : 0, "");
                put_cell(f, head, 0, w[c], t->cols[c].right, c + 1 == t->n_cols);
        }
        fputc('\n', f);
        for (size_t i = 0; i < t->n_cells; i++) {
                size_t c = i % t->n_cols;

                fprintf(f, "%*s", c ? (int)gap : 0, "");
                put_cell(f, t->cells[i], t->cols[c].shrink ? level : 0, w[c], t->cols[c].right,
                         c + 1 == t->n_cols);
                if (c + 1 == t->n_cols)
                        fputc('\n', f);
        }
        if (t->lost)
                fprintf(f, "(%zu row%s not shown: out of memory)\n", t->lost,
                        t->lost == 1 ? "" : "s");
}

void text_wrap(FILE *f, const char *s, size_t indent, unsigned width, const char *on,
               const char *off)
{
        size_t room = width > indent ? width - indent : 1;

        do {
                size_t len = strlen(s), end = 0, cols = 0;

                /* the longest run of whole words within room, or one word */
                if (!width || text_width(s) <= room)
                        end = len;
                else
                        for (size_t i = 0; i <= len; i++) {
                                if (s[i] == ' ' || !s[i]) {
                                        if (cols > room && end)
                                                break;
                                        end = i;
                                        if (cols > room)
                                                break;
                                }
                                cols += width_of(s + i, 1);
                        }
                while (end && s[end - 1] == ' ')
                        end--;
                fprintf(f, "%*s%s", (int)indent, "", on);
                fwrite(s, 1, end, f);
                fprintf(f, "%s\n", off);
                for (s += end; *s == ' '; s++)
                        ;
        } while (*s);
}

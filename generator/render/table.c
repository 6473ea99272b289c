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

/* How a table goes onto lines of some width. */
struct layout {
        size_t *w;      /* each column's width */
        size_t gap;     /* the spaces between columns */
        size_t shrink;  /* the shrinking column; n_cols for none */
        size_t level;   /* the form its cells show */
        bool fold;      /* on a line of its own under each row, ... */
        size_t fold_at; /* ... from this column */
};

/* The first level at which every cell of column c fits in w, so that the
 * column reads alike; the last one, cut, else. */
static size_t level_for(const struct table *t, size_t c, size_t w)
{
        size_t level = 0;

        while (level + 1 < TABLE_ALTS && column_width(t, c, level) > w)
                level++;
        return level;
}

/* The shrinking column in room columns: its widest form at the level that
 * room allows, and no wider than room. */
static void layout_shrink(const struct table *t, struct layout *l, size_t room)
{
        size_t head = text_width(t->cols[l->shrink].header);

        if (room < head)
                room = head;
        l->level = level_for(t, l->shrink, room);
        l->w[l->shrink] = column_width(t, l->shrink, l->level);
        if (l->w[l->shrink] > room)
                l->w[l->shrink] = room;
}

/* Each column as wide as its widest cell, two spaces apart; where a line
 * would pass width (0: no limit), one space apart and the shrinking column
 * in what is left, or, where that is less than TABLE_SHRINK_MIN, on a line
 * of its own under each row, from the second column. */
static void table_layout(const struct table *t, unsigned width, struct layout *l)
{
        size_t total = 0, others;

        l->gap = 2;
        l->shrink = t->n_cols;
        l->level = 0;
        l->fold = false;
        for (size_t c = 0; c < t->n_cols; c++) {
                l->w[c] = column_width(t, c, 0);
                total += l->w[c];
                if (t->cols[c].shrink)
                        l->shrink = c;
        }
        if (!width || l->shrink == t->n_cols || total + 2 * (t->n_cols - 1) <= width)
                return;
        l->gap = 1;
        total += t->n_cols - 1;
        if (total <= width)
                return;
        others = total - l->w[l->shrink];
        if (others + TABLE_SHRINK_MIN <= width) {
                layout_shrink(t, l, width - others);
                return;
        }
        l->fold = true;
        l->fold_at = l->shrink ? l->w[0] + l->gap : 0;
        layout_shrink(t, l, width > l->fold_at ? width - l->fold_at : 0);
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

/* One row (or the header) as the layout says. */
static void put_row(FILE *f, const struct table *t, const struct layout *l,
                    char *const row[][TABLE_ALTS])
{
        size_t last = t->n_cols - 1;
        bool first = true;

        if (l->fold && last == l->shrink)
                last--;
        for (size_t c = 0; c < t->n_cols; c++) {
                if (l->fold && c == l->shrink)
                        continue;
                fprintf(f, "%*s", first ? 0 : (int)l->gap, "");
                put_cell(f, row[c], c == l->shrink ? l->level : 0, l->w[c], t->cols[c].right,
                         c == last);
                first = false;
        }
        fputc('\n', f);
        if (!l->fold)
                return;
        fprintf(f, "%*s", (int)l->fold_at, "");
        put_cell(f, row[l->shrink], l->level, l->w[l->shrink], false, true);
        fputc('\n', f);
}

void table_print(FILE *f, const struct table *t, unsigned width)
{
        size_t w[t->n_cols];
        char *head[t->n_cols][TABLE_ALTS];
        struct layout l = { .w = w };

        table_layout(t, width, &l);
        for (size_t c = 0; c < t->n_cols; c++) {
                head[c][0] = (char *)t->cols[c].header;
                head[c][1] = head[c][2] = NULL;
        }
        put_row(f, t, &l, head);
        for (size_t i = 0; i < t->n_cells; i += t->n_cols)
                put_row(f, t, &l, &t->cells[i]);
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

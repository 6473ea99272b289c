/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conflex.h"
#include "hashtab.h"
#include "util.h"

enum tok { T_EOF, T_WORD, T_STRING, T_PUNCT, T_ERROR };

struct lexer {
        const char *p, *end;
        unsigned line;
        char *err;
        unsigned err_line;
};

/* What each byte is to the lexer: a table, as the scanner looks at every byte
 * of the file. Bytes not listed are word characters. */
enum { C_WORD, C_SPACE, C_STOP };
static const unsigned char char_class[256] = {
        [' '] = C_SPACE, ['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\v'] = C_SPACE,
        ['\f'] = C_SPACE, ['\r'] = C_SPACE,
        /* libconfuse's unquoted strings stop at blanks and its punctuation */
        ['\0'] = C_STOP, ['{'] = C_STOP, ['}'] = C_STOP, ['='] = C_STOP, [','] = C_STOP,
        ['('] = C_STOP, [')'] = C_STOP, ['"'] = C_STOP, ['\''] = C_STOP, ['#'] = C_STOP,
        ['+'] = C_STOP,
};

static bool word_char(char c)
{
        return char_class[(unsigned char)c] == C_WORD;
}

static bool space_char(char c)
{
        return char_class[(unsigned char)c] == C_SPACE;
}

/* libconfuse replaces ${NAME} in a double-quoted string or an unquoted
 * value by the environment variable NAME as it reads the file: the config
 * would then mean one thing in the admin's shell, where gpupt-check runs,
 * and another at boot. What gpupt checks must be what the boot obeys, so
 * such a value is refused; \${ writes the characters. */
static bool env_reference(struct lexer *lx, const char *p)
{
        const char *close;

        if (p + 1 >= lx->end || p[0] != '$' || p[1] != '{')
                return false;
        close = memchr(p, '}', (size_t)(lx->end - p));
        lx->err = strdup_printf("%.*s would be replaced by an environment variable as the file "
                                "is read, which is not the same at boot as in a shell: write "
                                "the value itself (\"\\${\" in a quoted string gives the characters)",
                                close && close - p < 64 ? (int)(close + 1 - p) : 2, p);
        lx->err_line = lx->line;
        return true;
}

static enum tok next(struct lexer *lx, const char **start, size_t *n, unsigned *line)
{
        for (;;) {
                while (lx->p < lx->end && space_char(*lx->p)) {
                        if (*lx->p == '\n')
                                lx->line++;
                        lx->p++;
                }
                if (lx->p >= lx->end)
                        return T_EOF;
                if (*lx->p == '#' || (*lx->p == '/' && lx->p + 1 < lx->end && lx->p[1] == '/')) {
                        while (lx->p < lx->end && *lx->p != '\n')
                                lx->p++;
                        continue;
                }
                if (*lx->p == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
                        unsigned at = lx->line;

                        lx->p += 2;
                        while (lx->p + 1 < lx->end && !(lx->p[0] == '*' && lx->p[1] == '/')) {
                                if (*lx->p == '\n')
                                        lx->line++;
                                lx->p++;
                        }
                        if (lx->p + 1 >= lx->end) {
                                lx->err = strdup("comment opened here is never closed");
                                lx->err_line = at;
                                return T_ERROR;
                        }
                        lx->p += 2;
                        continue;
                }
                break;
        }

        *line = lx->line;
        *start = lx->p;
        if (*lx->p == '"' || *lx->p == '\'') {
                char q = *lx->p++;

                while (lx->p < lx->end && *lx->p != q) {
                        if (*lx->p == '\\' && q == '"' && lx->p + 1 < lx->end)
                                lx->p++;
                        else if (q == '"' && env_reference(lx, lx->p))
                                return T_ERROR;
                        if (*lx->p == '\n')
                                lx->line++;
                        lx->p++;
                }
                if (lx->p >= lx->end) {
                        lx->err = strdup("string opened here is never closed");
                        lx->err_line = *line;
                        return T_ERROR;
                }
                lx->p++;
                *n = (size_t)(lx->p - *start);
                return T_STRING;
        }
        if (word_char(*lx->p)) {
                while (lx->p < lx->end && word_char(*lx->p)) {
                        if (*lx->p == '$' && env_reference(lx, lx->p))
                                return T_ERROR;
                        lx->p++;
                }
                *n = (size_t)(lx->p - *start);
                return T_WORD;
        }
        lx->p++;
        *n = 1;
        return T_PUNCT;
}


/* The line of byte off: counted from the nearest section start before it,
 * whose line is known. Messages only. */
static unsigned line_at(const struct conflex *l, size_t off)
{
        size_t lo = 0, hi = l->n_sections, from = 0;
        unsigned line = 1;

        while (lo < hi) { /* the last section starting at or before off */
                size_t mid = lo + (hi - lo) / 2;

                if (l->sections[mid].start <= off)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo > 0) {
                from = l->sections[lo - 1].start;
                line = l->sections[lo - 1].line;
        }
        for (const char *p = l->text + from; (p = memchr(p, '\n', (size_t)(l->text + off - p)));
             p++)
                line++;
        return line;
}

/* Where the first NUL byte or byte that is not UTF-8 is, so the message can
 * name its line; len when there is none. */
static size_t first_bad_byte(const char *text, size_t len, const char **what)
{
        const char *nul = memchr(text, '\0', len);
        size_t good = utf8_valid_prefix(text, len);

        if (nul && (size_t)(nul - text) <= good) {
                *what = "contains a NUL byte";
                return (size_t)(nul - text);
        }
        *what = "contains bytes that are not UTF-8";
        return good;
}

struct token {
        enum tok t;
        const char *s;
        size_t n;
        unsigned line;
};

static bool is_word(const struct token *k, const char *w)
{
        return k->t == T_WORD && strlen(w) == k->n && memcmp(k->s, w, k->n) == 0;
}

static bool is_punct(const struct token *k, char c)
{
        return k->t == T_PUNCT && *k->s == c;
}

/* The start of a section ending at the "{" just read at depth 0: "kind title {"
 * or "kind {". NULL when the brace opens something else (a list value). */
static const struct token *section_head(const struct token *kind, const struct token *title)
{
        if (kind->t == T_WORD && (title->t == T_STRING || title->t == T_WORD))
                return kind;
        if (title->t == T_WORD)
                return title;
        return NULL;
}

/* The keys one section assigns, to flag a section that may assign one twice
 * without keeping its keys: their hashes in a small table, emptied per
 * section. A collision (equal hashes count as the same key), more keys than
 * the table holds, or no memory for it flags it too; the flag only sends the
 * reader to the exact count. */
struct assigned {
        struct hashtab t;
        unsigned n;
};

static void assigned_reset(struct assigned *a)
{
        hashtab_clear(&a->t);
        a->n = 0;
}

static void assigned_done(struct assigned *a)
{
        hashtab_free(&a->t);
}

static bool assigned_again(struct assigned *a, const struct token *key)
{
        if (++a->n > 32)
                return true;
        return hashtab_add(&a->t, hash_bytes(key->s, key->n), NULL, NULL, NULL, 0, NULL) != 0;
}

/* The kind word and the title of section i, the title's quotes taken off
 * (its escapes are kept as typed: titles are plain names, validated later). */
static void header_of(const struct conflex *l, size_t i, struct token *kind, struct token *title)
{
        struct lexer lx = { .p = l->text + l->sections[i].start, .end = l->text + l->len };

        kind->t = next(&lx, &kind->s, &kind->n, &kind->line);
        title->t = next(&lx, &title->s, &title->n, &title->line);
        if (title->t == T_STRING) {
                title->s++;
                title->n -= 2;
        }
        free(lx.err);
}

int conflex_scan(const char *text, size_t len, struct conflex *ret, unsigned *err_line,
                 char **err_msg)
{
        _cleanup_(assigned_done) struct assigned keys = { 0 };
        struct lexer lx = { .p = text, .end = text + len, .line = 1 };
        struct conflex l = { .text = text, .len = len };
        struct token prev2 = { .t = T_EOF }, prev = { .t = T_EOF }, tok;
        size_t alloc = 0, open = SIZE_MAX; /* the section being read, when depth > 0 */
        unsigned open_line = 0;
        const char *what;
        size_t bad;
        int depth = 0;

        if (len >= UINT32_MAX)
                return -EFBIG;
        bad = first_bad_byte(text, len, &what);
        if (bad < len) {
                *err_line = 1;
                for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + bad - p))); p++)
                        (*err_line)++;
                *err_msg = strdup(what);
                return *err_msg ? -EINVAL : -ENOMEM;
        }

        for (;; prev2 = prev, prev = tok) {
                tok.t = next(&lx, &tok.s, &tok.n, &tok.line);
                if (tok.t == T_ERROR) {
                        free(l.sections);
                        *err_line = lx.err_line;
                        *err_msg = lx.err;
                        return lx.err ? -EINVAL : -ENOMEM;
                }
                if (tok.t == T_EOF)
                        break;
                if (is_punct(&tok, '{')) {
                        const struct token *head = depth == 0 ? section_head(&prev2, &prev) : NULL;

                        if (depth == 0) {
                                open = SIZE_MAX;
                                open_line = head ? head->line : tok.line;
                        }
                        if (head) {
                                if (GROW(l.sections, l.n_sections, alloc) < 0) {
                                        free(l.sections);
                                        return -ENOMEM;
                                }
                                open = l.n_sections++;
                                l.sections[open] = (struct conflex_section){
                                        .start = (uint32_t)(head->s - text),
                                        .line = head->line & 0x7fffffff,
                                };
                                assigned_reset(&keys);
                        }
                        depth++;
                } else if (is_punct(&tok, '}')) {
                        if (depth == 0) {
                                free(l.sections);
                                *err_line = tok.line;
                                *err_msg = strdup("'}' without a section to close");
                                return *err_msg ? -EINVAL : -ENOMEM;
                        }
                        if (--depth == 0 && open != SIZE_MAX)
                                l.sections[open].end = (uint32_t)(tok.s + 1 - text);
                } else if (is_punct(&tok, '=') && depth == 1 && open != SIZE_MAX &&
                           prev.t == T_WORD && !l.sections[open].assigns_twice) {
                        if (assigned_again(&keys, &prev))
                                l.sections[open].assigns_twice = 1;
                }
        }
        if (depth > 0) {
                _cleanup_free_ char *kind = NULL, *title = NULL;

                if (open != SIZE_MAX) {
                        struct token k, t;

                        header_of(&l, open, &k, &t);
                        kind = strndup(k.s, k.n);
                        if (t.t == T_STRING || t.t == T_WORD)
                                title = strndup(t.s, t.n);
                }
                free(l.sections);
                *err_line = open_line;
                *err_msg = strdup_printf("section %s%s%s%s is never closed (missing '}')",
                                         kind ? kind : "", title ? " \"" : "",
                                         title ? title : "", title ? "\"" : "");
                return *err_msg ? -EINVAL : -ENOMEM;
        }
        *ret = l;
        return 0;
}

void conflex_done(struct conflex *l)
{
        free(l->sections);
        *l = (struct conflex){ 0 };
}

bool conflex_section_is(const struct conflex *l, size_t i, const char *kind, const char *title)
{
        struct token k, t;

        if (i >= l->n_sections)
                return false;
        header_of(l, i, &k, &t);
        return is_word(&k, kind) && (t.t == T_STRING || t.t == T_WORD) &&
               strlen(title) == t.n && memcmp(t.s, title, t.n) == 0;
}

/* Calls found(key token, whether it appends) for each "key =" or "key +=" at the given depth
 * between from and to, where depth counts braces from `from`. Stops when
 * found returns true; returns whether it did. */
static bool each_key(const struct conflex *l, size_t from, size_t to, int at_depth,
                     bool (*found)(const struct token *key, bool append, void *userdata),
                     void *userdata)
{
        struct lexer lx = { .p = l->text + from, .end = l->text + to };
        struct token prev2 = { .t = T_EOF }, prev = { .t = T_EOF }, tok;
        int depth = 0;
        bool stop = false;

        for (; !stop; prev2 = prev, prev = tok) {
                tok.t = next(&lx, &tok.s, &tok.n, &tok.line);
                if (tok.t == T_EOF || tok.t == T_ERROR)
                        break;
                if (is_punct(&tok, '{'))
                        depth++;
                else if (is_punct(&tok, '}'))
                        depth--;
                else if (is_punct(&tok, '=') && (depth == at_depth || at_depth < 0)) {
                        if (prev.t == T_WORD)
                                stop = found(&prev, false, userdata);
                        else if (is_punct(&prev, '+') && prev2.t == T_WORD)
                                stop = found(&prev2, true, userdata);
                }
        }
        free(lx.err);
        return stop;
}

struct key_query {
        const char *key;
        const struct token *first;
        struct token copy;
        unsigned count;
        bool all; /* count the assignments ("=", not "+="), or stop at the first setting */
};

static bool key_match(const struct token *k, bool append, void *userdata)
{
        struct key_query *q = userdata;

        if (!is_word(k, q->key) || (q->all && append))
                return false;
        if (q->count++ == 0) {
                q->copy = *k;
                q->first = &q->copy;
        }
        return !q->all;
}

static void query_section(const struct conflex *l, size_t i, struct key_query *q)
{
        if (i < l->n_sections)
                each_key(l, l->sections[i].start, l->sections[i].end, 1, key_match, q);
}

unsigned conflex_key_line(const struct conflex *l, size_t i, const char *key)
{
        struct key_query q = { .key = key };

        if (i >= l->n_sections)
                return 0;
        if (!key)
                return l->sections[i].line;
        query_section(l, i, &q);
        return q.first ? line_at(l, (size_t)(q.first->s - l->text)) : l->sections[i].line;
}

unsigned conflex_key_count(const struct conflex *l, size_t i, const char *key)
{
        struct key_query q = { .key = key, .all = true };

        query_section(l, i, &q);
        return q.count;
}

unsigned conflex_top_line(const struct conflex *l, const char *key)
{
        struct key_query q = { .key = key };
        size_t from = 0;

        /* Only the text between sections: a top-level file is short there
         * however many entries it holds. */
        for (size_t i = 0; i <= l->n_sections && !q.first; i++) {
                size_t to = i < l->n_sections ? l->sections[i].start : l->len;

                each_key(l, from, to, 0, key_match, &q);
                if (i < l->n_sections)
                        from = l->sections[i].end;
        }
        return q.first ? line_at(l, (size_t)(q.first->s - l->text)) : 0;
}

unsigned conflex_any_line(const struct conflex *l, const char *key)
{
        struct key_query q = { .key = key };

        each_key(l, 0, l->len, -1, key_match, &q);
        return q.first ? line_at(l, (size_t)(q.first->s - l->text)) : 0;
}

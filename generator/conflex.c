/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "conflex.h"
#include "util.h"

enum tok { T_EOF, T_WORD, T_STRING, T_PUNCT, T_ERROR };

struct lexer {
        const char *p, *end;
        unsigned line;
        char *err;
        unsigned err_line;
};

static bool word_char(char c)
{
        /* libconfuse's unquoted strings stop at blanks and its punctuation */
        return c && !isspace((unsigned char)c) && !strchr("{}=,()\"'#+", c);
}

static enum tok next(struct lexer *lx, const char **start, size_t *n, unsigned *line)
{
        for (;;) {
                while (lx->p < lx->end && isspace((unsigned char)*lx->p)) {
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
                while (lx->p < lx->end && word_char(*lx->p))
                        lx->p++;
                *n = (size_t)(lx->p - *start);
                return T_WORD;
        }
        lx->p++;
        *n = 1;
        return T_PUNCT;
}

struct conflex_block {
        struct conflex_block *next;
        size_t used, size;
        char data[];
};

struct conflex_slot {
        uint32_t first, last; /* key index + 1; 0: empty slot */
};

/* A copy of s[0..n) in the string blocks, NUL-terminated. */
static char *block_strndup(struct conflex *l, const char *s, size_t n)
{
        struct conflex_block *b = l->blocks;
        char *p;

        if (!b || b->size - b->used < n + 1) {
                size_t size = n + 1 > 16384 ? n + 1 : 16384;

                b = malloc(sizeof(*b) + size);
                if (!b)
                        return NULL;
                *b = (struct conflex_block){ .next = l->blocks, .size = size };
                l->blocks = b;
        }
        p = b->data + b->used;
        memcpy(p, s, n);
        p[n] = '\0';
        b->used += n + 1;
        return p;
}

/* The previous entry's copy when it is the same string: the keys of one
 * section share its name and title. */
static char *shared_copy(struct conflex *l, const char *prev, const char *s, size_t n)
{
        if (prev && strlen(prev) == n && memcmp(prev, s, n) == 0)
                return (char *)prev;
        return block_strndup(l, s, n);
}

static int add_key(struct conflex *l, size_t *alloc, const char *section, const char *title,
                   const char *key, size_t key_len, unsigned line)
{
        const struct conflex_key *prev;
        struct conflex_key *k;

        if (GROW(l->keys, l->n_keys, *alloc) < 0)
                return -ENOMEM;
        prev = l->n_keys ? &l->keys[l->n_keys - 1] : NULL;
        k = &l->keys[l->n_keys];
        *k = (struct conflex_key){ .line = line };
        if ((section && !(k->section = shared_copy(l, prev ? prev->section : NULL, section,
                                                   strlen(section)))) ||
            (title && !(k->title = shared_copy(l, prev ? prev->title : NULL, title,
                                               strlen(title)))) ||
            (key && !(k->key = block_strndup(l, key, key_len))))
                return -ENOMEM;
        l->n_keys++;
        return 0;
}

static size_t hash_str(size_t h, const char *s)
{
        if (!s)
                return (h ^ 0x9e3779b9u) * 1099511628211u;
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211u;
        return (h ^ 0xffu) * 1099511628211u; /* "ab"+"c" differs from "a"+"bc" */
}

static size_t hash_key(const char *section, const char *title, const char *key)
{
        size_t h = hash_str(hash_str(hash_str((size_t)1469598103934665603u, section), title), key);

        return h ^ (h >> 29);
}

static bool eq(const char *a, const char *b)
{
        return (!a && !b) || (a && b && streq(a, b));
}

static struct conflex_slot *slot_of(const struct conflex *l, const char *section,
                                    const char *title, const char *key)
{
        size_t i = hash_key(section, title, key) & (l->index_size - 1);

        for (;; i = (i + 1) & (l->index_size - 1)) {
                struct conflex_slot *s = &l->index[i];
                const struct conflex_key *k;

                if (!s->first)
                        return s;
                k = &l->keys[s->first - 1];
                if (eq(k->key, key) && eq(k->section, section) && eq(k->title, title))
                        return s;
        }
}

/* One slot per distinct (section, title, key): its first and last entry. */
static int build_index(struct conflex *l)
{
        size_t size = 16;

        while (size < 2 * l->n_keys)
                size *= 2;
        l->index = calloc(size, sizeof(*l->index));
        if (!l->index)
                return -ENOMEM;
        l->index_size = size;
        for (size_t i = 0; i < l->n_keys; i++) {
                const struct conflex_key *k = &l->keys[i];
                struct conflex_slot *s = slot_of(l, k->section, k->title, k->key);

                if (!s->first)
                        s->first = (uint32_t)(i + 1);
                s->last = (uint32_t)(i + 1);
        }
        return 0;
}

/* A title as libconfuse will see it: quotes removed, escapes kept as typed
 * (titles are plain names, validated later). */
static char *unquote(const char *s, size_t n)
{
        if (n >= 2 && (s[0] == '"' || s[0] == '\''))
                return strndup(s + 1, n - 2);
        return strndup(s, n);
}

int conflex_scan(const char *text, size_t len, struct conflex *ret, unsigned *err_line,
                 char **err_msg)
{
        struct lexer lx = { .p = text, .end = text + len, .line = 1 };
        struct conflex l = { 0 };
        _cleanup_free_ char *section = NULL, *title = NULL;
        const char *prev = NULL;
        size_t prev_n = 0, alloc = 0;
        unsigned prev_line = 0, open_line = 0;
        enum tok prev_t = T_EOF;
        int depth = 0, r = 0;

        /* Line by line so the message names where the bad byte is. */
        for (const char *s = text, *e; s < text + len; s = e + 1) {
                _cleanup_free_ char *one = NULL;

                e = memchr(s, '\n', (size_t)(text + len - s));
                if (!e)
                        e = text + len;
                if (memchr(s, '\0', (size_t)(e - s))) {
                        *err_msg = strdup("contains a NUL byte");
                        goto line_error;
                }
                one = strndup(s, (size_t)(e - s));
                if (!one)
                        return -ENOMEM;
                if (!string_is_utf8(one)) {
                        *err_msg = strdup("contains bytes that are not UTF-8");
                        goto line_error;
                }
                lx.line++;
                continue;
line_error:
                *err_line = lx.line;
                return *err_msg ? -EINVAL : -ENOMEM;
        }
        lx.line = 1;

        for (;;) {
                const char *s;
                size_t n;
                unsigned line;
                enum tok t = next(&lx, &s, &n, &line);

                if (t == T_ERROR) {
                        conflex_done(&l);
                        *err_line = lx.err_line;
                        *err_msg = lx.err;
                        return lx.err ? -EINVAL : -ENOMEM;
                }
                if (t == T_EOF)
                        break;
                if (t == T_PUNCT && *s == '{') {
                        if (depth == 0 && prev_t != T_EOF) {
                                /* "kind title {" or "kind {": the kind is the word before the title */
                                free(section);
                                free(title);
                                section = title = NULL;
                                open_line = line;
                        }
                        depth++;
                } else if (t == T_PUNCT && *s == '}') {
                        if (depth == 0) {
                                conflex_done(&l);
                                *err_line = line;
                                *err_msg = strdup("'}' without a section to close");
                                return *err_msg ? -EINVAL : -ENOMEM;
                        }
                        depth--;
                        if (depth == 0) {
                                free(section);
                                free(title);
                                section = title = NULL;
                        }
                } else if (t == T_PUNCT && *s == '=' && prev_t == T_WORD) {
                        r = add_key(&l, &alloc, depth ? section : NULL, depth ? title : NULL, prev,
                                    prev_n, prev_line);
                        if (r < 0)
                                break;
                } else if (depth == 0 && (t == T_STRING || t == T_WORD) && prev_t == T_WORD &&
                           lx.p < lx.end) {
                        /* Possibly "kind title": remember both until "{" confirms. */
                        const char *q = lx.p;

                        while (q < lx.end && isspace((unsigned char)*q))
                                q++;
                        if (q < lx.end && *q == '{') {
                                free(section);
                                free(title);
                                section = strndup(prev, prev_n);
                                title = unquote(s, n);
                                if (!section || !title) {
                                        r = -ENOMEM;
                                        break;
                                }
                                r = add_key(&l, &alloc, section, title, NULL, 0, prev_line);
                                if (r < 0)
                                        break;
                                t = T_PUNCT; /* the "{" that follows must not reset them */
                                prev_t = T_PUNCT;
                                /* consume the brace now */
                                while (lx.p < lx.end && *lx.p != '{') {
                                        if (*lx.p == '\n')
                                                lx.line++;
                                        lx.p++;
                                }
                                lx.p++;
                                depth++;
                                open_line = prev_line;
                                continue;
                        }
                }
                prev = s;
                prev_n = n;
                prev_t = t;
                prev_line = line;
        }
        if (r == 0)
                r = build_index(&l);
        if (r < 0) {
                conflex_done(&l);
                return r;
        }
        if (depth > 0) {
                conflex_done(&l);
                *err_line = open_line;
                *err_msg = strdup_printf("section %s%s%s%s is never closed (missing '}')",
                                         section ? section : "", title ? " \"" : "",
                                         title ? title : "", title ? "\"" : "");
                return *err_msg ? -EINVAL : -ENOMEM;
        }
        *ret = l;
        return 0;
}

void conflex_done(struct conflex *l)
{
        while (l->blocks) {
                struct conflex_block *b = l->blocks;

                l->blocks = b->next;
                free(b);
        }
        free(l->keys);
        free(l->index);
        *l = (struct conflex){ 0 };
}

unsigned conflex_line(const struct conflex *l, const char *section, const char *title,
                      const char *key)
{
        const struct conflex_slot *s;

        if (!l->index_size)
                return 0;
        if (key) {
                s = slot_of(l, section, title, key);
                if (s->first)
                        return l->keys[s->first - 1].line;
        }
        s = slot_of(l, section, title, NULL);
        if (!s->first)
                return 0;
        return l->keys[(key ? s->last : s->first) - 1].line;
}

bool conflex_repeated(const struct conflex *l, const char *section, const char *title,
                      const char *key)
{
        const struct conflex_slot *s;

        if (!l->index_size)
                return false;
        s = slot_of(l, section, title, key);
        return s->first && s->first != s->last;
}

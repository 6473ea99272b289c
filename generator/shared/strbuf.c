/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "strbuf.h"

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
        va_list ap;
        int k;

        /* the second round has the room the first one measured */
        for (int round = 0; round < 2 && !b->failed; round++) {
                size_t room = b->alloc - b->len, want;
                char *p;

                va_start(ap, fmt);
                k = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
                va_end(ap);
                if (k < 0) {
                        b->failed = true;
                        return;
                }
                if ((size_t)k < room) {
                        b->len += (size_t)k;
                        return;
                }
                want = b->len + (size_t)k + 1 + 128;
                p = realloc(b->s, want);
                if (!p) {
                        b->failed = true;
                        return;
                }
                b->s = p;
                b->alloc = want;
        }
}

int strbuf_take(struct strbuf *b, char **ret)
{
        bool failed = b->failed;

        *ret = failed ? NULL : b->s;
        if (failed)
                free(b->s);
        *b = (struct strbuf){ 0 };
        return failed ? -ENOMEM : 0;
}

void strbuf_done(struct strbuf *b)
{
        free(b->s);
        *b = (struct strbuf){ 0 };
}

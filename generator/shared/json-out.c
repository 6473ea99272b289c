/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdbool.h>

#include "json-out.h"
#include "util.h"

void json_put(FILE *f, const char *s)
{
        fputs_unlocked(s, f);
}

void json_put_uint(FILE *f, unsigned v)
{
        char buf[16], *p = buf + sizeof(buf);

        do
                *--p = (char)('0' + v % 10);
        while ((v /= 10));
        fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

void json_int_or_null(FILE *f, int v)
{
        if (v >= 0)
                json_put_uint(f, (unsigned)v);
        else
                json_put(f, "null");
}

void json_put_hex(FILE *f, unsigned v, int digits)
{
        static const char hex[] = "0123456789abcdef";
        char buf[8];

        for (int i = digits - 1; i >= 0; i--, v >>= 4)
                buf[i] = hex[v & 0xf];
        fwrite_unlocked(buf, 1, (size_t)digits, f);
}

/* Whether byte C may stand in a JSON string as it is: printable ASCII but the
 * quote and the backslash, and the bytes of a valid UTF-8 string. */
static bool plain(unsigned char c, bool utf8)
{
        return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f && (c < 0x80 || utf8);
}

void json_string(FILE *f, const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        bool utf8 = true;

        /* Names, drivers and sysfs values are plain ASCII nearly always: then
         * the bytes pass once, and the UTF-8 check runs only when one is high. */
        for (const unsigned char *q = p; *q; q++)
                if (*q >= 0x80) {
                        utf8 = string_is_utf8(s);
                        break;
                }
        fputc_unlocked('"', f);
        while (*p) {
                const unsigned char *run = p;

                while (*p && plain(*p, utf8))
                        p++;
                if (p > run)
                        fwrite_unlocked(run, 1, (size_t)(p - run), f);
                if (!*p)
                        break;
                if (*p == '"' || *p == '\\') {
                        fputc_unlocked('\\', f);
                        fputc_unlocked(*p, f);
                } else if (*p == '\n')
                        json_put(f, "\\n");
                else if (*p == '\t')
                        json_put(f, "\\t");
                else {
                        /* Bytes from a broken sysfs value still give valid JSON. */
                        json_put(f, "\\u00");
                        json_put_hex(f, *p, 2);
                }
                p++;
        }
        fputc_unlocked('"', f);
}

void json_string_or_null(FILE *f, const char *s)
{
        if (s)
                json_string(f, s);
        else
                json_put(f, "null");
}

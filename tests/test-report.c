/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json_string: every byte a string can hold comes out as valid JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "testlib.h"

/* What json_string writes for S, in a string of the caller's. */
static char *as_json(const char *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        json_string(f, s);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void expect(const char *s, const char *want)
{
        char *got = as_json(s);

        assert_string_equal(got, want);
        free(got);
}

static void test_plain_and_escaped(void **state)
{
        (void)state;
        expect("", "\"\"");
        expect("vfio-pci", "\"vfio-pci\"");
        /* the quote and the backslash, alone, first, last and in a row */
        expect("\"", "\"\\\"\"");
        expect("a\\b\"c", "\"a\\\\b\\\"c\"");
        expect("\\\\", "\"\\\\\\\\\"");
        expect("line\nnext\tcol", "\"line\\nnext\\tcol\"");
        /* other control bytes and DEL as \u escapes */
        expect("\x01x\x1f\x7f", "\"\\u0001x\\u001f\\u007f\"");
}

static void test_utf8(void **state)
{
        (void)state;
        /* valid UTF-8 passes as it is */
        expect("caf\xc3\xa9 \xe2\x9c\x93", "\"caf\xc3\xa9 \xe2\x9c\x93\"");
        /* a string that is not valid UTF-8 has every high byte escaped, even
         * ones that would be valid alone, so a reader's decoder never fails */
        expect("\xc3\xa9\xff", "\"\\u00c3\\u00a9\\u00ff\"");
        expect("a\xc3", "\"a\\u00c3\"");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain_and_escaped),
                cmocka_unit_test(test_utf8),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

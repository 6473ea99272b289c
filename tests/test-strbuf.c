/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "strbuf.h"
#include "testlib.h"

static void test_build(void **state)
{
        struct strbuf b = { 0 };
        char *s = (char *)1, big[1000];

        (void)state;
        /* nothing appended: NULL, not "" */
        assert_int_equal(strbuf_take(&b, &s), 0);
        assert_null(s);
        /* pieces past the first allocation's room */
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        strbuf_printf(&b, "%s", "");
        assert_non_null(b.s);
        strbuf_printf(&b, "%s%d", b.len ? ", " : "", 1);
        strbuf_printf(&b, "%s%d", b.len ? ", " : "", 2);
        strbuf_printf(&b, "|%s|", big);
        assert_int_equal(b.len, strlen("1, 2||") + strlen(big));
        assert_int_equal(strbuf_take(&b, &s), 0);
        assert_int_equal(strncmp(s, "1, 2|x", 6), 0);
        assert_string_equal(s + strlen(s) - 2, "x|");
        free(s);
        assert_null(b.s);
        assert_int_equal(b.len, 0);
}

/* A failed append fails the whole string, once, at the end. */
static void test_failed(void **state)
{
        struct strbuf b = { 0 };
        char *s = (char *)1;

        (void)state;
        strbuf_printf(&b, "kept");
        b.failed = true; /* as a failed realloc leaves it */
        strbuf_printf(&b, "more");
        assert_string_equal(b.s, "kept");
        assert_int_equal(strbuf_take(&b, &s), -ENOMEM);
        assert_null(s);
        assert_false(b.failed);
        strbuf_printf(&b, "again");
        strbuf_done(&b);
        assert_null(b.s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_build),
                cmocka_unit_test(test_failed),
        };

        return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}

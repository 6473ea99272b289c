/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dir_names_sorted: the one directory listing the readers share; printable:
 * the one filter before human output. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "util.h"

static bool not_b(const char *name, void *userdata)
{
        (*(int *)userdata)++;
        return !streq(name, "b");
}

static void test_sorted_bytewise(void **state)
{
        static const char *const files[] = { "b", "a", "B", "\xc3\xa9", "virtfn10", "virtfn2",
                                             ".hidden" };
        static const char *const want[] = { "B", "a", "b", "sub", "virtfn10", "virtfn2",
                                            "\xc3\xa9" };
        char *dir = tl_mkdtemp(), **v;
        size_t n;
        int calls = 0;

        (void)state;
        /* A locale's collation would put "a" next to "B" and "é" among the
         * letters; bytewise, capitals come first and "é" (0xc3 0xa9) last. */
        if (!setlocale(LC_ALL, "en_US.UTF-8"))
                setlocale(LC_ALL, "C.UTF-8");
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                tl_write(dir, files[i], "");
        tl_mkdir(dir, "sub");
        assert_int_equal(dir_names_sorted(AT_FDCWD, dir, NULL, NULL, &v, &n), 0);
        assert_int_equal(n, ELEMENTSOF(want));
        for (size_t i = 0; i < n; i++)
                assert_string_equal(v[i], want[i]);
        assert_null(v[n]);
        dir_names_free(v, n);

        /* keep sees every name but the hidden ones */
        assert_int_equal(dir_names_sorted(AT_FDCWD, dir, not_b, &calls, &v, &n), 0);
        assert_int_equal(calls, 7);
        assert_int_equal(n, 6);
        assert_string_equal(v[1], "a");
        assert_string_equal(v[2], "sub");
        dir_names_free(v, n);
        setlocale(LC_ALL, "C");
        tl_rmtree(dir);
        free(dir);
}

static void test_below_dirfd_and_missing(void **state)
{
        char *dir = tl_mkdtemp(), **v = (char **)1;
        size_t n = 1;
        int fd;

        (void)state;
        tl_write(dir, "types/x2", "");
        tl_write(dir, "types/x1", "");
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(dir_names_sorted(fd, "types", NULL, NULL, &v, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(v[0], "x1");
        assert_string_equal(v[1], "x2");
        dir_names_free(v, n);

        /* no directory: -errno, and nothing to free */
        assert_int_equal(dir_names_sorted(fd, "absent", NULL, NULL, &v, &n), -ENOENT);
        assert_null(v);
        assert_int_equal(n, 0);
        assert_int_equal(dir_names_sorted(fd, "types/x1", NULL, NULL, &v, &n), -ENOTDIR);
        /* an empty one: no names, no array */
        tl_mkdir(dir, "empty");
        assert_int_equal(dir_names_sorted(fd, "empty", NULL, NULL, &v, &n), 0);
        assert_null(v);
        assert_int_equal(n, 0);
        close(fd);
        tl_rmtree(dir);
        free(dir);
}

/* What a terminal gets of each string: the exact escaped text, and the
 * string itself (no copy) when nothing needs escaping. */
static void test_printable(void **state)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "vfio-pci", NULL },
                { "", NULL },
                { "a b  c %n $HOME `id` \"q\" 'q' a\\nb a\\", NULL },
                { "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", NULL }, /* é, €, an emoji */
                { "\xc2\xa0", NULL }, /* U+00A0, no-break space: printable */
                { "a\nb", "a\\nb" },
                { "a\rb\tc", "a\\rb\\tc" },
                { "\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m" },
                { "\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07" },
                { "a\x07\x7f" "b", "a\\x07\\x7fb" },
                { "\xc2\x9b" "31m", "\\xc2\\x9b31m" }, /* U+009B, CSI */
                { "\xc2\x80\xc2\x9f", "\\xc2\\x80\\xc2\\x9f" }, /* C1's ends */
                { "a\xff\xfe" "b", "a\\xff\\xfeb" }, /* not UTF-8 */
                { "\xc3", "\\xc3" }, /* cut short */
                { "\xc0\xaf", "\\xc0\\xaf" }, /* overlong '/' */
                { "\xed\xa0\x80", "\\xed\\xa0\\x80" }, /* a surrogate */
                { "\xc3\xa9\x1b", "\xc3\xa9\\x1b" },
        };

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *buf = (char *)1;
                const char *got = printable(cases[i].in, &buf);

                if (!cases[i].out) {
                        assert_ptr_equal(got, cases[i].in);
                        assert_null(buf);
                } else {
                        char *again = (char *)1;

                        assert_string_equal(got, cases[i].out);
                        assert_ptr_equal(got, buf);
                        /* what it made passes as it is: a second sink changes nothing */
                        assert_ptr_equal(printable(got, &again), got);
                        assert_null(again);
                }
                free(buf);
        }
}

/* A message escaped where it is made: the same string when it needs
 * nothing, the escaped one in its place when it does. */
static void test_printable_take(void **state)
{
        char *plain = strdup("bound to vfio-pci"), *msg = strdup("taken from \x1b]0;x\x07"), *got;

        (void)state;
        assert_ptr_equal(printable_take(plain), plain);
        free(plain);
        got = printable_take(msg);
        assert_string_equal(got, "taken from \\x1b]0;x\\x07");
        free(got);
        assert_null(printable_take(NULL));
}

/* Every byte but the printable ASCII ones comes out escaped when alone, and
 * nothing that comes out is a control byte. */
static void test_printable_every_byte(void **state)
{
        (void)state;
        for (unsigned c = 1; c < 256; c++) {
                char in[2] = { (char)c, 0 }, *buf = NULL;
                static const char hex[] = "0123456789abcdef";
                char want[5] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
                const char *got = printable(in, &buf);

                if (c == '\n' || c == '\t' || c == '\r') {
                        want[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
                        want[2] = '\0';
                }
                if (c >= 0x20 && c < 0x7f)
                        assert_ptr_equal(got, in);
                else
                        assert_string_equal(got, want);
                for (const char *p = got; *p; p++)
                        assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
                free(buf);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sorted_bytewise),
                cmocka_unit_test(test_below_dirfd_and_missing),
                cmocka_unit_test(test_printable),
                cmocka_unit_test(test_printable_every_byte),
                cmocka_unit_test(test_printable_take),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

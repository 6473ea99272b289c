/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dir_names_sorted: the one directory listing the readers share. */
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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sorted_bytewise),
                cmocka_unit_test(test_below_dirfd_and_missing),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

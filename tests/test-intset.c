/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "intset.h"
#include "testlib.h"

static void test_add_and_repeat(void **state)
{
        struct intset s = { 0 };

        (void)state;
        assert_int_equal(intset_add(&s, 5), 0);
        assert_int_equal(intset_add(&s, 5), 1);
        assert_int_equal(intset_add(&s, 0), 0);
        assert_int_equal(intset_add(&s, 0), 1);
        assert_int_equal(intset_add(&s, -1), -EINVAL);
        assert_int_equal(s.t.used, 2);
        intset_free(&s);
        assert_null(s.t.slots);
}

/* Past several growths, every number is still found exactly once, including
 * the sparse and huge ones a corrupted sysfs tree can hold. */
static void test_many(void **state)
{
        struct intset s = { 0 };

        (void)state;
        for (int i = 0; i < 10000; i++)
                assert_int_equal(intset_add(&s, i * 7), 0);
        assert_int_equal(intset_add(&s, 2147483647), 0);
        for (int i = 0; i < 10000; i++)
                assert_int_equal(intset_add(&s, i * 7), 1);
        assert_int_equal(intset_add(&s, 2147483647), 1);
        assert_int_equal(intset_add(&s, 3), 0);
        assert_int_equal(s.t.used, 10002);
        assert_true(4 * s.t.used <= 3 * s.t.size); /* probes stay short */
        intset_free(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add_and_repeat),
                cmocka_unit_test(test_many),
        };

        return cmocka_run_group_tests_name("intset", tests, NULL, NULL);
}

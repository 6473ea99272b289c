/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "testlib.h"
#include "wait.h"

/* Says yes at its n-th ask; counts the asks. */
struct asker {
        unsigned asks, yes_at;
};

static bool ask(void *userdata)
{
        struct asker *a = userdata;

        return ++a->asks == a->yes_at;
}

static void test_bounded(void **state)
{
        struct asker a = { .yes_at = 0 }; /* never */
        unsigned slept = 5;

        (void)state;
        /* asked at 0, 20, ..., 100 ms of sleep: six asks, 100 ms slept */
        assert_false(wait_until(ask, &a, 100, 20, &slept));
        assert_int_equal(a.asks, 6);
        assert_int_equal(slept, 5 + 100);
        /* a bound that is no multiple of the step: slept past it, once */
        a = (struct asker){ 0 };
        slept = 0;
        assert_false(wait_until(ask, &a, 50, 20, &slept));
        assert_int_equal(a.asks, 4);
        assert_int_equal(slept, 60);
        /* no bound: asked once, no sleep */
        a = (struct asker){ 0 };
        assert_false(wait_until(ask, &a, 0, 20, NULL));
        assert_int_equal(a.asks, 1);
}

static void test_stops_when_ready(void **state)
{
        struct asker a = { .yes_at = 1 };
        unsigned slept = 0;

        (void)state;
        assert_true(wait_until(ask, &a, 60000, 20, &slept));
        assert_int_equal(slept, 0);
        a = (struct asker){ .yes_at = 3 };
        assert_true(wait_until(ask, &a, 60000, 10, &slept));
        assert_int_equal(a.asks, 3);
        assert_int_equal(slept, 20);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bounded),
                cmocka_unit_test(test_stops_when_ready),
        };

        return cmocka_run_group_tests_name("wait", tests, NULL, NULL);
}

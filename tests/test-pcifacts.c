/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "pcifacts.h"
#include "testlib.h"

/* A config space with the capability list bit and the given chain: each
 * {offset, id, next}. */
static void chain(unsigned char cfg[4096], const unsigned (*caps)[3], size_t n)
{
        memset(cfg, 0, 4096);
        cfg[0x06] = 0x10;
        cfg[0x34] = n ? (unsigned char)caps[0][0] : 0;
        for (size_t i = 0; i < n; i++) {
                cfg[caps[i][0]] = (unsigned char)caps[i][1];
                cfg[caps[i][0] + 1] = (unsigned char)caps[i][2];
        }
}

static void test_flr_from_pcie_capability(void **state)
{
        static const unsigned caps[][3] = { { 0x50, 0x01, 0x60 }, { 0x60, 0x10, 0x00 } };
        unsigned char cfg[4096];
        const char *m[2];

        (void)state;
        chain(cfg, caps, 2);
        assert_int_equal(config_reset_methods(cfg, sizeof(cfg), m), 0);
        cfg[0x60 + 7] = 0x10; /* DevCap bit 28 */
        assert_int_equal(config_reset_methods(cfg, sizeof(cfg), m), 1);
        assert_string_equal(m[0], "flr");
        /* the capability list bit off: no capabilities at all */
        cfg[0x06] = 0;
        assert_int_equal(config_reset_methods(cfg, sizeof(cfg), m), 0);
}

static void test_af_flr(void **state)
{
        static const unsigned caps[][3] = { { 0x40, 0x13, 0x00 } };
        unsigned char cfg[4096];
        const char *m[2];

        (void)state;
        chain(cfg, caps, 1);
        cfg[0x43] = 0x02; /* FLR without TP: not offered */
        assert_int_equal(config_reset_methods(cfg, sizeof(cfg), m), 0);
        cfg[0x43] = 0x03;
        assert_int_equal(config_reset_methods(cfg, sizeof(cfg), m), 1);
        assert_string_equal(m[0], "af_flr");
}

/* An unprivileged read gets 64 bytes; a looping chain ends. */
static void test_short_and_looping(void **state)
{
        static const unsigned loop[][3] = { { 0x40, 0x01, 0x40 } };
        static const unsigned far[][3] = { { 0x80, 0x10, 0x00 } };
        unsigned char cfg[4096];
        const char *m[2];

        (void)state;
        chain(cfg, far, 1);
        assert_int_equal(config_reset_methods(cfg, 64, m), -ENODATA);
        assert_int_equal(config_reset_methods(cfg, 0x84, m), -ENODATA);
        assert_int_equal(config_reset_methods(cfg, 32, m), -ENODATA);
        chain(cfg, loop, 1);
        assert_int_equal(config_reset_methods(cfg, sizeof(cfg), m), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_flr_from_pcie_capability),
                cmocka_unit_test(test_af_flr),
                cmocka_unit_test(test_short_and_looping),
        };

        return cmocka_run_group_tests_name("pcifacts", tests, NULL, NULL);
}

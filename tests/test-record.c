/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "record.h"
#include "testlib.h"
#include "util.h"

static struct conf *load(void)
{
        struct conf_error err = { 0 };
        struct conf *c = NULL;

        assert_int_equal(conf_load(NULL, &c, &err), 0);
        return c;
}

/* The record gpupt-apply writes is the config's hash, and reads back as it. */
static void test_round_trip(void **state)
{
        char *dir = tl_mkdtemp(), hash[65], got[65];
        struct conf *c;

        (void)state;
        assert_int_equal(root_set(dir), 0);
        tl_write(dir, "etc/gpupt.conf", "device \"a\" {\n  bdf = \"01:00.0\"\n}\n");
        assert_int_equal(record_read(got), -ENOENT);
        c = load();
        assert_int_equal(record_applied(c), 0); /* makes run/ and run/gpupt/ */
        assert_int_equal(conf_hash(c, hash), 0);
        assert_int_equal(record_read(got), 0);
        assert_string_equal(got, hash);
        /* a second run replaces it, and leaves no temporary file */
        assert_int_equal(record_applied(c), 0);
        {
                char *tmp = root_path(RECORD_APPLIED ".tmp");
                struct stat st;

                assert_int_equal(stat(tmp, &st), -1);
                free(tmp);
        }
        conf_free(c);

        /* another config, another hash: what --verify notices */
        tl_write(dir, "etc/gpupt.conf", "device \"a\" {\n  bdf = \"02:00.0\"\n}\n");
        c = load();
        assert_int_equal(conf_hash(c, hash), 0);
        assert_string_not_equal(got, hash);
        conf_free(c);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

static void test_bad_records(void **state)
{
        char *dir = tl_mkdtemp(), got[65];
        static const char *const bad[] = {
                "", "garbage\n", "0123\n",
                /* 64 characters, one of them not lower-case hex */
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF\n",
                /* 65 hex digits */
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0\n",
        };

        (void)state;
        assert_int_equal(root_set(dir), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                tl_write(dir, "run/gpupt/applied-config.sha256", bad[i]);
                assert_int_equal(record_read(got), -EBADMSG);
        }
        tl_write(dir, "run/gpupt/applied-config.sha256",
                 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
        assert_int_equal(record_read(got), 0);
        /* run/gpupt is a file: the record cannot be written, and says why */
        {
                struct conf c = { 0 };

                tl_rmtree(dir);
                tl_write(dir, "run/gpupt", "not a directory");
                assert_int_equal(record_applied(&c), -ENOTDIR);
        }
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_bad_records),
        };

        return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}

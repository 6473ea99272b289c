/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "record.h"
#include "testlib.h"
#include "util.h"

#define H1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static struct conf *load(void)
{
        struct conf_error err = { 0 };
        struct conf *c = NULL;

        assert_int_equal(conf_load(NULL, &c, &err), 0);
        return c;
}

static char *record_text(void)
{
        char *path = root_path(RECORD_APPLIED), *text = NULL;
        size_t len;

        assert_int_equal(read_file(path, 1 << 20, &text, &len), 0);
        free(path);
        return text;
}

static void assert_record_is(const char *want)
{
        char *text = record_text();

        assert_string_equal(text, want);
        free(text);
}

static void assert_no_tmp(void)
{
        char *tmp = root_path(RECORD_APPLIED ".tmp");
        struct stat st;

        assert_int_equal(stat(tmp, &st), -1);
        free(tmp);
}

/* Each unit gets its line with the hash of the config it carried out, and
 * reads back as it; a line of one unit is no other's. */
static void test_round_trip(void **state)
{
        char *dir = tl_mkdtemp(), a[65], b[65], *want;
        struct record rec = { 0 };
        struct conf *c;

        (void)state;
        assert_int_equal(root_set(dir), 0);
        tl_write(dir, "etc/gpupt.conf", "device \"a\" {\n  bdf = \"01:00.0\"\n}\n");
        assert_int_equal(record_read(&rec), -ENOENT);
        c = load();
        assert_int_equal(conf_hash(c, a), 0);
        assert_int_equal(record_applied(c, RECORD_CLAIM, NULL), 0); /* makes run/gpupt/ */
        want = strdup_printf("claim %s\n", a);
        assert_record_is(want);
        free(want);
        /* a second run of the unit changes nothing, and leaves no temporary file */
        assert_int_equal(record_applied(c, RECORD_CLAIM, NULL), 0);
        assert_int_equal(record_applied(c, RECORD_MDEV, "0000:00:02.0"), 0);
        assert_int_equal(record_applied(c, RECORD_MDEV, "0000:00:02.0"), 0);
        assert_no_tmp();
        conf_free(c);

        /* another config: the units that run now get its hash, the claim
         * keeps the old one, whose claims no later run gives back */
        tl_write(dir, "etc/gpupt.conf", "device \"a\" {\n  bdf = \"02:00.0\"\n}\n");
        c = load();
        assert_int_equal(conf_hash(c, b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(record_applied(c, RECORD_CLAIM, NULL), 0);
        assert_int_equal(record_applied(c, RECORD_SRIOV, "nic0"), 0);
        assert_int_equal(record_applied(c, RECORD_VGPU, "vgpu-a"), 0);
        assert_int_equal(record_applied(c, RECORD_MDEV, "0000:00:02.0"), 0);
        want = strdup_printf("claim %s\nmdev 0000:00:02.0 %s\nsriov nic0 %s\nvgpu vgpu-a %s\n", a,
                             a, b, b);
        assert_record_is(want);
        free(want);
        assert_int_equal(record_read(&rec), 0);
        assert_int_equal(rec.n, 4);
        assert_int_equal(rec.lines[0].kind, RECORD_CLAIM);
        assert_null(rec.lines[0].arg);
        assert_string_equal(rec.lines[0].hash, a);
        assert_int_equal(rec.lines[1].kind, RECORD_MDEV);
        assert_string_equal(rec.lines[1].arg, "0000:00:02.0");
        assert_int_equal(rec.lines[2].kind, RECORD_SRIOV);
        assert_string_equal(rec.lines[2].arg, "nic0");
        assert_string_equal(rec.lines[2].hash, b);
        assert_int_equal(rec.lines[3].kind, RECORD_VGPU);
        assert_string_equal(record_kind_name(rec.lines[3].kind), "vgpu");
        record_done(&rec);
        /* a name that could not stand in a line is refused, not written */
        assert_int_equal(record_applied(c, RECORD_SRIOV, "a b"), -EINVAL);
        assert_int_equal(record_applied(c, RECORD_SRIOV, NULL), -EINVAL);
        assert_int_equal(record_applied(c, RECORD_MDEV, ""), -EINVAL);
        conf_free(c);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

/* The file of one hash that the version before units wrote at this boot
 * is the claims' line, and the next unit's run keeps it as that. */
static void test_old_format(void **state)
{
        char *dir = tl_mkdtemp(), h[65], *want;
        struct record rec = { 0 };
        struct conf *c;

        (void)state;
        assert_int_equal(root_set(dir), 0);
        tl_write(dir, "run/gpupt/applied-config.sha256", H1 "\n");
        assert_int_equal(record_read(&rec), 0);
        assert_int_equal(rec.n, 1);
        assert_int_equal(rec.lines[0].kind, RECORD_CLAIM);
        assert_string_equal(rec.lines[0].hash, H1);
        record_done(&rec);
        assert_int_equal(record_parse(H2, &rec), 0);
        assert_string_equal(rec.lines[0].hash, H2);
        record_done(&rec);

        tl_write(dir, "etc/gpupt.conf", "device \"a\" {\n  bdf = \"01:00.0\"\n}\n");
        c = load();
        assert_int_equal(conf_hash(c, h), 0);
        assert_int_equal(record_applied(c, RECORD_MDEV, "0000:00:02.0"), 0);
        want = strdup_printf("claim " H1 "\nmdev 0000:00:02.0 %s\n", h);
        assert_record_is(want);
        free(want);
        conf_free(c);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

static void test_bad_records(void **state)
{
        char *dir = tl_mkdtemp();
        struct record rec = { 0 };
        static const char *const bad[] = {
                "", "garbage\n", "0123\n", "\n",
                /* 64 characters, one of them not lower-case hex */
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF\n",
                /* 65 hex digits */
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0\n",
                /* the old format is one hash and nothing else */
                H1 "\n" H1 "\n", H1 "\nclaim " H1 "\n",
                "claim\n", "claim " H1 " x\n", "claim x " H1 "\n", "claim  " H1 "\n",
                "sriov " H1 "\n", "sriov  " H1 "\n", "mdev a\tb " H1 "\n",
                "vgpu a " H1 "0\n", "frob a " H1 "\n", "Claim " H1 "\n",
                /* a unit twice, an empty line */
                "claim " H1 "\nclaim " H2 "\n", "sriov a " H1 "\nsriov a " H1 "\n",
                "claim " H1 "\n\n", "\nclaim " H1 "\n",
        };

        (void)state;
        assert_int_equal(root_set(dir), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                tl_write(dir, "run/gpupt/applied-config.sha256", bad[i]);
                if (record_read(&rec) != -EBADMSG)
                        fail_msg("record %zu \"%s\" was accepted", i, bad[i]);
        }
        /* a NUL byte where a line should end */
        {
                char *path = root_path(RECORD_APPLIED);
                FILE *f = fopen(path, "w");

                assert_non_null(f);
                fputs("claim " H1, f);
                fputc('\0', f);
                fputs("\nsriov a " H1 "\n", f);
                assert_int_equal(fclose(f), 0);
                assert_int_equal(record_read(&rec), -EBADMSG);
                free(path);
        }
        /* the same unit name under two kinds is two units; no final newline */
        tl_write(dir, "run/gpupt/applied-config.sha256",
                 "claim " H1 "\nsriov a " H2 "\nvgpu a " H1 "\nmdev 0000:00:02.0 " H2);
        assert_int_equal(record_read(&rec), 0);
        assert_int_equal(rec.n, 4);
        assert_string_equal(rec.lines[3].arg, "0000:00:02.0");
        assert_string_equal(rec.lines[3].hash, H2);
        record_done(&rec);
        /* a record that cannot be read is left for --verify to report:
         * written over, it would vouch for what nobody knows */
        tl_write(dir, "etc/gpupt.conf", "device \"a\" {\n  bdf = \"01:00.0\"\n}\n");
        tl_write(dir, "run/gpupt/applied-config.sha256", "garbage\n");
        {
                struct conf *c = load();
                char *text;

                assert_int_equal(record_applied(c, RECORD_CLAIM, NULL), -EBADMSG);
                text = record_text();
                assert_string_equal(text, "garbage\n");
                free(text);
                conf_free(c);
        }
        /* run/gpupt is a file: the record cannot be written, and says why */
        {
                struct conf c = { 0 };

                tl_rmtree(dir);
                tl_write(dir, "run/gpupt", "not a directory");
                assert_int_equal(record_applied(&c, RECORD_CLAIM, NULL), -ENOTDIR);
        }
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

/* Units that run at once (the boot's sriov and mdev units, the udev rule)
 * each keep their line: the read, the change and the rename are one step. */
static void test_concurrent_units(void **state)
{
        enum { WRITERS = 6, EACH = 30 };
        char *dir = tl_mkdtemp();
        struct record rec = { 0 };
        pid_t pids[WRITERS];

        (void)state;
        assert_int_equal(root_set(dir), 0);
        tl_write(dir, "etc/gpupt.conf", "device \"a\" {\n  bdf = \"01:00.0\"\n}\n");
        for (int w = 0; w < WRITERS; w++) {
                pids[w] = fork();
                assert_true(pids[w] >= 0);
                if (pids[w] == 0) {
                        struct conf *c = load();
                        int bad = 0;

                        for (int j = 0; j < EACH; j++) {
                                char name[32];

                                snprintf(name, sizeof(name), "parent%d-%d", w, j);
                                bad += record_applied(c, RECORD_MDEV, name) < 0;
                        }
                        conf_free(c);
                        _exit(bad ? 1 : 0);
                }
        }
        for (int w = 0; w < WRITERS; w++) {
                int st;

                assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
                assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        assert_int_equal(record_read(&rec), 0);
        assert_int_equal(rec.n, WRITERS * EACH);
        record_done(&rec);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_old_format),
                cmocka_unit_test(test_bad_records),
                cmocka_unit_test(test_concurrent_units),
        };

        return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}

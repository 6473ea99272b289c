/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the generator writes into unit files: names of instances, and the
 * strings from the config or sysfs a unit's values hold (the hostile
 * strings of tests/hostile.py, and more of UTF-8's corners). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "units.h"
#include "util.h"

struct pair {
        const char *in, *want;
};

/* What systemd's parser would make of a value: no line may end in an odd
 * run of '\' (a continuation), no '%' may be left single (a specifier),
 * nothing may break the line or be other than printable UTF-8. */
static void assert_one_literal_line(const char *s)
{
        size_t backslashes = 0;

        assert_true(string_is_utf8(s));
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char)*p;

                assert_false(c < 0x20 || c == 0x7f);
                assert_false(c == 0xc2 && (unsigned char)p[1] < 0xa0);
                if (c == '%') {
                        assert_int_equal(p[1], '%');
                        p++;
                }
                backslashes = c == '\\' ? backslashes + 1 : 0;
        }
        assert_int_equal(backslashes % 2, 0);
}

static void test_text_escape(void **state)
{
        static const struct pair cases[] = {
                /* tests/hostile.py, in its order */
                { "a\nb", "a\\nb" },
                { "x\n[Service]\nExecStartPre=/bin/sh -c id\n[Unit]\nX-a=",
                  "x\\n[Service]\\nExecStartPre=/bin/sh -c id\\n[Unit]\\nX-a=" },
                { "a\rb", "a\\rb" },
                { "%n%H%Z", "%%n%%H%%Z" },
                { "100%", "100%%" },
                { "abc\\", "abc\\\\" },
                { "a\\nb", "a\\\\nb" },
                { "a\"b", "a\"b" },
                { "a'b", "a'b" },
                { "$HOME${PATH}", "$HOME${PATH}" },
                { "`id`", "`id`" },
                { "a/b", "a/b" },
                { "../../etc/passwd", "../../etc/passwd" },
                { "a b  c", "a b  c" },
                { "--help", "--help" },
                { "a\xff\xfe" "b", "a\\xff\\xfeb" },
                { "\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m" },
                { "\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07" },
                { "\xc2\x9b" "31m", "\\xc2\\x9b31m" },
                { "a\x07\x7f" "b", "a\\x07\\x7fb" },
                { "a;b&c|d", "a;b&c|d" },
                { "<x a='1'>&amp;</x>", "<x a='1'>&amp;</x>" },
                { "a,b=c", "a,b=c" },
                /* UTF-8 is kept, a byte of anything else is not */
                { "NVIDIA L40S-8Q", "NVIDIA L40S-8Q" },
                { "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
                { "\xc2\xa0", "\xc2\xa0" },                  /* U+00A0, the first after C1 */
                { "\xc2\x80\xc2\x9f", "\\xc2\\x80\\xc2\\x9f" }, /* C1's ends */
                { "\xe2\x82", "\\xe2\\x82" },                /* cut short */
                { "\xc0\xaf", "\\xc0\\xaf" },                /* overlong '/' */
                { "\xed\xa0\x80", "\\xed\\xa0\\x80" },       /* a surrogate */
                { "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" }, /* past U+10FFFF */
                { "\x80", "\\x80" },
                { "%\\%", "%%\\\\%%" },
                { "\\\\\\", "\\\\\\\\\\\\" },
                { "\t", "\\t" },
                { "", "" },
        };

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *got = unit_text_escape(cases[i].in);

                assert_non_null(got);
                if (!streq(got, cases[i].want))
                        fail_msg("case %zu: \"%s\", expected \"%s\"", i, got, cases[i].want);
                assert_one_literal_line(got);
                free(got);
        }
}

static void test_cescape(void **state)
{
        char *s;

        (void)state;
        /* for messages: '%' means nothing there */
        s = cescape("100% a\\b\n\xff");
        assert_string_equal(s, "100% a\\\\b\\n\\xff");
        free(s);
}

static void test_long_text(void **state)
{
        char in[301], *got;

        (void)state;
        memset(in, 'd', 300);
        in[300] = '\0';
        got = unit_text_escape(in);
        assert_string_equal(got, in);
        free(got);
        /* the worst case: four bytes out of each */
        memset(in, '\x1b', 300);
        got = unit_text_escape(in);
        assert_int_equal(strlen(got), 1200);
        assert_memory_equal(got, "\\x1b\\x1b", 8);
        free(got);
}

static void test_instance_names(void **state)
{
        static const struct pair cases[] = {
                { "nic-0.a", "gpupt-sriov@nic\\x2d0.a.service" },
                { "0000:00:02.0", "gpupt-sriov@0000\\x3a00\\x3a02.0.service" },
                { ".x", "gpupt-sriov@\\x2ex.service" },
                { "a/b", "gpupt-sriov@a-b.service" },
                { "%i", "gpupt-sriov@\\x25i.service" },
                { "a\\b", "gpupt-sriov@a\\x5cb.service" },
                { "--help", "gpupt-sriov@\\x2d\\x2dhelp.service" },
        };
        char dashes[65], *s;

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                s = unit_instance(UNIT_SRIOV, cases[i].in);
                assert_string_equal(s, cases[i].want);
                assert_int_equal(unit_instance_len(UNIT_SRIOV, cases[i].in), strlen(s));
                free(s);
        }
        /* the longest name the config takes, of dashes: four times over */
        memset(dashes, '-', 64);
        dashes[64] = '\0';
        assert_int_equal(unit_escaped_len(dashes), 256);
        s = unit_escape(dashes);
        assert_int_equal(strlen(s), 256);
        free(s);
        assert_int_equal(unit_instance_len(UNIT_SRIOV, dashes), 276);
        assert_int_equal(unit_instance_len(UNIT_VGPU, dashes), 275);
        assert_int_equal(unit_instance_len(UNIT_MDEV, dashes), 275);
        /* 58 dashes and 3 letters: 255 bytes, systemd's most */
        memcpy(dashes + 58, "abc", 4);
        assert_int_equal(unit_instance_len(UNIT_SRIOV, dashes), UNIT_NAME_LEN_MAX);
}

/* A drop-in goes into UNIT.d, made by the first: written exclusively, and
 * never through a symlink planted as the directory or the file. */
static void test_dropin_open(void **state)
{
        char *dir = tl_mkdtemp(), *text = NULL;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        FILE *f;

        (void)state;
        assert_true(fd >= 0);
        assert_int_equal(unit_dropin_open(fd, "gpupt-vgpu@.service", "50-a.conf", &f), 0);
        fputs("[Unit]\n", f);
        assert_int_equal(unit_close(f), 0);
        assert_int_equal(unit_dropin_open(fd, "gpupt-vgpu@.service", "50-b.conf", &f), 0);
        assert_int_equal(unit_close(f), 0);
        assert_int_equal(read_file_at(fd, "gpupt-vgpu@.service.d/50-a.conf", 4096, &text, NULL), 0);
        assert_string_equal(text, "[Unit]\n");
        free(text);
        assert_int_equal(unit_dropin_open(fd, "gpupt-vgpu@.service", "50-a.conf", &f), -EEXIST);
        /* planted: the directory, then the file */
        tl_mkdir(dir, "victim");
        tl_symlink(dir, "gpupt-mdev@.service.d", "victim");
        assert_int_equal(unit_dropin_open(fd, "gpupt-mdev@.service", "50-a.conf", &f), -ENOTDIR);
        tl_symlink(dir, "gpupt-sriov@.service.d/50-a.conf", "../victim/a");
        assert_int_equal(unit_dropin_open(fd, "gpupt-sriov@.service", "50-a.conf", &f), -EEXIST);
        assert_int_equal(faccessat(fd, "victim/50-a.conf", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(faccessat(fd, "victim/a", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        /* names that would leave the directory */
        assert_int_equal(unit_dropin_open(fd, "../x.service", "50-a.conf", &f), -EINVAL);
        assert_int_equal(unit_dropin_open(fd, "x.service", "../50-a.conf", &f), -EINVAL);
        close(fd);
        tl_rmtree(dir);
        free(dir);
}

/* An instance of an installed template links to the template's absolute
 * path; a unit the generator writes itself, to ../NAME. */
static void test_enable_instance(void **state)
{
        char *dir = tl_mkdtemp(), buf[256];
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ssize_t n;

        (void)state;
        assert_true(fd >= 0);
        assert_int_equal(unit_enable_instance(fd, "sysinit.target",
                                              "/usr/lib/systemd/system/gpupt-group@.service",
                                              "gpupt-group@4.service"),
                         0);
        n = readlinkat(fd, "sysinit.target.wants/gpupt-group@4.service", buf, sizeof(buf) - 1);
        assert_true(n > 0);
        buf[n] = '\0';
        assert_string_equal(buf, "/usr/lib/systemd/system/gpupt-group@.service");
        assert_int_equal(unit_enable(fd, "sysinit.target", "gpupt-claim.service"), 0);
        n = readlinkat(fd, "sysinit.target.wants/gpupt-claim.service", buf, sizeof(buf) - 1);
        assert_true(n > 0);
        buf[n] = '\0';
        assert_string_equal(buf, "../gpupt-claim.service");
        /* again: the link is there, which is fine */
        assert_int_equal(unit_enable(fd, "sysinit.target", "gpupt-claim.service"), 0);
        tl_mkdir(dir, "victim");
        tl_symlink(dir, "multi-user.target.wants", "victim");
        assert_int_equal(unit_enable_instance(fd, "multi-user.target",
                                              "/usr/lib/systemd/system/gpupt-mdev@.service",
                                              "gpupt-mdev@mtty.service"),
                         -ENOTDIR);
        assert_int_equal(faccessat(fd, "victim/gpupt-mdev@mtty.service", F_OK,
                                   AT_SYMLINK_NOFOLLOW),
                         -1);
        close(fd);
        tl_rmtree(dir);
        free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_text_escape),
                cmocka_unit_test(test_cescape),
                cmocka_unit_test(test_long_text),
                cmocka_unit_test(test_instance_names),
                cmocka_unit_test(test_dropin_open),
                cmocka_unit_test(test_enable_instance),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

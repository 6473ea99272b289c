/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The config gpupt obeys is the file whose owner and mode it judged. The
 * reader opens the file, judges the descriptor, scans it and then has
 * libconfuse parse it: if that parse opened the path again, a file put in
 * its place in between (renamed over it, as anyone who may write the
 * directory, or a symlink's target directory, can) would be obeyed without
 * ever being judged. Here the swap happens at the one moment in between
 * that a test can reach from outside: when the reader sets libconfuse up
 * (cfg_init, taken over by this program). */
#include <confuse.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "testlib.h"
#include "util.h"

static char *dir;
static char from[4096], to[4096]; /* renamed from over to at cfg_init */
static int swaps;

cfg_t *cfg_init(cfg_opt_t *opts, cfg_flag_t flags)
{
        static cfg_t *(*real)(cfg_opt_t *, cfg_flag_t);

        if (!real)
                *(void **)&real = dlsym(RTLD_NEXT, "cfg_init");
        if (from[0]) {
                if (rename(from, to) < 0)
                        fail_msg("rename %s: %m", from);
                from[0] = '\0';
                swaps++;
        }
        return real(opts, flags);
}

static int setup(void **state)
{
        (void)state;
        dir = tl_mkdtemp();
        assert_int_equal(root_set(dir), 0);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        tl_rmtree(dir);
        free(dir);
        root_set(NULL);
        return 0;
}

static void test_parsed_is_judged(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c = NULL;

        (void)state;
        snprintf(from, sizeof(from), "%s/planted", dir);
        snprintf(to, sizeof(to), "%s/gpupt.conf", dir);
        tl_write(dir, "gpupt.conf", "device \"judged\" {\n  bdf = \"0000:01:00\"\n}\n");
        assert_int_equal(chmod(to, 0644), 0);
        /* Of the same length, so no re-read of the text for a message can
         * tell the two apart by size; writable by anyone, so never obeyed. */
        tl_write(dir, "planted", "device \"planted\" {\n bdf = \"0000:02:00\"\n}\n");
        assert_int_equal(chmod(from, 0666), 0);

        assert_int_equal(conf_load(to, &c, &err), 0);
        assert_int_equal(swaps, 1);
        assert_null(err.message);
        assert_non_null(c);
        assert_int_equal(c->n_devices, 1);
        assert_string_equal(c->devices[0].name, "judged");
        conf_free(c);
        conf_error_done(&err);

        /* Read again now, the planted file is judged, and refused. */
        c = NULL;
        assert_int_equal(conf_load(to, &c, &err), -EPERM);
        assert_true(err.untrusted);
        conf_free(c);
        conf_error_done(&err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_parsed_is_judged, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "trust.h"
#include "util.h"

static struct stat stat_of(mode_t mode, uid_t uid)
{
        return (struct stat){ .st_mode = mode, .st_uid = uid };
}

static void assert_refused(const struct stat *st, const char *path, const char *words)
{
        char *why = NULL;

        assert_int_equal(trust_stat(st, path, &why), -EPERM);
        assert_non_null(why);
        if (!strstr(why, words))
                fail_msg("\"%s\" not in \"%s\"", words, why);
        free(why);
}

static void assert_trusted(const struct stat *st)
{
        char *why = (char *)"unset";

        assert_int_equal(trust_stat(st, "/etc/gpupt.conf", &why), 0);
        assert_null(why);
}

static void test_owner_and_mode(void **state)
{
        uid_t me = geteuid();
        uid_t other = me == 4242 ? 4343 : 4242;
        struct stat st;

        (void)state;
        st = stat_of(S_IFREG | 0644, 0);
        assert_trusted(&st);
        st = stat_of(S_IFREG | 0600, me); /* the running user's own recorded machine */
        assert_trusted(&st);
        st = stat_of(S_IFDIR | 0755, 0);
        assert_trusted(&st);
        st = stat_of(S_IFREG | 0664, 0);
        assert_refused(&st, "/etc/gpupt.conf",
                       "mode 0664 (group or others may write it); gpupt obeys only a config "
                       "file owned by root");
        assert_refused(&st, "/etc/gpupt.conf", "Fix: chmod go-w '/etc/gpupt.conf'");
        st = stat_of(S_IFREG | 0646, 0);
        assert_refused(&st, "/etc/gpupt.conf", "mode 0646");
        st = stat_of(S_IFDIR | 01777, 0);
        assert_refused(&st, "/etc/gpupt.conf.d",
                       "mode 1777 (group or others may add files); gpupt obeys only a drop-in "
                       "directory");
        st = stat_of(S_IFREG | 0644, other);
        assert_refused(&st, "/etc/gpupt.conf", "Fix: chown root:root '/etc/gpupt.conf'");
        st = stat_of(S_IFREG | 0666, other);
        assert_refused(&st, "/etc/gpupt.conf",
                       "Fix: chown root:root '/etc/gpupt.conf' && chmod go-w '/etc/gpupt.conf'");
}

/* A device given as the config (/dev/null: 0666, root's) is what it is;
 * a FIFO is not a device and is judged like a file. */
static void test_devices(void **state)
{
        struct stat st;

        (void)state;
        st = stat_of(S_IFCHR | 0666, 0);
        assert_trusted(&st);
        st = stat_of(S_IFIFO | 0666, 0);
        assert_refused(&st, "/run/fifo", "mode 0666");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_owner_and_mode),
                cmocka_unit_test(test_devices),
        };

        return cmocka_run_group_tests_name("trust", tests, NULL, NULL);
}

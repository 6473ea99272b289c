/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <confuse.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "sha256.h"
#include "testlib.h"
#include "util.h"

static char *dir;

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

static struct conf *load_text(const char *text, struct conf_error *err, int *r)
{
        struct conf *c = NULL;
        char path[4096];

        snprintf(path, sizeof(path), "%s/test.conf", dir);
        tl_write(dir, "test.conf", text);
        *r = conf_load(path, &c, err);
        return c;
}

static void test_full(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c;
        int r;

        (void)state;
        c = load_text("iommu_required = false\n"
                      "on_impure_group = warn\n"
                      "allow_unsafe_interrupts = true\n"
                      "device \"vm1-gpu\" {\n"
                      "  bdf = \"0000:04:00\"\n"
                      "  expect = \"10DE:1E04\"\n"
                      "  bar = {\"2:8M\", \"0:16G\"}\n"
                      "}\n"
                      "device \"by-id\" {\n"
                      "  ids = {\"10de:1e04\", \"10de:10f7:10de:12a4\"}\n"
                      "  functions = single\n"
                      "  driver = \"pci-stub\"\n"
                      "}\n"
                      "sriov \"nic0\" {\n  pf = \"01:00.0\"\n  vfs = 4\n  vf_driver = \"vfio-pci\"\n}\n"
                      "mdev \"gvt-a\" {\n  parent = \"00:02.0\"\n  type = \"i915-GVTg_V5_4\"\n}\n"
                      "mdev \"mtty\" {\n  parent = \"mtty\"\n  type = \"mtty-2\"\n"
                      "  uuid = \"6A9B3C0E-1111-4222-8333-444455556666\"\n}\n",
                      &err, &r);
        assert_int_equal(r, 0);
        assert_non_null(c);
        assert_false(c->iommu_required);
        assert_int_equal(c->on_impure, IMPURE_WARN);
        assert_true(c->allow_unsafe_interrupts);

        assert_int_equal(c->n_devices, 2);
        assert_string_equal(c->devices[0].name, "vm1-gpu");
        assert_int_equal(c->devices[0].where.line, 4);
        assert_true(c->devices[0].has_bdf);
        assert_true(c->devices[0].whole_slot);
        assert_int_equal(c->devices[0].bdf.bus, 4);
        assert_true(c->devices[0].has_expect);
        assert_int_equal(c->devices[0].expect.vendor, 0x10de);
        assert_int_equal(c->devices[0].functions, FUNCTIONS_ALL);
        assert_string_equal(c->devices[0].driver, "auto");
        assert_int_equal(c->devices[0].n_bars, 2);
        assert_int_equal(c->devices[0].bars[0].index, 2);
        assert_int_equal(c->devices[0].bars[0].log2_mib, 3);
        assert_int_equal(c->devices[0].bars[1].index, 0);
        assert_int_equal(c->devices[0].bars[1].log2_mib, 14);

        assert_false(c->devices[1].has_bdf);
        assert_int_equal(c->devices[1].n_ids, 2);
        assert_true(c->devices[1].ids[1].has_sub);
        assert_int_equal(c->devices[1].ids[1].subdevice, 0x12a4);
        assert_int_equal(c->devices[1].functions, FUNCTIONS_SINGLE);
        assert_string_equal(c->devices[1].driver, "pci-stub");

        assert_int_equal(c->n_sriovs, 1);
        assert_int_equal(c->sriovs[0].vfs, 4);
        assert_int_equal(c->sriovs[0].pf.bus, 1);
        assert_string_equal(c->sriovs[0].vf_driver, "vfio-pci");

        assert_int_equal(c->n_mdevs, 2);
        assert_string_equal(c->mdevs[0].parent, "0000:00:02.0");
        assert_false(c->mdevs[0].uuid_given);
        assert_string_equal(c->mdevs[1].parent, "mtty");
        assert_string_equal(c->mdevs[1].uuid, "6a9b3c0e-1111-4222-8333-444455556666");
        assert_int_equal(c->n_files, 1);
        conf_free(c);
}

static void test_defaults_and_missing(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c = NULL;
        int r;

        (void)state;
        /* No /etc/gpupt.conf under the root: -ENOENT, nothing reported. */
        assert_int_equal(conf_load(NULL, &c, &err), -ENOENT);
        assert_null(err.message);

        c = load_text("# nothing\n", &err, &r);
        assert_int_equal(r, 0);
        assert_true(c->iommu_required);
        assert_int_equal(c->on_impure, IMPURE_FAIL);
        assert_false(c->allow_unsafe_interrupts);
        assert_int_equal(c->n_devices + c->n_sriovs + c->n_mdevs, 0);
        conf_free(c);
}

static void test_dropins(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c = NULL;

        (void)state;
        tl_write(dir, "etc/gpupt.conf",
                 "device \"a\" {\n  bdf = \"04:00.0\"\n}\n");
        tl_write(dir, "etc/gpupt.conf.d/20-b.conf",
                 "on_impure_group = warn\ndevice \"b\" {\n  bdf = \"05:00.0\"\n}\n");
        tl_write(dir, "etc/gpupt.conf.d/10-c.conf", "device \"c\" {\n  bdf = \"06:00.0\"\n}\n");
        tl_write(dir, "etc/gpupt.conf.d/ignored.txt", "this is not read\n");
        assert_int_equal(conf_load(NULL, &c, &err), 0);
        assert_int_equal(c->n_files, 3);
        assert_int_equal(c->n_devices, 3);
        /* main file first, then drop-ins in lexical order */
        assert_string_equal(c->devices[0].name, "a");
        assert_string_equal(c->devices[1].name, "c");
        assert_string_equal(c->devices[2].name, "b");
        assert_int_equal(c->on_impure, IMPURE_WARN);
        conf_free(c);

        /* A name defined twice across files names both places. */
        tl_write(dir, "etc/gpupt.conf.d/30-dup.conf", "\n\ndevice \"a\" {\n  bdf = \"07:00.0\"\n}\n");
        assert_int_equal(conf_load(NULL, &c, &err), -EINVAL);
        assert_non_null(strstr(err.file, "30-dup.conf"));
        assert_int_equal(err.line, 3);
        assert_non_null(strstr(err.message, "already defined"));
        assert_non_null(strstr(err.message, "gpupt.conf:1"));
        conf_error_done(&err);
}

/* The error for text: at want_line, naming the first entry at first_at. */
static void expect_clash(const char *text, unsigned want_line, const char *needle,
                         const char *first_at)
{
        struct conf_error err = { 0 };
        struct conf *c;
        int r;

        c = load_text(text, &err, &r);
        if (r != -EINVAL || !err.message)
                fail_msg("no error for: %s", text);
        assert_null(c);
        if (err.line != want_line || !strstr(err.message, needle) ||
            !strstr(err.message, first_at))
                fail_msg("%s:%u: %s; expected line %u, \"%s\" and \"%s\"", err.file, err.line,
                         err.message, want_line, needle, first_at);
        conf_error_done(&err);
}

/* Two mdevs of one uuid, or two sriov entries of one PF, can never both
 * hold: an error at the second, naming the first and where it is. */
static void test_unique_uuid_and_pf(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c = NULL;
        char text[1024], derived[37];

        (void)state;
        expect_clash("mdev \"m1\" {\n parent = \"00:02.0\"\n type = \"t\"\n"
                     " uuid = \"6a9b3c0e-1111-4222-8333-444455556666\"\n}\n"
                     "mdev \"m2\" {\n parent = \"00:03.0\"\n type = \"t\"\n"
                     " uuid = \"6A9B3C0E-1111-4222-8333-444455556666\"\n}\n",
                     9, "uuid 6a9b3c0e-1111-4222-8333-444455556666 is already the uuid of mdev "
                         "\"m1\"", "test.conf:1)");
        /* an explicit uuid that is another entry's default, either way round */
        conf_mdev_uuid("m1", derived);
        snprintf(text, sizeof(text),
                 "mdev \"m1\" {\n parent = \"00:02.0\"\n type = \"t\"\n}\n\n"
                 "mdev \"m2\" {\n parent = \"00:02.0\"\n type = \"t\"\n uuid = \"%s\"\n}\n",
                 derived);
        expect_clash(text, 9, "already the uuid of mdev \"m1\"", "test.conf:1)");
        conf_mdev_uuid("m2", derived);
        snprintf(text, sizeof(text),
                 "mdev \"m1\" {\n parent = \"00:02.0\"\n type = \"t\"\n uuid = \"%s\"\n}\n"
                 "mdev \"m2\" {\n parent = \"00:02.0\"\n type = \"t\"\n}\n",
                 derived);
        expect_clash(text, 6, "(derived from its name) is already the uuid of mdev \"m1\"",
                     "test.conf:1)");
        /* one PF, written two ways */
        expect_clash("sriov \"a\" {\n pf = \"0a:00.0\"\n vfs = 2\n}\n"
                     "sriov \"b\" {\n vfs = 4\n pf = \"0000:0A:00.0\"\n}\n",
                     7, "pf 0000:0a:00.0 is already the pf of sriov \"a\"", "test.conf:1)");
        /* distinct uuids and PFs are fine */
        c = load_text("mdev \"m1\" {\n parent = \"00:02.0\"\n type = \"t\"\n}\n"
                      "mdev \"m2\" {\n parent = \"00:02.0\"\n type = \"t\"\n}\n"
                      "sriov \"a\" {\n pf = \"0a:00.0\"\n vfs = 2\n}\n"
                      "sriov \"b\" {\n pf = \"0a:00.1\"\n vfs = 2\n}\n",
                      &err, &(int){ 0 });
        assert_non_null(c);
        conf_free(c);

        /* across files: the drop-in is the second */
        tl_write(dir, "etc/gpupt.conf",
                 "sriov \"a\" {\n pf = \"0a:00.0\"\n vfs = 2\n}\n"
                 "mdev \"m\" {\n parent = \"00:02.0\"\n type = \"t\"\n"
                 " uuid = \"6a9b3c0e-1111-4222-8333-444455556666\"\n}\n");
        tl_write(dir, "etc/gpupt.conf.d/10-vf.conf",
                 "\nsriov \"b\" {\n pf = \"0000:0a:00.0\"\n vfs = 4\n}\n");
        assert_int_equal(conf_load(NULL, &c, &err), -EINVAL);
        assert_non_null(strstr(err.file, "10-vf.conf"));
        assert_int_equal(err.line, 3);
        assert_non_null(strstr(err.message, "sriov \"a\" (" ));
        assert_non_null(strstr(err.message, "gpupt.conf:1), with vfs = 2"));
        conf_error_done(&err);
        tl_write(dir, "etc/gpupt.conf.d/10-vf.conf",
                 "mdev \"n\" {\n parent = \"00:02.0\"\n type = \"t\"\n"
                 " uuid = \"6a9b3c0e-1111-4222-8333-444455556666\"\n}\n");
        assert_int_equal(conf_load(NULL, &c, &err), -EINVAL);
        assert_non_null(strstr(err.file, "10-vf.conf"));
        assert_int_equal(err.line, 4);
        assert_non_null(strstr(err.message, "mdev \"m\" ("));
        assert_non_null(strstr(err.message, "gpupt.conf:5)"));
        conf_error_done(&err);
}

struct bad {
        const char *text;
        unsigned line;
        const char *needle;
};

static void test_bad_configs(void **state)
{
        static const struct bad cases[] = {
                { "device \"a\" {\n  bdf = \"04:00.0\"\n  colour = 1\n}\n", 3, "colour" },
                { "device \"a\" {\n bdf = \"04:00.0\"\n}\n\ndevice \"a\" {\n bdf = \"05:00.0\"\n}\n",
                  5, "duplicate" },
                { "device \"a\" {\n bdf = \"04:00.0\"\n ids = {\"10de:1e04\"}\n}\n", 1, "both" },
                { "device \"a\" {\n functions = all\n}\n", 1, "names no device" },
                { "device \"a\" {\n\n bdf = \"04:0g.0\"\n}\n", 3, "not a PCI address" },
                { "device \"a\" {\n bdf = \"04:00.8\"\n}\n", 2, "not a PCI address" },
                { "device \"a\" {\n bdf = \"0000:04:20.0\"\n}\n", 2, "not a PCI address" },
                { "device \"a\" {\n ids = {\"10de:1e0x\"}\n}\n", 2, "ids entry" },
                { "device \"a\" {\n ids = {\"10de\"}\n}\n", 2, "ids entry" },
                { "device \"a\" {\n bdf = \"04:00.0\"\n bar = {\"2:12M\"}\n}\n", 3, "power of two" },
                { "device \"a\" {\n bdf = \"04:00.0\"\n bar = {\"6:8M\"}\n}\n", 3, "INDEX 0-5" },
                { "device \"a\" {\n bdf = \"04:00.0\"\n bar = {\"2:8K\"}\n}\n", 3, "INDEX 0-5" },
                { "device \"a\" {\n bdf = \"04:00.0\"\n bar = {\"2:8M\", \"2:16M\"}\n}\n", 3,
                  "twice" },
                { "device \"a\" {\n ids = {\"10de:1e04\"}\n expect = \"10de:1e04\"\n}\n", 3,
                  "only applies with bdf" },
                { "device \"a\" {\n bdf = \"04:00\"\n functions = single\n}\n", 3, "whole slot" },
                { "device \"a\" {\n bdf = \"04:00.0\"\n functions = some\n}\n", 3,
                  "all or single" },
                { "device \"a\" {\n bdf = \"04:00.0\"\n driver = \"vfio pci\"\n}\n", 3,
                  "not a driver name" },
                { "sriov \"n\" {\n pf = \"01:00.0\"\n vfs = -1\n}\n", 3, "out of range" },
                { "sriov \"n\" {\n pf = \"01:00.0\"\n vfs = 70000\n}\n", 3, "out of range" },
                { "sriov \"n\" {\n pf = \"01:00.0\"\n vfs = 99999999999999999999999\n}\n", 3,
                  "out of range" },
                { "sriov \"n\" {\n pf = \"01:00\"\n vfs = 2\n}\n", 2, "not a PCI function" },
                { "sriov \"n\" {\n pf = \"01:00.0\"\n}\n", 1, "vfs = N is missing" },
                { "mdev \"m\" {\n parent = \"00:02.0\"\n}\n", 1, "type" },
                { "mdev \"m\" {\n parent = \"00:0z.0\"\n type = \"x\"\n}\n", 2, "neither" },
                { "mdev \"m\" {\n parent = \"mtty\"\n type = \"../x\"\n}\n", 3, "not a type" },
                { "mdev \"m\" {\n parent = \"mtty\"\n type = \"x\"\n uuid = \"1234\"\n}\n", 4,
                  "not a UUID" },
                { "device \"a\" {\n bdf = \"04:00.0\"\n", 1, "never closed" },
                { "device \"a\" {\n bdf = \"04:00.0\n}\n", 2, "never closed" },
                { "/* comment\ndevice \"a\" {}\n", 1, "never closed" },
                { "}\n", 1, "without a section" },
                { "\n\ndevice \"a\xff\" {\n bdf = \"04:00.0\"\n}\n", 3, "not UTF-8" },
                { "device \"x y\" {\n bdf = \"04:00.0\"\n}\n", 1, "may only hold" },
                { "iommu_required = maybe\n", 1, "iommu_required" },
                { "# a\n# b\n\nommu_required = true\n", 4, "ommu_required" },
                { "on_impure_group = sometimes\n", 1, "fail or warn" },
                { "device \"a\" {\n bdf = \"04:00.0\" \"05:00.0\"\n}\n", 0, "" },
                { "device \"a\" {\n bdf = \"${GPUPT_TEST_BDF}\"\n}\n", 2,
                  "${GPUPT_TEST_BDF} would be replaced by an environment variable" },
                { "device \"a\" {\n bdf = ${GPUPT_TEST_BDF}\n}\n", 2, "environment variable" },
                { "device \"a\" {\n bdf = 0000:${BUS}:00\n}\n", 2, "${BUS} would be" },
                { "device \"a\" {\n driver = \"vfio\n${X}\"\n bdf = \"04:00\"\n}\n", 3,
                  "environment variable" },
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct conf_error err = { 0 };
                struct conf *c;
                int r;

                c = load_text(cases[i].text, &err, &r);
                if (r != -EINVAL || !err.message)
                        fail_msg("case %zu (%s): r=%d, no error", i, cases[i].text, r);
                assert_null(c);
                assert_non_null(strstr(err.file, "test.conf"));
                if (cases[i].line && err.line != cases[i].line)
                        fail_msg("case %zu: line %u, expected %u (%s)", i, err.line,
                                 cases[i].line, err.message);
                if (!strstr(err.message, cases[i].needle))
                        fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.message,
                                 cases[i].needle);
                conf_error_done(&err);
        }
}

/* What libconfuse would take from the environment is refused whether or
 * not the variable is set (set here: the value would have been a good
 * one); where it reads the characters themselves, they are allowed. */
static void test_environment(void **state)
{
        static const char *const refused[] = {
                "device \"a\" {\n bdf = \"${GPUPT_TEST_BDF}\"\n}\n",
                "device \"a\" {\n bdf = ${GPUPT_TEST_BDF}\n}\n",
        };
        struct conf_error err = { 0 };
        struct conf *c;
        int r;

        (void)state;
        assert_int_equal(setenv("GPUPT_TEST_BDF", "0000:04:00.0", 1), 0);
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                c = load_text(refused[i], &err, &r);
                assert_int_equal(r, -EINVAL);
                assert_null(c);
                assert_non_null(strstr(err.message, "environment variable"));
                conf_error_done(&err);
        }
        c = load_text("# ${GPUPT_TEST_BDF} in a comment\n"
                      "device \"a\" { /* ${X} */\n bdf = \"04:00.0\" // ${Y}\n}\n"
                      "mdev \"m\" {\n parent = \"mtty\"\n type = \"mtty-2\"\n}\n",
                      &err, &r);
        assert_int_equal(r, 0);
        assert_non_null(c);
        assert_int_equal(c->n_devices, 1);
        conf_free(c);
        unsetenv("GPUPT_TEST_BDF");
}

/* The config gpupt obeys is the file whose owner and mode it judged. The
 * reader opens the file, judges the descriptor, scans it and then has
 * libconfuse parse it: if that parse opened the path again, a file put in
 * its place in between (renamed over it, as anyone who may write the
 * directory, or a symlink's target directory, can) would be obeyed without
 * ever being judged. Here the swap happens at the one moment in between
 * that a test can reach from outside: when the reader sets libconfuse up
 * (cfg_init, taken over by this program). */
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

/* A key given twice makes the reader look at the file's text again while
 * libconfuse is still parsing, from a descriptor that shares its offset:
 * that look must not move libconfuse's place. Many entries after it, more
 * than one buffer of stdio, must all be read. */
static void test_reread_keeps_parse_place(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c;
        char *text;
        size_t n = 0, size = 64 * 1024;
        int r;

        (void)state;
        text = malloc(size);
        assert_non_null(text);
        n += (size_t)snprintf(text + n, size - n,
                              "device \"first\" {\n ids = {\"10de:1e04\"}\n"
                              " driver = \"vfio-pci\"\n driver = \"vfio-pci\"\n}\n");
        for (unsigned i = 0; i < 400; i++)
                n += (size_t)snprintf(text + n, size - n,
                                      "device \"entry-%u\" {\n  bdf = \"%04x:%02x:00\"\n}\n", i,
                                      i / 256 + 1, i % 256);
        assert_true(n > 16 * 1024 && n < size);
        c = load_text(text, &err, &r);
        free(text);
        if (r != 0)
                fail_msg("r=%d: %s:%u: %s", r, err.file ? err.file : "?", err.line,
                         err.message ? err.message : "");
        assert_non_null(c);
        assert_int_equal(c->n_devices, 401);
        assert_string_equal(c->devices[400].name, "entry-399");
        conf_free(c);
}

static void test_huge_name(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c;
        size_t n = 100000;
        char *text = malloc(n + 64);
        int r;

        (void)state;
        strcpy(text, "device \"");
        memset(text + 8, 'a', n);
        strcpy(text + 8 + n, "\" {\n bdf = \"04:00.0\"\n}\n");
        c = load_text(text, &err, &r);
        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_int_equal(err.line, 1);
        assert_non_null(strstr(err.message, "at most 64"));
        conf_error_done(&err);
        free(text);
}

static void test_nul_byte(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c = NULL;
        char path[4096];
        FILE *f;

        (void)state;
        snprintf(path, sizeof(path), "%s/nul.conf", dir);
        f = fopen(path, "we");
        assert_non_null(f);
        fwrite("device \"a\" {\n bdf = \"04:00.0\"\0\n}\n", 1, 33, f);
        fclose(f);
        assert_int_equal(conf_load(path, &c, &err), -EINVAL);
        assert_int_equal(err.line, 2);
        assert_non_null(strstr(err.message, "NUL"));
        conf_error_done(&err);
}

static void test_mdev_uuid(void **state)
{
        char a[37], b[37], c[37];

        (void)state;
        conf_mdev_uuid("gvt-a", a);
        conf_mdev_uuid("gvt-a", b);
        conf_mdev_uuid("gvt-b", c);
        assert_string_equal(a, b);
        assert_string_not_equal(a, c);
        assert_int_equal(strlen(a), 36);
        assert_int_equal(a[14], '8');               /* version 8 */
        assert_non_null(strchr("89ab", a[19]));     /* RFC variant */
}

static void test_sha256(void **state)
{
        static const char *const want[] = {
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        };
        static const char *const in[] = {
                "", "abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" };

        (void)state;
        for (size_t i = 0; i < 3; i++) {
                struct sha256 s;
                uint8_t h[32];
                char hex[65];

                sha256_init(&s);
                sha256_update(&s, in[i], strlen(in[i]));
                sha256_final(&s, h);
                for (size_t j = 0; j < 32; j++)
                        snprintf(hex + 2 * j, 3, "%02x", h[j]);
                assert_string_equal(hex, want[i]);
        }
}

static void test_allow_storage(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c;
        int r;

        (void)state;
        c = load_text("device \"a\" {\n  bdf = \"01:00.0\"\n}\n"
                      "device \"b\" {\n  bdf = \"02:00.0\"\n  allow_storage = true\n}\n",
                      &err, &r);
        assert_int_equal(r, 0);
        assert_false(c->devices[0].allow_storage); /* default */
        assert_true(c->devices[1].allow_storage);
        conf_free(c);
        c = load_text("device \"b\" {\n  bdf = \"02:00.0\"\n  allow_storage = maybe\n}\n",
                      &err, &r);
        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_non_null(err.message);
        assert_int_equal(err.line, 3);
        conf_error_done(&err);
}

/* Whether `functions` was written: a function address without it takes
 * only the slot functions of its own IOMMU group; an explicit all, a slot
 * address and ids take the whole slot. */
static void test_functions_given(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c;
        int r;

        (void)state;
        c = load_text("device \"fn\" {\n  bdf = \"01:00.0\"\n}\n"
                      "device \"all\" {\n  bdf = \"02:00.0\"\n  functions = all\n}\n"
                      "device \"one\" {\n  bdf = \"03:00.0\"\n  functions = single\n}\n"
                      "device \"slot\" {\n  bdf = \"04:00\"\n}\n"
                      "device \"ids\" {\n  ids = {\"10de:1e04\"}\n}\n",
                      &err, &r);
        assert_int_equal(r, 0);
        assert_int_equal(c->n_devices, 5);
        assert_false(c->devices[0].functions_given);
        assert_int_equal(c->devices[0].functions, FUNCTIONS_ALL);
        assert_true(conf_device_group_of_slot(&c->devices[0]));
        assert_true(c->devices[1].functions_given);
        assert_int_equal(c->devices[1].functions, FUNCTIONS_ALL);
        assert_false(conf_device_group_of_slot(&c->devices[1]));
        assert_true(c->devices[2].functions_given);
        assert_int_equal(c->devices[2].functions, FUNCTIONS_SINGLE);
        assert_false(c->devices[3].functions_given);
        assert_false(conf_device_group_of_slot(&c->devices[3]));
        assert_false(c->devices[4].functions_given);
        assert_false(conf_device_group_of_slot(&c->devices[4]));
        conf_free(c);
}

/* reset_method: the kernel's names, normalized; anything else a config
 * error on its line. */
static void test_reset_method(void **state)
{
        static const struct {
                const char *value, *says;
        } bad[] = {
                { "reboot", "\"reboot\" is not a reset method" },
                { "flr flr", "names \"flr\" twice" },
                { " ", "reset_method is empty" },
                { "default", "\"default\" is not a reset method" },
        };
        struct conf_error err = { 0 };
        struct conf *c;
        char text[256];
        int r;

        (void)state;
        c = load_text("device \"a\" {\n  bdf = \"03:00\"\n  reset_method = \" device_specific  bus\"\n}\n"
                      "device \"b\" {\n  bdf = \"04:00\"\n}\n",
                      &err, &r);
        assert_int_equal(r, 0);
        assert_string_equal(c->devices[0].reset_method, "device_specific bus");
        assert_null(c->devices[1].reset_method);
        conf_free(c);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                snprintf(text, sizeof(text),
                         "device \"a\" {\n  bdf = \"03:00\"\n\n  reset_method = \"%s\"\n}\n",
                         bad[i].value);
                c = load_text(text, &err, &r);
                assert_int_equal(r, -EINVAL);
                assert_null(c);
                assert_non_null(strstr(err.message, bad[i].says));
                assert_int_equal(err.line, 4);
                conf_error_done(&err);
        }
}

/* Thousands of entries of every kind: each read, in order, at its own line;
 * a name used again anywhere among them is an error at the second use's line
 * naming the first; the same name in two kinds is no clash. */
static char *many_entries(size_t n, const char *extra)
{
        size_t size = n * 128 + strlen(extra) + 1, used = 0;
        char *text = malloc(size);

        assert_non_null(text);
        for (size_t i = 0; i < n; i++) {
                if (i % 3 == 0)
                        used += (size_t)snprintf(text + used, size - used,
                                                 "device \"entry-%05zu\" {\n bdf = \"%02zx:%02zx.0\"\n}\n",
                                                 i, i / 32 % 256, i % 32);
                else if (i % 3 == 1)
                        used += (size_t)snprintf(text + used, size - used,
                                                 "sriov \"entry-%05zu\" {\n pf = \"%02zx:%02zx.0\"\n"
                                                 " vfs = 2\n}\n",
                                                 i, i / 32 % 256, i % 32);
                else
                        used += (size_t)snprintf(text + used, size - used,
                                                 "mdev \"entry-%05zu\" {\n parent = \"00:02.0\"\n"
                                                 " type = \"t\"\n}\n",
                                                 i);
        }
        snprintf(text + used, size - used, "%s", extra);
        return text;
}

static void test_many_entries(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c;
        char *text;
        int r;

        (void)state;
        text = many_entries(6000, "device \"entry-00001\" {\n bdf = \"7f:00.0\"\n}\n");
        c = load_text(text, &err, &r);
        assert_int_equal(r, 0);
        assert_int_equal(c->n_devices, 2001);
        assert_int_equal(c->n_sriovs, 2000);
        assert_int_equal(c->n_mdevs, 2000);
        /* every third entry is a device: 3 + 4 + 4 lines per three entries */
        for (size_t k = 0; k < 2000; k++) {
                char name[32];

                snprintf(name, sizeof(name), "entry-%05zu", 3 * k);
                assert_string_equal(c->devices[k].name, name);
                assert_int_equal(c->devices[k].where.line, 1 + 11 * k);
                assert_int_equal(c->sriovs[k].where.line, 4 + 11 * k);
                assert_int_equal(c->mdevs[k].where.line, 8 + 11 * k);
        }
        /* "entry-00001" is an sriov: a device of that name is no clash */
        assert_string_equal(c->devices[2000].name, "entry-00001");
        assert_int_equal(c->devices[2000].where.line, 1 + 11 * 2000);
        conf_free(c);
        free(text);

        /* a device name used again after thousands of others */
        text = many_entries(6000, "\ndevice \"entry-03000\" {\n bdf = \"7f:00.0\"\n}\n");
        c = load_text(text, &err, &r);
        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_int_equal(err.line, 2 + 11 * 2000);
        assert_non_null(strstr(err.message, "duplicate device name \"entry-03000\""));
        assert_non_null(strstr(err.message, "test.conf:11001"));
        conf_error_done(&err);
        free(text);

        /* an mdev name twice, the second time with a bad key: the clash is
         * what is reported, at the second header */
        text = many_entries(3000, "mdev \"entry-00002\" {\n colour = 1\n}\n");
        c = load_text(text, &err, &r);
        assert_int_equal(r, -EINVAL);
        assert_int_equal(err.line, 2 + 11 * 1000);
        conf_error_done(&err);
        free(text);

        text = many_entries(3000, "mdev \"entry-00002\" {\n parent = \"00:02.0\"\n type = \"t\"\n}\n");
        c = load_text(text, &err, &r);
        assert_int_equal(r, -EINVAL);
        assert_int_equal(err.line, 1 + 11 * 1000);
        assert_non_null(strstr(err.message, "duplicate mdev name \"entry-00002\""));
        assert_non_null(strstr(err.message, "test.conf:8"));
        conf_error_done(&err);
        free(text);
}

/* A bad value deep in a long file is reported at its own line. */
static void test_error_deep_in_file(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c;
        char *text;
        int r;

        (void)state;
        text = many_entries(9000, "device \"last\" {\n bdf = \"7f:00.0\"\n\n functions = some\n}\n");
        c = load_text(text, &err, &r);
        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_int_equal(err.line, 4 + 11 * 3000);
        assert_non_null(strstr(err.message, "functions must be"));
        conf_error_done(&err);
        free(text);
}

/* A list of 20 000 ids arrives whole and in order; a list given twice in one
 * entry is an error (appending with += is not). */
static void test_huge_ids_list(void **state)
{
        struct conf_error err = { 0 };
        size_t n = 20000, size = n * 16 + 128, used = 0;
        char *text = malloc(size);
        struct conf *c;
        int r;

        (void)state;
        assert_non_null(text);
        used += (size_t)snprintf(text, size, "device \"fleet\" {\n ids = {\n");
        for (size_t i = 0; i < n; i++)
                used += (size_t)snprintf(text + used, size - used, "  \"%04zx:%04zx\",\n",
                                         0x1000 + i / 0x10000, i % 0x10000);
        snprintf(text + used, size - used, "  \"10de:2204\"\n }\n}\n");
        c = load_text(text, &err, &r);
        assert_int_equal(r, 0);
        assert_int_equal(c->n_devices, 1);
        assert_int_equal(c->devices[0].n_ids, n + 1);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(c->devices[0].ids[i].vendor, 0x1000 + i / 0x10000);
                assert_int_equal(c->devices[0].ids[i].device, i % 0x10000);
        }
        assert_int_equal(c->devices[0].ids[n].vendor, 0x10de);
        assert_int_equal(c->devices[0].ids[n].device, 0x2204);
        conf_free(c);
        free(text);

        c = load_text("device \"a\" {\n ids = {\"10de:1e04\"}\n ids += {\"10de:10f7\"}\n}\n"
                      "device \"b\" {\n ids = {\"1002:73bf\"}\n}\n",
                      &err, &r);
        assert_int_equal(r, 0);
        assert_int_equal(c->devices[0].n_ids, 2);
        assert_int_equal(c->devices[0].ids[1].device, 0x10f7);
        assert_int_equal(c->devices[1].n_ids, 1); /* nothing carried over from "a" */
        assert_int_equal(c->devices[1].ids[0].vendor, 0x1002);
        conf_free(c);

        c = load_text("device \"a\" {\n ids = {\"10de:1e04\"}\n ids = {\"10de:10f7\"}\n}\n", &err,
                      &r);
        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_int_equal(err.line, 2);
        assert_non_null(strstr(err.message, "more than once"));
        conf_error_done(&err);
}

/* vgpu entries: count defaults to 1, pf in any address form; every field
 * checked with file and line. */
static void test_vgpu(void **state)
{
        static const struct bad cases[] = {
                { "vgpu \"v\" {\n pf = \"41:00.0\"\n}\n", 1, "type = " },
                { "vgpu \"v\" {\n type = \"NVIDIA L40S-8Q\"\n}\n", 1, "pf = " },
                { "vgpu \"v\" {\n pf = \"41:00\"\n type = \"x\"\n}\n", 2, "not a PCI function" },
                { "vgpu \"v\" {\n pf = \"41:00.0\"\n type = \"x\"\n count = 0\n}\n", 4,
                  "out of range" },
                { "vgpu \"v\" {\n pf = \"41:00.0\"\n type = \"1155 : x\"\n}\n", 3,
                  "not a vGPU type name" },
                { "vgpu \"v\" {\n pf = \"41:00.0\"\n type = \"x\"\n}\n"
                  "vgpu \"v\" {\n pf = \"41:00.0\"\n type = \"y\"\n}\n", 5, "duplicate" },
        };
        struct conf_error err = { 0 };
        struct conf *c;
        int r;

        (void)state;
        c = load_text("device \"d\" {\n bdf = \"04:00.0\"\n}\n"
                      "vgpu \"vm-a\" {\n  pf = \"41:00.0\"\n  type = \"NVIDIA L40S-8Q\"\n"
                      "  count = 2\n}\n"
                      "vgpu \"vm-b\" {\n  pf = \"0000:41:00.0\"\n  type = \"NVIDIA L40S-12Q\"\n}\n",
                      &err, &r);
        assert_int_equal(r, 0);
        assert_string_equal(c->devices[0].driver, "auto");
        assert_int_equal(c->n_vgpus, 2);
        assert_string_equal(c->vgpus[0].name, "vm-a");
        assert_int_equal(c->vgpus[0].where.line, 4);
        assert_int_equal(c->vgpus[0].pf.bus, 0x41);
        assert_string_equal(c->vgpus[0].type, "NVIDIA L40S-8Q");
        assert_int_equal(c->vgpus[0].count, 2);
        assert_int_equal(c->vgpus[1].count, 1);
        assert_true(pci_addr_eq(&c->vgpus[0].pf, &c->vgpus[1].pf));
        conf_free(c);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                err = (struct conf_error){ 0 };
                c = load_text(cases[i].text, &err, &r);
                assert_null(c);
                assert_int_equal(r, -EINVAL);
                if (err.line != cases[i].line || !strstr(err.message, cases[i].needle))
                        fail_msg("case %zu: %u: %s", i, err.line, err.message);
                conf_error_done(&err);
        }
}

/* The scanner keeps no keys: it flags a section that may assign a key twice
 * and the reader counts exactly. Repeated scalars are allowed (the last
 * wins); a second "ids =" is not, wherever it is. */
static void test_repeated_keys(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c;
        char text[8192];
        size_t used;
        int r;

        (void)state;
        c = load_text("device \"a\" {\n ids = {\"10de:1e04\"}\n driver = \"pci-stub\"\n"
                      " driver = \"vfio-pci\"\n}\n",
                      &err, &r);
        assert_int_equal(r, 0);
        assert_string_equal(c->devices[0].driver, "vfio-pci");
        assert_int_equal(c->devices[0].n_ids, 1);
        conf_free(c);

        /* More assignments than the scanner's table holds: still exact. */
        used = (size_t)snprintf(text, sizeof(text), "device \"a\" {\n ids = {\"10de:1e04\"}\n");
        for (int i = 0; i < 40; i++)
                used += (size_t)snprintf(text + used, sizeof(text) - used,
                                         " driver = \"vfio-pci\"\n");
        snprintf(text + used, sizeof(text) - used, "}\n");
        c = load_text(text, &err, &r);
        assert_int_equal(r, 0);
        assert_int_equal(c->devices[0].n_ids, 1);
        conf_free(c);

        /* ... and a second ids after them is found, at the first one's line. */
        snprintf(text + used, sizeof(text) - used, " ids = {\"10de:10f7\"}\n}\n");
        c = load_text(text, &err, &r);
        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_int_equal(err.line, 2);
        assert_non_null(strstr(err.message, "more than once"));
        conf_error_done(&err);
}

/* A top-level option overrides earlier files only when the later file sets
 * it: one left unset in a drop-in keeps the main file's value. */
static void test_top_level_override(void **state)
{
        struct conf_error err = { 0 };
        struct conf *c = NULL;

        (void)state;
        tl_write(dir, "etc/gpupt.conf", "on_impure_group = warn\niommu_required = false\n");
        tl_write(dir, "etc/gpupt.conf.d/10-a.conf", "device \"a\" {\n  bdf = \"04:00.0\"\n}\n");
        tl_write(dir, "etc/gpupt.conf.d/20-b.conf", "iommu_required = true\n");
        assert_int_equal(conf_load(NULL, &c, &err), 0);
        assert_int_equal(c->on_impure, IMPURE_WARN);
        assert_true(c->iommu_required);
        conf_free(c);

        tl_write(dir, "etc/gpupt.conf.d/30-c.conf", "\n\non_impure_group = never\n");
        assert_int_equal(conf_load(NULL, &c, &err), -EINVAL);
        assert_non_null(strstr(err.file, "30-c.conf"));
        assert_int_equal(err.line, 3);
        conf_error_done(&err);
}

/* A config that is not a regular file (a pipe, as from process
 * substitution) is read the ordinary way, with the same lines. */
static void test_not_regular(void **state)
{
        static const char text[] = "device \"a\" {\n  bdf = \"04:00.0\"\n  functions = most\n}\n";
        struct conf_error err = { 0 };
        struct conf *c = NULL;
        char path[4096];
        pid_t pid;
        int status;

        (void)state;
        alarm(60); /* reading the pipe twice would wait for ever */
        snprintf(path, sizeof(path), "%s/fifo.conf", dir);
        assert_int_equal(mkfifo(path, 0600), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                FILE *f = fopen(path, "w");

                _exit(f && fputs(text, f) >= 0 && fclose(f) == 0 ? 0 : 1);
        }
        assert_int_equal(conf_load(path, &c, &err), -EINVAL);
        assert_int_equal(err.line, 3);
        assert_non_null(strstr(err.message, "all or single"));
        conf_error_done(&err);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        /* A pipe whose text the scanner refuses: the text kept is freed. */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                FILE *f = fopen(path, "w");

                _exit(f && fputs("device \"a\" {\n  bdf = \"04:00.0\n}\n", f) >= 0 &&
                                      fclose(f) == 0
                              ? 0
                              : 1);
        }
        assert_int_equal(conf_load(path, &c, &err), -EINVAL);
        assert_non_null(strstr(err.message, "never closed"));
        conf_error_done(&err);
        assert_int_equal(waitpid(pid, &status, 0), pid);

        assert_int_equal(conf_load("/dev/null", &c, &err), 0);
        assert_int_equal(c->n_devices, 0);
        conf_free(c);
        alarm(0);
}

/* Asserts the one error of loading text: its line and its whole message. */
static void assert_error(const char *text, unsigned line, const char *message)
{
        struct conf_error err = { 0 };
        struct conf *c;
        int r;

        c = load_text(text, &err, &r);
        assert_null(c);
        assert_int_equal(r, -EINVAL);
        if (err.line != line || !streq(err.message, message))
                fail_msg("%s\n%u: %s\nexpected %u: %s", text, err.line, err.message, line,
                         message);
        conf_error_done(&err);
}

static void assert_loads(const char *text)
{
        struct conf_error err = { 0 };
        struct conf *c;
        int r;

        c = load_text(text, &err, &r);
        if (r != 0)
                fail_msg("%s\n%u: %s", text, err.line, err.message);
        conf_free(c);
}

/* A drop-in's name is written into the units (SourcePath=) and printed:
 * only the characters of systemd's own drop-in names are read, and a
 * .conf file of another name is an error that names it escaped. */
static void test_dropin_names(void **state)
{
        static const char *const bad[] = {
                "x\n[Service]\nExecStartPre=sh -c \"id >%t.pwned\"\n[Unit]\nX-a=.conf",
                "a b.conf", "100%.conf", "a\\.conf", "\x1b]0;t\x07.conf", "a\xff.conf",
                "caf\xc3\xa9.conf", "a,b=c.conf", "$x.conf",
        };
        static const char *const shown[] = {
                "x\\n[Service]\\nExecStartPre=sh -c \"id >%t.pwned\"\\n[Unit]\\nX-a=.conf",
                "a b.conf", "100%.conf", "a\\\\.conf", "\\x1b]0;t\\x07.conf", "a\\xff.conf",
                "caf\xc3\xa9.conf", "a,b=c.conf", "$x.conf",
        };
        struct conf_error err = { 0 };
        struct conf *c = NULL;
        char *confd = strdup_printf("%s/etc/gpupt.conf.d", dir);

        (void)state;
        tl_write(dir, "etc/gpupt.conf.d/10-Az_09.@:+-.conf",
                 "device \"a\" {\n bdf = \"04:00.0\"\n}\n");
        tl_write(dir, "etc/gpupt.conf.d/.hidden x.conf", "not read\n");
        tl_write(dir, "etc/gpupt.conf.d/a b.conf~", "not read\n");
        assert_int_equal(conf_load(NULL, &c, &err), 0);
        assert_int_equal(c->n_files, 1);
        assert_int_equal(c->n_devices, 1);
        conf_free(c);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *want = strdup_printf(
                        "drop-in \"%s\": a drop-in's file name may only hold letters, digits, "
                        "'_', '.', '@', ':', '+' and '-' before its \".conf\" (the units name the "
                        "file); rename it",
                        shown[i]);
                char *path = strdup_printf("%s/%s", confd, bad[i]);

                tl_write(confd, bad[i], "device \"b\" {\n bdf = \"05:00.0\"\n}\n");
                c = NULL;
                assert_int_equal(conf_load(NULL, &c, &err), -EINVAL);
                assert_null(c);
                assert_string_equal(err.file, confd);
                assert_int_equal(err.line, 0);
                assert_string_equal(err.message, want);
                conf_error_done(&err);
                assert_int_equal(unlink(path), 0);
                free(path);
                free(want);
        }
        /* two of them: the first in reading order is named */
        tl_write(confd, "b b.conf", "");
        tl_write(confd, "a a.conf", "");
        assert_int_equal(conf_load(NULL, &c, &err), -EINVAL);
        assert_non_null(strstr(err.message, "drop-in \"a a.conf\""));
        conf_error_done(&err);
        free(confd);
}

/* Names that become unit names must fit systemd's 255 bytes once escaped,
 * where every '-' takes four: the longest prefix, "gpupt-sriov@" and
 * ".service", leaves 235. An sriov or a vgpu instance's drop-in directory,
 * the unit name and ".d", must fit a file name's 255 too: 233 left. */
static void test_unit_name_bound(void **state)
{
        char d58[59], d59[60], d60[61], d64[65], text[512], want[512];

        (void)state;
        memset(d64, '-', 64);
        d64[64] = '\0';
        memcpy(d58, d64, 58), d58[58] = '\0';
        memcpy(d59, d64, 59), d59[59] = '\0';
        memcpy(d60, d64, 60), d60[60] = '\0';

        /* sriov: 58 dashes and "a" make 253; and "abc" 255, whose drop-in
         * directory would be 257; 59 dashes 256 */
        snprintf(text, sizeof(text), "sriov \"%sa\" {\n pf = \"01:00.0\"\n vfs = 1\n}\n", d58);
        assert_loads(text);
        snprintf(text, sizeof(text), "sriov \"%sabc\" {\n pf = \"01:00.0\"\n vfs = 1\n}\n", d58);
        snprintf(want, sizeof(want),
                 "sriov \"%sabc\": the name makes the unit name gpupt-sriov@….service 255 "
                 "characters long once escaped (every character other than a letter, a digit, "
                 "'_' or '.' takes four), and the name of its drop-in directory 257; a file "
                 "name takes at most 255",
                 d58);
        assert_error(text, 1, want);
        snprintf(text, sizeof(text), "\nsriov \"%s\" {\n pf = \"01:00.0\"\n vfs = 1\n}\n", d59);
        snprintf(want, sizeof(want),
                 "sriov \"%s\": the name makes the unit name gpupt-sriov@….service 256 "
                 "characters long once escaped (every character other than a letter, a digit, "
                 "'_' or '.' takes four); systemd allows at most 255",
                 d59);
        assert_error(text, 2, want);
        /* vgpu, a byte shorter: 58 dashes and "ab" make 253, 59 dashes 255
         * (257 with ".d"), 60 make 259 */
        snprintf(text, sizeof(text), "vgpu \"%sab\" {\n pf = \"41:00.0\"\n type = \"t\"\n}\n",
                 d58);
        assert_loads(text);
        snprintf(text, sizeof(text), "vgpu \"%s\" {\n pf = \"41:00.0\"\n type = \"t\"\n}\n", d59);
        snprintf(want, sizeof(want),
                 "vgpu \"%s\": the name makes the unit name gpupt-vgpu@….service 255 "
                 "characters long once escaped (every character other than a letter, a digit, "
                 "'_' or '.' takes four), and the name of its drop-in directory 257; a file "
                 "name takes at most 255",
                 d59);
        assert_error(text, 1, want);
        snprintf(text, sizeof(text), "vgpu \"%s\" {\n pf = \"41:00.0\"\n type = \"t\"\n}\n", d60);
        snprintf(want, sizeof(want),
                 "vgpu \"%s\": the name makes the unit name gpupt-vgpu@….service 259 "
                 "characters long once escaped (every character other than a letter, a digit, "
                 "'_' or '.' takes four); systemd allows at most 255",
                 d60);
        assert_error(text, 1, want);
        /* an mdev instance has no drop-in: its parent may make 255 */
        snprintf(text, sizeof(text), "mdev \"m\" {\n type = \"t\"\n parent = \"%sabcd\"\n}\n", d58);
        assert_loads(text);
        /* an mdev's parent names its unit; its own name does not */
        snprintf(text, sizeof(text), "mdev \"m\" {\n type = \"t\"\n parent = \"%s\"\n}\n", d64);
        snprintf(want, sizeof(want),
                 "mdev \"m\": parent \"%s\" makes the unit name gpupt-mdev@….service 275 "
                 "characters long once escaped (every character other than a letter, a digit, "
                 "'_' or '.' takes four); systemd allows at most 255",
                 d64);
        assert_error(text, 3, want);
        snprintf(text, sizeof(text),
                 "mdev \"%s\" {\n parent = \"00:02.0\"\n type = \"t\"\n}\n"
                 "device \"%s\" {\n bdf = \"04:00.0\"\n}\n",
                 d64, d64);
        assert_loads(text);
}

/* A string's escapes make any byte: what is not printable UTF-8 is refused
 * before it can reach a unit or a terminal, and a refused name is shown
 * escaped. */
static void test_hostile_values(void **state)
{
        static const char vgpu[] = "vgpu \"v\" {\n pf = \"41:00.0\"\n type = \"%s\"\n}\n";
        static const char mdev[] = "mdev \"m\" {\n parent = \"00:02.0\"\n type = \"t\"\n"
                                   " uuid = \"%s\"\n}\n";
        char text[512];

        (void)state;
        snprintf(text, sizeof(text), vgpu, "a\\xff\\xfeb");
        assert_error(text, 3, "vgpu \"v\": type is not UTF-8");
        snprintf(text, sizeof(text), vgpu, "\\xc2\\x9b31m");
        assert_error(text, 3, "vgpu \"v\": type contains a control character");
        snprintf(text, sizeof(text), vgpu, "a\\x7fb");
        assert_error(text, 3, "vgpu \"v\": type contains a control character");
        /* printable: kept as it is, the generator escapes it */
        snprintf(text, sizeof(text), vgpu, "%n%H%Z \\\\ \\xc2\\xa0 caf\\xc3\\xa9");
        assert_loads(text);
        snprintf(text, sizeof(text), mdev, "\\x1b]0;pwned\\x07");
        assert_error(text, 4, "mdev \"m\": uuid contains a control character");
        snprintf(text, sizeof(text), mdev, "a\\nb");
        assert_error(text, 4, "mdev \"m\": uuid contains a control character");
        assert_error("\ndevice \"a\\nb\\x1b[0m\\\\\" {\n bdf = \"04:00.0\"\n}\n", 2,
                     "device name \"a\\nb\\x1b[0m\\\\\" may only hold letters, digits, '_', "
                     "'.' and '-'");
        assert_error("device \"a\\xff\" {\n bdf = \"04:00.0\"\n}\n", 1,
                     "device name \"a\\xff\" may only hold letters, digits, '_', '.' and '-'");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_full, setup, teardown),
                cmocka_unit_test_setup_teardown(test_defaults_and_missing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_dropins, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_configs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unique_uuid_and_pf, setup, teardown),
                cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
                cmocka_unit_test_setup_teardown(test_parsed_is_judged, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reread_keeps_parse_place, setup, teardown),
                cmocka_unit_test_setup_teardown(test_huge_name, setup, teardown),
                cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
                cmocka_unit_test(test_mdev_uuid),
                cmocka_unit_test(test_sha256),
                cmocka_unit_test_setup_teardown(test_allow_storage, setup, teardown),
                cmocka_unit_test_setup_teardown(test_functions_given, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reset_method, setup, teardown),
                cmocka_unit_test_setup_teardown(test_many_entries, setup, teardown),
                cmocka_unit_test_setup_teardown(test_error_deep_in_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_huge_ids_list, setup, teardown),
                cmocka_unit_test_setup_teardown(test_vgpu, setup, teardown),
                cmocka_unit_test_setup_teardown(test_repeated_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(test_top_level_override, setup, teardown),
                cmocka_unit_test_setup_teardown(test_not_regular, setup, teardown),
                cmocka_unit_test_setup_teardown(test_dropin_names, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unit_name_bound, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_values, setup, teardown),
        };

        return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}

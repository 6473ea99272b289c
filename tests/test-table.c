/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tables and paragraphs for people at a width: columns sized to their
 * content, the shrinking column's forms, the cut mark, the folded column,
 * and wrapping with a hanging indent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "testlib.h"
#include "util.h"

static const struct table_col cols[] = {
        { .header = "ADDRESS" },
        { .header = "ENTRY" },
        { .header = "NAME", .shrink = true },
        { .header = "DRIVER" },
        { .header = "GROUP", .right = true },
};

/* Two rows: a long name with its shorter forms, and a vendor alone. */
static void fill(struct table *t, const char *entry)
{
        table_init(t, cols, ELEMENTSOF(cols));
        table_add(t, (const char *const[][TABLE_ALTS]){
                             { "0000:c1:00.0" },
                             { entry },
                             { "NVIDIA Corporation TU102 [GeForce RTX 2080 Ti]",
                               "TU102 [GeForce RTX 2080 Ti] (NVIDIA)",
                               "TU102 [GeForce RTX 2080 Ti]" },
                             { "navi_vfio_pci" },
                             { "29" } });
        table_add(t, (const char *const[][TABLE_ALTS]){
                             { "0000:c1:00.1" }, { entry }, { "Intel Corporation", "Intel" },
                             { NULL }, { NULL } });
}

static char *print_at(const char *entry, unsigned width)
{
        struct table t;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        fill(&t, entry);
        table_print(f, &t, width);
        table_done(&t);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void expect(const char *entry, unsigned width, const char *want)
{
        char *got = print_at(entry, width);

        assert_string_equal(got, want);
        free(got);
}

static void test_no_limit_and_wide(void **state)
{
        static const char full[] =
                "ADDRESS       ENTRY   NAME                                            "
                "DRIVER         GROUP\n"
                "0000:c1:00.0  vm-gpu  NVIDIA Corporation TU102 [GeForce RTX 2080 Ti]  "
                "navi_vfio_pci     29\n"
                "0000:c1:00.1  vm-gpu  Intel Corporation                               "
                "-                  -\n";

        (void)state;
        /* no limit, and a width the natural table fits: the same */
        expect("vm-gpu", 0, full);
        expect("vm-gpu", 92, full);
}

static void test_narrower(void **state)
{
        (void)state;
        /* one space apart is enough: nothing cut */
        expect("vm-gpu", 88,
               "ADDRESS      ENTRY  NAME                                           "
               "DRIVER        GROUP\n"
               "0000:c1:00.0 vm-gpu NVIDIA Corporation TU102 [GeForce RTX 2080 Ti] "
               "navi_vfio_pci    29\n"
               "0000:c1:00.1 vm-gpu Intel Corporation                              "
               "-                 -\n");
        /* the model first with the short vendor, in every row alike */
        expect("vm-gpu", 85,
               "ADDRESS      ENTRY  NAME                                 DRIVER        GROUP\n"
               "0000:c1:00.0 vm-gpu TU102 [GeForce RTX 2080 Ti] (NVIDIA) navi_vfio_pci    29\n"
               "0000:c1:00.1 vm-gpu Intel                                -                 -\n");
        /* the model alone */
        expect("vm-gpu", 70,
               "ADDRESS      ENTRY  NAME                        DRIVER        GROUP\n"
               "0000:c1:00.0 vm-gpu TU102 [GeForce RTX 2080 Ti] navi_vfio_pci    29\n"
               "0000:c1:00.1 vm-gpu Intel                       -                 -\n");
        /* cut to the width, with the mark, the space before it dropped */
        expect("vm-gpu", 56,
               "ADDRESS      ENTRY  NAME             DRIVER        GROUP\n"
               "0000:c1:00.0 vm-gpu TU102 [GeForce\xe2\x80\xa6  navi_vfio_pci    29\n"
               "0000:c1:00.1 vm-gpu Intel            -                 -\n");
        expect("vm-gpu", 53,
               "ADDRESS      ENTRY  NAME          DRIVER        GROUP\n"
               "0000:c1:00.0 vm-gpu TU102 [GeFor\xe2\x80\xa6 navi_vfio_pci    29\n"
               "0000:c1:00.1 vm-gpu Intel         -                 -\n");
}

static void test_fold(void **state)
{
        (void)state;
        /* 12 columns left: NAME still in its place */
        expect("tenant-acme-prod-gpu0", 67,
               "ADDRESS      ENTRY                 NAME         DRIVER        GROUP\n"
               "0000:c1:00.0 tenant-acme-prod-gpu0 TU102 [GeFo\xe2\x80\xa6 navi_vfio_pci    29\n"
               "0000:c1:00.1 tenant-acme-prod-gpu0 Intel        -                 -\n");
        /* fewer: NAME on a line of its own, from the second column, whole
         * where it fits there; the entry is never cut */
        expect("tenant-acme-prod-gpu0", 66,
               "ADDRESS      ENTRY                 DRIVER        GROUP\n"
               "             NAME\n"
               "0000:c1:00.0 tenant-acme-prod-gpu0 navi_vfio_pci    29\n"
               "             NVIDIA Corporation TU102 [GeForce RTX 2080 Ti]\n"
               "0000:c1:00.1 tenant-acme-prod-gpu0 -                 -\n"
               "             Intel Corporation\n");
        expect("tenant-acme-prod-gpu0", 50,
               "ADDRESS      ENTRY                 DRIVER        GROUP\n"
               "             NAME\n"
               "0000:c1:00.0 tenant-acme-prod-gpu0 navi_vfio_pci    29\n"
               "             TU102 [GeForce RTX 2080 Ti] (NVIDIA)\n"
               "0000:c1:00.1 tenant-acme-prod-gpu0 -                 -\n"
               "             Intel\n");
}

/* Host strings are shown printable, and a UTF-8 character is one column. */
static void test_printable_and_utf8(void **state)
{
        static const struct table_col two[] = { { .header = "A" }, { .header = "B" } };
        struct table t;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        (void)state;
        table_init(&t, two, ELEMENTSOF(two));
        table_add(&t, (const char *const[][TABLE_ALTS]){ { "caf\xc3\xa9" }, { "x" } });
        table_add(&t, (const char *const[][TABLE_ALTS]){ { "\x1b[31m" }, { "y" } });
        table_print(f, &t, 0);
        table_done(&t);
        assert_int_equal(fclose(f), 0);
        assert_string_equal(buf, "A         B\n"
                                 "caf\xc3\xa9      x\n"
                                 "\\x1b[31m  y\n");
        free(buf);
}

static char *wrap(const char *s, size_t indent, unsigned width, const char *on, const char *off)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        text_wrap(f, s, indent, width, on, off);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void expect_wrap(const char *s, size_t indent, unsigned width, const char *want)
{
        char *got = wrap(s, indent, width, "", "");

        assert_string_equal(got, want);
        free(got);
}

static void test_wrap(void **state)
{
        static const char msg[] = "IOMMU group 5 holds 0000:06:01.0 (8086:15b8, e1000e), which "
                                  "stays on the host";
        char *got;

        (void)state;
        expect_wrap(msg, 8, 0, "        IOMMU group 5 holds 0000:06:01.0 (8086:15b8, e1000e), "
                               "which stays on the host\n");
        expect_wrap(msg, 8, 40, "        IOMMU group 5 holds 0000:06:01.0\n"
                                "        (8086:15b8, e1000e), which stays\n"
                                "        on the host\n");
        /* a word longer than the line stands whole */
        expect_wrap("see /a/very/long/path/that/does/not/fit here", 4, 20,
                    "    see\n"
                    "    /a/very/long/path/that/does/not/fit\n"
                    "    here\n");
        /* each line between the colour's start and end */
        got = wrap("Not ready: 1 error, 0 warnings.", 0, 20, "<", ">");
        assert_string_equal(got, "<Not ready: 1 error,>\n<0 warnings.>\n");
        free(got);
        assert_int_equal(text_width("TU102 [GeForc\xe2\x80\xa6"), 14);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_no_limit_and_wide),
                cmocka_unit_test(test_narrower),
                cmocka_unit_test(test_fold),
                cmocka_unit_test(test_printable_and_utf8),
                cmocka_unit_test(test_wrap),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

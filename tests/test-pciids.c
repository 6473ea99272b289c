/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pci.ids: the database under the root in either directory, names in
 * parts, and the vendor's short name for a narrow column. */
#include <stdlib.h>
#include <string.h>

#include "pciids.h"
#include "testlib.h"
#include "util.h"

static const char ids[] = "# a piece of pci.ids\n"
                          "1002  Advanced Micro Devices, Inc. [AMD/ATI]\n"
                          "\t73bf  Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]\n"
                          "10de  NVIDIA Corporation\n"
                          "\t1e04  TU102 [GeForce RTX 2080 Ti]\n"
                          "\t\t10de 12ae  TU102 subsystem line, not a device\n"
                          "8086  Intel Corporation\n";

static void expect_short(const char *name, const char *want)
{
        char *got = pci_vendor_short(name);

        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
}

static void test_short_vendor(void **state)
{
        (void)state;
        /* pci.ids' own short form in brackets */
        expect_short("Advanced Micro Devices, Inc. [AMD/ATI]", "AMD/ATI");
        expect_short("Advanced Micro Devices, Inc. [AMD]", "AMD");
        /* the company forms at the end, one or several */
        expect_short("NVIDIA Corporation", "NVIDIA");
        expect_short("Intel Corporation", "Intel");
        expect_short("Red Hat, Inc.", "Red Hat");
        expect_short("Realtek Semiconductor Co., Ltd.", "Realtek Semiconductor");
        expect_short("Samsung Electronics Co Ltd", "Samsung Electronics");
        expect_short("ASPEED Technology, Inc.", "ASPEED Technology");
        /* nothing to strip, a form that is not at the end, never empty */
        expect_short("Mellanox Technologies", "Mellanox Technologies");
        expect_short("Broadcom Inc. and subsidiaries", "Broadcom Inc. and subsidiaries");
        expect_short("Corporation", "Corporation");
        expect_short("[]", "[]");
}

/* The names of vendor:device from a database at rel under a new root. */
static void test_under_root(const char *rel)
{
        char *root = tl_mkdtemp();
        const struct pciids_names *n;
        struct pciids *db = NULL;

        tl_write(root, rel, ids);
        assert_int_equal(root_set(root), 0);
        assert_int_equal(pciids_open(&db), 0);

        n = pciids_lookup(db, 0x1002, 0x73bf);
        assert_non_null(n);
        assert_string_equal(n->full, "Advanced Micro Devices, Inc. [AMD/ATI] Navi 21 [Radeon RX "
                                     "6800/6800 XT / 6900 XT]");
        assert_string_equal(n->vendor, "Advanced Micro Devices, Inc. [AMD/ATI]");
        assert_string_equal(n->short_vendor, "AMD/ATI");
        assert_string_equal(n->model, "Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]");
        /* the same again, from the cache */
        assert_ptr_equal(pciids_lookup(db, 0x1002, 0x73bf), n);
        assert_string_equal(pciids_name(db, 0x10de, 0x1e04),
                            "NVIDIA Corporation TU102 [GeForce RTX 2080 Ti]");
        /* a device pci.ids does not know: the vendor alone */
        n = pciids_lookup(db, 0x8086, 0x1533);
        assert_non_null(n);
        assert_string_equal(n->full, "Intel Corporation");
        assert_string_equal(n->short_vendor, "Intel");
        assert_null(n->model);
        /* a subsystem line is no device, an unknown vendor no name */
        assert_string_equal(pciids_name(db, 0x10de, 0x12ae), "NVIDIA Corporation");
        assert_null(pciids_lookup(db, 0x1234, 0x1111));
        assert_null(pciids_lookup(db, 0x1234, 0x1111));

        pciids_free(db);
        root_set(NULL);
        tl_rmtree(root);
        free(root);
}

static void test_misc_under_root(void **state)
{
        (void)state;
        test_under_root("usr/share/misc/pci.ids");
}

/* Fedora's hwdata puts it in /usr/share/hwdata */
static void test_hwdata_under_root(void **state)
{
        (void)state;
        test_under_root("usr/share/hwdata/pci.ids");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_short_vendor),
                cmocka_unit_test(test_misc_under_root),
                cmocka_unit_test(test_hwdata_under_root),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

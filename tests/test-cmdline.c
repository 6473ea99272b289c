/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "testlib.h"
#include "util.h"

static void test_items(void **state)
{
        struct kcmdline c;

        (void)state;
        assert_int_equal(cmdline_parse("BOOT_IMAGE=/vmlinuz root=UUID=1234-abcd ro quiet "
                                       "intel_iommu=on iommu=pt "
                                       "pcie_acs_override=downstream,multifunction "
                                       "vfio_iommu_type1.allow_unsafe_interrupts=1\n",
                                       &c),
                         0);
        assert_string_equal(c.root, "UUID=1234-abcd");
        assert_string_equal(c.intel_iommu, "on");
        assert_string_equal(c.iommu, "pt");
        assert_null(c.amd_iommu);
        assert_true(c.acs_override);
        assert_true(c.allow_unsafe_interrupts);
        assert_false(c.gpupt_off);
        assert_false(c.rd_gpupt_off);
        cmdline_done(&c);
}

static void test_off_switches(void **state)
{
        struct kcmdline c;

        (void)state;
        assert_int_equal(cmdline_parse("gpupt=off", &c), 0);
        assert_true(c.gpupt_off);
        cmdline_done(&c);
        assert_int_equal(cmdline_parse("gpupt=0 rd.gpupt=no", &c), 0);
        assert_true(c.gpupt_off);
        assert_true(c.rd_gpupt_off);
        cmdline_done(&c);
        /* a bare key means on; a value that does not parse keeps the default */
        assert_int_equal(cmdline_parse("gpupt rd.gpupt=banana", &c), 0);
        assert_false(c.gpupt_off);
        assert_false(c.rd_gpupt_off);
        cmdline_done(&c);
        /* the last one wins, as with every kernel switch */
        assert_int_equal(cmdline_parse("gpupt=off gpupt=on", &c), 0);
        assert_false(c.gpupt_off);
        cmdline_done(&c);
        /* after "--" the words are init's */
        assert_int_equal(cmdline_parse("quiet -- gpupt=off", &c), 0);
        assert_false(c.gpupt_off);
        cmdline_done(&c);
}

static void test_quotes(void **state)
{
        struct kcmdline c;

        (void)state;
        assert_int_equal(cmdline_parse("root=\"LABEL=my root\" gpupt=\"off\"", &c), 0);
        assert_string_equal(c.root, "LABEL=my root");
        assert_true(c.gpupt_off);
        cmdline_done(&c);
        /* an unterminated quote runs to the end, as in the kernel */
        assert_int_equal(cmdline_parse("root=\"LABEL=x y", &c), 0);
        assert_string_equal(c.root, "LABEL=x y");
        cmdline_done(&c);
}

static void test_booleans(void **state)
{
        (void)state;
        assert_int_equal(parse_boolean("on"), 1);
        assert_int_equal(parse_boolean("YES"), 1);
        assert_int_equal(parse_boolean("1"), 1);
        assert_int_equal(parse_boolean("off"), 0);
        assert_int_equal(parse_boolean("False"), 0);
        assert_int_equal(parse_boolean(""), -EINVAL);
        assert_int_equal(parse_boolean("2"), -EINVAL);
        assert_int_equal(parse_boolean(NULL), -EINVAL);
}

static void test_key_eq(void **state)
{
        (void)state;
        assert_true(cmdline_key_eq("vfio-pci.ids", "vfio_pci.ids"));
        assert_true(cmdline_key_eq("intel_iommu", "intel-iommu"));
        assert_false(cmdline_key_eq("iommu", "iommu.passthrough"));
        assert_false(cmdline_key_eq("gpupt", "rd.gpupt"));
}

static void test_read_under_root(void **state)
{
        char *dir = tl_mkdtemp();
        struct kcmdline c;
        char *big, *text;

        (void)state;
        assert_int_equal(root_set(dir), 0);
        assert_int_equal(cmdline_read(&c), -ENOENT);
        tl_write(dir, "proc/cmdline", "root=/dev/nvme0n1p2 gpupt=off\n");
        assert_int_equal(cmdline_read(&c), 0);
        assert_string_equal(c.root, "/dev/nvme0n1p2");
        assert_true(c.gpupt_off);
        cmdline_done(&c);
        assert_int_equal(cmdline_read_text(&text), 0);
        assert_string_equal(text, "root=/dev/nvme0n1p2 gpupt=off\n");
        free(text);

        /* a huge line is refused, not parsed */
        big = malloc(1u << 20);
        assert_non_null(big);
        memset(big, 'x', (1u << 20) - 1);
        big[(1u << 20) - 1] = '\0';
        tl_write(dir, "proc/cmdline", big);
        assert_int_equal(cmdline_read(&c), -EFBIG);
        free(big);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_items),         cmocka_unit_test(test_off_switches),
                cmocka_unit_test(test_quotes),        cmocka_unit_test(test_booleans),
                cmocka_unit_test(test_read_under_root), cmocka_unit_test(test_key_eq),
        };

        return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}

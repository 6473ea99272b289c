/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parsers of the host's other recipes: modprobe.d, the kernel command
 * line, driverctl, and reading them all from a root. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "recipes.h"
#include "testlib.h"
#include "util.h"

static void assert_id(const struct pci_id *id, const char *want)
{
        char buf[PCI_ID_STRLEN];

        assert_string_equal(pci_id_format(id, buf), want);
}

static void test_modprobe(void **state)
{
        struct recipes rs = { 0 };

        (void)state;
        assert_int_equal(recipes_parse_modprobe(&rs, "/etc/modprobe.d/vfio.conf",
                                                "# options vfio-pci ids=1111:2222\n"
                                                "options snd_hda_intel ids=1:2\n"
                                                "options\tvfio_pci disable_vga=1 \\\n"
                                                "   ids=\"10DE:1e04,10de:10f7:1458:37a9\" # GPU\n"
                                                "blacklist nouveau\n"
                                                "blacklist e1000e\n"
                                                "softdep amdgpu pre: vfio-pci\n"
                                                "softdep radeon post: vfio-pci\n"
                                                "options vfio-pci ids=ffffffff:1e04,10de:1e04:10de,"
                                                "nothex,8086:1533\n"
                                                "options vfio-pci"),
                         0);
        assert_int_equal(rs.n, 4);
        assert_int_equal(rs.v[0].kind, RECIPE_MODPROBE_IDS);
        assert_int_equal(rs.v[0].line, 3); /* where the continued line starts */
        assert_string_equal(rs.v[0].file, "/etc/modprobe.d/vfio.conf");
        assert_string_equal(rs.v[0].text,
                            "options vfio_pci disable_vga=1 ids=\"10DE:1e04,10de:10f7:1458:37a9\"");
        assert_int_equal(rs.v[0].n_ids, 2);
        assert_id(&rs.v[0].ids[0], "10de:1e04");
        assert_id(&rs.v[0].ids[1], "10de:10f7:1458:37a9");
        assert_int_equal(rs.v[0].n_skipped, 0);
        /* what --import cannot say, to be named there */
        assert_string_equal(rs.v[0].left_out, "disable_vga=1");
        assert_int_equal(rs.v[1].kind, RECIPE_BLACKLIST);
        assert_int_equal(rs.v[1].line, 5);
        assert_string_equal(rs.v[1].name, "nouveau");
        assert_int_equal(rs.v[2].kind, RECIPE_SOFTDEP); /* post: is no claim */
        assert_string_equal(rs.v[2].name, "amdgpu");
        assert_int_equal(rs.v[2].line, 7);
        /* a wildcard, a subvendor alone and garbage are skipped and counted */
        assert_int_equal(rs.v[3].kind, RECIPE_MODPROBE_IDS);
        assert_int_equal(rs.v[3].line, 9);
        assert_int_equal(rs.v[3].n_ids, 1);
        assert_id(&rs.v[3].ids[0], "8086:1533");
        assert_int_equal(rs.v[3].n_skipped, 3);
        assert_null(rs.v[3].left_out);
        recipes_done(&rs);
}

static void test_cmdline(void **state)
{
        struct recipes rs = { 0 };

        (void)state;
        assert_int_equal(recipes_parse_cmdline(&rs, "root=/dev/sda1 vfio_pci.ids=10de:1e04 "
                                                    "modprobe.blacklist=nouveau,e1000e,amdgpu "
                                                    "vfio-pci.ids vfio-pci.ids=\"1002:67df\"\n"),
                         0);
        assert_int_equal(rs.n, 4);
        assert_int_equal(rs.v[0].kind, RECIPE_CMDLINE_IDS);
        assert_int_equal(rs.v[0].line, 0);
        assert_id(&rs.v[0].ids[0], "10de:1e04");
        assert_int_equal(rs.v[1].kind, RECIPE_BLACKLIST);
        assert_string_equal(rs.v[1].name, "nouveau");
        assert_string_equal(rs.v[2].name, "amdgpu");
        assert_int_equal(rs.v[3].kind, RECIPE_CMDLINE_IDS);
        assert_id(&rs.v[3].ids[0], "1002:67df");
        recipes_done(&rs);
}

static void test_driverctl(void **state)
{
        struct recipes rs = { 0 };

        (void)state;
        assert_int_equal(recipes_parse_driverctl(&rs, "f", "pci-0000:01:00.0", "vfio-pci\n"), 0);
        assert_int_equal(recipes_parse_driverctl(&rs, "f", "pci-01:00.1", " nvidia \n"), 0);
        /* not a PCI override, no driver, or not a driver name: ignored */
        assert_int_equal(recipes_parse_driverctl(&rs, "f", "usb-1-1", "usbhid\n"), 0);
        assert_int_equal(recipes_parse_driverctl(&rs, "f", "pci-0000:01:00.2", "\n"), 0);
        assert_int_equal(recipes_parse_driverctl(&rs, "f", "pci-0000:01:00.3", "a/b\n"), 0);
        assert_int_equal(recipes_parse_driverctl(&rs, "f", "pci-zz", "vfio-pci\n"), 0);
        assert_int_equal(rs.n, 2);
        assert_int_equal(rs.v[0].kind, RECIPE_DRIVERCTL);
        assert_int_equal(rs.v[0].addr.bus, 1);
        assert_string_equal(rs.v[0].name, "vfio-pci");
        assert_int_equal(rs.v[1].addr.fn, 1);
        assert_string_equal(rs.v[1].name, "nvidia");
        recipes_done(&rs);
}

/* /etc hides a same-named file in /lib; files read in name order. */
static void test_read_under_root(void **state)
{
        char *dir = tl_mkdtemp();
        struct recipes rs = { 0 };

        (void)state;
        tl_write(dir, "etc/modprobe.d/vfio.conf", "options vfio-pci ids=10de:1e04\n");
        tl_write(dir, "lib/modprobe.d/vfio.conf", "options vfio-pci ids=1002:67df\n");
        tl_write(dir, "lib/modprobe.d/a.conf", "blacklist radeon\n");
        tl_write(dir, "usr/lib/modprobe.d/b.conf", "blacklist nvidia\n");
        tl_write(dir, "etc/modprobe.d/ignored.txt", "blacklist nouveau\n");
        tl_write(dir, "proc/cmdline", "vfio-pci.ids=8086:1533\n");
        tl_write(dir, "etc/driverctl.d/pci-0000:02:00.0", "vfio-pci\n");
        assert_int_equal(root_set(dir), 0);
        assert_int_equal(recipes_read(&rs), 0);
        assert_int_equal(rs.n, 5);
        assert_string_equal(rs.v[0].file, "/etc/modprobe.d/vfio.conf");
        assert_id(&rs.v[0].ids[0], "10de:1e04");
        assert_string_equal(rs.v[1].file, "/usr/lib/modprobe.d/b.conf");
        assert_string_equal(rs.v[2].file, "/lib/modprobe.d/a.conf");
        assert_int_equal(rs.v[3].kind, RECIPE_CMDLINE_IDS);
        assert_string_equal(rs.v[4].file, "/etc/driverctl.d/pci-0000:02:00.0");
        recipes_done(&rs);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

static void test_module_names(void **state)
{
        unsigned v = 0;

        (void)state;
        assert_true(recipe_module_is("vfio-pci", "vfio_pci"));
        assert_false(recipe_module_is("vfio-pci-core", "vfio_pci"));
        assert_true(recipe_gpu_module("amdgpu", &v));
        assert_int_equal(v, 0x1002);
        assert_true(recipe_gpu_module("nouveau", &v));
        assert_int_equal(v, 0x10de);
        assert_false(recipe_gpu_module("snd_hda_intel", NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_modprobe),        cmocka_unit_test(test_cmdline),
                cmocka_unit_test(test_driverctl),       cmocka_unit_test(test_read_under_root),
                cmocka_unit_test(test_module_names),
        };

        return cmocka_run_group_tests_name("recipes", tests, NULL, NULL);
}

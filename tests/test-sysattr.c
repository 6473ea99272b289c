/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The attribute readers (sysattr.h) and the readers of one file each that
 * the layers share: resource (BAR sizes) and the kernel's release. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "modules.h"
#include "sysattr.h"
#include "testlib.h"
#include "util.h"

static char *dir;
static int dfd = -1;

static int setup(void **state)
{
        (void)state;
        dir = tl_mkdtemp();
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(root_set(dir), 0);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        close(dfd);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
        return 0;
}

static void test_numbers(void **state)
{
        unsigned u;
        uint64_t x;
        int i;

        (void)state;
        tl_write(dir, "numa_node", "-1\n");
        tl_write(dir, "sriov_totalvfs", "64\n");
        tl_write(dir, "negative", "-1\n");
        tl_write(dir, "big", "4294967296\n");
        tl_write(dir, "word", "banana\n");
        tl_write(dir, "resize", "0x0000000000003fc0\n");
        tl_write(dir, "bare_hex", "10de\n");
        assert_int_equal(sysattr_read_int(dfd, "numa_node", &i), 0);
        assert_int_equal(i, -1);
        assert_int_equal(sysattr_read_int(dfd, "word", &i), -EBADMSG);
        assert_int_equal(sysattr_read_int(dfd, "absent", &i), -ENOENT);
        assert_int_equal(sysattr_read_unsigned(dfd, "sriov_totalvfs", &u), 0);
        assert_int_equal(u, 64);
        /* "%u" has no minus sign and fits an unsigned */
        assert_int_equal(sysattr_read_unsigned(dfd, "negative", &u), -EBADMSG);
        assert_int_equal(sysattr_read_unsigned(dfd, "big", &u), -EBADMSG);
        assert_int_equal(sysattr_read_hex(dfd, "resize", UINT64_MAX, &x), 0);
        assert_int_equal(x, 0x3fc0);
        assert_int_equal(sysattr_read_hex(dfd, "bare_hex", 0xffff, &x), 0);
        assert_int_equal(x, 0x10de);
        assert_int_equal(sysattr_read_hex(dfd, "resize", 0xff, &x), -EBADMSG);
        assert_int_equal(sysattr_read_hex(dfd, "word", UINT64_MAX, &x), -EBADMSG);
}

static void test_strings(void **state)
{
        char buf[8];

        (void)state;
        tl_write(dir, "speed", "8 GT/s\n");
        tl_write(dir, "long", "0123456789\n");
        tl_write(dir, "bytes", "a\xff\xfe" "b\n");
        assert_int_equal(sysattr_read_string(dfd, "speed", buf, sizeof(buf)), 6);
        assert_string_equal(buf, "8 GT/s");
        /* longer than the caller's buffer, or not UTF-8: not the attribute's text */
        assert_int_equal(sysattr_read_string(dfd, "long", buf, sizeof(buf)), -EBADMSG);
        assert_int_equal(sysattr_read_string(dfd, "bytes", buf, sizeof(buf)), -EBADMSG);
        assert_int_equal(sysattr_read_string(dfd, "absent", buf, sizeof(buf)), -ENOENT);
}

static void test_link_base(void **state)
{
        char buf[16];

        (void)state;
        tl_symlink(dir, "driver", "../../../bus/pci/drivers/vfio-pci");
        tl_symlink(dir, "plain", "vfio-pci");
        tl_symlink(dir, "longer", "../drivers/a-driver-with-a-long-name");
        tl_write(dir, "file", "x\n");
        assert_int_equal(sysattr_read_link_base(dfd, "driver", buf, sizeof(buf)), 8);
        assert_string_equal(buf, "vfio-pci");
        assert_int_equal(sysattr_read_link_base(dfd, "plain", buf, sizeof(buf)), 8);
        assert_string_equal(buf, "vfio-pci");
        assert_int_equal(sysattr_read_link_base(dfd, "longer", buf, sizeof(buf)), -EBADMSG);
        assert_int_equal(sysattr_read_link_base(dfd, "file", buf, sizeof(buf)), -EINVAL);
        assert_int_equal(sysattr_read_link_base(dfd, "absent", buf, sizeof(buf)), -ENOENT);
}

/* BAR 0 16 MiB, BAR 1 none, BAR 2 8 GiB, BAR 3 4 KiB (less than a MiB),
 * BAR 4 a size that is no power of two; the lines after BAR 5 are not BARs. */
static void test_bar_sizes(void **state)
{
        int now[PCI_BAR_COUNT];

        (void)state;
        tl_write(dir, "resource",
                 "0x00000000de000000 0x00000000deffffff 0x0000000000040200\n"
                 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                 "0x0000006000000000 0x00000061ffffffff 0x000000000014220c\n"
                 "0x00000000df000000 0x00000000df000fff 0x0000000000040200\n"
                 "0x00000000e0000000 0x00000000e02fffff 0x0000000000040200\n"
                 "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
                 "0x00000000c0000000 0x00000000cfffffff 0x0000000000046200\n");
        assert_int_equal(pci_bar_sizes_read(dfd, "resource", now), 0);
        assert_int_equal(now[0], 4);
        assert_int_equal(now[1], -1);
        assert_int_equal(now[2], 13);
        assert_int_equal(now[3], -1);
        assert_int_equal(now[4], -1);
        assert_int_equal(now[5], -1);
        assert_int_equal(pci_bar_sizes_read(dfd, "absent", now), -ENOENT);
        assert_int_equal(now[0], -1);
}

static void test_kernel_release(void **state)
{
        static const struct {
                const char *text;
                int r;
        } cases[] = {
                { "6.1.0-18-amd64\n", 0 }, { "\n", -EBADMSG },    { "a/b\n", -EBADMSG },
                { "..\n", -EBADMSG },      { ".\n", -EBADMSG },
        };
        char buf[KERNEL_RELEASE_MAX];

        (void)state;
        assert_int_equal(kernel_release(buf), -ENOENT);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                tl_write(dir, "proc/sys/kernel/osrelease", cases[i].text);
                assert_int_equal(kernel_release(buf), cases[i].r);
        }
        tl_write(dir, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
        assert_int_equal(kernel_release(buf), 0);
        assert_string_equal(buf, "6.1.0-18-amd64");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
                cmocka_unit_test_setup_teardown(test_link_base, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bar_sizes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kernel_release, setup, teardown),
        };

        return cmocka_run_group_tests_name("sysattr", tests, NULL, NULL);
}

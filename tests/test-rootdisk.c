/* SPDX-License-Identifier: GPL-2.0-or-later */
/* root= through libblkid and sysfs to the PCI controllers, on real GPT and
 * ext4 images. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootdisk.h"
#include "testlib.h"
#include "util.h"

static char *dir;

static int setup(void **state)
{
        char cmd[4096];

        (void)state;
        dir = tl_mkdtemp();
        snprintf(cmd, sizeof(cmd), "python3 tests/fixture/mkblock.py '%s'", dir);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(root_set(dir), 0);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
        return 0;
}

static void expect(const char *spec, const char *blockdev, const char *c1, const char *c2)
{
        struct rootdisk rd;
        char a[PCI_ADDR_STRLEN];
        int r = rootdisk_find(spec, &rd);

        if (r < 0)
                fail_msg("%s: %s", spec, strerror(-r));
        assert_string_equal(rd.blockdev, blockdev);
        assert_string_equal(rd.spec, spec);
        assert_int_equal(rd.n_controllers, (c1 != NULL) + (c2 != NULL));
        if (c1)
                assert_string_equal(pci_addr_format(&rd.controllers[0], a), c1);
        if (c2)
                assert_string_equal(pci_addr_format(&rd.controllers[1], a), c2);
        rootdisk_done(&rd);
}

static void test_tags(void **state)
{
        (void)state;
        expect("UUID=3f1c2b9a-8d6e-4f0a-b1c2-d3e4f5a6b7c8", "nvme0n1p2", "0000:03:00.0", NULL);
        expect("UUID=3F1C2B9A-8D6E-4F0A-B1C2-D3E4F5A6B7C8", "nvme0n1p2", "0000:03:00.0", NULL);
        expect("LABEL=rootfs", "nvme0n1p2", "0000:03:00.0", NULL);
        expect("PARTUUID=a1b2c3d4-e5f6-4a0b-8c1d-2e3f4a5b6c7d", "nvme0n1p2", "0000:03:00.0",
               NULL);
        expect("PARTLABEL=root", "nvme0n1p2", "0000:03:00.0", NULL);
        expect("/dev/nvme0n1p2", "nvme0n1p2", "0000:03:00.0", NULL);
}

static void test_stacked(void **state)
{
        (void)state;
        /* LVM over a partition */
        expect("LABEL=lvroot", "dm-0", "0000:03:00.0", NULL);
        expect("/dev/mapper/vg-root", "dm-0", "0000:03:00.0", NULL);
        /* RAID1 over two disks on two controllers */
        expect("UUID=f0f0f0f0-1111-4222-8333-777777777777", "md0", "0000:00:17.0",
               "0000:00:18.0");
        expect("/dev/md0", "md0", "0000:00:17.0", "0000:00:18.0");
        /* a disk on no PCI function */
        expect("UUID=abababab-2222-4333-8444-999999999999", "vda1", NULL, NULL);
}

static void test_unresolved(void **state)
{
        struct rootdisk rd;
        char *big;

        (void)state;
        assert_int_equal(rootdisk_find("UUID=00000000-0000-4000-8000-000000000000", &rd),
                         -ENOENT);
        assert_int_equal(rootdisk_find("LABEL=nothing", &rd), -ENOENT);
        assert_int_equal(rootdisk_find("UUID=", &rd), -EINVAL);
        assert_int_equal(rootdisk_find("zfs:rpool/ROOT", &rd), -EINVAL);
        assert_int_equal(rootdisk_find("/etc/passwd", &rd), -EINVAL);
        assert_int_equal(rootdisk_find("", &rd), -EINVAL);
        big = malloc(100001);
        memset(big, 'x', 100000);
        big[100000] = '\0';
        memcpy(big, "UUID=", 5);
        assert_int_equal(rootdisk_find(big, &rd), -EINVAL);
        free(big);
}

static void test_hostile(void **state)
{
        struct rootdisk rd;
        char path[4096];

        (void)state;
        /* slaves that point back at themselves */
        tl_mkdir(dir, "sys/devices/virtual/block/dm-7/slaves");
        tl_write(dir, "sys/devices/virtual/block/dm-7/dev", "254:7\n");
        tl_symlink(dir, "sys/devices/virtual/block/dm-7/slaves/dm-7", "../../dm-7");
        tl_symlink(dir, "sys/class/block/dm-7", "../../devices/virtual/block/dm-7");
        tl_write(dir, "dev/dm-7", "");
        assert_int_equal(rootdisk_find("/dev/dm-7", &rd), -ELOOP);
        /* a class link that loops */
        tl_symlink(dir, "sys/class/block/loopy", "loopy");
        tl_write(dir, "dev/loopy", "");
        assert_int_equal(rootdisk_find("/dev/loopy", &rd), -ELOOP);
        /* garbage where a filesystem should be is probed and skipped */
        snprintf(path, sizeof(path), "dev/vda1");
        tl_write(dir, path, "garbage garbage garbage");
        assert_int_equal(rootdisk_find("UUID=abababab-2222-4333-8444-999999999999", &rd),
                         -ENOENT);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stacked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unresolved, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        };

        return cmocka_run_group_tests_name("rootdisk", tests, NULL, NULL);
}

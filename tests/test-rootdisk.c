/* SPDX-License-Identifier: GPL-2.0-or-later */
/* root= through libblkid and sysfs to the PCI controllers, on real GPT and
 * ext4 images. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
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

static void expect_mounted(const char *mountinfo, const char *spec, const char *blockdev,
                           const char *c1, const char *c2)
{
        struct rootdisk rd;
        char a[PCI_ADDR_STRLEN];
        int r;

        tl_write(dir, "proc/self/mountinfo", mountinfo);
        r = rootdisk_find_mounted(&rd);
        if (r < 0)
                fail_msg("%s: %s", mountinfo, strerror(-r));
        assert_string_equal(rd.spec, spec);
        assert_string_equal(rd.blockdev, blockdev);
        assert_int_equal(rd.n_controllers, (c1 != NULL) + (c2 != NULL));
        if (c1)
                assert_string_equal(pci_addr_format(&rd.controllers[0], a), c1);
        if (c2)
                assert_string_equal(pci_addr_format(&rd.controllers[1], a), c2);
        rootdisk_done(&rd);
}

#define PROC "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n23 1 0:22 / /proc rw - proc proc rw\n"

static void test_mountinfo(void **state)
{
        struct rootdisk rd;

        (void)state;
        /* by major:minor through sys/dev/block */
        expect_mounted("21 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n" PROC,
                       "/dev/nvme0n1p2", "nvme0n1p2", "0000:03:00.0", NULL);
        /* the source where the number is not in sys/dev/block: dm and md here */
        expect_mounted(PROC "21 1 254:0 / / rw - ext4 /dev/mapper/vg-root rw\n",
                       "/dev/mapper/vg-root", "dm-0", "0000:03:00.0", NULL);
        expect_mounted("21 1 9:0 / / rw - ext4 /dev/md0 rw\n", "/dev/md0", "md0",
                       "0000:00:17.0", "0000:00:18.0");
        /* the last mount on "/" is the one on top; escapes are undone */
        expect_mounted("1 0 0:2 / / rw - rootfs rootfs rw\n"
                       "21 1 259:2 / / rw - ext4 /dev/nvme0n1p2 rw\n"
                       "30 21 0:40 / /mnt/with\\040space rw - tmpfs tmpfs rw\n",
                       "/dev/nvme0n1p2", "nvme0n1p2", "0000:03:00.0", NULL);
        /* a btrfs shows an anonymous number: its source names the disk */
        expect_mounted("21 1 0:31 /@ / rw - btrfs /dev/nvme0n1p2 rw\n", "/dev/nvme0n1p2",
                       "nvme0n1p2", "0000:03:00.0", NULL);

        /* the initramfs's own rootfs, an overlay, NFS: no disk */
        tl_write(dir, "proc/self/mountinfo", "1 0 0:2 / / rw - rootfs rootfs rw\n" PROC);
        assert_int_equal(rootdisk_find_mounted(&rd), -ENOENT);
        tl_write(dir, "proc/self/mountinfo", "1 0 0:40 / / rw - overlay overlay rw\n");
        assert_int_equal(rootdisk_find_mounted(&rd), -ENOENT);
        tl_write(dir, "proc/self/mountinfo", "1 0 0:41 / / rw - nfs4 srv:/export rw\n");
        assert_int_equal(rootdisk_find_mounted(&rd), -ENOENT);
        /* a source that names nothing here ("/dev/root" without a node) */
        tl_write(dir, "proc/self/mountinfo", "1 0 0:2 / / rw - ext4 /dev/root rw\n");
        assert_int_equal(rootdisk_find_mounted(&rd), -ENOENT);
        /* no "/" at all, garbage, nothing */
        tl_write(dir, "proc/self/mountinfo", PROC "garbage\n1 2 3\n - - -\n");
        assert_int_equal(rootdisk_find_mounted(&rd), -ENOENT);
        tl_write(dir, "proc/self/mountinfo", "");
        assert_int_equal(rootdisk_find_mounted(&rd), -ENOENT);
        tl_rmtree(dir);
        assert_int_equal(rootdisk_find_mounted(&rd), -ENOENT);
        tl_mkdir(dir, "");
}

/* A UUID that several block devices carry (a btrfs over two disks) reaches
 * every one of them. */
static void test_uuid_on_several(void **state)
{
        char cmd[8192];

        (void)state;
        snprintf(cmd, sizeof(cmd), "cp '%s/dev/nvme0n1p2' '%s/dev/sda1'", dir, dir);
        assert_int_equal(system(cmd), 0);
        expect("UUID=3f1c2b9a-8d6e-4f0a-b1c2-d3e4f5a6b7c8", "nvme0n1p2,sda1", "0000:00:17.0",
               "0000:03:00.0");
}

static void test_record(void **state)
{
        struct rootdisk_record *v = NULL;
        struct rootdisk rd = { 0 };
        char *out = NULL;
        size_t n = 0, len = 0;
        FILE *f;

        (void)state;
        assert_int_equal(rootdisk_record_parse("# written by gpupt-apply root-disk\n\n"
                                               "0000:03:00.0 144d:a808\n"
                                               "0000:00:17.0 8086:A352",
                                               &v, &n),
                         0);
        assert_int_equal(n, 2);
        assert_int_equal(v[0].addr.bus, 3);
        assert_int_equal(v[0].vendor, 0x144d);
        assert_int_equal(v[0].device, 0xa808);
        assert_int_equal(v[1].addr.dev, 0x17);
        assert_int_equal(v[1].device, 0xa352);
        free(v);
        /* the image build knew nothing */
        assert_int_equal(rootdisk_record_parse("", &v, &n), 0);
        assert_int_equal(n, 0);
        free(v);
        static const char *const bad[] = {
                "0000:03:00.0\n",                  /* no id */
                "03:00.0 144d:a808\n",             /* a short address */
                "0000:03:00.0 144d:a808:144d:a801\n",
                "0000:03:00.0 144d:a808 extra\n",
                "0000:03:00.0 zzzz:a808\n",
                "0000:03:00.0 144d:a808\n0000:03:00 x\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                v = NULL;
                assert_int_equal(rootdisk_record_parse(bad[i], &v, &n), -EBADMSG);
                assert_null(v);
        }
        /* read from the root */
        assert_int_equal(rootdisk_record_read(&v, &n), -ENOENT);
        tl_write(dir, "usr/lib/gpupt/root-disk", "0000:03:00.0 144d:a808\n");
        assert_int_equal(rootdisk_record_read(&v, &n), 0);
        assert_int_equal(n, 1);
        free(v);

        /* what the image build writes, read back from sysfs */
        expect("/dev/md0", "md0", "0000:00:17.0", "0000:00:18.0");
        assert_int_equal(rootdisk_find("/dev/md0", &rd), 0);
        f = open_memstream(&out, &len);
        assert_non_null(f);
        assert_int_equal(rootdisk_record_print(f, &rd), 0);
        fclose(f);
        assert_string_equal(out, "0000:00:17.0 8086:a352\n0000:00:18.0 8086:a352\n");
        assert_int_equal(rootdisk_record_parse(out, &v, &n), 0);
        assert_int_equal(n, 2);
        free(v);
        free(out);
        rootdisk_done(&rd);
}

/* Every source at once, each kept apart; the record only with a host to
 * match its lines against. */
static void test_known(void **state)
{
        struct pci_addr nvme, sata0, sata1, other;
        struct rootdisk_known k;
        struct host *h = NULL;

        (void)state;
        assert_int_equal(pci_addr_parse("0000:03:00.0", &nvme, NULL), 0);
        assert_int_equal(pci_addr_parse("0000:00:17.0", &sata0, NULL), 0);
        assert_int_equal(pci_addr_parse("0000:00:18.0", &sata1, NULL), 0);
        assert_int_equal(pci_addr_parse("0000:00:1d.0", &other, NULL), 0);
        tl_write(dir, "proc/self/mountinfo",
                 "21 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n");
        /* one line still right, one stale (another device at the address) */
        tl_write(dir, "usr/lib/gpupt/root-disk", "0000:00:18.0 8086:a352\n"
                                                 "0000:00:1d.0 8086:ffff\n");
        assert_int_equal(host_new(&h), 0);

        assert_int_equal(rootdisk_known_gather("/dev/sda1", h, &k), 0);
        assert_int_equal(k.cmd_error, 0);
        assert_string_equal(k.cmd.blockdev, "sda1");
        assert_true(rootdisk_has(&k.cmd, &sata0));
        assert_int_equal(k.mnt_error, 0);
        assert_string_equal(k.mnt.spec, "/dev/nvme0n1p2");
        assert_true(rootdisk_has(&k.mnt, &nvme));
        assert_false(rootdisk_has(&k.mnt, &sata0));
        assert_int_equal(k.rec_error, 0);
        assert_int_equal(k.n_rec_lines, 2);
        assert_int_equal(k.n_rec, 1);
        assert_true(pci_addr_eq(&k.rec[0], &sata1));
        assert_non_null(strstr(k.stale, "0000:00:1d.0 holds"));
        assert_true(rootdisk_known_has(&k, &nvme));
        assert_true(rootdisk_known_has(&k, &sata0));
        assert_true(rootdisk_known_has(&k, &sata1));
        assert_false(rootdisk_known_has(&k, &other));
        rootdisk_known_done(&k);

        /* no root=, no host: the record is not read */
        assert_int_equal(rootdisk_known_gather(NULL, NULL, &k), 0);
        assert_int_equal(k.cmd_error, 1);
        assert_int_equal(k.mnt_error, 0);
        assert_int_equal(k.rec_error, -ENOENT);
        assert_int_equal(k.n_rec, 0);
        assert_false(rootdisk_known_has(&k, &sata1));
        assert_true(rootdisk_known_has(&k, &nvme));
        rootdisk_known_done(&k);

        /* a root= that names nothing, "/" on no disk */
        tl_write(dir, "proc/self/mountinfo", "1 0 0:40 / / rw - overlay overlay rw\n");
        assert_int_equal(rootdisk_known_gather("UUID=00000000-0000-0000-0000-000000000000", h,
                                               &k),
                         0);
        assert_int_equal(k.cmd_error, -ENOENT);
        assert_int_equal(k.mnt_error, -ENOENT);
        assert_false(rootdisk_known_has(&k, &nvme));
        assert_true(rootdisk_known_has(&k, &sata1));
        rootdisk_known_done(&k);
        host_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stacked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unresolved, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
                cmocka_unit_test_setup_teardown(test_mountinfo, setup, teardown),
                cmocka_unit_test_setup_teardown(test_uuid_on_several, setup, teardown),
                cmocka_unit_test_setup_teardown(test_record, setup, teardown),
                cmocka_unit_test_setup_teardown(test_known, setup, teardown),
        };

        return cmocka_run_group_tests_name("rootdisk", tests, NULL, NULL);
}

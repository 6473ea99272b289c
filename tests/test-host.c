/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host model on small trees written here, shaped as the kernel's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "testlib.h"
#include "util.h"

static char *dir;

/* One function under the root complex, with its bus link and group. */
static void fn(const char *bdf, const char *ids, const char *subsys, unsigned cls,
               const char *driver, int group, const char *extra)
{
        char rel[512], text[1024], target[512];

        snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/uevent", bdf);
        snprintf(text, sizeof(text),
                 "%s%s%sPCI_CLASS=%X\nPCI_ID=%s\nPCI_SUBSYS_ID=%s\nPCI_SLOT_NAME=%s\n"
                 "MODALIAS=pci:v0000%.4sd0000%.4ssv00000000sd00000000bc%02Xsc%02Xi%02X\n",
                 driver ? "DRIVER=" : "", driver ? driver : "", driver ? "\n" : "", cls, ids,
                 subsys, bdf, ids, ids + 5, cls >> 16, (cls >> 8) & 0xff, cls & 0xff);
        tl_write(dir, rel, text);
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", bdf);
        snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", bdf);
        tl_symlink(dir, rel, target);
        if (group >= 0) {
                snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/iommu_group", bdf);
                snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
                tl_symlink(dir, rel, target);
                snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
                snprintf(target, sizeof(target), "../../../../devices/pci0000:00/%s", bdf);
                tl_symlink(dir, rel, target);
        }
        /* extra: "name=value;name=value" attributes */
        for (const char *p = extra; p && *p;) {
                const char *eq = strchr(p, '='), *end = strchr(p, ';');
                char name[128], value[256];

                if (!end)
                        end = p + strlen(p);
                snprintf(name, sizeof(name), "%.*s", (int)(eq - p), p);
                snprintf(value, sizeof(value), "%.*s\n", (int)(end - eq - 1), eq + 1);
                snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/%s", bdf, name);
                tl_write(dir, rel, value);
                p = *end ? end + 1 : end;
        }
}

static int setup(void **state)
{
        (void)state;
        dir = tl_mkdtemp();
        assert_int_equal(root_set(dir), 0);
        fn("0000:00:01.0", "8086:1901", "0000:0000", 0x060400, "pcieport", 1, NULL);
        fn("0000:00:02.0", "8086:3e92", "1043:8694", 0x030000, "i915", 2,
           "boot_vga=1;numa_node=-1;driver_override=(null)");
        fn("0000:01:00.0", "10de:1e04", "10de:12a4", 0x030000, "nvidia", 1,
           "boot_vga=0;numa_node=1;local_cpulist=16-31;reset_method=flr bus;"
           "resource1_resize=0x0000000000003fc0");
        fn("0000:01:00.1", "10de:10f7", "10de:12a4", 0x040300, "snd_hda_intel", 1, NULL);
        fn("0000:01:00.2", "10de:1ad6", "10de:12a4", 0x0c0330, NULL, 1, NULL);
        fn("0000:02:00.0", "8086:1572", "8086:0000", 0x020000, "i40e", 3,
           "sriov_totalvfs=64;sriov_numvfs=4");
        fn("0000:02:02.0", "8086:154c", "8086:0000", 0x020000, "iavf", 4, NULL);
        tl_symlink(dir, "sys/devices/pci0000:00/0000:02:02.0/physfn", "../0000:02:00.0");
        tl_mkdir(dir, "sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4");
        tl_write(dir, "sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/"
                      "available_instances",
                 "2\n");
        tl_write(dir, "sys/devices/pci0000:00/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/"
                      "device_api",
                 "vfio-pci\n");
        tl_symlink(dir, "sys/class/mdev_bus/0000:00:02.0", "../../devices/pci0000:00/0000:00:02.0");
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

static void test_get(void **state)
{
        struct host *h;
        struct pci_fn *f, *g;
        struct pci_addr a;

        (void)state;
        assert_int_equal(host_new(&h), 0);
        assert_int_equal(pci_addr_parse("01:00.0", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f), 0);
        assert_string_equal(f->bdf, "0000:01:00.0");
        assert_int_equal(f->vendor, 0x10de);
        assert_int_equal(f->device, 0x1e04);
        assert_int_equal(f->subvendor, 0x10de);
        assert_int_equal(f->subdevice, 0x12a4);
        assert_int_equal(f->class, 0x030000);
        assert_string_equal(f->driver, "nvidia");
        assert_int_equal(f->iommu_group, 1);
        assert_non_null(strcasestr(f->modalias, "pci:v000010DEd00001E04"));
        assert_false(f->details);
        assert_int_equal(host_details(h, f), 0);
        assert_int_equal(f->numa_node, 1);
        assert_string_equal(f->local_cpulist, "16-31");
        assert_string_equal(f->reset_method, "flr bus");
        assert_int_equal(f->boot_vga, 0);
        assert_int_equal(f->sriov_totalvfs, -1);
        assert_true(pci_fn_bar_resizable(f, 1));
        assert_false(pci_fn_bar_resizable(f, 0));
        assert_int_equal(pci_fn_bar_sizes(f, 1), 0x3fc0);
        /* cached: the same object */
        assert_int_equal(host_get(h, &a, &g), 0);
        assert_ptr_equal(f, g);

        assert_int_equal(pci_addr_parse("01:00.2", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f), 0);
        assert_null(f->driver);

        assert_int_equal(pci_addr_parse("00:02.0", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f), 0);
        assert_int_equal(host_details(h, f), 0);
        assert_int_equal(f->boot_vga, 1);
        assert_int_equal(f->numa_node, -1);
        assert_null(f->driver_override);

        assert_int_equal(pci_addr_parse("02:00.0", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f), 0);
        assert_int_equal(host_details(h, f), 0);
        assert_int_equal(f->sriov_totalvfs, 64);
        assert_int_equal(f->sriov_numvfs, 4);
        assert_int_equal(pci_addr_parse("02:02.0", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f), 0);
        assert_int_equal(host_details(h, f), 0);
        assert_true(f->is_vf);
        assert_int_equal(f->physfn.bus, 2);

        assert_int_equal(pci_addr_parse("05:00.0", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f), -ENOENT);
        assert_int_equal(host_get(h, &a, &f), -ENOENT); /* remembered */
        host_free(h);
}

static void test_scan_slot_group(void **state)
{
        struct pci_fn *const *all;
        struct pci_fn **members, *slot[8];
        struct host *h;
        struct pci_addr a;
        size_t n, bad = 99;

        (void)state;
        assert_int_equal(host_new(&h), 0);
        assert_int_equal(host_scan(h, &all, &n, &bad), 0);
        assert_int_equal(n, 7);
        assert_int_equal(bad, 0);
        assert_string_equal(all[0]->bdf, "0000:00:01.0");
        assert_string_equal(all[6]->bdf, "0000:02:02.0");

        assert_int_equal(pci_addr_parse("01:00.1", &a, NULL), 0);
        assert_int_equal(host_slot(h, &a, slot, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(slot[2]->bdf, "0000:01:00.2");

        assert_int_equal(host_group(h, 1, &members, &n), 0);
        assert_int_equal(n, 4);
        assert_true(pci_fn_is_bridge(members[0]));
        assert_false(pci_fn_is_bridge(members[1]));
        free(members);
        assert_int_equal(host_group(h, 42, &members, &n), -ENOENT);
        host_free(h);
}

static void test_mdev_types(void **state)
{
        struct mdev_type *t;
        struct host *h;
        size_t n;

        (void)state;
        assert_int_equal(host_new(&h), 0);
        assert_int_equal(host_mdev_types(h, "0000:00:02.0", &t, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(t[0].id, "i915-GVTg_V5_4");
        assert_int_equal(t[0].available, 2);
        assert_string_equal(t[0].device_api, "vfio-pci");
        mdev_types_free(t, n);
        assert_int_equal(host_mdev_types(h, "0000:01:00.0", &t, &n), -ENOENT);
        assert_int_equal(host_mdev_types(h, "../x", &t, &n), -EINVAL);
        host_free(h);
}

/* Broken trees give errors that name nothing false, never a crash. */
static void test_corrupt(void **state)
{
        struct pci_fn *f, *const *all;
        struct host *h;
        struct pci_addr a;
        size_t n, bad = 0;
        char *big;

        (void)state;
        fn("0000:03:00.0", "zzzz:1e04", "10de:12a4", 0x030000, NULL, -1, NULL);
        tl_write(dir, "sys/devices/pci0000:00/0000:03:00.1/uevent", "");
        tl_symlink(dir, "sys/bus/pci/devices/0000:03:00.1", "../../../devices/pci0000:00/0000:03:00.1");
        tl_symlink(dir, "sys/bus/pci/devices/0000:03:00.2", "0000:03:00.2"); /* a loop */
        tl_symlink(dir, "sys/bus/pci/devices/0000:03:00.3", "../../../nowhere");
        tl_write(dir, "sys/bus/pci/devices/not-an-address", "");
        fn("0000:03:00.4", "10de:1e04", "10de:12a4", 0x030000, NULL, -1, "numa_node=banana");
        big = malloc(1u << 20);
        memset(big, 'A', (1u << 20) - 1);
        big[(1u << 20) - 1] = '\0';
        fn("0000:03:00.5", "10de:1e04", "10de:12a4", 0x030000, NULL, -1, NULL);
        tl_write(dir, "sys/devices/pci0000:00/0000:03:00.5/reset_method", big);
        free(big);

        /* found by fuzz-sysfs: a key twice leaked the first value */
        fn("0000:03:00.6", "10de:1e04", "10de:12a4", 0x030000, "nvidia", -1, NULL);
        tl_write(dir, "sys/devices/pci0000:00/0000:03:00.6/uevent",
                 "DRIVER=nvidia\nDRIVER=nvidia\nPCI_CLASS=30000\nPCI_ID=10DE:1E04\n");
        fn("0000:03:00.7", "10de:1e04", "10de:12a4", 0x030000, NULL, -1, NULL);
        tl_write(dir, "sys/devices/pci0000:00/0000:03:00.7/uevent",
                 "MODALIAS=a\nMODALIAS=b\nPCI_CLASS=30000\nPCI_ID=10DE:1E04\n");

        assert_int_equal(host_new(&h), 0);
        assert_int_equal(pci_addr_parse("03:00.6", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f), -EBADMSG);
        a.fn = 7;
        assert_int_equal(host_get(h, &a, &f), -EBADMSG);
        assert_int_equal(pci_addr_parse("03:00.0", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f), -EBADMSG);
        a.fn = 1;
        assert_int_equal(host_get(h, &a, &f), -EBADMSG);
        a.fn = 2;
        assert_int_equal(host_get(h, &a, &f), -ELOOP);
        a.fn = 3;
        assert_int_equal(host_get(h, &a, &f), -ENOENT);
        a.fn = 4;
        assert_int_equal(host_get(h, &a, &f), 0);
        assert_int_equal(host_details(h, f), -EBADMSG);
        a.fn = 5;
        assert_int_equal(host_get(h, &a, &f), 0);
        assert_int_equal(host_details(h, f), -EBADMSG);
        assert_int_equal(host_scan(h, &all, &n, &bad), 0);
        assert_int_equal(n, 9);
        assert_int_equal(bad, 7);
        host_free(h);
}

/* host_basics: numa_node, reset_method and boot_vga of each function. */
static void test_basics(void **state)
{
        struct pci_fn *f0, *f1, *other, *vga;
        struct pci_addr a;
        struct host *h;

        (void)state;
        assert_int_equal(host_new(&h), 0);
        assert_int_equal(pci_addr_parse("01:00.0", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f0), 0);
        assert_int_equal(pci_addr_parse("01:00.1", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f1), 0);
        assert_int_equal(pci_addr_parse("02:00.0", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &other), 0);
        assert_int_equal(pci_addr_parse("00:02.0", &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &vga), 0);

        assert_int_equal(host_basics(h, f0), 0);
        assert_true(f0->basics);
        assert_false(f0->details);
        assert_int_equal(f0->numa_node, 1);
        assert_string_equal(f0->reset_method, "flr bus");
        assert_int_equal(f0->boot_vga, 0);
        assert_null(f0->local_cpulist);
        /* 01:00.1 has no numa_node file of its own here: no node, whatever
         * its bus-mate said */
        assert_int_equal(host_basics(h, f1), 0);
        assert_int_equal(f1->numa_node, -1);
        assert_null(f1->reset_method);
        assert_int_equal(f1->boot_vga, -1); /* not a VGA function: not asked */
        /* another bus is read afresh: 02:00.0 has no numa_node either */
        assert_int_equal(host_basics(h, other), 0);
        assert_int_equal(other->numa_node, -1);
        assert_int_equal(host_basics(h, vga), 0);
        assert_int_equal(vga->boot_vga, 1);
        assert_int_equal(vga->numa_node, -1);
        /* host_details reads every function's own node */
        assert_int_equal(host_details(h, f1), 0);
        assert_int_equal(f1->numa_node, -1);
        host_free(h);
}

/* Functions under one bus on different NUMA nodes (firmware's _PXM per
 * device, or a numa_node written to override it): each gets its own, from
 * host_basics as from host_details. */
static void test_basics_numa_per_function(void **state)
{
        static const char *const bdfs[] = { "01:00.0", "01:00.1", "01:00.2" };
        static const int nodes[] = { 1, 0, -1 }; /* 01:00.2 has no numa_node */
        struct pci_fn *f[3];
        struct pci_addr a;
        struct host *h;

        (void)state;
        tl_write(dir, "sys/devices/pci0000:00/0000:01:00.1/numa_node", "0\n");
        assert_int_equal(host_new(&h), 0);
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(pci_addr_parse(bdfs[i], &a, NULL), 0);
                assert_int_equal(host_get(h, &a, &f[i]), 0);
                assert_int_equal(host_basics(h, f[i]), 0);
                assert_int_equal(f[i]->numa_node, nodes[i]);
        }
        assert_int_equal(host_details(h, f[1]), 0);
        assert_int_equal(f[1]->numa_node, 0);
        host_free(h);
}

/* boot_vga from vgaarb: /dev/vga_arbiter names the default device, whose
 * boot_vga the kernel reads as 1 and every other VGA function's as 0; no
 * function's own file is read then. "invalid" (no default device) or no
 * node at all: each VGA function is asked, as before. */
static void test_boot_vga_from_vgaarb(void **state)
{
        static const char *const arbiters[] = {
                "count:2,PCI:0000:01:00.0,decodes=io+mem,owns=io+mem,locks=none(0:0)\n",
                "invalid\n",
                "count:2,PCI:garbage,decodes=none\n",
                NULL,
        };
        struct pci_fn *igd, *gpu;
        struct pci_addr a;
        struct host *h;

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(arbiters); i++) {
                bool named = i == 0;

                if (arbiters[i])
                        tl_write(dir, "dev/vga_arbiter", arbiters[i]);
                else {
                        char path[4096];

                        snprintf(path, sizeof(path), "%s/dev/vga_arbiter", dir);
                        assert_int_equal(unlink(path), 0);
                }
                assert_int_equal(host_new(&h), 0);
                assert_int_equal(pci_addr_parse("00:02.0", &a, NULL), 0);
                assert_int_equal(host_get(h, &a, &igd), 0);
                assert_int_equal(pci_addr_parse("01:00.0", &a, NULL), 0);
                assert_int_equal(host_get(h, &a, &gpu), 0);
                assert_int_equal(host_basics(h, igd), 0);
                assert_int_equal(host_basics(h, gpu), 0);
                /* the files say 00:02.0 (boot_vga=1) and 01:00.0 (0); a
                 * named default device overrides both, which only a test
                 * can make disagree */
                assert_int_equal(igd->boot_vga, named ? 0 : 1);
                assert_int_equal(gpu->boot_vga, named ? 1 : 0);
                host_free(h);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_get, setup, teardown),
                cmocka_unit_test_setup_teardown(test_scan_slot_group, setup, teardown),
                cmocka_unit_test_setup_teardown(test_mdev_types, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
                cmocka_unit_test_setup_teardown(test_basics, setup, teardown),
                cmocka_unit_test_setup_teardown(test_basics_numa_per_function, setup, teardown),
                cmocka_unit_test_setup_teardown(test_boot_vga_from_vgaarb, setup, teardown),
        };

        return cmocka_run_group_tests_name("host", tests, NULL, NULL);
}

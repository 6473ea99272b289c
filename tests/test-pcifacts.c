/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What --list shows of a function (pcifacts.h) is what the host model
 * (host.h) reads of it: one reader per fact, so the listing and the check
 * cannot tell two stories about one attribute. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "pcifacts.h"
#include "testlib.h"
#include "util.h"

static char *dir;

/* One function under the root complex, with its bus link; extra holds
 * "name=value;name=value" attributes. */
static void fn(const char *bdf, const char *ids, unsigned cls, const char *extra)
{
        char rel[512], text[1024], target[512];

        snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/uevent", bdf);
        snprintf(text, sizeof(text), "PCI_CLASS=%X\nPCI_ID=%s\nPCI_SUBSYS_ID=0000:0000\n", cls,
                 ids);
        tl_write(dir, rel, text);
        snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", bdf);
        snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", bdf);
        tl_symlink(dir, rel, target);
        for (const char *p = extra; p && *p;) {
                const char *eq = strchr(p, '='), *end = strchr(p, ';');
                char name[128], value[1024];

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

static struct pci_fn *get(struct host *h, const char *bdf)
{
        struct pci_addr a;
        struct pci_fn *f;

        assert_int_equal(pci_addr_parse(bdf, &a, NULL), 0);
        assert_int_equal(host_get(h, &a, &f), 0);
        return f;
}

/* boot_vga exists only on VGA-class functions (0x0300 and the
 * pre-class-code 0x0001, the kernel's pci_is_vga()), and is 1 for the boot
 * device. A 3D controller's file (a copied tree) is not read by either; the
 * listing used to read it for any display class, and skip 0x0001. */
static void test_boot_vga(void **state)
{
        static const struct {
                const char *bdf;
                unsigned cls;
                int want;
        } cases[] = {
                { "0000:01:00.0", 0x030200, -1 }, /* 3D controller */
                { "0000:02:00.0", 0x038000, -1 }, /* other display controller */
                { "0000:03:00.0", 0x000100, 1 },  /* VGA before class codes */
                { "0000:04:00.0", 0x030000, 1 },
        };
        struct host *h;

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                fn(cases[i].bdf, "10de:26b9", cases[i].cls, "boot_vga=1");
        assert_int_equal(host_new(&h), 0);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct pci_fn *f = get(h, cases[i].bdf);
                struct pci_facts x;

                assert_int_equal(pci_facts_read(h, f, 0, &x), 0);
                assert_int_equal(x.error, 0);
                assert_int_equal(x.boot_vga, cases[i].want);
                assert_int_equal(f->boot_vga, cases[i].want);
                pci_facts_done(&x);
        }
        host_free(h);

        /* vgaarb's default device decides for the listing as for the check */
        tl_write(dir, "dev/vga_arbiter", "count:2,PCI:0000:03:00.0,decodes=io+mem\n");
        assert_int_equal(host_new(&h), 0);
        {
                struct pci_fn *f = get(h, "0000:04:00.0");
                struct pci_facts x;

                assert_int_equal(pci_facts_read(h, f, 0, &x), 0);
                assert_int_equal(x.boot_vga, 0);
                pci_facts_done(&x);
                f = get(h, "0000:03:00.0");
                assert_int_equal(pci_facts_read(h, f, 0, &x), 0);
                assert_int_equal(x.boot_vga, 1);
                pci_facts_done(&x);
        }
        host_free(h);
}

/* sriov_totalvfs is the kernel's "%u": "-1" is no kernel's text. The host
 * model calls the function unreadable (-EBADMSG), and so does the listing,
 * which used to take it for "not a PF" and show the rest as read. */
static void test_sriov_negative(void **state)
{
        static const char *const bad[] = { "-1", "65536", "four" };
        struct host *h;

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char extra[128], bdf[16];
                struct pci_fn *f;
                struct pci_facts x;

                snprintf(bdf, sizeof(bdf), "0000:0%zu:00.0", i + 1);
                snprintf(extra, sizeof(extra), "numa_node=1;sriov_totalvfs=%s;sriov_numvfs=0",
                         bad[i]);
                fn(bdf, "8086:1572", 0x020000, extra);
                assert_int_equal(host_new(&h), 0);
                f = get(h, bdf);
                assert_int_equal(host_details(h, f), -EBADMSG);
                assert_int_equal(pci_facts_read(h, f, PCI_FACTS_ALL, &x), 0);
                assert_int_equal(x.error, -EBADMSG);
                assert_int_equal(x.numa_node, -1);
                assert_int_equal(x.sriov_total, -1);
                assert_null(x.reset_methods);
                pci_facts_done(&x);
                host_free(h);
        }
        /* a bridge is never an SR-IOV PF (sriov_init: endpoints only): not asked */
        fn("0000:00:01.0", "8086:1901", 0x060400, "sriov_totalvfs=-1;numa_node=0");
        assert_int_equal(host_new(&h), 0);
        {
                struct pci_fn *f = get(h, "0000:00:01.0");
                struct pci_facts x;

                assert_int_equal(pci_facts_read(h, f, 0, &x), 0);
                assert_int_equal(x.error, 0);
                assert_int_equal(x.sriov_total, -1);
                assert_int_equal(x.numa_node, 0);
                pci_facts_done(&x);
        }
        host_free(h);
}

/* A VF is what has a physfn link (the kernel gives every VF one). The
 * listing used to learn it from the PF's virtfnN links, as many as the PF's
 * sriov_numvfs said, and missed a VF whose PF it read before the VFs came. */
static void test_vf_from_physfn(void **state)
{
        struct pci_fn *pf, *vf, *other;
        struct pci_facts x;
        struct pci_addr a;
        struct host *h;

        (void)state;
        fn("0000:01:00.0", "8086:1572", 0x020000, "sriov_totalvfs=64;sriov_numvfs=0");
        fn("0000:01:02.0", "8086:154c", 0x020000, NULL);
        fn("0000:01:02.1", "8086:154c", 0x020000, NULL);
        tl_symlink(dir, "sys/devices/pci0000:00/0000:01:02.0/physfn", "../0000:01:00.0");
        /* a stale virtfn link to a function that is no VF: physfn decides */
        tl_symlink(dir, "sys/devices/pci0000:00/0000:01:00.0/virtfn0", "../0000:01:02.1");
        assert_int_equal(host_new(&h), 0);
        pf = get(h, "0000:01:00.0");
        vf = get(h, "0000:01:02.0");
        other = get(h, "0000:01:02.1");
        assert_int_equal(pci_facts_read(h, vf, 0, &x), 0);
        assert_true(x.is_vf);
        assert_string_equal(x.physfn, "0000:01:00.0");
        pci_facts_done(&x);
        assert_int_equal(pci_facts_read(h, pf, 0, &x), 0);
        assert_false(x.is_vf);
        assert_int_equal(x.sriov_total, 64);
        assert_int_equal(x.sriov_current, 0);
        pci_facts_done(&x);
        assert_int_equal(pci_facts_read(h, other, 0, &x), 0);
        assert_false(x.is_vf);
        pci_facts_done(&x);
        /* the one reader of virtfnN: what the link names, or -ENOENT */
        assert_int_equal(pci_vf_read(host_devices_dir(h), "0000:01:00.0", 0, &a), 0);
        assert_int_equal(a.dev, 2);
        assert_int_equal(a.fn, 1);
        assert_int_equal(pci_vf_read(host_devices_dir(h), "0000:01:00.0", 1, &a), -ENOENT);
        tl_symlink(dir, "sys/devices/pci0000:00/0000:01:00.0/virtfn1", "../not-a-function");
        assert_int_equal(pci_vf_read(host_devices_dir(h), "0000:01:00.0", 1, &a), -EBADMSG);
        host_free(h);
}

/* reset_method as the host model read it (a sysfs page, not 256 bytes),
 * and before Linux 5.15 what config space announces. */
static void test_reset(void **state)
{
        char long_list[400];
        uint8_t cfg[256] = { 0 };
        struct pci_fn *f;
        struct pci_facts x;
        struct host *h;
        FILE *c;
        char path[4096];

        (void)state;
        memset(long_list, 'd', 300);
        long_list[300] = '\0';
        fn("0000:01:00.0", "10de:1e04", 0x030000, "reset_method=flr  bus");
        fn("0000:02:00.0", "10de:1e04", 0x030000, NULL);
        snprintf(path, sizeof(path), "reset_method=%s", long_list);
        fn("0000:03:00.0", "10de:1e04", 0x030000, path);
        /* PCI Express capability at 0x40 with FLR */
        cfg[0x06] = 0x10;
        cfg[0x34] = 0x40;
        cfg[0x40] = 0x10;
        cfg[0x47] = 0x10;
        snprintf(path, sizeof(path), "%s/sys/devices/pci0000:00/0000:02:00.0/config", dir);
        c = fopen(path, "we");
        assert_non_null(c);
        assert_int_equal(fwrite(cfg, 1, sizeof(cfg), c), sizeof(cfg));
        fclose(c);

        assert_int_equal(host_new(&h), 0);
        f = get(h, "0000:01:00.0");
        assert_int_equal(pci_facts_read(h, f, 0, &x), 0);
        assert_int_equal(x.n_reset_methods, 2);
        assert_string_equal(x.reset_methods[0], "flr");
        assert_string_equal(x.reset_methods[1], "bus");
        assert_false(x.reset_from_config);
        pci_facts_done(&x);
        f = get(h, "0000:02:00.0");
        assert_int_equal(pci_facts_read(h, f, 0, &x), 0);
        assert_int_equal(x.n_reset_methods, 1);
        assert_string_equal(x.reset_methods[0], "flr");
        assert_true(x.reset_from_config);
        pci_facts_done(&x);
        f = get(h, "0000:03:00.0");
        assert_int_equal(pci_facts_read(h, f, 0, &x), 0);
        assert_int_equal(x.n_reset_methods, 1);
        assert_string_equal(x.reset_methods[0], long_list);
        assert_string_equal(f->reset_method, long_list);
        pci_facts_done(&x);
        host_free(h);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_boot_vga, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sriov_negative, setup, teardown),
                cmocka_unit_test_setup_teardown(test_vf_from_physfn, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
        };

        return cmocka_run_group_tests_name("pcifacts", tests, NULL, NULL);
}

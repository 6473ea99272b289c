/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Config-space capabilities, reset method names, and /proc/iomem. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iomem.h"
#include "pcicfg.h"
#include "resetmethod.h"
#include "testlib.h"
#include "util.h"

/* A standard header with the capability list on, and caps chained from 0x40. */
static void header(uint8_t cfg[256])
{
        memset(cfg, 0, 256);
        cfg[0x06] = 0x10;
}

static void test_caps(void **state)
{
        uint8_t cfg[256];

        (void)state;
        header(cfg);
        cfg[0x34] = 0x40;
        cfg[0x40] = 0x01; /* PM, PMCSR at 0x44 */
        cfg[0x41] = 0x50;
        cfg[0x50] = 0x10; /* PCI Express, DevCap at 0x54 */
        cfg[0x51] = 0x00;
        assert_int_equal(pcicfg_find_cap(cfg, 256, PCICFG_CAP_EXP), 0x50);
        assert_int_equal(pcicfg_find_cap(cfg, 256, 0x05), -ENOENT);
        assert_int_equal(pcicfg_has_flr(cfg, 256), 0);
        assert_int_equal(pcicfg_has_pm_reset(cfg, 256), 1);
        cfg[0x57] = 0x10; /* DevCap bit 28 */
        assert_int_equal(pcicfg_has_flr(cfg, 256), 1);
        cfg[0x44] = 0x08; /* No_Soft_Reset */
        assert_int_equal(pcicfg_has_pm_reset(cfg, 256), 0);
        /* the 64 bytes an unprivileged read gets: unknown, not "no" */
        assert_int_equal(pcicfg_has_flr(cfg, 64), -ENODATA);
        /* a loop, a pointer into the header, a gone device (all ones) */
        cfg[0x51] = 0x40;
        assert_int_equal(pcicfg_find_cap(cfg, 256, 0x05), -EBADMSG);
        cfg[0x51] = 0x10;
        assert_int_equal(pcicfg_find_cap(cfg, 256, 0x05), -EBADMSG);
        memset(cfg, 0xff, 256);
        assert_int_equal(pcicfg_find_cap(cfg, 256, 0x10), -EBADMSG);
        /* no capability list at all: no FLR */
        header(cfg);
        cfg[0x06] = 0;
        assert_int_equal(pcicfg_has_flr(cfg, 256), 0);
}

/* A config space with the capability list bit and the given chain: each
 * {offset, id, next}. */
static void chain(uint8_t cfg[4096], const unsigned (*caps)[3], size_t n)
{
        memset(cfg, 0, 4096);
        cfg[0x06] = 0x10;
        cfg[0x34] = n ? (unsigned char)caps[0][0] : 0;
        for (size_t i = 0; i < n; i++) {
                cfg[caps[i][0]] = (unsigned char)caps[i][1];
                cfg[caps[i][0] + 1] = (unsigned char)caps[i][2];
        }
}

static void test_flr_from_pcie_capability(void **state)
{
        static const unsigned caps[][3] = { { 0x50, 0x01, 0x60 }, { 0x60, 0x10, 0x00 } };
        uint8_t cfg[4096];
        const char *m[2];

        (void)state;
        chain(cfg, caps, 2);
        assert_int_equal(pcicfg_reset_methods(cfg, sizeof(cfg), m), 0);
        cfg[0x60 + 7] = 0x10; /* DevCap bit 28 */
        assert_int_equal(pcicfg_reset_methods(cfg, sizeof(cfg), m), 1);
        assert_string_equal(m[0], "flr");
        /* the capability list bit off: no capabilities at all */
        cfg[0x06] = 0;
        assert_int_equal(pcicfg_reset_methods(cfg, sizeof(cfg), m), 0);
}

static void test_af_flr(void **state)
{
        static const unsigned caps[][3] = { { 0x40, 0x13, 0x00 } };
        uint8_t cfg[4096];
        const char *m[2];

        (void)state;
        chain(cfg, caps, 1);
        cfg[0x43] = 0x02; /* FLR without TP: not offered */
        assert_int_equal(pcicfg_reset_methods(cfg, sizeof(cfg), m), 0);
        cfg[0x43] = 0x03;
        assert_int_equal(pcicfg_reset_methods(cfg, sizeof(cfg), m), 1);
        assert_string_equal(m[0], "af_flr");
}

/* An unprivileged read gets 64 bytes; a looping chain ends. */
static void test_short_and_looping(void **state)
{
        static const unsigned loop[][3] = { { 0x40, 0x01, 0x40 } };
        static const unsigned far[][3] = { { 0x80, 0x10, 0x00 } };
        uint8_t cfg[4096];
        const char *m[2];

        (void)state;
        chain(cfg, far, 1);
        assert_int_equal(pcicfg_reset_methods(cfg, 64, m), -ENODATA);
        assert_int_equal(pcicfg_reset_methods(cfg, 0x84, m), -ENODATA);
        assert_int_equal(pcicfg_reset_methods(cfg, 32, m), -ENODATA);
        chain(cfg, loop, 1);
        assert_int_equal(pcicfg_reset_methods(cfg, sizeof(cfg), m), 0);
}

/* The SR-IOV extended capability behind another one, as a NIC shows it:
 * offset and stride read, the list's ends and breakages told apart. */
static void test_sriov(void **state)
{
        static uint8_t cfg[4096];
        struct pcicfg_sriov s;

        (void)state;
        memset(cfg, 0, sizeof(cfg));
        cfg[0x06] = 0x10;
        /* 0x100: AER (id 1), next 0x140; 0x140: SR-IOV (id 0x10), last */
        cfg[0x100] = 0x01, cfg[0x102] = 0x01, cfg[0x103] = 0x14;
        cfg[0x140] = 0x10, cfg[0x142] = 0x01;
        cfg[0x14e] = 64;                 /* TotalVFs */
        cfg[0x154] = 0x10;               /* First VF Offset 16 */
        cfg[0x156] = 0x02;               /* VF Stride 2 */
        assert_int_equal(pcicfg_find_ext_cap(cfg, 4096, PCICFG_EXT_CAP_SRIOV), 0x140);
        assert_int_equal(pcicfg_sriov(cfg, 4096, &s), 0);
        assert_int_equal(s.offset, 16);
        assert_int_equal(s.stride, 2);
        assert_int_equal(s.total, 64);
        /* not root: 64 bytes; conventional PCI: 256 bytes, no extended space */
        assert_int_equal(pcicfg_sriov(cfg, 64, &s), -ENODATA);
        assert_int_equal(pcicfg_sriov(cfg, 256, &s), -ENOENT);
        assert_int_equal(pcicfg_find_ext_cap(cfg, 4096, 0x0b), -ENOENT);
        /* an offset of 0 is no VF routing (the kernel refuses it too) */
        cfg[0x154] = 0;
        assert_int_equal(pcicfg_sriov(cfg, 4096, &s), -EBADMSG);
        /* a loop back to itself, a pointer into the standard space */
        cfg[0x143] = 0x14;
        assert_int_equal(pcicfg_find_ext_cap(cfg, 4096, 0x0b), -EBADMSG);
        cfg[0x143] = 0x08;
        assert_int_equal(pcicfg_find_ext_cap(cfg, 4096, 0x0b), -EBADMSG);
        /* no extended capability at all; a gone device (all ones) */
        memset(cfg + 0x100, 0, 4096 - 0x100);
        assert_int_equal(pcicfg_sriov(cfg, 4096, &s), -ENOENT);
        memset(cfg, 0xff, 4096);
        assert_int_equal(pcicfg_sriov(cfg, 4096, &s), -ENOENT);
}

static void test_read_under_root(void **state)
{
        char *dir = tl_mkdtemp(), path[4096];
        uint8_t cfg[256];
        FILE *f;

        (void)state;
        header(cfg);
        cfg[0x34] = 0x40;
        cfg[0x40] = 0x10;
        cfg[0x47] = 0x10;
        tl_mkdir(dir, "sys/bus/pci/devices/0000:01:00.0");
        snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/0000:01:00.0/config", dir);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(cfg, 1, sizeof(cfg), f), sizeof(cfg));
        fclose(f);
        assert_int_equal(root_set(dir), 0);
        assert_int_equal(pci_fn_has_flr("0000:01:00.0"), 1);
        assert_int_equal(pci_fn_has_pm_reset("0000:01:00.0"), 0);
        assert_int_equal(pci_fn_has_flr("0000:01:00.1"), -ENOENT);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

static void test_reset_names(void **state)
{
        char list[64] = "  flr\tbus  ";
        const char *bad;
        size_t n, len;

        (void)state;
        assert_int_equal(reset_methods_normalize(list, &bad, &n), 0);
        assert_string_equal(list, "flr bus");
        strcpy(list, "flr reboot");
        assert_int_equal(reset_methods_normalize(list, &bad, &n), -ENOENT);
        assert_int_equal(n, 6);
        assert_memory_equal(bad, "reboot", 6);
        strcpy(list, "bus bus");
        assert_int_equal(reset_methods_normalize(list, &bad, &n), -EEXIST);
        strcpy(list, " ");
        assert_int_equal(reset_methods_normalize(list, NULL, NULL), -EINVAL);
        assert_true(reset_methods_has("device_specific bus", "bus", 3));
        assert_false(reset_methods_has("device_specific bus", "flr", 3));
        assert_false(reset_methods_has("af_flr", "flr", 3));
        assert_null(reset_methods_missing("flr pm bus", "bus flr", &len));
        assert_string_equal(reset_methods_missing("flr pm", "flr bus", &len), "bus");
        assert_int_equal(len, 3);
        assert_true(reset_method_known("cxl_bus", 7));
        assert_false(reset_method_known("default", 7));
}

static void test_kernel_release(void **state)
{
        static const struct {
                const char *release;
                int want;
        } cases[] = {
                { "5.10.0-28-amd64\n", 0 }, { "5.15.0\n", 1 }, { "6.1.0-18-amd64\n", 1 },
                { "4.19.0\n", 0 },          { "garbage\n", -EBADMSG },
        };
        char *dir = tl_mkdtemp();

        (void)state;
        assert_int_equal(root_set(dir), 0);
        assert_int_equal(kernel_has_reset_method_attr(), -ENOENT);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                tl_write(dir, "proc/sys/kernel/osrelease", cases[i].release);
                assert_int_equal(kernel_has_reset_method_attr(), cases[i].want);
        }
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

static void test_iomem(void **state)
{
        struct iomem_range *v = NULL;
        size_t n = 0;

        (void)state;
        assert_int_equal(iomem_framebuffers("00000000-00000fff : Reserved\n"
                                            "c0000000-efffffff : PCI Bus 0000:00\n"
                                            "  e0000000-efffffff : 0000:03:00.0\n"
                                            "    e0000000-e07e8fff : BOOTFB\n"
                                            "    e0000000-e07e8fff : efifb\n"
                                            "  f0000000-f0ffffff : simple-framebuffer.0\n"
                                            "  f1000000-f1ffffff : simplefbx\n"
                                            "garbage line\n"
                                            "fffff-1 : vesafb\n"
                                            "12345678901234567-f : vesafb\n"
                                            "f2000000-f2ffffff vesafb\n"
                                            "f3000000-f3ffffff : vesafb",
                                            &v, &n),
                         0);
        assert_int_equal(n, 4);
        assert_string_equal(v[0].name, "BOOTFB");
        assert_true(v[0].start == 0xe0000000 && v[0].end == 0xe07e8fff);
        assert_string_equal(v[1].name, "efifb");
        assert_string_equal(v[2].name, "simple-framebuffer.0");
        assert_string_equal(v[3].name, "vesafb");
        assert_true(v[3].start == 0xf3000000);
        free(v);
        /* read by someone who is not root: every address 0, so nothing */
        v = NULL;
        assert_int_equal(iomem_framebuffers("00000000-00000000 : BOOTFB\n", &v, &n), 0);
        assert_int_equal(n, 0);
        free(v);
        v = NULL;
        assert_int_equal(iomem_framebuffers("", &v, &n), 0);
        assert_int_equal(n, 0);
        free(v);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_caps),         cmocka_unit_test(test_read_under_root),
                cmocka_unit_test(test_sriov),
                cmocka_unit_test(test_reset_names),  cmocka_unit_test(test_kernel_release),
                cmocka_unit_test(test_iomem),
                cmocka_unit_test(test_flr_from_pcie_capability),
                cmocka_unit_test(test_af_flr),
                cmocka_unit_test(test_short_and_looping),
        };

        return cmocka_run_group_tests_name("pcicfg", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel log reader and the IOMMU judgement built on it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommu.h"
#include "kmsg.h"
#include "testlib.h"
#include "util.h"

static void test_kmsg_text(void **state)
{
        char a[] = "6,512,1034552,-;DMAR-IR: Enabled IRQ remapping in x2apic mode\n";
        char b[] = "[    0.412345] iommu: Default domain type: Translated";
        char c[] = "AMD-Vi: Interrupt remapping enabled";
        char d[] = " SUBSYSTEM=pci";
        char e[] = "4,1,2,c,more;text";

        (void)state;
        assert_string_equal(kmsg_text(a), "DMAR-IR: Enabled IRQ remapping in x2apic mode");
        assert_string_equal(kmsg_text(b), "iommu: Default domain type: Translated");
        assert_string_equal(kmsg_text(c), "AMD-Vi: Interrupt remapping enabled");
        assert_null(kmsg_text(d));
        assert_string_equal(kmsg_text(e), "text");
}

static void test_note(void **state)
{
        struct iommu_state s = { .irq_remapping = -1 };

        (void)state;
        iommu_note_kmsg(&s, "DMAR: IOMMU enabled");
        assert_int_equal(s.irq_remapping, -1);
        iommu_note_kmsg(&s, "iommu: Default domain type: Passthrough (set via kernel command line)");
        assert_string_equal(s.default_domain, "Passthrough");
        iommu_note_kmsg(&s, "DMAR-IR: Enabled IRQ remapping in xapic mode");
        assert_int_equal(s.irq_remapping, 1);
        iommu_note_kmsg(&s, "DMAR: IOMMU disabled");
        assert_true(s.kmsg_says_disabled);
}

static int count(const char *text, void *u)
{
        (void)text;
        (*(int *)u)++;
        return 0;
}

static void test_probe(void **state)
{
        char *dir = tl_mkdtemp();
        struct iommu_state s;
        int n = 0;

        (void)state;
        assert_int_equal(root_set(dir), 0);

        /* Nothing at all: off, and no log to read. */
        assert_int_equal(iommu_probe(&s), 0);
        assert_false(s.enabled);
        assert_int_equal(s.irq_remapping, -1);
        assert_int_equal(s.kmsg_error, -ENOENT);
        assert_int_equal(s.cpu, CPU_UNKNOWN);
        assert_false(s.guest);

        /* Debian's kernel: IOMMU up without "DMAR: IOMMU enabled". */
        tl_write(dir, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n");
        tl_symlink(dir, "sys/class/iommu/dmar0", "../../devices/virtual/iommu/dmar0");
        tl_mkdir(dir, "sys/kernel/iommu_groups/0/devices");
        tl_mkdir(dir, "sys/kernel/iommu_groups/1/devices");
        tl_write(dir, "dev/kmsg",
                 "6,1,100,-;Linux version 6.1.0\n"
                 "6,2,200,-;DMAR-IR: Enabled IRQ remapping in xapic mode\n"
                 " SUBSYSTEM=acpi\n"
                 "6,3,300,-;iommu: Default domain type: Translated\n");
        assert_int_equal(iommu_probe(&s), 0);
        assert_true(s.enabled);
        assert_int_equal(s.n_units, 1);
        assert_int_equal(s.n_groups, 2);
        assert_int_equal(s.irq_remapping, 1);
        assert_string_equal(s.default_domain, "Translated");
        assert_int_equal(s.cpu, CPU_INTEL);
        assert_false(s.guest);
        assert_int_equal(kmsg_scan(count, &n), 0);
        assert_int_equal(n, 3);

        /* A log that was read whole and says nothing of remapping: no. */
        tl_write(dir, "dev/kmsg", "[    0.1] Linux version 6.1.0\n");
        assert_int_equal(iommu_probe(&s), 0);
        assert_int_equal(s.irq_remapping, 0);
        /* /proc/interrupts is the unprivileged witness. */
        tl_write(dir, "proc/interrupts", " 24: 0 IR-PCI-MSI 65536-edge nvme0q0\n");
        assert_int_equal(iommu_probe(&s), 0);
        assert_int_equal(s.irq_remapping, 1);

        tl_write(dir, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\n");
        assert_int_equal(iommu_probe(&s), 0);
        assert_int_equal(s.cpu, CPU_AMD);
        assert_false(s.guest);

        /* A guest: the flag among the others, on the first CPU's line; a
         * "vmx flags" line and a flag that only begins so do not count. */
        tl_write(dir, "proc/cpuinfo",
                 "processor\t: 0\nvendor_id\t: GenuineIntel\n"
                 "flags\t\t: fpu sse2 hypervisor lahf_lm\nvmx flags\t: vnmi\n");
        assert_int_equal(iommu_probe(&s), 0);
        assert_int_equal(s.cpu, CPU_INTEL);
        assert_true(s.guest);
        tl_write(dir, "proc/cpuinfo",
                 "processor\t: 0\nvendor_id\t: AuthenticAMD\n"
                 "flags\t\t: fpu hypervisors\nvmx flags\t: hypervisor\n");
        assert_int_equal(iommu_probe(&s), 0);
        assert_false(s.guest);

        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kmsg_text),
                cmocka_unit_test(test_note),
                cmocka_unit_test(test_probe),
        };

        return cmocka_run_group_tests_name("iommu", tests, NULL, NULL);
}

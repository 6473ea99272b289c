/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "pciaddr.h"
#include "testlib.h"

static void test_addr_forms(void **state)
{
        struct pci_addr a;
        char buf[PCI_ADDR_STRLEN];
        bool slot;

        (void)state;
        assert_int_equal(pci_addr_parse("0000:04:00.0", &a, NULL), 0);
        assert_string_equal(pci_addr_format(&a, buf), "0000:04:00.0");
        assert_int_equal(pci_addr_parse("04:00.1", &a, NULL), 0);
        assert_string_equal(pci_addr_format(&a, buf), "0000:04:00.1");
        assert_int_equal(pci_addr_parse("ABCD:C1:1F.7", &a, &slot), 0);
        assert_false(slot);
        assert_string_equal(pci_addr_format(&a, buf), "abcd:c1:1f.7");
        assert_int_equal(pci_addr_parse("c1:00", &a, &slot), 0);
        assert_true(slot);
        assert_string_equal(pci_addr_format(&a, buf), "0000:c1:00.0");
        assert_int_equal(pci_addr_parse("0001:c1:00", &a, &slot), 0);
        assert_true(slot);
        assert_int_equal(a.domain, 1);
}

static void test_addr_rejects(void **state)
{
        static const char *const bad[] = {
                "", "04", "4:00.0", "04:0.0", "04:00.8", "04:20.0", "04:00.", "04:00.0 ",
                " 04:00.0", "g4:00.0", "0000:04:00.0.0", "00000:04:00.0", "0000:04:00:00.0",
                "04:00.00", "-4:00.0",
        };
        struct pci_addr a;
        bool slot;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                if (pci_addr_parse(bad[i], &a, &slot) != -EINVAL)
                        fail_msg("accepted \"%s\"", bad[i]);
        /* slot forms only where asked for */
        assert_int_equal(pci_addr_parse("04:00", &a, NULL), -EINVAL);
        assert_int_equal(pci_addr_parse(NULL, &a, NULL), -EINVAL);
}

static void test_slot_compare(void **state)
{
        struct pci_addr a, b, c;

        (void)state;
        assert_int_equal(pci_addr_parse("04:00.0", &a, NULL), 0);
        assert_int_equal(pci_addr_parse("04:00.3", &b, NULL), 0);
        assert_int_equal(pci_addr_parse("04:01.0", &c, NULL), 0);
        assert_true(pci_addr_same_slot(&a, &b));
        assert_false(pci_addr_same_slot(&a, &c));
        assert_false(pci_addr_eq(&a, &b));
}

static void test_ids(void **state)
{
        struct pci_id id;
        char buf[PCI_ID_STRLEN];

        (void)state;
        assert_int_equal(pci_id_parse("10DE:1e04", &id), 0);
        assert_false(id.has_sub);
        assert_string_equal(pci_id_format(&id, buf), "10de:1e04");
        assert_int_equal(pci_id_parse("10de:1e04:1043:866a", &id), 0);
        assert_true(id.has_sub);
        assert_string_equal(pci_id_format(&id, buf), "10de:1e04:1043:866a");
        assert_int_equal(pci_id_parse("10de", &id), -EINVAL);
        assert_int_equal(pci_id_parse("10de:1e04:1043", &id), -EINVAL);
        assert_int_equal(pci_id_parse("10de:1e04:1043:866a:1", &id), -EINVAL);
        assert_int_equal(pci_id_parse("10de:1e0", &id), -EINVAL);
        assert_int_equal(pci_id_parse("10de:1e04:", &id), -EINVAL);
        assert_int_equal(pci_id_parse("0x10:1e04", &id), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_addr_forms),
                cmocka_unit_test(test_addr_rejects),
                cmocka_unit_test(test_slot_compare),
                cmocka_unit_test(test_ids),
        };

        return cmocka_run_group_tests_name("pciaddr", tests, NULL, NULL);
}

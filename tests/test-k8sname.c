/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "k8sname.h"
#include "kubevirt.h"
#include "testlib.h"

static bool name_ok(const char *s)
{
        return k8s_name_valid(s, strlen(s));
}

/* Kubernetes' IsQualifiedName name part and IsValidLabelValue. */
static void test_names(void **state)
{
        char long64[65];

        (void)state;
        memset(long64, 'a', 64);
        long64[64] = '\0';
        assert_true(name_ok("TU104GL_Tesla_T4"));
        assert_true(name_ok("a"));
        assert_true(name_ok("1.2-3_4"));
        assert_true(name_ok(long64 + 1));
        assert_false(name_ok(long64));
        assert_false(name_ok(""));
        assert_false(name_ok("-a"));
        assert_false(name_ok("a_"));
        assert_false(name_ok("a b"));
        assert_false(name_ok("a/b"));
        assert_true(k8s_label_value_valid(""));
        assert_true(k8s_label_value_valid("true"));
        assert_false(k8s_label_value_valid("-1"));
}

static void test_qualified(void **state)
{
        (void)state;
        assert_true(k8s_qualified_valid("gpupt.io/ready"));
        assert_true(k8s_qualified_valid("nvidia.com/TU104GL_Tesla_T4"));
        assert_true(k8s_qualified_valid("a-b.c9/x"));
        assert_false(k8s_qualified_valid("ready"));
        assert_false(k8s_qualified_valid("/x"));
        assert_false(k8s_qualified_valid("Gpupt.io/x"));
        assert_false(k8s_qualified_valid("gpupt..io/x"));
        assert_false(k8s_qualified_valid("-gpupt.io/x"));
        assert_false(k8s_qualified_valid("gpupt-.io/x"));
        assert_false(k8s_qualified_valid("gpupt.io/"));
        assert_false(k8s_qualified_valid("gpupt.io/a/b"));
        assert_false(k8s_qualified_valid("gpupt_io/x"));
}

static void test_from_text(void **state)
{
        char out[K8S_NAME_MAX + 1], in[200];

        (void)state;
        k8s_name_from_text("TU104GL [Tesla T4]", 18, out);
        assert_string_equal(out, "TU104GL_Tesla_T4");
        k8s_name_from_text("  [x]  ", 7, out);
        assert_string_equal(out, "x");
        k8s_name_from_text("USB 3.1 Host Controller", 23, out);
        assert_string_equal(out, "USB_3.1_Host_Controller");
        k8s_name_from_text("-.a-.", 5, out);
        assert_string_equal(out, "a");
        k8s_name_from_text("[]()", 4, out);
        assert_string_equal(out, "");
        memset(in, 'b', sizeof(in));
        k8s_name_from_text(in, sizeof(in), out);
        assert_int_equal(strlen(out), K8S_NAME_MAX);
        assert_true(name_ok(out));
        /* a word that would end in '_' at the limit is left out */
        memset(in, 'c', 62);
        memcpy(in + 62, " d", 2);
        k8s_name_from_text(in, 64, out);
        assert_int_equal(strlen(out), 62);
        assert_true(name_ok(out));
}

static void test_resource_names(void **state)
{
        char out[320];

        (void)state;
        kubevirt_resource_name("NVIDIA Corporation", "TU104GL [Tesla T4]", "x", out);
        assert_string_equal(out, "nvidia.com/TU104GL_Tesla_T4");
        kubevirt_resource_name("Advanced Micro Devices, Inc. [AMD/ATI]",
                               "Aldebaran/MI200 [Instinct MI210]", "x", out);
        assert_string_equal(out, "amd.com/Aldebaran_MI200_Instinct_MI210");
        kubevirt_resource_name("Intel Corporation", NULL, "pci-8086-e211", out);
        assert_string_equal(out, "intel.com/pci-8086-e211");
        kubevirt_resource_name(NULL, NULL, "pci-1234-0001", out);
        assert_string_equal(out, "gpupt.io/pci-1234-0001");
        kubevirt_resource_name("NVIDIA Corporation", "GRID T4-1Q", "nvidia-222", out);
        assert_string_equal(out, "nvidia.com/GRID_T4-1Q");
        assert_true(k8s_qualified_valid(out));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_qualified),
                cmocka_unit_test(test_from_text),
                cmocka_unit_test(test_resource_names),
        };

        return cmocka_run_group_tests_name("k8sname", tests, NULL, NULL);
}

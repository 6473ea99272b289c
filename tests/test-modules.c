/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libkmod over indexes the real depmod wrote for a fixture kernel. */
#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"
#include "testlib.h"
#include "util.h"

static bool has(const struct module_match *m, size_t n, const char *name,
                enum module_state st)
{
        for (size_t i = 0; i < n; i++)
                if (streq(m[i].name, name) && m[i].state == st)
                        return true;
        return false;
}

static void test_states(void **state)
{
        char *root = tl_fixture("builtin-gpu-driver");
        struct gp_modules *m;
        enum module_state st;

        (void)state;
        assert_int_equal(root_set(root), 0);
        assert_int_equal(modules_open(&m), 0);
        assert_string_equal(modules_release(m), "6.1.0-gpupt-amd64");
        assert_non_null(strstr(modules_dir(m), "/lib/modules/6.1.0-gpupt-amd64"));
        assert_int_equal(modules_state(m, "vfio-pci", &st), 0);
        assert_int_equal(st, MODULE_LOADABLE);
        assert_int_equal(modules_state(m, "vfio_iommu_type1", &st), 0);
        assert_int_equal(st, MODULE_LOADABLE);
        assert_int_equal(modules_state(m, "amdgpu", &st), 0);
        assert_int_equal(st, MODULE_BUILTIN);
        assert_int_equal(modules_state(m, "pci-stub", &st), 0);
        assert_int_equal(st, MODULE_MISSING);
        modules_free(m);
        root_set(NULL);
        tl_rmfixture(root);
}

/* What gpupt-apply loads with, on the context it opened once: a built-in
 * module is in the kernel already, an unknown one is named as such. (A
 * loadable one would go into the kernel running the test.) */
static void test_load(void **state)
{
        char *root = tl_fixture("builtin-gpu-driver");
        struct gp_modules *m;

        (void)state;
        assert_int_equal(root_set(root), 0);
        assert_int_equal(modules_open(&m), 0);
        assert_int_equal(modules_load(m, "amdgpu"), 0);
        assert_int_equal(modules_load(m, "pci-stub"), -ENOENT);
        assert_int_equal(modules_load(m, "amdgpu"), 0); /* the same context again */
        modules_free(m);
        root_set(NULL);
        tl_rmfixture(root);
}

static void test_modalias(void **state)
{
        char *root = tl_fixture("builtin-gpu-driver");
        struct module_match *v;
        struct gp_modules *m;
        size_t n;

        (void)state;
        assert_int_equal(root_set(root), 0);
        assert_int_equal(modules_open(&m), 0);
        /* an NVIDIA VGA: both GPU drivers */
        assert_int_equal(modules_for_modalias(m, "pci:v000010DEd00001E04sv000010DEsd000012A4"
                                                 "bc03sc00i00",
                                              &v, &n),
                         0);
        assert_true(has(v, n, "nvidia", MODULE_LOADABLE));
        assert_true(has(v, n, "nouveau", MODULE_LOADABLE));
        module_matches_free(v, n);
        /* the AMD GPU: amdgpu, built in, through modules.builtin.alias.bin */
        assert_int_equal(modules_for_modalias(m, "pci:v00001002d000073BFsv00001002sd00000E3A"
                                                 "bc03sc00i00",
                                              &v, &n),
                         0);
        assert_true(has(v, n, "amdgpu", MODULE_BUILTIN));
        module_matches_free(v, n);
        /* nothing matches */
        assert_int_equal(modules_for_modalias(m, "pci:v0000DEADd0000BEEFsv00000000sd00000000"
                                                 "bcFFscFFiFF",
                                              &v, &n),
                         0);
        assert_int_equal(n, 0);
        module_matches_free(v, n);
        modules_free(m);
        root_set(NULL);
        tl_rmfixture(root);
}

/* What a generic image packs: every module with a vfio_pci: alias, read
 * from the alias index; vfio_pci's own catch-all is not a variant. */
static void test_vfio_variants(void **state)
{
        char *root = tl_fixture("variant-driver");
        struct gp_modules *m;
        char **v = NULL;
        size_t n = 0;

        (void)state;
        assert_int_equal(root_set(root), 0);
        assert_int_equal(modules_open(&m), 0);
        assert_int_equal(modules_vfio_variants(m, &v, &n), 0);
        /* in the index's order, by alias: "…d*" sorts before "…d000073A3";
         * navi_vfio_pci's two aliases give one name */
        assert_int_equal(n, 2);
        assert_string_equal(v[0], "amd_vfio_pci");
        assert_string_equal(v[1], "navi_vfio_pci");
        dir_names_free(v, n);
        modules_free(m);
        root_set(NULL);
        tl_rmfixture(root);

        /* vfio_pci alone: none */
        root = tl_fixture("builtin-gpu-driver");
        assert_int_equal(root_set(root), 0);
        assert_int_equal(modules_open(&m), 0);
        assert_int_equal(modules_vfio_variants(m, &v, &n), 0);
        assert_int_equal(n, 0);
        dir_names_free(v, n);
        modules_free(m);
        root_set(NULL);
        tl_rmfixture(root);
}

static void test_missing_kernel(void **state)
{
        char *dir = tl_mkdtemp();
        struct gp_modules *m = NULL;

        (void)state;
        assert_int_equal(root_set(dir), 0);
        assert_int_equal(modules_open(&m), -ENOENT);
        tl_write(dir, "proc/sys/kernel/osrelease", "6.1.0-nothing\n");
        assert_int_equal(modules_open(&m), -ENOENT);
        tl_write(dir, "proc/sys/kernel/osrelease", "../../etc\n");
        assert_int_equal(modules_open(&m), -EBADMSG);
        modules_free(NULL);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

static void test_early(void **state)
{
        char *dir = tl_mkdtemp();
        struct early_module *v;
        size_t n;

        (void)state;
        assert_int_equal(root_set(dir), 0);
        assert_int_equal(modules_early(&v, &n), 0);
        assert_int_equal(n, 0);
        early_modules_free(v, n);
        tl_write(dir, "etc/modules-load.d/gpu.conf", "# GPU first\n; old\namdgpu\n  snd-hda-intel\n");
        tl_write(dir, "usr/lib/modules-load.d/x.conf", "nvidia\n");
        tl_write(dir, "etc/modules-load.d/readme.txt", "i915\n");
        tl_write(dir, "etc/modules", "loop\nnouveau modeset=0\n");
        tl_write(dir, "etc/dracut.conf.d/gpu.conf",
                 "add_drivers+=\" radeon ast \"\nforce_drivers+='i915'\nhostonly=yes\n");
        assert_int_equal(modules_early(&v, &n), 0);
        assert_int_equal(n, 8);
        assert_string_equal(v[0].name, "amdgpu");
        assert_string_equal(v[0].source, "/etc/modules-load.d/gpu.conf");
        assert_string_equal(v[1].name, "snd_hda_intel");
        assert_string_equal(v[2].name, "nvidia");
        assert_string_equal(v[3].name, "loop");
        assert_string_equal(v[4].name, "nouveau");
        assert_string_equal(v[4].source, "/etc/modules");
        assert_string_equal(v[5].name, "radeon");
        assert_string_equal(v[6].name, "ast");
        assert_string_equal(v[7].name, "i915");
        assert_string_equal(v[7].source, "/etc/dracut.conf.d/gpu.conf");
        early_modules_free(v, n);

        assert_false(module_is_loaded("snd-hda-intel"));
        tl_write(dir, "sys/module/snd_hda_intel/initstate", "live\n");
        assert_true(module_is_loaded("snd-hda-intel"));
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

/* modules-load.d is an overlay, as systemd-modules-load reads it: a file
 * in /etc hides one of the same name in /run and /usr/lib, and each
 * directory's files go in byte order of their names, whatever the locale's
 * collation says (which puts "a" before "B"). */
static void test_early_overlay(void **state)
{
        char *dir = tl_mkdtemp();
        struct early_module *v;
        size_t n;

        (void)state;
        if (!setlocale(LC_ALL, "en_US.UTF-8"))
                setlocale(LC_ALL, "C.UTF-8");
        assert_int_equal(root_set(dir), 0);
        tl_write(dir, "etc/modules-load.d/gpu.conf", "amdgpu\n");
        tl_write(dir, "etc/modules-load.d/a.conf", "ast\n");
        tl_write(dir, "etc/modules-load.d/B.conf", "bochs\n");
        tl_write(dir, "run/modules-load.d/a.conf", "i915\n");
        tl_write(dir, "usr/lib/modules-load.d/gpu.conf", "nvidia\n");
        tl_write(dir, "usr/lib/modules-load.d/x.conf", "radeon\n");
        tl_write(dir, "lib/modules-load.d/x.conf", "nouveau\n");
        assert_int_equal(modules_early(&v, &n), 0);
        assert_true(n >= 3);
        assert_string_equal(v[0].name, "bochs");
        assert_string_equal(v[0].source, "/etc/modules-load.d/B.conf");
        assert_string_equal(v[1].name, "ast");
        assert_string_equal(v[1].source, "/etc/modules-load.d/a.conf");
        assert_string_equal(v[2].name, "amdgpu");
        assert_string_equal(v[2].source, "/etc/modules-load.d/gpu.conf");
        /* /run's a.conf, /usr/lib's gpu.conf and /lib's x.conf are hidden */
        assert_int_equal(n, 4);
        assert_string_equal(v[3].name, "radeon");
        assert_string_equal(v[3].source, "/usr/lib/modules-load.d/x.conf");
        early_modules_free(v, n);
        setlocale(LC_ALL, "C");
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_states),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_modalias),
                cmocka_unit_test(test_vfio_variants),
                cmocka_unit_test(test_missing_kernel),
                cmocka_unit_test(test_early),
                cmocka_unit_test(test_early_overlay),
        };

        return cmocka_run_group_tests_name("modules", tests, NULL, NULL);
}

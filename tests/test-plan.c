/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plan on whole fixture machines: what is claimed, and which detector
 * speaks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan-build.h"
#include "plan-steps.h"
#include "testlib.h"
#include "util.h"

struct world {
        char *root;
        struct conf *conf;
        struct host *host;
        struct plan *plan;
};

static void build(struct world *w, const char *scenario, const char *variant)
{
        struct conf_error err = { 0 };
        char path[4096];

        w->root = tl_fixture(scenario);
        assert_int_equal(root_set(w->root), 0);
        if (variant)
                snprintf(path, sizeof(path), "%s/etc/gpupt-variants/%s.conf", w->root, variant);
        if (conf_load(variant ? path : NULL, &w->conf, &err) < 0)
                fail_msg("config: %s:%u: %s", err.file, err.line, err.message);
        assert_int_equal(host_new(&w->host), 0);
        assert_int_equal(plan_build(w->conf, w->host, &w->plan), 0);
}

static void done(struct world *w)
{
        plan_free(w->plan);
        host_free(w->host);
        conf_free(w->conf);
        root_set(NULL);
        tl_rmfixture(w->root);
}

static size_t count_code(const struct plan *p, const char *code, enum severity sev)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_problems; i++)
                n += streq(problem_name(p->problems[i].code), code) && p->problems[i].severity == sev;
        return n;
}

static void test_eight_gpus(void **state)
{
        struct world w;

        (void)state;
        build(&w, "eight-gpus", NULL);
        assert_int_equal(w.plan->n_claims, 16);
        assert_true(plan_ready(w.plan));
        for (size_t i = 1; i < w.plan->n_claims; i++)
                assert_true(pci_addr_key(&w.plan->claims[i - 1].fn->addr) <
                            pci_addr_key(&w.plan->claims[i].fn->addr));
        for (size_t i = 0; i < w.plan->n_claims; i++) {
                assert_int_equal(w.plan->claims[i].fn->numa_node, 1);
                assert_non_null(plan_find_claim(w.plan, &w.plan->claims[i].fn->addr));
        }
        assert_true(w.plan->iommu.enabled);
        assert_non_null(w.plan->modules);
        done(&w);
}

static void test_bars_on_primary(void **state)
{
        struct world w;
        size_t with_bars = 0;

        (void)state;
        build(&w, "amd-rebar-igpu", NULL);
        assert_true(plan_ready(w.plan));
        for (size_t i = 0; i < w.plan->n_claims; i++) {
                const struct claim *c = &w.plan->claims[i];

                if (!c->n_bars)
                        continue;
                with_bars++;
                assert_int_equal(c->fn->addr.fn, 0);
                assert_int_equal(c->bars[0].index, 2);
                assert_int_equal(c->bars[0].log2_mib, 3);
        }
        assert_int_equal(with_bars, 1);
        assert_int_equal(count_code(w.plan, "boot-vga", SEVERITY_WARNING), 0);
        done(&w);

        build(&w, "amd-rebar-igpu", "bar-too-big");
        assert_int_equal(count_code(w.plan, "bar-unsupported", SEVERITY_ERROR), 1);
        assert_false(plan_ready(w.plan));
        done(&w);
}

static void test_impure(void **state)
{
        struct world w;

        (void)state;
        build(&w, "group-with-nic", NULL);
        assert_int_equal(count_code(w.plan, "impure-group", SEVERITY_ERROR), 1);
        done(&w);
        build(&w, "group-with-nic", "warn");
        assert_int_equal(count_code(w.plan, "impure-group", SEVERITY_WARNING), 1);
        assert_true(plan_ready(w.plan));
        done(&w);
}

static void test_root_disk(void **state)
{
        struct world w;

        (void)state;
        build(&w, "nvme-root-in-group", NULL);
        assert_int_equal(count_code(w.plan, "root-disk", SEVERITY_ERROR), 1);
        done(&w);
}

static void test_iommu_off(void **state)
{
        struct world w;

        (void)state;
        build(&w, "iommu-off-amd", NULL);
        assert_false(w.plan->iommu.enabled);
        assert_int_equal(w.plan->iommu.cpu, CPU_AMD);
        assert_int_equal(count_code(w.plan, "iommu-off", SEVERITY_ERROR), 1);
        done(&w);
}

/* Resolving, all the generator and the boot-time helper do, reads no
 * claim's attributes; checking reads what the report and the checks need. */
static void test_resolve_reads_no_attributes(void **state)
{
        struct conf_error err = { 0 };
        struct world w;

        (void)state;
        w.root = tl_fixture("eight-gpus");
        assert_int_equal(root_set(w.root), 0);
        if (conf_load(NULL, &w.conf, &err) < 0)
                fail_msg("config: %s:%u: %s", err.file, err.line, err.message);
        assert_int_equal(host_new(&w.host), 0);
        assert_int_equal(plan_resolve(w.conf, w.host, &w.plan), 0);
        assert_int_equal(w.plan->n_claims, 16);
        for (size_t i = 0; i < w.plan->n_claims; i++) {
                assert_false(w.plan->claims[i].fn->basics);
                assert_false(w.plan->claims[i].fn->details);
                assert_int_equal(w.plan->claims[i].fn->numa_node, -1);
        }
        assert_int_equal(plan_check(w.plan), 0);
        for (size_t i = 0; i < w.plan->n_claims; i++) {
                assert_true(w.plan->claims[i].fn->basics || w.plan->claims[i].fn->details);
                assert_int_equal(w.plan->claims[i].fn->numa_node, 1);
        }
        assert_true(plan_ready(w.plan));
        done(&w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_eight_gpus), cmocka_unit_test(test_bars_on_primary),
                cmocka_unit_test(test_impure),     cmocka_unit_test(test_root_disk),
                cmocka_unit_test(test_iommu_off),
                cmocka_unit_test(test_resolve_reads_no_attributes),
        };

        return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}

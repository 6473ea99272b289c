/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The renderers read nothing: with the plan, the listing, the recipes and
 * the names gathered and the host sealed, the report (text and JSON),
 * --list (text and JSON), the hand-offs, --kubevirt and --import come out
 * the same once the root is gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "handoff.h"
#include "host.h"
#include "import.h"
#include "kubevirt.h"
#include "list.h"
#include "listing.h"
#include "pciids.h"
#include "plan-build.h"
#include "recipes.h"
#include "report.h"
#include "testlib.h"
#include "util.h"

/* A names database of the root's own: were a renderer to open one, it
 * would find the system's, or none, once the root is gone. */
static const char planted_ids[] = "# planted\n"
                                  "10de  Planted Graphics Vendor\n"
                                  "\t1e04  Planted GPU [Model 1]\n"
                                  "\t10f7  Planted GPU Audio\n"
                                  "8086  Planted Chip Vendor\n";

/* What gpupt-check gathers before it renders. */
struct gathered {
        struct conf *conf;
        struct host *host, *list_host;
        struct plan *plan;
        struct listing *listing;
        struct recipes recipes;
        struct pciids *db;
};

static void gather(struct gathered *g)
{
        struct conf_error err = { 0 };

        *g = (struct gathered){ 0 };
        assert_int_equal(conf_load(NULL, &g->conf, &err), 0);
        assert_int_equal(host_new(&g->host), 0);
        assert_int_equal(plan_build_next(g->conf, g->host, &g->plan), 0);
        assert_int_equal(plan_gather_handoff(g->plan), 0);
        assert_int_equal(recipes_read(&g->recipes), 0);
        assert_int_equal(recipes_find_functions(&g->recipes, g->host), 0);
        host_seal(g->host);
        assert_int_equal(host_new(&g->list_host), 0);
        assert_int_equal(listing_build(g->conf, g->list_host, false, &g->listing), 0);
        host_seal(g->list_host);
        assert_int_equal(pciids_open(&g->db), 0);
}

static void gathered_done(struct gathered *g)
{
        pciids_free(g->db);
        recipes_done(&g->recipes);
        listing_free(g->listing);
        plan_free(g->plan);
        host_free(g->list_host);
        host_free(g->host);
        conf_free(g->conf);
}

/* One hand-off of a device entry, of an sriov entry's VFs or of an mdev
 * entry, in every kind, with whether it is ready. */
static void handoffs(FILE *f, const struct plan *p, struct handoff_set *set)
{
        static const enum handoff_kind kinds[] = { HANDOFF_LIBVIRT, HANDOFF_QEMU,
                                                   HANDOFF_PROXMOX };

        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                fprintf(f, "--- hand-off %d\n", (int)kinds[k]);
                assert_int_equal(handoff_write(f, f, p, set, kinds[k]), 0);
                fprintf(f, "ready: %d\n", handoff_ready(p, set, f));
        }
}

/* Everything gpupt-check renders from g, into one string. */
static char *render(const struct gathered *g)
{
        const struct plan *p = g->plan;
        const struct style st = { .width = 0, .color = false };
        const struct list_options text = { .json = false }, json = { .json = true };
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        fputs("--- report\n", f);
        report_human(f, p, g->db, &st);
        fputs("--- report without names\n", f);
        report_human(f, p, NULL, &st);
        fputs("--- report --json\n", f);
        report_json(f, p, g->db);
        fputs("--- report --quiet\n", f);
        report_quiet(f, p, &st);
        fputs("--- list\n", f);
        assert_int_equal(list_print(f, g->listing, g->db, &text), 0);
        fputs("--- list without names\n", f);
        assert_int_equal(list_print(f, g->listing, NULL, &text), 0);
        fputs("--- list --json\n", f);
        assert_int_equal(list_print(f, g->listing, g->db, &json), 0);
        for (size_t i = 0; i < p->conf->n_devices; i++) {
                const struct conf_device *d = &p->conf->devices[i];
                const struct conf_device **e = &d;
                struct handoff_set set = { .entries = e, .n = 1, .guest = HANDOFF_GUEST_WINDOWS };
                const struct conf_device *kd[1];
                const struct mdev_plan *km[1];
                struct kubevirt_set kv = { .devices = kd, .mdevs = km };

                fprintf(f, "--- device %s\n", d->name);
                handoffs(f, p, &set);
                assert_int_equal(kubevirt_add(p, &kv, d->name), 0);
                assert_int_equal(kubevirt_write(f, f, p, g->db, &kv), 0);
        }
        for (size_t i = 0; i < p->conf->n_sriovs; i++) {
                struct handoff_vfs vfs = { .entry = &p->conf->sriovs[i], .first = 0,
                                           .n = p->conf->sriovs[i].vfs };
                struct handoff_set set = { .vfs = &vfs, .n_vfs = 1 };

                fprintf(f, "--- sriov %s\n", vfs.entry->name);
                handoffs(f, p, &set);
        }
        for (size_t i = 0; i < p->conf->n_mdevs; i++) {
                const struct conf_mdev *m = &p->conf->mdevs[i];
                struct handoff_set set = { .mdevs = &m, .n_mdevs = 1 };
                const struct conf_device *kd[1];
                const struct mdev_plan *km[1];
                struct kubevirt_set kv = { .devices = kd, .mdevs = km };

                fprintf(f, "--- mdev %s\n", m->name);
                handoffs(f, p, &set);
                assert_int_equal(kubevirt_add(p, &kv, m->name), 0);
                assert_int_equal(kubevirt_write(f, f, p, g->db, &kv), 0);
        }
        fputs("--- import\n", f);
        assert_true(import_print(f, &g->recipes) >= 0);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void check_scenario(const char *scenario)
{
        char *root = tl_fixture(scenario);
        _cleanup_free_ char *away = strdup_printf("%s.away", root);
        _cleanup_free_ char *present = NULL, *gone = NULL;
        struct gathered g;

        assert_non_null(away);
        tl_write(root, "usr/share/misc/pci.ids", planted_ids);
        assert_int_equal(root_set(root), 0);
        gather(&g);
        present = render(&g);
        /* the names came from the root's database */
        assert_non_null(strstr(present, "Planted"));
        /* The machine is gone: a renderer that read it would say less,
         * or other names. */
        assert_int_equal(rename(root, away), 0);
        gone = render(&g);
        assert_int_equal(rename(away, root), 0);
        if (!streq(present, gone)) {
                fprintf(stderr, "%s: rendered with the root:\n%s\nwithout it:\n%s\n", scenario,
                        present, gone);
                fail();
        }
        gathered_done(&g);
        root_set(NULL);
        tl_rmfixture(root);
}

/* SR-IOV VFs placed by the PF's capability, mdevs, --import's driverctl
 * overrides, VFIO nodes and vGPU VFs, and a whole card. */
static void test_sriov_gvt(void **state)
{
        (void)state;
        check_scenario("sriov-gvt");
}

static void test_foreign_recipes(void **state)
{
        (void)state;
        check_scenario("foreign-recipes");
}

static void test_vfio_bound(void **state)
{
        (void)state;
        check_scenario("vfio-bound");
}

static void test_vgpu_l40s(void **state)
{
        (void)state;
        check_scenario("vgpu-l40s");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sriov_gvt),
                cmocka_unit_test(test_foreign_recipes),
                cmocka_unit_test(test_vfio_bound),
                cmocka_unit_test(test_vgpu_l40s),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

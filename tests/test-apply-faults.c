/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every write fails once. For every recorded scenario and each of claim,
 * sriov, mdev and vgpu, apply runs once per write k of a clean run, with
 * write k failing (EIO, and EBUSY or ENOSPC where the kernel's ABI returns
 * them for that attribute), on a fresh copy of the machine. After each run:
 * - no function that had a driver is driverless;
 * - every claim unit is wholly on its claim drivers or wholly on its old
 *   drivers, and a unit the plan blocks is untouched;
 * - reset_method reads its old value or the planned one;
 * - a PF has its old VF count or the planned one, and with vf_driver every
 *   VF is on it, or given back (override cleared);
 * - a VF's vGPU type is its old one or the planned one;
 * - the run failed, and its messages name the path of the failed write;
 * - the record (record.h), written as gpupt-apply writes it after each
 *   unit, names only units whose work holds: a claim line with a unit
 *   wholly on its claim drivers, an sriov line with the planned VF count
 *   (each VF on vf_driver), an mdev line with a planned mdev of the
 *   parent, a vgpu line with its type on every VF planned for it.
 * And on every scenario: a Ready plan, applied without a fault, verifies
 * with no not-applied and no reboot-required. The totals are printed; any violation fails.
 * GPUPT_FAULT_SCENARIOS (a space-separated list) limits the scenarios, for
 * the slowest tiers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "kernel-double.h"
#include "mdevdev.h"
#include "record.h"
#include "util.h"
#include "verify.h"

enum action { ACT_CLAIM, ACT_SRIOV, ACT_MDEV, ACT_VGPU, _ACT_MAX };
static const char *const action_name[] = { "claim", "sriov", "mdev", "vgpu" };

#define MAX_FNS 512

/* What the machine looked like before a run. */
struct snapshot {
        size_t n;
        struct {
                char bdf[16];
                char driver[64];
                char reset[256];
                char numvfs[16];
                char override[64];
                char vgpu[32];
        } fn[MAX_FNS];
};

static unsigned runs, violations, configs;
static const char *scenario_now, *action_now;
static const char *variant_now; /* NULL: the scenario's own config */
static unsigned k_now;
static int errno_now;

static void violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
{
        va_list ap;

        violations++;
        fprintf(stdout, "VIOLATION %s%s%s%s/%s write %u (%s) %s: ", scenario_now,
                variant_now ? "[" : "", variant_now ? variant_now : "", variant_now ? "]" : "",
                action_now, k_now,
                strerror(errno_now), failed_path);
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
}

static void read_or_empty(const char *path, char *buf, size_t n)
{
        if (read_attr_at(AT_FDCWD, path, buf, n) < 0)
                *buf = '\0';
}

static void take_snapshot(struct snapshot *s)
{
        _cleanup_free_ char *dir = strdup_printf("%s/sys/bus/pci/devices", root_dir());
        char **names = NULL;
        size_t n = 0;

        assert_non_null(dir);
        assert_int_equal(dir_names_sorted(AT_FDCWD, dir, NULL, NULL, &names, &n), 0);
        s->n = 0;
        for (size_t i = 0; i < n && s->n < MAX_FNS; i++) {
                char p[4096];

                snprintf(s->fn[s->n].bdf, sizeof(s->fn[0].bdf), "%s", names[i]);
                bound_to(names[i], s->fn[s->n].driver, sizeof(s->fn[0].driver));
                snprintf(p, sizeof(p), "%s/%s/reset_method", dir, names[i]);
                read_or_empty(p, s->fn[s->n].reset, sizeof(s->fn[0].reset));
                snprintf(p, sizeof(p), "%s/%s/sriov_numvfs", dir, names[i]);
                read_or_empty(p, s->fn[s->n].numvfs, sizeof(s->fn[0].numvfs));
                snprintf(p, sizeof(p), "%s/%s/driver_override", dir, names[i]);
                read_or_empty(p, s->fn[s->n].override, sizeof(s->fn[0].override));
                snprintf(p, sizeof(p), "%s/%s/nvidia/current_vgpu_type", dir, names[i]);
                read_or_empty(p, s->fn[s->n].vgpu, sizeof(s->fn[0].vgpu));
                s->n++;
        }
        dir_names_free(names, n);
}

static int find_fn(const struct snapshot *s, const char *bdf)
{
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->fn[i].bdf, bdf))
                        return (int)i;
        return -1;
}

/* The claims' guarantees, judged with the plan made before the run. */
static void check_claims(const struct plan *p, const struct snapshot *before,
                         const struct snapshot *after)
{
        for (size_t u = 0; u < p->n_units; u++) {
                const struct claim_unit *cu = &p->units[u];
                size_t on_claim = 0, on_old = 0;

                for (size_t i = 0; i < cu->n_claims; i++) {
                        const struct claim *c = &p->claims[cu->claims[i]];
                        const char *want = plan_driver(p, c->driver);
                        int b = find_fn(before, c->fn->bdf), a = find_fn(after, c->fn->bdf);
                        bool claimed, reset_old;

                        if (b < 0 || a < 0)
                                continue; /* a function the scenario lacks */
                        claimed = streq(after->fn[a].driver, want);
                        on_claim += claimed;
                        on_old += streq(after->fn[a].driver, before->fn[b].driver);
                        reset_old = streq(after->fn[a].reset, before->fn[b].reset);
                        /* given back: as it was; claimed: as planned (or as it was) */
                        if (!claimed && !reset_old)
                                violation("%s is given back with reset_method \"%s\", not its "
                                          "old \"%s\"", c->fn->bdf, after->fn[a].reset,
                                          before->fn[b].reset);
                        if (claimed && !reset_old &&
                            !(c->entry->reset_method &&
                              streq(after->fn[a].reset, c->entry->reset_method)))
                                violation("%s: reset_method \"%s\", neither the old \"%s\" nor "
                                          "the planned one", c->fn->bdf, after->fn[a].reset,
                                          before->fn[b].reset);
                }
                if (plan_unit_blocker(p, cu) && on_old != cu->n_claims)
                        violation("unit of %s is blocked by the plan but changed",
                                  p->claims[cu->claims[0]].fn->bdf);
                else if (on_claim != cu->n_claims && on_old != cu->n_claims)
                        violation("unit of %s is split: %zu of %zu functions on the claim "
                                  "drivers, %zu on their old ones",
                                  p->claims[cu->claims[0]].fn->bdf, on_claim, cu->n_claims,
                                  on_old);
        }
}

static void check_sriov(const struct plan *p, const struct snapshot *before,
                        const struct snapshot *after)
{
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];
                int b, a;
                char planned[16];

                if (!s->pf || (b = find_fn(before, s->pf->bdf)) < 0 ||
                    (a = find_fn(after, s->pf->bdf)) < 0)
                        continue;
                snprintf(planned, sizeof(planned), "%u", s->entry->vfs);
                if (!streq(after->fn[a].numvfs, before->fn[b].numvfs) &&
                    !streq(after->fn[a].numvfs, planned))
                        violation("%s: %s VFs, neither the old %s nor the planned %s",
                                  s->pf->bdf, after->fn[a].numvfs, before->fn[b].numvfs,
                                  planned);
                /* the VFs: on vf_driver, or given back with the override cleared */
                for (size_t v = 0; s->vf_driver && v < after->n; v++) {
                        const char *want = plan_driver(p, s->vf_driver);

                        if (strncmp(after->fn[v].bdf, "0000:01:10.", 11) != 0)
                                continue;
                        if (!streq(after->fn[v].driver, want) &&
                            streq(after->fn[v].override, want))
                                violation("VF %s is left with driver_override %s and driver "
                                          "\"%s\"", after->fn[v].bdf, want,
                                          after->fn[v].driver);
                        if (streq(after->fn[a].numvfs, planned) &&
                            !streq(before->fn[b].numvfs, planned) &&
                            !streq(after->fn[v].driver, want))
                                violation("VF %s of the planned count is not on %s",
                                          after->fn[v].bdf, want);
                }
        }
}

static void check_vgpus(const struct snapshot *before, const struct snapshot *after,
                        const struct plan *p)
{
        for (size_t i = 0; i < after->n; i++) {
                int b = find_fn(before, after->fn[i].bdf);
                bool planned = false;

                if (b < 0 || streq(after->fn[i].vgpu, before->fn[b].vgpu))
                        continue;
                for (size_t g = 0; g < p->n_vgpus; g++) {
                        char id[32];

                        snprintf(id, sizeof(id), "%ld", p->vgpus[g].type_id);
                        planned = planned || streq(after->fn[i].vgpu, id);
                }
                if (!planned)
                        violation("VF %s holds vGPU type %s, neither the old %s nor a planned "
                                  "one", after->fn[i].bdf, after->fn[i].vgpu,
                                  before->fn[b].vgpu);
        }
}

/* Every function that had a driver still has one. */
static void check_drivers(const struct snapshot *before, const struct snapshot *after)
{
        for (size_t i = 0; i < before->n; i++) {
                int a = find_fn(after, before->fn[i].bdf);

                if (*before->fn[i].driver && a >= 0 && !*after->fn[a].driver)
                        violation("%s had %s and is left without a driver", before->fn[i].bdf,
                                  before->fn[i].driver);
        }
}

/* As gpupt-apply does after the unit's run. */
static void record(const struct plan *p, enum record_kind kind, const char *arg, int status)
{
        assert_true(apply_record(p, kind, arg, status) >= 0);
}

/* Whether some claim unit is wholly on its claim drivers. */
static bool a_unit_claimed(const struct plan *p, const struct snapshot *after)
{
        for (size_t u = 0; u < p->n_units; u++) {
                const struct claim_unit *cu = &p->units[u];
                size_t on = 0;

                for (size_t i = 0; i < cu->n_claims; i++) {
                        const struct claim *c = &p->claims[cu->claims[i]];
                        int a = find_fn(after, c->fn->bdf);

                        on += a >= 0 && streq(after->fn[a].driver, plan_driver(p, c->driver));
                }
                if (cu->n_claims && on == cu->n_claims)
                        return true;
        }
        return false;
}

static const char *sriov_broken(const struct plan *p, const char *name,
                                const struct snapshot *after)
{
        static char why[256];

        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];
                char planned[16];
                int a;

                if (!streq(s->entry->name, name))
                        continue;
                if (!s->pf || (a = find_fn(after, s->pf->bdf)) < 0)
                        return "its PF is not there";
                snprintf(planned, sizeof(planned), "%u", s->entry->vfs);
                if (!streq(after->fn[a].numvfs, planned)) {
                        snprintf(why, sizeof(why), "%s has %s VFs, not the planned %s",
                                 s->pf->bdf, after->fn[a].numvfs, planned);
                        return why;
                }
                for (size_t v = 0; s->vf_driver && v < after->n; v++)
                        if (strncmp(after->fn[v].bdf, "0000:01:10.", 11) == 0 &&
                            !streq(after->fn[v].driver, plan_driver(p, s->vf_driver))) {
                                snprintf(why, sizeof(why), "VF %s is on \"%s\", not %s",
                                         after->fn[v].bdf, after->fn[v].driver,
                                         plan_driver(p, s->vf_driver));
                                return why;
                        }
                return NULL;
        }
        return "no such sriov entry in the plan";
}

static bool mdev_made(const struct plan *p, const char *parent)
{
        for (size_t i = 0; i < p->n_mdevs; i++)
                if (streq(p->mdevs[i].entry->parent, parent) &&
                    mdevdev_exists(p->mdevs[i].entry->uuid))
                        return true;
        return false;
}

static const char *vgpu_broken(const struct plan *p, const char *name,
                               const struct snapshot *after)
{
        static char why[256];
        bool found = false;

        for (size_t g = 0; g < p->n_vgpus; g++) {
                const struct vgpu_plan *v = &p->vgpus[g];
                char id[32];

                if (!streq(v->entry->name, name))
                        continue;
                found = true;
                snprintf(id, sizeof(id), "%ld", v->type_id);
                for (size_t i = 0; i < v->n_vfs; i++) {
                        int a = find_fn(after, v->vfs[i]);

                        if (a < 0 || !streq(after->fn[a].vgpu, id)) {
                                snprintf(why, sizeof(why), "VF %s holds type %s, not %s",
                                         v->vfs[i], a < 0 ? "(none)" : after->fn[a].vgpu, id);
                                return why;
                        }
                }
        }
        return found ? NULL : "no such vgpu entry in the plan";
}

/* The record names only units whose work holds after the run. */
static void check_record(const struct plan *p, const struct snapshot *after)
{
        struct record rec = { 0 };
        int r = record_read(&rec);

        if (r == -ENOENT)
                return;
        if (r < 0) {
                violation("the record cannot be read: %s", strerror(-r));
                return;
        }
        for (size_t i = 0; i < rec.n; i++) {
                const struct record_line *l = &rec.lines[i];
                const char *why = NULL;

                switch (l->kind) {
                case RECORD_CLAIM:
                        why = a_unit_claimed(p, after) ? NULL : "no unit is on its claim drivers";
                        break;
                case RECORD_SRIOV:
                        why = sriov_broken(p, l->arg, after);
                        break;
                case RECORD_MDEV:
                        why = mdev_made(p, l->arg) ? NULL : "no planned mdev of it exists";
                        break;
                case RECORD_VGPU:
                        why = vgpu_broken(p, l->arg, after);
                        break;
                }
                if (why)
                        violation("the record says %s%s%s was carried out, but %s",
                                  record_kind_name(l->kind), l->arg ? " " : "",
                                  l->arg ? l->arg : "", why);
        }
        record_done(&rec);
}

/* Runs one action on the machine now under the root: its return (0 done),
 * with its messages in *log. */
static int run_action(struct plan *p, enum action a, char **log, size_t *n_log)
{
        char path[] = "/tmp/gpupt-faults-log.XXXXXX";
        int fd = mkstemp(path), saved = dup(STDERR_FILENO), failures = 0;

        assert_true(fd >= 0 && saved >= 0);
        unlink(path);
        fflush(stderr);
        dup2(fd, STDERR_FILENO);
        switch (a) {
        case ACT_CLAIM:
                failures = apply_claims(p);
                record(p, RECORD_CLAIM, NULL, failures);
                break;
        case ACT_SRIOV:
                for (size_t i = 0; i < p->n_sriovs; i++) {
                        int status = apply_sriov(p, p->sriovs[i].entry->name);

                        record(p, RECORD_SRIOV, p->sriovs[i].entry->name, status);
                        failures += status;
                }
                break;
        case ACT_MDEV:
                /* each parent once, as the units and the udev rule run it */
                for (size_t i = 0; i < p->n_mdevs; i++) {
                        bool seen = false;

                        for (size_t j = 0; j < i && !seen; j++)
                                seen = streq(p->mdevs[j].entry->parent, p->mdevs[i].entry->parent);
                        if (!seen) {
                                int status = apply_mdevs(p, p->mdevs[i].entry->parent);

                                record(p, RECORD_MDEV, p->mdevs[i].entry->parent, status);
                                failures += status != 0;
                        }
                }
                break;
        case ACT_VGPU:
                for (size_t i = 0; i < p->conf->n_vgpus; i++) {
                        int status = apply_vgpu(p, p->conf->vgpus[i].name);

                        record(p, RECORD_VGPU, p->conf->vgpus[i].name, status);
                        failures += status;
                }
                break;
        case _ACT_MAX:
                break;
        }
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        lseek(fd, 0, SEEK_SET);
        assert_int_equal(read_fd(fd, 1 << 20, log, n_log), 0);
        close(fd);
        return failures;
}

static bool has_work(const struct plan *p, enum action a)
{
        switch (a) {
        case ACT_CLAIM:
                return p->n_claims > 0;
        case ACT_SRIOV:
                return p->n_sriovs > 0;
        case ACT_MDEV:
                return p->n_mdevs > 0;
        case ACT_VGPU:
                return p->conf->n_vgpus > 0;
        case _ACT_MAX:
                break;
        }
        return false;
}

/* A fresh copy of base's sysfs as the root's (apply writes nothing
 * else), loaded. */
static void fresh(const char *base, struct world *w)
{
        char cmd[8192];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys' '%s/run/gpupt' && cp -a '%s/sys' '%s/sys'",
                 w->root, w->root, base, w->root);
        assert_int_equal(system(cmd), 0);
        remember_native();
        writes = 0;
        fail_at = 0;
        failed_path[0] = '\0';
        n_reset = 0;
        load(w, variant_now);
}

/* The errors the kernel returns for a write to path, besides EIO. */
static int other_errno(const char *path)
{
        if (ends(path, "/unbind") || ends(path, "_resize") || ends(path, "/sriov_numvfs") ||
            ends(path, "/current_vgpu_type"))
                return EBUSY;
        if (ends(path, "/create"))
                return ENOSPC;
        return 0;
}

/* Runs action a once clean to count its writes, then once per write k with
 * write k failing, each on a fresh copy of base, checking the guarantees. */
static void fault_action(const char *base, struct world *w, enum action a, const char *label)
{
        unsigned total;
        char *log = NULL;
        size_t n_log;

        fresh(base, w);
        if (!has_work(w->plan, a)) {
                unload(w);
                return;
        }
        run_action(w->plan, a, &log, &n_log);
        free(log);
        total = writes;
        unload(w);
        action_now = label;
        printf("faults: %s%s%s%s %s: %u writes\n", scenario_now, variant_now ? "[" : "",
               variant_now ? variant_now : "", variant_now ? "]" : "", action_now, total);
        for (unsigned k = 1; k <= total; k++) {
                for (int e = 0; e < 2; e++) {
                        struct snapshot *before = calloc(1, sizeof(*before));
                        struct snapshot *after = calloc(1, sizeof(*after));
                        int failures;

                        assert_true(before && after);
                        fresh(base, w);
                        fail_at = k;
                        fault_errno = EIO;
                        /* which path write k goes to: the clean run wrote the same */
                        if (e == 1 && !(fault_errno = other_errno(written[k - 1 < 256 ? k - 1 : 255]))) {
                                unload(w);
                                free(before);
                                free(after);
                                continue;
                        }
                        errno_now = fault_errno;
                        k_now = k;
                        take_snapshot(before);
                        failures = run_action(w->plan, a, &log, &n_log);
                        take_snapshot(after);
                        runs++;
                        if (*failed_path) {
                                if (failures == 0)
                                        violation("the run succeeded");
                                if (!strstr(log, failed_path))
                                        violation("no message names the failed write; it said: "
                                                  "%s", log);
                        }
                        check_drivers(before, after);
                        if (a == ACT_CLAIM)
                                check_claims(w->plan, before, after);
                        if (a == ACT_SRIOV)
                                check_sriov(w->plan, before, after);
                        if (a == ACT_VGPU)
                                check_vgpus(before, after, w->plan);
                        check_record(w->plan, after);
                        free(log);
                        free(before);
                        free(after);
                        unload(w);
                }
        }
}

/* base with every planned PF at another VF count than planned (and not 0),
 * made through the double as the kernel would: the SR-IOV unit then has
 * VFs to destroy and to give back. NULL when the scenario has no such PF. */
static char *with_other_vf_counts(const char *base, struct world *w)
{
        char *copy = strdup_printf("%s-vfs", base), cmd[8192];
        bool any = false;

        assert_non_null(copy);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s' '%s'", copy, base, copy);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(root_set(copy), 0);
        load(w, variant_now);
        for (size_t i = 0; i < w->plan->n_sriovs; i++) {
                const struct sriov_plan *sp = &w->plan->sriovs[i];
                _cleanup_free_ char *path = NULL;
                char other[16];

                if (!sp->pf || sp->pf->sriov_totalvfs < 2 || !sp->pf->driver)
                        continue;
                snprintf(other, sizeof(other), "%u", sp->entry->vfs == 1 ? 2 : 1);
                path = strdup_printf("%s/sys/bus/pci/devices/%s/sriov_numvfs", copy, sp->pf->bdf);
                assert_non_null(path);
                if (kernel_write(path, "0") == 0 && kernel_write(path, other) == 0)
                        any = true;
        }
        unload(w);
        assert_int_equal(root_set(w->root), 0);
        if (!any) {
                tl_rmtree(copy);
                free(copy);
                return NULL;
        }
        return copy;
}

/* Every function as a boot finds it before the initramfs: unbound. */
static void boot_unbound(void)
{
        struct snapshot *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        take_snapshot(s);
        for (size_t i = 0; i < s->n; i++) {
                char p[4096];

                if (!*s->fn[i].driver)
                        continue;
                snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/driver/unbind", root_dir(),
                         s->fn[i].bdf);
                assert_int_equal(kernel_write(p, s->fn[i].bdf), 0);
        }
        free(s);
        writes = 0;
}

/* udev coldplug: every unbound function probed, as the kernel does when its
 * module loads (an override keeps other drivers off). */
static void coldplug(void)
{
        struct snapshot *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        take_snapshot(s);
        for (size_t i = 0; i < s->n; i++)
                if (!*s->fn[i].driver)
                        probe_double(s->fn[i].bdf);
        free(s);
}

/* Every action of the config variant_now on base, and the promise. */
static void fault_config(const char *base, struct world *w)
{
        char *vfs;
        bool ready;

        configs++;
        fresh(base, w);
        ready = plan_ready(w->plan);
        unload(w);
        for (enum action a = 0; a < _ACT_MAX; a++)
                fault_action(base, w, a, action_name[a]);
        vfs = with_other_vf_counts(base, w);
        if (vfs) {
                fault_action(vfs, w, ACT_SRIOV, "sriov, other VFs there");
                tl_rmtree(vfs);
                free(vfs);
        }

        /* Ready is a promise: the next boot, without a fault, verifies. It
         * starts as boots do, with no driver bound (host drivers are modules
         * the initramfs has not loaded yet); the early claim runs, then
         * coldplug probes what is left, then the units. */
        if (ready) {
                char *log = NULL;
                size_t n_log;

                fresh(base, w);
                boot_unbound();
                run_action(w->plan, ACT_CLAIM, &log, &n_log);
                if (getenv("GPUPT_FAULT_DEBUG"))
                        fputs(log, stdout);
                free(log);
                coldplug();
                unload(w);
                load(w, variant_now);
                for (enum action a = ACT_CLAIM + 1; a < _ACT_MAX; a++) {
                        run_action(w->plan, a, &log, &n_log);
                        if (getenv("GPUPT_FAULT_DEBUG"))
                                fputs(log, stdout);
                        free(log);
                }
                unload(w);
                load(w, variant_now);
                assert_int_equal(plan_verify(w->plan), 0);
                action_now = "verify";
                k_now = 0;
                for (size_t i = 0; i < w->plan->n_problems; i++)
                        if (w->plan->problems[i].code == PROBLEM_NOT_APPLIED ||
                            w->plan->problems[i].code == PROBLEM_REBOOT_REQUIRED)
                                violation("Ready, applied, yet not in sync: %s",
                                          w->plan->problems[i].message);
                unload(w);
        }
}

/* The scenario's own config (NULL), then each etc/gpupt-variants/NAME.conf
 * by the NAME load() takes. */
static char **variant_list;
static size_t n_variant_list;

static bool is_conf(const char *name, void *userdata)
{
        size_t n = strlen(name);

        (void)userdata;
        return n > 5 && streq(name + n - 5, ".conf");
}

static void variants(const char *base)
{
        _cleanup_free_ char *dir = strdup_printf("%s/etc/gpupt-variants", base);
        char **names = NULL;
        size_t n = 0;

        assert_non_null(dir);
        if (dir_names_sorted(AT_FDCWD, dir, is_conf, NULL, &names, &n) < 0)
                n = 0;
        variant_list = calloc(n + 2, sizeof(*variant_list));
        assert_non_null(variant_list);
        for (size_t i = 0; i < n; i++) {
                variant_list[i + 1] = strndup(names[i], strlen(names[i]) - 5);
                assert_non_null(variant_list[i + 1]);
        }
        n_variant_list = n;
        dir_names_free(names, n);
}

static void variant_free(void)
{
        for (size_t i = 1; i <= n_variant_list; i++)
                free(variant_list[i]);
        free(variant_list);
        variant_list = NULL;
}

static void fault_scenario(const char *scenario)
{
        struct world w = { 0 };
        char *base = tl_fixture(scenario), *work = tl_mkdtemp();

        scenario_now = scenario;
        w.root = strdup_printf("%s/root", work);
        assert_non_null(w.root);
        {
                char cmd[8192];

                snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", base, w.root);
                assert_int_equal(system(cmd), 0);
        }
        assert_int_equal(root_set(w.root), 0);
        apply_write = kernel_write;
        apply_load_module = load_double;
        apply_wait_ms = 20;
        apply_mdev_wait_ms = 20;
        apply_vgpu_wait_ms = 20;
        refuse_bdf = refuse_unbind = fault_suffix = vanish_bdf = unloadable = NULL;

        variants(base);
        for (size_t i = 0; i <= n_variant_list; i++) {
                variant_now = variant_list[i];
                fault_config(base, &w);
        }
        variant_free();
        variant_now = NULL;
        root_set(NULL);
        tl_rmtree(work);
        free(work);
        free(w.root);
        tl_rmfixture(base);
}

static void test_every_write_fails_once(void **state)
{
        const char *only = getenv("GPUPT_FAULT_SCENARIOS");
        char line[8192];
        unsigned scenarios = 0;
        FILE *f;

        (void)state;
        f = only ? NULL : popen("python3 tests/mkfixture.py --list", "re");
        assert_true(only || f);
        if (only) {
                _cleanup_free_ char *list = strdup(only);
                char *save = NULL;

                for (char *s = strtok_r(list, " ", &save); s; s = strtok_r(NULL, " ", &save)) {
                        fault_scenario(s);
                        scenarios++;
                }
        } else {
                while (fgets(line, sizeof(line), f)) {
                        line[strcspn(line, " \n")] = '\0';
                        if (!*line)
                                continue;
                        fault_scenario(line);
                        scenarios++;
                }
                pclose(f);
        }
        printf("faults: %u scenarios, %u configs, %u runs (each with one write failing), "
               "%u violations\n", scenarios, configs, runs, violations);
        assert_true(scenarios > 0 && runs > 0);
        assert_int_equal(violations, 0);
}

int main(void)
{
        /* Thousands of copies of a machine: in memory where there is a tmpfs
         * for it (sysfs is in memory too), or the disk's speed is measured. */
        if (!getenv("TMPDIR") && access("/dev/shm", W_OK) == 0)
                setenv("TMPDIR", "/dev/shm", 1);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_write_fails_once),
        };

        return cmocka_run_group_tests_name("apply-faults", tests, NULL, NULL);
}

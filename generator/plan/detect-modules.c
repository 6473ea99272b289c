/* SPDX-License-Identifier: GPL-2.0-or-later */
/* module-missing, host-driver-builtin, host-driver-first, no-module-index */
#include <errno.h>
#include <string.h>

#include "plan-steps.h"
#include "util.h"
#include "variant.h"

/* Module names compare with '-' and '_' alike, as modprobe does. */
static int need_module(struct plan *p, const char *name, const char *why, const char *entry)
{
        enum module_state st;
        int r;

        r = modules_state(p->modules, name, &st);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -ENOENT)
                return plan_problem(p, SEVERITY_WARNING, PROBLEM_NO_MODULE_INDEX, NULL, entry,
                                    "cannot tell whether %s exists for kernel %s: %s", name,
                                    modules_release(p->modules), strerror(-r));
        if (r == 0 && st != MODULE_MISSING)
                return 0;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_MODULE_MISSING, NULL, entry,
                            "%s (%s) is neither a module nor built into kernel %s (%s): install "
                            "the kernel's modules package or pick another driver",
                            name, why, modules_release(p->modules), modules_dir(p->modules));
}

/* Each distinct driver once, however many functions use it. */
static int check_targets(struct plan *p)
{
        _cleanup_free_ const char **drivers = NULL;
        size_t n_drivers = 0, alloc = 0;
        bool want_vfio = false;
        int r;

        /* Each driver once: a config names a handful, its claims may be thousands. */
        for (size_t i = 0; i < p->n_claims; i++) {
                const char *drv = p->claims[i].driver;
                bool seen = false;

                for (size_t j = 0; j < n_drivers && !seen; j++)
                        seen = streq(drivers[j], drv);
                if (seen)
                        continue;
                if (GROW(drivers, n_drivers, alloc) < 0)
                        return -ENOMEM;
                drivers[n_drivers++] = drv;
                want_vfio |= variant_is_vfio(drv);
                r = need_module(p, drv, "the driver devices are claimed for",
                                p->claims[i].entry->name);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const char *drv = p->sriovs[i].vf_driver;

                if (!drv)
                        continue;
                want_vfio |= variant_is_vfio(drv);
                r = need_module(p, drv, "the driver for the VFs", p->sriovs[i].entry->name);
                if (r < 0)
                        return r;
        }
        if (want_vfio)
                return need_module(p, "vfio_iommu_type1", "vfio-pci's IOMMU backend", NULL);
        return 0;
}

/* The module lookups of the last few distinct modaliases: thousands of claimed
 * functions of a few models ask libkmod the same few questions. */
#define LOOKUP_CACHE 16
struct lookup {
        const char *modalias;
        struct module_match *m;
        size_t n;
        int r;
};

static int lookup(struct plan *p, struct lookup cache[static LOOKUP_CACHE], size_t *next,
                  const char *modalias, struct lookup **ret)
{
        struct lookup *l;

        for (size_t i = 0; i < LOOKUP_CACHE; i++)
                if (cache[i].modalias && streq(cache[i].modalias, modalias)) {
                        *ret = &cache[i];
                        return 0;
                }
        l = &cache[(*next)++ % LOOKUP_CACHE];
        module_matches_free(l->m, l->n);
        *l = (struct lookup){ .modalias = modalias };
        l->r = modules_for_modalias(p->modules, modalias, &l->m, &l->n);
        if (l->r == -ENOMEM) {
                *l = (struct lookup){ 0 };
                return -ENOMEM;
        }
        *ret = l;
        return 0;
}

static int check_host_drivers_cached(struct plan *p, const struct early_module *early,
                                     size_t n_early, struct lookup cache[static LOOKUP_CACHE],
                                     size_t *next)
{
        int r;

        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                struct lookup *l;
                struct module_match *m;
                size_t n;

                if (!c->fn->modalias)
                        continue;
                r = lookup(p, cache, next, c->fn->modalias, &l);
                if (r < 0)
                        return r;
                /* A modalias libkmod cannot look up matches no module: a
                 * stray '[' (an ESC sequence in sysfs) is -EINVAL there,
                 * which must not stop the whole check. */
                if (l->r < 0)
                        continue;
                m = l->m;
                n = l->n;
                for (size_t j = 0; r >= 0 && j < n; j++) {
                        if (module_name_eq(m[j].name, c->driver))
                                continue;
                        if (m[j].state == MODULE_BUILTIN) {
                                r = plan_problem(
                                        p, SEVERITY_ERROR, PROBLEM_HOST_DRIVER_BUILTIN, &c->fn->addr,
                                        c->entry->name,
                                        "%s is built into kernel %s and binds %s before any "
                                        "claim can run; boot a kernel that has %s as a module "
                                        "(or blacklists it with initcall_blacklist=), or use "
                                        "another card",
                                        m[j].name, modules_release(p->modules), c->fn->bdf,
                                        m[j].name);
                                continue;
                        }
                        for (size_t k = 0; k < n_early; k++) {
                                if (!streq(early[k].name, m[j].name))
                                        continue;
                                r = plan_problem(
                                        p, SEVERITY_WARNING, PROBLEM_HOST_DRIVER_FIRST, &c->fn->addr,
                                        c->entry->name,
                                        "%s, a driver for %s, is loaded early by %s and may bind "
                                        "it before the claim; remove it there, or rebuild the "
                                        "initramfs with gpupt's hook so the claim runs first",
                                        m[j].name, c->fn->bdf, early[k].source);
                                break;
                        }
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_host_drivers(struct plan *p, const struct early_module *early, size_t n_early)
{
        struct lookup cache[LOOKUP_CACHE] = { 0 };
        size_t next = 0;
        int r = check_host_drivers_cached(p, early, n_early, cache, &next);
        for (size_t i = 0; i < LOOKUP_CACHE; i++)
                module_matches_free(cache[i].m, cache[i].n);
        return r;
}

int detect_modules(struct plan *p)
{
        struct early_module *early = NULL;
        size_t n_early = 0;
        int r;

        if (!p->n_claims && !p->n_sriovs)
                return 0;
        if (!p->modules) {
                _cleanup_free_ char *dir = root_path("/lib/modules");

                return plan_problem(p, SEVERITY_WARNING, PROBLEM_NO_MODULE_INDEX, NULL, NULL,
                                    "no module index for the running kernel under %s (%s): "
                                    "module-missing and host-driver checks were skipped",
                                    dir ? dir : "/lib/modules", strerror(-p->modules_error));
        }
        r = check_targets(p);
        if (r < 0)
                return r;
        r = modules_early(&early, &n_early);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                n_early = 0;
        r = check_host_drivers(p, early, n_early);
        early_modules_free(early, n_early);
        return r;
}

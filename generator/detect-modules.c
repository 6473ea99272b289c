/* SPDX-License-Identifier: GPL-2.0-or-later */
/* module-missing, host-driver-builtin, host-driver-first, no-module-index */
#include <errno.h>
#include <string.h>

#include "plan.h"
#include "util.h"

/* Module names compare with '-' and '_' alike, as modprobe does. */
static bool same_module(const char *a, const char *b)
{
        for (; *a && *b; a++, b++)
                if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
                        return false;
        return *a == *b;
}

static int need_module(struct plan *p, const char *name, const char *why, const char *entry)
{
        enum module_state st;
        int r;

        r = modules_state(p->modules, name, &st);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -ENOENT)
                return plan_problem(p, SEVERITY_WARNING, "no-module-index", NULL, entry,
                                    "cannot tell whether %s exists for kernel %s: %s", name,
                                    modules_release(p->modules), strerror(-r));
        if (r == 0 && st != MODULE_MISSING)
                return 0;
        return plan_problem(p, SEVERITY_ERROR, "module-missing", NULL, entry,
                            "%s (%s) is neither a module nor built into kernel %s (%s): install "
                            "the kernel's modules package or pick another driver",
                            name, why, modules_release(p->modules), modules_dir(p->modules));
}

/* Each distinct driver once, however many functions use it. */
static int check_targets(struct plan *p)
{
        bool want_vfio = false;
        int r;

        for (size_t i = 0; i < p->n_claims; i++) {
                const char *drv = p->claims[i].entry->driver;
                bool seen = false;

                for (size_t j = 0; j < i && !seen; j++)
                        seen = streq(p->claims[j].entry->driver, drv);
                if (seen)
                        continue;
                want_vfio |= same_module(drv, "vfio-pci");
                r = need_module(p, drv, "the driver devices are claimed for",
                                p->claims[i].entry->name);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const char *drv = p->sriovs[i].entry->vf_driver;

                if (!drv)
                        continue;
                want_vfio |= same_module(drv, "vfio-pci");
                r = need_module(p, drv, "the driver for the VFs", p->sriovs[i].entry->name);
                if (r < 0)
                        return r;
        }
        if (want_vfio)
                return need_module(p, "vfio_iommu_type1", "vfio-pci's IOMMU backend", NULL);
        return 0;
}

static int check_host_drivers(struct plan *p, const struct early_module *early, size_t n_early)
{
        int r;

        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                struct module_match *m = NULL;
                size_t n = 0;

                if (!c->fn->modalias)
                        continue;
                r = modules_for_modalias(p->modules, c->fn->modalias, &m, &n);
                if (r == -ENOMEM)
                        return r;
                for (size_t j = 0; r >= 0 && j < n; j++) {
                        if (same_module(m[j].name, c->entry->driver))
                                continue;
                        if (m[j].state == MODULE_BUILTIN) {
                                r = plan_problem(
                                        p, SEVERITY_ERROR, "host-driver-builtin", &c->fn->addr,
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
                                        p, SEVERITY_WARNING, "host-driver-first", &c->fn->addr,
                                        c->entry->name,
                                        "%s, a driver for %s, is loaded early by %s and may bind "
                                        "it before the claim; remove it there, or rebuild the "
                                        "initramfs with gpupt's hook so the claim runs first",
                                        m[j].name, c->fn->bdf, early[k].source);
                                break;
                        }
                }
                module_matches_free(m, n);
                if (r < 0)
                        return r;
        }
        return 0;
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

                return plan_problem(p, SEVERITY_WARNING, "no-module-index", NULL, NULL,
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

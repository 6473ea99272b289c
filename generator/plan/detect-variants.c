/* SPDX-License-Identifier: GPL-2.0-or-later */
/* module-missing, for a vfio-pci variant that driver = "auto" resolved to */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "plan-steps.h"
#include "util.h"
#include "variant.h"

/* The index knows the variant (that is how it was resolved), so what can
 * be wrong is the file: a module package removed without depmod, or an
 * out-of-tree module built for another kernel. The claim would then fail
 * at boot, after the initramfs was built without it. */
static int check_file(struct plan *p, const char *driver, const struct pci_addr *a,
                      const char *entry)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (module_name_eq(driver, VARIANT_CATCH_ALL))
                return 0;
        r = modules_path(p->modules, driver, &path);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT) {
                enum module_state st;

                if (modules_state(p->modules, driver, &st) == 0 && st == MODULE_BUILTIN)
                        return 0;
        }
        if (r == 0 && access(path, F_OK) == 0)
                return 0;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_MODULE_MISSING, a, entry,
                            "driver = \"auto\" resolves to the vfio-pci variant %s, which "
                            "kernel %s lists in modules.alias but does not have installed (%s); "
                            "reinstall its package (then depmod %s), or set driver = "
                            "\"vfio-pci\"",
                            driver, modules_release(p->modules), path ? path : "no file",
                            modules_release(p->modules));
}

int detect_variants(struct plan *p)
{
        _cleanup_free_ const char **seen = NULL;
        size_t n_seen = 0, alloc = 0;
        int r;

        if (!p->modules)
                return 0; /* detect_modules said no-module-index */
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                bool dup = false;

                if (!streq(c->entry->driver, VARIANT_AUTO))
                        continue;
                for (size_t j = 0; j < n_seen && !dup; j++)
                        dup = streq(seen[j], c->driver);
                if (dup)
                        continue;
                if (GROW(seen, n_seen, alloc) < 0)
                        return -ENOMEM;
                seen[n_seen++] = c->driver;
                r = check_file(p, c->driver, &c->fn->addr, c->entry->name);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];

                if (!s->entry->vf_driver || !streq(s->entry->vf_driver, VARIANT_AUTO) ||
                    !s->vf_driver)
                        continue;
                r = check_file(p, s->vf_driver, &s->entry->pf, s->entry->name);
                if (r < 0)
                        return r;
        }
        return 0;
}

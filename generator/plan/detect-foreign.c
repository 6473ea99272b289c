/* SPDX-License-Identifier: GPL-2.0-or-later */
/* foreign-claim */
#include <errno.h>
#include <string.h>

#include "plan-steps.h"
#include "recipes.h"
#include "util.h"

/* "/etc/modprobe.d/vfio.conf:3" or "the kernel command line". */
static void where(const struct recipe *r, char *buf, size_t size)
{
        if (r->line)
                snprintf(buf, size, "%s:%u", r->file, r->line);
        else
                snprintf(buf, size, "the kernel command line (%s)", r->file);
}

static bool matches(const struct recipe *r, const struct pci_fn *f)
{
        for (size_t i = 0; i < r->n_ids; i++) {
                const struct pci_id *id = &r->ids[i];

                if (id->vendor == f->vendor && id->device == f->device &&
                    (!id->has_sub || (id->subvendor == f->subvendor && id->subdevice == f->subdevice)))
                        return true;
        }
        return false;
}

static int ids_recipe(struct plan *p, const struct recipe *r, struct pci_fn *const *all, size_t n)
{
        char at[4200];

        where(r, at, sizeof(at));
        for (size_t i = 0; i < n; i++) {
                const struct claim *c;
                int k = 0;

                if (!matches(r, all[i]))
                        continue;
                c = plan_find_claim(p, &all[i]->addr);
                if (!c)
                        k = plan_problem(p, SEVERITY_WARNING, PROBLEM_FOREIGN_CLAIM, &all[i]->addr, NULL,
                                         "%s (%s) gives %s (%04x:%04x) to vfio-pci, which gpupt "
                                         "leaves to the host: the host loses it at boot anyway; "
                                         "remove the id there, or move the claim into gpupt.conf "
                                         "(gpupt-check --import prints it)",
                                         at, r->text, all[i]->bdf, all[i]->vendor, all[i]->device);
                else if (!module_name_eq(c->driver, "vfio-pci"))
                        k = plan_problem(p, SEVERITY_WARNING, PROBLEM_FOREIGN_CLAIM, &all[i]->addr,
                                         c->entry->name,
                                         "%s (%s) gives %s to vfio-pci, but \"%s\" (%s:%u) "
                                         "claims it for %s: whichever runs first wins; remove "
                                         "the id there",
                                         at, r->text, all[i]->bdf, c->entry->name,
                                         c->entry->where.file, c->entry->where.line,
                                         c->driver);
                if (k < 0)
                        return k;
        }
        return 0;
}

static int driverctl_recipe(struct plan *p, const struct recipe *r)
{
        const struct claim *c = plan_find_claim(p, &r->addr);
        struct pci_fn *fn = NULL;
        char a[PCI_ADDR_STRLEN];

        pci_addr_format(&r->addr, a);
        if (c) {
                if (module_name_eq(c->driver, r->name))
                        return 0;
                return plan_problem(p, SEVERITY_WARNING, PROBLEM_FOREIGN_CLAIM, &r->addr, c->entry->name,
                                    "%s overrides %s to %s while \"%s\" (%s:%u) claims it for "
                                    "%s: driverctl's udev rule rewrites driver_override after "
                                    "gpupt; `driverctl unset-override %s` removes it",
                                    r->file, a, r->name, c->entry->name, c->entry->where.file,
                                    c->entry->where.line, c->driver, a);
        }
        if (strncmp(r->name, "vfio", 4) != 0 || host_get(p->host, &r->addr, &fn) < 0)
                return 0; /* a host driver chosen by hand is no claim for a VM */
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_FOREIGN_CLAIM, &r->addr, NULL,
                            "%s overrides %s to %s, which gpupt leaves to the host; "
                            "`driverctl unset-override %s` removes it, or move the claim into "
                            "gpupt.conf (gpupt-check --import prints it)",
                            r->file, a, r->name, a);
}

/* A blacklisted GPU driver is a claim on every card it drives: a warning
 * for each such display function gpupt leaves to the host. */
static int blacklist_recipe(struct plan *p, const struct recipe *r, struct pci_fn *const *all,
                            size_t n)
{
        unsigned vendor = 0;
        char at[4200];

        if (!recipe_gpu_module(r->name, &vendor))
                return 0;
        where(r, at, sizeof(at));
        for (size_t i = 0; i < n; i++) {
                int k;

                if (all[i]->vendor != vendor || !pci_fn_is_display(all[i]) ||
                    plan_find_claim(p, &all[i]->addr))
                        continue;
                k = plan_problem(p, SEVERITY_WARNING, PROBLEM_FOREIGN_CLAIM, &all[i]->addr, NULL,
                                 "%s (%s) keeps %s off %s (%04x:%04x), which gpupt leaves to the "
                                 "host: that card gets no %s driver; with gpupt claiming the VM's "
                                 "cards by address, the blacklist is not needed",
                                 at, r->text, r->name, all[i]->bdf, all[i]->vendor,
                                 all[i]->device, r->name);
                if (k < 0)
                        return k;
        }
        return 0;
}

int detect_foreign(struct plan *p)
{
        struct recipes rs = { 0 };
        struct pci_fn *const *all = NULL;
        size_t n = 0, bad = 0;
        int r;

        r = recipes_read(&rs);
        if (r < 0) {
                recipes_done(&rs);
                return r;
        }
        if (rs.n && host_scan(p->host, &all, &n, &bad) < 0)
                n = 0;
        for (size_t i = 0; i < rs.n && r >= 0; i++) {
                const struct recipe *x = &rs.v[i];

                switch (x->kind) {
                case RECIPE_MODPROBE_IDS:
                case RECIPE_CMDLINE_IDS:
                        r = ids_recipe(p, x, all, n);
                        break;
                case RECIPE_DRIVERCTL:
                        r = driverctl_recipe(p, x);
                        break;
                case RECIPE_BLACKLIST:
                        r = blacklist_recipe(p, x, all, n);
                        break;
                case RECIPE_SOFTDEP:
                        break; /* an order, not a claim: --import names it */
                }
        }
        recipes_done(&rs);
        return r < 0 ? r : 0;
}

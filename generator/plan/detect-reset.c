/* SPDX-License-Identifier: GPL-2.0-or-later */
/* no-reset, reset-method-unsupported */
#include <string.h>

#include "pcicfg.h"
#include "plan-steps.h"
#include "resetmethod.h"

/* Why fn can be reset by nothing, or NULL when it can (or when that cannot
 * be told). From 5.15 the kernel shows reset_method exactly where a function
 * has a method, so its absence is the answer; before, the config space says
 * whether FLR or a PM reset is there. A bus reset is left out: whether the
 * kernel can do one depends on the function being alone behind its bridge,
 * which the message tells a person to arrange. */
static const char *why_no_reset(const struct pci_fn *fn, int new_kernel)
{
        int flr, pm;

        if (fn->reset_method)
                return *fn->reset_method ? NULL : "every reset method is turned off: reset_method "
                                                  "reads empty";
        if (new_kernel > 0)
                return "the kernel found no reset method: it shows no reset_method attribute";
        flr = pci_fn_has_flr(fn->bdf);
        pm = pci_fn_has_pm_reset(fn->bdf);
        if (flr == 0 && pm == 0)
                return "its config space offers neither FLR nor a PM reset";
        return NULL;
}

static int no_reset(struct plan *p, const struct claim *c, const char *why)
{
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_NO_RESET, &c->fn->addr, c->entry->name,
                            "%s has no reset method (%s): vfio-pci cannot reset it between VM "
                            "runs, so a second VM start or a guest reboot finds it in the state "
                            "the last guest left (the AMD reset bug: a black screen or a hung "
                            "guest); for AMD GPUs load vendor-reset and set reset_method = "
                            "\"device_specific\" in \"%s\" (%s:%u), otherwise give the VM the "
                            "whole slot alone behind its bridge so the kernel can reset the bus",
                            c->fn->bdf, why, c->entry->name, c->entry->where.file,
                            c->entry->where.line);
}

static int unsupported(struct plan *p, const struct claim *c, int new_kernel)
{
        const struct conf_device *d = c->entry;
        const char *miss;
        size_t n;

        if (!c->fn->reset_method) {
                if (new_kernel == 0)
                        return plan_problem(p, SEVERITY_ERROR, PROBLEM_RESET_METHOD_UNSUPPORTED,
                                            &c->fn->addr, d->name,
                                            "reset_method = \"%s\" in \"%s\" (%s:%u) needs Linux "
                                            "5.15 or newer (the reset_method attribute); this "
                                            "kernel has none: remove the key or boot a newer "
                                            "kernel",
                                            d->reset_method, d->name, d->where.file,
                                            d->where.line);
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_RESET_METHOD_UNSUPPORTED, &c->fn->addr,
                                    d->name,
                                    "%s offers no reset method at all (no reset_method "
                                    "attribute), so reset_method = \"%s\" in \"%s\" (%s:%u) "
                                    "cannot be set; for AMD GPUs load vendor-reset first, which "
                                    "adds device_specific",
                                    c->fn->bdf, d->reset_method, d->name, d->where.file,
                                    d->where.line);
        }
        miss = reset_methods_missing(c->fn->reset_method, d->reset_method, &n);
        if (!miss)
                return 0;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_RESET_METHOD_UNSUPPORTED, &c->fn->addr, d->name,
                            "%s does not offer reset method \"%.*s\" (reset_method in \"%s\", "
                            "%s:%u); it offers \"%s\". device_specific needs its module (e.g. "
                            "vendor-reset) loaded; if the list was narrowed by an earlier write, "
                            "`echo default > /sys/bus/pci/devices/%s/reset_method` restores it; "
                            "a method for one function only needs an entry of its own with "
                            "functions = single, listed first",
                            c->fn->bdf, (int)n, miss, d->name, d->where.file, d->where.line,
                            c->fn->reset_method, c->fn->bdf);
}

int detect_reset(struct plan *p)
{
        int new_kernel = -1;
        bool asked = false;

        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                const char *why;
                int r;

                if (!c->fn->details && !c->fn->basics)
                        continue; /* unreadable: no-match says so */
                if (!asked && !c->fn->reset_method) {
                        new_kernel = kernel_has_reset_method_attr();
                        asked = true;
                }
                if (c->entry->reset_method) {
                        r = unsupported(p, c, new_kernel);
                        if (r < 0)
                                return r;
                        continue;
                }
                why = why_no_reset(c->fn, new_kernel);
                if (why && (r = no_reset(p, c, why)) < 0)
                        return r;
        }
        return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How a plan is made: the order of the steps (plan-steps.h) over the core
 * (plan.h). The only file that calls the steps in turn; no step calls back
 * up here. */
#include <errno.h>
#include <string.h>

#include "plan-build.h"
#include "plan-steps.h"
#include "util.h"
#include "vfaddr.h"

/* vf_driver = "auto" resolved once, here, for every reader of the plan:
 * the generator's units, gpupt-apply and the report. */
static int resolve_vf_drivers(struct plan *p)
{
        for (size_t i = 0; i < p->n_sriovs; i++) {
                p->sriovs[i].vf_driver = plan_vf_driver(p, &p->sriovs[i]);
                if (!p->sriovs[i].vf_driver && p->sriovs[i].entry->vf_driver)
                        return -ENOMEM;
        }
        return 0;
}

int plan_resolve(const struct conf *conf, struct host *host, struct plan **ret)
{
        struct plan *p;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->conf = conf;
        p->host = host;

        p->cmdline_error = cmdline_read(&p->cmdline);
        if (p->cmdline_error == -ENOMEM) {
                r = -ENOMEM;
                goto fail;
        }
        if ((r = plan_resolve_entries(p)) < 0 || (r = resolve_vf_drivers(p)) < 0 ||
            (r = plan_units(p)) < 0)
                goto fail;
        plan_decide(p);
        *ret = p;
        return 0;
fail:
        for (size_t i = 0; i < p->n_claims; i++)
                p->claims[i].fn->plan_claim = 0;
        plan_free(p);
        return r;
}

int plan_resolve_boot(const struct conf *conf, struct host *host, struct plan **ret)
{
        struct plan *p;
        int r;

        r = plan_resolve(conf, host, &p);
        if (r < 0)
                return r;
        r = detect_groups(p);
        if (r < 0) {
                plan_free(p);
                return r;
        }
        plan_decide(p);
        *ret = p;
        return 0;
}

int plan_replan_vgpus(struct plan *p)
{
        int r = detect_vgpus(p);

        if (r >= 0)
                plan_decide(p);
        return r;
}

static int add_driver(struct plan *p, size_t *alloc, const char *asked)
{
        char *name = NULL;
        int r;

        if (!asked)
                return 0;
        for (size_t i = 0; i < p->n_drivers; i++)
                if (streq(p->drivers[i].asked, asked))
                        return 0;
        r = pci_driver_name(asked, &name);
        if (r == -ENOMEM)
                return r;
        if (GROW(p->drivers, p->n_drivers, *alloc) < 0) {
                free(name);
                return -ENOMEM;
        }
        p->drivers[p->n_drivers++] = (struct driver_name){ .asked = asked, .name = name };
        return 0;
}

/* Each configured driver name once: a config names a handful. */
static int resolve_drivers(struct plan *p)
{
        size_t alloc = 0;
        int r = 0;

        for (size_t i = 0; i < p->n_claims && r >= 0; i++)
                r = add_driver(p, &alloc, p->claims[i].driver);
        for (size_t i = 0; i < p->n_sriovs && r >= 0; i++)
                r = add_driver(p, &alloc, p->sriovs[i].vf_driver);
        return r;
}

/* What the report and the checks read of each claim, and the boot-time
 * tools, which resolve only, do not: BARs to resize need the resize
 * attributes; the rest need numa_node, reset_method and boot_vga. The
 * report shows the VFIO nodes of a claim bound to VFIO already. */
static int load_claims(struct plan *p)
{
        for (size_t i = 0; i < p->n_claims; i++) {
                struct claim *c = &p->claims[i];
                int r;

                r = c->n_bars ? host_details(p->host, c->fn) : host_basics(p->host, c->fn);
                if (r < 0 && (r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &c->fn->addr,
                                               c->entry->name, "%s cannot be read: %s",
                                               c->fn->bdf, plan_read_error(r))) < 0)
                        return r;
                r = vfio_nodes_read(-1, c->fn, &c->vfio);
                if (r < 0)
                        return r;
        }
        return 0;
}

int plan_gather(struct plan *p, bool root_disk)
{
        int r;

        r = iommu_probe(&p->iommu);
        if (r < 0)
                return r;
        if (!p->modules && !p->modules_error) /* resolving "auto" may have opened it */
                p->modules_error = modules_open(&p->modules);
        if (p->modules_error < 0)
                p->modules = NULL;
        if (root_disk && !p->rootdisk_gathered) {
                r = rootdisk_known_gather(p->cmdline.root, p->host, &p->rootdisk);
                p->rootdisk_gathered = true;
        }
        return r;
}

int plan_check(struct plan *p)
{
        static int (*const detectors[])(struct plan *) = {
                detect_iommu, detect_cmdline_next, detect_groups, detect_boot_vga, detect_root_disk,
                detect_modules, detect_bars, detect_sriov, detect_mdevs, detect_initramfs,
                detect_reset, detect_framebuffer, detect_foreign,
                detect_variants, detect_vgpus,
        };
        int r;

        r = load_claims(p);
        if (r < 0)
                return r;
        r = resolve_drivers(p);
        if (r < 0)
                return r;
        if (p->judge_next_boot && (r = next_boot_read(&p->next_boot)) < 0)
                return r;
        r = plan_gather(p, p->n_claims > 0);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(detectors); i++) {
                r = detectors[i](p);
                if (r < 0)
                        return r;
        }
        plan_decide(p);
        return 0;
}

int plan_gather_handoff(struct plan *p)
{
        for (size_t i = 0; i < p->n_claims; i++) {
                struct claim *c = &p->claims[i];
                struct pci_fn *slot[8];
                size_t n;
                int r;

                /* An unreadable attribute or slot function says so in the
                 * output (no CPUs, a slot not whole); only memory fails. */
                if (host_details(p->host, c->fn) == -ENOMEM)
                        return -ENOMEM;
                r = host_slot(p->host, &c->fn->addr, slot, &n);
                if (r == -ENOMEM)
                        return r;
                c->slot_fns = r < 0 ? -1 : (int)n;
        }
        for (size_t i = 0; i < p->n_sriovs; i++) {
                int r = plan_vf_addrs_gather(&p->sriovs[i]);

                if (r < 0)
                        return r;
        }
        return 0;
}

static int build(const struct conf *conf, struct host *host, bool next_boot, struct plan **ret)
{
        struct plan *p;
        int r;

        r = plan_resolve(conf, host, &p);
        if (r < 0)
                return r;
        p->judge_next_boot = next_boot;
        r = plan_check(p);
        if (r < 0) {
                plan_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

int plan_build(const struct conf *conf, struct host *host, struct plan **ret)
{
        return build(conf, host, false, ret);
}

int plan_build_next(const struct conf *conf, struct host *host, struct plan **ret)
{
        return build(conf, host, true, ret);
}


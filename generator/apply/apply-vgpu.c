/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-apply vgpu NAME: writes the planned vGPU type ids to the VFs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "apply.h"
#include "plan-build.h"
#include "util.h"
#include "vgpu.h"
#include "wait.h"

unsigned apply_vgpu_wait_ms = 30000;

/* The VFs are there and the vGPU manager has given each its nvidia/
 * directory: what NVIDIA's sriov-manage, or the sriov unit, and the nvidia
 * driver's probe of each VF leave behind, at their own pace. */
struct vfs_wait {
        const char *pf;
        unsigned want;
};

static bool vfs_ready(void *userdata)
{
        const struct vfs_wait *w = userdata;
        struct vgpu_vf *v = NULL;
        size_t n = 0, ready = 0;

        if (vgpu_vfs_read(w->pf, &v, &n) < 0)
                return false;
        for (size_t i = 0; i < n; i++)
                ready += v[i].nvidia;
        vgpu_vfs_free(v, n);
        return n > 0 && ready == n && ready >= w->want;
}

/* Bounded; what is not there after it, planning again says. Each VF's
 * nvidia/ directory comes with the driver's probe of it, which sysfs tells
 * inotify nothing about; its bind uevent would, to a netlink socket opened
 * before the VFs were made, which this unit does not make. */
static void wait_vfs(const char *pf, unsigned want)
{
        struct vfs_wait w = { .pf = pf, .want = want };

        wait_until(vfs_ready, &w, apply_vgpu_wait_ms, 20, &apply_waited_ms);
}

static int write_type(const char *vf, long id)
{
        _cleanup_free_ char *path = strdup_printf(
                "%s/sys/bus/pci/devices/%s/nvidia/current_vgpu_type", root_dir(), vf);
        char value[24], back[24];
        int r;

        if (!path)
                return -ENOMEM;
        if (read_attr_at(AT_FDCWD, path, back, sizeof(back)) > 0 && !streq(back, "0")) {
                snprintf(value, sizeof(value), "%ld", id);
                if (streq(back, value))
                        return 0; /* done before: an earlier run of this boot */
                report(vf, "holds vGPU type %s now, not %ld: left as it is", back, id);
                return -EBUSY;
        }
        snprintf(value, sizeof(value), "%ld", id);
        r = apply_write(path, value);
        if (r < 0) {
                report(vf, "writing %s to %s failed: %s", value, path, strerror(-r));
                return r;
        }
        r = read_attr_at(AT_FDCWD, path, back, sizeof(back));
        if (r < 0 || !streq(back, value)) {
                report(vf, "%s reads \"%s\" after writing %s", path,
                       r < 0 ? strerror(-r) : back, value);
                return r < 0 ? r : -EIO;
        }
        return 0;
}

int apply_vgpu(struct plan *p, const char *name)
{
        const struct conf_vgpu *e = NULL;
        const struct vgpu_plan *g = NULL;
        char pf[PCI_ADDR_STRLEN];
        unsigned want = 0;
        size_t first;
        int failed = 0, r;

        for (size_t i = 0; i < p->conf->n_vgpus && !e; i++)
                if (streq(p->conf->vgpus[i].name, name))
                        e = &p->conf->vgpus[i];
        if (!e) {
                report(name, "no such vgpu entry in the config");
                return 1;
        }
        pci_addr_format(&e->pf, pf);
        for (size_t i = 0; i < p->conf->n_vgpus; i++)
                if (pci_addr_eq(&p->conf->vgpus[i].pf, &e->pf))
                        want += p->conf->vgpus[i].count;
        wait_vfs(pf, want);
        /* Planned again on what is there now: the plan the program started
         * with may predate the VFs. */
        first = p->n_problems;
        r = plan_replan_vgpus(p);
        if (r < 0) {
                report(name, "%s", strerror(-r));
                return 1;
        }
        for (size_t i = first; i < p->n_problems; i++) {
                const struct problem *pr = &p->problems[i];

                if (pr->entry && !streq(pr->entry, name))
                        continue;
                report(name, "%s: %s", problem_name(pr->code), pr->message);
                failed += pr->severity == SEVERITY_ERROR;
        }
        if (failed)
                return 1;
        for (size_t i = 0; i < p->n_vgpus; i++)
                if (p->vgpus[i].entry == e)
                        g = &p->vgpus[i];
        for (size_t i = 0; g && i < g->n_vfs; i++) {
                r = write_type(g->vfs[i], g->type_id);
                if (r == -ENOMEM)
                        return 1;
                failed += r < 0;
        }
        if (!failed && g)
                report(name, "%zu VF%s of %s hold%s vGPU type %ld (%s)", g->n_vfs,
                       g->n_vfs == 1 ? "" : "s", pf, g->n_vfs == 1 ? "s" : "", g->type_id,
                       e->type);
        return failed ? 1 : 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a gpupt-apply run records of its unit (record.h): only what it
 * carried out, judged by what holds after it. */
#include <string.h>

#include "apply.h"
#include "mdevdev.h"
#include "util.h"

/* Whether some claim of the plan is on its driver now. */
static bool claims_held(const struct plan *p)
{
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                _cleanup_free_ char *now = host_driver_now(c->fn->bdf);

                if (now && streq(now, plan_driver(p, c->driver)))
                        return true;
        }
        return false;
}

/* Whether a configured mdev of parent exists now. */
static bool mdevs_held(const struct plan *p, const char *parent)
{
        for (size_t i = 0; i < p->n_mdevs; i++)
                if (streq(p->mdevs[i].entry->parent, parent) &&
                    mdevdev_exists(p->mdevs[i].entry->uuid))
                        return true;
        return false;
}

static bool sriov_planned(const struct plan *p, const char *name)
{
        for (size_t i = 0; i < p->n_sriovs; i++)
                if (streq(p->sriovs[i].entry->name, name))
                        return true;
        return false;
}

static bool vgpu_planned(const struct plan *p, const char *name)
{
        for (size_t i = 0; i < p->conf->n_vgpus; i++)
                if (streq(p->conf->vgpus[i].name, name))
                        return true;
        return false;
}

/* Whether the run carried out (some of) its unit, which the record then
 * says: the plan has the unit and the run succeeded. A claim or mdev run
 * counts by what holds after it (a function on its driver, an mdev made),
 * a failed one too: those parts are this config's until a reboot, whatever
 * failed beside them, and a claim run that bound nothing vouches for
 * nothing. A failed sriov run puts the old VF count back. A failed vgpu run
 * keeps the types it wrote before the failing write, unrecorded. */
bool apply_carried_out(const struct plan *p, enum record_kind kind, const char *arg, int status)
{
        switch (kind) {
        case RECORD_CLAIM:
                return claims_held(p);
        case RECORD_SRIOV:
                return status == 0 && sriov_planned(p, arg);
        case RECORD_MDEV:
                return apply_mdev_parent_configured(p, arg) && (status == 0 || mdevs_held(p, arg));
        case RECORD_VGPU:
                return status == 0 && vgpu_planned(p, arg);
        }
        return false;
}

int apply_record(const struct plan *p, enum record_kind kind, const char *arg, int status)
{
        int r;

        if (!apply_carried_out(p, kind, arg, status))
                return 0;
        r = record_applied(p->conf, kind, arg);
        return r < 0 ? r : 1;
}

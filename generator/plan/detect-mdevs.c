/* SPDX-License-Identifier: GPL-2.0-or-later */
/* no-match (mdev parent), mdev-type-unknown, mdev-no-instances */
#include <errno.h>
#include <string.h>

#include "plan-steps.h"
#include "strbuf.h"
#include "util.h"

static const struct mdev_type *find_type(const struct mdev_type *v, size_t n, const char *id)
{
        for (size_t i = 0; i < n; i++)
                if (streq(v[i].id, id))
                        return &v[i];
        return NULL;
}

/* The entries of mdev i's parent and type that are still to be made, in
 * config order, from the one the available instances run out at: the ones
 * that do not fit, "gvt-c" or "gvt-c, gvt-d". NULL without memory. */
static char *beyond(const struct plan *p, size_t i, unsigned available, const char **first)
{
        const struct conf_mdev *e = p->mdevs[i].entry;
        char *list = strdup("");
        unsigned k = 0;

        *first = NULL;
        for (size_t j = i; list && j < p->n_mdevs; j++) {
                const struct conf_mdev *m = p->mdevs[j].entry;
                char *l;

                if (!streq(m->parent, e->parent) || !streq(m->type, e->type) ||
                    p->mdevs[j].exists || k++ < available)
                        continue;
                if (!*first)
                        *first = m->name;
                l = strdup_printf("%s%s%s", list, *list ? ", " : "", m->name);
                free(list);
                list = l;
        }
        return list;
}

/* mdev-no-instances, on the first entry that does not fit: the ones before
 * it get their instances, and removing it (and those after) is the fix. */
static int no_instances(struct plan *p, size_t i, const struct mdev_type *t, unsigned wanted,
                        const struct pci_addr *a)
{
        const struct conf_mdev *e = p->mdevs[i].entry;
        const char *first;
        _cleanup_free_ char *over = beyond(p, i, (unsigned)t->available, &first);

        if (!over)
                return -ENOMEM;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_MDEV_NO_INSTANCES, a, first ? first : e->name,
                            "%u mdevs of type %s are wanted on %s but only %d %s left "
                            "(available_instances), so %s %s not fit; remove %s or pick a "
                            "smaller type",
                            wanted, e->type, e->parent, t->available,
                            t->available == 1 ? "is" : "are", over,
                            wanted - (unsigned)t->available == 1 ? "does" : "do",
                            wanted - (unsigned)t->available == 1 ? "it" : "them");
}

static int check_parent(struct plan *p, size_t first)
{
        const struct conf_mdev *m = p->mdevs[first].entry;
        struct mdev_type *types = NULL;
        struct pci_fn *parent_fn = NULL;
        struct pci_addr a;
        bool is_pci = pci_addr_parse(m->parent, &a, NULL) == 0;
        size_t n = 0;
        int r;

        r = host_mdev_types(p->host, m->parent, &types, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                struct pci_fn *f;

                if (is_pci && host_get(p->host, &a, &f) == 0)
                        return plan_problem(p, SEVERITY_ERROR, PROBLEM_MDEV_TYPE_UNKNOWN, &a, m->name,
                                            "%s (%04x:%04x, %s) offers no mediated devices (not "
                                            "in /sys/class/mdev_bus); for Intel GVT-g boot with "
                                            "i915.enable_gvt=1 and load kvmgt, for NVIDIA vGPU "
                                            "install the vGPU host driver",
                                            f->bdf, f->vendor, f->device,
                                            f->driver ? f->driver : "no driver");
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, is_pci ? &a : NULL, m->name,
                                    "mdev parent %s of \"%s\" (%s:%u) does not exist; "
                                    "ls /sys/class/mdev_bus lists the parents",
                                    m->parent, m->name, m->where.file, m->where.line);
        }

        if (is_pci && host_get(p->host, &a, &parent_fn) == -ENOMEM) {
                mdev_types_free(types, n);
                return -ENOMEM;
        }
        /* Every entry on this parent, type by type, against what is left. */
        for (size_t i = first; r >= 0 && i < p->n_mdevs; i++) {
                const struct conf_mdev *e = p->mdevs[i].entry;
                const struct mdev_type *t;
                unsigned wanted = 0;
                bool first_of_type = true;

                if (!streq(e->parent, m->parent))
                        continue;
                for (size_t j = first; j < i && first_of_type; j++)
                        first_of_type = !streq(p->mdevs[j].entry->parent, e->parent) ||
                                        !streq(p->mdevs[j].entry->type, e->type);
                if (!first_of_type)
                        continue;
                t = find_type(types, n, e->type);
                if (!t) {
                        _cleanup_free_ char *list = NULL;
                        struct strbuf b = { 0 };

                        for (size_t k = 0; k < n; k++)
                                strbuf_printf(&b, "%s%s", b.len ? ", " : "", types[k].id);
                        r = strbuf_take(&b, &list);
                        if (r >= 0)
                                r = plan_problem(p, SEVERITY_ERROR, PROBLEM_MDEV_TYPE_UNKNOWN,
                                                 is_pci ? &a : NULL, e->name,
                                                 "%s offers no mdev type \"%s\"; it offers: %s",
                                                 e->parent, e->type, list ? list : "none");
                        continue;
                }
                /* Instances that already exist under our UUIDs are not needed again.
                 * Each entry of the type keeps its name for the hand-off (KubeVirt
                 * selects mdevs by it). */
                for (size_t j = i; j < p->n_mdevs; j++) {
                        if (!streq(p->mdevs[j].entry->parent, e->parent) ||
                            !streq(p->mdevs[j].entry->type, e->type))
                                continue;
                        if (!p->mdevs[j].exists)
                                wanted++;
                        if (is_pci && parent_fn) {
                                p->mdevs[j].has_parent_vendor = true;
                                p->mdevs[j].parent_vendor = parent_fn->vendor;
                        }
                        if (t->name && !p->mdevs[j].type_name &&
                            !(p->mdevs[j].type_name = strdup(t->name))) {
                                r = -ENOMEM;
                                break;
                        }
                }
                if (r < 0)
                        break;
                if (t->available >= 0 && wanted > (unsigned)t->available)
                        r = no_instances(p, i, t, wanted, is_pci ? &a : NULL);
        }
        mdev_types_free(types, n);
        return r;
}

int detect_mdevs(struct plan *p)
{
        for (size_t i = 0; i < p->n_mdevs; i++) {
                bool seen = false;
                int r;

                for (size_t j = 0; j < i && !seen; j++)
                        seen = streq(p->mdevs[j].entry->parent, p->mdevs[i].entry->parent);
                if (seen)
                        continue;
                r = check_parent(p, i);
                if (r < 0)
                        return r;
        }
        return 0;
}

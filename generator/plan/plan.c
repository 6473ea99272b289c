/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plan's core: its problems, its claims looked up, its driver names,
 * and freeing it. Everything that fills a plan sits above this file
 * (plan-steps.h, plan-build.h); nothing here calls up into them. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "plan.h"
#include "util.h"

int plan_problem(struct plan *p, enum severity sev, enum problem_code code, const struct pci_addr *a,
                 const char *entry, const char *fmt, ...)
{
        struct problem *pr;
        va_list ap;
        char *msg;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        /* see struct problem: prose for people, escaped once, here */
        if (r < 0 || !(msg = printable_take(msg)))
                return -ENOMEM;
        if (GROW(p->problems, p->n_problems, p->problems_alloc) < 0) {
                free(msg);
                return -ENOMEM;
        }
        pr = &p->problems[p->n_problems++];
        *pr = (struct problem){ .severity = sev, .code = code, .entry = entry, .message = msg };
        if (a) {
                pr->has_addr = true;
                pr->addr = *a;
        }
        return 0;
}

bool plan_ready(const struct plan *p)
{
        for (size_t i = 0; i < p->n_problems; i++)
                if (p->problems[i].severity == SEVERITY_ERROR)
                        return false;
        return true;
}

size_t plan_vgpu_vfs(const struct plan *p)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_vgpus; i++)
                n += p->vgpus[i].entry->count;
        return n;
}

int plan_cmp_claim(const void *a, const void *b)
{
        uint32_t x = pci_addr_key(&((const struct claim *)a)->fn->addr);
        uint32_t y = pci_addr_key(&((const struct claim *)b)->fn->addr);

        return x < y ? -1 : x > y;
}

const struct claim *plan_find_claim(const struct plan *p, const struct pci_addr *a)
{
        struct pci_fn key_fn = { .addr = *a };
        struct claim key = { .fn = &key_fn };

        if (!p->n_claims)
                return NULL;
        return bsearch(&key, p->claims, p->n_claims, sizeof(*p->claims), plan_cmp_claim);
}
const char *plan_read_error(int r)
{
        return r == -EBADMSG ? "its sysfs entry holds values that do not parse" : strerror(-r);
}

char *plan_list_command(void)
{
        const char *dir = root_dir();

        if (!*dir)
                return strdup("lspci -D");
        /* the root as a shell word: quoted unless it needs nothing */
        if (dir[strspn(dir, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                            "/._+,:=@%-")] == '\0')
                return strdup_printf("gpupt-check --list --root %s", dir);
        if (!strchr(dir, '\''))
                return strdup_printf("gpupt-check --list --root '%s'", dir);
        return strdup("gpupt-check --list --root DIR");
}

const char *plan_driver(const struct plan *p, const char *asked)
{
        for (size_t i = 0; asked && i < p->n_drivers; i++)
                if (streq(p->drivers[i].asked, asked))
                        return p->drivers[i].name ? p->drivers[i].name : asked;
        return asked;
}

void vgpu_plans_free(struct vgpu_plan *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].vfs);
        free(v);
}

void plan_free(struct plan *p)
{
        if (!p)
                return;
        cmdline_done(&p->cmdline);
        next_boot_done(&p->next_boot);
        modules_free(p->modules);
        for (size_t i = 0; i < p->n_claims; i++)
                vfio_nodes_done(&p->claims[i].vfio);
        free(p->claims);
        if (p->rootdisk_gathered)
                rootdisk_known_done(&p->rootdisk);
        free(p->units);
        free(p->unit_members);
        for (size_t i = 0; i < p->n_sriovs; i++) {
                free(p->sriovs[i].vfs.addrs);
                free(p->sriovs[i].vfs.errors);
        }
        free(p->sriovs);
        for (size_t i = 0; p->mdevs && i < p->n_mdevs; i++) {
                free(p->mdevs[i].type_name);
                free(p->mdevs[i].type_now);
        }
        free(p->mdevs);
        for (size_t i = 0; i < p->n_problems; i++)
                free(p->problems[i].message);
        free(p->problems);
        for (size_t i = 0; i < p->n_drivers; i++)
                free(p->drivers[i].name);
        free(p->drivers);
        for (size_t i = 0; i < p->n_autos; i++) {
                free(p->autos[i].modalias);
                free(p->autos[i].name);
        }
        free(p->autos);
        vgpu_plans_free(p->vgpus, p->n_vgpus);
        free(p);
}

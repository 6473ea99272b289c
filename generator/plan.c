/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "plan.h"
#include "util.h"
#include "variant.h"

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

static int cmp_claim(const void *a, const void *b)
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
        return bsearch(&key, p->claims, p->n_claims, sizeof(*p->claims), cmp_claim);
}

static const char *host_error(int r)
{
        return r == -EBADMSG ? "its sysfs entry holds values that do not parse" : strerror(-r);
}

const char *plan_auto_driver(struct plan *p, const char *modalias)
{
        struct auto_driver *a;
        char *name = NULL;

        for (size_t i = 0; i < p->n_autos; i++)
                if (streq(p->autos[i].modalias, modalias ? modalias : ""))
                        return p->autos[i].name;
        if (!p->modules && !p->modules_error) {
                p->modules_error = modules_open(&p->modules);
                if (p->modules_error == -ENOMEM)
                        return NULL;
                if (p->modules_error < 0)
                        p->modules = NULL;
        }
        /* A lookup that fails leaves the catch-all: vfio-pci binds anything. */
        if (variant_for_modalias(p->modules, modalias, &name) == -ENOMEM ||
            (!name && !(name = strdup(VARIANT_CATCH_ALL))))
                return NULL;
        if (GROW(p->autos, p->n_autos, p->autos_alloc) < 0) {
                free(name);
                return NULL;
        }
        a = &p->autos[p->n_autos];
        a->modalias = strdup(modalias ? modalias : "");
        if (!a->modalias) {
                free(name);
                return NULL;
        }
        a->name = name;
        p->n_autos++;
        return name;
}

static const char *claim_driver(struct plan *p, const struct pci_fn *fn, const struct conf_device *d)
{
        return streq(d->driver, VARIANT_AUTO) ? plan_auto_driver(p, fn->modalias) : d->driver;
}

/* Adds fn for entry d, unless an earlier entry claimed it already. */
static int add_claim(struct plan *p, size_t *alloc, struct pci_fn *fn, const struct conf_device *d,
                     bool primary)
{
        const char *driver = claim_driver(p, fn, d);

        if (!driver)
                return -ENOMEM;
        /* The function knows its claim: no search through thousands of them. */
        if (fn->plan_claim) {
                struct claim *c = &p->claims[fn->plan_claim - 1];

                if (!module_name_eq(c->driver, driver))
                        return plan_problem(p, SEVERITY_ERROR, PROBLEM_CONFLICTING_CLAIMS, &fn->addr,
                                            d->name,
                                            "%s is claimed by device \"%s\" (%s:%u) for %s and by "
                                            "device \"%s\" (%s:%u) for %s; keep one entry",
                                            fn->bdf, c->entry->name, c->entry->where.file,
                                            c->entry->where.line, c->driver, d->name,
                                            d->where.file, d->where.line, driver);
                if (primary && !c->n_bars && d->n_bars) {
                        c->bars = d->bars;
                        c->n_bars = d->n_bars;
                }
                return 0;
        }
        if (GROW(p->claims, p->n_claims, *alloc) < 0)
                return -ENOMEM;
        p->claims[p->n_claims++] = (struct claim){
                .fn = fn,
                .entry = d,
                .bars = primary ? d->bars : NULL,
                .n_bars = primary ? d->n_bars : 0,
                .driver = driver,
        };
        fn->plan_claim = p->n_claims;
        return 0;
}

/* fn and the functions of its slot that d takes: none with functions =
 * single; for a function address without functions = all, those in fn's
 * IOMMU group (the others a partial-slot warning names); else all. */
static int claim_with_slot(struct plan *p, size_t *alloc, struct pci_fn *fn,
                           const struct conf_device *d)
{
        bool group_only = conf_device_group_of_slot(d);
        struct pci_fn *slot[8];
        size_t n;
        int r;

        if (d->functions == FUNCTIONS_SINGLE)
                return add_claim(p, alloc, fn, d, true);
        r = host_slot(p->host, &fn->addr, slot, &n);
        if (r < 0)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &fn->addr, d->name,
                                    "the functions of %s cannot be read: %s", fn->bdf,
                                    host_error(r));
        for (size_t i = 0; i < n; i++) {
                if (group_only && slot[i]->iommu_group != fn->iommu_group)
                        continue;
                r = add_claim(p, alloc, slot[i], d, slot[i] == fn);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool id_matches(const struct pci_id *id, const struct pci_fn *f)
{
        if (id->vendor != f->vendor || id->device != f->device)
                return false;
        return !id->has_sub || (id->subvendor == f->subvendor && id->subdevice == f->subdevice);
}

static int resolve_bdf(struct plan *p, size_t *alloc, const struct conf_device *d)
{
        char want[PCI_ADDR_STRLEN], ids[PCI_ID_STRLEN], have[PCI_ID_STRLEN];
        struct pci_fn *fn = NULL;
        int r;

        pci_addr_format(&d->bdf, want);
        if (d->whole_slot) {
                struct pci_fn *slot[8];
                size_t n;

                r = host_slot(p->host, &d->bdf, slot, &n);
                if (r == 0 && n > 0)
                        fn = slot[0];
                else if (r == 0)
                        r = -ENOENT;
        } else
                r = host_get(p->host, &d->bdf, &fn);
        if (r == -ENOENT) {
                want[PCI_ADDR_STRLEN - 3] = d->whole_slot ? '\0' : want[PCI_ADDR_STRLEN - 3];
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &d->bdf, d->name,
                                    "no PCI device at %s (from %s:%u); `lspci -D` lists the "
                                    "addresses this machine has",
                                    want, d->where.file, d->where.line);
        }
        if (r < 0)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &d->bdf, d->name,
                                    "%s cannot be read: %s", want, host_error(r));

        if (d->has_expect && !id_matches(&d->expect, fn)) {
                struct pci_id now = { .vendor = fn->vendor, .device = fn->device,
                                      .subvendor = fn->subvendor, .subdevice = fn->subdevice,
                                      .has_sub = d->expect.has_sub };

                return plan_problem(p, SEVERITY_ERROR, PROBLEM_DEVICE_CHANGED, &fn->addr, d->name,
                                    "%s holds %s, not the expected %s: the hardware moved; "
                                    "nothing of \"%s\" is claimed until bdf or expect in %s:%u "
                                    "is updated",
                                    fn->bdf, pci_id_format(&now, have),
                                    pci_id_format(&d->expect, ids), d->name, d->where.file,
                                    d->where.line);
        }
        return claim_with_slot(p, alloc, fn, d);
}

static int resolve_ids(struct plan *p, size_t *alloc, const struct conf_device *d)
{
        struct pci_fn *const *all;
        size_t n, bad = 0;
        bool any = false;
        int r;

        r = host_scan(p->host, &all, &n, &bad);
        if (r < 0)
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, NULL, d->name,
                                    "the PCI bus cannot be listed (%s/sys/bus/pci/devices): %s",
                                    root_dir(), strerror(-r));
        for (size_t i = 0; i < n; i++) {
                bool match = false;

                for (size_t j = 0; j < d->n_ids && !match; j++)
                        match = id_matches(&d->ids[j], all[i]);
                if (!match)
                        continue;
                any = true;
                r = claim_with_slot(p, alloc, all[i], d);
                if (r < 0)
                        return r;
        }
        if (!any) {
                char id[PCI_ID_STRLEN];

                return plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, NULL, d->name,
                                    "no PCI device matches ids of \"%s\" (%s:%u, first %s); "
                                    "`lspci -nn` shows the [vvvv:dddd] of each device",
                                    d->name, d->where.file, d->where.line,
                                    pci_id_format(&d->ids[0], id));
        }
        return 0;
}

/* The first function d names: its claim is another entry's when d has
 * none of its own. NULL when it cannot be found again. */
static struct pci_fn *first_named(struct plan *p, const struct conf_device *d)
{
        struct pci_fn *const *all, *slot[8], *fn = NULL;
        size_t n, bad = 0;

        if (d->has_bdf && d->whole_slot)
                return host_slot(p->host, &d->bdf, slot, &n) == 0 && n > 0 ? slot[0] : NULL;
        if (d->has_bdf)
                return host_get(p->host, &d->bdf, &fn) == 0 ? fn : NULL;
        if (host_scan(p->host, &all, &n, &bad) < 0)
                return NULL;
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < d->n_ids; j++)
                        if (id_matches(&d->ids[j], all[i]))
                                return all[i];
        return NULL;
}

/* d matched functions and added no claim, and said nothing: earlier
 * entries claim all of them, for the same driver. It is dead weight, or a
 * mistake (a copied line, an ids entry over a bdf one): say so. */
static int claimed_elsewhere(struct plan *p, const struct conf_device *d)
{
        struct pci_fn *fn = first_named(p, d);
        const struct conf_device *other;

        if (!fn || !fn->plan_claim)
                return 0;
        other = p->claims[fn->plan_claim - 1].entry;
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_CLAIMED_ELSEWHERE, &fn->addr, d->name,
                            "device \"%s\" (%s:%u) claims nothing: every function it names is "
                            "claimed already, %s by device \"%s\" (%s:%u); remove one of the "
                            "two entries",
                            d->name, d->where.file, d->where.line, fn->bdf, other->name,
                            other->where.file, other->where.line);
}

static int resolve_sriov(struct plan *p)
{
        p->sriovs = calloc(p->conf->n_sriovs ?: 1, sizeof(*p->sriovs));
        if (!p->sriovs)
                return -ENOMEM;
        for (size_t i = 0; i < p->conf->n_sriovs; i++) {
                const struct conf_sriov *s = &p->conf->sriovs[i];
                struct sriov_plan *sp = &p->sriovs[p->n_sriovs++];
                char a[PCI_ADDR_STRLEN];
                int r;

                sp->entry = s;
                r = host_get(p->host, &s->pf, &sp->pf);
                if (r < 0) {
                        sp->pf = NULL;
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &s->pf, s->name,
                                         r == -ENOENT
                                                 ? "no PCI device at %s, the pf of sriov \"%s\" "
                                                   "(%s:%u); `lspci -D` lists the addresses"
                                                 : "%s, the pf of sriov \"%s\" (%s:%u), cannot be "
                                                   "read",
                                         pci_addr_format(&s->pf, a), s->name, s->where.file,
                                         s->where.line);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = host_details(p->host, sp->pf);
                if (r < 0 && (r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &s->pf, s->name,
                                               "%s cannot be read: %s", sp->pf->bdf,
                                               host_error(r))) < 0)
                        return r;
        }
        return 0;
}

static int resolve_mdevs(struct plan *p)
{
        p->mdevs = calloc(p->conf->n_mdevs ?: 1, sizeof(*p->mdevs));
        if (!p->mdevs)
                return -ENOMEM;
        for (size_t i = 0; i < p->conf->n_mdevs; i++) {
                const struct conf_mdev *m = &p->conf->mdevs[i];
                _cleanup_free_ char *path = strdup_printf("%s/sys/bus/mdev/devices/%s",
                                                          root_dir(), m->uuid);
                struct stat st;

                if (!path)
                        return -ENOMEM;
                p->mdevs[p->n_mdevs++] = (struct mdev_plan){
                        .entry = m,
                        .exists = lstat(path, &st) == 0,
                };
        }
        return 0;
}

int plan_resolve(const struct conf *conf, struct host *host, struct plan **ret)
{
        struct plan *p;
        size_t alloc = 0;
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
        for (size_t i = 0; i < conf->n_devices; i++) {
                const struct conf_device *d = &conf->devices[i];
                size_t n_claims = p->n_claims, n_problems = p->n_problems;

                r = d->has_bdf ? resolve_bdf(p, &alloc, d) : resolve_ids(p, &alloc, d);
                if (r == 0 && p->n_claims == n_claims && p->n_problems == n_problems)
                        r = claimed_elsewhere(p, d);
                if (r < 0)
                        goto fail;
        }
        if (p->n_claims > 1)
                qsort(p->claims, p->n_claims, sizeof(*p->claims), cmp_claim);
        for (size_t i = 0; i < p->n_claims; i++)
                p->claims[i].fn->plan_claim = 0; /* the sort moved them; plan_find_claim bisects */
        if ((r = resolve_sriov(p)) < 0 || (r = resolve_mdevs(p)) < 0 || (r = plan_units(p)) < 0)
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
        for (size_t i = 0; i < p->n_sriovs && r >= 0; i++) {
                const char *vf = plan_vf_driver(p, &p->sriovs[i]);

                p->sriovs[i].vf_driver = vf;
                r = vf || !p->sriovs[i].entry->vf_driver ? add_driver(p, &alloc, vf) : -ENOMEM;
        }
        return r;
}

const char *plan_driver(const struct plan *p, const char *asked)
{
        for (size_t i = 0; asked && i < p->n_drivers; i++)
                if (streq(p->drivers[i].asked, asked))
                        return p->drivers[i].name ? p->drivers[i].name : asked;
        return asked;
}

/* What the report and the checks read of each claim, and the boot-time
 * tools, which resolve only, do not: BARs to resize need the resize
 * attributes; the rest need numa_node, reset_method and boot_vga. */
static int load_claims(struct plan *p)
{
        for (size_t i = 0; i < p->n_claims; i++) {
                struct claim *c = &p->claims[i];
                int r;

                r = c->n_bars ? host_details(p->host, c->fn) : host_basics(p->host, c->fn);
                if (r < 0 && (r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, &c->fn->addr,
                                               c->entry->name, "%s cannot be read: %s",
                                               c->fn->bdf, host_error(r))) < 0)
                        return r;
        }
        return 0;
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
        r = iommu_probe(&p->iommu);
        if (r < 0)
                return r;
        r = resolve_drivers(p);
        if (r < 0)
                return r;
        if (p->judge_next_boot && (r = next_boot_read(&p->next_boot)) < 0)
                return r;
        if (!p->modules && !p->modules_error) /* resolving "auto" may have opened it */
                p->modules_error = modules_open(&p->modules);
        if (p->modules_error < 0)
                p->modules = NULL;
        for (size_t i = 0; i < ELEMENTSOF(detectors); i++) {
                r = detectors[i](p);
                if (r < 0)
                        return r;
        }
        plan_decide(p);
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

void plan_free(struct plan *p)
{
        if (!p)
                return;
        cmdline_done(&p->cmdline);
        next_boot_done(&p->next_boot);
        modules_free(p->modules);
        free(p->claims);
        free(p->units);
        free(p->unit_members);
        free(p->sriovs);
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

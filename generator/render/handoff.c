/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check --libvirt, --qemu, --proxmox: the entries' claimed functions,
 * VFs and mdevs as a VM definition. A renderer over the plan, like
 * report.c; the libvirt form is in handoff-libvirt.c. */
#include <errno.h>
#include <string.h>

#include "handoff-parts.h"
#include "util.h"

/* A VF's root port in the QEMU output: chassis its bus, slot 8192 + its
 * device and function, above the slots of the device entries' ports
 * (device + 32 * domain, at most 8191), so that no pair repeats. */
#define QEMU_VF_SLOT_BASE 8192u

const struct conf_device *handoff_entry(const struct conf *c, const char *name)
{
        for (size_t i = 0; i < c->n_devices; i++)
                if (streq(c->devices[i].name, name))
                        return &c->devices[i];
        return NULL;
}

const struct conf_sriov *handoff_sriov(const struct conf *c, const char *name)
{
        for (size_t i = 0; i < c->n_sriovs; i++)
                if (streq(c->sriovs[i].name, name))
                        return &c->sriovs[i];
        return NULL;
}

const struct conf_mdev *handoff_mdev(const struct conf *c, const char *name)
{
        for (size_t i = 0; i < c->n_mdevs; i++)
                if (streq(c->mdevs[i].name, name))
                        return &c->mdevs[i];
        return NULL;
}

static const struct sriov_plan *sriov_of(const struct plan *p, const struct conf_sriov *e)
{
        for (size_t i = 0; i < p->n_sriovs; i++)
                if (p->sriovs[i].entry == e)
                        return &p->sriovs[i];
        return NULL;
}

/* The addresses of v's VFs into out (room for v->n). */
static int vfs_addrs(const struct plan *p, const struct handoff_vfs *v, struct pci_addr *out,
                     struct vf_routing *rt, unsigned *stale)
{
        const struct sriov_plan *sp = sriov_of(p, v->entry);

        return sp ? plan_vf_addrs(sp, v->first, v->n, out, rt, stale) : -ENOENT;
}

static bool in_set(const struct handoff_set *set, const struct conf_device *d)
{
        for (size_t i = 0; i < set->n; i++)
                if (set->entries[i] == d)
                        return true;
        return false;
}

/* The entries' claims, in host order (the plan keeps them sorted). */
static int entry_claims(const struct plan *p, const struct handoff_set *set,
                        const struct claim ***ret, size_t *n)
{
        const struct claim **v = NULL;
        size_t k = 0;

        for (size_t i = 0; i < p->n_claims; i++)
                if (in_set(set, p->claims[i].entry))
                        k++;
        if (k) {
                v = calloc(k, sizeof(*v));
                if (!v)
                        return -ENOMEM;
        }
        *n = 0;
        for (size_t i = 0; i < p->n_claims; i++)
                if (in_set(set, p->claims[i].entry))
                        v[(*n)++] = &p->claims[i];
        *ret = v;
        return 0;
}

/* Whether a problem is about the set's sriov or mdev entries: it names one
 * (the config's own string, as plan_entry_blocker compares), or it is about
 * the whole machine (iommu-off). */
static bool of_entries(const struct handoff_set *set, const struct problem *pr)
{
        if (!set->n_vfs && !set->n_mdevs)
                return false;
        if (!pr->entry)
                return !pr->has_addr;
        for (size_t i = 0; i < set->n_vfs; i++)
                if (pr->entry == set->vfs[i].entry->name)
                        return true;
        for (size_t i = 0; i < set->n_mdevs; i++)
                if (pr->entry == set->mdevs[i]->name)
                        return true;
        return false;
}

/* Ready when no error of the plan concerns a unit that holds one of the
 * entries' functions (plan_problem_concerns: the plan's own judgement). */
bool handoff_ready(const struct plan *p, const struct handoff_set *set, FILE *why)
{
        _cleanup_free_ const struct claim **v = NULL;
        _cleanup_free_ bool *seen = calloc(p->n_units + 1, sizeof(*seen));
        _cleanup_free_ bool *said = calloc(p->n_problems + 1, sizeof(*said));
        bool ready = true;
        size_t n = 0;

        if (!seen || !said || entry_claims(p, set, &v, &n) < 0)
                return false;
        for (size_t i = 0; i < n; i++) {
                const struct claim_unit *u = &p->units[v[i]->unit];

                if (seen[v[i]->unit])
                        continue;
                seen[v[i]->unit] = true;
                for (size_t k = 0; k < p->n_problems; k++) {
                        if (said[k] || !plan_problem_concerns(p, &p->problems[k], u))
                                continue;
                        said[k] = true;
                        ready = false;
                        if (why)
                                fprintf(why, "  %s: %s\n", problem_name(p->problems[k].code),
                                        p->problems[k].message);
                }
        }
        for (size_t i = 0; i < set->n; i++) {
                bool some = false;

                for (size_t j = 0; j < n && !some; j++)
                        some = v[j]->entry == set->entries[i];
                if (some)
                        continue;
                ready = false;
                if (why)
                        fprintf(why, "  device \"%s\" claims no function on this machine\n",
                                set->entries[i]->name);
        }
        for (size_t k = 0; k < p->n_problems; k++) {
                const struct problem *pr = &p->problems[k];

                if (said[k] || pr->severity != SEVERITY_ERROR || !of_entries(set, pr))
                        continue;
                said[k] = true;
                ready = false;
                if (why)
                        fprintf(why, "  %s: %s\n", problem_name(pr->code), pr->message);
        }
        for (size_t i = 0; i < set->n_vfs; i++) {
                _cleanup_free_ struct pci_addr *a = calloc(set->vfs[i].n, sizeof(*a));
                struct vf_routing rt;
                unsigned stale = 0;
                int r;

                if (!a)
                        return false;
                r = vfs_addrs(p, &set->vfs[i], a, &rt, &stale);
                if (r >= 0 || plan_entry_blocker(p, set->vfs[i].entry->name))
                        continue;
                ready = false;
                if (why)
                        fprintf(why, "  sriov \"%s\": no VF address: %s\n",
                                set->vfs[i].entry->name, plan_vf_addrs_error(r));
        }
        return ready;
}

/* The VGA-class functions (class 0x0300xx: the legacy VGA ranges, which
 * x-vga passes through) an entry claims. */
static size_t vga_functions(const struct plan *p, const struct conf_device *d,
                            const struct claim **first)
{
        size_t k = 0;

        for (size_t i = 0; i < p->n_claims; i++) {
                if (p->claims[i].entry != d || (p->claims[i].fn->class >> 8) != 0x0300)
                        continue;
                if (!k++)
                        *first = &p->claims[i];
        }
        return k;
}

bool handoff_check(const struct plan *p, const struct handoff_set *set, FILE *err)
{
        const struct claim *c = NULL;
        size_t k;

        if (!set->primary)
                return true;
        if (!in_set(set, set->primary)) {
                fprintf(err, "gpupt-check: --primary %s: not one of the device entries handed "
                             "over\n",
                        set->primary->name);
                return false;
        }
        k = vga_functions(p, set->primary, &c);
        if (k == 1)
                return true;
        if (k == 0)
                fprintf(err, "gpupt-check: --primary %s: the entry claims no VGA-class function "
                             "(class 0300) here; a guest's primary display must be one\n",
                        set->primary->name);
        else
                fprintf(err, "gpupt-check: --primary %s: the entry claims %zu VGA-class "
                             "functions; name an entry of one card\n",
                        set->primary->name, k);
        return false;
}

/* The claim of the primary display's VGA function; NULL without --primary. */
static const struct claim *primary_claim(const struct plan *p, const struct handoff_set *set)
{
        const struct claim *c = NULL;

        if (set->primary && vga_functions(p, set->primary, &c) == 1)
                return c;
        return NULL;
}

static int split_slots(const struct claim *const *v, size_t n,
                       struct slot **ret, size_t *n_slots)
{
        struct slot *s = NULL;
        size_t k = 0;

        if (n) {
                s = calloc(n, sizeof(*s));
                if (!s)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                if (k && pci_addr_same_slot(&s[k - 1].fns[0]->fn->addr, &v[i]->fn->addr)) {
                        s[k - 1].n++;
                        continue;
                }
                s[k++] = (struct slot){ .fns = &v[i], .n = 1 };
        }
        for (size_t i = 0; i < k; i++)
                s[i].whole = s[i].fns[0]->slot_fns >= 0 && (size_t)s[i].fns[0]->slot_fns == s[i].n;
        *ret = s;
        *n_slots = k;
        return 0;
}

static void warn_slots(FILE *warn, const struct slot *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const struct pci_addr *a = &s[i].fns[0]->fn->addr;

                if (a->fn != 0)
                        fprintf(warn,
                                "gpupt-check: warning: device \"%s\" does not claim function 0 "
                                "of %04x:%02x:%02x; a guest finds no function of a slot "
                                "without function 0\n",
                                s[i].fns[0]->entry->name, a->domain, a->bus, a->dev);
        }
}

/* QEMU ids: a letter first, then letters, digits, '-', '.', '_'. */
static void write_qemu(FILE *f, const struct handoff_set *set, const struct slot *s,
                       size_t n_slots, const struct extras *x)
{
        if (set->guest == HANDOFF_GUEST_WINDOWS)
                fputs("-cpu host,kvm=off,hv_relaxed,hv_vapic,hv_spinlocks=0x1fff,"
                      "hv_vendor_id=" HV_VENDOR_ID "\n",
                      f);
        if (x->primary)
                fputs("-vga none\n", f);
        for (size_t i = 0; i < n_slots; i++) {
                const struct pci_addr *a = &s[i].fns[0]->fn->addr;
                char port[32];

                snprintf(port, sizeof(port), "gpupt-rp-%04x-%02x-%02x", a->domain, a->bus,
                         a->dev);
                /* chassis and slot mirror the host slot, which keeps them
                 * unique among the ports of one output. */
                fprintf(f, "-device pcie-root-port,id=%s,chassis=%u,slot=%u\n", port, a->bus,
                        (unsigned)a->dev + 32u * (a->domain & 0xffu));
                for (size_t j = 0; j < s[i].n; j++) {
                        const struct pci_fn *fn = s[i].fns[j]->fn;

                        fprintf(f, "-device vfio-pci,host=%s,id=gpupt-%04x-%02x-%02x.%x,bus=%s,"
                                   "addr=00.%x%s%s\n",
                                fn->bdf, fn->addr.domain, fn->addr.bus, fn->addr.dev, fn->addr.fn,
                                port, fn->addr.fn,
                                fn->addr.fn == 0 && s[i].n > 1 ? ",multifunction=on" : "",
                                is_primary(x, s[i].fns[j]) ? ",x-vga=on" : "");
                }
        }
        for (size_t i = 0; i < x->n_vfs; i++) {
                const struct pci_addr *a = &x->vfs[i].addr;
                char port[40];

                snprintf(port, sizeof(port), "gpupt-rp-%04x-%02x-%02x.%x", a->domain, a->bus,
                         a->dev, a->fn);
                fprintf(f, "-device pcie-root-port,id=%s,chassis=%u,slot=%u\n", port, a->bus,
                        QEMU_VF_SLOT_BASE + (unsigned)(a->dev << 3 | a->fn));
                fprintf(f, "-device vfio-pci,host=%s,id=gpupt-%04x-%02x-%02x.%x,bus=%s,"
                           "addr=00.0\n",
                        x->vfs[i].bdf, a->domain, a->bus, a->dev, a->fn, port);
        }
        for (size_t i = 0; i < set->n_mdevs; i++)
                fprintf(f, "-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/%s,id=gpupt-mdev-%s\n",
                        set->mdevs[i]->uuid, set->mdevs[i]->uuid);
}

/* Whether Proxmox takes s as an mdev type: its pattern is [^/.:]+, and a
 * ',', ';', '=' or blank would end the value or the option. */
static bool proxmox_mdev_type(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
                      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
                        return false;
        return true;
}

/* Proxmox passes a bare slot ("0000:c1:00") as all its functions on one
 * guest slot, and a ';'-separated list of functions the same way. */
static void write_proxmox(FILE *f, FILE *warn, const struct handoff_set *set,
                          const struct slot *s, size_t n_slots, const struct extras *x)
{
        if (set->guest == HANDOFF_GUEST_WINDOWS)
                fputs("-cpu host,hidden=1,hv-vendor-id=" HV_VENDOR_ID "\n", f);
        for (size_t i = 0; i < n_slots; i++) {
                const struct pci_addr *a = &s[i].fns[0]->fn->addr;
                bool primary = false;

                if (s[i].whole && s[i].n > 1)
                        fprintf(f, "%04x:%02x:%02x", a->domain, a->bus, a->dev);
                else
                        for (size_t j = 0; j < s[i].n; j++)
                                fprintf(f, "%s%s", j ? ";" : "", s[i].fns[j]->fn->bdf);
                for (size_t j = 0; j < s[i].n; j++)
                        primary = primary || is_primary(x, s[i].fns[j]);
                fputs(primary ? ",pcie=1,x-vga=1\n" : ",pcie=1\n", f);
        }
        for (size_t i = 0; i < x->n_vfs; i++)
                fprintf(f, "%s,pcie=1\n", x->vfs[i].bdf);
        for (size_t i = 0; i < set->n_mdevs; i++) {
                const struct conf_mdev *m = set->mdevs[i];
                struct pci_addr a;
                char bdf[PCI_ADDR_STRLEN];

                if (pci_addr_parse(m->parent, &a, NULL) < 0 || !proxmox_mdev_type(m->type)) {
                        fputs("gpupt-check: warning: mdev \"", warn);
                        fputs_printable(m->name, warn);
                        fputs(pci_addr_parse(m->parent, &a, NULL) < 0
                                      ? "\": Proxmox takes mdevs of PCI parents only; its parent "
                                        "is not one\n"
                                      : "\": Proxmox takes no mdev type with other characters "
                                        "than letters, digits, '-' and '_'\n",
                              warn);
                        continue;
                }
                fprintf(f, "%s,mdev=%s,pcie=1\n", pci_addr_format(&a, bdf), m->type);
                fputs("gpupt-check: warning: mdev \"", warn);
                fputs_printable(m->name, warn);
                fputs("\": Proxmox creates an instance of the type itself when the VM starts, "
                      "beside gpupt's; the type must have one more available, or drop the mdev "
                      "entry\n",
                      warn);
        }
}

/* The VFs of the set, each one's address known; why one is not goes to warn. */
static int collect_vfs(const struct plan *p, const struct handoff_set *set, FILE *warn,
                       struct vf **ret, size_t *n)
{
        struct vf *out = NULL;
        size_t total = 0, k = 0;

        for (size_t i = 0; i < set->n_vfs; i++)
                total += set->vfs[i].n;
        if (total && !(out = calloc(total, sizeof(*out))))
                return -ENOMEM;
        for (size_t i = 0; i < set->n_vfs; i++) {
                const struct handoff_vfs *v = &set->vfs[i];
                _cleanup_free_ struct pci_addr *a = calloc(v->n ?: 1, sizeof(*a));
                const struct sriov_plan *sp = sriov_of(p, v->entry);
                struct vf_routing rt = { 0 };
                unsigned stale = 0;
                int r;

                if (!a) {
                        free(out);
                        return -ENOMEM;
                }
                r = vfs_addrs(p, v, a, &rt, &stale);
                if (r < 0) {
                        fputs("gpupt-check: warning: sriov \"", warn);
                        fputs_printable(v->entry->name, warn);
                        if (r == -ESTALE)
                                fprintf(warn, "\": VF %u: %s\n", stale, plan_vf_addrs_error(r));
                        else
                                fprintf(warn, "\": no VF addresses: %s\n", plan_vf_addrs_error(r));
                        continue;
                }
                if (!sp->vf_driver) {
                        fputs("gpupt-check: warning: sriov \"", warn);
                        fputs_printable(v->entry->name, warn);
                        fputs("\" has no vf_driver: its VFs stay with whatever probes them; "
                              "managed='no' wants them on vfio-pci (vf_driver = \"vfio-pci\")\n",
                              warn);
                }
                for (unsigned j = 0; j < v->n; j++) {
                        struct vf *o = &out[k++];

                        *o = (struct vf){ .entry = v->entry->name, .index = v->first + j,
                                          .addr = a[j], .rt = rt, .pf = sp->pf->bdf };
                        pci_addr_format(&a[j], o->bdf);
                }
        }
        *ret = out;
        *n = k;
        return 0;
}

int handoff_write(FILE *f, FILE *warn, const struct plan *p, const struct handoff_set *set,
                  enum handoff_kind kind)
{
        _cleanup_free_ const struct claim **v = NULL;
        _cleanup_free_ struct slot *s = NULL;
        _cleanup_free_ struct vf *vfs = NULL;
        struct extras x = { .plan = p, .primary = primary_claim(p, set) };
        size_t n = 0, n_slots = 0;
        int r;

        r = entry_claims(p, set, &v, &n);
        if (r < 0)
                return r;
        r = split_slots(v, n, &s, &n_slots);
        if (r < 0)
                return r;
        r = collect_vfs(p, set, warn, &vfs, &x.n_vfs);
        if (r < 0)
                return r;
        x.vfs = vfs;
        warn_slots(warn, s, n_slots);
        switch (kind) {
        case HANDOFF_LIBVIRT:
                handoff_write_libvirt(f, set, v, n, s, n_slots, &x);
                break;
        case HANDOFF_QEMU:
                write_qemu(f, set, s, n_slots, &x);
                break;
        case HANDOFF_PROXMOX:
                write_proxmox(f, warn, set, s, n_slots, &x);
                break;
        }
        return 0;
}

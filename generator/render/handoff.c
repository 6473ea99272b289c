/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check --libvirt, --qemu, --proxmox: a device entry's claimed
 * functions as a VM definition. A renderer over the plan, like report.c. */
#include <errno.h>
#include <string.h>

#include "handoff.h"
#include "util.h"

/* libvirt numbers the PCI controllers it creates for a q35 domain from 1
 * (virt-manager adds about fifteen root ports); the root ports given here
 * start above them. */
#define LIBVIRT_FIRST_INDEX 16

const struct conf_device *handoff_entry(const struct conf *c, const char *name)
{
        for (size_t i = 0; i < c->n_devices; i++)
                if (streq(c->devices[i].name, name))
                        return &c->devices[i];
        return NULL;
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
        return ready;
}

/* The number of CPUs in a cpulist ("0-15,32-47"); -EINVAL when it is not
 * one, so that nothing unchecked from sysfs lands in the XML. */
static int cpulist_count(const char *s)
{
        int count = 0;

        if (!s || !*s)
                return -EINVAL;
        while (*s) {
                char *end;
                unsigned long a, b;

                if (*s < '0' || *s > '9')
                        return -EINVAL;
                a = strtoul(s, &end, 10);
                b = a;
                if (*end == '-') {
                        if (end[1] < '0' || end[1] > '9')
                                return -EINVAL;
                        b = strtoul(end + 1, &end, 10);
                }
                if (b < a || b - a > 65535 || count > 1 << 20)
                        return -EINVAL;
                count += (int)(b - a + 1);
                if (*end == ',')
                        end++;
                else if (*end)
                        return -EINVAL;
                s = end;
        }
        return count;
}

/* Text inside an XML comment may not hold "--" nor end with "-". */
static void comment_text(FILE *f, const char *s)
{
        for (char prev = 0; *s; prev = *s++) {
                if (*s == '-' && prev == '-')
                        fputc(' ', f);
                fputc(*s, f);
        }
}

struct slot {
        const struct claim *const *fns; /* the claimed functions of one host slot */
        size_t n;
        bool whole;                     /* every function present in the slot */
};

static int split_slots(const struct plan *p, const struct claim *const *v, size_t n,
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
        for (size_t i = 0; i < k; i++) {
                struct pci_fn *present[8];
                size_t m;

                s[i].whole = host_slot(p->host, &s[i].fns[0]->fn->addr, present, &m) == 0 &&
                             m == s[i].n;
        }
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

/* The NUMA placement of the libvirt output: the node all the functions sit
 * on, or why there is none. */
static void libvirt_numa(FILE *f, const struct claim *const *v, size_t n)
{
        int node = -2, cpus;
        const char *cpulist = NULL;

        for (size_t i = 0; i < n; i++) {
                int m = v[i]->fn->numa_node;

                if (m < 0) {
                        fprintf(f, "<!-- no CPU or memory placement: the NUMA node of %s is "
                                   "unknown (numa_node is -1) -->\n",
                                v[i]->fn->bdf);
                        return;
                }
                if (node >= 0 && m != node) {
                        fprintf(f, "<!-- no CPU or memory placement: the functions sit on "
                                   "NUMA nodes %d and %d (%s); pin the VM by hand -->\n",
                                node, m, v[i]->fn->bdf);
                        return;
                }
                if (node < 0)
                        cpulist = v[i]->fn->local_cpulist;
                node = m;
        }
        cpus = cpulist_count(cpulist);
        if (cpus <= 0) {
                fprintf(f, "<!-- no CPU or memory placement: local_cpulist of %s cannot be "
                           "read -->\n",
                        v[0]->fn->bdf);
                return;
        }
        fprintf(f, "<!-- NUMA node %d: vCPUs on its CPUs (the count is all %d of them; lower it),"
                   " memory from it alone -->\n",
                node, cpus);
        fprintf(f, "<vcpu placement='static' cpuset='%s'>%d</vcpu>\n", cpulist, cpus);
        fprintf(f, "<numatune>\n  <memory mode='strict' nodeset='%d'/>\n</numatune>\n", node);
}

static void write_libvirt(FILE *f, const struct handoff_set *set, const struct claim *const *v,
                          size_t n, const struct slot *s, size_t n_slots)
{
        fprintf(f, "<!-- gpupt, device%s ", set->n == 1 ? "" : "s");
        for (size_t i = 0; i < set->n; i++) {
                fputs(i ? ", " : "", f);
                comment_text(f, set->entries[i]->name);
        }
        fprintf(f, ": %zu function%s in %zu host slot%s, for virsh edit.\n"
                   "     <vcpu> and <numatune> belong at the top level of <domain>, the\n"
                   "     <controller> and <hostdev> elements inside <devices>. managed='no':\n"
                   "     gpupt keeps the functions on vfio-pci; with managed='yes' libvirt would\n"
                   "     hand them back to the host driver when the VM stops. -->\n",
                n, n == 1 ? "" : "s", n_slots, n_slots == 1 ? "" : "s");
        if (n)
                libvirt_numa(f, v, n);
        for (size_t i = 0; i < n_slots; i++) {
                unsigned index = LIBVIRT_FIRST_INDEX + (unsigned)i;
                const struct pci_addr *a = &s[i].fns[0]->fn->addr;

                fprintf(f, "<!-- host slot %04x:%02x:%02x: a root port of its own, guest bus "
                           "0x%02x -->\n",
                        a->domain, a->bus, a->dev, index);
                fprintf(f, "<controller type='pci' index='%u' model='pcie-root-port'/>\n", index);
                for (size_t j = 0; j < s[i].n; j++) {
                        const struct pci_addr *h = &s[i].fns[j]->fn->addr;

                        fprintf(f,
                                "<hostdev mode='subsystem' type='pci' managed='no'>\n"
                                "  <source>\n"
                                "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' "
                                "function='0x%x'/>\n"
                                "  </source>\n"
                                "  <address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' "
                                "function='0x%x'%s/>\n"
                                "</hostdev>\n",
                                h->domain, h->bus, h->dev, h->fn, index, h->fn,
                                h->fn == 0 && s[i].n > 1 ? " multifunction='on'" : "");
                }
        }
}

/* QEMU ids: a letter first, then letters, digits, '-', '.', '_'. */
static void write_qemu(FILE *f, const struct slot *s, size_t n_slots)
{
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
                                   "addr=00.%x%s\n",
                                fn->bdf, fn->addr.domain, fn->addr.bus, fn->addr.dev, fn->addr.fn,
                                port, fn->addr.fn,
                                fn->addr.fn == 0 && s[i].n > 1 ? ",multifunction=on" : "");
                }
        }
}

/* Proxmox passes a bare slot ("0000:c1:00") as all its functions on one
 * guest slot, and a ';'-separated list of functions the same way. */
static void write_proxmox(FILE *f, const struct slot *s, size_t n_slots)
{
        for (size_t i = 0; i < n_slots; i++) {
                const struct pci_addr *a = &s[i].fns[0]->fn->addr;

                if (s[i].whole && s[i].n > 1)
                        fprintf(f, "%04x:%02x:%02x", a->domain, a->bus, a->dev);
                else
                        for (size_t j = 0; j < s[i].n; j++)
                                fprintf(f, "%s%s", j ? ";" : "", s[i].fns[j]->fn->bdf);
                fputs(",pcie=1\n", f);
        }
}

int handoff_write(FILE *f, FILE *warn, const struct plan *p, const struct handoff_set *set,
                  enum handoff_kind kind)
{
        _cleanup_free_ const struct claim **v = NULL;
        _cleanup_free_ struct slot *s = NULL;
        size_t n = 0, n_slots = 0;
        int r;

        r = entry_claims(p, set, &v, &n);
        if (r < 0)
                return r;
        /* The plan loads only what the boot needs of a claim; the placement
         * wants local_cpulist too. An unreadable one says so in the output. */
        for (size_t i = 0; i < n; i++)
                if (host_details(p->host, v[i]->fn) == -ENOMEM)
                        return -ENOMEM;
        r = split_slots(p, v, n, &s, &n_slots);
        if (r < 0)
                return r;
        warn_slots(warn, s, n_slots);
        switch (kind) {
        case HANDOFF_LIBVIRT:
                write_libvirt(f, set, v, n, s, n_slots);
                break;
        case HANDOFF_QEMU:
                write_qemu(f, s, n_slots);
                break;
        case HANDOFF_PROXMOX:
                write_proxmox(f, s, n_slots);
                break;
        }
        return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check --libvirt: the hand-off as libvirt domain XML. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "handoff-parts.h"
#include "util.h"

/* libvirt numbers the PCI controllers it creates for a q35 domain from 1
 * (virt-manager adds about fifteen root ports); the root ports given here
 * start above them. */
#define LIBVIRT_FIRST_INDEX 16
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

/* A GVT-g type shows the guest's screen through the mdev (libvirt's
 * display='on', with a <graphics> beside it). The kernel tells no such
 * thing in sysfs (it answers VFIO_DEVICE_QUERY_GFX_PLANE on an open
 * device), so the types are known by name. */
static bool mdev_type_has_display(const char *type)
{
        return strncmp(type, "i915-GVTg_", strlen("i915-GVTg_")) == 0;
}

static void libvirt_header(FILE *f, const struct handoff_set *set, size_t n, size_t n_slots)
{
        if (!set->n) {
                fputs("<!-- gpupt, for virsh edit: <features> belongs at the top level of "
                      "<domain>,\n     the <controller> and <hostdev> elements inside <devices>. "
                      "-->\n",
                      f);
                return;
        }
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
}

/* The RDNA 3 notes of the plan (rdna3-bar) on the functions handed over. */
static void libvirt_bar_notes(FILE *f, const struct plan *p, const struct claim *const *v,
                              size_t n)
{
        for (size_t k = 0; k < p->n_problems; k++) {
                const struct problem *pr = &p->problems[k];

                if (pr->code != PROBLEM_RDNA3_BAR || !pr->has_addr)
                        continue;
                for (size_t i = 0; i < n; i++)
                        if (pci_addr_eq(&pr->addr, &v[i]->fn->addr)) {
                                fputs("<!-- ", f);
                                comment_text(f, pr->message);
                                fputs(" -->\n", f);
                        }
        }
}

static void libvirt_windows(FILE *f)
{
        fputs("<!-- guest windows: Code 43. NVIDIA's drivers before 465 stop with it on a GPU\n"
              "     they find in a VM: a Hyper-V vendor id that is not KVM's and a hidden KVM\n"
              "     signature keep them from seeing one (later drivers need neither; neither\n"
              "     harms). The vendor id counts only with a Hyper-V enlightenment on:\n"
              "     relaxed, vapic and spinlocks, which Windows guests want anyway. Merge\n"
              "     into the domain's <features> where it has one. -->\n"
              "<features>\n"
              "  <hyperv mode='custom'>\n"
              "    <relaxed state='on'/>\n"
              "    <vapic state='on'/>\n"
              "    <spinlocks state='on' retries='8191'/>\n"
              "    <vendor_id state='on' value='" HV_VENDOR_ID "'/>\n"
              "  </hyperv>\n"
              "  <kvm>\n"
              "    <hidden state='on'/>\n"
              "  </kvm>\n"
              "</features>\n",
              f);
}

/* One host function as a PCI <hostdev>, at function fn of guest bus index
 * (extra: more attributes of the guest address, such as multifunction). */
static void libvirt_hostdev(FILE *f, const struct pci_addr *h, unsigned index, unsigned fn,
                            const char *extra)
{
        fprintf(f,
                "<hostdev mode='subsystem' type='pci' managed='no'>\n"
                "  <source>\n"
                "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
                "  </source>\n"
                "  <address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' "
                "function='0x%x'%s/>\n"
                "</hostdev>\n",
                h->domain, h->bus, h->dev, h->fn, index, fn, extra);
}

static void libvirt_vfs(FILE *f, const struct extras *x, unsigned index)
{
        for (size_t i = 0; i < x->n_vfs; i++, index++) {
                const struct vf *vf = &x->vfs[i];
                const struct pci_addr *h = &vf->addr;

                fputs("<!-- VF ", f);
                fprintf(f, "%u of sriov \"", vf->index);
                comment_text(f, vf->entry);
                fprintf(f, "\" (PF %s, First VF Offset %u, VF Stride %u): guest bus 0x%02x -->\n",
                        vf->pf, vf->rt.offset, vf->rt.stride, index);
                fprintf(f, "<controller type='pci' index='%u' model='pcie-root-port'/>\n", index);
                libvirt_hostdev(f, h, index, 0, "");
        }
}

static void libvirt_mdevs(FILE *f, const struct handoff_set *set)
{
        for (size_t i = 0; i < set->n_mdevs; i++) {
                const struct conf_mdev *m = set->mdevs[i];
                bool display = mdev_type_has_display(m->type);

                fputs("<!-- mdev \"", f);
                comment_text(f, m->name);
                fputs("\" (", f);
                comment_text(f, m->type);
                fputs(" on ", f);
                comment_text(f, m->parent);
                fprintf(f, ")%s -->\n",
                        display ? ": display='on', a GVT-g type shows the guest's screen "
                                  "through it (with a <graphics> element beside it)"
                                : "");
                fprintf(f,
                        "<hostdev mode='subsystem' type='mdev' model='vfio-pci'%s>\n"
                        "  <source>\n"
                        "    <address uuid='%s'/>\n"
                        "  </source>\n"
                        "</hostdev>\n",
                        display ? " display='on'" : "", m->uuid);
        }
}

static void libvirt_primary(FILE *f, const struct extras *x)
{
        if (!x->primary)
                return;
        fprintf(f, "<!-- primary display: %s; no emulated video card. libvirt has no x-vga:\n"
                   "     the guest's firmware (OVMF) brings the card up as its screen. -->\n"
                   "<video>\n  <model type='none'/>\n</video>\n",
                x->primary->fn->bdf);
}

void handoff_write_libvirt(FILE *f, const struct handoff_set *set, const struct claim *const *v,
                           size_t n, const struct slot *s, size_t n_slots, const struct extras *x)
{
        libvirt_header(f, set, n, n_slots);
        if (n)
                libvirt_numa(f, v, n);
        if (set->guest == HANDOFF_GUEST_WINDOWS) {
                libvirt_bar_notes(f, x->plan, v, n);
                libvirt_windows(f);
        }
        for (size_t i = 0; i < n_slots; i++) {
                unsigned index = LIBVIRT_FIRST_INDEX + (unsigned)i;
                const struct pci_addr *a = &s[i].fns[0]->fn->addr;

                fprintf(f, "<!-- host slot %04x:%02x:%02x: a root port of its own, guest bus "
                           "0x%02x -->\n",
                        a->domain, a->bus, a->dev, index);
                fprintf(f, "<controller type='pci' index='%u' model='pcie-root-port'/>\n", index);
                for (size_t j = 0; j < s[i].n; j++) {
                        const struct pci_addr *h = &s[i].fns[j]->fn->addr;

                        libvirt_hostdev(f, h, index, h->fn,
                                        h->fn == 0 && s[i].n > 1 ? " multifunction='on'" : "");
                }
        }
        libvirt_vfs(f, x, LIBVIRT_FIRST_INDEX + (unsigned)n_slots);
        libvirt_mdevs(f, set);
        libvirt_primary(f, x);
}

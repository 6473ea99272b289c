/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "iommu.h"
#include "kmsg.h"
#include "util.h"
#include "vfio-nodes.h"

static unsigned count_entries(const char *path)
{
        _cleanup_free_ char *p = root_path(path);
        struct dirent *de;
        unsigned n = 0;
        DIR *d;

        if (!p || !(d = opendir(p)))
                return 0;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

/* The value of the first "key : value" line of cpuinfo, up to its end. */
static const char *cpuinfo_value(const char *text, const char *key, size_t *len)
{
        size_t k = strlen(key);

        for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n') {
                const char *v = p + k;

                if (strncmp(p, key, k) != 0 || !strchr(" \t:", *v))
                        continue;
                v += strspn(v, " \t");
                if (*v != ':')
                        continue;
                v += 1 + strspn(v + 1, " \t");
                *len = strcspn(v, "\n");
                return v;
        }
        return NULL;
}

/* The CPU vendor, and whether the CPU says it runs under a hypervisor
 * (the "hypervisor" flag x86 guests see). */
static void read_cpu(struct iommu_state *s)
{
        _cleanup_free_ char *path = root_path("/proc/cpuinfo"), *text = NULL;
        const char *v;
        size_t n;

        if (!path || read_file(path, 16u << 20, &text, NULL) < 0)
                return;
        v = cpuinfo_value(text, "vendor_id", &n);
        if (v && n >= 12 && strncmp(v, "GenuineIntel", 12) == 0)
                s->cpu = CPU_INTEL;
        else if (v && n >= 12 &&
                 (strncmp(v, "AuthenticAMD", 12) == 0 || strncmp(v, "HygonGenuine", 12) == 0))
                s->cpu = CPU_AMD;
        v = cpuinfo_value(text, "flags", &n);
        for (size_t i = 0; v && i < n;) {
                size_t w = strcspn(v + i, " \t\n");

                if (w == 10 && strncmp(v + i, "hypervisor", 10) == 0)
                        s->guest = true;
                i += w + (w == 0);
        }
}

void iommu_note_kmsg(struct iommu_state *s, const char *t)
{
        const char *p;

        if (strstr(t, "DMAR-IR: Enabled IRQ remapping") ||
            strstr(t, "AMD-Vi: Interrupt remapping enabled"))
                s->irq_remapping = 1;
        else if (strstr(t, "DMAR: IOMMU disabled") || strstr(t, "AMD-Vi: AMD IOMMUv2 disabled") ||
                 strstr(t, "AMD-Vi: IOMMU disabled"))
                s->kmsg_says_disabled = true;
        else if ((p = strstr(t, "iommu: Default domain type: "))) {
                size_t n;

                p += strlen("iommu: Default domain type: ");
                n = strcspn(p, " \n");
                if (n >= sizeof(s->default_domain))
                        n = sizeof(s->default_domain) - 1;
                memcpy(s->default_domain, p, n);
                s->default_domain[n] = '\0';
        }
}

static int note(const char *text, void *u)
{
        iommu_note_kmsg(u, text);
        return 0;
}

/* /proc/interrupts names remapped interrupt chips "IR-PCI-MSI", "IR-IO-APIC"
 * and is readable by everyone, unlike the kernel log, whose early lines may
 * also have been overwritten on a long-running host. 1 remapped, 0 MSIs
 * without remapping, -1 no evidence. */
static int irq_remapping_from_interrupts(void)
{
        _cleanup_free_ char *path = root_path("/proc/interrupts"), *text = NULL;

        if (!path || read_file(path, 64u << 20, &text, NULL) < 0)
                return -1;
        if (strstr(text, "IR-PCI-MSI") || strstr(text, "IR-IO-APIC"))
                return 1;
        if (strstr(text, "PCI-MSI"))
                return 0;
        return -1;
}

int iommu_probe(struct iommu_state *ret)
{
        struct iommu_state s = { .irq_remapping = -1 };
        int r;

        s.n_units = count_entries("/sys/class/iommu");
        s.n_groups = count_entries("/sys/kernel/iommu_groups");
        /* Groups exist only when an IOMMU driver attached devices; units alone
         * (without groups) still mean the hardware is up. */
        s.enabled = s.n_units > 0 || s.n_groups > 0;
        read_cpu(&s);
        s.iommufd = iommufd_present();

        r = kmsg_scan(note, &s);
        s.kmsg_error = r;
        if (s.irq_remapping < 0) {
                int ir = irq_remapping_from_interrupts();

                if (ir >= 0)
                        s.irq_remapping = ir;
                else if (r == 0)
                        s.irq_remapping = 0; /* the whole log was read and says nothing */
        }
        *ret = s;
        return 0;
}

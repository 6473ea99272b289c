/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "iommu.h"
#include "kmsg.h"
#include "util.h"

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

static enum cpu_vendor read_cpu_vendor(void)
{
        _cleanup_free_ char *path = root_path("/proc/cpuinfo"), *text = NULL;
        const char *p;

        if (!path || read_file(path, 16u << 20, &text, NULL) < 0)
                return CPU_UNKNOWN;
        p = strstr(text, "vendor_id");
        if (!p)
                return CPU_UNKNOWN;
        p += strcspn(p, ":\n");
        if (*p != ':')
                return CPU_UNKNOWN;
        p += 1 + strspn(p + 1, " \t");
        if (strncmp(p, "GenuineIntel", 12) == 0)
                return CPU_INTEL;
        if (strncmp(p, "AuthenticAMD", 12) == 0 || strncmp(p, "HygonGenuine", 12) == 0)
                return CPU_AMD;
        return CPU_UNKNOWN;
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
        s.cpu = read_cpu_vendor();

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

const char *iommu_flag(enum cpu_vendor v)
{
        switch (v) {
        case CPU_AMD:
                return "amd_iommu=on";
        case CPU_INTEL:
                return "intel_iommu=on";
        default:
                return "intel_iommu=on (Intel) or amd_iommu=on (AMD)";
        }
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-off, no-interrupt-remapping, acs-override */
#include <string.h>

#include "plan.h"
#include "util.h"

static bool config_has_work(const struct conf *c)
{
        return c->n_devices || c->n_sriovs || c->n_mdevs;
}

/* The fix names what is in the way first: an explicit off switch on the
 * command line beats any advice about firmware. */
static int iommu_off(struct plan *p)
{
        const struct kcmdline *cl = &p->cmdline;
        enum severity sev = p->conf->iommu_required ? SEVERITY_ERROR : SEVERITY_WARNING;
        const char *tail = p->conf->iommu_required
                                   ? "nothing will be claimed"
                                   : "iommu_required = false: devices are claimed without "
                                     "isolation";

        if (cl->intel_iommu && strncmp(cl->intel_iommu, "off", 3) == 0)
                return plan_problem(p, sev, PROBLEM_IOMMU_OFF, NULL, NULL,
                                    "no IOMMU is active and the kernel command line has "
                                    "intel_iommu=%s: replace it with intel_iommu=on "
                                    "(GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) "
                                    "and reboot; %s",
                                    cl->intel_iommu, tail);
        if (cl->amd_iommu && strncmp(cl->amd_iommu, "off", 3) == 0)
                return plan_problem(p, sev, PROBLEM_IOMMU_OFF, NULL, NULL,
                                    "no IOMMU is active and the kernel command line has "
                                    "amd_iommu=%s: replace it with amd_iommu=on "
                                    "(GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) "
                                    "and reboot; %s",
                                    cl->amd_iommu, tail);
        if (cl->iommu && streq(cl->iommu, "off"))
                return plan_problem(p, sev, PROBLEM_IOMMU_OFF, NULL, NULL,
                                    "no IOMMU is active and the kernel command line has "
                                    "iommu=off: remove it and add %s, then reboot; %s",
                                    iommu_flag(p->iommu.cpu), tail);
        return plan_problem(p, sev, PROBLEM_IOMMU_OFF, NULL, NULL,
                            "no IOMMU is active (no entries in /sys/class/iommu, no IOMMU "
                            "groups): enable %s in the firmware setup and add %s to the kernel "
                            "command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then "
                            "update-grub), then reboot; %s",
                            p->iommu.cpu == CPU_AMD     ? "AMD-Vi/IOMMU"
                            : p->iommu.cpu == CPU_INTEL ? "VT-d"
                                                        : "VT-d (Intel) or AMD-Vi (AMD)",
                            iommu_flag(p->iommu.cpu), tail);
}

int detect_iommu(struct plan *p)
{
        int r;

        if (!config_has_work(p->conf))
                return 0;
        if (!p->iommu.enabled)
                return iommu_off(p);

        if (p->iommu.irq_remapping == 0 && !p->conf->allow_unsafe_interrupts &&
            !p->cmdline.allow_unsafe_interrupts) {
                r = plan_problem(p, SEVERITY_WARNING, PROBLEM_NO_INTERRUPT_REMAPPING, NULL, NULL,
                                 "the IOMMU is on but interrupt remapping is not (no "
                                 "\"DMAR-IR: Enabled IRQ remapping\" or \"AMD-Vi: Interrupt "
                                 "remapping enabled\" in the kernel log): vfio refuses "
                                 "devices until it is enabled in the firmware, or accept the "
                                 "risk with allow_unsafe_interrupts = true in gpupt.conf and "
                                 "vfio_iommu_type1.allow_unsafe_interrupts=1");
                if (r < 0)
                        return r;
        }
        if (p->cmdline.acs_override) {
                r = plan_problem(p, SEVERITY_WARNING, PROBLEM_ACS_OVERRIDE, NULL, NULL,
                                 "pcie_acs_override is on the kernel command line: the IOMMU "
                                 "groups shown are split by a patch, not by the hardware, and do "
                                 "not isolate devices from each other; remove it to see the "
                                 "real groups");
                if (r < 0)
                        return r;
        }
        return 0;
}

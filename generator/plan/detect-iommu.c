/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iommu-off, no-interrupt-remapping, acs-override */
#include <errno.h>
#include <string.h>

#include "plan-steps.h"
#include "util.h"

static bool config_has_work(const struct conf *c)
{
        return c->n_devices || c->n_sriovs || c->n_mdevs;
}

/* Whether word is the last "on" or "off" of a comma-separated list
 * (intel_iommu=sm_on,on): the kernel obeys the last. */
static bool last_of_on_off(const char *list, const char *word)
{
        const char *found = NULL;

        for (const char *p = list; p && *p; p += strcspn(p, ","), p += *p == ',') {
                size_t n = strcspn(p, ",");

                if ((n == 2 && strncmp(p, "on", 2) == 0) || (n == 3 && strncmp(p, "off", 3) == 0))
                        found = p;
        }
        return found && strncmp(found, word, strlen(word)) == 0 &&
               (found[strlen(word)] == ',' || !found[strlen(word)]);
}

/* The item of cl that keeps this CPU's IOMMU off, as given; NULL when
 * none, or with *oom set when memory ran out. */
static char *off_switch(const struct kcmdline *cl, enum cpu_vendor cpu, bool *oom)
{
        char *s = NULL;

        if (cpu != CPU_AMD && last_of_on_off(cl->intel_iommu, "off"))
                s = strdup_printf("intel_iommu=%s", cl->intel_iommu);
        else if (cpu != CPU_INTEL && cl->amd_iommu && strncmp(cl->amd_iommu, "off", 3) == 0)
                s = strdup_printf("amd_iommu=%s", cl->amd_iommu);
        else if (cl->iommu && streq(cl->iommu, "off"))
                s = strdup("iommu=off");
        else
                return NULL;
        *oom = !s;
        return s;
}

/* Whose off switches count: the CPU's vendor on a host; in a virtual
 * machine either, since the hypervisor's virtual IOMMU (QEMU's intel-iommu
 * under any vCPU) is no kin of the vCPU. */
static enum cpu_vendor switch_vendor(const struct plan *p)
{
        return p->iommu.guest ? CPU_UNKNOWN : p->iommu.cpu;
}

/* The line the verdict is about: the next boot's where it is known. */
static const struct kcmdline *judged(const struct plan *p)
{
        return p->next_boot.kind != BOOT_LOADER_NONE ? &p->next_boot.cmdline : &p->cmdline;
}

/* No IOMMU now, and the next boot's line brings it: on Intel it newly has
 * intel_iommu=on, on AMD (which needs no flag) it drops the off switch
 * this boot has. Firmware that keeps the IOMMU off cannot be seen from
 * here, so nothing else counts as a fix. */
static bool next_turns_on(const struct plan *p, bool *oom)
{
        const struct kcmdline *next = &p->next_boot.cmdline;
        _cleanup_free_ char *off_next = NULL, *off_now = NULL;

        if (p->next_boot.kind == BOOT_LOADER_NONE)
                return false;
        off_next = off_switch(next, switch_vendor(p), oom);
        if (off_next || *oom)
                return false;
        if (p->iommu.cpu == CPU_INTEL)
                return last_of_on_off(next->intel_iommu, "on") &&
                       !last_of_on_off(p->cmdline.intel_iommu, "on");
        if (p->iommu.cpu == CPU_AMD)
                return (off_now = off_switch(&p->cmdline, CPU_AMD, oom)) != NULL;
        return false;
}

static const char *firmware_name(enum cpu_vendor cpu)
{
        return cpu == CPU_AMD     ? "AMD-Vi/IOMMU"
               : cpu == CPU_INTEL ? "VT-d"
                                  : "the IOMMU (VT-d on Intel, AMD-Vi on AMD)";
}

/* What turns the IOMMU on, for this CPU and this boot loader: an explicit
 * off switch first, as it beats any advice about firmware. */
static char *turn_on_advice(const struct plan *p, bool *oom)
{
        const struct kcmdline *cl = judged(p);
        enum cpu_vendor cpu = p->iommu.cpu;
        const char *line = p->next_boot.kind != BOOT_LOADER_NONE ? "the next boot's command line"
                                                                 : "the kernel command line";
        _cleanup_free_ char *off = off_switch(cl, switch_vendor(p), oom), *fix = NULL;
        bool intel_on = last_of_on_off(cl->intel_iommu, "on");

        if (*oom)
                return NULL;
        if (off) {
                /* On AMD, and on an unknown CPU, iommu=off goes without a
                 * replacement; intel_iommu=off gives way to =on wherever an
                 * Intel IOMMU can be: an Intel host, or any VM. */
                bool to_on = !intel_on && (cpu == CPU_INTEL ||
                                           (p->iommu.guest && strncmp(off, "intel_iommu=", 12) == 0));

                fix = next_boot_advice(&p->next_boot, off, to_on ? "intel_iommu=on" : NULL);
                if (!fix)
                        return NULL;
                if (p->iommu.guest)
                        return strdup_printf("%s has %s: %s, keep the VM's virtual IOMMU (QEMU: "
                                             "-device intel-iommu or virtio-iommu-pci), and "
                                             "reboot", line, off, fix);
                return strdup_printf("%s has %s: %s, keep %s enabled in the firmware setup, and "
                                     "reboot%s",
                                     line, off, fix, firmware_name(cpu),
                                     cpu == CPU_AMD ? " (the AMD IOMMU needs no flag to be on; "
                                                      "there is no amd_iommu=on)"
                                                    : "");
        }
        if (cpu != CPU_AMD && !intel_on &&
            !(fix = next_boot_advice(&p->next_boot, NULL, "intel_iommu=on")))
                return NULL;
        if (p->iommu.guest)
                return strdup_printf(
                        "this is a virtual machine (the CPU reports the hypervisor flag): its "
                        "IOMMU has to come from the hypervisor; give the VM a virtual IOMMU "
                        "(QEMU: -device intel-iommu,intremap=on,caching-mode=on on a q35 "
                        "machine, or -device virtio-iommu-pci)%s%s, and reboot",
                        fix ? " and, for intel-iommu, " : "", fix ? fix : "");
        if (cpu == CPU_AMD)
                return strdup("enable AMD-Vi/IOMMU in the firmware setup and reboot (the AMD "
                              "IOMMU needs no kernel flag; there is no amd_iommu=on)");
        if (cpu == CPU_INTEL)
                return strdup_printf("enable VT-d in the firmware setup%s%s, and reboot",
                                     fix ? " and " : " (intel_iommu=on is already on the "
                                                     "command line)",
                                     fix ? fix : "");
        return strdup_printf("enable %s in the firmware setup%s%s, and reboot",
                             firmware_name(cpu), fix ? "; on Intel also " : "", fix ? fix : "");
}

/* An error only where it stops a claim: with nothing to claim the advice
 * is still worth showing, but the check stays ready. */
static enum severity off_severity(const struct plan *p, bool has_work)
{
        return has_work && p->conf->iommu_required ? SEVERITY_ERROR : SEVERITY_WARNING;
}

static const char *off_tail(const struct plan *p, bool has_work)
{
        return !has_work                ? "nothing is claimed yet"
               : p->conf->iommu_required ? "nothing will be claimed"
                                         : "iommu_required = false: devices are claimed "
                                           "without isolation";
}

static int iommu_off(struct plan *p, bool has_work)
{
        _cleanup_free_ char *advice = NULL, *when = NULL;
        bool oom = false;

        if (next_turns_on(p, &oom)) {
                when = next_boot_takes_effect(&p->next_boot);
                if (!when)
                        return -ENOMEM;
                return plan_problem(p, SEVERITY_WARNING, PROBLEM_IOMMU_OFF, NULL, NULL,
                                    "no IOMMU is active now; the next boot's command line (from "
                                    "%s) turns it on: %s, with %s",
                                    p->next_boot.file, when,
                                    p->iommu.guest ? "a virtual IOMMU given to the VM by the "
                                                     "hypervisor"
                                                   : p->iommu.cpu == CPU_AMD
                                                             ? "AMD-Vi/IOMMU enabled in the "
                                                               "firmware setup"
                                                             : "VT-d enabled in the firmware "
                                                               "setup");
        }
        if (oom || !(advice = turn_on_advice(p, &oom)))
                return -ENOMEM;
        return plan_problem(p, off_severity(p, has_work), PROBLEM_IOMMU_OFF, NULL, NULL,
                            "no IOMMU is active (no entries in /sys/class/iommu, no IOMMU "
                            "groups): %s; %s",
                            advice, off_tail(p, has_work));
}

/* The IOMMU is on now; the next boot's line switches it off. */
static int next_turns_off(struct plan *p, bool has_work)
{
        _cleanup_free_ char *off = NULL, *fix = NULL;
        bool oom = false;

        if (p->next_boot.kind == BOOT_LOADER_NONE)
                return 0;
        off = off_switch(&p->next_boot.cmdline, switch_vendor(p), &oom);
        if (oom)
                return -ENOMEM;
        if (!off)
                return 0;
        fix = next_boot_advice(&p->next_boot, off, NULL);
        if (!fix)
                return -ENOMEM;
        return plan_problem(p, off_severity(p, has_work), PROBLEM_IOMMU_OFF, NULL, NULL,
                            "the IOMMU is on now, but the next boot's command line (from %s) "
                            "has %s, which turns it off: %s, and reboot; otherwise %s",
                            p->next_boot.file, off, fix, off_tail(p, has_work));
}

int detect_iommu(struct plan *p)
{
        bool has_work = config_has_work(p->conf);
        int r;

        /* Said even with nothing to claim: turning the IOMMU on is the
         * first step, and gpupt-check the place that tells how. */
        if (!p->iommu.enabled)
                return iommu_off(p, has_work);
        r = next_turns_off(p, has_work);
        if (r < 0 || !has_work)
                return r;

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

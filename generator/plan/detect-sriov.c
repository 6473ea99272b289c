/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sriov-unsupported, sriov-pf-claimed, sriov-prerequisite */
#include <errno.h>

#include "plan-steps.h"
#include "util.h"

#define PCI_VENDOR_AMD 0x1002
#define PCI_VENDOR_INTEL 0x8086

/* VFs are made by the PF's driver (its sriov_configure). The claim binds the
 * PF to its claim driver first; vfio-pci makes VFs only when loaded with
 * enable_sriov=1, and then for the VM's user of the PF, which must hold a
 * VF token; its variants make none. pci-pf-stub exists to make them. */
static int check_pf_claimed(struct plan *p, const struct sriov_plan *s)
{
        const struct claim *c = plan_find_claim(p, &s->entry->pf);
        char a[PCI_ADDR_STRLEN];

        if (!c || s->entry->vfs == 0 || module_name_eq(c->driver, "pci-pf-stub"))
                return 0;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_SRIOV_PF_CLAIMED, &s->entry->pf, s->entry->name,
                            "%s is claimed for %s by device \"%s\" (%s:%u) and given %u VFs by "
                            "sriov \"%s\" (%s:%u): the PF's driver makes the VFs, and vfio-pci "
                            "makes them only when loaded with enable_sriov=1 for a VM that "
                            "drives the PF and holds a VF token, which gpupt does not set up. "
                            "Keep the PF on its host driver (take it out of device \"%s\") to "
                            "give its VFs to VMs, or drop sriov \"%s\" to give the PF itself "
                            "to a VM",
                            pci_addr_format(&s->entry->pf, a), c->driver, c->entry->name,
                            c->entry->where.file, c->entry->where.line, s->entry->vfs,
                            s->entry->name, s->entry->where.file, s->entry->where.line,
                            c->entry->name, s->entry->name);
}

/* Intel's GPU PF drivers make no more VFs than their max_vfs parameter
 * allows (xe: 0 by default; the SR-IOV build of i915, i915-sriov-dkms,
 * likewise), and lower sriov_totalvfs to it: a VF count above it reads as
 * hardware without VFs, while a module parameter is the fix. */
static int check_intel_max_vfs(struct plan *p, const struct sriov_plan *s)
{
        const struct pci_fn *pf = s->pf;
        const char *drv = pf->driver;
        _cleanup_free_ char *param = NULL, *fix = NULL;

        if (pf->vendor != PCI_VENDOR_INTEL || !drv ||
            !(module_name_eq(drv, "xe") || module_name_eq(drv, "i915")) ||
            pf->sriov_totalvfs < 0 || s->entry->vfs <= (unsigned)pf->sriov_totalvfs)
                return 0;
        param = strdup_printf("%s.max_vfs=%u", module_name_eq(drv, "xe") ? "xe" : "i915",
                              s->entry->vfs);
        fix = param ? next_boot_advice(&p->next_boot, NULL, param) : NULL;
        if (!fix)
                return -ENOMEM;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_SRIOV_PREREQUISITE, &pf->addr, s->entry->name,
                            "sriov \"%s\" (%s:%u) asks for %u VF%s on %s (%04x:%04x), whose "
                            "driver %s makes no more than its max_vfs parameter allows (%d now; "
                            "none unless set%s), up to what the GPU offers: %s, or put \"options %s max_vfs=%u\" in "
                            "/etc/modprobe.d/%s.conf (and rebuild the initramfs when %s is in "
                            "it), then reboot",
                            s->entry->name, s->entry->where.file, s->entry->where.line,
                            s->entry->vfs, s->entry->vfs == 1 ? "" : "s", pf->bdf, pf->vendor,
                            pf->device, drv, pf->sriov_totalvfs,
                            module_name_eq(drv, "i915") ? "; only the SR-IOV build of i915, "
                                                          "i915-sriov-dkms, has it" : "",
                            fix, module_name_eq(drv, "xe") ? "xe" : "i915", s->entry->vfs,
                            module_name_eq(drv, "xe") ? "xe" : "i915", drv);
}

/* AMD Instinct GPUs make VFs (MxGPU) only under AMD's GIM host driver, gim,
 * which must own the PF: amdgpu makes none, and must be kept off it. */
static int check_amd_gim(struct plan *p, const struct sriov_plan *s)
{
        const struct pci_fn *pf = s->pf;
        unsigned base = pf->class >> 16;

        /* Without the capability it is the firmware's (sriov-unsupported). */
        if (pf->vendor != PCI_VENDOR_AMD || (base != 0x03 && base != 0x12) ||
            pf->sriov_totalvfs < 0 || s->entry->vfs == 0 ||
            (pf->driver && module_name_eq(pf->driver, "gim")))
                return 0;
        return plan_problem(p, SEVERITY_ERROR, PROBLEM_SRIOV_PREREQUISITE, &pf->addr, s->entry->name,
                            "sriov \"%s\" (%s:%u) asks for %u VF%s on the AMD GPU %s (%04x:%04x, "
                            "%s): its VFs come only from AMD's GIM host driver (gim), which has "
                            "to own the PF. Install GIM (AMD's MxGPU virtualization driver), "
                            "keep amdgpu off this GPU (\"blacklist amdgpu\" in "
                            "/etc/modprobe.d/gim.conf when the host drives no other AMD GPU; "
                            "rebuild the initramfs when amdgpu is in it), load gim at boot "
                            "(/etc/modules-load.d/gim.conf), then reboot",
                            s->entry->name, s->entry->where.file, s->entry->where.line,
                            s->entry->vfs, s->entry->vfs == 1 ? "" : "s", pf->bdf, pf->vendor,
                            pf->device, pf->driver ? pf->driver : "no driver now");
}

/* A GPU driver's own prerequisite, named instead of a bare
 * sriov-unsupported: 1 when one was reported. */
static int check_gpu_prerequisite(struct plan *p, const struct sriov_plan *s)
{
        size_t before = p->n_problems;
        int r = check_intel_max_vfs(p, s);

        if (r == 0)
                r = check_amd_gim(p, s);
        return r < 0 ? r : p->n_problems > before;
}

int detect_sriov(struct plan *p)
{
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];
                int r = 0;

                if (!s->pf || !s->pf->details)
                        continue; /* no-match said so */
                if ((r = check_pf_claimed(p, s)) < 0)
                        return r;
                if ((r = check_gpu_prerequisite(p, s)) != 0) {
                        if (r < 0)
                                return r;
                        continue;
                }
                if (s->pf->sriov_totalvfs < 0)
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_SRIOV_UNSUPPORTED, &s->pf->addr,
                                         s->entry->name,
                                         "%s (%04x:%04x) has no SR-IOV capability (no "
                                         "sriov_totalvfs); check the pf address, or enable SR-IOV "
                                         "in the firmware setup",
                                         s->pf->bdf, s->pf->vendor, s->pf->device);
                else if (s->entry->vfs > (unsigned)s->pf->sriov_totalvfs)
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_SRIOV_UNSUPPORTED, &s->pf->addr,
                                         s->entry->name,
                                         "sriov \"%s\" asks for %u VFs but %s offers at most %d; "
                                         "set vfs = %d or less in %s:%u",
                                         s->entry->name, s->entry->vfs, s->pf->bdf,
                                         s->pf->sriov_totalvfs, s->pf->sriov_totalvfs,
                                         s->entry->where.file, s->entry->where.line);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf_driver = "auto": the VFs' driver, resolved like a device's. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "plan-steps.h"
#include "sysattr.h"
#include "util.h"
#include "variant.h"

/* The first VF's modalias where it exists; before the VFs are made, the
 * one they will have: the PF's ids with the VF device id the PF announces
 * (sriov_vf_device). NULL when neither can be read. */
char *vf_modalias(struct host *h, const struct pci_fn *pf)
{
        int devices = host_devices_dir(h);
        char name[PCI_ADDR_STRLEN + 32], buf[128];
        struct pci_addr vf;
        uint64_t dev;

        if (devices < 0)
                return NULL;
        if (pci_vf_read(devices, pf->bdf, 0, &vf) == 0) {
                pci_addr_format(&vf, name);
                strcat(name, "/modalias");
                if (sysattr_read_string(devices, name, buf, sizeof(buf)) > 0)
                        return strdup(buf);
        }
        snprintf(name, sizeof(name), "%s/sriov_vf_device", pf->bdf);
        if (sysattr_read_hex(devices, name, 0xffff, &dev) < 0)
                return NULL;
        return strdup_printf("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", pf->vendor,
                             (unsigned)dev, pf->subvendor, pf->subdevice, pf->class >> 16,
                             (pf->class >> 8) & 0xff, pf->class & 0xff);
}

const char *plan_vf_driver(struct plan *p, const struct sriov_plan *s)
{
        _cleanup_free_ char *modalias = NULL;

        if (!s->entry->vf_driver || !streq(s->entry->vf_driver, VARIANT_AUTO))
                return s->entry->vf_driver;
        if (s->pf)
                modalias = vf_modalias(p->host, s->pf);
        /* Unknown VFs get the catch-all, which binds any of them. */
        return plan_auto_driver(p, modalias);
}

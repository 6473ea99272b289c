/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf_driver = "auto": the VFs' driver, resolved like a device's. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "plan-steps.h"
#include "util.h"
#include "variant.h"

/* The first VF's modalias where it exists; before the VFs are made, the
 * one they will have: the PF's ids with the VF device id the PF announces
 * (sriov_vf_device). NULL when neither can be read. */
char *vf_modalias(const struct pci_fn *pf)
{
        _cleanup_free_ char *path = strdup_printf("%s/sys/bus/pci/devices/%s/virtfn0/modalias",
                                                  root_dir(), pf->bdf);
        char buf[128];
        uint64_t dev;

        if (!path)
                return NULL;
        if (read_attr_at(AT_FDCWD, path, buf, sizeof(buf)) > 0)
                return strdup(buf);
        free(path);
        path = strdup_printf("%s/sys/bus/pci/devices/%s/sriov_vf_device", root_dir(), pf->bdf);
        if (!path || read_attr_at(AT_FDCWD, path, buf, sizeof(buf)) <= 0 ||
            parse_hex(buf, 0xffff, &dev) < 0)
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
                modalias = vf_modalias(s->pf);
        /* Unknown VFs get the catch-all, which binds any of them. */
        return plan_auto_driver(p, modalias);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-framebuffer */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "iomem.h"
#include "plan-steps.h"
#include "util.h"

/* The BAR of fn (from its `resource` file) that holds fb, or -1. */
static int bar_holding(const struct pci_fn *fn, const struct iomem_range *fb)
{
        _cleanup_free_ char *path = strdup_printf("/sys/bus/pci/devices/%s/resource", fn->bdf);
        _cleanup_close_ int fd = -1;
        char buf[2048];
        const char *s = buf;
        ssize_t n;

        if (!path)
                return -1;
        fd = root_open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        for (int i = 0; i < 6 && *s; i++) {
                unsigned long long start, end, flags;
                const char *nl = strchr(s, '\n');

                if (sscanf(s, "%llx %llx %llx", &start, &end, &flags) == 3 && end > start &&
                    fb->start >= start && fb->start <= end)
                        return i;
                if (!nl)
                        break;
                s = nl + 1;
        }
        return -1;
}

int detect_framebuffer(struct plan *p)
{
        _cleanup_free_ struct iomem_range *fbs = NULL;
        size_t n_fbs = 0;
        int r;

        if (!p->n_claims)
                return 0;
        r = iomem_read_framebuffers(&fbs, &n_fbs);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0; /* no /proc/iomem to read: nothing to tell */
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];

                for (size_t j = 0; j < n_fbs; j++) {
                        int bar = bar_holding(c->fn, &fbs[j]);

                        if (bar < 0)
                                continue;
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_BOOT_FRAMEBUFFER, &c->fn->addr,
                                         c->entry->name,
                                         "BAR %d of %s holds the firmware framebuffer (%s at "
                                         "%" PRIx64 "-%" PRIx64 " in /proc/iomem): vfio-pci "
                                         "cannot reserve that BAR (\"BAR %d: can't reserve\") "
                                         "and the VM gets a black screen; add video=efifb:off "
                                         "(Linux before 5.15) or initcall_blacklist=sysfb_init "
                                         "(5.15 and newer, simpledrm) to the kernel command "
                                         "line, or make another card the boot display in the "
                                         "firmware",
                                         bar, c->fn->bdf, fbs[j].name, fbs[j].start, fbs[j].end,
                                         bar);
                        if (r < 0)
                                return r;
                        break;
                }
        }
        return 0;
}

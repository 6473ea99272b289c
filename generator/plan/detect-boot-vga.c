/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boot-vga */
#include "plan-steps.h"

int detect_boot_vga(struct plan *p)
{
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                int r;

                if (c->fn->boot_vga != 1)
                        continue;
                r = plan_problem(p, SEVERITY_WARNING, PROBLEM_BOOT_VGA, &c->fn->addr, c->entry->name,
                                 "%s is the boot display: once it is claimed the host console "
                                 "goes dark; keep another way in (serial console, SSH, BMC), and "
                                 "gpupt=off on the kernel command line undoes the claim",
                                 c->fn->bdf);
                if (r < 0)
                        return r;
        }
        return 0;
}

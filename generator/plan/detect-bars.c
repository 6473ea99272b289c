/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bar-unsupported */
#include <stdio.h>

#include "plan-steps.h"

/* "8M", "16G": what a person wrote in the config. */
const char *bar_size_str(unsigned log2_mib, char buf[static 32])
{
        static const char units[] = "MGTPE";
        unsigned u = 0;

        while (log2_mib >= 10 && u + 1 < sizeof(units) - 1) {
                log2_mib -= 10;
                u++;
        }
        snprintf(buf, 32, "%llu%c", 1ULL << log2_mib, units[u]);
        return buf;
}

/* "1M 2M … 256M" from the resize bitmask. */
static void offered(uint64_t mask, char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = '\0';
        for (unsigned b = 0; b < 64 && len + 1 < size; b++) {
                char s[32];
                int k;

                if (!(mask & (UINT64_C(1) << b)))
                        continue;
                k = snprintf(buf + len, size - len, "%s%s", len ? " " : "", bar_size_str(b, s));
                if (k < 0 || (size_t)k >= size - len)
                        break;
                len += (size_t)k;
        }
}

int detect_bars(struct plan *p)
{
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];

                for (size_t j = 0; j < c->n_bars; j++) {
                        const struct conf_bar *b = &c->bars[j];
                        char want[32], have[512];
                        int r = 0;

                        if (!pci_fn_bar_resizable(c->fn, b->index))
                                r = plan_problem(p, SEVERITY_ERROR, PROBLEM_BAR_UNSUPPORTED,
                                                 &c->fn->addr, c->entry->name,
                                                 "%s has no resizable BAR %u (no resource%u_resize; "
                                                 "needs Linux 6.1+ and Resizable BAR enabled in "
                                                 "the firmware); remove \"%u:%s\" from \"%s\"",
                                                 c->fn->bdf, b->index, b->index, b->index,
                                                 bar_size_str(b->log2_mib, want), c->entry->name);
                        else if (b->log2_mib >= 64 ||
                                 !(pci_fn_bar_sizes(c->fn, b->index) & (UINT64_C(1) << b->log2_mib))) {
                                offered(pci_fn_bar_sizes(c->fn, b->index), have, sizeof(have));
                                r = plan_problem(p, SEVERITY_ERROR, PROBLEM_BAR_UNSUPPORTED,
                                                 &c->fn->addr, c->entry->name,
                                                 "BAR %u of %s cannot be %s; it offers %s",
                                                 b->index, c->fn->bdf,
                                                 bar_size_str(b->log2_mib, want),
                                                 *have ? have : "no sizes");
                        }
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

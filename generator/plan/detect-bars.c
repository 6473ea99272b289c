/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bar-unsupported, rdna3-bar */
#include <errno.h>
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

/* The VGA functions of AMD's RDNA 3 chips, as pci.ids names them: Navi 31
 * (Radeon RX 7900 XT/XTX/GRE, Radeon Pro W7800, W7900), Navi 32 (RX 7700
 * XT, 7800 XT, Pro W7700) and Navi 33 (RX 7600, 7600 XT, 7600M, 7700S,
 * Pro W7500, W7600). Their Windows driver in a VM stops with Code 43 while
 * BAR 2 is larger than 8 MiB. */
static const uint16_t rdna3_ids[] = { 0x7448, 0x744c, 0x745e, 0x7470, 0x747e,
                                      0x7480, 0x7483, 0x7489 };

static bool is_rdna3(const struct pci_fn *f)
{
        if (f->vendor != 0x1002 || !pci_fn_is_display(f))
                return false;
        for (size_t i = 0; i < sizeof(rdna3_ids) / sizeof(rdna3_ids[0]); i++)
                if (f->device == rdna3_ids[i])
                        return true;
        return false;
}

static bool sizes_bar(const struct claim *c, unsigned index)
{
        for (size_t j = 0; j < c->n_bars; j++)
                if (c->bars[j].index == index)
                        return true;
        return false;
}

/* rdna3-bar: a claimed RDNA 3 card whose BAR 2 Resizable BAR made larger
 * than 8 MiB, that the config leaves so and that can be 8 MiB. */
static int detect_rdna3_bar(struct plan *p, struct claim *c)
{
        char now[32];
        int r, log2_now;

        if (!is_rdna3(c->fn) || sizes_bar(c, 2))
                return 0;
        /* The plan loads the resize attributes only for claims with a bar key. */
        r = host_details(p->host, c->fn);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        log2_now = pci_fn_bar_now(c->fn, 2);
        if (!pci_fn_bar_resizable(c->fn, 2) || log2_now <= 3 ||
            !(pci_fn_bar_sizes(c->fn, 2) & (UINT64_C(1) << 3)))
                return 0;
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_RDNA3_BAR, &c->fn->addr, c->entry->name,
                            "%s is an AMD RDNA 3 card whose BAR 2 is %s (Resizable BAR is on); "
                            "its Windows driver in a VM stops with Code 43 unless BAR 2 is 8 MiB: "
                            "add bar = {\"2:8M\"} to \"%s\"",
                            c->fn->bdf, bar_size_str((unsigned)log2_now, now), c->entry->name);
}

int detect_bars(struct plan *p)
{
        for (size_t i = 0; i < p->n_claims; i++) {
                int r = detect_rdna3_bar(p, &p->claims[i]);

                if (r < 0)
                        return r;
        }
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

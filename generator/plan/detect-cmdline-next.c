/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmdline-pending, cmdline-lost: the boot loader's configured command line
 * against the running one, for the flags that decide what gpupt can do. */
#include <errno.h>
#include <string.h>

#include "plan-steps.h"
#include "util.h"

/* Compared by cmdline_key_eq, so vfio-pci.ids is vfio_pci.ids. */
static const char *const flags[] = {
        "intel_iommu",  "amd_iommu",         "iommu", "iommu.passthrough",
        "vfio_pci.ids", "pcie_acs_override", "gpupt", "rd.gpupt",
};

/* Each flag's last item on one line ("key=value" as given): the kernel
 * and the module loader take the last one. */
struct items {
        char *item[ELEMENTSOF(flags)];
};

static int note(const char *key, const char *value, void *u)
{
        struct items *it = u;

        for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
                char *s;

                if (!cmdline_key_eq(key, flags[i]))
                        continue;
                s = value ? strdup_printf("%s=%s", key, value) : strdup(key);
                if (!s)
                        return -ENOMEM;
                free(it->item[i]);
                it->item[i] = s;
        }
        return 0;
}

static void items_done(struct items *it)
{
        for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                free(it->item[i]);
}

/* The same key (by flag) and the same value, whatever the key's spelling. */
static bool same_value(const char *a, const char *b)
{
        const char *x = strchr(a, '='), *y = strchr(b, '=');

        return (!x && !y) || (x && y && streq(x, y));
}

static int pending(struct plan *p, const char *item, const char *now)
{
        const struct next_boot *nb = &p->next_boot;
        _cleanup_free_ char *key = strndup(item, strcspn(item, "=")), *where = NULL, *when = NULL;

        if (!key || !(where = next_boot_where(nb, key)) || !(when = next_boot_takes_effect(nb)))
                return -ENOMEM;
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_CMDLINE_PENDING, NULL, NULL,
                            "%s is configured for the next boot (%s) but not in force now "
                            "(/proc/cmdline has %s): it takes effect when you %s",
                            item, where, now ? now : "no such flag", when);
}

static int lost(struct plan *p, const char *item)
{
        _cleanup_free_ char *advice = next_boot_advice(&p->next_boot, NULL, item);

        if (!advice)
                return -ENOMEM;
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_CMDLINE_LOST, NULL, NULL,
                            "%s is in force now (/proc/cmdline) but the next boot's command "
                            "line (from %s) does not have it: the next boot loses it; if it "
                            "should stay, %s",
                            item, p->next_boot.file, advice);
}

int detect_cmdline_next(struct plan *p)
{
        _cleanup_free_ char *text = NULL;
        struct items now = { 0 }, next = { 0 };
        int r;

        if (p->next_boot.kind == BOOT_LOADER_NONE)
                return 0;
        r = cmdline_read_text(&text);
        if (r < 0) /* nothing to compare with; cmdline_error says why elsewhere */
                return r == -ENOMEM ? r : 0;
        r = cmdline_foreach(text, note, &now);
        if (r >= 0)
                r = cmdline_foreach(p->next_boot.line, note, &next);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(flags); i++) {
                const char *a = now.item[i], *b = next.item[i];

                if (b && (!a || !same_value(a, b)))
                        r = pending(p, b, a);
                else if (a && !b)
                        r = lost(p, a);
        }
        items_done(&now);
        items_done(&next);
        return r < 0 ? r : 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* root-disk, storage-unverified, root-disk-unknown */
#include <errno.h>
#include <string.h>

#include "intset.h"
#include "plan-steps.h"
#include "rootdisk.h"
#include "util.h"

/* Why a is a controller of the root disk, for the message; NULL when it is not. */
static const char *why(const struct rootdisk_known *k, const struct pci_addr *a, char *buf,
                       size_t n)
{
        if (!k->cmd_error && rootdisk_has(&k->cmd, a))
                snprintf(buf, n, "root=%s on %s", k->cmd.spec, k->cmd.blockdev);
        else if (!k->mnt_error && rootdisk_has(&k->mnt, a))
                snprintf(buf, n, "/ is mounted from %s on %s", k->mnt.spec, k->mnt.blockdev);
        else {
                for (size_t i = 0; i < k->n_rec; i++)
                        if (pci_addr_eq(&k->rec[i], a)) {
                                snprintf(buf, n, "recorded in %s when the initramfs was built",
                                         ROOTDISK_RECORD);
                                return buf;
                        }
                return NULL;
        }
        return buf;
}

static bool known_any(const struct rootdisk_known *k)
{
        /* A record counts only when the build saw a root disk and every line
         * still names the device at its address; a stale one proves nothing. */
        return !k->cmd_error || !k->mnt_error ||
               (!k->rec_error && k->n_rec_lines > 0 && k->n_rec == k->n_rec_lines);
}

static int check_claim(struct plan *p, const struct rootdisk_known *k, const struct claim *c)
{
        _cleanup_free_ struct pci_fn **members = NULL;
        char buf[512];
        size_t n = 0;
        int r;

        if (why(k, &c->fn->addr, buf, sizeof(buf)))
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_ROOT_DISK, &c->fn->addr, c->entry->name,
                                    "%s controls the root filesystem (%s): claiming it "
                                    "would take the disk away from the host; remove it from "
                                    "\"%s\" (%s:%u)",
                                    c->fn->bdf, buf, c->entry->name, c->entry->where.file,
                                    c->entry->where.line);
        if (c->fn->iommu_group < 0)
                return 0;
        r = host_group(p->host, c->fn->iommu_group, &members, &n);
        if (r < 0)
                return 0; /* detect_groups reports an unreadable group */
        for (size_t i = 0; i < n; i++) {
                if (members[i] == c->fn || !why(k, &members[i]->addr, buf, sizeof(buf)) ||
                    plan_find_claim(p, &members[i]->addr))
                        continue;
                return plan_problem(p, SEVERITY_ERROR, PROBLEM_ROOT_DISK, &c->fn->addr, c->entry->name,
                                    "%s shares IOMMU group %d with %s, the controller of the root "
                                    "filesystem (%s): the group can never go to a VM "
                                    "whole; move the card to another slot",
                                    c->fn->bdf, c->fn->iommu_group, members[i]->bdf, buf);
        }
        return 0;
}

/* Why nothing is known, in words, for the messages. */
static void unknown_reason(const struct plan *p, const struct rootdisk_known *k, char *buf,
                           size_t n)
{
        int l;

        if (p->cmdline.root)
                l = snprintf(buf, n, "root=%s resolves to no block device here (%s)",
                             p->cmdline.root, strerror(-k->cmd_error));
        else
                l = snprintf(buf, n, "no root= on the kernel command line");
        if (l < 0 || (size_t)l >= n)
                return;
        if (k->rec_error == -ENOENT)
                snprintf(buf + l, n - (size_t)l, ", / is on no block device, and %s is absent "
                         "(no record from the initramfs build)", ROOTDISK_RECORD);
        else if (k->rec_error < 0)
                snprintf(buf + l, n - (size_t)l, ", / is on no block device, and %s cannot be "
                         "read (%s)", ROOTDISK_RECORD, strerror(-k->rec_error));
        else if (k->n_rec_lines == 0)
                snprintf(buf + l, n - (size_t)l, ", / is on no block device, and %s is empty "
                         "(the initramfs build found no root disk)", ROOTDISK_RECORD);
        else
                snprintf(buf + l, n - (size_t)l, ", / is on no block device, and %s is stale (%s)",
                         ROOTDISK_RECORD, k->stale);
}

/* Knowing nothing, a mass-storage controller may hold the root filesystem:
 * it is refused unless its entry says it never does. */
static int check_unknown(struct plan *p, const struct rootdisk_known *k)
{
        char reason[1024];
        bool refused = false;

        unknown_reason(p, k, reason, sizeof(reason));
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                int r;

                if ((c->fn->class >> 16) != 0x01 || c->entry->allow_storage)
                        continue;
                refused = true;
                r = plan_problem(p, SEVERITY_ERROR, PROBLEM_STORAGE_UNVERIFIED, &c->fn->addr,
                                 c->entry->name,
                                 "%s is a mass-storage controller (class %06x) claimed by \"%s\" "
                                 "(%s:%u), and no root disk is visible here to prove it does not "
                                 "hold the root filesystem: %s. If it never does, set "
                                 "allow_storage = true in \"%s\"; else rebuild the initramfs "
                                 "(update-initramfs -u, or dracut -f) so its hook records the "
                                 "root disk",
                                 c->fn->bdf, c->fn->class, c->entry->name, c->entry->where.file,
                                 c->entry->where.line, reason, c->entry->name);
                if (r < 0)
                        return r;
        }
        if (refused)
                return 0;
        /* Without a resolved root we cannot prove a claim safe; say so. */
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_ROOT_DISK_UNKNOWN, NULL, NULL,
                            "%s, so gpupt cannot tell whether a claim takes the root disk's "
                            "controller",
                            reason);
}

int detect_root_disk(struct plan *p)
{
        const struct rootdisk_known *k = &p->rootdisk;
        struct intset groups = { 0 };
        int r = 0;

        if (!p->n_claims || !p->rootdisk_gathered)
                return 0; /* plan_gather reads it wherever there are claims */
        for (size_t i = 0; i < p->n_claims; i++) {
                char buf[512];
                /* One finding per group is enough, but the controller itself
                 * is always named. */
                int g = p->claims[i].fn->iommu_group, seen = 0;

                if (g >= 0) {
                        seen = intset_add(&groups, g);
                        if (seen < 0) {
                                r = seen;
                                goto out;
                        }
                        if (seen && why(k, &p->claims[i].fn->addr, buf, sizeof(buf)))
                                seen = 0;
                }
                if (!seen && (r = check_claim(p, k, &p->claims[i])) < 0)
                        goto out;
        }
        if (!known_any(k))
                r = check_unknown(p, k);
out:
        intset_free(&groups);
        return r;
}

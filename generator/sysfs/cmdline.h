/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* The kernel command line items gpupt cares about. */
struct kcmdline {
        bool gpupt_off;    /* gpupt=off (or gpupt=0/no/false) */
        bool rd_gpupt_off; /* rd.gpupt=off: the initramfs part alone */
        char *root;        /* root= */
        char *intel_iommu; /* intel_iommu= as given */
        char *amd_iommu;   /* amd_iommu= */
        char *iommu;       /* iommu= ("pt", "off", …) */
        bool acs_override; /* pcie_acs_override= present */
        bool allow_unsafe_interrupts; /* vfio_iommu_type1.allow_unsafe_interrupts=1 */
};

/* Calls cb for each item; quotes are honoured as the kernel does. A bare
 * key gives value NULL. A negative return from cb stops and is returned. */
int cmdline_foreach(const char *line, int (*cb)(const char *key, const char *value, void *u),
                    void *u);
int cmdline_parse(const char *line, struct kcmdline *ret);
/* ROOT/proc/cmdline; -errno when unreadable. */
int cmdline_read(struct kcmdline *ret);
/* ROOT/proc/cmdline as text, for a caller that compares items itself. */
int cmdline_read_text(char **ret);
void cmdline_done(struct kcmdline *c);
/* Parameter names compare as the kernel's parameq() does: '-' and '_'
 * are one character. */
bool cmdline_key_eq(const char *a, const char *b);
/* "on"/"off"/"1"/"yes"/… as the kernel and systemd read them; -EINVAL else. */
int parse_boolean(const char *v);

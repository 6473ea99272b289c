/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "cmdline.h"

enum cpu_vendor { CPU_UNKNOWN, CPU_INTEL, CPU_AMD };

/* What the running kernel did about the IOMMU, judged from its traces:
 * IOMMU units in sys/class/iommu and populated iommu_groups first, the
 * kernel log as support. The command line alone proves nothing: kernels
 * differ in what they turn on by default. */
struct iommu_state {
        bool enabled;
        unsigned n_units;          /* entries in sys/class/iommu */
        unsigned n_groups;         /* entries in sys/kernel/iommu_groups */
        int irq_remapping;         /* 1 yes, 0 no, -1 unknown (log unreadable) */
        int kmsg_error;            /* 0, or -errno reading the kernel log */
        bool kmsg_says_disabled;   /* "DMAR: IOMMU disabled", "AMD-Vi: … disabled" */
        char default_domain[16];   /* "Translated", "Passthrough", "" */
        enum cpu_vendor cpu;
        bool guest;                /* the CPU's "hypervisor" flag: a virtual machine */
        bool iommufd;              /* ROOT/dev/iommu exists (iommufd_present) */
};

int iommu_probe(struct iommu_state *ret);
/* Exposed for tests: feeds one kernel log text into the state. */
void iommu_note_kmsg(struct iommu_state *s, const char *text);

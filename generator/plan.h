/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bootloader.h"
#include "cmdline.h"
#include "conf.h"
#include "host.h"
#include "iommu.h"
#include "modules.h"
#include "problem.h"

/* The plan is plain data: what the next boot will claim, split and create,
 * and every problem found on the way. gpupt-check renders it; the boot-time
 * tools execute it. */

enum severity { SEVERITY_WARNING, SEVERITY_ERROR };

struct problem {
        enum severity severity;
        enum problem_code code; /* its name in gpupt-check(8): problem_name() */
        bool has_addr;
        struct pci_addr addr;
        const char *entry;      /* the config entry's name, borrowed; NULL */
        /* Prose for people, wherever it is shown: on a terminal, in the
         * kernel log, and in the JSON report, whose readers show it to
         * people too. It quotes sysfs values, file names and config text,
         * so plan_problem() makes it printable (util.h) once, where it is
         * made: one line, no control byte. The true strings are the JSON's
         * own fields (driver_now, entry, type, ...), never the message. */
        char *message;
};

struct claim {
        struct pci_fn *fn;                  /* the host's */
        const struct conf_device *entry;    /* the config's */
        const struct conf_bar *bars;        /* BARs to resize on this function */
        size_t n_bars;
        bool applied;                       /* --verify: bound to its driver, BARs sized */
        const char *driver;                 /* entry->driver, or what "auto" resolved to
                                             * for this function (owned by the plan) */
        size_t unit;                        /* its index in plan->units */
};

/* An IOMMU group with the slots of its claimed functions: claimed whole or
 * not at all (claimunit.c). */
struct claim_unit {
        size_t *claims;                     /* indices into plan->claims, by address */
        size_t n_claims;
        ssize_t blocker;                    /* the problem that keeps it unclaimed
                                             * (plan_decide), -1 for none */
};

struct sriov_plan {
        const struct conf_sriov *entry;
        struct pci_fn *pf;                  /* NULL when absent */
        bool applied;                       /* --verify: the VF count is the planned one */
        const char *vf_driver;              /* entry->vf_driver, "auto" resolved
                                             * (plan_check fills it) */
};

struct mdev_plan {
        const struct conf_mdev *entry;
        bool exists;                        /* ROOT/sys/bus/mdev/devices/UUID is there */
        bool applied;                       /* --verify: it exists, of the planned type */
};

struct vgpu_plan {
        const struct conf_vgpu *entry;
        struct pci_fn *pf;                  /* NULL when absent */
        long type_id;                       /* -1: not known (yet) */
        char (*vfs)[PCI_ADDR_STRLEN];       /* the VFs that get (or hold) the type */
        size_t n_vfs;
};

struct plan {
        const struct conf *conf;
        struct host *host;
        struct kcmdline cmdline;
        int cmdline_error;                  /* -errno reading proc/cmdline, or 0 */
        struct iommu_state iommu;
        struct gp_modules *modules;         /* NULL when no module index could be opened */
        int modules_error;

        struct claim *claims;               /* sorted by address, each function once */
        size_t n_claims;
        struct sriov_plan *sriovs;
        size_t n_sriovs;
        struct mdev_plan *mdevs;
        size_t n_mdevs;
        struct problem *problems;
        size_t n_problems;
        size_t problems_alloc;
        /* Driver names as the config gives them, and as the running kernel
         * registered them where it has (plan_check fills it). */
        struct driver_name {
                const char *asked;
                char *name;
        } *drivers;
        size_t n_drivers;
        /* plan_verify() ran: the applied fields above are set, and the
         * reports show them. */
        bool verified;
        /* driver = "auto", resolved once per distinct modalias (variant.c). */
        struct auto_driver {
                char *modalias;
                char *name;
        } *autos;
        size_t n_autos;
        size_t autos_alloc;
        struct vgpu_plan *vgpus;            /* filled by detect_vgpus */
        size_t n_vgpus;
        struct claim_unit *units;           /* plan_units, at the end of resolving */
        size_t n_units;
        size_t *unit_members;               /* what the units' claims point into */
        /* plan_build_next(): the boot loader's configured command line
         * (bootloader.c), read by plan_check. Otherwise kind NONE: the
         * boot-time tools judge the boot that runs. */
        bool judge_next_boot;
        struct next_boot next_boot;
};

/* Reads the machine under the root and computes the plan. Problems are
 * findings, not failures: the return is negative only when memory or the
 * host model itself fails. */
int plan_build(const struct conf *conf, struct host *host, struct plan **ret);
/* The two halves of plan_build(). Resolving reads the command line and the
 * functions the config names, nothing else: it is what the boot-time tools
 * need, on every boot and every daemon-reload. Checking adds what the
 * report and the checks read of each claim (host_basics, or host_details for
 * BARs to resize), the IOMMU state, the module index, the root disk and every
 * detector. */
int plan_resolve(const struct conf *conf, struct host *host, struct plan **ret);
int plan_check(struct plan *p);
/* plan_build for the boot after this one, as gpupt-check shows it: the
 * IOMMU verdict follows the command line the boot loader is configured
 * to give, and cmdline-pending/cmdline-lost say where it differs from
 * proc/cmdline. */
int plan_build_next(const struct conf *conf, struct host *host, struct plan **ret);
void plan_free(struct plan *p);

bool plan_ready(const struct plan *p);
/* The name driver_override will be given for a configured driver name: the
 * one its loaded PCI driver registered ("vfio_pci" is "vfio-pci"), or the
 * name as configured when it is not loaded here. */
const char *plan_driver(const struct plan *p, const char *asked);          /* no problem of severity error */
const struct claim *plan_find_claim(const struct plan *p, const struct pci_addr *a);
/* The driver for modalias under driver = "auto", opening the module index
 * on first use; NULL only for ENOMEM. The string is the plan's. */
const char *plan_auto_driver(struct plan *p, const char *modalias);
/* An sriov entry's vf_driver with "auto" resolved (vfdriver.c); NULL when
 * it names none, or for ENOMEM under "auto". */
const char *plan_vf_driver(struct plan *p, const struct sriov_plan *s);
/* The modalias a PF's VFs have or will have; NULL when unknown. */
char *vf_modalias(const struct pci_fn *pf);

/* Claim units: built when resolving; plan_decide settles each one's
 * blocker from the problems found so far (plan_check runs it last). */
int plan_units(struct plan *p);
void plan_decide(struct plan *p);
/* Whether the problem keeps the unit from being claimed (problem.h says
 * what each code blocks): the one place that decides it. */
bool plan_problem_blocks(const struct plan *p, const struct problem *pr,
                         const struct claim_unit *u);
/* Whether the problem is an error about the unit, blocking it or not (a
 * BAR it cannot resize, a built-in host driver): what the hand-off says
 * stands in a VM's way. */
bool plan_problem_concerns(const struct plan *p, const struct problem *pr,
                           const struct claim_unit *u);
/* Whether the problem is about claims: it names a device entry, or no
 * entry at all; not an sriov, mdev or vgpu entry's own (its pf or parent
 * missing), which that entry's command reports. */
bool plan_problem_of_claims(const struct plan *p, const struct problem *pr);
const struct problem *plan_unit_blocker(const struct plan *p, const struct claim_unit *u);
/* The first error that keeps an sriov, mdev or vgpu entry (its name, as the
 * config holds it) from being applied; NULL when none. */
const struct problem *plan_entry_blocker(const struct plan *p, const char *entry);

int plan_problem(struct plan *p, enum severity sev, enum problem_code code, const struct pci_addr *a,
                 const char *entry, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The detectors, one per theme, each adding problems to the plan; see
 * gpupt-check(8) for the codes. They run in this order. */
int detect_iommu(struct plan *p);        /* iommu-off, no-interrupt-remapping, acs-override */
int detect_cmdline_next(struct plan *p); /* cmdline-pending, cmdline-lost */
int detect_groups(struct plan *p);       /* impure-group, partial-slot, no-iommu-group */
int detect_boot_vga(struct plan *p);     /* boot-vga */
int detect_root_disk(struct plan *p);    /* root-disk */
int detect_modules(struct plan *p);      /* module-missing, host-driver-builtin, host-driver-first */
int detect_bars(struct plan *p);         /* bar-unsupported */
const char *bar_size_str(unsigned log2_mib, char buf[static 32]);
int detect_sriov(struct plan *p);        /* sriov-unsupported, sriov-pf-claimed */
int detect_mdevs(struct plan *p);        /* mdev-type-unknown, mdev-no-instances */
int detect_initramfs(struct plan *p);    /* initramfs-stale */
int detect_reset(struct plan *p);        /* no-reset, reset-method-unsupported */
int detect_framebuffer(struct plan *p);  /* boot-framebuffer */
int detect_foreign(struct plan *p);      /* foreign-claim */
int detect_variants(struct plan *p);     /* module-missing for a resolved variant */
int detect_vgpus(struct plan *p);        /* vgpu-*: fills p->vgpus; see vgpu.c */
void vgpu_plans_free(struct vgpu_plan *v, size_t n);

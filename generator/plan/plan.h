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
#include "rootdisk.h"
#include "vfio-nodes.h"

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
        struct vfio_nodes vfio;             /* plan_check: the nodes a VM opens, where a
                                             * VFIO driver has it bound now */
        int slot_fns;                       /* plan_gather_handoff: the functions present
                                             * in its slot; -1 when one cannot be read */
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
        /* plan_gather_handoff: where each of the entry's VFs lies
         * (plan_vf_addrs answers from it). */
        struct sriov_vfs {
                bool gathered;
                int error;                  /* -errno of the PF's capability; 0 */
                unsigned offset, stride;    /* its routing */
                struct pci_addr *addrs;     /* entry->vfs of them */
                int *errors;                /* each VF's: 0 or -errno (vfaddr.h) */
        } vfs;
};

struct mdev_plan {
        const struct conf_mdev *entry;
        bool exists;                        /* ROOT/sys/bus/mdev/devices/UUID is there */
        char *type_now;                     /* the type it was made with; NULL when it
                                             * does not exist or cannot be read */
        bool applied;                       /* --verify: it exists, of the planned type */
        char *type_name;                    /* the type's name attribute ("GRID T4-1Q"),
                                             * NULL when not offered or unreadable */
        bool has_parent_vendor;             /* a PCI parent that was read */
        uint16_t parent_vendor;
};

struct vgpu_plan {
        const struct conf_vgpu *entry;
        struct pci_fn *pf;                  /* NULL when absent */
        long type_id;                       /* -1: not known (yet) */
        char (*vfs)[PCI_ADDR_STRLEN];       /* the VFs that get (or hold) the type */
        size_t n_vfs;
        size_t n_held;                      /* the first of vfs, which hold the type now */
        bool applied;                       /* --verify: count VFs hold the type */
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
        /* plan_verify(): the problem that says why this boot applied
         * nothing (no gpupt-apply left a record), set only when something
         * planned is not applied; -1 for none. */
        ssize_t unapplied_cause;
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
        /* plan_gather: the root disk's controllers, from every source,
         * as the root-disk check and --list know them. */
        bool rootdisk_gathered;
        struct rootdisk_known rootdisk;
};

void plan_free(struct plan *p);

bool plan_ready(const struct plan *p);
/* The VFs the vgpu entries give a vGPU type at boot (their counts): what
 * the verdicts count as vGPUs. */
size_t plan_vgpu_vfs(const struct plan *p);
/* The name driver_override will be given for a configured driver name: the
 * one its loaded PCI driver registered ("vfio_pci" is "vfio-pci"), or the
 * name as configured when it is not loaded here. */
const char *plan_driver(const struct plan *p, const char *asked);          /* no problem of severity error */
const struct claim *plan_find_claim(const struct plan *p, const struct pci_addr *a);
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

/* The command that lists the addresses of the machine checked, for a
 * no-match message: "lspci -D", or under a root, which lspci does not
 * read, "gpupt-check --list --root DIR". NULL without memory. */
char *plan_list_command(void);
/* A read error of the host model (host.h) in words: "cannot be read: …". */
const char *plan_read_error(int r);
/* Claims by address, for qsort and bsearch. */
int plan_cmp_claim(const void *a, const void *b);
/* A BAR size as "256M", "16G" (detect-bars.c). */
const char *bar_size_str(unsigned log2_mib, char buf[static 32]);
void vgpu_plans_free(struct vgpu_plan *v, size_t n);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "pciaddr.h"

/* The other ways a host may already claim devices for vfio-pci, or keep
 * GPU drivers off them: what gpupt-check warns about (foreign-claim) and
 * what --import turns into gpupt.conf. */

enum recipe_kind {
        RECIPE_MODPROBE_IDS,  /* options vfio-pci ids=… in a modprobe.d file */
        RECIPE_CMDLINE_IDS,   /* vfio-pci.ids=… on the kernel command line */
        RECIPE_DRIVERCTL,     /* a driverctl override: /etc/driverctl.d/pci-BDF */
        RECIPE_BLACKLIST,     /* blacklist MODULE, or modprobe.blacklist= on the cmdline */
        RECIPE_SOFTDEP,       /* softdep MODULE pre: vfio-pci */
};

/* A driverctl override's function and its slot on this host, as
 * recipes_find_functions() read them. */
struct recipe_host {
        bool found;           /* the function is there, of vendor:device id */
        struct pci_id id;
        int slot_error;       /* host_slot's -errno; 0 */
        size_t n_slot;        /* the functions present in its slot, in function order */
        struct pci_addr slot[8];
        struct pci_id slot_id; /* the first of them's */
};

struct recipe {
        enum recipe_kind kind;
        char *file;           /* as on the host, without the root */
        unsigned line;        /* 0: the kernel command line */
        char *text;           /* the line as written (continuations joined) */
        struct pci_id *ids;   /* the ids kinds: what vfio-pci takes */
        size_t n_ids;
        unsigned n_skipped;   /* ids with wildcards or class masks, which gpupt cannot say */
        char *left_out;       /* modprobe ids: the line's other options (disable_vga=1 …),
                               * which no gpupt.conf key says; NULL for none */
        struct pci_addr addr; /* driverctl */
        char *name;           /* driverctl: the driver; blacklist, softdep: the module */
        struct recipe_host at; /* driverctl: recipes_find_functions */
};

struct recipes {
        struct recipe *v;
        size_t n, alloc;
};

/* Reads every source under the root: ROOT/etc/modprobe.d, ROOT/run/modprobe.d,
 * ROOT/usr/lib/modprobe.d and ROOT/lib/modprobe.d (*.conf; a name in an
 * earlier directory hides the same name in a later one, as modprobe does),
 * ROOT/proc/cmdline and ROOT/etc/driverctl.d. Unreadable sources are
 * skipped. Returns 0 or -ENOMEM. */
int recipes_read(struct recipes *rs);
void recipes_done(struct recipes *rs);
/* The functions the driverctl overrides name, and their slots, from the
 * host model into each recipe's at: what --import says of them. 0 or
 * -ENOMEM. */
int recipes_find_functions(struct recipes *rs, struct host *h);

/* The parsers, one source each; file is the name messages give. */
int recipes_parse_modprobe(struct recipes *rs, const char *file, const char *text);
int recipes_parse_cmdline(struct recipes *rs, const char *line);
/* name: the file's name (pci-0000:01:00.0); text: its contents. A name
 * that is no PCI override is ignored. */
int recipes_parse_driverctl(struct recipes *rs, const char *file, const char *name,
                            const char *text);

/* Whether a module name is a GPU driver whose blacklist or softdep matters
 * here (nouveau, nvidia, amdgpu, radeon), and the vendor it drives. */
bool recipe_gpu_module(const char *module, unsigned *vendor);
/* "vfio-pci" and "vfio_pci" alike, as modprobe compares module names. */
bool recipe_module_is(const char *name, const char *want);

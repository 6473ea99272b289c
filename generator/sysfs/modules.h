/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What the kernel at ROOT/lib/modules/<release>/ offers, asked of libkmod
 * over the indexes depmod wrote; the release is ROOT/proc/sys/kernel/osrelease. */
struct gp_modules;

enum module_state {
        MODULE_MISSING,  /* neither a module file nor built in */
        MODULE_LOADABLE, /* a .ko that modprobe can load */
        MODULE_BUILTIN,  /* compiled into the kernel image */
};

struct module_match {
        char *name; /* normalized: dashes become underscores */
        enum module_state state;
};

#define KERNEL_RELEASE_MAX 256

/* The running kernel's release, ROOT/proc/sys/kernel/osrelease: what names
 * its module directory, its initramfs and what its sysfs shows. 0,
 * -ENOENT when there is none, -EBADMSG when it is empty or no file name (a
 * '/', "." or ".."), or -errno. The one reader of it. */
int kernel_release(char buf[static KERNEL_RELEASE_MAX]);

/* -ENOENT when there is no osrelease or no module directory for it. */
/* Another kernel's modules than the running one's from now on (the one an
 * initramfs is built for); NULL: the running one's again. */
int modules_set_release(const char *release);
int modules_open(struct gp_modules **ret);
void modules_free(struct gp_modules *m);
const char *modules_release(const struct gp_modules *m);
/* The module directory that was opened, under the root. */
const char *modules_dir(const struct gp_modules *m);

/* name may be an alias ("vfio-pci"); it is resolved as modprobe would. */
int modules_state(struct gp_modules *m, const char *name, enum module_state *ret);
/* Every module whose alias matches the modalias, built-in ones included;
 * an empty result is 0 with *n = 0. Free with module_matches_free(). */
int modules_for_modalias(struct gp_modules *m, const char *modalias, struct module_match **ret,
                         size_t *n);
void module_matches_free(struct module_match *v, size_t n);
/* Every module of the kernel with a vfio_pci: alias, which is what a vfio-pci
 * variant declares (variant.h), vfio_pci's own catch-all left out: each name
 * once, normalized, in the alias index's order. What a generic image packs
 * for driver = "auto". Free with dir_names_free(). */
int modules_vfio_variants(struct gp_modules *m, char ***ret, size_t *n);
/* The file modules.dep names for a module, under the module directory that
 * was opened; -ENOENT for a built-in or unknown one. */
int modules_path(struct gp_modules *m, const char *name, char **ret);

/* Loads name (an alias too) with what it depends on, as modprobe does, a
 * blacklist of the alias heeded: 0 when it is in the kernel after, a
 * built-in one included; -ENOENT when the index knows no such module. It
 * loads into the running kernel, whatever the root: only for the real one. */
int modules_load(struct gp_modules *m, const char *name);

/* ROOT/sys/module/<name> exists (loaded, or built in with parameters). */
bool module_is_loaded(const char *name);

/* Module names as modprobe compares them: '-' and '_' alike. */
bool module_name_eq(const char *a, const char *b);

/* The name a loaded PCI driver registered, which is what the kernel compares
 * driver_override with (by strcmp): "vfio_pci" or "vfio-pci" gives
 * "vfio-pci". Looked up in ROOT/sys/bus/pci/drivers (the exact name, then
 * one equal to it with '-' and '_' alike) and in the module's own
 * ROOT/sys/module/<module>/drivers/pci:<name> links. -ENOENT when no such
 * driver is registered now (its module not loaded). */
int pci_driver_name(const char *name, char **ret);

/* A module that something loads early at boot, and where that is said. */
struct early_module {
        char *name;   /* normalized */
        char *source; /* the file, as the admin knows it: "/etc/modules-load.d/gpu.conf" */
};
/* Modules named in modules-load.d (etc, run, usr/local/lib, usr/lib, lib:
 * an overlay, a file hiding one of its name in a later directory, as
 * systemd-modules-load reads it), /etc/modules, /etc/initramfs-tools/modules
 * and dracut's add_drivers/force_drivers; all read under the root. Free
 * with early_modules_free(). */
int modules_early(struct early_module **ret, size_t *n);
void early_modules_free(struct early_module *v, size_t n);

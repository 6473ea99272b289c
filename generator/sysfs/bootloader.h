/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "cmdline.h"

/* Where the next boot's kernel command line is configured, in the order
 * next_boot_read() asks: kernel-install's file wins, as kernel-install
 * itself lets it win over everything when it writes entries and UKIs. */
enum boot_loader {
        BOOT_LOADER_NONE,           /* nothing found: the next boot is not known */
        BOOT_LOADER_KERNEL_CMDLINE, /* /etc/kernel/cmdline (kernel-install, systemd-boot, UKIs) */
        BOOT_LOADER_BLS,            /* /boot/loader/entries/NAME.conf (grubby, Fedora's GRUB) */
        BOOT_LOADER_GRUB,           /* /etc/default/grub, Debian style: update-grub */
        BOOT_LOADER_GRUB2,          /* /etc/default/grub, Fedora style: grub2-mkconfig */
};

/* The two variables of /etc/default/grub that make the default entry's
 * command line, as a shell would leave them after sourcing the files in
 * order; each with the file that set it last (a host path). */
struct grub_vars {
        char *cmdline_linux;          /* GRUB_CMDLINE_LINUX */
        char *cmdline_linux_default;  /* GRUB_CMDLINE_LINUX_DEFAULT */
        char *linux_file;             /* NULL: not set by any file */
        char *default_file;
};

struct next_boot {
        enum boot_loader kind;
        char *line;              /* the next boot's command line as configured */
        char *file;              /* the host path of the file that holds it; for
                                  * GRUB the one or two that set the variables */
        struct kcmdline cmdline; /* line, parsed by cmdline.c */
        struct grub_vars grub;   /* BOOT_LOADER_GRUB*: the two variables */
};

/* Reads what the next boot gets, all under the root. 0 also when no boot
 * loader configuration is found (kind BOOT_LOADER_NONE); -ENOMEM. */
int next_boot_read(struct next_boot *ret);
void next_boot_done(struct next_boot *nb);
/* The command that makes the edited file reach the boot ("update-grub");
 * NULL for BLS entries, which the boot loader reads as they are. */
const char *next_boot_command(const struct next_boot *nb);
/* "reboot", with the command to run first where the file is not read at
 * boot as it is. Allocated; NULL for ENOMEM. */
char *next_boot_takes_effect(const struct next_boot *nb);
/* Where to say the line lives: "GRUB_CMDLINE_LINUX in /etc/default/grub",
 * "/etc/kernel/cmdline", "/boot/loader/entries/x.conf"; "the boot loader's
 * configuration" when none was found. key picks the GRUB variable that
 * holds it (NULL: GRUB_CMDLINE_LINUX). Allocated; NULL for ENOMEM. */
char *next_boot_where(const struct next_boot *nb, const char *key);
/* One clause saying how to take the item remove (NULL: none) out of the
 * next boot's command line and put add (NULL: none) in: the file, the
 * variable or line, and the command that applies it. Allocated. */
char *next_boot_advice(const struct next_boot *nb, const char *remove, const char *add);

/* The parsers, exposed for tests. */
/* Feeds one /etc/default/grub-style file (shell assignments, quotes,
 * "$GRUB_CMDLINE_LINUX ..." expansions of the two variables) into v;
 * file is remembered as the setter. 0 or -ENOMEM. */
int grub_vars_parse(struct grub_vars *v, const char *text, const char *file);
void grub_vars_done(struct grub_vars *v);
/* A BLS entry's options lines, joined by spaces; "" when it has none. */
int bls_options(const char *text, char **ret);

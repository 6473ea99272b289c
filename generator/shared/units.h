/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

/* Unit files as systemd generators must write them: only into the
 * directory handed over, opened exclusively (a name written twice is a bug),
 * never through a symlink planted there, and checked after the last byte. */

/* Opens dirfd/name for writing; -EEXIST when it is there already. */
int unit_open(int dirfd, const char *name, FILE **ret);
/* Flushes and closes; -errno when anything was lost on the way. */
int unit_close(FILE *f);
/* Opens dirfd/UNIT.d/NAME, a drop-in of UNIT, as unit_open opens a unit;
 * UNIT.d is made when it is not there, and never followed as a symlink. */
int unit_dropin_open(int dirfd, const char *unit, const char *name, FILE **ret);
/* dirfd/TARGET.wants/NAME -> ../NAME; an existing link is fine. */
int unit_enable(int dirfd, const char *target, const char *name);
/* dirfd/TARGET.wants/NAME -> TEMPLATE: an instance of a template unit
 * ("gpupt-group@4.service" of "gpupt-group@.service"), the template given
 * by its absolute path where it is installed, or by its name, for one in
 * dirfd (then ../TEMPLATE), as systemd's generator_add_symlink() does. */
int unit_enable_instance(int dirfd, const char *target, const char *template, const char *name);
/* systemd-escape, and ':' as \\x3a too: "systemd-analyze verify" cannot
 * load an instance whose name holds a colon, and %I unescapes it anyway. */
char *unit_escape(const char *s);
/* The length of unit_escape(s): a character it does not keep takes four. */
size_t unit_escaped_len(const char *s);

/* systemd's bound on a unit name (UNIT_NAME_MAX less its NUL), which is
 * also the kernel's on a file name. */
#define UNIT_NAME_LEN_MAX 255
/* The templates of which a config's names make instances: an sriov or a
 * vgpu entry's name, an mdev entry's parent. */
#define UNIT_SRIOV "gpupt-sriov"
#define UNIT_VGPU "gpupt-vgpu"
#define UNIT_MDEV "gpupt-mdev"
/* ...and the one of which an IOMMU group's number makes an instance. */
#define UNIT_GROUP "gpupt-group"
/* "TEMPLATE@ESCAPED.service", instance escaped by unit_escape. */
char *unit_instance(const char *template, const char *instance);
/* Its length, for the config to refuse a name whose unit systemd could not
 * load (the generator would fail to write it: ENAMETOOLONG). */
size_t unit_instance_len(const char *template, const char *instance);

/* A string from the config or from sysfs as a unit file's value holds it,
 * read back literally: cescape's one line of printable text (no new line,
 * no byte that is not UTF-8, and every '\\' doubled, so no line ends in
 * the '\\' that would join the next one, systemd.syntax(7)), with '%'
 * doubled so that no specifier expands (systemd.unit(5)). Every such string
 * the generator writes goes through here. */
char *unit_text_escape(const char *s);

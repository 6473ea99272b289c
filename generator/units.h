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
/* dirfd/TARGET.wants/NAME -> ../NAME; an existing link is fine. */
int unit_enable(int dirfd, const char *target, const char *name);
/* dirfd/TARGET.wants/NAME -> ../TEMPLATE: an instance of a template unit
 * ("gpupt-group@4.service" of "gpupt-group@.service"). */
int unit_enable_instance(int dirfd, const char *target, const char *template, const char *name);
/* systemd-escape, and ':' as \x3a too: "systemd-analyze verify" cannot
 * load an instance whose name holds a colon, and %I unescapes it anyway. */
char *unit_escape(const char *s);

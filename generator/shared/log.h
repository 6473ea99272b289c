/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <syslog.h> /* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO */

#include "util.h"

/* The programs' one logger. A record is one line written with one write():
 * on /dev/kmsg every write is a record of its own, and in the initramfs
 * standard error is /dev/kmsg. Its text is made printable() first, so that
 * a name from sysfs or the config can neither split the record nor reach a
 * console as a control sequence. errno is kept. Library code does not log:
 * it returns -errno, and the program says what failed, once. */

/* Names the program, which every record starts with, and where records go:
 * with kmsg, to ROOT/dev/kmsg (the root's, as everything else; opened at
 * the first record, never created), else, or when it cannot be opened, to
 * standard error. Without a call: the name the program was started by,
 * standard error. */
void log_open(const char *program, bool kmsg);
/* A record about something (a function, an entry, a parent):
 * "<LEVEL>PROGRAM[PID]: WHAT: TEXT" on the kernel log (the level is the
 * record's, its facility user), "PROGRAM: WHAT: TEXT" on standard error;
 * without what (NULL), "PROGRAM: TEXT". */
void log_about(int level, const char *what, const char *fmt, ...) _printf_(3, 4);
#define log_msg(level, ...) log_about((level), NULL, __VA_ARGS__)

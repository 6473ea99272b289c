/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Calls cb with the text of each kernel log record in ROOT/dev/kmsg: the
 * kernel's device (records "PRI,SEQ,USEC,FLAGS;text"), or a regular file in
 * that format or as plain dmesg lines ("[    1.234] text" or bare text).
 * Returns 0, or -errno when the log cannot be read (-EPERM is usual for
 * unprivileged users); a negative return of cb stops the scan and is
 * returned. */
int kmsg_scan(int (*cb)(const char *text, void *u), void *u);
/* The text part of one line, or NULL when the line holds none. Exposed for tests. */
const char *kmsg_text(char *line);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* /proc/iomem: one "START-END : NAME" a line in hex, nested by two spaces of
 * indent per level. Read as root it holds the addresses; read by anyone
 * else every address is 0, which tells nothing. */

struct iomem_range {
        uint64_t start, end;   /* inclusive, as the file shows */
        char name[64];         /* cut at 63 bytes */
};

/* Calls cb for each line that parses; lines that do not are skipped, so a
 * truncated or garbled file yields what it can. A negative return from cb
 * stops and is returned. */
int iomem_foreach(const char *text, int (*cb)(const struct iomem_range *r, void *u), void *u);
/* The firmware framebuffer regions of text (BOOTFB, efifb, simplefb,
 * simple-framebuffer, simpledrm, vesafb), with real addresses; *ret is
 * allocated (NULL when none). */
int iomem_framebuffers(const char *text, struct iomem_range **ret, size_t *n);
/* ROOT/proc/iomem's framebuffers; -errno when it cannot be read. */
int iomem_read_framebuffers(struct iomem_range **ret, size_t *n);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A mediated device by its UUID, as the mdev core shows it in
 * ROOT/sys/bus/mdev/devices: the one reader of whether it exists and of the
 * type it was created with, for the plan and for apply's re-check. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

bool mdevdev_exists(const char *uuid);
/* The type it was made with, the last part of its mdev_type link, into
 * buf: its length, or -errno (-ENOENT: no such mdev). */
int mdevdev_type(const char *uuid, char *buf, size_t size);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

/* Whether a config file or drop-in directory, as fstat saw it through the
 * descriptor gpupt reads it from, may steer gpupt. 0 when it may; -EPERM
 * with *why set (the owner, the mode, and the command that fixes it, for a
 * message that starts with the file's name) when it may not; -ENOMEM. */
int trust_stat(const struct stat *st, const char *path, char **why);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "recipes.h"

/* gpupt-check --import: prints the gpupt.conf that claims what the host's
 * other recipes (recipes_read, with recipes_find_functions) claim: one ids
 * entry per vfio-pci id list, one bdf entry per driverctl override, each
 * after a comment naming its source; blacklists and softdeps become
 * comments. The text parses with conf_load(). Reads nothing. Returns the
 * number of entries, or -errno. */
int import_print(FILE *f, const struct recipes *rs);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The reset methods of a PCI function as Linux names them in its
 * reset_method attribute (Documentation/ABI/testing/sysfs-bus-pci, Linux
 * 5.15+): a space-separated list, tried in order. */

/* A name the kernel knows: device_specific, acpi, flr, af_flr, pm, bus,
 * cxl_bus. */
bool reset_method_known(const char *name, size_t len);
/* Checks a configured list and rewrites it in the kernel's spelling (one
 * space between names), in place. -EINVAL for an empty list, -ENOENT for an
 * unknown name, -EEXIST for a name given twice; *bad (may be NULL) then
 * points at the offending name, *bad_len its length. */
int reset_methods_normalize(char *list, const char **bad, size_t *bad_len);
/* Whether the list have (the attribute's text) holds the name. */
bool reset_methods_has(const char *have, const char *name, size_t len);
/* The first name of list that have lacks, NULL when it has them all;
 * *len gets its length. */
const char *reset_methods_missing(const char *have, const char *list, size_t *len);
/* 1 when the kernel under the root (proc/sys/kernel/osrelease) is 5.15 or
 * newer and so shows reset_method wherever a function has a reset method,
 * 0 when it is older, -errno when the release cannot be read or parsed. */
int kernel_has_reset_method_attr(void);

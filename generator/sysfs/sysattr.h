/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* One attribute of a sysfs directory, read the way util-linux's
 * ul_path_read_* family reads one: name is a path below dirfd (AT_FDCWD
 * for a path of its own), the text loses its trailing newline, and the
 * value must be what the kernel writes there. Each returns 0 (the string
 * readers: the length), -ENOENT when there is no such attribute, -EBADMSG
 * when its text is not of the attribute's form (longer than the caller's
 * buffer, not UTF-8, a NUL inside, not a number of that kind), or another
 * -errno. Nothing is logged: the caller says what it was reading. */

/* Text, NUL-terminated, into buf of size bytes. */
int sysattr_read_string(int dirfd, const char *name, char *buf, size_t size);
/* A signed decimal, as the kernel's "%d" writes it (numa_node: -1 for none). */
int sysattr_read_int(int dirfd, const char *name, int *ret);
/* An unsigned decimal, as "%u" writes it (sriov_totalvfs, boot_vga): a
 * minus sign is no such number. */
int sysattr_read_unsigned(int dirfd, const char *name, unsigned *ret);
/* Hex with or without "0x" (resourceN_resize, sriov_vf_device), at most max. */
int sysattr_read_hex(int dirfd, const char *name, uint64_t max, uint64_t *ret);
/* The last component of the target of the link name (a driver link's
 * "vfio-pci", an iommu_group link's "12"): -EINVAL when name is no link,
 * -EBADMSG when the component does not fit in buf. */
int sysattr_read_link_base(int dirfd, const char *name, char *buf, size_t size);

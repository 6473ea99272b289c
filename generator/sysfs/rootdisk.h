/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pciaddr.h"

struct host;

/* The root filesystem as the kernel command line names it (root=UUID=…,
 * LABEL=…, PARTUUID=…, PARTLABEL=…, /dev/…), resolved with libblkid to a block
 * device, then through partitions, device-mapper and md slaves to the PCI
 * functions that control the disks underneath. */
struct rootdisk {
        char *spec;                 /* the root= value as given, or the mount source */
        char *blockdev;             /* kernel name of the resolved device, "nvme0n1p2";
                                     * several joined with ',' (a btrfs over two disks) */
        struct pci_addr *controllers; /* the nearest PCI function above each disk */
        size_t n_controllers;
};

/* spec is the root= value. Returns 0, -ENOENT when the spec resolves to no
 * block device, -EINVAL for a spec it cannot interpret. A resolved device
 * that sits on no PCI function (virtio-mmio, loop) gives 0 and no
 * controllers. */
int rootdisk_find(const char *spec, struct rootdisk *ret);
void rootdisk_done(struct rootdisk *rd);

/* The device "/" is mounted from, by ROOT/proc/self/mountinfo: its
 * major:minor through ROOT/sys/dev/block (so partitions, dm and md are
 * followed as for root=), else its mount source (every device of a btrfs,
 * every member of a ZFS pool). spec is the mount source. -ENOENT when "/" is
 * on no block device found here: an initramfs's own rootfs, an overlay, NFS. */
int rootdisk_find_mounted(struct rootdisk *ret);
/* Adds b's controllers to a's. */
int rootdisk_merge(struct rootdisk *a, const struct rootdisk *b);

/* What the initramfs build knew: the root disk's controllers of the live
 * system, one "dddd:bb:dd.f vvvv:dddd" line each, written by
 * `gpupt-apply root-disk` into the image. An empty record means the build
 * found no root disk. */
#define ROOTDISK_RECORD "/usr/lib/gpupt/root-disk"

struct rootdisk_record {
        struct pci_addr addr;
        uint16_t vendor, device;
};

/* Blank lines and '#' comments are skipped; -EBADMSG for any other line
 * that is not a full address and a vendor:device. */
int rootdisk_record_parse(const char *text, struct rootdisk_record **ret, size_t *n);
/* ROOT + ROOTDISK_RECORD; -ENOENT when there is none. */
int rootdisk_record_read(struct rootdisk_record **ret, size_t *n);
/* The record lines for rd's controllers, their ids read from sysfs. */
int rootdisk_record_print(FILE *f, const struct rootdisk *rd);

/* What is known of the root disk now, from every source, each kept apart:
 * the root-disk check says which source proves a controller, --list marks
 * the controllers, `gpupt-apply root-disk` unites root= and "/". In the
 * initramfs, before coldplug, no storage driver has bound: root= and "/"
 * resolve to nothing, and only the record the image build wrote is left. */
struct rootdisk_known {
        struct rootdisk cmd;      /* root= of the command line, resolved now */
        int cmd_error;            /* 0 when resolved; 1 when there is no root= */
        struct rootdisk mnt;      /* the device "/" is mounted from */
        int mnt_error;
        struct pci_addr *rec;     /* record lines that match the device there now */
        size_t n_rec;
        int rec_error;            /* -ENOENT: no record, or not read; -EBADMSG: unreadable */
        size_t n_rec_lines;
        char stale[96];           /* the first line that does not match, said */
};

/* root_spec is the root= value (NULL: none). The record's lines count where
 * h holds the recorded vendor:device at the address now; with h NULL the
 * record is not read at all (rec_error -ENOENT): `gpupt-apply root-disk`
 * writes the record, and reading the old one back would keep a stale disk in
 * it for ever. What a source cannot tell is in its *_error; the return is 0
 * or -ENOMEM, and ret is to be given to rootdisk_known_done either way. */
int rootdisk_known_gather(const char *root_spec, struct host *h, struct rootdisk_known *ret);
void rootdisk_known_done(struct rootdisk_known *k);
/* Whether a is a controller of rd. */
bool rootdisk_has(const struct rootdisk *rd, const struct pci_addr *a);
/* Whether any source names a as a controller of the root disk. */
bool rootdisk_known_has(const struct rootdisk_known *k, const struct pci_addr *a);

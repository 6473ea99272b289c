/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "conf.h"

/* What this boot applied, unit by unit: each gpupt-apply run that carried
 * out a unit of work (the claims, one sriov or vgpu entry, the mdevs of one
 * parent) adds a line to ROOT/run/gpupt/applied-config.sha256 naming the
 * unit and the hash of the config it carried out (conf_hash()):
 *
 *     claim HASH
 *     sriov NAME HASH
 *     mdev PARENT HASH
 *     vgpu NAME HASH
 *
 * gpupt-check --verify compares each line's hash with the config as it is
 * now, so a run of one unit under an edited config cannot vouch for
 * another. /run is empty at every boot, so the record is this boot's. */
#define RECORD_APPLIED "/run/gpupt/applied-config.sha256"

enum record_kind { RECORD_CLAIM, RECORD_SRIOV, RECORD_MDEV, RECORD_VGPU };

struct record_line {
        enum record_kind kind;
        char *arg;              /* sriov/vgpu NAME, mdev PARENT; NULL for claim */
        char hash[65];
};

struct record {
        struct record_line *lines;      /* in the order the units first ran */
        size_t n;
};

/* "claim", "sriov", "mdev", "vgpu": the word of the line, and of the
 * gpupt-apply command. */
const char *record_kind_name(enum record_kind kind);

/* Records that the unit (kind, arg: NULL for the claims) was carried out
 * with config c, under a lock, rewriting the file atomically. A line the
 * unit already has is left as it is, even of another config: gpupt-apply
 * only adds (claims, VFs, mdevs, types) and never undoes what the older
 * config did, so until a reboot the unit still carries that one out.
 * -EBADMSG when the record there cannot be parsed (it is left for --verify
 * to report), -EINVAL for an arg that cannot stand in a line, -errno
 * otherwise. */
int record_applied(const struct conf *c, enum record_kind kind, const char *arg);

/* Parses the text of a record. A file of one bare hash, as the version
 * before units wrote it, reads as "claim HASH". -EBADMSG when any line is
 * not a known unit with a hash, when a unit is there twice, or when there
 * is no line at all; -ENOMEM. */
int record_parse(const char *text, struct record *ret);
/* Reads ROOT + RECORD_APPLIED: 0, -ENOENT when there is none, -EBADMSG as
 * record_parse(), -errno otherwise. */
int record_read(struct record *ret);
void record_done(struct record *r);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "conf.h"

/* What this boot applied: gpupt-apply writes the hash of the config it
 * carried out (conf_hash()) to ROOT/run/gpupt/applied-config.sha256, and
 * gpupt-check --verify compares it with the config as it is now. /run is
 * empty at every boot, so the record is this boot's. */
#define RECORD_APPLIED "/run/gpupt/applied-config.sha256"

/* Writes the record for c, atomically; -errno on failure. */
int record_applied(const struct conf *c);
/* Reads the record into out: 0, -ENOENT when there is none, -EBADMSG when
 * it is not a hash, -errno otherwise. */
int record_read(char out[static 65]);

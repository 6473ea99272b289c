/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "listing.h"
#include "pciids.h"

/* `gpupt-check --list`: the whole host by IOMMU group, with the facts an
 * admin decides on before writing the config, and a config line per slot
 * of each group that can go to a VM whole. See gpupt-check(8). */
struct list_options {
        bool json;
        /* the config did not load (the listing's conf is then empty): the
         * JSON's "config_error"; NULL when it did */
        const struct conf_error *config_error;
};

/* Prints the listing (listing_build), with the names of db, the database
 * the caller opened (NULL: none, and the text says so). Reads nothing.
 * Returns 0, or -ENOMEM. */
int list_print(FILE *f, const struct listing *l, const struct pciids *db,
               const struct list_options *o);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "host.h"

/* `gpupt-check --list`: the whole host by IOMMU group, with the facts an
 * admin decides on before writing the config, and a config line per slot
 * of each group that can go to a VM whole. See gpupt-check(8). */
struct list_options {
        bool json;
        bool display;   /* only the groups that hold a display controller */
        /* the config did not load (the listing's conf is then empty): the
         * JSON's "config_error"; NULL when it did */
        const struct conf_error *config_error;
};

/* Reads only. Returns 0, or -errno when the bus cannot be read at all. */
int list_host(FILE *f, struct host *h, const struct conf *conf, const struct list_options *o);

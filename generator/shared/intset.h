/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "hashtab.h"

/* A set of non-negative ints (IOMMU group numbers): "one report per group"
 * over thousands of claims without comparing every pair. Zero-initialise,
 * intset_free when done. */
struct intset {
        struct hashtab t;
};

/* 1 when v was in the set already, 0 when it has been added, -ENOMEM. */
int intset_add(struct intset *s, int v);
void intset_free(struct intset *s);

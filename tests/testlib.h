/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers the cmocka tests share: temporary roots and files in them. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* A fresh directory under $TMPDIR; removed by tl_rmtree(). */
char *tl_mkdtemp(void);
void tl_rmtree(const char *dir);
/* Writes text to dir/rel, creating parent directories. */
void tl_write(const char *dir, const char *rel, const char *text);
void tl_symlink(const char *dir, const char *rel, const char *target);
void tl_mkdir(const char *dir, const char *rel);
/* Builds a scenario with tests/mkfixture.py into a new temporary root. */
char *tl_fixture(const char *scenario);
/* Removes a root made by tl_fixture() with the directory around it. */
void tl_rmfixture(char *root);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

/* The pieces of gpupt's JSON, written without printf's format parsing and
 * with stdio's unlocked calls: a fleet's report and a large host's listing
 * write thousands of objects. The caller writes from one thread. */

/* A literal piece of JSON, as it is. */
void json_put(FILE *f, const char *s);
void json_put_uint(FILE *f, unsigned v);
/* V, or null when it is negative (unknown). */
void json_int_or_null(FILE *f, int v);
/* V as DIGITS lower-case hex digits, no prefix. */
void json_put_hex(FILE *f, unsigned v, int digits);
/* S as a JSON string, quotes included; any byte gives valid JSON. */
void json_string(FILE *f, const char *s);
void json_string_or_null(FILE *f, const char *s);

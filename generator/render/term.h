/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* How output for people fits where it goes: the terminal's width and
 * whether it takes colour, decided once by the program for its stdout. */
struct style {
        unsigned width; /* columns; 0: no limit (a pipe or a file) */
        bool color;
};

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

/* "auto", "always" or "never"; -EINVAL for anything else. */
int color_mode_parse(const char *s, enum color_mode *ret);

/* The columns of the terminal fd is: its window size (TIOCGWINSZ), else
 * $COLUMNS, else 0 for no limit. */
unsigned term_width(int fd);

/* Whether output to fd gets colour. auto, as systemd and ls: fd is a
 * terminal, TERM is not "dumb" and NO_COLOR is unset or empty
 * (no-color.org); always and never are the user's word over all that. */
bool term_color(enum color_mode mode, int fd);

enum tone { TONE_ERROR, TONE_WARNING, TONE_GOOD };
/* The SGR sequence that starts a tone, and the one that ends it: "" each
 * without colour. */
const char *tone_on(const struct style *s, enum tone t);
const char *tone_off(const struct style *s);

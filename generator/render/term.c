/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "term.h"
#include "util.h"

int color_mode_parse(const char *s, enum color_mode *ret)
{
        static const char *const names[] = { [COLOR_AUTO] = "auto", [COLOR_ALWAYS] = "always",
                                             [COLOR_NEVER] = "never" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(s, names[i]) == 0) {
                        *ret = (enum color_mode)i;
                        return 0;
                }
        return -EINVAL;
}

unsigned term_width(int fd)
{
        const char *e = getenv("COLUMNS");
        struct winsize ws;
        uint64_t n;

        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                return ws.ws_col;
        /* a width that does not parse is no width: as into a pipe */
        if (e && parse_u64(e, 10, &n) == 0 && n > 0 && n <= UINT16_MAX)
                return (unsigned)n;
        return 0;
}

bool term_color(enum color_mode mode, int fd)
{
        const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

        if (mode != COLOR_AUTO)
                return mode == COLOR_ALWAYS;
        if (no_color && *no_color)
                return false;
        if (term && strcmp(term, "dumb") == 0)
                return false;
        return isatty(fd) == 1;
}

const char *tone_on(const struct style *s, enum tone t)
{
        /* bold and the colour: red, yellow, green, as systemd's highlights */
        static const char *const sgr[] = { [TONE_ERROR] = "\x1b[1;31m",
                                           [TONE_WARNING] = "\x1b[1;33m",
                                           [TONE_GOOD] = "\x1b[1;32m" };

        return s->color ? sgr[t] : "";
}

const char *tone_off(const struct style *s)
{
        return s->color ? "\x1b[0m" : "";
}

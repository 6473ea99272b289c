/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel command line parser, and the root= resolver's input checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct kcmdline c;
        char *line = malloc(size + 1);

        if (!line)
                return 0;
        memcpy(line, data, size);
        line[size] = '\0';
        if (cmdline_parse(line, &c) == 0)
                cmdline_done(&c);
        (void)parse_boolean(line);
        free(line);
        return 0;
}

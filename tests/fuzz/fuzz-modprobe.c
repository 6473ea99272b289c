/* SPDX-License-Identifier: GPL-2.0-or-later */
/* modprobe.d files and the kernel command line as recipes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recipes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct recipes rs = { 0 };
        char *text = malloc(size + 1);

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        recipes_parse_modprobe(&rs, "f.conf", text);
        recipes_parse_cmdline(&rs, text);
        for (size_t i = 0; i < rs.n; i++)
                if (!rs.v[i].text || (rs.v[i].n_ids && !rs.v[i].ids))
                        abort();
        recipes_done(&rs);
        free(text);
        return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The config parser and validator on arbitrary bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static char path[64];
        struct conf_error err = { 0 };
        struct conf *c = NULL;
        FILE *f;

        if (!*path)
                snprintf(path, sizeof(path), "/tmp/gpupt-fuzz-conf.%d", (int)getpid());
        f = fopen(path, "we");
        if (!f)
                abort();
        fwrite(data, 1, size, f);
        fclose(f);
        if (conf_load(path, &c, &err) == 0) {
                char hash[65];

                if (conf_hash(c, hash) < 0)
                        abort();
                conf_free(c);
        } else if (err.message && !err.file)
                abort(); /* every message names its file */
        conf_error_done(&err);
        return 0;
}

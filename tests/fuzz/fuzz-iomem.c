/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/iomem and its framebuffer regions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iomem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct iomem_range *v = NULL;
        char *text = malloc(size + 1);
        size_t n = 0;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (iomem_framebuffers(text, &v, &n) == 0)
                for (size_t i = 0; i < n; i++)
                        if (v[i].start > v[i].end || strlen(v[i].name) >= sizeof(v[i].name))
                                abort();
        free(v);
        free(text);
        return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel log records and the IOMMU judgement on them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iommu.h"
#include "kmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct iommu_state s = { .irq_remapping = -1 };
        char *line = malloc(size + 1);
        const char *t;

        if (!line)
                return 0;
        memcpy(line, data, size);
        line[size] = '\0';
        t = kmsg_text(line);
        if (t) {
                iommu_note_kmsg(&s, t);
                if (strlen(s.default_domain) >= sizeof(s.default_domain))
                        abort();
        }
        free(line);
        return 0;
}

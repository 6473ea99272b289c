/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sysfs attribute parsers: the input is split at the first byte 0xff
 * into a uevent and the value given to every other attribute gpupt reads
 * (numa_node, boot_vga, sriov counts, resource2_resize, an mdev type's
 * available_instances); then PCI addresses and IDs are parsed from it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "pciaddr.h"
#include "util.h"

static char root[64];

static void put(const char *rel, const void *data, size_t n)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        f = fopen(path, "we");
        if (!f)
                abort();
        fwrite(data, 1, n, f);
        fclose(f);
}

static void setup(void)
{
        static const char *const dirs[] = {
                "", "/sys", "/sys/bus", "/sys/bus/pci", "/sys/bus/pci/devices",
                "/sys/bus/pci/devices/0000:01:00.0", "/sys/class", "/sys/class/mdev_bus",
                "/sys/class/mdev_bus/p", "/sys/class/mdev_bus/p/mdev_supported_types",
                "/sys/class/mdev_bus/p/mdev_supported_types/t",
        };
        char path[256];

        snprintf(root, sizeof(root), "/tmp/gpupt-fuzz-sysfs.%d", (int)getpid());
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        abort();
        }
        root_set(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const attrs[] = { "numa_node", "boot_vga", "sriov_totalvfs",
                                             "sriov_numvfs", "resource2_resize", "driver_override",
                                             "local_cpulist", "reset_method" };
        const uint8_t *cut = memchr(data, 0xff, size);
        size_t n1 = cut ? (size_t)(cut - data) : size;
        struct pci_addr a = { .bus = 1 };
        struct mdev_type *types;
        struct host *h;
        struct pci_fn *f;
        size_t nt;
        char *s;

        if (!*root)
                setup();
        put("sys/bus/pci/devices/0000:01:00.0/uevent", data, n1);
        for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
                char rel[128];

                snprintf(rel, sizeof(rel), "sys/bus/pci/devices/0000:01:00.0/%s", attrs[i]);
                put(rel, cut ? cut + 1 : data, cut ? size - n1 - 1 : 0);
        }
        put("sys/class/mdev_bus/p/mdev_supported_types/t/available_instances",
            cut ? cut + 1 : data, cut ? size - n1 - 1 : 0);

        if (host_new(&h) < 0)
                abort();
        if (host_get(h, &a, &f) == 0)
                (void)host_details(h, f);
        if (host_mdev_types(h, "p", &types, &nt) == 0)
                mdev_types_free(types, nt);
        host_free(h);

        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        {
                struct pci_addr b;
                struct pci_id id;
                uint64_t v;
                bool slot;

                (void)pci_addr_parse(s, &b, &slot);
                (void)pci_id_parse(s, &id);
                (void)parse_hex(s, UINT64_MAX, &v);
        }
        free(s);
        return 0;
}

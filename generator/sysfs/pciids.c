/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "pciids.h"
#include "util.h"

struct pciids {
        char *text; /* the whole file; names point into it */
        size_t len;
        struct {
                uint32_t key;
                char *name;
        } *cache;
        size_t n_cache, cache_alloc;
};

int pciids_open(struct pciids **ret)
{
        static const char *const paths[] = { "/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids",
                                             "/usr/share/pci.ids" };
        struct pciids *db;
        int r = -ENOENT;

        db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(paths) * 2 && r < 0; i++) {
                _cleanup_free_ char *p = i < ELEMENTSOF(paths) ? root_path(paths[i])
                                                                 : strdup(paths[i - ELEMENTSOF(paths)]);

                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                if (i < ELEMENTSOF(paths) && !*root_dir())
                        continue; /* same as the system copies below */
                r = read_file(p, 64u << 20, &db->text, &db->len);
        }
        if (r < 0) {
                free(db);
                return r;
        }
        *ret = db;
        return 0;
}

void pciids_free(struct pciids *db)
{
        if (!db)
                return;
        for (size_t i = 0; i < db->n_cache; i++)
                free(db->cache[i].name);
        free(db->cache);
        free(db->text);
        free(db);
}

/* The vendor line "vvvv  Name" at the start of a line; returns its name. */
static const char *find_vendor(struct pciids *db, uint16_t vendor, size_t *len)
{
        const char *end = db->text + db->len;
        char pat[8];

        snprintf(pat, sizeof(pat), "%04x  ", vendor);
        for (const char *p = db->text; p && p < end;) {
                if (strncmp(p, pat, 6) == 0) {
                        *len = strcspn(p + 6, "\n");
                        return p + 6;
                }
                p = memchr(p, '\n', (size_t)(end - p));
                if (p)
                        p++;
        }
        return NULL;
}

/* A device line "\tdddd  Name" among the vendor's indented lines. */
static const char *find_device(struct pciids *db, const char *from, uint16_t device, size_t *len)
{
        const char *end = db->text + db->len;
        char pat[8];

        snprintf(pat, sizeof(pat), "\t%04x  ", device);
        for (const char *p = memchr(from, '\n', (size_t)(end - from)); p && ++p < end;
             p = memchr(p, '\n', (size_t)(end - p))) {
                if (*p != '\t' && *p != '#' && *p != '\n')
                        break; /* the next vendor */
                if (strncmp(p, pat, 7) == 0) {
                        *len = strcspn(p + 7, "\n");
                        return p + 7;
                }
        }
        return NULL;
}

const char *pciids_name(struct pciids *db, uint16_t vendor, uint16_t device)
{
        uint32_t key = (uint32_t)vendor << 16 | device;
        const char *v, *d = NULL;
        size_t vl = 0, dl = 0;
        char *name = NULL;

        for (size_t i = 0; i < db->n_cache; i++)
                if (db->cache[i].key == key)
                        return db->cache[i].name;
        v = find_vendor(db, vendor, &vl);
        if (v)
                d = find_device(db, v, device, &dl);
        if (v && d)
                name = strdup_printf("%.*s %.*s", (int)vl, v, (int)dl, d);
        else if (v)
                name = strndup(v, vl);
        if (GROW(db->cache, db->n_cache, db->cache_alloc) < 0) {
                free(name);
                return NULL;
        }
        db->cache[db->n_cache].key = key;
        db->cache[db->n_cache++].name = name;
        return name;
}

int pciids_names(struct pciids *db, uint16_t vendor, uint16_t device, char **vendor_name,
                 char **device_name)
{
        const char *v, *d;
        size_t vl = 0, dl = 0;

        *vendor_name = *device_name = NULL;
        v = find_vendor(db, vendor, &vl);
        if (!v)
                return -ENOENT;
        d = find_device(db, v, device, &dl);
        *vendor_name = strndup(v, vl);
        if (d)
                *device_name = strndup(d, dl);
        if (!*vendor_name || (d && !*device_name)) {
                free(*vendor_name);
                free(*device_name);
                *vendor_name = *device_name = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "pciids.h"
#include "util.h"

const char pciids_hint[] = "no pci.ids in /usr/share/misc or /usr/share/hwdata; install "
                           "the package pci.ids (Debian, Ubuntu) or hwdata (Fedora, RHEL) "
                           "for device names";

/* The names looked up so far. A lookup adds to it, which changes no
 * answer: it hangs off the database so that a reader holding it const
 * (a renderer) may look names up. */
struct pciids_cache {
        struct pciids_cached {
                uint32_t key;
                struct pciids_names names; /* all NULL: not in pci.ids */
        } *v;
        size_t n, alloc;
};

struct pciids {
        char *text; /* the whole file */
        size_t len;
        struct pciids_cache *cache;
};

int pciids_open(struct pciids **ret)
{
        static const char *const paths[] = { "/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids",
                                             "/usr/share/pci.ids" };
        struct pciids *db;
        int r = -ENOENT;

        db = calloc(1, sizeof(*db));
        if (!db || !(db->cache = calloc(1, sizeof(*db->cache)))) {
                free(db);
                return -ENOMEM;
        }
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
                free(db->cache);
                free(db);
                return r;
        }
        *ret = db;
        return 0;
}

static void names_done(struct pciids_names *n)
{
        free(n->full);
        free(n->vendor);
        free(n->short_vendor);
        free(n->model);
}

void pciids_free(struct pciids *db)
{
        if (!db)
                return;
        for (size_t i = 0; i < db->cache->n; i++)
                names_done(&db->cache->v[i].names);
        free(db->cache->v);
        free(db->cache);
        free(db->text);
        free(db);
}

/* The vendor line "vvvv  Name" at the start of a line; returns its name. */
static const char *find_vendor(const struct pciids *db, uint16_t vendor, size_t *len)
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
static const char *find_device(const struct pciids *db, const char *from, uint16_t device, size_t *len)
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

/* A company form that says nothing about who made the device. */
static bool company_form(const char *w, size_t n)
{
        static const char *const forms[] = { "Corporation", "Corp.", "Corp", "Incorporated",
                                             "Inc.", "Inc", "Company", "Co.", "Co", "Limited",
                                             "Ltd.", "Ltd", "LLC", "GmbH", "AG" };

        for (size_t i = 0; i < ELEMENTSOF(forms); i++)
                if (strlen(forms[i]) == n && memcmp(forms[i], w, n) == 0)
                        return true;
        return false;
}

char *pci_vendor_short(const char *name)
{
        size_t n = strlen(name), w;
        const char *open;

        /* pci.ids' own short form: "Advanced Micro Devices, Inc. [AMD/ATI]" */
        if (n > 2 && name[n - 1] == ']' && (open = strrchr(name, '[')) && open + 1 < name + n - 1)
                return strndup(open + 1, (size_t)(name + n - 1 - (open + 1)));
        /* else the name without its trailing company forms, never empty:
         * "NVIDIA Corporation", "Realtek Semiconductor Co., Ltd." */
        for (;;) {
                while (n && (name[n - 1] == ' ' || name[n - 1] == ','))
                        n--;
                for (w = n; w && name[w - 1] != ' ' && name[w - 1] != ','; w--)
                        ;
                if (!w || !company_form(name + w, n - w))
                        break;
                n = w;
        }
        return strndup(name, n);
}

/* The names of one vendor:device, made from its lines of pci.ids. */
static int names_make(const char *v, size_t vl, const char *d, size_t dl,
                      struct pciids_names *ret)
{
        *ret = (struct pciids_names){ 0 };
        if (!v)
                return 0;
        ret->vendor = strndup(v, vl);
        ret->model = d ? strndup(d, dl) : NULL;
        ret->full = d ? strdup_printf("%.*s %.*s", (int)vl, v, (int)dl, d) : strndup(v, vl);
        ret->short_vendor = ret->vendor ? pci_vendor_short(ret->vendor) : NULL;
        if (!ret->vendor || (d && !ret->model) || !ret->full || !ret->short_vendor) {
                names_done(ret);
                return -ENOMEM;
        }
        return 0;
}

const struct pciids_names *pciids_lookup(const struct pciids *db, uint16_t vendor,
                                        uint16_t device)
{
        uint32_t key = (uint32_t)vendor << 16 | device;
        struct pciids_cache *c = db->cache;
        struct pciids_names names;
        struct pciids_cached *slot;
        const char *v, *d = NULL;
        size_t vl = 0, dl = 0;

        for (size_t i = 0; i < c->n; i++)
                if (c->v[i].key == key)
                        return c->v[i].names.full ? &c->v[i].names : NULL;
        v = find_vendor(db, vendor, &vl);
        if (v)
                d = find_device(db, v, device, &dl);
        if (names_make(v, vl, d, dl, &names) < 0)
                return NULL;
        if (GROW(c->v, c->n, c->alloc) < 0) {
                names_done(&names);
                return NULL;
        }
        slot = &c->v[c->n++];
        slot->key = key;
        slot->names = names;
        return names.full ? &slot->names : NULL;
}

const char *pciids_name(const struct pciids *db, uint16_t vendor, uint16_t device)
{
        const struct pciids_names *n = pciids_lookup(db, vendor, device);

        return n ? n->full : NULL;
}

int pciids_names(const struct pciids *db, uint16_t vendor, uint16_t device, char **vendor_name,
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

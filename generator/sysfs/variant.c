/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "util.h"
#include "variant.h"

static size_t wildcards(const char *pattern)
{
        size_t n = 0;

        for (; *pattern; pattern++)
                n += *pattern == '*' || *pattern == '?';
        return n;
}

static bool in_matches(const struct module_match *v, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (module_name_eq(v[i].name, name))
                        return true;
        return false;
}

/* libkmod says which modules match; it does not say through which alias.
 * The alias patterns come from modules.alias, the text file depmod writes
 * next to the index: among the matching modules, the one whose matching
 * vfio_pci: pattern has the fewest wildcards. Ties go to the first in the
 * file, which is depmod's (stable) order. */
static int rank(struct gp_modules *m, const char *key, const struct module_match *v, size_t n,
                char **ret)
{
        _cleanup_free_ char *path = strdup_printf("%s/modules.alias", modules_dir(m));
        _cleanup_free_ char *text = NULL;
        const char *best = NULL;
        size_t best_len = 0, best_wild = SIZE_MAX;
        char *line, *next;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_file(path, 64u << 20, &text, NULL);
        if (r < 0)
                return r;
        for (line = text; line && *line; line = next) {
                char *pat, *mod, *save = NULL;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (strncmp(line, "alias vfio_pci:", 15) != 0)
                        continue;
                pat = strtok_r(line + 6, " \t", &save);
                mod = strtok_r(NULL, " \t", &save);
                if (!pat || !mod || !in_matches(v, n, mod) || fnmatch(pat, key, 0) != 0)
                        continue;
                if (wildcards(pat) < best_wild) {
                        best_wild = wildcards(pat);
                        best = mod;
                        best_len = strlen(mod);
                }
        }
        if (!best)
                return -ENOENT;
        *ret = strndup(best, best_len);
        return *ret ? 0 : -ENOMEM;
}

int variant_for_modalias(struct gp_modules *m, const char *modalias, char **ret)
{
        _cleanup_free_ char *key = NULL, *best = NULL;
        struct module_match *v = NULL;
        size_t n = 0;
        int r;

        if (!m || !modalias || strncmp(modalias, "pci:", 4) != 0)
                goto catch_all;
        key = strdup_printf("vfio_pci:%s", modalias + 4);
        if (!key)
                return -ENOMEM;
        r = modules_for_modalias(m, key, &v, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0 || n == 0)
                goto catch_all;
        if (n == 1)
                best = strdup(v[0].name);
        else {
                r = rank(m, key, v, n, &best);
                if (r == -ENOMEM) {
                        module_matches_free(v, n);
                        return r;
                }
                /* No modules.alias to rank by: a variant still beats the catch-all. */
                for (size_t i = 0; r < 0 && i < n; i++)
                        if (!module_name_eq(v[i].name, "vfio_pci")) {
                                best = strdup(v[i].name);
                                r = 0;
                        }
        }
        module_matches_free(v, n);
        if (!best)
                return -ENOMEM;
        if (!module_name_eq(best, "vfio_pci")) {
                *ret = TAKE_PTR(best);
                return 0;
        }
catch_all:
        *ret = strdup(VARIANT_CATCH_ALL);
        return *ret ? 0 : -ENOMEM;
}

bool variant_is_vfio(const char *driver)
{
        return driver && (module_name_eq(driver, "vfio-pci") || strstr(driver, "vfio"));
}

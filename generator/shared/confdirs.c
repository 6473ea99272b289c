/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "confdirs.h"
#include "nameset.h"
#include "util.h"

struct listing {
        char **v; /* "DIR/NAME" */
        size_t n, alloc;
};

static const char *file_name(const void *ctx, size_t i)
{
        const struct listing *l = ctx;

        return strrchr(l->v[i], '/') + 1;
}

/* The names of dir that keep accepts and no earlier directory had, onto l. */
static int add_dir(struct listing *l, struct nameset *seen, const char *dir,
                   bool (*keep)(const char *, void *), void *userdata)
{
        _cleanup_free_ char *path = root_path(dir);
        char **names;
        size_t n;
        int r;

        if (!path)
                return -ENOMEM;
        r = dir_names_sorted(AT_FDCWD, path, keep, userdata, &names, &n);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                if (nameset_get(seen, names[i], NULL))
                        continue; /* hidden by a file of that name in an earlier dir */
                /* one more for the NULL at the end */
                if (GROW(l->v, l->n + 1, l->alloc) < 0 ||
                    !(l->v[l->n] = strdup_printf("%s/%s", dir, names[i]))) {
                        r = -ENOMEM;
                        break;
                }
                l->v[++l->n] = NULL;
                r = nameset_add(seen, names[i], l->n - 1, NULL);
        }
        dir_names_free(names, n);
        return r < 0 ? r : 0;
}

int confdirs_list(const char *const *dirs, size_t n_dirs,
                  bool (*keep)(const char *name, void *userdata), void *userdata, char ***ret,
                  size_t *ret_n)
{
        struct listing l = { 0 };
        struct nameset seen = NAMESET_INIT(file_name, &l);
        int r = 0;

        for (size_t i = 0; i < n_dirs && r >= 0; i++)
                r = add_dir(&l, &seen, dirs[i], keep, userdata);
        nameset_free(&seen);
        if (r < 0) {
                dir_names_free(l.v, l.n);
                *ret = NULL;
                *ret_n = 0;
                return r;
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}

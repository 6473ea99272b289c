/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"

char *tl_mkdtemp(void)
{
        const char *tmp = getenv("TMPDIR");
        char *dir;

        assert_true(asprintf(&dir, "%s/gpupt-test.XXXXXX", tmp && *tmp ? tmp : "/tmp") > 0);
        assert_non_null(mkdtemp(dir));
        return dir;
}

void tl_rmtree(const char *dir)
{
        char *cmd;

        if (!dir)
                return;
        assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
        assert_int_equal(system(cmd), 0);
        free(cmd);
}

static void mkparents(char *path)
{
        for (char *p = path + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(path, 0755) < 0)
                        assert_int_equal(errno, EEXIST);
                *p = '/';
        }
}

void tl_mkdir(const char *dir, const char *rel)
{
        char *path;

        assert_true(asprintf(&path, "%s/%s/", dir, rel) > 0);
        mkparents(path);
        free(path);
}

void tl_write(const char *dir, const char *rel, const char *text)
{
        char *path;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, rel) > 0);
        mkparents(path);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
        free(path);
}

void tl_symlink(const char *dir, const char *rel, const char *target)
{
        char *path;

        assert_true(asprintf(&path, "%s/%s", dir, rel) > 0);
        mkparents(path);
        assert_int_equal(symlink(target, path), 0);
        free(path);
}

char *tl_fixture(const char *scenario)
{
        char *dir = tl_mkdtemp(), *cmd;

        assert_true(asprintf(&cmd, "python3 tests/mkfixture.py --force %s '%s/root' >/dev/null",
                             scenario, dir) > 0);
        assert_int_equal(system(cmd), 0);
        free(cmd);
        /* the root is a subdirectory so the fixture builder may create it itself */
        {
                char *root;

                assert_true(asprintf(&root, "%s/root", dir) > 0);
                free(dir);
                return root;
        }
}

void tl_rmfixture(char *root)
{
        char *slash = strrchr(root, '/');

        assert_non_null(slash);
        *slash = '\0';
        tl_rmtree(root);
        free(root);
}

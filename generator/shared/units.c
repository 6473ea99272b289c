/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "units.h"
#include "util.h"

int unit_open(int dirfd, const char *name, FILE **ret)
{
        FILE *f;
        int fd;

        if (strchr(name, '/') || name[0] == '.')
                return -EINVAL;
        fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                int r = -errno;

                close(fd);
                return r;
        }
        *ret = f;
        return 0;
}

int unit_close(FILE *f)
{
        int r = 0;

        if (fflush(f) != 0 || ferror(f))
                r = errno ? -errno : -EIO;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        return r;
}

/* dirfd/NAME as a directory: made when it is not there; a planted symlink
 * in its place is refused, not followed. */
static int subdir_make(int dirfd, const char *name)
{
        struct stat st;

        if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int unit_dropin_open(int dirfd, const char *unit, const char *name, FILE **ret)
{
        _cleanup_free_ char *dir = strdup_printf("%s.d", unit);
        _cleanup_close_ int fd = -1;
        int r;

        if (!dir)
                return -ENOMEM;
        if (strchr(unit, '/') || unit[0] == '.')
                return -EINVAL;
        r = subdir_make(dirfd, dir);
        if (r < 0)
                return r;
        fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return unit_open(fd, name, ret);
}

int unit_enable(int dirfd, const char *target, const char *name)
{
        return unit_enable_instance(dirfd, target, name, name);
}

/* Whether unit_escape keeps c as it is (the first character of a name is
 * never a '.', which would hide the file). */
static bool kept(unsigned char c, bool first)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '/' || (c == '.' && !first);
}

size_t unit_escaped_len(const char *s)
{
        size_t n = 0;

        for (const char *p = s; *p; p++)
                n += kept((unsigned char)*p, p == s) ? 1 : 4;
        return n;
}

char *unit_escape(const char *s)
{
        char *out = malloc(unit_escaped_len(s) + 1), *o = out;

        if (!out)
                return NULL;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char)*p;

                if (c == '/')
                        *o++ = '-';
                else if (kept(c, p == s))
                        *o++ = (char)c;
                else
                        o += sprintf(o, "\\x%02x", c);
        }
        *o = '\0';
        return out;
}

size_t unit_instance_len(const char *template, const char *instance)
{
        return strlen(template) + 1 + unit_escaped_len(instance) + strlen(".service");
}

char *unit_instance(const char *template, const char *instance)
{
        _cleanup_free_ char *esc = unit_escape(instance);

        return esc ? strdup_printf("%s@%s.service", template, esc) : NULL;
}

char *unit_text_escape(const char *s)
{
        _cleanup_free_ char *esc = cescape(s);
        size_t n = 0;
        char *out, *o;

        if (!esc)
                return NULL;
        for (const char *p = esc; *p; p++)
                n += *p == '%' ? 2 : 1;
        out = o = malloc(n + 1);
        if (!out)
                return NULL;
        for (const char *p = esc; *p; p++) {
                if (*p == '%')
                        *o++ = '%';
                *o++ = *p;
        }
        *o = '\0';
        return out;
}

int unit_enable_instance(int dirfd, const char *target, const char *template, const char *name)
{
        _cleanup_free_ char *wants = strdup_printf("%s.wants", target);
        _cleanup_free_ char *link = NULL, *dest = NULL;
        int r;

        if (!wants)
                return -ENOMEM;
        r = subdir_make(dirfd, wants);
        if (r < 0)
                return r;
        link = strdup_printf("%s/%s", wants, name);
        dest = template[0] == '/' ? strdup(template) : strdup_printf("../%s", template);
        if (!link || !dest)
                return -ENOMEM;
        if (symlinkat(dest, dirfd, link) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

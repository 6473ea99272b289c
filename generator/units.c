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

int unit_enable(int dirfd, const char *target, const char *name)
{
        return unit_enable_instance(dirfd, target, name, name);
}

char *unit_escape(const char *s)
{
        char *out = malloc(strlen(s) * 4 + 1), *o = out;

        if (!out)
                return NULL;
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char)*p;

                if (c == '/')
                        *o++ = '-';
                else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' ||
                         (c == '.' && p != s))
                        *o++ = (char)c;
                else
                        o += sprintf(o, "\\x%02x", c);
        }
        *o = '\0';
        return out;
}

int unit_enable_instance(int dirfd, const char *target, const char *template, const char *name)
{
        _cleanup_free_ char *wants = strdup_printf("%s.wants", target);
        _cleanup_free_ char *link = NULL, *dest = NULL;
        struct stat st;

        if (!wants)
                return -ENOMEM;
        if (mkdirat(dirfd, wants, 0755) < 0 && errno != EEXIST)
                return -errno;
        /* A planted symlink in place of the directory must not be followed. */
        if (fstatat(dirfd, wants, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        link = strdup_printf("%s/%s", wants, name);
        dest = strdup_printf("../%s", template);
        if (!link || !dest)
                return -ENOMEM;
        if (symlinkat(dest, dirfd, link) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

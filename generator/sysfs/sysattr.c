/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "sysattr.h"
#include "util.h"

int sysattr_read_string(int dirfd, const char *name, char *buf, size_t size)
{
        int r = read_attr_at(dirfd, name, buf, size);

        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        return string_is_utf8(buf) ? r : -EBADMSG;
}

/* A number's text: no attribute of one is longer. */
static int read_number(int dirfd, const char *name, char buf[static 32])
{
        int r = sysattr_read_string(dirfd, name, buf, 32);

        return r < 0 ? r : 0;
}

int sysattr_read_int(int dirfd, const char *name, int *ret)
{
        char buf[32];
        int r = read_number(dirfd, name, buf);

        if (r < 0)
                return r;
        return parse_int(buf, ret) < 0 ? -EBADMSG : 0;
}

int sysattr_read_unsigned(int dirfd, const char *name, unsigned *ret)
{
        char buf[32];
        uint64_t v;
        int r = read_number(dirfd, name, buf);

        if (r < 0)
                return r;
        if (parse_u64(buf, 10, &v) < 0 || v > UINT_MAX)
                return -EBADMSG;
        *ret = (unsigned)v;
        return 0;
}

int sysattr_read_hex(int dirfd, const char *name, uint64_t max, uint64_t *ret)
{
        char buf[32];
        int r = read_number(dirfd, name, buf);

        if (r < 0)
                return r;
        return parse_hex(buf, max, ret) < 0 ? -EBADMSG : 0;
}

int sysattr_read_link_base(int dirfd, const char *name, char *buf, size_t size)
{
        char target[PATH_MAX];
        const char *base;
        ssize_t n;
        size_t len;

        n = readlinkat(dirfd, name, target, sizeof(target) - 1);
        if (n < 0)
                return -errno;
        target[n] = '\0';
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        len = strlen(base);
        if (len >= size)
                return -EBADMSG;
        memcpy(buf, base, len + 1);
        return (int)len;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "util.h"

static char *root;

int root_set(const char *dir)
{
        char *copy = NULL;

        if (dir && *dir) {
                size_t l;

                copy = strdup(dir);
                if (!copy)
                        return -ENOMEM;
                /* "/" and "dir/" both join cleanly with absolute paths. */
                for (l = strlen(copy); l > 0 && copy[l - 1] == '/'; l--)
                        copy[l - 1] = '\0';
        }
        free(root);
        root = copy;
        return 0;
}

const char *root_dir(void)
{
        return root ? root : "";
}

char *root_path(const char *path)
{
        return strdup_printf("%s%s", root_dir(), path);
}

int root_open(const char *path, int flags)
{
        _cleanup_free_ char *p = root_path(path);
        int fd;

        if (!p)
                return -ENOMEM;
        fd = open(p, flags | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int read_attr_at(int dirfd, const char *name, char *buf, size_t size)
{
        _cleanup_close_ int fd = -1;
        ssize_t n;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, size);
        if (n < 0)
                return -errno;
        if ((size_t)n >= size)
                return -EFBIG;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                n--;
        buf[n] = '\0';
        if (memchr(buf, '\0', (size_t)n))
                return -EBADMSG;
        return (int)n;
}

int read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, alloc = 0;

        for (;;) {
                ssize_t n;

                if (alloc - len < 4096) {
                        char *p;

                        if (alloc > max)
                                return -EFBIG;
                        alloc = alloc ? alloc * 2 : 8192;
                        p = realloc(buf, alloc + 1);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                }
                n = read(fd, buf + len, alloc - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max)
                        return -EFBIG;
        }
        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int read_file_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = -1;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_fd(fd, max, ret, ret_len);
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        return read_file_at(AT_FDCWD, path, max, ret, ret_len);
}

int parse_u64(const char *s, int base, uint64_t *ret)
{
        unsigned long long v;
        char *end;

        if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, base);
        if (errno)
                return -errno;
        if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_int(const char *s, int *ret)
{
        long v;
        char *end;

        if (!s || !*s || *s == ' ')
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno)
                return -errno;
        if (*end || v < INT_MIN || v > INT_MAX)
                return -ERANGE;
        *ret = (int)v;
        return 0;
}

int parse_hex(const char *s, uint64_t max, uint64_t *ret)
{
        uint64_t v;
        int r;

        if (s && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                s += 2;
        r = parse_u64(s, 16, &v);
        if (r < 0)
                return r;
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

void *xrealloc_array(void *p, size_t n, size_t size)
{
        if (size && n > SIZE_MAX / size)
                return NULL;
        return realloc(p, n * size);
}

char *strdup_printf(const char *fmt, ...)
{
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

size_t utf8_valid_prefix(const char *s, size_t len)
{
        const unsigned char *start = (const unsigned char *)s, *p = start, *end = start + len;

        while (p < end) {
                unsigned n, i;
                uint32_t c;

                if (*p < 0x80) {
                        p++;
                        continue;
                }
                if ((*p & 0xe0) == 0xc0) {
                        n = 1;
                        c = *p & 0x1f;
                } else if ((*p & 0xf0) == 0xe0) {
                        n = 2;
                        c = *p & 0x0f;
                } else if ((*p & 0xf8) == 0xf0) {
                        n = 3;
                        c = *p & 0x07;
                } else
                        break;
                if ((size_t)(end - p) <= n)
                        break;
                for (i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                break;
                        c = (c << 6) | (p[i] & 0x3f);
                }
                /* overlong forms and surrogates are not UTF-8 */
                if (i <= n || (n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
                    (n == 3 && c < 0x10000) || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                        break;
                p += n + 1;
        }
        return (size_t)(p - start);
}

bool string_is_utf8(const char *s)
{
        size_t n = strlen(s);

        return utf8_valid_prefix(s, n) == n;
}

/* The length of the UTF-8 character at p (of at most len bytes) that is
 * printable: 0 for a byte that starts no character, and for the C1
 * controls U+0080-U+009F, which terminals obey as ESC sequences. */
static size_t utf8_printable_len(const char *p, size_t len)
{
        unsigned char c = (unsigned char)*p;
        size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

        if (n > len || utf8_valid_prefix(p, n) != n)
                return 0;
        if (n == 2 && c == 0xc2 && (unsigned char)p[1] < 0xa0)
                return 0;
        return n;
}

char *cescape(const char *s)
{
        size_t len = strlen(s);
        char *out = len < SIZE_MAX / 4 ? malloc(len * 4 + 1) : NULL, *o = out;

        if (!out)
                return NULL;
        for (const char *p = s, *end = s + len; p < end;) {
                unsigned char c = (unsigned char)*p;
                size_t n = c >= 0x80 ? utf8_printable_len(p, (size_t)(end - p))
                                     : c >= 0x20 && c != 0x7f;

                if (c == '\\') {
                        *o++ = '\\';
                        *o++ = '\\';
                        p++;
                } else if (n == 0)
                        o += sprintf(o, "\\x%02x", (unsigned)(unsigned char)*p++);
                else {
                        memcpy(o, p, n);
                        o += n;
                        p += n;
                }
        }
        *o = '\0';
        return out;
}

DIR *opendir_at(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d) {
                int e = errno;

                close(fd);
                errno = e;
        }
        return d;
}

static int cmp_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int dir_names_sorted(int dirfd, const char *path, bool (*keep)(const char *name, void *userdata),
                     void *userdata, char ***ret, size_t *ret_n)
{
        char **v = NULL;
        size_t n = 0, alloc = 0;
        struct dirent *de;
        DIR *d;
        int r = 0;

        *ret = NULL;
        *ret_n = 0;
        d = opendir_at(dirfd, path);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || (keep && !keep(de->d_name, userdata)))
                        continue;
                /* one more for the NULL at the end */
                if (GROW(v, n + 1, alloc) < 0 || !(v[n] = strdup(de->d_name))) {
                        r = -ENOMEM;
                        break;
                }
                v[++n] = NULL;
        }
        closedir(d);
        if (r < 0) {
                dir_names_free(v, n);
                return r;
        }
        if (n > 1)
                qsort(v, n, sizeof(*v), cmp_name);
        *ret = v;
        *ret_n = n;
        return 0;
}

void dir_names_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

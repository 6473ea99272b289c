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

/* The length (2 to 4) of the UTF-8 sequence of a character at p, before end,
 * with its code point in *ret; 0 when the bytes there are not one. p points
 * at a byte of 0x80 or more. */
static size_t utf8_char(const unsigned char *p, const unsigned char *end, uint32_t *ret)
{
        unsigned n, i;
        uint32_t c;

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
                return 0;
        if ((size_t)(end - p) <= n)
                return 0;
        for (i = 1; i <= n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (p[i] & 0x3f);
        }
        /* overlong forms and surrogates are not UTF-8 */
        if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
            c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *ret = c;
        return n + 1;
}

size_t utf8_valid_prefix(const char *s, size_t len)
{
        const unsigned char *start = (const unsigned char *)s, *p = start, *end = start + len;

        while (p < end) {
                uint32_t c;
                size_t n;

                if (*p < 0x80) {
                        p++;
                        continue;
                }
                n = utf8_char(p, end, &c);
                if (!n)
                        break;
                p += n;
        }
        return (size_t)(p - start);
}

bool string_is_utf8(const char *s)
{
        size_t n = strlen(s);

        return utf8_valid_prefix(s, n) == n;
}

/* The length of the character at p that a terminal shows as it is: printable
 * ASCII, or a UTF-8 sequence of anything but a C1 control (U+0080..U+009F,
 * which terminals obey as ESC sequences: U+009B is CSI); 0 for a byte that
 * must be escaped. */
static size_t printable_char(const unsigned char *p, const unsigned char *end)
{
        uint32_t c;
        size_t n;

        if (*p >= 0x20 && *p < 0x7f)
                return 1;
        if (*p < 0x80)
                return 0;
        n = utf8_char(p, end, &c);
        return n && c >= 0xa0 ? n : 0;
}

/* The escaped form of s[0..len), whose first ok bytes need none, into a
 * new string: at most four bytes for each one after them. */
static char *escape_from(const char *s, size_t len, size_t ok, bool backslash)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *)s + ok;
        const unsigned char *end = (const unsigned char *)s + len;
        char *out = malloc(ok + (len - ok) * 4 + 1), *o;

        if (!out)
                return NULL;
        memcpy(out, s, ok);
        o = out + ok;
        while (p < end) {
                size_t n = printable_char(p, end);

                if (backslash && *p == '\\') {
                        *o++ = '\\';
                        *o++ = '\\';
                        p++;
                        continue;
                }
                if (n) {
                        memcpy(o, p, n);
                        o += n;
                        p += n;
                        continue;
                }
                *o++ = '\\';
                if (*p == '\n' || *p == '\t' || *p == '\r')
                        *o++ = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
                else {
                        *o++ = 'x';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 15];
                }
                p++;
        }
        *o = '\0';
        return out;
}

const char *printable(const char *s, char **buf)
{
        const unsigned char *start = (const unsigned char *)s, *p = start;
        size_t len;

        *buf = NULL;
        /* nearly every string is plain ASCII: one pass, no copy */
        while (*p >= 0x20 && *p < 0x7f)
                p++;
        if (!*p)
                return s;
        len = (size_t)(p - start) + strlen((const char *)p);
        for (const unsigned char *end = start + len; p < end;) {
                size_t n = printable_char(p, end);

                if (!n)
                        break;
                p += n;
        }
        if ((size_t)(p - start) == len)
                return s;
        *buf = escape_from(s, len, (size_t)(p - start), false);
        /* never the raw bytes, not even without memory */
        return *buf ? *buf : "?";
}

char *cescape(const char *s)
{
        return escape_from(s, strlen(s), 0, true);
}

void fputs_printable(const char *s, FILE *f)
{
        _cleanup_free_ char *buf = NULL;

        fputs(printable(s, &buf), f);
}

char *printable_take(char *s)
{
        char *buf;
        const char *p;

        if (!s)
                return NULL;
        p = printable(s, &buf);
        if (p == s)
                return s;
        free(s);
        return buf;
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

bool name_has_suffix(const char *name, void *suffix)
{
        size_t n = strlen(name), k = strlen(suffix);

        return n > k && streq(name + n - k, (const char *)suffix);
}

void dir_names_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

int write_file_replace(const char *path, const char *tmp, const char *text, size_t len)
{
        ssize_t w = 0;
        int fd, r = 0;

        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        for (size_t done = 0; done < len && r == 0; done += (size_t)w) {
                w = write(fd, text + done, len - done);
                if (w < 0 && errno != EINTR)
                        r = -errno;
                w = w < 0 ? 0 : w;
        }
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}

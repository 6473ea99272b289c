/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
        free(*(void **)p);
}
static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

/* Hands ownership out of a cleanup variable. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _t = (p);                                                            \
                (p) = NULL;                                                                        \
                _t;                                                                                \
        })

#define streq(a, b) (strcmp((a), (b)) == 0)

/* Every path the programs read or write on the host goes through the root
 * chosen with --root or GPUPT_ROOT, so a recorded machine can stand in for
 * the real one. */
int root_set(const char *dir);
const char *root_dir(void); /* "" for the real root */
/* ROOT + path, path being absolute; NULL on ENOMEM. */
char *root_path(const char *path);
/* Opens ROOT + path; -errno on failure. */
int root_open(const char *path, int flags);
/* The directory name below dirfd as a DIR stream; NULL with errno set. */
DIR *opendir_at(int dirfd, const char *name);
/* The names in the directory path (below dirfd; AT_FDCWD for a path of its
 * own) that keep accepts, every one when keep is NULL; hidden names (".",
 * "..", ".foo") never. Sorted bytewise (strcmp, not the locale's collation,
 * so a listing reads the same everywhere), NULL-terminated (NULL itself when
 * there are none); the caller frees it with dir_names_free. -errno when the
 * directory cannot be opened, -ENOMEM. */
int dir_names_sorted(int dirfd, const char *path, bool (*keep)(const char *name, void *userdata),
                     void *userdata, char ***ret, size_t *ret_n);
void dir_names_free(char **v, size_t n);

/* Reads a small sysfs-style file relative to dirfd into buf, strips the
 * trailing newline; returns the length or -errno. -EFBIG when it does not fit. */
int read_attr_at(int dirfd, const char *name, char *buf, size_t size);
/* Reads a whole file (any size up to max) into a NUL-terminated buffer. */
/* Reads fd to its end (at most max bytes, else -EFBIG) into a NUL-terminated
 * buffer. */
int read_fd(int fd, size_t max, char **ret, size_t *ret_len);
int read_file_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len);
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* Number parsers that take the whole string and nothing else. */
int parse_u64(const char *s, int base, uint64_t *ret);
int parse_int(const char *s, int *ret);
/* Sysfs hex attributes, "0x10de" or "10de". */
int parse_hex(const char *s, uint64_t max, uint64_t *ret);

void *xrealloc_array(void *p, size_t n, size_t size);
char *strdup_printf(const char *fmt, ...) _printf_(1, 2);
bool string_is_utf8(const char *s);
/* The length of the longest prefix of s[0..len) that is UTF-8 (NUL bytes
 * included): len when all of it is. */
size_t utf8_valid_prefix(const char *s, size_t len);

/* s as one line of printable text that says which bytes it holds: '\\' as
 * "\\\\", and every control character (C0, DEL, C1) and every byte that is not
 * UTF-8 as \\xNN. For a string read from a file, a file name or sysfs on its
 * way into a message or a unit file, where it must not become a new line, a
 * terminal's command or an escape that is not its own. */
char *cescape(const char *s);

/* Growable array helper: ensures room for *n + 1 elements. */
#define GROW(array, n, alloc)                                                                      \
        ({                                                                                         \
                int _r = 0;                                                                        \
                if ((n) >= (alloc)) {                                                              \
                        size_t _a = (alloc) ? (alloc) * 2 : 8;                                     \
                        void *_p = xrealloc_array((array), _a, sizeof(*(array)));                  \
                        if (!_p)                                                                   \
                                _r = -ENOMEM;                                                      \
                        else {                                                                     \
                                (array) = _p;                                                      \
                                (alloc) = _a;                                                      \
                        }                                                                          \
                }                                                                                  \
                _r;                                                                                \
        })

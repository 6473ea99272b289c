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

/* The same for a descriptor: the variable is left -1. */
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd = (fd);                                                                    \
                (fd) = -1;                                                                         \
                _fd;                                                                               \
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
/* A keep for dir_names_sorted: names ending in the string suffix after at
 * least one character of their own ("x.conf", not ".conf"). */
bool name_has_suffix(const char *name, void *suffix);

/* Reads a small sysfs-style file relative to dirfd into buf, strips the
 * trailing newline; returns the length or -errno. -EFBIG when it does not fit. */
int read_attr_at(int dirfd, const char *name, char *buf, size_t size);
/* Reads a whole file (any size up to max) into a NUL-terminated buffer. */
/* Reads fd to its end (at most max bytes, else -EFBIG) into a NUL-terminated
 * buffer. */
int read_fd(int fd, size_t max, char **ret, size_t *ret_len);
int read_file_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len);
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* Replaces path with text whole: written to tmp (created, never followed
 * through a link), synced, renamed over path; tmp is removed on failure.
 * A reader sees the old file or the new one, never a part. -errno. */
int write_file_replace(const char *path, const char *tmp, const char *text, size_t len);

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

/* Output for people: the one filter between a string gpupt did not write
 * itself (a sysfs value or link name, a file name, a config value) and a
 * terminal or the kernel log. Such strings keep their true bytes in memory
 * and in JSON's own fields (json_string escapes for JSON); a human sink
 * passes each through here, and a message that quotes them (a problem, a
 * config error) is passed once where it is made, with printable_take().
 * Control bytes (C0, DEL), C1 controls in UTF-8 (U+0080..U+009F) and bytes
 * that are not UTF-8 come out as \xNN, a newline, tab and carriage return
 * as \n, \t and \r, so an ESC sequence cannot act on the terminal and a
 * string cannot split a line or a kernel log record. A backslash stands as
 * it is, as in systemd's utf8_escape_non_printable(). Returns s itself when
 * it needs nothing, else the escaped copy, kept in *buf for the caller to
 * free; "?" when that copy cannot be made. */
const char *printable(const char *s, char **buf);
void fputs_printable(const char *s, FILE *f);
/* A message for people that quotes such strings, made printable once where
 * it is made: s itself, or its escaped form in its place (s freed). NULL
 * when s is NULL or memory fails (s freed). printable() leaves what it made
 * as it is, so a sink that escapes again changes nothing. */
char *printable_take(char *s);
/* printable() that also doubles every backslash, always into a new string
 * (NULL without memory): for text that a reader unescapes, such as a unit
 * file, where a line ending in a backslash would join the next one. */
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

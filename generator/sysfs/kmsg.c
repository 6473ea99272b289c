/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "kmsg.h"
#include "util.h"

#define KMSG_FILE_MAX (64u << 20)
#define KMSG_RECORD_MAX 8192

const char *kmsg_text(char *line)
{
        char *p = line, *semi;
        size_t n = strlen(line);

        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
        /* Record format: digits, comma, digits, comma, digits, [flags] ';' */
        semi = strchr(line, ';');
        if (semi && isdigit((unsigned char)line[0])) {
                unsigned commas = 0;

                for (p = line; p < semi; p++) {
                        if (*p == ',')
                                commas++;
                        else if (!isdigit((unsigned char)*p) && commas < 3)
                                break;
                }
                if (p == semi && commas >= 2)
                        return semi + 1;
        }
        /* dmesg: "[    1.234567] text" */
        p = line;
        if (*p == '[') {
                char *close = strchr(p, ']');

                if (close && strspn(p + 1, " 0123456789.") == (size_t)(close - p - 1)) {
                        p = close + 1;
                        while (*p == ' ')
                                p++;
                }
        }
        /* Continuation lines of the record format start with a space and
         * carry KEY=value dictionary entries, not message text. */
        if (line[0] == ' ')
                return NULL;
        return p;
}

/* /dev/kmsg yields one record per read() and EAGAIN at the end. */
static int scan_device(int fd, int (*cb)(const char *text, void *u), void *u)
{
        char buf[KMSG_RECORD_MAX + 1];

        for (;;) {
                const char *t;
                ssize_t n = read(fd, buf, KMSG_RECORD_MAX);
                int r;

                if (n < 0) {
                        if (errno == EAGAIN)
                                return 0;
                        if (errno == EPIPE || errno == EINTR) /* overwritten records */
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return 0;
                buf[n] = '\0';
                t = kmsg_text(buf);
                if (t && (r = cb(t, u)) < 0)
                        return r;
        }
}

int kmsg_scan(int (*cb)(const char *text, void *u), void *u)
{
        _cleanup_free_ char *path = root_path("/dev/kmsg"), *text = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        char *line, *next;
        int r;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISCHR(st.st_mode))
                return scan_device(fd, cb, u);
        if (!S_ISREG(st.st_mode))
                return -EBADF;

        /* A recorded log: a regular file, read whole. */
        r = read_file(path, KMSG_FILE_MAX, &text, NULL);
        if (r < 0)
                return r;
        for (line = text; line && *line; line = next) {
                const char *t;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                t = kmsg_text(line);
                if (t && *t && (r = cb(t, u)) < 0)
                        return r;
        }
        return 0;
}

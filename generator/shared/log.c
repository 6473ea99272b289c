/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *program;
static bool want_kmsg;
static int kmsg_fd = -2; /* -2: not opened yet; -1: standard error */

void log_open(const char *name, bool kmsg)
{
        if (kmsg_fd >= 0)
                close(kmsg_fd);
        kmsg_fd = -2;
        program = name;
        want_kmsg = kmsg;
}

static int log_fd(void)
{
        if (kmsg_fd == -2) {
                _cleanup_free_ char *path = want_kmsg ? root_path("/dev/kmsg") : NULL;

                kmsg_fd = path ? open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC) : -1;
                if (kmsg_fd < 0)
                        kmsg_fd = -1;
        }
        return kmsg_fd;
}

static void write_all(int fd, const char *s, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, s, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                s += n;
                len -= (size_t)n;
        }
}

void log_about(int level, const char *what, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL, *line = NULL, *e_what = NULL, *e_msg = NULL;
        const char *name = program ? program : program_invocation_short_name;
        int saved = errno, fd, r;
        const char *text;
        va_list ap;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0) {
                msg = NULL; /* undefined after a failure */
                errno = saved;
                return;
        }
        fd = log_fd();
        text = printable(msg, &e_msg);
        what = what ? printable(what, &e_what) : NULL;
        if (fd >= 0) /* the "<N>" prefix is the record's level */
                line = strdup_printf("<%d>%s[%d]: %s%s%s\n", level, name, (int)getpid(),
                                     what ? what : "", what ? ": " : "", text);
        else
                line = strdup_printf("%s: %s%s%s\n", name, what ? what : "", what ? ": " : "",
                                     text);
        if (line)
                write_all(fd >= 0 ? fd : STDERR_FILENO, line, strlen(line));
        errno = saved;
}

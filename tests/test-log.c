/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The programs' one logger: where a record goes, how it reads, and that it
 * is written at once. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "testlib.h"

/* Standard error, for the time of a test, as a socket that keeps every
 * write() a packet of its own: what one recv() returns is one write. */
static int capture(int *saved)
{
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
        *saved = dup(STDERR_FILENO);
        assert_int_equal(dup2(sv[0], STDERR_FILENO), STDERR_FILENO);
        close(sv[0]);
        return sv[1];
}

static void release(int saved, int peer)
{
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        close(peer);
}

/* One write() as it came, or "" when there is none. */
static const char *next_write(int peer, char *buf, size_t n)
{
        ssize_t k = recv(peer, buf, n - 1, MSG_DONTWAIT);

        buf[k > 0 ? k : 0] = '\0';
        return buf;
}

static void test_stderr(void **state)
{
        char buf[512];
        int saved, peer = capture(&saved);

        (void)state;
        log_open("gpupt-test", false);
        errno = EXDEV;
        log_msg(LOG_ERR, "cannot read %s: %s", "/etc/x\nfake record", strerror(ENOENT));
        assert_int_equal(errno, EXDEV); /* a message does not change errno */
        assert_string_equal(next_write(peer, buf, sizeof(buf)),
                            "gpupt-test: cannot read /etc/x\\nfake record: No such file or "
                            "directory\n");
        log_about(LOG_INFO, "0000:03:00.0\x1b[2J", "bound to %s", "vfio-pci");
        assert_string_equal(next_write(peer, buf, sizeof(buf)),
                            "gpupt-test: 0000:03:00.0\\x1b[2J: bound to vfio-pci\n");
        assert_string_equal(next_write(peer, buf, sizeof(buf)), "");
        release(saved, peer);
}

static char *slurp(const char *path)
{
        char *text = NULL;

        assert_int_equal(read_file(path, 1 << 20, &text, NULL) >= 0, 1);
        return text;
}

/* Asked for the kernel log: ROOT/dev/kmsg, records in its format with the
 * level and the pid; never created, standard error without it. */
static void test_kmsg(void **state)
{
        char *dir = tl_mkdtemp(), *kmsg, *text, want[256], buf[512];
        int saved, peer;

        (void)state;
        assert_int_equal(root_set(dir), 0);
        kmsg = root_path("/dev/kmsg");
        tl_write(dir, "dev/kmsg", "6,1,2,-;earlier\n");
        peer = capture(&saved);
        log_open("gpupt-generator", true);
        log_msg(3, "Failed to open %s: %s", "x", "y");
        log_about(6, "what", "%d", 1);
        text = slurp(kmsg);
        snprintf(want, sizeof(want),
                 "6,1,2,-;earlier\n<3>gpupt-generator[%d]: Failed to open x: y\n"
                 "<6>gpupt-generator[%d]: what: 1\n", (int)getpid(), (int)getpid());
        assert_string_equal(text, want);
        free(text);
        assert_string_equal(next_write(peer, buf, sizeof(buf)), "");

        unlink(kmsg);
        log_open("gpupt-generator", true);
        log_msg(4, "no kernel log");
        assert_int_equal(access(kmsg, F_OK), -1);
        assert_string_equal(next_write(peer, buf, sizeof(buf)), "gpupt-generator: no kernel log\n");
        release(saved, peer);
        log_open(NULL, false);
        free(kmsg);
        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_stderr),
                cmocka_unit_test(test_kmsg),
        };

        return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}

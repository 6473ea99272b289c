/* SPDX-License-Identifier: GPL-2.0-or-later */
/* peakrss FILE PROGRAM [ARGS...]: runs PROGRAM and writes to FILE the peak
 * resident set of PROGRAM itself in KiB (VmHWM of its address space, read when it exits).
 * getrusage and wait4 cannot say this: ru_maxrss carries over the high-water
 * mark of the process that forked and exec'd it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static long vm_hwm(pid_t pid)
{
        char path[64], line[256];
        long kib = -1;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "VmHWM:", 6) == 0)
                        kib = strtol(line + 6, NULL, 10);
        fclose(f);
        return kib;
}

int main(int argc, char **argv)
{
        long peak = -1;
        int status;
        pid_t pid;
        FILE *out;

        if (argc < 3) {
                fprintf(stderr, "Usage: peakrss FILE PROGRAM [ARGS...]\n");
                return 2;
        }
        pid = fork();
        if (pid < 0)
                return perror("fork"), 1;
        if (pid == 0) {
                ptrace(PTRACE_TRACEME, 0, NULL, NULL);
                execvp(argv[2], argv + 2);
                _exit(127);
        }
        /* the stop at exec, then one at exit, where the address space is still there */
        if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
                return 1;
        ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_TRACEEXIT);
        ptrace(PTRACE_CONT, pid, NULL, NULL);
        for (;;) {
                if (waitpid(pid, &status, 0) < 0)
                        return 1;
                if (WIFEXITED(status) || WIFSIGNALED(status))
                        break;
                if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
                        peak = vm_hwm(pid);
                        ptrace(PTRACE_CONT, pid, NULL, NULL);
                        continue;
                }
                /* pass other signals on */
                ptrace(PTRACE_CONT, pid, NULL,
                       (void *)(long)(WIFSTOPPED(status) ? WSTOPSIG(status) : 0));
        }
        out = fopen(argv[1], "we");
        if (!out || fprintf(out, "%ld\n", peak) < 0 || fclose(out) != 0)
                return perror(argv[1]), 1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

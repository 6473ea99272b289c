/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may steer gpupt. gpupt-apply runs as root before udev and binds,
 * unbinds and resizes what the config names, so the config is as powerful
 * as root: a file that another user owns or that anyone but its owner may
 * write hands that power to them. Like sshd's StrictModes, such a file is
 * refused whole, not read in part. The owner may be root, or the user who
 * runs the command (a recorded machine in someone's home directory is
 * checked by that someone); for root that is the same thing. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "trust.h"
#include "util.h"

/* The account name of uid from ROOT/etc/passwd, for the message only: a
 * name service could talk to another process, which a generator must not. */
static char *user_name(uid_t uid)
{
        _cleanup_free_ char *path = root_path("/etc/passwd"), *text = NULL;
        char *save = NULL;

        if (!path || read_file(path, 1u << 20, &text, NULL) < 0)
                return NULL;
        for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *name = l, *colon = strchr(l, ':'), *id;
                uint64_t v;

                if (!colon || !(id = strchr(colon + 1, ':')))
                        continue;
                *colon = '\0';
                colon = strchr(++id, ':');
                if (colon)
                        *colon = '\0';
                if (parse_u64(id, 10, &v) == 0 && v == uid && *name && string_is_utf8(name) &&
                    !strpbrk(name, "\x1b\r\t "))
                        return strdup(name);
        }
        return NULL;
}

int trust_stat(const struct stat *st, const char *path, char **why)
{
        uid_t me = geteuid();
        bool owner_ok = st->st_uid == 0 || st->st_uid == me;
        /* /dev/null, a terminal: a device given as --config is its own
         * source; who may write to it does not change what is in it. */
        bool mode_ok = S_ISCHR(st->st_mode) || !(st->st_mode & (S_IWGRP | S_IWOTH));
        _cleanup_free_ char *name = NULL, *owners = NULL;

        *why = NULL;
        if (owner_ok && mode_ok)
                return 0;
        name = user_name(st->st_uid);
        owners = me == 0 ? strdup("root") : strdup_printf("root or you (uid %u)", (unsigned)me);
        if (!owners)
                return -ENOMEM;
        *why = strdup_printf(
                "not trusted: owned by uid %u%s%s%s, mode %04o%s; gpupt obeys only a %s owned "
                "by %s that no one else may write, so nothing of the config is applied. "
                "Fix: %s%s%s%s%s%s%s",
                (unsigned)st->st_uid, name ? " (" : "", name ? name : "", name ? ")" : "",
                (unsigned)(st->st_mode & 07777),
                mode_ok ? "" : S_ISDIR(st->st_mode) ? " (group or others may add files)"
                                                    : " (group or others may write it)",
                S_ISDIR(st->st_mode) ? "drop-in directory" : "config file", owners,
                owner_ok ? "" : "chown root:root '", owner_ok ? "" : path, owner_ok ? "" : "'",
                owner_ok || mode_ok ? "" : " && ",
                mode_ok ? "" : "chmod go-w '", mode_ok ? "" : path, mode_ok ? "" : "'");
        return *why ? -EPERM : -ENOMEM;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "mdevdev.h"
#include "sysattr.h"
#include "util.h"

static char *mdevdev_path(const char *uuid, const char *attr)
{
        return strdup_printf("%s/sys/bus/mdev/devices/%s%s%s", root_dir(), uuid, attr ? "/" : "",
                             attr ? attr : "");
}

bool mdevdev_exists(const char *uuid)
{
        _cleanup_free_ char *path = mdevdev_path(uuid, NULL);
        struct stat st;

        /* the device's link itself: what it points to is the mdev core's */
        return path && lstat(path, &st) == 0;
}

int mdevdev_type(const char *uuid, char *buf, size_t size)
{
        _cleanup_free_ char *path = mdevdev_path(uuid, "mdev_type");

        if (!path)
                return -ENOMEM;
        return sysattr_read_link_base(AT_FDCWD, path, buf, size);
}

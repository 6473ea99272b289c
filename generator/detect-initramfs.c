/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs-stale */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "plan.h"
#include "util.h"

/* The image builders' hooks record the hash of the config they packed in
 * /var/lib/gpupt/initramfs-RELEASE.sha256; the running kernel's release
 * names the image the next boot most likely uses. */
int detect_initramfs(struct plan *p)
{
        _cleanup_free_ char *rel_path = root_path("/proc/sys/kernel/osrelease");
        _cleanup_free_ char *record = NULL, *dracut = NULL, *update = NULL;
        char release[256], recorded[80], now[65];
        bool has_update;
        int r;

        if (!rel_path || p->conf->n_files == 0)
                return rel_path ? 0 : -ENOMEM;
        if (read_attr_at(AT_FDCWD, rel_path, release, sizeof(release)) <= 0 ||
            strchr(release, '/'))
                return 0;
        record = strdup_printf("%s/var/lib/gpupt/initramfs-%s.sha256", root_dir(), release);
        update = root_path("/usr/sbin/update-initramfs");
        dracut = root_path("/usr/bin/dracut");
        if (!record || !update || !dracut)
                return -ENOMEM;
        if (read_attr_at(AT_FDCWD, record, recorded, sizeof(recorded)) < 0)
                return 0; /* no image was built with gpupt's hooks */
        r = conf_hash(p->conf, now);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        recorded[strcspn(recorded, " \t")] = '\0';
        if (streq(recorded, now))
                return 0;
        has_update = access(update, X_OK) == 0;
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_INITRAMFS_STALE, NULL, NULL,
                            "the initramfs for %s was built with another version of the config, "
                            "so the early claim follows the old one; rebuild it with %s%s",
                            release,
                            has_update || access(dracut, X_OK) != 0 ? "update-initramfs -u -k "
                                                                    : "dracut -f --kver ",
                            release);
}

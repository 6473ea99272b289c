/* SPDX-License-Identifier: GPL-2.0-or-later */
/* initramfs-stale */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan-steps.h"
#include "util.h"

/* The image the next boot of release most likely loads, where the image
 * builders put it: initramfs-tools' /boot/initrd.img-RELEASE, dracut's
 * /boot/initramfs-RELEASE.img. *ret is NULL when neither is there. */
static int installed_image(const char *release, char **ret)
{
        static const char *const forms[] = { "/boot/initrd.img-%s", "/boot/initramfs-%s.img" };
        struct stat st;

        *ret = NULL;
        for (size_t i = 0; i < ELEMENTSOF(forms); i++) {
                _cleanup_free_ char *image = strdup_printf(forms[i], release), *path = NULL;

                if (!image || !(path = root_path(image)))
                        return -ENOMEM;
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                        *ret = TAKE_PTR(image);
                        return 0;
                }
        }
        return 0;
}

static const char *rebuild_command(const char *update, const char *dracut)
{
        return access(update, X_OK) == 0 || access(dracut, X_OK) != 0 ? "update-initramfs -u -k "
                                                                       : "dracut -f --kver ";
}

/* The image builders' hooks record the hash of the config they packed in
 * /var/lib/gpupt/initramfs-RELEASE.sha256, and only when there is a config
 * (main file or drop-ins) to pack; the running kernel's release names the
 * image the next boot most likely uses. An installed image without a record
 * was built before there was a config (or gpupt): it claims nothing early. */
int detect_initramfs(struct plan *p)
{
        _cleanup_free_ char *record = NULL, *dracut = NULL, *update = NULL;
        char release[KERNEL_RELEASE_MAX], recorded[80], now[65];
        int r;

        if (p->conf->n_files == 0)
                return 0;
        r = kernel_release(release);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        record = strdup_printf("%s/var/lib/gpupt/initramfs-%s.sha256", root_dir(), release);
        update = root_path("/usr/sbin/update-initramfs");
        dracut = root_path("/usr/bin/dracut");
        if (!record || !update || !dracut)
                return -ENOMEM;
        r = read_attr_at(AT_FDCWD, record, recorded, sizeof(recorded));
        if (r == -ENOENT) {
                _cleanup_free_ char *image = NULL;

                r = installed_image(release, &image);
                if (r < 0 || !image)
                        return r; /* no image to judge */
                return plan_problem(p, SEVERITY_WARNING, PROBLEM_INITRAMFS_STALE, NULL, NULL,
                                    "the initramfs for %s (%s) was built without the config (no "
                                    "/var/lib/gpupt/initramfs-%s.sha256 records one), so it "
                                    "claims nothing before host drivers load; rebuild it with "
                                    "%s%s",
                                    release, image, release, rebuild_command(update, dracut),
                                    release);
        }
        if (r < 0)
                return 0; /* a record that cannot be read proves nothing */
        r = conf_hash(p->conf, now);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        recorded[strcspn(recorded, " \t")] = '\0';
        if (streq(recorded, now))
                return 0;
        return plan_problem(p, SEVERITY_WARNING, PROBLEM_INITRAMFS_STALE, NULL, NULL,
                            "the initramfs for %s was built with another version of the config, "
                            "so the early claim follows the old one; rebuild it with %s%s",
                            release, rebuild_command(update, dracut), release);
}

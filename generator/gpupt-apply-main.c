/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-apply: what gpupt's units run. It recomputes the plan from the
 * config and sysfs each time, so it is idempotent and never acts on a
 * stale idea of the machine. */
#include <errno.h>
#include <string.h>

#include "apply.h"
#include "cmdline.h"
#include "conf.h"
#include "host.h"
#include "log.h"
#include "labels.h"
#include "modules.h"
#include "plan-build.h"
#include "record.h"
#include "verify.h"
#include "report.h"
#include "rootdisk.h"
#include "util.h"

/* The controllers of the live system's root file system, for the image build
 * to record: "/" from mountinfo and root= from the command line, united. */
static int root_disk(void)
{
        struct rootdisk_known k;
        struct rootdisk all = { 0 };
        struct kcmdline cmdline = { 0 };
        bool found;
        int r;

        r = cmdline_read(&cmdline);
        if (r == -ENOMEM)
                goto oom;
        /* No host: this writes the record, and does not read the old one. */
        r = rootdisk_known_gather(r == 0 ? cmdline.root : NULL, NULL, &k);
        cmdline_done(&cmdline);
        if (r < 0) {
                rootdisk_known_done(&k);
                goto oom;
        }
        found = !k.mnt_error || !k.cmd_error;
        /* "/" names the disk when both are known, root= adds its controllers */
        if (!k.mnt_error) {
                all = k.mnt;
                k.mnt_error = -ENOENT; /* taken over */
                r = !k.cmd_error ? rootdisk_merge(&all, &k.cmd) : 0;
        } else if (!k.cmd_error) {
                all = k.cmd;
                k.cmd_error = -ENOENT;
        }
        rootdisk_known_done(&k);
        if (r < 0)
                goto oom;
        if (!found)
                log_msg(LOG_ERR, "the root file system is on no disk found here (neither / in "
                        "%s/proc/self/mountinfo nor root= resolves); nothing recorded",
                        root_dir());
        else if (all.n_controllers == 0)
                log_msg(LOG_WARNING, "the root file system (%s) sits on no PCI controller",
                        all.blockdev);
        r = found ? rootdisk_record_print(stdout, &all) : 0;
        rootdisk_done(&all);
        if (r < 0) {
                log_msg(LOG_ERR, "reading the root disk's controllers: %s", strerror(-r));
                return 1;
        }
        return fflush(stdout) == 0 ? 0 : 1;
oom:
        cmdline_done(&cmdline);
        rootdisk_done(&all);
        log_msg(LOG_ERR, "%s", strerror(ENOMEM));
        return 1;
}

/* Every vfio-pci variant of the kernel release (NULL: the running one),
 * less those printed already (seen): what a generic image adds, since the
 * machine it boots may have devices that resolve to any of them. */
static int print_variants(const char *release, const char *const *seen, size_t n_seen)
{
        struct gp_modules *m = NULL;
        char **v = NULL;
        size_t n = 0;
        int r;

        r = modules_open(&m);
        if (r < 0) {
                log_msg(LOG_ERR, "cannot read the module index of %s%s: %s",
                        release ? "kernel " : "the running kernel", release ? release : "",
                        strerror(-r));
                return r;
        }
        r = modules_vfio_variants(m, &v, &n);
        if (r < 0)
                log_msg(LOG_ERR, "listing the vfio-pci variants in %s: %s", modules_dir(m),
                        strerror(-r));
        for (size_t i = 0; r == 0 && i < n; i++) {
                bool dup = false;

                for (size_t j = 0; j < n_seen && !dup; j++)
                        dup = module_name_eq(seen[j], v[i]);
                if (!dup)
                        printf("%s\n", v[i]);
        }
        dir_names_free(v, n);
        modules_free(m);
        return r;
}

/* The driver modules the claims and VFs of this machine take under the
 * kernel release (the one an image is built for; default the running one),
 * "auto" resolved against that kernel's module index: one a line, each
 * once, for the image builders to pack. all_variants adds every vfio-pci
 * variant of that kernel, for an image that is not host-only. */
static int print_modules(const struct conf *conf, const char *release, bool all_variants)
{
        struct host *host = NULL;
        struct plan *plan = NULL;
        const char **seen = NULL;
        size_t n = 0;
        int r, status = 0;

        if (release && (!*release || strchr(release, '/') || *release == '-')) {
                log_msg(LOG_ERR, "\"%s\" is not a kernel release", release);
                return 2;
        }
        r = modules_set_release(release);
        if (r == 0)
                r = host_new(&host);
        if (r == 0)
                r = plan_resolve(conf, host, &plan);
        if (r == 0)
                seen = calloc(plan->n_claims + plan->n_sriovs + 1, sizeof(*seen));
        if (r == 0 && !seen)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < plan->n_claims + plan->n_sriovs; i++) {
                const char *d = i < plan->n_claims ? plan->claims[i].driver
                                                   : plan->sriovs[i - plan->n_claims].vf_driver;
                bool dup = false;

                for (size_t j = 0; d && j < n && !dup; j++)
                        dup = module_name_eq(seen[j], d);
                if (!d || dup)
                        continue;
                seen[n++] = d;
                printf("%s\n", d);
        }
        if (r == 0 && all_variants && print_variants(release, seen, n) < 0)
                status = 1; /* said why */
        free(seen);
        plan_free(plan);
        host_free(host);
        modules_set_release(NULL);
        if (r < 0) {
                log_msg(LOG_ERR, "%s", strerror(-r));
                return 1;
        }
        return fflush(stdout) == 0 ? status : 1;
}

/* labels: the verdict of --verify on this boot, for the cluster. */
static int write_labels(struct plan *plan)
{
        const char *path = NULL;
        int r = plan_verify(plan);

        if (r == 0)
                r = labels_write(plan, &path);
        if (r < 0) {
                fprintf(stderr, "gpupt-apply: cannot write the node labels to %s%s: %s\n",
                        root_dir(), path ? path : "", strerror(-r));
                return 1;
        }
        if (r == 0)
                fprintf(stderr, "gpupt-apply: no node label file: %s\n",
                        path && *path ? "its directory does not exist (node_labels in "
                                        "gpupt.conf(5) asks for it)"
                                      : "node_labels is \"\"");
        else
                fprintf(stderr, "gpupt-apply: node labels written to %s (ready: %s)\n", path,
                        plan_ready(plan) ? "true" : "false");
        return 0;
}

/* Asked for (--help): stdout and 0; a wrong call: stderr and 2. */
static int usage(FILE *out)
{
        fprintf(out, "Usage: gpupt-apply [--root DIR] claim | group N | sriov NAME | "
                     "mdev PARENT | vgpu NAME | labels | modules [--all-variants] [RELEASE] | "
                     "check-config | config-hash | root-disk\n"
                     "       gpupt-apply -h | --help | -V | --version\n"
                     "See gpupt-apply(8).\n");
        return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
        const char *root = secure_getenv("GPUPT_ROOT"), *cmd;
        struct conf_error err = { 0 };
        struct conf *conf = NULL;
        struct host *host = NULL;
        struct plan *plan = NULL;
        enum record_kind unit;
        int i = 1, r, status = 1;

        log_open("gpupt-apply", false);
        /* The options come before the command, in any order: what follows
         * it is a NAME or PARENT, and an entry's name may start with '-'. */
        for (; i < argc && argv[i][0] == '-'; i++) {
                if (streq(argv[i], "--version") || streq(argv[i], "-V")) {
                        printf("gpupt-apply %s\n", GPUPT_VERSION);
                        return fflush(stdout) == 0 ? 0 : 1;
                }
                if (streq(argv[i], "--help") || streq(argv[i], "-h"))
                        return usage(stdout) == 0 && fflush(stdout) == 0 ? 0 : 1;
                if (!streq(argv[i], "--root") || i + 1 >= argc)
                        return usage(stderr);
                root = argv[++i];
        }
        if (i >= argc)
                return usage(stderr);
        cmd = argv[i];
        if (root_set(root) < 0)
                return 1;
        if (root && *root)
                apply_load_module = NULL; /* a recorded machine's kernel is not ours */
        if (streq(cmd, "root-disk")) {
                /* Needs no config: the image build records it regardless. */
                status = i + 1 == argc ? root_disk() : usage(stderr);
                root_set(NULL);
                return status;
        }

        r = conf_load(NULL, &conf, &err);
        if (r == -ENOENT && !err.message) {
                if (!streq(cmd, "check-config"))
                        log_msg(LOG_INFO, "no %s/gpupt.conf, nothing to do", SYSCONFDIR);
                return 0;
        }
        if (r < 0) {
                /* 3: a config nobody should obey, which the image builders
                 * must not pack (packed, every file is root's). */
                status = err.untrusted ? 3 : 1;
                report_config_error_human(stderr, &err);
                log_msg(LOG_ERR, "nothing was applied; fix the config, check it with "
                        "gpupt-check, then reboot");
                conf_error_done(&err);
                return status;
        }
        if (streq(cmd, "check-config")) {
                conf_free(conf);
                return 0;
        }
        if (streq(cmd, "config-hash")) {
                char hash[65];

                r = conf_hash(conf, hash);
                conf_free(conf);
                if (r < 0) {
                        log_msg(LOG_ERR, "reading the config: %s", strerror(-r));
                        return 1;
                }
                printf("%s\n", hash);
                return fflush(stdout) == 0 ? 0 : 1;
        }

        if (streq(cmd, "modules")) {
                bool all = i + 1 < argc && streq(argv[i + 1], "--all-variants");
                int rel = i + 1 + all;

                status = rel + 1 >= argc ? print_modules(conf, rel < argc ? argv[rel] : NULL, all)
                                         : usage(stderr);
                conf_free(conf);
                root_set(NULL);
                return status;
        }
        r = host_new(&host);
        if (r == 0)
                r = plan_build(conf, host, &plan);
        if (r < 0) {
                log_msg(LOG_ERR, "%s", strerror(-r));
                goto out;
        }
        if (streq(cmd, "labels")) {
                /* Also under gpupt=off: the node is then not ready. */
                status = i + 1 == argc ? write_labels(plan) : usage(stderr);
                goto out;
        }
        if (plan->cmdline.gpupt_off) {
                log_msg(LOG_INFO, "gpupt=off on the kernel command line");
                status = 0;
                goto out;
        }
        if (streq(cmd, "claim") && i + 1 == argc) {
                status = apply_claims(plan) ? 1 : 0;
                unit = RECORD_CLAIM;
        } else if (streq(cmd, "group") && i + 2 == argc) {
                int g;

                /* A check of the claims' group, which it carries nothing
                 * out of: the claim's line says what was claimed. */
                if (parse_int(argv[i + 1], &g) < 0 || g < 0) {
                        status = usage(stderr);
                        goto out;
                }
                status = apply_check_group(plan, g);
                goto out;
        } else if (streq(cmd, "sriov") && i + 2 == argc) {
                status = apply_sriov(plan, argv[i + 1]);
                unit = RECORD_SRIOV;
        } else if (streq(cmd, "mdev") && i + 2 == argc) {
                /* The udev rule runs this for every PCI device that registers
                 * with the mdev core. A parent the config names no mdev on is
                 * none of gpupt's business: nothing done, nothing said. */
                if (!apply_mdev_parent_configured(plan, argv[i + 1])) {
                        status = 0;
                        goto out;
                }
                status = apply_mdevs(plan, argv[i + 1]);
                unit = RECORD_MDEV;
        } else if (streq(cmd, "vgpu") && i + 2 == argc) {
                status = apply_vgpu(plan, argv[i + 1]);
                unit = RECORD_VGPU;
        } else {
                status = usage(stderr);
                goto out;
        }
        /* What --verify compares with: this unit carried out this config.
         * Failing to say so fails nothing. */
        r = apply_record(plan, unit, unit == RECORD_CLAIM ? NULL : argv[i + 1], status);
        if (r < 0)
                log_msg(LOG_WARNING, "cannot record the applied config in %s%s: %s, ignoring",
                        root_dir(), RECORD_APPLIED, strerror(-r));
out:
        apply_done();
        plan_free(plan);
        host_free(host);
        conf_free(conf);
        root_set(NULL);
        return status;
}

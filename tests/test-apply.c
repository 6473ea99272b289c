/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-apply's actions on fixture roots, through the kernel double
 * (tests/kernel-double.c), which is as strict as the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "kernel-double.h"
#include "util.h"

static void test_claim_and_again(void **state)
{
        struct world w = { 0 };
        char p[4096];
        unsigned first;

        (void)state;
        open_world(&w, "amd-rebar-igpu");
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 0);
        assert_driver("0000:03:00.0", "vfio-pci");
        assert_driver("0000:03:00.1", "vfio-pci");
        assert_driver("0000:00:02.0", "i915"); /* the iGPU stays */
        /* 8 MiB = 2^3 MiB, as the resource file shows after the resize */
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:03:00.0/resource", w.root);
        {
                char res[1024];

                slurp_all(p, res, sizeof(res));
                assert_non_null(strstr(res, "0x00000000e0000000 0x00000000e07fffff"));
        }
        first = writes;
        assert_true(first > 0);
        unload(&w);

        /* A second run finds everything done and writes nothing. */
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 0);
        assert_int_equal(writes, first);
        close_world(&w);
}

static void test_refusals(void **state)
{
        struct world w = { 0 };

        (void)state;
        /* an impure group: nothing of it is claimed, and the group's unit
         * (not the claim's) is the one that fails */
        open_world(&w, "group-with-nic");
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 0);
        assert_driver("0000:06:00.0", "nouveau");
        assert_int_equal(apply_check_group(w.plan, 5), 1);
        assert_int_equal(writes, 0);
        unload(&w);
        /* with on_impure_group = warn it goes ahead, and the group check passes */
        load(&w, "warn");
        assert_int_equal(apply_claims(w.plan), 0);
        assert_driver("0000:06:00.0", "vfio-pci");
        assert_int_equal(apply_check_group(w.plan, 5), 0);
        close_world(&w);

        /* the root disk's group */
        open_world(&w, "nvme-root-in-group");
        load(&w, NULL);
        assert_true(apply_claims(w.plan) > 0);
        assert_driver("0000:06:00.0", "nvidia");
        assert_driver("0000:06:01.0", "nvme");
        assert_int_equal(writes, 0);
        close_world(&w);

        /* no IOMMU */
        open_world(&w, "iommu-off-intel");
        load(&w, NULL);
        assert_true(apply_claims(w.plan) > 0);
        assert_int_equal(writes, 0);
        close_world(&w);

        /* the boot display is not taken from under the console */
        open_world(&w, "amd-rebar-igpu");
        load(&w, "claim-igpu");
        assert_true(apply_claims(w.plan) > 0);
        assert_driver("0000:00:02.0", "i915");
        close_world(&w);
}

static void test_never_binds(void **state)
{
        struct world w = { 0 };

        (void)state;
        open_world(&w, "amd-rebar-igpu");
        refuse_bdf = "0000:03:00.1";
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 1); /* bounded wait, one failed unit */
        /* the slot is not left split: the function taken first is given back */
        assert_driver("0000:03:00.0", "amdgpu");
        assert_driver("0000:03:00.1", "snd_hda_intel");
        assert_override("0000:03:00.0", "(null)");
        assert_override("0000:03:00.1", "(null)");
        unload(&w);
        /* fixed: a re-run completes the job */
        refuse_bdf = NULL;
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 0);
        assert_driver("0000:03:00.1", "vfio-pci");
        close_world(&w);
}

static void test_sriov_and_mdev(void **state)
{
        struct world w = { 0 };
        char p[4096], buf[32];
        unsigned before;
        struct stat st;

        (void)state;
        open_world(&w, "sriov-gvt");
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", w.root);
        put(p, "2"); /* a different count is set: 0 must come first */
        load(&w, NULL);
        assert_int_equal(apply_sriov(w.plan, "nic0"), 0);
        slurp(p, buf, sizeof(buf));
        assert_string_equal(buf, "4");
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:01:00.0/sriov_drivers_autoprobe",
                 w.root);
        slurp(p, buf, sizeof(buf));
        assert_string_equal(buf, "0");
        /* every VF went to vf_driver */
        assert_driver("0000:01:10.0", "vfio-pci");
        assert_driver("0000:01:10.3", "vfio-pci");
        assert_int_equal(apply_sriov(w.plan, "nope"), 1);
        unload(&w);

        /* a PF without a driver: the bounded wait ends in a failure */
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:01:00.0/driver", w.root);
        assert_int_equal(unlink(p), 0);
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", w.root);
        put(p, "0");
        load(&w, NULL);
        assert_int_equal(apply_sriov(w.plan, "nic0"), 1);
        slurp(p, buf, sizeof(buf));
        assert_string_equal(buf, "0");
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:01:00.0/driver", w.root);
        assert_int_equal(symlink("../../../bus/pci/drivers/i40e", p), 0);
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", w.root);
        put(p, "4");

        /* The udev rule made the first one between this plan and its write:
         * the kernel says EEXIST, and that is success. */
        assert_false(w.plan->mdevs[0].exists);
        tl_mkdir(w.root, "sys/bus/mdev/devices");
        snprintf(p, sizeof(p), "%s/sys/bus/mdev/devices/%s", w.root, w.plan->mdevs[0].entry->uuid);
        assert_int_equal(mkdir(p, 0755), 0);
        assert_int_equal(apply_mdevs(w.plan, "0000:00:02.0"), 0);
        for (size_t i = 0; i < w.plan->n_mdevs; i++) {
                snprintf(p, sizeof(p), "%s/sys/bus/mdev/devices/%s", w.root,
                         w.plan->mdevs[i].entry->uuid);
                assert_int_equal(stat(p, &st), 0);
        }
        unload(&w);
        before = writes;
        load(&w, NULL);
        assert_int_equal(apply_sriov(w.plan, "nic0"), 0);
        assert_int_equal(apply_mdevs(w.plan, "0000:00:02.0"), 0);
        assert_int_equal(writes, before); /* nothing left to do */
        close_world(&w);
}

static int fail_module(const char *name)
{
        (void)name;
        return -ENOENT;
}

static void test_faults(void **state)
{
        static const struct {
                const char *suffix;
                int err;
        } faults[] = {
                { "0000:03:00.1/driver_override", EBUSY },
                { "0000:03:00.1/driver_override", EINVAL },
                { "/resource2_resize", EINVAL },
                { "/drivers_probe", ENODEV },
        };
        struct world w = { 0 };

        (void)state;
        for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
                open_world(&w, "amd-rebar-igpu");
                fault_suffix = faults[i].suffix;
                fault_errno = faults[i].err;
                load(&w, NULL);
                assert_int_equal(apply_claims(w.plan), 1);
                if (ends(faults[i].suffix, "_resize")) {
                        /* the kernel refused the size: claimed with the BAR as it is */
                        assert_driver("0000:03:00.0", "vfio-pci");
                        assert_driver("0000:03:00.1", "vfio-pci");
                } else {
                        /* the unit is given back whole, never split */
                        assert_driver("0000:03:00.0", "amdgpu");
                        assert_driver("0000:03:00.1", "snd_hda_intel");
                }
                unload(&w);
                /* fixed: a re-run completes the job */
                fault_suffix = NULL;
                load(&w, NULL);
                assert_int_equal(apply_claims(w.plan), 0);
                assert_driver("0000:03:00.0", "vfio-pci");
                assert_driver("0000:03:00.1", "vfio-pci");
                close_world(&w);
        }

        /* a device that vanishes between the scan and the write */
        open_world(&w, "amd-rebar-igpu");
        vanish_bdf = "0000:03:00.1";
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 1);
        assert_driver("0000:03:00.0", "amdgpu");
        close_world(&w);

        /* a module that cannot be loaded: nothing is touched, the card keeps
         * its driver, and the failure is counted */
        open_world(&w, "amd-rebar-igpu");
        apply_load_module = fail_module;
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 1); /* one unit */
        assert_int_equal(writes, 0);
        assert_driver("0000:03:00.0", "amdgpu");
        close_world(&w);
}

/* Nothing is written outside the attributes of the devices the config
 * names, their VFs and mdev types, and the bus's drivers_probe. */
static void test_writes_stay_inside(void **state)
{
        static const char *const allowed[] = {
                "/sys/bus/pci/drivers_probe",
                "/sys/bus/pci/devices/0000:03:00.0/",
                "/sys/bus/pci/devices/0000:03:00.1/",
                "/sys/bus/pci/devices/0000:01:00.0/",
                "/sys/bus/pci/devices/0000:01:10.",
                "/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/create",
        };
        const char *scenarios[] = { "amd-rebar-igpu", "sriov-gvt" };
        struct world w = { 0 };

        (void)state;
        for (size_t s = 0; s < 2; s++) {
                open_world(&w, scenarios[s]);
                load(&w, NULL);
                assert_int_equal(apply_claims(w.plan), 0);
                for (size_t i = 0; i < w.plan->n_sriovs; i++)
                        assert_int_equal(apply_sriov(w.plan, w.plan->sriovs[i].entry->name), 0);
                assert_int_equal(apply_mdevs(w.plan, "0000:00:02.0"), 0);
                assert_true(writes > 0 && writes < 256);
                for (unsigned i = 0; i < writes; i++) {
                        const char *rel = written[i] + strlen(w.root);
                        bool ok = false;

                        assert_memory_equal(written[i], w.root, strlen(w.root));
                        for (size_t k = 0; k < sizeof(allowed) / sizeof(allowed[0]) && !ok; k++)
                                ok = strncmp(rel, allowed[k], strlen(allowed[k])) == 0;
                        if (!ok)
                                fail_msg("wrote %s", rel);
                }
                close_world(&w);
        }
}

/* A config file of the test's own in the fixture, for load(). */
static void variant(struct world *w, const char *name, const char *text)
{
        char rel[256];

        snprintf(rel, sizeof(rel), "etc/gpupt-variants/%s.conf", name);
        tl_write(w->root, rel, text);
}

/* The index in written[] of the first write under a device, or -1. */
static int first_write(const char *root, const char *bdf)
{
        char prefix[4096];

        snprintf(prefix, sizeof(prefix), "%s/sys/bus/pci/devices/%s/", root, bdf);
        for (unsigned i = 0; i < writes && i < 256; i++)
                if (strncmp(written[i], prefix, strlen(prefix)) == 0)
                        return (int)i;
        return -1;
}

/* Issue: the unbind came before driver_override, and a failed resize
 * returned in between: a driverless VGA function beside an audio function
 * on vfio-pci. Now the override comes first, and a failed resize still
 * binds the function to its claim driver. */
static void test_failed_resize_still_binds(void **state)
{
        static const struct {
                const char *variant; /* NULL: the fixture's config, BAR 2 to 8 MiB */
                const char *suffix;
                int err;
        } cases[] = {
                { NULL, "/resource2_resize", ENOSPC },      /* no room in the bridge window */
                { "bar-too-big", NULL, 0 },                 /* a size the BAR does not offer */
                { "bar-no-resize", NULL, 0 },               /* a BAR without resourceN_resize */
        };
        struct world w = { 0 };

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int first;

                open_world(&w, "amd-rebar-igpu");
                variant(&w, "bar-too-big",
                        "device \"gpu\" {\n bdf = \"0000:03:00\"\n bar = {\"2:1T\"}\n}\n");
                variant(&w, "bar-no-resize",
                        "device \"gpu\" {\n bdf = \"0000:03:00\"\n bar = {\"4:8M\"}\n}\n");
                fault_suffix = cases[i].suffix;
                fault_errno = cases[i].err;
                load(&w, cases[i].variant);
                assert_int_equal(apply_claims(w.plan), 1); /* the resize is a failure ... */
                assert_driver("0000:03:00.0", "vfio-pci"); /* ... but the card is bound */
                assert_driver("0000:03:00.1", "vfio-pci");
                first = first_write(w.root, "0000:03:00.0");
                assert_true(first >= 0);
                assert_true(ends(written[first], "/driver_override"));
                close_world(&w);
        }
}

/* A claim driver that does not take the device, or a driver that will not
 * let go: the device goes back to the driver it had, never driverless, and
 * its override is cleared so the host driver can have it at the next probe. */
static void test_failure_gives_back(void **state)
{
        struct world w = { 0 };

        (void)state;
        open_world(&w, "amd-rebar-igpu");
        refuse_bdf = "0000:03:00.0";
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 1);
        assert_driver("0000:03:00.0", "amdgpu");
        assert_override("0000:03:00.0", "(null)");
        assert_driver("0000:03:00.1", "snd_hda_intel"); /* never taken: its unit failed */
        assert_override("0000:03:00.1", "(null)");
        close_world(&w);

        open_world(&w, "amd-rebar-igpu");
        refuse_unbind = "0000:03:00.1";
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 1);
        assert_driver("0000:03:00.1", "snd_hda_intel");
        assert_override("0000:03:00.1", "(null)");
        assert_driver("0000:03:00.0", "amdgpu"); /* taken first, given back */
        assert_override("0000:03:00.0", "(null)");
        close_world(&w);
}

/* Issue: the boot display's refusal was per function: at the late claim
 * the boot GPU's VGA function kept nvidia while its audio, USB and UCSI
 * functions went to vfio-pci, lost to the host and useless to a VM. The
 * unit is refused whole, before any write. */
static void test_boot_display_unit(void **state)
{
        static const char *const slot[] = { "0000:03:00.0", "0000:03:00.1", "0000:03:00.2",
                                            "0000:03:00.3" };
        struct world w = { 0 };
        char p[4096], before[4][64];

        (void)state;
        open_world(&w, "boot-framebuffer");
        /* the framebuffer is gone (simpledrm let go), the console's driver holds it */
        snprintf(p, sizeof(p), "%s/proc/iomem", w.root);
        put(p, "00000000-00000fff : Reserved\n");
        for (size_t i = 0; i < ELEMENTSOF(slot); i++)
                bound_to(slot[i], before[i], sizeof(before[i]));
        load(&w, NULL);
        assert_int_equal(apply_claims(w.plan), 1);
        assert_int_equal(writes, 0);
        for (size_t i = 0; i < ELEMENTSOF(slot); i++) {
                char now[64];

                bound_to(slot[i], now, sizeof(now));
                assert_string_equal(now, before[i]);
                assert_override(slot[i], "(null)");
        }
        close_world(&w);
}

/* Issue: "vfio_pci" was accepted and written to driver_override, which the
 * kernel compares with the driver's name "vfio-pci" by strcmp: the device
 * lost its host driver and bound nothing. */
static void test_driver_spelling(void **state)
{
        struct world w = { 0 };

        (void)state;
        open_world(&w, "amd-rebar-igpu");
        variant(&w, "underscore",
                "device \"gpu\" {\n bdf = \"0000:03:00\"\n driver = \"vfio_pci\"\n}\n");
        load(&w, "underscore");
        assert_int_equal(apply_claims(w.plan), 0);
        assert_driver("0000:03:00.0", "vfio-pci");
        assert_driver("0000:03:00.1", "vfio-pci");
        assert_override("0000:03:00.0", "vfio-pci");
        close_world(&w);
        /* a driver no module provides: nothing is touched */
        open_world(&w, "amd-rebar-igpu");
        variant(&w, "nosuch",
                "device \"gpu\" {\n bdf = \"0000:03:00\"\n driver = \"no-such-driver\"\n}\n");
        unloadable = "no-such-driver";
        writes = 0;
        load(&w, "nosuch");
        assert_int_equal(apply_claims(w.plan), 1); /* one unit */
        assert_int_equal(writes, 0);
        assert_driver("0000:03:00.0", "amdgpu");
        close_world(&w);
}

/* Issue: vf_driver's module was never loaded (driver_override loads
 * nothing, udev does not load vfio-pci for a VF), VFs that a host VF driver
 * held were never moved, and every VF waited its own timeout. */
static void test_vf_driver(void **state)
{
        struct world w = { 0 };
        char p[4096], rel[256];

        (void)state;
        /* vfio-pci not loaded, no device claims: apply_sriov loads it */
        open_world(&w, "sriov-gvt");
        variant(&w, "vfs-only",
                "sriov \"nic0\" {\n pf = \"0000:01:00.0\"\n vfs = 4\n vf_driver = \"vfio_pci\"\n}\n");
        snprintf(p, sizeof(p), "%s/sys/bus/pci/drivers/vfio-pci", w.root);
        assert_int_equal(access(p, F_OK), -1);
        load(&w, "vfs-only");
        assert_int_equal(apply_sriov(w.plan, "nic0"), 0);
        assert_vfs(4, "vfio-pci");
        close_world(&w);

        /* VFs that exist already, held by the host's VF driver */
        open_world(&w, "sriov-gvt");
        variant(&w, "vfs-only",
                "sriov \"nic0\" {\n pf = \"0000:01:00.0\"\n vfs = 4\n vf_driver = \"vfio-pci\"\n}\n");
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs", w.root);
        assert_int_equal(kernel_write(p, "4"), 0);
        tl_mkdir(w.root, "sys/bus/pci/drivers/iavf");
        for (unsigned i = 0; i < 4; i++) {
                snprintf(rel, sizeof(rel), "0000:01:10.%u", i);
                kd_bind(rel, "iavf");
        }
        load(&w, "vfs-only");
        assert_int_equal(apply_sriov(w.plan, "nic0"), 0);
        assert_vfs(4, "vfio-pci");
        close_world(&w);

        /* a VF driver that takes none of them: one bounded wait for all */
        open_world(&w, "sriov-gvt");
        variant(&w, "vfs-only",
                "sriov \"nic0\" {\n pf = \"0000:01:00.0\"\n vfs = 4\n vf_driver = \"vfio-pci\"\n}\n");
        refuse_bdf = "0000:01:10.";
        load(&w, "vfs-only");
        apply_waited_ms = 0;
        assert_int_equal(apply_sriov(w.plan, "nic0"), 1);
        assert_true(apply_waited_ms <= apply_wait_ms + 20);
        close_world(&w);
}

/* What apply_mdevs() wrote to stderr (where report() writes), into buf. */
static int mdevs_capturing(const struct plan *p, const char *parent, char *buf, size_t n)
{
        char path[4096];
        int saved = dup(STDERR_FILENO), fd, r;

        snprintf(path, sizeof(path), "%s/stderr.log", root_dir());
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(saved >= 0 && fd >= 0);
        assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
        close(fd);
        r = apply_mdevs(p, parent);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        slurp_all(path, buf, n);
        unlink(path);
        return r;
}

static void assert_mdevs(const struct plan *p, bool made)
{
        char path[4096];

        for (size_t i = 0; i < p->n_mdevs; i++) {
                snprintf(path, sizeof(path), "%s/sys/bus/mdev/devices/%s", root_dir(),
                         p->mdevs[i].entry->uuid);
                assert_int_equal(access(path, F_OK) == 0, made);
        }
}

/* The parent is not registered with the mdev core when the boot unit runs
 * (its driver is still loading): the unit waits, bounded, then leaves the
 * mdevs to the udev rule and succeeds, saying so in one line. */
static void test_mdev_parent_not_registered(void **state)
{
        struct world w = { 0 };
        char link[4096], parked[4096], msg[4096];

        (void)state;
        open_world(&w, "sriov-gvt");
        snprintf(link, sizeof(link), "%s/sys/class/mdev_bus/0000:00:02.0", w.root);
        snprintf(parked, sizeof(parked), "%s/parked-mdev-parent", w.root);
        assert_int_equal(rename(link, parked), 0);
        load(&w, NULL);
        apply_mdev_wait_ms = 200;
        apply_waited_ms = 0;
        assert_int_equal(mdevs_capturing(w.plan, "0000:00:02.0", msg, sizeof(msg)), 0);
        assert_true(apply_waited_ms >= 200 && apply_waited_ms <= 220); /* it waited, bounded */
        assert_non_null(strstr(msg, "gpupt-apply: 0000:00:02.0: not registered with the mdev "
                                    "core after 200 ms"));
        assert_non_null(strstr(msg, "the udev rule (90-gpupt-mdev.rules) creates the mdevs of "
                                    "gvt-a, gvt-b when it registers\n"));
        assert_ptr_equal(strchr(msg, '\n'), msg + strlen(msg) - 1); /* one line */
        assert_int_equal(writes, 0);
        assert_mdevs(w.plan, false);
        unload(&w);

        /* it registers later: what the udev rule runs then makes them */
        assert_int_equal(rename(parked, link), 0);
        load(&w, NULL);
        assert_int_equal(apply_mdevs(w.plan, "0000:00:02.0"), 0);
        assert_mdevs(w.plan, true);
        unload(&w);

        /* a parent not in the config: nothing to wait for */
        load(&w, NULL);
        apply_mdev_wait_ms = 60000;
        apply_waited_ms = 0;
        assert_int_equal(apply_mdevs(w.plan, "mtty"), 0);
        assert_int_equal(apply_waited_ms, 0);
        close_world(&w);
}

/* The parent registers while the unit waits: the mdevs are made. */
static void test_mdev_parent_registers_during_wait(void **state)
{
        struct world w = { 0 };
        char link[4096], parked[4096];
        pid_t pid;
        int status;

        (void)state;
        open_world(&w, "sriov-gvt");
        snprintf(link, sizeof(link), "%s/sys/class/mdev_bus/0000:00:02.0", w.root);
        snprintf(parked, sizeof(parked), "%s/parked-mdev-parent", w.root);
        assert_int_equal(rename(link, parked), 0);
        load(&w, NULL);
        apply_mdev_wait_ms = 10000;
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* the driver, registering the parent a moment later */
                struct timespec ts = { .tv_sec = 0, .tv_nsec = 150 * 1000000L };

                nanosleep(&ts, NULL);
                _exit(rename(parked, link) == 0 ? 0 : 1);
        }
        apply_waited_ms = 0;
        assert_int_equal(apply_mdevs(w.plan, "0000:00:02.0"), 0);
        assert_true(apply_waited_ms < apply_mdev_wait_ms); /* it stopped waiting when it came */
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_mdevs(w.plan, true);
        close_world(&w);
}

/* Where the mdev truly cannot be made, the unit still fails, at once. */
static void test_mdev_real_failures(void **state)
{
        struct world w = { 0 };
        char msg[4096];

        (void)state;
        /* the parent is registered but lacks the type */
        open_world(&w, "sriov-gvt");
        apply_mdev_wait_ms = 60000;
        load(&w, "mdev-bad-type");
        apply_waited_ms = 0;
        assert_int_equal(mdevs_capturing(w.plan, "0000:00:02.0", msg, sizeof(msg)), 1);
        assert_int_equal(apply_waited_ms, 0);
        assert_non_null(strstr(msg, "(the parent offers no such type)"));
        assert_string_equal(w.plan->mdevs[0].entry->type, "i915-GVTg_V5_1");
        {
                char path[4096];

                snprintf(path, sizeof(path), "%s/sys/bus/mdev/devices/%s", w.root,
                         w.plan->mdevs[0].entry->uuid);
                assert_true(access(path, F_OK) < 0);
        }
        close_world(&w);

        /* the kernel refuses the create */
        open_world(&w, "sriov-gvt");
        apply_mdev_wait_ms = 60000;
        fault_suffix = "/create";
        fault_errno = ENOSPC;
        load(&w, NULL);
        assert_int_equal(mdevs_capturing(w.plan, "0000:00:02.0", msg, sizeof(msg)), 1);
        assert_non_null(strstr(msg, "(no instance left)"));
        assert_mdevs(w.plan, false);
        close_world(&w);
}

/* Before udev coldplug no block device shows the root disk, and root=
 * resolves to nothing: the NVMe controller claimed by ids with its group must
 * still never get vfio-pci, unless the entry says it never holds the root. */
static void test_root_disk_precoldplug(void **state)
{
        static const struct {
                const char *scenario, *variant;
        } refused[] = {
                { "nvme-root-precoldplug", NULL },       /* knowing nothing */
                { "nvme-root-stale-record", NULL },      /* a record of other hardware */
                { "nvme-root-recorded", NULL },          /* the image build's record */
                { "nvme-root-recorded", "allow-storage" }, /* which the key cannot override */
        };
        struct world w = { 0 };

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                open_world(&w, refused[i].scenario);
                load(&w, refused[i].variant);
                assert_int_equal(w.plan->n_claims, 2);
                assert_true(apply_claims(w.plan) > 0);
                for (unsigned k = 0; k < writes && k < 256; k++)
                        if (strstr(written[k], "0000:06:01.0"))
                                fail_msg("%s: wrote %s", refused[i].scenario, written[k]);
                assert_int_equal(writes, 0); /* its group mate waits with it */
                assert_driver("0000:06:01.0", NULL);
                assert_driver("0000:06:00.0", "nvidia");
                close_world(&w);
        }

        /* allow_storage = true: the admin says it is not the root disk */
        open_world(&w, "nvme-root-precoldplug");
        load(&w, "allow-storage");
        assert_int_equal(apply_claims(w.plan), 0);
        assert_driver("0000:06:01.0", "vfio-pci");
        assert_driver("0000:06:00.0", "vfio-pci");
        close_world(&w);
}

/* The index in written[] of the first write to a path ending so, or -1. */
static int first_write_to(const char *suffix)
{
        for (unsigned k = 0; k < writes && k < 256; k++)
                if (ends(written[k], suffix))
                        return (int)k;
        return -1;
}

static void assert_reset_method(const char *bdf, const char *want)
{
        char p[4096], buf[256];

        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/reset_method", root_dir(), bdf);
        slurp(p, buf, sizeof(buf));
        assert_string_equal(buf, want);
}

static void assert_vgpu_type(const char *vf, const char *want)
{
        char p[4096], buf[32];

        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/nvidia/current_vgpu_type", root_dir(),
                 vf);
        slurp(p, buf, sizeof(buf));
        assert_string_equal(buf, want);
}

/* reset_method = "device_specific" is written before anything else of the
 * claim, to that function only, and a second run writes nothing. */
static void test_reset_method_written(void **state)
{
        struct world w = { 0 };
        unsigned first;

        (void)state;
        open_world(&w, "reset-methods");
        load(&w, "device-specific");
        assert_true(plan_ready(w.plan));
        assert_int_equal(apply_claims(w.plan), 0);
        assert_driver("0000:05:00.0", "vfio-pci");
        assert_driver("0000:05:00.1", "vfio-pci");
        assert_reset_method("0000:05:00.0", "device_specific");
        assert_reset_method("0000:05:00.1", "flr"); /* its entry names no method */
        assert_true(first_write_to("0000:05:00.0/reset_method") >= 0);
        assert_true(first_write_to("0000:05:00.0/reset_method") <
                    first_write_to("0000:05:00.0/driver_override"));
        assert_int_equal(first_write_to("0000:05:00.1/reset_method"), -1);
        first = writes;
        unload(&w);
        load(&w, "device-specific");
        assert_int_equal(apply_claims(w.plan), 0);
        assert_int_equal(writes, first);
        close_world(&w);

        /* bound by the initramfs of an older config: the method is still set */
        open_world(&w, "reset-methods");
        load_double("vfio_pci");
        kd_bind("0000:05:00.0", "vfio-pci");
        load(&w, "device-specific");
        assert_int_equal(apply_claims(w.plan), 0);
        assert_reset_method("0000:05:00.0", "device_specific");
        assert_driver("0000:05:00.0", "vfio-pci");
        close_world(&w);
}

/* A method the function lacks (the double refuses it as the kernel does), a
 * failing write, an absent attribute: the function keeps its own driver,
 * with driver_override untouched. */
static void test_reset_method_refused(void **state)
{
        static const struct {
                const char *variant, *bdf, *driver, *fault, *reset_after;
        } cases[] = {
                { "flr-missing", "0000:05:00.0", "amdgpu", NULL, "device_specific bus" },
                { "device-specific", "0000:05:00.0", "amdgpu", "0000:05:00.0/reset_method",
                  "device_specific bus" },
                { "none-offered", "0000:03:00.0", "amdgpu", NULL, NULL },
        };
        struct world w = { 0 };

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char over[128];

                open_world(&w, "reset-methods");
                fault_suffix = cases[i].fault;
                fault_errno = EIO;
                load(&w, cases[i].variant);
                assert_true(apply_claims(w.plan) >= 1);
                assert_driver(cases[i].bdf, cases[i].driver);
                assert_override(cases[i].bdf, "(null)");
                snprintf(over, sizeof(over), "%s/driver_override", cases[i].bdf);
                assert_int_equal(first_write_to(over), -1);
                if (cases[i].reset_after)
                        assert_reset_method(cases[i].bdf, cases[i].reset_after);
                close_world(&w);
        }
}

/* vgpu NAME: the planned VFs get the type id, the VF holding another type
 * is never written, and a second run writes nothing. */
static void test_vgpu_types(void **state)
{
        struct world w = { 0 };
        unsigned before;

        (void)state;
        open_world(&w, "vgpu-l40s");
        apply_vgpu_wait_ms = 100;
        load(&w, NULL);
        assert_int_equal(apply_vgpu(w.plan, "vm-a"), 0);
        assert_int_equal(apply_vgpu(w.plan, "vm-b"), 0);
        assert_vgpu_type("0000:41:00.4", "1155");
        assert_vgpu_type("0000:41:00.5", "1155");
        assert_vgpu_type("0000:41:00.6", "1156");
        assert_vgpu_type("0000:41:00.7", "1157");
        for (unsigned i = 0; i < writes && i < 256; i++)
                assert_null(strstr(written[i], "0000:41:00.7"));
        assert_int_equal(writes, 3);
        unload(&w);
        load(&w, NULL);
        before = writes;
        assert_int_equal(apply_vgpu(w.plan, "vm-a"), 0);
        assert_int_equal(apply_vgpu(w.plan, "vm-b"), 0);
        assert_int_equal(writes, before);
        assert_int_equal(apply_vgpu(w.plan, "no-such-entry"), 1);
        close_world(&w);
}

/* A VF whose nvidia/ directory never comes: one bounded wait, then the
 * plan takes the VFs that are ready; a type no VF offers fails loudly and
 * writes nothing. */
static void test_vgpu_wait_and_refusal(void **state)
{
        struct world w = { 0 };
        char cmd[4096];

        (void)state;
        open_world(&w, "vgpu-l40s");
        apply_vgpu_wait_ms = 100;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys/bus/pci/devices/0000:41:00.5/nvidia'",
                 root_dir());
        assert_int_equal(system(cmd), 0);
        load(&w, NULL);
        assert_int_equal(apply_vgpu(w.plan, "vm-a"), 0);
        assert_true(apply_waited_ms >= 100 && apply_waited_ms < 300);
        assert_vgpu_type("0000:41:00.4", "1155");
        assert_vgpu_type("0000:41:00.6", "1155");
        assert_int_equal(apply_vgpu(w.plan, "vm-b"), 1); /* no free VF left for it */
        assert_int_equal(writes, 2);
        unload(&w);
        writes = 0;
        load(&w, "bad-type");
        assert_int_equal(apply_vgpu(w.plan, "vm-a"), 1);
        assert_int_equal(writes, 0);
        close_world(&w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_claim_and_again),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_never_binds),
                cmocka_unit_test(test_sriov_and_mdev),
                cmocka_unit_test(test_faults),
                cmocka_unit_test(test_writes_stay_inside),
                cmocka_unit_test(test_failed_resize_still_binds),
                cmocka_unit_test(test_failure_gives_back),
                cmocka_unit_test(test_boot_display_unit),
                cmocka_unit_test(test_driver_spelling),
                cmocka_unit_test(test_vf_driver),
                cmocka_unit_test(test_root_disk_precoldplug),
                cmocka_unit_test(test_mdev_parent_not_registered),
                cmocka_unit_test(test_mdev_parent_registers_during_wait),
                cmocka_unit_test(test_mdev_real_failures),
                cmocka_unit_test(test_reset_method_written),
                cmocka_unit_test(test_reset_method_refused),
                cmocka_unit_test(test_vgpu_types),
                cmocka_unit_test(test_vgpu_wait_and_refusal),
        };

        log_open("gpupt-apply", false); /* as its main does */
        return cmocka_run_group_tests_name("apply", tests, NULL, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-apply's actions on fixture roots, with a double of the kernel's side
 * of sysfs that is as strict as the kernel (Documentation/ABI/testing/
 * sysfs-bus-pci and the PCI core):
 * - driver_override only records a name ("" clears it to "(null)"); it
 *   binds nothing and loads no module;
 * - drivers_probe attaches an unbound device only, to a registered driver
 *   only: the one driver_override names (compared by strcmp), or with no
 *   override the device's own driver, if that is loaded;
 * - loading a module registers its driver (vfio_pci registers "vfio-pci");
 * - unbind can be refused; a resize fails with EBUSY while a driver is
 *   bound, with EINVAL for a size the BAR does not offer, and can run out
 *   of space (ENOSPC);
 * - sriov_numvfs needs a PF driver and goes through 0; VFs appear as
 *   functions 0000:01:10.N with virtfnN links;
 * - an mdev create makes the device, once; its attribute is not there (ENOENT)
 *   while the parent is not registered or lacks the type. */
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
#include "testlib.h"
#include "util.h"

static unsigned writes;
static const char *refuse_bdf;   /* the override's driver "fails to probe" this one */
static const char *refuse_unbind; /* the driver refuses to let this one go */
static const char *fault_suffix; /* a write to a path ending so fails ... */
static int fault_errno;          /* ... with this */
static const char *vanish_bdf;   /* this device disappears at its first write */
static const char *unloadable;   /* this module cannot be loaded */
static char written[256][512];   /* every path written, for the guarantees */
static char native[64][2][64];   /* each device's own driver when the test began */
static unsigned n_native;

static void put(const char *path, const char *value)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fprintf(f, "%s\n", value);
        fclose(f);
}


static void slurp_all(const char *path, char *buf, size_t n)
{
        FILE *f = fopen(path, "re");
        size_t k;

        assert_non_null(f);
        k = fread(buf, 1, n - 1, f);
        fclose(f);
        buf[k] = '\0';
}

/* The first line of a file, as a sysfs attribute reads. */
static void slurp(const char *path, char *buf, size_t n)
{
        slurp_all(path, buf, n);
        buf[strcspn(buf, "\n")] = '\0';
}

static bool ends(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

static bool exists(const char *fmt, const char *a)
{
        char p[4096];

        snprintf(p, sizeof(p), fmt, root_dir(), a);
        return access(p, F_OK) == 0;
}

/* The driver a device is bound to now, "" when none. */
static void bound_to(const char *bdf, char *buf, size_t n)
{
        char p[4096], target[4096];
        ssize_t k;

        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/driver", root_dir(), bdf);
        k = readlink(p, target, sizeof(target) - 1);
        if (k < 0) {
                *buf = '\0';
                return;
        }
        target[k] = '\0';
        snprintf(buf, n, "%s", strrchr(target, '/') + 1);
}

static void bind(const char *bdf, const char *driver)
{
        char p[4096], target[256];

        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/driver", root_dir(), bdf);
        snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
        unlink(p);
        assert_int_equal(symlink(target, p), 0);
}

/* What the fixture's devices were bound to: the driver each goes back to. */
static void remember_native(void)
{
        char p[4096];
        FILE *f;

        n_native = 0;
        snprintf(p, sizeof(p), "ls '%s/sys/bus/pci/devices'", root_dir());
        f = popen(p, "re");
        assert_non_null(f);
        while (n_native < 64 && fgets(native[n_native][0], sizeof(native[0][0]), f)) {
                native[n_native][0][strcspn(native[n_native][0], "\n")] = '\0';
                bound_to(native[n_native][0], native[n_native][1], sizeof(native[0][1]));
                if (*native[n_native][1])
                        n_native++;
        }
        pclose(f);
}

static const char *native_of(const char *bdf)
{
        for (unsigned i = 0; i < n_native; i++)
                if (streq(native[i][0], bdf))
                        return native[i][1];
        return NULL;
}

/* modprobe: the module registers its PCI driver under the driver's name. */
static int load_double(const char *name)
{
        char rel[256];

        if (unloadable && streq(name, unloadable))
                return -ENOENT;
        if (streq(name, "vfio_iommu_type1") || streq(name, "vfio_virqfd"))
                return 0;
        snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s",
                 streq(name, "vfio_pci") || streq(name, "vfio-pci") ? "vfio-pci" : name);
        tl_mkdir(root_dir(), rel);
        return 0;
}

/* sriov_numvfs: VFs appear as functions 0000:01:10.N with virtfnN links. */
static void make_vfs(const char *numvfs_path, int n)
{
        char pf[2048], p[4096], rel[512];

        snprintf(pf, sizeof(pf), "%.*s", (int)(strlen(numvfs_path) - strlen("/sriov_numvfs")),
                 numvfs_path);
        assert_true(n >= 0 && n <= 8);
        for (unsigned i = 0; i < (unsigned)n && i < 8; i++) {
                char bdf[32];

                snprintf(bdf, sizeof(bdf), "0000:01:10.%u", i);
                snprintf(rel, sizeof(rel), "sys/devices/vf/%s/uevent", bdf);
                tl_write(root_dir(), rel,
                         "PCI_CLASS=20000\nPCI_ID=8086:154C\nPCI_SUBSYS_ID=8086:0000\n"
                         "MODALIAS=pci:v00008086d0000154Csv00008086sd00000000bc02sc00i00\n");
                snprintf(rel, sizeof(rel), "sys/devices/vf/%s/driver_override", bdf);
                tl_write(root_dir(), rel, "(null)\n");
                snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", bdf);
                snprintf(p, sizeof(p), "%s/%s", root_dir(), rel);
                if (access(p, F_OK) < 0) {
                        char target[256];

                        snprintf(target, sizeof(target), "../../../devices/vf/%s", bdf);
                        tl_symlink(root_dir(), rel, target);
                }
                snprintf(p, sizeof(p), "%s/virtfn%u", pf, i);
                unlink(p);
                snprintf(rel, sizeof(rel), "%s/sys/devices/vf/%s", root_dir(), bdf);
                assert_int_equal(symlink(rel, p), 0);
        }
}

static int probe_double(const char *bdf)
{
        char p[4096], over[64], now[64];
        const char *drv;

        if (!exists("%s/sys/bus/pci/devices/%s", bdf))
                return -ENODEV;
        bound_to(bdf, now, sizeof(now));
        if (*now)
                return 0; /* a bound device is left alone */
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/driver_override", root_dir(), bdf);
        slurp(p, over, sizeof(over));
        drv = streq(over, "(null)") ? native_of(bdf) : over;
        if (!drv || (refuse_bdf && strncmp(bdf, refuse_bdf, strlen(refuse_bdf)) == 0 &&
                     !streq(over, "(null)")))
                return 0; /* no driver takes it */
        if (!exists("%s/sys/bus/pci/drivers/%s", drv))
                return 0; /* not registered: nothing loads it for an override */
        bind(bdf, drv);
        return 0;
}

/* drivers/NAME/bind: a registered driver takes an unbound device whose
 * override is cleared or names it; anything else is refused. */
static int bind_double(const char *path, const char *bdf)
{
        char drv[256], p[4096], over[64], now[64];
        const char *slash = strrchr(path, '/'), *name;

        snprintf(p, sizeof(p), "%.*s", (int)(slash - path), path);
        name = strrchr(p, '/') + 1;
        snprintf(drv, sizeof(drv), "%s", name);
        if (access(p, F_OK) < 0)
                return -ENOENT; /* no such driver registered */
        if (!exists("%s/sys/bus/pci/devices/%s", bdf))
                return -ENODEV;
        bound_to(bdf, now, sizeof(now));
        if (*now)
                return -EBUSY;
        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/driver_override", root_dir(), bdf);
        slurp(p, over, sizeof(over));
        if (!streq(over, "(null)") && !streq(over, drv))
                return -ENODEV; /* the override keeps every other driver off */
        if (refuse_bdf && strncmp(bdf, refuse_bdf, strlen(refuse_bdf)) == 0 &&
            !streq(over, "(null)"))
                return -ENODEV;
        bind(bdf, drv);
        return 0;
}

static int resize_double(const char *path, const char *value)
{
        const char *n = strstr(path, "/resource") + strlen("/resource");
        unsigned bar = (unsigned)(*n - '0');
        unsigned long long size = (1ULL << atoi(value)) << 20, mask;
        char dev[3900], res[4096], drv[4096], buf[64], lines[6][128] = { { 0 } };
        FILE *f;

        assert_true((size_t)(n - path) < sizeof(dev));
        snprintf(dev, sizeof(dev), "%.*s", (int)(n - path - strlen("/resource")), path);
        snprintf(drv, sizeof(drv), "%s/driver", dev);
        if (access(path, F_OK) < 0)
                return -errno;
        if (access(drv, F_OK) == 0)
                return -EBUSY;
        slurp(path, buf, sizeof(buf));
        mask = strtoull(buf, NULL, 16);
        if (atoi(value) < 0 || atoi(value) > 40 || !(mask & (1ULL << atoi(value))))
                return -EINVAL;
        snprintf(res, sizeof(res), "%s/resource", dev);
        for (unsigned i = 0; i < 6; i++)
                snprintf(lines[i], sizeof(lines[i]), "0x%016x 0x%016x 0x%016x", 0, 0, 0);
        f = fopen(res, "re");
        assert_non_null(f);
        for (unsigned i = 0; i < 6 && fgets(lines[i], sizeof(lines[i]), f); i++)
                lines[i][strcspn(lines[i], "\n")] = '\0';
        fclose(f);
        snprintf(lines[bar], sizeof(lines[bar]), "0x%016llx 0x%016llx 0x%016x", 0xe0000000ULL,
                 0xe0000000ULL + size - 1, 0x14220c);
        f = fopen(res, "we");
        assert_non_null(f);
        for (unsigned i = 0; i < 6; i++)
                fprintf(f, "%s\n", lines[i]);
        fclose(f);
        return 0; /* the attribute still reads the sizes offered */
}

/* reset_method (Linux 5.15+, drivers/pci/pci.c): no attribute where the
 * function has no method; "" turns all off, "default" turns all on again;
 * otherwise every name must be a method the device has (what the attribute
 * read before any write: the double's record of the hardware), or nothing
 * changes and the write fails with EINVAL. */
static char reset_paths[16][1024], reset_offered[16][256];
static unsigned n_reset;

static int reset_method_double(const char *path, const char *value)
{
        char v[256], *save = NULL, *w;
        const char *offered = NULL;

        if (access(path, F_OK) < 0)
                return -errno;
        for (unsigned i = 0; i < n_reset && !offered; i++)
                if (streq(reset_paths[i], path))
                        offered = reset_offered[i];
        if (!offered) {
                assert_true(n_reset < 16);
                snprintf(reset_paths[n_reset], sizeof(reset_paths[0]), "%s", path);
                slurp(path, reset_offered[n_reset], sizeof(reset_offered[0]));
                offered = reset_offered[n_reset++];
        }
        snprintf(v, sizeof(v), "%s", value);
        v[strcspn(v, "\n")] = '\0';
        if (streq(v, "default")) {
                put(path, offered);
                return 0;
        }
        for (w = strtok_r(v, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                char have[256], *s2 = NULL, *h;
                bool found = false;

                snprintf(have, sizeof(have), "%s", offered);
                for (h = strtok_r(have, " ", &s2); h && !found; h = strtok_r(NULL, " ", &s2))
                        found = streq(h, w);
                if (!found)
                        return -EINVAL;
        }
        put(path, value);
        return 0;
}

/* NVIDIA's vGPU manager (vGPU 17+): a VF takes a type id only from its
 * creatable_vgpu_types and only while it holds none ("0"); a VF without
 * nvidia/ has no such attribute. */
static int vgpu_type_double(const char *path, const char *value)
{
        char now[32], dir[4096], types[4096], line[64];
        long id;
        char *end;

        if (access(path, F_OK) < 0)
                return -errno;
        id = strtol(value, &end, 10);
        if (end == value || *end || id < 0)
                return -EINVAL;
        slurp(path, now, sizeof(now));
        if (id == 0) {
                put(path, "0");
                return 0;
        }
        if (!streq(now, "0"))
                return -EBUSY;
        snprintf(dir, sizeof(dir), "%.*s/creatable_vgpu_types",
                 (int)(strlen(path) - strlen("/current_vgpu_type")), path);
        slurp_all(dir, types, sizeof(types));
        snprintf(line, sizeof(line), "\n%ld ", id);
        if (!strstr(types, line))
                return -EINVAL;
        put(path, value);
        return 0;
}

static int kernel_write(const char *path, const char *value)
{
        char p[4096];

        if (writes < 256)
                snprintf(written[writes], sizeof(written[writes]), "%s", path);
        writes++;
        if (fault_suffix && ends(path, fault_suffix))
                return -fault_errno;
        if (vanish_bdf && strstr(path, vanish_bdf)) {
                char cmd[4096];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s/sys/bus/pci/devices/%s/' '%s/sys/bus/pci/devices/%s'",
                         root_dir(), vanish_bdf, root_dir(), vanish_bdf);
                assert_int_equal(system(cmd), 0);
                vanish_bdf = NULL;
                return -ENODEV;
        }
        if (ends(path, "/drivers_probe"))
                return probe_double(value);
        if (ends(path, "/bind"))
                return bind_double(path, value);
        if (ends(path, "/driver/unbind")) {
                if (refuse_unbind && strstr(path, refuse_unbind))
                        return -EBUSY;
                snprintf(p, sizeof(p), "%.*s", (int)(strlen(path) - strlen("/unbind")), path);
                return unlink(p) < 0 ? -errno : 0;
        }
        if (ends(path, "/driver_override")) {
                if (access(path, F_OK) < 0)
                        return -errno;
                put(path, streq(value, "") || streq(value, "\n") ? "(null)" : value);
                return 0;
        }
        if (ends(path, "/sriov_numvfs")) {
                char now[32], drv[4096];

                snprintf(drv, sizeof(drv), "%.*s/driver", (int)(strlen(path) - strlen("/sriov_numvfs")),
                         path);
                if (access(drv, F_OK) < 0)
                        return -ENOENT; /* "no driver bound to device; cannot configure SR-IOV" */
                slurp(path, now, sizeof(now));
                if (!streq(now, "0") && !streq(value, "0"))
                        return -EBUSY;
                make_vfs(path, atoi(value));
        }
        if (strstr(path, "_resize") && ends(path, "_resize"))
                return resize_double(path, value);
        if (ends(path, "/reset_method"))
                return reset_method_double(path, value);
        if (ends(path, "/create")) {
                /* no such attribute: the parent is not registered, or lacks the type */
                if (access(path, F_OK) < 0)
                        return -errno;
                snprintf(p, sizeof(p), "%s/sys/bus/mdev/devices", root_dir());
                tl_mkdir(root_dir(), "sys/bus/mdev/devices");
                snprintf(p + strlen(p), sizeof(p) - strlen(p), "/%s", value);
                return mkdir(p, 0755) < 0 ? -errno : 0;
        }
        if (ends(path, "/nvidia/current_vgpu_type"))
                return vgpu_type_double(path, value);
        if (access(path, F_OK) < 0)
                return -errno;
        put(path, value);
        return 0;
}

struct world {
        char *root;
        struct conf *conf;
        struct host *host;
        struct plan *plan;
};

static void load(struct world *w, const char *variant)
{
        struct conf_error err = { 0 };
        char path[4096];

        if (variant)
                snprintf(path, sizeof(path), "%s/etc/gpupt-variants/%s.conf", w->root, variant);
        assert_int_equal(conf_load(variant ? path : NULL, &w->conf, &err), 0);
        assert_int_equal(host_new(&w->host), 0);
        assert_int_equal(plan_build(w->conf, w->host, &w->plan), 0);
}

static void unload(struct world *w)
{
        plan_free(w->plan);
        host_free(w->host);
        conf_free(w->conf);
        w->plan = NULL;
        w->host = NULL;
        w->conf = NULL;
}

static void open_world(struct world *w, const char *scenario)
{
        w->root = tl_fixture(scenario);
        assert_int_equal(root_set(w->root), 0);
        remember_native();
        apply_write = kernel_write;
        apply_load_module = load_double;
        apply_wait_ms = 100;
        apply_mdev_wait_ms = 100;
        apply_waited_ms = 0;
        writes = 0;
        refuse_bdf = NULL;
        refuse_unbind = NULL;
        unloadable = NULL;
        fault_suffix = NULL;
        vanish_bdf = NULL;
        n_reset = 0;
}

static void close_world(struct world *w)
{
        unload(w);
        root_set(NULL);
        tl_rmfixture(w->root);
}

static void assert_driver(const char *bdf, const char *want)
{
        char p[4096], target[4096];
        ssize_t n;

        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/driver", root_dir(), bdf);
        n = readlink(p, target, sizeof(target) - 1);
        if (!want) {
                assert_true(n < 0);
                return;
        }
        assert_true(n > 0);
        target[n] = '\0';
        assert_string_equal(strrchr(target, '/') + 1, want);
}

/* What driver_override reads now. */
static void assert_override(const char *bdf, const char *want)
{
        char p[4096], buf[64];

        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/driver_override", root_dir(), bdf);
        slurp(p, buf, sizeof(buf));
        assert_string_equal(buf, want);
}

/* The n VFs the double makes (0000:01:10.N) are all on driver. */
static void assert_vfs(unsigned n, const char *driver)
{
        for (unsigned i = 0; i < n; i++) {
                char bdf[32];

                snprintf(bdf, sizeof(bdf), "0000:01:10.%u", i);
                assert_driver(bdf, driver);
        }
}

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
                bind(rel, "iavf");
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
        bind("0000:05:00.0", "vfio-pci");
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

        return cmocka_run_group_tests_name("apply", tests, NULL, NULL);
}

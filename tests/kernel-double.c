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
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel-double.h"
#include "plan-build.h"
#include "util.h"

unsigned writes;
const char *refuse_bdf;
const char *refuse_unbind;
const char *fault_suffix;
int fault_errno;
unsigned fail_at;
char failed_path[512];
const char *vanish_bdf;
const char *unloadable;
char written[256][512];
char native[64][2][64];
unsigned n_native;

void put(const char *path, const char *value)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fprintf(f, "%s\n", value);
        fclose(f);
}


void slurp_all(const char *path, char *buf, size_t n)
{
        FILE *f = fopen(path, "re");
        size_t k;

        assert_non_null(f);
        k = fread(buf, 1, n - 1, f);
        fclose(f);
        buf[k] = '\0';
}

/* The first line of a file, as a sysfs attribute reads. */
void slurp(const char *path, char *buf, size_t n)
{
        slurp_all(path, buf, n);
        buf[strcspn(buf, "\n")] = '\0';
}

bool ends(const char *s, const char *suffix)
{
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

bool exists(const char *fmt, const char *a)
{
        char p[4096];

        snprintf(p, sizeof(p), fmt, root_dir(), a);
        return access(p, F_OK) == 0;
}

/* The driver a device is bound to now, "" when none. */
void bound_to(const char *bdf, char *buf, size_t n)
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

/* uevent's DRIVER= follows the binding, as the kernel's does: the first
 * line while bound, absent while not. */
static void uevent_driver(const char *bdf, const char *driver)
{
        char p[4096], buf[4096], out[4200] = "";
        char *save = NULL;
        FILE *f;
        size_t n;

        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/uevent", root_dir(), bdf);
        f = fopen(p, "re");
        if (!f)
                return;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        if (driver)
                snprintf(out, sizeof(out), "DRIVER=%s\n", driver);
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (strncmp(l, "DRIVER=", 7) != 0)
                        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s\n", l);
        f = fopen(p, "we");
        assert_non_null(f);
        fputs(out, f);
        fclose(f);
}

/* The driver link, as the kernel makes it: relative, from the device's own
 * directory (however deep below sys/devices) to sys/bus/pci/drivers/NAME,
 * so that it resolves. */
void kd_bind(const char *bdf, const char *driver)
{
        char p[4200], dev[4096], sys[4096], real[PATH_MAX], rsys[PATH_MAX], target[4096] = "";
        const char *rel;

        snprintf(dev, sizeof(dev), "%s/sys/bus/pci/devices/%s", root_dir(), bdf);
        snprintf(sys, sizeof(sys), "%s/sys", root_dir());
        assert_non_null(realpath(dev, real));
        assert_non_null(realpath(sys, rsys));
        assert_true(strncmp(real, rsys, strlen(rsys)) == 0);
        for (rel = real + strlen(rsys); *rel; rel++)
                if (*rel == '/')
                        strcat(target, "../");
        snprintf(target + strlen(target), sizeof(target) - strlen(target), "bus/pci/drivers/%s",
                 driver);
        snprintf(p, sizeof(p), "%s/driver", dev);
        unlink(p);
        assert_int_equal(symlink(target, p), 0);
        uevent_driver(bdf, driver);
}

/* What the fixture's devices were bound to: the driver each goes back to. */
void remember_native(void)
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

const char *native_of(const char *bdf)
{
        for (unsigned i = 0; i < n_native; i++)
                if (streq(native[i][0], bdf))
                        return native[i][1];
        return NULL;
}

/* modprobe: the module registers its PCI driver under the driver's name. */
int load_double(const char *name)
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
void make_vfs(const char *numvfs_path, int n)
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

int probe_double(const char *bdf)
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
        kd_bind(bdf, drv);
        return 0;
}

/* drivers/NAME/bind: a registered driver takes an unbound device whose
 * override is cleared or names it; anything else is refused. */
int bind_double(const char *path, const char *bdf)
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
        kd_bind(bdf, drv);
        return 0;
}

int resize_double(const char *path, const char *value)
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
char reset_paths[16][1024], reset_offered[16][256];
unsigned n_reset;

int reset_method_double(const char *path, const char *value)
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
int vgpu_type_double(const char *path, const char *value)
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

int kernel_write(const char *path, const char *value)
{
        char p[4096];

        if (writes < 256)
                snprintf(written[writes], sizeof(written[writes]), "%s", path);
        writes++;
        if (fault_suffix && ends(path, fault_suffix))
                return -fault_errno;
        if (fail_at && writes == fail_at) {
                snprintf(failed_path, sizeof(failed_path), "%s", path);
                return -fault_errno;
        }
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
                if (unlink(p) < 0)
                        return -errno;
                uevent_driver(value, NULL);
                return 0;
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


void load(struct world *w, const char *variant)
{
        struct conf_error err = { 0 };
        char path[4096];

        if (variant)
                snprintf(path, sizeof(path), "%s/etc/gpupt-variants/%s.conf", w->root, variant);
        assert_int_equal(conf_load(variant ? path : NULL, &w->conf, &err), 0);
        assert_int_equal(host_new(&w->host), 0);
        assert_int_equal(plan_build(w->conf, w->host, &w->plan), 0);
}

void unload(struct world *w)
{
        plan_free(w->plan);
        host_free(w->host);
        conf_free(w->conf);
        w->plan = NULL;
        w->host = NULL;
        w->conf = NULL;
}

void open_world(struct world *w, const char *scenario)
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
        fail_at = 0;
        failed_path[0] = '\0';
        vanish_bdf = NULL;
        n_reset = 0;
}

void close_world(struct world *w)
{
        unload(w);
        root_set(NULL);
        tl_rmfixture(w->root);
}

void assert_driver(const char *bdf, const char *want)
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
void assert_override(const char *bdf, const char *want)
{
        char p[4096], buf[64];

        snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s/driver_override", root_dir(), bdf);
        slurp(p, buf, sizeof(buf));
        assert_string_equal(buf, want);
}

/* The n VFs the double makes (0000:01:10.N) are all on driver. */
void assert_vfs(unsigned n, const char *driver)
{
        for (unsigned i = 0; i < n; i++) {
                char bdf[32];

                snprintf(bdf, sizeof(bdf), "0000:01:10.%u", i);
                assert_driver(bdf, driver);
        }
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "mdevdev.h"
#include "modules.h"
#include "strbuf.h"
#include "util.h"
#include "variant.h"
#include "wait.h"

static int write_attr(const char *path, const char *value)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        size_t n = strlen(value);
        ssize_t k;

        if (fd < 0)
                return -errno;
        k = write(fd, value, n);
        if (k < 0)
                return -errno;
        return (size_t)k == n ? 0 : -EIO;
}

/* One libkmod context for the run, opened at the first module it loads:
 * the running kernel's module directory (modules.h), its indexes read once
 * rather than once a module. */
static struct gp_modules *kernel_modules;

static int load_module(const char *name)
{
        int r;

        if (!kernel_modules && (r = modules_open(&kernel_modules)) < 0)
                return r;
        return modules_load(kernel_modules, name);
}

void apply_done(void)
{
        modules_free(kernel_modules);
        kernel_modules = NULL;
}

int (*apply_write)(const char *path, const char *value) = write_attr;
int (*apply_load_module)(const char *name) = load_module;
unsigned apply_wait_ms = 5000;
unsigned apply_waited_ms;
unsigned apply_mdev_wait_ms = 5000;

static char *fn_path(const char *bdf, const char *attr)
{
        return strdup_printf("%s/sys/bus/pci/devices/%s/%s", root_dir(), bdf, attr);
}

static int write_checked(const char *bdf, const char *attr, const char *value)
{
        _cleanup_free_ char *p = fn_path(bdf, attr);
        char back[256];
        int r;

        if (!p)
                return -ENOMEM;
        r = apply_write(p, value);
        if (r < 0) {
                report(bdf, "writing \"%s\" to %s failed: %s", value, p, strerror(-r));
                return r;
        }
        r = read_attr_at(AT_FDCWD, p, back, sizeof(back));
        if (r < 0 || !streq(back, value)) {
                report(bdf, "%s reads \"%s\" after writing \"%s\"", p, r < 0 ? strerror(-r) : back,
                       value);
                return r < 0 ? r : -EIO;
        }
        return 0;
}

#define ANY_DRIVER ((const char *)1)

/* Whether bdf is bound to name now (to nothing, for NULL). */
static bool driver_is(const char *bdf, const char *name)
{
        _cleanup_free_ char *now = host_driver_now(bdf);

        return name == ANY_DRIVER ? now != NULL : name ? now && streq(now, name) : !now;
}

struct driver_wait {
        const char *bdf, *want;
};

static bool driver_there(void *userdata)
{
        const struct driver_wait *w = userdata;

        return driver_is(w->bdf, w->want);
}

/* Polls the driver link, bounded: a driver that probes asynchronously binds
 * after the write to drivers_probe or bind returns. want: a driver name,
 * NULL for unbound, ANY_DRIVER for bound to anything. The kernel's "bind"
 * uevent would say so too, but only to a netlink socket opened before the
 * write, and no kernel sends one for a recorded machine under a root; most
 * drivers probe synchronously, so the first look finds the link and the
 * poll costs nothing. */
static bool wait_driver(const char *bdf, const char *want)
{
        struct driver_wait w = { .bdf = bdf, .want = want };

        return wait_until(driver_there, &w, apply_wait_ms, 20, &apply_waited_ms);
}

/* log2 of BAR n's size in MiB, from the resource file read afresh: the
 * kernel's own account after a resize (host.h). */
static int bar_size_mib_log2(const char *bdf, unsigned n)
{
        _cleanup_free_ char *p = fn_path(bdf, "resource");
        int now[PCI_BAR_COUNT], r;

        if (!p)
                return -ENOMEM;
        r = pci_bar_sizes_read(AT_FDCWD, p, now);
        if (r < 0)
                return r;
        return n < PCI_BAR_COUNT && now[n] >= 0 ? now[n] : -EBADMSG;
}

/* The drivers one run has made ready, by the name the config gives. */
struct driver_cache {
        struct {
                char *asked;
                char *name; /* as the kernel registered it; NULL: not available */
                int error;
        } v[8];
        size_t n;
};

static void driver_cache_done(struct driver_cache *dc)
{
        for (size_t i = 0; i < dc->n; i++) {
                free(dc->v[i].asked);
                free(dc->v[i].name);
        }
        dc->n = 0;
}

/* Loads the module behind a driver name and finds the name its PCI driver
 * registered: the kernel matches driver_override against that by strcmp
 * and never loads a module for it, so both must be settled before anything
 * is written. */
static int driver_ready(const char *asked, char **ret)
{
        int r;

        if (apply_load_module) {
                r = apply_load_module(asked);
                if (r < 0)
                        report(asked, "loading its module failed: %s", strerror(-r));
                if (variant_is_vfio(asked)) {
                        if ((r = apply_load_module("vfio_iommu_type1")) < 0)
                                report(asked, "loading vfio_iommu_type1 failed: %s",
                                       strerror(-r));
                        /* A module of its own up to Linux 6.1, part of vfio since 6.2:
                         * load it only where this kernel has it. */
                        if ((r = apply_load_module("vfio_virqfd")) < 0 && r != -ENOENT)
                                report(asked, "loading vfio_virqfd failed: %s", strerror(-r));
                }
        }
        r = pci_driver_name(asked, ret);
        if (r == -ENOENT)
                report(asked, "no PCI driver of that name is registered with the kernel "
                       "(%s/sys/bus/pci/drivers); is its module installed for this kernel?",
                       root_dir());
        else if (r < 0)
                report(asked, "looking up the driver failed: %s", strerror(-r));
        return r;
}

static const char *driver_cached(struct driver_cache *dc, const char *asked, int *error)
{
        size_t i;

        for (i = 0; i < dc->n; i++)
                if (streq(dc->v[i].asked, asked))
                        break;
        if (i == dc->n) {
                if (i == ELEMENTSOF(dc->v)) {
                        /* more distinct drivers than any config names: start over */
                        driver_cache_done(dc);
                        i = 0;
                }
                dc->v[i].asked = strdup(asked);
                if (!dc->v[i].asked) {
                        *error = -ENOMEM;
                        return NULL;
                }
                dc->v[i].name = NULL;
                dc->v[i].error = driver_ready(asked, &dc->v[i].name);
                dc->n++;
        }
        *error = dc->v[i].error;
        return dc->v[i].name;
}

/* The driver a claim binds, made ready. A driver = "auto" that resolved to
 * a variant this boot cannot make ready (its module not in the image, or
 * registering no driver) still claims the function, on vfio-pci itself: the
 * device is the VM's either way, the line names what it lacks, and --verify
 * reports the difference. A driver the config names keeps failing. */
static const char *claim_driver(struct driver_cache *dc, const struct claim *c, int *error)
{
        const char *want = driver_cached(dc, c->driver, error);

        if (want || *error != -ENOENT || !streq(c->entry->driver, VARIANT_AUTO) ||
            module_name_eq(c->driver, VARIANT_CATCH_ALL))
                return want;
        want = driver_cached(dc, VARIANT_CATCH_ALL, error);
        if (want)
                report(c->fn->bdf, "driver = \"auto\" resolves to the vfio-pci variant %s, "
                       "which this boot lacks (above); binding %s instead, without the "
                       "variant's own features. Install its module for this kernel and rebuild "
                       "the initramfs (gpupt's hook packs it), or set driver = \"vfio-pci\"",
                       c->driver, want);
        return want;
}

/* Writes "" to driver_override, which the kernel reads back as "(null)":
 * the device is matched by its ids again. */
static int clear_override(const char *bdf)
{
        _cleanup_free_ char *p = fn_path(bdf, "driver_override");
        char back[64];
        int r;

        if (!p)
                return -ENOMEM;
        r = apply_write(p, "\n");
        if (r == 0 && read_attr_at(AT_FDCWD, p, back, sizeof(back)) >= 0 && !streq(back, "(null)"))
                r = -EIO;
        return r;
}

static int probe(const char *bdf)
{
        _cleanup_free_ char *p = strdup_printf("%s/sys/bus/pci/drivers_probe", root_dir());

        return p ? apply_write(p, bdf) : -ENOMEM;
}

/* What claiming one function changed, so that its unit can be given back
 * whole: the driver it had, whether driver_override was written, and what
 * reset_method read before gpupt wrote it. */
struct undo {
        char *had;          /* the driver bound before, NULL for none */
        char *reset_method; /* NULL: not written */
        bool override;
        bool unbound;       /* taken from had, or probed for the claim driver */
};

static void undo_done(struct undo *u)
{
        free(u->had);
        free(u->reset_method);
        *u = (struct undo){ 0 };
}

/* Gives a function back: off the claim driver, the override cleared, a
 * probe, so that its own driver (the one it had, or the one coldplug will
 * load) takes it; then its old reset_method. A driverless card helps
 * nobody, so every step is tried whatever failed before it. */
static int give_back(const char *bdf, const struct undo *u)
{
        _cleanup_free_ char *now = host_driver_now(bdf), *after = NULL;
        int r = 0, k;

        if (u->unbound && now && (!u->had || !streq(now, u->had))) {
                _cleanup_free_ char *unbind =
                        strdup_printf("%s/sys/bus/pci/devices/%s/driver/unbind", root_dir(), bdf);

                k = unbind ? apply_write(unbind, bdf) : -ENOMEM;
                if (k < 0) {
                        report(bdf, "giving it back: unbinding it from %s failed: %s", now,
                               strerror(-k));
                        r = k;
                }
        }
        if (u->override && (k = clear_override(bdf)) < 0) {
                report(bdf, "giving it back: clearing driver_override failed: %s", strerror(-k));
                r = k;
        }
        if (u->unbound && !driver_is(bdf, u->had)) {
                /* Straight to the driver it had: drivers_probe may be what
                 * failed. Without one, a probe lets its own driver (the one
                 * coldplug will load) have it. */
                _cleanup_free_ char *bind =
                        u->had ? strdup_printf("%s/sys/bus/pci/drivers/%s/bind", root_dir(), u->had)
                               : NULL;

                if (!bind || apply_write(bind, bdf) < 0)
                        probe(bdf);
                if (u->had && !wait_driver(bdf, ANY_DRIVER)) {
                        report(bdf, "is left without a driver; %s did not take it back", u->had);
                        r = -ENODEV;
                }
        }
        if (u->reset_method && (k = write_checked(bdf, "reset_method", u->reset_method)) < 0)
                r = k;
        after = host_driver_now(bdf);
        if (u->unbound || u->override)
                report(bdf, "given back to %s", after ? after : "no driver (as it was)");
        return r;
}

static int resize_bars(const struct claim *c)
{
        const char *bdf = c->fn->bdf;
        int failed = 0;

        for (size_t i = 0; i < c->n_bars; i++) {
                _cleanup_free_ char *p = NULL;
                char attr[32], buf[16];
                int r;

                snprintf(attr, sizeof(attr), "resource%u_resize", c->bars[i].index);
                snprintf(buf, sizeof(buf), "%u", c->bars[i].log2_mib);
                p = fn_path(bdf, attr);
                if (!p)
                        return -ENOMEM;
                r = apply_write(p, buf);
                if (r < 0) {
                        report(bdf, "resizing BAR %u (writing %s to %s) failed: %s; binding it "
                               "with the BAR as it is", c->bars[i].index, buf, p, strerror(-r));
                        failed = r;
                        continue;
                }
                r = bar_size_mib_log2(bdf, c->bars[i].index);
                if (r != (int)c->bars[i].log2_mib) {
                        report(bdf, "BAR %u is not 2^%u MiB after the resize (%s)",
                               c->bars[i].index, c->bars[i].log2_mib,
                               r < 0 ? strerror(-r) : "the resource file says otherwise");
                        failed = r < 0 ? r : -EIO;
                }
        }
        return failed;
}

/* reset_method (Linux 5.15+) before anything else of the claim: the kernel
 * takes it with a driver bound, vfio-pci reads it when it resets the device,
 * and a refusal then leaves the device exactly as it was, on its own driver.
 * A value that reads back already is not written again; what it read
 * before is kept in undo, for a unit given back. */
static int set_reset_method(const struct claim *c, struct undo *undo)
{
        const char *want = c->entry->reset_method, *bdf = c->fn->bdf;
        _cleanup_free_ char *p = NULL;
        char now[256];
        int r;

        if (!want)
                return 0;
        p = fn_path(bdf, "reset_method");
        if (!p)
                return -ENOMEM;
        r = read_attr_at(AT_FDCWD, p, now, sizeof(now));
        if (r >= 0 && streq(now, want))
                return 0;
        if (r < 0) {
                report(bdf, "%s cannot be read (%s): reset_method = \"%s\" needs Linux 5.15+ "
                       "and a function that has such a reset", p, strerror(-r), want);
                return r;
        }
        /* "" turns every method off and reads back empty: "default" is how
         * the kernel takes all of them again */
        undo->reset_method = strdup(*now ? now : "default");
        if (!undo->reset_method)
                return -ENOMEM;
        r = write_checked(bdf, "reset_method", want);
        if (r < 0) {
                /* refused: the kernel kept the old one */
                free(undo->reset_method);
                undo->reset_method = NULL;
        }
        return r;
}

/* The order keeps the device usable whatever fails: reset_method, then
 * driver_override (it neither binds nor unbinds), then the unbind, the BAR
 * resizes that need the device unbound, and the bind. A failed resize still
 * binds (*resized says it failed). What was changed is kept in undo: a
 * failure gives the whole unit back (claim_unit). */
static int claim_one(const struct claim *c, const char *want, struct undo *undo, int *resized)
{
        const char *bdf = c->fn->bdf;
        int r;

        undo->had = host_driver_now(bdf);
        if (undo->had && streq(undo->had, want))
                return set_reset_method(c, undo); /* done before: by the initramfs, or an
                                                   * earlier run */
        r = set_reset_method(c, undo);
        if (r < 0) {
                report(bdf, "not claimed: its reset method could not be set");
                return r;
        }
        r = write_checked(bdf, "driver_override", want);
        undo->override = true; /* even a failed write may have changed it */
        if (r < 0)
                return r;
        undo->unbound = true;
        if (undo->had) {
                _cleanup_free_ char *unbind =
                        strdup_printf("%s/sys/bus/pci/devices/%s/driver/unbind", root_dir(), bdf);

                if (!unbind)
                        return -ENOMEM;
                r = apply_write(unbind, bdf);
                if (r < 0 || !wait_driver(bdf, NULL)) {
                        report(bdf, "could not be unbound from %s (writing to %s): %s", undo->had,
                               unbind, r < 0 ? strerror(-r) : "it is still bound");
                        return r < 0 ? r : -EBUSY;
                }
        }
        *resized = resize_bars(c);
        if (*resized == -ENOMEM)
                return -ENOMEM;
        r = probe(bdf);
        if (r < 0)
                report(bdf, "writing it to %s/sys/bus/pci/drivers_probe failed: %s", root_dir(),
                       strerror(-r));
        if (r < 0 || !wait_driver(bdf, want)) {
                _cleanup_free_ char *after = host_driver_now(bdf);

                if (r >= 0)
                        report(bdf, "is not bound to %s after %u ms (driver: %s); see the "
                               "kernel log", want, apply_wait_ms, after ? after : "none");
                return r < 0 ? r : -ETIMEDOUT;
        }
        /* One line per claim: in the initramfs it lands in the kernel log with
         * its timestamp, which is how a person sees when the claim happened. */
        report(bdf, "bound to %s%s%s", want, undo->had ? ", taken from " : "",
               undo->had ? undo->had : "");
        return 0;
}

/* "0000:03:00.0 0000:03:00.1 ...": the unit's functions, for its messages. */
static char *unit_names(const struct plan *p, const struct claim_unit *u)
{
        struct strbuf b = { 0 };
        char *s;

        for (size_t i = 0; i < u->n_claims; i++)
                strbuf_printf(&b, "%s%s", i ? " " : "", p->claims[u->claims[i]].fn->bdf);
        if (strbuf_take(&b, &s) < 0)
                return NULL;
        return s ? s : strdup("");
}

/* Claims the unit whole, or gives back what it took: every function on its
 * claim driver, or every function as it was. 0 when claimed (a failed BAR
 * resize included, reported), -errno when not. */
static int claim_unit(const struct plan *p, const struct claim_unit *u, struct driver_cache *dc)
{
        _cleanup_free_ const char **want = calloc(u->n_claims, sizeof(*want));
        _cleanup_free_ struct undo *undo = calloc(u->n_claims, sizeof(*undo));
        _cleanup_free_ char *names = unit_names(p, u);
        int r = 0, failed = 0;
        size_t done = 0;

        if (!want || !undo || !names)
                return -ENOMEM;
        /* Everything that can refuse without a write, for every function,
         * before the first write. */
        for (size_t i = 0; i < u->n_claims; i++) {
                const struct claim *c = &p->claims[u->claims[i]];
                _cleanup_free_ char *now = NULL;

                want[i] = claim_driver(dc, c, &r);
                if (!want[i]) {
                        report(c->fn->bdf, "not claimed, nor is the rest of its unit (%s): "
                               "driver \"%s\" is not available (%s)", names, c->driver,
                               strerror(-r));
                        return r < 0 ? r : -ENOENT;
                }
                /* The boot console's framebuffer keeps the device busy;
                 * taking it from under the console is not ours to try, and
                 * its companions alone are of use to nobody. */
                now = host_driver_now(c->fn->bdf);
                if (now && c->fn->boot_vga == 1 && !streq(now, want[i])) {
                        report(c->fn->bdf, "is the boot display and bound to %s; not unbinding "
                               "it, so no function of its unit (%s) is claimed. Claim it from "
                               "the initramfs (gpupt's hook) instead", now, names);
                        return -EBUSY;
                }
        }
        r = 0;
        for (; done < u->n_claims && r == 0; done++) {
                int resized = 0;

                r = claim_one(&p->claims[u->claims[done]], want[done], &undo[done], &resized);
                if (resized < 0)
                        failed = resized; /* a BAR left as it was: reported, still claimed */
        }
        if (r < 0) {
                report(names, "not claimed: a write failed (above); giving the unit back whole");
                for (size_t i = done; i-- > 0;)
                        give_back(p->claims[u->claims[i]].fn->bdf, &undo[i]);
        }
        for (size_t i = 0; i < u->n_claims; i++)
                undo_done(&undo[i]);
        return r < 0 ? r : failed;
}

int apply_claims(const struct plan *p)
{
        struct driver_cache dc = { .n = 0 };
        int failures = 0;

        for (size_t i = 0; i < p->n_units; i++) {
                const struct claim_unit *u = &p->units[i];
                const struct problem *pr = plan_unit_blocker(p, u);
                const struct claim *first = &p->claims[u->claims[0]];

                if (pr && pr->code == PROBLEM_IMPURE_GROUP) {
                        /* Its group's own unit fails with the names of the
                         * other members: one failed unit per cause. */
                        report(first->fn->bdf, "not claimed: IOMMU group %d is impure; "
                               "gpupt-group@%d.service says why", first->fn->iommu_group,
                               first->fn->iommu_group);
                        continue;
                }
                if (pr) {
                        _cleanup_free_ char *names = unit_names(p, u);

                        report(names ? names : first->fn->bdf,
                               "not claimed (%s): gpupt-check names the reason",
                               problem_name(pr->code));
                        failures++;
                        continue;
                }
                if (claim_unit(p, u, &dc) < 0)
                        failures++;
        }
        driver_cache_done(&dc);
        for (size_t i = 0; i < p->n_problems; i++)
                if (p->problems[i].severity == SEVERITY_ERROR &&
                    p->problems[i].code != PROBLEM_IMPURE_GROUP &&
                    /* an sriov or mdev entry's problem is for its own unit
                     * to report: an mdev parent that registers later is no
                     * business of the early claim */
                    plan_problem_of_claims(p, &p->problems[i]))
                        report(problem_name(p->problems[i].code), "%s", p->problems[i].message);
        return failures;
}

int apply_check_group(const struct plan *p, int group)
{
        int bad = 0;

        for (size_t i = 0; i < p->n_problems; i++) {
                const struct problem *pr = &p->problems[i];
                const struct claim *c;

                if (pr->code != PROBLEM_IMPURE_GROUP || !pr->has_addr)
                        continue;
                c = plan_find_claim(p, &pr->addr);
                if (!c || c->fn->iommu_group != group)
                        continue;
                log_msg(LOG_ERR, "IOMMU group %d: %s", group, pr->message);
                bad += pr->severity == SEVERITY_ERROR;
        }
        return bad ? 1 : 0;
}

/* The VFs probed for want, as each binds: pending[i] until vfs[i] has. */
struct vfs_wait {
        char (*vfs)[32];
        bool *pending;
        unsigned n, left;
        const char *want;
};

static bool vfs_bound(void *userdata)
{
        struct vfs_wait *w = userdata;

        for (unsigned i = 0; i < w->n; i++)
                if (w->pending[i] && driver_is(w->vfs[i], w->want)) {
                        w->pending[i] = false;
                        w->left--;
                }
        return w->left == 0;
}

/* Each VF (the PF's virtfnN links) to vf_driver. Its module is loaded
 * first (driver_override loads nothing, and udev does not load vfio-pci
 * for a VF); a VF that another driver holds (a host VF driver, autoprobe
 * before gpupt ran) is taken from it. All VFs are probed, then waited for
 * together: one bounded wait, not one per VF. When any VF fails, every VF
 * touched is given back as it was: all on vf_driver or none. */
static int bind_vfs(const struct plan *p, const struct sriov_plan *s)
{
        _cleanup_free_ char(*vfs)[32] = NULL;
        _cleanup_free_ char *want = NULL;
        _cleanup_free_ struct undo *undo = NULL;
        _cleanup_free_ bool *pending = NULL;
        const char *drv = s->vf_driver;
        struct timespec t0, t1;
        unsigned n = 0, touched = 0;
        int r = 0, k, devices;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        /* "auto" was settled by the plan, on the VFs' modalias */
        if (!drv) {
                report(s->entry->name, "no driver resolves \"%s\" for the VFs; run gpupt-check",
                       s->entry->vf_driver);
                return -ENOENT;
        }
        /* One driver for all the VFs: no cache needed, unlike the claims. */
        k = driver_ready(drv, &want);
        if (k < 0) {
                report(s->entry->name, "the VFs cannot go to %s (%s)", drv, strerror(-k));
                return k;
        }
        vfs = calloc(s->entry->vfs ? s->entry->vfs : 1, sizeof(*vfs));
        undo = calloc(s->entry->vfs ? s->entry->vfs : 1, sizeof(*undo));
        pending = calloc(s->entry->vfs ? s->entry->vfs : 1, sizeof(*pending));
        if (!vfs || !undo || !pending)
                return -ENOMEM;
        devices = host_devices_dir(p->host);
        if (devices < 0) {
                report(s->entry->name, "%s/sys/bus/pci/devices: %s", root_dir(), strerror(-devices));
                return devices;
        }
        for (unsigned i = 0; i < s->entry->vfs && r == 0; i++) {
                char *vf = vfs[i];
                struct pci_addr a;

                r = pci_vf_read(devices, s->pf->bdf, i, &a);
                if (r < 0) {
                        report(s->entry->name, "%s/sys/bus/pci/devices/%s/virtfn%u: %s",
                               root_dir(), s->pf->bdf, i, strerror(-r));
                        break;
                }
                pci_addr_format(&a, vf);
                touched = i + 1;
                undo[i].had = host_driver_now(vf);
                if (undo[i].had && streq(undo[i].had, want))
                        continue; /* done before */
                r = write_checked(vf, "driver_override", want);
                undo[i].override = true;
                if (r < 0)
                        break;
                undo[i].unbound = true;
                if (undo[i].had) {
                        _cleanup_free_ char *unbind = strdup_printf(
                                "%s/sys/bus/pci/devices/%s/driver/unbind", root_dir(), vf);

                        r = unbind ? apply_write(unbind, vf) : -ENOMEM;
                        if (r < 0) {
                                report(s->entry->name, "VF %s could not be unbound from %s "
                                       "(writing to %s): %s", vf, undo[i].had, unbind,
                                       strerror(-r));
                                break;
                        }
                }
                r = probe(vf);
                if (r < 0) {
                        report(s->entry->name, "probing VF %s (writing it to "
                               "%s/sys/bus/pci/drivers_probe) failed: %s", vf, root_dir(),
                               strerror(-r));
                        break;
                }
                pending[i] = true;
                n++;
        }
        if (r == 0 && n > 0) {
                struct vfs_wait w = { .vfs = vfs, .pending = pending, .n = touched,
                                      .left = n, .want = want };

                wait_until(vfs_bound, &w, apply_wait_ms, 20, &apply_waited_ms);
        }
        for (unsigned i = 0; r == 0 && i < touched; i++) {
                _cleanup_free_ char *now = NULL;

                if (!pending[i])
                        continue;
                now = host_driver_now(vfs[i]);
                report(s->entry->name, "VF %s is not bound to %s after %u ms (driver: %s)",
                       vfs[i], want, apply_wait_ms, now ? now : "none");
                r = -ETIMEDOUT;
        }
        if (r < 0) {
                report(s->entry->name, "the VFs are given back as they were");
                for (unsigned i = touched; i-- > 0;)
                        give_back(vfs[i], &undo[i]);
        } else if (n > 0) {
                /* How long the VFs were without their driver: what an admin
                 * (and the VM test) reads in the unit's journal. */
                clock_gettime(CLOCK_MONOTONIC, &t1);
                report(s->entry->name, "%u VFs bound to %s in %ld ms", n, want,
                       (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        }
        for (unsigned i = 0; i < touched; i++)
                undo_done(&undo[i]);
        return r;
}

/* sriov_drivers_autoprobe as it reads now: 1 (the kernel's default) when it
 * cannot be read. */
static bool autoprobe_now(const char *pf)
{
        _cleanup_free_ char *p = fn_path(pf, "sriov_drivers_autoprobe");
        char buf[16];

        return !p || read_attr_at(AT_FDCWD, p, buf, sizeof(buf)) < 0 || !streq(buf, "0");
}

/* Puts the VF count back to what it was, with the autoprobe it had, so the
 * VFs that come back get their own drivers: never 0 VFs where there were N. */
static void restore_vfs(const struct sriov_plan *s, int old, bool autoprobe_was)
{
        char buf[16];

        if (autoprobe_was && !autoprobe_now(s->pf->bdf))
                write_checked(s->pf->bdf, "sriov_drivers_autoprobe", "1");
        if (old <= 0)
                return;
        snprintf(buf, sizeof(buf), "%d", old);
        if (write_checked(s->pf->bdf, "sriov_numvfs", buf) < 0)
                report(s->entry->name, "%s is left with 0 VFs where it had %d", s->pf->bdf, old);
        else
                report(s->entry->name, "%s has its %d VFs again", s->pf->bdf, old);
}

int apply_sriov(const struct plan *p, const char *name)
{
        for (size_t i = 0; i < p->n_sriovs; i++) {
                const struct sriov_plan *s = &p->sriovs[i];
                const struct problem *pr = plan_entry_blocker(p, s->entry->name);
                int old, r;
                bool autoprobe;
                char want[16];

                if (!streq(s->entry->name, name))
                        continue;
                if (pr || !s->pf) {
                        report(name, "not applied (%s): %s",
                               pr ? problem_name(pr->code) : "no-match",
                               pr ? pr->message : "the pf does not exist");
                        return 1;
                }
                if (!wait_driver(s->pf->bdf, ANY_DRIVER)) {
                        report(name, "%s has no driver; the kernel needs one to make VFs",
                               s->pf->bdf);
                        return 1;
                }
                old = s->pf->sriov_numvfs;
                if (old == (int)s->entry->vfs)
                        return s->entry->vf_driver && bind_vfs(p, s) < 0 ? 1 : 0;
                /* Every write that may fail and change nothing comes before
                 * the 0, which destroys the VFs there are. */
                autoprobe = autoprobe_now(s->pf->bdf);
                if (s->entry->vf_driver && autoprobe &&
                    write_checked(s->pf->bdf, "sriov_drivers_autoprobe", "0") < 0)
                        return 1;
                /* The kernel refuses to change a non-zero count directly. */
                if (old != 0 && write_checked(s->pf->bdf, "sriov_numvfs", "0") < 0) {
                        restore_vfs(s, 0, autoprobe);
                        return 1;
                }
                snprintf(want, sizeof(want), "%u", s->entry->vfs);
                r = write_checked(s->pf->bdf, "sriov_numvfs", want);
                if (r < 0) {
                        restore_vfs(s, old, autoprobe);
                        return 1;
                }
                if (s->entry->vf_driver && bind_vfs(p, s) < 0) {
                        /* VFs this run made and could not bind: none rather
                         * than driverless ones, and the old ones back */
                        write_checked(s->pf->bdf, "sriov_numvfs", "0");
                        restore_vfs(s, old, autoprobe);
                        return 1;
                }
                return 0;
        }
        report(name, "no such sriov entry in the config");
        return 1;
}

/* The mdev core links a parent into class/mdev_bus when it registers, just
 * before it sends MDEV_STATE=registered. */
static bool parent_registered(void *parent)
{
        _cleanup_free_ char *path = strdup_printf("%s/sys/class/mdev_bus/%s", root_dir(),
                                                  (const char *)parent);

        return path && access(path, F_OK) == 0;
}

/* At boot the unit runs once udev has been triggered, which only queues
 * the events: the driver that registers the parent (kvmgt, a vGPU manager)
 * may still be on its way. Bounded: a parent that comes later gets its
 * mdevs from the udev rule, which is what acts on that uevent; sysfs sends
 * no inotify event for a link the kernel makes, so a poll it is. */
static bool wait_parent(const char *parent)
{
        return wait_until(parent_registered, (void *)parent, apply_mdev_wait_ms, 20,
                          &apply_waited_ms);
}

/* The entries still to be made on parent, "a, b", or NULL with none. */
static int mdevs_wanted(const struct plan *p, const char *parent, char **ret)
{
        struct strbuf b = { 0 };

        for (size_t i = 0; i < p->n_mdevs; i++) {
                const struct conf_mdev *m = p->mdevs[i].entry;

                if (streq(m->parent, parent) && !p->mdevs[i].exists)
                        strbuf_printf(&b, "%s%s", b.s ? ", " : "", m->name);
        }
        return strbuf_take(&b, ret);
}

bool apply_mdev_parent_configured(const struct plan *p, const char *parent)
{
        for (size_t i = 0; i < p->n_mdevs; i++)
                if (streq(p->mdevs[i].entry->parent, parent))
                        return true;
        return false;
}

int apply_mdevs(const struct plan *p, const char *parent)
{
        _cleanup_free_ char *wanted = NULL;
        int failures = 0;

        if (mdevs_wanted(p, parent, &wanted) < 0)
                return -ENOMEM;
        if (!wanted)
                return 0;
        if (!wait_parent(parent)) {
                report(parent, "not registered with the mdev core after %u ms; the udev rule "
                       "(90-gpupt-mdev.rules) creates the mdevs of %s when it registers",
                       apply_mdev_wait_ms, wanted);
                return 0;
        }
        for (size_t i = 0; i < p->n_mdevs; i++) {
                const struct conf_mdev *m = p->mdevs[i].entry;
                _cleanup_free_ char *create = NULL;
                int r;

                if (!streq(m->parent, parent) || p->mdevs[i].exists)
                        continue;
                create = strdup_printf("%s/sys/class/mdev_bus/%s/mdev_supported_types/%s/create",
                                       root_dir(), m->parent, m->type);
                if (!create)
                        return -ENOMEM;
                r = apply_write(create, m->uuid);
                if (r < 0 && mdevdev_exists(m->uuid))
                        /* The udev rule and the boot unit may race for the same
                         * parent: whoever came second finds it made. */
                        r = 0;
                if (r < 0) {
                        report(m->name, "creating %s (writing to %s) failed: %s%s", m->uuid,
                               create, strerror(-r),
                               r == -ENOSPC || r == -EDQUOT ? " (no instance left)"
                               : r == -ENOENT              ? " (the parent offers no such type)"
                                                           : "");
                        failures++;
                }
        }
        return failures ? 1 : 0;
}

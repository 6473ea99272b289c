/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A double of the kernel's side of sysfs for gpupt-apply, shared by the
 * apply tests; tests/kernel-double.c says how strict it is. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "apply.h"
#include "testlib.h"

/* What the double records and how it can be made to fail; open_world()
 * resets all of it. */
extern unsigned writes;          /* every write so far */
extern const char *refuse_bdf;   /* the override's driver "fails to probe" this one */
extern const char *refuse_unbind; /* the driver refuses to let this one go */
extern const char *fault_suffix; /* a write to a path ending so fails ... */
extern int fault_errno;          /* ... with this */
extern unsigned fail_at;         /* the fail_at-th write (1-based) fails with fault_errno; 0 none */
extern char failed_path[512];    /* the path of the write fail_at made fail */
extern const char *vanish_bdf;   /* this device disappears at its first write */
extern const char *unloadable;   /* this module cannot be loaded */
extern char written[256][512];   /* every path written, for the guarantees */
extern char native[64][2][64];   /* each device's own driver when the test began */
extern unsigned n_native;

void put(const char *path, const char *value);
void slurp_all(const char *path, char *buf, size_t n);
void slurp(const char *path, char *buf, size_t n);
bool ends(const char *s, const char *suffix);
bool exists(const char *fmt, const char *a);
void bound_to(const char *bdf, char *buf, size_t n);
void kd_bind(const char *bdf, const char *driver);
void remember_native(void);
const char *native_of(const char *bdf);
int load_double(const char *name);
void make_vfs(const char *numvfs_path, int n);
int probe_double(const char *bdf);
int bind_double(const char *path, const char *bdf);
int resize_double(const char *path, const char *value);
extern char reset_paths[16][1024], reset_offered[16][256];
extern unsigned n_reset;
int reset_method_double(const char *path, const char *value);
int vgpu_type_double(const char *path, const char *value);
int kernel_write(const char *path, const char *value);
struct world {
        char *root;
        struct conf *conf;
        struct host *host;
        struct plan *plan;
};
void load(struct world *w, const char *variant);
void unload(struct world *w);
void open_world(struct world *w, const char *scenario);
void close_world(struct world *w);
void assert_driver(const char *bdf, const char *want);
void assert_override(const char *bdf, const char *want);
void assert_vfs(unsigned n, const char *driver);

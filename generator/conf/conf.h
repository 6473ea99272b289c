/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pciaddr.h"
#include "strpool.h"

#define CONF_NAME_MAX 64
#define CONF_VFS_MAX 65535

enum conf_functions { FUNCTIONS_ALL, FUNCTIONS_SINGLE };
enum conf_impure { IMPURE_FAIL, IMPURE_WARN };

/* Where an entry was declared, for messages. */
struct conf_where {
        const char *file;
        unsigned line;
};

struct conf_bar {
        unsigned index;      /* 0..5 */
        unsigned log2_mib;   /* the value resourceN_resize takes */
};

/* Fields ordered by size, so that tens of thousands of entries pack tight. */
struct conf_device {
        char *name;
        struct conf_where where;
        struct pci_id *ids;
        size_t n_ids;
        char *driver;        /* "auto": the vfio-pci variant for each function (variant.c) */
        struct conf_bar *bars;
        char *reset_method;  /* NULL, or the kernel's method names, space-separated,
                              * for each claimed function's reset_method */
        char *resource;      /* NULL, or the KubeVirt resource name ("vendor.com/name")
                              * of the model of its first claimed function */
        unsigned n_bars;     /* at most 6 */
        struct pci_id expect;
        enum conf_functions functions;
        struct pci_addr bdf;
        bool has_bdf;
        bool whole_slot;     /* "04:00" */
        bool has_expect;
        bool allow_storage;  /* a mass-storage function may be claimed while the
                              * root disk cannot be seen (storage-unverified) */
        bool functions_given; /* `functions` was in the entry, not the default */
};

struct conf_sriov {
        char *name;
        struct conf_where where;
        struct pci_addr pf;
        unsigned vfs;
        char *vf_driver;     /* NULL: VFs stay with whatever probes them; "auto" as driver */
};

struct conf_mdev {
        char *name;
        struct conf_where where;
        char *parent;        /* a PCI address in full form, or the name as given */
        char *type;
        char uuid[37];
        bool uuid_given;
        char *resource;      /* NULL, or the KubeVirt resource name of its type */
};

struct conf_vgpu {
        char *name;
        struct conf_where where;
        struct pci_addr pf;
        char *type;          /* the name in VF/nvidia/creatable_vgpu_types */
        unsigned count;      /* how many of the PF's VFs get it */
};

struct conf {
        bool iommu_required;
        enum conf_impure on_impure;
        bool allow_unsafe_interrupts;
        /* The node-feature-discovery label file gpupt-apply labels writes:
         * NULL when not set (the default path, written only when its
         * directory exists), "" to write none. */
        char *node_labels;
        struct conf_device *devices;
        size_t n_devices;
        struct conf_sriov *sriovs;
        size_t n_sriovs;
        struct conf_mdev *mdevs;
        size_t n_mdevs;
        struct conf_vgpu *vgpus;
        size_t n_vgpus;
        char **files;        /* every file read, in order */
        size_t n_files;
        struct strpool strings; /* the entries' strings: names, drivers, file names */
};

struct conf_error {
        char *file;
        unsigned line;       /* 0 when not tied to a line */
        char *message;
        bool untrusted;      /* config-untrusted: who may write the file, not what it says */
};

/* path NULL: ROOT/etc/gpupt.conf, then ROOT/etc/gpupt.conf.d/\*.conf in
 * lexical order; a drop-in whose name holds other characters than
 * [A-Za-z0-9_.@:+-] is an error (err->file the directory, line 0), since
 * the units name it. A given path is read as is, without drop-ins.
 * Returns 0, -ENOENT when there is no main file (err untouched), -EINVAL
 * for a config error (err filled), -EPERM when a file or the drop-in
 * directory is not root's or is writable by others (err filled, untrusted
 * set: trust.c), or another -errno (err filled). */
int conf_load(const char *path, struct conf **ret, struct conf_error *err);
void conf_free(struct conf *c);
void conf_error_done(struct conf_error *e);
/* "FILE:LINE: MESSAGE", or "FILE: MESSAGE" for an error of the whole file;
 * NULL on ENOMEM. */
char *conf_error_text(const struct conf_error *e);

/* SHA-256, in hex, over every file of the config (its path without the
 * root, a NUL, its bytes, a NUL), in reading order: what an initramfs
 * records when it packs the config, and what gpupt-check compares. */
int conf_hash(const struct conf *c, char out[static 65]);

/* The stable default mdev UUID for an entry name. */
void conf_mdev_uuid(const char *name, char out[static 37]);
/* A function address ("04:00.0") without `functions`: it claims that
 * function and the functions of its slot in its own IOMMU group, not the
 * slot's others (a second port in a group of its own may be the host's
 * network). A slot address, ids and `functions = all` take the whole slot. */
bool conf_device_group_of_slot(const struct conf_device *d);
/* Where the label file goes when node_labels is not set. */
#define CONF_NODE_LABELS_DEFAULT "/etc/kubernetes/node-feature-discovery/features.d/gpupt"

/* Checks a name is [A-Za-z0-9_.-]{1,64}. */
bool conf_name_valid(const char *name);

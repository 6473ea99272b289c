/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vgpu entries: which VFs get which NVIDIA vGPU type.
 * vgpu-type-unknown, vgpu-no-vfs, vgpu-pf-driver, vgpu-vf-in-use */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan-steps.h"
#include "util.h"
#include "vgpu.h"

void vgpu_vfs_free(struct vgpu_vf *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].creatable);
        free(v);
}

static int cmp_vf_index(const void *a, const void *b)
{
        const unsigned *x = a, *y = b;

        return *x < *y ? -1 : *x > *y;
}

static int read_vf(int devices, const char *pf_bdf, unsigned index, struct vgpu_vf *vf)
{
        _cleanup_free_ char *path = NULL;
        struct pci_addr a;
        char buf[32];
        struct stat st;
        int r;

        r = pci_vf_read(devices, pf_bdf, index, &a);
        if (r < 0)
                return r;
        *vf = (struct vgpu_vf){ .current = -1 };
        pci_addr_format(&a, vf->bdf);
        path = strdup_printf("%s/sys/bus/pci/devices/%s/nvidia", root_dir(), vf->bdf);
        if (!path)
                return -ENOMEM;
        vf->nvidia = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        if (!vf->nvidia)
                return 0;
        free(path);
        path = strdup_printf("%s/sys/bus/pci/devices/%s/nvidia/current_vgpu_type", root_dir(),
                             vf->bdf);
        if (!path)
                return -ENOMEM;
        if (read_attr_at(AT_FDCWD, path, buf, sizeof(buf)) > 0) {
                uint64_t v;

                if (parse_u64(buf, 10, &v) == 0 && v <= LONG_MAX)
                        vf->current = (long)v;
        }
        free(path);
        path = strdup_printf("%s/sys/bus/pci/devices/%s/nvidia/creatable_vgpu_types", root_dir(),
                             vf->bdf);
        if (!path)
                return -ENOMEM;
        r = read_file(path, 1u << 20, &vf->creatable, NULL);
        if (r == -ENOMEM)
                return r;
        return 0;
}

/* "virtfn3" → 3; -1 for any other name. */
static long virtfn_index(const char *name)
{
        unsigned long i;
        char *end;

        if (strncmp(name, "virtfn", 6) != 0 || !name[6])
                return -1;
        i = strtoul(name + 6, &end, 10);
        return *end || i > 65535 ? -1 : (long)i;
}

static bool is_virtfn(const char *name, void *userdata)
{
        (void)userdata;
        return virtfn_index(name) >= 0;
}

int vgpu_vfs_read(const char *pf_bdf, struct vgpu_vf **ret, size_t *n)
{
        _cleanup_free_ char *dir = strdup_printf("%s/sys/bus/pci/devices/%s", root_dir(), pf_bdf);
        _cleanup_close_ int devices = -1;
        _cleanup_free_ unsigned *idx = NULL;
        size_t k = 0, m = 0;
        struct vgpu_vf *v = NULL;
        char **names;
        int r = 0;

        *ret = NULL;
        *n = 0;
        if (!dir)
                return -ENOMEM;
        r = dir_names_sorted(AT_FDCWD, dir, is_virtfn, NULL, &names, &k);
        if (r < 0)
                return r;
        idx = calloc(k ?: 1, sizeof(*idx));
        for (size_t i = 0; idx && i < k; i++)
                idx[i] = (unsigned)virtfn_index(names[i]);
        dir_names_free(names, k);
        if (!idx)
                return -ENOMEM;
        /* by number: virtfn2 before virtfn10 */
        if (k > 1)
                qsort(idx, k, sizeof(*idx), cmp_vf_index);
        devices = root_open("/sys/bus/pci/devices", O_RDONLY | O_DIRECTORY);
        if (devices < 0)
                return devices;
        v = calloc(k ?: 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < k; i++) {
                r = read_vf(devices, pf_bdf, idx[i], &v[m]);
                if (r == -ENOMEM) {
                        vgpu_vfs_free(v, m + 1);
                        return r;
                }
                if (r == 0)
                        m++;
        }
        *ret = v;
        *n = m;
        return 0;
}

/* "1155 : NVIDIA L40S-8Q" lines; a header line ("ID : vGPU Name") has no
 * number and is skipped. */
long vgpu_type_id(const char *creatable, const char *name)
{
        const char *line = creatable;

        while (line && *line) {
                const char *eol = strchr(line, '\n'), *colon = strchr(line, ':');
                size_t len = eol ? (size_t)(eol - line) : strlen(line);

                if (colon && colon < line + len) {
                        char *end;
                        long id = strtol(line, &end, 10);
                        const char *nm = colon + 1;
                        size_t nlen;

                        while (*end == ' ' || *end == '\t')
                                end++;
                        while (*nm == ' ' || *nm == '\t')
                                nm++;
                        nlen = (size_t)(line + len - nm);
                        while (nlen && strchr(" \t\r", nm[nlen - 1]))
                                nlen--;
                        if (end != line && end == colon && id > 0 && nlen == strlen(name) &&
                            strncmp(nm, name, nlen) == 0)
                                return id;
                }
                line = eol ? eol + 1 : NULL;
        }
        return -1;
}

char *vgpu_type_names(const struct vgpu_vf *v, size_t n)
{
        char *list = strdup("");

        for (size_t i = 0; list && i < n; i++) {
                const char *line = v[i].creatable;

                if (!v[i].nvidia || v[i].current != 0)
                        continue;
                while (list && line && *line) {
                        const char *eol = strchr(line, '\n'), *colon = strchr(line, ':');
                        size_t len = eol ? (size_t)(eol - line) : strlen(line);
                        char *end;

                        strtol(line, &end, 10);
                        if (colon && colon < line + len && end != line) {
                                _cleanup_free_ char *nm = NULL;
                                const char *s = colon + 1;
                                size_t nlen;

                                while (*s == ' ' || *s == '\t')
                                        s++;
                                nlen = (size_t)(line + len - s);
                                while (nlen && strchr(" \t\r", s[nlen - 1]))
                                        nlen--;
                                nm = strndup(s, nlen);
                                if (!nm) {
                                        free(list);
                                        return NULL;
                                }
                                if (nlen && !strstr(list, nm)) {
                                        char *l = strdup_printf("%s%s\"%s\"", list,
                                                                *list ? ", " : "", nm);

                                        free(list);
                                        list = l;
                                }
                        }
                        line = eol ? eol + 1 : NULL;
                }
        }
        return list;
}

static const struct conf_sriov *sriov_of(const struct conf *c, const struct pci_addr *pf)
{
        for (size_t i = 0; i < c->n_sriovs; i++)
                if (pci_addr_eq(&c->sriovs[i].pf, pf))
                        return &c->sriovs[i];
        return NULL;
}

static int add_vf(struct vgpu_plan *g, struct vgpu_vf *vf)
{
        void *n = xrealloc_array(g->vfs, g->n_vfs + 1, sizeof(*g->vfs));

        if (!n)
                return -ENOMEM;
        g->vfs = n;
        memcpy(g->vfs[g->n_vfs++], vf->bdf, sizeof(vf->bdf));
        vf->taken = true;
        return 0;
}

/* The entries of one PF, in config order: each keeps the VFs that hold
 * its type already, then takes free VFs on which its type is creatable. */
static int plan_pf(struct plan *p, const struct pci_addr *pf_addr)
{
        const struct conf_sriov *sriov = sriov_of(p->conf, pf_addr);
        _cleanup_free_ char *drv = NULL;
        struct vgpu_vf *vfs = NULL;
        struct pci_fn *pf = NULL;
        char pf_bdf[PCI_ADDR_STRLEN];
        size_t n = 0, with_nvidia = 0;
        unsigned long wanted = 0;
        int r;

        pci_addr_format(pf_addr, pf_bdf);
        r = host_get(p->host, pf_addr, &pf);
        if (r < 0) {
                _cleanup_free_ char *ls = plan_list_command();

                for (size_t i = 0; i < p->n_vgpus; i++) {
                        const struct conf_vgpu *e = p->vgpus[i].entry;

                        if (!pci_addr_eq(&e->pf, pf_addr))
                                continue;
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_NO_MATCH, pf_addr, e->name,
                                         "no PCI device at %s, the pf of vgpu \"%s\" (%s:%u); "
                                         "`%s` lists the addresses",
                                         pf_bdf, e->name, e->where.file, e->where.line,
                                         ls ? ls : "lspci -D");
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        drv = host_driver_now(pf_bdf);
        r = vgpu_vfs_read(pf_bdf, &vfs, &n);
        if (r == -ENOMEM)
                return r;
        for (size_t i = 0; i < n; i++)
                with_nvidia += vfs[i].nvidia;

        for (size_t i = 0; i < p->n_vgpus && r >= 0; i++) {
                struct vgpu_plan *g = &p->vgpus[i];
                const struct conf_vgpu *e = g->entry;
                _cleanup_free_ char *names = NULL;

                if (!pci_addr_eq(&e->pf, pf_addr))
                        continue;
                g->pf = pf;
                r = 0;
                if (!drv || !streq(drv, "nvidia")) {
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_VGPU_PF_DRIVER, pf_addr, e->name,
                                         "%s, the pf of vgpu \"%s\", is bound to %s, not nvidia: "
                                         "vGPU types exist only under NVIDIA's vGPU manager "
                                         "driver; install it for this kernel, or remove the "
                                         "entry (%s:%u)",
                                         pf_bdf, e->name, drv ? drv : "no driver", e->where.file,
                                         e->where.line);
                        continue;
                }
                /* The sriov entry sets the VF count at boot, whatever the
                 * PF has now: the entries share that many. */
                wanted += e->count;
                if (sriov && wanted > sriov->vfs) {
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_VGPU_NO_VFS, pf_addr, e->name,
                                         "vgpu \"%s\" (%s:%u) needs %u VFs of %s, but sriov "
                                         "\"%s\" (%s:%u) makes %u at boot and the vgpu entries "
                                         "before it take %lu: raise vfs there or lower count",
                                         e->name, e->where.file, e->where.line, e->count, pf_bdf,
                                         sriov->name, sriov->where.file, sriov->where.line,
                                         sriov->vfs, wanted - e->count);
                        wanted -= e->count;
                        continue;
                }
                if (with_nvidia == 0 && n == 0 && sriov && sriov->vfs >= e->count) {
                        r = plan_problem(p, SEVERITY_WARNING, PROBLEM_VGPU_NO_VFS, pf_addr, e->name,
                                         "%s has no VFs yet; sriov \"%s\" makes them at boot "
                                         "and vgpu \"%s\" types them then: run gpupt-check "
                                         "after that boot to see the types",
                                         pf_bdf, sriov->name, e->name);
                        continue;
                }
                if (with_nvidia == 0) {
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_VGPU_NO_VFS, pf_addr, e->name,
                                         "%s has %zu VFs, none with an nvidia/ directory, and "
                                         "vgpu \"%s\" needs %u: make them with NVIDIA's "
                                         "`sriov-manage -e %s` or an sriov entry whose vf_driver "
                                         "leaves them to nvidia",
                                         pf_bdf, n, e->name, e->count, pf_bdf);
                        continue;
                }
                for (size_t j = 0; j < n; j++)
                        if (!g->n_vfs && vfs[j].creatable &&
                            (g->type_id = vgpu_type_id(vfs[j].creatable, e->type)) > 0)
                                break;
                if (g->type_id <= 0) {
                        g->type_id = -1;
                        names = vgpu_type_names(vfs, n);
                        if (!names)
                                return -ENOMEM;
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_VGPU_TYPE_UNKNOWN, pf_addr,
                                         e->name,
                                         "no VF of %s offers vGPU type \"%s\" (vgpu \"%s\", "
                                         "%s:%u); creatable now: %s",
                                         pf_bdf, e->type, e->name, e->where.file, e->where.line,
                                         *names ? names : "none");
                        continue;
                }
                for (size_t j = 0; j < n && g->n_vfs < e->count && r >= 0; j++)
                        if (!vfs[j].taken && vfs[j].current == g->type_id)
                                r = add_vf(g, &vfs[j]);
                g->n_held = g->n_vfs;
                for (size_t j = 0; j < n && g->n_vfs < e->count && r >= 0; j++)
                        if (!vfs[j].taken && vfs[j].nvidia && vfs[j].current == 0 &&
                            vgpu_type_id(vfs[j].creatable, e->type) == g->type_id)
                                r = add_vf(g, &vfs[j]);
                if (r >= 0 && g->n_vfs < e->count)
                        r = plan_problem(p, SEVERITY_ERROR, PROBLEM_VGPU_NO_VFS, pf_addr, e->name,
                                         "vgpu \"%s\" wants %u VFs of %s with type \"%s\"; %zu "
                                         "are free for it (%zu VFs in all). Make more VFs, or "
                                         "lower count in %s:%u",
                                         e->name, e->count, pf_bdf, e->type, g->n_vfs, n,
                                         e->where.file, e->where.line);
        }
        for (size_t j = 0; j < n && r >= 0; j++) {
                struct pci_addr a;

                if (vfs[j].taken || vfs[j].current <= 0)
                        continue;
                r = plan_problem(p, SEVERITY_WARNING, PROBLEM_VGPU_VF_IN_USE,
                                 pci_addr_parse(vfs[j].bdf, &a, NULL) == 0 ? &a : NULL, NULL,
                                         "VF %s of %s holds vGPU type %ld, which no vgpu entry "
                                         "asks for; gpupt leaves it as it is", vfs[j].bdf,
                                 pf_bdf, vfs[j].current);
        }
        vgpu_vfs_free(vfs, n);
        return r < 0 ? r : 0;
}

int detect_vgpus(struct plan *p)
{
        const struct conf *c = p->conf;
        int r;

        vgpu_plans_free(p->vgpus, p->n_vgpus);
        p->vgpus = NULL;
        p->n_vgpus = 0;
        if (!c->n_vgpus)
                return 0;
        p->vgpus = calloc(c->n_vgpus, sizeof(*p->vgpus));
        if (!p->vgpus)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_vgpus; i++)
                p->vgpus[p->n_vgpus++] = (struct vgpu_plan){ .entry = &c->vgpus[i], .type_id = -1 };
        for (size_t i = 0; i < c->n_vgpus; i++) {
                bool first = true;

                for (size_t j = 0; j < i && first; j++)
                        first = !pci_addr_eq(&c->vgpus[j].pf, &c->vgpus[i].pf);
                if (first && (r = plan_pf(p, &c->vgpus[i].pf)) < 0)
                        return r;
        }
        return 0;
}

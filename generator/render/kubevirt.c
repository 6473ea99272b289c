/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check --kubevirt: device and mdev entries as KubeVirt's
 * permittedHostDevices and a VirtualMachine's devices. A renderer over the
 * plan, like handoff.c, whose readiness it shares. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "handoff.h"
#include "k8sname.h"
#include "kubevirt.h"
#include "modules.h"
#include "pciids.h"
#include "util.h"

int kubevirt_add(const struct plan *p, struct kubevirt_set *set, const char *name)
{
        const struct conf_device *d = handoff_entry(p->conf, name);

        if (d) {
                for (size_t i = 0; i < set->n_devices; i++)
                        if (set->devices[i] == d)
                                return 0;
                set->devices[set->n_devices++] = d;
                return 0;
        }
        for (size_t i = 0; i < p->n_mdevs; i++) {
                const struct mdev_plan *m = &p->mdevs[i];

                if (!streq(m->entry->name, name))
                        continue;
                for (size_t j = 0; j < set->n_mdevs; j++)
                        if (set->mdevs[j] == m)
                                return 0;
                set->mdevs[set->n_mdevs++] = m;
                return 0;
        }
        return -ENOENT;
}

bool kubevirt_ready(const struct plan *p, const struct kubevirt_set *set, FILE *why)
{
        const struct handoff_set hs = { .entries = set->devices, .n = set->n_devices };
        bool ready = handoff_ready(p, &hs, why);

        for (size_t i = 0; i < set->n_mdevs; i++) {
                const struct mdev_plan *m = set->mdevs[i];
                const struct problem *pr = plan_entry_blocker(p, m->entry->name);

                if (pr) {
                        ready = false;
                        if (why)
                                fprintf(why, "  %s: %s\n", problem_name(pr->code), pr->message);
                } else if (!m->type_name) {
                        ready = false;
                        if (why)
                                fprintf(why, "  mdev \"%s\": the name of type %s on %s cannot be "
                                             "read, and KubeVirt selects mdevs by it\n",
                                        m->entry->name, m->entry->type, m->entry->parent);
                }
        }
        return ready;
}

/* "NVIDIA Corporation" -> "nvidia.com"; "Advanced Micro Devices, Inc.
 * [AMD/ATI]" -> "amd.com" (the short name in brackets, up to a '/'); ""
 * when no DNS label is left. */
static void vendor_domain(const char *vendor_name, char out[static K8S_NAME_MAX + 5])
{
        const char *s = vendor_name, *br = strrchr(vendor_name, '[');
        size_t n = 0;

        if (br && strchr(br, ']'))
                s = br + 1;
        for (; *s && n < K8S_NAME_MAX; s++) {
                unsigned char c = (unsigned char)*s;

                if (isalnum(c) && c < 0x80)
                        out[n++] = (char)tolower(c);
                else if (c == '-' && n)
                        out[n++] = '-';
                else
                        break; /* the first word */
        }
        while (n && out[n - 1] == '-')
                n--;
        if (n)
                memcpy(out + n, ".com", 5);
        else
                out[0] = '\0';
}

void kubevirt_resource_name(const char *vendor_name, const char *product, const char *fallback,
                            char out[static 320])
{
        char domain[K8S_NAME_MAX + 5] = "", name[K8S_NAME_MAX + 1] = "";

        if (vendor_name)
                vendor_domain(vendor_name, domain);
        if (product)
                k8s_name_from_text(product, strlen(product), name);
        if (!*name)
                k8s_name_from_text(fallback, strlen(fallback), name);
        snprintf(out, 320, "%s/%s", *domain ? domain : "gpupt.io", name);
}

/* A YAML double-quoted scalar: '"' and '\\' escaped, and every byte that is
 * not printable ASCII as \xNN, so that nothing read from sysfs can end the
 * string, the line or the document. */
static void yaml_str(FILE *f, const char *s)
{
        fputc('"', f);
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20 || c >= 0x7f)
                        fprintf(f, "\\x%02x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

struct model {
        uint16_t vendor, device;
        bool display;
        char resource[320];
};

struct request {
        const char *resource; /* the model's or the mdev's */
        bool gpu;             /* a display function or an mdev: gpus, else hostDevices */
};

struct kv {
        const struct plan *p;
        const struct kubevirt_set *set;
        FILE *warn;
        const struct pciids *db; /* NULL: the fallback names */
        struct model *models;
        size_t n_models;
        struct {
                const char *name;
                char resource[320];
        } *mdev_types;
        size_t n_mdev_types;
        struct request *requests;
        size_t n_requests;
        size_t n_functions;
};

static bool in_devices(const struct kubevirt_set *set, const struct conf_device *d)
{
        for (size_t i = 0; i < set->n_devices; i++)
                if (set->devices[i] == d)
                        return true;
        return false;
}

static void derived_name(struct kv *k, uint16_t vendor, uint16_t device, char out[static 320])
{
        _cleanup_free_ char *vn = NULL, *dn = NULL;
        char fallback[32];

        if (k->db)
                (void)pciids_names(k->db, vendor, device, &vn, &dn);
        snprintf(fallback, sizeof(fallback), "pci-%04x-%04x", vendor, device);
        kubevirt_resource_name(vn, dn, fallback, out);
}

/* The model of a claim, added when new; the resource an entry names is
 * that of the model of its first claimed function. */
static struct model *model_of(struct kv *k, const struct claim *c, bool first_of_entry)
{
        const struct pci_fn *fn = c->fn;
        const char *asked = first_of_entry ? c->entry->resource : NULL;
        struct model *m = NULL;

        for (size_t i = 0; i < k->n_models && !m; i++)
                if (k->models[i].vendor == fn->vendor && k->models[i].device == fn->device)
                        m = &k->models[i];
        if (!m) {
                m = &k->models[k->n_models++];
                *m = (struct model){ .vendor = fn->vendor, .device = fn->device,
                                     .display = pci_fn_is_display(fn) };
                if (asked)
                        snprintf(m->resource, sizeof(m->resource), "%s", asked);
                else
                        derived_name(k, fn->vendor, fn->device, m->resource);
        } else if (asked && !streq(asked, m->resource))
                fprintf(k->warn,
                        "gpupt-check: warning: device \"%s\" names resource %s for "
                        "%04X:%04X, which is offered as %s already; KubeVirt takes one "
                        "resource name per vendor:device\n",
                        c->entry->name, asked, fn->vendor, fn->device, m->resource);
        return m;
}

static int gather(struct kv *k)
{
        const struct plan *p = k->p;
        _cleanup_free_ bool *seen = calloc(p->conf->n_devices + 1, sizeof(*seen));

        k->models = calloc(p->n_claims + 1, sizeof(*k->models));
        k->mdev_types = calloc(k->set->n_mdevs + 1, sizeof(*k->mdev_types));
        k->requests = calloc(p->n_claims + k->set->n_mdevs + 1, sizeof(*k->requests));
        if (!seen || !k->models || !k->mdev_types || !k->requests)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_claims; i++) {
                const struct claim *c = &p->claims[i];
                size_t e = (size_t)(c->entry - p->conf->devices);
                struct model *m;

                if (!in_devices(k->set, c->entry))
                        continue;
                m = model_of(k, c, !seen[e]);
                seen[e] = true;
                k->n_functions++;
                k->requests[k->n_requests++] = (struct request){ m->resource, m->display };
                if (!module_name_eq(c->driver, "vfio-pci"))
                        fprintf(k->warn,
                                "gpupt-check: warning: device \"%s\" claims %s for %s; "
                                "KubeVirt's device plugin offers only functions bound to "
                                "vfio-pci (set driver = \"vfio-pci\" on the entry)\n",
                                c->entry->name, c->fn->bdf, c->driver);
        }
        for (size_t i = 0; i < k->set->n_mdevs; i++) {
                const struct mdev_plan *mp = k->set->mdevs[i];
                const char *name = mp->type_name ? mp->type_name : mp->entry->type;
                size_t t = 0;

                while (t < k->n_mdev_types && !streq(k->mdev_types[t].name, name))
                        t++;
                if (t == k->n_mdev_types) {
                        _cleanup_free_ char *vn = NULL, *dn = NULL;

                        k->mdev_types[t].name = name;
                        if (mp->entry->resource)
                                snprintf(k->mdev_types[t].resource, 320, "%s",
                                         mp->entry->resource);
                        else {
                                if (k->db && mp->has_parent_vendor)
                                        (void)pciids_names(k->db, mp->parent_vendor, 0, &vn, &dn);
                                kubevirt_resource_name(vn, name, mp->entry->type,
                                                       k->mdev_types[t].resource);
                        }
                        k->n_mdev_types++;
                }
                k->requests[k->n_requests++] =
                        (struct request){ k->mdev_types[t].resource, true };
        }
        return 0;
}

static void write_header(FILE *f, const struct kv *k)
{
        fputs("# gpupt, for KubeVirt:", f);
        for (size_t i = 0; i < k->set->n_devices; i++)
                fprintf(f, " device %s%s", k->set->devices[i]->name,
                        i + 1 < k->set->n_devices || k->set->n_mdevs ? "," : "");
        for (size_t i = 0; i < k->set->n_mdevs; i++)
                fprintf(f, " mdev %s%s", k->set->mdevs[i]->entry->name,
                        i + 1 < k->set->n_mdevs ? "," : "");
        fprintf(f, "; %zu function%s, %zu mdev%s.\n", k->n_functions,
                k->n_functions == 1 ? "" : "s", k->set->n_mdevs, k->set->n_mdevs == 1 ? "" : "s");
        fputs("# pciVendorSelector matches every function of a model, but KubeVirt's\n"
              "# device plugin offers only functions bound to vfio-pci, and gpupt binds\n"
              "# only the functions these entries claim: identical models that the host\n"
              "# keeps stay on their host drivers and are never offered to VMs.\n"
              "#\n"
              "# 1. The KubeVirt CR: merge into its spec.configuration (kubectl edit\n"
              "#    kubevirt -n kubevirt kubevirt), next to the items there already.\n", f);
}

static void write_cr(FILE *f, const struct kv *k)
{
        fputs("---\n"
              "apiVersion: kubevirt.io/v1\n"
              "kind: KubeVirt\n"
              "metadata:\n"
              "  name: kubevirt\n"
              "  namespace: kubevirt\n"
              "spec:\n"
              "  configuration:\n", f);
        fputs(k->n_models || k->n_mdev_types ? "    permittedHostDevices:\n"
                                             : "    permittedHostDevices: {}\n", f);
        if (k->n_models)
                fputs("      pciHostDevices:\n", f);
        for (size_t i = 0; i < k->n_models; i++) {
                /* upper-case hex, as KubeVirt's documentation writes it */
                fprintf(f, "        - pciVendorSelector: \"%04X:%04X\"\n          resourceName: ",
                        k->models[i].vendor, k->models[i].device);
                yaml_str(f, k->models[i].resource);
                fputc('\n', f);
        }
        if (k->n_mdev_types)
                fputs("      mediatedDevices:\n", f);
        for (size_t i = 0; i < k->n_mdev_types; i++) {
                fputs("        - mdevNameSelector: ", f);
                yaml_str(f, k->mdev_types[i].name);
                fputs("\n          resourceName: ", f);
                yaml_str(f, k->mdev_types[i].resource);
                fputc('\n', f);
        }
}

static void write_devices(FILE *f, const struct kv *k, bool gpu)
{
        size_t n = 0;

        for (size_t i = 0; i < k->n_requests; i++) {
                if (k->requests[i].gpu != gpu)
                        continue;
                if (!n)
                        fputs(gpu ? "          gpus:\n" : "          hostDevices:\n", f);
                fprintf(f, "            - name: %s%zu\n              deviceName: ",
                        gpu ? "gpu" : "hostdev", ++n);
                yaml_str(f, k->requests[i].resource);
                fputc('\n', f);
        }
}

static void write_vm(FILE *f, const struct kv *k)
{
        fputs("# 2. A VirtualMachine: merge into its spec. One request per function or\n"
              "#    mdev; the nodeSelector keeps it to nodes whose boot applied gpupt's\n"
              "#    plan (the label file of gpupt-apply(8)).\n"
              "---\n"
              "apiVersion: kubevirt.io/v1\n"
              "kind: VirtualMachine\n"
              "metadata:\n"
              "  name: gpupt-vm\n"
              "spec:\n"
              "  template:\n"
              "    spec:\n"
              "      nodeSelector:\n"
              "        gpupt.io/ready: \"true\"\n"
              "      domain:\n"
              "        devices:\n", f);
        if (!k->n_requests)
                fputs("          gpus: []\n", f);
        write_devices(f, k, true);
        write_devices(f, k, false);
}

int kubevirt_write(FILE *f, FILE *warn, const struct plan *p, const struct pciids *db,
                   const struct kubevirt_set *set)
{
        struct kv k = { .p = p, .set = set, .warn = warn, .db = db };
        int r;

        r = gather(&k);
        if (r >= 0) {
                write_header(f, &k);
                write_cr(f, &k);
                write_vm(f, &k);
        }
        free(k.models);
        free(k.mdev_types);
        free(k.requests);
        return r;
}

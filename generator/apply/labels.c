/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "k8sname.h"
#include "labels.h"
#include "util.h"

static int label(FILE *f, const char *name, const char *value)
{
        if (!k8s_qualified_valid(name) || !k8s_label_value_valid(value))
                return -EINVAL;
        fprintf(f, "%s=%s\n", name, value);
        return 0;
}

static bool has_problem(const struct plan *p, enum problem_code code)
{
        for (size_t i = 0; i < p->n_problems; i++)
                if (p->problems[i].code == code)
                        return true;
        return false;
}

int labels_format(FILE *f, const struct plan *p)
{
        int r;

        fputs("# gpupt-apply labels: what this boot applied, as gpupt-check --verify\n"
              "# judges it (gpupt-apply(8)). Rewritten at every boot; do not edit.\n", f);
        r = label(f, "gpupt.io/ready", plan_ready(p) ? "true" : "false");
        if (r == 0)
                r = label(f, "gpupt.io/reboot-required",
                          has_problem(p, PROBLEM_REBOOT_REQUIRED) ? "true" : "false");
        /* One label per model, in the order of its first claimed function. */
        for (size_t i = 0; r == 0 && i < p->n_claims; i++) {
                const struct pci_fn *fn = p->claims[i].fn;
                bool first = true;
                unsigned n = 0;
                char name[64], value[16];

                for (size_t j = 0; j < i && first; j++)
                        first = p->claims[j].fn->vendor != fn->vendor ||
                                p->claims[j].fn->device != fn->device;
                if (!first)
                        continue;
                for (size_t j = i; j < p->n_claims; j++)
                        n += p->claims[j].fn->vendor == fn->vendor &&
                             p->claims[j].fn->device == fn->device && p->claims[j].applied;
                snprintf(name, sizeof(name), "gpupt.io/pci-%04x-%04x", fn->vendor, fn->device);
                snprintf(value, sizeof(value), "%u", n);
                r = label(f, name, value);
        }
        return r;
}

/* The directory of path exists, or is made when the config asked for the
 * file (mkdir -p, 0755). */
static int parent_dir(char *path, bool make)
{
        char *slash = strrchr(path, '/');
        struct stat st;
        int r = 0;

        if (!slash || slash == path)
                return 0;
        *slash = '\0';
        if (stat(path, &st) == 0)
                r = S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
        else if (errno != ENOENT || !make)
                r = errno == ENOENT ? -ENOENT : -errno;
        else if ((r = parent_dir(path, true)) == 0 && mkdir(path, 0755) < 0 && errno != EEXIST)
                r = -errno;
        *slash = '/';
        return r;
}

/* Through a hidden file beside it: NFD reads every file of features.d, and
 * must never read a half-written one or the temporary as features. */
static int write_atomic(const char *path, const char *text, size_t len)
{
        const char *base = strrchr(path, '/') + 1;
        _cleanup_free_ char *tmp = strdup_printf("%.*s.%s.tmp", (int)(base - path), path, base);

        return tmp ? write_file_replace(path, tmp, text, len) : -ENOMEM;
}

int labels_write(const struct plan *p, const char **path_ret)
{
        const char *asked = p->conf->node_labels;
        _cleanup_free_ char *path = root_path(asked ? asked : CONF_NODE_LABELS_DEFAULT);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        *path_ret = asked ? asked : CONF_NODE_LABELS_DEFAULT;
        if (asked && !*asked)
                return 0;
        if (!path)
                return -ENOMEM;
        r = parent_dir(path, asked != NULL);
        if (r == -ENOENT && !asked)
                return 0; /* no NFD on this node */
        if (r < 0)
                return r;
        f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;
        r = labels_format(f, p);
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r == 0 && len > LABELS_FILE_MAX)
                r = -EFBIG;
        if (r == 0)
                r = write_atomic(path, text, len);
        return r < 0 ? r : 1;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "cmdline.h"
#include "util.h"

#define CMDLINE_MAX (256u << 10)

int parse_boolean(const char *v)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!v)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

bool cmdline_key_eq(const char *a, const char *b)
{
        for (;; a++, b++) {
                char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;

                if (x != y)
                        return false;
                if (!x)
                        return true;
        }
}

int cmdline_foreach(const char *line, int (*cb)(const char *key, const char *value, void *u),
                    void *u)
{
        _cleanup_free_ char *word = NULL;
        const char *p = line;
        size_t cap = strlen(line) + 1;

        word = malloc(cap);
        if (!word)
                return -ENOMEM;
        for (;;) {
                bool quoted = false;
                size_t n = 0;
                char *eq;
                int r;

                while (*p && isspace((unsigned char)*p))
                        p++;
                if (!*p)
                        return 0;
                /* The kernel lets double quotes protect spaces anywhere in an
                 * item, and drops them. */
                for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
                        if (*p == '"')
                                quoted = !quoted;
                        else
                                word[n++] = *p;
                }
                word[n] = '\0';
                /* Everything after "--" belongs to init, not the kernel. */
                if (streq(word, "--"))
                        return 0;
                eq = strchr(word, '=');
                if (eq)
                        *eq = '\0';
                r = cb(word, eq ? eq + 1 : NULL, u);
                if (r < 0)
                        return r;
        }
}

static int set_str(char **field, const char *value)
{
        char *v = strdup(value ? value : "");

        if (!v)
                return -ENOMEM;
        free(*field);
        *field = v;
        return 0;
}

/* Off-switches: a bare key or an unparsable value keeps the feature on, so
 * a typo never silently disables the claim. */
static void set_off(bool *off, const char *value)
{
        int b = value ? parse_boolean(value) : 1;

        if (b >= 0)
                *off = b == 0;
}

static int item(const char *key, const char *value, void *u)
{
        struct kcmdline *c = u;

        if (streq(key, "gpupt"))
                set_off(&c->gpupt_off, value);
        else if (streq(key, "rd.gpupt"))
                set_off(&c->rd_gpupt_off, value);
        else if (streq(key, "root") && value)
                return set_str(&c->root, value);
        else if (streq(key, "intel_iommu"))
                return set_str(&c->intel_iommu, value);
        else if (streq(key, "amd_iommu"))
                return set_str(&c->amd_iommu, value);
        else if (streq(key, "iommu"))
                return set_str(&c->iommu, value);
        else if (streq(key, "pcie_acs_override"))
                c->acs_override = true;
        else if (streq(key, "vfio_iommu_type1.allow_unsafe_interrupts"))
                c->allow_unsafe_interrupts = !value || parse_boolean(value) > 0;
        return 0;
}

int cmdline_parse(const char *line, struct kcmdline *ret)
{
        struct kcmdline c = { 0 };
        int r;

        r = cmdline_foreach(line, item, &c);
        if (r < 0) {
                cmdline_done(&c);
                return r;
        }
        *ret = c;
        return 0;
}

int cmdline_read_text(char **ret)
{
        _cleanup_free_ char *path = root_path("/proc/cmdline");

        if (!path)
                return -ENOMEM;
        return read_file(path, CMDLINE_MAX, ret, NULL);
}

int cmdline_read(struct kcmdline *ret)
{
        _cleanup_free_ char *text = NULL;
        int r;

        r = cmdline_read_text(&text);
        if (r < 0)
                return r;
        return cmdline_parse(text, ret);
}

void cmdline_done(struct kcmdline *c)
{
        free(c->root);
        free(c->intel_iommu);
        free(c->amd_iommu);
        free(c->iommu);
        *c = (struct kcmdline){ 0 };
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "cmdline.h"
#include "confdirs.h"
#include "recipes.h"
#include "util.h"

#define RECIPE_FILE_MAX (1u << 20)

bool recipe_module_is(const char *name, const char *want)
{
        for (; *name && *want; name++, want++) {
                char a = *name == '-' ? '_' : *name, b = *want == '-' ? '_' : *want;

                if (a != b)
                        return false;
        }
        return !*name && !*want;
}

bool recipe_gpu_module(const char *module, unsigned *vendor)
{
        static const struct {
                const char *name;
                unsigned vendor;
        } gpu[] = {
                { "nouveau", 0x10de }, { "nvidia", 0x10de }, { "amdgpu", 0x1002 }, { "radeon", 0x1002 },
        };

        for (size_t i = 0; i < ELEMENTSOF(gpu); i++)
                if (recipe_module_is(module, gpu[i].name)) {
                        if (vendor)
                                *vendor = gpu[i].vendor;
                        return true;
                }
        return false;
}

static void recipe_free(struct recipe *r)
{
        free(r->file);
        free(r->text);
        free(r->ids);
        free(r->name);
        free(r->left_out);
}

void recipes_done(struct recipes *rs)
{
        for (size_t i = 0; i < rs->n; i++)
                recipe_free(&rs->v[i]);
        free(rs->v);
        *rs = (struct recipes){ 0 };
}

int recipes_find_functions(struct recipes *rs, struct host *h)
{
        for (size_t i = 0; i < rs->n; i++) {
                struct recipe_host *at = &rs->v[i].at;
                struct pci_fn *slot[8], *fn;
                int r;

                if (rs->v[i].kind != RECIPE_DRIVERCTL)
                        continue;
                *at = (struct recipe_host){ 0 };
                r = host_slot(h, &rs->v[i].addr, slot, &at->n_slot);
                if (r == -ENOMEM)
                        return r;
                at->slot_error = r < 0 ? r : 0;
                if (r < 0)
                        at->n_slot = 0;
                for (size_t k = 0; k < at->n_slot; k++)
                        at->slot[k] = slot[k]->addr;
                if (at->n_slot)
                        at->slot_id = (struct pci_id){ .vendor = slot[0]->vendor,
                                                       .device = slot[0]->device };
                r = host_get(h, &rs->v[i].addr, &fn);
                if (r == -ENOMEM)
                        return r;
                if (r == 0) {
                        at->found = true;
                        at->id = (struct pci_id){ .vendor = fn->vendor, .device = fn->device };
                }
        }
        return 0;
}

static int add(struct recipes *rs, struct recipe *r)
{
        if (!r->file || !r->text || GROW(rs->v, rs->n, rs->alloc) < 0) {
                recipe_free(r);
                return -ENOMEM;
        }
        rs->v[rs->n++] = *r;
        return 0;
}

/* One id of vfio-pci's ids= (vendor:device[:subvendor[:subdevice[:class[:mask]]]]).
 * 1: *ret holds it; 0: gpupt has no way to say it (a wildcard, only a
 * subvendor, a class); -EINVAL: not an id at all. */
static int parse_vfio_id(const char *s, size_t len, struct pci_id *ret)
{
        char buf[64];
        unsigned long f[6];
        int n = 0;
        char *p, *end;

        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = '\0';
        for (p = buf;; p = end + 1) {
                if (n == 6 || !*p)
                        return -EINVAL;
                errno = 0;
                f[n] = strtoul(p, &end, 16);
                if (end == p || errno || f[n] > 0xffffffffUL)
                        return -EINVAL;
                n++;
                if (!*end)
                        break;
                if (*end != ':')
                        return -EINVAL;
        }
        if (n < 2)
                return -EINVAL;
        for (int i = 0; i < n && i < 4; i++)
                if (f[i] > 0xffff)
                        return 0; /* PCI_ANY_ID: "every device" is no gpupt entry */
        if (n == 3 || n > 4)
                return 0;
        *ret = (struct pci_id){ .vendor = (uint16_t)f[0], .device = (uint16_t)f[1] };
        if (n == 4) {
                ret->has_sub = true;
                ret->subvendor = (uint16_t)f[2];
                ret->subdevice = (uint16_t)f[3];
        }
        return 1;
}

/* Adds an ids recipe for the comma-separated list v; left_out: the
 * options beside it, or NULL. */
static int add_ids(struct recipes *rs, enum recipe_kind kind, const char *file, unsigned line,
                   const char *text, const char *v, const char *left_out)
{
        struct recipe r = { .kind = kind, .file = strdup(file), .line = line,
                            .text = strdup(text) };
        size_t cap = 1;

        for (const char *p = v; *p; p++)
                cap += *p == ',';
        r.ids = calloc(cap, sizeof(*r.ids));
        if (left_out && !(r.left_out = strdup(left_out))) {
                recipe_free(&r);
                return -ENOMEM;
        }
        if (!r.ids) {
                recipe_free(&r);
                return -ENOMEM;
        }
        for (const char *p = v; *p;) {
                size_t n = strcspn(p, ",");
                int k = parse_vfio_id(p, n, &r.ids[r.n_ids]);

                if (k > 0)
                        r.n_ids++;
                else if (n > 0)
                        r.n_skipped++;
                p += n;
                if (*p == ',')
                        p++;
        }
        return add(rs, &r);
}

static int add_named(struct recipes *rs, enum recipe_kind kind, const char *file, unsigned line,
                     const char *text, const char *name, size_t len)
{
        struct recipe r = { .kind = kind, .file = strdup(file), .line = line,
                            .text = strdup(text), .name = strndup(name, len) };

        if (!r.name) {
                recipe_free(&r);
                return -ENOMEM;
        }
        return add(rs, &r);
}

/* The next word of a modprobe.d line; NULL at its end. */
static char *word(char **s)
{
        char *w;

        while (**s == ' ' || **s == '\t')
                (*s)++;
        if (!**s)
                return NULL;
        w = *s;
        *s += strcspn(*s, " \t");
        if (**s)
                *(*s)++ = '\0';
        return w;
}

/* "options vfio-pci ids=…" and the other commands gpupt cares about, on
 * one logical line (work is a copy it may cut up). */
static int modprobe_line(struct recipes *rs, const char *file, unsigned line, const char *text,
                         char *work)
{
        char *s = work, *cmd = word(&s), *mod, *w;

        if (!cmd || !(mod = word(&s)))
                return 0;
        if (streq(cmd, "options") && recipe_module_is(mod, "vfio_pci")) {
                /* the other words, each at most as long as the line */
                _cleanup_free_ char *rest = calloc(1, strlen(text) + 1);
                char *ids = NULL;

                if (!rest)
                        return -ENOMEM;
                while ((w = word(&s))) {
                        size_t n;

                        if (ids || strncmp(w, "ids=", 4) != 0) {
                                if (*rest)
                                        strcat(rest, " ");
                                strcat(rest, w);
                                continue;
                        }
                        ids = w + 4;
                        n = strlen(ids);
                        /* modprobe drops the quotes around a value */
                        if (n >= 2 && ids[0] == '"' && ids[n - 1] == '"') {
                                ids[n - 1] = '\0';
                                ids++;
                        }
                }
                return ids ? add_ids(rs, RECIPE_MODPROBE_IDS, file, line, text, ids,
                                     *rest ? rest : NULL)
                           : 0;
        }
        if (streq(cmd, "blacklist") && recipe_gpu_module(mod, NULL))
                return add_named(rs, RECIPE_BLACKLIST, file, line, text, mod, strlen(mod));
        if (streq(cmd, "softdep") && recipe_gpu_module(mod, NULL)) {
                bool pre = false;

                while ((w = word(&s))) {
                        if (w[strlen(w) - 1] == ':')
                                pre = streq(w, "pre:");
                        else if (pre && recipe_module_is(w, "vfio_pci"))
                                return add_named(rs, RECIPE_SOFTDEP, file, line, text, mod,
                                                 strlen(mod));
                }
        }
        return 0;
}

int recipes_parse_modprobe(struct recipes *rs, const char *file, const char *text)
{
        _cleanup_free_ char *logical = malloc(strlen(text) + 1), *work = NULL;
        unsigned line = 1;
        const char *s = text;

        if (!logical)
                return -ENOMEM;
        work = malloc(strlen(text) + 1);
        if (!work)
                return -ENOMEM;
        while (*s) {
                unsigned first = line;
                size_t n = 0;
                int r;

                /* A backslash at the end of a line continues it, as in kmod. */
                for (; *s; s++) {
                        if (*s == '\\' && s[1] == '\n') {
                                s++;
                                line++;
                                continue;
                        }
                        if (*s == '\n') {
                                s++;
                                line++;
                                break;
                        }
                        /* runs of blanks (a continued line's indent) read as one */
                        if ((*s == ' ' || *s == '\t') && n && logical[n - 1] == ' ')
                                continue;
                        logical[n++] = *s == '\t' ? ' ' : *s;
                }
                logical[n] = '\0';
                if (strchr(logical, '#')) {
                        *strchr(logical, '#') = '\0';
                        n = strlen(logical);
                }
                while (n && logical[n - 1] == ' ')
                        logical[--n] = '\0';
                memcpy(work, logical, n + 1);
                r = modprobe_line(rs, file, first, logical + strspn(logical, " "), work);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct cmdline_ctx {
        struct recipes *rs;
        int error;
};

static int cmdline_item(const char *key, const char *value, void *u)
{
        struct cmdline_ctx *c = u;
        _cleanup_free_ char *text = NULL;

        if (!value)
                return 0;
        text = strdup_printf("%s=%s", key, value);
        if (!text)
                return -ENOMEM;
        if (recipe_module_is(key, "vfio_pci.ids"))
                return add_ids(c->rs, RECIPE_CMDLINE_IDS, "/proc/cmdline", 0, text, value, NULL);
        if (streq(key, "modprobe.blacklist")) {
                for (const char *p = value; *p;) {
                        size_t n = strcspn(p, ",");
                        _cleanup_free_ char *m = strndup(p, n);
                        int r;

                        if (!m)
                                return -ENOMEM;
                        if (recipe_gpu_module(m, NULL) &&
                            (r = add_named(c->rs, RECIPE_BLACKLIST, "/proc/cmdline", 0, text, p,
                                           n)) < 0)
                                return r;
                        p += n;
                        if (*p == ',')
                                p++;
                }
        }
        return 0;
}

int recipes_parse_cmdline(struct recipes *rs, const char *line)
{
        struct cmdline_ctx c = { .rs = rs };

        return cmdline_foreach(line, cmdline_item, &c);
}

int recipes_parse_driverctl(struct recipes *rs, const char *file, const char *name,
                            const char *text)
{
        struct recipe r = { .kind = RECIPE_DRIVERCTL };
        size_t n;

        if (strncmp(name, "pci-", 4) != 0 || pci_addr_parse(name + 4, &r.addr, NULL) < 0)
                return 0;
        text += strspn(text, " \t\n");
        n = strcspn(text, " \t\n");
        if (n == 0 || n > 64)
                return 0;
        for (size_t i = 0; i < n; i++)
                if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
                            text[i]))
                        return 0;
        r.file = strdup(file);
        r.line = 1;
        r.name = strndup(text, n);
        r.text = strndup(text, n);
        if (!r.name) {
                recipe_free(&r);
                return -ENOMEM;
        }
        return add(rs, &r);
}

static int read_one(const char *file, char **text)
{
        _cleanup_free_ char *path = root_path(file);

        if (!path)
                return -ENOMEM;
        return read_file(path, RECIPE_FILE_MAX, text, NULL);
}

static bool is_override(const char *name, void *userdata)
{
        (void)userdata;
        return strncmp(name, "pci-", 4) == 0;
}

static int parse_modprobe(struct recipes *rs, const char *file, const char *name,
                          const char *text)
{
        (void)name;
        return recipes_parse_modprobe(rs, file, text);
}

/* The names read so far, which hide the same name in a later directory. */
/* Reads each file of dirs (under the root, an overlay: confdirs.h) that
 * keep accepts and hands it to parse. An unreadable file is skipped. */
static int read_dirs(struct recipes *rs, const char *const *dirs, size_t n_dirs,
                     bool (*keep)(const char *, void *), void *userdata,
                     int (*parse)(struct recipes *, const char *, const char *, const char *))
{
        char **files;
        size_t n;
        int r;

        r = confdirs_list(dirs, n_dirs, keep, userdata, &files, &n);
        if (r < 0)
                return r;
        for (size_t j = 0; j < n && r >= 0; j++) {
                _cleanup_free_ char *text = NULL;

                r = read_one(files[j], &text);
                if (r == -ENOMEM)
                        break;
                r = r < 0 ? 0 : parse(rs, files[j], strrchr(files[j], '/') + 1, text);
        }
        dir_names_free(files, n);
        return r;
}

static int read_modprobe(struct recipes *rs)
{
        static const char *const dirs[] = {
                "/etc/modprobe.d", "/run/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d",
        };

        return read_dirs(rs, dirs, ELEMENTSOF(dirs), name_has_suffix, (void *)".conf",
                         parse_modprobe);
}

static int read_driverctl(struct recipes *rs)
{
        static const char *const dir = "/etc/driverctl.d";

        return read_dirs(rs, &dir, 1, is_override, NULL, recipes_parse_driverctl);
}

int recipes_read(struct recipes *rs)
{
        _cleanup_free_ char *cmdline = NULL;
        int r;

        r = read_modprobe(rs);
        if (r < 0)
                return r;
        r = read_one("/proc/cmdline", &cmdline);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && (r = recipes_parse_cmdline(rs, cmdline)) < 0)
                return r;
        return read_driverctl(rs);
}

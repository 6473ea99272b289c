/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confdirs.h"
#include "modules.h"
#include "util.h"

struct gp_modules {
        struct kmod_ctx *ctx;
        char *release;
        char *dir;
};

static void normalize(char *s)
{
        for (; *s; s++)
                if (*s == '-')
                        *s = '_';
}

static char *release_override;

int modules_set_release(const char *release)
{
        free(release_override);
        release_override = release ? strdup(release) : NULL;
        return !release || release_override ? 0 : -ENOMEM;
}

/* A release is a file name: lib/modules/RELEASE, initramfs-RELEASE. */
static int release_check(const char *release)
{
        if (!*release || strchr(release, '/') || streq(release, ".") || streq(release, ".."))
                return -EBADMSG;
        return 0;
}

int kernel_release(char buf[static KERNEL_RELEASE_MAX])
{
        _cleanup_free_ char *path = root_path("/proc/sys/kernel/osrelease");
        int r;

        if (!path)
                return -ENOMEM;
        r = read_attr_at(AT_FDCWD, path, buf, KERNEL_RELEASE_MAX);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        return release_check(buf);
}

int modules_open(struct gp_modules **ret)
{
        char release[KERNEL_RELEASE_MAX];
        struct gp_modules *m;
        struct stat st;
        int r;

        if (release_override && strlen(release_override) < sizeof(release)) {
                strcpy(release, release_override);
                r = release_check(release);
        } else
                r = kernel_release(release);
        if (r < 0)
                return r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->release = strdup(release);
        m->dir = strdup_printf("%s/lib/modules/%s", root_dir(), release);
        if (!m->release || !m->dir) {
                modules_free(m);
                return -ENOMEM;
        }
        if (stat(m->dir, &st) < 0) {
                r = -errno;
                modules_free(m);
                return r;
        }
        /* Only the module directory: no /etc/modprobe.d of this host leaks
         * into the answers for a recorded machine. */
        {
                _cleanup_free_ char *conf = strdup_printf("%s/etc/modprobe.d", root_dir());
                const char *const paths[] = { conf, NULL };

                if (!conf) {
                        modules_free(m);
                        return -ENOMEM;
                }
                m->ctx = kmod_new(m->dir, *root_dir() ? paths : NULL);
        }
        if (!m->ctx) {
                modules_free(m);
                return -ENOMEM;
        }
        kmod_set_log_priority(m->ctx, 0);
        r = kmod_load_resources(m->ctx);
        if (r < 0) {
                modules_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

void modules_free(struct gp_modules *m)
{
        if (!m)
                return;
        if (m->ctx)
                kmod_unref(m->ctx);
        free(m->release);
        free(m->dir);
        free(m);
}

const char *modules_release(const struct gp_modules *m)
{
        return m ? m->release : "?";
}

const char *modules_dir(const struct gp_modules *m)
{
        return m ? m->dir : "?";
}

/* A module with a file is loadable; one without is built in, and libkmod
 * knows built-in ones from modules.builtin(.alias).bin. */
static enum module_state state_of(struct kmod_module *mod)
{
        return kmod_module_get_path(mod) ? MODULE_LOADABLE : MODULE_BUILTIN;
}

int modules_state(struct gp_modules *m, const char *name, enum module_state *ret)
{
        struct kmod_list *list = NULL, *l;
        enum module_state st = MODULE_MISSING;
        int r;

        r = kmod_module_new_from_lookup(m->ctx, name, &list);
        if (r < 0)
                return r;
        kmod_list_foreach(l, list)
        {
                struct kmod_module *mod = kmod_module_get_module(l);
                enum module_state s = state_of(mod);

                /* An alias can name several; built in beats loadable. */
                if (st == MODULE_MISSING || s == MODULE_BUILTIN)
                        st = s;
                kmod_module_unref(mod);
        }
        kmod_module_unref_list(list);
        *ret = st;
        return 0;
}

void module_matches_free(struct module_match *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].name);
        free(v);
}

int modules_for_modalias(struct gp_modules *m, const char *modalias, struct module_match **ret,
                         size_t *n)
{
        struct kmod_list *list = NULL, *l;
        struct module_match *v = NULL;
        size_t k = 0, alloc = 0;
        int r;

        *ret = NULL;
        *n = 0;
        r = kmod_module_new_from_lookup(m->ctx, modalias, &list);
        if (r < 0)
                return r;
        kmod_list_foreach(l, list)
        {
                struct kmod_module *mod = kmod_module_get_module(l);
                char *name = strdup(kmod_module_get_name(mod));
                bool dup = false;

                if (name)
                        normalize(name);
                for (size_t i = 0; name && i < k && !dup; i++)
                        dup = streq(v[i].name, name);
                if (!name || (!dup && GROW(v, k, alloc) < 0)) {
                        free(name);
                        kmod_module_unref(mod);
                        r = -ENOMEM;
                        break;
                }
                if (dup)
                        free(name);
                else
                        v[k++] = (struct module_match){ .name = name, .state = state_of(mod) };
                kmod_module_unref(mod);
        }
        kmod_module_unref_list(list);
        if (r < 0) {
                module_matches_free(v, k);
                return r;
        }
        *ret = v;
        *n = k;
        return 0;
}

/* libkmod looks an alias up by its key and lists no key by prefix; it does
 * hand out a whole index (kmod_dump_index, "alias KEY MODULE" lines), which
 * is read here, so the answer comes from the same modules.alias.bin as every
 * lookup and not from the text file beside it. */
static int dump_aliases(struct gp_modules *m, char **ret)
{
        _cleanup_close_ int fd = memfd_create("gpupt-aliases", MFD_CLOEXEC);
        int r;

        if (fd < 0)
                return -errno;
        r = kmod_dump_index(m->ctx, KMOD_INDEX_MODULES_ALIAS, fd);
        if (r < 0)
                return r;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        return read_fd(fd, 64u << 20, ret, NULL);
}

int modules_vfio_variants(struct gp_modules *m, char ***ret, size_t *n)
{
        _cleanup_free_ char *text = NULL;
        char **v = NULL, *line, *next;
        size_t k = 0, alloc = 0;
        int r;

        r = dump_aliases(m, &text);
        if (r < 0)
                return r;
        for (line = text; line && *line; line = next) {
                char *mod, *name;
                bool dup = false;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (strncmp(line, "alias vfio_pci:", 15) != 0 || !(mod = strrchr(line, ' ')))
                        continue;
                mod++;
                if (!*mod || module_name_eq(mod, "vfio_pci"))
                        continue;
                for (size_t i = 0; i < k && !dup; i++)
                        dup = module_name_eq(v[i], mod);
                if (dup)
                        continue;
                if (GROW(v, k, alloc) < 0 || !(name = strdup(mod))) {
                        dir_names_free(v, k);
                        return -ENOMEM;
                }
                normalize(name);
                v[k++] = name;
        }
        *ret = v;
        *n = k;
        return 0;
}

bool module_is_loaded(const char *name)
{
        _cleanup_free_ char *n = strdup(name), *path = NULL;
        struct stat st;

        if (!n)
                return false;
        normalize(n);
        path = strdup_printf("%s/sys/module/%s", root_dir(), n);
        return path && stat(path, &st) == 0;
}

bool module_name_eq(const char *a, const char *b)
{
        for (; *a && *b; a++, b++)
                if (*a != *b && !(strchr("-_", *a) && strchr("-_", *b)))
                        return false;
        return *a == *b;
}

/* The first entry of dir that matches: exact when prefix is NULL, else
 * "prefix<name>" with any name; or one equal to name with '-' and '_'
 * alike. */
static int find_entry(const char *dir, const char *prefix, const char *name, char **ret)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = -ENOENT;

        if (!d)
                return -errno;
        while (r == -ENOENT && (de = readdir(d))) {
                const char *e = de->d_name;

                if (e[0] == '.')
                        continue;
                if (prefix) {
                        if (strncmp(e, prefix, strlen(prefix)) != 0 || !e[strlen(prefix)])
                                continue;
                        e += strlen(prefix);
                } else if (!module_name_eq(e, name))
                        continue;
                *ret = strdup(e);
                r = *ret ? 0 : -ENOMEM;
        }
        closedir(d);
        return r;
}

int pci_driver_name(const char *name, char **ret)
{
        _cleanup_free_ char *drivers = strdup_printf("%s/sys/bus/pci/drivers", root_dir());
        _cleanup_free_ char *exact = NULL, *mod = NULL, *moddrv = NULL;
        struct stat st;
        int r;

        if (!drivers || !(exact = strdup_printf("%s/%s", drivers, name)) || !(mod = strdup(name)))
                return -ENOMEM;
        if (!*name || strchr(name, '/'))
                return -EINVAL;
        if (stat(exact, &st) == 0 && S_ISDIR(st.st_mode)) {
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }
        r = find_entry(drivers, NULL, name, ret);
        if (r != -ENOENT)
                return r;
        /* A module may register a PCI driver of another name entirely. */
        normalize(mod);
        moddrv = strdup_printf("%s/sys/module/%s/drivers", root_dir(), mod);
        if (!moddrv)
                return -ENOMEM;
        r = find_entry(moddrv, "pci:", NULL, ret);
        return r == -ENOTDIR ? -ENOENT : r;
}

static int add_early(struct early_module **v, size_t *n, size_t *alloc, const char *name,
                     size_t len, const char *source)
{
        struct early_module *e;

        if (len == 0)
                return 0;
        if (GROW(*v, *n, *alloc) < 0)
                return -ENOMEM;
        e = &(*v)[*n];
        e->name = strndup(name, len);
        e->source = strdup(source);
        if (!e->name || !e->source) {
                free(e->name);
                free(e->source);
                return -ENOMEM;
        }
        normalize(e->name);
        (*n)++;
        return 0;
}

typedef int (*line_fn)(char *line, const char *source, struct early_module **v, size_t *n,
                       size_t *alloc);

/* Each line of path, its leading blanks skipped, to one; a file that cannot
 * be read names no module. */
static int parse_lines(const char *path, const char *source, line_fn one,
                       struct early_module **v, size_t *n, size_t *alloc)
{
        _cleanup_free_ char *text = NULL;
        char *line, *next;
        int r;

        r = read_file(path, 1u << 20, &text, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        for (line = text; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                r = one(line + strspn(line, " \t"), source, v, n, alloc);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One module name per line, '#' and ';' comments (modules-load.d(5)); in
 * /etc/modules and initramfs-tools' list, words after the name are
 * parameters. */
static int list_line(char *line, const char *source, struct early_module **v, size_t *n,
                     size_t *alloc)
{
        if (*line == '#' || *line == ';')
                return 0;
        return add_early(v, n, alloc, line, strcspn(line, " \t\r"), source);
}

static int parse_list(const char *path, const char *source, struct early_module **v,
                      size_t *n, size_t *alloc)
{
        return parse_lines(path, source, list_line, v, n, alloc);
}

/* dracut: add_drivers+=" a b " and force_drivers+="…", in any quoting. */
static int dracut_line(char *line, const char *source, struct early_module **v, size_t *n,
                       size_t *alloc)
{
        char *p;

        if (strncmp(line, "add_drivers", 11) != 0 && strncmp(line, "force_drivers", 13) != 0)
                return 0;
        p = strchr(line, '=');
        if (!p)
                return 0;
        for (p++; *p;) {
                size_t len;
                int r;

                p += strspn(p, " \t\"'");
                len = strcspn(p, " \t\"'#");
                if (*p == '#')
                        break;
                r = add_early(v, n, alloc, p, len, source);
                if (r < 0)
                        return r;
                p += len;
        }
        return 0;
}

static int parse_dracut(const char *path, const char *source, struct early_module **v,
                        size_t *n, size_t *alloc)
{
        return parse_lines(path, source, dracut_line, v, n, alloc);
}

/* Hands each file of dirs (an overlay: confdirs.h) that ends in suffix to
 * parse, with its path under the root and as the admin knows it. */
static int scan_dirs(const char *const *dirs, size_t n_dirs, const char *suffix,
                     int (*parse)(const char *, const char *, struct early_module **, size_t *,
                                  size_t *),
                     struct early_module **v, size_t *n, size_t *alloc)
{
        char **files;
        size_t k;
        int r;

        r = confdirs_list(dirs, n_dirs, name_has_suffix, (void *)suffix, &files, &k);
        for (size_t i = 0; r == 0 && i < k; i++) {
                _cleanup_free_ char *full = root_path(files[i]);

                r = full ? parse(full, files[i], v, n, alloc) : -ENOMEM;
        }
        dir_names_free(files, k);
        return r;
}

int modules_early(struct early_module **ret, size_t *n)
{
        static const char *const load_dirs[] = { "/etc/modules-load.d", "/run/modules-load.d",
                                                 "/usr/local/lib/modules-load.d",
                                                 "/usr/lib/modules-load.d", "/lib/modules-load.d" };
        static const char *const lists[] = { "/etc/modules", "/etc/initramfs-tools/modules" };
        static const char *const dracut_dir = "/etc/dracut.conf.d";
        struct early_module *v = NULL;
        size_t k = 0, alloc = 0;
        int r;

        r = scan_dirs(load_dirs, ELEMENTSOF(load_dirs), ".conf", parse_list, &v, &k, &alloc);
        for (size_t i = 0; r == 0 && i < ELEMENTSOF(lists); i++) {
                _cleanup_free_ char *p = root_path(lists[i]);

                r = p ? parse_list(p, lists[i], &v, &k, &alloc) : -ENOMEM;
        }
        if (r == 0)
                r = scan_dirs(&dracut_dir, 1, ".conf", parse_dracut, &v, &k, &alloc);
        if (r == 0) {
                _cleanup_free_ char *p = root_path("/etc/dracut.conf");

                r = p ? parse_dracut(p, "/etc/dracut.conf", &v, &k, &alloc) : -ENOMEM;
        }
        if (r < 0) {
                early_modules_free(v, k);
                return r;
        }
        *ret = v;
        *n = k;
        return 0;
}

void early_modules_free(struct early_module *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].name);
                free(v[i].source);
        }
        free(v);
}

int modules_load(struct gp_modules *m, const char *name)
{
        struct kmod_list *list = NULL, *l;
        int r;

        r = kmod_module_new_from_lookup(m->ctx, name, &list);
        if (r == 0 && !list)
                r = -ENOENT;
        kmod_list_foreach(l, list)
        {
                struct kmod_module *mod = kmod_module_get_module(l);

                if (r == 0)
                        r = kmod_module_probe_insert_module(mod,
                                                            KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY,
                                                            NULL, NULL, NULL, NULL);
                kmod_module_unref(mod);
        }
        kmod_module_unref_list(list);
        return r < 0 ? r : 0;
}

int modules_path(struct gp_modules *m, const char *name, char **ret)
{
        struct kmod_module *mod = NULL;
        const char *path;
        int r;

        r = kmod_module_new_from_name(m->ctx, name, &mod);
        if (r < 0)
                return r;
        path = kmod_module_get_path(mod);
        *ret = path ? strdup(path) : NULL;
        r = !path ? -ENOENT : *ret ? 0 : -ENOMEM;
        kmod_module_unref(mod);
        return r;
}

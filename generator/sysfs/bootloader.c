/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The next boot's kernel command line, from the boot loader's
 * configuration: what gpupt-check compares with proc/cmdline. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bootloader.h"
#include "util.h"

#define BOOTCFG_MAX (1u << 20)
#define KERNEL_CMDLINE "/etc/kernel/cmdline"
#define BLS_DIR "/boot/loader/entries"
#define GRUB_DEFAULT "/etc/default/grub"
#define GRUB_DROPINS "/etc/default/grub.d"

static bool is_ident(char c, bool first)
{
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
               (!first && c >= '0' && c <= '9');
}

/* $NAME or ${NAME}: only the two variables the command line is made of
 * expand; anything else is empty, as an unset variable is in the shell. */
static const char *expand(const struct grub_vars *v, const char **pp)
{
        const char *p = *pp + 1, *name;
        bool brace = *p == '{';
        size_t n;

        p += brace;
        name = p;
        while (is_ident(*p, p == name))
                p++;
        n = (size_t)(p - name);
        if (n == 0 || (brace && *p != '}')) {
                *pp += 1; /* a lone '$' is itself */
                return "$";
        }
        *pp = p + brace;
        if (n == strlen("GRUB_CMDLINE_LINUX") && strncmp(name, "GRUB_CMDLINE_LINUX", n) == 0)
                return v->cmdline_linux ? v->cmdline_linux : "";
        if (n == strlen("GRUB_CMDLINE_LINUX_DEFAULT") &&
            strncmp(name, "GRUB_CMDLINE_LINUX_DEFAULT", n) == 0)
                return v->cmdline_linux_default ? v->cmdline_linux_default : "";
        return "";
}

/* One shell word: unquoted, '…' and "…" parts, backslashes, expansions. */
static void shell_word(const struct grub_vars *v, const char **pp, FILE *out)
{
        const char *p = *pp;

        while (*p && !strchr(" \t\n;", *p)) {
                if (*p == '\'') {
                        size_t n = strcspn(++p, "'");

                        fwrite(p, 1, n, out);
                        p += n + (p[n] == '\'');
                } else if (*p == '"') {
                        for (p++; *p && *p != '"';) {
                                if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1])) {
                                        if (p[1] != '\n')
                                                fputc(p[1], out);
                                        p += 2;
                                } else if (*p == '$')
                                        fputs(expand(v, &p), out);
                                else
                                        fputc(*p++, out);
                        }
                        p += *p == '"';
                } else if (*p == '\\') {
                        if (p[1] && p[1] != '\n')
                                fputc(p[1], out);
                        p += 1 + !!p[1];
                } else if (*p == '$')
                        fputs(expand(v, &p), out);
                else
                        fputc(*p++, out);
        }
        *pp = p;
}

static int set_var(char **var, char **file, const char *value, bool append, const char *setter)
{
        char *s = append && *var ? strdup_printf("%s%s", *var, value) : strdup(value);
        char *f = strdup(setter);

        if (!s || !f) {
                free(s);
                free(f);
                return -ENOMEM;
        }
        free(*var);
        *var = s;
        free(*file);
        *file = f;
        return 0;
}

static int assign(struct grub_vars *v, const char *name, size_t n, const char **pp, bool append,
                  const char *file)
{
        _cleanup_free_ char *value = NULL;
        size_t len = 0;
        FILE *out;

        out = open_memstream(&value, &len);
        if (!out)
                return -ENOMEM;
        shell_word(v, pp, out);
        if (fclose(out) != 0)
                return -ENOMEM;
        if (n == strlen("GRUB_CMDLINE_LINUX") && strncmp(name, "GRUB_CMDLINE_LINUX", n) == 0)
                return set_var(&v->cmdline_linux, &v->linux_file, value, append, file);
        if (n == strlen("GRUB_CMDLINE_LINUX_DEFAULT") &&
            strncmp(name, "GRUB_CMDLINE_LINUX_DEFAULT", n) == 0)
                return set_var(&v->cmdline_linux_default, &v->default_file, value, append, file);
        return 0;
}

/* Not a shell: assignments at the start of a statement are all that
 * counts, and any other statement is skipped to the end of its line. The
 * files grub-mkconfig sources hold little else. */
int grub_vars_parse(struct grub_vars *v, const char *text, const char *file)
{
        const char *p = text;

        while (*p) {
                const char *name;
                bool append;
                size_t n;
                int r;

                p += strspn(p, " \t\n;");
                if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
                        p += 6;
                        continue;
                }
                name = p;
                while (is_ident(*p, p == name))
                        p++;
                append = p[0] == '+' && p[1] == '=';
                if (p == name || (*p != '=' && !append)) {
                        p += strcspn(p, "\n"); /* a comment, a command, a test */
                        continue;
                }
                n = (size_t)(p - name);
                p += 1 + append;
                r = assign(v, name, n, &p, append, file);
                if (r < 0)
                        return r;
        }
        return 0;
}

void grub_vars_done(struct grub_vars *v)
{
        free(v->cmdline_linux);
        free(v->cmdline_linux_default);
        free(v->linux_file);
        free(v->default_file);
        *v = (struct grub_vars){ 0 };
}

int bls_options(const char *text, char **ret)
{
        _cleanup_free_ char *out = NULL;
        size_t len = 0;
        const char *p = text;
        bool first = true;
        FILE *f;

        f = open_memstream(&out, &len);
        if (!f)
                return -ENOMEM;
        while (*p) {
                size_t n = strcspn(p, "\n");
                const char *end = p + n, *v;

                p += strspn(p, " \t");
                /* "options", then white space, then the rest of the line */
                if (strncmp(p, "options", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
                        v = p + 7 + strspn(p + 7, " \t");
                        while (end > v && strchr(" \t\r", end[-1]))
                                end--;
                        if (end > v) {
                                fprintf(f, "%s%.*s", first ? "" : " ", (int)(end - v), v);
                                first = false;
                        }
                }
                p += strcspn(p, "\n");
                p += *p == '\n';
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(out);
        return 0;
}

/* 1 and the text when ROOT+path is a readable file, 0 when it is not there
 * (or cannot be read: the advice is then about what can), -ENOMEM. */
static int read_cfg(const char *path, char **ret)
{
        _cleanup_free_ char *full = root_path(path);
        int r;

        if (!full)
                return -ENOMEM;
        r = read_file(full, BOOTCFG_MAX, ret, NULL);
        return r == -ENOMEM ? r : r == 0;
}

static bool root_exists(const char *path)
{
        _cleanup_free_ char *full = root_path(path);
        struct stat st;

        return full && stat(full, &st) == 0;
}

/* The entry a BLS boot loader shows first: the newest version. GRUB's
 * blscfg and systemd-boot sort by version, newest on top, and both boot
 * the top one unless told otherwise; a rescue entry ("...-0-rescue")
 * sorts below every real kernel. */
static int read_bls(struct next_boot *nb)
{
        _cleanup_free_ char *dir = root_path(BLS_DIR), *text = NULL;
        char **names = NULL;
        const char *best = NULL;
        size_t n = 0;
        int r;

        if (!dir)
                return -ENOMEM;
        r = dir_names_sorted(AT_FDCWD, dir, name_has_suffix, (void *)".conf", &names, &n);
        if (r == -ENOMEM)
                return r;
        for (size_t i = 0; i < n; i++)
                if (!best || strverscmp(names[i], best) > 0)
                        best = names[i];
        r = 0;
        if (best) {
                nb->file = strdup_printf(BLS_DIR "/%s", best);
                r = nb->file ? read_cfg(nb->file, &text) : -ENOMEM;
        }
        dir_names_free(names, n);
        if (r <= 0)
                return r;
        r = bls_options(text, &nb->line);
        if (r < 0)
                return r;
        nb->kind = BOOT_LOADER_BLS;
        return 0;
}

/* The files the line comes from: "/etc/default/grub", or it and the
 * grub.d file that sets the other variable. */
static char *grub_setters(const struct grub_vars *g)
{
        const char *a = g->linux_file, *b = g->default_file;

        if (a && b && !streq(a, b))
                return strdup_printf("%s and %s", a, b);
        return strdup(a ? a : b ? b : GRUB_DEFAULT);
}

/* grub-mkconfig sources /etc/default/grub, then /etc/default/grub.d/NAME.cfg
 * in order; the default entry gets GRUB_CMDLINE_LINUX and then
 * GRUB_CMDLINE_LINUX_DEFAULT (recovery entries the first alone). */
static int read_grub(struct next_boot *nb)
{
        _cleanup_free_ char *dir = root_path(GRUB_DROPINS);
        char **names = NULL;
        size_t n = 0;
        bool found = false;
        int r;

        if (!dir)
                return -ENOMEM;
        r = dir_names_sorted(AT_FDCWD, dir, name_has_suffix, (void *)".cfg", &names, &n);
        if (r == -ENOMEM)
                return r;
        r = 0; /* no grub.d: the main file alone */
        for (size_t i = 0; i <= n && r >= 0; i++) {
                _cleanup_free_ char *path = i == 0 ? strdup(GRUB_DEFAULT)
                                                   : strdup_printf(GRUB_DROPINS "/%s",
                                                                   names[i - 1]);
                _cleanup_free_ char *text = NULL;

                r = path ? read_cfg(path, &text) : -ENOMEM;
                if (r > 0) {
                        found = true;
                        r = grub_vars_parse(&nb->grub, text, path);
                }
        }
        dir_names_free(names, n);
        if (r < 0 || !found)
                return r < 0 ? r : 0;
        nb->line = strdup_printf("%s %s", nb->grub.cmdline_linux ? nb->grub.cmdline_linux : "",
                                 nb->grub.cmdline_linux_default
                                         ? nb->grub.cmdline_linux_default
                                         : "");
        nb->file = grub_setters(&nb->grub);
        if (!nb->line || !nb->file)
                return -ENOMEM;
        /* Fedora's GRUB lives in /boot/grub2 and has no update-grub. */
        nb->kind = root_exists("/boot/grub2") || root_exists("/usr/sbin/grub2-mkconfig")
                           ? BOOT_LOADER_GRUB2
                           : BOOT_LOADER_GRUB;
        return 0;
}

int next_boot_read(struct next_boot *ret)
{
        struct next_boot nb = { 0 };
        int r;

        r = read_cfg(KERNEL_CMDLINE, &nb.line);
        if (r > 0) {
                nb.kind = BOOT_LOADER_KERNEL_CMDLINE;
                nb.file = strdup(KERNEL_CMDLINE);
                r = nb.file ? 0 : -ENOMEM;
        }
        if (r == 0 && nb.kind == BOOT_LOADER_NONE)
                r = read_bls(&nb);
        if (r == 0 && nb.kind == BOOT_LOADER_NONE) {
                free(nb.file);
                free(nb.line);
                nb.file = nb.line = NULL;
                r = read_grub(&nb);
        }
        if (r == 0 && nb.kind != BOOT_LOADER_NONE)
                r = cmdline_parse(nb.line, &nb.cmdline);
        if (r < 0) {
                next_boot_done(&nb);
                return r;
        }
        *ret = nb;
        return 0;
}

void next_boot_done(struct next_boot *nb)
{
        free(nb->line);
        free(nb->file);
        cmdline_done(&nb->cmdline);
        grub_vars_done(&nb->grub);
        *nb = (struct next_boot){ 0 };
}

const char *next_boot_command(const struct next_boot *nb)
{
        switch (nb->kind) {
        case BOOT_LOADER_KERNEL_CMDLINE:
                return "kernel-install add $(uname -r) /lib/modules/$(uname -r)/vmlinuz";
        case BOOT_LOADER_GRUB:
                return "update-grub";
        case BOOT_LOADER_GRUB2:
                return "grub2-mkconfig -o /boot/grub2/grub.cfg";
        default:
                return NULL;
        }
}

char *next_boot_takes_effect(const struct next_boot *nb)
{
        const char *cmd = next_boot_command(nb);

        if (!cmd)
                return strdup("reboot");
        return strdup_printf("reboot (run %s first if it has not run since the change)", cmd);
}

struct has_key {
        const char *key;
        bool found;
};

static int note_key(const char *key, const char *value, void *u)
{
        struct has_key *h = u;

        (void)value;
        if (cmdline_key_eq(key, h->key))
                h->found = true;
        return 0;
}

static bool line_has(const char *line, const char *key)
{
        struct has_key h = { .key = key };

        return line && cmdline_foreach(line, note_key, &h) == 0 && h.found;
}

char *next_boot_where(const struct next_boot *nb, const char *key)
{
        const struct grub_vars *g = &nb->grub;

        switch (nb->kind) {
        case BOOT_LOADER_KERNEL_CMDLINE:
                return strdup(nb->file);
        case BOOT_LOADER_BLS:
                return strdup_printf("the options line of %s", nb->file);
        case BOOT_LOADER_GRUB:
        case BOOT_LOADER_GRUB2:
                if (key && !line_has(g->cmdline_linux, key) &&
                    line_has(g->cmdline_linux_default, key))
                        return strdup_printf("GRUB_CMDLINE_LINUX_DEFAULT in %s", g->default_file);
                return strdup_printf("GRUB_CMDLINE_LINUX in %s",
                                     g->linux_file ? g->linux_file : GRUB_DEFAULT);
        default:
                return strdup("the kernel command line in the boot loader's configuration");
        }
}

/* The key of an item: "intel_iommu" of "intel_iommu=off". */
static char *item_key(const char *item)
{
        return item ? strndup(item, strcspn(item, "=")) : NULL;
}

static char *edit_clause(const struct next_boot *nb, const char *remove, const char *add)
{
        _cleanup_free_ char *rkey = item_key(remove), *akey = item_key(add);
        _cleanup_free_ char *rwhere = NULL, *awhere = NULL;

        if ((remove && !rkey) || (add && !akey))
                return NULL;
        rwhere = remove ? next_boot_where(nb, rkey) : NULL;
        awhere = add ? next_boot_where(nb, akey) : NULL;
        if ((remove && !rwhere) || (add && !awhere))
                return NULL;
        if (remove && add && streq(rwhere, awhere))
                return strdup_printf("replace %s with %s in %s", remove, add, awhere);
        if (remove && add)
                return strdup_printf("remove %s from %s and add %s to %s", remove, rwhere, add,
                                     awhere);
        if (remove)
                return strdup_printf("remove %s from %s", remove, rwhere);
        return strdup_printf("add %s to %s", add, awhere);
}

char *next_boot_advice(const struct next_boot *nb, const char *remove, const char *add)
{
        _cleanup_free_ char *edit = edit_clause(nb, remove, add);
        const char *cmd = next_boot_command(nb);

        if (!edit)
                return NULL;
        if (nb->kind == BOOT_LOADER_BLS)
                /* grubby edits every entry (and /etc/default/grub with them) */
                return strdup_printf("run grubby --update-kernel=ALL%s%s%s%s (or %s by hand)",
                                     remove ? " --remove-args=" : "", remove ? remove : "",
                                     add ? " --args=" : "", add ? add : "", edit);
        if (cmd)
                return strdup_printf("%s, then run %s", edit, cmd);
        return TAKE_PTR(edit);
}

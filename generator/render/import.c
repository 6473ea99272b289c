/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "conf.h"
#include "import.h"
#include "recipes.h"
#include "util.h"

/* Entry names are [A-Za-z0-9_.-]: every run of other bytes becomes one '-'
 * (a file name of newlines and spaces gives a short name, not a long one). */
static void sanitize(char *s)
{
        static const char name_chars[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
        char *o = s;

        for (bool run = false; *s; s++) {
                bool ok = strchr(name_chars, *s);

                if (ok || !run)
                        *o++ = ok ? *s : '-';
                run = !ok;
        }
        *o = '\0';
}

/* A unique title from base: base, base-2, base-3, … */
static int title(char **used, size_t n_used, const char *base, char out[static CONF_NAME_MAX + 1])
{
        for (unsigned k = 1; k < 1000; k++) {
                bool taken = false;

                if (k == 1)
                        snprintf(out, CONF_NAME_MAX + 1, "%.*s", CONF_NAME_MAX, base);
                else
                        snprintf(out, CONF_NAME_MAX + 1, "%.*s-%u", CONF_NAME_MAX - 4, base, k);
                for (size_t i = 0; i < n_used && !taken; i++)
                        taken = streq(used[i], out);
                if (!taken)
                        return 0;
        }
        return -EEXIST;
}

/* The source as a comment. The file's name and the line are the host's
 * bytes: a newline in either would end the comment and make the rest a live
 * line of the config, so they go through printable() (util.h), as all
 * output for people does, and a name that needed it is said to be escaped. */
static void comment(FILE *f, const struct recipe *r)
{
        _cleanup_free_ char *file = NULL, *text = NULL;
        const char *pf = printable(r->file, &file);

        if (r->line)
                fprintf(f, "# from %s:%u: %s\n", pf, r->line, printable(r->text, &text));
        else
                fprintf(f, "# from the kernel command line (%s): %s\n", pf,
                        printable(r->text, &text));
        if (pf != r->file)
                fputs("# (the file's name holds bytes that cannot stand in a comment; they are "
                      "shown escaped, \\n for a newline, \\xNN for others)\n",
                      f);
}

static void base_name(const struct recipe *r, char *buf, size_t size)
{
        const char *file = strrchr(r->file, '/') ? strrchr(r->file, '/') + 1 : r->file;
        size_t n = strlen(file);
        char a[PCI_ADDR_STRLEN];

        switch (r->kind) {
        case RECIPE_MODPROBE_IDS:
                if (n > 5 && streq(file + n - 5, ".conf"))
                        n -= 5;
                snprintf(buf, size, "modprobe-%.*s-%u", (int)n, file, r->line);
                break;
        case RECIPE_CMDLINE_IDS:
                snprintf(buf, size, "cmdline-vfio-pci-ids");
                break;
        default:
                snprintf(buf, size, "driverctl-%s", pci_addr_format(&r->addr, a));
                break;
        }
        sanitize(buf);
}

int import_print(FILE *f, struct host *h)
{
        struct recipes rs = { 0 };
        char **used = NULL;
        size_t n_used = 0, alloc = 0;
        int r, entries = 0;

        r = recipes_read(&rs);
        if (r < 0)
                goto done;
        fprintf(f, "# gpupt.conf for what this host's older recipes claim, by gpupt-check --import.\n"
                   "# Review it; once gpupt claims these devices, remove the recipes named below.\n");
        for (size_t i = 0; i < rs.n; i++) {
                const struct recipe *x = &rs.v[i];
                char base[128], name[CONF_NAME_MAX + 1], id[PCI_ID_STRLEN], a[PCI_ADDR_STRLEN];
                struct pci_fn *fn = NULL;

                fputc('\n', f);
                comment(f, x);
                if (x->kind == RECIPE_BLACKLIST || x->kind == RECIPE_SOFTDEP) {
                        fprintf(f, "# (%s: not a claim; gpupt claims before %s loads, so this "
                                   "line is not needed for gpupt's devices)\n",
                                x->kind == RECIPE_BLACKLIST ? "a blacklist" : "a load order",
                                x->name);
                        continue;
                }
                if (x->kind == RECIPE_DRIVERCTL && strncmp(x->name, "vfio", 4) != 0) {
                        fprintf(f, "# (an override to the host driver %s: no claim for a VM, "
                                   "left to driverctl)\n", x->name);
                        continue;
                }
                if ((x->kind == RECIPE_MODPROBE_IDS || x->kind == RECIPE_CMDLINE_IDS) &&
                    !x->n_ids) {
                        fprintf(f, "# (no id here that gpupt can express: wildcards and class "
                                   "masks are left out)\n");
                        continue;
                }
                base_name(x, base, sizeof(base));
                r = title(used, n_used, base, name);
                if (r < 0)
                        goto done;
                if (GROW(used, n_used, alloc) < 0 || !(used[n_used] = strdup(name))) {
                        r = -ENOMEM;
                        goto done;
                }
                n_used++;
                if (x->n_skipped)
                        fprintf(f, "# (%u id%s with wildcards or class masks left out)\n",
                                x->n_skipped, x->n_skipped == 1 ? "" : "s");
                fprintf(f, "device \"%s\" {\n", name);
                if (x->kind == RECIPE_DRIVERCTL) {
                        fprintf(f, "  bdf = \"%s\"\n", pci_addr_format(&x->addr, a));
                        if (h && host_get(h, &x->addr, &fn) == 0) {
                                struct pci_id now = { .vendor = fn->vendor, .device = fn->device };

                                fprintf(f, "  expect = \"%s\"\n", pci_id_format(&now, id));
                        }
                        if (!streq(x->name, "vfio-pci"))
                                fprintf(f, "  driver = \"%s\"\n", x->name);
                } else {
                        fprintf(f, "  ids = {");
                        for (size_t j = 0; j < x->n_ids; j++)
                                fprintf(f, "%s\"%s\"", j ? ", " : "",
                                        pci_id_format(&x->ids[j], id));
                        fprintf(f, "}\n");
                }
                /* vfio-pci ids= and driverctl take the named functions only */
                fprintf(f, "  functions = single\n}\n");
                entries++;
        }
        if (!rs.n)
                fprintf(f, "\n# No recipes found: no vfio-pci ids in modprobe.d or on the kernel "
                           "command line, no driverctl overrides.\n");
        r = entries;
done:
        for (size_t i = 0; i < n_used; i++)
                free(used[i]);
        free(used);
        recipes_done(&rs);
        return r;
}

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

/* What of an ids line gpupt.conf cannot say, so that removing the line,
 * as the header asks, does not drop it unseen. */
static void comment_left_out(FILE *f, const struct recipe *r)
{
        _cleanup_free_ char *file = NULL, *buf = NULL;
        const char *opts;

        if (!r->left_out)
                return;
        opts = printable(r->left_out, &buf);
        fprintf(f, "# (left out: %s, of %s:%u, sets vfio-pci itself and claims nothing; no "
                   "gpupt.conf key says it: keep \"options vfio-pci %s\" in a modprobe.d file "
                   "when you remove that line)\n",
                opts, printable(r->file, &file), r->line, opts);
}

static bool vfio_override(const struct recipe *r)
{
        return r->kind == RECIPE_DRIVERCTL && strncmp(r->name, "vfio", 4) == 0;
}

/* The driverctl overrides to one vfio driver that name every function of
 * recipe i's slot on this host: how many (i's among them), each marked in
 * taken, or 0 when they do not cover the slot. Such a slot is one entry
 * with the slot's address: no partial-slot for a card claimed whole. */
static size_t whole_slot(const struct recipes *rs, size_t i, bool *taken)
{
        const struct recipe *x = &rs->v[i];
        size_t n = x->at.n_slot, k = 0;
        unsigned seen = 0;

        if (x->at.slot_error < 0 || n < 2)
                return 0;
        for (size_t j = i; j < rs->n; j++) {
                const struct recipe *y = &rs->v[j];

                if (taken[j] || !vfio_override(y) || !streq(y->name, x->name) ||
                    !pci_addr_same_slot(&y->addr, &x->addr))
                        continue;
                for (size_t f = 0; f < n; f++)
                        if (pci_addr_eq(&x->at.slot[f], &y->addr))
                                seen |= 1u << f;
        }
        if (seen != (1u << n) - 1)
                return 0;
        for (size_t j = i; j < rs->n; j++)
                if (!taken[j] && vfio_override(&rs->v[j]) && streq(rs->v[j].name, x->name) &&
                    pci_addr_same_slot(&rs->v[j].addr, &x->addr)) {
                        taken[j] = true;
                        k++;
                }
        return k;
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

int import_print(FILE *f, const struct recipes *rs)
{
        _cleanup_free_ bool *taken = NULL;
        char **used = NULL;
        size_t n_used = 0, alloc = 0;
        int r, entries = 0;

        taken = calloc(rs->n ?: 1, sizeof(*taken));
        if (!taken) {
                r = -ENOMEM;
                goto done;
        }
        fprintf(f, "# gpupt.conf for what this host's older recipes claim, by gpupt-check --import.\n"
                   "# Review it; once gpupt claims these devices, remove the recipes named below.\n");
        for (size_t i = 0; i < rs->n; i++) {
                const struct recipe *x = &rs->v[i];
                char base[128], name[CONF_NAME_MAX + 1], id[PCI_ID_STRLEN], a[PCI_ADDR_STRLEN];
                size_t slot = 0;

                if (taken[i])
                        continue; /* told with its slot */
                fputc('\n', f);
                if (vfio_override(x) && (slot = whole_slot(rs, i, taken)))
                        for (size_t j = i; j < rs->n; j++)
                                if (taken[j])
                                        comment(f, &rs->v[j]);
                if (!slot)
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
                if (slot)
                        /* "driverctl-0000-42-00.0" names the slot without ".0" */
                        base[strlen(base) - 2] = '\0';
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
                comment_left_out(f, x);
                if (slot) {
                        pci_addr_format(&x->addr, a);
                        a[PCI_ADDR_STRLEN - 3] = '\0';
                        fprintf(f, "# (they name every function of %s: one entry for the "
                                   "slot)\n", a);
                        fprintf(f, "device \"%s\" {\n  bdf = \"%s\"\n", name, a);
                        if (x->at.slot_error == 0 && x->at.n_slot)
                                fprintf(f, "  expect = \"%s\"\n",
                                        pci_id_format(&x->at.slot_id, id));
                        if (!streq(x->name, "vfio-pci"))
                                fprintf(f, "  driver = \"%s\"\n", x->name);
                        fputs("}\n", f);
                        entries++;
                        continue;
                }
                fprintf(f, "device \"%s\" {\n", name);
                if (x->kind == RECIPE_DRIVERCTL) {
                        fprintf(f, "  bdf = \"%s\"\n", pci_addr_format(&x->addr, a));
                        if (x->at.found)
                                fprintf(f, "  expect = \"%s\"\n", pci_id_format(&x->at.id, id));
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
        if (!rs->n)
                fprintf(f, "\n# No recipes found: no vfio-pci ids in modprobe.d or on the kernel "
                           "command line, no driverctl overrides.\n");
        r = entries;
done:
        for (size_t i = 0; i < n_used; i++)
                free(used[i]);
        free(used);
        return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vgpu entries of a plan, in gpupt-check's JSON and table. */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "table.h"
#include "util.h"

void json_vgpus(FILE *f, const struct plan *p)
{
        fputs("  \"vgpus\": [", f);
        for (size_t i = 0; i < p->n_vgpus; i++) {
                const struct vgpu_plan *g = &p->vgpus[i];
                char pf[PCI_ADDR_STRLEN];

                fprintf(f, "%s\n    { \"pf\": \"%s\", \"entry\": ", i ? "," : "",
                        pci_addr_format(&g->entry->pf, pf));
                json_string(f, g->entry->name);
                fputs(", \"type\": ", f);
                json_string(f, g->entry->type);
                if (g->type_id > 0)
                        fprintf(f, ", \"type_id\": %ld, \"vfs\": [", g->type_id);
                else
                        fputs(", \"type_id\": null, \"vfs\": [", f);
                for (size_t j = 0; j < g->n_vfs; j++)
                        fprintf(f, "%s\"%s\"", j ? ", " : "", g->vfs[j]);
                fputc(']', f);
                json_applied(f, p, g->applied);
                fputs(" }", f);
        }
        fputs(p->n_vgpus ? "\n  ],\n" : "],\n", f);
}

void human_vgpus(FILE *f, const struct plan *p, const struct style *st)
{
        static const struct table_col cols[] = { { .header = "VGPU PF" },
                                                 { .header = "ENTRY" },
                                                 { .header = "TYPE" },
                                                 { .header = "TYPE ID", .right = true },
                                                 { .header = "VFS" } };
        struct table t;

        if (!p->n_vgpus)
                return;
        table_init(&t, cols, ELEMENTSOF(cols));
        for (size_t i = 0; i < p->n_vgpus; i++) {
                const struct vgpu_plan *g = &p->vgpus[i];
                /* the VFs' addresses, a space after each but the last */
                _cleanup_free_ char *vfs = calloc(g->n_vfs + 1, PCI_ADDR_STRLEN);
                char pf[PCI_ADDR_STRLEN], id[24] = "-";

                if (g->type_id > 0)
                        snprintf(id, sizeof(id), "%ld", g->type_id);
                for (size_t j = 0; vfs && j < g->n_vfs; j++) {
                        strcat(vfs, g->vfs[j]);
                        strcat(vfs, j + 1 < g->n_vfs ? " " : "");
                }
                table_add(&t, (const char *const[][TABLE_ALTS]){
                                      { pci_addr_format(&g->entry->pf, pf) },
                                      { g->entry->name },
                                      { g->entry->type },
                                      { id },
                                      { !g->n_vfs ? "(none yet)" : vfs ? vfs : "?" } });
        }
        fputc('\n', f);
        table_print(f, &t, st->width);
        table_done(&t);
}

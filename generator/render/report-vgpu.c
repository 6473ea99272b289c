/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vgpu entries of a plan, in gpupt-check's JSON and table. */
#include "report.h"
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
                fputs("] }", f);
        }
        fputs(p->n_vgpus ? "\n  ],\n" : "],\n", f);
}

void human_vgpus(FILE *f, const struct plan *p)
{
        if (!p->n_vgpus)
                return;
        fprintf(f, "\n%-13s %-16s %-24s %7s  %s\n", "VGPU PF", "ENTRY", "TYPE", "TYPE ID", "VFS");
        for (size_t i = 0; i < p->n_vgpus; i++) {
                const struct vgpu_plan *g = &p->vgpus[i];
                _cleanup_free_ char *type = NULL;
                char pf[PCI_ADDR_STRLEN], id[24] = "-";

                if (g->type_id > 0)
                        snprintf(id, sizeof(id), "%ld", g->type_id);
                fprintf(f, "%-13s %-16.16s %-24s %7s  ", pci_addr_format(&g->entry->pf, pf),
                        g->entry->name, printable(g->entry->type, &type), id);
                for (size_t j = 0; j < g->n_vfs; j++)
                        fprintf(f, "%s%s", j ? " " : "", g->vfs[j]);
                fprintf(f, "%s\n", g->n_vfs ? "" : "(none yet)");
        }
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver = "auto": a modalias to the vfio-pci variant that binds it,
 * looked up once per distinct modalias in the module index. */
#include <errno.h>
#include <string.h>

#include "plan-steps.h"
#include "util.h"
#include "variant.h"

const char *plan_auto_driver(struct plan *p, const char *modalias)
{
        struct auto_driver *a;
        char *name = NULL;

        for (size_t i = 0; i < p->n_autos; i++)
                if (streq(p->autos[i].modalias, modalias ? modalias : ""))
                        return p->autos[i].name;
        if (!p->modules && !p->modules_error) {
                p->modules_error = modules_open(&p->modules);
                if (p->modules_error == -ENOMEM)
                        return NULL;
                if (p->modules_error < 0)
                        p->modules = NULL;
        }
        /* A lookup that fails leaves the catch-all: vfio-pci binds anything. */
        if (variant_for_modalias(p->modules, modalias, &name) == -ENOMEM ||
            (!name && !(name = strdup(VARIANT_CATCH_ALL))))
                return NULL;
        if (GROW(p->autos, p->n_autos, p->autos_alloc) < 0) {
                free(name);
                return NULL;
        }
        a = &p->autos[p->n_autos];
        a->modalias = strdup(modalias ? modalias : "");
        if (!a->modalias) {
                free(name);
                return NULL;
        }
        a->name = name;
        p->n_autos++;
        return name;
}

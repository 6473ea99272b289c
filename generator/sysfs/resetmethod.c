/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "modules.h"
#include "resetmethod.h"
#include "util.h"

/* Linux's pci_reset_fn_methods[], in its order (cxl_bus since 6.7). */
static const char *const methods[] = {
        "device_specific", "acpi", "flr", "af_flr", "pm", "bus", "cxl_bus",
};

bool reset_method_known(const char *name, size_t len)
{
        for (size_t i = 0; i < ELEMENTSOF(methods); i++)
                if (strlen(methods[i]) == len && strncmp(methods[i], name, len) == 0)
                        return true;
        return false;
}

/* The next name in s: skips spaces, returns its start (NULL at the end). */
static const char *next_word(const char *s, size_t *len)
{
        while (*s == ' ' || *s == '\t')
                s++;
        if (!*s)
                return NULL;
        *len = strcspn(s, " \t");
        return s;
}

bool reset_methods_has(const char *have, const char *name, size_t len)
{
        const char *w;
        size_t n;

        for (w = next_word(have, &n); w; w = next_word(w + n, &n))
                if (n == len && strncmp(w, name, len) == 0)
                        return true;
        return false;
}

const char *reset_methods_missing(const char *have, const char *list, size_t *len)
{
        const char *w;
        size_t n;

        for (w = next_word(list, &n); w; w = next_word(w + n, &n))
                if (!reset_methods_has(have, w, n)) {
                        *len = n;
                        return w;
                }
        return NULL;
}

int reset_methods_normalize(char *list, const char **bad, size_t *bad_len)
{
        _cleanup_free_ char *out = calloc(1, strlen(list) + 1);
        const char *w;
        size_t n, used = 0;

        if (!out)
                return -ENOMEM;
        for (w = next_word(list, &n); w; w = next_word(w + n, &n)) {
                int r = 0;

                if (!reset_method_known(w, n))
                        r = -ENOENT;
                else if (reset_methods_has(out, w, n))
                        r = -EEXIST;
                if (r < 0) {
                        if (bad) {
                                *bad = w;
                                *bad_len = n;
                        }
                        return r;
                }
                if (used)
                        out[used++] = ' ';
                memcpy(out + used, w, n);
                used += n;
        }
        if (!used)
                return -EINVAL;
        memcpy(list, out, used + 1);
        return 0;
}

int kernel_has_reset_method_attr(void)
{
        char buf[KERNEL_RELEASE_MAX];
        unsigned major, minor;
        int r;

        r = kernel_release(buf);
        if (r < 0)
                return r;
        if (sscanf(buf, "%u.%u", &major, &minor) != 2)
                return -EBADMSG;
        return major > 5 || (major == 5 && minor >= 15);
}

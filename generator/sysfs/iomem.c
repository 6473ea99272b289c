/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "iomem.h"
#include "util.h"

#define IOMEM_MAX (4u << 20)

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c |= 0x20;
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A hex number of 1-16 digits at *p, which moves past it. */
static int hex(const char **p, const char *end, uint64_t *ret)
{
        uint64_t v = 0;
        unsigned n = 0;

        while (*p < end && hexval(**p) >= 0) {
                if (++n > 16)
                        return -EBADMSG;
                v = v << 4 | (uint64_t)hexval(**p);
                (*p)++;
        }
        *ret = v;
        return n ? 0 : -EBADMSG;
}

static int parse_line(const char *s, const char *end, struct iomem_range *r)
{
        size_t len;

        while (s < end && *s == ' ')
                s++;
        if (hex(&s, end, &r->start) < 0 || s >= end || *s++ != '-' ||
            hex(&s, end, &r->end) < 0)
                return -EBADMSG;
        if (end - s < 3 || strncmp(s, " : ", 3) != 0)
                return -EBADMSG;
        s += 3;
        len = (size_t)(end - s);
        if (len >= sizeof(r->name))
                len = sizeof(r->name) - 1;
        memcpy(r->name, s, len);
        r->name[len] = '\0';
        return r->start <= r->end ? 0 : -EBADMSG;
}

int iomem_foreach(const char *text, int (*cb)(const struct iomem_range *r, void *u), void *u)
{
        const char *s = text;

        while (*s) {
                const char *nl = strchr(s, '\n');
                const char *end = nl ? nl : s + strlen(s);
                struct iomem_range r;

                if (parse_line(s, end, &r) == 0) {
                        int k = cb(&r, u);

                        if (k < 0)
                                return k;
                }
                if (!nl)
                        break;
                s = nl + 1;
        }
        return 0;
}

static bool is_framebuffer(const char *name)
{
        static const char *const names[] = {
                "BOOTFB", "efifb", "simplefb", "simple-framebuffer", "simpledrm", "vesafb",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                size_t n = strlen(names[i]);

                /* "simple-framebuffer.0" is the platform device of one */
                if (strncmp(name, names[i], n) == 0 && (!name[n] || name[n] == '.'))
                        return true;
        }
        return false;
}

struct fbs {
        struct iomem_range *v;
        size_t n, alloc;
};

static int add_fb(const struct iomem_range *r, void *u)
{
        struct fbs *f = u;

        if (!is_framebuffer(r->name) || (r->start == 0 && r->end == 0))
                return 0;
        if (GROW(f->v, f->n, f->alloc) < 0)
                return -ENOMEM;
        f->v[f->n++] = *r;
        return 0;
}

int iomem_framebuffers(const char *text, struct iomem_range **ret, size_t *n)
{
        struct fbs f = { 0 };
        int r = iomem_foreach(text, add_fb, &f);

        if (r < 0) {
                free(f.v);
                return r;
        }
        *ret = f.v;
        *n = f.n;
        return 0;
}

int iomem_read_framebuffers(struct iomem_range **ret, size_t *n)
{
        _cleanup_free_ char *path = root_path("/proc/iomem"), *text = NULL;
        size_t len;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_file(path, IOMEM_MAX, &text, &len);
        if (r < 0)
                return r;
        return iomem_framebuffers(text, ret, n);
}

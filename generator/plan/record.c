/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "record.h"
#include "strbuf.h"
#include "util.h"

/* One line per unit of a config: a few hundred at most, of under 200
 * bytes each. */
#define RECORD_MAX (1u << 20)
#define ARG_MAX_LEN 255

static const char *const kind_names[] = {
        [RECORD_CLAIM] = "claim",
        [RECORD_SRIOV] = "sriov",
        [RECORD_MDEV] = "mdev",
        [RECORD_VGPU] = "vgpu",
};

const char *record_kind_name(enum record_kind kind)
{
        return kind_names[kind];
}

static bool is_hash(const char *s, size_t len)
{
        return len == 64 && strspn(s, "0123456789abcdef") >= 64;
}

/* What may stand between the words of a line: an entry name or an mdev
 * parent (a PCI address or a device name) always can. */
static bool arg_valid(const char *s, size_t len)
{
        if (len == 0 || len > ARG_MAX_LEN)
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] <= ' ' || s[i] > '~')
                        return false;
        return true;
}

static bool same_unit(const struct record_line *l, enum record_kind kind, const char *arg)
{
        return l->kind == kind && (kind == RECORD_CLAIM || streq(l->arg, arg));
}

static const struct record_line *record_find(const struct record *r, enum record_kind kind,
                                             const char *arg)
{
        for (size_t i = 0; i < r->n; i++)
                if (same_unit(&r->lines[i], kind, arg))
                        return &r->lines[i];
        return NULL;
}

void record_done(struct record *r)
{
        for (size_t i = 0; i < r->n; i++)
                free(r->lines[i].arg);
        free(r->lines);
        *r = (struct record){ 0 };
}

/* Adds a line; the arg is copied. -EBADMSG when the unit is there. */
static int record_add(struct record *r, enum record_kind kind, const char *arg, size_t arg_len,
                      const char *hash)
{
        _cleanup_free_ char *a = NULL;
        struct record_line *v;

        if (kind != RECORD_CLAIM && !(a = strndup(arg, arg_len)))
                return -ENOMEM;
        if (record_find(r, kind, a))
                return -EBADMSG;
        v = xrealloc_array(r->lines, r->n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        r->lines = v;
        v[r->n].kind = kind;
        v[r->n].arg = TAKE_PTR(a);
        memcpy(v[r->n].hash, hash, 64);
        v[r->n].hash[64] = '\0';
        r->n++;
        return 0;
}

/* One line, without its newline: "KIND [ARG] HASH". */
static int parse_line(struct record *r, const char *s, size_t len)
{
        const char *sp1 = memchr(s, ' ', len), *sp2;
        size_t n, kind, arg_len = 0;

        if (!sp1)
                return -EBADMSG;
        n = (size_t)(sp1 - s);
        for (kind = 0; kind < ELEMENTSOF(kind_names); kind++)
                if (strlen(kind_names[kind]) == n && memcmp(s, kind_names[kind], n) == 0)
                        break;
        if (kind == ELEMENTSOF(kind_names))
                return -EBADMSG; /* no unit this version knows */
        sp2 = sp1;
        if (kind != RECORD_CLAIM) {
                sp2 = memchr(sp1 + 1, ' ', len - n - 1);
                if (!sp2)
                        return -EBADMSG;
                arg_len = (size_t)(sp2 - sp1 - 1);
                if (!arg_valid(sp1 + 1, arg_len))
                        return -EBADMSG;
        }
        if (!is_hash(sp2 + 1, len - (size_t)(sp2 + 1 - s)))
                return -EBADMSG;
        return record_add(r, (enum record_kind)kind, sp1 + 1, arg_len, sp2 + 1);
}

int record_parse(const char *text, struct record *ret)
{
        struct record r = { 0 };
        size_t len = strlen(text);
        int k = 0;

        /* The version before units recorded one hash for every run, the
         * claims' at boot first: read it as theirs, so that a package
         * update during a boot neither loses nor misreads what it says. */
        if ((len == 65 && text[64] == '\n' && is_hash(text, 64)) || (len == 64 && is_hash(text, 64))) {
                k = record_add(&r, RECORD_CLAIM, NULL, 0, text);
                goto done;
        }
        if (len == 0)
                k = -EBADMSG;
        for (const char *s = text; k == 0 && *s;) {
                const char *nl = strchr(s, '\n');
                size_t n = nl ? (size_t)(nl - s) : strlen(s);

                k = parse_line(&r, s, n);
                s += n + !!nl;
        }
done:
        if (k < 0) {
                record_done(&r);
                return k;
        }
        *ret = r;
        return 0;
}

int record_read(struct record *ret)
{
        _cleanup_free_ char *path = root_path(RECORD_APPLIED), *text = NULL;
        size_t len;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_file(path, RECORD_MAX, &text, &len);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        if (strlen(text) != len)
                return -EBADMSG; /* a NUL byte */
        return record_parse(text, ret);
}

static int mkdir_ok(const char *path)
{
        return mkdir(path, 0755) == 0 || errno == EEXIST ? 0 : -errno;
}

/* The record as it is, or an empty one when there is none. */
static int record_load(struct record *ret)
{
        int r = record_read(ret);

        if (r == -ENOENT) {
                *ret = (struct record){ 0 };
                return 0;
        }
        return r;
}

/* Writes the record to path through path.tmp, renamed over it. */
static int record_write(const struct record *rec, const char *path)
{
        _cleanup_free_ char *tmp = strdup_printf("%s.tmp", path), *text = NULL;
        struct strbuf b = { 0 };

        if (!tmp)
                return -ENOMEM;
        for (size_t i = 0; i < rec->n; i++) {
                const struct record_line *l = &rec->lines[i];

                strbuf_printf(&b, "%s%s%s %s\n", kind_names[l->kind], l->arg ? " " : "",
                              l->arg ? l->arg : "", l->hash);
        }
        if (strbuf_take(&b, &text) < 0)
                return -ENOMEM;
        return write_file_replace(path, tmp, text ? text : "", text ? strlen(text) : 0);
}

int record_applied(const struct conf *c, enum record_kind kind, const char *arg)
{
        _cleanup_free_ char *run = root_path("/run"), *dir = root_path("/run/gpupt");
        _cleanup_free_ char *path = root_path(RECORD_APPLIED);
        _cleanup_close_ int dfd = -1;
        struct record rec = { 0 };
        char hash[65];
        int r;

        if (!run || !dir || !path)
                return -ENOMEM;
        if (kind != RECORD_CLAIM && (!arg || !arg_valid(arg, strlen(arg))))
                return -EINVAL;
        r = conf_hash(c, hash);
        if (r < 0)
                return r;
        if ((r = mkdir_ok(run)) < 0 || (r = mkdir_ok(dir)) < 0)
                return r;
        /* Units run side by side (the boot's gpupt-sriov@ and gpupt-mdev@,
         * the udev rule): each reads, adds its line and renames under the
         * lock, so that none loses another's. It goes with the descriptor. */
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        if (flock(dfd, LOCK_EX) < 0)
                return -errno;
        r = record_load(&rec);
        if (r < 0)
                return r;
        if (!record_find(&rec, kind, arg)) {
                r = record_add(&rec, kind, arg, arg ? strlen(arg) : 0, hash);
                if (r == 0)
                        r = record_write(&rec, path);
        }
        record_done(&rec);
        return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <confuse.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "conflex.h"
#include "resetmethod.h"
#include "nameset.h"
#include "sha256.h"
#include "strpool.h"
#include "trust.h"
#include "k8sname.h"
#include "units.h"
#include "util.h"

#define CONF_FILE_MAX (4u << 20) /* a config is a few KiB; refuse absurd files */

static cfg_opt_t device_opts[] = {
        CFG_STR("bdf", NULL, CFGF_NODEFAULT),
        CFG_STR_LIST("ids", NULL, CFGF_NODEFAULT),
        CFG_STR("expect", NULL, CFGF_NODEFAULT),
        /* The defaults of these are applied when the entry is read (read_device):
         * a default here would be copied into every section libconfuse makes. */
        CFG_STR("functions", NULL, CFGF_NODEFAULT),
        CFG_STR("driver", NULL, CFGF_NODEFAULT),
        CFG_STR_LIST("bar", NULL, CFGF_NODEFAULT),
        CFG_BOOL("allow_storage", cfg_false, CFGF_NODEFAULT),
        CFG_STR("reset_method", NULL, CFGF_NODEFAULT),
        CFG_STR("resource", NULL, CFGF_NODEFAULT),
        CFG_END(),
};

static cfg_opt_t sriov_opts[] = {
        CFG_STR("pf", NULL, CFGF_NODEFAULT),
        CFG_INT("vfs", 0, CFGF_NODEFAULT),
        CFG_STR("vf_driver", NULL, CFGF_NODEFAULT),
        CFG_END(),
};

static cfg_opt_t mdev_opts[] = {
        CFG_STR("parent", NULL, CFGF_NODEFAULT),
        CFG_STR("type", NULL, CFGF_NODEFAULT),
        CFG_STR("uuid", NULL, CFGF_NODEFAULT),
        CFG_STR("resource", NULL, CFGF_NODEFAULT),
        CFG_END(),
};

static cfg_opt_t vgpu_opts[] = {
        CFG_STR("pf", NULL, CFGF_NODEFAULT),
        CFG_STR("type", NULL, CFGF_NODEFAULT),
        CFG_INT("count", 1, CFGF_NONE),
        CFG_END(),
};

static cfg_opt_t top_opts[] = {
        CFG_BOOL("iommu_required", cfg_true, CFGF_NONE),
        CFG_STR("on_impure_group", "fail", CFGF_NONE),
        CFG_BOOL("allow_unsafe_interrupts", cfg_false, CFGF_NONE),
        CFG_STR("node_labels", NULL, CFGF_NODEFAULT),
        CFG_SEC("device", device_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_SEC("sriov", sriov_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_SEC("mdev", mdev_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_SEC("vgpu", vgpu_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
        CFG_END(),
};

/* One file being read: what error callbacks and validators report into. */
struct reader {
        const char *file;
        struct conflex lex;
        struct conf_error *err;
        /* Each entry is read as soon as libconfuse has parsed it (take_entry);
         * the names seen so far, per kind, find a duplicate in one lookup. */
        struct conf *c;
        const char *file_copy; /* rd->file in c->strings, for every entry's where */
        struct nameset devices, sriovs, mdevs, vgpus;
        /* Keys two entries may not share, in every file: an mdev's uuid
         * (the kernel's name for it) and an sriov entry's pf. */
        struct nameset uuids, pfs;
        size_t section;      /* the entry being read: its index in lex.sections */
        size_t next_section; /* the next entry's */
        const char *kind, *title; /* the entry being read, for its messages */
        /* The file's text: dropped once scanned, read again only when a
         * message or a repeated key needs the scanner to look again. */
        char *text;
        bool text_gone; /* the file is no longer what was scanned */
        /* The descriptor whose owner and mode were judged (trust_stat): the
         * parse and the messages read it, never the path again, which by
         * then may name another file. -1 for a pipe, read once into text. */
        int fd;
        char *map; /* the text read again from fd, mapped (read_pages) */
        size_t map_size;
        const char *last_driver; /* most entries name the same driver: one copy */
        int r;           /* what take_entry failed with */
        /* The ids of the device being parsed, taken from libconfuse value by
         * value (take_ids): it grows its list one element at a time. */
        char **ids;
        size_t n_ids, ids_alloc;
};

static struct reader *current; /* libconfuse's error callback has no user pointer */

static int read_pages(int fd, char **ret, size_t *ret_len, size_t *ret_size);

/* Gives the scanner its text back, reading the file again: only a message
 * or a key assigned twice needs it, maybe while libconfuse is parsing from
 * a duplicate of the descriptor. read_pages reads with pread, so the offset
 * the two share, libconfuse's place in the file, stays where it is. False
 * when the file changed since. */
static bool have_text(struct reader *rd)
{
        size_t len, size;
        char *map;

        if (rd->lex.text)
                return true;
        if (rd->text_gone || rd->fd < 0)
                return false;
        if (read_pages(rd->fd, &map, &len, &size) < 0) {
                rd->text_gone = true;
                return false;
        }
        if (len != rd->lex.len) {
                munmap(map, size);
                rd->text_gone = true;
                return false;
        }
        rd->map = map;
        rd->map_size = size;
        rd->lex.text = map;
        return true;
}

static int fail(struct reader *rd, unsigned line, const char *fmt, ...) _printf_(3, 4);
static int fail(struct reader *rd, unsigned line, const char *fmt, ...)
{
        va_list ap;
        char *msg;

        if (rd->err->message) /* the first error is the one to fix first */
                return -EINVAL;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        /* It quotes the config's text (libconfuse turns "\n" and "\033" in a
         * string into the bytes): a message for people, made printable here
         * (util.h), in the JSON report as on a terminal or in the kernel log. */
        rd->err->message = printable_take(msg);
        rd->err->file = strdup(rd->file);
        rd->err->line = line;
        return (rd->err->message && rd->err->file) ? -EINVAL : -ENOMEM;
}

static void confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
        unsigned line;
        char *msg;

        if (!current || current->err->message)
                return;
        if (vasprintf(&msg, fmt, ap) < 0)
                return;
        line = cfg && cfg->line > 0 ? (unsigned)cfg->line : 0;
        /* libconfuse miscounts lines for an unknown key at top level; the
         * scanner knows where the key is. */
        if (strncmp(msg, "no such option '", 16) == 0) {
                _cleanup_free_ char *name = strndup(msg + 16, strcspn(msg + 16, "'"));
                unsigned at = name && have_text(current) ? conflex_any_line(&current->lex, name)
                                                         : 0;

                if (at)
                        line = at;
        }
        fail(current, line, "%s", msg);
        free(msg);
}

/* Whether s is non-empty and all ASCII letters, digits, '_', '-' and, when
 * dot is true, '.'. (strspn with a set builds a table on every call; entry
 * names are checked thousands of times.) */
static bool made_of_name_chars(const char *s, bool dot)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || (dot && *s == '.')))
                        return false;
        return true;
}

bool conf_name_valid(const char *name)
{
        return strlen(name) <= CONF_NAME_MAX && made_of_name_chars(name, true);
}

bool conf_device_group_of_slot(const struct conf_device *d)
{
        return d->has_bdf && !d->whole_slot && !d->functions_given;
}

int conf_hash(const struct conf *c, char out[static 65])
{
        size_t skip = strlen(root_dir());
        struct sha256 s;
        uint8_t h[32];

        sha256_init(&s);
        for (size_t i = 0; i < c->n_files; i++) {
                _cleanup_free_ char *text = NULL;
                const char *name = c->files[i];
                size_t len;
                int r;

                r = read_file(c->files[i], CONF_FILE_MAX, &text, &len);
                if (r < 0)
                        return r;
                if (skip && strncmp(name, root_dir(), skip) == 0)
                        name += skip;
                sha256_update(&s, name, strlen(name) + 1);
                sha256_update(&s, text, len);
                sha256_update(&s, "", 1);
        }
        sha256_final(&s, h);
        for (size_t i = 0; i < 32; i++)
                snprintf(out + 2 * i, 3, "%02x", h[i]);
        return 0;
}

void conf_mdev_uuid(const char *name, char out[static 37])
{
        /* RFC 9562 name-based version 8: SHA-256 over a namespace of gpupt's
         * own and the name, so the same entry gets the same mdev on every boot. */
        static const char ns[] = "gpupt.mdev.v1:";
        struct sha256 s;
        uint8_t h[32];

        sha256_init(&s);
        sha256_update(&s, ns, sizeof(ns) - 1);
        sha256_update(&s, name, strlen(name));
        sha256_final(&s, h);
        h[6] = (uint8_t)((h[6] & 0x0f) | 0x80);
        h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
        for (size_t i = 0, o = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                        out[o++] = '-';
                out[o++] = "0123456789abcdef"[h[i] >> 4];
                out[o++] = "0123456789abcdef"[h[i] & 15];
        }
        out[36] = '\0';
}

static bool uuid_valid(const char *s)
{
        static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

        if (strlen(s) != sizeof(shape) - 1)
                return false;
        for (size_t i = 0; shape[i]; i++)
                if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
                        return false;
        return true;
}

/* "2:8M" → BAR 2, log2(8) = 3. */
static int parse_bar(const char *s, struct conf_bar *ret)
{
        uint64_t mib, v;
        char *end;
        unsigned shift;

        if (s[0] < '0' || s[0] > '5' || s[1] != ':' || !isdigit((unsigned char)s[2]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s + 2, &end, 10);
        if (errno || v == 0)
                return -EINVAL;
        switch (*end) {
        case 'M':
        case 'm':
                shift = 0;
                break;
        case 'G':
        case 'g':
                shift = 10;
                break;
        case 'T':
        case 't':
                shift = 20;
                break;
        default:
                return -EINVAL;
        }
        if (end[1] || v > (UINT64_C(1) << 40))
                return -EINVAL;
        mib = v << shift;
        if (mib & (mib - 1))
                return -EDOM; /* not a power of two */
        ret->index = (unsigned)(s[0] - '0');
        ret->log2_mib = (unsigned)__builtin_ctzll(mib);
        return 0;
}

/* Gives the scanner its text back and makes sure rd->section is the entry
 * being read (the order of the file put it there; its name is checked, and
 * sought, now that the text is at hand). False without the text. */
static bool section_text(struct reader *rd)
{
        if (!have_text(rd))
                return false;
        if (!conflex_section_is(&rd->lex, rd->section, rd->kind, rd->title))
                for (size_t i = 0; i < rd->lex.n_sections; i++)
                        if (conflex_section_is(&rd->lex, i, rd->kind, rd->title)) {
                                rd->section = i;
                                break;
                        }
        return true;
}

/* The line of key in the entry being read (of its header when key is NULL or
 * not set): the scanner looks again at that one section, so only a message
 * pays for it. */
static unsigned key_line(struct reader *rd, const char *key)
{
        if (rd->section >= rd->lex.n_sections)
                return 0;
        if (!key || !section_text(rd))
                return rd->lex.sections[rd->section].line;
        return conflex_key_line(&rd->lex, rd->section, key);
}

/* Whether the entry being read assigns key twice: the scanner flagged the
 * sections that may; for those it counts. */
static bool assigned_twice(struct reader *rd, const char *key)
{
        if (rd->section >= rd->lex.n_sections || !rd->lex.sections[rd->section].assigns_twice)
                return false;
        return section_text(rd) && conflex_key_count(&rd->lex, rd->section, key) > 1;
}

static char *keep(struct reader *rd, const char *s)
{
        return strpool_dup(&rd->c->strings, s);
}

/* What every entry holds first: its name, and where it was declared (the
 * file's name is shared by all its entries). */
static int entry_head(struct reader *rd, const char *title, unsigned line, char **name,
                      struct conf_where *w)
{
        *w = (struct conf_where){ .file = rd->file_copy, .line = line };
        *name = keep(rd, title);
        return *name ? 0 : -ENOMEM;
}

/* An option of a parsed section by name: one pass over its few options
 * (cfg_getstr copies the name first, to look for "section|option" paths). */
static cfg_opt_t *opt_of(cfg_t *sec, const char *name)
{
        for (cfg_opt_t *o = sec->opts; o && o->name; o++)
                if (streq(o->name, name))
                        return o;
        return NULL;
}

static unsigned size_of(cfg_t *sec, const char *name)
{
        cfg_opt_t *o = opt_of(sec, name);

        return o ? cfg_opt_size(o) : 0;
}

/* The value of a string option, or NULL when the entry does not set it. */
static const char *str_of(cfg_t *sec, const char *name)
{
        cfg_opt_t *o = opt_of(sec, name);

        return o && cfg_opt_size(o) ? cfg_opt_getnstr(o, 0) : NULL;
}

/* Checks every string an entry holds, so nothing that is not UTF-8 or that
 * carries control characters reaches a unit file or a terminal. The file is
 * UTF-8 (conflex.c), but a string's escapes ("\xff", "\n") are not. */
static int check_text(struct reader *rd, const char *kind, const char *title, const char *key,
                      const char *v)
{
        if (strlen(v) > 4096)
                return fail(rd, key_line(rd, key),
                            "%s \"%s\": %s is %zu characters long; at most 4096", kind, title, key,
                            strlen(v));
        if (!string_is_utf8(v))
                return fail(rd, key_line(rd, key), "%s \"%s\": %s is not UTF-8", kind, title,
                            key);
        for (const char *p = v; *p; p++) {
                unsigned char c = (unsigned char)*p;

                /* C0, DEL, and C1 (U+0080-U+009F: 0xc2 0x80-0x9f in UTF-8) */
                if (c < 0x20 || c == 0x7f || (c == 0xc2 && (unsigned char)p[1] < 0xa0))
                        return fail(rd, key_line(rd, key),
                                    "%s \"%s\": %s contains a control character", kind, title,
                                    key);
        }
        return 0;
}

/* A string the generator makes a unit name of (an sriov or a vgpu entry's
 * name, an mdev entry's parent): systemd loads no unit whose name is longer
 * than 255 bytes, nor can the generator write its file, and escaping makes
 * four characters of every '-' (units.c). An sriov or a vgpu instance also
 * gets a drop-in directory, NAME.d, whose name is bound the same: two bytes
 * less for the unit name. what: "the name", "parent \"…\"". */
static int check_unit_name(struct reader *rd, unsigned line, const char *kind, const char *title,
                           const char *what, const char *template, const char *instance,
                           bool dropin)
{
        size_t n = unit_instance_len(template, instance), dir = n + strlen(".d");

        if (n <= UNIT_NAME_LEN_MAX && (!dropin || dir <= UNIT_NAME_LEN_MAX))
                return 0;
        if (n <= UNIT_NAME_LEN_MAX)
                return fail(rd, line,
                            "%s \"%s\": %s makes the unit name %s@….service %zu characters "
                            "long once escaped (every character other than a letter, a digit, "
                            "'_' or '.' takes four), and the name of its drop-in directory %zu; "
                            "a file name takes at most %d",
                            kind, title, what, template, n, dir, UNIT_NAME_LEN_MAX);
        return fail(rd, line,
                    "%s \"%s\": %s makes the unit name %s@….service %zu characters long once "
                    "escaped (every character other than a letter, a digit, '_' or '.' takes "
                    "four); systemd allows at most %d",
                    kind, title, what, template, n, UNIT_NAME_LEN_MAX);
}

/* reset_method: the kernel's names, kept in its spelling so that what
 * gpupt-apply writes reads back the same. */
static int read_reset_method(struct reader *rd, cfg_t *sec, struct conf_device *d)
{
        const char *title = cfg_title(sec), *v = str_of(sec, "reset_method"), *bad = NULL;
        size_t bad_len = 0;
        int r;

        if (!v)
                return 0;
        if ((r = check_text(rd, "device", title, "reset_method", v)) < 0)
                return r;
        d->reset_method = keep(rd, v);
        if (!d->reset_method)
                return -ENOMEM;
        r = reset_methods_normalize(d->reset_method, &bad, &bad_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                unsigned l = key_line(rd, "reset_method");

                if (r == -EINVAL)
                        return fail(rd, l, "device \"%s\": reset_method is empty; name one or "
                                    "more of device_specific acpi flr af_flr pm bus cxl_bus",
                                    title);
                return fail(rd, l,
                            r == -EEXIST ? "device \"%s\": reset_method names \"%.*s\" twice"
                                         : "device \"%s\": reset_method \"%.*s\" is not a "
                                           "reset method of Linux (device_specific acpi flr "
                                           "af_flr pm bus cxl_bus)",
                            title, (int)bad_len, bad);
        }
        return 0;
}

/* node_labels: a file name gpupt-apply writes as root, so a plain absolute
 * one: no "..", no character a shell or a message would have to quote. */
static bool label_path_valid(const char *v)
{
        if (v[0] != '/' || v[strlen(v) - 1] == '/' || strstr(v, "/../") || strlen(v) > 4096)
                return false;
        for (const char *p = v; *p; p++)
                if (!isalnum((unsigned char)*p) && !strchr("/._-+@:", *p))
                        return false;
        return !(strlen(v) >= 3 && streq(v + strlen(v) - 3, "/.."));
}

/* resource: the name KubeVirt's device plugin offers the device under, a
 * Kubernetes extended resource name (k8sname.h). */
static int read_resource(struct reader *rd, cfg_t *sec, const char *kind, char **ret)
{
        const char *title = cfg_title(sec), *v = str_of(sec, "resource");
        int r;

        if (!v)
                return 0;
        if ((r = check_text(rd, kind, title, "resource", v)) < 0)
                return r;
        if (!k8s_qualified_valid(v) || strstr(v, "kubernetes.io/") || strstr(v, "k8s.io/"))
                return fail(rd, key_line(rd, "resource"),
                            "%s \"%s\": resource \"%s\" is not an extended resource name "
                            "(vendor.example/name: a lower-case DNS name other than "
                            "kubernetes.io, '/', then 1 to 63 of [A-Za-z0-9._-] beginning and "
                            "ending with a letter or digit)",
                            kind, title, v);
        *ret = keep(rd, v);
        return *ret ? 0 : -ENOMEM;
}

static int read_device(struct reader *rd, cfg_t *sec, struct conf_device *d)
{
        const char *title = cfg_title(sec), *v;
        unsigned line = key_line(rd, NULL);
        unsigned n_ids = (unsigned)rd->n_ids, n_bars = size_of(sec, "bar");
        int r;

        r = entry_head(rd, title, line, &d->name, &d->where);
        if (r < 0)
                return r;

        v = str_of(sec, "bdf");
        if (v && n_ids > 0)
                return fail(rd, line, "device \"%s\": has both bdf and ids; give exactly one",
                            title);
        if (!v && n_ids == 0)
                return fail(rd, line,
                            "device \"%s\": names no device; set bdf = \"dddd:bb:dd.f\" or "
                            "ids = {\"vvvv:dddd\"}",
                            title);
        if (v) {
                if ((r = check_text(rd, "device", title, "bdf", v)) < 0)
                        return r;
                if (pci_addr_parse(v, &d->bdf, &d->whole_slot) < 0)
                        return fail(rd, key_line(rd, "bdf"),
                                    "device \"%s\": bdf \"%s\" is not a PCI address "
                                    "(dddd:bb:dd.f, bb:dd.f, or bb:dd for the whole slot)",
                                    title, v);
                d->has_bdf = true;
        }
        if (n_ids > 0 && assigned_twice(rd, "ids"))
                return fail(rd, key_line(rd, "ids"),
                            "device \"%s\": ids is given more than once; give one list", title);
        if (n_ids > 0) {
                d->ids = calloc(n_ids, sizeof(*d->ids));
                if (!d->ids)
                        return -ENOMEM;
                for (unsigned i = 0; i < n_ids; i++) {
                        v = rd->ids[i];
                        if ((r = check_text(rd, "device", title, "ids", v)) < 0)
                                return r;
                        if (pci_id_parse(v, &d->ids[i]) < 0)
                                return fail(rd, key_line(rd, "ids"),
                                            "device \"%s\": ids entry \"%s\" is not "
                                            "vvvv:dddd or vvvv:dddd:ssss:ssss in hex",
                                            title, v);
                        d->n_ids++;
                }
        }
        v = str_of(sec, "expect");
        if (v) {
                unsigned l = key_line(rd, "expect");

                if ((r = check_text(rd, "device", title, "expect", v)) < 0)
                        return r;
                if (!d->has_bdf)
                        return fail(rd, l, "device \"%s\": expect only applies with bdf", title);
                if (pci_id_parse(v, &d->expect) < 0)
                        return fail(rd, l,
                                    "device \"%s\": expect \"%s\" is not vvvv:dddd or "
                                    "vvvv:dddd:ssss:ssss in hex",
                                    title, v);
                d->has_expect = true;
        }
        v = str_of(sec, "functions");
        d->functions_given = v != NULL;
        v = v ?: "all";
        if (streq(v, "all"))
                d->functions = FUNCTIONS_ALL;
        else if (streq(v, "single"))
                d->functions = FUNCTIONS_SINGLE;
        else
                return fail(rd, key_line(rd, "functions"),
                            "device \"%s\": functions must be all or single, not \"%s\"", title,
                            v);
        if (d->functions == FUNCTIONS_SINGLE && d->whole_slot)
                return fail(rd, key_line(rd, "functions"),
                            "device \"%s\": functions = single needs a function in bdf "
                            "(dddd:bb:dd.f), not a whole slot",
                            title);
        v = str_of(sec, "driver") ?: "auto";
        if ((r = check_text(rd, "device", title, "driver", v)) < 0)
                return r;
        if (!made_of_name_chars(v, false))
                return fail(rd, key_line(rd, "driver"),
                            "device \"%s\": driver \"%s\" is not a driver name", title, v);
        if (!rd->last_driver || !streq(rd->last_driver, v))
                rd->last_driver = keep(rd, v);
        d->driver = (char *)rd->last_driver;
        if (!d->driver)
                return -ENOMEM;
        d->allow_storage = size_of(sec, "allow_storage") &&
                           cfg_opt_getnbool(opt_of(sec, "allow_storage"), 0);
        if ((r = read_reset_method(rd, sec, d)) < 0)
                return r;
        if ((r = read_resource(rd, sec, "device", &d->resource)) < 0)
                return r;
        if (n_bars > 0) {
                d->bars = calloc(n_bars, sizeof(*d->bars));
                if (!d->bars)
                        return -ENOMEM;
                for (unsigned i = 0; i < n_bars; i++) {
                        unsigned l = key_line(rd, "bar");

                        v = cfg_opt_getnstr(opt_of(sec, "bar"), i);
                        if ((r = check_text(rd, "device", title, "bar", v)) < 0)
                                return r;
                        r = parse_bar(v, &d->bars[i]);
                        if (r == -EDOM)
                                return fail(rd, l,
                                            "device \"%s\": bar \"%s\": the size must be a power "
                                            "of two (1M, 2M, 4M, …, 256M, 1G, …)",
                                            title, v);
                        if (r < 0)
                                return fail(rd, l,
                                            "device \"%s\": bar \"%s\" is not INDEX:SIZE with "
                                            "INDEX 0-5 and SIZE like 8M, 256M or 16G",
                                            title, v);
                        for (unsigned j = 0; j < i; j++)
                                if (d->bars[j].index == d->bars[i].index)
                                        return fail(rd, l, "device \"%s\": BAR %u is sized twice",
                                                    title, d->bars[i].index);
                        d->n_bars++;
                }
        }
        return 0;
}

static int read_sriov(struct reader *rd, cfg_t *sec, struct conf_sriov *s)
{
        const char *title = cfg_title(sec), *v;
        unsigned line = key_line(rd, NULL);
        cfg_opt_t *opt;
        long vfs;
        int r;

        r = entry_head(rd, title, line, &s->name, &s->where);
        if (r == 0)
                r = check_unit_name(rd, line, "sriov", title, "the name", UNIT_SRIOV, title,
                                    true);
        if (r < 0)
                return r;
        v = str_of(sec, "pf");
        if (!v)
                return fail(rd, line, "sriov \"%s\": pf = \"dddd:bb:dd.f\" is missing", title);
        if ((r = check_text(rd, "sriov", title, "pf", v)) < 0)
                return r;
        if (pci_addr_parse(v, &s->pf, NULL) < 0)
                return fail(rd, key_line(rd, "pf"),
                            "sriov \"%s\": pf \"%s\" is not a PCI function address "
                            "(dddd:bb:dd.f or bb:dd.f)",
                            title, v);
        opt = opt_of(sec, "vfs");
        if (!opt || cfg_opt_size(opt) == 0)
                return fail(rd, line, "sriov \"%s\": vfs = N is missing", title);
        vfs = cfg_opt_getnint(opt, 0);
        if (vfs < 0 || vfs > CONF_VFS_MAX)
                return fail(rd, key_line(rd, "vfs"),
                            "sriov \"%s\": vfs = %ld is out of range 0-%d", title, vfs,
                            CONF_VFS_MAX);
        s->vfs = (unsigned)vfs;
        v = str_of(sec, "vf_driver");
        if (v) {
                if ((r = check_text(rd, "sriov", title, "vf_driver", v)) < 0)
                        return r;
                if (!made_of_name_chars(v, false))
                        return fail(rd, key_line(rd, "vf_driver"),
                                    "sriov \"%s\": vf_driver \"%s\" is not a driver name", title,
                                    v);
                s->vf_driver = keep(rd, v);
                if (!s->vf_driver)
                        return -ENOMEM;
        }
        return 0;
}

static int read_mdev(struct reader *rd, cfg_t *sec, struct conf_mdev *m)
{
        const char *title = cfg_title(sec), *v;
        unsigned line = key_line(rd, NULL);
        struct pci_addr a;
        int r;

        r = entry_head(rd, title, line, &m->name, &m->where);
        if (r < 0)
                return r;
        v = str_of(sec, "parent");
        if (!v)
                return fail(rd, line, "mdev \"%s\": parent = \"dddd:bb:dd.f\" is missing", title);
        if ((r = check_text(rd, "mdev", title, "parent", v)) < 0)
                return r;
        if (pci_addr_parse(v, &a, NULL) == 0) {
                char buf[PCI_ADDR_STRLEN];

                m->parent = keep(rd, pci_addr_format(&a, buf));
        } else if (strchr(v, ':') || !conf_name_valid(v)) {
                /* Looks like a botched address, or is no device name at all. */
                return fail(rd, key_line(rd, "parent"),
                            "mdev \"%s\": parent \"%s\" is neither a PCI address nor a device "
                            "name under /sys/class/mdev_bus",
                            title, v);
        } else {
                _cleanup_free_ char *what = strdup_printf("parent \"%s\"", v);

                if (!what)
                        return -ENOMEM;
                r = check_unit_name(rd, key_line(rd, "parent"), "mdev", title, what, UNIT_MDEV,
                                    v, false);
                if (r < 0)
                        return r;
                m->parent = keep(rd, v);
        }
        if (!m->parent)
                return -ENOMEM;
        v = str_of(sec, "type");
        if (!v || !*v)
                return fail(rd, line, "mdev \"%s\": type = \"…\" is missing", title);
        if ((r = check_text(rd, "mdev", title, "type", v)) < 0)
                return r;
        if (strchr(v, '/') || streq(v, ".") || streq(v, ".."))
                return fail(rd, key_line(rd, "type"),
                            "mdev \"%s\": type \"%s\" is not a type name", title, v);
        m->type = keep(rd, v);
        if (!m->type)
                return -ENOMEM;
        v = str_of(sec, "uuid");
        if (v) {
                if ((r = check_text(rd, "mdev", title, "uuid", v)) < 0)
                        return r;
                if (!uuid_valid(v))
                        return fail(rd, key_line(rd, "uuid"),
                                    "mdev \"%s\": uuid \"%s\" is not a UUID "
                                    "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                                    title, v);
                for (size_t i = 0; i < 36; i++)
                        m->uuid[i] = (char)tolower((unsigned char)v[i]);
                m->uuid[36] = '\0';
                m->uuid_given = true;
        } else
                conf_mdev_uuid(m->name, m->uuid);
        return read_resource(rd, sec, "mdev", &m->resource);
}

/* An NVIDIA vGPU type for count VFs of pf, chosen by its name as the
 * VFs' nvidia/creatable_vgpu_types lists it ("NVIDIA L40S-8Q"). */
static int read_vgpu(struct reader *rd, cfg_t *sec, struct conf_vgpu *g)
{
        const char *title = cfg_title(sec), *v;
        unsigned line = key_line(rd, NULL);
        long count;
        int r;

        r = entry_head(rd, title, line, &g->name, &g->where);
        if (r == 0)
                r = check_unit_name(rd, line, "vgpu", title, "the name", UNIT_VGPU, title,
                                    true);
        if (r < 0)
                return r;
        v = str_of(sec, "pf");
        if (!v)
                return fail(rd, line, "vgpu \"%s\": pf = \"dddd:bb:dd.f\" is missing", title);
        if ((r = check_text(rd, "vgpu", title, "pf", v)) < 0)
                return r;
        if (pci_addr_parse(v, &g->pf, NULL) < 0)
                return fail(rd, key_line(rd, "pf"),
                            "vgpu \"%s\": pf \"%s\" is not a PCI function address "
                            "(dddd:bb:dd.f or bb:dd.f)",
                            title, v);
        v = str_of(sec, "type");
        if (!v || !*v)
                return fail(rd, line, "vgpu \"%s\": type = \"NVIDIA …\" is missing", title);
        if ((r = check_text(rd, "vgpu", title, "type", v)) < 0)
                return r;
        if (strchr(v, '\n') || strchr(v, ':'))
                return fail(rd, key_line(rd, "type"),
                            "vgpu \"%s\": type \"%s\" is not a vGPU type name", title, v);
        g->type = keep(rd, v);
        if (!g->type)
                return -ENOMEM;
        count = cfg_getint(sec, "count");
        if (count < 1 || count > CONF_VFS_MAX)
                return fail(rd, key_line(rd, "count"),
                            "vgpu \"%s\": count = %ld is out of range 1-%d", title, count,
                            CONF_VFS_MAX);
        g->count = (unsigned)count;
        return 0;
}

static int check_title(struct reader *rd, const char *kind, const char *title)
{
        _cleanup_free_ char *esc = NULL;

        if (conf_name_valid(title))
                return 0;
        if (strlen(title) > CONF_NAME_MAX)
                return fail(rd, key_line(rd, NULL),
                            "%s name is %zu characters long; at most %d", kind, strlen(title),
                            CONF_NAME_MAX);
        /* the name is refused for what it holds: shown escaped, one line */
        esc = cescape(title);
        if (!esc)
                return -ENOMEM;
        return fail(rd, key_line(rd, NULL),
                    "%s name \"%s\" may only hold letters, digits, '_', '.' and '-'", kind, esc);
}

/* Grows one of the entry arrays of c by one zeroed element. */
static void *append(void *array_ptr, size_t *n, size_t size)
{
        void **array = array_ptr;
        void *p = *array;

        /* The capacity is the next power of two, so n entries cost O(n). */
        if ((*n & (*n - 1)) == 0) {
                p = xrealloc_array(*array, *n ? 2 * *n : 1, size);
                if (!p)
                        return NULL;
                *array = p;
        }
        memset((char *)p + *n * size, 0, size);
        return (char *)p + (*n)++ * size;
}

/* The section of the entry libconfuse has just closed: entries close in the
 * order of the file, so it is the next one the scanner found (key_line checks
 * the name when a message needs the text again). */
static size_t entry_section(struct reader *rd)
{
        return rd->next_section < rd->lex.n_sections ? rd->next_section++ : SIZE_MAX;
}

static int duplicate(struct reader *rd, const char *kind, const char *title, unsigned line,
                     const struct conf_where *first)
{
        return fail(rd, line, "duplicate %s name \"%s\": already defined at %s:%u", kind, title,
                    first->file, first->line);
}

/* A PF has one VF count: of two entries, the second undoes the first on
 * every boot. */
static int unique_pf(struct reader *rd, const struct conf_sriov *s)
{
        const struct conf_sriov *first;
        char a[PCI_ADDR_STRLEN];
        size_t at;
        int r;

        r = nameset_add(&rd->pfs, pci_addr_format(&s->pf, a), (size_t)(s - rd->c->sriovs), &at);
        if (r <= 0)
                return r;
        first = &rd->c->sriovs[at];
        return fail(rd, key_line(rd, "pf"),
                    "sriov \"%s\": pf %s is already the pf of sriov \"%s\" (%s:%u), with "
                    "vfs = %u: a PF has one VF count; keep one of the two entries",
                    s->name, a, first->name, first->where.file, first->where.line, first->vfs);
}

/* The kernel knows an mdev by its uuid alone: a second mdev of one uuid
 * would never exist (its create fails, or finds the first one there). */
static int unique_uuid(struct reader *rd, const struct conf_mdev *m)
{
        const struct conf_mdev *first;
        size_t at;
        int r;

        r = nameset_add(&rd->uuids, m->uuid, (size_t)(m - rd->c->mdevs), &at);
        if (r <= 0)
                return r;
        first = &rd->c->mdevs[at];
        if (m->uuid_given)
                return fail(rd, key_line(rd, "uuid"),
                            "mdev \"%s\": uuid %s is already the uuid of mdev \"%s\" (%s:%u); "
                            "each mdev needs a uuid of its own",
                            m->name, m->uuid, first->name, first->where.file, first->where.line);
        return fail(rd, m->where.line,
                    "mdev \"%s\": its default uuid %s (derived from its name) is already the "
                    "uuid of mdev \"%s\" (%s:%u); give one of them a uuid of its own",
                    m->name, m->uuid, first->name, first->where.file, first->where.line);
}

/* Reads one device, sriov, mdev or vgpu section into rd->c. */
static int read_entry(struct reader *rd, const char *kind, cfg_t *sec)
{
        const char *title = cfg_title(sec);
        struct conf *c = rd->c;
        unsigned line;
        size_t at;
        int r;

        rd->section = entry_section(rd);
        rd->kind = kind;
        rd->title = title;
        line = key_line(rd, NULL);
        r = check_title(rd, kind, title);
        if (r < 0)
                return r;
        if (streq(kind, "device")) {
                struct conf_device *d;

                if (nameset_get(&rd->devices, title, &at))
                        return duplicate(rd, kind, title, line,
                                         &c->devices[at].where);
                d = append(&c->devices, &c->n_devices, sizeof(*d));
                if (!d)
                        return -ENOMEM;
                r = read_device(rd, sec, d);
                if (r == 0)
                        r = nameset_add(&rd->devices, d->name, c->n_devices - 1, NULL);
        } else if (streq(kind, "sriov")) {
                struct conf_sriov *s;

                if (nameset_get(&rd->sriovs, title, &at))
                        return duplicate(rd, kind, title, line,
                                         &c->sriovs[at].where);
                s = append(&c->sriovs, &c->n_sriovs, sizeof(*s));
                if (!s)
                        return -ENOMEM;
                r = read_sriov(rd, sec, s);
                if (r == 0)
                        r = nameset_add(&rd->sriovs, s->name, c->n_sriovs - 1, NULL);
                if (r == 0)
                        r = unique_pf(rd, s);
        } else if (streq(kind, "mdev")) {
                struct conf_mdev *m;

                if (nameset_get(&rd->mdevs, title, &at))
                        return duplicate(rd, kind, title, line, &c->mdevs[at].where);
                m = append(&c->mdevs, &c->n_mdevs, sizeof(*m));
                if (!m)
                        return -ENOMEM;
                r = read_mdev(rd, sec, m);
                if (r == 0)
                        r = nameset_add(&rd->mdevs, m->name, c->n_mdevs - 1, NULL);
                if (r == 0)
                        r = unique_uuid(rd, m);
        } else {
                struct conf_vgpu *g;

                if (nameset_get(&rd->vgpus, title, &at))
                        return duplicate(rd, kind, title, line, &c->vgpus[at].where);
                g = append(&c->vgpus, &c->n_vgpus, sizeof(*g));
                if (!g)
                        return -ENOMEM;
                r = read_vgpu(rd, sec, g);
                if (r == 0)
                        r = nameset_add(&rd->vgpus, g->name, c->n_vgpus - 1, NULL);
        }
        return r < 0 ? r : 0;
}

static void ids_clear(struct reader *rd)
{
        while (rd->n_ids > 0)
                free(rd->ids[--rd->n_ids]);
}

/* libconfuse calls this after each value of a device's ids: the value moves
 * to rd->ids (which grows geometrically) and libconfuse's list is emptied,
 * so a list of thousands of ids is not copied once per element. */
static int take_ids(cfg_t *cfg, cfg_opt_t *opt)
{
        (void)cfg;
        if (!current)
                return -1;
        for (unsigned i = 0; i < opt->nvalues; i++) {
                if (GROW(current->ids, current->n_ids, current->ids_alloc) < 0) {
                        current->r = -ENOMEM;
                        return -1;
                }
                current->ids[current->n_ids++] = opt->values[i]->string;
                opt->values[i]->string = NULL;
        }
        cfg_free_value(opt);
        return 0;
}

/* libconfuse calls this as each device, sriov, mdev or vgpu section closes: the
 * entry is read at once and its section freed, so a config of thousands of
 * entries never holds thousands of parsed sections, and libconfuse, which
 * compares a new section's title with every one it holds, holds none. */
static int take_entry(cfg_t *cfg, cfg_opt_t *opt)
{
        unsigned n = cfg_opt_size(opt);
        cfg_t *sec = n ? cfg_opt_getnsec(opt, n - 1) : NULL;
        int r;

        (void)cfg;
        if (!current || !sec)
                return -1;
        r = read_entry(current, opt->name, sec);
        ids_clear(current);
        cfg_opt_rmnsec(opt, n - 1);
        if (r < 0) {
                current->r = r;
                return -1;
        }
        return 0;
}

static const char *device_name(const void *c, size_t i)
{
        return ((const struct conf *)c)->devices[i].name;
}

static const char *sriov_name(const void *c, size_t i)
{
        return ((const struct conf *)c)->sriovs[i].name;
}

static const char *mdev_name(const void *c, size_t i)
{
        return ((const struct conf *)c)->mdevs[i].name;
}

static const char *vgpu_name(const void *c, size_t i)
{
        return ((const struct conf *)c)->vgpus[i].name;
}

static const char *mdev_uuid(const void *c, size_t i)
{
        return ((const struct conf *)c)->mdevs[i].uuid;
}

/* The pf in the form it is compared in. The set asks for one name at a time
 * and compares it at once, so one buffer serves. */
static const char *sriov_pf(const void *c, size_t i)
{
        static char buf[PCI_ADDR_STRLEN];

        return pci_addr_format(&((const struct conf *)c)->sriovs[i].pf, buf);
}

/* Whether this file sets a top-level option (then it overrides earlier files). */
static bool set_here(cfg_t *cfg, const char *name)
{
        cfg_opt_t *o = cfg_getopt(cfg, name);

        return o && (o->flags & CFGF_MODIFIED);
}

/* The names of the entries earlier files defined. */
static int names_of(struct reader *rd)
{
        const struct conf *c = rd->c;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < c->n_devices; i++)
                r = nameset_add(&rd->devices, c->devices[i].name, i, NULL);
        for (size_t i = 0; r >= 0 && i < c->n_sriovs; i++)
                r = nameset_add(&rd->sriovs, c->sriovs[i].name, i, NULL);
        for (size_t i = 0; r >= 0 && i < c->n_mdevs; i++)
                r = nameset_add(&rd->mdevs, c->mdevs[i].name, i, NULL);
        for (size_t i = 0; r >= 0 && i < c->n_mdevs; i++)
                r = nameset_add(&rd->uuids, c->mdevs[i].uuid, i, NULL);
        for (size_t i = 0; r >= 0 && i < c->n_sriovs; i++) {
                char a[PCI_ADDR_STRLEN];

                r = nameset_add(&rd->pfs, pci_addr_format(&c->sriovs[i].pf, a), i, NULL);
        }
        for (size_t i = 0; r >= 0 && i < c->n_vgpus; i++)
                r = nameset_add(&rd->vgpus, c->vgpus[i].name, i, NULL);
        return r < 0 ? r : 0;
}

/* Reads a regular file whole into pages of its own. A config of thousands
 * of entries is megabytes: a malloc'd buffer that size, once freed, raises
 * malloc's mmap threshold, and the entry arrays that grow afterwards would
 * then be copied on the heap on each growth, doubling the peak. -EAGAIN when
 * the file is not a regular file or grew meanwhile: read it the ordinary way. */
static int read_pages(int fd, char **ret, size_t *ret_len, size_t *ret_size)
{
        size_t len = 0, size;
        struct stat st;
        char *p;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size == 0)
                return -EAGAIN;
        if ((uint64_t)st.st_size > CONF_FILE_MAX)
                return -EFBIG;
        size = (size_t)st.st_size + 1;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
                return -ENOMEM;
        for (;;) {
                ssize_t n = pread(fd, p + len, size - len, (off_t)len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;

                        munmap(p, size);
                        return r;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len == size) { /* grew since fstat */
                        munmap(p, size);
                        return -EAGAIN;
                }
        }
        p[len] = '\0';
        *ret = p;
        *ret_len = len;
        *ret_size = size;
        return 0;
}

/* Scans the file: the scanner keeps where each entry is, not the text. */
static int scan_file(struct reader *rd, unsigned *line, char **msg)
{
        _cleanup_close_ int fd = open(rd->file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char *text = NULL;
        size_t len = 0, size = 0;
        struct stat st;
        int r;

        if (fd < 0)
                return -errno;
        /* Asked of the descriptor read from: what is judged is what is read,
         * a symlink's target included. */
        if (fstat(fd, &st) < 0)
                return -errno;
        r = trust_stat(&st, rd->file, msg);
        if (r < 0)
                return r;
        r = read_pages(fd, &text, &len, &size);
        if (r == 0) {
                r = conflex_scan(text, len, &rd->lex, line, msg);
                munmap(text, size);
                rd->lex.text = NULL; /* read again if a message needs it (have_text) */
                rd->fd = TAKE_FD(fd);
        } else if (r == -EAGAIN) {
                /* A pipe can be read once: from this descriptor, and the text
                 * is kept for libconfuse and the messages (parse_text). */
                r = read_fd(fd, CONF_FILE_MAX, &rd->text, &len);
                if (r == 0)
                        r = conflex_scan(rd->text, len, &rd->lex, line, msg);
        }
        return r;
}

static int read_one(struct conf *c, const char *path, struct conf_error *err)
{
        struct reader rd = {
                .file = path,
                .err = err,
                .c = c,
                .devices = NAMESET_INIT(device_name, c),
                .sriovs = NAMESET_INIT(sriov_name, c),
                .mdevs = NAMESET_INIT(mdev_name, c),
                .vgpus = NAMESET_INIT(vgpu_name, c),
                .uuids = NAMESET_INIT(mdev_uuid, c),
                .pfs = NAMESET_INIT(sriov_pf, c),
                .fd = -1,
        };
        _cleanup_fclose_ FILE *fp = NULL;
        cfg_t *cfg = NULL;
        unsigned line = 0;
        char *msg = NULL;
        int r;

        r = scan_file(&rd, &line, &msg);
        if (r == -EFBIG)
                r = fail(&rd, 0, "larger than %u bytes; this is not a gpupt config",
                         CONF_FILE_MAX);
        else if (r < 0 && msg)
                fail(&rd, line, "%s", msg);
        free(msg);
        if (r == -EPERM && err->message)
                err->untrusted = true;
        if (r < 0) {
                free(rd.text); /* kept from a pipe */
                closep(&rd.fd);
                return r;
        }
        /* What libconfuse parses is the file scanned and judged: from its
         * descriptor (a duplicate, which fclose closes), from the start. */
        if (rd.fd >= 0) {
                int dfd = fcntl(rd.fd, F_DUPFD_CLOEXEC, 3);

                if (dfd < 0 || lseek(dfd, 0, SEEK_SET) != 0 || !(fp = fdopen(dfd, "r"))) {
                        r = -errno;
                        closep(&dfd);
                        goto out;
                }
        }

        for (cfg_opt_t *o = device_opts; o->name; o++)
                if (streq(o->name, "ids"))
                        o->validcb = take_ids;
        cfg = cfg_init(top_opts, CFGF_NONE);
        if (!cfg) {
                r = -ENOMEM;
                goto out;
        }
        cfg_set_error_function(cfg, confuse_error);
        cfg_set_validate_func(cfg, "device", take_entry);
        cfg_set_validate_func(cfg, "sriov", take_entry);
        cfg_set_validate_func(cfg, "mdev", take_entry);
        cfg_set_validate_func(cfg, "vgpu", take_entry);
        r = names_of(&rd);
        if (r < 0)
                goto out;
        rd.file_copy = strpool_dup(&c->strings, path);
        if (!rd.file_copy) {
                r = -ENOMEM;
                goto out;
        }
        current = &rd;
        /* A regular file libconfuse reads from the descriptor judged; what
         * can be read only once it gets from the text kept (it holds no NUL:
         * the scanner refuses those). */
        r = fp ? cfg_parse_fp(cfg, fp) : cfg_parse_buf(cfg, rd.text);
        current = NULL;
        if (rd.r < 0) {
                r = rd.r;
                goto out;
        }
        if (r == CFG_FILE_ERROR) {
                r = -errno ?: -EIO;
                goto out;
        }
        if (r != CFG_SUCCESS) {
                r = err->message ? -EINVAL : fail(&rd, 0, "cannot be parsed");
                goto out;
        }

        /* Top-level options set in this file override earlier files. */
        if (set_here(cfg, "iommu_required"))
                c->iommu_required = cfg_getbool(cfg, "iommu_required");
        if (set_here(cfg, "allow_unsafe_interrupts"))
                c->allow_unsafe_interrupts = cfg_getbool(cfg, "allow_unsafe_interrupts");
        if (set_here(cfg, "node_labels")) {
                const char *v = cfg_getstr(cfg, "node_labels");

                if (*v && !label_path_valid(v)) {
                        r = fail(&rd,
                                 have_text(&rd) ? conflex_top_line(&rd.lex, "node_labels") : 0,
                                 "node_labels must be an absolute file name, or \"\" for no "
                                 "label file");
                        goto out;
                }
                c->node_labels = keep(&rd, v);
                if (!c->node_labels) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        if (set_here(cfg, "on_impure_group")) {
                const char *v = cfg_getstr(cfg, "on_impure_group");

                if (streq(v, "fail"))
                        c->on_impure = IMPURE_FAIL;
                else if (streq(v, "warn"))
                        c->on_impure = IMPURE_WARN;
                else {
                        r = fail(&rd,
                                 have_text(&rd) ? conflex_top_line(&rd.lex, "on_impure_group")
                                                : 0,
                                 "on_impure_group must be fail or warn, not \"%s\"",
                                 string_is_utf8(v) ? v : "?");
                        goto out;
                }
        }

        r = 0;
out:
        if (cfg)
                cfg_free(cfg);
        conflex_done(&rd.lex);
        free(rd.text);
        if (rd.map)
                munmap(rd.map, rd.map_size);
        closep(&rd.fd);
        ids_clear(&rd);
        free(rd.ids);
        nameset_free(&rd.devices);
        nameset_free(&rd.sriovs);
        nameset_free(&rd.mdevs);
        nameset_free(&rd.vgpus);
        nameset_free(&rd.uuids);
        nameset_free(&rd.pfs);
        return r;
}

static int add_file(struct conf *c, const char *path)
{
        char **p = xrealloc_array(c->files, c->n_files + 1, sizeof(char *));

        if (!p)
                return -ENOMEM;
        c->files = p;
        c->files[c->n_files] = strdup(path);
        if (!c->files[c->n_files])
                return -ENOMEM;
        c->n_files++;
        return 0;
}

/* ROOT/etc/gpupt.conf.d/\*.conf, sorted bytewise so the order does not
 * depend on the locale. */
static int list_dropins(char ***ret, size_t *n, struct conf_error *err)
{
        _cleanup_free_ char *dir = root_path(SYSCONFDIR "/gpupt.conf.d");
        _cleanup_close_ int fd = -1;
        struct stat st;
        char **v;
        size_t k;
        int r = 0;

        *ret = NULL;
        *n = 0;
        if (!dir)
                return -ENOMEM;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        /* Whoever may add a file here may add a claim. */
        if (fstat(fd, &st) < 0 || (r = trust_stat(&st, dir, &err->message)) < 0) {
                r = r < 0 ? r : -errno;
                if (r == -EPERM) {
                        err->file = strdup(dir);
                        err->untrusted = true;
                        return err->file ? r : -ENOMEM;
                }
                return r;
        }
        /* the names of the directory just trusted, whatever its path names now */
        r = dir_names_sorted(fd, ".", name_has_suffix, (void *)".conf", &v, &k);
        if (r < 0)
                return r;
        for (size_t i = 0; i < k; i++) {
                char *path = strdup_printf("%s/%s", dir, v[i]);

                if (!path) {
                        dir_names_free(v, k);
                        return -ENOMEM;
                }
                free(v[i]);
                v[i] = path;
        }
        *ret = v;
        *n = k;
        return 0;
}

/* Whether name, a drop-in's file name, holds only the characters of
 * systemd's own unit and drop-in names: the units name the file
 * (SourcePath=) and messages print it, so it cannot carry a new line, a
 * specifier, an escape or a terminal's control sequence. */
static bool dropin_name_valid(const char *name)
{
        static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789_.@:+-";

        return strspn(name, chars) == strlen(name);
}

/* A drop-in of another name is an error, not a file skipped in silence: it
 * was written to be read. The first in reading order is named, escaped. */
static int check_dropin_names(char *const *paths, size_t n, struct conf_error *err)
{
        for (size_t i = 0; i < n; i++) {
                const char *name = strrchr(paths[i], '/') + 1;
                _cleanup_free_ char *esc = NULL;

                if (dropin_name_valid(name))
                        continue;
                esc = cescape(name);
                err->file = strndup(paths[i], (size_t)(name - 1 - paths[i]));
                err->line = 0;
                err->message = !esc ? NULL : strdup_printf(
                        "drop-in \"%s\": a drop-in's file name may only hold letters, digits, "
                        "'_', '.', '@', ':', '+' and '-' before its \".conf\" (the units name "
                        "the file); rename it",
                        esc);
                return err->file && err->message ? -EINVAL : -ENOMEM;
        }
        return 0;
}

int conf_load(const char *path, struct conf **ret, struct conf_error *err)
{
        struct conf *c;
        _cleanup_free_ char *main_file = NULL;
        char **dropins = NULL;
        size_t n_dropins = 0;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->iommu_required = true;
        c->on_impure = IMPURE_FAIL;

        if (path) {
                r = read_one(c, path, err);
                if (r == 0)
                        r = add_file(c, path);
                goto done;
        }

        main_file = root_path(SYSCONFDIR "/gpupt.conf");
        if (!main_file) {
                r = -ENOMEM;
                goto done;
        }
        r = list_dropins(&dropins, &n_dropins, err);
        if (r == 0)
                r = check_dropin_names(dropins, n_dropins, err);
        if (r < 0)
                goto done;
        r = read_one(c, main_file, err);
        if (r == -ENOENT && n_dropins > 0)
                r = 0;
        else if (r == 0)
                r = add_file(c, main_file);
        for (size_t i = 0; r == 0 && i < n_dropins; i++) {
                r = read_one(c, dropins[i], err);
                if (r == 0)
                        r = add_file(c, dropins[i]);
        }
done:
        for (size_t i = 0; i < n_dropins; i++)
                free(dropins[i]);
        free(dropins);
        if (r < 0) {
                conf_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

void conf_free(struct conf *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_devices; i++) {
                free(c->devices[i].ids);
                free(c->devices[i].bars);
        }
        free(c->devices);
        free(c->sriovs);
        free(c->mdevs);
        free(c->vgpus);
        for (size_t i = 0; i < c->n_files; i++)
                free(c->files[i]);
        free(c->files);
        strpool_free(&c->strings);
        free(c);
}

char *conf_error_text(const struct conf_error *e)
{
        _cleanup_free_ char *buf = NULL;
        /* the message was made printable where it was made (fail()); the
         * file's name is a name from a directory listing */
        const char *file = printable(e->file ? e->file : "?", &buf);
        const char *msg = e->message ? e->message : "invalid";

        return e->line ? strdup_printf("%s:%u: %s", file, e->line, msg)
                       : strdup_printf("%s: %s", file, msg);
}

void conf_error_done(struct conf_error *e)
{
        free(e->file);
        free(e->message);
        *e = (struct conf_error){ 0 };
}

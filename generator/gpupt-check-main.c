/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check: what the next boot will do with /etc/gpupt.conf, and what is
 * wrong with it. Reads only; never writes anything. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "handoff.h"
#include "host.h"
#include "import.h"
#include "list.h"
#include "listing.h"
#include "log.h"
#include "kubevirt.h"
#include "pciids.h"
#include "plan-build.h"
#include "recipes.h"
#include "report.h"
#include "util.h"
#include "verify.h"

enum { EXIT_READY = 0, EXIT_PROBLEMS = 1, EXIT_USAGE = 2 };

static void help(void)
{
        printf("Usage: gpupt-check [OPTIONS]\n"
               "\n"
               "Say what the next boot will do with the gpupt config (which PCI functions\n"
               "vfio-pci claims, VF counts, mdevs) and every problem that would make it fail\n"
               "or be unsafe. Reads only.\n"
               "\n"
               "  --root DIR     read the machine from DIR (DIR/sys, DIR/proc, DIR/etc, ...)\n"
               "                 instead of /; GPUPT_ROOT does the same; a DIR without\n"
               "                 sys is refused\n"
               "  --config FILE  read FILE (as given, not under the root) instead of\n"
               "                 /etc/gpupt.conf and /etc/gpupt.conf.d/*.conf\n"
               "  --json         print one JSON object (see gpupt-check(8)), versioned by\n"
               "                 its \"schema\" member\n"
               "  --quiet        print only the problems, one per line\n"
               "  --color[=WHEN] colour the severities and the verdict: auto (the\n"
               "                 default: on a terminal, unless NO_COLOR is set), always\n"
               "                 (WHEN left out) or never\n"
               "  --verify       also compare the running system with the plan: each\n"
               "                 claim, VF count, mdev and BAR size not as planned is a\n"
               "                 not-applied error; reboot-required warns when the config\n"
               "                 changed since the boot applied it\n"
               "  --libvirt ENTRY[,ENTRY...]\n"
               "                 the functions these device entries claim, as libvirt\n"
               "                 <hostdev> elements (managed='no'), one guest slot per host\n"
               "                 slot, with <vcpu> and <numatune> for their NUMA node; an\n"
               "                 sriov entry's VFs (ENTRY:N or ENTRY:N-M for some), at the\n"
               "                 addresses its PF's SR-IOV capability gives them; an mdev\n"
               "                 entry by its UUID\n"
               "  --qemu ENTRY[,ENTRY...]\n"
               "                 the same as QEMU -device arguments, one per line\n"
               "  --proxmox ENTRY[,ENTRY...]\n"
               "                 the same as hostpciN values for qm set, one per host slot\n"
               "  --guest windows\n"
               "                 with those: the Hyper-V vendor id and hidden KVM that\n"
               "                 NVIDIA drivers before 465 need (Code 43)\n"
               "  --primary ENTRY\n"
               "                 with those: that entry's VGA function is the guest's\n"
               "                 display, no emulated VGA (x-vga)\n"
               "  --kubevirt ENTRY[,ENTRY...]\n"
               "                 the functions of these device entries and the mdevs of\n"
               "                 these mdev entries as KubeVirt's permittedHostDevices\n"
               "                 and a VirtualMachine's devices that request them (YAML)\n"
               "  --list         list the whole host instead: every IOMMU group with its\n"
               "                 functions (ids, name, driver, modules, NUMA node, reset\n"
               "                 methods, link, VFIO nodes, claiming entry) and a config\n"
               "                 line per slot of each group that can go to a VM whole;\n"
               "                 with --json as one JSON object (see gpupt-check(8)); a\n"
               "                 config that does not load is reported after the listing\n"
               "  --display      with --list: only the groups that hold a display controller\n"
               "  --import       print the gpupt.conf that claims what the host's other\n"
               "                 recipes claim (vfio-pci ids= in modprobe.d and on the\n"
               "                 kernel command line, driverctl overrides)\n"
               "  -h, --help     show this help\n"
               "  -V, --version  show the version\n"
               "\n"
               "The report fits the terminal's width (or $COLUMNS); into a pipe or a\n"
               "file nothing is cut or wrapped.\n"
               "\n"
               "Exit status: 0 no error (with --verify: everything applied), 1 at least\n"
               "one problem of severity error (with --verify: drift), 2 usage or config\n"
               "error. With --libvirt, --qemu, --proxmox or --kubevirt: 1 when the\n"
               "entries' plan has an error (the output is printed all the same), 2 when\n"
               "there is no device, sriov or mdev entry of that name.\n");
}

/* "N" or "N-M" after an sriov entry's name: VFs N to M of its vfs; the
 * whole entry is all of them. */
static int parse_vfs(const struct conf_sriov *e, const char *range, struct handoff_vfs *ret)
{
        unsigned long a, b;
        char *end;

        *ret = (struct handoff_vfs){ .entry = e, .first = 0, .n = e->vfs };
        if (!range)
                return e->vfs ? 0 : -ERANGE;
        if (*range < '0' || *range > '9')
                return -EINVAL;
        a = b = strtoul(range, &end, 10);
        if (*end == '-') {
                if (end[1] < '0' || end[1] > '9')
                        return -EINVAL;
                b = strtoul(end + 1, &end, 10);
        }
        if (*end || b < a)
                return -EINVAL;
        if (b >= e->vfs)
                return -ERANGE;
        ret->first = (unsigned)a;
        ret->n = (unsigned)(b - a + 1);
        return 0;
}

/* One name of the list into the set: a device entry, an sriov entry with
 * an optional ":N" or ":N-M", an mdev entry. EXIT_USAGE after saying why. */
static int add_entry(const struct conf *conf, char *name, struct handoff_set *set)
{
        char *range = strchr(name, ':');
        const struct conf_device *d;
        const struct conf_sriov *sr;
        const struct conf_mdev *m;

        if (range)
                *range++ = '\0';
        d = range ? NULL : handoff_entry(conf, name);
        sr = d ? NULL : handoff_sriov(conf, name);
        m = d || sr || range ? NULL : handoff_mdev(conf, name);
        if (d) {
                for (size_t i = 0; i < set->n; i++)
                        if (set->entries[i] == d)
                                return 0;
                set->entries[set->n++] = d;
        } else if (sr) {
                int r = parse_vfs(sr, range, &set->vfs[set->n_vfs]);

                if (r == -EINVAL) {
                        fprintf(stderr, "gpupt-check: sriov \"%s\": '%s' is not a VF number or "
                                        "range (N or N-M)\n",
                                name, range);
                        return EXIT_USAGE;
                }
                if (r < 0) {
                        fprintf(stderr, "gpupt-check: sriov \"%s\" has VFs 0 to %u only "
                                        "(vfs = %u)\n",
                                name, sr->vfs ? sr->vfs - 1 : 0, sr->vfs);
                        return EXIT_USAGE;
                }
                set->n_vfs++;
        } else if (m) {
                for (size_t i = 0; i < set->n_mdevs; i++)
                        if (set->mdevs[i] == m)
                                return 0;
                set->mdevs[set->n_mdevs++] = m;
        } else {
                fprintf(stderr, "gpupt-check: no %s entry \"%s\" in the config\n",
                        range ? "sriov" : "device, sriov or mdev", name);
                return EXIT_USAGE;
        }
        return 0;
}

/* --libvirt, --qemu, --proxmox: the definition on stdout; why the entries
 * are not ready on stderr. names is a comma-separated list of entries. */
static int handoff_main(const struct plan *plan, const char *names, enum handoff_kind kind,
                        const char *primary, enum handoff_guest guest)
{
        size_t most = strlen(names) / 2 + 1;
        _cleanup_free_ const struct conf_device **v = calloc(most, sizeof(*v));
        _cleanup_free_ struct handoff_vfs *vfs = calloc(most, sizeof(*vfs));
        _cleanup_free_ const struct conf_mdev **mdevs = calloc(most, sizeof(*mdevs));
        _cleanup_free_ char *list = strdup(names);
        struct handoff_set set = { .entries = v, .vfs = vfs, .mdevs = mdevs, .guest = guest };
        char *save = NULL;
        int r;

        if (!list || !v || !vfs || !mdevs) {
                fprintf(stderr, "gpupt-check: out of memory\n");
                return EXIT_USAGE;
        }
        for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save))
                if (add_entry(plan->conf, name, &set) != 0)
                        return EXIT_USAGE;
        if (!set.n && !set.n_vfs && !set.n_mdevs) {
                fprintf(stderr, "gpupt-check: no device entry named in '%s'\n", names);
                return EXIT_USAGE;
        }
        if (primary && !(set.primary = handoff_entry(plan->conf, primary))) {
                fprintf(stderr, "gpupt-check: --primary: no device entry \"%s\" in the config\n",
                        primary);
                return EXIT_USAGE;
        }
        if (!handoff_check(plan, &set, stderr))
                return EXIT_USAGE;
        r = handoff_write(stdout, stderr, plan, &set, kind);
        if (r < 0) {
                log_msg(LOG_ERR, "%s", strerror(-r));
                return EXIT_USAGE;
        }
        if (fflush(stdout) != 0 || ferror(stdout)) {
                log_msg(LOG_ERR, "cannot write the output: %s", strerror(errno));
                return EXIT_USAGE;
        }
        if (handoff_ready(plan, &set, NULL))
                return EXIT_READY;
        log_msg(LOG_WARNING, "warning: %s is not ready; the next boot will not hand it over "
                "as printed:", names);
        handoff_ready(plan, &set, stderr);
        return EXIT_PROBLEMS;
}

/* --import: the host's recipes and the functions they name, gathered;
 * then printed. 0, or -errno. */
static int import_main(struct host **host)
{
        struct recipes rs = { 0 };
        int r = host_new(host);

        if (r >= 0)
                r = recipes_read(&rs);
        if (r >= 0)
                r = recipes_find_functions(&rs, *host);
        if (r >= 0) {
                host_seal(*host);
                r = import_print(stdout, &rs);
        }
        recipes_done(&rs);
        return r;
}

/* The config of a host without one: nothing to claim, and the IOMMU
 * required as by default. */
static struct conf *conf_empty(void)
{
        struct conf *conf = calloc(1, sizeof(*conf));

        if (conf)
                conf->iommu_required = true;
        return conf;
}

/* The listing gathered, the host sealed, and the listing printed. */
static int list_write(struct host *host, const struct conf *conf, bool display,
                      const struct list_options *lo)
{
        struct listing *l = NULL;
        struct pciids *db = NULL;
        int r = listing_build(conf, host, display, &l);

        if (r >= 0) {
                (void)pciids_open(&db); /* without one, no names and a hint */
                host_seal(host);
                r = list_print(stdout, l, db, lo);
        }
        pciids_free(db);
        listing_free(l);
        if (r < 0)
                fprintf(stderr, "gpupt-check: cannot list %s/sys/bus/pci/devices: %s\n",
                        root_dir(), strerror(-r));
        return r;
}

/* --list where the config does not load: the host as if it had none, the
 * error in the JSON or on stderr after it, and the config's exit status. */
static int list_main(bool json, bool display, const struct conf_error *err, int status)
{
        const struct list_options lo = { .json = json, .config_error = err };
        struct conf *conf = conf_empty();
        struct host *host = NULL;
        int r = conf ? host_new(&host) : -ENOMEM;

        if (r >= 0)
                r = list_write(host, conf, display, &lo);
        else
                fprintf(stderr, "gpupt-check: %s\n", strerror(-r));
        if (r >= 0 && (fflush(stdout) != 0 || ferror(stdout))) {
                fprintf(stderr, "gpupt-check: cannot write the report: %s\n", strerror(errno));
                r = -EIO;
        }
        if (!json) {
                fputs("gpupt-check: the config does not load, so the listing shows no claims:\n",
                      stderr);
                report_config_error_human(stderr, err);
        }
        host_free(host);
        conf_free(conf);
        return r < 0 ? EXIT_USAGE : status;
}

/* --kubevirt: as handoff_main, for device and mdev entries. */
static int kubevirt_main(const struct plan *plan, const struct pciids *db, const char *names)
{
        const struct conf *c = plan->conf;
        _cleanup_free_ const struct conf_device **d = calloc(c->n_devices + 1, sizeof(*d));
        _cleanup_free_ const struct mdev_plan **m = calloc(plan->n_mdevs + 1, sizeof(*m));
        _cleanup_free_ char *list = strdup(names);
        struct kubevirt_set set = { .devices = d, .mdevs = m };
        char *save = NULL;
        int r;

        if (!d || !m || !list) {
                fprintf(stderr, "gpupt-check: out of memory\n");
                return EXIT_USAGE;
        }
        for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save))
                if (kubevirt_add(plan, &set, name) < 0) {
                        fprintf(stderr, "gpupt-check: no device or mdev entry \"%s\" in the "
                                        "config\n", name);
                        return EXIT_USAGE;
                }
        if (!set.n_devices && !set.n_mdevs) {
                fprintf(stderr, "gpupt-check: no entry named in '%s'\n", names);
                return EXIT_USAGE;
        }
        r = kubevirt_write(stdout, stderr, plan, db, &set);
        if (r < 0 || fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "gpupt-check: cannot write the output: %s\n",
                        strerror(r < 0 ? -r : errno));
                return EXIT_USAGE;
        }
        if (kubevirt_ready(plan, &set, NULL))
                return EXIT_READY;
        fprintf(stderr, "gpupt-check: warning: %s is not ready; the next boot will not hand "
                        "it over as printed:\n", names);
        kubevirt_ready(plan, &set, stderr);
        return EXIT_PROBLEMS;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "root", required_argument, NULL, 'r' },
                { "config", required_argument, NULL, 'c' },
                { "json", no_argument, NULL, 'j' },
                { "quiet", no_argument, NULL, 'q' },
                { "color", optional_argument, NULL, 'C' },
                { "verify", no_argument, NULL, 'v' },
                { "libvirt", required_argument, NULL, 'L' },
                { "qemu", required_argument, NULL, 'Q' },
                { "proxmox", required_argument, NULL, 'P' },
                { "primary", required_argument, NULL, 'G' },
                { "guest", required_argument, NULL, 'W' },
                { "kubevirt", required_argument, NULL, 'K' },
                { "list", no_argument, NULL, 'l' },
                { "display", no_argument, NULL, 'D' },
                { "import", no_argument, NULL, 'I' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        const char *root = secure_getenv("GPUPT_ROOT"), *config = NULL;
        bool json = false, quiet = false, verify = false, list = false, display = false;
        bool import = false;
        const char *handoff = NULL, *primary = NULL;
        bool kubevirt = false;
        enum handoff_kind kind = HANDOFF_LIBVIRT;
        enum color_mode color = COLOR_AUTO;
        struct style style;
        enum handoff_guest guest = HANDOFF_GUEST_ANY;
        bool guest_given = false;
        struct conf_error err = { 0 };
        struct conf *conf = NULL;
        struct host *host = NULL;
        struct plan *plan = NULL;
        struct pciids *db = NULL;
        static char out[64 * 1024];
        int c, r, status;

        log_open("gpupt-check", false);
        /* A fleet's report or a large host's listing is a megabyte or more:
         * into a file or a pipe it goes in 64 KiB writes, not in stdio's
         * 4 KiB. A terminal keeps its line buffering. */
        if (!isatty(STDOUT_FILENO))
                setvbuf(stdout, out, _IOFBF, sizeof(out));

        while ((c = getopt_long(argc, argv, "hV", opts, NULL)) >= 0) {
                switch (c) {
                case 'r':
                        root = optarg;
                        break;
                case 'c':
                        config = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'C':
                        /* a bare --color is always, as ls's */
                        if (optarg && color_mode_parse(optarg, &color) < 0) {
                                fprintf(stderr, "gpupt-check: --color takes auto, always or "
                                                "never, not '%s'\n", optarg);
                                return EXIT_USAGE;
                        }
                        if (!optarg)
                                color = COLOR_ALWAYS;
                        break;
                case 'v':
                        verify = true;
                        break;
                case 'L':
                case 'Q':
                case 'P':
                case 'K':
                        if (handoff) {
                                log_msg(LOG_ERR, "one of --libvirt, --qemu, --proxmox and --kubevirt "
                                        "at a time");
                                return EXIT_USAGE;
                        }
                        handoff = optarg;
                        kubevirt = c == 'K';
                        kind = c == 'L' ? HANDOFF_LIBVIRT : c == 'Q' ? HANDOFF_QEMU
                                                                     : HANDOFF_PROXMOX;
                        break;
                case 'G':
                        primary = optarg;
                        break;
                case 'W':
                        if (!streq(optarg, "windows")) {
                                fprintf(stderr, "gpupt-check: --guest takes \"windows\", not "
                                                "'%s'\n", optarg);
                                return EXIT_USAGE;
                        }
                        guest = HANDOFF_GUEST_WINDOWS;
                        guest_given = true;
                        break;
                case 'l':
                        list = true;
                        break;
                case 'D':
                        display = true;
                        break;
                case 'I':
                        import = true;
                        break;
                case 'h':
                        help();
                        return EXIT_READY;
                case 'V':
                        printf("gpupt-check %s\n", GPUPT_VERSION);
                        return EXIT_READY;
                default:
                        fprintf(stderr, "Try 'gpupt-check --help'.\n");
                        return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                log_msg(LOG_ERR, "unexpected argument '%s'; try --help", argv[optind]);
                return EXIT_USAGE;
        }
        if (!handoff && (primary || guest_given)) {
                fprintf(stderr, "gpupt-check: --primary and --guest go with --libvirt, --qemu "
                                "or --proxmox\n");
                return EXIT_USAGE;
        }
        if (handoff && (json || quiet || list || verify)) {
                log_msg(LOG_ERR, "--libvirt, --qemu, --proxmox and --kubevirt do not go with "
                        "--json, --quiet, --list or --verify");
                return EXIT_USAGE;
        }
        if ((display && !list) || (list && (quiet || verify))) {
                log_msg(LOG_ERR, "%s; try --help",
                        display && !list ? "--display goes with --list"
                                         : quiet ? "--list and --quiet exclude each other"
                                                 : "--list and --verify exclude each other");
                return EXIT_USAGE;
        }
        style = (struct style){ .width = term_width(STDOUT_FILENO),
                                .color = term_color(color, STDOUT_FILENO) };
        if (root && *root) {
                _cleanup_free_ char *sys = strdup_printf("%s/sys", root), *name = NULL;
                struct stat st;

                if (access(root, F_OK) < 0) {
                        log_msg(LOG_ERR, "root '%s': %s", root, strerror(errno));
                        return EXIT_USAGE;
                }
                /* A root without sys/ is no machine: read as one, it would
                 * hold no device and the plan would say Ready. */
                if (!sys || stat(sys, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        fprintf(stderr, "gpupt-check: %s is not a root: it has no sys "
                                        "directory (a root holds a machine's sys, proc and etc)\n",
                                printable(root, &name));
                        return EXIT_USAGE;
                }
        }
        if (root_set(root) < 0) {
                log_msg(LOG_ERR, "out of memory");
                return EXIT_USAGE;
        }

        if (import) {
                if (json || quiet || config || verify || list || display || handoff) {
                        log_msg(LOG_ERR, "--import takes no other option than --root");
                        return EXIT_USAGE;
                }
                r = import_main(&host);
                host_free(host);
                root_set(NULL);
                if (r >= 0 && (fflush(stdout) != 0 || ferror(stdout)))
                        r = -errno;
                if (r < 0) {
                        log_msg(LOG_ERR, "--import: %s", strerror(-r));
                        return EXIT_USAGE;
                }
                return EXIT_READY;
        }

        r = conf_load(config, &conf, &err);
        if (r == -ENOENT && !config && !err.message) {
                /* No config at all: an installed but unused gpupt. */
                conf = conf_empty();
                if (!conf) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = 0;
        }
        if (r < 0) {
                if (!err.message) {
                        _cleanup_free_ char *path = config ? strdup(config)
                                                           : root_path(SYSCONFDIR "/gpupt.conf");

                        err.file = path ? strdup(path) : NULL;
                        err.message = strdup(strerror(-r));
                }
                /* Not a file to fix but a file not to obey: a problem of
                 * severity error, as for the rest of the plan. */
                status = err.untrusted ? EXIT_PROBLEMS : EXIT_USAGE;
                if (list) {
                        /* The admin fixing the config needs the host's
                         * addresses most: list it as if there were none. */
                        status = list_main(json, display, &err, status);
                        conf_error_done(&err);
                        root_set(NULL);
                        return status;
                }
                if (json) {
                        struct iommu_state s;

                        iommu_probe(&s);
                        report_config_error_json(stdout, &s, &err);
                } else
                        report_config_error_human(quiet ? stdout : stderr, &err);
                conf_error_done(&err);
                return status;
        }

        r = host_new(&host);
        if (r < 0)
                goto fail;
        if (list) {
                const struct list_options lo = { .json = json };

                status = list_write(host, conf, display, &lo) < 0 ? EXIT_USAGE : EXIT_READY;
                goto done;
        }
        /* The report and the hand-off are about the next boot; --verify is
         * about the one that runs. */
        r = verify ? plan_build(conf, host, &plan) : plan_build_next(conf, host, &plan);
        if (r < 0)
                goto fail;
        if (verify && (r = plan_verify(plan)) < 0)
                goto fail;
        if (handoff && !kubevirt && (r = plan_gather_handoff(plan)) < 0)
                goto fail;
        /* Gathering is over: what renders reads memory only. */
        if (!quiet && (!handoff || kubevirt))
                (void)pciids_open(&db); /* without one, no names and a hint */
        host_seal(host);

        if (handoff) {
                status = kubevirt ? kubevirt_main(plan, db, handoff)
                                  : handoff_main(plan, handoff, kind, primary, guest);
                goto done;
        }
        if (json)
                report_json(stdout, plan, db);
        else if (quiet)
                report_quiet(stdout, plan, &style);
        else
                report_human(stdout, plan, db, &style);
        status = plan_ready(plan) ? EXIT_READY : EXIT_PROBLEMS;
done:
        if (fflush(stdout) != 0 || ferror(stdout)) {
                log_msg(LOG_ERR, "cannot write the report: %s", strerror(errno));
                status = EXIT_USAGE;
        }
        pciids_free(db);
        plan_free(plan);
        host_free(host);
        conf_free(conf);
        root_set(NULL);
        return status;
fail:
        log_msg(LOG_ERR, "%s", strerror(-r));
        pciids_free(db);
        plan_free(plan);
        host_free(host);
        conf_free(conf);
        root_set(NULL);
        return EXIT_USAGE;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check: what the next boot will do with /etc/gpupt.conf, and what is
 * wrong with it. Reads only; never writes anything. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "handoff.h"
#include "host.h"
#include "list.h"
#include "import.h"
#include "kubevirt.h"
#include "plan-build.h"
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
               "                 instead of /; GPUPT_ROOT does the same\n"
               "  --config FILE  read FILE (as given, not under the root) instead of\n"
               "                 /etc/gpupt.conf and /etc/gpupt.conf.d/*.conf\n"
               "  --json         print one JSON object (see gpupt-check(8))\n"
               "  --quiet        print only the problems, one per line\n"
               "  --verify       also compare the running system with the plan: each\n"
               "                 claim, VF count, mdev and BAR size not as planned is a\n"
               "                 not-applied error; reboot-required warns when the config\n"
               "                 changed since the boot applied it\n"
               "  --libvirt ENTRY[,ENTRY...]\n"
               "                 the functions these device entries claim, as libvirt\n"
               "                 <hostdev> elements (managed='no'), one guest slot per host\n"
               "                 slot, with <vcpu> and <numatune> for their NUMA node\n"
               "  --qemu ENTRY[,ENTRY...]\n"
               "                 the same as QEMU -device arguments, one per line\n"
               "  --proxmox ENTRY[,ENTRY...]\n"
               "                 the same as hostpciN values for qm set, one per host slot\n"
               "  --kubevirt ENTRY[,ENTRY...]\n"
               "                 the functions of these device entries and the mdevs of\n"
               "                 these mdev entries as KubeVirt's permittedHostDevices\n"
               "                 and a VirtualMachine's devices that request them (YAML)\n"
               "  --list         list the whole host instead: every IOMMU group with its\n"
               "                 functions (ids, name, driver, modules, NUMA node, reset\n"
               "                 methods, link, VFIO nodes, claiming entry) and a config\n"
               "                 line per slot of each group that can go to a VM whole;\n"
               "                 with --json as one JSON object (see gpupt-check(8))\n"
               "  --display      with --list: only the groups that hold a display controller\n"
               "  --import       print the gpupt.conf that claims what the host's other\n"
               "                 recipes claim (vfio-pci ids= in modprobe.d and on the\n"
               "                 kernel command line, driverctl overrides)\n"
               "  -h, --help     show this help\n"
               "  --version      show the version\n"
               "\n"
               "Exit status: 0 no error (with --verify: everything applied), 1 at least\n"
               "one problem of severity error (with --verify: drift), 2 usage or config\n"
               "error. With --libvirt, --qemu, --proxmox or --kubevirt: 1 when the\n"
               "entries' plan has an error (the output is printed all the same), 2 when\n"
               "there is no entry of that name.\n");
}

/* --libvirt, --qemu, --proxmox: the definition on stdout; why the entries
 * are not ready on stderr. names is a comma-separated list of entries. */
static int handoff_main(const struct plan *plan, const char *names, enum handoff_kind kind)
{
        _cleanup_free_ const struct conf_device **v = NULL;
        _cleanup_free_ char *list = strdup(names);
        struct handoff_set set = { 0 };
        char *save = NULL;
        int r;

        v = calloc(strlen(names) / 2 + 1, sizeof(*v));
        if (!list || !v) {
                fprintf(stderr, "gpupt-check: out of memory\n");
                return EXIT_USAGE;
        }
        set.entries = v;
        for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
                const struct conf_device *d = handoff_entry(plan->conf, name);
                bool again = false;

                if (!d) {
                        fprintf(stderr, "gpupt-check: no device entry \"%s\" in the config\n",
                                name);
                        return EXIT_USAGE;
                }
                for (size_t i = 0; i < set.n; i++)
                        again = again || set.entries[i] == d;
                if (!again)
                        v[set.n++] = d;
        }
        if (!set.n) {
                fprintf(stderr, "gpupt-check: no device entry named in '%s'\n", names);
                return EXIT_USAGE;
        }
        r = handoff_write(stdout, stderr, plan, &set, kind);
        if (r < 0) {
                fprintf(stderr, "gpupt-check: %s\n", strerror(-r));
                return EXIT_USAGE;
        }
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "gpupt-check: cannot write the output: %s\n", strerror(errno));
                return EXIT_USAGE;
        }
        if (handoff_ready(plan, &set, NULL))
                return EXIT_READY;
        fprintf(stderr, "gpupt-check: warning: %s is not ready; the next boot will not hand "
                        "it over as printed:\n", names);
        handoff_ready(plan, &set, stderr);
        return EXIT_PROBLEMS;
}

/* --kubevirt: as handoff_main, for device and mdev entries. */
static int kubevirt_main(const struct plan *plan, const char *names)
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
        r = kubevirt_write(stdout, stderr, plan, &set);
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
                { "verify", no_argument, NULL, 'v' },
                { "libvirt", required_argument, NULL, 'L' },
                { "qemu", required_argument, NULL, 'Q' },
                { "proxmox", required_argument, NULL, 'P' },
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
        const char *handoff = NULL;
        bool kubevirt = false;
        enum handoff_kind kind = HANDOFF_LIBVIRT;
        struct conf_error err = { 0 };
        struct conf *conf = NULL;
        struct host *host = NULL;
        struct plan *plan = NULL;
        static char out[64 * 1024];
        int c, r, status;

        /* A fleet's report or a large host's listing is a megabyte or more:
         * into a file or a pipe it goes in 64 KiB writes, not in stdio's
         * 4 KiB. A terminal keeps its line buffering. */
        if (!isatty(STDOUT_FILENO))
                setvbuf(stdout, out, _IOFBF, sizeof(out));

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
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
                case 'v':
                        verify = true;
                        break;
                case 'L':
                case 'Q':
                case 'P':
                case 'K':
                        if (handoff) {
                                fprintf(stderr, "gpupt-check: one of --libvirt, --qemu, "
                                                "--proxmox and --kubevirt at a time\n");
                                return EXIT_USAGE;
                        }
                        handoff = optarg;
                        kubevirt = c == 'K';
                        kind = c == 'L' ? HANDOFF_LIBVIRT : c == 'Q' ? HANDOFF_QEMU
                                                                     : HANDOFF_PROXMOX;
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
                fprintf(stderr, "gpupt-check: unexpected argument '%s'; try --help\n",
                        argv[optind]);
                return EXIT_USAGE;
        }
        if (handoff && (json || quiet || list || verify)) {
                fprintf(stderr, "gpupt-check: --libvirt, --qemu, --proxmox and --kubevirt do "
                                "not go with --json, --quiet, --list or --verify\n");
                return EXIT_USAGE;
        }
        if ((display && !list) || (list && (quiet || verify))) {
                fprintf(stderr, "gpupt-check: %s; try --help\n",
                        display && !list ? "--display goes with --list"
                                         : quiet ? "--list and --quiet exclude each other"
                                                 : "--list and --verify exclude each other");
                return EXIT_USAGE;
        }
        if (root && *root) {

                if (access(root, F_OK) < 0) {
                        fprintf(stderr, "gpupt-check: root '%s': %s\n", root, strerror(errno));
                        return EXIT_USAGE;
                }
        }
        if (root_set(root) < 0) {
                fprintf(stderr, "gpupt-check: out of memory\n");
                return EXIT_USAGE;
        }

        if (import) {
                if (json || quiet || config || verify || list || display || handoff) {
                        fprintf(stderr, "gpupt-check: --import takes no other option than "
                                        "--root\n");
                        return EXIT_USAGE;
                }
                r = host_new(&host);
                if (r >= 0)
                        r = import_print(stdout, host);
                host_free(host);
                root_set(NULL);
                if (r >= 0 && (fflush(stdout) != 0 || ferror(stdout)))
                        r = -errno;
                if (r < 0) {
                        fprintf(stderr, "gpupt-check: --import: %s\n", strerror(-r));
                        return EXIT_USAGE;
                }
                return EXIT_READY;
        }

        r = conf_load(config, &conf, &err);
        if (r == -ENOENT && !config && !err.message) {
                /* No config at all: an installed but unused gpupt. */
                conf = calloc(1, sizeof(*conf));
                if (!conf) {
                        r = -ENOMEM;
                        goto fail;
                }
                conf->iommu_required = true;
                r = 0;
        }
        if (r < 0) {
                if (!err.message) {
                        _cleanup_free_ char *path = config ? strdup(config)
                                                           : root_path(SYSCONFDIR "/gpupt.conf");

                        err.file = path ? strdup(path) : NULL;
                        err.message = strdup(strerror(-r));
                }
                if (json) {
                        struct iommu_state s;

                        iommu_probe(&s);
                        report_config_error_json(stdout, &s, &err);
                } else
                        report_config_error_human(quiet ? stdout : stderr, &err);
                /* Not a file to fix but a file not to obey: a problem of
                 * severity error, as for the rest of the plan. */
                status = err.untrusted ? EXIT_PROBLEMS : EXIT_USAGE;
                conf_error_done(&err);
                return status;
        }

        r = host_new(&host);
        if (r < 0)
                goto fail;
        if (list) {
                const struct list_options lo = { .json = json, .display = display };

                r = list_host(stdout, host, conf, &lo);
                if (r < 0) {
                        fprintf(stderr, "gpupt-check: cannot list %s/sys/bus/pci/devices: %s\n",
                                root_dir(), strerror(-r));
                        status = EXIT_USAGE;
                } else
                        status = EXIT_READY;
                goto done;
        }
        /* The report and the hand-off are about the next boot; --verify is
         * about the one that runs. */
        r = verify ? plan_build(conf, host, &plan) : plan_build_next(conf, host, &plan);
        if (r < 0)
                goto fail;
        if (verify && (r = plan_verify(plan)) < 0)
                goto fail;

        if (handoff) {
                status = kubevirt ? kubevirt_main(plan, handoff)
                                  : handoff_main(plan, handoff, kind);
                goto done;
        }
        if (json)
                report_json(stdout, plan);
        else if (quiet)
                report_quiet(stdout, plan);
        else
                report_human(stdout, plan);
        status = plan_ready(plan) ? EXIT_READY : EXIT_PROBLEMS;
done:
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "gpupt-check: cannot write the report: %s\n", strerror(errno));
                status = EXIT_USAGE;
        }
        plan_free(plan);
        host_free(host);
        conf_free(conf);
        root_set(NULL);
        return status;
fail:
        fprintf(stderr, "gpupt-check: %s\n", strerror(-r));
        plan_free(plan);
        host_free(host);
        conf_free(conf);
        root_set(NULL);
        return EXIT_USAGE;
}

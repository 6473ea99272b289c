/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpupt-check: what the next boot will do with /etc/gpupt.conf, and what is
 * wrong with it. Reads only; never writes anything. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "conf.h"
#include "host.h"
#include "import.h"
#include "plan.h"
#include "report.h"
#include "util.h"

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
               "  --import       print the gpupt.conf that claims what the host's other\n"
               "                 recipes claim (vfio-pci ids= in modprobe.d and on the\n"
               "                 kernel command line, driverctl overrides)\n"
               "  -h, --help     show this help\n"
               "  --version      show the version\n"
               "\n"
               "Exit status: 0 no error, 1 at least one problem of severity error,\n"
               "2 usage or config error.\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "root", required_argument, NULL, 'r' },
                { "config", required_argument, NULL, 'c' },
                { "json", no_argument, NULL, 'j' },
                { "quiet", no_argument, NULL, 'q' },
                { "import", no_argument, NULL, 'I' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        const char *root = secure_getenv("GPUPT_ROOT"), *config = NULL;
        bool json = false, quiet = false, import = false;
        struct conf_error err = { 0 };
        struct conf *conf = NULL;
        struct host *host = NULL;
        struct plan *plan = NULL;
        int c, r, status;

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
                if (json || quiet || config) {
                        fprintf(stderr, "gpupt-check: --import takes no --json, --quiet or "
                                "--config\n");
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
                conf_error_done(&err);
                return EXIT_USAGE;
        }

        r = host_new(&host);
        if (r < 0)
                goto fail;
        r = plan_build(conf, host, &plan);
        if (r < 0)
                goto fail;

        if (json)
                report_json(stdout, plan);
        else if (quiet)
                report_quiet(stdout, plan);
        else
                report_human(stdout, plan);
        status = plan_ready(plan) ? EXIT_READY : EXIT_PROBLEMS;
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

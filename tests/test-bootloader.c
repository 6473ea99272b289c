/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bootloader.h"
#include "testlib.h"
#include "util.h"

static void parse_grub(struct grub_vars *v, const char *text)
{
        assert_int_equal(grub_vars_parse(v, text, "/etc/default/grub"), 0);
}

static void test_grub_assignments(void **state)
{
        struct grub_vars v = { 0 };

        (void)state;
        parse_grub(&v, "# GRUB_CMDLINE_LINUX=\"commented\"\n"
                       "GRUB_DEFAULT=0\n"
                       "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
                       "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\n"
                       "GRUB_CMDLINE_LINUX='intel_iommu=on \"$x\"'\n");
        assert_string_equal(v.cmdline_linux_default, "quiet splash");
        /* single quotes keep everything, double quotes included */
        assert_string_equal(v.cmdline_linux, "intel_iommu=on \"$x\"");
        assert_string_equal(v.linux_file, "/etc/default/grub");
        grub_vars_done(&v);

        /* unquoted, exported, several on a line, a comment after */
        parse_grub(&v, "  export GRUB_CMDLINE_LINUX=iommu=pt; GRUB_CMDLINE_LINUX_DEFAULT=a\\ b "
                       "# quiet\n");
        assert_string_equal(v.cmdline_linux, "iommu=pt");
        assert_string_equal(v.cmdline_linux_default, "a b");
        grub_vars_done(&v);

        /* a command or a test is not an assignment; its words are skipped */
        parse_grub(&v, "echo GRUB_CMDLINE_LINUX=x\nif [ -x /x ]; then GRUB_CMDLINE_LINUX=y; fi\n"
                       "GRUB_CMDLINE_LINUXX=z\n");
        assert_null(v.cmdline_linux);
        assert_null(v.linux_file);
        grub_vars_done(&v);
}

static void test_grub_expansions(void **state)
{
        struct grub_vars v = { 0 };

        (void)state;
        parse_grub(&v, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
                       "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on\"\n"
                       "GRUB_CMDLINE_LINUX=\"${GRUB_CMDLINE_LINUX} iommu=pt $OTHER \\$5 $\"\n");
        assert_string_equal(v.cmdline_linux_default, "quiet intel_iommu=on");
        /* unset and other variables are empty, as in the shell */
        assert_string_equal(v.cmdline_linux, " iommu=pt  $5 $");
        grub_vars_done(&v);

        /* bash's +=, a multi-line value, a continued line */
        parse_grub(&v, "GRUB_CMDLINE_LINUX=\"a\"\nGRUB_CMDLINE_LINUX+=\" b\"\n"
                       "GRUB_CMDLINE_LINUX_DEFAULT=\"c \\\nd\ne\"\n");
        assert_string_equal(v.cmdline_linux, "a b");
        assert_string_equal(v.cmdline_linux_default, "c d\ne");
        grub_vars_done(&v);

        /* later files override, and are remembered as the setter */
        parse_grub(&v, "GRUB_CMDLINE_LINUX=\"a\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
        assert_int_equal(grub_vars_parse(&v, "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX b\"\n",
                                         "/etc/default/grub.d/50.cfg"),
                         0);
        assert_string_equal(v.cmdline_linux, "a b");
        assert_string_equal(v.linux_file, "/etc/default/grub.d/50.cfg");
        assert_string_equal(v.default_file, "/etc/default/grub");
        grub_vars_done(&v);

        /* an unterminated quote ends with the text */
        parse_grub(&v, "GRUB_CMDLINE_LINUX=\"a b");
        assert_string_equal(v.cmdline_linux, "a b");
        grub_vars_done(&v);
}

static void test_bls_options(void **state)
{
        char *o;

        (void)state;
        assert_int_equal(bls_options("title Fedora\nversion 6.8\nlinux /vmlinuz\n"
                                     "options root=UUID=1 ro  \t\n"
                                     "  options\tintel_iommu=on\r\n"
                                     "optionsx no\n#options no\noptions\n",
                                     &o),
                         0);
        assert_string_equal(o, "root=UUID=1 ro intel_iommu=on");
        free(o);
        assert_int_equal(bls_options("title x\n", &o), 0);
        assert_string_equal(o, "");
        free(o);
}

static void read_next(struct next_boot *nb)
{
        assert_int_equal(next_boot_read(nb), 0);
}

static void test_read_precedence(void **state)
{
        char *dir = tl_mkdtemp(), *s;
        struct next_boot nb;

        (void)state;
        assert_int_equal(root_set(dir), 0);
        read_next(&nb);
        assert_int_equal(nb.kind, BOOT_LOADER_NONE);
        assert_null(nb.line);
        s = next_boot_advice(&nb, NULL, "intel_iommu=on");
        assert_string_equal(s, "add intel_iommu=on to the kernel command line in the boot "
                               "loader's configuration");
        free(s);
        next_boot_done(&nb);

        /* Debian's GRUB, grub.d in lexical order, only *.cfg */
        tl_write(dir, "etc/default/grub",
                 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n");
        tl_write(dir, "etc/default/grub.d/60-b.cfg",
                 "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT iommu=pt\"\n");
        tl_write(dir, "etc/default/grub.d/50-a.cfg",
                 "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT intel_iommu=on\"\n");
        tl_write(dir, "etc/default/grub.d/70-c.cfg.dpkg-old", "GRUB_CMDLINE_LINUX=\"x\"\n");
        read_next(&nb);
        assert_int_equal(nb.kind, BOOT_LOADER_GRUB);
        assert_string_equal(nb.line, " quiet intel_iommu=on iommu=pt");
        assert_string_equal(nb.cmdline.intel_iommu, "on");
        assert_string_equal(nb.cmdline.iommu, "pt");
        assert_string_equal(nb.file, "/etc/default/grub and /etc/default/grub.d/60-b.cfg");
        assert_string_equal(next_boot_command(&nb), "update-grub");
        s = next_boot_takes_effect(&nb);
        assert_string_equal(s, "reboot (run update-grub first if it has not run since the "
                               "change)");
        free(s);
        s = next_boot_advice(&nb, "iommu=pt", NULL);
        assert_string_equal(s, "remove iommu=pt from GRUB_CMDLINE_LINUX_DEFAULT in "
                               "/etc/default/grub.d/60-b.cfg, then run update-grub");
        free(s);
        /* a flag goes where its key is already, else to GRUB_CMDLINE_LINUX */
        s = next_boot_advice(&nb, "iommu=pt", "vfio-pci.ids=10de:1e04");
        assert_string_equal(s, "remove iommu=pt from GRUB_CMDLINE_LINUX_DEFAULT in "
                               "/etc/default/grub.d/60-b.cfg and add vfio-pci.ids=10de:1e04 to "
                               "GRUB_CMDLINE_LINUX in /etc/default/grub, then run update-grub");
        free(s);
        s = next_boot_advice(&nb, "iommu=pt", "iommu=off");
        assert_string_equal(s, "replace iommu=pt with iommu=off in GRUB_CMDLINE_LINUX_DEFAULT in "
                               "/etc/default/grub.d/60-b.cfg, then run update-grub");
        free(s);
        next_boot_done(&nb);

        /* Fedora's GRUB: grub2-mkconfig */
        tl_mkdir(dir, "boot/grub2");
        read_next(&nb);
        assert_int_equal(nb.kind, BOOT_LOADER_GRUB2);
        assert_string_equal(next_boot_command(&nb), "grub2-mkconfig -o /boot/grub2/grub.cfg");
        next_boot_done(&nb);

        /* BLS entries win over /etc/default/grub; the newest version is the
         * default entry, the rescue entry and a non-.conf file are not */
        tl_write(dir, "boot/loader/entries/m-6.10.2-200.fc40.x86_64.conf",
                 "version 6.10.2\noptions root=UUID=1 ro intel_iommu=off\n");
        tl_write(dir, "boot/loader/entries/m-6.9.12-100.fc40.x86_64.conf",
                 "options root=UUID=1 ro intel_iommu=on\n");
        tl_write(dir, "boot/loader/entries/m-0-rescue.conf", "options root=UUID=1 ro\n");
        tl_write(dir, "boot/loader/entries/m-9.9.conf.rpmsave", "options nope\n");
        read_next(&nb);
        assert_int_equal(nb.kind, BOOT_LOADER_BLS);
        assert_string_equal(nb.file, "/boot/loader/entries/m-6.10.2-200.fc40.x86_64.conf");
        assert_string_equal(nb.line, "root=UUID=1 ro intel_iommu=off");
        assert_string_equal(nb.cmdline.intel_iommu, "off");
        assert_null(next_boot_command(&nb));
        s = next_boot_takes_effect(&nb);
        assert_string_equal(s, "reboot");
        free(s);
        s = next_boot_advice(&nb, "intel_iommu=off", "intel_iommu=on");
        assert_string_equal(s, "run grubby --update-kernel=ALL --remove-args=intel_iommu=off "
                               "--args=intel_iommu=on (or replace intel_iommu=off with "
                               "intel_iommu=on in the options line of "
                               "/boot/loader/entries/m-6.10.2-200.fc40.x86_64.conf by hand)");
        free(s);
        next_boot_done(&nb);

        /* /etc/kernel/cmdline wins over everything, as in kernel-install */
        tl_write(dir, "etc/kernel/cmdline", "root=UUID=1 ro\nquiet amd_iommu=off\n");
        read_next(&nb);
        assert_int_equal(nb.kind, BOOT_LOADER_KERNEL_CMDLINE);
        assert_string_equal(nb.file, "/etc/kernel/cmdline");
        assert_string_equal(nb.cmdline.amd_iommu, "off");
        assert_null(nb.cmdline.intel_iommu);
        s = next_boot_advice(&nb, "amd_iommu=off", NULL);
        assert_string_equal(s, "remove amd_iommu=off from /etc/kernel/cmdline, then run "
                               "kernel-install add $(uname -r) /lib/modules/$(uname -r)/vmlinuz");
        free(s);
        next_boot_done(&nb);

        root_set(NULL);
        tl_rmtree(dir);
        free(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_grub_assignments),
                cmocka_unit_test(test_grub_expansions),
                cmocka_unit_test(test_bls_options),
                cmocka_unit_test(test_read_precedence),
        };

        return cmocka_run_group_tests_name("bootloader", tests, NULL, NULL);
}

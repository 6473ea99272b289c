#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The bash completion of conf/bash-completion on fixture roots: each
completion function is called in bash with COMP_WORDS and COMP_CWORD set as
the shell sets them, and COMPREPLY is compared. GPUPT_ROOT points at another
machine throughout, standing in for this one's own config and sysfs: a
completion that reads it where the line names a root or a config is wrong.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
COMPLETION = os.path.join(os.path.dirname(HERE), "conf", "bash-completion")
TMP = None
ROOTS = {}

# COMP_LINE and COMP_POINT as bash sets them for the words (the line joined
# by blanks, the cursor at the end of the current word), then the function.
DRIVER = r'''
f=$1 cword=$2 fn=$3
shift 3
# shellcheck disable=SC1090
source "$f"
COMP_WORDS=("$@")
COMP_CWORD=$cword
COMP_LINE="${COMP_WORDS[*]:0:cword+1}"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$fn"
printf '%s\n' "${COMPREPLY[@]}"
'''


def root(scenario, name=None):
    name = name or scenario
    if name not in ROOTS:
        path = os.path.join(TMP, name)
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, path],
                       check=True, stdout=subprocess.DEVNULL)
        ROOTS[name] = path
    return ROOTS[name]


def complete(prog, words, cword=None, env=None):
    """COMPREPLY, sorted, for the words with the cursor on words[cword]
    (default the last)."""
    cword = len(words) - 1 if cword is None else cword
    fn = "_" + prog.replace("-", "_")
    full = {k: v for k, v in os.environ.items() if k != "GPUPT_ROOT"}
    full["GPUPT_ROOT"] = root("amd-rebar-igpu")  # "this machine"
    full.update(env or {})
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", DRIVER, "bash",
                        os.path.join(COMPLETION, prog), str(cword), fn, prog] + list(words[1:]),
                       capture_output=True, text=True, env=full, timeout=60)
    if p.returncode != 0 or p.stderr:
        raise AssertionError("bash: %d %s" % (p.returncode, p.stderr))
    return sorted(l for l in p.stdout.split("\n") if l)


GPUS = ["vm-gpu-0", "vm-gpu-1", "vm-gpu-2", "vm-gpu-3"]


class CheckEntries(unittest.TestCase):
    def test_after_a_comma(self):
        """--libvirt ENTRY[,ENTRY...]: the entry after the last comma, less
        those named already."""
        r = root("eight-gpus")
        for opt in ("--libvirt", "--qemu", "--proxmox"):
            with self.subTest(opt=opt):
                self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", r, opt, ""]),
                                 GPUS)
                self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", r, opt,
                                                          "vm-gpu-0,"]),
                                 ["vm-gpu-0," + g for g in GPUS[1:]])
                self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", r, opt,
                                                          "vm-gpu-2,vm-gpu-0,vm-gpu-"]),
                                 ["vm-gpu-2,vm-gpu-0,vm-gpu-1", "vm-gpu-2,vm-gpu-0,vm-gpu-3"])
                self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", r, opt,
                                                          "vm-gpu-0,vm-gpu-1,vm-gpu-2,vm-"]),
                                 ["vm-gpu-0,vm-gpu-1,vm-gpu-2,vm-gpu-3"])

    def test_root_anywhere_on_the_line(self):
        r = root("eight-gpus")
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--qemu", "", "--root", r],
                                  cword=2), GPUS)
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", "=", r, "--qemu", ""]),
                         GPUS)
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", r, "--qemu", "=", ""]),
                         GPUS)
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", r, "--qemu", "="]),
                         GPUS)
        # without --root: GPUPT_ROOT, as gpupt-check reads it
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--qemu", ""]), ["vm-amd"])
        # the last --root wins, as in gpupt-check
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", "/nowhere",
                                                  "--root", r, "--qemu", ""]), GPUS)

    def test_home(self):
        home = os.path.join(TMP, "home")
        os.makedirs(home, exist_ok=True)
        link = os.path.join(home, "gpus")
        if not os.path.exists(link):
            os.symlink(root("eight-gpus"), link)
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", "~/gpus", "--qemu", ""],
                                  env={"HOME": home}), GPUS)

    def test_drop_ins_of_the_root(self):
        r = root("eight-gpus", "eight-gpus-dropin")
        os.makedirs(os.path.join(r, "etc", "gpupt.conf.d"), exist_ok=True)
        with open(os.path.join(r, "etc", "gpupt.conf.d", "50-more.conf"), "w") as f:
            f.write("device 'vm-more' {\n  bdf = \"0000:41:00\"\n}\n")
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", r, "--libvirt", ""]),
                         sorted(GPUS + ["vm-more"]))

    def test_config_alone(self):
        """--config FILE is read alone: no drop-ins beside it, nothing of the root's."""
        d = os.path.join(TMP, "alt")
        os.makedirs(os.path.join(d, "alt.conf.d"), exist_ok=True)
        conf = os.path.join(d, "alt.conf")
        with open(conf, "w") as f:
            f.write('# device "commented"\ndevice "alpha" {\n  bdf = "0000:c1:00"\n}\n'
                    "  device 'beta.1' { bdf = \"0000:c2:00\" }\n"
                    'sriov "not-a-device" {\n  pf = "0000:01:00.0"\n  vfs = 1\n}\n')
        with open(os.path.join(d, "alt.conf.d", "x.conf"), "w") as f:
            f.write('device "gamma" {\n  bdf = "0000:c3:00"\n}\n')
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", root("eight-gpus"),
                                                  "--config", conf, "--libvirt", ""]),
                         ["alpha", "beta.1"])
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--libvirt", "a", "--config",
                                                  conf], cword=2), ["alpha"])

    def test_options(self):
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "-"]),
                         sorted("--root --config --json --quiet --color= --verify --list "
                                "--display --libvirt --qemu --proxmox --kubevirt --import -h "
                                "--help -V --version".split()))
        d = os.path.join(TMP, "dirs")
        os.makedirs(os.path.join(d, "root-a"), exist_ok=True)
        open(os.path.join(d, "file-a"), "w").close()
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--root", d + "/"]),
                         [d + "/root-a"])
        self.assertEqual(complete("gpupt-check", ["gpupt-check", "--config", d + "/f"]),
                         [d + "/file-a"])


class ApplyArguments(unittest.TestCase):
    def test_entries_of_the_root(self):
        r = root("sriov-gvt")
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "sriov", ""]),
                         ["nic0"])
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", "=", r, "sriov", ""]),
                         ["nic0"])
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", root("vgpu-l40s"),
                                                  "vgpu", "vm-"]), ["vm-a", "vm-b"])
        # without --root: GPUPT_ROOT's
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "sriov", ""],
                                  env={"GPUPT_ROOT": r}), ["nic0"])
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "sriov", ""]), [])

    def test_sysfs_of_the_root(self):
        r = root("sriov-gvt")
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "group", ""]),
                         ["1", "2", "3", "4"])
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "mdev", ""]),
                         ["0000:00:02.0"])
        # the shell splits the address at ':' and replaces what follows the last one
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "mdev", "0000",
                                                  ":", "00", ":", "0"]), ["02.0"])
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "mdev", "0000",
                                                  ":"]), ["00:02.0"])
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "modules", ""]),
                         ["--all-variants", "6.1.0-gpupt-amd64"])
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "modules",
                                                  "--all-variants", ""]), ["6.1.0-gpupt-amd64"])

    def test_commands_and_options(self):
        r = root("sriov-gvt")
        everything = sorted("--root -h --help -V --version claim group sriov mdev vgpu labels "
                            "modules check-config config-hash root-disk".split())
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", ""]), everything)
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, ""]), everything)
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "-"]),
                         ["--help", "--root", "--version", "-V", "-h"])
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "claim", ""]), [])
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", r, "sriov", "nic0",
                                                  ""]), [])
        d = os.path.join(TMP, "apply-dirs")
        os.makedirs(os.path.join(d, "root-b"), exist_ok=True)
        self.assertEqual(complete("gpupt-apply", ["gpupt-apply", "--root", d + "/"]),
                         [d + "/root-b"])


def main():
    global TMP
    if not shutil.which("bash"):
        print("completion: SKIP (no bash)")
        return 0
    TMP = tempfile.mkdtemp(prefix="gpupt-completion.")
    try:
        mod = sys.modules[__name__]
        suite = (unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:], mod)
                 if sys.argv[1:] else unittest.defaultTestLoader.loadTestsFromModule(mod))
        res = unittest.TextTestRunner(verbosity=1).run(suite)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    failed = len({getattr(t, "test_case", t).id() for t, _ in res.failures + res.errors})
    print(f"completion: {res.testsRun - failed} passed, {failed} failed")
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

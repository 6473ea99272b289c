#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The report as a person sees it: gpupt-check on a terminal and into a pipe.

A terminal is a tmux pane of 80 or 200 columns (the screen as tmux shows
it, `capture-pane -p`, and its colours, `-e`) or, for the exact bytes a
terminal receives, a pseudo-terminal of a given size. Without tmux the
pane tests are skipped, and counted so in the closing line. Each fixture
root carries its own pci.ids, so the names do not depend on the machine's.
"""
import argparse
import fcntl
import json
import os
import pty
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(os.path.dirname(HERE), "build")
TMP = None
ROOTS = {}

PCI_IDS = """\
# the names of the fixtures' devices, as pci.ids gives them
1002  Advanced Micro Devices, Inc. [AMD/ATI]
\t73bf  Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]
\tab28  Navi 21/23 HDMI/DP Audio Controller
10de  NVIDIA Corporation
\t0fb9  GP107GL High Definition Audio Controller
\t10f7  TU102 High Definition Audio Controller
\t1ad6  TU102 USB 3.1 Host Controller
\t1ad7  TU102 USB Type-C UCSI Controller
\t1c82  GP107 [GeForce GTX 1050 Ti]
\t1e04  TU102 [GeForce RTX 2080 Ti]
"""

TENANTS = """\
device "tenant-acme-prod-gpu0" { bdf = "0000:c1:00" }
device "tenant-acme-prod-gpu1" { bdf = "0000:c2:00" }
"""

RED, YELLOW, GREEN, OFF = "\x1b[1;31m", "\x1b[1;33m", "\x1b[1;32m", "\x1b[0m"
MARK = "\u2026"  # …


def root(scenario, ids_path="usr/share/misc/pci.ids", ids=PCI_IDS):
    """The scenario's root with a pci.ids of its own, built on first use."""
    key = (scenario, ids_path)
    if key not in ROOTS:
        path = os.path.join(TMP, "%s-%d" % (scenario, len(ROOTS)))
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, path],
                       check=True, stdout=subprocess.DEVNULL)
        if ids_path:
            os.makedirs(os.path.dirname(os.path.join(path, ids_path)), exist_ok=True)
            with open(os.path.join(path, ids_path), "w") as f:
                f.write(ids)
        ROOTS[key] = path
    return ROOTS[key]


def tenants_conf():
    path = os.path.join(TMP, "tenants.conf")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(TENANTS)
    return path


def argv(rootdir, *args):
    return [os.path.join(BUILD, "gpupt-check"), "--root", rootdir] + list(args)


def base_env(**extra):
    """A clean environment: no COLUMNS, no NO_COLOR, a UTF-8 locale."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "NO_COLOR", "GPUPT_ROOT", "TERM", "LC_ALL")}
    env.update({"LANG": "C.UTF-8", "TERM": "xterm-256color"})
    env.update(extra)
    return env


def piped(rootdir, *args, env=None):
    """gpupt-check into a pipe."""
    return subprocess.run(argv(rootdir, *args), capture_output=True, text=True,
                          env=base_env(**(env or {})), timeout=60)


def on_pty(rootdir, *args, cols=80, env=None):
    """gpupt-check with stdout on a pseudo-terminal of cols columns: the
    bytes it writes there, newlines as they were, and its exit status."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.ONLCR  # "\n" as written, not "\r\n"
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    p = subprocess.Popen(argv(rootdir, *args), stdout=slave, stderr=subprocess.PIPE,
                         env=base_env(**(env or {})))
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last writer has gone
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    p.wait(timeout=60)
    p.stderr.close()
    return out.decode(), p.returncode


def from_table(lines):
    """The lines from the table's header on: the root's path is above it."""
    for i, line in enumerate(lines):
        if line.startswith(("ADDRESS", "\x1b")) or "ADDRESS" in line[:12]:
            return lines[i:]
    raise AssertionError("no table in %r" % lines)


class Tmux:
    """A tmux server of its own with one pane of width columns, a shell in it."""

    def __init__(self, width, height=60):
        self.sock = os.path.join(TMP, "tmux-%d.sock" % width)
        self.env = base_env(HOME=TMP, PS1="$ ")
        self.width = width
        self.n = 0
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), "sh")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null"] + list(args),
                              capture_output=True, text=True, env=self.env, check=True,
                              timeout=30).stdout

    def run(self, cmd):
        """Types cmd into the shell on a cleared screen: the screen's lines
        after it ran, the same with their colours, and its exit status."""
        self.n += 1
        done = "__done_%d__" % self.n
        self.tmux("send-keys", "clear; %s; echo %s $?" % (cmd, done), "Enter")
        deadline = time.time() + 30
        while True:
            plain = self.tmux("capture-pane", "-p").split("\n")
            ends = [i for i, line in enumerate(plain) if line.startswith(done + " ")]
            if ends:
                break
            if time.time() > deadline:
                raise AssertionError("no end of %r in %r" % (cmd, plain))
            time.sleep(0.05)
        coloured = self.tmux("capture-pane", "-p", "-e").split("\n")
        end = ends[0]
        return plain[:end], coloured[:end], int(plain[end].split()[1])

    def close(self):
        subprocess.run(["tmux", "-S", self.sock, "kill-server"], capture_output=True,
                       env=self.env, timeout=30)


def shell_words(*words):
    return " ".join("'%s'" % w.replace("'", "'\\''") for w in words)


# The screens, as a person reads them.
EIGHT_80 = [
    "ADDRESS      ENTRY    ID        NAME           DRIVER NOW    AT BOOT  GROUP NUMA",
    "0000:c1:00.0 vm-gpu-0 10de:1e04 TU102 [GeForc… nvidia        vfio-pci    29    1",
    "0000:c1:00.1 vm-gpu-0 10de:10f7 TU102 High De… snd_hda_intel vfio-pci    29    1",
    "0000:c1:00.2 vm-gpu-0 10de:1ad6 TU102 USB 3.1… xhci_hcd      vfio-pci    29    1",
    "0000:c1:00.3 vm-gpu-0 10de:1ad7 TU102 USB Typ… nvidia-gpu    vfio-pci    29    1",
]
EIGHT_200 = [
    "ADDRESS       ENTRY     ID         NAME                                                     "
    "  DRIVER NOW     AT BOOT   GROUP  NUMA",
    "0000:c1:00.0  vm-gpu-0  10de:1e04  NVIDIA Corporation TU102 [GeForce RTX 2080 Ti]           "
    "  nvidia         vfio-pci     29     1",
    "0000:c1:00.1  vm-gpu-0  10de:10f7  NVIDIA Corporation TU102 High Definition Audio Controller"
    "  snd_hda_intel  vfio-pci     29     1",
]
TENANTS_80 = [
    "ADDRESS      ENTRY                 ID        DRIVER NOW    AT BOOT  GROUP NUMA",
    "             NAME",
    "0000:c1:00.0 tenant-acme-prod-gpu0 10de:1e04 nvidia        vfio-pci    29    1",
    "             NVIDIA Corporation TU102 [GeForce RTX 2080 Ti]",
    "0000:c1:00.1 tenant-acme-prod-gpu0 10de:10f7 snd_hda_intel vfio-pci    29    1",
    "             NVIDIA Corporation TU102 High Definition Audio Controller",
]
TENANTS_200 = [
    "ADDRESS       ENTRY                  ID         NAME                                        "
    "               DRIVER NOW     AT BOOT   GROUP  NUMA",
    "0000:c1:00.0  tenant-acme-prod-gpu0  10de:1e04  NVIDIA Corporation TU102 [GeForce RTX 2080 Ti"
    "]             nvidia         vfio-pci     29     1",
]
VARIANT_80 = [
    "ADDRESS      ENTRY  ID        DRIVER NOW    AT BOOT       GROUP NUMA",
    "             NAME",
    "0000:03:00.0 vm-amd 1002:73bf amdgpu        navi_vfio_pci     1    -",
    "             Navi 21 [Radeon RX 6800/6800 XT / 6900 XT] (AMD/ATI)",
    "0000:03:00.1 vm-amd 1002:ab28 snd_hda_intel amd_vfio_pci      1    -",
    "             Navi 21/23 HDMI/DP Audio Controller (AMD/ATI)",
]
VARIANT_PIPE = [
    "ADDRESS       ENTRY   ID         NAME                                                           "
    "                    DRIVER NOW     AT BOOT        GROUP  NUMA",
    "0000:03:00.0  vm-amd  1002:73bf  Advanced Micro Devices, Inc. [AMD/ATI] Navi 21 [Radeon RX 6800"
    "/6800 XT / 6900 XT]  amdgpu         navi_vfio_pci      1     -",
    "0000:03:00.1  vm-amd  1002:ab28  Advanced Micro Devices, Inc. [AMD/ATI] Navi 21/23 HDMI/DP Audio"
    " Controller         snd_hda_intel  amd_vfio_pci       1     -",
    "",
    "Ready: 2 functions claimed, 0 SR-IOV entries, 0 mdevs, 0 vGPUs; 0 warnings.",
]
NIC_MESSAGE = ("IOMMU group 5 holds 0000:06:01.0 (8086:15b8, e1000e), which stays on the host: "
               "a VM can only take the whole group; claim it too (an ids or bdf entry), or move "
               "the card to a slot with its own group")
NIC_80 = [
    "ADDRESS      ENTRY  ID        NAME             DRIVER NOW    AT BOOT  GROUP NUMA",
    "0000:06:00.0 vm-gpu 10de:1c82 GP107 [GeForce…  nouveau       vfio-pci     5    -",
    "0000:06:00.1 vm-gpu 10de:0fb9 GP107GL High De… snd_hda_intel vfio-pci     5    -",
    "",
    "error   impure-group 0000:06:00.0 (vm-gpu):",
    "        IOMMU group 5 holds 0000:06:01.0 (8086:15b8, e1000e), which stays on the",
    "        host: a VM can only take the whole group; claim it too (an ids or bdf",
    "        entry), or move the card to a slot with its own group",
    "",
    "Not ready: 1 error, 0 warnings. The next boot will fail loudly until they are",
    "fixed.",
]
NIC_200_PROBLEM = [
    "error   impure-group 0000:06:00.0 (vm-gpu):",
    "        IOMMU group 5 holds 0000:06:01.0 (8086:15b8, e1000e), which stays on the host: a VM "
    "can only take the whole group; claim it too (an ids or bdf entry), or move the card to a "
    "slot with its own",
    "        group",
    "",
    "Not ready: 1 error, 0 warnings. The next boot will fail loudly until they are fixed.",
]


class Base(unittest.TestCase):
    def assertFits(self, lines, width):
        for line in lines:
            self.assertLessEqual(len(line), width, line)


@unittest.skipUnless(shutil.which("tmux"), "tmux is not installed (tests/deps.sh installs it)")
class Pane(Base):
    """What a tmux pane of 80 and of 200 columns shows."""

    @classmethod
    def setUpClass(cls):
        cls.panes = {80: Tmux(80), 200: Tmux(200)}

    @classmethod
    def tearDownClass(cls):
        for p in cls.panes.values():
            p.close()

    def screen(self, width, rootdir, *args, env=""):
        plain, coloured, rc = self.panes[width].run(env + shell_words(*argv(rootdir, *args)))
        return plain, coloured, rc

    def test_eight_gpus(self):
        plain, _, rc = self.screen(80, root("eight-gpus"))
        self.assertEqual(rc, 0)
        table = from_table(plain)
        # the model before the vendor, cut with the mark, every column in its place
        self.assertEqual(table[:5], EIGHT_80)
        self.assertEqual(len(table[:17]), 17)
        self.assertFits(table, 80)
        self.assertEqual(table[-1], "Ready: 16 functions claimed, 0 SR-IOV entries, 0 mdevs, "
                                    "0 vGPUs; 0 warnings.")
        plain, _, rc = self.screen(200, root("eight-gpus"))
        table = from_table(plain)
        self.assertEqual(table[:3], EIGHT_200)
        self.assertNotIn(MARK, "\n".join(plain))

    def test_long_entry_names(self):
        plain, _, rc = self.screen(80, root("eight-gpus"), "--config", tenants_conf())
        self.assertEqual(rc, 0)
        table = from_table(plain)
        # no room for NAME beside a whole entry: a line of its own
        self.assertEqual(table[:6], TENANTS_80)
        self.assertIn("0000:c2:00.3 tenant-acme-prod-gpu1 10de:1ad7 nvidia-gpu    vfio-pci    "
                      "31    1", table)
        self.assertFits(table, 80)
        plain, _, rc = self.screen(200, root("eight-gpus"), "--config", tenants_conf())
        self.assertEqual(from_table(plain)[:2], TENANTS_200)

    def test_long_driver_keeps_columns(self):
        plain, _, rc = self.screen(80, root("variant-driver"))
        self.assertEqual(rc, 0)
        table = from_table(plain)
        # the AMD names leave too little beside the drivers: on lines of their own
        self.assertEqual(table[:6], VARIANT_80)
        self.assertFits(table, 80)
        # the columns after the driver end where their header does
        at = table[0].index("GROUP") + len("GROUP")
        self.assertEqual({table[i][at - 5:at + 1] for i in (2, 4)}, {"    1 "})
        plain, _, rc = self.screen(200, root("variant-driver"))
        self.assertEqual(from_table(plain), VARIANT_PIPE)

    def test_problem_wraps(self):
        plain, coloured, rc = self.screen(80, root("group-with-nic"))
        self.assertEqual(rc, 1)
        self.assertEqual(from_table(plain), NIC_80)
        plain, _, rc = self.screen(200, root("group-with-nic"))
        self.assertEqual(from_table(plain)[-5:], NIC_200_PROBLEM)
        self.assertFits(plain[4:], 200)

    def test_colour(self):
        _, coloured, rc = self.screen(80, root("group-with-nic"))
        text = "\n".join(coloured)
        # tmux writes the attributes its own way: bold, then the colour
        self.assertRegex(text, r"\n\x1b\[1m\x1b\[31merror\x1b\[0m[^\n]*   impure-group ")
        self.assertRegex(text, r"\n\x1b\[1m\x1b\[31mNot ready: 1 error, 0 warnings\.")
        _, coloured, rc = self.screen(80, root("group-with-nic"), "--config",
                                      os.path.join(root("group-with-nic"),
                                                   "etc/gpupt-variants/warn.conf"))
        text = "\n".join(coloured)
        self.assertEqual(rc, 0)
        self.assertRegex(text, r"\n\x1b\[1m\x1b\[33mwarning\x1b\[0m[^\n]* impure-group ")
        self.assertRegex(text, r"\n\x1b\[1m\x1b\[32mReady: 2 functions claimed")
        for how in (("--color=never",), ()):
            _, coloured, rc = self.screen(80, root("group-with-nic"), *how,
                                          env="" if how else "NO_COLOR=1 ")
            self.assertEqual(rc, 1)
            self.assertNotIn("\x1b", "\n".join(coloured), how)


class Pty(Base):
    """The bytes a terminal gets."""

    def test_auto_on_a_terminal(self):
        out, rc = on_pty(root("group-with-nic"))
        self.assertEqual(rc, 1)
        lines = out.split("\n")
        self.assertIn(RED + "error" + OFF + "   impure-group 0000:06:00.0 (vm-gpu):", lines)
        self.assertEqual(lines[-3:], [
            RED + "Not ready: 1 error, 0 warnings. The next boot will fail loudly until they "
                  "are" + OFF,
            RED + "fixed." + OFF, ""])
        # the colour is around the words only: the layout is the pane's
        self.assertEqual(from_table(out.replace(RED, "").replace(OFF, "").split("\n"))[:-1],
                         NIC_80)

    def test_warning_and_ready(self):
        out, rc = on_pty(root("group-with-nic"), "--config",
                         os.path.join(root("group-with-nic"), "etc/gpupt-variants/warn.conf"))
        self.assertEqual(rc, 0)
        self.assertIn("\n" + YELLOW + "warning" + OFF + " impure-group 0000:06:00.0 (vm-gpu):\n",
                      out)
        self.assertTrue(out.endswith("\n" + GREEN + "Ready: 2 functions claimed, 0 SR-IOV "
                                     "entries, 0 mdevs, 0 vGPUs; 1 warning." + OFF + "\n"), out)

    def test_off_on_a_terminal(self):
        for args, env in ((("--color=never",), {}), ((), {"NO_COLOR": "1"}),
                          ((), {"TERM": "dumb"}), (("--color=auto",), {"NO_COLOR": "yes"})):
            out, rc = on_pty(root("group-with-nic"), *args, env=env)
            self.assertEqual(rc, 1)
            self.assertNotIn("\x1b", out, (args, env))
            self.assertIn("\nerror   impure-group 0000:06:00.0 (vm-gpu):\n", out)
        # an empty NO_COLOR is no NO_COLOR (no-color.org); always beats it
        for args, env in (((), {"NO_COLOR": ""}), (("--color=always",), {"NO_COLOR": "1"}),
                          (("--color",), {"NO_COLOR": "1"})):
            out, rc = on_pty(root("group-with-nic"), *args, env=env)
            self.assertIn(RED + "error" + OFF, out, (args, env))

    def test_verify_verdict(self):
        out, rc = on_pty(root("group-with-nic"), "--verify")
        self.assertEqual(rc, 1)
        self.assertTrue(out.endswith("\n\n" + RED + "Not in sync: 0 of 2 planned applied; "
                                     "3 errors, 1 warning." + OFF + "\n"), out)

    def test_window_size_before_columns(self):
        out, rc = on_pty(root("eight-gpus"), env={"COLUMNS": "200"})
        self.assertEqual(from_table(out.split("\n"))[:5], EIGHT_80)

    def test_quiet(self):
        out, rc = on_pty(root("group-with-nic"), "--quiet")
        self.assertEqual(out, RED + "error" + OFF + " impure-group 0000:06:00.0: " + NIC_MESSAGE
                         + "\n")


class Pipe(Base):
    """Into a pipe: nothing cut, nothing wrapped, no colour, unless asked."""

    def test_no_limit(self):
        p = piped(root("variant-driver"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(from_table(p.stdout.split("\n"))[:-1], VARIANT_PIPE)
        p = piped(root("group-with-nic"))
        self.assertIn("\nerror   impure-group 0000:06:00.0 (vm-gpu):\n        " + NIC_MESSAGE
                      + "\n", p.stdout)
        self.assertNotIn("\x1b", p.stdout)
        self.assertNotIn(MARK, p.stdout)
        # a COLUMNS that is no number is no width
        self.assertEqual(piped(root("group-with-nic"), env={"COLUMNS": "wide"}).stdout,
                         p.stdout)

    def test_columns(self):
        p = piped(root("group-with-nic"), env={"COLUMNS": "80"})
        self.assertEqual(from_table(p.stdout.split("\n"))[:-1], NIC_80)
        p = piped(root("eight-gpus"), env={"COLUMNS": "80"})
        self.assertEqual(from_table(p.stdout.split("\n"))[:5], EIGHT_80)

    def test_colour_asked(self):
        for how in ("--color=always", "--color"):
            p = piped(root("group-with-nic"), how)
            self.assertIn("\n" + RED + "error" + OFF + "   impure-group", p.stdout)
            self.assertTrue(p.stdout.endswith(
                RED + "Not ready: 1 error, 0 warnings. The next boot will fail loudly until "
                "they are fixed." + OFF + "\n"), p.stdout)
        p = piped(root("group-with-nic"), "--color=auto")
        self.assertNotIn("\x1b", p.stdout)
        p = piped(root("group-with-nic"), "--color=sometimes")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")
        self.assertEqual(p.stderr, "gpupt-check: --color takes auto, always or never, not "
                                   "'sometimes'\n")

    def test_json_unchanged(self):
        plain = piped(root("group-with-nic"), "--json")
        styled = piped(root("group-with-nic"), "--json", "--color=always",
                       env={"COLUMNS": "40"})
        self.assertEqual(styled.stdout, plain.stdout)
        self.assertEqual(json.loads(plain.stdout)["problems"][0]["message"], NIC_MESSAGE)

    def test_help(self):
        p = piped(root("group-with-nic"), "--help")
        self.assertIn("  --color[=WHEN] colour the severities and the verdict: auto (the\n", p.stdout)


class Names(Base):
    """pci.ids in either directory under the root, and none at all."""

    def test_hwdata(self):
        ids = "10de  Hwdata Vendor Corporation\n\t1c82  Hwdata Model\n"
        r = root("group-with-nic", "usr/share/hwdata/pci.ids", ids)
        p = piped(r)
        self.assertIn("\n0000:06:00.0  vm-gpu  10de:1c82  Hwdata Vendor Corporation Hwdata Model  "
                      "nouveau ", p.stdout)
        # the device it does not know: the vendor alone, short when space is
        self.assertIn("\n0000:06:00.1  vm-gpu  10de:0fb9  Hwdata Vendor Corporation               "
                      "snd_hda_intel ", p.stdout)
        # the model first with the short vendor, or the model alone
        p = piped(r, env={"COLUMNS": "92"})
        self.assertIn("\n0000:06:00.0 vm-gpu 10de:1c82 Hwdata Model (Hwdata Vendor) nouveau ",
                      p.stdout)
        self.assertIn("\n0000:06:00.1 vm-gpu 10de:0fb9 Hwdata Vendor                snd_hda_intel ",
                      p.stdout)
        p = piped(r, env={"COLUMNS": "80"})
        self.assertIn("\n0000:06:00.0 vm-gpu 10de:1c82 Hwdata Model  nouveau ", p.stdout)
        self.assertIn("\n0000:06:00.1 vm-gpu 10de:0fb9 Hwdata Vendor snd_hda_intel ", p.stdout)

    def without_any_pci_ids(self, *args):
        """gpupt-check where no pci.ids exists: the machine's hidden under
        empty file systems in a mount namespace of its own."""
        hide = [d for d in ("/usr/share/misc", "/usr/share/hwdata") if os.path.isdir(d)]
        if os.path.exists("/usr/share/pci.ids"):
            self.skipTest("/usr/share/pci.ids cannot be hidden")
        script = "".join("mount -t tmpfs none %s && " % d for d in hide) + 'exec "$@"'
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                            "sh"] + argv(root("group-with-nic", None), *args),
                           capture_output=True, text=True, env=base_env(), timeout=60)
        if p.returncode not in (0, 1) and "unshare" in p.stderr:
            self.skipTest("no mount namespace here: %s" % p.stderr.strip())
        return p

    def test_none(self):
        note = ("Names: no pci.ids in /usr/share/misc or /usr/share/hwdata; install the package "
                "pci.ids (Debian, Ubuntu) or hwdata (Fedora, RHEL) for device names.")
        p = self.without_any_pci_ids()
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("\n0000:06:00.0  vm-gpu  10de:1c82  -     nouveau        vfio-pci      5     -"
                      "\n0000:06:00.1  vm-gpu  10de:0fb9  -     snd_hda_intel  vfio-pci      5     -"
                      "\n" + note + "\n\n", p.stdout)
        self.assertEqual(p.stdout.count("pci.ids"), 2)
        p = self.without_any_pci_ids("--list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.split("\n")[2], note)  # after the IOMMU and iommufd lines
        self.assertEqual(p.stdout.count("pci.ids"), 2)
        self.assertIn("\n  * 0000:06:00.0 [10de:1c82]  <- claimed by \"vm-gpu\"\n", p.stdout)


class Completion(Base):
    """bash completion offers --color's values."""

    def complete(self, *words):
        script = ('. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
                  '_gpupt_check; printf "%s\\n" "${COMPREPLY[@]}"')
        p = subprocess.run(["bash", "-c", script, "bash",
                            os.path.join(HERE, "..", "conf", "bash-completion", "gpupt-check")]
                           + list(words), capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.split()

    def test_color(self):
        self.assertEqual(self.complete("gpupt-check", "--col"), ["--color="])
        # bash splits --color=WHEN at the '='
        self.assertEqual(self.complete("gpupt-check", "--color", "="), ["auto", "always", "never"])
        self.assertEqual(self.complete("gpupt-check", "--color", "=", "a"), ["auto", "always"])
        self.assertEqual(self.complete("gpupt-check", "--quiet", "--color", "=", "n"), ["never"])


def main():
    global TMP, BUILD
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("-v", "--verbose", action="store_true")
    args, rest = ap.parse_known_args()
    BUILD = os.path.abspath(args.build)
    TMP = tempfile.mkdtemp(prefix="gpupt-terminal.")
    os.chmod(TMP, 0o755)
    try:
        suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
        if rest:
            suite = unittest.defaultTestLoader.loadTestsFromNames(rest, sys.modules[__name__])
        res = unittest.TextTestRunner(verbosity=2 if args.verbose else 1).run(suite)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    failed = len(res.failures) + len(res.errors)
    skipped = len(res.skipped)
    print(f"terminal: {res.testsRun - failed - skipped} passed, {failed} failed, "
          f"{skipped} skipped")
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

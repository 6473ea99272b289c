#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The conventions a person meets before any plan: --version and --help on
every program, one IOMMU line in every mode, `make help`, a check-unit
without cmocka, and man pages that render as written and point at each other.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
BUILD = os.path.join(TOP, "build")
TMP = None
ROOTS = {}
PROGRAMS = ("gpupt-check", "gpupt-apply", "gpupt-generator")

sys.path.insert(0, HERE)
from fixture.scenarios import SCENARIOS  # noqa: E402


def root(scenario):
    if scenario not in ROOTS:
        path = os.path.join(TMP, scenario)
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, path],
                       check=True, stdout=subprocess.DEVNULL)
        ROOTS[scenario] = path
    return ROOTS[scenario]


def run(prog, *args, env=None):
    full = {k: v for k, v in os.environ.items() if k not in ("GPUPT_ROOT", "SYSTEMD_SCOPE")}
    full.update(env or {})
    return subprocess.run([os.path.join(BUILD, prog)] + list(args), capture_output=True,
                          text=True, env=full, timeout=60)


def version():
    with open(os.path.join(TOP, "Makefile")) as f:
        return next(l.split(":=")[1].strip() for l in f if l.startswith("VERSION "))


class VersionHelp(unittest.TestCase):
    def test_version_wherever_the_options_stand(self):
        r = root("eight-gpus")
        calls = {
            "gpupt-check": [["--version"], ["-V"], ["--root", r, "--json", "--version"],
                            ["--list", "-V"], ["--root", r, "-V", "--verify"]],
            "gpupt-apply": [["--version"], ["-V"], ["--root", r, "--version"],
                            ["--root", r, "-V"], ["-V", "--root", r, "claim"]],
            "gpupt-generator": [["--version"], ["-V"]],
        }
        for prog, argvs in calls.items():
            for argv in argvs:
                with self.subTest(prog=prog, argv=argv):
                    p = run(prog, *argv)
                    self.assertEqual((p.returncode, p.stdout, p.stderr),
                                     (0, f"{prog} {version()}\n", ""))

    def test_help_wherever_the_options_stand(self):
        r = root("eight-gpus")
        calls = {
            "gpupt-check": [["--help"], ["-h"], ["--root", r, "--help"]],
            "gpupt-apply": [["--help"], ["-h"], ["--root", r, "--help"], ["--root", r, "-h"]],
            "gpupt-generator": [["--help"], ["-h"]],
        }
        for prog, argvs in calls.items():
            for argv in argvs:
                with self.subTest(prog=prog, argv=argv):
                    p = run(prog, *argv)
                    self.assertEqual((p.returncode, p.stderr), (0, ""))
                    self.assertTrue(p.stdout.startswith(f"Usage: {prog} "), p.stdout)
                    self.assertRegex(p.stdout, r"-V(, | \| )--version")
                    self.assertIn(f"{prog}(8)", p.stdout)

    def test_generator_help(self):
        p = run("gpupt-generator", "--help")
        self.assertEqual(p.stdout.splitlines()[0],
                         "Usage: gpupt-generator NORMAL-DIR [EARLY-DIR LATE-DIR]")

    def test_generator_other_arguments_are_directories(self):
        """Only the four option names are options: anything else is a
        directory, as systemd passes them, and fails as it did."""
        env = {"GPUPT_ROOT": root("eight-gpus")}
        p = run("gpupt-generator", "--bogus", env=env)
        self.assertEqual((p.returncode, p.stdout, p.stderr),
                         (1, "", "gpupt-generator: Failed to open --bogus: "
                                 "No such file or directory\n"))
        p = run("gpupt-generator", "a", "b", env=env)
        self.assertEqual((p.returncode, p.stderr),
                         (1, "gpupt-generator: This program takes one or three directory "
                             "arguments.\n"))
        out = tempfile.mkdtemp(dir=TMP)
        p = run("gpupt-generator", out, env=env)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        self.assertTrue(os.path.exists(os.path.join(out, "gpupt-claim.service")))

    def test_apply_argument_after_the_command(self):
        """After the command comes its argument, whatever it starts with: an
        entry may be named -V."""
        p = run("gpupt-apply", "--root", root("sriov-gvt"), "sriov", "-V")
        self.assertEqual((p.returncode, p.stdout),
                         (1, ""))
        self.assertIn("gpupt-apply: -V: no such sriov entry in the config", p.stderr)

    def test_apply_wrong_option(self):
        for argv in (["--bogus"], ["--root"], ["--root", root("eight-gpus"), "-x", "claim"]):
            with self.subTest(argv=argv):
                p = run("gpupt-apply", *argv)
                self.assertEqual((p.returncode, p.stdout), (2, ""))
                self.assertTrue(p.stderr.startswith("Usage: gpupt-apply "), p.stderr)


IOMMU_ON = re.compile(r"^IOMMU: on \((Intel|AMD|unknown CPU); \d+ units?, \d+ groups?; "
                      r"interrupt remapping: (yes|no|unknown, the kernel log is not readable)"
                      r"(; default domain: \w+)?\)$")
IOMMU_OFF = re.compile(r"^IOMMU: off \((Intel|AMD|unknown CPU); no IOMMU units, no groups\)$")
IOMMUFD = re.compile(r"^iommufd: (yes \(/dev/iommu\)|no \(no /dev/iommu\))$")


class IommuLine(unittest.TestCase):
    def head(self, r, *args):
        p = run("gpupt-check", "--root", r, *args)
        return p.stdout.splitlines()[:2]

    def test_one_format_in_every_mode(self):
        """The plan, --verify and --list open with the same two lines."""
        for s in SCENARIOS:
            with self.subTest(scenario=s):
                r = root(s)
                plan = self.head(r)
                self.assertTrue(IOMMU_ON.match(plan[0]) or IOMMU_OFF.match(plan[0]), plan)
                self.assertRegex(plan[1], IOMMUFD)
                self.assertEqual(self.head(r, "--verify"), plan)
                self.assertEqual(self.head(r, "--list"), plan)

    def test_exact_lines(self):
        cases = {
            "eight-gpus": ["IOMMU: on (Intel; 2 units, 21 groups; interrupt remapping: yes; "
                           "default domain: Translated)", "iommufd: no (no /dev/iommu)"],
            "iommu-off-amd": ["IOMMU: off (AMD; no IOMMU units, no groups)",
                              "iommufd: no (no /dev/iommu)"],
            "vfio-bound": ["IOMMU: on (Intel; 1 unit, 7 groups; interrupt remapping: yes; "
                           "default domain: Translated)", "iommufd: yes (/dev/iommu)"],
        }
        for s, want in cases.items():
            for args in ((), ("--list",)):
                with self.subTest(scenario=s, args=args):
                    self.assertEqual(self.head(root(s), *args), want)


def make(*args, env=None):
    full = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    full.update(env or {})
    return subprocess.run(["make", "--no-print-directory", "-C", TOP] + list(args),
                          capture_output=True, text=True, env=full, timeout=600)


# Targets that are steps of others, not for a person to call.
INTERNAL_TARGETS = {"FORCE", "need-cmocka"}


def makefile_targets():
    with open(os.path.join(TOP, "Makefile")) as f:
        text = f.read()
    return {m.group(1) for m in re.finditer(r"^([a-z][a-z0-9-]*)\s*:(?!=)", text, re.M)} \
        - INTERNAL_TARGETS


class MakeHelp(unittest.TestCase):
    def test_lists_every_target(self):
        p = make("help")
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        listed = set(re.findall(r"^  make (\S+)", p.stdout, re.M))
        listed = {"all" if t == "[all]" else t for t in listed}
        targets = makefile_targets()
        self.assertIn("check-unit", targets)
        self.assertEqual(sorted(targets - listed), [], "targets missing from make help")
        self.assertEqual(sorted(listed - targets), [], "make help lists no such target")

    def test_aligned(self):
        lines = make("help").stdout.splitlines()
        column = None
        for line in lines:
            with self.subTest(line=line):
                self.assertLessEqual(len(line), 80)
                m = re.match(r"^(  make \S+ +)\S", line)
                if m:
                    column = column or len(m.group(1))
                    self.assertEqual(len(m.group(1)), column)
                elif line.startswith(" "):
                    self.assertEqual(len(line) - len(line.lstrip()), column,
                                     "a continuation starts at the descriptions' column")
                else:
                    self.assertTrue(line == "" or line.endswith(":"), "a heading")
        self.assertIsNotNone(column)

    def test_check_unit_without_cmocka(self):
        """pkg-config finds no cmocka: one line naming the package, and
        nothing compiled before it."""
        d = tempfile.mkdtemp(dir=TMP)
        fake = os.path.join(d, "pkg-config")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\nfor a; do [ \"$a\" = cmocka ] && exit 1; done\n"
                    "exec pkg-config \"$@\"\n")
        os.chmod(fake, 0o755)
        build = os.path.join(d, "build")
        p = make("check-unit", "PKG_CONFIG=" + fake, "BUILDDIR=" + build)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("The unit tests need cmocka, which %s does not find: install "
                      "libcmocka-dev (Debian, Ubuntu) or libcmocka-devel (Fedora), or run "
                      "make deps-check\n" % fake, p.stderr)
        self.assertNotIn("cmocka.h", p.stdout + p.stderr)
        self.assertFalse(os.path.exists(os.path.join(build, "obj")), "compiled anyway")


MAN = os.path.join(TOP, "man")
GPUPT_PAGES = {"gpupt-check(8)", "gpupt-apply(8)", "gpupt-generator(8)", "gpupt.conf(5)"}


def man_pages():
    return sorted(f for f in os.listdir(MAN) if f.endswith(".scd"))


def man_section(text, title):
    m = re.search(r"^# %s\n(.*?)(?=^# |\Z)" % re.escape(title), text, re.M | re.S)
    return m.group(1) if m else ""


class ManPages(unittest.TestCase):
    def test_all_pages_known(self):
        self.assertEqual({re.sub(r"\.(\d)\.scd$", r"(\1)", f) for f in man_pages()},
                         GPUPT_PAGES)

    def test_literal_blocks_render_as_written(self):
        """What a block shows is what the source has, a backslash written
        doubled (scdoc takes a single one as an escape, and drops it)."""
        if not shutil.which("scdoc") or not shutil.which("groff"):
            self.skipTest("scdoc or groff missing")
        for page in man_pages():
            with open(os.path.join(MAN, page)) as f:
                src = f.read()
            roff = subprocess.run(["scdoc"], input=src, capture_output=True, text=True,
                                  check=True).stdout
            text = subprocess.run(["groff", "-k", "-man", "-Tutf8", "-rLL=300n", "-P-cbou"],
                                  input=roff, capture_output=True, text=True, check=True).stdout
            shown = {l.strip().replace("\u2010", "-").replace("\u2212", "-")
                     for l in text.splitlines()}
            for block in re.findall(r"^\s*```[^\n]*\n(.*?)^\s*```", src, re.M | re.S):
                for line in block.splitlines():
                    want = line.replace("\\\\", "\\").strip()
                    if want:
                        with self.subTest(page=page, line=line):
                            self.assertTrue(want in shown, "rendered otherwise: " + want)

    def test_see_also(self):
        """Every page names all the others, in man-pages(7)'s order: by
        section, then by name."""
        for page in man_pages():
            with open(os.path.join(MAN, page)) as f:
                text = f.read()
            me = re.sub(r"\.(\d)\.scd$", r"(\1)", page)
            refs = re.findall(r"\*([\w.-]+)\*\((\d)\)", man_section(text, "SEE ALSO"))
            names = ["%s(%s)" % r for r in refs]
            with self.subTest(page=page):
                self.assertEqual(sorted(GPUPT_PAGES - {me} - set(names)), [])
                self.assertNotIn(me, names)
                self.assertEqual(refs, sorted(refs, key=lambda r: (r[1], r[0])))

    def test_synopsis_one_path(self):
        """A program is named one way in its SYNOPSIS, the installed path
        when the page gives one."""
        for page in man_pages():
            with open(os.path.join(MAN, page)) as f:
                syn = man_section(f.read(), "SYNOPSIS")
            if not syn.strip():
                continue
            with self.subTest(page=page):
                firsts = {l.split()[0] for l in syn.splitlines() if l.strip()}
                self.assertEqual(len(firsts), 1, firsts)


def main():
    global TMP, BUILD
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("-v", "--verbose", action="store_true")
    args, rest = ap.parse_known_args()
    BUILD = os.path.abspath(args.build)
    TMP = tempfile.mkdtemp(prefix="gpupt-conventions.")
    try:
        mod = sys.modules[__name__]
        suite = (unittest.defaultTestLoader.loadTestsFromNames(rest, mod) if rest
                 else unittest.defaultTestLoader.loadTestsFromModule(mod))
        res = unittest.TextTestRunner(verbosity=2 if args.verbose else 1).run(suite)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    # a test with failing subtests counts once
    failed = len({getattr(t, "test_case", t).id() for t, _ in res.failures + res.errors})
    skipped = len(res.skipped)
    print(f"conventions: {res.testsRun - failed - skipped} passed, {failed} failed, "
          f"{skipped} skipped")
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Whole outputs against expected trees, as systemd's
test/test-fstab-generator.sh compares its generator's: for every recorded
scenario, and for each variant config it carries, gpupt-check's text,
--json and --list output and, on the scenario's own config, the tree
gpupt-generator writes, byte for byte with `diff -u` against
tests/data/CASE/expected/. The substring tests elsewhere say which
behaviour matters; these catch every other change of a byte.

What an expected directory holds:
  check.txt, check.json, list.txt   gpupt-check's standard output: plain,
                                    --json and --list (with --config for a
                                    variant)
  check.stderr, check-json.stderr,  its standard error, where there is any
  list.stderr
  status                            the exit status of each program run
  generator/                        the generator's regular files, by path
  generator.list                    every entry of that tree: d(irectory),
                                    f(ile) with its mode, l(ink) and target
  generator.stderr                  where it said anything
The fixture root is @ROOT@ there; the helper's directory @LIBEXECDIR@ and
the template units' @SYSTEMDUNITDIR@, as in units/*.in, so that a build
for other paths expects the same.

--regen (make expected) writes them anew from the build, on purpose: after
a change meant to alter an output, review `git diff tests/data`."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fixture.scenarios import SCENARIOS  # noqa: E402
DATA = os.path.join(HERE, "data")
BUILD = os.path.join(os.path.dirname(HERE), "build")
TMP = None
# gpupt-check's runs: where its standard output and error go, its options
CHECK_RUNS = (("check.txt", "check.stderr", []),
              ("check.json", "check-json.stderr", ["--json"]),
              ("list.txt", "list.stderr", ["--list"]))


def build_path(var):
    """A path variable the build was made with, from the file make records them in."""
    with open(os.path.join(BUILD, "paths")) as f:
        for line in f:
            name, _, value = line.rstrip("\n").partition("=")
            if name == var:
                return value
    raise KeyError(var)


def cases():
    """(case, scenario, variant config or None), in the scenarios' order:
    a variant's case is SCENARIO-VARIANT, as its config's file name says."""
    out = []
    for name in SCENARIOS:
        root = fixture(name)
        out.append((name, name, None))
        variants = os.path.join(root, "etc", "gpupt-variants")
        if os.path.isdir(variants):
            for f in sorted(os.listdir(variants)):
                if f.endswith(".conf"):
                    out.append(("%s-%s" % (name, f[:-len(".conf")]), name,
                                os.path.join(variants, f)))
    return out


ROOTS = {}


def fixture(scenario):
    if scenario not in ROOTS:
        path = os.path.join(TMP, "roots", scenario)
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, path],
                       check=True, stdout=subprocess.DEVNULL)
        ROOTS[scenario] = path
    return ROOTS[scenario]


class Placeholders:
    """The paths of this run and build in an output, as the placeholders
    the expected files hold: the root anywhere, the install paths only
    where they name gpupt's own files (a shorter path may be the start of
    another, /lib/systemd/system of /lib/systemd/system-generators)."""

    def __init__(self, root):
        self.pairs = [(os.fsencode(root), b"@ROOT@"),
                      (os.fsencode(build_path("LIBEXECDIR")) + b"/gpupt/", b"@LIBEXECDIR@/gpupt/"),
                      (os.fsencode(build_path("SYSTEMDUNITDIR")) + b"/gpupt-",
                       b"@SYSTEMDUNITDIR@/gpupt-")]

    def __call__(self, data):
        for path, name in self.pairs:
            data = data.replace(path, name)
        return data


def clean_env(**extra):
    """Nothing of the caller's environment that gpupt reads (GPUPT_ROOT,
    SYSTEMD_SCOPE) or that could change an output."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    env.update(extra)
    return env


def tree_listing(top, subst):
    """Every entry under top, sorted, one line each, and the regular files'
    contents by path."""
    lines, files = [], {}
    for base, dirs, names in os.walk(top):
        dirs.sort()
        for n in sorted(dirs + names):
            path = os.path.join(base, n)
            rel = os.path.relpath(path, top)
            st = os.lstat(path)
            if os.path.islink(path):
                lines.append(b"l %s -> %s" % (os.fsencode(rel), subst(os.fsencode(
                    os.readlink(path)))))
            elif os.path.isdir(path):
                lines.append(b"d %04o %s" % (st.st_mode & 0o7777, os.fsencode(rel)))
            else:
                lines.append(b"f %04o %s" % (st.st_mode & 0o7777, os.fsencode(rel)))
                with open(path, "rb") as f:
                    files[rel] = subst(f.read())
    return b"".join(line + b"\n" for line in sorted(lines)), files


def outputs(case, scenario, config):
    """What the programs say on the case: relative path -> bytes, every
    path of this run replaced."""
    root = fixture(scenario)
    subst = Placeholders(root)
    out, status = {}, []
    conf = ["--config", config] if config else []
    for name, err, args in CHECK_RUNS:
        p = subprocess.run([os.path.join(BUILD, "gpupt-check"), "--root", root] + conf + args,
                           capture_output=True, stdin=subprocess.DEVNULL, env=clean_env(),
                           timeout=120)
        out[name] = subst(p.stdout)
        if p.stderr:
            out[err] = subst(p.stderr)
        status.append(b" ".join([b"gpupt-check"] + [a.encode() for a in args]) +
                      b": %d" % p.returncode)
    if not config:
        gen = os.path.join(TMP, "gen", case)
        shutil.rmtree(gen, ignore_errors=True)
        dirs = [os.path.join(gen, d) for d in ("normal", "early", "late")]
        for d in dirs:  # as systemd makes them, whatever the caller's umask
            os.makedirs(d)
            os.chmod(d, 0o755)
        p = subprocess.run([os.path.join(BUILD, "gpupt-generator")] + dirs, capture_output=True,
                           stdin=subprocess.DEVNULL, env=clean_env(GPUPT_ROOT=root), timeout=120)
        listing, files = tree_listing(gen, subst)
        out["generator.list"] = listing
        for rel, data in files.items():
            out[os.path.join("generator", rel)] = data
        if p.stderr:
            out["generator.stderr"] = subst(p.stderr)
        status.append(b"gpupt-generator: %d" % p.returncode)
    out["status"] = b"".join(s + b"\n" for s in status)
    return out


def write_tree(top, files):
    shutil.rmtree(top, ignore_errors=True)
    os.makedirs(top)
    for rel, data in files.items():
        path = os.path.join(top, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


class Expected(unittest.TestCase):
    def test_every_case(self):
        """Each case's outputs are its expected tree, byte for byte."""
        for case, scenario, config in cases():
            with self.subTest(case=case):
                expected = os.path.join(DATA, case, "expected")
                self.assertTrue(os.path.isdir(expected),
                                "%s is missing: `make expected` writes it" % expected)
                got = os.path.join(TMP, "got", case)
                write_tree(got, outputs(case, scenario, config))
                p = subprocess.run(["diff", "-u", "-r", "-a", "--no-dereference", expected, got],
                                   capture_output=True, text=True, errors="replace")
                self.assertEqual(p.returncode, 0, "outputs of %s differ from %s "
                                 "(`make expected` writes them anew, on purpose):\n%s%s" %
                                 (case, expected, p.stdout, p.stderr))

    def test_no_stale_case(self):
        """Every case in tests/data is one of a recorded scenario."""
        self.assertEqual(sorted(set(os.listdir(DATA)) - {c[0] for c in cases()}), [])


def regen():
    names = [c[0] for c in cases()]
    for case, scenario, config in cases():
        write_tree(os.path.join(DATA, case, "expected"), outputs(case, scenario, config))
    for stale in sorted(set(os.listdir(DATA)) - set(names)):
        shutil.rmtree(os.path.join(DATA, stale))
        print("expected: removed %s (no such case)" % stale)
    print("expected: %d cases written into %s; review `git diff %s`" %
          (len(names), DATA, os.path.relpath(DATA, os.path.dirname(HERE))))
    return 0


def main():
    global TMP, BUILD
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("--regen", action="store_true",
                    help="write tests/data/*/expected from the build instead of comparing")
    args, rest = ap.parse_known_args()
    BUILD = os.path.abspath(args.build)
    TMP = tempfile.mkdtemp(prefix="gpupt-expected.")
    try:
        if args.regen:
            os.makedirs(DATA, exist_ok=True)
            return regen()
        loader = unittest.defaultTestLoader
        suite = loader.loadTestsFromNames(rest, sys.modules[__name__]) if rest else \
            loader.loadTestsFromModule(sys.modules[__name__])
        res = unittest.TextTestRunner(verbosity=1).run(suite)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    failed = len(res.failures) + len(res.errors)
    print(f"expected: {res.testsRun - failed} passed, {failed} failed")
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The README's examples are gpupt-check's output on the recorded machines.

Each example block in README.md is a fenced block with a marker before it:

    <!-- example: SCENARIO [VAR=VALUE ...] [ARGS ...] -->

SCENARIO is a machine of tests/mkfixture.py, ARGS what gpupt-check is given
after --root DIR (DIR in ARGS stands for that root, as in
--config DIR/etc/gpupt-variants/NAME.conf), VAR=VALUE the environment. The
test builds the root, runs the command and compares its standard output,
then standard error, with the block line by line (trailing blanks aside),
with the root written as the README writes it, /tmp/SCENARIO. A line that
starts with "…" stands for any number of lines the README leaves out
(none included); every other line must be there, in order. The prose
before the block (since the block before it) shows the command, ARGS with
DIR written as /tmp/SCENARIO, or names the scenario when there are no ARGS.

A block that looks like gpupt-check's output but has no marker fails too,
so that no example goes unchecked.

After a change of the output: `tests/test_readme.py --build build --update`
rewrites every block that differs with the program's lines, keeping its
"…" lines where they still fit; review the diff of README.md.
"""
import argparse
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(os.path.dirname(HERE), "README.md")
BUILD = os.path.join(os.path.dirname(HERE), "build")
TMP = None
ROOTS = {}
UPDATE = False

MARKER = re.compile(r"^<!-- example: (.*?) -->$")
FENCE = re.compile(r"^```")
# What gpupt-check prints, to find a block that lacks its marker.
LOOKS_LIKE_OUTPUT = re.compile(r"^(IOMMU: |ADDRESS  |Ready: |Not ready: |(error|warning) +[a-z-]+ "
                               r"|-device |<hostdev |[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2},pcie=)")
PCI_IDS = ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids")


class Example:
    def __init__(self, marker, marker_line, start, end, lines, prose):
        self.marker_line = marker_line  # index of the marker in README's lines
        self.start = start  # first line of the block's body
        self.end = end  # the closing fence
        self.lines = lines
        self.prose = prose
        words = shlex.split(marker)
        self.scenario = words[0]
        self.env = {}
        rest = words[1:]
        while rest and re.match(r"^[A-Z_][A-Z0-9_]*=", rest[0]):
            k, v = rest.pop(0).split("=", 1)
            self.env[k] = v
        self.args = rest

    def __str__(self):
        return "README.md:%d: %s" % (self.marker_line + 1, " ".join([self.scenario] + self.args))

    def shown_args(self):
        """ARGS as the reader types them, the root at /tmp/SCENARIO."""
        return " ".join(a.replace("DIR", "/tmp/" + self.scenario) for a in self.args)


def read_readme():
    """The README's lines, its examples, and its unmarked blocks that look like output."""
    with open(README, encoding="utf-8") as f:
        lines = f.read().split("\n")
    examples, unmarked = [], []
    i, prose_start = 0, 0
    while i < len(lines):
        if not FENCE.match(lines[i]):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not FENCE.match(lines[j]):
            j += 1
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        body = lines[i + 1:j]
        marker = MARKER.match(lines[k]) if k >= 0 else None
        if marker:
            examples.append(Example(marker.group(1), k, i + 1, j, body,
                                    "\n".join(lines[prose_start:k])))
        elif any(LOOKS_LIKE_OUTPUT.match(l) for l in body):
            unmarked.append(i + 1)
        prose_start = j + 1
        i = j + 1
    return lines, examples, unmarked


def root(scenario):
    if scenario not in ROOTS:
        path = os.path.join(TMP, scenario)
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, path],
                       check=True, stdout=subprocess.DEVNULL)
        ROOTS[scenario] = path
    return ROOTS[scenario]


def run(ex):
    """The example's output, stdout then stderr, as the README writes it."""
    r = root(ex.scenario)
    args = [a.replace("DIR", r) for a in ex.args]
    env = dict(os.environ)
    for k in ("GPUPT_ROOT", "COLUMNS", "LINES", "NO_COLOR"):
        env.pop(k, None)
    env.update(ex.env)
    p = subprocess.run([os.path.join(BUILD, "gpupt-check"), "--root", r] + args,
                       capture_output=True, text=True, env=env, timeout=60)
    text = (p.stdout + p.stderr).replace(r, "/tmp/" + ex.scenario)
    out = [l.rstrip() for l in text.split("\n")]
    if out and out[-1] == "":
        out.pop()
    return out


def is_gap(line):
    return line.startswith("…")


def align(block, out):
    """The cheapest alignment of the block with the output: a "…" line takes
    any run of output lines for free, a line of the block that is there costs
    nothing, one that differs, is missing or is extra costs 1. Returns the
    cost and the block rewritten to the output with the same "…" lines."""
    n, m = len(block), len(out)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0
    for i in range(n + 1):
        for j in range(m + 1):
            c = cost[i][j]
            if c == inf:
                continue

            def step(i2, j2, add, op):
                if c + add < cost[i2][j2]:
                    cost[i2][j2] = c + add
                    back[i2][j2] = (i, j, op)
            if i > 0 and is_gap(block[i - 1]) and j < m:
                step(i, j + 1, 0, "skip")
            if i < n and is_gap(block[i]):
                step(i + 1, j, 0, "gap")
                continue
            if i < n and j < m:
                step(i + 1, j + 1, 0 if block[i].rstrip() == out[j] else 1, "line")
            if i < n:
                step(i + 1, j, 1, "drop")
            if j < m:
                step(i, j + 1, 1, "add")
    fixed, i, j = [], n, m
    while (i, j) != (0, 0):
        pi, pj, op = back[i][j]
        if op == "gap":
            fixed.append(block[pi])
        elif op in ("line", "add"):
            fixed.append(out[pj])
        i, j = pi, pj
    return cost[n][m], fixed[::-1]


class Readme(unittest.TestCase):
    def test_examples_are_output(self):
        if not any(os.path.exists(p) for p in PCI_IDS):
            self.skipTest("no pci.ids on this machine: the tables' NAME column would be empty")
        lines, examples, _ = read_readme()
        self.assertTrue(examples, "no marked example in README.md")
        failures, updates = [], []
        for ex in examples:
            with self.subTest(example=str(ex)):
                out = run(ex)
                cost, fixed = align(ex.lines, out)
                if cost:
                    updates.append((ex, fixed))
                    diff = "\n".join(difflib.unified_diff(ex.lines, fixed, "README.md",
                                                           "output", lineterm=""))
                    failures.append("%s differs from the output:\n%s\n(the output:)\n%s"
                                    % (ex, diff, "\n".join(out)))
        if UPDATE and updates:
            for ex, fixed in sorted(updates, key=lambda u: -u[0].start):
                lines[ex.start:ex.end] = fixed
            with open(README, "w", encoding="utf-8") as f:
                f.write("\n".join(lines))
            print("README.md: %d example(s) rewritten" % len(updates), file=sys.stderr)
        if failures:
            self.fail("\n\n".join(failures) + "\n\nrewrite them: tests/test_readme.py --build "
                      "BUILD --update")

    def test_examples_say_how_to_run(self):
        _, examples, _ = read_readme()
        scenarios = set(subprocess.run(
            [sys.executable, os.path.join(HERE, "mkfixture.py"), "--list"], check=True,
            capture_output=True, text=True).stdout.split("\n"))
        names = {l.split()[0] for l in scenarios if l.strip()}
        for ex in examples:
            with self.subTest(example=str(ex)):
                self.assertIn(ex.scenario, names)
                wanted = ex.shown_args() or ex.scenario
                self.assertIn(wanted, ex.prose,
                              "%s: the text before the block does not show %r" % (ex, wanted))

    def test_every_output_block_is_marked(self):
        _, _, unmarked = read_readme()
        self.assertEqual(unmarked, [], "README.md lines %s: gpupt-check output without an "
                                       "<!-- example: SCENARIO [ARGS] --> marker" % unmarked)


class Alignment(unittest.TestCase):
    """The matcher itself: "…" takes any run, anything else is exact."""

    def test_gap(self):
        self.assertEqual(align(["a", "…", "d"], ["a", "b", "c", "d"])[0], 0)
        self.assertEqual(align(["a", "… (the rest)", "d"], ["a", "d"])[0], 0)
        self.assertEqual(align(["…", "c"], ["a", "b", "c"])[0], 0)
        self.assertEqual(align(["a", "…"], ["a", "b", "c"])[0], 0)

    def test_exact_otherwise(self):
        self.assertEqual(align(["a", "c"], ["a", "b", "c"]), (1, ["a", "b", "c"]))
        self.assertEqual(align(["a", "x", "…"], ["a", "b", "c"]), (1, ["a", "b", "…"]))
        self.assertEqual(align(["a", "b"], ["a"]), (1, ["a"]))
        self.assertEqual(align(["…", "z"], ["a", "b"])[0], 1)
        self.assertEqual(align([], ["a"]), (1, ["a"]))


def main():
    global TMP, BUILD, UPDATE
    ap = argparse.ArgumentParser(description="README examples against gpupt-check's output")
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("--update", action="store_true",
                    help="rewrite the README's blocks that differ with the output")
    ap.add_argument("-v", "--verbose", action="store_true")
    args, rest = ap.parse_known_args()
    BUILD = os.path.abspath(args.build)
    UPDATE = args.update
    TMP = tempfile.mkdtemp(prefix="gpupt-readme.")
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
    print(f"readme: {res.testsRun - failed - skipped} passed, {failed} failed, "
          f"{skipped} skipped")
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench.py BUILD: gpupt-check and gpupt-generator against the usual survey
tools and a floor, on recorded hosts of 1 280 and 5 120 PCI functions.

BUILD holds optimised gpupt-check and gpupt-generator and the floor program.
Prints a table and the goals, and writes them to bench/results.md."""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SMALL, LARGE = 256, 1024          # slots; 5 functions each


def memory_fs(path):
    """Whether PATH is the mount point of a tmpfs, by /proc/self/mounts."""
    try:
        return any(f[1] == path and f[2] == "tmpfs"
                   for f in (line.split() for line in open("/proc/self/mounts")) if len(f) > 2)
    except OSError:
        return False


def fixture(build, slots):
    """The host of SLOTS slots, rebuilt when mkbig.py changes; and beside it a
    root that shares its sys, proc, dev and lib but has the bdf config."""
    root = os.path.join(build, "host-%d" % slots)
    stamp = os.path.join(root, ".mkbig")
    want = open(os.path.join(HERE, "mkbig.py"), "rb").read()
    if not (os.path.exists(stamp) and open(stamp, "rb").read() == want):
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(HERE, "mkbig.py"), str(slots), root],
                       check=True, stdout=subprocess.DEVNULL)
        open(stamp, "wb").write(want)
    bdf = root + "-bdf"
    shutil.rmtree(bdf, ignore_errors=True)
    os.makedirs(os.path.join(bdf, "etc"))
    for d in ("sys", "proc", "dev", "lib", "run", "var"):
        if os.path.exists(os.path.join(root, d)):
            os.symlink(os.path.join(root, d), os.path.join(bdf, d))
    shutil.copy(os.path.join(root, "etc/gpupt-variants/bdf.conf"),
                os.path.join(bdf, "etc/gpupt.conf"))
    return root, bdf, 5 * slots


def driverctl_copy(build, root):
    """Debian's driverctl with its /sys paths pointed at ROOT/sys; the copy
    only lists, and nothing is mounted over the machine's own /sys."""
    src = os.path.join(build, "driverctl", "usr/sbin/driverctl")
    if not os.path.exists(src):
        tmp = os.path.join(build, "driverctl")
        os.makedirs(tmp, exist_ok=True)
        r = subprocess.run("apt-get download -qq driverctl && dpkg-deb -x driverctl_*.deb .",
                           shell=True, cwd=tmp, capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(src):
            return None
    text = open(src).read().replace('"/sys/', '"%s/sys/' % root)
    dst = os.path.join(build, "driverctl-" + os.path.basename(root))
    open(dst, "w").write(text)
    os.chmod(dst, 0o755)
    return dst


CPU = {}     # id(case) -> CPU seconds (user + system) of its runs


def run_once(cmd, env=None, cpu=None, cpus=None):
    """Wall seconds of one run; its CPU seconds (user + system, which other
    load on the machine does not inflate) are appended to cpu. CPUS: the
    set of CPUs it may run on (default: the bench's)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                         preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    code = p.returncode
    if code not in (0, 1):
        raise RuntimeError("%s exited %d" % (" ".join(cmd), code))
    if cpu is not None:
        cpu.append(ru.ru_utime + ru.ru_stime)
    return wall


PEAKRSS = None      # the peakrss program, set in main


def peak_rss(cmd, env=None):
    """The program's own peak RSS in KiB (not that of the Python that forked it)."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run([PEAKRSS, out.name] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=env)
        text = out.read().strip()
    return int(text) if text.lstrip("-").isdigit() and int(text) > 0 else None


class Case:
    def __init__(self, name, size, functions, make_cmd, runs):
        self.name, self.size, self.functions = name, size, functions
        self.make_cmd, self.runs = make_cmd, runs
        self.times, self.rss, self.ir, self.syscalls = [], None, None, None
        self.cpu = []

    def measure(self, warm=True):
        if warm:                                   # warm the page cache first
            cmd, env, cleanup = self.make_cmd()
            run_once(cmd, env)
            cleanup()
        for _ in range(self.runs):
            cmd, env, cleanup = self.make_cmd()
            self.times.append(run_once(cmd, env, self.cpu))
            cleanup()
        cmd, env, cleanup = self.make_cmd()
        self.rss = peak_rss(cmd, env)
        cleanup()

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def cpu_median(self):
        return statistics.median(self.cpu)

    def callgrind(self):
        cmd, env, cleanup = self.make_cmd()
        r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] +
                           cmd, env=env, capture_output=True, text=True)
        cleanup()
        m = re.search(r"Collected : (\d+)", r.stderr)
        self.ir = int(m.group(1)) if m else None

    def strace(self):
        cmd, env, cleanup = self.make_cmd()
        with tempfile.NamedTemporaryFile("r") as out:
            subprocess.run(["strace", "-f", "-c", "-o", out.name] + cmd, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # "% time  seconds  usecs/call  calls  [errors]  total"
            totals = [line.split() for line in out.read().splitlines()
                      if line.split()[-1:] == ["total"]]
        cleanup()
        self.syscalls = int(totals[0][3]) if totals and len(totals[0]) >= 5 else None


def no_cleanup():
    pass


def paired_ratios(case, floor, runs):
    """CASE over FLOOR in wall and in CPU time, each the median of RUNS pairs
    run back to back on one CPU. The load of a shared machine drifts over
    seconds; the two runs of a pair see the same load, while the medians of
    two cases measured a minute apart need not. And the CPUs of a virtual
    machine need not be alike (here one ran the same program 1.5x slower
    than the other): a pair split across two measures the CPUs."""
    one = {min(os.sched_getaffinity(0))}
    wall, cpu = [], []
    for _ in range(runs):
        t, c = [], []
        for k in (floor, case):
            cmd, env, cleanup = k.make_cmd()
            t.append(run_once(cmd, env, c, one))
            cleanup()
        wall.append(t[1] / t[0])
        cpu.append(c[1] / c[0])
    return statistics.median(wall), statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--slow-runs", type=int, default=3)
    ap.add_argument("--out", help="where the results go (default bench/results.md; with --only, "
                                  "nowhere)")
    ap.add_argument("--asan", help="a build of gpupt-apply under ASan+UBSan, for the config cases")
    ap.add_argument("--hosts", help="where the recorded hosts are written (default: a directory "
                                    "in /dev/shm when it is a memory file system, else BUILD)")
    ap.add_argument("--only", metavar="REGEX",
                    help="run only the cases whose \"NAME FUNCTIONS\" (e.g. \"gpupt-check --json "
                         "(fleet) 5120\") matches REGEX, and the floor rows at their sizes; goals "
                         "whose cases did not run say \"not run\"; the results go to --out only "
                         "when it is given")
    a = ap.parse_args()
    only = re.compile(a.only) if a.only else None
    if only is None and a.out is None:
        a.out = os.path.join(HERE, "results.md")
    build = os.path.abspath(a.build)
    check = os.path.join(build, "gpupt-check")
    generator = os.path.join(build, "gpupt-generator")
    floor = os.path.join(build, "floor")
    global PEAKRSS
    PEAKRSS = os.path.join(build, "peakrss")
    # sysfs lives in memory; a recorded host on disk is read from the disk
    # again whenever the page cache has let it go, which sysfs never does.
    in_memory = not a.hosts and memory_fs("/dev/shm")
    hosts_dir = a.hosts or (os.path.join("/dev/shm", "gpupt-bench-%d" % os.getuid())
                            if in_memory else build)
    os.makedirs(hosts_dir, exist_ok=True)

    hosts = {}
    for slots in (SMALL, LARGE):
        print("bench: writing the host of %d functions in %s" % (5 * slots, hosts_dir),
              flush=True)
        hosts[slots] = fixture(hosts_dir, slots)

    def gen_cmd(root):
        def make():
            d = tempfile.mkdtemp(prefix="gpupt-bench.")
            dirs = [os.path.join(d, x) for x in ("normal", "early", "late")]
            for x in dirs:
                os.mkdir(x)
            env = dict(os.environ, GPUPT_ROOT=root)
            return [generator] + dirs, env, lambda: shutil.rmtree(d)
        return make

    def plain(cmd):
        return lambda: (cmd, None, no_cleanup)

    def wanted(name, functions):
        return only is None or bool(only.search("%s %d" % (name, functions)))

    cases = []
    for slots in (SMALL, LARGE):
        root, bdf, n = hosts[slots]
        cases += [
            Case("floor", slots, n, plain([floor, root]), a.runs),
            Case("gpupt-check --json (ids)", slots, n,
                 plain([check, "--root", root, "--json"]), a.runs),
            Case("gpupt-generator (ids)", slots, n, gen_cmd(root), a.runs),
            Case("gpupt-generator (bdf)", slots, n, gen_cmd(bdf), a.runs),
            Case("gpupt-check --list", slots, n, plain([check, "--root", root, "--list"]),
                 a.runs),
            Case("gpupt-check --list --json", slots, n,
                 plain([check, "--root", root, "--list", "--json"]), a.runs),
        ]
    root, _, n = hosts[SMALL]
    cases.append(Case("iommu.sh (lspci per device)", SMALL, n,
                      plain(["bash", os.path.join(HERE, "iommu.sh"), root]), a.slow_runs))
    dctl = driverctl_copy(build, root) if wanted("driverctl list-devices", n) else None
    if dctl:
        cases.append(Case("driverctl list-devices", SMALL, n,
                          plain(["bash", dctl, "list-devices"]), a.slow_runs))
    elif wanted("driverctl list-devices", n):
        print("bench: driverctl could not be downloaded; left out", flush=True)

    # Huge configs, read by gpupt-apply check-config (conf_load and nothing
    # else: what the generator and every helper do first), on a small host.
    apply = os.path.join(build, "gpupt-apply")
    small = os.path.join(build, "host-small")
    mkhuge = os.path.join(HERE, "..", "tests", "fuzz", "mkhuge.py")

    def config_root(kind, n):
        if not os.path.exists(os.path.join(small, "sys")):
            shutil.rmtree(small, ignore_errors=True)
            subprocess.run([sys.executable, os.path.join(HERE, "..", "tests", "mkfixture.py"),
                            "sriov-gvt", small], check=True, stdout=subprocess.DEVNULL)
        r = os.path.join(build, "conf-%s-%d" % (kind, n))
        shutil.rmtree(r, ignore_errors=True)
        os.makedirs(os.path.join(r, "etc"))
        for d in ("sys", "proc", "dev", "lib"):
            if os.path.exists(os.path.join(small, d)):
                os.symlink(os.path.join(small, d), os.path.join(r, d))
        subprocess.run([sys.executable, mkhuge, kind, str(n), os.path.join(r, "etc/gpupt.conf")],
                       check=True)
        return r

    conf_cases = []
    for kind, n in (("entries", 2500), ("entries", 10000), ("entries", 20000), ("ids", 20000)):
        label = "%d entries" % n if kind == "entries" else "one ids list of %d" % n
        r = (config_root(kind, n) if wanted("config: " + label, n) or
             (a.asan and wanted("config under ASan: " + label, n)) else None)
        conf_cases.append(Case("config: " + label, n, n,
                               plain([apply, "--root", r, "check-config"]), a.runs))
        if a.asan:
            conf_cases.append(Case("config under ASan: " + label, n, n,
                                   plain([os.path.join(a.asan, "gpupt-apply"), "--root", r,
                                          "check-config"]), a.slow_runs))
    cases += conf_cases

    # The fleet: 4 096 of the 5 120 functions claimed by id, 1 024 groups;
    # and the same with driver = "auto", which opens the module index.
    big_root = hosts[LARGE][0]

    def variant_root(variant):
        r = big_root + "-" + variant
        shutil.rmtree(r, ignore_errors=True)
        os.makedirs(os.path.join(r, "etc"))
        for d in ("sys", "proc", "dev", "lib", "run", "var"):
            if os.path.exists(os.path.join(big_root, d)):
                os.symlink(os.path.join(big_root, d), os.path.join(r, d))
        shutil.copy(os.path.join(big_root, "etc/gpupt-variants/%s.conf" % variant),
                    os.path.join(r, "etc/gpupt.conf"))
        return r
    fleet, fleet_auto = variant_root("fleet"), variant_root("fleet-auto")
    claims = len(json.loads(subprocess.run([check, "--root", fleet, "--json"],
                                           capture_output=True, text=True).stdout)["claims"])
    cases += [Case("gpupt-check --json (fleet)", LARGE, 5 * LARGE,
                   plain([check, "--root", fleet, "--json"]), a.runs),
              Case("gpupt-generator (fleet)", LARGE, 5 * LARGE, gen_cmd(fleet), a.runs),
              Case("gpupt-check --json (fleet, auto)", LARGE, 5 * LARGE,
                   plain([check, "--root", fleet_auto, "--json"]), a.runs),
              Case("gpupt-generator (fleet, auto)", LARGE, 5 * LARGE, gen_cmd(fleet_auto),
                   a.runs)]
    make, env, cleanup = gen_cmd(fleet)()
    subprocess.run(make, env=env, check=True)
    outdir = os.path.dirname(make[1])
    fleet_files = sum(len(f) for _, _, f in os.walk(outdir))
    fleet_links = sum(1 for b, _, f in os.walk(outdir) for x in f
                      if os.path.islink(os.path.join(b, x)))
    cleanup()

    # With --only: the chosen cases, and the floor at each of their sizes,
    # which the goals compare them with. The rest are listed as not run.
    ran = [c for c in cases if c.name != "floor" and wanted(c.name, c.functions)]
    sizes = set(c.size for c in ran)
    ran = set(id(c) for c in ran) | set(id(c) for c in cases
                                        if c.name == "floor" and c.size in sizes)
    cases_all, cases = cases, [c for c in cases if id(c) in ran]

    for c in cases:
        print("bench: %-30s %5d functions ..." % (c.name, c.functions), end="", flush=True)
        slow = c.name.startswith(("iommu.sh", "driverctl"))
        c.measure(warm=not slow)       # the fast runs before them warmed the same tree
        if not slow and "ASan" not in c.name:
            c.callgrind()
            c.strace()
        print(" %.2f ms" % (c.median * 1000), flush=True)

    def get(name, slots):
        return next(c for c in cases_all if c.name.startswith(name) and c.size == slots)

    def get_exact(name, slots):
        return next(c for c in cases_all if c.name == name and c.size == slots)

    rows = []
    for c in cases:
        rows.append("| %s | %d | %.2f | %.2f | %s | %s | %s | %s |" % (
            c.name, c.functions, c.median * 1000, c.cpu_median * 1000,
            "%.2f" % (c.median * 1e6 / c.functions),
            "{:,}".format(c.ir) if c.ir else "-",
            "%.1f" % (c.syscalls / c.functions) if c.syscalls else "-",
            c.rss if c.rss else "-"))

    fl_l = get("floor", LARGE)
    ck_s, ck_l = get("gpupt-check", SMALL), get("gpupt-check", LARGE)
    gi_s, gi_l = get("gpupt-generator (ids)", SMALL), get("gpupt-generator (ids)", LARGE)
    gb_s, gb_l = get("gpupt-generator (bdf)", SMALL), get("gpupt-generator (bdf)", LARGE)
    loop = get("iommu.sh", SMALL)
    goals = []

    def did_run(*needs):
        return all(id(c) in ran for c in needs)

    def goal(text, needs, value, ok):
        """VALUE and OK are called only when every case in NEEDS ran."""
        if not did_run(*needs):
            goals.append("| %s | not run | - |" % text)
            return
        holds = ok()
        goals.append("| %s | %s | %s |" % (text, value(),
                                           "-" if holds is None else "yes" if holds else "**no**"))

    goal("gpupt-check ≥ 500× faster than iommu.sh (1 280 functions)", (loop, ck_s),
         lambda: "%.0f×" % (loop.median / ck_s.median), lambda: loop.median / ck_s.median >= 500)
    goal("gpupt-check (ids) within 1.5× of the floor (5 120)", (ck_l, fl_l),
         lambda: "%.2f×" % (ck_l.median / fl_l.median), lambda: ck_l.median / fl_l.median <= 1.5)
    goal("gpupt-generator (ids) within 1.5× of the floor (5 120)", (gi_l, fl_l),
         lambda: "%.2f×" % (gi_l.median / fl_l.median), lambda: gi_l.median / fl_l.median <= 1.5)
    goal("gpupt-generator (bdf): 5 120 within 1.5× of 1 280", (gb_l, gb_s),
         lambda: "%.2f×" % (gb_l.median / gb_s.median), lambda: gb_l.median / gb_s.median <= 1.5)
    for c_s, c_l in ((ck_s, ck_l), (gi_s, gi_l)):
        goal("%s: 4× the functions, ≤ 4.5× the time" % c_s.name, (c_s, c_l),
             lambda: "%.2f×" % (c_l.median / c_s.median), lambda: c_l.median / c_s.median <= 4.5)
        if not did_run(c_s, c_l) or (c_s.ir and c_l.ir):
            goal("%s: 4× the functions, ≤ 4.5× the instructions" % c_s.name, (c_s, c_l),
                 lambda: "%.2f×" % (c_l.ir / c_s.ir), lambda: c_l.ir / c_s.ir <= 4.5)
    for name in ("gpupt-check --list", "gpupt-check --list --json"):
        ls_s, ls_l = get_exact(name, SMALL), get_exact(name, LARGE)
        goal("%s ≥ 500× faster than iommu.sh (1 280 functions)" % name, (loop, ls_s),
             lambda: "%.0f×" % (loop.median / ls_s.median),
             lambda: loop.median / ls_s.median >= 500)
        goal("%s within 3× of the floor (5 120)" % name, (ls_l, fl_l),
             lambda: "%.2f×" % (ls_l.median / fl_l.median),
             lambda: ls_l.median / fl_l.median <= 3)
    for c in (ck_l, gi_l, gb_l):
        goal("%s peak RSS < 8 MiB (5 120)" % c.name, (c,),
             lambda: "%.1f MiB" % (c.rss / 1024) if c.rss else "unknown",
             lambda: c.rss is not None and c.rss < 8 * 1024)
    for c in (ck_l, gi_l):
        if not did_run(c) or c.syscalls:
            goal("%s ≤ 12 syscalls per function (5 120)" % c.name, (c,),
                 lambda: "%.1f" % (c.syscalls / c.functions),
                 lambda: c.syscalls / c.functions <= 12)

    # Huge configs and the fleet. Time goals on CPU time (user + system):
    # the wall clock of a shared machine counts other programs' load too.
    def conf_case(prefix, n):
        return next(c for c in cases_all if c.name == prefix + ("%d entries" % n if n > 0 else
                                                                  "one ids list of %d" % -n))
    c25, c10, c20 = (conf_case("config: ", n) for n in (2500, 10000, 20000))
    cids = conf_case("config: ", -20000)
    goal("config: 4× the entries (10 000 vs 2 500), ≤ 4.5× the CPU time", (c10, c25),
         lambda: "%.2f×" % (c10.cpu_median / c25.cpu_median),
         lambda: c10.cpu_median / c25.cpu_median <= 4.5)
    if not did_run(c25, c10) or (c25.ir and c10.ir):
        goal("config: 4× the entries (10 000 vs 2 500), ≤ 4.5× the instructions", (c10, c25),
             lambda: "%.2f×" % (c10.ir / c25.ir), lambda: c10.ir / c25.ir <= 4.5)
    for c in (c20, cids):
        goal("%s ≤ 100 ms (CPU)" % c.name, (c,), lambda: "%.1f ms" % (c.cpu_median * 1000),
             lambda: c.cpu_median <= 0.1)
    if a.asan:
        for n in (20000, -20000):
            c = conf_case("config under ASan: ", n)
            goal("%s ≤ 2 s (CPU)" % c.name, (c,), lambda: "%.2f s" % c.cpu_median,
                 lambda: c.cpu_median <= 2)
    fc = get_exact("gpupt-check --json (fleet)", LARGE)
    fg = get_exact("gpupt-generator (fleet)", LARGE)
    fca = get_exact("gpupt-check --json (fleet, auto)", LARGE)
    fga = get_exact("gpupt-generator (fleet, auto)", LARGE)
    for c in (fc, fg, fca, fga):
        if did_run(c, fl_l):
            c.wall_ratio, c.cpu_ratio = paired_ratios(c, fl_l, a.runs)
        goal("%s within 2× of the floor (CPU, 5 120; median of %d back-to-back pairs)"
             % (c.name, a.runs), (c, fl_l), lambda: "%.2f×" % c.cpu_ratio,
             lambda: c.cpu_ratio <= 2)
        goal("%s within 2× of the floor (wall, 5 120; the same pairs)" % c.name, (c, fl_l),
             lambda: "%.2f×" % c.wall_ratio, lambda: c.wall_ratio <= 2)
    if not did_run(fc, fl_l) or (fc.syscalls and fl_l.syscalls):
        goal("gpupt-check --json (fleet): syscalls beyond the floor's scan per claimed "
             "function (%d claims) ≤ 6" % claims, (fc, fl_l),
             lambda: "%.2f" % ((fc.syscalls - fl_l.syscalls) / claims),
             lambda: (fc.syscalls - fl_l.syscalls) / claims <= 6)
        # Not a goal: the floor's scan alone is 4 per function, 5.0 per claim
        # here, and each claim needs its reset_method read (3); shown so the
        # reader sees the whole count.
        goal("gpupt-check --json (fleet): all its syscalls per claimed function, the scan "
             "included (for reference; the floor's scan alone is %.2f)"
             % ((fl_l.syscalls or 0) / claims), (fc, fl_l),
             lambda: "%.2f" % (fc.syscalls / claims), lambda: None)
    for c in (fca, fga):
        if not did_run(c) or c.syscalls:
            goal("%s: syscalls beyond the floor's scan per claimed function ≤ 6" % c.name,
                 (c, fl_l), lambda: "%.2f" % ((c.syscalls - fl_l.syscalls) / claims),
                 lambda: (c.syscalls - fl_l.syscalls) / claims <= 6)
    goal("gpupt-generator (fleet): files written for 1 024 whole claimed groups "
         "(claim unit and its link; no group unit)", (fg,),
         lambda: "%d (%d links)" % (fleet_files, fleet_links), lambda: fleet_files <= 2)
    for c in [c for c in conf_cases if "ASan" not in c.name] + [fc, fg, fca, fga]:
        goal("%s peak RSS < 8 MiB" % c.name, (c,),
             lambda: "%.1f MiB" % (c.rss / 1024) if c.rss else "unknown",
             lambda: c.rss is not None and c.rss < 8 * 1024)

    text = "\n".join([
        "# Benchmark results",
        "",
        "%s on %s, %d CPUs, %s; medians of %d runs (%d for the shell tools), the recorded "
        "hosts %s. Instructions from callgrind (repeatable), syscalls from strace -c -f, peak "
        "RSS as the program's own VmHWM at exit (bench/peakrss.c). The fleet's ratios to the "
        "floor are medians of back-to-back pairs run on one CPU (CPU %d)." % (
            "`bench.py --only '%s'`" % a.only if only else "`make bench`", platform.platform(),
            os.cpu_count(), time.strftime("%Y-%m-%d"), a.runs, a.slow_runs,
            "in memory (tmpfs), as sysfs is" if in_memory else "in %s, page cache warm"
            % hosts_dir, min(os.sched_getaffinity(0))),
        "",
        "| program | functions (entries) | median ms | CPU ms | µs per function | instructions | "
        "syscalls per function | peak RSS KiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ] + rows + [
        "",
        "| goal | measured | holds |",
        "| --- | ---: | --- |",
    ] + goals) + "\n"
    print()
    print(text)
    if a.out:
        open(a.out, "w").write(text)
        print("bench: written to %s" % os.path.relpath(a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

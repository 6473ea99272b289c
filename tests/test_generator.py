#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Program tests: the real gpupt-generator on fixture roots. The units,
links and drop-ins it writes are checked by content and by
`systemd-analyze verify` over a temporary root holding the installed helper
and the installed static template units."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from hostile import CORPUS  # noqa: E402
BUILD = os.path.join(os.path.dirname(HERE), "build")
TMP = None
ROOTS = {}
LIBEXEC = None  # what the build embeds: LIBEXECDIR in BUILD/paths
UNITDIR = None  # and SYSTEMDUNITDIR, where make install puts the templates
TEMPLATES = ("gpupt-group@.service", "gpupt-sriov@.service", "gpupt-mdev@.service",
             "gpupt-vgpu@.service")


def build_path(var):
    """A path variable the build was made with, from the file make records them in."""
    with open(os.path.join(BUILD, "paths")) as f:
        for line in f:
            name, _, value = line.rstrip("\n").partition("=")
            if name == var:
                return value
    raise KeyError(var)


def root(scenario):
    if scenario not in ROOTS:
        path = os.path.join(TMP, "roots", scenario)
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, path],
                       check=True, stdout=subprocess.DEVNULL)
        ROOTS[scenario] = path
    return ROOTS[scenario]


def generate(rootdir, name, args=3):
    out = os.path.join(TMP, "out", name)
    shutil.rmtree(out, ignore_errors=True)
    dirs = [os.path.join(out, d) for d in ("normal", "early", "late")][:args]
    for d in dirs:
        os.makedirs(d)
    env = dict(os.environ, GPUPT_ROOT=rootdir)
    p = subprocess.run([os.path.join(BUILD, "gpupt-generator")] + dirs, capture_output=True,
                       text=True, env=env, timeout=30)
    return p, out


def template_of(name):
    """gpupt-sriov@.service of gpupt-sriov@nic0.service; None for a unit
    that is no instance."""
    m = re.fullmatch(r"([^@]+@)[^@]*(\.service)", name)
    return m.group(1) + m.group(2) if m else None


def installed(name):
    """The text of a static unit as make install installs it."""
    with open(os.path.join(BUILD, "units", name)) as f:
        return f.read()


def tree(out):
    files = {}
    for base, dirs, names in os.walk(out):
        for n in names:
            path = os.path.join(base, n)
            rel = os.path.relpath(path, out)
            files[rel] = ("-> " + os.readlink(path)) if os.path.islink(path) else \
                open(path).read()
    return files


class Generator(unittest.TestCase):
    def verify(self, out):
        """systemd-analyze verify with the helper and the static templates
        installed under a root, and the generator's tree where systemd
        reads units: every link points at a unit there."""
        vroot = os.path.join(TMP, "vroot")
        shutil.rmtree(vroot, ignore_errors=True)
        helper = os.path.join(vroot, LIBEXEC.lstrip("/"), "gpupt", "gpupt-apply")
        os.makedirs(os.path.dirname(helper))
        # the system's own targets, which units without DefaultDependencies=no need
        os.makedirs(os.path.join(vroot, "usr/lib/systemd"))
        shutil.copytree("/usr/lib/systemd/system", os.path.join(vroot, "usr/lib/systemd/system"),
                        symlinks=True)
        shutil.copy(os.path.join(BUILD, "gpupt-apply"), helper)
        unitdir = os.path.join(vroot, UNITDIR.lstrip("/"))
        os.makedirs(unitdir, exist_ok=True)
        for t in TEMPLATES:
            shutil.copy(os.path.join(BUILD, "units", t), unitdir)
        units = os.path.join(vroot, "etc/systemd/system")
        shutil.copytree(os.path.join(out, "normal"), units, symlinks=True)
        names = sorted(n for n in os.listdir(units) if n.endswith(".service") and
                       os.path.isfile(os.path.join(units, n)))
        # a template is verified through its enabled instances
        for wants in (d for d in os.listdir(units) if d.endswith(".wants")):
            for n in sorted(os.listdir(os.path.join(units, wants))):
                link = os.readlink(os.path.join(units, wants, n))
                target = os.path.join(vroot, link.lstrip("/")) if os.path.isabs(link) else \
                    os.path.join(units, wants, link)
                self.assertTrue(os.path.isfile(target), (wants, n, link))
                if n not in names and template_of(n):
                    self.assertEqual(link, os.path.join(UNITDIR, template_of(n)))
                    names.append(n)
        self.assertTrue(names)
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", "--root=" + vroot] + names,
                           capture_output=True, text=True, cwd=TMP)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr.strip(), "", p.stderr)

    def test_eight_gpus(self):
        p, out = generate(root("eight-gpus"), "eight")
        self.assertEqual(p.returncode, 0, p.stderr)
        t = tree(out)
        self.assertIn("normal/gpupt-claim.service", t)
        # every claimed group is whole: no group unit, no template
        self.assertEqual(sorted(k for k in t if "gpupt-group@" in k), [])
        self.assertEqual(t["normal/sysinit.target.wants/gpupt-claim.service"],
                         "-> ../gpupt-claim.service")
        claim = t["normal/gpupt-claim.service"]
        self.assertTrue(claim.startswith("# Automatically generated by gpupt-generator"))
        for line in ("DefaultDependencies=no", "Before=systemd-udev-trigger.service",
                     "SourcePath=/etc/gpupt.conf", "ExecStart=%s/gpupt/gpupt-apply claim" % LIBEXEC):
            self.assertIn(line, claim)
        self.assertEqual(os.listdir(os.path.join(out, "early")), [])
        self.assertEqual(os.listdir(os.path.join(out, "late")), [])
        self.verify(out)
        # idempotent: the same tree again
        p2, out2 = generate(root("eight-gpus"), "eight-again")
        self.assertEqual(tree(out2), t)

    def test_every_scenario_verifies(self):
        """Each fixture machine: the units match the plan and pass verify."""
        sys.path.insert(0, HERE)
        from fixture.scenarios import SCENARIOS
        for name in SCENARIOS:
            with self.subTest(scenario=name):
                p, out = generate(root(name), "all-" + name)
                self.assertEqual(p.returncode, 0, p.stderr)
                t = tree(out)
                chk = subprocess.run([os.path.join(BUILD, "gpupt-check"), "--root", root(name),
                                      "--json"], capture_output=True, text=True)
                plan = json.loads(chk.stdout)
                self.assertEqual("normal/gpupt-claim.service" in t, bool(plan["claims"]))
                # an instance of the group template for each impure group, only
                group_of = {c["bdf"]: c["iommu_group"] for c in plan["claims"]}
                groups = {group_of[pr["bdf"]] for pr in plan["problems"]
                          if pr["code"] == "impure-group" and group_of.get(pr["bdf"]) is not None}
                self.assertEqual(
                    sorted(k for k in t if k.startswith("normal/sysinit.target.wants/gpupt-group@")),
                    sorted("normal/sysinit.target.wants/gpupt-group@%d.service" % g for g in groups))
                for g in groups:
                    self.assertEqual(t["normal/sysinit.target.wants/gpupt-group@%d.service" % g],
                                     "-> %s/gpupt-group@.service" % UNITDIR)
                # the template is installed; the tree names the config for it
                self.assertEqual("normal/gpupt-group@.service.d/50-source-path.conf" in t,
                                 bool(groups))
                self.assertEqual(
                    len([k for k in t if k.startswith("normal/multi-user.target.wants/"
                                                      "gpupt-sriov@")]), len(plan["sriov"]))
                # units of its own only where there is no template: the rest
                # are links and drop-ins
                for k in t:
                    self.assertTrue(k in ("normal/gpupt-claim.service",
                                          "normal/gpupt-config.service") or
                                    re.fullmatch(r"normal/[a-z-]+\.target\.wants/[^/]+", k) or
                                    re.fullmatch(r"normal/gpupt-[a-z]+@[^/]*\.service\.d/"
                                                 r"50-(entry|source-path)\.conf", k), k)
                if any(k.endswith(".service") for k in t):
                    self.verify(out)

    def test_sriov_mdev_escaping(self):
        r = root("sriov-gvt")
        conf = os.path.join(r, "etc", "gpupt.conf")
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace('sriov "nic0"', 'sriov "nic-0.a"'))
        p, out = generate(r, "sriov")
        self.assertEqual(p.returncode, 0, p.stderr)
        t = tree(out)
        self.assertIn("normal/gpupt-sriov@nic\\x2d0.a.service.d/50-entry.conf", t)
        self.assertEqual(t["normal/multi-user.target.wants/gpupt-sriov@nic\\x2d0.a.service"],
                         "-> %s/gpupt-sriov@.service" % UNITDIR)
        mdev = "gpupt-mdev@0000\\x3a00\\x3a02.0.service"
        self.assertEqual(t["normal/multi-user.target.wants/" + mdev],
                         "-> %s/gpupt-mdev@.service" % UNITDIR)
        # the parent is %I, so the instance holds nothing of its own
        self.assertNotIn("normal/%s.d/50-entry.conf" % mdev, t)
        self.assertIn("Description=Create the mediated devices of %I\n",
                      installed("gpupt-mdev@.service"))
        self.assertNotIn("normal/gpupt-claim.service", t)
        self.verify(out)
        with open(conf, "w") as f:
            f.write(text)

    def test_labels_unit(self):
        """Where NFD's features.d exists: gpupt-labels.service after the claim and each
        sriov and mdev unit (one per parent), before kubelet, not in the initrd."""
        r = os.path.join(TMP, "roots", "labels")
        shutil.copytree(root("sriov-gvt"), r, symlinks=True)
        p, out = generate(r, "no-labels")
        self.assertNotIn("normal/gpupt-labels.service", tree(out))
        os.makedirs(os.path.join(r, "etc/kubernetes/node-feature-discovery/features.d"))
        p, out = generate(r, "labels")
        self.assertEqual(p.returncode, 0, p.stderr)
        t = tree(out)
        self.assertEqual(t["normal/multi-user.target.wants/gpupt-labels.service"],
                         "-> ../gpupt-labels.service")
        unit = t["normal/gpupt-labels.service"]
        for line in ("ConditionPathExists=!/etc/initrd-release",
                     "After=systemd-udev-trigger.service gpupt-claim.service",
                     "After=gpupt-sriov@nic0.service",
                     "Before=multi-user.target kubelet.service",
                     "ExecStart=%s/gpupt/gpupt-apply labels" % LIBEXEC):
            self.assertIn(line + "\n", unit)
        self.assertEqual(unit.count("After=gpupt-mdev@0000\\x3a00\\x3a02.0.service\n"), 1, unit)
        self.verify(out)

    def test_config_error(self):
        r = os.path.join(TMP, "roots", "broken")
        shutil.copytree(root("eight-gpus"), r, symlinks=True)
        with open(os.path.join(r, "etc", "gpupt.conf"), "a") as f:
            f.write('device "x" {\n  bdf = "zz"\n}\n')
        p, out = generate(r, "broken")
        self.assertEqual(p.returncode, 0, p.stderr)
        t = tree(out)
        self.assertEqual(sorted(t), ["normal/gpupt-config.service",
                                     "normal/sysinit.target.wants/gpupt-config.service"])
        self.assertIn("gpupt.conf:", p.stderr)
        self.verify(out)
        # the unit's command fails and names file and line
        h = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", r, "check-config"],
                           capture_output=True, text=True)
        self.assertEqual(h.returncode, 1)
        self.assertRegex(h.stderr, r"gpupt\.conf:\d+: ")

    def test_no_injection(self):
        """Names and values cannot carry specifiers or new lines into units."""
        hostile = [
            'device "a%n" {\n  bdf = "0000:c1:00"\n}\n',
            'sriov "x\\nExecStart=/bin/sh" {\n  pf = "0000:c1:00.0"\n  vfs = 1\n}\n',
            'mdev "m" {\n  parent = "p%i"\n  type = "t"\n}\n',
            'mdev "m" {\n  parent = "0000:00:02.0"\n  type = "a\tb"\n}\n',
            'device "d" {\n  bdf = "0000:c1:00"\n  driver = "vfio-pci\\nUser=root"\n}\n',
        ]
        for i, text in enumerate(hostile):
            with self.subTest(config=text):
                r = os.path.join(TMP, "roots", "inject%d" % i)
                shutil.copytree(root("eight-gpus"), r, symlinks=True)
                with open(os.path.join(r, "etc", "gpupt.conf"), "w") as f:
                    f.write(text)
                p, out = generate(r, "inject%d" % i)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(sorted(tree(out)), [
                    "normal/gpupt-config.service",
                    "normal/sysinit.target.wants/gpupt-config.service"])
                body = tree(out)["normal/gpupt-config.service"]
                self.assertNotIn("%n", body)
                self.assertNotIn("/bin/sh", body)

    def test_off_and_nothing(self):
        r = os.path.join(TMP, "roots", "off")
        shutil.copytree(root("eight-gpus"), r, symlinks=True)
        with open(os.path.join(r, "proc", "cmdline"), "a") as f:
            f.write(" gpupt=off\n")
        p, out = generate(r, "off")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(tree(out), {})
        os.unlink(os.path.join(r, "proc", "cmdline"))
        os.unlink(os.path.join(r, "etc", "gpupt.conf"))
        p, out = generate(r, "noconf")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(tree(out), {})

    def test_arguments_and_planted_links(self):
        p = subprocess.run([os.path.join(BUILD, "gpupt-generator"), "a", "b"],
                           capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        p, out = generate(root("eight-gpus"), "one-arg", args=1)
        self.assertEqual(p.returncode, 0, p.stderr)
        # a symlink planted where a unit goes is not followed
        normal = os.path.join(TMP, "planted", "normal")
        os.makedirs(normal)
        victim = os.path.join(TMP, "planted", "victim")
        open(victim, "w").close()
        os.symlink(victim, os.path.join(normal, "gpupt-claim.service"))
        p = subprocess.run([os.path.join(BUILD, "gpupt-generator"), normal],
                           capture_output=True, text=True,
                           env=dict(os.environ, GPUPT_ROOT=root("eight-gpus")))
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(open(victim).read(), "")

    def test_logs_to_kmsg(self):
        """Run the way systemd runs generators (stdio on /dev/null), a config
        error reaches the kernel log, here ROOT/dev/kmsg, as one record with
        its level; run by hand, standard error. The failing unit is there
        either way."""
        r = os.path.join(TMP, "roots", "broken-kmsg")
        shutil.copytree(root("eight-gpus"), r, symlinks=True)
        with open(os.path.join(r, "etc", "gpupt.conf"), "a") as f:
            f.write('device "x" {\n  bdf = "zz"\n}\n')
        kmsg = os.path.join(r, "dev", "kmsg")
        with open(kmsg) as f:
            recorded = f.read()
        env = {k: v for k, v in os.environ.items() if k != "SYSTEMD_SCOPE"}
        env["GPUPT_ROOT"] = r
        record = r'<3>gpupt-generator\[\d+\]: %s/etc/gpupt\.conf:\d+: device "x": bdf "zz" ' % \
            re.escape(r)
        # systemd >= 251 says so in $SYSTEMD_SCOPE; older ones only by stdio
        for name, extra in (("scope", {"SYSTEMD_SCOPE": "system"}), ("stdio", {})):
            with self.subTest(systemd=name):
                with open(kmsg, "w") as f:
                    f.write(recorded)
                out = os.path.join(TMP, "out", "kmsg-" + name)
                dirs = [os.path.join(out, d) for d in ("normal", "early", "late")]
                for d in dirs:
                    os.makedirs(d)
                p = subprocess.run([os.path.join(BUILD, "gpupt-generator")] + dirs,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=dict(env, **extra),
                                   timeout=30)
                self.assertEqual(p.returncode, 0)
                self.assertIn("normal/gpupt-config.service", tree(out))
                with open(kmsg) as f:
                    text = f.read()
                self.assertTrue(text.startswith(recorded))
                self.assertRegex(text[len(recorded):], r"\A%s[^\n]*\n\Z" % record)
        # by hand: standard error, without the level; the kernel log untouched
        with open(kmsg, "w") as f:
            f.write(recorded)
        out = os.path.join(TMP, "out", "kmsg-by-hand")
        os.makedirs(out)
        p = subprocess.run([os.path.join(BUILD, "gpupt-generator"), out], capture_output=True,
                           text=True, env=env, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr, r"\Agpupt-generator: %s/etc/gpupt\.conf:\d+: " % re.escape(r))
        with open(kmsg) as f:
            self.assertEqual(f.read(), recorded)


def udev_rules(text):
    """The rules of a udev rules file: each a list of (key, operator, value),
    as udev(7) spells them (comments and blank lines skipped)."""
    pair = re.compile(r'\s*([A-Z_]+(?:\{[^}]*\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)')
    rules = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keys, pos = [], 0
        while pos < len(line):
            m = pair.match(line, pos)
            if not m:
                raise AssertionError("not udev rule syntax at %r" % line[pos:])
            keys.append(m.group(1, 2, 3))
            pos = m.end()
        rules.append(keys)
    return rules


def udev_runs(rule, event):
    """What the rule runs for an event ({"ACTION": ..., "SUBSYSTEM": ...,
    "ENV{NAME}": ...}), as udev matches: shell globs, '|' between
    alternatives; an absent property matches only an empty pattern."""
    import fnmatch
    run = []
    for key, op, value in rule:
        if key == "TEST":  # a path that exists: the event's "paths"
            hit = value.replace("$kernel", event["KERNEL"]) in event.get("paths", ())
            if hit != (op == "=="):
                return []
        elif op in ("==", "!="):
            got = event.get(key, "")
            hit = any(fnmatch.fnmatchcase(got, alt) for alt in value.split("|"))
            if hit != (op == "=="):
                return []
        elif key == "RUN":
            run.append(value.replace("$kernel", event["KERNEL"]))
    return run


class Helper(unittest.TestCase):
    def test_mdev_rule_and_helper(self):
        path = os.path.join(BUILD, "units", "90-gpupt-mdev.rules")
        rule = open(path).read()
        self.assertIn('ENV{MDEV_STATE}=="registered"', rule)
        self.assertNotIn("@", rule.split("RUN+=")[1].split("$kernel")[0])
        self.assertRegex(rule, r'RUN\+="/\S+/gpupt/gpupt-apply mdev \$kernel"')
        # the events it acts on: mdev_register_parent() links the parent into
        # class/mdev_bus, then sends "change" with MDEV_STATE=registered on
        # it; the parent's SUBSYSTEM is its own bus or class
        rules = udev_rules(rule)
        self.assertEqual(len(rules), 1, rules)
        helper = "%s/gpupt/gpupt-apply mdev " % LIBEXEC
        gvt = {"ACTION": "change", "SUBSYSTEM": "pci", "KERNEL": "0000:00:02.0",
               "ENV{MDEV_STATE}": "registered",
               "paths": ("/sys/class/mdev_bus/0000:00:02.0",)}
        mtty = {"ACTION": "change", "SUBSYSTEM": "mtty", "KERNEL": "mtty",
                "ENV{MDEV_STATE}": "registered", "paths": ("/sys/class/mdev_bus/mtty",)}
        self.assertEqual(udev_runs(rules[0], gvt), [helper + "0000:00:02.0"])
        self.assertEqual(udev_runs(rules[0], mtty), [helper + "mtty"])
        for other in (dict(gvt, SUBSYSTEM="net", KERNEL="eth0"),  # no parent of mdevs
                      dict(mtty, paths=()),
                      dict(gvt, ACTION="add"),
                      dict(gvt, **{"ENV{MDEV_STATE}": "unregistered"}),
                      {k: v for k, v in gvt.items() if k != "ENV{MDEV_STATE}"}):
            self.assertEqual(udev_runs(rules[0], other), [], other)
        # udevadm verify (systemd 253+) where there is one
        udevadm = shutil.which("udevadm")
        if udevadm and subprocess.run([udevadm, "verify", "--help"], capture_output=True,
                                      timeout=30).returncode == 0:
            p = subprocess.run([udevadm, "verify", path], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # what the rule runs: the two mdevs are created, each once
        r = os.path.join(TMP, "roots", "mdev")
        shutil.copytree(root("sriov-gvt"), r, symlinks=True)
        cmd = [os.path.join(BUILD, "gpupt-apply"), "--root", r, "mdev", "0000:00:02.0"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        create = os.path.join(r, "sys/class/mdev_bus/0000:00:02.0/mdev_supported_types",
                              "i915-GVTg_V5_4/create")
        # a regular file stands in for the kernel's: the last UUID written is there
        self.assertRegex(open(create).read(),
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        p = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", r, "bogus"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)

    def test_mdev_helper_unconfigured_parent(self):
        """The rule's helper for a parent no mdev entry names (a NIC, say, or a
        parent of another driver): nothing done, nothing said, nothing
        recorded; for a configured one the record follows its run."""
        r = os.path.join(TMP, "roots", "mdev-other")
        shutil.copytree(root("sriov-gvt"), r, symlinks=True)
        record = os.path.join(r, "run", "gpupt", "applied-config.sha256")
        create = os.path.join(r, "sys/class/mdev_bus/0000:00:02.0/mdev_supported_types",
                              "i915-GVTg_V5_4/create")
        for parent in ("0000:01:00.0", "0000:00:02.1", "mtty", "eth0"):
            p = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", r, "mdev", parent],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""), parent)
            self.assertFalse(os.path.exists(record), parent)
            self.assertEqual(open(create).read(), "")
        p = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", r, "mdev",
                            "0000:00:02.0"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.exists(record))

    def test_many_groups_one_template(self):
        """A host of many claimed groups: whole groups get no unit; impure ones
        an instance link each to one template the generator writes once."""
        big = os.path.join(TMP, "roots", "big-64")
        if not os.path.exists(big):
            subprocess.run([sys.executable, os.path.join(HERE, "..", "bench", "mkbig.py"), "64",
                            big], check=True, stdout=subprocess.DEVNULL)
        conf = os.path.join(big, "etc/gpupt.conf")
        shutil.copy(os.path.join(big, "etc/gpupt-variants/fleet.conf"), conf)
        p, out = generate(big, "big-whole")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(tree(out)), ["normal/gpupt-claim.service",
                                             "normal/sysinit.target.wants/gpupt-claim.service"])
        # only the VGA function of each GPU: 56 impure groups (and a warning
        # is still said at boot: the units are there with on_impure_group = warn)
        for policy in ("fail", "warn"):
            with open(conf, "w") as f:
                f.write('on_impure_group = %s\ndevice "vga" {\n  ids = {"10de:1e04", "10de:2204"}\n'
                        '  functions = single\n}\n' % policy)
            p, out = generate(big, "big-impure-" + policy)
            self.assertEqual(p.returncode, 0, p.stderr)
            t = tree(out)
            links = [k for k in t if k.startswith("normal/sysinit.target.wants/gpupt-group@")]
            self.assertEqual(len(links), 56)
            self.assertEqual({t[k] for k in links}, {"-> %s/gpupt-group@.service" % UNITDIR})
            # the claim unit and one drop-in for all 56 instances
            self.assertEqual(sorted(k for k in t if not os.path.islink(os.path.join(out, k))),
                             ["normal/gpupt-claim.service",
                              "normal/gpupt-group@.service.d/50-source-path.conf"])
            self.assertIn("\nSourcePath=/etc/gpupt.conf\n",
                          t["normal/gpupt-group@.service.d/50-source-path.conf"])
        self.assertIn("ExecStart=%s/gpupt/gpupt-apply group %%i" % LIBEXEC,
                      installed("gpupt-group@.service"))
        Generator.verify(self, out)
        # the instance's helper fails for an impure group, passes for another
        g = links[0].rsplit("@", 1)[1].split(".")[0]
        env = dict(os.environ, GPUPT_ROOT=big)
        with open(conf, "w") as f:
            f.write('device "vga" {\n  ids = {"10de:1e04", "10de:2204"}\n  functions = single\n}\n')
        a = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "group", g], env=env,
                           capture_output=True, text=True)
        self.assertEqual(a.returncode, 1, a.stderr)
        self.assertIn("IOMMU group %s" % g, a.stderr)


class Vgpu(unittest.TestCase):
    verify = Generator.verify

    def test_vgpu_units(self):
        """One unit per vgpu entry, after the SR-IOV unit of its PF and after
        the entries of the same PF before it; systemd-analyze verify passes."""
        r = os.path.join(TMP, "roots", "vgpu-units")
        shutil.copytree(root("vgpu-l40s"), r, symlinks=True)
        with open(os.path.join(r, "etc/gpupt.conf"), "a") as f:
            f.write('sriov "l40s" {\n  pf = "0000:41:00.0"\n  vfs = 4\n}\n'
                    'vgpu "other-pf" {\n  pf = "0000:42:00.0"\n  type = "NVIDIA L40S-8Q"\n}\n')
        p, out = generate(r, "vgpu")
        self.assertEqual(p.returncode, 0, p.stderr)
        t = tree(out)
        entry = "normal/gpupt-vgpu@%s.service.d/50-entry.conf"
        a, b = t[entry % "vm\\x2da"], t[entry % "vm\\x2db"]
        self.assertEqual(t["normal/multi-user.target.wants/gpupt-vgpu@vm\\x2da.service"],
                         "-> %s/gpupt-vgpu@.service" % UNITDIR)
        self.assertIn("ExecStart=%s/gpupt/gpupt-apply vgpu %%I" % LIBEXEC,
                      installed("gpupt-vgpu@.service"))
        self.assertEqual(a, "# Automatically generated by gpupt-generator\n\n[Unit]\n"
                         "Description=Give 2 VFs of 0000:41:00.0 the vGPU type NVIDIA L40S-8Q\n"
                         "After=gpupt-sriov@l40s.service\n")
        self.assertNotIn("After=gpupt-vgpu@", a)
        self.assertIn("After=gpupt-sriov@l40s.service\nAfter=gpupt-vgpu@vm\\x2da.service\n", b)
        other = t[entry % "other\\x2dpf"]
        self.assertNotIn("After=gpupt-sriov@", other)
        self.assertNotIn("After=gpupt-vgpu@", other)
        self.verify(out)


# What the generator writes, and nothing else: a unit holding another
# section or key took it from a string.
UNIT_KEYS = {
    "Unit": {"Description", "Documentation", "SourcePath", "DefaultDependencies", "Conflicts",
             "After", "Before"},
    "Service": {"Type", "RemainAfterExit", "ExecStart", "StandardOutput", "StandardError"},
}
# The specifiers the generator means, and where
SPECIFIERS = {("Service", "ExecStart"): {"%i", "%I"}, ("Unit", "Description"): {"%i", "%I"}}
DROPIN_CHARS = re.compile(rb"[A-Za-z0-9_.@:+-]+\.conf")
NAME = re.compile(rb"[A-Za-z0-9_.-]{1,64}")
PF = "0000:41:00.0"


def confstr(b):
    """A libconfuse string holding exactly the bytes b: every byte that is not
    printable ASCII as \\xNN, and the three it treats specially escaped."""
    return '"' + "".join("\\" + chr(c) if chr(c) in '\\"$' else
                         chr(c) if 0x20 <= c < 0x7f else "\\x%02x" % c for c in b) + '"'


def cescape(b):
    """What gpupt shows of bytes: '\\' doubled, a newline, tab and carriage
    return as \\n, \\t and \\r, every other control character (C0, DEL, C1)
    and every byte that is not UTF-8 as \\xNN."""
    out, i = [], 0
    while i < len(b):
        c = b[i]
        n = 4 if c >= 0xf0 else 3 if c >= 0xe0 else 2 if c >= 0xc0 else 1
        try:
            ch = b[i:i + n].decode("utf-8")
        except UnicodeDecodeError:
            ch = None
        if c == 0x5c:
            out.append("\\\\")
        elif c in (0x0a, 0x09, 0x0d):
            out.append({0x0a: "\\n", 0x09: "\\t", 0x0d: "\\r"}[c])
        elif ch is None or ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0:
            out.append("\\x%02x" % c)
            n = 1
        else:
            out.append(ch)
        i += n if ch is not None else 1
    return "".join(out)


def unit_text(b):
    """A string as a unit's value holds it: cescape'd, '%' doubled."""
    return cescape(b).replace("%", "%%")


def unit_escape(b):
    """systemd-escape of an instance, ':' included (units.c)."""
    return "".join("-" if c == 0x2f else chr(c) if chr(c).isascii() and
                   (chr(c).isalnum() or c == 0x5f or (c == 0x2e and i > 0)) else "\\x%02x" % c
                   for i, c in enumerate(b))


def unit_unescape(s):
    """What systemd's %I makes of an instance: \\xNN a byte, '-' a '/'."""
    return re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)),
                  s.replace("-", "/"))


def printable(b):
    """What the config keeps of a string: UTF-8 without a control character."""
    try:
        t = b.decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8"
    if any(ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0 for ch in t):
        return "contains a control character"
    return None


def parse_unit(test, name, data):
    """Every setting of a generated unit as systemd's parser reads it: fails
    on a section, a key or a specifier the generator does not write, on a
    line that would continue into the next, and on anything not UTF-8."""
    text = data.decode("utf-8")  # raises on bytes that are not
    section, settings = None, []
    for line in text.split("\n"):
        test.assertNotRegex(line, r"[\x00-\x1f\x7f-\x9f]", name)
        # systemd joins a line ending in an odd run of backslashes to the next
        test.assertEqual((len(line) - len(line.rstrip("\\"))) % 2, 0, (name, line))
        if not line.strip() or line.lstrip()[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            test.assertIn(section, UNIT_KEYS, (name, line))
            continue
        key, sep, value = line.partition("=")
        test.assertEqual(sep, "=", (name, line))
        test.assertIn(key, UNIT_KEYS.get(section, ()), (name, line))
        # after %%, only the specifiers meant, where they are meant
        test.assertLessEqual(set(re.findall(r"%.?", value.replace("%%", ""))),
                             SPECIFIERS.get((section, key), set()), (name, line))
        settings.append((section, key, value))
    return settings


class Hostile(unittest.TestCase):
    """tests/hostile.py through every string of the config that reaches the
    units: each is refused with its exact error, or the units hold it
    escaped, and systemd-analyze verify and a parse of every unit find
    nothing the generator did not write."""
    verify = Generator.verify

    @classmethod
    def setUpClass(cls):
        cls.root = os.path.join(TMP, "roots", "hostile")
        shutil.copytree(root("vgpu-l40s"), cls.root, symlinks=True)
        cls.conf = os.path.join(cls.root, "etc", "gpupt.conf")
        cls.confd = os.path.join(cls.root, "etc", "gpupt.conf.d")

    def setUp(self):
        shutil.rmtree(self.confd, ignore_errors=True)

    def run_config(self, text, label):
        with open(self.conf, "w") as f:
            f.write(text)
        return generate(self.root, "hostile-" + label)

    def assertConfigError(self, p, out, where, message):
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(tree(out)), ["normal/gpupt-config.service",
                                             "normal/sysinit.target.wants/gpupt-config.service"])
        self.assertEqual(p.stderr, "gpupt-generator: %s: %s\n" % (where, message))

    def units(self, out):
        """Every unit written or enabled, as systemd reads it: its file (the
        installed template's for an instance), then every drop-in of the
        template and of the instance in the order of their names, each
        parsed: name -> [(section, key, value)]."""
        normal = os.path.join(out, "normal")
        names = set()
        for n in os.listdir(normal):
            path = os.path.join(normal, n)
            if n.endswith(".wants"):
                names.update(os.listdir(path))
            elif n.endswith(".service") and os.path.isfile(path) and not os.path.islink(path):
                names.add(n)
        units = {}
        for n in names:
            template = template_of(n)
            path = os.path.join(BUILD, "units", template) if template else \
                os.path.join(normal, n)
            with open(path, "rb") as f:
                units[n] = parse_unit(self, n, f.read())
            dropins = []
            for d in ([template] if template else []) + [n]:
                d = os.path.join(normal, d + ".d")
                if os.path.isdir(d):
                    dropins += [(f, os.path.join(d, f)) for f in os.listdir(d)]
            for f, path in sorted(dropins):
                with open(path, "rb") as f:
                    units[n] += parse_unit(self, path, f.read())
        return units

    # Where each string enters: (label, config with {} for the string, the
    # line it is on, the error for a string the config refuses, None to keep)
    @staticmethod
    def name_error(kind, b):
        if NAME.fullmatch(b):
            return None
        if len(b) > 64:
            return "%s name is %d characters long; at most 64" % (kind, len(b))
        return "%s name \"%s\" may only hold letters, digits, '_', '.' and '-'" % (kind,
                                                                                   cescape(b))

    @staticmethod
    def text_error(kind, title, key, b):
        bad = printable(b)
        return '%s "%s": %s %s' % (kind, title, key, bad) if bad else None

    def places(self):
        def vgpu_type(b):
            return self.text_error("vgpu", "v", "type", b) or \
                ('vgpu "v": type "%s" is not a vGPU type name' % b.decode()
                 if b":" in b else None)

        def mdev_type(b):
            return self.text_error("mdev", "m", "type", b) or \
                ('mdev "m": type "%s" is not a type name' % b.decode()
                 if b"/" in b or b in (b".", b"..") else None)

        def parent(b):
            return self.text_error("mdev", "m", "parent", b) or \
                ('mdev "m": parent "%s" is neither a PCI address nor a device name under '
                 '/sys/class/mdev_bus' % b.decode() if not NAME.fullmatch(b) else None)

        def uuid(b):
            return self.text_error("mdev", "m", "uuid", b) or \
                'mdev "m": uuid "%s" is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)' % \
                b.decode()

        return [
            ("sriov-name", 'sriov {} {{\n  pf = "%s"\n  vfs = 1\n}}\n' % PF, 1,
             lambda b: self.name_error("sriov", b)),
            ("vgpu-name", 'vgpu {} {{\n  pf = "%s"\n  type = "NVIDIA L40S-8Q"\n}}\n' % PF, 1,
             lambda b: self.name_error("vgpu", b)),
            ("mdev-name", 'mdev {} {{\n  parent = "mtty"\n  type = "t"\n}}\n', 1,
             lambda b: self.name_error("mdev", b)),
            ("device-name", 'device {} {{\n  bdf = "%s"\n}}\n' % PF, 1,
             lambda b: self.name_error("device", b)),
            ("vgpu-type", 'vgpu "v" {{\n  pf = "%s"\n  type = {}\n}}\n' % PF, 3, vgpu_type),
            ("mdev-type", 'mdev "m" {{\n  parent = "mtty"\n  type = {}\n}}\n', 3, mdev_type),
            ("mdev-parent", 'mdev "m" {{\n  parent = {}\n  type = "t"\n}}\n', 2, parent),
            ("mdev-uuid", 'mdev "m" {{\n  parent = "mtty"\n  type = "t"\n  uuid = {}\n}}\n', 4,
             uuid),
        ]

    def test_corpus_in_the_config(self):
        kept = []
        for place, template, line, error in self.places():
            for label, b in CORPUS:
                want = error(b)
                if want is None:
                    kept.append((place, label, b))
                    continue
                with self.subTest(place=place, string=label):
                    p, out = self.run_config(template.format(confstr(b)), place + "-" + label)
                    self.assertConfigError(p, out, "%s:%d" % (self.conf, line), want)
        # what the config keeps (each place keeps some): all of it in one
        # config, each string in an entry of its own
        self.assertEqual(sorted({k[0] for k in kept}), ["device-name", "mdev-name", "mdev-parent",
                                                        "mdev-type", "sriov-name", "vgpu-name",
                                                        "vgpu-type"])
        text = ""
        for i, (place, label, b) in enumerate(kept):
            v = confstr(b)
            text += {
                "sriov-name": 'sriov %s {\n  pf = "%s"\n  vfs = 1\n}\n' % (v, PF),
                "vgpu-name": 'vgpu %s {\n  pf = "%s"\n  type = "NVIDIA L40S-8Q"\n}\n' % (v, PF),
                "mdev-name": 'mdev %s {\n  parent = "mtty"\n  type = "t"\n}\n' % v,
                "device-name": 'device %s {\n  bdf = "%s"\n}\n' % (v, PF),
                "vgpu-type": 'vgpu "t%d" {\n  pf = "%s"\n  type = %s\n}\n' % (i, PF, v),
                "mdev-type": 'mdev "t%d" {\n  parent = "mtty"\n  type = %s\n}\n' % (i, v),
                "mdev-parent": 'mdev "p%d" {\n  parent = %s\n  type = "t"\n}\n' % (i, v),
            }[place]
        p, out = self.run_config(text, "kept")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.verify(out)
        units = self.units(out)
        for i, (place, label, b) in enumerate(kept):
            with self.subTest(place=place, string=label):
                if place in ("sriov-name", "vgpu-name"):
                    unit = "gpupt-%s@%s.service" % (place[:-5], unit_escape(b))
                    self.assertIn(unit, units)
                    self.assertTrue(os.path.islink(os.path.join(
                        out, "normal", "multi-user.target.wants", unit)))
                elif place == "vgpu-type":
                    self.assertIn(("Unit", "Description", "Give 1 VFs of %s the vGPU type %s" %
                                   (PF, unit_text(b))),
                                  units["gpupt-vgpu@t%d.service" % i])
                elif place == "mdev-parent":
                    # %I: the instance as it was before unit_escape(), which
                    # is the parent as the unit text would hold it
                    unit = "gpupt-mdev@%s.service" % unit_escape(b)
                    self.assertIn(("Unit", "Description", "Create the mediated devices of %I"),
                                  units[unit])
                    self.assertEqual(unit_unescape(unit.split("@", 1)[1][:-len(".service")]),
                                     unit_text(b))
        # the escaped text, spelled out for the strings that need it
        desc = {v for settings in units.values() for _, k, v in settings if k == "Description"}
        for typ in ("%%n%%H%%Z", "100%%", "abc\\\\", "a\\\\nb", "$HOME${PATH}", "`id`"):
            self.assertIn("Give 1 VFs of %s the vGPU type %s" % (PF, typ), desc)
        self.assertIn("gpupt-sriov@\\x2d\\x2dhelp.service", units)

    def test_dropin_names(self):
        """A drop-in's name is SourcePath= of every unit when there is no
        /etc/gpupt.conf: one of other characters than systemd's own is an
        error that names it escaped, and nothing is generated from it."""
        entry = 'vgpu "v" {\n  pf = "%s"\n  type = "NVIDIA L40S-8Q"\n}\n' % PF
        os.unlink(self.conf)
        names = [b"x\n[Service]\nExecStartPre=sh -c \"id >%t.pwned\"\n[Unit]\nX-a="]
        # a name with "/" cannot be a file's; one of more than 255 bytes neither
        names += [b for _, b in CORPUS if b"/" not in b and len(b) + 5 <= 255]
        names.append(b"10-Az_09.@:+-")
        gcheck = os.path.join(BUILD, "gpupt-check")
        for b in names:
            name = b + b".conf"
            with self.subTest(name=name):
                shutil.rmtree(self.confd, ignore_errors=True)
                os.makedirs(self.confd)
                with open(os.path.join(os.fsencode(self.confd), name), "w") as f:
                    f.write(entry)
                p, out = generate(self.root, "dropin")
                c = subprocess.run([gcheck, "--root", self.root], capture_output=True)
                if DROPIN_CHARS.fullmatch(name):
                    self.assertEqual(p.returncode, 0, p.stderr)
                    units = self.units(out)
                    self.assertEqual(sorted(units), ["gpupt-vgpu@v.service"])
                    self.assertIn(("Unit", "SourcePath", "/etc/gpupt.conf.d/" + name.decode()),
                                  units["gpupt-vgpu@v.service"])
                    self.verify(out)
                    self.assertNotEqual(c.returncode, 2, c.stderr)
                    continue
                message = ("drop-in \"%s\": a drop-in's file name may only hold letters, "
                           "digits, '_', '.', '@', ':', '+' and '-' before its \".conf\" (the "
                           "units name the file); rename it" % cescape(name))
                self.assertConfigError(p, out, self.confd, message)
                body = tree(out)["normal/gpupt-config.service"]
                self.assertIn("\nSourcePath=/etc/gpupt.conf\n", body)
                self.assertEqual(c.returncode, 2)
                self.assertEqual(c.stderr.decode(), "%s: %s\n" % (self.confd, message))
        self.verify(out)
        # the issue's own: the command never reaches a unit
        self.assertNotIn("pwned", body)
        self.assertNotIn("ExecStartPre", body)

    def test_unit_name_bound(self):
        """The longest names whose units systemd loads, and whose drop-in
        directories fit a file name where an instance has one (sriov, vgpu),
        are generated and verify; one character more is a config error with
        file:line."""
        d = "-" * 64
        p, out = self.run_config(
            'sriov "%sa" {\n  pf = "%s"\n  vfs = 1\n}\n'
            'vgpu "%sab" {\n  pf = "%s"\n  type = "NVIDIA L40S-8Q"\n}\n'
            'mdev "%s" {\n  parent = "%sabcd"\n  type = "t"\n}\n' %
            (d[:58], PF, d[:58], PF, d, d[:58]),
            "longest")
        self.assertEqual(p.returncode, 0, p.stderr)
        units = self.units(out)
        sriov = "gpupt-sriov@%s.service" % unit_escape(d[:58].encode() + b"a")
        vgpu = "gpupt-vgpu@%s.service" % unit_escape(d[:58].encode() + b"ab")
        mdev = "gpupt-mdev@%s.service" % unit_escape(d[:58].encode() + b"abcd")
        self.assertEqual({n: len(n) for n in units if len(n) > 250},
                         {sriov: 253, vgpu: 253, mdev: 255})
        for n in (sriov, vgpu):
            self.assertTrue(os.path.isfile(os.path.join(out, "normal", n + ".d",
                                                        "50-entry.conf")), n)
        self.verify(out)
        tail = ("characters long once escaped (every character other than a letter, a digit, "
                "'_' or '.' takes four); systemd allows at most 255")
        dropin = ("characters long once escaped (every character other than a letter, a digit, "
                  "'_' or '.' takes four), and the name of its drop-in directory %d; a file name "
                  "takes at most 255")
        for text, line, message in (
                ('sriov "%s" {\n  pf = "%s"\n  vfs = 1\n}\n' % (d[:59], PF), 1,
                 'sriov "%s": the name makes the unit name gpupt-sriov@….service 256 %s' %
                 (d[:59], tail)),
                ('sriov "%sab" {\n  pf = "%s"\n  vfs = 1\n}\n' % (d[:58], PF), 1,
                 'sriov "%sab": the name makes the unit name gpupt-sriov@….service 254 %s' %
                 (d[:58], dropin % 256)),
                ('\nvgpu "%s" {\n  pf = "%s"\n  type = "t"\n}\n' % (d, PF), 2,
                 'vgpu "%s": the name makes the unit name gpupt-vgpu@….service 275 %s' %
                 (d, tail)),
                ('\nvgpu "%sabc" {\n  pf = "%s"\n  type = "t"\n}\n' % (d[:58], PF), 2,
                 'vgpu "%sabc": the name makes the unit name gpupt-vgpu@….service 254 %s' %
                 (d[:58], dropin % 256)),
                ('mdev "m" {\n  type = "t"\n  parent = "%s"\n}\n' % d, 3,
                 'mdev "m": parent "%s" makes the unit name gpupt-mdev@….service 275 %s' %
                 (d, tail))):
            with self.subTest(line=line, text=text):
                p, out = self.run_config(text, "too-long")
                self.assertConfigError(p, out, "%s:%d" % (self.conf, line), message)
                c = subprocess.run([os.path.join(BUILD, "gpupt-check"), "--root", self.root],
                                   capture_output=True, text=True)
                self.assertEqual(c.returncode, 2)
                self.assertEqual(c.stderr, "%s:%d: %s\n" % (self.conf, line, message))


def main():
    global TMP, BUILD, LIBEXEC, UNITDIR
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=BUILD)
    args, rest = ap.parse_known_args()
    BUILD = os.path.abspath(args.build)
    LIBEXEC = build_path("LIBEXECDIR")
    UNITDIR = build_path("SYSTEMDUNITDIR")
    TMP = tempfile.mkdtemp(prefix="gpupt-generator.")
    try:
        loader = unittest.defaultTestLoader
        suite = loader.loadTestsFromNames(rest, sys.modules[__name__]) if rest else \
            loader.loadTestsFromModule(sys.modules[__name__])
        res = unittest.TextTestRunner(verbosity=1).run(suite)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    failed = len(res.failures) + len(res.errors)
    print(f"generator: {res.testsRun - failed} passed, {failed} failed")
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

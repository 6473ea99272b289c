#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Program tests: the real gpupt-check binary on fixture roots.

Each scenario is built once with tests/mkfixture.py; a test then runs
gpupt-check with the scenario's own config or one of its variants
(etc/gpupt-variants/NAME.conf) and asserts the exit status, the claims and
the problem codes. Every problem code is shown raised by one config and
absent once the fault is fixed.
"""
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
BUILD = os.path.join(os.path.dirname(HERE), "build")
ROOTS = {}
TMP = None


def root(scenario):
    """The scenario's root, built on first use."""
    if scenario not in ROOTS:
        path = os.path.join(TMP, scenario)
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, path],
                       check=True, stdout=subprocess.DEVNULL)
        ROOTS[scenario] = path
    return ROOTS[scenario]


def copy_root(scenario, name):
    """A private copy of a scenario that a test may change."""
    return copy_root_of(root(scenario), name)


def copy_root_of(src, name):
    """A private copy of the root src."""
    dst = os.path.join(TMP, name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, symlinks=True)
    return dst


def check(rootdir, *args, config=None, variant=None, env=None):
    cmd = [os.path.join(BUILD, "gpupt-check"), "--root", rootdir]
    if variant:
        config = os.path.join(rootdir, "etc", "gpupt-variants", variant + ".conf")
    if config:
        cmd += ["--config", config]
    cmd += list(args)
    full_env = dict(os.environ)
    full_env.pop("GPUPT_ROOT", None)
    full_env.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=60)
    return p


def report(rootdir, **kw):
    p = check(rootdir, "--json", **kw)
    try:
        data = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise AssertionError(f"not JSON ({e}): {p.stdout!r} {p.stderr!r}") from e
    return p.returncode, data


def codes(data, severity=None):
    return sorted({pr["code"] for pr in data["problems"]
                   if severity is None or pr["severity"] == severity})


class Base(unittest.TestCase):
    def assertSchema(self, data):
        self.assertEqual(set(data), {"schema", "ready", "iommu", "config_files", "claims",
                                     "sriov", "mdevs", "vgpus", "problems"})
        self.assertEqual(data["schema"], 1)
        self.assertIMMU(data["iommu"])
        for c in data["claims"]:
            self.assertEqual(set(c), {"bdf", "id", "entry", "name", "driver_now",
                                      "driver_at_boot", "iommu_group", "numa_node",
                                      "vfio_group", "vfio_cdev", "bars"})
            self.assertRegex(c["bdf"], r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")
            self.assertRegex(c["id"], r"^[0-9a-f]{4}:[0-9a-f]{4}$")
            for b in c["bars"]:
                self.assertEqual(set(b), {"index", "now_mib", "at_boot_mib"})
        for s in data["sriov"]:
            self.assertEqual(set(s), {"pf", "entry", "vfs", "vfs_now", "total_vfs",
                                      "vf_driver"})
        for m in data["mdevs"]:
            self.assertEqual(set(m), {"parent", "entry", "type", "uuid"})
        for g in data["vgpus"]:
            self.assertEqual(set(g), {"pf", "entry", "type", "type_id", "vfs"})
        for pr in data["problems"]:
            self.assertEqual(set(pr), {"severity", "code", "bdf", "entry", "message"})
            self.assertIn(pr["severity"], ("error", "warning"))
            self.assertTrue(pr["message"])
            self.assertNotIn("\n", pr["message"])
        self.assertEqual(data["ready"], not any(p["severity"] == "error"
                                                for p in data["problems"]))

    def assertIMMU(self, iommu):
        self.assertEqual(set(iommu), {"enabled", "interrupt_remapping", "iommufd", "vendor",
                                      "default_domain", "units", "groups"})
        self.assertIn(iommu["vendor"], ("intel", "amd", None))
        self.assertIn(iommu["default_domain"], ("Translated", "Passthrough", None))

    def run_json(self, rootdir, expect_rc, **kw):
        rc, data = report(rootdir, **kw)
        self.assertSchema(data)
        self.assertEqual(rc, expect_rc, json.dumps(data["problems"], indent=1))
        return data

    def assertRaisesCode(self, data, code, severity="error"):
        self.assertIn(code, codes(data, severity), json.dumps(data["problems"], indent=1))

    def assertNoCode(self, data, code):
        self.assertNotIn(code, codes(data), json.dumps(data["problems"], indent=1))


class EightGpus(Base):
    def test_plan(self):
        data = self.run_json(root("eight-gpus"), 0)
        self.assertTrue(data["ready"])
        self.assertTrue(data["iommu"]["enabled"])
        self.assertIs(data["iommu"]["interrupt_remapping"], True)
        claims = data["claims"]
        self.assertEqual(len(claims), 16)
        self.assertEqual({c["driver_at_boot"] for c in claims}, {"vfio-pci"})
        self.assertEqual({c["numa_node"] for c in claims}, {1})
        # four whole slots of four functions each
        slots = {c["bdf"][:-2] for c in claims}
        self.assertEqual(len(slots), 4)
        self.assertEqual(sorted({c["id"] for c in claims}),
                         ["10de:10f7", "10de:1ad6", "10de:1ad7", "10de:1e04"])
        self.assertEqual(codes(data, "error"), [])
        self.assertEqual(claims, sorted(claims, key=lambda c: c["bdf"]))

    def test_human_output(self):
        p = check(root("eight-gpus"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("IOMMU: on", p.stdout)
        self.assertIn("ADDRESS", p.stdout)
        self.assertIn("vfio-pci", p.stdout)
        self.assertIn("Ready: 16 functions claimed", p.stdout)

    def test_env_root(self):
        p = subprocess.run([os.path.join(BUILD, "gpupt-check"), "--json"], capture_output=True,
                           text=True, env=dict(os.environ, GPUPT_ROOT=root("eight-gpus")))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(json.loads(p.stdout)["claims"]), 16)

    def test_quiet(self):
        p = check(root("eight-gpus"), "--quiet")
        self.assertEqual(p.returncode, 0)
        self.assertNotIn("ADDRESS", p.stdout)
        for line in p.stdout.splitlines():
            self.assertRegex(line, r"^warning [a-z-]+ ")

    def test_no_config(self):
        r = copy_root("eight-gpus", "eight-gpus-noconf")
        os.unlink(os.path.join(r, "etc", "gpupt.conf"))
        data = self.run_json(r, 0)
        self.assertEqual(data["claims"], [])
        self.assertEqual(data["problems"], [])
        p = check(r)
        self.assertIn("No device will be claimed", p.stdout)

    def test_interrupt_remapping(self):
        r = copy_root("eight-gpus", "eight-gpus-noir")
        kmsg = os.path.join(r, "dev", "kmsg")
        with open(kmsg) as f:
            lines = f.readlines()
        with open(kmsg, "w") as f:
            f.writelines(l for l in lines if "remapping" not in l)
        if os.path.exists(os.path.join(r, "proc", "interrupts")):
            os.unlink(os.path.join(r, "proc", "interrupts"))
        data = self.run_json(r, 0)
        self.assertIs(data["iommu"]["interrupt_remapping"], False)
        self.assertRaisesCode(data, "no-interrupt-remapping", "warning")
        # accepted by the admin: gone
        conf = os.path.join(r, "etc", "gpupt.conf")
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write("allow_unsafe_interrupts = true\n" + text)
        self.assertNoCode(self.run_json(r, 0), "no-interrupt-remapping")
        # an unreadable log is unknown, not "no"
        os.unlink(kmsg)
        data = self.run_json(r, 0)
        self.assertIsNone(data["iommu"]["interrupt_remapping"])

    def test_config_errors(self):
        r = root("eight-gpus")
        bad = os.path.join(TMP, "bad.conf")
        with open(bad, "w") as f:
            f.write('device "a" {\n  bdf = "0000:c1:00.0"\n  colour = "red"\n}\n')
        p = check(r, config=bad)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"{bad}:3:", p.stderr)
        rc, data = report(r, config=bad)
        self.assertEqual(rc, 2)
        self.assertSchema(data)
        self.assertFalse(data["ready"])
        self.assertEqual(codes(data), ["config-error"])
        self.assertIn(f"{bad}:3:", data["problems"][0]["message"])
        with open(bad, "wb") as f:
            f.write(b'device "a\xff" {\n  bdf = "0000:c1:00.0"\n}\n')
        p = check(r, config=bad)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"{bad}:1:", p.stderr)
        p = check(r, config=os.path.join(TMP, "missing.conf"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("missing.conf", p.stderr)

    def test_unit_name_too_long(self):
        """A name of 64 dashes is a valid name, but its unit's name, escaped,
        is 276 bytes: a config error with file:line, not Ready and a boot
        without its unit. The same for a drop-in of a name the units cannot
        hold: exit 2, the file named escaped."""
        r = copy_root("eight-gpus", "long-unit-name")
        conf = os.path.join(r, "etc", "gpupt.conf")
        with open(conf) as f:
            line = f.read().count("\n") + 1
        with open(conf, "a") as f:
            f.write('sriov "%s" {\n  pf = "0000:c1:00.0"\n  vfs = 1\n}\n' % ("-" * 64))
        message = ('%s:%d: sriov "%s": the name makes the unit name gpupt-sriov@….service 276 '
                   "characters long once escaped (every character other than a letter, a "
                   "digit, '_' or '.' takes four); systemd allows at most 255"
                   % (conf, line, "-" * 64))
        p = check(r)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, message + "\n")
        rc, data = report(r)
        self.assertEqual(rc, 2)
        self.assertEqual([(pr["code"], pr["message"]) for pr in data["problems"]],
                         [("config-error", message)])
        os.unlink(conf)
        confd = os.path.join(r, "etc", "gpupt.conf.d")
        os.makedirs(confd)
        with open(os.path.join(confd, "a\x1b]0;t\x07.conf"), "w") as f:
            f.write("")
        p = check(r)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, "%s: drop-in \"a\\x1b]0;t\\x07.conf\": a drop-in's file "
                         "name may only hold letters, digits, '_', '.', '@', ':', '+' and '-' "
                         "before its \".conf\" (the units name the file); rename it\n" % confd)

    def test_shipped_example(self):
        """conf/gpupt.conf parses and, as shipped, claims nothing."""
        example = os.path.join(os.path.dirname(HERE), "conf", "gpupt.conf")
        data = self.run_json(root("eight-gpus"), 0, config=example)
        self.assertEqual(data["claims"], [])
        self.assertEqual(data["problems"], [])
        # and every commented entry parses once uncommented
        with open(example) as f:
            # entries are commented as "#device …", "#  key = …", "#}"; prose as "# …"
            text = "".join(l[1:] if l.startswith(("#  ", "#}")) or
                           (l.startswith("#") and l[1:2].isalpha()) else l for l in f)
        text = text.replace('"…"', '"6a9b3c0e-1111-4222-8333-444455556666"')
        full = os.path.join(TMP, "example-all.conf")
        with open(full, "w") as f:
            f.write(text)
        p = check(root("eight-gpus"), "--json", config=full)
        self.assertNotEqual(p.returncode, 2, p.stdout + p.stderr)

    def test_usage(self):
        p = subprocess.run([os.path.join(BUILD, "gpupt-check"), "--bogus"], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 2)
        p = subprocess.run([os.path.join(BUILD, "gpupt-check"), "--help"], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0)
        for opt in ("--root", "--config", "--json", "--quiet"):
            self.assertIn(opt, p.stdout)
        p = check(os.path.join(TMP, "does-not-exist"))
        self.assertEqual(p.returncode, 2)

    def test_apply_usage(self):
        """gpupt-apply --help: usage on stdout, 0; a wrong call: usage on stderr, 2."""
        apply = os.path.join(BUILD, "gpupt-apply")
        for opt in ("--help", "-h"):
            p = subprocess.run([apply, opt], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("Usage: gpupt-apply", p.stdout)
            self.assertEqual(p.stderr, "")
        for args in ([], ["root-disk", "extra"]):
            p = subprocess.run([apply] + args, capture_output=True, text=True)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(p.stdout, "")
            self.assertIn("Usage: gpupt-apply", p.stderr)

    def test_initramfs_stale(self):
        r = copy_root("eight-gpus", "stale")
        rel = os.path.join(r, "proc", "sys", "kernel", "osrelease")
        release = open(rel).read().strip()
        h = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", r, "config-hash"],
                           capture_output=True, text=True, check=True).stdout.strip()
        self.assertRegex(h, r"^[0-9a-f]{64}$")
        os.makedirs(os.path.join(r, "var", "lib", "gpupt"))
        record = os.path.join(r, "var", "lib", "gpupt", f"initramfs-{release}.sha256")
        with open(record, "w") as f:
            f.write(h + "\n")
        self.assertNoCode(self.run_json(r, 0), "initramfs-stale")
        with open(os.path.join(r, "etc", "gpupt.conf"), "a") as f:
            f.write("# edited after the image was built\n")
        data = self.run_json(r, 0)
        self.assertRaisesCode(data, "initramfs-stale", "warning")
        msg = [p["message"] for p in data["problems"] if p["code"] == "initramfs-stale"][0]
        self.assertIn("update-initramfs -u -k " + release, msg)
        # a dracut system is told to run dracut
        os.makedirs(os.path.join(r, "usr", "bin"))
        dracut = os.path.join(r, "usr", "bin", "dracut")
        with open(dracut, "w") as f:
            f.write("#!/bin/sh\n")
        os.chmod(dracut, 0o755)
        data = self.run_json(r, 0)
        msg = [p["message"] for p in data["problems"] if p["code"] == "initramfs-stale"][0]
        self.assertIn("dracut -f --kver " + release, msg)
        # rebuilt: the record matches again
        h = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", r, "config-hash"],
                           capture_output=True, text=True, check=True).stdout.strip()
        with open(record, "w") as f:
            f.write(h + "\n")
        self.assertNoCode(self.run_json(r, 0), "initramfs-stale")

    def test_device_changed(self):
        r = root("eight-gpus")
        conf = os.path.join(TMP, "expect.conf")
        data = self.run_json(r, 0)
        bdf = data["claims"][0]["bdf"]
        with open(conf, "w") as f:
            f.write(f'device "pinned" {{\n  bdf = "{bdf}"\n  expect = "1002:73bf"\n}}\n')
        data = self.run_json(r, 1, config=conf)
        self.assertRaisesCode(data, "device-changed")
        self.assertEqual(data["claims"], [])
        with open(conf, "w") as f:
            f.write(f'device "pinned" {{\n  bdf = "{bdf}"\n  expect = "10de:1e04"\n}}\n')
        data = self.run_json(r, 0, config=conf)
        self.assertNoCode(data, "device-changed")
        self.assertEqual(len(data["claims"]), 4)

    def test_driver_spelling(self):
        # the kernel matches driver_override with the name the driver
        # registered: "vfio_pci" binds as "vfio-pci" once the module is loaded
        r = copy_root("eight-gpus", "spelling")
        conf = os.path.join(TMP, "spelling.conf")
        bdf = self.run_json(r, 0)["claims"][0]["bdf"]
        with open(conf, "w") as f:
            f.write(f'device "gpu" {{\n  bdf = "{bdf}"\n  driver = "vfio_pci"\n}}\n'
                    f'sriov "nope" {{\n  pf = "{bdf}"\n  vfs = 0\n  vf_driver = "vfio_pci"\n}}\n')
        data = report(r, config=conf)[1]
        self.assertEqual({c["driver_at_boot"] for c in data["claims"]}, {"vfio_pci"})
        os.makedirs(os.path.join(r, "sys/bus/pci/drivers/vfio-pci"))
        data = report(r, config=conf)[1]
        self.assertEqual({c["driver_at_boot"] for c in data["claims"]}, {"vfio-pci"})
        self.assertIn("vfio-pci", check(r, config=conf).stdout)
        self.assertNotIn("vfio_pci", check(r, config=conf).stdout)

    def test_no_match(self):
        r = root("eight-gpus")
        conf = os.path.join(TMP, "nomatch.conf")
        with open(conf, "w") as f:
            f.write('device "ghost" {\n  bdf = "0000:7f:00"\n}\n'
                    'device "ids" {\n  ids = {"dead:beef"}\n}\n')
        data = self.run_json(r, 1, config=conf)
        self.assertEqual([p["entry"] for p in data["problems"] if p["code"] == "no-match"],
                         ["ghost", "ids"])
        with open(conf, "w") as f:
            f.write('device "ids" {\n  ids = {"10de:1e04"}\n}\n')
        data = self.run_json(r, 0, config=conf)
        self.assertNoCode(data, "no-match")
        # ids match every identical GPU, each with its whole slot
        self.assertEqual(len(data["claims"]), 32)

    def test_partial_slot(self):
        r = root("eight-gpus")
        bdf = self.run_json(r, 0)["claims"][0]["bdf"]
        conf = os.path.join(TMP, "single.conf")
        with open(conf, "w") as f:
            f.write(f'device "vga" {{\n  bdf = "{bdf}"\n  functions = single\n}}\n')
        data = self.run_json(r, 1, config=conf)
        self.assertRaisesCode(data, "partial-slot", "warning")
        self.assertRaisesCode(data, "impure-group")  # the siblings share its group
        with open(conf, "w") as f:
            f.write(f'device "vga" {{\n  bdf = "{bdf}"\n}}\n')
        data = self.run_json(r, 0, config=conf)
        self.assertNoCode(data, "partial-slot")


class CorruptTrees(Base):
    """Broken sysfs, proc and kernel logs: never a crash or a hang, and the
    message names the path."""

    def corrupt(self, name, mutate):
        r = copy_root("eight-gpus", "corrupt-" + name)
        mutate(r)
        for prog, args in (("gpupt-check", ["--root", r, "--json"]),
                           ("gpupt-check", ["--root", r]),
                           ("gpupt-generator", [os.path.join(r, "gen")])):
            if prog == "gpupt-generator":
                os.makedirs(os.path.join(r, "gen"), exist_ok=True)
            env = dict(os.environ, GPUPT_ROOT=r)
            p = subprocess.run([os.path.join(BUILD, prog)] + args, capture_output=True,
                               text=True, errors="replace", env=env, timeout=60)
            self.assertIn(p.returncode, (0, 1, 2), f"{prog} {name}: {p.returncode} {p.stderr}")
            if prog == "gpupt-generator":
                shutil.rmtree(os.path.join(r, "gen"))
        return report(r)[1]

    @staticmethod
    def dev(r, bdf="0000:c1:00.0"):
        return os.path.realpath(os.path.join(r, "sys/bus/pci/devices", bdf))

    def test_empty_and_garbage_uevent(self):
        def m(r):
            open(os.path.join(self.dev(r), "uevent"), "w").close()
            with open(os.path.join(self.dev(r, "0000:c1:00.1"), "uevent"), "wb") as f:
                f.write(os.urandom(3000))
        data = self.corrupt("uevent", m)
        msgs = " ".join(p["message"] for p in data["problems"])
        self.assertIn("0000:c1:00.0", msgs)
        self.assertFalse(data["ready"])

    def test_huge_values(self):
        def m(r):
            for attr in ("numa_node", "reset_method", "local_cpulist"):
                with open(os.path.join(self.dev(r), attr), "w") as f:
                    f.write("9" * (1 << 20))
            with open(os.path.join(r, "proc/cmdline"), "w") as f:
                f.write("x" * (1 << 20))
        data = self.corrupt("huge", m)
        self.assertTrue(any("0000:c1:00.0" in p["message"] for p in data["problems"]))

    def test_links(self):
        def m(r):
            g = os.path.join(self.dev(r), "iommu_group")
            os.unlink(g)
            os.symlink("../../../../kernel/iommu_groups/nowhere", g)
            loop = os.path.join(r, "sys/bus/pci/devices/0000:c2:00.1")
            os.unlink(loop)
            os.symlink("0000:c2:00.1", loop)
            os.unlink(os.path.join(r, "sys/bus/pci/devices/0000:c3:00.2"))
            os.symlink("../../../nowhere", os.path.join(r, "sys/bus/pci/devices/0000:c3:00.2"))
        data = self.corrupt("links", m)
        self.assertFalse(data["ready"])

    def test_file_where_a_directory_belongs(self):
        def m(r):
            shutil.rmtree(os.path.join(r, "sys/kernel/iommu_groups/29"))
            open(os.path.join(r, "sys/kernel/iommu_groups/29"), "w").close()
            shutil.rmtree(os.path.join(r, "sys/class/iommu"))
            open(os.path.join(r, "sys/class/iommu"), "w").close()
        self.corrupt("file-for-dir", m)

        def whole_bus(r):
            d = os.path.join(r, "sys/bus/pci/devices")
            shutil.rmtree(d)
            open(d, "w").close()
        data = self.corrupt("bus", whole_bus)
        self.assertTrue(any("sys/bus/pci/devices" in p["message"] or p["code"] == "no-match"
                            for p in data["problems"]))

    def test_garbage_kernel_state(self):
        def m(r):
            with open(os.path.join(r, "dev/kmsg"), "wb") as f:
                f.write(os.urandom(1 << 16))
            with open(os.path.join(r, "proc/cpuinfo"), "wb") as f:
                f.write(b"vendor_id\t:" + os.urandom(100))
            with open(os.path.join(r, "proc/sys/kernel/osrelease"), "w") as f:
                f.write("../../../etc\n")
            with open(os.path.join(r, "proc/interrupts"), "wb") as f:
                f.write(os.urandom(5000))
        self.corrupt("kernel", m)

    def test_vanished_device(self):
        """A device listed in its group but gone from the bus."""
        def m(r):
            d = self.dev(r, "0000:c1:00.2")
            os.unlink(os.path.join(r, "sys/bus/pci/devices/0000:c1:00.2"))
            shutil.rmtree(d)
        data = self.corrupt("vanished", m)
        self.assertTrue(data["ready"])
        self.assertEqual(len(data["claims"]), 15)


class ScenarioCodes(Base):
    """(scenario, variant or None, exit status, codes raised, codes absent)"""
    CASES = [
        ("amd-rebar-igpu", None, 0, [], ["bar-unsupported", "boot-vga"]),
        ("amd-rebar-igpu", "bar-too-big", 1, [("bar-unsupported", "error")], []),
        ("amd-rebar-igpu", "bar-none", 1, [("bar-unsupported", "error")], []),
        ("amd-rebar-igpu", "claim-igpu", 0, [("boot-vga", "warning")], []),
        ("group-with-nic", None, 1, [("impure-group", "error")], []),
        ("group-with-nic", "warn", 0, [("impure-group", "warning")], []),
        ("group-with-nic", "claim-both", 0, [], ["impure-group"]),
        ("iommu-off-intel", None, 1, [("iommu-off", "error")], []),
        ("iommu-off-intel", "not-required", 0, [("iommu-off", "warning")], []),
        ("iommu-off-amd", None, 1, [("iommu-off", "error")], []),
        ("nvme-root-in-group", None, 1, [("root-disk", "error"), ("impure-group", "error")],
         []),
        ("sriov-gvt", None, 0, [], ["sriov-unsupported", "mdev-type-unknown",
                                    "mdev-no-instances", "no-match"]),
        ("sriov-gvt", "too-many-vfs", 1, [("sriov-unsupported", "error")], []),
        ("sriov-gvt", "no-sriov", 1, [("sriov-unsupported", "error")], []),
        ("sriov-gvt", "mdev-bad-type", 1, [("mdev-type-unknown", "error")], []),
        ("sriov-gvt", "mdev-too-many", 1, [("mdev-no-instances", "error")], []),
        ("builtin-gpu-driver", None, 1, [("host-driver-builtin", "error")], []),
        ("amd-modules", None, 0, [], ["host-driver-builtin", "host-driver-first",
                                      "module-missing", "acs-override", "no-module-index"]),
        ("amd-modules", "missing-driver", 1, [("module-missing", "error")], []),
        ("no-vfio-kernel", None, 1, [("module-missing", "error")], []),
        ("host-driver-first", None, 0, [("host-driver-first", "warning")], []),
        ("acs-override", None, 0, [("acs-override", "warning")], []),
        ("eight-gpus", None, 0, [], ["root-disk", "root-disk-unknown", "iommu-off",
                                     "impure-group", "boot-vga", "module-missing"]),
        ("sriov-intel-gpu", None, 1, [("sriov-prerequisite", "error")], ["sriov-unsupported"]),
        ("sriov-intel-gpu", "i915", 1, [("sriov-prerequisite", "error")],
         ["sriov-unsupported"]),
        ("sriov-xe-max-vfs", None, 0, [], ["sriov-prerequisite", "sriov-unsupported"]),
        ("sriov-xe-max-vfs", "too-many", 1, [("sriov-prerequisite", "error")],
         ["sriov-unsupported"]),
        ("sriov-amd-amdgpu", None, 1, [("sriov-prerequisite", "error")], ["sriov-unsupported"]),
        ("sriov-amd-gim", None, 0, [], ["sriov-prerequisite", "sriov-unsupported"]),
        ("sriov-amd-gim", "too-many", 1, [("sriov-unsupported", "error")],
         ["sriov-prerequisite"]),
    ]

    def test_sriov_prerequisite_messages(self):
        """Each GPU driver's prerequisite by name, and where to set it."""
        for scenario, variant, want in (
                ("sriov-intel-gpu", None, ["xe.max_vfs=4", "options xe max_vfs=4",
                                           "/etc/modprobe.d/xe.conf", "0000:03:00.0"]),
                ("sriov-intel-gpu", "i915", ["i915.max_vfs=7", "options i915 max_vfs=7",
                                             "i915-sriov-dkms", "0000:00:02.0"]),
                ("sriov-xe-max-vfs", "too-many", ["xe.max_vfs=16", "(12 now"]),
                ("sriov-amd-amdgpu", None, ["gim", "GIM", "blacklist amdgpu", "amdgpu)"])):
            with self.subTest(scenario=scenario, variant=variant):
                data = self.run_json(root(scenario), 1, variant=variant)
                pr = [p for p in data["problems"] if p["code"] == "sriov-prerequisite"]
                self.assertEqual(len(pr), 1, data["problems"])
                for w in want:
                    self.assertIn(w, pr[0]["message"])

    def test_cases(self):
        for scenario, variant, rc, raised, absent in self.CASES:
            with self.subTest(scenario=scenario, variant=variant):
                data = self.run_json(root(scenario), rc, variant=variant)
                for code, sev in raised:
                    self.assertRaisesCode(data, code, sev)
                for code in absent:
                    self.assertNoCode(data, code)

    def test_module_messages(self):
        data = self.run_json(root("no-vfio-kernel"), 1)
        msgs = " ".join(p["message"] for p in data["problems"] if p["code"] == "module-missing")
        self.assertIn("vfio-pci", msgs)
        self.assertIn("vfio_iommu_type1", msgs)
        data = self.run_json(root("host-driver-first"), 0)
        msg = [p for p in data["problems"] if p["code"] == "host-driver-first"][0]
        self.assertIn("/etc/modules-load.d/gpu.conf", msg["message"])
        self.assertEqual(msg["bdf"], "0000:03:00.0")
        # fixed: the early load is gone
        r = copy_root("host-driver-first", "hdf-fixed")
        os.unlink(os.path.join(r, "etc", "modules-load.d", "gpu.conf"))
        self.assertNoCode(self.run_json(r, 0), "host-driver-first")

    def test_root_disk_forms(self):
        """root= by PARTUUID, LABEL and path all reach the NVMe controller."""
        r = copy_root("nvme-root-in-group", "root-forms")
        # root= alone: "/" in mountinfo would find the disk by itself
        os.unlink(os.path.join(r, "proc", "self", "mountinfo"))
        cmd = os.path.join(r, "proc", "cmdline")
        for spec in ("PARTUUID=a1b2c3d4-e5f6-4a0b-8c1d-2e3f4a5b6c7d", "LABEL=rootfs",
                     "PARTLABEL=root", "/dev/nvme0n1p2"):
            with open(cmd, "w") as f:
                f.write(f"root={spec} ro\n")
            data = self.run_json(r, 1)
            self.assertRaisesCode(data, "root-disk")
        with open(cmd, "w") as f:
            f.write("root=UUID=00000000-0000-4000-8000-000000000000 ro\n")
        data = self.run_json(r, 1)
        self.assertNoCode(data, "root-disk")
        self.assertRaisesCode(data, "root-disk-unknown", "warning")

    def test_iommu_flags(self):
        """Only flags the kernel accepts: intel_iommu=on on Intel; AMD has no
        =on flag, its IOMMU is on once the firmware enables it."""
        for scenario, says in (("iommu-off-intel", "replace intel_iommu=off with intel_iommu=on"),
                               ("iommu-off-amd", "enable AMD-Vi/IOMMU in the firmware setup")):
            data = self.run_json(root(scenario), 1)
            msg = [p["message"] for p in data["problems"] if p["code"] == "iommu-off"][0]
            self.assertIn(says, msg)
            self.assertNotIn("add amd_iommu", msg)
            self.assertNotIn("with amd_iommu=on", msg)
            self.assertFalse(data["iommu"]["enabled"])

    def test_impure_names_the_nic(self):
        data = self.run_json(root("group-with-nic"), 1)
        msg = [p for p in data["problems"] if p["code"] == "impure-group"][0]
        self.assertIsNotNone(msg["bdf"])
        self.assertRegex(msg["message"], r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]")

    def test_bar_resize_shown(self):
        # people see it; the JSON keeps the fixed shape of gpupt-check(8)
        self.run_json(root("amd-rebar-igpu"), 0)
        out = check(root("amd-rebar-igpu")).stdout
        self.assertRegex(out, r"BAR RESIZE.*\n0000:03:00\.0 +vm-amd +2 +2M +8M\n")

    def test_sriov_and_mdevs(self):
        data = self.run_json(root("sriov-gvt"), 0)
        self.assertEqual(len(data["sriov"]), 1)
        self.assertEqual(data["sriov"][0]["vfs"], 4)
        self.assertEqual(data["sriov"][0]["vfs_now"], 0)
        self.assertEqual(len(data["mdevs"]), 2)
        uuids = {m["uuid"] for m in data["mdevs"]}
        self.assertEqual(len(uuids), 2)
        # stable across runs
        again = self.run_json(root("sriov-gvt"), 0)
        self.assertEqual(uuids, {m["uuid"] for m in again["mdevs"]})

    def test_mdev_no_instances_names_the_entry_that_does_not_fit(self):
        """Two instances left, three entries: gvt-a and gvt-b fit, gvt-c is
        the one to remove."""
        data = self.run_json(root("sriov-gvt"), 1, variant="mdev-too-many")
        self.assertEqual([(p["code"], p["entry"], p["bdf"], p["message"])
                          for p in data["problems"]],
                         [("mdev-no-instances", "gvt-c", "0000:00:02.0",
                           "3 mdevs of type i915-GVTg_V5_4 are wanted on 0000:00:02.0 but only 2 "
                           "are left (available_instances), so gvt-c does not fit; remove it or "
                           "pick a smaller type")])
        r = copy_root("sriov-gvt", "mdev-four")
        with open(os.path.join(r, "etc/gpupt-variants/mdev-too-many.conf"), "a") as f:
            f.write('mdev "gvt-d" {\n  parent = "0000:00:02.0"\n  type = "i915-GVTg_V5_4"\n}\n')
        p = check(r, "--quiet", variant="mdev-too-many")
        self.assertEqual(p.stdout,
                         "error mdev-no-instances 0000:00:02.0: 4 mdevs of type i915-GVTg_V5_4 "
                         "are wanted on 0000:00:02.0 but only 2 are left (available_instances), "
                         "so gvt-c, gvt-d do not fit; remove them or pick a smaller type\n")
        self.assertIn("error   mdev-no-instances 0000:00:02.0 (gvt-c):",
                      check(r, variant="mdev-too-many").stdout)


class SelfDescribingJson(Base):
    """The JSON carries a schema version and what the text shows."""

    def test_report(self):
        r = root("eight-gpus")
        data = self.run_json(r, 0)
        self.assertEqual(data["schema"], 1)
        self.assertEqual(data["iommu"], {"enabled": True, "interrupt_remapping": True,
                                         "iommufd": False, "vendor": "intel",
                                         "default_domain": "Translated", "units": 2,
                                         "groups": 21})
        self.assertEqual(data["config_files"], [os.path.join(r, "etc/gpupt.conf")])
        host = HostFacts(r)
        self.assertEqual([c["name"] for c in data["claims"]],
                         [host.name(*host.fn_id(c["bdf"]).split(":")) for c in data["claims"]])
        self.assertEqual({json.dumps(c["bars"]) for c in data["claims"]}, {"[]"})
        data = self.run_json(root("iommu-off-amd"), 1)
        self.assertEqual((data["iommu"]["vendor"], data["iommu"]["default_domain"],
                          data["iommu"]["units"], data["iommu"]["groups"]), ("amd", None, 0, 0))

    def test_bars(self):
        data = self.run_json(root("amd-rebar-igpu"), 0)
        self.assertEqual([(c["bdf"], c["bars"]) for c in data["claims"]],
                         [("0000:03:00.0", [{"index": 2, "now_mib": 2, "at_boot_mib": 8}]),
                          ("0000:03:00.1", [])])

    def test_sriov(self):
        data = self.run_json(root("sriov-gvt"), 0)
        self.assertEqual(data["sriov"], [{"pf": "0000:01:00.0", "entry": "nic0", "vfs": 4,
                                          "vfs_now": 0, "total_vfs": 64,
                                          "vf_driver": "vfio-pci"}])
        conf = os.path.join(TMP, "sriov-host-driver.conf")
        with open(conf, "w") as f:
            f.write('sriov "nic0" { pf = "01:00.0"  vfs = 2 }\n'
                    'sriov "gone" { pf = "09:00.0"  vfs = 2 }\n')
        data = self.run_json(root("sriov-gvt"), 1, config=conf)
        self.assertEqual([(s["entry"], s["total_vfs"], s["vf_driver"]) for s in data["sriov"]],
                         [("nic0", 64, None), ("gone", None, None)])

    def test_config_error(self):
        bad = os.path.join(TMP, "json-bad.conf")
        with open(bad, "w") as f:
            f.write("bogus = 1\n")
        data = self.run_json(root("eight-gpus"), 2, config=bad)
        self.assertEqual((data["schema"], data["config_files"], codes(data)),
                         (1, [], ["config-error"]))

    def test_list_codes(self):
        """A code beside each reason and each warning of --list --json."""
        seen = set()
        for name in ("eight-gpus", "amd-rebar-igpu", "sriov-gvt"):
            for g in list_json(root(name))["groups"]:
                self.assertEqual(len(g["warning_codes"]), len(g["warnings"]))
                seen.add((g["reason_code"], tuple(g["warning_codes"]),
                          (g["reason"] or "").split(",")[0][:40]))
        self.assertLessEqual({
            (None, ("boot-vga",), ""),
            ("root-disk", (), "it holds 0000:04:00.0"),
            ("host-bridge", (), "it holds 0000:00:00.0"),
            ("bridges-only", (), "it holds only PCI bridges"),
            ("sriov-pf", (), "it holds 0000:01:00.0"),
            ("mdev-parent", (), "it holds 0000:00:02.0")}, seen)


class SlotFunctions(Base):
    """What a device entry's address claims of its slot, on sriov-gvt, whose
    NIC has 01:00.0 in IOMMU group 2 and its second port 01:00.1 in group 3:
    a function address takes the function with the slot functions of its own
    group; the other functions only with an explicit functions = all, and a
    partial-slot warning names them otherwise. A slot address and ids take
    every function of the slot."""

    def plan(self, body, rc=0):
        conf = os.path.join(TMP, "slot-functions.conf")
        with open(conf, "w") as f:
            f.write('device "vm-nic" {\n' + body + "}\n")
        data = self.run_json(root("sriov-gvt"), rc, config=conf)
        slot = [(p["bdf"], p["entry"], p["message"]) for p in data["problems"]
                if p["code"] == "partial-slot"]
        return sorted(c["bdf"] for c in data["claims"]), slot, conf

    def test_function_address_claims_its_group(self):
        claims, slot, conf = self.plan('  bdf = "0000:01:00.0"\n')
        self.assertEqual(claims, ["0000:01:00.0"])
        self.assertEqual(len(slot), 1, slot)
        bdf, entry, msg = slot[0]
        self.assertEqual((bdf, entry), ("0000:01:00.0", "vm-nic"))
        self.assertIn("leaves 0000:01:00.1 (8086:1533, IOMMU group 3)", msg)
        self.assertIn("(%s:1)" % conf, msg)  # the entry, where it begins
        self.assertIn("functions = all", msg)

    def test_functions_all_claims_the_slot(self):
        claims, slot, _ = self.plan('  bdf = "0000:01:00.0"\n  functions = all\n')
        self.assertEqual(claims, ["0000:01:00.0", "0000:01:00.1"])
        self.assertEqual(slot, [])

    def test_slot_address_and_ids_claim_the_slot(self):
        for body in ('  bdf = "01:00"\n', '  ids = {"8086:1572"}\n'):
            with self.subTest(body=body):
                claims, slot, _ = self.plan(body)
                self.assertEqual(claims, ["0000:01:00.0", "0000:01:00.1"])
                self.assertEqual(slot, [])

    def test_functions_single(self):
        claims, slot, _ = self.plan('  bdf = "0000:01:00.1"\n  functions = single\n')
        self.assertEqual(claims, ["0000:01:00.1"])
        self.assertEqual([(b, e) for b, e, _ in slot], [("0000:01:00.1", "vm-nic")])
        self.assertIn("functions = single leaves 0000:01:00.0 (8086:1572)", slot[0][2])


class RootDiskPrecoldplug(Base):
    """The root-disk guard where claims happen: in the initramfs before
    coldplug no block device exists, root= resolves to nothing, and only the
    record of the image build (usr/lib/gpupt/root-disk) knows the root disk."""

    def test_codes(self):
        data = self.run_json(root("nvme-root-precoldplug"), 1)
        self.assertNoCode(data, "root-disk")
        bad = [p for p in data["problems"] if p["code"] == "storage-unverified"]
        self.assertEqual([(p["severity"], p["bdf"], p["entry"]) for p in bad],
                         [("error", "0000:06:01.0", "vm-group")])
        self.assertIn("allow_storage = true", bad[0]["message"])
        self.assertIn("gpupt.conf:1", bad[0]["message"])
        self.assertIn("/usr/lib/gpupt/root-disk", bad[0]["message"])
        # the admin says it never holds the root: claimed, with the warning
        data = self.run_json(root("nvme-root-precoldplug"), 0, variant="allow-storage")
        self.assertNoCode(data, "storage-unverified")
        self.assertRaisesCode(data, "root-disk-unknown", "warning")
        self.assertEqual([c["bdf"] for c in data["claims"]], ["0000:06:00.0", "0000:06:01.0"])
        # the image build's record: the root disk, whatever the key says
        for variant in (None, "allow-storage"):
            data = self.run_json(root("nvme-root-recorded"), 1, variant=variant)
            msg = [p for p in data["problems"] if p["code"] == "root-disk"]
            self.assertEqual([p["bdf"] for p in msg], ["0000:06:01.0"])
            self.assertIn("recorded in /usr/lib/gpupt/root-disk", msg[0]["message"])
            self.assertNoCode(data, "storage-unverified")
        # a record of other hardware proves nothing
        data = self.run_json(root("nvme-root-stale-record"), 1)
        self.assertRaisesCode(data, "storage-unverified")
        self.assertNoCode(data, "root-disk")
        msg = [p["message"] for p in data["problems"] if p["code"] == "storage-unverified"][0]
        self.assertIn("stale", msg)

    def test_empty_record(self):
        """An empty record: the build found no root disk, which proves nothing."""
        r = copy_root("nvme-root-recorded", "empty-record")
        open(os.path.join(r, "usr", "lib", "gpupt", "root-disk"), "w").close()
        self.assertRaisesCode(self.run_json(r, 1), "storage-unverified")

    def test_mounted_root(self):
        """root= absent: "/" in mountinfo still finds the root disk."""
        r = copy_root("nvme-root-in-group", "mounted-root")
        with open(os.path.join(r, "proc", "cmdline"), "w") as f:
            f.write("BOOT_IMAGE=/boot/vmlinuz ro quiet\n")
        data = self.run_json(r, 1, config=os.path.join(root("nvme-root-precoldplug"), "etc",
                                                       "gpupt.conf"))
        msg = [p for p in data["problems"] if p["code"] == "root-disk"]
        self.assertEqual([p["bdf"] for p in msg], ["0000:06:01.0"])
        self.assertIn("/ is mounted from /dev/nvme0n1p2", msg[0]["message"])
        self.assertNoCode(data, "storage-unverified")

    def test_apply_claim_refuses(self):
        """gpupt-apply claim (what the boot unit runs) fails naming the controller."""
        r = copy_root("nvme-root-precoldplug", "precoldplug-apply")
        p = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", r, "claim"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("storage-unverified", p.stderr)
        self.assertIn("0000:06:01.0 is a mass-storage controller", p.stderr)
        for bdf in ("0000:06:00.0", "0000:06:01.0"):
            with open(os.path.join(r, "sys/bus/pci/devices", bdf, "driver_override")) as f:
                self.assertEqual(f.read().strip(), "(null)")

    def test_root_disk_command(self):
        apply = os.path.join(BUILD, "gpupt-apply")

        def run(r):
            p = subprocess.run([apply, "--root", r, "root-disk"], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            return p
        self.assertEqual(run(root("nvme-root-in-group")).stdout, "0000:06:01.0 144d:a808\n")
        # from root= alone, and from "/" alone
        r = copy_root("nvme-root-in-group", "root-disk-cmd")
        os.unlink(os.path.join(r, "proc", "self", "mountinfo"))
        self.assertEqual(run(r).stdout, "0000:06:01.0 144d:a808\n")
        r = copy_root("nvme-root-in-group", "root-disk-mnt")
        with open(os.path.join(r, "proc", "cmdline"), "w") as f:
            f.write("root=UUID=00000000-0000-4000-8000-000000000000 ro\n")
        self.assertEqual(run(r).stdout, "0000:06:01.0 144d:a808\n")
        # nothing resolves: nothing printed, a note, success
        p = run(root("nvme-root-precoldplug"))
        self.assertEqual(p.stdout, "")
        self.assertIn("nothing recorded", p.stderr)


class Version(unittest.TestCase):
    def test_version(self):
        """Each program prints the Makefile's VERSION, the one version there is."""
        with open(os.path.join(os.path.dirname(HERE), "Makefile")) as f:
            version = next(l.split(":=")[1].strip() for l in f if l.startswith("VERSION "))
        for prog in ("gpupt-check", "gpupt-apply", "gpupt-generator"):
            p = subprocess.run([os.path.join(BUILD, prog), "--version"], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual((p.returncode, p.stdout), (0, f"{prog} {version}\n"), p.stderr)


class Messages(unittest.TestCase):
    def test_arguments_escaped(self):
        """What a person typed reaches the programs' messages escaped, as
        every other string from elsewhere does: one logger makes every line
        printable, the mains' own lines included."""
        bad = os.path.join(TMP, "no-such-root-\x1b[31mred")
        p = check(bad)
        self.assertEqual((p.returncode, p.stderr), (2, "gpupt-check: root '%s': No such file "
                                                        "or directory\n"
                                                        % bad.replace("\x1b", "\\x1b")))
        p = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", root("eight-gpus"),
                            "modules", "-\x1b]0;t\x07"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual((p.returncode, p.stdout, p.stderr),
                         (2, "", 'gpupt-apply: "-\\x1b]0;t\\x07" is not a kernel release\n'))


def booted(rootdir, *args):
    """tests/fixture/booted.py: the fixture as a boot that applied the config leaves it."""
    subprocess.run([sys.executable, os.path.join(HERE, "fixture", "booted.py"), rootdir]
                   + list(args), check=True)


class Verify(Base):
    """--verify: the running system against the plan, and the record gpupt-apply leaves."""
    GPUS = ["0000:%s:00.%d" % (b, f) for b in ("c1", "c2", "c3", "c4") for f in range(4)]

    def verify(self, rootdir, expect_rc, **kw):
        p = check(rootdir, "--json", "--verify", **kw)
        rc, data = p.returncode, json.loads(p.stdout)
        self.assertEqual(rc, expect_rc, json.dumps(data["problems"], indent=1))
        self.assertEqual(data["ready"], not any(p["severity"] == "error"
                                                for p in data["problems"]))
        for key in ("claims", "sriov", "mdevs", "vgpus"):
            for obj in data[key]:
                self.assertIsInstance(obj.get("applied"), bool, obj)
        return data

    def not_applied(self, data):
        return [p for p in data["problems"] if p["code"] == "not-applied"]

    def test_host_drivers_then_vfio(self):
        r = copy_root("eight-gpus", "verify-gpus")
        data = self.verify(r, 1)
        self.assertEqual([c["applied"] for c in data["claims"]], [False] * 16)
        bad = self.not_applied(data)
        self.assertEqual(sorted(p["bdf"] for p in bad), self.GPUS)
        self.assertTrue(all(p["severity"] == "error" for p in bad))
        self.assertIn("was planned on vfio-pci and is on nvidia now",
                      next(p["message"] for p in bad if p["bdf"] == "0000:c1:00.0"))
        # nothing ran this boot: the record is missing
        self.assertRaisesCode(data, "reboot-required", "warning")
        # without --verify the report has no verdicts
        plain = self.run_json(r, 0)
        self.assertNotIn("applied", plain["claims"][0])

        booted(r, "--driver", "vfio-pci", *self.GPUS[1:])
        data = self.verify(r, 1)
        self.assertEqual([p["bdf"] for p in self.not_applied(data)], ["0000:c1:00.0"])
        self.assertEqual([c["bdf"] for c in data["claims"] if not c["applied"]],
                         ["0000:c1:00.0"])
        booted(r, "--driver", "", "0000:c1:00.0")
        data = self.verify(r, 1)
        self.assertIn("is on no driver now", self.not_applied(data)[0]["message"])

        booted(r, "--driver", "vfio-pci", "0000:c1:00.0")
        data = self.verify(r, 0)
        self.assertEqual([c["applied"] for c in data["claims"]], [True] * 16)
        self.assertEqual(codes(data), ["reboot-required"])
        p = check(r, "--verify")
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("In sync: 16 of 16 planned applied", p.stdout)
        self.assertIn("APPLIED", p.stdout)

    def test_nothing_ran_leads_with_the_cause(self):
        """Before any gpupt-apply: the cause first, one line per entry, no
        plan, VERIFY table or not-applied per function; the JSON keeps
        every not-applied."""
        r = copy_root("eight-gpus", "verify-nothing-ran")
        booted(r, "--driver", "vfio-pci", *self.GPUS[4:])
        p = check(r, "--verify")
        self.assertEqual(p.returncode, 1)
        rec = os.path.join(r, "run/gpupt/applied-config.sha256")
        self.assertEqual(p.stdout.split("\n")[3:], [
            "",
            "Not applied: no gpupt-apply has carried out a part of the config since this boot "
            f"(no {rec}): gpupt's units did not run, or each failed; reboot to apply it.",
            "  vm-gpu-0  4 functions of 0000:c1:00 on nvidia, snd_hda_intel, xhci_hcd, "
            "nvidia-gpu, not vfio-pci",
            "`journalctl -b -u 'gpupt-*'` says why no unit carried it out.",
            "",
            "Not in sync: 12 of 16 planned applied; 4 errors, 1 warning.",
            ""])
        data = self.verify(r, 1)
        self.assertEqual(sorted(p["bdf"] for p in self.not_applied(data)), self.GPUS[:4])
        self.assertRaisesCode(data, "reboot-required", "warning")
        # --quiet stays one line per problem
        self.assertEqual(len(check(r, "--verify", "--quiet").stdout.splitlines()), 5)

        p = check(root("amd-rebar-igpu"), "--verify")
        self.assertEqual(p.stdout.split("\n")[5:], [
            "  vm-amd  2 functions of 0000:03:00 on amdgpu, snd_hda_intel, not vfio-pci; "
            "BAR 2 of 0000:03:00.0 at 2M, not 8M",
            "`journalctl -b -u 'gpupt-*'` says why no unit carried it out.",
            "",
            "Not in sync: 0 of 2 planned applied; 3 errors, 1 warning.",
            ""])
        p = check(root("sriov-gvt"), "--verify")
        self.assertEqual(p.stdout.split("\n")[5:8], [
            "  nic0   0000:01:00.0 has 0 VFs, not 4",
            "  gvt-a  mdev 3312e7ae-a3f8-8e79-9347-42c91585b382 of type i915-GVTg_V5_4 on "
            "0000:00:02.0 does not exist",
            "  gvt-b  mdev fe1f2ef8-a669-8319-9b82-d6999902b12e of type i915-GVTg_V5_4 on "
            "0000:00:02.0 does not exist"])
        # other problems are still shown, each in full
        r = copy_root("eight-gpus", "verify-nothing-ran-other")
        with open(os.path.join(r, "etc/gpupt.conf"), "a") as f:
            f.write('device "gone" { bdf = "0000:99:00.0" }\n')
        out = check(r, "--verify").stdout
        self.assertIn("\nerror   no-match 0000:99:00.0 (gone):\n", out)
        self.assertNotIn("not-applied", out)

    def test_record(self):
        """gpupt-apply records the config it applied; a later edit asks for a reboot."""
        r = copy_root("eight-gpus", "verify-record")
        booted(r, "--driver", "vfio-pci", *self.GPUS)
        apply = os.path.join(BUILD, "gpupt-apply")
        p = subprocess.run([apply, "--root", r, "claim"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        h = subprocess.run([apply, "--root", r, "config-hash"], capture_output=True, text=True,
                           timeout=60, check=True).stdout
        with open(os.path.join(r, "run/gpupt/applied-config.sha256")) as f:
            self.assertEqual(f.read(), "claim " + h)
        data = self.verify(r, 0)
        self.assertEqual(data["problems"], [])

        with open(os.path.join(r, "etc/gpupt.conf"), "a") as f:
            f.write("# edited after the boot\n")
        data = self.verify(r, 0)
        self.assertEqual(codes(data), ["reboot-required"])
        msg = data["problems"][0]["message"]
        self.assertIn("config changed since this boot applied it (claim ran with sha256 %s;"
                      % h[:12], msg)
        # a drop-in counts as a change too; a record of the version before
        # units, one bare hash, is the claims'
        with open(os.path.join(r, "run/gpupt/applied-config.sha256"), "w") as f:
            f.write(subprocess.run([apply, "--root", r, "config-hash"], capture_output=True,
                                   text=True, timeout=60, check=True).stdout)
        self.assertEqual(self.verify(r, 0)["problems"], [])
        os.makedirs(os.path.join(r, "etc/gpupt.conf.d"))
        with open(os.path.join(r, "etc/gpupt.conf.d/fleet.conf"), "w") as f:
            f.write("# nothing but a comment\n")
        self.assertEqual(codes(self.verify(r, 0)), ["reboot-required"])
        # a record that is not a hash says so, and never passes for one
        with open(os.path.join(r, "run/gpupt/applied-config.sha256"), "w") as f:
            f.write("garbage\n")
        data = self.verify(r, 0)
        self.assertEqual(codes(data), ["reboot-required"])
        self.assertIn("cannot be read", data["problems"][0]["message"])

    def test_record_per_unit(self):
        """Each unit records the config it carried out: a later run of another
        unit, or one that did nothing, cannot vouch for the claims."""
        r = copy_root("sriov-gvt", "verify-units")
        conf = os.path.join(r, "etc/gpupt.conf")
        record = os.path.join(r, "run/gpupt/applied-config.sha256")
        mdev = 'mdev "gvt-a" {\n  parent = "0000:00:02.0"\n  type = "i915-GVTg_V5_4"\n}\n'
        with open(conf, "w") as f:
            f.write('device "nic" {\n  bdf = "01:00.1"\n}\n' + mdev)
        uuid = self.run_json(r, 0)["mdevs"][0]["uuid"]
        booted(r, "--driver", "vfio-pci", "0000:01:00.1",
               "--mdev", "0000:00:02.0", "i915-GVTg_V5_4", uuid)

        def run(*args, rc=0):
            p = apply_cmd(r, *args)
            self.assertEqual(p.returncode, rc, p.stderr)
            return p

        def hash_now():
            return run("config-hash").stdout.strip()

        def recorded():
            with open(record) as f:
                return f.read()

        run("claim")
        a = hash_now()
        self.assertEqual(recorded(), "claim %s\n" % a)
        # in sync (01:00.0, the slot's other port, stays the host's)
        self.assertEqual(codes(self.verify(r, 0)), ["partial-slot"])

        # B gives 01:00.1 back to the host, which only a reboot does
        with open(conf, "w") as f:
            f.write(mdev + 'sriov "gone" {\n  pf = "0000:05:00.0"\n  vfs = 2\n}\n')
        b = hash_now()
        # runs that carried nothing out record nothing: an unknown entry, a
        # failed unit, the group check, a parent B names no mdev on
        run("sriov", "nosuch", rc=1)
        run("vgpu", "nosuch", rc=1)
        run("sriov", "gone", rc=1)
        run("group", "3")
        run("mdev", "0000:01:00.1")
        self.assertEqual(recorded(), "claim %s\n" % a)
        # nor does a gpupt=off boot's run
        with open(os.path.join(r, "proc/cmdline")) as f:
            cmdline = f.read()
        with open(os.path.join(r, "proc/cmdline"), "w") as f:
            f.write(cmdline.strip() + " gpupt=off\n")
        run("mdev", "0000:00:02.0")
        with open(os.path.join(r, "proc/cmdline"), "w") as f:
            f.write(cmdline)
        self.assertEqual(recorded(), "claim %s\n" % a)
        # the udev rule's run for the parent B does configure: its own line
        run("mdev", "0000:00:02.0")
        self.assertEqual(recorded(), "claim %s\nmdev 0000:00:02.0 %s\n" % (a, b))
        # and a claim run under B neither: B plans no claim
        run("claim")
        self.assertEqual(recorded(), "claim %s\nmdev 0000:00:02.0 %s\n" % (a, b))
        data = self.verify(r, 1)  # "gone" is not applied
        self.assertEqual(codes(data, "warning"), ["reboot-required"])
        msg = next(p["message"] for p in data["problems"] if p["code"] == "reboot-required")
        self.assertIn("the config changed since this boot applied it (claim ran with sha256 "
                      "%s; sha256 %s now)" % (a[:12], b[:12]), msg)

        # back to A: only the mdev unit ran with another config
        with open(conf, "w") as f:
            f.write('device "nic" {\n  bdf = "01:00.1"\n}\n' + mdev)
        data = self.verify(r, 0)
        self.assertEqual(codes(data), ["partial-slot", "reboot-required"])
        self.assertIn("(mdev 0000:00:02.0 ran with sha256 %s; sha256 %s now)"
                      % (b[:12], a[:12]),
                      next(p["message"] for p in data["problems"]
                           if p["code"] == "reboot-required"))

    def test_record_partial(self):
        """A claim or mdev run that failed beside parts that hold records
        them: those parts are the config's until a reboot. One with no part
        holding records nothing."""
        r = copy_root("sriov-gvt", "verify-partial")
        conf = os.path.join(r, "etc/gpupt.conf")
        record = os.path.join(r, "run/gpupt/applied-config.sha256")
        disk = 'device "disk" {\n  bdf = "02:00.0"\n}\n'  # the root disk: refused
        bad = 'mdev "gvt-x" {\n  parent = "0000:00:02.0"\n  type = "i915-GVTg_V5_1"\n}\n'
        with open(conf, "w") as f:
            f.write(disk + bad)
        for args in (["claim"], ["mdev", "0000:00:02.0"]):
            p = apply_cmd(r, *args)
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertFalse(os.path.exists(record), args)

        with open(conf, "w") as f:
            f.write('device "nic" {\n  bdf = "01:00.1"\n}\n' + disk + bad +
                    'mdev "gvt-a" {\n  parent = "0000:00:02.0"\n  type = "i915-GVTg_V5_4"\n}\n')
        uuid = next(m["uuid"] for m in self.run_json(r, 1)["mdevs"] if m["entry"] == "gvt-a")
        booted(r, "--driver", "vfio-pci", "0000:01:00.1",
               "--mdev", "0000:00:02.0", "i915-GVTg_V5_4", uuid)
        for args in (["claim"], ["mdev", "0000:00:02.0"]):
            p = apply_cmd(r, *args)
            self.assertEqual(p.returncode, 1, p.stderr)
        h = apply_cmd(r, "config-hash").stdout.strip()
        with open(record) as f:
            self.assertEqual(f.read(), "claim %s\nmdev 0000:00:02.0 %s\n" % (h, h))

    def test_sriov_and_mdevs(self):
        r = copy_root("sriov-gvt", "verify-sriov")
        data = self.verify(r, 1)
        self.assertEqual([s["applied"] for s in data["sriov"]], [False])
        self.assertEqual([m["applied"] for m in data["mdevs"]], [False, False])
        msgs = [p["message"] for p in self.not_applied(data)]
        self.assertIn("4 VFs were planned on 0000:01:00.0 and it has 0 now", msgs)
        self.assertEqual(sum("does not exist" in m for m in msgs), 2)

        booted(r, "--vfs", "0000:01:00.0", "4")
        a, b = (m["uuid"] for m in data["mdevs"])
        booted(r, "--mdev", "0000:00:02.0", "i915-GVTg_V5_4", a,
               "--mdev", "0000:00:02.0", "i915-GVTg_V5_8", b)
        data = self.verify(r, 1)
        self.assertEqual([s["applied"] for s in data["sriov"]], [True])
        self.assertEqual([m["applied"] for m in data["mdevs"]], [True, False])
        bad = self.not_applied(data)
        self.assertEqual(len(bad), 1, bad)
        self.assertEqual(bad[0]["entry"], "gvt-b")
        self.assertIn("planned of type i915-GVTg_V5_4 and is of type i915-GVTg_V5_8",
                      bad[0]["message"])
        booted(r, "--mdev", "0000:00:02.0", "i915-GVTg_V5_4", b)
        data = self.verify(r, 0)
        self.assertEqual([m["applied"] for m in data["mdevs"]], [True, True])
        self.assertEqual(self.not_applied(data), [])

    def test_bar_size(self):
        sys.path.insert(0, HERE)
        from fixture.machine import _resource
        r = copy_root("amd-rebar-igpu", "verify-bar")
        booted(r, "--driver", "vfio-pci", "0000:03:00.0", "0000:03:00.1")
        data = self.verify(r, 1)
        bad = self.not_applied(data)
        self.assertEqual(len(bad), 1, bad)
        self.assertIn("BAR 2 of 0000:03:00.0 was planned at 8M and is 2M now", bad[0]["message"])
        with open(os.path.join(r, "sys/bus/pci/devices/0000:03:00.0/resource"), "w") as f:
            f.write(_resource({0: 8, 2: 3}))
        data = self.verify(r, 0)
        self.assertEqual(self.not_applied(data), [])

    def test_gpupt_off_and_errors(self):
        r = copy_root("eight-gpus", "verify-off")
        with open(os.path.join(r, "proc/cmdline"), "a") as f:
            f.write(" gpupt=off\n")
        data = self.verify(r, 1)
        self.assertIn("gpupt=off is on the kernel command line",
                      self.not_applied(data)[0]["message"])
        self.assertNoCode(data, "reboot-required")
        # a config error stays a usage error; --verify takes no argument
        bad = os.path.join(TMP, "verify-bad.conf")
        with open(bad, "w") as f:
            f.write('device "x" {\n  bdf = "zz"\n}\n')
        self.assertEqual(check(r, "--verify", config=bad).returncode, 2)
        self.assertEqual(check(r, "--verify=yes").returncode, 2)


class HostFacts:
    """What a fixture root holds about each PCI function, read straight from
    its files, to compare `gpupt-check --list` against."""

    def __init__(self, rootdir):
        self.root = rootdir
        self.devices = os.path.join(rootdir, "sys/bus/pci/devices")
        self.bdfs = sorted(os.listdir(self.devices))
        self.aliases = self._aliases()
        self.names = self._pciids()
        self.root_disks = self._root_disks()

    def attr(self, bdf, name):
        try:
            with open(os.path.join(self.devices, bdf, name)) as f:
                return f.read().strip()
        except FileNotFoundError:
            return None

    def link(self, bdf, name):
        p = os.path.join(self.devices, bdf, name)
        return os.path.basename(os.readlink(p)) if os.path.islink(p) else None

    def _aliases(self):
        with open(os.path.join(self.root, "proc/sys/kernel/osrelease")) as f:
            base = os.path.join(self.root, "lib/modules", f.read().strip())
        with open(os.path.join(base, "modules.alias")) as f:
            out = [l.split()[1:3] for l in f if l.startswith("alias ")]
        # built-in modules' aliases: "name.alias=pattern" records
        try:
            with open(os.path.join(base, "modules.builtin.modinfo"), "rb") as f:
                for rec in f.read().decode().split("\0"):
                    mod, _, rest = rec.partition(".")
                    if rest.startswith("alias="):
                        out.append([rest[6:], mod])
        except FileNotFoundError:
            pass
        return out

    def modules(self, bdf):
        import fnmatch
        ma = self.attr(bdf, "modalias")
        return sorted({m.replace("-", "_") for pat, m in self.aliases
                       if fnmatch.fnmatchcase(ma, pat)})

    def _pciids(self):
        for p in ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"):
            if os.path.exists(p):
                names, vendor = {}, None
                with open(p, encoding="utf-8", errors="replace") as f:
                    for line in f:
                        if line.startswith("C "):
                            break
                        if line[:1] not in ("\t", "#", "\n") and line[4:6] == "  ":
                            vendor = (line[:4], line[6:].rstrip("\n"))
                            names.setdefault(vendor[0], vendor[1])
                        elif line.startswith("\t") and not line.startswith("\t\t") and vendor:
                            names.setdefault(vendor[0] + ":" + line[1:5],
                                             vendor[1] + " " + line[7:].rstrip("\n"))
                return names
        return None

    def name(self, vid, did):
        if self.names is None:
            return None
        return self.names.get(vid + ":" + did, self.names.get(vid))

    def _root_disks(self):
        """Functions with a block device below them (the fixtures' only disks
        are root disks), and those of the image build's record that still match."""
        out = set()
        blk = os.path.join(self.root, "sys/class/block")
        for b in os.listdir(blk) if os.path.isdir(blk) else []:
            parts = os.path.realpath(os.path.join(blk, b)).split("/")
            pci = [p for p in parts if len(p) == 12 and p[4] == ":" and p[10] == "."]
            if pci:
                out.add(pci[-1])
        try:
            with open(os.path.join(self.root, "usr/lib/gpupt/root-disk")) as f:
                for line in f:
                    bdf, vd = line.split()
                    if bdf in self.bdfs and self.fn_id(bdf) == vd:
                        out.add(bdf)
        except FileNotFoundError:
            pass
        return out

    def fn_id(self, bdf):
        return "%s:%s" % (self.attr(bdf, "vendor")[2:], self.attr(bdf, "device")[2:])

    def group(self, bdf):
        g = self.link(bdf, "iommu_group")
        return int(g) if g is not None else None

    def reset(self, bdf):
        rm = self.attr(bdf, "reset_method")
        if rm is not None:
            return rm.split(), "reset_method"
        with open(os.path.join(self.devices, bdf, "config"), "rb") as f:
            cfg = f.read()
        methods, pos = [], cfg[0x34] & 0xFC
        while pos >= 0x40:
            if cfg[pos] == 0x10 and int.from_bytes(cfg[pos + 4:pos + 8], "little") & (1 << 28):
                methods.append("flr")
            pos = cfg[pos + 1] & 0xFC
        return methods, "config"

    def slot_first(self, bdf):
        return [b for b in self.bdfs if b[:10] == bdf[:10]][0]

    def expect(self, bdf, entries, uses=None):
        """The function's object as the --list JSON contract gives it."""
        vid, did = self.attr(bdf, "vendor")[2:], self.attr(bdf, "device")[2:]
        cls = self.attr(bdf, "class")
        numa = int(self.attr(bdf, "numa_node"))
        methods, source = self.reset(bdf)
        total = self.attr(bdf, "sriov_totalvfs")
        first = self.slot_first(bdf)      # the link is the slot's, as gpupt reads it
        # a bridge's link is the one to the device below it, which shows it
        speed = None if cls.startswith("0x0604") else self.attr(first, "current_link_speed")
        group = self.group(bdf)
        driver = self.link(bdf, "driver")
        vfio_group = None
        if driver and "vfio" in driver and group is not None and \
                os.path.exists(os.path.join(self.root, "dev/vfio", str(group))):
            vfio_group = "/dev/vfio/%d" % group
        cdev_dir = os.path.join(self.devices, bdf, "vfio-dev")
        cdevs = os.listdir(cdev_dir) if os.path.isdir(cdev_dir) else []
        mdev_dir = os.path.join(self.devices, bdf, "mdev_supported_types")
        return {
            "bdf": bdf, "id": vid + ":" + did,
            "subsystem_id": "%s:%s" % (self.attr(bdf, "subsystem_vendor")[2:],
                                       self.attr(bdf, "subsystem_device")[2:]),
            "class": cls, "name": self.name(vid, did), "iommu_group": group,
            "driver": driver, "modules": self.modules(bdf),
            "numa_node": numa if numa >= 0 else None,
            "local_cpus": self.attr(bdf, "local_cpulist"),
            "reset_methods": methods, "reset_source": source,
            "boot_vga": self.attr(bdf, "boot_vga") == "1",
            "root_disk": bdf in self.root_disks,
            "bridge": cls.startswith("0x0604"),
            "sriov": None if total is None else {
                "total_vfs": int(total), "current_vfs": int(self.attr(bdf, "sriov_numvfs"))},
            "physfn": self.link(bdf, "physfn"),
            "mdev_types": sorted(os.listdir(mdev_dir)) if os.path.isdir(mdev_dir) else [],
            "link": None if speed is None else {
                "speed": speed, "width": int(self.attr(first, "current_link_width")),
                "max_speed": self.attr(first, "max_link_speed"),
                "max_width": int(self.attr(first, "max_link_width"))},
            "vfio_group": vfio_group,
            "vfio_cdev": "/dev/vfio/devices/" + cdevs[0] if cdevs else None,
            "entry": entries.get(bdf),
            "used_by": (uses or {}).get(bdf, []),
        }

    def whole(self, bdfs, uses=None):
        """Whether a group can go to a VM whole, from its members' classes and
        the functions the config's sriov, mdev and vgpu entries keep."""
        ends = [b for b in bdfs if not self.attr(b, "class").startswith("0x0604")]
        return bool(ends) and not any(self.attr(b, "class").startswith("0x06") or
                                      b in self.root_disks or b in (uses or {}) for b in ends)


def list_json(rootdir, *args):
    p = check(rootdir, "--list", "--json", *args)
    if p.returncode != 0:
        raise AssertionError("--list --json exited %d: %s" % (p.returncode, p.stderr))
    return json.loads(p.stdout)


def scenario_names():
    sys.path.insert(0, HERE)
    from fixture.scenarios import SCENARIOS
    return list(SCENARIOS)


class ListHost(Base):
    """gpupt-check --list on every recorded machine, against the tree itself."""

    def entries(self, r):
        _, data = report(r)
        return {c["bdf"]: c["entry"] for c in data["claims"]}

    def uses(self, r):
        """The functions the sriov, mdev and vgpu entries keep on the host:
        {bdf: [{"kind": …, "entry": …}, …]}, in config order."""
        _, data = report(r)
        out = {}

        def full(a):
            return a if len(a) == 12 else "0000:" + a
        for kind, key, objs in (("sriov", "pf", data["sriov"]), ("mdev", "parent", data["mdevs"]),
                                ("vgpu", "pf", data["vgpus"])):
            for o in objs:
                out.setdefault(full(o[key]), []).append({"kind": kind, "entry": o["entry"]})
        return out

    def test_json_every_scenario(self):
        for name in scenario_names():
            with self.subTest(scenario=name):
                r = root(name)
                host = HostFacts(r)
                entries = self.entries(r)
                uses = self.uses(r)
                data = list_json(r)
                self.assertEqual(set(data), {"schema", "iommu", "config_error", "groups",
                                             "ungrouped"})
                self.assertEqual(data["schema"], 1)
                self.assertIsNone(data["config_error"])
                self.assertIMMU(data["iommu"])
                self.assertIs(data["iommu"]["iommufd"],
                              os.path.exists(os.path.join(r, "dev/iommu")))
                seen = []
                groups = [g["group"] for g in data["groups"]]
                self.assertEqual(groups, sorted(set(groups)))       # ascending, each once
                by_group = {}
                for b in host.bdfs:
                    by_group.setdefault(host.group(b), []).append(b)
                self.assertEqual(set(groups), {g for g in by_group if g is not None})
                for g in data["groups"]:
                    bdfs = [f["bdf"] for f in g["functions"]]
                    self.assertEqual(bdfs, by_group[g["group"]])     # all of it, by address
                    self.assertEqual(g["whole_to_vm"], host.whole(bdfs, uses), g)
                    self.assertEqual(g["reason"] is None, g["whole_to_vm"])
                    self.assertEqual(g["reason_code"] is None, g["whole_to_vm"])
                    # no line for a group the config claims already
                    unclaimed = [b for b in bdfs if entries.get(b) is None and
                                 not host.attr(b, "class").startswith("0x0604")]
                    self.assertEqual(g["suggest"] is not None,
                                     g["whole_to_vm"] and bool(unclaimed), g)
                    boot = [b for b in bdfs if host.attr(b, "boot_vga") == "1"]
                    self.assertEqual(len(g["warnings"]), len(boot) if g["whole_to_vm"] else 0)
                    self.assertEqual(g["warning_codes"], ["boot-vga"] * len(g["warnings"]))
                    for b, w in zip(boot, g["warnings"]):
                        self.assertIn(b, w)
                    for f in g["functions"]:
                        self.assertEqual(f, host.expect(f["bdf"], entries, uses))
                    seen += bdfs
                self.assertEqual([f["bdf"] for f in data["ungrouped"]], by_group.get(None, []))
                for f in data["ungrouped"]:
                    self.assertEqual(f, host.expect(f["bdf"], entries, uses))
                seen += [f["bdf"] for f in data["ungrouped"]]
                self.assertEqual(sorted(seen), host.bdfs)            # every function once
                self.assertEqual(len(seen), len(set(seen)))

    def test_big_host(self):
        """A host of 520 functions (bench/mkbig.py), where the facts are read
        by several threads in runs: still every function once, each with its
        own facts, and each VF with its PF."""
        r = os.path.join(TMP, "big-104")
        subprocess.run([sys.executable, os.path.join(os.path.dirname(HERE), "bench", "mkbig.py"),
                        "104", r], check=True, stdout=subprocess.DEVNULL)
        host = HostFacts(r)
        entries = self.entries(r)
        data = list_json(r)
        fns = [f for g in data["groups"] for f in g["functions"]]
        self.assertEqual(len(fns), 520)
        self.assertEqual([f["bdf"] for f in fns],
                         sorted(host.bdfs, key=lambda b: (host.group(b), b)))
        for f in fns:
            self.assertEqual(f, host.expect(f["bdf"], entries))
        self.assertEqual(sum(1 for f in fns if f["physfn"]), 13 * 3)
        self.assertEqual(sum(1 for f in fns if f["entry"]), 16)

    def test_suggestions_claim_their_groups(self):
        """The config lines of every group that can go whole, pasted into one
        config, claim exactly those groups' endpoints and leave no group impure."""
        empty = os.path.join(TMP, "empty.conf")
        open(empty, "w").close()
        for name in scenario_names():
            with self.subTest(scenario=name):
                r = root(name)
                data = list_json(r, "--config", empty)
                whole = [g for g in data["groups"] if g["whole_to_vm"]]
                if not whole:
                    continue
                conf = os.path.join(TMP, "suggest-%s.conf" % name)
                with open(conf, "w") as f:
                    f.write("on_impure_group = fail\n" +
                            "".join(g["suggest"] + "\n" for g in whole))
                _, plan = report(r, config=conf)
                self.assertSchema(plan)
                want = sorted(f["bdf"] for g in whole for f in g["functions"] if not f["bridge"])
                self.assertEqual(sorted(c["bdf"] for c in plan["claims"]), want)
                for code in ("config-error", "impure-group", "no-match", "device-changed",
                             "root-disk", "partial-slot", "conflicting-claims",
                             "claimed-elsewhere"):
                    self.assertNoCode(plan, code)

    def test_suggestions_add_to_the_config(self):
        """With a config, the lines suggested are only for what it leaves: added
        to it, they claim every group that can go whole, and none claims nothing."""
        for name in scenario_names():
            with self.subTest(scenario=name):
                r = root(name)
                data = list_json(r)
                whole = [g for g in data["groups"] if g["whole_to_vm"]]
                conf = os.path.join(TMP, "suggest-more-%s.conf" % name)
                with open(os.path.join(r, "etc", "gpupt.conf")) as f:
                    text = f.read()
                with open(conf, "w") as f:
                    f.write(text + "".join(g["suggest"] + "\n" for g in whole if g["suggest"]))
                rc, plan = report(r, config=conf)
                self.assertNotEqual(rc, 2, plan["problems"])
                claimed = {c["bdf"] for c in plan["claims"]}
                for g in whole:
                    for f in g["functions"]:
                        if not f["bridge"]:
                            self.assertIn(f["bdf"], claimed)
                self.assertNoCode(plan, "claimed-elsewhere")

    def test_human_every_scenario(self):
        import re
        fn_re = re.compile(r"^  ([*+-]) ([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) "
                           r"\[([0-9a-f]{4}:[0-9a-f]{4})\]")
        for name in scenario_names():
            with self.subTest(scenario=name):
                r = root(name)
                host = HostFacts(r)
                entries = self.entries(r)
                uses = self.uses(r)
                data = list_json(r)
                whole = {g["group"]: g for g in data["groups"]}
                p = check(r, "--list")
                self.assertEqual(p.returncode, 0, p.stderr)
                group, blocks, cur, configs = "none", {}, None, {}
                for line in p.stdout.splitlines():
                    m = re.match(r"^IOMMU group (\d+): (.*)$", line)
                    if m:
                        group, cur = int(m.group(1)), None
                        self.assertEqual(m.group(2) == "can go to a VM whole",
                                         whole[group]["whole_to_vm"], line)
                        continue
                    if line.startswith("No IOMMU group"):
                        group, cur = None, None
                        continue
                    if line.startswith("    config:  "):
                        configs.setdefault(group, []).append(line[13:])
                        continue
                    m = fn_re.match(line)
                    if m:
                        self.assertNotIn(m.group(2), blocks)           # once
                        cur = m.group(2)
                        blocks[cur] = dict(group=group, mark=m.group(1), id=m.group(3),
                                           text=line)
                    elif cur and line.startswith("      "):
                        blocks[cur]["text"] += "\n" + line
                self.assertEqual(sorted(blocks), host.bdfs)
                for g in data["groups"]:
                    self.assertEqual(configs.get(g["group"], []),
                                     g["suggest"].split("\n") if g["suggest"] else [])
                for bdf, b in blocks.items():
                    e = host.expect(bdf, entries, uses)
                    self.assertEqual(b["group"], e["iommu_group"], bdf)
                    self.assertEqual(b["id"], e["id"])
                    self.assertEqual(b["mark"], "*" if e["entry"] else "+" if e["used_by"]
                                     else "-", bdf)
                    if e["used_by"]:
                        said, kind = "", None
                        for u in e["used_by"]:
                            if u["kind"] != kind:
                                said += "%s %s of %s" % (";" if kind else "",
                                                         "parent" if u["kind"] == "mdev" else "PF",
                                                         u["kind"])
                            else:
                                said += ","
                            said += ' "%s"' % u["entry"]
                            kind = u["kind"]
                        self.assertTrue(b["text"].split("\n")[0].endswith("  <-" + said),
                                        b["text"])
                    t = b["text"]
                    self.assertIn("class %s, subsystem %s, driver %s, modules %s" % (
                        e["class"], e["subsystem_id"], e["driver"] or "none",
                        ", ".join(e["modules"]) or "none"), t)
                    self.assertIn("NUMA node %s, CPUs %s, reset %s" % (
                        e["numa_node"] if e["numa_node"] is not None else "none",
                        e["local_cpus"], ", ".join(e["reset_methods"]) or "none"), t)
                    if e["reset_source"] == "config":
                        self.assertIn("(from config space)", t)
                    if e["link"]:
                        self.assertIn("link %s x%d of %s x%d" % (
                            e["link"]["speed"], e["link"]["width"], e["link"]["max_speed"],
                            e["link"]["max_width"]), t)
                    else:
                        self.assertNotIn(", link ", t)
                    if e["entry"]:
                        self.assertIn('claimed by "%s"' % e["entry"], t)
                    for cond, text in ((e["boot_vga"], "boot VGA"), (e["root_disk"], "root disk"),
                                       (e["vfio_group"], "VFIO group %s" % e["vfio_group"]),
                                       (e["vfio_cdev"], "VFIO device %s" % e["vfio_cdev"]),
                                       (e["physfn"], "VF of %s" % e["physfn"]),
                                       (e["mdev_types"], "mdev types " + ", ".join(e["mdev_types"])),
                                       (e["sriov"], "SR-IOV %s of %s VFs" % (
                                           (e["sriov"] or {}).get("current_vfs"),
                                           (e["sriov"] or {}).get("total_vfs")))):
                        self.assertEqual(text in t, bool(cond), (bdf, text, t))

    def test_display_filter(self):
        """--display: the groups with a display controller, whole; nothing else."""
        for name in ("eight-gpus", "sriov-gvt", "iommu-off-intel"):
            with self.subTest(scenario=name):
                r = root(name)
                host = HostFacts(r)
                data = list_json(r, "--display")
                disp = {b for b in host.bdfs if host.attr(b, "class").startswith("0x03")}
                want = sorted({host.group(b) for b in disp} - {None})
                self.assertEqual([g["group"] for g in data["groups"]], want)
                for g in data["groups"]:
                    self.assertEqual([f["bdf"] for f in g["functions"]],
                                     [b for b in host.bdfs if host.group(b) == g["group"]])
                self.assertEqual([f["bdf"] for f in data["ungrouped"]],
                                 sorted(b for b in disp if host.group(b) is None))
                p = check(r, "--list", "--display")
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stdout.count("\nIOMMU group "), len(want))
        self.assertGreater(len(list_json(root("eight-gpus"), "--display")["groups"]), 1)

    def test_usage(self):
        r = root("eight-gpus")
        for args in (("--display",), ("--list", "--quiet")):
            p = check(r, *args)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(p.stdout, "")
        empty = os.path.join(TMP, "empty-root")
        os.makedirs(empty, exist_ok=True)
        p = check(empty, "--list")
        self.assertEqual(p.returncode, 2)
        self.assertIn("gpupt-check:", p.stderr)

    def test_config_error_lists_the_host(self):
        """A config that does not load: the host all the same (the admin needs
        its addresses to fix it), then the error, exit 2."""
        r = root("sriov-gvt")
        bad, empty = os.path.join(TMP, "list-bad.conf"), os.path.join(TMP, "list-empty.conf")
        with open(bad, "w") as f:
            f.write('device "x" {\n  bdf = "zz"\n}\n')
        open(empty, "w").close()
        p, plain = check(r, "--list", config=bad), check(r, "--list", config=empty)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, plain.stdout)
        self.assertIn("\n  - 0000:01:00.0 [8086:1572] ", p.stdout)
        error = (f'{bad}:2: device "x": bdf "zz" is not a PCI address (dddd:bb:dd.f, bb:dd.f, '
                 'or bb:dd for the whole slot)')
        self.assertEqual(p.stderr, "gpupt-check: the config does not load, so the listing "
                                   "shows no claims:\n" + error + "\n")
        p = check(r, "--list", "--json", config=bad)
        self.assertEqual((p.returncode, p.stderr), (2, ""))
        data = json.loads(p.stdout)
        self.assertEqual(data["config_error"], {"code": "config-error", "message": error})
        data["config_error"] = None
        self.assertEqual(data, json.loads(check(r, "--list", "--json", config=empty).stdout))

    def test_root_without_sys(self):
        """A directory without sys/ is no machine: never Ready on nothing."""
        r = os.path.join(TMP, "not a root")
        os.makedirs(os.path.join(r, "etc"), exist_ok=True)
        for args in ([], ["--list"], ["--verify"], ["--json"], ["--import"]):
            p = check(r, *args)
            self.assertEqual((p.returncode, p.stdout), (2, ""), args)
            self.assertEqual(p.stderr, f"gpupt-check: {r} is not a root: it has no sys "
                                       "directory (a root holds a machine's sys, proc and etc)\n")
        p = check("/", "--help")
        self.assertEqual(p.returncode, 0)

    def test_no_match_names_the_listing_of_the_root(self):
        """Under --root, lspci lists this machine, not the root's."""
        r = copy_root("sriov-gvt", "no match root")
        conf = os.path.join(TMP, "no-match-root.conf")
        with open(conf, "w") as f:
            f.write('device "gone" { bdf = "0000:99:00.0" }\n'
                    'sriov "nic9" { pf = "0000:98:00.0"  vfs = 1 }\n')
        msgs = {pr["entry"]: pr["message"] for pr in self.run_json(r, 1, config=conf)["problems"]}
        self.assertEqual(msgs["gone"], f"no PCI device at 0000:99:00.0 (from {conf}:1); "
                                       f"`gpupt-check --list --root '{r}'` lists the addresses "
                                       "this machine has")
        self.assertEqual(msgs["nic9"], 'no PCI device at 0000:98:00.0, the pf of sriov "nic9" '
                                       f"({conf}:2); `gpupt-check --list --root '{r}'` lists "
                                       "the addresses")
        r = root("sriov-gvt")
        msgs = {pr["entry"]: pr["message"] for pr in self.run_json(r, 1, config=conf)["problems"]}
        self.assertIn(f"; `gpupt-check --list --root {r}` lists the addresses this machine has",
                      msgs["gone"])

    def test_sriov_and_mdev_entries_keep_their_functions(self):
        """sriov-gvt: the SR-IOV PF and the mdev parent stay on the host for
        the VFs and mdevs; --list counts them and offers neither to a VM."""
        p = check(root("sriov-gvt"), "--list")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[-1], "6 functions in 4 groups shown (1 of them can go to a VM "
                                    "whole); 0 claimed by the config (*), 2 kept on the host by "
                                    "its sriov, mdev or vgpu entries (+).")
        self.assertIn('IOMMU group 1: not for a VM whole: it holds 0000:00:02.0, the parent of '
                      'mdev "gvt-a", which keeps its host driver to make the mdevs', lines)
        self.assertIn('  + 0000:00:02.0 [8086:3e92] Intel Corporation CoffeeLake-S GT2 '
                      '[UHD Graphics 630]  <- parent of mdev "gvt-a", "gvt-b"', lines)
        self.assertIn('IOMMU group 2: not for a VM whole: it holds 0000:01:00.0, the PF of '
                      'sriov "nic0", which keeps its host driver to make the VFs', lines)
        self.assertEqual([l for l in lines if l.startswith("    config:")],
                         ['    config:  device "vm-01-00-1" { bdf = "0000:01:00.1" '
                          'functions = single expect = "8086:1533" }'])
        groups = {g["group"]: g for g in list_json(root("sriov-gvt"))["groups"]}
        self.assertEqual([(g["whole_to_vm"], g["reason_code"], g["suggest"] is None)
                          for g in groups.values()],
                         [(False, "mdev-parent", True), (False, "sriov-pf", True),
                          (True, None, False), (False, "root-disk", True)])
        self.assertEqual(groups[2]["functions"][1]["used_by"],
                         [{"kind": "sriov", "entry": "nic0"}])

    def test_vfio_nodes_and_iommufd_in_check(self):
        data = self.run_json(root("vfio-bound"), 0)
        self.assertIs(data["iommu"]["iommufd"], True)
        self.assertEqual([(c["bdf"], c["vfio_group"], c["vfio_cdev"]) for c in data["claims"]],
                         [("0000:01:00.%d" % f, "/dev/vfio/11", "/dev/vfio/devices/vfio%d" % f)
                          for f in range(4)])
        p = check(root("vfio-bound"))
        self.assertIn("iommufd: yes (/dev/iommu)", p.stdout)
        self.assertIn("\n0000:01:00.2  /dev/vfio/11  /dev/vfio/devices/vfio2\n", p.stdout)
        data = self.run_json(root("eight-gpus"), 0)
        self.assertIs(data["iommu"]["iommufd"], False)
        self.assertEqual({(c["vfio_group"], c["vfio_cdev"]) for c in data["claims"]},
                         {(None, None)})
        self.assertIn("iommufd: no", check(root("eight-gpus")).stdout)
        self.assertNotIn("VFIO NODES", check(root("eight-gpus")).stdout)
        # the group node alone, before Linux 6.6: no cdev
        r = copy_root("vfio-bound", "vfio-no-cdev")
        for f in range(4):
            shutil.rmtree(os.path.join(r, "sys/bus/pci/devices/0000:01:00.%d/vfio-dev" % f))
        os.unlink(os.path.join(r, "dev/iommu"))
        data = self.run_json(r, 0)
        self.assertIs(data["iommu"]["iommufd"], False)
        self.assertEqual({(c["vfio_group"], c["vfio_cdev"]) for c in data["claims"]},
                         {("/dev/vfio/11", None)})

    def test_old_kernel_reset_from_config(self):
        data = list_json(root("old-kernel"))
        fns = {f["bdf"]: f for g in data["groups"] for f in g["functions"]}
        self.assertEqual((fns["0000:0a:00.0"]["reset_methods"], fns["0000:0a:00.0"]["reset_source"]),
                         (["flr"], "config"))
        self.assertEqual(fns["0000:0a:00.1"]["reset_methods"], [])
        # unprivileged, config space shows its first 64 bytes only: unknown
        r = copy_root("old-kernel", "old-kernel-short-config")
        cfg = os.path.join(r, "sys/bus/pci/devices/0000:0a:00.0/config")
        with open(cfg, "rb") as f:
            head = f.read(64)
        with open(cfg, "wb") as f:
            f.write(head)
        fns = {f["bdf"]: f for g in list_json(r)["groups"] for f in g["functions"]}
        self.assertEqual((fns["0000:0a:00.0"]["reset_methods"], fns["0000:0a:00.0"]["reset_source"]),
                         (None, None))
        self.assertIn("reset unknown", check(r, "--list").stdout)


class NumaPerFunction(Base):
    """numa_node is each function's own (firmware's _PXM is per device, and
    the attribute is writable to override broken firmware; the kernel
    derives local_cpulist from it). On eight-gpus, whose bus c1 holds one
    GPU's four functions on node 1, the HDMI audio function 0000:c1:00.1 is
    moved to node 0 here, as `echo 0 > numa_node` does: gpupt-check, --list
    and --libvirt report node 0 for it alone."""

    MOVED = "0000:c1:00.1"

    def host(self):
        r = copy_root("eight-gpus", "numa-per-function")
        dev = os.path.join(r, "sys", "bus", "pci", "devices", self.MOVED)
        for attr, value in (("numa_node", "0"), ("local_cpulist", "0-15")):
            with open(os.path.join(dev, attr), "w") as f:
                f.write(value + "\n")
        return r

    def test_claims(self):
        data = self.run_json(self.host(), 0)
        nodes = {c["bdf"]: c["numa_node"] for c in data["claims"] if c["bdf"][:7] == "0000:c1"}
        self.assertEqual(nodes, {"0000:c1:00.0": 1, "0000:c1:00.1": 0,
                                 "0000:c1:00.2": 1, "0000:c1:00.3": 1})

    def test_list(self):
        fns = {f["bdf"]: f for g in list_json(self.host())["groups"] for f in g["functions"]}
        self.assertEqual([(b, fns[b]["numa_node"], fns[b]["local_cpus"])
                          for b in sorted(fns) if b[:7] == "0000:c1"],
                         [("0000:c1:00.0", 1, "16-31"), ("0000:c1:00.1", 0, "0-15"),
                          ("0000:c1:00.2", 1, "16-31"), ("0000:c1:00.3", 1, "16-31")])
        # the bus beside it keeps node 1 throughout
        self.assertEqual({fns[b]["numa_node"] for b in fns if b[:7] == "0000:c2"}, {1})

    def test_libvirt(self):
        """--libvirt reads each claim's details (host_details), its own node
        among them; this keeps it so."""
        r = self.host()
        # the whole slot spans two nodes now: no placement
        p = check(r, "--libvirt", "vm-gpu-0")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("<numatune>\n", p.stdout)
        self.assertIn("NUMA nodes 1 and 0 (%s)" % self.MOVED, p.stdout)
        # the moved function alone, claimed after its bus-mate: its own node
        conf = os.path.join(TMP, "numa-per-function.conf")
        with open(conf, "w") as f:
            f.write('on_impure_group = warn\n'
                    'device "vm-gpu" {\n  bdf = "0000:c1:00.0"\n  functions = single\n}\n'
                    'device "vm-audio" {\n  bdf = "%s"\n  functions = single\n}\n' % self.MOVED)
        p = check(r, "--libvirt", "vm-audio", config=conf)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("<vcpu placement='static' cpuset='0-15'>16</vcpu>\n"
                      "<numatune>\n  <memory mode='strict' nodeset='0'/>\n</numatune>\n",
                      p.stdout)
        p = check(r, "--libvirt", "vm-gpu", config=conf)
        self.assertIn("<memory mode='strict' nodeset='1'/>", p.stdout)


class OneReaderPerFact(Base):
    """--list takes each function's attributes from the host model, which
    the check reads them with: where the two read one attribute apart, the
    kernel's ABI (Documentation/ABI/testing/sysfs-bus-pci) settles it.
    boot_vga exists on VGA-class functions only and is 1 for the boot
    device; a 3D controller's file in a copied tree says nothing. A VF is
    what has a physfn link, whatever its PF's sriov_numvfs read. A negative
    sriov_totalvfs is no kernel's "%u": the function cannot be read, for
    --list as for the check."""

    GPU3D, PF, VF, BAD = "0000:01:00.0", "0000:02:00.0", "0000:02:02.0", "0000:03:00.0"
    UNREADABLE = "cannot be read: its sysfs entry holds values that do not parse"

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, HERE)
        from fixture import kmod
        from fixture.machine import Machine
        cls.root = os.path.join(TMP, "one-reader-per-fact")
        m = Machine(cls.root)
        m.intel_iommu()
        m.fn("0000:00:00.0", 0x8086, 0x09A2, 0x060000, group=0, numa=0)
        m.fn("0000:00:02.0", 0x8086, 0x3E92, 0x030000, driver="i915", group=1, boot_vga=True)
        m.bridge("0000:00:01.0", group=2, numa=0)
        m.fn(cls.GPU3D, 0x10DE, 0x26B9, 0x030200, parent="0000:00:01.0", driver="nvidia",
             group=3, numa=0)
        m.write(os.path.relpath(os.path.join(m.path(cls.GPU3D), "boot_vga"), m.root), "1\n")
        m.bridge("0000:00:03.0", group=4, numa=1)
        # the PF read when no VF was enabled yet, its VF there now
        m.fn(cls.PF, 0x8086, 0x1572, 0x020000, parent="0000:00:03.0", driver="i40e", group=5,
             numa=1, sriov=(64, 0))
        m.fn(cls.VF, 0x8086, 0x154C, 0x020000, parent="0000:00:03.0", driver="iavf", group=6,
             numa=1, physfn=cls.PF)
        m.bridge("0000:00:1c.0", group=7, numa=1)
        m.fn(cls.BAD, 0x8086, 0x1572, 0x020000, parent="0000:00:1c.0", driver="i40e", group=8,
             numa=1, sriov=(8, 0))
        m.write(os.path.relpath(os.path.join(m.path(cls.BAD), "sriov_totalvfs"), m.root),
                "-1\n")
        kmod.build(m.root, m.release)
        m.loaded("i915", "nvidia", "i40e", "iavf")
        m.config('device "gpu" {\n  bdf = "01:00"\n}\n'
                 'sriov "nic" {\n  pf = "%s"\n  vfs = 2\n}\n' % cls.BAD)

    def listed(self):
        data = list_json(self.root)
        return data, {f["bdf"]: f for g in data["groups"] for f in g["functions"]}

    def test_boot_vga(self):
        _, data = report(self.root)
        self.assertNoCode(data, "boot-vga")       # the check never asked the 3D controller
        groups, fns = self.listed()
        self.assertIs(fns[self.GPU3D]["boot_vga"], False)
        self.assertIs(fns["0000:00:02.0"]["boot_vga"], True)
        g3 = [g for g in groups["groups"] if g["group"] == 3][0]
        self.assertEqual(g3["warnings"], [])

    def test_vf_from_physfn(self):
        _, fns = self.listed()
        self.assertEqual(fns[self.VF]["physfn"], self.PF)
        self.assertIsNone(fns[self.PF]["physfn"])
        self.assertEqual(fns[self.PF]["sriov"], {"total_vfs": 64, "current_vfs": 0})
        self.assertIn("VF of %s" % self.PF, check(self.root, "--list").stdout)

    def test_negative_sriov_totalvfs(self):
        _, data = report(self.root)
        msgs = [p["message"] for p in data["problems"]
                if p["code"] == "no-match" and p["entry"] == "nic"]
        self.assertEqual(msgs, ["%s %s" % (self.BAD, self.UNREADABLE)])
        _, fns = self.listed()
        f = fns[self.BAD]
        self.assertEqual((f["numa_node"], f["local_cpus"], f["reset_methods"], f["sriov"]),
                         (None, None, None, None))
        self.assertEqual(f["driver"], "i40e")     # the uevent's facts stay
        text = check(self.root, "--list").stdout
        # '+': the PF of an sriov entry (used by the config, not claimed)
        block = text[text.index("  + " + self.BAD):]
        self.assertIn("\n      " + self.UNREADABLE + "\n", block)


class ResetChecks(Base):
    """no-reset and reset-method-unsupported."""

    def problems(self, data, code):
        return {pr["bdf"]: pr for pr in data["problems"] if pr["code"] == code}

    def test_no_reset(self):
        data = self.run_json(root("reset-methods"), 0)
        found = self.problems(data, "no-reset")
        self.assertEqual(sorted(found), ["0000:03:00.0"])  # the audio function has flr
        msg = found["0000:03:00.0"]["message"]
        self.assertEqual(found["0000:03:00.0"]["severity"], "warning")
        for words in ("second VM start", "AMD reset bug", "vendor-reset",
                      'reset_method = "device_specific"', "bus"):
            self.assertIn(words, msg)
        # a method appears (vendor-reset loaded): the warning is gone
        r = copy_root("reset-methods", "reset-fixed")
        with open(os.path.join(r, "sys/bus/pci/devices/0000:03:00.0/reset_method"), "w") as f:
            f.write("device_specific\n")
        self.assertNoCode(self.run_json(r, 0), "no-reset")

    def test_all_methods_off(self):
        data = self.run_json(root("reset-methods"), 0, variant="disabled")
        found = self.problems(data, "no-reset")
        self.assertEqual(sorted(found), ["0000:06:00.0"])
        self.assertIn("reads empty", found["0000:06:00.0"]["message"])

    def test_reset_method_offered(self):
        data = self.run_json(root("reset-methods"), 0, variant="device-specific")
        self.assertEqual(data["problems"], [])

    def test_reset_method_not_offered(self):
        data = self.run_json(root("reset-methods"), 1, variant="flr-missing")
        found = self.problems(data, "reset-method-unsupported")
        self.assertEqual(sorted(found), ["0000:05:00.0"])
        self.assertEqual(found["0000:05:00.0"]["entry"], "vm-navi-gpu")
        self.assertIn('"flr"', found["0000:05:00.0"]["message"])
        self.assertIn('"device_specific bus"', found["0000:05:00.0"]["message"])
        self.assertIn("flr-missing.conf:1", found["0000:05:00.0"]["message"])
        data = self.run_json(root("reset-methods"), 1, variant="none-offered")
        self.assertEqual(sorted(self.problems(data, "reset-method-unsupported")),
                         ["0000:03:00.0"])

    def test_old_kernel_reads_config_space(self):
        data = self.run_json(root("reset-old-kernel"), 0)
        found = self.problems(data, "no-reset")
        self.assertEqual(sorted(found), ["0000:03:00.1"])  # 03:00.0 advertises FLR
        self.assertIn("neither FLR nor a PM reset", found["0000:03:00.1"]["message"])
        # without FLR in its config space, 03:00.0 warns too
        r = copy_root("reset-old-kernel", "reset-no-flr")
        cfg = os.path.join(r, "sys/bus/pci/devices/0000:03:00.0/config")
        with open(cfg, "r+b") as f:
            f.seek(0x44)
            f.write(bytes(4))
        self.assertEqual(sorted(self.problems(self.run_json(r, 0), "no-reset")),
                         ["0000:03:00.0", "0000:03:00.1"])
        # the 64 bytes an unprivileged read gets tell nothing: no warning
        r = copy_root("reset-old-kernel", "reset-short-config")
        cfg = os.path.join(r, "sys/bus/pci/devices/0000:03:00.1/config")
        with open(cfg, "r+b") as f:
            f.truncate(64)
        self.assertNoCode(self.run_json(r, 0), "no-reset")

    def test_old_kernel_reset_method(self):
        data = self.run_json(root("reset-old-kernel"), 1, variant="reset-method")
        found = self.problems(data, "reset-method-unsupported")
        self.assertEqual(sorted(found), ["0000:03:00.0", "0000:03:00.1"])
        self.assertIn("5.15", found["0000:03:00.0"]["message"])


class BootFramebuffer(Base):
    def test_raised(self):
        data = self.run_json(root("boot-framebuffer"), 1)
        found = [pr for pr in data["problems"] if pr["code"] == "boot-framebuffer"]
        self.assertEqual([pr["bdf"] for pr in found], ["0000:03:00.0"])
        msg = found[0]["message"]
        for words in ("BAR 1", "BOOTFB", "can't reserve", "black screen", "video=efifb:off",
                      "initcall_blacklist=sysfb_init", "boot display"):
            self.assertIn(words, msg)
        self.assertRaisesCode(data, "boot-vga", "warning")

    def test_other_gpu(self):
        data = self.run_json(root("boot-framebuffer"), 0, variant="other-gpu")
        self.assertNoCode(data, "boot-framebuffer")

    def test_iomem_forms(self):
        iomem = os.path.join("proc", "iomem")
        cases = {
            # read by someone who is not root: all addresses 0
            "fb-zeros": ("00000000-00000000 : PCI Bus 0000:00\n  00000000-00000000 : BOOTFB\n",
                         0),
            "fb-garbage": ("\x01\x02 nonsense\n-- : BOOTFB\nzzzz-yyyy : efifb\n" * 50, 0),
            "fb-efifb": ("e0000000-efffffff : 0000:03:00.0\n  e0100000-e08fffff : efifb\n", 1),
            "fb-simpledrm": ("e0000000-e07fffff : simpledrm\n", 1),
            "fb-elsewhere": ("f0000000-f07fffff : BOOTFB\n", 0),
        }
        for name, (text, rc) in cases.items():
            r = copy_root("boot-framebuffer", name)
            with open(os.path.join(r, iomem), "w") as f:
                f.write(text)
            data = self.run_json(r, rc)
            (self.assertRaisesCode if rc else self.assertNoCode)(data, "boot-framebuffer")
        r = copy_root("boot-framebuffer", "fb-none")
        os.unlink(os.path.join(r, iomem))
        self.assertNoCode(self.run_json(r, 0), "boot-framebuffer")


class ForeignClaims(Base):
    HOST_GPUS = ["0000:%02x:00.%d" % (b, f) for b in (0x41, 0x42, 0x43, 0x44) for f in (0, 1)]

    def test_each_source(self):
        data = self.run_json(root("foreign-recipes"), 0)
        found = [pr for pr in data["problems"] if pr["code"] == "foreign-claim"]
        self.assertTrue(all(pr["severity"] == "warning" for pr in found))
        by_source = {}
        for pr in found:
            for src in ("/etc/modprobe.d/vfio.conf:2", "/usr/lib/modprobe.d/gpu-blacklist.conf:1",
                        "kernel command line", "/etc/driverctl.d/pci-0000:41:00.2",
                        "/etc/driverctl.d/pci-0000:c1:00.0"):
                if pr["message"].startswith(src) or src in pr["message"][:60]:
                    by_source.setdefault(src, []).append(pr["bdf"])
        self.assertEqual(sum(len(v) for v in by_source.values()), len(found))
        # modprobe ids=: the 8 host functions of that model, not gpupt's own
        self.assertEqual(sorted(by_source["/etc/modprobe.d/vfio.conf:2"]), self.HOST_GPUS)
        # the blacklist: the 4 host GPUs; snd_hda_intel is no GPU driver
        self.assertEqual(sorted(by_source["/usr/lib/modprobe.d/gpu-blacklist.conf:1"]),
                         self.HOST_GPUS[::2])
        self.assertEqual(by_source["kernel command line"], ["0000:04:00.0"])
        self.assertEqual(by_source["/etc/driverctl.d/pci-0000:41:00.2"], ["0000:41:00.2"])
        fight = by_source["/etc/driverctl.d/pci-0000:c1:00.0"]
        self.assertEqual(fight, ["0000:c1:00.0"])
        pr = next(p for p in found if p["bdf"] == "0000:c1:00.0")
        self.assertEqual(pr["entry"], "vm-gpu-0")
        self.assertIn("driverctl unset-override 0000:c1:00.0", pr["message"])
        # the /lib file of the same name is hidden by /etc's: the BMC is not named
        self.assertNotIn("0000:02:00.0", [p["bdf"] for p in found])
        # an override to the driver a function has anyway is no claim
        self.assertNotIn("0000:41:00.3", [p["bdf"] for p in found])

    def test_gone_when_removed(self):
        self.assertNoCode(self.run_json(root("eight-gpus"), 0), "foreign-claim")
        r = copy_root("foreign-recipes", "recipes-removed")
        for rel in ("etc/modprobe.d", "usr/lib/modprobe.d", "lib/modprobe.d", "etc/driverctl.d"):
            shutil.rmtree(os.path.join(r, rel))
        with open(os.path.join(r, "proc/cmdline")) as f:
            line = f.read().replace("vfio-pci.ids=8086:1533", "")
        with open(os.path.join(r, "proc/cmdline"), "w") as f:
            f.write(line)
        self.assertNoCode(self.run_json(r, 0), "foreign-claim")


class Import(Base):
    def imported(self, rootdir):
        p = check(rootdir, "--import")
        self.assertEqual(p.returncode, 0, p.stderr)
        path = os.path.join(TMP, os.path.basename(rootdir) + "-imported.conf")
        with open(path, "w") as f:
            f.write(p.stdout)
        return p.stdout, path

    def test_import_parses_and_claims(self):
        text, path = self.imported(root("foreign-recipes"))
        self.assertIn("# from /etc/modprobe.d/vfio.conf:2: options vfio-pci ids=10de:1e04,"
                      "10de:10f7 disable_vga=1\n", text)
        # what it cannot say it names, with the line it came from
        self.assertIn("# from /etc/modprobe.d/vfio.conf:2: options vfio-pci ids=10de:1e04,"
                      "10de:10f7 disable_vga=1\n"
                      "# (left out: disable_vga=1, of /etc/modprobe.d/vfio.conf:2, sets vfio-pci "
                      "itself and claims nothing; no gpupt.conf key says it: keep \"options "
                      "vfio-pci disable_vga=1\" in a modprobe.d file when you remove that line)\n"
                      'device "modprobe-vfio-2" {\n', text)
        self.assertIn('device "modprobe-vfio-2" {\n  ids = {"10de:1e04", "10de:10f7"}\n', text)
        self.assertIn('device "cmdline-vfio-pci-ids" {\n  ids = {"8086:1533"}\n', text)
        self.assertIn('device "driverctl-0000-41-00.2" {\n  bdf = "0000:41:00.2"\n'
                      '  expect = "10de:1ad6"\n', text)
        self.assertIn("# from /usr/lib/modprobe.d/gpu-blacklist.conf:1: blacklist nouveau", text)
        self.assertIn("# from /etc/modprobe.d/vfio.conf:4: softdep nouveau pre: vfio-pci", text)
        self.assertNotIn('bdf = "0000:c1:00.0"', text)  # an override to a host driver
        # gpupt's own loader reads it; the claims are those of the recipes
        rc, data = report(root("foreign-recipes"), config=path)
        self.assertSchema(data)
        self.assertNotIn("config-error", codes(data))
        claims = {c["bdf"]: c["entry"] for c in data["claims"]}
        for bdf in ForeignClaims.HOST_GPUS + ["0000:c1:00.0", "0000:c1:00.1"]:
            self.assertEqual(claims.get(bdf), "modprobe-vfio-2", bdf)
        self.assertEqual(claims["0000:04:00.0"], "cmdline-vfio-pci-ids")
        self.assertEqual(claims["0000:41:00.2"], "driverctl-0000-41-00.2")
        self.assertNotIn("0000:c1:00.2", claims)  # functions = single, as vfio-pci ids= did

    def test_import_whole_slot(self):
        """Overrides that name every function of a slot become one entry for
        the slot, which checks without partial-slot; a slot named in part
        stays per function."""
        r = copy_root("foreign-recipes", "import-slot")
        os.unlink(os.path.join(r, "etc/modprobe.d/vfio.conf"))  # its ids claim 42:00.0-1 too
        for f in range(4):
            with open(os.path.join(r, "etc/driverctl.d/pci-0000:42:00.%d" % f), "w") as o:
                o.write("vfio-pci\n")
        with open(os.path.join(r, "etc/driverctl.d/pci-0000:43:00.0"), "w") as o:
            o.write("vfio-pci\n")
        text, path = self.imported(r)
        self.assertIn("\n\n# from /etc/driverctl.d/pci-0000:42:00.0:1: vfio-pci\n"
                      "# from /etc/driverctl.d/pci-0000:42:00.1:1: vfio-pci\n"
                      "# from /etc/driverctl.d/pci-0000:42:00.2:1: vfio-pci\n"
                      "# from /etc/driverctl.d/pci-0000:42:00.3:1: vfio-pci\n"
                      "# (they name every function of 0000:42:00: one entry for the slot)\n"
                      'device "driverctl-0000-42-00" {\n  bdf = "0000:42:00"\n'
                      '  expect = "10de:1e04"\n}\n\n'
                      "# from /etc/driverctl.d/pci-0000:43:00.0:1: vfio-pci\n"
                      'device "driverctl-0000-43-00.0" {\n  bdf = "0000:43:00.0"\n'
                      '  expect = "10de:1e04"\n  functions = single\n}\n', text)
        self.assertEqual(text.count("driverctl-0000-42"), 1)
        rc, data = report(r, config=path)
        self.assertSchema(data)
        claims = {c["bdf"]: c["entry"] for c in data["claims"]}
        self.assertEqual([claims.get("0000:42:00.%d" % f) for f in range(4)],
                         ["driverctl-0000-42-00"] * 4)
        self.assertEqual([pr["bdf"] for pr in data["problems"] if pr["code"] == "partial-slot"
                          and pr["bdf"][:10] in ("0000:42:00", "0000:43:00")],
                         ["0000:43:00.0"] * 3)

    def test_import_nothing(self):
        text, path = self.imported(root("eight-gpus"))
        self.assertIn("No recipes found", text)
        self.assertNotIn("device", text.replace("devices", ""))
        rc, data = report(root("eight-gpus"), config=path)
        self.assertEqual((rc, data["claims"]), (0, []))

    def test_import_usage(self):
        for extra in (["--json"], ["--quiet"], ["--config", "/nonexistent"]):
            p = check(root("eight-gpus"), "--import", *extra)
            self.assertEqual(p.returncode, 2, extra)
            self.assertIn("--import", p.stderr)


def apply_cmd(rootdir, *args):
    return subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", rootdir] + list(args),
                          capture_output=True, text=True, timeout=120)


def claims_by_bdf(data):
    return {c["bdf"]: c["driver_at_boot"] for c in data["claims"]}


class VariantDrivers(Base):
    """driver = "auto": vfio-pci variant drivers resolved from the module index."""

    def test_auto_per_function(self):
        """One ids entry, two functions, two variants: the alias with the fewest
        wildcards wins for each function."""
        data = self.run_json(root("variant-driver"), 0)
        self.assertEqual(claims_by_bdf(data), {"0000:03:00.0": "navi_vfio_pci",
                                               "0000:03:00.1": "amd_vfio_pci"})
        self.assertEqual(codes(data, "error"), [])

    def test_explicit_name_wins(self):
        data = self.run_json(root("variant-driver"), 0, variant="explicit")
        self.assertEqual(set(claims_by_bdf(data).values()), {"vfio-pci"})

    def test_catch_all(self):
        """No variant in the index: the default gives vfio-pci, as before."""
        data = self.run_json(root("amd-modules"), 0)
        self.assertEqual(set(claims_by_bdf(data).values()), {"vfio-pci"})
        p = check(root("variant-driver"))
        self.assertIn("navi_vfio_pci", p.stdout)  # the human AT BOOT column

    def test_variant_not_installed(self):
        """The index names the variant but its file is gone: module-missing."""
        r = copy_root("variant-driver", "variant-gone")
        rel = os.listdir(os.path.join(r, "lib/modules"))[0]
        os.unlink(os.path.join(r, "lib/modules", rel,
                               "kernel/drivers/vfio/pci/navi/navi_vfio_pci.ko"))
        data = self.run_json(r, 1)
        self.assertRaisesCode(data, "module-missing")
        msg = [pr["message"] for pr in data["problems"] if pr["code"] == "module-missing"]
        self.assertIn("navi_vfio_pci", msg[0])

    def test_modules_for_the_image(self):
        """gpupt-apply modules [RELEASE]: what the image builders pack, resolved
        against the named kernel's index."""
        r = root("variant-driver")
        p = apply_cmd(r, "modules")
        self.assertEqual((p.returncode, p.stdout), (0, "navi_vfio_pci\namd_vfio_pci\n"), p.stderr)
        r = copy_root("variant-driver", "variant-other-kernel")
        rel = os.listdir(os.path.join(r, "lib/modules"))[0]
        os.rename(os.path.join(r, "lib/modules", rel), os.path.join(r, "lib/modules/9.9.9-next"))
        p = apply_cmd(r, "modules", "9.9.9-next")
        self.assertEqual((p.returncode, p.stdout), (0, "navi_vfio_pci\namd_vfio_pci\n"), p.stderr)
        # the running kernel now has no index: the catch-all
        p = apply_cmd(r, "modules")
        self.assertEqual((p.returncode, p.stdout), (0, "vfio-pci\n"), p.stderr)
        self.assertEqual(apply_cmd(r, "modules", "../x").returncode, 2)

    def test_all_variants_for_a_generic_image(self):
        """gpupt-apply modules --all-variants [RELEASE]: the plan's drivers, then
        every other module with a vfio_pci: alias, for an image that may boot a
        machine whose devices this one does not have."""
        r = copy_root("variant-driver", "variant-generic")
        shutil.copy(os.path.join(r, "etc/gpupt-variants/explicit.conf"),
                    os.path.join(r, "etc/gpupt.conf"))
        p = apply_cmd(r, "modules")
        self.assertEqual((p.returncode, p.stdout), (0, "vfio-pci\n"), p.stderr)
        p = apply_cmd(r, "modules", "--all-variants")
        self.assertEqual((p.returncode, p.stdout), (0, "vfio-pci\namd_vfio_pci\nnavi_vfio_pci\n"),
                         p.stderr)
        rel = os.listdir(os.path.join(r, "lib/modules"))[0]
        os.rename(os.path.join(r, "lib/modules", rel), os.path.join(r, "lib/modules/9.9.9-next"))
        p = apply_cmd(r, "modules", "--all-variants", "9.9.9-next")
        self.assertEqual((p.returncode, p.stdout), (0, "vfio-pci\namd_vfio_pci\nnavi_vfio_pci\n"),
                         p.stderr)
        # the plan's own variants are printed once
        p = apply_cmd(root("variant-driver"), "modules", "--all-variants")
        self.assertEqual((p.returncode, p.stdout), (0, "navi_vfio_pci\namd_vfio_pci\n"), p.stderr)
        # a kernel without variants adds nothing; one without an index fails
        p = apply_cmd(root("amd-modules"), "modules", "--all-variants")
        self.assertEqual((p.returncode, p.stdout), (0, "vfio-pci\n"), p.stderr)
        p = apply_cmd(r, "modules", "--all-variants", "1.2.3-gone")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot read the module index of kernel 1.2.3-gone", p.stderr)
        self.assertEqual(apply_cmd(r, "modules", "9.9.9-next", "--all-variants").returncode, 2)

    def test_auto_variant_missing_at_boot(self):
        """driver = "auto" resolved to a variant that this boot has no driver
        for: the function is claimed on vfio-pci, with a line naming the
        variant, and --verify reports the difference. A driver named outright
        still fails."""
        r = copy_root("variant-driver", "variant-missing-boot")
        bdfs = ["0000:03:00.0", "0000:03:00.1"]
        # the initramfs, built without the variants, left both on vfio-pci
        booted(r, "--driver", "vfio-pci", *bdfs)
        p = apply_cmd(r, "claim")
        self.assertEqual(p.returncode, 0, p.stderr)
        for bdf, variant in zip(bdfs, ("navi_vfio_pci", "amd_vfio_pci")):
            self.assertIn("gpupt-apply: %s: driver = \"auto\" resolves to the vfio-pci variant "
                          "%s, which this boot lacks (above); binding vfio-pci instead" %
                          (bdf, variant), p.stderr)
        self.assertIn("gpupt-apply: navi_vfio_pci: no PCI driver of that name is registered",
                      p.stderr)
        p = check(r, "--json", "--verify")
        self.assertEqual(p.returncode, 1, p.stdout)
        data = json.loads(p.stdout)
        missed = [(pr["bdf"], pr["message"]) for pr in data["problems"]
                  if pr["code"] == "not-applied"]
        self.assertEqual([b for b, _ in missed], bdfs)
        self.assertIn("0000:03:00.0 was planned on the vfio-pci variant navi_vfio_pci "
                      "(driver = \"auto\") and is on vfio-pci itself now", missed[0][1])
        # the GPU's variant is there: only the audio function differs
        booted(r, "--driver", "navi_vfio_pci", bdfs[0])
        p = apply_cmd(r, "claim")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(bdfs[0], p.stderr)
        self.assertIn("%s: driver = \"auto\" resolves to the vfio-pci variant amd_vfio_pci"
                      % bdfs[1], p.stderr)
        data = json.loads(check(r, "--json", "--verify").stdout)
        self.assertEqual({c["bdf"]: c["applied"] for c in data["claims"]},
                         {bdfs[0]: True, bdfs[1]: False})
        # named outright: no stand-in, the unit stays as it is
        with open(os.path.join(r, "etc/gpupt.conf"), "w") as f:
            f.write('device "vm-amd" {\n  ids = {"1002:73bf"}\n  driver = "amd_vfio_pci"\n}\n')
        p = apply_cmd(r, "claim")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("driver \"amd_vfio_pci\" is not available", p.stderr)
        self.assertNotIn("instead", p.stderr)

    def test_real_variant_module(self):
        """tests/variant/gpupt_vfio_test.ko, built from linux-headers: depmod turns
        its PCI_DRIVER_OVERRIDE_DEVICE_VFIO id into a vfio_pci: alias that "auto"
        picks for QEMU's bochs display over vfio-pci's catch-all."""
        b = subprocess.run(["bash", os.path.join(HERE, "variant", "build.sh")],
                           capture_output=True, text=True, timeout=900)
        if b.returncode != 0:
            if os.geteuid() != 0:
                self.skipTest("gpupt_vfio_test cannot be built here: " + b.stderr.strip())
            self.fail("building gpupt_vfio_test failed: " + b.stderr)
        ko = b.stdout.strip().splitlines()[-1]
        r = copy_root("variant-bochs", "variant-bochs-real")
        data = self.run_json(r, 0)
        self.assertEqual(claims_by_bdf(data), {"0000:00:03.0": "vfio-pci"})
        rel = os.listdir(os.path.join(r, "lib/modules"))[0]
        os.makedirs(os.path.join(r, "lib/modules", rel, "extra"))
        shutil.copy(ko, os.path.join(r, "lib/modules", rel, "extra", "gpupt_vfio_test.ko"))
        depmod = shutil.which("depmod") or "/usr/sbin/depmod"
        subprocess.run([depmod, "-b", r, rel], check=True)
        with open(os.path.join(r, "lib/modules", rel, "modules.alias")) as f:
            self.assertIn("alias vfio_pci:v00001234d00001111sv*sd*bc*sc*i* gpupt_vfio_test",
                          f.read())
        data = self.run_json(r, 0)
        self.assertEqual(claims_by_bdf(data), {"0000:00:03.0": "gpupt_vfio_test"})


class Vgpus(Base):
    """vgpu entries on NVIDIA's vendor-VFIO sysfs (vGPU 17+), recorded trees."""

    def test_plan(self):
        data = self.run_json(root("vgpu-l40s"), 0)
        self.assertEqual(data["vgpus"], [
            {"pf": "0000:41:00.0", "entry": "vm-a", "type": "NVIDIA L40S-8Q", "type_id": 1155,
             "vfs": ["0000:41:00.4", "0000:41:00.5"]},
            {"pf": "0000:41:00.0", "entry": "vm-b", "type": "NVIDIA L40S-12Q", "type_id": 1156,
             "vfs": ["0000:41:00.6"]}])
        # VF 3 holds 1157, which nobody asks for: named, never taken
        self.assertRaisesCode(data, "vgpu-vf-in-use", "warning")
        self.assertEqual([pr["bdf"] for pr in data["problems"]
                          if pr["code"] == "vgpu-vf-in-use"], ["0000:41:00.7"])

    def test_verdict_counts_vgpus(self):
        """Three VFs get a vGPU type: the report says so where it would say
        nothing is claimed, and the verdict counts them."""
        r = root("vgpu-l40s")
        lines = check(r).stdout.splitlines()
        self.assertEqual(lines[4], "No function will be claimed at the next boot; it will give "
                                   "3 VFs a vGPU type, as below.")
        self.assertEqual(lines[-1], "Ready: 0 functions claimed, 0 SR-IOV entries, 0 mdevs, "
                                    "3 vGPUs; 1 warning.")
        # Before a boot typed them, --verify counts them as not applied.
        self.assertEqual(check(r, "--verify").stdout.splitlines()[-1],
                         "Not in sync: 0 of 3 planned applied; 2 errors, 2 warnings.")
        lines = check(root("sriov-gvt")).stdout.splitlines()
        self.assertEqual(lines[4], "No function will be claimed at the next boot; it will set "
                                   "the VF count of 1 SR-IOV PF and create 2 mdevs, as below.")
        self.assertEqual(lines[-1], "Ready: 0 functions claimed, 1 SR-IOV entry, 2 mdevs, "
                                    "0 vGPUs; 0 warnings.")
        self.assertEqual(check(root("eight-gpus")).stdout.splitlines()[-1],
                         "Ready: 16 functions claimed, 0 SR-IOV entries, 0 mdevs, 0 vGPUs; "
                         "0 warnings.")

    def test_verify(self):
        """--verify judges each vgpu entry: applied when its count of VFs
        hold its type, as gpupt-apply vgpu leaves them; one VF whose type
        was taken back makes its entry not applied, and says which."""
        r = copy_root("vgpu-l40s", "vgpu-verify")

        def verify(rc):
            p = check(r, "--json", "--verify")
            data = json.loads(p.stdout)
            self.assertEqual(p.returncode, rc, json.dumps(data["problems"], indent=1))
            return data
        data = verify(1)
        self.assertEqual([g["applied"] for g in data["vgpus"]], [False, False])
        # no boot ran the units: the short form names each entry not applied
        self.assertIn("\n  vm-a  0 of 2 VFs of 0000:41:00.0 hold vGPU type NVIDIA L40S-8Q\n"
                      "  vm-b  0 of 1 VF of 0000:41:00.0 hold vGPU type NVIDIA L40S-12Q\n",
                      check(r, "--verify").stdout)
        msgs = [pr["message"] for pr in data["problems"] if pr["code"] == "not-applied"]
        self.assertEqual(msgs[0], 'vgpu "vm-a" was planned on 2 VFs of 0000:41:00.0 with type '
                                  '1155 (NVIDIA L40S-8Q), and 0 hold it now; `journalctl -b -u '
                                  "'gpupt-vgpu@vm\\x2da.service'` says why")
        self.assertNotIn("applied", self.run_json(r, 0)["vgpus"][0])  # judged only with --verify
        for name in ("vm-a", "vm-b"):
            p = apply_cmd(r, "vgpu", name)
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("2 VFs of 0000:41:00.0 hold vGPU type 1155", apply_cmd(r, "vgpu", "vm-a").stderr)
        self.assertIn("1 VF of 0000:41:00.0 holds vGPU type 1156", apply_cmd(r, "vgpu", "vm-b").stderr)
        data = verify(0)
        self.assertEqual([g["applied"] for g in data["vgpus"]], [True, True])
        self.assertNotIn("not-applied", codes(data))
        out = check(r, "--verify").stdout
        self.assertIn("0000:41:00.0  vm-a             2 x type 1155            2 hold it"
                      "                yes\n", out)
        self.assertEqual(out.splitlines()[-1], "In sync: 3 of 3 planned applied; 0 errors, "
                                               "1 warning.")
        with open(os.path.join(r, "sys/bus/pci/devices/0000:41:00.5/nvidia/current_vgpu_type"),
                  "w") as f:
            f.write("0\n")
        data = verify(1)
        self.assertEqual([g["applied"] for g in data["vgpus"]], [False, True])
        out = check(r, "--verify").stdout
        self.assertIn("0000:41:00.0  vm-a             2 x type 1155            1 holds it"
                      "               no\n", out)
        self.assertEqual(out.splitlines()[-1], "Not in sync: 1 of 3 planned applied; 1 error, "
                                               "1 warning.")

    def test_type_unknown(self):
        data = self.run_json(root("vgpu-l40s"), 1, variant="bad-type")
        self.assertRaisesCode(data, "vgpu-type-unknown")
        msg = next(pr["message"] for pr in data["problems"] if pr["code"] == "vgpu-type-unknown")
        self.assertIn('"NVIDIA L40S-8Q"', msg)
        self.assertIn('"NVIDIA L40S-9Q"', msg)
        self.assertEqual(data["vgpus"][0]["type_id"], None)

    def test_no_vfs(self):
        data = self.run_json(root("vgpu-l40s"), 1, variant="too-many")
        self.assertRaisesCode(data, "vgpu-no-vfs")
        self.assertEqual([pr["entry"] for pr in data["problems"] if pr["code"] == "vgpu-no-vfs"],
                         ["vm-b"])

    def test_held_type_is_kept(self):
        """The VF that holds an entry's type already is that entry's."""
        data = self.run_json(root("vgpu-l40s"), 0, variant="in-use-only")
        self.assertEqual(data["vgpus"][0]["vfs"], ["0000:41:00.7"])
        self.assertEqual(data["vgpus"][0]["type_id"], 1157)
        self.assertNotIn("vgpu-vf-in-use", codes(data))

    def test_pf_not_on_nvidia(self):
        data = self.run_json(root("vgpu-pf-nouveau"), 1)
        self.assertRaisesCode(data, "vgpu-pf-driver")

    def test_apply(self):
        """gpupt-apply vgpu NAME writes the ids, leaves the held VF alone, and a
        second run changes nothing."""
        r = copy_root("vgpu-l40s", "vgpu-apply")

        def current(vf):
            with open(os.path.join(r, "sys/bus/pci/devices", vf, "nvidia/current_vgpu_type")) as f:
                return f.read().strip()
        for name in ("vm-a", "vm-b", "vm-a"):
            p = apply_cmd(r, "vgpu", name)
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([current("0000:41:00.%d" % i) for i in range(4, 8)],
                         ["1155", "1155", "1156", "1157"])
        self.assertEqual(apply_cmd(r, "vgpu", "nope").returncode, 1)


class ReadyIsDoable(Base):
    """Configs the boot cannot carry out are not Ready."""

    def write(self, name, text):
        path = os.path.join(TMP, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def assertConfigError(self, conf, where, *needles):
        p = check(root("sriov-gvt"), config=conf)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn(where, p.stderr)
        rc, data = report(root("sriov-gvt"), config=conf)
        self.assertEqual(rc, 2)
        self.assertEqual(codes(data), ["config-error"])
        for n in needles:
            self.assertIn(n, data["problems"][0]["message"])

    def test_mdev_uuid_twice(self):
        m = 'mdev "%s" {\n  parent = "0000:00:02.0"\n  type = "i915-GVTg_V5_4"\n%s}\n'
        u = '  uuid = "6a9b3c0e-1111-4222-8333-444455556666"\n'
        conf = self.write("uuid-twice.conf", m % ("gvt-a", u) + m % ("gvt-b", u.replace("6a9b3c0e", "6A9B3C0E")))
        self.assertConfigError(conf, conf + ":9:", 'mdev "gvt-a" (%s:1)' % conf)
        # gvt-b's uuid is the one gvt-a gets by default
        derived = report(root("sriov-gvt"))[1]["mdevs"][0]["uuid"]
        conf = self.write("uuid-derived.conf",
                          m % ("gvt-a", "") + m % ("gvt-b", u.replace(u[10:46], derived)))
        self.assertConfigError(conf, conf + ":8:", 'mdev "gvt-a" (%s:1)' % conf)
        conf = self.write("uuid-own.conf", m % ("gvt-a", "") + m % ("gvt-b", u))
        data = self.run_json(root("sriov-gvt"), 0, config=conf)
        self.assertEqual(len({x["uuid"] for x in data["mdevs"]}), 2)

    def test_sriov_pf_twice(self):
        s = 'sriov "%s" {\n  pf = "%s"\n  vfs = %d\n}\n'
        conf = self.write("pf-twice.conf", s % ("a", "0000:01:00.0", 4) + s % ("b", "01:00.0", 2))
        self.assertConfigError(conf, conf + ":6:", 'sriov "a" (%s:1), with vfs = 4' % conf,
                               "pf 0000:01:00.0")
        conf = self.write("pf-once.conf", s % ("a", "0000:01:00.0", 4))
        self.assertEqual(len(self.run_json(root("sriov-gvt"), 0, config=conf)["sriov"]), 1)

    def test_vgpu_beyond_sriov(self):
        """vgpu entries that need more VFs than the PF's sriov entry makes:
        the VFs there now do not count, the boot sets the count first."""
        r = root("vgpu-l40s")
        with open(os.path.join(r, "etc", "gpupt.conf")) as f:
            text = f.read()
        conf = self.write("vgpu-sriov.conf",
                          text + 'sriov "l40s" {\n  pf = "0000:41:00.0"\n  vfs = 2\n}\n')
        data = self.run_json(r, 1, config=conf)
        bad = [pr for pr in data["problems"] if pr["code"] == "vgpu-no-vfs"]
        self.assertEqual([pr["entry"] for pr in bad], ["vm-b"])
        self.assertIn('sriov "l40s" (%s:11) makes 2 at boot' % conf, bad[0]["message"])
        self.assertIn('vgpu "vm-b" (%s:6)' % conf, bad[0]["message"])
        conf = self.write("vgpu-sriov.conf",
                          text + 'sriov "l40s" {\n  pf = "0000:41:00.0"\n  vfs = 4\n}\n')
        self.assertNoCode(self.run_json(r, 0, config=conf), "vgpu-no-vfs")


    def test_no_iommu_group(self):
        """A claimed function the IOMMU does not cover: vfio-pci would refuse
        it, so it is an error and the boot leaves it where it is."""
        r = copy_root("eight-gpus", "no-group")
        dev = os.path.join(r, "sys/bus/pci/devices/0000:c1:00.0")
        link = os.readlink(os.path.join(dev, "iommu_group"))
        os.unlink(os.path.join(dev, "iommu_group"))
        os.unlink(os.path.join(r, "sys/kernel/iommu_groups/29/devices/0000:c1:00.0"))
        data = self.run_json(r, 1)
        bad = [pr for pr in data["problems"] if pr["code"] == "no-iommu-group"]
        self.assertEqual([(pr["severity"], pr["bdf"], pr["entry"]) for pr in bad],
                         [("error", "0000:c1:00.0", "vm-gpu-0")])
        self.assertIn("vfio-pci refuses a device without one", bad[0]["message"])
        gpus = ["0000:%s:00.%d" % (b, f) for b in ("c1", "c2", "c3", "c4") for f in range(4)]
        booted(r, "--driver", "vfio-pci", *gpus[1:])
        p = apply_cmd(r, "claim")
        self.assertEqual(p.returncode, 1, p.stderr)
        # the whole unit (its slot) stays as it is
        self.assertIn("0000:c1:00.0 0000:c1:00.1 0000:c1:00.2 0000:c1:00.3: not claimed "
                      "(no-iommu-group)", p.stderr)
        with open(os.path.join(dev, "driver_override")) as f:
            self.assertEqual(f.read().strip(), "(null)")
        self.assertEqual(os.path.basename(os.readlink(os.path.join(dev, "driver"))), "nvidia")
        # with the IOMMU off, iommu-off says it, and nothing more
        os.symlink(link, os.path.join(dev, "iommu_group"))
        os.symlink("../../../../devices/pci0000:c0/0000:c0:01.0/0000:c1:00.0",
                   os.path.join(r, "sys/kernel/iommu_groups/29/devices/0000:c1:00.0"))
        self.assertNoCode(self.run_json(r, 0), "no-iommu-group")
        self.assertNoCode(self.run_json(root("iommu-off-intel"), 1), "no-iommu-group")


    def test_sriov_pf_claimed(self):
        """A PF claimed for vfio-pci makes no VFs at boot."""
        r = root("sriov-gvt")
        with open(os.path.join(r, "etc", "gpupt.conf")) as f:
            text = f.read()
        dev = 'device "nic" {\n  bdf = "01:00.0"\n  functions = single\n%s}\n'
        conf = self.write("pf-claimed.conf", text + dev % "")
        data = self.run_json(r, 1, config=conf)
        bad = [pr for pr in data["problems"] if pr["code"] == "sriov-pf-claimed"]
        self.assertEqual([(pr["severity"], pr["bdf"], pr["entry"]) for pr in bad],
                         [("error", "0000:01:00.0", "nic0")])
        msg = bad[0]["message"]
        self.assertIn('claimed for vfio-pci by device "nic" (%s:14)' % conf, msg)
        self.assertIn('given 4 VFs by sriov "nic0" (%s:1)' % conf, msg)
        self.assertIn("enable_sriov=1", msg)
        # pci-pf-stub is there to make VFs; and 0 VFs asks nothing of the driver
        conf = self.write("pf-claimed.conf", text + dev % '  driver = "pci-pf-stub"\n')
        self.assertNoCode(report(r, config=conf)[1], "sriov-pf-claimed")
        conf = self.write("pf-claimed.conf", text.replace("vfs = 4", "vfs = 0") + dev % "")
        self.assertNoCode(self.run_json(r, 0, config=conf), "sriov-pf-claimed")
        self.assertNoCode(self.run_json(r, 0), "sriov-pf-claimed")


    def test_claimed_elsewhere(self):
        """An entry all of whose functions another entry claims says so."""
        r = root("eight-gpus")
        with open(os.path.join(r, "etc", "gpupt.conf")) as f:
            text = f.read()
        n = text.count("\n")
        for extra in ('device "again" {\n  bdf = "c1:00.1"\n}\n',
                      'device "again" {\n  bdf = "0000:c1:00.2"\n  functions = single\n}\n'):
            conf = self.write("elsewhere.conf", text + extra)
            data = self.run_json(r, 0, config=conf)
            bad = [pr for pr in data["problems"] if pr["code"] == "claimed-elsewhere"]
            self.assertEqual([(pr["severity"], pr["entry"]) for pr in bad],
                             [("warning", "again")], extra)
            self.assertIn('device "again" (%s:%d) claims nothing' % (conf, n + 1),
                          bad[0]["message"])
            self.assertIn('by device "vm-gpu-0" (%s:6)' % conf, bad[0]["message"])
            self.assertEqual(len(data["claims"]), 16)
        # an ids entry over them all: the second entry is the one that says it
        conf = self.write("elsewhere.conf",
                          'device "all" {\n  ids = {"10de:1e04"}\n}\n'
                          'device "one" {\n  bdf = "0000:41:00"\n}\n')
        data = self.run_json(r, 0, config=conf)
        self.assertEqual([(pr["entry"], pr["bdf"]) for pr in data["problems"]
                          if pr["code"] == "claimed-elsewhere"], [("one", "0000:41:00.0")])
        # an entry that claims anything of its own is fine
        conf = self.write("elsewhere.conf",
                          'device "one" {\n  bdf = "0000:41:00"\n}\n'
                          'device "all" {\n  ids = {"10de:1e04"}\n}\n')
        self.assertNoCode(self.run_json(r, 0, config=conf), "claimed-elsewhere")
        self.assertNoCode(self.run_json(r, 0), "claimed-elsewhere")


    def test_dropins_only_and_unrecorded_image(self):
        """A config of drop-ins alone plans as the main file would; an installed
        image for the running kernel without a record was built without it."""
        r = copy_root("eight-gpus", "dropins-only")
        rel = open(os.path.join(r, "proc", "sys", "kernel", "osrelease")).read().strip()
        os.makedirs(os.path.join(r, "etc", "gpupt.conf.d"))
        os.rename(os.path.join(r, "etc", "gpupt.conf"),
                  os.path.join(r, "etc", "gpupt.conf.d", "50-gpus.conf"))
        data = self.run_json(r, 0)
        self.assertEqual(len(data["claims"]), 16)
        self.assertNoCode(data, "initramfs-stale")        # no image: nothing to judge
        os.makedirs(os.path.join(r, "boot"))
        for image in ("initramfs-%s.img" % rel, "initrd.img-%s" % rel):
            open(os.path.join(r, "boot", image), "w").close()
            data = self.run_json(r, 0)
            bad = [pr for pr in data["problems"] if pr["code"] == "initramfs-stale"]
            self.assertEqual(len(bad), 1, image)
            self.assertEqual(bad[0]["severity"], "warning")
            self.assertIn("the initramfs for %s (/boot/%s) was built without the config" %
                          (rel, image), bad[0]["message"])
            self.assertIn("update-initramfs -u -k " + rel, bad[0]["message"])
        # the hooks ran: the record is there and matches
        h = apply_cmd(r, "config-hash").stdout.strip()
        self.assertRegex(h, r"^[0-9a-f]{64}$")
        os.makedirs(os.path.join(r, "var", "lib", "gpupt"))
        with open(os.path.join(r, "var", "lib", "gpupt", "initramfs-%s.sha256" % rel), "w") as f:
            f.write(h + "\n")
        self.assertNoCode(self.run_json(r, 0), "initramfs-stale")
        # no config at all: no image is stale for it
        shutil.rmtree(os.path.join(r, "var", "lib", "gpupt"))
        os.unlink(os.path.join(r, "etc", "gpupt.conf.d", "50-gpus.conf"))
        self.assertEqual(self.run_json(r, 0)["problems"], [])

# --- hostile strings ------------------------------------------------------------------

def esc(raw):
    """What a terminal is to get of raw: printable() (util.h), written again
    here from its contract. Printable ASCII and UTF-8 characters from U+00A0
    stand as they are; a newline, tab and carriage return are \\n, \\t and
    \\r; every other byte (C0, DEL, C1 in UTF-8, bytes that are no UTF-8)
    is \\xNN."""
    out, i = [], 0
    while i < len(raw):
        c = raw[i]
        if 0x20 <= c < 0x7f:
            out.append(chr(c))
            i += 1
            continue
        if c >= 0x80:
            for n in (2, 3, 4):
                try:
                    ch = raw[i:i + n].decode("utf-8")
                except UnicodeDecodeError:
                    continue
                break
            else:
                ch = None
            if ch is not None and len(ch) == 1 and ord(ch) >= 0xA0:
                out.append(ch)
                i += n
                continue
        out.append({0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r"}.get(c, "\\x%02x" % c))
        i += 1
    return "".join(out)


def jstr(raw):
    """raw as gpupt's JSON carries it (json_string): its characters when it
    is UTF-8, else each byte as \\u00XX, which is Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def is_name(raw):
    """Whether raw can be one name in a directory."""
    return raw not in (b".", b"..") and b"/" not in raw and 0 < len(raw) <= 255


def attr_value(raw, size=1024):
    """A text attribute holding raw as gpupt reads it into a buffer of size
    bytes (read_attr_at strips the trailing newline and spaces; one too long
    or not UTF-8 is not read), or None."""
    v = (raw + b"\n").rstrip(b"\n ")
    try:
        v.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return v if v and len(raw) + 1 < size else None


def run_bytes(cmd, env=None):
    full = {k: v for k, v in os.environ.items() if k != "GPUPT_ROOT"}
    full.update(env or {})
    p = subprocess.run(cmd, capture_output=True, env=full, timeout=120)
    return p.returncode, p.stdout, p.stderr


class HostileStrings(Base):
    """tests/hostile.py's corpus in every sysfs string gpupt reads (a
    driver's name in the uevent and as the driver link, the modalias,
    local_cpulist, current_link_speed, reset_method, mdev type names, NVIDIA
    vGPU type names) and in the names of modprobe.d recipes and the config's
    text, each output judged by its real consumer: no control byte reaches
    people (with the exact escaped text), JSON parses and keeps the true
    string, libvirt XML validates, QEMU arguments survive a shell split."""

    PLACE = "gpupt-hostile"   # the driver's name until a label renames it
    GPU, AUDIO, IGPU, VF = "0000:41:00.0", "0000:41:00.1", "0000:00:02.0", "0000:81:00.4"

    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, HERE)
        import hostile
        from fixture import kmod
        from fixture.machine import Machine
        from fixture.scenarios import _nvidia_vfs, _nvme_root
        cls.CORPUS = hostile.CORPUS
        cls.base = os.path.join(TMP, "hostile-base")
        m = Machine(cls.base)
        m.intel_iommu()
        m.fn("0000:00:00.0", 0x8086, 0x09A2, 0x060000, group=0, numa=0)
        # an iGPU offering GVT-g types: the mdev parent
        m.fn(cls.IGPU, 0x8086, 0x3E92, 0x030000, svid=0x1043, sdid=0x8694, driver="i915",
             group=1, boot_vga=True, mdev_types={"i915-GVTg_V5_4": ("GVTg_V5_4", 2)})
        # a GPU and its audio function in one group, both on the hostile driver
        m.bridge("0000:00:01.0", group=2, numa=0)
        for fn, did, cls_ in ((0, 0x1E04, 0x030000), (1, 0x10F7, 0x040300)):
            m.fn("0000:41:00.%d" % fn, 0x10DE, did, cls_, parent="0000:00:01.0", svid=0x10DE,
                 sdid=0x12A4, driver=cls.PLACE, group=3, numa=0)
        # an L40S PF with one VF under NVIDIA's vGPU sysfs
        m.bridge("0000:00:03.0", group=40, numa=0)
        m.fn("0000:81:00.0", 0x10DE, 0x26B9, 0x030200, parent="0000:00:03.0", svid=0x10DE,
             sdid=0x1851, driver="nvidia", group=41, sriov=(16, 1))
        _nvidia_vfs(m, "0000:81:00.0", 1)
        m.bridge("0000:00:1d.0", group=4, numa=0)
        _nvme_root(m, "0000:02:00.0", "0000:00:1d.0", 4)
        kmod.build(m.root, m.release)
        m.loaded("i915", "kvmgt", "mdev", "nvidia", "nvme", "vfio_pci")
        for f in ("bind", "unbind", "new_id", "remove_id"):  # vfio-pci, registered
            m.write("sys/bus/pci/drivers/vfio-pci/" + f, "")
        # the claim leaves the audio function in the group (impure-group
        # names its driver); the mdev and vGPU types asked for are not
        # offered (the messages list the offered ones)
        m.config('device "gpu" {\n  bdf = "%s"\n  functions = single\n}\n'
                 'mdev "gvt" {\n  parent = "%s"\n  type = "i915-GVTg_V5_1"\n}\n'
                 'vgpu "vg" {\n  pf = "0000:81:00.0"\n  type = "NVIDIA L40S-9Q"\n}\n'
                 % (cls.GPU, cls.IGPU))

    def hostile_root(self, label, raw):
        """The base root with raw in each place a file name or an attribute
        can hold it."""
        r = copy_root_of(self.base, "hostile-" + label)
        rb = r.encode()

        def dev(bdf):
            return os.path.realpath(os.path.join(rb, b"sys/bus/pci/devices", bdf.encode()))

        def write(path, data):
            with open(path, "wb") as f:
                f.write(data)
        for bdf in (self.GPU, self.AUDIO):
            with open(dev(bdf) + b"/uevent", "rb") as f:
                lines = f.read().split(b"\n")
            lines = [b"DRIVER=" + raw if line.startswith(b"DRIVER=") else
                     b"MODALIAS=" + raw if line.startswith(b"MODALIAS=") and bdf == self.GPU
                     else line for line in lines]
            write(dev(bdf) + b"/uevent", b"\n".join(lines))
        for attr in (b"modalias", b"local_cpulist", b"current_link_speed", b"reset_method"):
            write(dev(self.GPU) + b"/" + attr, raw + b"\n")
        # each function's own local_cpulist, on a node of its own
        write(dev(self.GPU) + b"/numa_node", b"3\n")
        if is_name(raw):
            drivers = rb + b"/sys/bus/pci/drivers/"
            os.rename(drivers + self.PLACE.encode(), drivers + raw)
            for bdf in (self.GPU, self.AUDIO):
                os.unlink(dev(bdf) + b"/driver")
                os.symlink(os.path.relpath(drivers + raw, dev(bdf)), dev(bdf) + b"/driver")
            t = dev(self.IGPU) + b"/mdev_supported_types/" + raw
            os.makedirs(t + b"/devices")
            for k, v in ((b"name", raw + b"\n"), (b"available_instances", b"1\n"),
                         (b"device_api", b"vfio-pci\n"), (b"create", b"")):
                write(t + b"/" + k, v)
        write(dev(self.VF) + b"/nvidia/creatable_vgpu_types",
              b"ID   : vGPU Name\n1155 : " + raw + b"\n1156 : NVIDIA L40S-12Q\n")
        return r

    def assertClean(self, what, data):
        """No byte a terminal would obey: valid UTF-8, and no control
        character but the newline that ends each line."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail(f"{what}: not UTF-8 ({e}): {data!r}")
        bad = sorted({ch for ch in text if (ord(ch) < 0x20 and ch != "\n") or
                      0x7F <= ord(ch) <= 0x9F})
        self.assertEqual(bad, [], f"{what}: control characters in {data!r}")
        return text

    def check_bytes(self, r, *args):
        return run_bytes([os.path.join(BUILD, "gpupt-check"), "--root", r] + list(args))

    def expected(self, raw):
        """What gpupt reads of raw in each place."""
        driver = raw.split(b"\n")[0]              # a uevent's DRIVER= line
        vgpu = raw.split(b"\n")[0].strip(b" \t")  # NVIDIA's "ID : NAME" line
        vgpu = vgpu.rstrip(b" \t\r")
        types = sorted([b"i915-GVTg_V5_4"] + ([raw] if is_name(raw) else []))
        return driver, vgpu, types, attr_value(raw)

    def test_corpus_in_sysfs(self):
        import shlex
        import xml.etree.ElementTree as ET
        import test_handoff
        test_handoff.BUILD, test_handoff.TMP = BUILD, TMP
        for label, raw in self.CORPUS:
            with self.subTest(label=label):
                self.one_label(label, raw, shlex, ET, test_handoff)

    def one_label(self, label, raw, shlex, ET, handoff):
        r = self.hostile_root(label, raw)
        driver, vgpu, types, value = self.expected(raw)
        # --list takes reset_method from the host model, which reads a sysfs page
        reset = attr_value(raw, 4096)
        words = [w for w in reset.split(b" ") if w] if reset else None
        link = raw if is_name(raw) else self.PLACE.encode()

        # the report, for people and as JSON
        rc, out, err = self.check_bytes(r)
        self.assertEqual(rc, 1, err)
        text = self.assertClean("report", out + err)
        self.assertIn("IOMMU group 3 holds %s (10de:10f7, %s), which stays" % (self.AUDIO,
                      esc(driver)), text)
        self.assertIn('it offers: %s\n' % ", ".join(esc(t) for t in types), text)
        if vgpu:
            self.assertIn('creatable now: "%s", "NVIDIA L40S-12Q"\n' % esc(vgpu), text)
        rc, out, err = self.check_bytes(r, "--json")
        self.assertEqual(rc, 1, err)
        data = json.loads(out)
        self.assertSchema(data)
        self.assertEqual(data["claims"][0]["driver_now"], jstr(driver))
        msgs = {pr["code"]: pr["message"] for pr in data["problems"]}
        self.assertIn("(10de:10f7, %s)" % esc(driver), msgs["impure-group"])
        for pr in data["problems"]:  # prose for people, in JSON too (plan.h)
            self.assertClean("message", pr["message"].encode("utf-8"))
        rc, out, err = self.check_bytes(r, "--quiet")
        quiet = self.assertClean("--quiet", out + err)
        self.assertEqual(len(quiet.splitlines()), len(data["problems"]), quiet)
        rc, out, err = self.check_bytes(r, "--verify")
        # nothing applied yet: one line per entry, the driver escaped there too
        self.assertIn("\n  gpu  %s on %s, not vfio-pci\n" % (self.GPU, esc(driver)),
                      self.assertClean("--verify", out + err))

        # the listing
        rc, out, err = self.check_bytes(r, "--list")
        self.assertEqual(rc, 0, err)
        text = self.assertClean("--list", out + err)
        self.assertIn("driver %s, modules " % esc(driver), text)
        self.assertIn("mdev types %s\n" % ", ".join(esc(t) for t in types), text)
        self.assertIn("CPUs %s, reset %s%s" % (
            esc(value) if value else "unknown",
            ", ".join(esc(w) for w in words) if words is not None else "unknown",
            ", link %s x16 of " % esc(value) if value else "\n"), text)
        rc, out, err = self.check_bytes(r, "--list", "--json")
        self.assertEqual(rc, 0, err)
        fns = {f["bdf"]: f for g in json.loads(out)["groups"] for f in g["functions"]}
        self.assertEqual(fns[self.GPU]["driver"], jstr(driver))
        self.assertEqual(fns[self.IGPU]["mdev_types"], [jstr(t) for t in types])
        self.assertEqual(fns[self.GPU]["local_cpus"], jstr(value) if value else None)
        self.assertEqual(fns[self.GPU]["reset_methods"],
                         [jstr(w) for w in words] if words is not None else None)

        # the hand-off: definitions for their consumers, why not ready for people
        rc, out, err = self.check_bytes(r, "--libvirt", "gpu")
        self.assertEqual(rc, 1, err)
        self.assertIn("impure-group: IOMMU group 3 holds", self.assertClean("--libvirt", err))
        xml = self.assertClean("--libvirt", out)
        ET.fromstring("<fragment>" + xml + "</fragment>")
        # local_cpulist is the corpus string: no placement, and a comment says why
        self.assertIn("local_cpulist of %s cannot be read" % self.GPU, xml)
        path = os.path.join(TMP, "hostile-%s.xml" % label)
        with open(path, "w") as f:
            f.write(handoff.domain_xml(xml))
        try:
            validate = handoff.tool("virt-xml-validate")
        except handoff.Skip as e:
            self.skipTest(str(e))
        p = subprocess.run([validate, path, "domain"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        rc, out, err = self.check_bytes(r, "--qemu", "gpu")
        self.assertClean("--qemu", err)
        lines = self.assertClean("--qemu", out).splitlines()
        self.assertEqual(len(lines), 2, out)
        for line in lines:
            words_ = shlex.split(line)
            self.assertEqual(words_, line.split(" "), line)
            self.assertEqual(shlex.join(words_), line)
            self.assertEqual(words_[0], "-device")
        self.assertIn("host=%s," % self.GPU, lines[1])
        rc, out, err = self.check_bytes(r, "--proxmox", "gpu")
        self.assertEqual(self.assertClean("--proxmox", out), self.GPU + ",pcie=1\n")

        # gpupt-apply: stderr is the kernel log in the initramfs, one record
        # a line; each line is one message, and none holds a control byte
        apply = os.path.join(BUILD, "gpupt-apply")
        rc, out, err = run_bytes([apply, "--root", r, "group", "3"])
        self.assertEqual(rc, 1, err)
        lines = self.assertClean("apply group", err).splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("gpupt-apply: "), lines)
        self.assertIn("(10de:10f7, %s)" % esc(driver), lines[0])
        # the whole slot, its driver's unbind refused: the messages name the
        # driver by its link, the name the kernel shows in sysfs
        with open(os.path.join(r, "etc/gpupt.conf"), "w") as f:
            f.write('device "gpu" {\n  bdf = "0000:41:00"\n}\n')
        unbind = os.path.join(r.encode(), b"sys/bus/pci/drivers", link, b"unbind")
        os.unlink(unbind)
        rc, out, err = run_bytes([apply, "--root", r, "claim"])
        self.assertEqual(rc, 1, err)
        lines = self.assertClean("apply claim", err).splitlines()
        # The unit (the slot) is given back whole: only the GPU was taken.
        # (The fixture's driver_override, a plain file, does not read back
        # "(null)" when cleared: the give-back says so, in a line of its own.)
        if jstr(raw) == raw.decode("utf-8", "replace"):
            want = [
                "gpupt-apply: %s: could not be unbound from %s (writing to %s/sys/bus/pci/"
                "devices/%s/driver/unbind): No such file or directory"
                % (self.GPU, esc(link), r, self.GPU),
                "gpupt-apply: %s %s: not claimed: a write failed (above); giving the unit "
                "back whole" % (self.GPU, self.AUDIO),
                "gpupt-apply: %s: giving it back: clearing driver_override failed: "
                "Input/output error" % self.GPU,
                "gpupt-apply: %s: given back to %s" % (self.GPU, esc(link))]
        else:
            # the host model takes no attribute that is not UTF-8 (host.c)
            want = [
                "gpupt-apply: %s %s: not claimed (no-match): gpupt-check names the reason"
                % (self.GPU, self.AUDIO),
                "gpupt-apply: no-match: %s cannot be read: its sysfs entry holds values that "
                "do not parse" % self.GPU]
        self.assertEqual(lines, want)

    def test_exact_escapes(self):
        """The escaped text, spelled out for a few (not computed by esc())."""
        want = {
            "esc-csi": "\\x1b[31mred\\x1b[0m",
            "esc-osc-title": "\\x1b]0;pwned\\x07",
            "c1-csi": "\\xc2\\x9b31m",
            "bell-del": "a\\x07\\x7fb",
            "non-utf8": "a\\xff\\xfeb",
            "cr": "a\\rb",
            "backslash-end": "abc\\",
        }
        corpus = dict(self.CORPUS)
        for label, text in want.items():
            with self.subTest(label=label):
                self.assertEqual(esc(corpus[label]), text)
                r = self.hostile_root("exact-" + label, corpus[label])
                rc, out, err = self.check_bytes(r)
                self.assertIn(("(10de:10f7, %s)" % text).encode(), out)
                rc, out, err = self.check_bytes(r, "--list")
                self.assertIn(("driver %s, modules" % text).encode(), out)
        # a newline in a type's directory name: shown as \n, on one line
        r = self.hostile_root("exact-newline", b"a\nb")
        rc, out, err = self.check_bytes(r)
        self.assertIn(b"it offers: a\\nb, i915-GVTg_V5_4\n", out)

    @staticmethod
    def conf_string(raw):
        """raw as a double-quoted libconfuse string: the quote and the
        backslash escaped, control bytes in octal, other bytes as they are."""
        out = b""
        for c in raw:
            if c in (0x22, 0x5C):
                out += b"\\" + bytes([c])
            elif c < 0x20 or c == 0x7F:
                out += b"\\%03o" % c
            else:
                out += bytes([c])
        return b'"' + out + b'"'

    def test_config_error_messages(self):
        """A config whose text quotes the corpus: the error is one clean line
        for people, the same prose in JSON, and one record in the kernel log."""
        r = copy_root_of(self.base, "hostile-config")
        kmsg = os.path.join(r, "dev", "kmsg")
        with open(kmsg, "rb") as f:
            recorded = f.read()
        want = {"esc-csi": 'device name "\\x1b[31mred\\x1b[0m" may only hold',
                "newline": 'device name "a\\nb" may only hold',
                "c1-csi": 'device name "\\xc2\\x9b31m" may only hold'}
        for label, raw in self.CORPUS:
            if re.fullmatch(rb"[A-Za-z0-9_.-]{1,64}", raw):
                continue  # a valid name ("--help"): no error to show
            with self.subTest(label=label):
                path = os.path.join(r, "etc", "gpupt.conf")
                with open(path, "wb") as f:
                    f.write(b"device " + self.conf_string(raw) +
                            b' {\n  bdf = "0000:41:00.0"\n}\n')
                rc, out, err = self.check_bytes(r)
                self.assertEqual(rc, 2, err)
                line = self.assertClean("config error", out + err)
                self.assertEqual(len(line.splitlines()), 1, line)
                self.assertTrue(line.startswith(path + ":1: "), line)
                if label in want:
                    self.assertIn(want[label], line)
                rc, out, err = self.check_bytes(r, "--json")
                data = json.loads(out)
                self.assertSchema(data)
                self.assertEqual([pr["message"] + "\n" for pr in data["problems"]], [line])
                # the generator, run as systemd runs it: one record, one line
                with open(kmsg, "wb") as f:
                    f.write(recorded)
                out_dir = os.path.join(TMP, "hostile-gen-" + label)
                dirs = [os.path.join(out_dir, d) for d in ("normal", "early", "late")]
                for d in dirs:
                    os.makedirs(d)
                p = subprocess.run([os.path.join(BUILD, "gpupt-generator")] + dirs,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=30,
                                   env=dict(os.environ, GPUPT_ROOT=r, SYSTEMD_SCOPE="system"))
                self.assertEqual(p.returncode, 0)
                with open(kmsg, "rb") as f:
                    added = f.read()[len(recorded):]
                text = self.assertClean("kernel log", added)
                self.assertRegex(text, r"\A<3>gpupt-generator\[\d+\]: [^\n]*\n\Z")
                self.assertIn(line.rstrip("\n").split(": ", 1)[1], text)

    def test_import_hostile_file_names(self):
        """--import names each recipe's file in a comment: a newline, '%' or an
        ESC in the name stays in that comment, escaped and said so; the config
        printed parses with gpupt's own reader and holds exactly the two
        entries of the two files."""
        r = copy_root("eight-gpus", "hostile-import")
        mp = os.path.join(r.encode(), b"etc", b"modprobe.d")
        os.makedirs(mp, exist_ok=True)
        with open(os.path.join(mp, b"vfio.conf"), "wb") as f:
            f.write(b"options vfio-pci ids=8086:1533\n")
        names = [raw for _, raw in self.CORPUS] + [
            b'x\nallow_storage = true\ndevice "evil" {\n  bdf = "0000:03:00.0"\n}\n#']
        for raw in names:
            if not is_name(raw + b".conf") or raw.startswith(b"."):
                continue
            with self.subTest(name=raw):
                path = os.path.join(mp, raw + b".conf")
                with open(path, "wb") as f:
                    f.write(b"options vfio-pci ids=10de:1e04\n")
                try:
                    rc, out, err = self.check_bytes(r, "--import")
                finally:
                    os.unlink(path)
                self.assertEqual(rc, 0, err)
                text = self.assertClean("--import", out)
                shown = "/etc/modprobe.d/%s.conf" % esc(raw)
                self.assertIn("\n# from %s:1: options vfio-pci ids=10de:1e04\n" % shown, text)
                said = "# (the file's name holds bytes that cannot stand in a comment"
                self.assertEqual(said in text, esc(raw) != raw.decode("latin-1"), text)
                name = re.sub(rb"[^A-Za-z0-9_.-]+", b"-",
                              (b"modprobe-" + raw + b"-1")[:127])[:64].decode()
                live = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
                self.assertEqual([ln for ln in live if ln.startswith("device ")],
                                 sorted(['device "%s" {' % name, 'device "modprobe-vfio-1" {'],
                                        key=lambda d: d != 'device "%s" {' % name)
                                 if (raw + b".conf") < b"vfio.conf" else
                                 ['device "modprobe-vfio-1" {', 'device "%s" {' % name])
                self.assertEqual(sorted(set(live) - {"}", "  functions = single"}
                                        - {ln for ln in live if ln.startswith("device ")}),
                                 ['  ids = {"10de:1e04"}', '  ids = {"8086:1533"}'])
                conf = os.path.join(TMP, "hostile-import.conf")
                with open(conf, "w") as f:
                    f.write(text)
                rc, data = report(r, config=conf)
                self.assertSchema(data)
                self.assertNotIn("config-error", codes(data))
                self.assertEqual({c["entry"] for c in data["claims"]},
                                 {name, "modprobe-vfio-1"})
def problem(data, code):
    """The one problem of that code."""
    found = [p for p in data["problems"] if p["code"] == code]
    assert len(found) == 1, json.dumps(data["problems"], indent=1)
    return found[0]


def pairs(data):
    return sorted((p["code"], p["severity"]) for p in data["problems"])


class NextBoot(Base):
    """The next boot's command line from the boot loader's configuration
    (cmdline-pending, cmdline-lost) and the iommu-off advice that follows it."""

    def test_grub_debian(self):
        data = self.run_json(root("grub-debian"), 0)
        self.assertEqual(pairs(data), [("cmdline-lost", "warning"), ("cmdline-pending", "warning"),
                                       ("iommu-off", "warning")])
        msg = problem(data, "cmdline-pending")["message"]
        for word in ("intel_iommu=on is configured for the next boot",
                     "GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub.d/50-iommu.cfg",
                     "update-grub"):
            self.assertIn(word, msg)
        msg = problem(data, "cmdline-lost")["message"]
        self.assertIn("iommu=pt is in force now", msg)
        self.assertIn("add iommu=pt to GRUB_CMDLINE_LINUX in /etc/default/grub, then run "
                      "update-grub", msg)
        msg = problem(data, "iommu-off")["message"]
        self.assertIn("the next boot's command line (from /etc/default/grub and "
                      "/etc/default/grub.d/50-iommu.cfg) turns it on", msg)
        self.assertIn("VT-d", msg)
        # a grub.d file that is not *.cfg is not sourced
        self.assertNotIn("=x", json.dumps(data["problems"]))

        # without the drop-in, the next boot has no IOMMU either
        r = copy_root("grub-debian", "grub-debian-no-dropin")
        os.unlink(os.path.join(r, "etc/default/grub.d/50-iommu.cfg"))
        data = self.run_json(r, 1)
        self.assertEqual(pairs(data), [("cmdline-lost", "warning"), ("iommu-off", "error")])
        self.assertIn("enable VT-d in the firmware setup and add intel_iommu=on to "
                      "GRUB_CMDLINE_LINUX in /etc/default/grub, then run update-grub",
                      problem(data, "iommu-off")["message"])

        # Fedora's GRUB without BLS entries: grub2-mkconfig, not update-grub
        os.makedirs(os.path.join(r, "boot/grub2"))
        msg = problem(self.run_json(r, 1), "iommu-off")["message"]
        self.assertIn("then run grub2-mkconfig -o /boot/grub2/grub.cfg", msg)
        self.assertNotIn("update-grub", msg)

    def test_running_boot_is_judged_at_boot(self):
        """The boot-time tools judge the boot that runs: no IOMMU now blocks
        the claim whatever the boot loader will give the next boot."""
        r = copy_root("grub-debian", "grub-debian-apply")
        p = apply_cmd(r, "claim")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("not claimed (iommu-off)", p.stderr)
        with open(os.path.join(r, "sys/bus/pci/devices/0000:01:00.0/driver_override")) as f:
            self.assertEqual(f.read().strip(), "(null)")
        p = check(r, "--json", "--verify")
        data = json.loads(p.stdout)
        self.assertEqual(problem(data, "iommu-off")["severity"], "error")
        self.assertNoCode(data, "cmdline-pending")

    def test_bls_fedora(self):
        data = self.run_json(root("bls-fedora"), 0)
        self.assertEqual(pairs(data), [("cmdline-lost", "warning")])
        entry = "/boot/loader/entries/0123456789abcdef0123456789abcdef-6.8.5-301.fc40.x86_64.conf"
        msg = problem(data, "cmdline-lost")["message"]
        self.assertIn("intel_iommu=on is in force now", msg)
        self.assertIn("(from %s)" % entry, msg)
        self.assertIn("grubby --update-kernel=ALL --args=intel_iommu=on", msg)

        # the newest entry turns the IOMMU off: the next boot has none
        r = copy_root("bls-fedora", "bls-fedora-off")
        with open(os.path.join(r, entry.lstrip("/")), "a") as f:
            f.write("options intel_iommu=off\n")
        data = self.run_json(r, 1)
        # one flag, another value: pending, not lost
        self.assertEqual(pairs(data), [("cmdline-pending", "warning"), ("iommu-off", "error")])
        msg = problem(data, "iommu-off")["message"]
        self.assertIn("the IOMMU is on now, but the next boot's command line (from %s) has "
                      "intel_iommu=off" % entry, msg)
        self.assertIn("grubby --update-kernel=ALL --remove-args=intel_iommu=off", msg)
        self.assertIn("intel_iommu=off is configured for the next boot (the options line of "
                      "%s) but not in force now (/proc/cmdline has intel_iommu=on)" % entry,
                      problem(data, "cmdline-pending")["message"])

    def test_kernel_cmdline_amd(self):
        data = self.run_json(root("kernel-cmdline-amd"), 0)
        self.assertEqual(pairs(data), [("cmdline-lost", "warning"), ("iommu-off", "warning")])
        msg = problem(data, "iommu-off")["message"]
        self.assertIn("(from /etc/kernel/cmdline) turns it on", msg)
        self.assertIn("kernel-install add", msg)
        self.assertIn("AMD-Vi/IOMMU enabled in the firmware setup", msg)
        self.assertNotIn("amd_iommu=on", msg)
        self.assertIn("amd_iommu=off is in force now", problem(data, "cmdline-lost")["message"])

        # /etc/kernel/cmdline keeps the off switch: remove it, no amd_iommu=on
        r = copy_root("kernel-cmdline-amd", "kernel-cmdline-amd-off")
        with open(os.path.join(r, "etc/kernel/cmdline"), "a") as f:
            f.write("amd_iommu=off\n")
        data = self.run_json(r, 1)
        self.assertEqual(pairs(data), [("iommu-off", "error")])
        msg = problem(data, "iommu-off")["message"]
        self.assertIn("remove amd_iommu=off from /etc/kernel/cmdline, then run kernel-install add",
                      msg)
        self.assertIn("there is no amd_iommu=on", msg)

        # without it the BLS entry is the next boot's line (systemd-boot)
        os.unlink(os.path.join(r, "etc/kernel/cmdline"))
        msg = problem(self.run_json(r, 1), "iommu-off")["message"]
        self.assertIn("run grubby --update-kernel=ALL --remove-args=amd_iommu=off (or remove "
                      "amd_iommu=off from the options line of /boot/loader/entries/0123-6.1.0.conf",
                      msg)

    def test_guest(self):
        data = self.run_json(root("guest-no-iommu"), 1)
        self.assertEqual(pairs(data), [("iommu-off", "error")])
        msg = problem(data, "iommu-off")["message"]
        for word in ("virtual machine", "hypervisor", "-device intel-iommu", "virtio-iommu",
                     "add intel_iommu=on to GRUB_CMDLINE_LINUX in /etc/default/grub, then run "
                     "update-grub"):
            self.assertIn(word, msg)
        self.assertNotIn("VT-d", msg)

    def test_guest_intel_iommu_off(self):
        """A VM whose vCPU says AMD (QEMU's TCG "max") with intel_iommu=off on
        its line: the hypervisor's intel-iommu is no kin of the vCPU, so the
        switch is named and =on advised (the VM test boots this)."""
        r = copy_root("guest-no-iommu", "guest-amd-intel-off")
        for name, old, new in (("proc/cmdline", " quiet", " quiet intel_iommu=off"),
                               ("proc/cpuinfo", "GenuineIntel", "AuthenticAMD")):
            path = os.path.join(r, name)
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace(old, new))
        for gf in [os.path.join(r, "etc/default/grub")]:
            with open(gf) as f:
                text = f.read()
            with open(gf, "w") as f:
                f.write(text.replace('GRUB_CMDLINE_LINUX="', 'GRUB_CMDLINE_LINUX="intel_iommu=off '))
        data = self.run_json(r, 1)
        msg = problem(data, "iommu-off")["message"]
        self.assertIn("has intel_iommu=off", msg)
        self.assertIn("intel_iommu=on", msg)
        self.assertIn("virtual IOMMU", msg)
        self.assertNotIn("no amd_iommu=on", msg)

    def test_nothing_claimed(self):
        """The IOMMU off and nothing claimed: still say what to turn on, exit 0."""
        data = self.run_json(root("guest-no-iommu"), 0, variant="nothing")
        self.assertEqual(pairs(data), [("iommu-off", "warning")])
        self.assertIn("virtio-iommu", problem(data, "iommu-off")["message"])
        self.assertIn("nothing is claimed yet", problem(data, "iommu-off")["message"])
        r = copy_root("iommu-off-amd", "iommu-off-amd-nothing")
        with open(os.path.join(r, "etc/gpupt-variants/nothing.conf"), "w") as f:
            f.write("# nothing yet\n")
        data = self.run_json(r, 0, variant="nothing")
        self.assertEqual(pairs(data), [("iommu-off", "warning")])
        self.assertIn("enable AMD-Vi/IOMMU in the firmware setup",
                      problem(data, "iommu-off")["message"])
        p = check(r, variant="nothing")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("AMD-Vi/IOMMU", p.stdout)


def main():
    global TMP, BUILD
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("-v", "--verbose", action="store_true")
    args, rest = ap.parse_known_args()
    BUILD = os.path.abspath(args.build)
    TMP = tempfile.mkdtemp(prefix="gpupt-programs.")
    try:
        suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
        if rest:
            suite = unittest.defaultTestLoader.loadTestsFromNames(rest, sys.modules[__name__])
        res = unittest.TextTestRunner(verbosity=2 if args.verbose else 1).run(suite)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    failed = len(res.failures) + len(res.errors)
    skipped = len(res.skipped)
    print(f"programs: {res.testsRun - failed - skipped} passed, {failed} failed, "
          f"{skipped} skipped")
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

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
    dst = os.path.join(TMP, name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(root(scenario), dst, symlinks=True)
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
        self.assertEqual(set(data), {"ready", "iommu", "claims", "sriov", "mdevs", "vgpus",
                                     "problems"})
        self.assertEqual(set(data["iommu"]), {"enabled", "interrupt_remapping"})
        for c in data["claims"]:
            self.assertEqual(set(c), {"bdf", "id", "entry", "driver_now", "driver_at_boot",
                                      "iommu_group", "numa_node"})
            self.assertRegex(c["bdf"], r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")
            self.assertRegex(c["id"], r"^[0-9a-f]{4}:[0-9a-f]{4}$")
        for s in data["sriov"]:
            self.assertEqual(set(s), {"pf", "entry", "vfs", "vfs_now"})
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
    ]

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
        for scenario, flag in (("iommu-off-intel", "intel_iommu=on"),
                               ("iommu-off-amd", "amd_iommu=on")):
            data = self.run_json(root(scenario), 1)
            msg = [p["message"] for p in data["problems"] if p["code"] == "iommu-off"][0]
            self.assertIn(flag, msg)
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

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Who may steer gpupt: the real gpupt-check, gpupt-apply and gpupt-generator
on fixture roots whose config files and drop-in directory belong to another
user or may be written by anyone.

A config is as powerful as root (gpupt-apply binds what it names before udev
runs), so each of these must be refused whole: config-untrusted, exit 1,
nothing applied, the generator's one failing unit. Changing an owner needs
root; as another user those tests are skipped (and counted), the mode tests
run for everyone, with the running user as the trusted owner.
"""
import argparse
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(os.path.dirname(HERE), "build")
TMP = None
BASE = None
HOST_GPU = 'device "steal" {\n  bdf = "0000:41:00"\n}\n'  # node 0: the host's


def fresh_root(name):
    """A private copy of the eight-gpus machine, with its config as built."""
    global BASE
    if BASE is None:
        BASE = os.path.join(TMP, "base")
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), "eight-gpus", BASE],
                       check=True, stdout=subprocess.DEVNULL)
    dst = os.path.join(TMP, name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(BASE, dst, symlinks=True)
    return dst


def run(prog, rootdir, *args):
    env = {k: v for k, v in os.environ.items() if k != "GPUPT_ROOT"}
    env["GPUPT_ROOT"] = rootdir
    return subprocess.run([os.path.join(BUILD, prog)] + list(args), capture_output=True,
                          text=True, env=env, timeout=60)


def nobody():
    try:
        return pwd.getpwnam("nobody").pw_uid
    except KeyError:
        return 65534


def sysfs_state(rootdir):
    """Every writable attribute's contents and every driver link, to show
    that nothing was applied."""
    state = {}
    devices = os.path.join(rootdir, "sys/bus/pci/devices")
    for bdf in sorted(os.listdir(devices)):
        d = os.path.join(devices, bdf)
        for attr in ("driver_override", "reset_method", "sriov_numvfs"):
            p = os.path.join(d, attr)
            if os.path.exists(p):
                with open(p) as f:
                    state[bdf + "/" + attr] = f.read()
        drv = os.path.join(d, "driver")
        state[bdf + "/driver"] = os.readlink(drv) if os.path.islink(drv) else None
    return state


class Trust(unittest.TestCase):
    def assertRefused(self, rootdir, path, *words):
        """config-untrusted from every program, naming the file and the fix."""
        p = run("gpupt-check", rootdir, "--json")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        data = json.loads(p.stdout)
        self.assertFalse(data["ready"])
        self.assertEqual(data["claims"], [])
        self.assertEqual([pr["code"] for pr in data["problems"]], ["config-untrusted"])
        msg = data["problems"][0]["message"]
        self.assertTrue(msg.startswith(path + ": not trusted: owned by uid "), msg)
        for w in words:
            self.assertIn(w, msg)
        self.assertIn("nothing of the config is applied", msg)
        # for people: the same words, on stderr, and the same status
        p = run("gpupt-check", rootdir)
        self.assertEqual(p.returncode, 1)
        self.assertIn(path + ": not trusted", p.stderr)
        self.assertNotIn("Ready", p.stdout)
        # the boot's helper refuses it (3: not to be packed into an image)
        # and writes nothing
        before = sysfs_state(rootdir)
        for cmd in (["check-config"], ["claim"], ["modules"], ["config-hash"]):
            p = run("gpupt-apply", rootdir, *cmd)
            self.assertEqual(p.returncode, 3, cmd)
            self.assertIn(path + ": not trusted", p.stderr)
            self.assertEqual(p.stdout, "", cmd)
        self.assertEqual(sysfs_state(rootdir), before)
        # the generator: the one failing unit of a config error, no claim
        out = os.path.join(TMP, "gen-" + os.path.basename(rootdir))
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        p = run("gpupt-generator", rootdir, out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(os.listdir(out)), ["gpupt-config.service", "sysinit.target.wants"])
        self.assertIn(path + ": not trusted", p.stderr)  # not run by systemd: no kmsg
        return msg

    def assertTrusted(self, rootdir, claims=16):
        p = run("gpupt-check", rootdir, "--json")
        data = json.loads(p.stdout)
        self.assertNotIn("config-untrusted", [pr["code"] for pr in data["problems"]])
        self.assertEqual(len(data["claims"]), claims, p.stdout)

    def test_group_writable_main_file(self):
        r = fresh_root("g-w")
        conf = os.path.join(r, "etc/gpupt.conf")
        os.chmod(conf, 0o664)
        msg = self.assertRefused(r, conf, "mode 0664 (group or others may write it)",
                                 "Fix: chmod go-w '%s'" % conf)
        self.assertNotIn("chown", msg)
        os.chmod(conf, 0o644)
        self.assertTrusted(r)

    def test_world_writable_dropin_dir(self):
        r = fresh_root("d-w")
        d = os.path.join(r, "etc/gpupt.conf.d")
        os.mkdir(d)
        os.chmod(d, 0o1777)
        self.assertRefused(r, d, "mode 1777 (group or others may add files)",
                           "drop-in directory", "Fix: chmod go-w '%s'" % d)
        os.chmod(d, 0o755)
        self.assertTrusted(r)

    def test_world_writable_dropin(self):
        r = fresh_root("f-w")
        d = os.path.join(r, "etc/gpupt.conf.d")
        os.mkdir(d)
        f = os.path.join(d, "50-steal.conf")
        with open(f, "w") as fh:
            fh.write(HOST_GPU)
        os.chmod(f, 0o646)
        self.assertRefused(r, f, "mode 0646")
        os.chmod(f, 0o644)
        self.assertTrusted(r, claims=20)  # trusted, it is obeyed: the host GPU too

    def test_symlink_judged_by_its_target(self):
        r = fresh_root("sym")
        conf = os.path.join(r, "etc/gpupt.conf")
        target = os.path.join(r, "srv-gpupt.conf")
        shutil.move(conf, target)
        os.symlink(target, conf)
        os.chmod(target, 0o666)
        self.assertRefused(r, conf, "mode 0666")
        os.chmod(target, 0o644)
        self.assertTrusted(r)

    def test_explicit_config_is_judged_too(self):
        r = fresh_root("explicit")
        conf = os.path.join(TMP, "explicit.conf")
        shutil.copy(os.path.join(r, "etc/gpupt.conf"), conf)
        os.chmod(conf, 0o622)
        p = subprocess.run([os.path.join(BUILD, "gpupt-check"), "--root", r, "--config", conf,
                            "--json"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertEqual([pr["code"] for pr in json.loads(p.stdout)["problems"]],
                         ["config-untrusted"])
        # a device is its own source: /dev/null is 0666 and trusted (an empty config)
        p = subprocess.run([os.path.join(BUILD, "gpupt-check"), "--root", r, "--config",
                            "/dev/null", "--json"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout)

    @unittest.skipUnless(os.geteuid() == 0, "changing a file's owner needs root")
    def test_owned_by_nobody(self):
        """The issue's case: the main file 0666 and nobody's, the drop-in
        directory 1777, a drop-in of nobody's claiming the host's GPU."""
        r = fresh_root("nobody")
        conf = os.path.join(r, "etc/gpupt.conf")
        os.chown(conf, nobody(), nobody())
        self.assertRefused(r, conf, "owned by uid %d" % nobody(),
                           "Fix: chown root:root '%s'" % conf)
        os.chmod(conf, 0o666)
        self.assertRefused(r, conf, "mode 0666", "Fix: chown root:root '%s' && chmod go-w '%s'"
                           % (conf, conf))
        os.chown(conf, 0, 0)
        os.chmod(conf, 0o644)
        d = os.path.join(r, "etc/gpupt.conf.d")
        os.mkdir(d)
        os.chown(d, nobody(), nobody())
        self.assertRefused(r, d, "owned by uid %d" % nobody())
        os.chown(d, 0, 0)
        f = os.path.join(d, "50-steal.conf")
        with open(f, "w") as fh:
            fh.write(HOST_GPU)
        os.chown(f, nobody(), nobody())
        self.assertRefused(r, f, "owned by uid %d" % nobody())
        os.chown(f, 0, 0)
        self.assertTrusted(r, claims=20)

    @unittest.skipUnless(os.geteuid() == 0, "changing a file's owner needs root")
    def test_owner_name_from_the_roots_passwd(self):
        r = fresh_root("passwd")
        with open(os.path.join(r, "etc/passwd"), "w") as fh:
            fh.write("root:x:0:0:root:/root:/bin/sh\nmallory:x:4242:4242::/:/bin/sh\n")
        conf = os.path.join(r, "etc/gpupt.conf")
        os.chown(conf, 4242, 4242)
        self.assertRefused(r, conf, "owned by uid 4242 (mallory), mode 0644;")


def main():
    global TMP, BUILD
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=BUILD)
    args, rest = ap.parse_known_args()
    BUILD = os.path.abspath(args.build)
    TMP = tempfile.mkdtemp(prefix="gpupt-trust.")
    os.chmod(TMP, 0o755)
    try:
        suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
        if rest:
            suite = unittest.defaultTestLoader.loadTestsFromNames(rest, sys.modules[__name__])
        res = unittest.TextTestRunner(verbosity=1).run(suite)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    failed = len(res.failures) + len(res.errors)
    skipped = len(res.skipped)
    print(f"trust: {res.testsRun - failed - skipped} passed, {failed} failed, {skipped} skipped")
    # as root every test can run: a skip there is a failure
    if os.geteuid() == 0 and skipped:
        return 1
    return 0 if res.wasSuccessful() and res.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

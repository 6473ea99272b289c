#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make check-ansible: the Ansible role ansible/roles/gpupt run by
ansible-playbook on this machine (connection local) against fixture roots
from tests/mkfixture.py, with the real gpupt-check. The handlers record
what they would do (gpupt_handler_record) and the root is a fixture, so
nothing here rebuilds this machine's initramfs or reboots it."""
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
TOP = os.path.dirname(HERE)
BUILD = os.path.join(TOP, "build")
TMP = None
ROOTS = {}

GOOD = """device "vm-gpu-0" {
  bdf = "0000:c1:00"
}
device "vm-gpu-1" {
  bdf = "0000:c2:00"
}
"""
OLD = 'device "vm-gpu-0" {\n  bdf = "0000:c1:00"\n}\n'
GPUS = ["0000:%s:00.%d" % (b, f) for b in ("c1", "c2") for f in range(4)]


def need(tool):
    """A missing tool is a SKIP for a user, a failure for root (deps.sh installs it)."""
    if shutil.which(tool):
        return True
    if os.geteuid() == 0:
        raise AssertionError(f"{tool} is missing; `make deps-check` installs it")
    raise unittest.SkipTest(f"{tool} not installed")


def fixture(scenario, name):
    if scenario not in ROOTS:
        path = os.path.join(TMP, "pristine-" + scenario)
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, path],
                       check=True, stdout=subprocess.DEVNULL)
        ROOTS[scenario] = path
    dst = os.path.join(TMP, name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(ROOTS[scenario], dst, symlinks=True)
    return dst


def booted(rootdir, *args):
    subprocess.run([sys.executable, os.path.join(HERE, "fixture", "booted.py"), rootdir]
                   + list(args), check=True)


def env():
    e = dict(os.environ)
    e.pop("GPUPT_ROOT", None)
    e.update(ANSIBLE_ROLES_PATH=os.path.join(TOP, "ansible", "roles"),
             ANSIBLE_HOME=os.path.join(TMP, "ansible-home"),
             ANSIBLE_LOCAL_TEMP=os.path.join(TMP, "ansible-tmp"),
             ANSIBLE_REMOTE_TEMP=os.path.join(TMP, "ansible-tmp"),
             ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
             ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
             ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    return e


class Run:
    def __init__(self, p, record):
        self.rc, self.out = p.returncode, p.stdout + p.stderr
        m = re.search(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                      r"failed=(\d+)", self.out, re.M)
        if not m:
            raise AssertionError("no play recap:\n" + self.out)
        self.ok, self.changed, _, self.failed = map(int, m.groups())
        self.record = open(record).read().split() if os.path.exists(record) else []


def play(rootdir, config, playbook=None, **extra):
    """ansible-playbook with the role's variables aimed at rootdir."""
    need("ansible-playbook")
    name = os.path.basename(rootdir)
    record = os.path.join(TMP, name + ".handlers")
    report_out = os.path.join(TMP, name + ".report.json")
    for f in (record, report_out):
        if os.path.exists(f):
            os.unlink(f)
    variables = dict(gpupt_root=rootdir, gpupt_check=os.path.join(BUILD, "gpupt-check"),
                     gpupt_install=False, gpupt_handler_record=record, report_out=report_out)
    if config is not None:
        variables["gpupt_config"] = config
    variables.update(extra)
    varfile = os.path.join(TMP, name + ".vars.json")
    with open(varfile, "w") as f:
        json.dump(variables, f)
    cmd = ["ansible-playbook", "-i", "localhost,", "-c", "local", "-e", "@" + varfile,
           playbook or os.path.join(HERE, "ansible", "play.yml")]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env(), timeout=300)
    r = Run(p, record)
    r.report = json.load(open(report_out)) if os.path.exists(report_out) else None
    return r


def conf(rootdir):
    with open(os.path.join(rootdir, "etc/gpupt.conf"), "rb") as f:
        return f.read()


def set_conf(rootdir, text):
    with open(os.path.join(rootdir, "etc/gpupt.conf"), "w") as f:
        f.write(text)


def verify_rc(rootdir):
    return subprocess.run([os.path.join(BUILD, "gpupt-check"), "--root", rootdir, "--verify"],
                          capture_output=True, timeout=60).returncode


class Role(unittest.TestCase):
    def test_good_then_unchanged(self):
        """A good config is written, reported changed and runs both handlers once; the
        boot (the fixture on vfio-pci) passes verify; the same config again is changed=0."""
        r = fixture("eight-gpus", "good")
        set_conf(r, OLD)
        booted(r, "--driver", "vfio-pci", *GPUS)
        run = play(r, GOOD)
        self.assertEqual((run.rc, run.failed), (0, 0), run.out)
        self.assertGreaterEqual(run.changed, 1, run.out)
        self.assertEqual(conf(r), GOOD.encode())
        self.assertEqual(run.record, ["initramfs", "reboot"], run.out)
        self.assertIn("RUNNING HANDLER [gpupt : Reboot and verify]", run.out)
        # gpupt_report is the verdict after the reboot
        self.assertEqual([c["applied"] for c in run.report["claims"]], [True] * 8)
        self.assertTrue(run.report["ready"])

        again = play(r, GOOD)
        self.assertEqual((again.rc, again.failed, again.changed), (0, 0, 0), again.out)
        self.assertEqual(again.record, [], again.out)
        self.assertNotIn("RUNNING HANDLER", again.out)
        self.assertEqual(conf(r), GOOD.encode())
        # unchanged: the fact is the plan, without verdicts
        self.assertEqual(len(again.report["claims"]), 8)
        self.assertNotIn("applied", again.report["claims"][0])

    def test_config_error_keeps_old(self):
        r = fixture("eight-gpus", "config-error")
        set_conf(r, OLD)
        before = conf(r)
        run = play(r, GOOD + 'device "broken" {\n  bdf = "zz:00"\n}\n')
        self.assertNotEqual(run.rc, 0, run.out)
        self.assertEqual(run.failed, 1, run.out)
        self.assertIn("config-error", run.out)
        self.assertIn("is left as it was", run.out)
        self.assertEqual(conf(r), before)
        self.assertEqual(run.record, [])

    def test_impure_group_keeps_old(self):
        r = fixture("group-with-nic", "impure")
        pure = open(os.path.join(r, "etc/gpupt-variants/claim-both.conf")).read()
        impure = conf(r).decode()
        set_conf(r, pure)
        before = conf(r)
        run = play(r, impure)
        self.assertEqual(run.failed, 1, run.out)
        self.assertIn("impure-group", run.out)
        self.assertEqual(conf(r), before)
        self.assertEqual(run.record, [])

    def test_verify_after_reboot_fails_on_host_drivers(self):
        """The boot did not apply the config (host drivers still bound): the host fails."""
        r = fixture("eight-gpus", "drift")
        set_conf(r, OLD)
        run = play(r, GOOD)
        self.assertEqual(run.failed, 1, run.out)
        self.assertEqual(run.record, ["initramfs", "reboot"], run.out)
        self.assertIn("not-applied 0000:c1:00.0", run.out)
        self.assertIn("gpupt-check --verify", run.out)
        self.assertEqual(conf(r), GOOD.encode())  # written: it was ready

    def test_no_reboot(self):
        """gpupt_reboot=false: the initramfs is rebuilt, no reboot, no verify."""
        r = fixture("eight-gpus", "no-reboot")
        set_conf(r, OLD)
        run = play(r, GOOD, gpupt_reboot=False)
        self.assertEqual((run.rc, run.failed), (0, 0), run.out)
        self.assertEqual(run.record, ["initramfs"], run.out)
        run = play(r, GOOD + "# changed\n", gpupt_reboot=False, gpupt_initramfs=False)
        self.assertEqual((run.rc, run.failed), (0, 0), run.out)
        self.assertGreaterEqual(run.changed, 1)
        self.assertEqual(run.record, [], run.out)

    def test_verify_playbook(self):
        """ansible/verify.yml: --verify is 1 while the claimed functions sit on their host
        drivers, 0 once the fixture shows them on vfio-pci."""
        r = fixture("eight-gpus", "audit")
        set_conf(r, GOOD)
        self.assertEqual(verify_rc(r), 1)
        audit = os.path.join(TOP, "ansible", "verify.yml")
        run = play(r, None, audit, gpupt_hosts="localhost", ansible_become=False)
        self.assertEqual(run.failed, 1, run.out)
        self.assertIn("not-applied", run.out)
        booted(r, "--driver", "vfio-pci", *GPUS)
        self.assertEqual(verify_rc(r), 0)
        run = play(r, None, audit, gpupt_hosts="localhost", ansible_become=False)
        self.assertEqual((run.rc, run.failed, run.changed), (0, 0, 0), run.out)

    def test_node_labels(self):
        """gpupt_node_labels adds node_labels to the config it writes; after the boot
        (gpupt-apply labels), verify.yml prints the host's labels, ready or not."""
        r = fixture("eight-gpus", "labels")
        set_conf(r, OLD)
        booted(r, "--driver", "vfio-pci", *GPUS)
        path = "/var/lib/gpupt-test/features.d/gpupt"
        run = play(r, GOOD, gpupt_node_labels=True, gpupt_node_labels_file=path,
                   gpupt_reboot=False)
        self.assertEqual((run.rc, run.failed), (0, 0), run.out)
        self.assertEqual(conf(r), (GOOD + '\nnode_labels = "%s"\n' % path).encode())
        audit = os.path.join(TOP, "ansible", "verify.yml")
        run = play(r, None, audit, gpupt_hosts="localhost", ansible_become=False,
                   gpupt_node_labels_file=path)
        self.assertIn("no node label file at " + r + path, run.out)
        p = subprocess.run([os.path.join(BUILD, "gpupt-apply"), "--root", r, "labels"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        run = play(r, None, audit, gpupt_hosts="localhost", ansible_become=False,
                   gpupt_node_labels_file=path)
        want = "true" if verify_rc(r) == 0 else "false"
        self.assertIn('"gpupt.io/ready=%s"' % want, run.out)
        self.assertIn('"gpupt.io/pci-10de-1e04=2"', run.out)

    def test_required_variable(self):
        """No gpupt_config: the argument spec stops the role before anything runs."""
        r = fixture("eight-gpus", "no-config")
        before = conf(r)
        run = play(r, None)
        self.assertEqual(run.failed, 1, run.out)
        self.assertIn("gpupt_config", run.out)
        self.assertEqual(conf(r), before)


class Static(unittest.TestCase):
    def test_syntax(self):
        need("ansible-playbook")
        for pb in ("ansible/site.yml", "ansible/verify.yml", "tests/ansible/play.yml"):
            p = subprocess.run(["ansible-playbook", "-i", "localhost,", "--syntax-check", pb],
                               cwd=TOP, capture_output=True, text=True, env=env(), timeout=120)
            self.assertEqual(p.returncode, 0, pb + ":\n" + p.stdout + p.stderr)

    def test_fleet_playbook(self):
        """site.yml rolls in batches and stops at the first failed host."""
        text = open(os.path.join(TOP, "ansible", "site.yml")).read()
        self.assertRegex(text, r"(?m)^  serial:")
        self.assertRegex(text, r"(?m)^  max_fail_percentage: 0$")

    def test_lint(self):
        need("ansible-lint")
        p = subprocess.run(["ansible-lint", "--offline", "-q", "ansible/", "tests/ansible/"],
                           cwd=TOP, capture_output=True, text=True, env=env(), timeout=600)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


def main():
    global TMP, BUILD
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("-v", "--verbose", action="store_true")
    args, rest = ap.parse_known_args()
    BUILD = os.path.abspath(args.build)
    TMP = tempfile.mkdtemp(prefix="gpupt-ansible.")
    try:
        loader = unittest.defaultTestLoader
        suite = (loader.loadTestsFromNames(rest, sys.modules[__name__]) if rest
                 else loader.loadTestsFromModule(sys.modules[__name__]))
        res = unittest.TextTestRunner(verbosity=2 if args.verbose else 1).run(suite)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    failed = len(res.failures) + len(res.errors)
    skipped = len(res.skipped)
    print(f"ansible: {res.testsRun - failed - skipped} passed, {failed} failed, "
          f"{skipped} skipped")
    return 0 if res.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

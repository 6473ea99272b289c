#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Node label tests: gpupt-apply labels on every recorded machine of
tests/mkfixture.py writes node-feature-discovery's local feature file, each
line of NFD's input format and each label within Kubernetes' rules for label
names and values, its verdict that of gpupt-check --verify on the same root;
the generator runs it once per boot where NFD's features.d exists or the
config asks for labels.

    tests/test_labels.py [--build DIR] [-v]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fixture.scenarios import SCENARIOS  # noqa: E402

BUILD = os.path.join(os.path.dirname(HERE), "build")
TMP = None
VERBOSE = False
FEATURES_D = "etc/kubernetes/node-feature-discovery/features.d"

# Kubernetes (k8s.io/apimachinery/pkg/util/validation): a label key is an
# optional DNS-subdomain prefix (253 at most) and '/', then a name of 1 to
# 63 of [A-Za-z0-9._-] beginning and ending with a letter or digit; a
# value is empty or such a name.
NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
NFD_FILE_MAX = 64 * 1024  # NFD ignores a larger feature file


def label_ok(key, value):
    prefix, slash, name = key.rpartition("/")
    if not slash or not prefix or len(prefix) > 253 or \
            not all(DNS_LABEL.match(p) for p in prefix.split(".")):
        return False
    return bool(NAME.match(name)) and (value == "" or bool(NAME.match(value)))


def parse_nfd(text):
    """NFD's local feature file: '#' comments, <key>[=<value>] lines, the
    value "true" when none is given; every key namespaced."""
    assert len(text.encode()) <= NFD_FILE_MAX, f"{len(text)} bytes: NFD ignores the file"
    labels = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, eq, value = line.partition("=")
        value = value if eq else "true"
        assert label_ok(key, value), f"{line!r}: not a Kubernetes label"
        assert key not in labels, f"{key} twice"
        labels[key] = value
    return labels


def run(cmd, env_root=None, **kw):
    env = dict(os.environ)
    env.pop("GPUPT_ROOT", None)
    if env_root:
        env["GPUPT_ROOT"] = env_root
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, **kw)


def apply_labels(rootdir):
    return run([os.path.join(BUILD, "gpupt-apply"), "--root", rootdir, "labels"])


def expected(rootdir):
    """What the labels must say, from gpupt-check --verify on the root."""
    check = os.path.join(BUILD, "gpupt-check")
    p = run([check, "--root", rootdir, "--verify"])
    j = json.loads(run([check, "--root", rootdir, "--verify", "--json"]).stdout)
    want = {"gpupt.io/ready": "true" if p.returncode == 0 else "false",
            "gpupt.io/reboot-required":
                "true" if any(pr["code"] == "reboot-required" for pr in j["problems"]) else "false"}
    for c in j["claims"]:
        key = "gpupt.io/pci-" + c["id"].replace(":", "-")
        want[key] = str(int(want.get(key, "0")) + bool(c["applied"]))
    return want, p.returncode


def make_root(scenario):
    rootdir = os.path.join(TMP, scenario)
    if not os.path.isdir(rootdir):
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, rootdir],
                       check=True, stdout=subprocess.DEVNULL)
    return rootdir


def test_scenario(scenario):
    rootdir = make_root(scenario)
    if not os.path.exists(os.path.join(rootdir, "etc/gpupt.conf")):
        return
    d = os.path.join(rootdir, FEATURES_D)
    os.makedirs(d, exist_ok=True)
    p = apply_labels(rootdir)
    assert p.returncode == 0, f"gpupt-apply labels: {p.returncode} {p.stderr}"
    with open(os.path.join(d, "gpupt")) as f:
        got = parse_nfd(f.read())
    want, _ = expected(rootdir)
    assert got == want, f"labels {got} != {want}"
    assert os.listdir(d) == ["gpupt"], f"left in features.d: {os.listdir(d)}"


def in_sync_and_drifted():
    """vfio-bound is in sync (ready=true); moving one of its claimed
    functions to another driver drifts it (ready=false, its count lower)."""
    rootdir = make_root("vfio-bound")
    d = os.path.join(rootdir, FEATURES_D)
    os.makedirs(d, exist_ok=True)
    assert apply_labels(rootdir).returncode == 0
    with open(os.path.join(d, "gpupt")) as f:
        before = parse_nfd(f.read())
    assert before["gpupt.io/ready"] == "true", before
    want, rc = expected(rootdir)
    assert rc == 0 and before == want, (before, want)
    devs = os.path.join(rootdir, "sys/bus/pci/devices")
    bdf = json.loads(run([os.path.join(BUILD, "gpupt-check"), "--root", rootdir,
                          "--json"]).stdout)["claims"][0]["bdf"]
    # the host model reads the driver from uevent, as udev does
    uevent = os.path.join(devs, bdf, "uevent")
    with open(uevent) as f:
        orig = f.read()
    assert "DRIVER=vfio-pci\n" in orig, orig
    try:
        with open(uevent, "w") as f:
            f.write(orig.replace("DRIVER=vfio-pci\n", "DRIVER=nouveau\n"))
        assert apply_labels(rootdir).returncode == 0
        with open(os.path.join(d, "gpupt")) as f:
            after = parse_nfd(f.read())
        want, rc = expected(rootdir)
        assert rc == 1 and after == want and after["gpupt.io/ready"] == "false", (after, want)
        key = [k for k in after if k.startswith("gpupt.io/pci-")]
        assert sum(map(int, (after[k] for k in key))) == \
            sum(map(int, (before[k] for k in key))) - 1, (before, after)
    finally:
        with open(uevent, "w") as f:
            f.write(orig)


def where_written():
    """No features.d and no node_labels: no file. node_labels = PATH: the
    directory made and the file there. node_labels = "": none, even with a
    features.d. A relative node_labels is a config error."""
    rootdir = make_root("eight-gpus")
    conf = os.path.join(rootdir, "etc/gpupt.conf")
    with open(conf) as f:
        orig = f.read()
    shutil.rmtree(os.path.join(rootdir, "etc/kubernetes"), ignore_errors=True)
    try:
        p = apply_labels(rootdir)
        assert p.returncode == 0 and not os.path.exists(os.path.join(rootdir, "etc/kubernetes")), p
        g = os.path.join(TMP, "gen")
        for ask, unit in ((None, False), ('"/var/lib/nfd/features.d/gpu"', True), ('""', False)):
            with open(conf, "w") as f:
                f.write(orig + (f"node_labels = {ask}\n" if ask else ""))
            shutil.rmtree(g, ignore_errors=True)
            for sub in ("n", "e", "l"):
                os.makedirs(os.path.join(g, sub))
            p = run([os.path.join(BUILD, "gpupt-generator"), *(os.path.join(g, s) for s in "nel")],
                    env_root=rootdir)
            assert p.returncode == 0, p.stderr
            assert os.path.exists(os.path.join(g, "n/gpupt-labels.service")) == unit, (ask, unit)
            assert os.path.islink(os.path.join(g, "n/multi-user.target.wants/gpupt-labels.service")) \
                == unit
        with open(conf, "w") as f:
            f.write(orig + 'node_labels = "/var/lib/nfd/features.d/gpu"\n')
        p = apply_labels(rootdir)
        path = os.path.join(rootdir, "var/lib/nfd/features.d/gpu")
        assert p.returncode == 0 and os.path.isfile(path), p.stderr
        with open(conf, "w") as f:
            f.write(orig + 'node_labels = ""\n')
        os.makedirs(os.path.join(rootdir, FEATURES_D))
        p = apply_labels(rootdir)
        assert p.returncode == 0 and os.listdir(os.path.join(rootdir, FEATURES_D)) == [], p
        for bad in ('"features.d/gpupt"', '"/etc/../gpupt"', '"/etc/x y"', '"/etc/"'):
            with open(conf, "w") as f:
                f.write(orig + f"node_labels = {bad}\n")
            p = run([os.path.join(BUILD, "gpupt-check"), "--root", rootdir])
            assert p.returncode == 2 and "node_labels" in p.stdout + p.stderr, (bad, p)
    finally:
        with open(conf, "w") as f:
            f.write(orig)


def the_rules():
    """The checker itself refuses what Kubernetes refuses."""
    for key, value in (("gpupt.io/ready", "true"), ("a.b/c_d.e-f", ""), ("x.io/" + "a" * 63, "1")):
        assert label_ok(key, value), (key, value)
    for key, value in (("ready", "true"), ("gpupt.io/-x", "1"), ("Gpupt.io/x", "1"),
                       ("x.io/" + "a" * 64, "1"), ("x.io/a", "a b"), ("x.io/a", "a" * 64),
                       ("x.io/a", "-1"), ("x..io/a", "1")):
        assert not label_ok(key, value), (key, value)


def main():
    global TMP, BUILD, VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    BUILD, VERBOSE = os.path.abspath(args.build), args.verbose
    TMP = tempfile.mkdtemp(prefix="gpupt-labels.")
    passed = failed = 0
    tests = [(f"labels {s}", test_scenario, s) for s in SCENARIOS]
    tests += [("label rules", lambda _: the_rules(), None),
              ("in sync, then drifted", lambda _: in_sync_and_drifted(), None),
              ("where the file is written", lambda _: where_written(), None)]
    try:
        for name, fn, arg in tests:
            try:
                fn(arg)
            except Exception as e:
                failed += 1
                print(f"labels: FAIL {name}: {type(e).__name__}: {e}")
            else:
                passed += 1
                if VERBOSE:
                    print(f"labels: ok {name}")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"labels: {passed} passed, {failed} failed, 0 skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())

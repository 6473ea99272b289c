#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""KubeVirt tests: gpupt-check --kubevirt on every recorded machine of
tests/mkfixture.py, for each device entry that claims something and each
mdev entry (in the scenario's config and in each of its variants).

Each output is parsed as YAML, each of its two documents validated against
KubeVirt's OpenAPI schema (tests/schema/kubevirt-v1.json: v1.KubeVirt and
v1.VirtualMachine, every object closed to fields the schema does not name,
as kubectl's strict field validation does), linted with yamllint, and its
items checked against the plan of gpupt-check --json. A missing Python
module or yamllint is a failure as root (tests/deps.sh installs them) and a
counted SKIP otherwise.

    tests/test_kubevirt.py [--build DIR] [-v]
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
import test_handoff as th  # noqa: E402

VERBOSE = False
# Kubernetes YAML runs past 80 columns (resource names are up to 63
# characters); everything else is yamllint's default.
YAMLLINT_CONFIG = "{extends: default, rules: {line-length: {max: 120}}}"


class Skip(Exception):
    pass


def need_module(name):
    try:
        return __import__(name)
    except ImportError:
        if os.geteuid() == 0:
            raise AssertionError(f"python3 module {name} is missing (tests/deps.sh installs it)")
        raise Skip(f"python3 module {name} is missing")


def tool(name):
    try:
        return th.tool(name)
    except th.Skip as e:
        raise Skip(str(e))


def closed(schema):
    """The schema with every object that lists properties closed to others."""
    if isinstance(schema, dict):
        out = {k: closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


SCHEMA = None


def validate(doc, definition):
    global SCHEMA
    jsonschema = need_module("jsonschema")
    if SCHEMA is None:
        with open(os.path.join(HERE, "schema/kubevirt-v1.json")) as f:
            SCHEMA = closed(json.load(f))
    schema = dict(SCHEMA, **{"$ref": "#/definitions/" + definition})
    jsonschema.validate(doc, schema)


RESOURCE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/"
                      r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


class Case:
    def __init__(self, scenario, rootdir, config, entry, plan, mdev=None):
        self.scenario, self.rootdir, self.config, self.entry = scenario, rootdir, config, entry
        self.plan, self.mdev = plan, mdev
        variant = os.path.basename(config)[:-5] if "gpupt-variants" in config else None
        self.name = scenario + (f"[{variant}]" if variant else "") + ":" + entry
        if mdev is None:
            self.handoff = th.Case(scenario, rootdir, config, entry, plan, 0)
            self.claims = self.handoff.claims
        else:
            self.claims = []

    def errors(self):
        if self.mdev is None:
            return self.handoff.errors()
        return [pr for pr in self.plan["problems"]
                if pr["severity"] == "error" and pr["entry"] == self.entry]

    def run(self):
        p = th.check(self.rootdir, self.config, "--kubevirt", self.entry)
        errors = self.errors()
        assert p.returncode == (1 if errors else 0), \
            f"exit {p.returncode}, expected {1 if errors else 0} " \
            f"({[e['code'] for e in errors]}): {p.stderr.strip()}"
        if errors:
            assert "not ready" in p.stderr and any(e["code"] in p.stderr for e in errors), \
                p.stderr
        else:
            assert "not ready" not in p.stderr, p.stderr
        return p.stdout


def lint(text, name):
    path = os.path.join(th.TMP, re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    p = th.run([tool("yamllint"), "-s", "-d", YAMLLINT_CONFIG, path])
    assert p.returncode == 0, f"yamllint: {p.stdout}{p.stderr}"


def test_kubevirt(c):
    yaml = need_module("yaml")
    out = c.run()
    lint(out, c.name)
    docs = list(yaml.safe_load_all(out))
    assert len(docs) == 2, f"{len(docs)} YAML documents, 2 expected"
    cr, vm = docs
    assert (cr["kind"], vm["kind"]) == ("KubeVirt", "VirtualMachine"), (cr["kind"], vm["kind"])
    validate(cr, "v1.KubeVirt")
    validate(vm, "v1.VirtualMachine")
    permitted = cr["spec"]["configuration"]["permittedHostDevices"]
    pci = permitted.get("pciHostDevices", [])
    mdevs = permitted.get("mediatedDevices", [])
    want_ids = list(dict.fromkeys(cl["id"].upper() for cl in c.claims))
    assert [d["pciVendorSelector"] for d in pci] == want_ids, \
        f"selectors {[d['pciVendorSelector'] for d in pci]} != {want_ids}"
    by_id = {d["pciVendorSelector"]: d["resourceName"] for d in pci}
    for d in pci + mdevs:
        assert RESOURCE.match(d["resourceName"]), f"{d['resourceName']}: not a resource name"
    devices = vm["spec"]["template"]["spec"]["domain"]["devices"]
    gpus, hostdevs = devices.get("gpus", []), devices.get("hostDevices", [])
    names = [d["name"] for d in gpus + hostdevs]
    assert len(names) == len(set(names)), f"device names repeat: {names}"
    want = []
    for cl in c.claims:
        cls = th.sysfs(c.rootdir, cl["bdf"], "class")
        want.append(("gpu" if cls.startswith("0x03") else "hostdev", by_id[cl["id"].upper()]))
    if c.mdev is not None:
        assert len(mdevs) == 1, f"one mediatedDevices item expected: {mdevs}"
        t = os.path.join(c.rootdir, "sys/class/mdev_bus", c.mdev["parent"],
                         "mdev_supported_types", c.mdev["type"], "name")
        if os.path.exists(t):
            with open(t) as f:
                assert mdevs[0]["mdevNameSelector"] == f.read().strip(), mdevs
        want.append(("gpu", mdevs[0]["resourceName"]))
    got = [("gpu", d["deviceName"]) for d in gpus] + [("hostdev", d["deviceName"])
                                                      for d in hostdevs]
    assert sorted(got) == sorted(want), f"requests {got} != {want}"
    assert vm["spec"]["template"]["spec"]["nodeSelector"] == {"gpupt.io/ready": "true"}


def resource_override():
    """A resource key names the model of the entry's first function; the
    others keep their pci.ids names; a bad one is a config error."""
    rootdir = os.path.join(th.TMP, "eight-gpus")
    config = os.path.join(th.TMP, "resource.conf")
    with open(config, "w") as f:
        f.write('device "gpu" {\n  bdf = "c1:00"\n  resource = "example.com/rtx-2080ti"\n}\n')
    p = th.check(rootdir, config, "--kubevirt", "gpu")
    assert p.returncode == 0, p.stderr
    yaml = need_module("yaml")
    cr = next(yaml.safe_load_all(p.stdout))
    pci = cr["spec"]["configuration"]["permittedHostDevices"]["pciHostDevices"]
    assert pci[0] == {"pciVendorSelector": "10DE:1E04", "resourceName": "example.com/rtx-2080ti"}
    assert pci[1] == {"pciVendorSelector": "10DE:10F7",
                      "resourceName": "nvidia.com/TU102_High_Definition_Audio_Controller"}, pci
    for bad in ("rtx", "Example.com/x", "kubernetes.io/gpu", "example.com/-x"):
        with open(config, "w") as f:
            f.write('device "gpu" {\n  bdf = "c1:00"\n  resource = "%s"\n}\n' % bad)
        p = th.check(rootdir, config, "--kubevirt", "gpu")
        assert p.returncode == 2 and "resource" in p.stderr and not p.stdout, (bad, p)


def usage_errors():
    rootdir = os.path.join(th.TMP, "eight-gpus")
    config = os.path.join(rootdir, "etc/gpupt.conf")
    p = th.check(rootdir, config, "--kubevirt", "no-such-gpu")
    assert p.returncode == 2 and "no-such-gpu" in p.stderr and not p.stdout, p
    p = th.check(rootdir, config, "--kubevirt", "vm-gpu-0", "--libvirt", "vm-gpu-1")
    assert p.returncode == 2 and not p.stdout, p
    p = th.check(rootdir, config, "--kubevirt", "vm-gpu-0", "--json")
    assert p.returncode == 2 and not p.stdout, p


def cases():
    out = []
    for scenario in SCENARIOS:
        rootdir = os.path.join(th.TMP, scenario)
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, rootdir],
                       check=True, stdout=subprocess.DEVNULL)
        configs = [os.path.join(rootdir, "etc/gpupt.conf")]
        vdir = os.path.join(rootdir, "etc/gpupt-variants")
        if os.path.isdir(vdir):
            configs += [os.path.join(vdir, v) for v in sorted(os.listdir(vdir))]
        for config in configs:
            p = th.check(rootdir, config, "--json")
            if p.returncode == 2:
                continue
            plan = json.loads(p.stdout)
            for entry in dict.fromkeys(cl["entry"] for cl in plan["claims"]):
                out.append(Case(scenario, rootdir, config, entry, plan))
            for m in plan["mdevs"]:
                out.append(Case(scenario, rootdir, config, m["entry"], plan, mdev=m))
    return out


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=th.BUILD)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    th.BUILD, VERBOSE = os.path.abspath(args.build), args.verbose
    th.TMP = tempfile.mkdtemp(prefix="gpupt-kubevirt.")
    passed = failed = skipped = 0
    try:
        all_cases = cases()
        tests = [(f"kubevirt {c.name}", test_kubevirt, c) for c in all_cases]
        tests.append(("resource key", lambda _: resource_override(), None))
        tests.append(("usage errors", lambda _: usage_errors(), None))
        for name, fn, c in tests:
            try:
                fn(c)
            except Skip as e:
                skipped += 1
                print(f"kubevirt: SKIP {name}: {e}")
            except Exception as e:  # a schema error is not an AssertionError
                failed += 1
                print(f"kubevirt: FAIL {name}: {type(e).__name__}: {str(e)[:2000]}")
            else:
                passed += 1
                if VERBOSE:
                    print(f"kubevirt: ok {name}")
        print(f"kubevirt: {len(all_cases)} entries on {len(SCENARIOS)} recorded machines "
              f"({sum(1 for c in all_cases if c.errors())} not ready)")
    finally:
        shutil.rmtree(th.TMP, ignore_errors=True)
    print(f"kubevirt: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())

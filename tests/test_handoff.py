#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hand-off tests: gpupt-check --libvirt, --qemu and --proxmox on every
recorded machine of tests/mkfixture.py, for each device entry that claims
something (in the scenario's config and in each of its variants).

The libvirt output is wrapped into a minimal domain and validated with
libvirt's own schema (virt-xml-validate) and parser (virsh -c
test:///default define); the QEMU arguments and the Proxmox values are
parsed back; all three are checked against the plan of gpupt-check --json.
A missing libvirt tool is a failure as root (tests/deps.sh installs it) and
a counted SKIP otherwise.

    tests/test_handoff.py [--build DIR] [-v]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fixture.scenarios import SCENARIOS  # noqa: E402

BUILD = os.path.join(os.path.dirname(HERE), "build")
TMP = None
VERBOSE = False


class Skip(Exception):
    pass


def run(cmd, **kw):
    env = dict(os.environ)
    env.pop("GPUPT_ROOT", None)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, **kw)


def check(rootdir, config, *args):
    return run([os.path.join(BUILD, "gpupt-check"), "--root", rootdir, "--config", config,
                *args])


def tool(name):
    path = shutil.which(name) or next(
        (p for p in ("/usr/bin/" + name, "/usr/sbin/" + name) if os.access(p, os.X_OK)), None)
    if path:
        return path
    if os.geteuid() == 0:
        raise AssertionError(f"{name} is not installed (tests/deps.sh installs it)")
    raise Skip(f"{name} is not installed")


def slot_of(bdf):
    return bdf.rsplit(".", 1)[0]


def slots(bdfs):
    """Host slot -> its claimed functions, in host order."""
    out = {}
    for b in bdfs:
        out.setdefault(slot_of(b), []).append(b)
    return out


def present_functions(rootdir, slot):
    devs = os.listdir(os.path.join(rootdir, "sys/bus/pci/devices"))
    return sorted(d for d in devs if slot_of(d) == slot)


def sysfs(rootdir, bdf, attr):
    with open(os.path.join(rootdir, "sys/bus/pci/devices", bdf, attr)) as f:
        return f.read().strip()


class Case:
    """One device entry of one config on one recorded machine."""

    def __init__(self, scenario, rootdir, config, entry, plan, exit_status):
        self.scenario, self.rootdir, self.config, self.entry = scenario, rootdir, config, entry
        self.plan = plan
        self.entries = entry.split(",")
        self.claims = [c for c in plan["claims"] if c["entry"] in self.entries]
        self.bdfs = [c["bdf"] for c in self.claims]
        self.exit_status = exit_status
        variant = os.path.basename(config)[:-5] if "gpupt-variants" in config else None
        self.name = scenario + (f"[{variant}]" if variant else "") + ":" + entry

    def errors(self):
        """The errors that make this entry not ready (as the man page says)."""
        groups = {c["iommu_group"] for c in self.claims if c["iommu_group"] is not None}
        out = []
        for pr in self.plan["problems"]:
            if pr["severity"] != "error":
                continue
            if pr["entry"] in self.entries or (pr["entry"] is None and pr["bdf"] is None) or \
                    pr["bdf"] in self.bdfs:
                out.append(pr)
                continue
            if pr["bdf"] is not None:
                link = os.path.join(self.rootdir, "sys/bus/pci/devices", pr["bdf"], "iommu_group")
                if os.path.islink(link) and int(os.path.basename(os.readlink(link))) in groups:
                    out.append(pr)
        return out

    def output(self, option):
        p = check(self.rootdir, self.config, option, self.entry)
        errors = self.errors()
        want = 1 if errors else 0
        assert p.returncode == want, \
            f"{option}: exit {p.returncode}, expected {want} ({[e['code'] for e in errors]}): " \
            f"{p.stderr.strip()}"
        if errors:
            assert "not ready" in p.stderr and all(e["code"] in p.stderr for e in errors), \
                f"{option}: stderr does not name the errors: {p.stderr!r}"
        else:
            assert "not ready" not in p.stderr, p.stderr
        assert p.stdout, f"{option} printed nothing"
        return p.stdout


def domain_xml(fragment, test_driver=False):
    """The fragment in a minimal q35 domain: <vcpu> and <numatune> at the
    top level, the rest in <devices>, as the output's comment says."""
    m = re.search(r"^<controller ", fragment, re.M)
    cut = m.start() if m else len(fragment)
    head, devices = fragment[:cut], fragment[cut:]
    if "<vcpu" not in head:
        head += "<vcpu>2</vcpu>\n"
    return (f"<domain type='{'test' if test_driver else 'kvm'}'>\n"
            "<name>gpupt-handoff</name>\n<memory unit='MiB'>1024</memory>\n" + head +
            "<os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
            "<devices>\n" + devices + "</devices>\n</domain>\n")


def attr_int(e, name):
    return int(e.get(name), 16)


def test_libvirt(c):
    out = c.output("--libvirt")
    frag = ET.fromstring("<fragment>" + out + "</fragment>")  # well-formed, comments too
    hostdevs = frag.findall("hostdev")
    controllers = {int(e.get("index")): e for e in frag.findall("controller")}
    src = []
    guest_bus = {}
    by_slot = slots(c.bdfs)
    for h in hostdevs:
        assert (h.get("mode"), h.get("type"), h.get("managed")) == ("subsystem", "pci", "no"), \
            ET.tostring(h)
        s = h.find("source/address")
        bdf = "%04x:%02x:%02x.%x" % (attr_int(s, "domain"), attr_int(s, "bus"),
                                     attr_int(s, "slot"), attr_int(s, "function"))
        src.append(bdf)
        g = h.find("address")
        assert g.get("type") == "pci" and attr_int(g, "domain") == 0, ET.tostring(g)
        assert attr_int(g, "slot") == 0, f"{bdf}: guest slot is not 0"
        assert attr_int(g, "function") == int(bdf[-1], 16), f"{bdf}: another guest function"
        multi = len(by_slot[slot_of(bdf)]) > 1 and bdf.endswith(".0")
        assert (g.get("multifunction") == "on") == multi, f"{bdf}: multifunction {multi} expected"
        bus = attr_int(g, "bus")
        guest_bus.setdefault(slot_of(bdf), set()).add(bus)
        assert bus in controllers and controllers[bus].get("model") == "pcie-root-port", \
            f"{bdf}: guest bus {bus} has no pcie-root-port controller"
    assert src == c.bdfs, f"hostdevs {src} != claims {c.bdfs}"
    assert all(len(b) == 1 for b in guest_bus.values()), f"a host slot on several buses: {guest_bus}"
    buses = [next(iter(b)) for b in guest_bus.values()]
    assert len(set(buses)) == len(buses) == len(controllers), f"host slots share a bus: {guest_bus}"

    nodes = {cl["numa_node"] for cl in c.claims}
    vcpu, numatune = frag.find("vcpu"), frag.find("numatune/memory")
    if len(nodes) == 1 and None not in nodes:
        node = nodes.pop()
        cpus = sysfs(c.rootdir, c.bdfs[0], "local_cpulist")
        assert vcpu is not None and vcpu.get("placement") == "static" and \
            vcpu.get("cpuset") == cpus, f"vcpu {vcpu and vcpu.attrib} for node {node} ({cpus})"
        assert numatune is not None and numatune.get("mode") == "strict" and \
            numatune.get("nodeset") == str(node), "numatune"
    else:
        assert vcpu is None and numatune is None, "placement for devices without one node"
        assert "no CPU or memory placement" in out, "no comment on the missing placement"

    path = os.path.join(TMP, re.sub(r"[^A-Za-z0-9_.-]", "_", c.name) + ".xml")
    with open(path, "w") as f:
        f.write(domain_xml(out))
    p = run([tool("virt-xml-validate"), path, "domain"])
    assert p.returncode == 0, f"virt-xml-validate: {p.stdout}{p.stderr}"
    with open(path, "w") as f:
        f.write(domain_xml(out, test_driver=True))
    p = run([tool("virsh"), "-q", "-c", "test:///default", "define", "--validate", path])
    assert p.returncode == 0, f"virsh define: {p.stdout}{p.stderr}"


def test_qemu(c):
    out = c.output("--qemu")
    lines = out.splitlines()
    ports = {}
    devs = []
    ids = set()
    for line in lines:
        opt, _, value = line.partition(" ")
        assert opt == "-device" and value and " " not in value, f"not '-device VALUE': {line!r}"
        driver, *props = value.split(",")
        props = dict(p.split("=", 1) for p in props)
        assert props["id"] not in ids, f"id {props['id']} twice"
        ids.add(props["id"])
        if driver == "pcie-root-port":
            assert not devs or devs[-1]["bus"] in ports, "a root port among another's functions"
            ports[props["id"]] = (props["chassis"], props["slot"])
        else:
            assert driver == "vfio-pci", line
            assert props["bus"] in ports, f"bus {props['bus']} is not a root port given before"
            devs.append(props)
    assert len(set(ports.values())) == len(ports), f"chassis/slot twice: {ports}"
    assert [d["host"] for d in devs] == c.bdfs, f"functions {[d['host'] for d in devs]} != {c.bdfs}"
    by_slot = slots(c.bdfs)
    assert len(ports) == len(by_slot), f"{len(ports)} root ports for {len(by_slot)} host slots"
    port_of = {}
    for d in devs:
        port_of.setdefault(slot_of(d["host"]), set()).add(d["bus"])
        assert d["addr"] == "00." + d["host"][-1], f"{d['host']}: addr {d['addr']}"
        multi = len(by_slot[slot_of(d["host"])]) > 1 and d["host"].endswith(".0")
        assert (d.get("multifunction") == "on") == multi, f"{d['host']}: multifunction"
    assert all(len(p) == 1 for p in port_of.values()), f"a host slot on several ports: {port_of}"
    assert len({next(iter(p)) for p in port_of.values()}) == len(port_of), "slots share a port"


def test_proxmox(c):
    out = c.output("--proxmox")
    values = out.splitlines()
    by_slot = slots(c.bdfs)
    assert len(values) == len(by_slot), f"{values}: one value per host slot expected"
    for value, (slot, fns) in zip(values, by_slot.items()):
        host, _, opts = value.partition(",")
        assert opts == "pcie=1", value
        if len(fns) > 1 and fns == present_functions(c.rootdir, slot):
            assert host == slot, f"{value}: the whole slot {slot} expected"
        else:
            assert host.split(";") == fns, f"{value}: the functions {fns} expected"


def cases():
    out = []
    for scenario in SCENARIOS:
        rootdir = os.path.join(TMP, scenario)
        subprocess.run([sys.executable, os.path.join(HERE, "mkfixture.py"), scenario, rootdir],
                       check=True, stdout=subprocess.DEVNULL)
        configs = [os.path.join(rootdir, "etc/gpupt.conf")]
        vdir = os.path.join(rootdir, "etc/gpupt-variants")
        if os.path.isdir(vdir):
            configs += [os.path.join(vdir, v) for v in sorted(os.listdir(vdir))]
        for config in configs:
            p = check(rootdir, config, "--json")
            if p.returncode == 2:
                continue
            plan = json.loads(p.stdout)
            for entry in dict.fromkeys(cl["entry"] for cl in plan["claims"]):
                out.append(Case(scenario, rootdir, config, entry, plan, p.returncode))
    return out


def failures_of_the_options():
    """Usage: an unknown entry, two outputs at once, --json with one."""
    rootdir = os.path.join(TMP, "eight-gpus")
    config = os.path.join(rootdir, "etc/gpupt.conf")
    p = check(rootdir, config, "--libvirt", "no-such-gpu")
    assert p.returncode == 2 and "no-such-gpu" in p.stderr and not p.stdout, p
    p = check(rootdir, config, "--qemu", "vm-gpu-0", "--proxmox", "vm-gpu-1")
    assert p.returncode == 2 and not p.stdout, p
    p = check(rootdir, config, "--json", "--qemu", "vm-gpu-0")
    assert p.returncode == 2 and not p.stdout, p


def several_entries():
    """The four NUMA node 1 cards of the 8-GPU server as one VM's: 16
    functions on four guest buses, placed on node 1."""
    rootdir = os.path.join(TMP, "eight-gpus")
    config = os.path.join(rootdir, "etc/gpupt.conf")
    p = check(rootdir, config, "--json")
    c = Case("eight-gpus", rootdir, config, "vm-gpu-0,vm-gpu-1,vm-gpu-2,vm-gpu-3",
             json.loads(p.stdout), p.returncode)
    assert len(c.bdfs) == 16 and len(slots(c.bdfs)) == 4, c.bdfs
    test_libvirt(c)
    test_qemu(c)
    test_proxmox(c)


def numa_nodes_mixed():
    """An entry whose functions sit on both NUMA nodes: no placement, a
    comment saying why, and the domain still validates."""
    rootdir = os.path.join(TMP, "eight-gpus")
    config = os.path.join(TMP, "all-gpus.conf")
    with open(config, "w") as f:
        f.write('device "all-gpus" {\n  ids = {"10de:1e04"}\n}\n')
    p = check(rootdir, config, "--json")
    c = Case("eight-gpus", rootdir, config, "all-gpus", json.loads(p.stdout), p.returncode)
    assert len(c.bdfs) == 32 and {cl["numa_node"] for cl in c.claims} == {0, 1}, c.bdfs
    test_libvirt(c)
    assert "NUMA nodes 0 and 1" in check(rootdir, config, "--libvirt", "all-gpus").stdout
    test_qemu(c)
    test_proxmox(c)


def main():
    global TMP, BUILD, VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=BUILD)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    BUILD, VERBOSE = os.path.abspath(args.build), args.verbose
    TMP = tempfile.mkdtemp(prefix="gpupt-handoff.")
    passed = failed = skipped = 0
    try:
        tests = []
        all_cases = cases()
        for c in all_cases:
            for fn in (test_libvirt, test_qemu, test_proxmox):
                tests.append((f"{fn.__name__[5:]} {c.name}", fn, c))
        tests.append(("usage errors", lambda _: failures_of_the_options(), None))
        tests.append(("NUMA nodes mixed", lambda _: numa_nodes_mixed(), None))
        tests.append(("several entries in one VM", lambda _: several_entries(), None))
        for name, fn, c in tests:
            try:
                fn(c)
            except Skip as e:
                skipped += 1
                print(f"handoff: SKIP {name}: {e}")
            except AssertionError as e:
                failed += 1
                print(f"handoff: FAIL {name}: {e}")
            else:
                passed += 1
                if VERBOSE:
                    print(f"handoff: ok {name}")
        entries = len(all_cases)
        not_ready = sum(1 for c in all_cases if c.errors())
        print(f"handoff: {entries} entries on {len(SCENARIOS)} recorded machines "
              f"({not_ready} not ready)")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"handoff: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())

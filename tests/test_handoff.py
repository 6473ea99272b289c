#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hand-off tests: gpupt-check --libvirt, --qemu and --proxmox on every
recorded machine of tests/mkfixture.py, for each device entry that claims
something, each sriov entry (all its VFs, and VF ranges) and each mdev
entry (in the scenario's config and in each of its variants), plain, with
--guest windows and with --primary where the entry holds one VGA function.

The libvirt output is wrapped into a minimal domain and validated with
libvirt's own schema (virt-xml-validate) and parser (virsh -c
test:///default define); the QEMU arguments are parsed back and their
properties checked against QEMU's own -device DRIVER,help; the Proxmox
values against the hostpci and cpu option syntax of qm(1); all three are
checked against the plan of gpupt-check --json. VF addresses are checked
against the PF's SR-IOV capability as this file decodes it and against the
kernel's virtfn links wherever a recorded machine has VFs.
A missing libvirt tool is a failure as root (tests/deps.sh installs it) and
a counted SKIP otherwise.

    tests/test_handoff.py [--build DIR] [-v]
"""
import argparse
import json
import os
import re
import shutil
import struct
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


def sriov_routing(rootdir, pf):
    """(First VF Offset, VF Stride) of pf's SR-IOV capability (PCIe base spec
    9.3.3: extended capability 0x0010; offset at +0x14, stride at +0x16),
    decoded here from its config space; None without one."""
    try:
        with open(os.path.join(rootdir, "sys/bus/pci/devices", pf, "config"), "rb") as f:
            cfg = f.read()
    except FileNotFoundError:
        return None
    pos = 0x100
    while 0x100 <= pos and pos + 4 <= len(cfg):
        header = struct.unpack_from("<I", cfg, pos)[0]
        if header in (0, 0xFFFFFFFF):
            return None
        if header & 0xFFFF == 0x0010:
            return struct.unpack_from("<HH", cfg, pos + 0x14)
        pos = (header >> 20) & ~3
        if not pos:
            return None
    return None


def vf_bdf(pf, n, routing):
    """VF n of pf: the PF's routing ID + offset + n * stride."""
    bus, dev, fn = int(pf[5:7], 16), int(pf[8:10], 16), int(pf[11], 16)
    rid = (bus << 8 | dev << 3 | fn) + routing[0] + n * routing[1]
    assert rid <= 0xFFFF, f"VF {n} of {pf} beyond bus ff"
    return "%s:%02x:%02x.%x" % (pf[:4], rid >> 8, (rid >> 3) & 0x1F, rid & 7)


def virtfn(rootdir, pf, n):
    """Where the kernel's virtfnN link of pf points, None without one."""
    link = os.path.join(rootdir, "sys/bus/pci/devices", pf, "virtfn%d" % n)
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else None


class Case:
    """Entries of one config on one recorded machine as one VM's: device
    entries, sriov entries (NAME, NAME:N, NAME:N-M) and mdev entries."""

    def __init__(self, scenario, rootdir, config, entry, plan, exit_status, guest=False,
                 primary=None):
        self.scenario, self.rootdir, self.config, self.entry = scenario, rootdir, config, entry
        self.plan, self.guest, self.primary = plan, guest, primary
        items = entry.split(",")
        sriovs = {s["entry"]: s for s in plan["sriov"]}
        mdevs = {m["entry"]: m for m in plan["mdevs"]}
        self.entries = [i for i in items if i.split(":")[0] not in sriovs and i not in mdevs]
        self.claims = [c for c in plan["claims"] if c["entry"] in self.entries]
        self.bdfs = [c["bdf"] for c in self.claims]
        self.others = [i.split(":")[0] for i in items if i not in self.entries]
        self.vfs = []        # (entry, index, bdf) in the order given
        for i in items:
            name, _, rng = i.partition(":")
            if name not in sriovs:
                continue
            sr = sriovs[name]
            first, _, last = rng.partition("-")
            first = int(first) if rng else 0
            last = int(last) if last else (first if rng else sr["vfs"] - 1)
            routing = sriov_routing(rootdir, sr["pf"])
            if routing is None:
                continue
            for n in range(first, last + 1):
                self.vfs.append((name, n, vf_bdf(sr["pf"], n, routing)))
        self.mdevs = [mdevs[i] for i in items if i in mdevs]
        self.exit_status = exit_status
        variant = os.path.basename(config)[:-5] if "gpupt-variants" in config else None
        self.name = scenario + (f"[{variant}]" if variant else "") + ":" + entry + \
            (" --guest windows" if guest else "") + (f" --primary {primary}" if primary else "")

    def args(self, option):
        out = [option, self.entry]
        if self.guest:
            out += ["--guest", "windows"]
        if self.primary:
            out += ["--primary", self.primary]
        return out

    def errors(self):
        """The errors that make these entries not ready (as the man page says)."""
        groups = {c["iommu_group"] for c in self.claims if c["iommu_group"] is not None}
        out = []
        for pr in self.plan["problems"]:
            if pr["severity"] != "error":
                continue
            if self.entries and (pr["entry"] in self.entries or pr["bdf"] in self.bdfs):
                out.append(pr)
                continue
            if pr["entry"] is None and pr["bdf"] is None and (self.entries or self.others):
                out.append(pr)
                continue
            if pr["entry"] in self.others:
                out.append(pr)
                continue
            if self.entries and pr["bdf"] is not None:
                link = os.path.join(self.rootdir, "sys/bus/pci/devices", pr["bdf"], "iommu_group")
                if os.path.islink(link) and int(os.path.basename(os.readlink(link))) in groups:
                    out.append(pr)
        return out

    def output(self, option):
        p = check(self.rootdir, self.config, *self.args(option))
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
        for name, n, bdf in self.vfs:
            assert f'VF {n}' not in p.stderr, p.stderr
        if self.bdfs or self.vfs or self.mdevs or option == "--libvirt":
            assert p.stdout, f"{option} printed nothing"
        return p.stdout


def domain_xml(fragment, test_driver=False):
    """The fragment in a minimal q35 domain: <vcpu>, <numatune> and
    <features> at the top level, the rest in <devices>, as the output's
    comment says."""
    m = re.search(r"^<(controller|hostdev|video)[ >]", fragment, re.M)
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


def gvt_type(t):
    """The types whose mdev shows the guest's screen (display='on')."""
    return t.startswith("i915-GVTg_")


def primary_vga(c):
    """The VGA-class function of the --primary entry."""
    if not c.primary:
        return None
    vga = [cl["bdf"] for cl in c.claims if cl["entry"] == c.primary and
           sysfs(c.rootdir, cl["bdf"], "class")[2:6] == "0300"]
    assert len(vga) == 1, vga
    return vga[0]


def test_libvirt(c):
    out = c.output("--libvirt")
    frag = ET.fromstring("<fragment>" + out + "</fragment>")  # well-formed, comments too
    hostdevs = [h for h in frag.findall("hostdev") if h.get("type") == "pci"]
    controllers = {int(e.get("index")): e for e in frag.findall("controller")}
    src = []
    guest_bus = {}
    by_slot = slots(c.bdfs)
    vf_bdfs = [bdf for _, _, bdf in c.vfs]
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
        bus = attr_int(g, "bus")
        if bdf in vf_bdfs:
            # a VF is function 0 of a root port of its own
            assert attr_int(g, "function") == 0 and g.get("multifunction") is None, \
                f"VF {bdf}: guest function {g.get('function')}"
            guest_bus[bdf] = {bus}
        else:
            assert attr_int(g, "function") == int(bdf[-1], 16), f"{bdf}: another guest function"
            multi = len(by_slot[slot_of(bdf)]) > 1 and bdf.endswith(".0")
            assert (g.get("multifunction") == "on") == multi, \
                f"{bdf}: multifunction {multi} expected"
            guest_bus.setdefault(slot_of(bdf), set()).add(bus)
        assert bus in controllers and controllers[bus].get("model") == "pcie-root-port", \
            f"{bdf}: guest bus {bus} has no pcie-root-port controller"
    assert src == c.bdfs + vf_bdfs, f"hostdevs {src} != claims {c.bdfs} + VFs {vf_bdfs}"
    assert all(len(b) == 1 for b in guest_bus.values()), f"a host slot on several buses: {guest_bus}"
    buses = [next(iter(b)) for b in guest_bus.values()]
    assert len(set(buses)) == len(buses) == len(controllers), f"host slots share a bus: {guest_bus}"

    mdevs = [h for h in frag.findall("hostdev") if h.get("type") == "mdev"]
    assert [h.find("source/address").get("uuid") for h in mdevs] == \
        [m["uuid"] for m in c.mdevs], f"mdev hostdevs {[ET.tostring(h) for h in mdevs]}"
    for h, m in zip(mdevs, c.mdevs):
        assert (h.get("mode"), h.get("model")) == ("subsystem", "vfio-pci"), ET.tostring(h)
        assert (h.get("display") == "on") == gvt_type(m["type"]), \
            f"mdev {m['entry']} ({m['type']}): display {h.get('display')}"
        assert h.find("address") is None, "an mdev with a guest address"
    assert len(frag.findall("hostdev")) == len(hostdevs) + len(mdevs), "another hostdev"

    features = frag.find("features")
    if c.guest:
        hv = features.find("hyperv")
        assert hv.get("mode") == "custom", ET.tostring(hv)
        vid = hv.find("vendor_id")
        assert vid.get("state") == "on" and re.fullmatch(r"[A-Za-z0-9]{1,12}", vid.get("value")) \
            and vid.get("value") != "KVMKVMKVM", ET.tostring(vid)
        assert hv.find("relaxed").get("state") == "on", "no Hyper-V enlightenment on"
        assert features.find("kvm/hidden").get("state") == "on", ET.tostring(features)
        assert "Code 43" in out and "before 465" in out, "no comment on when it is needed"
    else:
        assert features is None, "features without --guest"
    video = frag.findall("video")
    if c.primary:
        assert len(video) == 1 and video[0].find("model").get("type") == "none", video
        assert primary_vga(c) in out, "the comment does not name the primary display"
    else:
        assert not video, "a video element without --primary"

    nodes = {cl["numa_node"] for cl in c.claims}
    vcpu, numatune = frag.find("vcpu"), frag.find("numatune/memory")
    if not c.claims:
        assert vcpu is None and numatune is None and "placement" not in out, out
    elif len(nodes) == 1 and None not in nodes:
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


QEMU_PROPS = {}


def qemu_props(driver):
    """The properties QEMU's own help lists for a -device driver (or the
    x86 CPU's, for -cpu); the bus-level ones (id, bus) every device has."""
    if driver not in QEMU_PROPS:
        p = run([tool("qemu-system-x86_64"), "-nodefaults", "-device", driver + ",help"])
        assert p.returncode == 0, p.stderr
        QEMU_PROPS[driver] = {m.group(1) for m in re.finditer(r"^\s+([\w.-]+)=<(\w+)>",
                                                             p.stdout, re.M)} | {"id", "bus"}
    return QEMU_PROPS[driver]


def test_qemu(c):
    out = c.output("--qemu")
    lines = out.splitlines()
    ports = {}
    devs, mdevs = [], []
    ids = set()
    for line in lines:
        opt, _, value = line.partition(" ")
        assert opt in ("-device", "-cpu", "-vga") and value and " " not in value, \
            f"not '-device VALUE': {line!r}"
        if opt == "-vga":
            assert value == "none" and c.primary, line
            continue
        if opt == "-cpu":
            model, *flags = value.split(",")
            assert c.guest and model == "host", line
            flags = dict((f.split("=", 1) + ["on"])[:2] for f in flags)
            known = qemu_props("max-x86_64-cpu")
            assert all(k.replace("_", "-") in known for k in flags), \
                f"-cpu flags QEMU does not know: {set(flags) - known}"
            assert flags.get("kvm") == "off" and \
                re.fullmatch(r"[A-Za-z0-9]{1,12}", flags["hv_vendor_id"]), line
            continue
        driver, *props = value.split(",")
        props = dict(p.split("=", 1) for p in props)
        unknown = set(props) - qemu_props(driver)
        assert not unknown, f"{driver}: properties QEMU does not know: {unknown}"
        assert props["id"] not in ids, f"id {props['id']} twice"
        ids.add(props["id"])
        if driver == "pcie-root-port":
            assert not devs or devs[-1]["bus"] in ports, "a root port among another's functions"
            assert 0 <= int(props["chassis"]) <= 255 and 0 <= int(props["slot"]) <= 65535, line
            ports[props["id"]] = (props["chassis"], props["slot"])
        elif "sysfsdev" in props:
            assert driver == "vfio-pci" and "bus" not in props, line
            mdevs.append(props["sysfsdev"])
        else:
            assert driver == "vfio-pci", line
            assert props["bus"] in ports, f"bus {props['bus']} is not a root port given before"
            devs.append(props)
    assert ("-vga none" in lines) == bool(c.primary), "-vga none"
    assert any(line.startswith("-cpu ") for line in lines) == c.guest, "-cpu"
    assert len(set(ports.values())) == len(ports), f"chassis/slot twice: {ports}"
    vf_bdfs = [bdf for _, _, bdf in c.vfs]
    assert [d["host"] for d in devs] == c.bdfs + vf_bdfs, \
        f"functions {[d['host'] for d in devs]} != {c.bdfs} + {vf_bdfs}"
    assert mdevs == ["/sys/bus/mdev/devices/" + m["uuid"] for m in c.mdevs], mdevs
    by_slot = slots(c.bdfs)
    assert len(ports) == len(by_slot) + len(vf_bdfs), \
        f"{len(ports)} root ports for {len(by_slot)} host slots and {len(vf_bdfs)} VFs"
    port_of = {}
    for d in devs:
        if d["host"] in vf_bdfs:
            assert d["addr"] == "00.0" and "multifunction" not in d, d
            port_of[d["host"]] = {d["bus"]}
            continue
        port_of.setdefault(slot_of(d["host"]), set()).add(d["bus"])
        assert d["addr"] == "00." + d["host"][-1], f"{d['host']}: addr {d['addr']}"
        multi = len(by_slot[slot_of(d["host"])]) > 1 and d["host"].endswith(".0")
        assert (d.get("multifunction") == "on") == multi, f"{d['host']}: multifunction"
        assert (d.get("x-vga") == "on") == (d["host"] == primary_vga(c)), f"{d['host']}: x-vga"
    assert all(len(p) == 1 for p in port_of.values()), f"a host slot on several ports: {port_of}"
    assert len({next(iter(p)) for p in port_of.values()}) == len(port_of), "slots share a port"


# qm(1), hostpci[n]: [[host=]<HOSTPCIID[;HOSTPCIID2...]>] [,mdev=<string>] [,pcie=<1|0>]
# [,x-vga=<1|0>] ...; HOSTPCIID is [domain:]bus:dev[.func] in hex (PVE::QemuServer::PCI),
# an mdev type [^/.:]+. cpu: [[cputype=]<string>] [,hidden=<1|0>]
# [,hv-vendor-id=<vendor-id>] ..., the vendor id [a-zA-Z0-9]{1,12} (PVE::QemuServer::CPUConfig).
PVE_HOSTPCIID = r"(?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\.[a-f0-9])?"
PVE_BOOL = ("0", "1")


def proxmox_hostpci(value):
    """A hostpci value as Proxmox parses it: the host list and the options."""
    host, *opts = value.split(",")
    if host.startswith("host="):
        host = host[5:]
    ids = host.split(";")
    assert all(re.fullmatch(PVE_HOSTPCIID, i) for i in ids), f"{value}: host {host}"
    o = dict(x.split("=", 1) for x in opts)
    assert set(o) <= {"mdev", "pcie", "x-vga", "rombar", "romfile"}, value
    assert all(o[k] in PVE_BOOL for k in ("pcie", "x-vga") if k in o), value
    assert "mdev" not in o or (re.fullmatch(r"[^/.:]+", o["mdev"]) and len(ids) == 1), value
    return ids, o


def test_proxmox(c):
    out = c.output("--proxmox")
    lines = out.splitlines()
    cpu = [v for v in lines if v.startswith("-cpu ")]
    values = [v for v in lines if not v.startswith("-cpu ")]
    if c.guest:
        assert len(cpu) == 1 and lines[0] == cpu[0], lines
        model, *opts = cpu[0][5:].split(",")
        o = dict(x.split("=", 1) for x in opts)
        assert model == "host" and o["hidden"] == "1" and \
            re.fullmatch(r"[a-zA-Z0-9]{1,12}", o["hv-vendor-id"]) and len(o) == 2, cpu
    else:
        assert not cpu, cpu
    by_slot = slots(c.bdfs)
    vf_bdfs = [bdf for _, _, bdf in c.vfs]
    pci_mdevs = [m for m in c.mdevs if re.fullmatch(r"[0-9a-f]{4}:" + PVE_HOSTPCIID, m["parent"])]
    assert len(values) == len(by_slot) + len(vf_bdfs) + len(pci_mdevs), \
        f"{values}: one value per host slot, VF and mdev expected"
    for value, (slot, fns) in zip(values, by_slot.items()):
        host, o = proxmox_hostpci(value)
        assert o.get("pcie") == "1" and "mdev" not in o, value
        assert (o.get("x-vga") == "1") == (primary_vga(c) in fns), f"{value}: x-vga"
        if len(fns) > 1 and fns == present_functions(c.rootdir, slot):
            assert host == [slot], f"{value}: the whole slot {slot} expected"
        else:
            assert host == fns, f"{value}: the functions {fns} expected"
    for value, bdf in zip(values[len(by_slot):], vf_bdfs):
        assert proxmox_hostpci(value) == ([bdf], {"pcie": "1"}), f"{value}: VF {bdf} expected"
    for value, m in zip(values[len(by_slot) + len(vf_bdfs):], pci_mdevs):
        assert proxmox_hostpci(value) == ([m["parent"]], {"mdev": m["type"], "pcie": "1"}), \
            f"{value}: {m['parent']},mdev={m['type']} expected"


def one_vga(plan, rootdir, entry):
    """Whether a device entry claims exactly one VGA-class function."""
    return sum(1 for cl in plan["claims"] if cl["entry"] == entry and
               sysfs(rootdir, cl["bdf"], "class")[2:6] == "0300") == 1


def cases():
    """Every entry that hands something over, alone; device entries also
    with --guest windows and, holding one VGA function, --primary; sriov
    entries also as VF 0 and VFs 1 to the last; and all of a config's
    entries as one VM's, with both options where they apply."""
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

            def case(entry, **kw):
                out.append(Case(scenario, rootdir, config, entry, plan, p.returncode, **kw))
            devices = list(dict.fromkeys(cl["entry"] for cl in plan["claims"]))
            items = list(devices)
            for entry in devices:
                case(entry)
                case(entry, guest=True)
                if one_vga(plan, rootdir, entry):
                    case(entry, primary=entry)
            for sr in plan["sriov"]:
                if sr["vfs"] == 0:
                    continue
                case(sr["entry"])
                case(sr["entry"] + ":0")
                if sr["vfs"] > 1:
                    case("%s:1-%d" % (sr["entry"], sr["vfs"] - 1))
                items.append(sr["entry"])
            for m in plan["mdevs"]:
                case(m["entry"])
                items.append(m["entry"])
            if len(items) > 1 and len(items) > len(devices):
                vga = [e for e in devices if one_vga(plan, rootdir, e)]
                case(",".join(items), guest=True, primary=vga[0] if vga else None)
    return out


def virtfn_links():
    """On every recorded machine with VFs: a config that asks for as many
    VFs as the PF has puts them where the kernel's virtfn links are."""
    pfs = 0
    for scenario in SCENARIOS:
        rootdir = os.path.join(TMP, scenario)
        devdir = os.path.join(rootdir, "sys/bus/pci/devices")
        for pf in sorted(os.listdir(devdir)):
            links = sorted((int(e[6:]), virtfn(rootdir, pf, int(e[6:])))
                           for e in os.listdir(os.path.join(devdir, pf)) if e.startswith("virtfn"))
            if not links:
                continue
            pfs += 1
            config = os.path.join(TMP, f"vfs-{scenario}.conf")
            with open(config, "w") as f:
                f.write('sriov "vfs" {\n  pf = "%s"\n  vfs = %d\n  vf_driver = "vfio-pci"\n}\n'
                        % (pf, len(links)))
            p = check(rootdir, config, "--qemu", "vfs")
            hosts = re.findall(r"^-device vfio-pci,host=([0-9a-f:.]+),", p.stdout, re.M)
            assert hosts == [t for _, t in links], \
                f"{scenario} {pf}: VFs {hosts}, the kernel's virtfn links {links} ({p.stderr})"
            assert [bdf for _, _, bdf in Case(scenario, rootdir, config, "vfs",
                                               json.loads(check(rootdir, config, "--json").stdout),
                                               0).vfs] == hosts, "the capability decoded here"
    assert pfs, "no recorded machine with VFs"


def virtfn_disagrees():
    """A virtfn link elsewhere than the capability says: that entry's VFs
    are not handed over, the warning names the VF, exit 1."""
    rootdir = os.path.join(TMP, "vf-stale")
    shutil.copytree(os.path.join(TMP, "vgpu-l40s"), rootdir, symlinks=True)
    pf = os.path.join(rootdir, "sys/bus/pci/devices/0000:41:00.0")
    target = os.readlink(os.path.join(pf, "virtfn2"))
    os.unlink(os.path.join(pf, "virtfn1"))
    os.symlink(target, os.path.join(pf, "virtfn1"))
    config = os.path.join(TMP, "vf-stale.conf")
    with open(config, "w") as f:
        f.write('sriov "vfs" {\n  pf = "41:00.0"\n  vfs = 4\n}\n')
    p = check(rootdir, config, "--qemu", "vfs")
    assert p.returncode == 1 and not p.stdout, p
    assert 'sriov "vfs": VF 1: the kernel\'s virtfn link' in p.stderr, p.stderr
    p = check(rootdir, config, "--qemu", "vfs:0")
    assert p.returncode == 0 and "host=0000:41:00.4," in p.stdout, p


def failures_of_the_new_options():
    """VF numbers outside vfs, a bad range, --primary on no VGA function,
    on several, on an entry not handed over, --guest other than windows."""
    rootdir = os.path.join(TMP, "sriov-gvt")
    config = os.path.join(rootdir, "etc/gpupt.conf")
    for arg, words in (("nic0:4", "VFs 0 to 3 only"), ("nic0:2-1", "not a VF number"),
                       ("nic0:x", "not a VF number"), ("gvt-a:0", 'no sriov entry "gvt-a"')):
        p = check(rootdir, config, "--qemu", arg)
        assert p.returncode == 2 and words in p.stderr and not p.stdout, (arg, p)
    p = check(rootdir, config, "--qemu", "nic0", "--guest", "linux")
    assert p.returncode == 2 and "windows" in p.stderr and not p.stdout, p
    p = check(rootdir, config, "--guest", "windows")
    assert p.returncode == 2 and not p.stdout, p
    rootdir = os.path.join(TMP, "eight-gpus")
    config = os.path.join(TMP, "primary.conf")
    with open(config, "w") as f:
        f.write('device "audio" {\n  bdf = "c1:00.1"\n  functions = single\n}\n'
                'device "all" {\n  ids = {"10de:1e04"}\n}\n')
    for args, words in ((["--qemu", "audio", "--primary", "audio"], "no VGA-class function"),
                        (["--proxmox", "all", "--primary", "all"], "8 VGA-class functions"),
                        (["--libvirt", "audio", "--primary", "all"], "not one of the device"),
                        (["--libvirt", "audio", "--primary", "none"], 'no device entry "none"')):
        p = check(rootdir, config, *args)
        assert p.returncode == 2 and words in p.stderr and not p.stdout, (args, p)


def rdna3_note():
    """rdna3-bar: on the RX 7900 XTX with BAR 2 at 256 MiB and no bar key,
    a warning naming bar = {"2:8M"}, in the report and in --guest windows'
    libvirt comment; none with the key, none on an RDNA 2 card."""
    rootdir = os.path.join(TMP, "rdna3-rebar")
    p = check(rootdir, os.path.join(rootdir, "etc/gpupt.conf"), "--json")
    notes = [pr for pr in json.loads(p.stdout)["problems"] if pr["code"] == "rdna3-bar"]
    assert p.returncode == 0 and len(notes) == 1 and notes[0]["severity"] == "warning" and \
        notes[0]["bdf"] == "0000:03:00.0" and 'bar = {"2:8M"}' in notes[0]["message"] and \
        "256M" in notes[0]["message"], notes
    out = check(rootdir, os.path.join(rootdir, "etc/gpupt.conf"), "--libvirt", "vm-rdna3",
                "--guest", "windows").stdout
    assert "RDNA 3" in out and 'bar = {"2:8M"}' in out, out
    for rootdir, config in ((rootdir, os.path.join(rootdir, "etc/gpupt-variants/bar-8m.conf")),
                            (os.path.join(TMP, "amd-rebar-igpu"), os.path.join(
                                TMP, "amd-rebar-igpu", "etc/gpupt-variants/bar-none.conf"))):
        p = check(rootdir, config, "--json")
        assert "rdna3-bar" not in p.stdout, (config, p.stdout)


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
        tests.append(("VFs at the kernel's virtfn links", lambda _: virtfn_links(), None))
        tests.append(("a virtfn link that disagrees", lambda _: virtfn_disagrees(), None))
        tests.append(("usage errors of VFs, --primary, --guest",
                      lambda _: failures_of_the_new_options(), None))
        tests.append(("rdna3-bar", lambda _: rdna3_note(), None))
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

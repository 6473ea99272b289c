#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mkhuge.py KIND N FILE: writes a huge but valid gpupt.conf.

KIND "entries": N entries, mostly devices by address (some by ids, some
single functions), every tenth an sriov and every twentieth an mdev entry,
with names that share a long prefix (the worst case for a name check by
string comparison). KIND "ids": one device whose ids list holds N ids.
With --dup, the last entry repeats the name of the first (a config error
at the last entry's line). Used by the fuzz corpus (make fuzz writes these
into its corpus) and by the benchmark."""
import argparse
import sys


def entries(n, dup):
    out = ["# %d entries\niommu_required = true\non_impure_group = fail\n\n" % n]
    for i in range(n):
        name = "fleet-node-entry-%06d" % (0 if dup and i == n - 1 else i)
        bus, dev = divmod(i, 32)
        addr = "%04x:%02x:%02x.0" % (bus // 256, bus % 256, dev)
        if dup and i == n - 1:
            # entry 0 is a device: a device of the same name clashes with it
            out.append('device "%s" {\n  bdf = "%s"\n}\n' % (name, addr))
        elif i % 20 == 19:
            out.append('mdev "%s" {\n  parent = "%s"\n  type = "i915-GVTg_V5_4"\n}\n'
                       % (name, addr))
        elif i % 10 == 9:
            out.append('sriov "%s" {\n  pf = "%s"\n  vfs = %d\n  vf_driver = "vfio-pci"\n}\n'
                       % (name, addr, 1 + i % 8))
        elif i % 10 == 3:
            out.append('device "%s" {\n  ids = {"10de:%04x", "10de:10f7:10de:12a4"}\n}\n'
                       % (name, i % 0x10000))
        elif i % 10 == 5:
            out.append('device "%s" {\n  bdf = "%s"\n  functions = single\n'
                       '  driver = "vfio-pci"\n}\n' % (name, addr))
        else:
            out.append('device "%s" {\n  bdf = "%s"\n}\n' % (name, addr))
    return "".join(out)


def ids(n, dup):
    items = ['"%04x:%04x"' % (0x1000 + i // 0x10000, i % 0x10000) for i in range(n)]
    text = 'device "fleet" {\n  ids = {\n' + "".join(
        "    %s,\n" % x for x in items) + '    "10de:2204"\n  }\n}\n'
    if dup:
        text += 'device "fleet" {\n  bdf = "04:00.0"\n}\n'
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=("entries", "ids"))
    ap.add_argument("n", type=int)
    ap.add_argument("file")
    ap.add_argument("--dup", action="store_true")
    a = ap.parse_args()
    text = (entries if a.kind == "entries" else ids)(a.n, a.dup)
    with open(a.file, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

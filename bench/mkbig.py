#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mkbig.py SLOTS DIR: writes the root of a large GPU host for the benchmark.

Every slot sits behind a root port of its own, in an IOMMU group of its own:
seven of eight slots hold a GPU of four functions (VGA, HDMI audio, USB,
USB-C), every eighth an SR-IOV NIC whose PF has three VFs enabled. So the
host has 5 x SLOTS PCI functions. The last four GPU slots hold a different
model (10de:2204), which the "ids" config claims; the "bdf" config names four
slots by address; the "fleet" config claims every endpoint by id (all but the
root ports), and "fleet-auto" the same with driver = "auto". They are written
as etc/gpupt-variants/{ids,bdf,fleet,fleet-auto}.conf.
Every function carries its PCIe link attributes, and each PF links its VFs
(virtfnN), as `gpupt-check --list` reads them. The first GPU is the boot
display: vgaarb makes one VGA device the default on any host that has one,
and dev/vga_arbiter names it."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from fixture import kmod  # noqa: E402
from fixture.scenarios import _base  # noqa: E402

PORTS_PER_DOMAIN = 248      # root ports 00:01.0 .. 00:1f.7, buses 1..248


def slot_address(i):
    dom, n = divmod(i, PORTS_PER_DOMAIN)
    port = "%04x:00:%02x.%x" % (dom, 1 + n // 8, n % 8)
    return dom, 1 + n, port


def build(slots, root):
    m = _base(root)
    special = set([i for i in range(slots) if i % 8 != 7][-4:])
    group = 0
    gpus = []
    for i in range(slots):
        dom, bus, port = slot_address(i)
        numa = 0 if i < slots // 2 else 1
        m.bridge(port, group=group, numa=numa)
        group += 1
        pre = "%04x:%02x:00" % (dom, bus)
        if i % 8 == 7:
            # an SR-IOV NIC: the PF and three VFs, all in the slot's group
            m.fn(pre + ".0", 0x8086, 0x1572, 0x020000, parent=port, svid=0x8086, sdid=0x0001,
                 driver="i40e", group=group, numa=numa, sriov=(64, 3))
            for vf in range(1, 4):
                m.fn("%s.%d" % (pre, vf), 0x8086, 0x154C, 0x020000, parent=port, svid=0x8086,
                     sdid=0x0001, driver="iavf", group=group, numa=numa, physfn=pre + ".0")
        else:
            did = 0x2204 if i in special else 0x1E04
            m.fn(pre + ".0", 0x10DE, did, 0x030000, parent=port, svid=0x10DE, sdid=0x12A4,
                 driver="nvidia", group=group, numa=numa, boot_vga=(i == 0))
            m.fn(pre + ".1", 0x10DE, 0x10F7, 0x040300, parent=port, svid=0x10DE,
                 sdid=0x12A4, driver="snd_hda_intel", group=group, numa=numa)
            m.fn(pre + ".2", 0x10DE, 0x1AD6, 0x0C0330, parent=port, svid=0x10DE,
                 sdid=0x12A4, driver="xhci_hcd", group=group, numa=numa)
            m.fn(pre + ".3", 0x10DE, 0x1AD7, 0x0C8000, parent=port, svid=0x10DE,
                 sdid=0x12A4, driver="nvidia-gpu", group=group, numa=numa)
            gpus.append((pre, did))
        group += 1
    kmod.build(m.root, m.release)
    m.loaded("nvidia", "snd_hda_intel", "xhci_pci", "i40e", "iavf")
    picked = [pre for pre, did in gpus if did == 0x2204]
    ids = ('# Every 10de:2204 on the host goes to VMs: the whole bus is scanned.\n'
           'device "vm-gpus" {\n  ids = {"10de:2204"}\n}\n')
    bdf = "# Four slots by address: only they are read.\n" + "".join(
        'device "vm-gpu-%d" {\n  bdf = "%s"\n}\n' % (n, pre) for n, pre in enumerate(picked))
    # every endpoint (4 096 of 5 120 functions for 1 024 slots), by id
    fleet = ('# A fleet of one GPU model and its NICs: every endpoint goes to VMs.\n'
             'device "fleet" {\n  ids = {"10de:1e04", "10de:2204", "8086:1572"}\n}\n')
    m.config(ids, "ids")
    m.config(bdf, "bdf")
    m.config(fleet, "fleet")
    # the same fleet with driver = "auto": the module index looked up per modalias
    m.config(fleet.replace('"8086:1572"}\n', '"8086:1572"}\n  driver = "auto"\n'), "fleet-auto")
    m.config(ids)
    return 5 * slots


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.splitlines()[0])
    n = build(int(sys.argv[1]), sys.argv[2])
    print("%s: %d PCI functions" % (sys.argv[2], n))


if __name__ == "__main__":
    main()

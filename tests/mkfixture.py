#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""mkfixture.py SCENARIO DIR: writes a fake machine root for gpupt's tests
(sysfs, proc, dev/kmsg, a depmod-indexed module tree, disk images).
--list names the scenarios with what gpupt-check should find on each."""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture.scenarios import SCENARIOS  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--list", action="store_true", help="list the scenarios")
    ap.add_argument("--force", action="store_true", help="replace a non-empty DIR")
    a = ap.parse_args()
    if a.list:
        for name, fn in SCENARIOS.items():
            print("%-20s %s" % (name, " ".join((fn.__doc__ or "").split())))
        return 0
    if not a.scenario or not a.dir:
        ap.error("SCENARIO and DIR are needed (or --list)")
    if a.scenario not in SCENARIOS:
        ap.error("unknown scenario %r; --list shows them" % a.scenario)
    if os.path.exists(a.dir) and os.listdir(a.dir):
        if not a.force:
            ap.error("%s is not empty; --force replaces it" % a.dir)
        shutil.rmtree(a.dir)
    # gpupt obeys only a config no one else may write (config-untrusted):
    # the recorded machines are written so, whatever the caller's umask.
    os.umask(0o022)
    SCENARIOS[a.scenario](a.dir)
    print(a.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())

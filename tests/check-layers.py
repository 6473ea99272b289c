#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The layers of generator/ (README, Layout) held to their order: a file
includes only headers of its own folder and of the folders below it, the
plan's steps never include the file that runs them, and the renderers
read nothing: no file of render/ calls what reads the machine.

    tests/check-layers.py [SRCDIR]      (default: the tree it is in)
    tests/check-layers.py --self-test   plants each kind of violation in a
                                        copy and fails unless each is found
"""
import os
import re
import shutil
import sys
import tempfile

# Lowest first. render and apply are siblings: both read the plan, neither
# the other. The mains, in generator/ itself, sit above all of them.
RANK = {"shared": 0, "sysfs": 1, "conf": 2, "plan": 3, "render": 4, "apply": 4}
# Within plan/: the core (plan.h) is at the bottom, the steps
# (plan-steps.h) above it, and only plan-build.c runs the steps in turn;
# the listing (listing.c) makes its plan through plan-build.h, as the
# mains do.
PIPELINE_HEADER = "plan-build.h"
PIPELINE_FILES = {"plan-build.c", "listing.c"}
STEPS_HEADER = "plan-steps.h"
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# What reads the machine, which the mains and the plan call before
# rendering: render/ prints from the plan, the listing, the recipes and
# the names database it is handed, and calls none of these.
GATHERERS = (
    # the host model: a function, its facts, the bus, a slot, a group
    "host_new", "host_get", "host_scan", "host_slot", "host_group", "host_facts",
    "host_details", "host_basics", "host_mdev_types", "host_devices_dir",
    "host_driver_now", "pci_vf_read", "pci_bar_sizes_read",
    # the plan's pipeline and the listing
    "plan_resolve", "plan_resolve_boot", "plan_check", "plan_gather", "plan_gather_handoff",
    "plan_build", "plan_build_next", "plan_replan_vgpus", "plan_verify",
    "plan_vf_addrs_gather", "listing_build",
    # the other facts
    "pciids_open", "pci_facts_read", "vfio_nodes_read", "iommu_probe", "iommufd_present",
    "recipes_read", "recipes_find_functions", "modules_open", "modules_for_modalias",
    "rootdisk_known_gather", "cmdline_read", "next_boot_read", "pci_fn_sriov",
    "pci_fn_virtfn", "pcicfg_read_at", "sysattr_read_[a-z_]+",
    # the file system
    "root_open", "root_path", "read_file", "read_attr_at", "dir_names_sorted", "open",
    "openat", "fopen", "fdopen", "opendir", "fdopendir", "readlink", "readlinkat", "stat",
    "fstatat", "access",
)
GATHER_CALL = re.compile(r"(?<![\w.>])(" + "|".join(GATHERERS) + r")\s*\(")
# Comments and string literals, which may name these words freely.
NOT_CODE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def check(src):
    gen = os.path.join(src, "generator")
    owner = {}
    files = []
    problems = []
    for layer in RANK:
        d = os.path.join(gen, layer)
        for name in sorted(os.listdir(d)):
            if name.endswith(".h"):
                if name in owner:
                    problems.append(f"{name}: in both {owner[name]}/ and {layer}/")
                owner[name] = layer
            if name.endswith((".c", ".h")):
                files.append((layer, name))
    for name in sorted(os.listdir(gen)):
        path = os.path.join(gen, name)
        if os.path.isfile(path):
            if not name.endswith("-main.c"):
                problems.append(f"generator/{name}: only the mains live in generator/ itself; "
                                "put it in the folder of its layer")
            files.append((None, name))
    n_includes = 0
    for layer, name in files:
        rel = f"generator/{layer}/{name}" if layer else f"generator/{name}"
        with open(os.path.join(src, rel)) as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            inc = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            n_includes += 1
            where = f"{rel}:{line}"
            if "/" in inc:
                problems.append(f'{where}: "{inc}": name the header alone; the folders are '
                                "on the include path")
                continue
            if inc not in owner:
                problems.append(f'{where}: "{inc}" is no header of generator/')
                continue
            if layer is None:
                continue
            theirs = owner[inc]
            if theirs != layer and RANK[theirs] >= RANK[layer]:
                problems.append(f'{where}: {layer}/ includes {theirs}/{inc}, a layer '
                                f"{'beside' if RANK[theirs] == RANK[layer] else 'above'} it")
            if inc == PIPELINE_HEADER and layer == "plan" and name not in PIPELINE_FILES \
                    and name != PIPELINE_HEADER:
                problems.append(f"{where}: a step of the plan includes {inc}: only "
                                f"{', '.join(sorted(PIPELINE_FILES))} runs the steps")
            if inc == STEPS_HEADER and layer != "plan":
                problems.append(f"{where}: {layer}/ includes {inc}: the steps are the "
                                "plan's own; call plan-build.h")
        if layer == "render":
            problems += gather_calls(rel, text)
    return len(files), n_includes, problems


def gather_calls(rel, text):
    """Each call in a renderer of what reads the machine."""
    code = NOT_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return [f"{rel}:{code.count(chr(10), 0, m.start()) + 1}: render/ calls {m.group(1)}(), "
            "which reads the machine: gather it before rendering (the main, the plan or the "
            "listing) and hand the renderer the fact"
            for m in GATHER_CALL.finditer(code)]


def self_test():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    plants = [
        ("generator/sysfs/host.c", '#include "plan.h"\n', "above it"),
        ("generator/render/list.c", '#include "apply.h"\n', "beside it"),
        ("generator/plan/detect-bars.c", '#include "plan-build.h"\n', "a step of the plan"),
        ("generator/apply/apply.c", '#include "plan-steps.h"\n', "the steps are the plan's own"),
        ("generator/shared/util.c", '#include "../plan/plan.h"\n', "name the header alone"),
        ("generator/conf/conf.c", '#include "nothere.h"\n', "no header of generator/"),
        ("generator/render/report.c",
         "static int planted(struct pciids **db) { return pciids_open(db); }\n",
         "render/ calls pciids_open()"),
        ("generator/render/list.c",
         "static int planted(struct host *h, struct pci_fn *f) { return host_details(h, f); }\n",
         "render/ calls host_details()"),
        ("generator/render/import.c",
         'static void *planted(void) { return fopen ("/proc/cmdline", "r"); }\n',
         "render/ calls fopen()"),
    ]
    failed = 0
    for path, line, expect in plants:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(here, "generator"), os.path.join(tmp, "generator"))
            with open(os.path.join(tmp, path), "a") as f:
                f.write(line)
            _, _, problems = check(tmp)
            if not any(expect in p for p in problems):
                print(f"layers: self-test FAIL: {line.strip()} in {path} was not found")
                failed += 1
    print(f"layers: self-test {len(plants) - failed} passed, {failed} failed, 0 skipped")
    return failed


def main():
    if sys.argv[1:] == ["--self-test"]:
        return 1 if self_test() else 0
    src = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    n_files, n_includes, problems = check(src)
    for p in problems:
        print(f"layers: {p}")
    print(f"layers: {n_files} files, {n_includes} includes, {len(problems)} out of order")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

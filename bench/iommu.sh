#!/bin/bash
# The survey loop of the passthrough guides ("iommu.sh"): every IOMMU group,
# then every device in it, one lspci each. ROOT points it at a recorded
# machine instead of this one.
#   iommu.sh [ROOT]
shopt -s nullglob
root=${1:-}
for g in $(find "$root/sys/kernel/iommu_groups/" -mindepth 1 -maxdepth 1 -type d | sort -V); do
    echo "IOMMU Group ${g##*/}:"
    for d in "$g"/devices/*; do
        echo -e "\t$(lspci -A linux-sysfs -O sysfs.path="$root/sys/bus/pci" -nns "${d##*/}")"
    done
done

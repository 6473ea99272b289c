#!/bin/bash
# Builds tests/variant/gpupt_vfio_test.c, a vfio-pci variant driver, for the
# newest kernel under /lib/modules (the one the VM tests boot), from its
# linux-headers package, installed here when missing and root. The module is
# cached as CACHE/gpupt_vfio_test-RELEASE.ko (CACHE: GPUPT_VM_CACHE, default
# /var/cache/gpupt-vm); nothing of the build lands in the source tree.
# Prints the .ko's path. Exit status 1: it could not be built, and why.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${GPUPT_VM_CACHE:-/var/cache/gpupt-vm}
rel=${1:-$(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)}
[ -n "$rel" ] || { echo "variant: no kernel under /lib/modules" >&2; exit 1; }
ko=$cache/gpupt_vfio_test-$rel.ko
# Rebuilt when the source is newer than the cached module.
if [ -s "$ko" ] && [ "$ko" -nt "$here/gpupt_vfio_test.c" ]; then
    echo "$ko"
    exit 0
fi
if [ ! -e "/lib/modules/$rel/build/Makefile" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "variant: no linux-headers-$rel (and not root)" >&2; exit 1; }
    echo "variant: installing linux-headers-$rel" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "linux-headers-$rel" >/dev/null || { echo "variant: no linux-headers-$rel" >&2; exit 1; }
fi
mkdir -p "$cache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpupt-variant.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$here/gpupt_vfio_test.c" "$tmp/"
echo 'obj-m := gpupt_vfio_test.o' >"$tmp/Kbuild"
make -s -C "/lib/modules/$rel/build" M="$tmp" modules >"$tmp/build.log" 2>&1 ||
    { tail -n 20 "$tmp/build.log" >&2; exit 1; }
cp "$tmp/gpupt_vfio_test.ko" "$ko.tmp"
mv "$ko.tmp" "$ko"
echo "variant: built gpupt_vfio_test for $rel" >&2
echo "$ko"

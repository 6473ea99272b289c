#!/bin/bash
# Builds the kernel's mtty sample (a virtual serial card that registers with
# the mdev core) for the kernel the VM tests boot, so the guest has a real
# mdev parent: Debian's kernel ships none. The source comes from Debian's
# linux-source package, the build from the matching linux-headers package.
# The module is cached as GPUPT_VM_CACHE/mtty-RELEASE.ko; nothing of it lands
# in the source tree. Exit status 1 says it could not be built, and why.
set -euo pipefail

cache=${GPUPT_VM_CACHE:-/var/cache/gpupt-vm}
rel=$(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
ko=$cache/mtty-$rel.ko
[ -s "$ko" ] && exit 0
mkdir -p "$cache"

# The headers are installed (they are only files under /usr/src); the source
# is only downloaded and one file taken out of it.
if [ ! -e "/lib/modules/$rel/build/Makefile" ]; then
    echo "vm: installing linux-headers-$rel for the mtty sample"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "linux-headers-$rel" >/dev/null || { echo "vm: no linux-headers-$rel" >&2; exit 1; }
fi
series=$(echo "$rel" | cut -d. -f1-2)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpupt-mtty.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq "linux-source-$series" >/dev/null 2>&1) ||
    { echo "vm: cannot download linux-source-$series" >&2; exit 1; }
dpkg-deb --fsys-tarfile "$tmp"/linux-source-*.deb |
    tar -x -C "$tmp" --wildcards '*/linux-source-*.tar.xz'
tar -xJf "$tmp"/usr/src/linux-source-*.tar.xz -C "$tmp" --wildcards '*/samples/vfio-mdev/mtty.c'
mkdir -p "$tmp/mtty"
cp "$tmp"/linux-source-*/samples/vfio-mdev/mtty.c "$tmp/mtty/"
echo 'obj-m := mtty.o' >"$tmp/mtty/Kbuild"
make -s -C "/lib/modules/$rel/build" M="$tmp/mtty" modules >"$tmp/build.log" 2>&1 ||
    { tail -n 20 "$tmp/build.log" >&2; exit 1; }
cp "$tmp/mtty/mtty.ko" "$ko.tmp"
mv "$ko.tmp" "$ko"
echo "vm: built the mtty sample for $rel"

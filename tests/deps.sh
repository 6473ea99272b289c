#!/bin/sh
# Checks what building and testing gpupt needs. As root on a Debian or
# Ubuntu machine it installs whatever is missing; otherwise it names the
# packages and fails.
set -u

# package:probe, where a probe is "pc:NAME" (pkg-config) or a command
NEEDS="
gcc:cc
make:make
pkg-config:pkg-config
libconfuse-dev:pc:libconfuse
libkmod-dev:pc:libkmod
libblkid-dev:pc:blkid
libcmocka-dev:pc:cmocka
scdoc:scdoc
python3:python3
kmod:depmod
e2fsprogs:mkfs.ext4
fdisk:sfdisk
pciutils:lspci
shellcheck:shellcheck
clang:clang
systemd:systemd-analyze
dracut-core:dracut
initramfs-tools:mkinitramfs
zstd:zstd
cpio:cpio
valgrind:valgrind
strace:strace
linux-image-amd64:kernel
dpkg-dev:dpkg-buildpackage
debhelper:dh
fakeroot:fakeroot
lintian:lintian
rpm:rpmbuild
rpmlint:rpmlint
qemu-system-x86:qemu-system-x86_64
debootstrap:debootstrap
"

have() {
    case $1 in
    pc:*) pkg-config --exists "${1#pc:}" 2>/dev/null ;;
    kernel) ls /lib/modules/*/modules.dep >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/sbin/$1" ] || [ -x "/usr/sbin/$1" ] ;;
    esac
}

missing=
for item in $NEEDS; do
    pkg=${item%%:*}
    probe=${item#*:}
    have "$probe" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing build dependencies:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086 # one word per package
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >/dev/null ||
        { echo "apt-get could not install:$missing" >&2; exit 1; }
    exit 0
fi

echo "Missing build dependencies:$missing" >&2
echo "Install them with: sudo apt-get install$missing" >&2
exit 1

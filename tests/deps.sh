#!/bin/sh
# Checks what gpupt needs: `deps.sh build` what building it and `make demo`
# need, `deps.sh check` (the default) that and everything the tests use. As
# root on a Debian or Ubuntu machine it installs whatever is missing;
# otherwise it names the packages and fails.
set -u

# package:probe, where a probe is "pc:NAME" (pkg-config), "py:MODULE" (a
# module python3 imports), "pciids" (a pci.ids database) or a command.
# The build and the man pages; the demo's fixture runs depmod, mkfs and
# sfdisk, and its table names the devices from pci.ids.
BUILD_NEEDS="
gcc:cc
make:make
pkg-config:pkg-config
libconfuse-dev:pc:libconfuse
libkmod-dev:pc:libkmod
libblkid-dev:pc:blkid
scdoc:scdoc
python3:python3
kmod:depmod
e2fsprogs:mkfs.ext4
fdisk:sfdisk
pci.ids:pciids
"
# The tests: unit, shell, images, package, VM, sanitizers, the terminal.
CHECK_NEEDS="
libcmocka-dev:pc:cmocka
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
ansible-core:ansible-playbook
ansible-lint:ansible-lint
libvirt-clients:virt-xml-validate
tmux:tmux
python3-yaml:py:yaml
python3-jsonschema:py:jsonschema
yamllint:yamllint
"

case ${1:-check} in
build) NEEDS=$BUILD_NEEDS ;;
check) NEEDS="$BUILD_NEEDS $CHECK_NEEDS" ;;
*)
    echo "Usage: deps.sh [build|check]" >&2
    exit 2
    ;;
esac

have() {
    case $1 in
    pc:*) pkg-config --exists "${1#pc:}" 2>/dev/null ;;
    py:*) python3 -c "import ${1#py:}" 2>/dev/null ;;
    kernel) ls /lib/modules/*/modules.dep >/dev/null 2>&1 ;;
    pciids) [ -e /usr/share/misc/pci.ids ] || [ -e /usr/share/hwdata/pci.ids ] ;;
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
    echo "Installing what gpupt needs:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086 # one word per package
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >/dev/null ||
        { echo "apt-get could not install:$missing" >&2; exit 1; }
    exit 0
fi

echo "Missing what gpupt needs:$missing" >&2
echo "Install them with: sudo apt-get install$missing" >&2
exit 1

#!/bin/bash
# Builds what the VM tests boot: the kernel (the uncompressed vmlinux of this
# machine's Debian kernel, which QEMU starts directly), a Debian root file
# system with gpupt installed, and two initramfs images of it, one from
# dracut (systemd in the initrd) and one from initramfs-tools.
#
#   tests/vm/image.sh WORKDIR
#
# Writes WORKDIR/{vmlinux,root.img,initrd-dracut.img,initrd-itools.img,release},
# and the images of the drop-ins-only config (initrd-*-dropins-only.img).
# The Debian root (debootstrap) and the mtty sample module are cached in
# GPUPT_VM_CACHE (default /var/cache/gpupt-vm), outside the source tree.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
work=$1
cache=${GPUPT_VM_CACHE:-/var/cache/gpupt-vm}
mirror=${GPUPT_VM_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$work" "$cache"

say() { echo "vm: $*"; }

# The newest kernel installed here, with its modules.
rel=$(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
if [ -z "$rel" ] || [ ! -f "/boot/vmlinuz-$rel" ]; then
    echo "vm: no kernel in /boot (linux-image-amd64)" >&2
    exit 1
fi
echo "$rel" >"$work/release"

# Debian compresses the kernel with xz; the vmlinux inside carries the PVH
# note, so QEMU boots it without the decompressor (twice as fast under TCG).
if [ ! -s "$cache/vmlinux-$rel" ]; then
    say "unpacking vmlinux from /boot/vmlinuz-$rel"
    python3 - "/boot/vmlinuz-$rel" "$cache/vmlinux-$rel.tmp" <<'EOF'
import lzma, sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit("no xz stream in " + sys.argv[1])
out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
if not out.startswith(b"\x7fELF"):
    sys.exit("the xz stream is not an ELF kernel")
open(sys.argv[2], "wb").write(out)
EOF
    mv "$cache/vmlinux-$rel.tmp" "$cache/vmlinux-$rel"
fi
ln -sf "$cache/vmlinux-$rel" "$work/vmlinux"

# The Debian root, once per package list.
packages=systemd-sysv,udev,kmod,pciutils,dracut-core,initramfs-tools,busybox,zstd,cpio
packages=$packages,libconfuse2,libkmod2,libblkid1
# QEMU inside the guest takes the claimed functions (gpupt-check --qemu): the
# proof that a VM can use them. Depends only, as debootstrap installs them.
packages=$packages,qemu-system-x86
key=$(echo "bookworm $packages" | sha256sum | cut -c1-12)
base=$cache/rootfs-$key
if [ ! -d "$base" ]; then
    say "debootstrap bookworm into $base (once)"
    rm -rf "$base.tmp"
    debootstrap --variant=minbase --include="$packages" bookworm "$base.tmp" "$mirror" \
        >"$cache/debootstrap.log" 2>&1 ||
        { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }
    rm -rf "$base.tmp/var/cache/apt/archives"/*.deb
    mv "$base.tmp" "$base"
fi

root=$work/root
rm -rf "$root"
say "assembling the guest root"
cp -a "$base" "$root"
mkdir -p "$root/lib/modules"
cp -a "/lib/modules/$rel" "$root/lib/modules/"
cp "/boot/config-$rel" "$root/boot/"
echo gpupt-vm >"$root/etc/hostname"
# By label: the root is on virtio-blk (vda) or, in root-nvme, on an NVMe disk.
printf 'LABEL=gpupt-vm / ext4 rw 0 1\n' >"$root/etc/fstab"

# gpupt itself, as a distribution would install it.
make -s -C "$top" BUILDDIR="$work/build" PREFIX=/usr all >/dev/null
make -s -C "$top" BUILDDIR="$work/build" PREFIX=/usr DESTDIR="$root" install >/dev/null
cp "$top/tests/vm/configs/split.conf" "$root/etc/gpupt.conf"

# The test's own unit: it runs after multi-user.target and powers off.
install -m 0755 "$top/tests/vm/guest-test.sh" "$root/usr/local/sbin/vm-test"
install -m 0644 "$top/tests/vm/vm-test.service" "$root/etc/systemd/system/"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf ../vm-test.service "$root/etc/systemd/system/multi-user.target.wants/"
# No login prompt to wait for, no timers to run.
ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"

# A real mdev parent, where the sample driver could be built (mtty.sh). A
# unit of the test loads it early, as modules-load.d would, unless the
# scenario asks for it late (gpupt_mtty=late): then the guest test does.
if [ -s "$cache/mtty-$rel.ko" ]; then
    mkdir -p "$root/lib/modules/$rel/extra" "$root/etc/gpupt.conf.d"
    cp "$cache/mtty-$rel.ko" "$root/lib/modules/$rel/extra/mtty.ko"
    cp "$top/tests/vm/configs/mtty.conf" "$root/etc/gpupt.conf.d/mtty.conf"
    install -m 0644 "$top/tests/vm/vm-mtty.service" "$root/etc/systemd/system/"
    mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
    ln -sf ../vm-mtty.service "$root/etc/systemd/system/sysinit.target.wants/"
fi

# The vfio-pci variant driver of the tests (tests/variant/), which
# driver = "auto" picks for the bochs displays (1234:1111).
if ko=$(GPUPT_VM_CACHE="$cache" bash "$top/tests/variant/build.sh" "$rel"); then
    mkdir -p "$root/lib/modules/$rel/extra"
    cp "$ko" "$root/lib/modules/$rel/extra/gpupt_vfio_test.ko"
else
    say "the variant driver gpupt_vfio_test could not be built; the split checks will fail"
fi

# The image builders ask gpupt-apply which drivers the configured functions
# take, reading sysfs: on the machine itself that is its own. This chroot's
# /sys is not the guest's, so the guest's functions of the split config
# stand in, as that guest's sysfs shows them (uevent, modalias), while the
# images are built; they are removed before the root image is written.
guest_fn() { # BDF VENDOR DEVICE CLASS
    local d=$root/sys/bus/pci/devices/$1
    local ma
    ma=$(printf 'pci:v0000%sd0000%ssv00001AF4sd00001100bc%ssc%si%s' "$2" "$3" \
        "${4:0:2}" "${4:2:2}" "${4:4:2}")
    mkdir -p "$d"
    printf 'PCI_CLASS=%X\nPCI_ID=%s:%s\nPCI_SUBSYS_ID=1AF4:1100\nPCI_SLOT_NAME=%s\nMODALIAS=%s\n' \
        "$((16#$4))" "$2" "$3" "$1" "$ma" >"$d/uevent"
    echo "$ma" >"$d/modalias"
}
guest_fn 0000:00:03.0 1234 1111 030000
guest_fn 0000:00:06.0 1234 1111 030000
guest_fn 0000:00:06.1 8086 293E 040300

# build_images SUFFIX: WORKDIR/initrd-dracut$SUFFIX.img and
# initrd-itools$SUFFIX.img of the config now in the root, and the config
# hash the builders recorded for them in WORKDIR/record$SUFFIX.sha256 (the
# harness puts it into the root image with the images it boots).
build_images() {
    chroot "$root" dracut --quiet --force --no-hostonly --kver "$rel" \
        -m "systemd systemd-initrd base kernel-modules udev-rules rootfs-block fs-lib gpupt" \
        --add-drivers "virtio_blk virtio_pci nvme ext4" "/boot/initrd-dracut$1.img" \
        >"$work/dracut$1.log" 2>&1 ||
        { tail -n 20 "$work/dracut$1.log" >&2; exit 1; }
    chroot "$root" mkinitramfs -o "/boot/initrd-itools$1.img" "$rel" >"$work/mkinitramfs$1.log" 2>&1 ||
        { tail -n 20 "$work/mkinitramfs$1.log" >&2; exit 1; }
    cp "$root/var/lib/gpupt/initramfs-$rel.sha256" "$work/record$1.sha256"
}

say "building the initramfs images (dracut, initramfs-tools)"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
chroot "$root" depmod "$rel"
# A config of drop-ins only (the dropins-only scenario): no /etc/gpupt.conf,
# the split config's entries in /etc/gpupt.conf.d/. The builders must see
# it as a config and pack it; an overlay added at boot would not show that.
mv "$root/etc/gpupt.conf" "$root/etc/gpupt.conf.main"
mkdir -p "$root/etc/gpupt.conf.d"
cp "$top"/tests/vm/configs/dropins-only.d/*.conf "$root/etc/gpupt.conf.d/"
build_images -dropins-only
for f in "$top"/tests/vm/configs/dropins-only.d/*.conf; do
    rm "$root/etc/gpupt.conf.d/${f##*/}"
done
mv "$root/etc/gpupt.conf.main" "$root/etc/gpupt.conf"
build_images ""
images="initrd-dracut initrd-itools initrd-dracut-dropins-only initrd-itools-dropins-only"
# Every image must be able to mount a root on NVMe (the root-nvme scenario).
for img in $images; do
    # (grep -c reads it all: grep -q would end the listing early, and pipefail
    # would take that for a failure.)
    [ "$(chroot "$root" lsinitramfs "/boot/$img.img" | grep -c '/nvme\.ko')" -gt 0 ] ||
        { echo "vm: /boot/$img.img has no nvme driver" >&2; exit 1; }
done
# Packed because driver = "auto" resolved to it, not by name.
[ ! -e "$root/lib/modules/$rel/extra/gpupt_vfio_test.ko" ] || for img in $images; do
    [ "$(chroot "$root" lsinitramfs "/boot/$img.img" | grep -c '/gpupt_vfio_test\.ko')" -gt 0 ] ||
        { echo "vm: /boot/$img.img lacks gpupt_vfio_test, which the split config resolves to" >&2; exit 1; }
done
umount "$root/proc"
trap - EXIT
rm -rf "${root:?}/sys/bus"
for img in $images; do
    mv "$root/boot/$img.img" "$work/"
done

say "writing root.img"
rm -f "$work/root.img"
mkfs.ext4 -q -F -L gpupt-vm -d "$root" "$work/root.img" 2G >/dev/null
rm -rf "$root"

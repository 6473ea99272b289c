#!/bin/bash
# Builds real initramfs images with dracut and mkinitramfs, with gpupt
# installed on this machine, and looks inside: the helper and its libraries,
# the config, the vfio modules, and the script that claims before udev.
# Needs root (it installs into the system and removes itself afterwards).
set -euo pipefail

build=${1:-build-images}
tag=images
# shellcheck source=tests/check-lib.sh
. "$(dirname "$0")/check-lib.sh"

skip() {
    echo "images: SKIP ($*)"
    echo "images: 0 passed, 0 failed, 1 skipped"
    exit 0
}

[ "$(id -u)" -eq 0 ] || skip "needs root to install into the system"
command -v dracut >/dev/null || skip "dracut is not installed"
command -v mkinitramfs >/dev/null || skip "initramfs-tools is not installed"
kver=$(find /lib/modules -mindepth 2 -maxdepth 2 -name modules.dep -printf '%h\n' 2>/dev/null |
    xargs -rn1 basename | sort -V | tail -n1)
[ -n "$kver" ] || skip "no kernel in /lib/modules"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpupt-images.XXXXXX")
saved_conf=
made_dropin=
made_variant=
cleanup() {
    if [ -n "$made_variant" ]; then
        rm -rf "$made_variant"
        depmod -a "$kver" || true
    fi
    chmod 0755 /usr/libexec/gpupt/gpupt-apply 2>/dev/null || true
    if [ -n "$made_dropin" ]; then
        rm -f "$made_dropin"
        rmdir /etc/gpupt.conf.d 2>/dev/null || true
    fi
    make -s BUILDDIR="$build" PREFIX=/usr uninstall >/dev/null 2>&1 || true
    rm -f /etc/gpupt.conf "/var/lib/gpupt/initramfs-$kver.sha256"
    rmdir /var/lib/gpupt 2>/dev/null || true
    if [ -n "$saved_conf" ]; then mv "$saved_conf" /etc/gpupt.conf; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
if [ -e /etc/gpupt.conf ]; then
    saved_conf=$tmp/gpupt.conf.saved
    mv /etc/gpupt.conf "$saved_conf"
fi

has() { grep -qE "$2" "$1"; }

make -s BUILDDIR="$build" PREFIX=/usr all install >/dev/null
cat >/etc/gpupt.conf <<'CONF'
device "vm-display" {
  bdf = "0000:00:06"
}
CONF

# A vfio-pci variant for a device this machine lacks, as the kernels that
# ship none (Debian's 6.1) need for the generic images to show anything:
# tests/variant's module (for QEMU's bochs display), installed for the
# kernel while the test runs. Where it cannot be built, the kernel's own.
if ko=$(bash "$(dirname "$0")/variant/build.sh" "$kver" 2>"$tmp/variant.log" | tail -n1) &&
    [ -s "$ko" ]; then
    made_variant=/lib/modules/$kver/updates/gpupt-images-test
    mkdir -p "$made_variant"
    cp "$ko" "$made_variant/gpupt_vfio_test.ko"
    depmod -a "$kver"
else
    echo "images: no test variant ($(tail -n1 "$tmp/variant.log")); the kernel's own only" >&2
fi
# Every module with a vfio_pci: alias but vfio_pci's own: what "auto" may
# resolve to on a machine other than this one.
variants=$(awk '$1 == "alias" && $2 ~ /^vfio_pci:/ && $3 != "vfio_pci" { print $3 }' \
    "/lib/modules/$kver/modules.alias" | sort -u)
if [ -n "$made_variant" ]; then
    check "variants: the test variant is in the index" \
        bash -c "grep -qx gpupt_vfio_test <<<'$variants'"
fi
variant_re() { # NAME: its file in an image listing, - and _ alike
    printf '/%s\\.ko(\\.(gz|xz|zst))?$' "${1//_/[-_]}"
}
all_variants() { # LIST: every variant is in the image
    local m ok=0
    for m in $variants; do
        has "$1" "$(variant_re "$m")" || { echo "images: $1 lacks $m" >&2; ok=1; }
    done
    return "$ok"
}
no_variant() { # LIST: none is
    local m
    for m in $variants; do
        ! has "$1" "$(variant_re "$m")" || { echo "images: $1 has $m" >&2; return 1; }
    done
}
check "variants: gpupt-apply lists them for a generic image" bash -c \
    "diff <(/usr/libexec/gpupt/gpupt-apply modules --all-variants '$kver' | grep -vx vfio-pci |
        sort -u) <(printf '%s\n' '$variants' | sed '/^\$/d')"

# dracut, shell initrd: the pre-udev hook
dracut -q --force --no-hostonly --no-compress --kver "$kver" -m "base gpupt" "$tmp/dracut.img" 2>"$tmp/dracut.log" ||
    { cat "$tmp/dracut.log" >&2; exit 1; }
lsinitrd "$tmp/dracut.img" >"$tmp/dracut.list"
check "dracut: helper" has "$tmp/dracut.list" ' usr/libexec/gpupt/gpupt-apply$'
check "dracut: libconfuse" has "$tmp/dracut.list" 'libconfuse\.so'
check "dracut: libkmod" has "$tmp/dracut.list" 'libkmod\.so'
check "dracut: config" has "$tmp/dracut.list" ' etc/gpupt\.conf$'
check "dracut: vfio-pci" has "$tmp/dracut.list" 'vfio/pci/vfio-pci\.ko'
check "dracut: vfio_iommu_type1" has "$tmp/dracut.list" 'vfio_iommu_type1\.ko'
check "dracut: pre-udev hook" has "$tmp/dracut.list" 'hooks/pre-udev/30-gpupt-pre-udev\.sh$'
check "dracut: root-disk record" has "$tmp/dracut.list" ' usr/lib/gpupt/root-disk$'
check "dracut: recorded hash" cmp -s "/var/lib/gpupt/initramfs-$kver.sha256" \
    <(/usr/libexec/gpupt/gpupt-apply config-hash)
check "dracut --no-hostonly: every vfio-pci variant" all_variants "$tmp/dracut.list"

# dracut, systemd initrd: the generator instead of the hook
dracut -q --force --no-hostonly --no-compress --kver "$kver" \
    -m "systemd systemd-initrd base kernel-modules udev-rules gpupt" "$tmp/dracut-sd.img" \
    2>"$tmp/dracut-sd.log" || { cat "$tmp/dracut-sd.log" >&2; exit 1; }
lsinitrd "$tmp/dracut-sd.img" >"$tmp/dracut-sd.list"
check "dracut systemd: generator" has "$tmp/dracut-sd.list" 'system-generators/gpupt-generator$'
check "dracut systemd: helper" has "$tmp/dracut-sd.list" ' usr/libexec/gpupt/gpupt-apply$'
for t in group sriov mdev vgpu; do
    check "dracut systemd: the template gpupt-$t@.service the generator links to" \
        has "$tmp/dracut-sd.list" "systemd/system/gpupt-$t@\\.service\$"
done
check "dracut systemd: no shell hook" bash -c "! grep -q gpupt-pre-udev '$tmp/dracut-sd.list'"

# initramfs-tools: init-top, ordered before udev. A private configuration
# with MODULES=list keeps the image small; the hooks are the system's.
cp -a /etc/initramfs-tools "$tmp/itools-conf"
sed -i -e 's/^MODULES=.*/MODULES=list/' -e 's/^COMPRESS=.*/COMPRESS=gzip/' \
    "$tmp/itools-conf/initramfs.conf"
mkinitramfs -d "$tmp/itools-conf" -o "$tmp/itools.img" "$kver" 2>"$tmp/itools.log" ||
    { cat "$tmp/itools.log" >&2; exit 1; }
lsinitramfs "$tmp/itools.img" >"$tmp/itools.list"
check "initramfs-tools: helper" has "$tmp/itools.list" '^usr/libexec/gpupt/gpupt-apply$'
check "initramfs-tools: libconfuse" has "$tmp/itools.list" 'libconfuse\.so'
check "initramfs-tools: config" has "$tmp/itools.list" '^etc/gpupt\.conf$'
check "initramfs-tools: vfio-pci" has "$tmp/itools.list" 'vfio/pci/vfio-pci\.ko'
check "initramfs-tools: init-top script" has "$tmp/itools.list" '^scripts/init-top/gpupt$'
check "initramfs-tools: root-disk record" has "$tmp/itools.list" '^usr/lib/gpupt/root-disk$'
check "initramfs-tools MODULES=list: no variant the config does not need" \
    no_variant "$tmp/itools.list"
mkdir "$tmp/unpacked"
unmkinitramfs "$tmp/itools.img" "$tmp/unpacked"
record=$(find "$tmp/unpacked" -path '*usr/lib/gpupt/root-disk' | head -n1)
check "initramfs-tools: the record is what the live system says" cmp -s "$record" \
    <(/usr/libexec/gpupt/gpupt-apply root-disk 2>/dev/null)
order=$(find "$tmp/unpacked" -path '*scripts/init-top/ORDER' | head -n1)
gpupt_line=$(grep -n 'init-top/gpupt' "$order" | head -n1 | cut -d: -f1)
udev_line=$(grep -n 'init-top/udev' "$order" | head -n1 | cut -d: -f1)
check "initramfs-tools: gpupt before udev in init-top/ORDER" \
    test -n "$gpupt_line" -a -n "$udev_line" -a "${gpupt_line:-0}" -lt "${udev_line:-0}"

# MODULES=most (Debian's default) is a generic image: every variant too.
cp -a "$tmp/itools-conf" "$tmp/itools-most"
sed -i -e 's/^MODULES=.*/MODULES=most/' "$tmp/itools-most/initramfs.conf"
check "initramfs-tools MODULES=most: builds" mkinitramfs -d "$tmp/itools-most" \
    -o "$tmp/itools-most.img" "$kver" 2>>"$tmp/itools.log"
lsinitramfs "$tmp/itools-most.img" >"$tmp/itools-most.list"
check "initramfs-tools MODULES=most: every vfio-pci variant" all_variants "$tmp/itools-most.list"
rm -f "$tmp/itools-most.img"

# initramfs-stale: the config changes after the build; a rebuild records it again
before=$(cat "/var/lib/gpupt/initramfs-$kver.sha256")
echo '# edited after the image was built' >>/etc/gpupt.conf
check "stale: hash differs after an edit" test "$before" != "$(/usr/libexec/gpupt/gpupt-apply config-hash)"
mkinitramfs -d "$tmp/itools-conf" -o "$tmp/itools.img" "$kver" 2>>"$tmp/itools.log"
check "stale: rebuild records the new hash" cmp -s "/var/lib/gpupt/initramfs-$kver.sha256" \
    <(/usr/libexec/gpupt/gpupt-apply config-hash)

# A config but no usable helper: both builders refuse, with gpupt's line,
# rather than build an image that claims nothing.
refused() { # LOG: the build failed and said what and how to fix it
    grep -qF 'gpupt: /usr/libexec/gpupt/gpupt-apply is missing or not executable but a config exists (/etc/gpupt.conf or /etc/gpupt.conf.d/*.conf); reinstall gpupt' "$1"
}
chmod 0644 /usr/libexec/gpupt/gpupt-apply
rm -f "$tmp/refused.img"
check "no helper: dracut fails" bash -c "! dracut -q --force --no-hostonly --no-compress \
    --kver '$kver' -m 'base gpupt' '$tmp/refused.img' 2>'$tmp/refused-dracut.log'"
check "no helper: dracut says why" refused "$tmp/refused-dracut.log"
check "no helper: dracut leaves no image" test ! -e "$tmp/refused.img"
# Without -m dracut asks every module's check() whether to come along; all
# but gpupt and base are left out to keep it short.
others=$(find /usr/lib/dracut/modules.d -mindepth 1 -maxdepth 1 -printf '%f\n' |
    sed 's/^[0-9][0-9]//' | grep -vxE 'base|udev-rules|gpupt' | tr '\n' ' ')
check "no helper: dracut fails when it picks the module itself" bash -c "! dracut -q --force \
    --no-hostonly --no-compress --kver '$kver' -o '$others' '$tmp/refused.img' \
    2>'$tmp/refused-auto.log'"
check "no helper: dracut says why when it picks the module itself" refused "$tmp/refused-auto.log"
check "no helper: mkinitramfs fails" bash -c "! mkinitramfs -d '$tmp/itools-conf' \
    -o '$tmp/refused.img' '$kver' 2>'$tmp/refused-itools.log'"
check "no helper: mkinitramfs says why" refused "$tmp/refused-itools.log"
# mkinitramfs touches its output first; update-initramfs builds into a
# .new file and keeps the old image when mkinitramfs fails.
check "no helper: mkinitramfs leaves no image" test ! -s "$tmp/refused.img"
chmod 0755 /usr/libexec/gpupt/gpupt-apply
check "helper back: dracut builds" dracut -q --force --no-hostonly --no-compress --kver "$kver" \
    -m "base gpupt" "$tmp/refused.img" 2>>"$tmp/dracut.log"
check "helper back: mkinitramfs builds" mkinitramfs -d "$tmp/itools-conf" -o "$tmp/refused.img" \
    "$kver" 2>>"$tmp/itools.log"

# A config another user may write: both builders refuse to pack it, since in
# the image every file is root's and the early claim would obey it.
untrusted() { # LOG: the build failed naming the file and the fix
    grep -q '/etc/gpupt.conf: not trusted: owned by uid 0' "$1" &&
        grep -q 'fix its owner and mode, then rebuild the initramfs' "$1"
}
chmod 0666 /etc/gpupt.conf
rm -f "$tmp/untrusted.img"
check "untrusted: gpupt-apply exits 3" bash -c \
    "/usr/libexec/gpupt/gpupt-apply check-config 2>/dev/null; test \$? -eq 3"
check "untrusted: dracut fails" bash -c "! dracut -q --force --no-hostonly --no-compress \
    --kver '$kver' -m 'base gpupt' '$tmp/untrusted.img' 2>'$tmp/untrusted-dracut.log'"
check "untrusted: dracut says why" untrusted "$tmp/untrusted-dracut.log"
check "untrusted: dracut leaves no image" test ! -e "$tmp/untrusted.img"
check "untrusted: mkinitramfs fails" bash -c "! mkinitramfs -d '$tmp/itools-conf' \
    -o '$tmp/untrusted.img' '$kver' 2>'$tmp/untrusted-itools.log'"
check "untrusted: mkinitramfs says why" untrusted "$tmp/untrusted-itools.log"
chmod 0644 /etc/gpupt.conf
check "trusted again: dracut builds" dracut -q --force --no-hostonly --no-compress \
    --kver "$kver" -m "base gpupt" "$tmp/untrusted.img" 2>>"$tmp/dracut.log"

# A config of drop-ins only: dracut's check() takes the module in by itself,
# both builders pack the drop-in and no main file, and record the hash.
mv /etc/gpupt.conf "$tmp/main.conf"
mkdir -p /etc/gpupt.conf.d
made_dropin=/etc/gpupt.conf.d/50-images-test.conf
cp "$tmp/main.conf" "$made_dropin"
rm -f "/var/lib/gpupt/initramfs-$kver.sha256"
check "drop-ins only: dracut picks the module itself" dracut -q --force --no-hostonly \
    --no-compress --kver "$kver" -o "$others" "$tmp/dropin.img" 2>>"$tmp/dracut.log"
lsinitrd "$tmp/dropin.img" >"$tmp/dropin.list"
check "drop-ins only: dracut packs the drop-in" has "$tmp/dropin.list" \
    ' etc/gpupt\.conf\.d/50-images-test\.conf$'
check "drop-ins only: dracut packs no main file" bash -c \
    "! grep -qE ' etc/gpupt\\.conf$' '$tmp/dropin.list'"
check "drop-ins only: dracut helper" has "$tmp/dropin.list" ' usr/libexec/gpupt/gpupt-apply$'
check "drop-ins only: dracut pre-udev hook" has "$tmp/dropin.list" \
    'hooks/pre-udev/30-gpupt-pre-udev\.sh$'
check "drop-ins only: dracut records the hash" cmp -s "/var/lib/gpupt/initramfs-$kver.sha256" \
    <(/usr/libexec/gpupt/gpupt-apply config-hash)
rm -f "/var/lib/gpupt/initramfs-$kver.sha256"
check "drop-ins only: mkinitramfs builds" mkinitramfs -d "$tmp/itools-conf" \
    -o "$tmp/dropin-itools.img" "$kver" 2>>"$tmp/itools.log"
lsinitramfs "$tmp/dropin-itools.img" >"$tmp/dropin-itools.list"
check "drop-ins only: mkinitramfs packs the drop-in" has "$tmp/dropin-itools.list" \
    '^etc/gpupt\.conf\.d/50-images-test\.conf$'
check "drop-ins only: mkinitramfs packs no main file" bash -c \
    "! grep -qE '^etc/gpupt\\.conf$' '$tmp/dropin-itools.list'"
check "drop-ins only: mkinitramfs helper" has "$tmp/dropin-itools.list" \
    '^usr/libexec/gpupt/gpupt-apply$'
check "drop-ins only: mkinitramfs init-top script" has "$tmp/dropin-itools.list" \
    '^scripts/init-top/gpupt$'
check "drop-ins only: mkinitramfs records the hash" cmp -s \
    "/var/lib/gpupt/initramfs-$kver.sha256" <(/usr/libexec/gpupt/gpupt-apply config-hash)
rm -f "$made_dropin"
rmdir /etc/gpupt.conf.d 2>/dev/null || true
made_dropin=
mv "$tmp/main.conf" /etc/gpupt.conf

echo "images: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

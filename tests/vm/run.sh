#!/bin/bash
# End-to-end tests on a real kernel: boots Debian's kernel in QEMU (TCG) with
# gpupt installed, through a dracut and an initramfs-tools image, once per
# scenario, and collects what tests/vm/guest-test.sh found inside the guest.
#
#   tests/vm/run.sh [WORKDIR]     (root: it builds images with chroot)
#
# Prints one line per check, the boot-to-claim times, and "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
skip() {
    echo "vm: SKIP ($*)"
    echo "vm: 0 passed, 0 failed, 1 skipped"
    exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root to build the guest images"
for tool in qemu-system-x86_64 debootstrap debugfs cpio mkfs.ext4; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || [ -x "/sbin/$tool" ] ||
        skip "$tool is not installed"
done

work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/gpupt-vm.XXXXXX")}
keep=${GPUPT_VM_KEEP:-}
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
boot_timeout=${GPUPT_VM_TIMEOUT:-600}
# What the initramfs prints when the root device never comes: systemd in a
# dracut initrd after its device timeout, initramfs-tools after rootdelay.
root_hang='Timed out waiting for device.*(gpupt-vm|/dev/vda)|Gave up waiting for root'

# GPUPT_VM_REUSE=1 boots the images already in WORKDIR (while working on a
# scenario); GPUPT_VM_ONLY=builder/scenario boots only those that match (a
# bash pattern, extglob on: 'itools/*' or '@(dracut/split|*/root-nvme)').
shopt -s extglob
if [ -z "${GPUPT_VM_REUSE:-}" ] || [ ! -s "$work/root.img" ]; then
    bash "$top/tests/vm/mtty.sh" ||
        echo "vm: the mtty sample could not be built; the mdev checks are skipped"
    bash "$top/tests/vm/image.sh" "$work" || { echo "vm: FAIL: building the images"; exit 1; }
else
    # The images are reused; the guest test itself may have changed.
    debugfs -w -R "rm /usr/local/sbin/vm-test" "$work/root.img" >/dev/null 2>&1
    debugfs -w -R "write $top/tests/vm/guest-test.sh /usr/local/sbin/vm-test" "$work/root.img" >/dev/null 2>&1
    debugfs -w -R "sif /usr/local/sbin/vm-test mode 0100755" "$work/root.img" >/dev/null 2>&1
fi

passed=0
failed=0
declare -a summary=()
configs=$top/tests/vm/configs

# root_hung CONSOLE-LOG: the line saying the initramfs gave up on the root.
# (Tested by its output: with pipefail, grep -m1 ending the pipe early can
# make the status that of a killed sed.)
root_hung() {
    sed 's/\r//; s/\x1b\[[0-9;]*[mK]//g' "$1" 2>/dev/null | grep -m1 -E "$root_hang"
}

# info DIR TAG KEY: the value of the guest's "INFO TAG KEY VALUE" line
info() {
    tr -d '\r' <"$1/results.log" | awk -v t="$2" -v k="$3" '$1 == "INFO" && $2 == t && $3 == k { print $4 }'
}

# img_put FILE PATH: FILE at PATH in the root image, in place of what was
# there (nothing when FILE is missing).
img_put() {
    debugfs -w -R "rm $2" "$work/root.img" >/dev/null 2>&1
    [ ! -e "$1" ] || debugfs -w -R "write $1 $2" "$work/root.img" >/dev/null 2>&1
}

# boot BUILDER SCENARIO CONFIG EXTRA-CMDLINE [MACHINE]
# CONFIG is a file, which becomes /etc/gpupt.conf, or a directory NAME.d of
# drop-ins, which go to /etc/gpupt.conf.d/ with no /etc/gpupt.conf; image.sh
# built that one's own images (initrd-BUILDER-NAME.img).
# MACHINE (words) changes the guest: nvme puts the root on an NVMe
# controller of its own, 02:00.0 behind the root port at 07.0 (not the
# SR-IOV one), found by its label (the default is virtio: /dev/vda); vga
# makes 03.0 QEMU's standard VGA, a VGA-class 1234:1111 that the firmware
# sets up: the boot display (the default 03.0 is a bochs-display, of class
# "display controller", which no kernel takes for one); fb boots the
# compressed kernel through the firmware's Linux loader, whose vga= mode
# leaves a VESA framebuffer in the boot display's BAR 0 (vesafb), as UEFI's
# GOP framebuffer is on real machines (the uncompressed kernel, entered
# directly, gets no screen from the firmware).
boot() {
    local builder=$1 scenario=$2 conf=$3 extra=$4 machine=" ${5:-} "
    local dir=$work/$builder-$scenario initrd start end f record display kernel
    local -a rootdev
    # shellcheck disable=SC2254 # GPUPT_VM_ONLY is a pattern
    case "$builder/$scenario" in ${GPUPT_VM_ONLY:-*}) ;; *) return ;; esac
    rm -rf "$dir"
    mkdir -p "$dir"

    # The scenario's config goes into the root image (the boot runs on a
    # throw-away snapshot of it) and, where it differs from the config the
    # images were built with, into an initramfs overlay appended to the image:
    # the kernel unpacks concatenated archives in order, later files winning.
    # With it the config hash the builders recorded for the images booted.
    initrd=$work/initrd-$builder.img
    record=$work/record.sha256
    img_put "" /etc/gpupt.conf
    for f in "$configs"/*.d/*.conf; do
        img_put "" "/etc/gpupt.conf.d/${f##*/}"
    done
    if [ -d "$conf" ]; then
        for f in "$conf"/*.conf; do
            img_put "$f" "/etc/gpupt.conf.d/${f##*/}"
        done
        f=${conf##*/}
        initrd=$work/initrd-$builder-${f%.d}.img
        record=$work/record-${f%.d}.sha256
    else
        img_put "$conf" /etc/gpupt.conf
    fi
    img_put "$record" "/var/lib/gpupt/initramfs-$(cat "$work/release").sha256"
    if [ ! -d "$conf" ] && ! cmp -s "$conf" "$top/tests/vm/configs/split.conf"; then
        mkdir -p "$dir/overlay/etc"
        cp "$conf" "$dir/overlay/etc/gpupt.conf"
        (cd "$dir/overlay" && find . | cpio -o -H newc -R 0:0 --quiet) >"$dir/overlay.cpio"
        # A cpio archive after a compressed one must start at a multiple of
        # four bytes: pad with zeros, which the kernel skips.
        cp "$initrd" "$dir/initrd.img"
        truncate -s %4 "$dir/initrd.img"
        cat "$dir/overlay.cpio" >>"$dir/initrd.img"
        initrd=$dir/initrd.img
    fi

    if [[ $machine == *" nvme "* ]]; then
        rootdev=(-device "pcie-root-port,id=rp2,chassis=2,addr=07.0"
            -device "nvme,bus=rp2,serial=gpuptroot,drive=root")
        extra="root=LABEL=gpupt-vm $extra"
    else
        rootdev=(-device "virtio-blk-pci,drive=root,addr=05.0")
        extra="root=/dev/vda $extra"
    fi
    display=bochs-display
    [[ $machine != *" vga "* ]] || display=VGA
    kernel=$work/vmlinux
    if [[ $machine == *" fb "* ]]; then
        kernel=/boot/vmlinuz-$(cat "$work/release")
        extra="vga=0x314 $extra"
    fi

    start=$(date +%s)
    timeout "$boot_timeout" qemu-system-x86_64 \
        -nodefaults -no-user-config -display none -no-reboot \
        -machine q35,kernel-irqchip=split -accel tcg,thread=multi -cpu max -smp 2 -m 1536 \
        -device intel-iommu,intremap=on \
        -device "$display,addr=03.0" \
        -device bochs-display,addr=06.0,multifunction=on -device ich9-intel-hda,addr=06.1 \
        -device pcie-root-port,id=rp1,chassis=1,addr=04.0 \
        -device nvme-subsys,id=ss0,nqn=gpupt-test \
        -device nvme,bus=rp1,serial=gpupt1,subsys=ss0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4 \
        -drive file="$work/root.img",format=raw,if=none,id=root,snapshot=on \
        "${rootdev[@]}" \
        -kernel "$kernel" -initrd "$initrd" \
        -append "rw console=ttyS0 panic=-1 gpupt_test=$scenario gpupt_builder=$builder $extra" \
        -serial "file:$dir/console.log" -serial "file:$dir/results.log" \
        >"$dir/qemu.log" 2>&1 &
    # A guest whose initramfs gave up waiting for its root never finishes:
    # stop it then rather than at the time limit.
    # (initramfs-tools may instead reboot by itself, for panic=.)
    local qemu=$! hung=
    while kill -0 "$qemu" 2>/dev/null; do
        hung=$(root_hung "$dir/console.log")
        if [ -n "$hung" ]; then
            kill "$qemu" 2>/dev/null
            break
        fi
        sleep 1
    done
    wait "$qemu"
    local rc=$?
    end=$(date +%s)
    hung=$(root_hung "$dir/console.log")

    local tag="$builder/$scenario" p f
    if [ -n "$hung" ]; then
        echo "FAIL $tag: the boot never reached its root file system (stopped after $((end - start)) s)"
        echo "    $hung"
        # What gpupt did there, as its helper logged it.
        grep -aE 'gpupt(-apply|-generator)?: ' "$dir/console.log" | tr -d '\r' | sed 's/\x1b\[[0-9;]*[mK]//g' |
            tail -n 12 | sed 's/^/    /'
        failed=$((failed + 1))
        summary+=("$tag: did not reach its root, stopped after $((end - start)) s wall")
        return
    fi
    if ! grep -q "^END $tag" "$dir/results.log" 2>/dev/null; then
        echo "FAIL $tag: the guest did not finish (qemu exit $rc after $((end - start)) s)"
        tail -n 15 "$dir/console.log" | sed 's/^/    /'
        failed=$((failed + 1))
        summary+=("$tag: did not finish, stopped after $((end - start)) s wall")
        return
    fi
    tr -d '\r' <"$dir/results.log" | grep -v '^BEGIN\|^END' | sed 's/^RESULT //'
    p=$(grep -c "^RESULT $tag PASS" "$dir/results.log")
    f=$(grep -c "^RESULT $tag FAIL" "$dir/results.log")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        echo "    (console of $tag: $dir/console.log)"
    fi
    local claim vfs
    claim=$(info "$dir" "$tag" claim-seconds)
    vfs=$(info "$dir" "$tag" sriov-seconds)
    summary+=("$tag: $p passed, $f failed, $((end - start)) s wall${claim:+, claimed at $claim s of guest uptime}${vfs:+, the SR-IOV unit ran $vfs s}")
}

for builder in dracut itools; do
    boot "$builder" split "$configs/split.conf" "intel_iommu=on"
    boot "$builder" split-vfio "$configs/split-vfio.conf" "intel_iommu=on"
    boot "$builder" impure "$configs/impure.conf" "intel_iommu=on"
    boot "$builder" iommu-off "$configs/split.conf" "intel_iommu=off"
    boot "$builder" off "$configs/split.conf" "intel_iommu=on gpupt=off"
    boot "$builder" config-error "$configs/config-error.conf" "intel_iommu=on"
    # A claim that matches the root's own controller: the boot must still
    # reach its root (a boot that waits for it in vain is stopped early).
    boot "$builder" root-nvme "$configs/root-nvme.conf" "intel_iommu=on" nvme
    boot "$builder" sriov-late "$configs/sriov-late.conf" "intel_iommu=on gpupt_mtty=late"
    # The split config as a drop-in, no /etc/gpupt.conf: claimed the same.
    boot "$builder" dropins-only "$configs/dropins-only.d" "intel_iommu=on"
    # A claim of the boot display's slot: none of its functions claimed,
    # the console keeps its driver, a gpupt unit fails saying why. With the
    # firmware's framebuffer in its BAR, as on real machines.
    boot "$builder" boot-display "$configs/boot-display.conf" "intel_iommu=on" "vga fb"
done

echo
[ "${#summary[@]}" -eq 0 ] || printf 'vm: %s\n' "${summary[@]}"
echo "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

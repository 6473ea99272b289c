#!/bin/bash
# Runs inside the VM test guest once the boot is done: checks what the boot
# did for the scenario named by gpupt_test= on the kernel command line and
# writes one line per check to the second serial port, then powers off.
#   RESULT <scenario> PASS|FAIL <check>[: what was seen]
#   INFO <scenario> <key> <value>
# The host side (tests/vm/run.sh) reads those lines back.
set -u

out=/dev/ttyS1
[ -c "$out" ] || out=/dev/console
exec 3>"$out"

scenario=unknown
builder=unknown
read -r -a cmdline </proc/cmdline
for arg in "${cmdline[@]}"; do
    case $arg in
    gpupt_test=*) scenario=${arg#gpupt_test=} ;;
    gpupt_builder=*) builder=${arg#gpupt_builder=} ;;
    esac
done
tag="$builder/$scenario"

pass() { echo "RESULT $tag PASS $*" >&3; }
fail() { echo "RESULT $tag FAIL $*" >&3; }
info() { echo "INFO $tag $*" >&3; }
# check NAME COMMAND...: PASS when the command succeeds
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

drv() {
    local l
    l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || { echo none; return; }
    echo "${l##*/}"
}
is_drv() {
    local now
    now=$(drv "$1")
    [ "$now" = "$2" ] && return 0
    echo "  $1 is on $now, not $2" >&3
    return 1
}
not_drv() {
    local now
    now=$(drv "$1")
    [ "$now" != "$2" ] && return 0
    echo "  $1 is on $2" >&3
    return 1
}

journal() { journalctl -b --no-pager -o short-monotonic "$@" 2>/dev/null; }
failed_units() { systemctl --failed --plain --no-legend 2>/dev/null | awk '{print $1}'; }
gpupt_failed() { failed_units | grep '^gpupt' || true; }
# None failed; else each one with the end of its journal, to see why.
no_gpupt_failed() {
    local u bad=0
    for u in $(gpupt_failed); do
        echo "  $u failed:" >&3
        journal -u "$u" | tail -n 8 | sed 's/^/    /' >&3
        bad=1
    done
    return $bad
}
no_vfio() {
    local d bad=0
    for d in /sys/bus/pci/drivers/vfio-pci/0000:*; do
        [ -e "$d" ] || continue
        echo "  ${d##*/} is on vfio-pci" >&3
        bad=1
    done
    return $bad
}
unit_says() { # unit, extended regex
    journal -u "$1" | grep -Eq "$2" && return 0
    echo "  the journal of $1 does not match /$2/:" >&3
    journal -u "$1" | tail -n 5 | sed 's/^/    /' >&3
    return 1
}

# Seconds of uptime when the kernel or the journal first saw the claim of $1.
claim_time() {
    journal | grep -m1 "gpupt-apply: $1: bound to" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'
}

# What gpupt-check says now must match what the boot did: ready, every
# claimed function on the driver it names for the boot, the VF count reached.
check_agrees() {
    local json claims agree
    json=$(gpupt-check --json 2>/dev/null)
    claims=$(printf '%s\n' "$json" | grep -c '"driver_at_boot": ')
    agree=$(printf '%s\n' "$json" |
        grep -c '"driver_now": "\([^"]*\)", "driver_at_boot": "\1"')
    info check-claims "$claims"
    check "gpupt-check is ready" grep -q '"ready": true' <<<"$json"
    check "gpupt-check: every claim is on its boot driver ($agree of $claims)" \
        test "$claims" -gt 0 -a "$claims" = "$agree"
    check "gpupt-check: VFs as configured" grep -q '"vfs": 2, "vfs_now": 2' <<<"$json"
    # QEMU's bochs display and HDA function offer the kernel no reset
    # method: no-reset is the one problem the check must name, for the
    # claimed functions, and nothing else.
    check "gpupt-check: no problem but no-reset on QEMU's emulated functions" \
        test -z "$(gpupt-check --quiet 2>&1 | grep -v '^warning no-reset ')"
}

# gpupt-check --verify after a boot that applied the config: exit 0, every
# object applied, and the config this boot recorded is the one on disk.
check_verified() {
    local json rc
    json=$(gpupt-check --verify --json 2>/dev/null)
    rc=$?
    check "verify: the boot recorded the config it applied" \
        test -s /run/gpupt/applied-config.sha256
    check "verify: gpupt-check --verify exits 0 (in sync; it said $rc)" test "$rc" = 0
    check "verify: nothing is marked not applied" \
        test -z "$(grep -E '"applied": false|not-applied' <<<"$json")"
    check "verify: the claims carry their verdict" grep -q '"applied": true' <<<"$json"
    check "verify: no reboot-required" test -z "$(grep reboot-required <<<"$json")"
}

# With gpupt=off nothing was applied: drift, and the reason named.
verify_off() {
    local out rc
    out=$(gpupt-check --verify --quiet 2>&1)
    rc=$?
    [ "$rc" = 1 ] && grep -q 'not-applied.*gpupt=off' <<<"$out" && return 0
    echo "  gpupt-check --verify said $rc: $out" >&3
    return 1
}

# The nvme PF's 2 VFs on vfio-pci, the PF on nvme; $1 is added to each VF's check.
check_vfs() {
    local vf
    check "SR-IOV: 2 VFs on the nvme PF" \
        test "$(cat /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs 2>/dev/null)" = 2
    for vf in /sys/bus/pci/devices/0000:01:00.0/virtfn*; do
        [ -e "$vf" ] || continue
        vf=$(readlink "$vf")
        check "SR-IOV: VF ${vf##*/} on vfio-pci$1" is_drv "${vf##*/}" vfio-pci
    done
    check "SR-IOV: PF keeps nvme" is_drv 0000:01:00.0 nvme
}

# The IOMMU group of a function has its VFIO node: a VFIO driver registered it.
vfio_node() {
    local g
    g=$(readlink "/sys/bus/pci/devices/$1/iommu_group") || return 1
    test -c "/dev/vfio/${g##*/}"
}

scenario_split() {
    local t m
    # driver = "auto" (the default): the test's variant driver is made for
    # 1234:1111; the audio function has none and gets vfio-pci.
    check "the variant driver gpupt_vfio_test is installed" modinfo gpupt_vfio_test
    check "06.0 on gpupt_vfio_test (driver = auto)" is_drv 0000:00:06.0 gpupt_vfio_test
    check "06.0's group has its VFIO node" vfio_node 0000:00:06.0
    check "06.1 on vfio-pci (auto, no variant)" is_drv 0000:00:06.1 vfio-pci
    check "identical 03.0 stays on bochs-drm" is_drv 0000:00:03.0 bochs-drm
    check "the host drivers were loaded" grep -q '^snd_hda_intel ' /proc/modules
    check "claimed before any host driver (nothing taken from one)" \
        test -z "$(journal | grep 'gpupt-apply: 0000:00:06\.[01]: bound to .*taken from')"
    check "bochs-drm never bound 06.0" test -z "$(journal -k | grep 'bochs-drm 0000:00:06.0')"
    t=$(claim_time 0000:00:06.0)
    check "the claim is in the log" test -n "$t"
    info claim-seconds "${t:-none}"
    m=$(journal -k | grep -m1 'EXT4-fs (vda): mounted' | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
    check "claimed in the initramfs, before the root was mounted (${t:-?} s < ${m:-?} s)" \
        awk -v t="${t:-}" -v m="${m:-}" 'BEGIN { exit !(t != "" && m != "" && t + 0 < m + 0) }'

    check_vfs ""
    check "no gpupt unit failed" no_gpupt_failed

    if [ -e /etc/gpupt.conf.d/mtty.conf ]; then
        local uuid
        uuid=$(mtty_uuid)
        check "mdev: gpupt-check names the mtty mdev" test -n "$uuid"
        check "mdev: $uuid exists on mtty" test -e "/sys/bus/mdev/devices/$uuid"
        check "mdev: its IOMMU group exists" test -e "/sys/bus/mdev/devices/$uuid/iommu_group"
    else
        info mdev "skipped: no mtty module in this image"
    fi
    check_agrees
    check_verified
    check_vm_takes vm-display
    [ ! -e /etc/gpupt.conf.d/mtty.conf ] || check_vm_takes_mdev vm-serial "$(mtty_uuid)"
}

# driver = "vfio-pci" named outright: the variant driver stays unused.
scenario_split_vfio() {
    check "06.0 on vfio-pci (named)" is_drv 0000:00:06.0 vfio-pci
    check "06.1 on vfio-pci" is_drv 0000:00:06.1 vfio-pci
    check "identical 03.0 stays on bochs-drm" is_drv 0000:00:03.0 bochs-drm
    check "gpupt_vfio_test bound nothing" \
        test -z "$(compgen -G '/sys/bus/pci/drivers/gpupt_vfio_test/0000:*')"
    check "06.0's group has its VFIO node" vfio_node 0000:00:06.0
    check "no gpupt unit failed" no_gpupt_failed
    # Not check_agrees: the harness overlays this config on an image built
    # with split.conf, so gpupt-check rightly warns initramfs-stale.
    local json
    json=$(gpupt-check --json 2>/dev/null)
    check "gpupt-check: 06.0 stays vfio-pci at boot" grep -q \
        '"bdf": "0000:00:06.0", .*"driver_now": "vfio-pci", "driver_at_boot": "vfio-pci"' <<<"$json"
    check "gpupt-check is ready" grep -q '"ready": true' <<<"$json"
}

scenario_impure() {
    local failed
    failed=$(gpupt_failed)
    info failed "$(echo "$failed" | tr '\n' ' ')"
    check "the group unit failed" grep -q '^gpupt-group@' <<<"$failed"
    check "only the group unit failed" test "$(grep -c . <<<"$failed")" = 1
    check "its message names 00:1f.0 and 00:1f.2" unit_says "$(grep '^gpupt-group@' <<<"$failed")" \
        '0000:00:1f\.0.*0000:00:1f\.2|0000:00:1f\.2.*0000:00:1f\.0'
    check "1f.3 not claimed" not_drv 0000:00:1f.3 vfio-pci
    check "the machine booted" systemctl is-active -q multi-user.target
    check_vm_refused smbus 0000:00:1f.3
}

# gpupt left the device to the host: no override written, not on vfio-pci.
# (Which host driver then binds it is the kernel's business.)
left_to_host() {
    local o
    o=$(cat "/sys/bus/pci/devices/$1/driver_override" 2>/dev/null)
    [ "$o" = "(null)" ] && not_drv "$1" vfio-pci && return 0
    echo "  $1: driver_override is $o, driver $(drv "$1")" >&3
    return 1
}

scenario_iommu_off() {
    check "nothing on vfio-pci" no_vfio
    check "06.0 is left to the host" left_to_host 0000:00:06.0
    check "gpupt-claim failed" grep -qx gpupt-claim.service <<<"$(gpupt_failed)"
    check "the failure says to add intel_iommu=on" unit_says gpupt-claim.service 'intel_iommu=on'
}

scenario_off() {
    check "nothing on vfio-pci" no_vfio
    check "no gpupt unit failed" no_gpupt_failed
    check "no gpupt unit was generated" \
        test -z "$(systemctl list-units --all --plain --no-legend 'gpupt*' 2>/dev/null)"
    check "06.0 is left to the host" left_to_host 0000:00:06.0
    check "verify: gpupt-check --verify exits 1, naming gpupt=off" verify_off
}

scenario_config_error() {
    local failed
    failed=$(failed_units)
    info failed "$(echo "$failed" | tr '\n' ' ')"
    check "exactly one failed unit, gpupt-config.service" test "$failed" = gpupt-config.service
    check "it quotes file and line" unit_says gpupt-config.service '/etc/gpupt\.conf:5'
    check "nothing on vfio-pci" no_vfio
    # The generator has no terminal: its message must reach the kernel log,
    # where journalctl -k and dmesg show it (from the initrd and the root
    # where the initrd runs systemd).
    local re='gpupt-generator(\[[0-9]+\])?: .*/etc/gpupt\.conf:5' k j
    k=$(dmesg 2>/dev/null | grep -cE "$re")
    j=$(journal -k | grep -cE "$re")
    info generator-kmsg-lines "$k"
    check "the generator's message is in the kernel log (dmesg: $k, journal -k: $j)" \
        test "$k" -gt 0 -a "$j" -gt 0
}

# The PCI address of the NVMe controller that holds the disk mounted at /.
# With NVMe multipath (Debian's default) the disk is the subsystem's
# namespace head, nvme<S>n<N>; each controller's own path to it is
# nvme<S>c<C>n<N>, listed under /sys/class/nvme/nvme<C>.
root_controller() {
    local disk c p
    disk=$(findmnt -n -o SOURCE / 2>/dev/null)
    disk=${disk#/dev/}
    disk=${disk%p[0-9]*}
    for c in /sys/class/nvme/nvme*; do
        for p in "$c/$disk" "$c/${disk%n*}c${c##*/nvme}n${disk##*n}"; do
            [ -e "$p" ] || continue
            p=$(readlink -f "$c/device")
            echo "${p##*/}"
            return 0
        done
    done
    return 1
}

# A failed gpupt unit's journal names $1.
failure_names() {
    local u
    for u in $(gpupt_failed); do
        journal -u "$u" | grep -q "$1" && return 0
    done
    for u in $(gpupt_failed); do
        echo "  $u failed:" >&3
        journal -u "$u" | tail -n 6 | sed 's/^/    /' >&3
    done
    return 1
}

scenario_root_nvme() {
    local src ctrl o fn failed
    src=$(findmnt -n -o SOURCE / 2>/dev/null)
    info root-source "${src:-none}"
    pass "the boot reached its root file system"
    check "the root is on NVMe ($src)" grep -q '^/dev/nvme' <<<"$src"
    ctrl=$(root_controller)
    info root-controller "${ctrl:-none}"
    check "the root's NVMe controller is found in sysfs" test -n "$ctrl"
    ctrl=${ctrl:-none}
    check "the root's controller $ctrl stays on nvme" is_drv "$ctrl" nvme
    o=$(cat "/sys/bus/pci/devices/$ctrl/driver_override" 2>/dev/null)
    check "the root's controller has no driver_override ($o)" test "$o" = "(null)"
    failed=$(gpupt_failed)
    info failed "$(echo "$failed" | tr '\n' ' ')"
    check "a gpupt unit failed" test -n "$failed"
    check "a failed gpupt unit names $ctrl" failure_names "$ctrl"

    # driver = "vfio_pci": refused with file and line, or the slot on
    # vfio-pci; never a function left without a driver.
    for fn in 0000:00:06.0 0000:00:06.1; do
        check "$fn has a driver (vfio_pci)" not_drv "$fn" none
    done
    if grep -qx gpupt-config.service <<<"$failed"; then
        check "the config error quotes file and line" unit_says gpupt-config.service \
            '/etc/gpupt\.conf:[0-9]+'
    else
        check "06.0 on vfio-pci (vfio_pci)" is_drv 0000:00:06.0 vfio-pci
        check "06.1 on vfio-pci (vfio_pci)" is_drv 0000:00:06.1 vfio-pci
    fi
}

# The config of split as a drop-in (no /etc/gpupt.conf): the same claims,
# made in the initramfs, so the builders packed the drop-in.
scenario_dropins_only() {
    check "no /etc/gpupt.conf" test ! -e /etc/gpupt.conf
    check "the config is the drop-in /etc/gpupt.conf.d/50-vm.conf" test -f /etc/gpupt.conf.d/50-vm.conf
    scenario_split
}

# What makes a function the boot display, as the guest's kernel sees it.
display_facts() {
    local d fb
    for d in /sys/bus/pci/devices/0000:00:0[36].0; do
        info "display-${d##*/}" "class=$(cat "$d/class"),boot_vga=$(cat "$d/boot_vga" 2>/dev/null || echo none),driver=$(drv "${d##*/}")"
    done
    info vga-arbiter "$(tr ' ' _ </dev/vga_arbiter 2>/dev/null | head -n 1)"
    info iomem-framebuffers "$(grep -iE 'bootfb|efifb|vesafb|simple-?framebuffer' /proc/iomem | tr -s ' ' _ | tr '\n' ' ')"
    for fb in /sys/class/graphics/fb[0-9]*; do
        [ -e "$fb" ] || continue
        info "${fb##*/}" "$(tr ' ' _ <"$fb/name" 2>/dev/null),device=$(basename "$(readlink -f "$fb/device")")"
    done
}

# The console's framebuffer is on $1.
console_on() {
    local fb
    for fb in /sys/class/graphics/fb[0-9]*; do
        [ "$(basename "$(readlink -f "$fb/device" 2>/dev/null)")" = "$1" ] && return 0
    done
    echo "  no framebuffer of $1" >&3
    return 1
}

# A claim of the boot display's slot: left to the console, a unit failed
# saying why; the other unit (slot 06) claimed.
scenario_boot_display() {
    local failed
    display_facts
    failed=$(gpupt_failed)
    info failed "$(echo "$failed" | tr '\n' ' ')"
    check "03.0 is the boot display (boot_vga 1)" \
        test "$(cat /sys/bus/pci/devices/0000:00:03.0/boot_vga 2>/dev/null)" = 1
    check "03.0 keeps the console's driver, bochs-drm" is_drv 0000:00:03.0 bochs-drm
    check "03.0 is left to the host (no driver_override, not on vfio-pci)" left_to_host 0000:00:03.0
    check "03.0 was never bound to a claim driver" \
        test -z "$(journal | grep -E 'gpupt-apply: 0000:00:03\.0: bound to')"
    check "the console's framebuffer is on 03.0" console_on 0000:00:03.0
    check "a gpupt unit failed" test -n "$failed"
    check "a failed gpupt unit says why: 03.0 is the boot display, or its BAR holds the firmware framebuffer" \
        failure_names '0000:00:03\.0.*\(boot display\|firmware framebuffer\)'
    check "06.0 on gpupt_vfio_test (a unit of its own)" is_drv 0000:00:06.0 gpupt_vfio_test
    check "06.1 on vfio-pci" is_drv 0000:00:06.1 vfio-pci
}

# The gpupt-check UUID of the mdev on mtty.
mtty_uuid() {
    gpupt-check --json 2>/dev/null |
        sed -n 's/.*"parent": "mtty".*"uuid": "\([0-9a-f-]*\)".*/\1/p'
}

scenario_sriov_late() {
    local u t0 t1 secs ms state uuid i
    check_vfs " (no device claimed)"
    # How long the VFs took: the SR-IOV unit's run, from its start to its exit.
    u=$(systemctl list-units --all --plain --no-legend 'gpupt-sriov@*' 2>/dev/null | awk 'NR == 1 { print $1 }')
    t0=$(systemctl show --value -p ExecMainStartTimestampMonotonic "$u" 2>/dev/null)
    t1=$(systemctl show --value -p ExecMainExitTimestampMonotonic "$u" 2>/dev/null)
    secs=$(awk -v a="${t0:-0}" -v b="${t1:-0}" 'BEGIN { if (a > 0 && b >= a) printf "%.2f", (b - a) / 1e6 }')
    info sriov-seconds "${secs:-none}"
    check "SR-IOV: ${u:-no gpupt-sriov@ unit} was done within 15 s (${secs:-?} s)" \
        awk -v s="${secs:-}" 'BEGIN { exit !(s != "" && s + 0 < 15) }'
    # gpupt's own account: from the VFs' creation to the last one bound.
    ms=$(journal -u "$u" | sed -n 's/.*VFs bound to vfio-pci in \([0-9]*\) ms.*/\1/p' | tail -n 1)
    info sriov-bind-ms "${ms:-none}"
    check "SR-IOV: the VFs were bound within 5 s of their creation (${ms:-?} ms)" \
        test -n "$ms" -a "${ms:-99999}" -lt 5000

    if [ -e /etc/gpupt.conf.d/mtty.conf ]; then
        # The parent registers only now, after the boot's mdev unit ran:
        # the udev rule must make the mdev.
        state=$(systemctl show --value -p ActiveState gpupt-mdev@mtty.service 2>/dev/null)
        info mdev-unit-before-mtty "${state:-none}"
        check "mdev: mtty was not loaded during the boot" \
            test -z "$(grep '^mtty ' /proc/modules)"
        check "mdev: loading mtty now" modprobe mtty
        udevadm settle --timeout=30
        uuid=$(mtty_uuid)
        check "mdev: gpupt-check names the mtty mdev" test -n "$uuid"
        for i in 1 2 3 4 5 6 7 8 9 10; do
            [ -e "/sys/bus/mdev/devices/${uuid:-none}" ] && break
            sleep 1
        done
        info mdev-seconds-after-settle "$((i - 1))"
        check "mdev: $uuid exists on mtty (made by the udev rule)" \
            test -e "/sys/bus/mdev/devices/${uuid:-none}"
        check "mdev: its IOMMU group exists" test -e "/sys/bus/mdev/devices/${uuid:-none}/iommu_group"
    else
        info mdev "skipped: no mtty module in this image"
    fi
    check "no gpupt unit failed" no_gpupt_failed
    check "gpupt-check: VFs as configured" grep -q '"vfs": 2, "vfs_now": 2' <<<"$(gpupt-check --json 2>/dev/null)"
    check_vm_takes_new_vfs nvme-pf 0000:01:00.0
}

# The hand-off proof: QEMU, inside this guest, takes the functions of device
# entry $1 with the arguments `gpupt-check --qemu` gives, and its monitor
# lists them (the kernel's VFIO_GROUP_GET_STATUS said viable, not gpupt).
# `info qtree`, not `info pci`: with -S no firmware has numbered the root
# ports' buses, and `info pci` walks bus numbers, so it shows nothing behind
# them. Writes QEMU's output to /run/vm-qemu-$1.log; returns QEMU's status.
QEMU_BASE=(-S -nodefaults -display none -machine q35 -m 64 -accel tcg -no-user-config -monitor stdio)
run_guest_qemu() {
    local -a args
    # shellcheck disable=SC2207 # one argument per word, as documented
    args=($(gpupt-check --qemu "$1" 2>/dev/null))
    modprobe vfio_iommu_type1 2>/dev/null
    printf 'info qtree\nquit\n' |
        timeout 180 qemu-system-x86_64 "${QEMU_BASE[@]}" "${args[@]}" >"/run/vm-qemu-$1.log" 2>&1
}

# "ID TYPE PARENT-BUS ADDR VENDOR:DEVICE" for each PCI device of `info qtree`.
qemu_pci_devs() {
    tr -d '\r' <"$1" | awk '
        { match($0, /^ */); ind = RLENGTH }
        $1 == "bus:" { bus[ind] = $2; next }
        $1 == "dev:" { type = $2; sub(",", "", type); id = $4; gsub("\"", "", id); parent = bus[ind - 2]; next }
        $1 == "class" && match($0, /addr [0-9a-f:.]+, pci id [0-9a-f:]+/) {
            split(substr($0, RSTART, RLENGTH), w, " "); a = w[2]; sub(",", "", a)
            print id, type, parent, a, w[5] }'
}

# Every function entry $1 claims is a vfio-pci device of the guest QEMU, on
# one guest slot (device 0 behind the root port of its host slot), with its
# own function number and its host vendor:device.
check_vm_takes() {
    local entry=$1 t0 t1 rc fn bdf slot want line n=0
    t0=$(date +%s.%N)
    run_guest_qemu "$entry"
    rc=$?
    t1=$(date +%s.%N)
    info guest-qemu-seconds "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')"
    if ! check "hand-off: QEMU started with gpupt-check --qemu $entry (exit $rc)" test "$rc" = 0; then
        tail -n 8 "/run/vm-qemu-$entry.log" | sed 's/^/    /' >&3
        return
    fi
    for bdf in $(gpupt-check --qemu "$entry" 2>/dev/null | sed -n 's/.*vfio-pci,host=\([^,]*\),.*/\1/p'); do
        n=$((n + 1))
        fn=${bdf##*.}
        slot=${bdf%.*}
        want=$(sed 's/^0x//' "/sys/bus/pci/devices/$bdf/vendor"):$(sed 's/^0x//' "/sys/bus/pci/devices/$bdf/device")
        line=$(qemu_pci_devs "/run/vm-qemu-$entry.log" | awk -v id="gpupt-${bdf//:/-}" '$1 == id')
        check "hand-off: the guest QEMU has $bdf ($want) as vfio-pci, function $fn behind its root port (${line:-not there})" \
            test "$line" = "gpupt-${bdf//:/-} vfio-pci gpupt-rp-${slot//:/-} 00:00.$fn $want"
    done
    check "hand-off: the guest QEMU has $n functions of $entry" test "$n" -gt 0
}

# The mdev of entry $1 (UUID $2) in a VM: QEMU, inside this guest, starts
# with the arguments `gpupt-check --qemu $1` gives (vfio-pci on the mdev's
# sysfs path), and its monitor lists a PCI device with the ids mtty's
# emulated card has in its config space (4348:3253), on QEMU's root bus.
check_vm_takes_mdev() {
    local entry=$1 uuid=$2 rc line
    check "hand-off: gpupt-check --qemu $entry names /sys/bus/mdev/devices/$uuid" \
        grep -q "sysfsdev=/sys/bus/mdev/devices/$uuid," <<<"$(gpupt-check --qemu "$entry" 2>/dev/null)"
    run_guest_qemu "$entry"
    rc=$?
    if ! check "hand-off: QEMU started with gpupt-check --qemu $entry (exit $rc)" test "$rc" = 0; then
        tail -n 8 "/run/vm-qemu-$entry.log" | sed 's/^/    /' >&3
        return
    fi
    line=$(qemu_pci_devs "/run/vm-qemu-$entry.log" | awk -v id="gpupt-mdev-$uuid" '$1 == id')
    check "hand-off: the guest QEMU has mdev $uuid as vfio-pci with mtty's ids (${line:-not there})" \
        awk -v l="$line" 'BEGIN { n = split(l, w, " "); exit !(n == 5 && w[2] == "vfio-pci" && w[3] == "pcie.0" && w[5] == "4348:3253") }'
}

# VFs handed over before they exist: with the VFs of PF $2 removed,
# `gpupt-check --qemu $1:0-1` computes their addresses from the PF's SR-IOV
# capability (First VF Offset, VF Stride); gpupt's own unit then makes the
# VFs, each must sit where it was computed (the kernel's virtfnN link), and
# QEMU, started with the arguments computed before, takes them.
check_vm_takes_new_vfs() {
    local entry=$1 pf=$2 unit rc i bdf link want line
    local -a computed
    # (the instance escaped as the generator names it: "-" is \x2d)
    unit=$(systemd-escape --template=gpupt-sriov@.service "$entry")
    echo 0 >"/sys/bus/pci/devices/$pf/sriov_numvfs"
    check "hand-off: the VFs of $pf are removed" \
        test -z "$(compgen -G "/sys/bus/pci/devices/$pf/virtfn*")"
    gpupt-check --qemu "$entry:0-1" >/run/vm-qemu-vfs.args 2>/run/vm-qemu-vfs.err
    rc=$?
    if ! check "hand-off: gpupt-check --qemu $entry:0-1 with no VF there (exit $rc)" test "$rc" = 0; then
        sed 's/^/    /' /run/vm-qemu-vfs.err >&3
    fi
    mapfile -t computed < <(sed -n 's/.*vfio-pci,host=\([^,]*\),.*/\1/p' /run/vm-qemu-vfs.args)
    info vf-addresses-computed "$(IFS=,; echo "${computed[*]:-none}")"
    check "hand-off: two VF addresses computed (${#computed[@]})" test "${#computed[@]}" = 2
    for bdf in "${computed[@]}"; do
        check "hand-off: $bdf does not exist yet" test ! -e "/sys/bus/pci/devices/$bdf"
    done
    check "hand-off: $unit makes the VFs again" systemctl restart "$unit"
    udevadm settle --timeout=30
    for i in 0 1; do
        link=$(readlink "/sys/bus/pci/devices/$pf/virtfn$i" 2>/dev/null)
        check "hand-off: VF $i computed as ${computed[i]:-none} is the kernel's virtfn$i (${link##*/})" \
            test -n "$link" -a "${link##*/}" = "${computed[i]:-none}"
        [ -z "${computed[i]:-}" ] || check "hand-off: VF ${computed[i]} on vfio-pci" is_drv "${computed[i]}" vfio-pci
    done
    modprobe vfio_iommu_type1 2>/dev/null
    # shellcheck disable=SC2046 # one argument per word, as documented
    printf 'info qtree\nquit\n' |
        timeout 180 qemu-system-x86_64 "${QEMU_BASE[@]}" $(cat /run/vm-qemu-vfs.args) \
            >/run/vm-qemu-vfs.log 2>&1
    rc=$?
    if ! check "hand-off: QEMU started with the arguments computed before the VFs existed (exit $rc)" \
        test "$rc" = 0; then
        tail -n 8 /run/vm-qemu-vfs.log | sed 's/^/    /' >&3
        return
    fi
    for bdf in "${computed[@]}"; do
        [ -e "/sys/bus/pci/devices/$bdf" ] || continue
        want=$(sed 's/^0x//' "/sys/bus/pci/devices/$bdf/vendor"):$(sed 's/^0x//' "/sys/bus/pci/devices/$bdf/device")
        line=$(qemu_pci_devs /run/vm-qemu-vfs.log | awk -v id="gpupt-${bdf//:/-}" '$1 == id')
        check "hand-off: the guest QEMU has VF $bdf ($want) as vfio-pci behind a root port of its own (${line:-not there})" \
            test "$line" = "gpupt-${bdf//:/-} vfio-pci gpupt-rp-${bdf//:/-} 00:00.0 $want"
    done
}

# The same attempt on an impure group: after binding $2 to vfio-pci by hand
# (what gpupt refused to do), QEMU must refuse the group as not viable.
check_vm_refused() {
    local entry=$1 bdf=$2 rc d
    gpupt-check --qemu "$entry" >/dev/null 2>&1
    rc=$?
    check "hand-off: gpupt-check --qemu $entry says not ready (exit $rc)" test "$rc" = 1
    modprobe vfio-pci 2>/dev/null
    echo vfio-pci >"/sys/bus/pci/devices/$bdf/driver_override"
    d=/sys/bus/pci/devices/$bdf/driver
    [ -e "$d" ] && echo "$bdf" >"$d/unbind"
    echo "$bdf" >/sys/bus/pci/drivers_probe
    check "hand-off: $bdf bound to vfio-pci by hand" is_drv "$bdf" vfio-pci
    run_guest_qemu "$entry"
    rc=$?
    check "hand-off: the guest QEMU refuses it (exit $rc)" test "$rc" != 0
    if ! check "hand-off: QEMU says the group is not viable" grep -q 'not viable' "/run/vm-qemu-$entry.log"; then
        tail -n 5 "/run/vm-qemu-$entry.log" | sed 's/^/    /' >&3
    fi
}

# The boot is done when udev has handled every device, not at multi-user.target.
udevadm settle --timeout=60 || info settle "udev did not settle in 60 s"
echo "BEGIN $tag" >&3
info uptime "$(cut -d' ' -f1 /proc/uptime)"
case $scenario in
split) scenario_split ;;
split-vfio) scenario_split_vfio ;;
impure) scenario_impure ;;
iommu-off) scenario_iommu_off ;;
off) scenario_off ;;
config-error) scenario_config_error ;;
root-nvme) scenario_root_nvme ;;
sriov-late) scenario_sriov_late ;;
dropins-only) scenario_dropins_only ;;
boot-display) scenario_boot_display ;;
*) fail "unknown scenario" ;;
esac
echo "END $tag" >&3
exec 3>&-
sync
echo o >/proc/sysrq-trigger
sleep 10
poweroff -f

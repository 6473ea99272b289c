#!/bin/bash
# Builds the Debian package from a copy of the tree, checks it with lintian,
# installs it on this machine, runs the installed gpupt-check on a fixture,
# and purges it again. Needs root for dpkg; says SKIP otherwise.
set -euo pipefail

tag=package
# shellcheck source=tests/check-lib.sh
. "$(dirname "$0")/check-lib.sh"
skip() {
    echo "package: SKIP ($*)"
    echo "package: 0 passed, 0 failed, 1 skipped"
    exit 0
}
[ "$(id -u)" -eq 0 ] || skip "needs root to install the package"
command -v dpkg-buildpackage >/dev/null || skip "dpkg-dev is not installed"
command -v dh >/dev/null || skip "debhelper is not installed"
if dpkg -s gpupt >/dev/null 2>&1; then
    skip "a gpupt package is installed already; not touching it"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpupt-package.XXXXXX")
cleanup() {
    dpkg --purge gpupt >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# The tracked files only: what a source package of this commit holds.
mkdir "$tmp/src"
git -C "$top" ls-files -z | (cd "$top" && xargs -0 cp --parents -t "$tmp/src")
(cd "$tmp/src" && dpkg-buildpackage -us -uc -b >"$tmp/build.log" 2>&1) ||
    { tail -n 40 "$tmp/build.log" >&2; exit 1; }
deb=$(ls "$tmp"/gpupt_*.deb)
changes=$(ls "$tmp"/gpupt_*.changes)

# lintian: no errors (warnings are listed for the record)
lintian --fail-on error "$changes" >"$tmp/lintian.log" 2>&1 && lint=0 || lint=$?
sed 's/^/  lintian: /' "$tmp/lintian.log"
check "lintian reports no errors" test "$lint" -eq 0

dpkg-deb -c "$deb" >"$tmp/contents"
for f in ./usr/bin/gpupt-check ./usr/libexec/gpupt/gpupt-apply \
    ./lib/systemd/system-generators/gpupt-generator ./lib/udev/rules.d/90-gpupt-mdev.rules \
    ./lib/systemd/system/gpupt-group@.service ./lib/systemd/system/gpupt-sriov@.service \
    ./lib/systemd/system/gpupt-mdev@.service ./lib/systemd/system/gpupt-vgpu@.service \
    ./usr/lib/dracut/modules.d/90gpupt/module-setup.sh \
    ./usr/share/initramfs-tools/hooks/gpupt ./usr/share/initramfs-tools/scripts/init-top/gpupt \
    ./usr/share/man/man5/gpupt.conf.5.gz ./usr/share/man/man8/gpupt-check.8.gz \
    ./usr/share/doc/gpupt/gpupt.conf ./usr/share/bash-completion/completions/gpupt-check; do
    check "the package holds $f" grep -q " $f\$" "$tmp/contents"
done
check "no config in /etc: the admin's file is never overwritten" \
    bash -c "! grep -q ' ./etc/gpupt.conf' '$tmp/contents'"
check "hardened build (PIE, RELRO)" bash -c \
    "dpkg-deb -x '$deb' '$tmp/x' && readelf -d '$tmp/x/usr/bin/gpupt-check' | grep -q BIND_NOW"
check "the group template runs the helper at /usr/libexec" \
    grep -qx 'ExecStart=/usr/libexec/gpupt/gpupt-apply group %i' \
    "$tmp/x/lib/systemd/system/gpupt-group@.service"
check "the generator links instances to /lib/systemd/system" \
    grep -qaF /lib/systemd/system/ "$tmp/x/lib/systemd/system-generators/gpupt-generator"

# Installed, it runs on a recorded machine, and goes away without a trace.
INITRD=No dpkg -i "$deb" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; exit 1; }
python3 "$top/tests/mkfixture.py" sriov-gvt "$tmp/root" >/dev/null
check "installed gpupt-check runs on a fixture" bash -c \
    "/usr/bin/gpupt-check --root '$tmp/root' --json | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"ready\"] and len(d[\"mdevs\"]) == 2 else 1)'"
check "installed helper answers" /usr/libexec/gpupt/gpupt-apply --root "$tmp/root" check-config
dpkg --purge gpupt >"$tmp/purge.log" 2>&1
check "purged: the package is gone" bash -c "! dpkg -s gpupt >/dev/null 2>&1"
check "purged: no file left" bash -c \
    "! ls /usr/bin/gpupt-check /usr/libexec/gpupt /lib/systemd/system-generators/gpupt-generator \
        /lib/systemd/system/gpupt-group@.service 2>/dev/null"

echo "package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

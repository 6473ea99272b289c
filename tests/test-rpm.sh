#!/bin/bash
# The RPM for Fedora and RHEL: `rpmbuild -ta` of the `make dist` tarball with
# Debian's rpmbuild (--nodeps: Fedora's package names mean nothing here; the
# build and %check still need the libraries and cmocka, which make deps
# installs), its file list against Fedora's paths, the paths compiled into
# what it ships, and rpmlint. As root, where make deps installs rpm and
# rpmlint, a missing tool fails; otherwise it is a SKIP.
set -euo pipefail

tag=rpm
# shellcheck source=tests/check-lib.sh
. "$(dirname "$0")/check-lib.sh"
skipped=0
summary() {
    echo "rpm: $passed passed, $failed failed, $skipped skipped"
}
missing() {
    if [ "$(id -u)" -eq 0 ]; then
        check "$1 is installed (make deps installs it)" false
    else
        echo "rpm: SKIP: $1 ($1 is not installed; make deps installs it as root)"
        skipped=$((skipped + 1))
    fi
}
top=$(cd "$(dirname "$0")/.." && pwd)
if ! git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "rpm: SKIP (not a git checkout: make dist packs the tracked files)"
    skipped=1
    summary
    exit 0
fi
if ! command -v rpmbuild >/dev/null; then
    missing rpmbuild
    summary
    [ "$failed" -eq 0 ]
    exit
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpupt-rpm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
version=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")
make -s -C "$top" BUILDDIR="$tmp/dist" DISTDIR="$tmp" dist >/dev/null
tarball=$tmp/gpupt-$version.tar.gz

if nice -n 19 rpmbuild -ta --nodeps --define "_topdir $tmp/rpm" "$tarball" \
    >"$tmp/build.log" 2>&1; then
    check "rpmbuild -ta gpupt-$version.tar.gz" true
else
    tail -n 40 "$tmp/build.log" >&2
    check "rpmbuild -ta gpupt-$version.tar.gz" false
    summary
    exit 1
fi
check "%check ran the unit tests" grep -q '^unit: [1-9][0-9]* passed, 0 failed' "$tmp/build.log"
check "a source RPM" bash -c "compgen -G '$tmp/rpm/SRPMS/gpupt-$version-1*.src.rpm' >/dev/null"
rpm=$(find "$tmp/rpm/RPMS" -name "gpupt-$version-1*.rpm" ! -name '*debug*' | head -n 1)
check "a binary RPM" test -n "$rpm"

rpm -qlp "$rpm" >"$tmp/list"
sed 's/^/  rpm -ql: /' "$tmp/list"
for f in /usr/bin/gpupt-check /usr/libexec/gpupt/gpupt-apply \
    /usr/lib/systemd/system-generators/gpupt-generator /usr/lib/udev/rules.d/90-gpupt-mdev.rules \
    /usr/lib/systemd/system/gpupt-group@.service /usr/lib/systemd/system/gpupt-sriov@.service \
    /usr/lib/systemd/system/gpupt-mdev@.service /usr/lib/systemd/system/gpupt-vgpu@.service \
    /usr/lib/dracut/modules.d/90gpupt/module-setup.sh \
    /usr/lib/dracut/modules.d/90gpupt/gpupt-pre-udev.sh \
    /usr/share/bash-completion/completions/gpupt-check /usr/share/doc/gpupt/gpupt.conf; do
    check "the package holds $f" grep -qx "$f" "$tmp/list"
done
# compressed by Fedora's rpmbuild, not by Debian's
for f in man5/gpupt.conf.5 man8/gpupt-check.8 man8/gpupt-apply.8 man8/gpupt-generator.8; do
    check "the package holds the man page $f" \
        grep -qxE "/usr/share/man/${f//./\\.}(\\.gz|\\.xz|\\.bz2)?" "$tmp/list"
done
check "the example config is %doc" bash -c \
    "rpm -qdp '$rpm' | grep -qx /usr/share/doc/gpupt/gpupt.conf"
check "no config in /etc: the admin's file is never overwritten" \
    bash -c "! grep -q '^/etc' '$tmp/list'"
check "no initramfs-tools parts: dracut builds Fedora's images" \
    bash -c "! grep -q initramfs-tools '$tmp/list'"
check "no scriptlets: the initramfs is not rebuilt by the package" \
    bash -c "[ -z \"\$(rpm -qp --scripts '$rpm')\" ]"

# What the package ships names the places it ships things to.
mkdir "$tmp/x"
(cd "$tmp/x" && rpm2cpio "$rpm" | cpio -idm --quiet)
check "the dracut module runs the helper from /usr/libexec/gpupt" \
    grep -q '^GPUPT_APPLY="/usr/libexec/gpupt/gpupt-apply"$' \
    "$tmp/x/usr/lib/dracut/modules.d/90gpupt/module-setup.sh"
check "the generator writes units that run /usr/libexec/gpupt/gpupt-apply" \
    grep -q /usr/libexec/gpupt/gpupt-apply "$tmp/x/usr/lib/systemd/system-generators/gpupt-generator"
check "the template units run /usr/libexec/gpupt/gpupt-apply" \
    grep -qx 'ExecStart=/usr/libexec/gpupt/gpupt-apply group %i' \
    "$tmp/x/usr/lib/systemd/system/gpupt-group@.service"
check "the generator links instances to the templates in /usr/lib/systemd/system" \
    grep -qaF /usr/lib/systemd/system/ "$tmp/x/usr/lib/systemd/system-generators/gpupt-generator"
check "the packaged gpupt-check says it is $version" \
    bash -c "[ \"\$('$tmp/x/usr/bin/gpupt-check' --version)\" = 'gpupt-check $version' ]"

# rpmlint: no errors (warnings are listed for the record); tests/rpmlint.toml
# filters what only Fedora's profile or build system settles, with reasons.
if command -v rpmlint >/dev/null; then
    rpmlint -c "$top/tests/rpmlint.toml" "$tmp/rpm/SRPMS/"*.src.rpm "$rpm" \
        >"$tmp/lint.log" 2>&1 && lint=0 || lint=$?
    grep -E ': [EW]: ' "$tmp/lint.log" | sed 's/^/  rpmlint: /' || true
    check "rpmlint reports no errors" test "$lint" -eq 0
else
    missing rpmlint
fi

summary
[ "$failed" -eq 0 ]

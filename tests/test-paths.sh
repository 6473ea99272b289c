#!/bin/bash
# The install paths a build embeds cannot disagree with where it is installed:
# in a fresh copy of the tree, `make`, then `make PREFIX=/usr`, then
# `make install DESTDIR=… PREFIX=/usr` (what the README has a new user do),
# and no installed file may name a path of the first build; then an install
# at another PREFIX with no rebuild asked for, and none may name /usr's.
set -euo pipefail

tag=paths
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
# shellcheck source=tests/check-lib.sh
. "$here/check-lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpupt-paths.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The tracked files as they are in the work tree, and the new ones git does
# not ignore; never a build directory.
mkdir "$tmp/src"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$src" ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$src/$f" ] && printf '%s\0' "$f"; done |
        tar -C "$src" --null -T - -cf - | tar -C "$tmp/src" -xf -
else
    tar -C "$src" --exclude='./build*' -cf - . | tar -C "$tmp/src" -xf -
fi

build() {
    make -C "$tmp/src" -s -j2 "$@" >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log" >&2; exit 1; }
}

# The value of a path variable the build in $tmp/src was made with.
built() {
    sed -n "s|^$1=||p" "$tmp/src/build/paths" 2>/dev/null
}

# What gpupt's own files are called under the paths of the last build: an
# installed file that names one of these names that build.
own_paths() {
    printf '%s\n' "$(built BINDIR)/gpupt-check" "$(built LIBEXECDIR)/gpupt/" \
        "$(built GENERATORDIR)/gpupt-generator" "$(built DRACUTMODDIR)/90gpupt" \
        "$(built INITRAMFSTOOLSDIR)/hooks/gpupt" "$(built MANDIR)/man8/gpupt" \
        "$(built DOCDIR)/" "$(built COMPLETIONDIR)/gpupt" "$(built UDEVRULESDIR)/90-gpupt" \
        "$(built SYSTEMDUNITDIR)/gpupt-"
}

# Installed files (binaries included) that name one of the paths in $2 that
# differ from those in $3; the documentation copied as it is (README, the
# example config) is prose and left out.
naming() {
    comm -23 <(sort -u "$2") <(sort -u "$3") >"$tmp/gone"
    [ -s "$tmp/gone" ] || return 0
    grep -rlaF -f "$tmp/gone" --exclude-dir=doc "$1" || true
}

# Every /usr/local/… string in the installed files but the directories
# systemd searches whatever gpupt's prefix (modules-load.d; roff may break
# the name in the man page, as "modules-load.\&d").
usr_local() {
    find "$1" -type f -exec grep -ahoE '/usr/local/[[:alnum:]_./@-]*' {} + |
        grep -v '^/usr/local/lib/modules-load\.' | sort -u || true
}

# 1. Built for /usr/local, rebuilt for /usr, installed for /usr.
build
check "the build records its paths in build/paths" test -s "$tmp/src/build/paths"
own_paths >"$tmp/local-paths"
build PREFIX=/usr
own_paths >"$tmp/usr-paths"
make -C "$tmp/src" -s -j2 install DESTDIR="$tmp/usr" PREFIX=/usr >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log" >&2; exit 1; }
bad=$(naming "$tmp/usr" "$tmp/local-paths" "$tmp/usr-paths")
check "a rebuild for /usr leaves no file naming /usr/local's paths:${bad:+ $bad}" test -z "$bad"
bad=$(usr_local "$tmp/usr")
check "a build for /usr names nothing under /usr/local:${bad:+ $bad}" test -z "$bad"
check "the generator names the helper at /usr/libexec" \
    grep -qaF /usr/libexec/gpupt/gpupt-apply "$tmp/usr$(built GENERATORDIR)/gpupt-generator"
check "the initramfs-tools hook looks for the helper at /usr/libexec" \
    grep -qF '"/usr/libexec/gpupt/gpupt-apply"' "$tmp/usr/usr/share/initramfs-tools/hooks/gpupt"
check "the dracut module looks for the helper at /usr/libexec" \
    grep -qF '"/usr/libexec/gpupt/gpupt-apply"' "$tmp/usr/usr/lib/dracut/modules.d/90gpupt/module-setup.sh"
check "the helper is where they look" test -x "$tmp/usr/usr/libexec/gpupt/gpupt-apply"
for t in group sriov mdev vgpu; do
    check "the template gpupt-$t@.service runs the helper at /usr/libexec" \
        grep -qx "ExecStart=/usr/libexec/gpupt/gpupt-apply $t %[iI]" \
        "$tmp/usr$(built SYSTEMDUNITDIR)/gpupt-$t@.service"
done

# The installed generator on a recorded machine: its links point at the
# templates where the install put them.
python3 "$src/tests/mkfixture.py" vgpu-l40s "$tmp/fixture" >/dev/null
mkdir "$tmp/gen"
GPUPT_ROOT=$tmp/fixture "$tmp/usr$(built GENERATORDIR)/gpupt-generator" "$tmp/gen"
link=$(readlink "$tmp/gen/multi-user.target.wants/gpupt-vgpu@vm\x2da.service" || true)
check "the generator links an instance to its installed template ($link)" \
    test "$link" = "$(built SYSTEMDUNITDIR)/gpupt-vgpu@.service" -a -f "$tmp/usr$link"

# 2. Built for /usr, installed for /opt/gpupt: install rebuilds first.
make -C "$tmp/src" -s -j2 install DESTDIR="$tmp/opt" PREFIX=/opt/gpupt >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log" >&2; exit 1; }
check "the build now records /opt/gpupt" test "$(built LIBEXECDIR)" = /opt/gpupt/libexec
own_paths >"$tmp/opt-paths"
bad=$(naming "$tmp/opt" "$tmp/usr-paths" "$tmp/opt-paths")
check "an install at /opt/gpupt leaves no file naming /usr's paths:${bad:+ $bad}" test -z "$bad"
check "the generator names the helper at /opt/gpupt" \
    grep -qaF /opt/gpupt/libexec/gpupt/gpupt-apply "$tmp/opt$(built GENERATORDIR)/gpupt-generator"
check "the mdev udev rule names the helper at /opt/gpupt" \
    grep -qF /opt/gpupt/libexec/gpupt/gpupt-apply "$tmp/opt$(built UDEVRULESDIR)/90-gpupt-mdev.rules"
check "the group template names the helper at /opt/gpupt" \
    grep -qxF "ExecStart=/opt/gpupt/libexec/gpupt/gpupt-apply group %i" \
    "$tmp/opt$(built SYSTEMDUNITDIR)/gpupt-group@.service"
check "the man page names the helper at /opt/gpupt" \
    grep -qF /opt/gpupt/libexec/gpupt/ "$tmp/opt/opt/gpupt/share/man/man8/gpupt-apply.8"

# 3. The same paths again: the record is not rewritten and nothing is rebuilt.
touch "$tmp/marker"
build PREFIX=/opt/gpupt
newer=$(find "$tmp/src/build" -newer "$tmp/marker" -type f)
check "the same paths again rebuild nothing:${newer:+ $newer}" test -z "$newer"

echo "paths: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/bash
# The release tarball: `make dist` packs the tracked files and gpupt.spec
# under gpupt-VERSION/, nothing built, the same bytes twice; unpacked where
# there is no .git it builds and passes the unit tests. Every version string
# agrees with the Makefile's.
set -euo pipefail

tag=dist
# shellcheck source=tests/check-lib.sh
. "$(dirname "$0")/check-lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
if ! git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "dist: SKIP (not a git checkout: make dist packs the tracked files)"
    echo "dist: 0 passed, 0 failed, 1 skipped"
    exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpupt-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
version=$(sed -n 's/^VERSION *:= *//p' "$top/Makefile")
name=gpupt-$version
tarball=$tmp/out/$name.tar.gz

make -s -C "$top" BUILDDIR="$tmp/build" DISTDIR="$tmp/out" dist >/dev/null
check "make dist writes $name.tar.gz" test -f "$tarball"
# Names as they are (tests/data holds the generator's, with '\'), not
# quoted as git and tar would show them.
tar --quoting-style=literal -tzf "$tarball" | sort >"$tmp/list"

# The tracked files and the generated spec, nothing else.
{ git -C "$top" ls-files -z | tr '\0' '\n' | sed "s|^|$name/|"; echo "$name/gpupt.spec"; } |
    sort >"$tmp/want"
grep -v '/$' "$tmp/list" >"$tmp/files"
check "the tarball holds the tracked files and gpupt.spec, nothing else" \
    diff -u "$tmp/want" "$tmp/files"
check "everything lies under $name/" bash -c "! grep -v '^$name/' '$tmp/list'"
check "no build artefacts, no .git" bash -c \
    "! grep -E '/(build[^/]*|\\.git)/|\\.(o|a|tar\\.gz)\$' '$tmp/list'"

mkdir "$tmp/again"
make -s -C "$top" BUILDDIR="$tmp/build" DISTDIR="$tmp/again" dist >/dev/null
check "the same tree gives the same tarball" cmp -s "$tarball" "$tmp/again/$name.tar.gz"

# One version: the Makefile's, in the spec, the Debian changelog and --version.
tar -xzf "$tarball" -C "$tmp"
src=$tmp/$name
check "gpupt.spec has Version: $version" grep -qx "Version: *$version" "$src/gpupt.spec"
check "gpupt.spec has no placeholder left" bash -c "! grep -q '@[A-Z]*@' '$src/gpupt.spec'"
check "debian/changelog is at $version" \
    bash -c "head -n 1 '$src/debian/changelog' | grep -q '^gpupt ($version) '"

# Unpacked, with no .git anywhere above it: the unit tests pass.
check "the unpacked tree has no .git" test ! -e "$src/.git"
if (cd "$src" && GIT_CEILING_DIRECTORIES=$tmp make -s check-unit build/gpupt-check) \
    >"$tmp/unit.log" 2>&1; then
    check "make check-unit passes in the unpacked tarball" true
else
    tail -n 30 "$tmp/unit.log" >&2
    check "make check-unit passes in the unpacked tarball" false
fi
check "the unpacked build says it is $version" \
    bash -c "[ \"\$('$src/build/gpupt-check' --version 2>&1)\" = 'gpupt-check $version' ]"
check "make dist refuses outside a git checkout" bash -c \
    "! GIT_CEILING_DIRECTORIES='$tmp' make -s -C '$src' dist >/dev/null 2>&1"

echo "dist: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]

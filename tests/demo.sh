#!/bin/sh
# make demo: gpupt-check on a recorded 8-GPU server, in words and in JSON.
set -eu
build=${1:-build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/gpupt-demo.XXXXXX")
trap 'rm -rf "$dir"' EXIT

python3 tests/mkfixture.py eight-gpus "$dir/root" >/dev/null
echo "== The config: $dir/root/etc/gpupt.conf"
sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' "$dir/root/etc/gpupt.conf"
echo
echo "== gpupt-check --root <8-GPU server>"
"$build/gpupt-check" --root "$dir/root" || true
echo
echo "== gpupt-check --root <8-GPU server> --json"
"$build/gpupt-check" --root "$dir/root" --json || true

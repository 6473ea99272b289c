#!/bin/sh
# Runs ShellCheck over every shell file the project ships or runs.
set -u
cd "$(dirname "$0")/.." || exit 1

# The sources (*.in hold @PLACEHOLDERS@ only inside strings) and the test scripts.
files=$(find tests dracut initramfs-tools .ci conf/bash-completion -type f \
    \( -name '*.sh' -o -name '*.sh.in' -o -path 'initramfs-tools/*' -o -name run \
    -o -path 'conf/bash-completion/*' \) \
    2>/dev/null | sort)
[ -n "$files" ] || { echo "shellcheck: no shell files"; exit 0; }
# shellcheck disable=SC2086 # the list is one path per word
if shellcheck -x $files; then
    echo "shellcheck: $(echo "$files" | wc -l) files clean"
else
    exit 1
fi

#!/bin/sh
# Runs each cmocka test binary given and sums up. Tests run from the
# repository root, where the fixture builder lives.
set -u

passed=0
failed=0
# VALGRIND, when set, is a command prefix (make check-valgrind sets it).
for t in "$@"; do
    # shellcheck disable=SC2086 # VALGRIND is a command with its options
    if ${VALGRIND:-} "$t"; then
        passed=$((passed + 1))
    else
        echo "FAIL: $t" >&2
        failed=$((failed + 1))
    fi
done
echo "unit${VALGRIND:+ under valgrind}: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

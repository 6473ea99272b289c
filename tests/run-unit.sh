#!/bin/sh
# Runs each cmocka test binary given and sums up. Tests run from the
# repository root, where the fixture builder lives.
set -u

passed=0
failed=0
for t in "$@"; do
    if "$t"; then
        passed=$((passed + 1))
    else
        echo "FAIL: $t" >&2
        failed=$((failed + 1))
    fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

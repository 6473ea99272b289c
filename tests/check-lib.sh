# shellcheck shell=bash
# Sourced by the shell tests: `check WHAT COMMAND...` runs COMMAND and counts a
# pass or, naming WHAT after the test's $tag, a failure.
passed=0
failed=0

check() {
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        echo "${tag:?}: FAIL: $what" >&2
        failed=$((failed + 1))
    fi
}

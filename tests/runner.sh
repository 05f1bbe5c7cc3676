#!/bin/sh
# ntdll-mm: test of the native test runner (tests/runner.c), run by make check from the build
# directory.  With NTDLL_MM_TEST_TIMEOUT=1, a scenario that hangs is reported as a timeout and
# killed with its process group (run_in_child's child too), one that aborts or exits without
# reporting counts as a failure, and the hidden scenarios that do so on purpose run only when
# named in full.
# SPDX-License-Identifier: LGPL-2.1-or-later
prog=${1:-tests/ntdll-mm-tests}
status=0

fail()
{
    echo "FAIL: $*"
    status=1
}

# expect SCENARIO LINE: the run fails, prints LINE, and ends with "0 passed, 1 failed"
expect()
{
    out=$(NTDLL_MM_TEST_TIMEOUT=1 "$prog" "$1" 2>&1) && fail "$1: exit status 0"
    echo "$out"
    echo "$out" | grep -qxF "$2" || fail "$1: no line '$2'"
    [ "$(echo "$out" | tail -n 1)" = "0 passed, 1 failed" ] || fail "$1: not '0 passed, 1 failed' at the end"
}

start=$(date +%s)
expect runner.c:hangs 'runner.c: hangs: TIMEOUT after 1 s'
expect runner.c:hangs_in_child 'runner.c: hangs_in_child: TIMEOUT after 1 s'
# the sleepers hold stdout for 30 s: $(...) returned in time only if the kill reached them
[ $(( $(date +%s) - start )) -lt 20 ] || fail "a killed scenario's processes outlived it"
expect runner.c:crashes 'runner.c: crashes: killed by signal 6 (Aborted)'
expect runner.c:exits 'runner.c: exits: exited with status 0 without reporting'

"$prog" -l | grep -q '^runner\.c:' && fail "-l lists the hidden scenarios"
out=$("$prog" runner.c) || fail "'runner.c' as a substring: exit status $?"
echo "$out" | grep -qx '0 scenarios, .*' || fail "'runner.c' as a substring selects a hidden scenario"

# and a real scenario passes through the same path
first=$("$prog" -l | head -n 1)
out=$("$prog" "$first") || fail "$first: exit status $?"
echo "$out"
echo "$out" | tail -n 1 | grep -qE '^[1-9][0-9]* passed, 0 failed$' || fail "$first: did not pass"

[ $status = 0 ] && echo "runner test passed"
exit $status

#!/bin/bash
# ntdll-mm: the test command.  Installs what it needs (Debian 12, root), builds the library
# out of tree, runs the native test suite (make check), then the Wine harness for each Wine
# (Wine's conformance tests and tests/pe/ under stock Wine and under the overlay): Debian 12's
# Wine 8.0, then Debian 13's Wine 10.0 (from a Debian 13 root the harness keeps in its cache).
#   tools/test.sh                 everything
#   tools/test.sh --native        only the native suite
#   tools/test.sh --wine VERSION  the native suite and one Wine's harness (8.0 or 10.0)
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${NTDLL_MM_BUILD:-$src/build}
native_only=0
wines="8.0 10.0"
case "${1:-}" in
    --native) native_only=1 ;;
    --wine) wines="${2:?--wine needs a version: 8.0 or 10.0}" ;;
    "") ;;
    *) echo "usage: $0 [--native | --wine VERSION]" >&2; exit 2 ;;
esac

step() { echo "== [$(date +%H:%M:%S)] $*"; }

step "dependencies"
"$src/tools/install-deps.sh"

step "autoreconf + configure ($build)"
(cd "$src" && autoreconf -fi >/dev/null 2>&1)
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$src/configure" -q
step "build"
make -j2 >/dev/null
step "native test suite (make check)"
status=0
make -j2 check >/dev/null 2>&1 || status=$?
cat tests/ntdll-mm-tests.log
tail -n 2 tests/layout.sh.log 2>/dev/null || true
if [ $status -ne 0 ]; then
    cat tests/runner.sh.log tests/layout.sh.log 2>/dev/null || true
    echo "native test suite FAILED"
    exit $status
fi
# users are not root: run the suite again as an unprivileged user (userfaultfd, pagemap and
# procfs behave differently for them), from a copy any user can read
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    step "native test suite as user nobody"
    unpriv=$(mktemp -d /tmp/ntdll-mm-unpriv.XXXXXX)
    # the test program links the library statically (it reaches internals the shared library
    # does not export): the executable alone
    cp tests/ntdll-mm-tests "$unpriv"/
    mkdir -p "$unpriv/data"
    cp tests/data/*.dll tests/data/*.exe "$unpriv/data"/ 2>/dev/null || true
    chmod -R a+rX "$unpriv"
    unpriv_status=0
    (cd "$unpriv" && su nobody -s /bin/sh -c \
        "NTDLL_MM_PE_SAMPLES=$unpriv/data ./ntdll-mm-tests" > "$build/unprivileged.log" 2>&1) ||
        unpriv_status=$?
    rm -rf "$unpriv"
    tail -n 1 "$build/unprivileged.log"
    if [ $unpriv_status -ne 0 ]; then
        grep -v ': ok$' "$build/unprivileged.log" | tail -n 40
        echo "native test suite FAILED as user nobody"
        exit $unpriv_status
    fi
fi

step "make install + a program built from pkg-config alone"
inst="$build/install-root"
rm -rf "$inst"
make install prefix="$inst" >/dev/null 2>&1
cc -o "$build/consumer" "$src/tests/consumer.c" \
    $(PKG_CONFIG_PATH="$inst/lib/pkgconfig" pkg-config --define-variable=prefix="$inst" --cflags --libs ntdll-mm)
LD_LIBRARY_PATH="$inst/lib" "$build/consumer"

[ $native_only = 1 ] && exit 0

wine_status=0
declare -A wine_ok
for w in $wines; do
    step "Wine $w harness"
    wine_ok[$w]=1
    NTDLL_MM_WINE=$w "$src/tests/wine/ci.sh" "$build/wine-results-$w" ||
        { wine_status=$?; wine_ok[$w]=0; echo "Wine $w harness FAILED"; }
done

# one closing line over everything: native checks, the install consumer, and every Wine
# conformance check executed (a Wine check "passes" unless it is a real failure)
native=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' tests/ntdll-mm-tests.log | tail -n1)
unpriv=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$build/unprivileged.log" 2>/dev/null | tail -n1 || true)
[ -n "$unpriv" ] || unpriv="0 passed, 0 failed"
consumer=$(LD_LIBRARY_PATH="$inst/lib" "$build/consumer" | sed -n 's/^consumer: //p')
lines=$(printf '%s\n%s\n%s\n' "$native" "$unpriv" "$consumer")
echo "native suite: $native; as nobody: $unpriv; install consumer: $consumer"
for w in $wines; do
    summary="$build/wine-results-$w/summary.tsv"
    # a Wine check passes unless it is a real failure; the failures the baseline lists for
    # stock Wine (Debian's own, e.g. Wine 10.0's kernelbase patch) and the overlay's no more
    # than stock's are known ones when the baseline check passed, counted apart
    read -r passed failed < <(awk -F'\t' 'NR > 1 { e += $4; f += $6 } END { print e - f, f + 0 }' "$summary" 2>/dev/null ||
                              echo "0 1")
    [ -f "$summary" ] || { passed=0; failed=1; }
    known=0
    if [ "${wine_ok[$w]}" = 1 ]; then known=$failed; failed=0; fi
    fixed=$(awk -F'\t' 'NR > 1 && $3 == "ntdll-mm" { x += $7; t += $5 } END { printf "%d fixed todo checks, %d todo checks left", x, t }' \
            "$summary" 2>/dev/null || echo "unknown")
    echo "Wine $w conformance (stock + ntdll-mm): $passed passed, $failed failed ($known known failures of stock Wine's own tests, tests/wine/baseline-$w.tsv); on ntdll-mm: $fixed (per test: $summary)"
    lines=$(printf '%s\n%s passed, %s failed\n' "$lines" "$passed" "$failed")
done
total=$(printf '%s\n' "$lines" | awk '{ p += $1; f += $3 } END { printf "%d passed, %d failed", p, f }')
echo "total: $total"
exit $wine_status

#!/bin/bash
# ntdll-mm: the test command.  Installs what it needs (Debian 12, root), builds the library
# out of tree, runs the native test suite (make check), then the Wine 8.0 harness
# (Wine's conformance tests and tests/pe/ under stock Wine and under the overlay).
#   tools/test.sh            everything
#   tools/test.sh --native   only the native suite
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${NTDLL_MM_BUILD:-$src/build}
native_only=0
[ "${1:-}" = "--native" ] && native_only=1

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
if [ $status -ne 0 ]; then
    echo "native test suite FAILED"
    exit $status
fi
step "make install + a program built from pkg-config alone"
inst="$build/install-root"
rm -rf "$inst"
make install prefix="$inst" >/dev/null 2>&1
cc -o "$build/consumer" "$src/tests/consumer.c" \
    $(PKG_CONFIG_PATH="$inst/lib/pkgconfig" pkg-config --define-variable=prefix="$inst" --cflags --libs ntdll-mm)
LD_LIBRARY_PATH="$inst/lib" "$build/consumer"

[ $native_only = 1 ] && exit 0

step "Wine 8.0 harness"
"$src/tests/wine/ci.sh"

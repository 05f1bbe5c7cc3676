#!/bin/sh
# Build the ntdll-mm Windows-side conformance programs and the demo with MinGW.
#   tests/pe/build.sh WINE_SRC_DIR OUTDIR
#   tests/pe/build.sh --demo OUTDIR       only the demo, when its source is newer
# Conventions (relied on by tests/wine/check-wine.sh and tests/pe/pe.am):
#   tests/pe/<name>.c, <name> not starting with "_"  one test program -> OUTDIR/<name>.exe,
#                                                     Wine test name <name>, run with no arguments
#   tests/pe/_*.c, tests/pe/_*.h                     support code linked into every test program
#   tests/pe/data/<name>.c                           helper DLL -> OUTDIR/<name>.dll (next to the tests)
#   demo/ntdll-mm-demo.c                             -> OUTDIR/ntdll-mm-demo.exe (not a test)
#   OUTDIR/pe-tests.list                             the test names, one per line
# WINE_SRC_DIR is an unpacked Wine 8.0 or 10.0 source tree: only include/wine/test.h (and the
# wine/debug.h it includes) are used from it; everything else comes from MinGW's headers.
# Environment: MINGW_CC (default x86_64-w64-mingw32-gcc), PE_CFLAGS, PE_LDFLAGS.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

die() { echo "tests/pe/build.sh: error: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
CC=${MINGW_CC:-x86_64-w64-mingw32-gcc}
command -v "$CC" >/dev/null 2>&1 ||
    die "$CC not found (apt-get install gcc-mingw-w64-x86-64)"

# --demo OUTDIR: the demo alone (it needs no Wine header), unless it is newer than its source
if [ "${1:-}" = "--demo" ]; then
    [ $# -eq 2 ] || die "usage: $0 --demo OUTDIR"
    mkdir -p "$2" || die "cannot create $2"
    exe="$2/ntdll-mm-demo.exe"
    if [ ! "$exe" -nt "$top/demo/ntdll-mm-demo.c" ]; then
        echo "PE DEMO  ntdll-mm-demo.exe"
        "$CC" -O2 -Wall -std=gnu11 -o "$exe" "$top/demo/ntdll-mm-demo.c" -static-libgcc ${PE_LDFLAGS:-} -ladvapi32 ||
            die "building the demo failed"
    fi
    exit 0
fi

[ $# -eq 2 ] || die "usage: $0 WINE_SRC_DIR OUTDIR | --demo OUTDIR"
wine_src=$1
outdir=$2
[ -f "$wine_src/include/wine/test.h" ] ||
    die "$wine_src/include/wine/test.h not found: WINE_SRC_DIR must be an unpacked Wine source tree"
wine_include=$(cd "$wine_src/include" && pwd)

mkdir -p "$outdir" || die "cannot create $outdir"
outdir=$(cd "$outdir" && pwd)

# Test programs use Wine's printf conventions (%Iu, %lu for DWORD) which gcc's format checker
# does not know, hence -Wno-format. Wine's include dir is searched after MinGW's (-idirafter),
# so only wine/test.h and wine/debug.h come from it.
# Wine 10.0's wine/debug.h marks its declarations DECLSPEC_EXPORT, which Wine's own winnt.h
# defines and MinGW's does not (they are only declarations here).
CFLAGS="-O2 -Wall -Wno-format -std=gnu11 -DDECLSPEC_EXPORT= ${PE_CFLAGS:-}"
LDFLAGS="-static-libgcc ${PE_LDFLAGS:-}"

# compile TARGET ARGS...: run the compiler, echoing the command with short paths.
compile() {
    target=$1; shift
    echo "  $CC $*" | sed "s|$top/||g; s|$outdir/|OUTDIR/|g"
    "$CC" "$@" || die "building $target failed (command above)"
}

for src in "$here"/data/*.c; do
    [ -e "$src" ] || continue
    name=$(basename "$src" .c)
    echo "PE DLL   $name.dll"
    # A fixed preferred base keeps the image layout reproducible; no CRT, no imports.
    compile "$name.dll" $CFLAGS -shared -nostdlib -Wl,--entry,DllMain -Wl,--image-base,0x6f100000 \
        -o "$outdir/$name.dll" "$src"
done

support=
for src in "$here"/_*.c; do
    [ -e "$src" ] && support="$support $src"
done

: > "$outdir/pe-tests.list.tmp"
count=0
for src in "$here"/*.c; do
    name=$(basename "$src" .c)
    case $name in _*) continue ;; esac
    echo "PE TEST  $name.exe"
    compile "$name.exe" $CFLAGS -idirafter "$wine_include" -DSTANDALONE -o "$outdir/$name.exe" "$src" $support $LDFLAGS
    echo "$name" >> "$outdir/pe-tests.list.tmp"
    count=$((count + 1))
done
mv "$outdir/pe-tests.list.tmp" "$outdir/pe-tests.list"

echo "PE DEMO  ntdll-mm-demo.exe"
compile ntdll-mm-demo.exe -O2 -Wall -std=gnu11 -o "$outdir/ntdll-mm-demo.exe" "$top/demo/ntdll-mm-demo.c" $LDFLAGS -ladvapi32

echo "built $count test programs (listed in pe-tests.list), the demo and the helper DLLs in $outdir"

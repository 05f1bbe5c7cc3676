#!/bin/sh
# ntdll-mm: the layers hold, run by make check from the build directory.
#   1. No host file (dlls/ntdll-mm/standalone/, dlls/ntdll-mm/wine/) includes a header of the core
#      (dlls/ntdll-mm/core/) or of the OS layer (dlls/ntdll-mm/os/): a host talks to the core
#      through host.h only.
#   2. The build enforces it: each of those headers, compiled as a host file would be (without
#      NTDLL_MM_CORE, even with their folders on the include path), stops with its #error.
#   3. libntdll-mm.so exports exactly the public API: the ntdll_mm_* functions of
#      include/ntdll-mm.h and the Nt* calls the library defines, nothing else.
# Environment: srcdir (the source tree), CC, WINE_INCLUDE (from make check).
# SPDX-License-Identifier: LGPL-2.1-or-later
srcdir=${srcdir:-.}
CC=${CC:-cc}
mm="$srcdir/dlls/ntdll-mm"
status=0

fail()
{
    echo "FAIL: $*"
    status=1
}

private_headers=$(cd "$mm" && ls core/*.h os/*.h)
[ -n "$private_headers" ] || fail "no core or OS headers found under $mm"

# 1. includes
for h in $private_headers; do
    name=$(basename "$h")
    hits=$(grep -rln "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"\([^\"]*/\)\{0,1\}$name\"" \
           "$mm/standalone" "$mm/wine" 2>/dev/null)
    [ -z "$hits" ] || fail "$h included by host file(s): $hits"
done

# 2. the #error of every private header, in a host's compilation
tmp=$(mktemp -d /tmp/ntdll-mm-layout.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for h in $private_headers; do
    printf '#include "%s"\n' "$(basename "$h")" > "$tmp/probe.c"
    if $CC -fsyntax-only -DWINE_UNIX_LIB -D_GNU_SOURCE -I"$srcdir/include" -I"$mm" -I"$mm/core" -I"$mm/os" \
           -I"$WINE_INCLUDE" "$tmp/probe.c" > "$tmp/out" 2>&1; then
        fail "$h compiles in a host file"
    elif ! grep -q "a host includes host.h only" "$tmp/out"; then
        fail "$h fails in a host file, but not with its #error:"
        head -n 5 "$tmp/out"
    fi
done
# ... and compiles in the core's
printf '#include "vad.h"\n#include "os.h"\n' > "$tmp/probe.c"
$CC -fsyntax-only -DNTDLL_MM_CORE -DWINE_UNIX_LIB -D_GNU_SOURCE -I"$srcdir/include" -I"$mm" -I"$mm/core" -I"$mm/os" \
    -I"$WINE_INCLUDE" "$tmp/probe.c" > "$tmp/out" 2>&1 || { fail "core headers do not compile in the core"; cat "$tmp/out"; }

# 3. exports
lib=.libs/libntdll-mm.so
if [ ! -f "$lib" ]; then
    fail "$lib not built"
else
    nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ { print $3 }' | sort -u > "$tmp/exported"
    {
        grep -o '\<ntdll_mm_[a-z_]*[[:space:]]*(' "$srcdir/include/ntdll-mm.h" | sed 's/[[:space:]]*($//'
        cat "$mm"/core/*.c "$mm"/standalone/*.c | grep -o '^[A-Za-z_][A-Za-z_]* WINAPI Nt[A-Za-z]*' | awk '{ print $3 }'
    } | sort -u > "$tmp/expected"
    extra=$(comm -23 "$tmp/exported" "$tmp/expected" | tr '\n' ' ')
    missing=$(comm -13 "$tmp/exported" "$tmp/expected" | tr '\n' ' ')
    [ -z "$extra" ] || fail "$lib exports symbols outside the public API: $extra"
    [ -z "$missing" ] || fail "$lib does not export public API: $missing"
    echo "exports: $(wc -l < "$tmp/exported") symbols, the public API"
fi

[ $status = 0 ] && echo "layout: host files include host.h only, private headers refuse hosts, exports are the public API"
exit $status

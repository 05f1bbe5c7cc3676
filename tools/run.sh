#!/bin/bash
# ntdll-mm: the main job.  Runs a Windows program under Wine with the ntdll-mm overlay ntdll.so
# (or stock Wine with --stock).  Without a program, builds and runs the bundled demo
# (demo/ntdll-mm-demo.c).  The Wine is Debian 12's Wine 8.0 unless --wine 10.0 asks for
# Debian 13's (run from a Debian 13 root the harness makes).  First use installs packages and
# builds what it needs (a few minutes, with progress); later runs reuse the cache
# (${NTDLL_MM_CACHE:-/var/cache/ntdll-mm}).
#   tools/run.sh                          the demo under the overlay, Wine 8.0
#   tools/run.sh --stock                  the demo under stock Wine 8.0
#   tools/run.sh --wine 10.0 [--stock]    the demo under Wine 10.0
#   tools/run.sh [--wine V] [--stock] prog.exe [args...]
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
mode=()
while [ $# -gt 0 ]; do
    case "$1" in
        --stock|--ntdll-mm) mode=("$1"); shift ;;
        --wine) export NTDLL_MM_WINE="${2:?--wine needs a version: 8.0 or 10.0}"; shift 2 ;;
        -h|--help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
        --) shift; break ;;
        -*) echo "tools/run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
        *) break ;;
    esac
done
wine="${NTDLL_MM_WINE:-$( . /etc/os-release; [ "${VERSION_CODENAME:-}" = trixie ] && echo 10.0 || echo 8.0 )}"
if [ $# -eq 0 ]; then
    echo "== [$(date +%H:%M:%S)] preparing Wine $wine and the overlay (cached after the first run)" >&2
    bash "$src/tests/wine/setup.sh" >&2
    out="${NTDLL_MM_BUILD:-$src/build}/pe"
    echo "== [$(date +%H:%M:%S)] the demo, built with MinGW into $out when it changed" >&2
    if command -v "${MINGW_CC:-x86_64-w64-mingw32-gcc}" >/dev/null 2>&1; then
        sh "$src/tests/pe/build.sh" --demo "$out" >&2
    else
        # MinGW came with the harness's packages into the Debian root (Wine 10.0 on Debian 12)
        mkdir -p "$out"
        bash "$src/tests/wine/root.sh" run trixie "$src" "$out" -- sh "$src/tests/pe/build.sh" --demo "$out" >&2
    fi
    set -- "$out/ntdll-mm-demo.exe"
fi
exec bash "$src/tests/wine/run.sh" "${mode[@]}" -- "$@"

#!/bin/bash
# ntdll-mm: the main job.  Runs a Windows program under Wine 8.0 with the ntdll-mm overlay
# ntdll.so (or stock Wine with --stock).  Without a program, builds and runs the bundled
# demo (demo/ntdll-mm-demo.c).  First use installs packages and builds what it needs
# (a few minutes, with progress); later runs reuse the cache (${NTDLL_MM_CACHE:-/var/cache/ntdll-mm}).
#   tools/run.sh                     the demo under the overlay
#   tools/run.sh --stock             the demo under stock Wine 8.0
#   tools/run.sh [--stock] prog.exe [args...]
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
mode=()
if [ "${1:-}" = "--stock" ] || [ "${1:-}" = "--ntdll-mm" ]; then
    mode=("$1")
    shift
fi
if [ $# -eq 0 ]; then
    echo "== [$(date +%H:%M:%S)] preparing Wine 8.0 and the overlay (cached after the first run)" >&2
    env_out=$(bash "$src/tests/wine/setup.sh" --print-env)
    eval "$env_out"
    out="${NTDLL_MM_BUILD:-$src/build}/pe"
    echo "== [$(date +%H:%M:%S)] building the demo with MinGW into $out" >&2
    sh "$src/tests/pe/build.sh" "$NTDLL_MM_WINE_SRC" "$out" >&2
    set -- "$out/ntdll-mm-demo.exe"
fi
exec bash "$src/tests/wine/run.sh" "${mode[@]}" -- "$@"

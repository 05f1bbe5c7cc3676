#!/bin/bash
# Runs a Windows program under the ntdll-mm overlay (default) or stock Wine (8.0, or
# NTDLL_MM_WINE's), setting the harness up on first use (progress on stderr; later runs reuse the
# cache).
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/wine/run.sh [--stock | --ntdll-mm] [--hook PATH] [--] PROGRAM [ARGS...]
#   --stock     the installed Wine (/usr/lib/wine/wine64)
#   --ntdll-mm  the overlay: installed Wine with ntdll.so built through the hook (default)
#   --hook PATH the hook to build the overlay's ntdll.so with (default $NTDLL_MM_HOOK or hooks/ntdll-mm.sh)
# PROGRAM is a Unix path to a .exe or a program in the Wine prefix (e.g. cmd, notepad).
# WINEDEBUG defaults to -all; the Wine prefix is the harness's (one per build), unless
# NTDLL_MM_RUN_PREFIX names another. The exit status is the program's.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

orig_args=("$@")
build=ntdll-mm
setup_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --stock) build=stock ;;
        --ntdll-mm|--overlay) build=ntdll-mm ;;
        --hook) setup_args+=(--hook "$2"); shift ;;
        --) shift; break ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) break ;;
    esac
    shift
done
[ $# -ge 1 ] || die "usage: $0 [--stock | --ntdll-mm] [--hook PATH] PROGRAM [ARGS...]"
# a program given by its path: its directory is needed inside a Debian root too
case "$1" in */*) root_bind "$(cd "$(dirname "$1")" 2>/dev/null && pwd)" ;; esac
enter_wine_root "$0" "${orig_args[@]}"

env_out=$(NTDLL_MM_QUIET=1 bash "$here/setup.sh" --print-env "${setup_args[@]}") || die "setup failed (see above)"
eval "$env_out"

if [ $build = stock ]; then
    loader="$NTDLL_MM_STOCK_LOADER"; prefix="$NTDLL_MM_PREFIX_STOCK"; other="$NTDLL_MM_PREFIX_OVERLAY"
else
    loader="$NTDLL_MM_OVERLAY_LOADER"; prefix="$NTDLL_MM_PREFIX_OVERLAY"; other="$NTDLL_MM_PREFIX_STOCK"
fi
prefix="${NTDLL_MM_RUN_PREFIX:-$prefix}"
# Switching loaders: stop the other build's server (and with a custom prefix, this one's too,
# which may still run background processes started by the other loader). Not while a
# check-wine is using the prefixes: wait for it.
exec 8>"$CACHE_DIR/run.lock"
if ! flock -n 8; then
    say "waiting for a check-wine run to finish ($CACHE_DIR/run.lock)"
    flock 8
fi
WINEPREFIX="$other" "$NTDLL_MM_WINESERVER" -k >/dev/null 2>&1 8>&- || true
if [ -n "${NTDLL_MM_RUN_PREFIX:-}" ]; then
    WINEPREFIX="$prefix" "$NTDLL_MM_WINESERVER" -k >/dev/null 2>&1 8>&- || true
fi
exec 8>&-
export WINEPREFIX="$prefix"
export WINEDEBUG="${WINEDEBUG:--all}"
exec "$loader" "$@"

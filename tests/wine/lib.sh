# Shared settings and helpers for the Wine 8.0 harness scripts (sourced, not run).
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Everything expensive lives in the cache, outside the checkout:
#   ${NTDLL_MM_CACHE:-/var/cache/ntdll-mm}/wine-<debian version>-r<recipe>/
# See docs/wine-harness.md for the layout.

# shellcheck disable=SC2034  # the variables below are used by the scripts sourcing this file
# Pinned Wine: the overlay's ntdll.so must match the installed PE side and wineserver exactly.
WINE_DEB_VERSION="8.0~repack-4"
# Bump when the way the tree is prepared/configured/built changes: it invalidates the cache.
HARNESS_RECIPE=1

WINE_RUNTIME_PKGS=(wine64 wine libwine libwine-dev wine64-preloader)
WINE_BUILD_DEPS=(build-essential dpkg-dev gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 libz-mingw-w64-dev
                 autoconf flex bison libunwind-dev khronos-api libvulkan-dev libxml-libxml-perl
                 python3 unzip xz-utils debian-archive-keyring)

# Installed (stock) Wine.
STOCK_BINDIR=/usr/lib/wine
STOCK_LOADER=$STOCK_BINDIR/wine64
STOCK_SERVER=$STOCK_BINDIR/wineserver64
STOCK_DLLDIR=/usr/lib/x86_64-linux-gnu/wine
STOCK_DATADIR=/usr/share/wine

WINE_TESTS_DIR_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NTDLL_MM_SRCDIR="$(cd "$WINE_TESTS_DIR_HERE/../.." && pwd)"

NTDLL_MM_CACHE="${NTDLL_MM_CACHE:-/var/cache/ntdll-mm}"
CACHE_KEY="wine-${WINE_DEB_VERSION}-r${HARNESS_RECIPE}"
CACHE_DIR="$NTDLL_MM_CACHE/$CACHE_KEY"
DL_DIR="$CACHE_DIR/download"            # .dsc + tarballs from apt-get source
BASE_TREE="$CACHE_DIR/base"              # unpacked, prepared, configured; builds tests + stock ntdll.so
PRISTINE_NTDLL="$CACHE_DIR/pristine-ntdll"  # dlls/ntdll sources as unpacked (input of every hook)
HOOK_TREE="$CACHE_DIR/hooktree"          # copy of BASE_TREE into which hooks place their sources
NTDLL_STORE="$CACHE_DIR/ntdll"           # ntdll/<hash>/ntdll.so
OVERLAY_STORE="$CACHE_DIR/overlay"       # overlay/<hash>/{lib,share}
TESTBIN_DIR="$CACHE_DIR/testbin"         # kernel32_test.exe, ntdll_test.exe, kernelbase_test.exe
PREFIX_STOCK="$CACHE_DIR/prefix-stock"
# PREFIX_OVERLAY is per hook: $CACHE_DIR/prefix-<hook name> (set by setup.sh)
STAMPS="$CACHE_DIR/stamps"

# Default hook: ntdll-mm (our core + Wine host in place of dlls/ntdll/unix/virtual.c).
# hooks/identity.sh places Wine's own virtual.c instead: stock and overlay must then match.
NTDLL_MM_HOOK="${NTDLL_MM_HOOK:-$WINE_TESTS_DIR_HERE/hooks/ntdll-mm.sh}"
# How the overlay's rows must relate to stock's (baseline-check.sh): "match" for the identity
# hook, "improve" (todos may be fixed, real failures must stay 0) for every other hook.
default_overlay_check() {
    case "$(basename "$NTDLL_MM_HOOK")" in identity|identity.sh) echo match ;; *) echo improve ;; esac
}

# Debian's python3 and tools first (pyenv shims etc. may shadow them).
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
export LC_ALL=C

# Times are relative to the first harness script of this run (ci.sh -> setup.sh -> ...).
_t0_script="${NTDLL_MM_T0:-$(date +%s.%N)}"
export NTDLL_MM_T0="$_t0_script"
_elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# Progress goes to stderr so that run.sh keeps the program's stdout clean.
say() { printf '[wine-harness %6ss] %s\n' "$(_elapsed "$_t0_script")" "$*" >&2; }
# Messages about reused cache entries; NTDLL_MM_QUIET=1 (run.sh) hides them.
say_cached() { [ "${NTDLL_MM_QUIET:-0}" = 1 ] || say "$@"; }
die() { printf '[wine-harness] ERROR: %s\n' "$*" >&2; exit 1; }

# step NAME COMMAND...: runs COMMAND with its output in a log; on failure names the step and
# shows the end of the log.
STEP_LOG_DIR="${STEP_LOG_DIR:-$CACHE_DIR/logs}"
step() {
    local name="$1"; shift
    local t0 log rc
    t0=$(date +%s.%N)
    mkdir -p "$STEP_LOG_DIR"
    log="$STEP_LOG_DIR/$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.-' '_').log"
    say "step '$name' ..."
    set +e
    ( set -euo pipefail; "$@" ) >"$log" 2>&1
    rc=$?
    set -e
    if [ $rc -ne 0 ]; then
        printf '[wine-harness] ---- last lines of %s ----\n' "$log" >&2
        tail -n 40 "$log" >&2
        die "step '$name' FAILED (exit $rc) after $(_elapsed "$t0") s; full log: $log"
    fi
    say "step '$name' done in $(_elapsed "$t0") s"
}

stamp_ok()  { [ -f "$STAMPS/$1" ]; }
stamp_set() { mkdir -p "$STAMPS"; date -u +%FT%TZ > "$STAMPS/$1"; }
stamp_clear() { rm -f "$STAMPS/$1"; }

# Serialise harness runs that share a cache (two make check-wine at once, CI + developer).
take_cache_lock() {
    mkdir -p "$CACHE_DIR"
    exec 9>"$CACHE_DIR/lock"
    if ! flock -n 9; then
        say "waiting for another harness run holding $CACHE_DIR/lock"
        flock 9
    fi
}

# The overlay for the current hook hash (set by setup.sh; recorded in $CACHE_DIR/current-hash).
overlay_loader() { echo "$OVERLAY_STORE/$1/lib/wine/wine64"; }

# Shared settings and helpers for the Wine harness scripts (sourced, not run).
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Everything expensive lives in the cache, outside the checkout:
#   ${NTDLL_MM_CACHE:-/var/cache/ntdll-mm}/wine-<debian version>-r<recipe>/
#   ${NTDLL_MM_CACHE:-/var/cache/ntdll-mm}/debian-<release>-r<recipe>/  (another Debian's root)
# See docs/wine-harness.md for the layout.

# shellcheck disable=SC2034  # the variables below are used by the scripts sourcing this file

# Which Wine: NTDLL_MM_WINE (8.0 or 10.0), by default the one this system's Debian release
# ships.  Each is Debian's own package, pinned: the overlay's ntdll.so must match the installed
# PE side and wineserver exactly.  A Wine that this system's release does not ship runs from a
# root of the release that does (enter_wine_root below).
host_suite() { ( . /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-unknown}" ); }
if [ -z "${NTDLL_MM_WINE:-}" ]; then
    case "$(host_suite)" in trixie) NTDLL_MM_WINE=10.0 ;; *) NTDLL_MM_WINE=8.0 ;; esac
fi
case "$NTDLL_MM_WINE" in
    8.0)  WINE_DEB_VERSION="8.0~repack-4";  WINE_SUITE=bookworm ;;
    10.0) WINE_DEB_VERSION="10.0~repack-6"; WINE_SUITE=trixie ;;
    *) printf '[wine-harness] ERROR: NTDLL_MM_WINE=%s: the harness knows Wine 8.0 and 10.0\n' "$NTDLL_MM_WINE" >&2
       exit 2 ;;
esac
export NTDLL_MM_WINE
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
# The stock rows every run must reproduce (baseline-check.sh), one file per Wine.
BASELINE="$WINE_TESTS_DIR_HERE/baseline-$NTDLL_MM_WINE.tsv"
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

# The first Debian (non-security) archive URI configured on this machine.
debian_mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
          awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp|file):/) { print $i; exit } }' |
          grep -v -- '-security' | head -n1 || true)
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
              sed -n 's/^[Uu][Rr][Ii][Ss]:[[:space:]]*//p' | tr ' ' '\n' | grep -v '^$' |
              grep -v -- '-security' | head -n1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}

# ---- another Debian release's Wine ------------------------------------------------------------
# Debian 13's Wine 10.0 needs glibc 2.38; Debian 12 has 2.36.  So on a system whose release does
# not ship the requested Wine, a harness script runs itself again inside a root of the release
# that does (debootstrap, kept in the cache), where everything else works as on such a system:
# Debian's packages installed there, Debian's source built there.  The checkout, the cache and
# the directories a script names (root_bind) appear inside at the same paths, in a mount
# namespace of the script's own (nothing stays mounted when it ends).
DEBIAN_ROOT_RECIPE=1
DEBIAN_ROOT="$NTDLL_MM_CACHE/debian-$WINE_SUITE-r$DEBIAN_ROOT_RECIPE"
ROOT_BINDS=()
root_bind() { local d; for d in "$@"; do ROOT_BINDS+=("$d"); done; }
# enter_wine_root SCRIPT ARGS...: returns when this system ships the requested Wine (or when
# already inside the root); otherwise runs SCRIPT ARGS inside the root and exits with its status.
enter_wine_root() {
    [ "${NTDLL_MM_IN_ROOT:-0}" = 1 ] && return 0
    [ "$(host_suite)" = "$WINE_SUITE" ] && return 0
    local script="$1"; shift
    [ "$(id -u)" = 0 ] || die "Wine $NTDLL_MM_WINE runs from a Debian $WINE_SUITE root here: needs root"
    bash "$WINE_TESTS_DIR_HERE/root.sh" ensure "$WINE_SUITE" || die "no Debian $WINE_SUITE root"
    exec bash "$WINE_TESTS_DIR_HERE/root.sh" run "$WINE_SUITE" \
        "$NTDLL_MM_SRCDIR" "$NTDLL_MM_CACHE" "$PWD" "${ROOT_BINDS[@]}" -- bash "$script" "$@"
}

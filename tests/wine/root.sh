#!/bin/bash
# A Debian root of another release, for a Wine this system's release does not ship (Debian 13's
# Wine 10.0 on Debian 12). Made once with debootstrap into the cache; the harness scripts run
# themselves inside it (lib.sh, enter_wine_root) and do there what they do on such a system.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/wine/root.sh ensure SUITE
#          make the root of Debian SUITE (trixie) unless the cache has it
#        tests/wine/root.sh run SUITE DIR... -- COMMAND [ARGS...]
#          run COMMAND inside it, in a mount namespace of its own: /proc, /dev and /sys, and
#          each host directory DIR at the same path (created inside as needed); the exit status
#          is COMMAND's
#        tests/wine/root.sh shell SUITE   an interactive shell inside (the checkout and the cache bound)
# Needs root. Environment: NTDLL_MM_CACHE.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:-}"
suite="${2:-}"
[ -n "$cmd" ] && [ -n "$suite" ] || { sed -n '7,15p' "$0" >&2; exit 2; }
case "$suite" in trixie) NTDLL_MM_WINE=10.0 ;; bookworm) NTDLL_MM_WINE=8.0 ;; *) echo "root.sh: unknown suite '$suite'" >&2; exit 2 ;; esac
export NTDLL_MM_WINE
# shellcheck source=lib.sh
. "$here/lib.sh"
[ "$(id -u)" = 0 ] || die "root.sh needs root"
root="$DEBIAN_ROOT"

make_root() {
    local mirror
    mirror=$(debian_mirror)
    rm -rf --one-file-system "$root.tmp"
    debootstrap --variant=minbase "$suite" "$root.tmp" "$mirror"
    # the root's own apt sources: the same mirror, the suite's main component
    echo "deb $mirror $suite main" > "$root.tmp/etc/apt/sources.list"
    cp /etc/resolv.conf "$root.tmp/etc/resolv.conf" 2>/dev/null || true
    echo "$suite $(date -u +%FT%TZ)" > "$root.tmp/.ntdll-mm-root"
    mv "$root.tmp" "$root"
}

case "$cmd" in
ensure)
    [ -f "$root/.ntdll-mm-root" ] && { say_cached "step 'Debian $suite root': cached in $root"; exit 0; }
    mkdir -p "$NTDLL_MM_CACHE"
    exec 7>"$NTDLL_MM_CACHE/debian-$suite.lock"
    flock 7
    [ -f "$root/.ntdll-mm-root" ] && exit 0
    if ! command -v debootstrap >/dev/null; then
        step "install debootstrap" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
    fi
    step "Debian $suite root (debootstrap into $root)" make_root
    ;;
run|shell)
    shift 2
    binds=()
    if [ "$cmd" = shell ]; then
        binds=("$NTDLL_MM_SRCDIR" "$NTDLL_MM_CACHE")
        set -- bash
    else
        while [ $# -gt 0 ] && [ "$1" != -- ]; do binds+=("$1"); shift; done
        [ $# -gt 1 ] || die "root.sh run: no command after --"
        shift
    fi
    [ -f "$root/.ntdll-mm-root" ] || die "no Debian $suite root in $root (root.sh ensure $suite)"
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    # The namespace's mounts go with it: nothing is left mounted on the host.
    export cwd="$PWD"
    exec unshare --mount --propagation private -- bash -c '
        set -e
        root=$1; shift
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --rbind /sys "$root/sys"
        while [ "$1" != -- ]; do
            d=$1; shift
            # the root keeps its own system: only directories of the checkout, cache and results
            case "$d" in
                /|/tmp|/root|/home|/var|/var/cache|/var/tmp|/work|/srv|/opt|/mnt|/media) continue ;;
                /bin|/bin/*|/boot|/boot/*|/dev|/dev/*|/etc|/etc/*|/lib*|/proc|/proc/*|/run|/run/*) continue ;;
                /sbin|/sbin/*|/sys|/sys/*|/usr|/usr/*|/var/lib|/var/lib/*) continue ;;
            esac
            [ -d "$d" ] || continue
            mkdir -p "$root$d"
            mountpoint -q "$root$d" || mount --bind "$d" "$root$d"
        done
        shift
        # in the directory the caller was in, when the root has it (a bound directory)
        exec chroot "$root" /usr/bin/env NTDLL_MM_IN_ROOT=1 /bin/bash -c "cd \"\$0\" 2>/dev/null || cd /; exec \"\$@\"" "$cwd" "$@"
    ' bash "$root" "${binds[@]}" -- "$@"
    ;;
*)
    sed -n '7,15p' "$0" >&2; exit 2 ;;
esac

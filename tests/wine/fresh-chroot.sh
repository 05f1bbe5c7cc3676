#!/bin/bash
# Proves the harness from zero: a fresh Debian 12 (debootstrap minbase chroot), a copy of this
# checkout in another directory, then tests/wine/ci.sh inside it with an empty cache.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/wine/fresh-chroot.sh [--ci] [CHROOT_DIR]   (default /var/tmp/ntdll-mm-fresh-bookworm)
#   --ci  run the project's whole CI entry point (.ci/run, i.e. README's test command) from a
#         clean git clone of the committed HEAD, instead of only tests/wine/ci.sh
#   Needs root and about 4 GB; CHROOT_DIR is deleted and recreated. Installs debootstrap on the
#   host if missing. The chroot is kept afterwards (results in CHROOT_DIR/root/clone/wine-results);
#   delete it with: rm -rf --one-file-system CHROOT_DIR (nothing is mounted there after this script).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

whole_ci=0
if [ "${1:-}" = "--ci" ]; then
    whole_ci=1
    shift
fi
root="${1:-/var/tmp/ntdll-mm-fresh-bookworm}"
[ "$(id -u)" = 0 ] || die "needs root"
case "$root" in /*) ;; *) die "CHROOT_DIR must be absolute" ;; esac
[ "$root" != / ] || die "refusing /"

umount_all() {
    local m
    for m in dev/pts dev proc sys; do
        mountpoint -q "$root/$m" && { umount -R "$root/$m" 2>/dev/null || umount -R -l "$root/$m"; }
    done
    if mountpoint -q "$root"; then umount -R "$root" 2>/dev/null || umount -R -l "$root"; fi
    return 0
}
trap umount_all EXIT

if ! command -v debootstrap >/dev/null; then
    step "install debootstrap (host)" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
fi
umount_all
rm -rf --one-file-system "$root"
mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^[Uu][Rr][Ii][Ss]:[[:space:]]*//p' |
         tr ' ' '\n' | grep -v -- '-security' | grep . | head -n1 || true)
step "debootstrap bookworm (minbase)" debootstrap --variant=minbase bookworm "$root" \
    "${mirror:-http://deb.debian.org/debian}"

cp /etc/resolv.conf "$root/etc/resolv.conf"
# a machine's / is a mount point, a chroot's directory is not: make it one (private), so that
# what needs a private mount namespace (the Debian 13 root, the noexec test) works as on a machine
mount --bind "$root" "$root"
mount --make-private "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"

if [ $whole_ci = 1 ]; then
    # exactly what CI gets: a clone of the committed tree, nothing untracked
    step "git clone HEAD" git clone -q "$NTDLL_MM_SRCDIR" "$root/root/clone/src"
    say "running .ci/run inside $root (empty cache, fresh machine)"
    t=$(date +%s.%N)
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb CI=true \
        bash -c 'cd /root/clone/src && bash .ci/run' || die ".ci/run failed inside the fresh chroot"
    say "fresh Debian 12: .ci/run passed in $(_elapsed "$t") s"
    exit 0
fi

# A copy of the checkout, without build products of the host.
# A copy of the checkout, without build products of the host.
mkdir -p "$root/root/clone/src"
(cd "$NTDLL_MM_SRCDIR" && tar --exclude=./.git --exclude=./wine-results --exclude=./_build -cf - .) |
    tar -C "$root/root/clone/src" -xf -

say "running tests/wine/ci.sh inside $root (empty cache)"
t=$(date +%s.%N)
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
    bash -c 'cd /root/clone && bash src/tests/wine/ci.sh' || die "ci.sh failed inside the fresh chroot"
say "fresh Debian 12: ci.sh passed in $(_elapsed "$t") s"

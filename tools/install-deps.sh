#!/bin/bash
# Install what building and testing ntdll-mm needs on Debian 12 (run as root; idempotent).
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
WINE_VERSION=8.0~repack-4
pkgs=(build-essential autoconf automake libtool pkg-config
      libwine-dev=$WINE_VERSION libwine=$WINE_VERSION
      gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 strace)
missing=()
for p in "${pkgs[@]}"; do
    name=${p%%=*}; want=${p#*=}
    have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
    case "$have" in
        "install ok installed"*) [ "$want" = "$p" ] || [ "${have##* }" = "$want" ] || missing+=("$p") ;;
        *) missing+=("$p") ;;
    esac
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

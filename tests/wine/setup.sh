#!/bin/bash
# Wine harness setup: packages, Debian's Wine source, a 64-bit build of ntdll.so and the
# conformance tests, the hook tree, the overlay and the Wine prefixes (all cached).  The Wine is
# NTDLL_MM_WINE's (8.0 or 10.0; default: this system's), run from a Debian root when this
# system's release does not ship it (lib.sh).
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/wine/setup.sh [--print-env] [--hook PATH] [--no-packages]
#   --print-env   print shell assignments describing the result on stdout (progress goes to stderr)
#   --hook PATH   hook placing replacement sources into dlls/ntdll/unix (default: $NTDLL_MM_HOOK,
#                 else tests/wine/hooks/ntdll-mm.sh); see docs/wine-harness.md
#   --no-packages skip the apt-get step (packages known to be installed)
# Environment: NTDLL_MM_WINE, NTDLL_MM_CACHE (default /var/cache/ntdll-mm), NTDLL_MM_HOOK, NTDLL_MM_JOBS.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

orig_args=("$@")
print_env=0
do_packages=1
while [ $# -gt 0 ]; do
    case "$1" in
        --print-env) print_env=1 ;;
        --hook) NTDLL_MM_HOOK="$2"; shift ;;
        --hook=*) NTDLL_MM_HOOK="${1#--hook=}" ;;
        --no-packages) do_packages=0 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

[ "$(id -u)" = 0 ] || die "setup needs root (apt-get, $NTDLL_MM_CACHE)"
case "$NTDLL_MM_HOOK" in /*) ;; *) NTDLL_MM_HOOK="$PWD/$NTDLL_MM_HOOK" ;; esac
root_bind "$(dirname "$NTDLL_MM_HOOK")"
enter_wine_root "$0" --hook "$NTDLL_MM_HOOK" "${orig_args[@]}"
JOBS="${NTDLL_MM_JOBS:-$(nproc)}"
case "$NTDLL_MM_HOOK" in /*) ;; *) NTDLL_MM_HOOK="$PWD/$NTDLL_MM_HOOK" ;; esac
[ -e "$NTDLL_MM_HOOK" ] || die "hook '$NTDLL_MM_HOOK' does not exist"

# The overlay prefix belongs to the hook (see step 7).
HOOK_NAME=$(basename "$NTDLL_MM_HOOK"); HOOK_NAME=${HOOK_NAME%.sh}
PREFIX_OVERLAY="$CACHE_DIR/prefix-$HOOK_NAME"

take_cache_lock
say_cached "cache: $CACHE_DIR; hook: $NTDLL_MM_HOOK"

# ---------------------------------------------------------------------------------------------
# 1. Packages
pkg_version() { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null || true; }
packages_ok() {
    local p
    for p in "${WINE_RUNTIME_PKGS[@]}"; do
        [ "$(pkg_version "$p")" = "install ok installed $WINE_DEB_VERSION" ] || return 1
    done
    for p in "${WINE_BUILD_DEPS[@]}"; do
        case "$(pkg_version "$p")" in "install ok installed "*) ;; *) return 1 ;; esac
    done
}
install_packages() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    local pins=() p
    for p in "${WINE_RUNTIME_PKGS[@]}"; do pins+=("$p=$WINE_DEB_VERSION"); done
    apt-get install -y --no-install-recommends --allow-downgrades "${pins[@]}" "${WINE_BUILD_DEPS[@]}"
}
if [ $do_packages = 1 ]; then
    if packages_ok; then
        say_cached "step 'packages': pinned Wine $WINE_DEB_VERSION and build deps already installed"
    else
        step packages install_packages
        packages_ok || die "step 'packages': Wine $WINE_DEB_VERSION still not installed after apt-get"
    fi
fi

# ---------------------------------------------------------------------------------------------
# 2. Source package, through a private apt configuration (system lists and caches untouched)
fetch_source() {
    local apt_root="$CACHE_DIR/apt" mirror
    mirror=$(debian_mirror)
    rm -rf "$apt_root" "$DL_DIR.tmp"
    mkdir -p "$apt_root/sources.d" "$apt_root/lists/partial" "$apt_root/cache/archives/partial" "$DL_DIR.tmp"
    cat > "$apt_root/sources.d/wine-src.sources" <<EOF
Types: deb-src
URIs: $mirror
Suites: $WINE_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    cat "$apt_root/sources.d/wine-src.sources"
    local opts=(-o "Dir::Etc::SourceParts=$apt_root/sources.d" -o "Dir::State::Lists=$apt_root/lists"
                -o "Dir::Cache=$apt_root/cache")
    apt-get "${opts[@]}" update
    (cd "$DL_DIR.tmp" && apt-get "${opts[@]}" source --download-only "wine=$WINE_DEB_VERSION")
    ls -l "$DL_DIR.tmp"
    rm -rf "$DL_DIR" "$apt_root"
    mv "$DL_DIR.tmp" "$DL_DIR"
}
if stamp_ok download && [ -f "$DL_DIR/wine_$WINE_DEB_VERSION.dsc" ]; then
    say_cached "step 'source download': cached in $DL_DIR"
else
    step "source download" fetch_source
    stamp_set download
fi

# ---------------------------------------------------------------------------------------------
# 3. Unpack with Debian's patches, regenerate what the repack strips, configure
unpack_source() {
    rm -rf "$BASE_TREE" "$BASE_TREE.tmp" "$PRISTINE_NTDLL" "$HOOK_TREE"
    mkdir -p "$BASE_TREE.tmp"
    dpkg-source -x "$DL_DIR/wine_$WINE_DEB_VERSION.dsc" "$BASE_TREE.tmp/wine"
    mv "$BASE_TREE.tmp/wine" "$BASE_TREE"
    rm -rf "$BASE_TREE.tmp"   # dpkg-source leaves a copy of the orig tarball next to the tree
    # The input of every hook: dlls/ntdll's build description and unix sources, as shipped.
    mkdir -p "$PRISTINE_NTDLL/unix"
    cp -p "$BASE_TREE/dlls/ntdll/Makefile.in" "$PRISTINE_NTDLL/"
    cp -p "$BASE_TREE"/dlls/ntdll/unix/* "$PRISTINE_NTDLL/unix/"
}
prepare_tree() {
    cd "$BASE_TREE"
    # As debian/rules override_dh_auto_configure does (make_unicode replaced, see below).
    case "$NTDLL_MM_WINE" in
    8.0)
        ./debian/scripts/generate server/trace.generated make_requests
        ./debian/scripts/generate server/request.generated make_requests
        ./tools/make_requests
        (cd dlls/dsound && ./make_fir)
        (cd dlls/opengl32 && ./make_opengl)
        (cd dlls/winevulkan && ./make_vulkan -x /usr/share/vulkan/registry/vk.xml)
        ;;
    *)
        # 10.0's repack also strips the syscall tables (ntsyscalls.h), which make_specfiles makes
        ./tools/make_requests
        ./tools/make_specfiles
        (cd dlls/dsound && ./make_fir)
        (cd dlls/opengl32 && ./make_opengl)
        (cd dlls/winevulkan && ./make_vulkan -x /usr/share/vulkan/registry/vk.xml \
             -X /usr/share/vulkan/registry/video.xml)
        ;;
    esac
    # tools/make_unicode takes minutes; of its outputs only nls/*.nls matter here, and they are
    # byte-identical to the ones the pinned libwine package installs.
    cp -p "$STOCK_DATADIR"/nls/*.nls nls/
    # Its generated C tables and scripts are only needed by DLLs we do not build (gdi32, dwrite,
    # win32u, wineps.drv, kernelbase), but makedep must find them: placeholders.
    local f
    for f in dlls/gdi32/uniscribe/{direction,mirror,bracket,shaping,linebreak,indicsyllable}.c \
             dlls/dwrite/{direction,mirror,bracket,linebreak,scripts}.c dlls/dwrite/scripts.h \
             dlls/dwrite/shapers/arabic_table.c dlls/win32u/vertical.c dlls/wineps.drv/vertical.c \
             dlls/wineps.drv/direction.c dlls/kernelbase/kernelbase.rgs dlls/tzres/tzres.rc; do
        [ -e "$f" ] || echo "/* placeholder for a tools/make_unicode output (not built by the ntdll-mm harness) */" > "$f"
    done
    ln -sf /usr/share/misc/config.sub tools
    ln -sf /usr/share/misc/config.guess tools
    sed -n 's|^[[:space:]]*ln -sf \(\.\./\.\./[^ ]*\) \([^ ]*\)$|\1 \2|p' debian/rules |
        while read -r target link; do ln -sf "$target" "$link"; done
    rm -rf libs/zlib
    # Debian's disable/generated-data.patch drops these tests; re-add them, without generated.c
    # (its generator does not work with Wine 8 headers).
    local d
    for d in kernel32 ntdll; do
        grep -q "^WINE_CONFIG_MAKEFILE(dlls/$d/tests)" configure.ac ||
            sed -i "s|^WINE_CONFIG_MAKEFILE(dlls/$d)\$|&\nWINE_CONFIG_MAKEFILE(dlls/$d/tests)|" configure.ac
        grep -q "^WINE_CONFIG_MAKEFILE(dlls/$d/tests)" configure.ac
        sed -i '/^[[:space:]]*generated\.c[[:space:]]*\\$/d' "dlls/$d/tests/Makefile.in"
        if grep -q 'generated\.c' "dlls/$d/tests/Makefile.in"; then
            echo "could not drop generated.c from dlls/$d/tests/Makefile.in"; return 1
        fi
    done
    autoreconf -fi
}
configure_tree() {
    cd "$BASE_TREE"
    local cflags
    # Debian's compiler flags for the amd64 build (debian/rules).
    cflags=$(DEB_BUILD_MAINT_OPTIONS="hardening=+all,-fortify,-stackprotector,-format optimize=-lto" \
             DEB_CFLAGS_MAINT_APPEND="-Wno-array-bounds -Wno-unused-function -Wno-format" \
             dpkg-buildflags --get CFLAGS)
    ./configure --enable-win64 --with-mingw --without-x --without-freetype --without-gnutls \
        --without-oss --without-sane --without-netapi --enable-werror \
        --libdir=/usr/lib/x86_64-linux-gnu/wine --bindir=/usr/lib/wine --mandir=/usr/share/man \
        --includedir=/usr/include/wine --datarootdir=/usr/share/wine \
        LDFLAGS="" CFLAGS="$cflags" ZLIB_PE_LIBS=z
}
# Debian's version string: "wine-8.0 (Debian 8.0~repack-4)".
export VENDOR="Debian $WINE_DEB_VERSION"
build_base() {
    cd "$BASE_TREE"
    make -j"$JOBS" dlls/ntdll/ntdll.so dlls/kernel32/tests/x86_64-windows/kernel32_test.exe \
        dlls/ntdll/tests/x86_64-windows/ntdll_test.exe
    rm -rf "$TESTBIN_DIR"; mkdir -p "$TESTBIN_DIR"
    cp dlls/kernel32/tests/x86_64-windows/kernel32_test.exe dlls/ntdll/tests/x86_64-windows/ntdll_test.exe \
        "$TESTBIN_DIR/"
    # Optional: kernelbase's tests (kernelbase:process).
    if make -j"$JOBS" dlls/kernelbase/tests/x86_64-windows/kernelbase_test.exe; then
        cp dlls/kernelbase/tests/x86_64-windows/kernelbase_test.exe "$TESTBIN_DIR/"
    else
        echo "kernelbase_test.exe did not build: skipped"
    fi
    ls -l "$TESTBIN_DIR"
}
if stamp_ok base-built && [ -d "$BASE_TREE" ]; then
    say_cached "step 'wine build': cached in $BASE_TREE"
else
    stamp_clear base-built; stamp_clear hooktree
    step "unpack (dpkg-source -x)" unpack_source
    step "regenerate stripped files + autoreconf" prepare_tree
    step "configure (64-bit)" configure_tree
    step "build ntdll.so + test executables" build_base
    stamp_set base-built
fi
[ -f "$TESTBIN_DIR/kernelbase_test.exe" ] || say "note: kernelbase_test.exe was not built; kernelbase:process is skipped"

# ---------------------------------------------------------------------------------------------
# 4. Hook tree: a copy of the built tree in which hooks replace dlls/ntdll/unix sources
make_hooktree() {
    rm -rf "$HOOK_TREE" "$HOOK_TREE.tmp"
    cp -a "$BASE_TREE" "$HOOK_TREE.tmp"
    (cd "$PRISTINE_NTDLL" && find . -type f | LC_ALL=C sort) > "$HOOK_TREE.tmp/.ntdll-mm-placed"
    mv "$HOOK_TREE.tmp" "$HOOK_TREE"
}
if stamp_ok hooktree && [ -d "$HOOK_TREE" ]; then
    say_cached "step 'hook tree': cached in $HOOK_TREE"
else
    step "hook tree (copy of the build tree)" make_hooktree
    stamp_set hooktree
fi

# ---------------------------------------------------------------------------------------------
# 5. Run the hook into a staging copy of dlls/ntdll, hash the result, build ntdll.so if new
STAGE="$CACHE_DIR/stage"
run_hook() {
    rm -rf "$STAGE"; mkdir -p "$STAGE"
    cp -p "$PRISTINE_NTDLL/Makefile.in" "$STAGE/"
    cp -pr "$PRISTINE_NTDLL/unix" "$STAGE/unix"
    if [ -d "$NTDLL_MM_HOOK" ]; then
        # A directory hook: its files are copied over dlls/ntdll/unix.
        cp -r "$NTDLL_MM_HOOK"/. "$STAGE/unix/"
    elif [ -x "$NTDLL_MM_HOOK" ]; then
        # A script hook: HOOK UNIX_DIR, with the environment below.
        NTDLL_DIR="$STAGE" UNIX_DIR="$STAGE/unix" WINE_SRC="$BASE_TREE" NTDLL_MM_SRCDIR="$NTDLL_MM_SRCDIR" \
            "$NTDLL_MM_HOOK" "$STAGE/unix"
    else
        echo "hook '$NTDLL_MM_HOOK' is neither a directory nor an executable"; return 1
    fi
    [ -f "$STAGE/Makefile.in" ] || { echo "the hook removed dlls/ntdll/Makefile.in"; return 1; }
}
if [ "${NTDLL_MM_QUIET:-0}" = 1 ]; then
    ( set -euo pipefail; run_hook ) > "$STEP_LOG_DIR/hook.log" 2>&1 ||
        { cat "$STEP_LOG_DIR/hook.log" >&2; die "step 'hook' FAILED: $NTDLL_MM_HOOK"; }
else
    step "hook ($(basename "$NTDLL_MM_HOOK"))" run_hook
fi
HOOK_HASH=$( { echo "$CACHE_KEY"; cd "$STAGE" && find . -type f | LC_ALL=C sort | xargs -d '\n' sha256sum; } |
             sha256sum | cut -c1-16)
say_cached "hook sources hash: $HOOK_HASH"

sync_and_build_ntdll() {
    local f
    cd "$STAGE"
    find . -type f | LC_ALL=C sort > "$STAGE.list"
    # Remove files a previous hook placed that this one does not provide.
    while read -r f; do
        grep -qxF -- "$f" "$STAGE.list" || rm -f "$HOOK_TREE/dlls/ntdll/$f"
    done < "$HOOK_TREE/.ntdll-mm-placed"
    # Copy only what differs, so make rebuilds exactly the changed objects.
    local hdr_changed=0
    while read -r f; do
        if ! cmp -s "$f" "$HOOK_TREE/dlls/ntdll/$f"; then
            mkdir -p "$(dirname "$HOOK_TREE/dlls/ntdll/$f")"
            cp "$f" "$HOOK_TREE/dlls/ntdll/$f"
            echo "placed dlls/ntdll/${f#./}"
            case "$f" in *.h) hdr_changed=1 ;; esac
        fi
    done < "$STAGE.list"
    # makedep does not record which headers the hook's own sources include, so a changed header
    # would leave stale objects: rebuild every unix source the hook added or changed.
    if [ $hdr_changed = 1 ]; then
        while read -r f; do
            case "$f" in ./unix/*.c) ;; *) continue ;; esac
            cmp -s "$f" "$PRISTINE_NTDLL/$f" 2>/dev/null && continue
            rm -f "$HOOK_TREE/dlls/ntdll/${f%.c}.o"
        done < "$STAGE.list"
        echo "a header changed: the hook's unix objects are rebuilt"
    fi
    mv "$STAGE.list" "$HOOK_TREE/.ntdll-mm-placed"
    cd "$HOOK_TREE"
    make -j"$JOBS" dlls/ntdll/ntdll.so
    # ABI: every symbol the installed ntdll.so exports (other unix libraries import some of them)
    # must still be exported.
    nm -D --defined-only "$STOCK_DLLDIR/x86_64-unix/ntdll.so" | awk '{ print $3 }' | sort > "$STAGE.stock-syms"
    nm -D --defined-only dlls/ntdll/ntdll.so | awk '{ print $3 }' | sort > "$STAGE.syms"
    if [ -n "$(comm -23 "$STAGE.stock-syms" "$STAGE.syms")" ]; then
        echo "ntdll.so built through the hook lacks exports of the installed ntdll.so:"
        comm -23 "$STAGE.stock-syms" "$STAGE.syms"
        return 1
    fi
    if [ -n "$(comm -13 "$STAGE.stock-syms" "$STAGE.syms")" ]; then
        echo "note: extra exports (allowed):"; comm -13 "$STAGE.stock-syms" "$STAGE.syms"
    fi
    echo "exports: all $(wc -l < "$STAGE.stock-syms") of the installed ntdll.so present"
    rm -f "$STAGE.stock-syms" "$STAGE.syms"
    rm -rf "$NTDLL_STORE/$HOOK_HASH.tmp"; mkdir -p "$NTDLL_STORE/$HOOK_HASH.tmp"
    cp dlls/ntdll/ntdll.so "$NTDLL_STORE/$HOOK_HASH.tmp/ntdll.so"
    cp -r "$STAGE" "$NTDLL_STORE/$HOOK_HASH.tmp/sources"
    echo "$NTDLL_MM_HOOK" > "$NTDLL_STORE/$HOOK_HASH.tmp/hook"
    rm -rf "${NTDLL_STORE:?}/$HOOK_HASH"
    mv "$NTDLL_STORE/$HOOK_HASH.tmp" "$NTDLL_STORE/$HOOK_HASH"
}
if [ -f "$NTDLL_STORE/$HOOK_HASH/ntdll.so" ]; then
    say_cached "step 'hook ntdll.so': cached in $NTDLL_STORE/$HOOK_HASH"
else
    step "build hook ntdll.so" sync_and_build_ntdll
fi

# ---------------------------------------------------------------------------------------------
# 6. Overlay: the installed Wine with only ntdll.so replaced
OVERLAY="$OVERLAY_STORE/$HOOK_HASH"
make_overlay() {
    local o="$OVERLAY.tmp" f
    rm -rf "$o"
    mkdir -p "$o/lib/wine" "$o/lib/x86_64-linux-gnu/wine/x86_64-unix" "$o/share"
    # The loader finds ntdll.so relative to its own real path: real copies here.
    cp -p "$STOCK_BINDIR/wine64" "$o/lib/wine/wine64"
    cp -pL "$STOCK_BINDIR/wine64-preloader" "$o/lib/wine/wine64-preloader"
    ln -s "$STOCK_SERVER" "$o/lib/wine/wineserver"
    ln -s "$STOCK_SERVER" "$o/lib/wine/wineserver64"
    for f in "$STOCK_DLLDIR"/*; do
        case "$(basename "$f")" in x86_64-unix) ;; *) ln -s "$f" "$o/lib/x86_64-linux-gnu/wine/" ;; esac
    done
    for f in "$STOCK_DLLDIR"/x86_64-unix/*; do
        [ "$(basename "$f")" = ntdll.so ] || ln -s "$f" "$o/lib/x86_64-linux-gnu/wine/x86_64-unix/"
    done
    # A real copy: a symlink into a build tree would switch Wine into build-tree mode.
    cp "$NTDLL_STORE/$HOOK_HASH/ntdll.so" "$o/lib/x86_64-linux-gnu/wine/x86_64-unix/ntdll.so"
    ln -s "$STOCK_DATADIR" "$o/share/wine"
    rm -rf "$OVERLAY"
    mv "$o" "$OVERLAY"
}
if [ -x "$OVERLAY/lib/wine/wine64" ]; then
    say_cached "step 'overlay': cached in $OVERLAY"
else
    step "overlay" make_overlay
fi

# ---------------------------------------------------------------------------------------------
# 7. Wine prefixes (one per loader, so stock and overlay never share a wineserver)
make_prefix() {
    local prefix="$1" loader="$2"
    rm -rf "$prefix"
    # (9>&-: Wine's processes must not inherit the cache lock.)
    WINEPREFIX="$prefix" "$STOCK_SERVER" -k 2>/dev/null 9>&- || true
    env -u DISPLAY -u WAYLAND_DISPLAY WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" \
        timeout -k 10 300 "$loader" wineboot -i 9>&-
    WINEPREFIX="$prefix" timeout -k 10 120 "$STOCK_SERVER" -w 9>&-
    [ -f "$prefix/system.reg" ]
}
if stamp_ok prefix-stock && [ -f "$PREFIX_STOCK/system.reg" ]; then
    say_cached "step 'prefix (stock)': cached in $PREFIX_STOCK"
else
    step "prefix (stock)" make_prefix "$PREFIX_STOCK" "$STOCK_LOADER"
    stamp_set prefix-stock
fi
# One overlay prefix per hook (identity, ntdll-mm, ...), made by wineboot running on that hook's
# ntdll.so: it is made again whenever the hook's sources change, so every build proves wineboot.
if [ "$(cat "$STAMPS/prefix-$HOOK_NAME" 2>/dev/null)" = "$HOOK_HASH" ] && [ -f "$PREFIX_OVERLAY/system.reg" ]; then
    say_cached "step 'prefix ($HOOK_NAME)': cached in $PREFIX_OVERLAY"
else
    stamp_clear "prefix-$HOOK_NAME"
    step "prefix ($HOOK_NAME: wineboot on this ntdll.so)" make_prefix "$PREFIX_OVERLAY" "$(overlay_loader "$HOOK_HASH")"
    mkdir -p "$STAMPS"; echo "$HOOK_HASH" > "$STAMPS/prefix-$HOOK_NAME"
fi

# Keep the 20 most recently used hook builds and overlays.
touch "$NTDLL_STORE/$HOOK_HASH" "$OVERLAY"
for d in "$NTDLL_STORE" "$OVERLAY_STORE"; do
    # shellcheck disable=SC2012
    ls -1dt "$d"/*/ 2>/dev/null | tail -n +21 | xargs -r rm -rf
done

say_cached "setup complete (overlay $OVERLAY)"
if [ $print_env = 1 ]; then
    printf 'NTDLL_MM_HOOK_HASH=%q\n' "$HOOK_HASH"
    printf 'NTDLL_MM_OVERLAY=%q\n' "$OVERLAY"
    printf 'NTDLL_MM_OVERLAY_LOADER=%q\n' "$(overlay_loader "$HOOK_HASH")"
    printf 'NTDLL_MM_STOCK_LOADER=%q\n' "$STOCK_LOADER"
    printf 'NTDLL_MM_WINESERVER=%q\n' "$STOCK_SERVER"
    printf 'NTDLL_MM_PREFIX_STOCK=%q\n' "$PREFIX_STOCK"
    printf 'NTDLL_MM_PREFIX_OVERLAY=%q\n' "$PREFIX_OVERLAY"
    printf 'NTDLL_MM_WINE_SRC=%q\n' "$BASE_TREE"
    printf 'NTDLL_MM_TESTBIN=%q\n' "$TESTBIN_DIR"
fi

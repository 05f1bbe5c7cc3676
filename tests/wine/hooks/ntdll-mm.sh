#!/bin/bash
# ntdll-mm hook: builds Wine's ntdll.so with ntdll-mm's memory manager in place of
# dlls/ntdll/unix/virtual.c.
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright 2026 the ntdll-mm authors
#
# Hook interface (see docs/wine-harness.md): called as HOOK UNIX_DIR, where UNIX_DIR is a staging
# copy of dlls/ntdll/unix; NTDLL_DIR is its parent (its Makefile.in lists the unix sources);
# WINE_SRC is the prepared Wine tree (read-only); NTDLL_MM_SRCDIR is the ntdll-mm checkout.
#
# Which files: the lists of the checkout's Makefile.am, the one place they are written:
# MM_CONTRACT_FILES, MM_CORE_FILES, MM_OS_FILES, MM_WINE_FILES, and MM_WINE_<version>_FILES for
# the Wine version of WINE_SRC (its VERSION file: "Wine version 8.0" -> MM_WINE_8_0_FILES).
# What lands in UNIX_DIR, all in one folder (Wine's makedep lists unix/NAME.c):
#   dlls/ntdll-mm/core/NAME.c     -> mm_NAME.c      (the core; NTDLL_MM_CORE defined)
#   dlls/ntdll-mm/os/NAME.c       -> mmos_NAME.c    (the OS layer; NTDLL_MM_CORE defined)
#   dlls/ntdll-mm/wine/NAME.c     -> mmw_NAME.c     (the Wine host)
#   dlls/ntdll-mm/wine/VER/NAME.c -> mmwVER_NAME.c  (its part for this Wine version)
#   every .h of the lists, and include/ntdll-mm.h -> the same name (names are unique)
# Every placed .c starts with makedep's "unix side only" pragma, NTDLL_MM_WINE and
# NTDLL_MM_WINE_VERSION (major * 100 + minor).  virtual.c is
# removed and, in Makefile.in, the line "unix/virtual.c \" becomes the list of placed .c files.
set -euo pipefail

unix_dir="${1:?usage: $0 UNIX_DIR}"
: "${NTDLL_DIR:?NTDLL_DIR not set}"
: "${NTDLL_MM_SRCDIR:?NTDLL_MM_SRCDIR not set}"
: "${WINE_SRC:?WINE_SRC not set}"
makefile="$NTDLL_DIR/Makefile.in"
automake_file="$NTDLL_MM_SRCDIR/Makefile.am"

[ -f "$automake_file" ] || { echo "ntdll-mm hook: no $automake_file" >&2; exit 1; }
[ -f "$unix_dir/virtual.c" ] || { echo "ntdll-mm hook: $unix_dir/virtual.c missing (not a pristine unix dir?)" >&2; exit 1; }
grep -qx $'\tunix/virtual.c \\\\' "$makefile" || { echo "ntdll-mm hook: no 'unix/virtual.c' line in $makefile" >&2; exit 1; }

# the Wine version of the tree: "Wine version 8.0" -> 8_0
wine_version=$(sed -n 's/^Wine version \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1_\2/p' "$WINE_SRC/VERSION")
[ -n "$wine_version" ] || { echo "ntdll-mm hook: cannot read the Wine version from $WINE_SRC/VERSION" >&2; exit 1; }
# ... and as a number for the sources: major * 100 + minor (8.0 -> 800, 10.0 -> 1000)
wine_version_number=$(( ${wine_version%_*} * 100 + ${wine_version#*_} ))

# the files of one list of Makefile.am (NAME = \ one per line)
list_files() {
    awk -v name="$1" '
        $1 == name && $2 == "=" { on = 1; sub(/^[^=]*=/, ""); }
        on { cont = sub(/\\$/, ""); n = split($0, w, /[ \t]+/); for (i = 1; i <= n; i++) if (w[i] != "") print w[i]; if (!cont) on = 0 }
    ' "$automake_file"
}

version_files=$(list_files "MM_WINE_${wine_version}_FILES")
[ -n "$version_files" ] || { echo "ntdll-mm hook: no MM_WINE_${wine_version}_FILES in Makefile.am: Wine $wine_version has no host" >&2; exit 1; }

rm "$unix_dir/virtual.c"
# Wine's own unix sources: none of ours may take one of their names
wine_names=" $(cd "$unix_dir" && ls | tr '\n' ' ') "

placed=" "
sources=()
place() {   # place SRC DSTNAME [core]
    local src="$NTDLL_MM_SRCDIR/$1" dst="$2"
    [ -f "$src" ] || { echo "ntdll-mm hook: $1 (listed in Makefile.am) missing" >&2; exit 1; }
    case "$wine_names" in *" $dst "*) echo "ntdll-mm hook: $1 would overwrite Wine's unix/$dst" >&2; exit 1 ;; esac
    case "$placed" in *" $dst "*) echo "ntdll-mm hook: two files named unix/$dst ($1)" >&2; exit 1 ;; esac
    placed="$placed$dst "
    case "$dst" in
    *.c)
        {
            printf '#if 0\n#pragma makedep unix\n#endif\n#define NTDLL_MM_WINE 1\n#define NTDLL_MM_WINE_VERSION %s\n' \
                "$wine_version_number"
            [ "${3:-}" = core ] && printf '#define NTDLL_MM_CORE 1\n'
            cat "$src"
        } > "$unix_dir/$dst"
        sources+=("unix/$dst")
        ;;
    *)
        cp "$src" "$unix_dir/$dst"
        ;;
    esac
}

for f in $(list_files MM_CONTRACT_FILES) include/ntdll-mm.h; do place "$f" "$(basename "$f")"; done
for f in $(list_files MM_CORE_FILES); do
    case "$f" in *.c) place "$f" "mm_$(basename "$f")" core ;; *) place "$f" "$(basename "$f")" ;; esac
done
for f in $(list_files MM_OS_FILES); do
    case "$f" in *.c) place "$f" "mmos_$(basename "$f")" core ;; *) place "$f" "$(basename "$f")" ;; esac
done
for f in $(list_files MM_WINE_FILES); do
    case "$f" in *.c) place "$f" "mmw_$(basename "$f")" ;; *) place "$f" "$(basename "$f")" ;; esac
done
for f in $version_files; do
    case "$f" in *.c) place "$f" "mmw${wine_version//_/}_$(basename "$f")" ;; *) place "$f" "$(basename "$f")" ;; esac
done

list=$(printf '%s\n' "${sources[@]}")
awk -v files="$list" '$0 == "\tunix/virtual.c \\" {
        n = split(files, f, "\n")
        for (i = 1; i <= n; i++) printf "\t%s \\\n", f[i]
        next
    }
    { print }' "$makefile" > "$makefile.new"
mv "$makefile.new" "$makefile"
echo "ntdll-mm hook: Wine ${wine_version/_/.}: placed ${#sources[@]} sources: ${sources[*]}"

#!/bin/bash
# ntdll-mm hook: builds Wine 8.0's ntdll.so with ntdll-mm's memory manager in place of
# dlls/ntdll/unix/virtual.c.
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright 2026 the ntdll-mm authors
#
# Hook interface (see docs/wine-harness.md): called as HOOK UNIX_DIR, where UNIX_DIR is a staging
# copy of dlls/ntdll/unix; NTDLL_DIR is its parent (its Makefile.in lists the unix sources);
# WINE_SRC is the prepared Wine tree (read-only); NTDLL_MM_SRCDIR is the ntdll-mm checkout.
#
# What lands in UNIX_DIR:
#   dlls/ntdll-mm/NAME.c       -> mm_NAME.c    (the core; files whose first 20 lines contain the
#                                               marker "ntdll-mm: standalone-only", such as the
#                                               standalone host.c and section_object.c, stay out)
#   dlls/ntdll-mm/wine/NAME.c  -> mmw_NAME.c   (the Wine host)
#   dlls/ntdll-mm/*.h, dlls/ntdll-mm/wine/*.h, include/ntdll-mm.h  -> same names
# Every copied .c starts with makedep's "unix side only" pragma and NTDLL_MM_WINE.  virtual.c is
# removed and, in Makefile.in, the line "unix/virtual.c \" becomes the list of copied .c files.
set -euo pipefail

unix_dir="${1:?usage: $0 UNIX_DIR}"
: "${NTDLL_DIR:?NTDLL_DIR not set}"
: "${NTDLL_MM_SRCDIR:?NTDLL_MM_SRCDIR not set}"
core="$NTDLL_MM_SRCDIR/dlls/ntdll-mm"
host="$core/wine"
makefile="$NTDLL_DIR/Makefile.in"

# files of the core that only the standalone library uses say so themselves, near the top
standalone_marker='ntdll-mm: standalone-only'
is_standalone_only() { head -n 20 "$1" | grep -qF "$standalone_marker"; }

[ -d "$core" ] || { echo "ntdll-mm hook: no $core" >&2; exit 1; }
[ -f "$unix_dir/virtual.c" ] || { echo "ntdll-mm hook: $unix_dir/virtual.c missing (not a pristine unix dir?)" >&2; exit 1; }
grep -qx $'\tunix/virtual.c \\\\' "$makefile" || { echo "ntdll-mm hook: no 'unix/virtual.c' line in $makefile" >&2; exit 1; }

rm "$unix_dir/virtual.c"
# Wine's own unix sources: none of ours may take one of their names
wine_names=" $(cd "$unix_dir" && ls | tr '\n' ' ') "

placed=" "
place() {   # place SRC DSTNAME [c]
    local src="$1" dst="$2"
    case "$wine_names" in *" $dst "*) echo "ntdll-mm hook: $src would overwrite Wine's unix/$dst" >&2; exit 1 ;; esac
    case "$placed" in *" $dst "*) echo "ntdll-mm hook: two files named unix/$dst ($src)" >&2; exit 1 ;; esac
    placed="$placed$dst "
    if [ "${3:-}" = c ]; then
        {
            printf '#if 0\n#pragma makedep unix\n#endif\n#define NTDLL_MM_WINE 1\n'
            cat "$src"
        } > "$unix_dir/$dst"
    else
        cp "$src" "$unix_dir/$dst"
    fi
}

sources=()
skipped=()
for f in "$core"/*.c; do
    name=$(basename "$f")
    if is_standalone_only "$f"; then skipped+=("$name"); continue; fi
    place "$f" "mm_$name" c
    sources+=("unix/mm_$name")
done
for f in "$core"/*.h "$NTDLL_MM_SRCDIR/include/ntdll-mm.h"; do
    place "$f" "$(basename "$f")"
done
if [ -d "$host" ]; then
    for f in "$host"/*.c; do
        [ -e "$f" ] || continue
        name=$(basename "$f")
        place "$f" "mmw_$name" c
        sources+=("unix/mmw_$name")
    done
    for f in "$host"/*.h; do
        [ -e "$f" ] || continue
        place "$f" "$(basename "$f")"
    done
fi

list=$(printf '%s\n' "${sources[@]}")
awk -v files="$list" '$0 == "\tunix/virtual.c \\" {
        n = split(files, f, "\n")
        for (i = 1; i <= n; i++) printf "\t%s \\\n", f[i]
        next
    }
    { print }' "$makefile" > "$makefile.new"
mv "$makefile.new" "$makefile"
echo "ntdll-mm hook: placed ${#sources[@]} sources: ${sources[*]}; standalone-only, left out: ${skipped[*]:-none}"

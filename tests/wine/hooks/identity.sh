#!/bin/bash
# Identity hook: places Wine 8.0's own dlls/ntdll/unix/virtual.c, so the overlay must behave
# exactly like stock Wine (this proves the build + overlay pipeline).
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Hook interface (see docs/wine-harness.md): called as HOOK UNIX_DIR, where UNIX_DIR is a staging
# copy of dlls/ntdll/unix; NTDLL_DIR is its parent (holding dlls/ntdll/Makefile.in, which a hook
# may edit to change the unix sources list); WINE_SRC is the prepared Wine tree (read-only);
# NTDLL_MM_SRCDIR is the ntdll-mm checkout.
set -euo pipefail
unix_dir="${1:?usage: $0 UNIX_DIR}"
cp "$WINE_SRC/dlls/ntdll/unix/virtual.c" "$unix_dir/virtual.c"

#!/bin/bash
# What CI runs for one Wine (NTDLL_MM_WINE: 8.0 or 10.0, default this system's): setup (cold or
# warm cache), check-wine under stock and overlay, then the baseline check. Works from any clone
# location; results go to ./wine-results.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/wine/ci.sh [RESULTS_DIR]
# Environment: NTDLL_MM_WINE, NTDLL_MM_CACHE, NTDLL_MM_HOOK, NTDLL_MM_OVERLAY_CHECK (match|improve|off),
# NTDLL_MM_TEST_TIMEOUT, NTDLL_MM_JOBS (see docs/wine-harness.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
results="${1:-$PWD/wine-results}"
case "$results" in /*) ;; *) results="$PWD/$results" ;; esac
mkdir -p "$results"
root_bind "$results"
enter_wine_root "$0" "$results"
t_all=$(date +%s.%N)

say "CI 1/3: setup of Wine $NTDLL_MM_WINE (cache $CACHE_DIR)"
t=$(date +%s.%N)
bash "$here/setup.sh" || die "CI: setup failed"
say "CI 1/3: setup done in $(_elapsed "$t") s"

say "CI 2/3: check-wine (stock and ntdll-mm), results in $results"
t=$(date +%s.%N)
bash "$here/check-wine.sh" --no-packages --no-baseline --results "$results" || die "CI: check-wine failed"
say "CI 2/3: check-wine done in $(_elapsed "$t") s"

check_mode="${NTDLL_MM_OVERLAY_CHECK:-$(default_overlay_check)}"
say "CI 3/3: baseline check (hook $(basename "$NTDLL_MM_HOOK"), overlay check: $check_mode)"
bash "$here/baseline-check.sh" --overlay-check "$check_mode" "$results/summary.tsv" ||
    die "CI: baseline check failed (see the list above; logs in $results/logs)"
say "CI: Wine harness passed in $(_elapsed "$t_all") s"

#!/bin/bash
# Runs the Windows benchmark bench/wine/winebench.c under stock Wine (8.0, or NTDLL_MM_WINE's)
# and under the overlay (ntdll.so built through the hook), alternating, and prints the
# side-by-side table.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/wine/bench.sh [--rounds N] [--out DIR] [--hook PATH] [--vs-checkout DIR [--vs-cache DIR]]
#                            [--] [WINEBENCH ARGS...]
#   --rounds N  rounds of one stock run and one overlay run each (default 5); the first build
#               of a round alternates (stock first in odd rounds), so drift hits both alike
#   --vs-checkout DIR  compare with the overlay another ntdll-mm checkout builds (a previous
#               commit: git worktree add DIR REV) instead of stock Wine: its own harness, in a
#               cache of its own (--vs-cache, default $NTDLL_MM_CACHE-vs), so that the two
#               builds never share a prefix; the first column is then "previous"
#   --out DIR   where the .exe, the raw outputs and results.tsv go (default ./wine-bench)
#   --hook PATH the overlay's hook (default $NTDLL_MM_HOOK or tests/wine/hooks/ntdll-mm.sh)
#   WINEBENCH ARGS are passed to winebench.exe after "--settle 1000 --cpu-time" (e.g. --quick,
#               --only cycle,query, -r 11, --wall for wall time; see winebench.exe --help)
# Each cell of the table is the median over the rounds of that build's per-run medians;
# ratio = overlay / stock (for times and counts: below 1 is better for the overlay); best =
# the overlay's lowest run / stock's lowest run (on this VM a process's kernel-bound timings
# sit on one of two levels whatever it runs, and the median of a row falls on either: the
# best runs compare the two builds on the same level); the last column is the range of the
# ratios of the two runs of each round (neighbours in time).
# Environment: MINGW_CC (default x86_64-w64-mingw32-gcc), NTDLL_MM_BENCH_TIMEOUT (seconds per
# run, default 900), and everything run.sh/setup.sh read (NTDLL_MM_HOOK, NTDLL_MM_CACHE, ...).
# A run that fails (exit status, timeout, no "info done") is retried once, then left out; the
# exit status is then 1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"

orig_args=("$@")
rounds=5
out="$PWD/wine-bench"
hook_args=()
vs_checkout=
vs_cache="${NTDLL_MM_CACHE:-/var/cache/ntdll-mm}-vs"
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift ;;
        --out) out="$2"; shift ;;
        --hook) hook_args=(--hook "$2"); shift ;;
        --vs-checkout) vs_checkout="$(cd "$2" && pwd)"; shift ;;
        --vs-cache) vs_cache="$2"; shift ;;
        --) shift; break ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *) break ;;
    esac
    shift
done
case "$rounds" in ''|*[!0-9]*|0) echo "bench.sh: --rounds needs a positive number" >&2; exit 2 ;; esac
mkdir -p "$out"
out="$(cd "$out" && pwd)"
timeout_s="${NTDLL_MM_BENCH_TIMEOUT:-900}"
# shellcheck source=lib.sh
. "$here/lib.sh"
root_bind "$out"
[ -z "$vs_checkout" ] || { mkdir -p "$vs_cache"; root_bind "$vs_checkout" "$vs_cache"; }
enter_wine_root "$0" "${orig_args[@]}"

log() { printf '[wine-bench] %s\n' "$*" >&2; }

# 1. build
cc="${MINGW_CC:-x86_64-w64-mingw32-gcc}"
command -v "$cc" >/dev/null 2>&1 || { echo "bench.sh: $cc not found (apt-get install gcc-mingw-w64-x86-64)" >&2; exit 2; }
exe="$out/winebench.exe"
log "building $exe"
"$cc" -O2 -Wall -Wextra -Wno-unused-parameter -std=gnu11 -o "$exe" "$top/bench/wine/winebench.c" -static-libgcc

# 2. harness (builds the overlay for the hook if needed; progress on stderr)
env_out=$(bash "$here/setup.sh" --print-env "${hook_args[@]}")
eval "$env_out"
hook="${NTDLL_MM_HOOK:-$here/hooks/ntdll-mm.sh}"
[ ${#hook_args[@]} -eq 0 ] || hook="${hook_args[1]}"

# the first column: stock Wine, or another checkout's overlay
base=stock
if [ -n "$vs_checkout" ]; then
    base=previous
    [ -f "$vs_checkout/tests/wine/run.sh" ] || { echo "bench.sh: $vs_checkout is no ntdll-mm checkout" >&2; exit 2; }
    log "setting up the other checkout's overlay ($vs_checkout, cache $vs_cache)"
    NTDLL_MM_CACHE="$vs_cache" bash "$vs_checkout/tests/wine/setup.sh" >&2
fi

# 3. runs
# run_one BUILD ROUND: one run of winebench.exe; output in $out/BUILD-ROUND.txt
failed=0
run_one() {
    local build="$1" round="$2" file="$out/$1-$2.txt" flag=() try rc runner="$here/run.sh"
    shift 2
    [ "$build" = stock ] && flag=(--stock)
    [ "$build" = previous ] && runner="$vs_checkout/tests/wine/run.sh"
    for try in 1 2; do
        if [ $try -eq 1 ]; then log "round $round: $build"; else log "round $round: $build, again"; fi
        # run.sh runs setup.sh again: if the hook's sources changed meanwhile, the overlay is
        # rebuilt; note the hash of every overlay run, so that a mixed table is noticed
        if [ "$build" = ntdll-mm ]; then
            NTDLL_MM_QUIET=1 bash "$here/setup.sh" --print-env "${hook_args[@]}" 2>"$file.setup" |
                sed -n 's/^NTDLL_MM_HOOK_HASH=//p' >"$file.hash" || true
        fi
        set +e
        if [ "$build" = previous ]; then
            DISPLAY= NTDLL_MM_CACHE="$vs_cache" timeout -k 10 "$timeout_s" bash "$runner" -- "$exe" "$@" \
                </dev/null >"$file" 2>"$file.stderr"
        else
            DISPLAY= timeout -k 10 "$timeout_s" bash "$runner" "${flag[@]}" "${hook_args[@]}" -- "$exe" "$@" \
                </dev/null >"$file" 2>"$file.stderr"
        fi
        rc=$?
        set -e
        sed -i 's/\r$//' "$file"
        if [ $rc -eq 0 ] && grep -q '^info done$' "$file"; then
            return 0
        fi
        log "round $round: $build FAILED (exit $rc); last lines:"
        tail -n 5 "$file" "$file.stderr" >&2 || true
    done
    mv "$file" "$file.failed"
    failed=$((failed + 1))
}

shift_args=("$@")
rm -f "$out"/stock-*.txt* "$out"/previous-*.txt* "$out"/ntdll-mm-*.txt*
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
for ((r = 1; r <= rounds; r++)); do
    if [ $((r % 2)) -eq 1 ]; then order="$base ntdll-mm"; else order="ntdll-mm $base"; fi
    for b in $order; do
        run_one "$b" "$r" --settle 1000 --cpu-time "${shift_args[@]}"
    done
done
t1=$(date +%s)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
# Leave no Wine servers behind (run.sh stops the other build's when switching).
WINEPREFIX="$NTDLL_MM_PREFIX_STOCK" "$NTDLL_MM_WINESERVER" -k >/dev/null 2>&1 || true
WINEPREFIX="$NTDLL_MM_PREFIX_OVERLAY" "$NTDLL_MM_WINESERVER" -k >/dev/null 2>&1 || true
if [ -n "$vs_checkout" ]; then
    vs_env=$(NTDLL_MM_CACHE="$vs_cache" NTDLL_MM_QUIET=1 bash "$vs_checkout/tests/wine/setup.sh" --print-env 2>/dev/null) &&
        (eval "$vs_env"; WINEPREFIX="$NTDLL_MM_PREFIX_OVERLAY" "$NTDLL_MM_WINESERVER" -k >/dev/null 2>&1) || true
fi
# 4. table: median over the rounds per build; results.tsv has every run's value
hashes=$(cat "$out"/ntdll-mm-*.txt.hash 2>/dev/null | sort -u | paste -sd' ')
{
    echo "# winebench under Wine $NTDLL_MM_WINE ($WINE_DEB_VERSION): $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -r), $(nproc) CPUs"
    echo "# overlay hook: $hook (hash of the overlay runs: ${hashes:-?}), rounds: $rounds, winebench args: ${shift_args[*]:-(none)}"
    [ -z "$vs_checkout" ] || echo "# first column: the overlay of $vs_checkout ($(git -C "$vs_checkout" rev-parse --short HEAD 2>/dev/null || echo '?')), cache $vs_cache"
    echo "# load average before/after: $load_before / $load_after, $((t1 - t0)) s"
} > "$out/header.txt"
cat "$out/header.txt"
awk -v rounds="$rounds" -v tsv="$out/results.tsv" -v base="$base" '
    FNR == 1 {
        build = FILENAME; sub(/.*\//, "", build); round = build
        sub(/-[0-9]+\.txt$/, "", build); sub(/.*-/, "", round); sub(/\.txt$/, "", round)
    }
    $1 == "row" {
        if (!($2 in unit)) { order[++nrows] = $2; unit[$2] = $4 }
        has[$2, build, round] = 1; v[$2, build, round] = $3 + 0
    }
    # median of the values in a[1..m]
    function med(a, m,   i, j, t) {
        if (!m) return ""
        for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    function build_min(name, b,   r, x) {
        x = ""
        for (r = 1; r <= rounds; r++) if (has[name, b, r] && (x == "" || v[name, b, r] < x)) x = v[name, b, r]
        return x
    }
    function build_med(name, b,   r, m, a) {
        m = 0
        for (r = 1; r <= rounds; r++) if (has[name, b, r]) a[++m] = v[name, b, r]
        return med(a, m)
    }
    function runs(name, b,   r, s) {
        s = ""
        for (r = 1; r <= rounds; r++) s = s (r > 1 ? "," : "") (has[name, b, r] ? v[name, b, r] : "-")
        return s
    }
    function fmt(x) {
        if (x == "") return "-"
        return (x >= 100 || x == int(x)) ? sprintf("%.0f", x) : sprintf("%.2f", x)
    }
    END {
        printf "%-22s %-7s %10s %10s %6s %6s  %s\n", "row", "unit", base, "ntdll-mm", "ratio", "best", "ratio per round (min..max)"
        printf "%s\n", "--------------------------------------------------------------------------------------"
        print "row\tunit\t" base "\tntdll_mm\tratio\t" base "_runs\tntdll_mm_runs\tbest_ratio" > tsv
        for (i = 1; i <= nrows; i++) {
            name = order[i]; s = build_med(name, base); o = build_med(name, "ntdll-mm")
            ratio = (s != "" && o != "" && s > 0) ? sprintf("%.2f", o / s) : "-"
            bs = build_min(name, base); bo = build_min(name, "ntdll-mm")
            best = (bs != "" && bo != "" && bs > 0) ? sprintf("%.2f", bo / bs) : "-"
            lo = ""; hi = ""
            for (r = 1; r <= rounds; r++)
                if (has[name, base, r] && has[name, "ntdll-mm", r] && v[name, base, r] > 0) {
                    q = v[name, "ntdll-mm", r] / v[name, base, r]
                    if (lo == "" || q < lo) lo = q
                    if (hi == "" || q > hi) hi = q
                }
            spread = lo == "" ? "" : sprintf("%.2f..%.2f", lo, hi)
            printf "%-22s %-7s %10s %10s %6s %6s  %s\n", name, unit[name], fmt(s), fmt(o), ratio, best, spread
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, unit[name], s, o, ratio, runs(name, base), runs(name, "ntdll-mm"), best > tsv
        }
    }' "$out"/$base-*.txt "$out"/ntdll-mm-*.txt 2>/dev/null | tee "$out/table.txt"
grep -h '^info maps:' "$out/$base-1.txt" 2>/dev/null | sed "s/^info /# $base: /" || true
echo "# raw outputs, results.tsv (every run's value) and table.txt in $out"
if [ "$(echo $hashes | wc -w)" -gt 1 ]; then
    echo "bench.sh: WARNING: the overlay changed during the runs (hashes: $hashes): the hook's sources were edited; the ntdll-mm column mixes builds" >&2
fi
if [ $failed -ne 0 ]; then
    echo "bench.sh: $failed run(s) failed twice (see $out/*.failed*)" >&2
    exit 1
fi

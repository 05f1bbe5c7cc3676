#!/bin/sh
# Compare two builds of ntdll-mm-bench, runs interleaved (A B B A A B ...).
#
#   bench/compare.sh [--rounds N] [--out DIR] OLD_BENCH NEW_BENCH [-- BENCH ARGS]
#
# Each round runs both programs once with --tsv; which one goes first alternates, so a slow
# stretch of the machine falls on both.  Per row it prints each build's median and minimum of
# the ntdll-mm column over the rounds, new/old of both, and the median of each build's own
# ntdll-mm/raw ratio (a ratio taken inside one process, so the process's speed level cancels).
# Two builds of the same code give the machine's noise: compare them first.
#
# Copyright 2026 the ntdll-mm authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

rounds=6
out=
usage() { echo "usage: $0 [--rounds N] [--out DIR] OLD_BENCH NEW_BENCH [-- BENCH ARGS]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) [ $# -ge 2 ] || usage; rounds=$2; shift 2 ;;
        --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
        -h|--help) usage ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || usage
old=$1 new=$2
shift 2
if [ $# -gt 0 ]; then
    [ "$1" = "--" ] || usage
    shift
fi
for b in "$old" "$new"; do
    [ -x "$b" ] || { echo "$0: $b: not an executable" >&2; exit 2; }
done
case "$rounds" in ''|*[!0-9]*) usage ;; esac
[ "$rounds" -ge 1 ] || usage

if [ -z "$out" ]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/ntdll-mm-compare.XXXXXX")
fi
mkdir -p "$out"
echo "compare: $rounds rounds, results in $out; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

start=$(date +%s)
r=1
while [ "$r" -le "$rounds" ]; do
    if [ $((r % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
    for side in $order; do
        if [ "$side" = old ]; then bin=$old; else bin=$new; fi
        t0=$(date +%s)
        if ! "$bin" "$@" --tsv "$out/$side-$r.tsv" > "$out/$side-$r.txt" 2>&1; then
            echo "compare: round $r: $side failed (see $out/$side-$r.txt)" >&2
            exit 1
        fi
        echo "compare: round $r/$rounds $side done in $(( $(date +%s) - t0 )) s" >&2
    done
    r=$((r + 1))
done

# rows: id, then per build the ntdll-mm median per op (col 3) and its own paired ratio (col 6)
awk -F '\t' -v rounds="$rounds" '
function median(list,    n, a, i, j, t)
{
    n = split(list, a, " ")
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    if (n == 0) return ""
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function minimum(list,    n, a, i, m)
{
    n = split(list, a, " ")
    m = a[1]
    for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]
    return m
}
FNR == 1 { side = FILENAME; sub(/.*\//, "", side); sub(/-[0-9]+\.tsv$/, "", side); next }
$1 == "query-syscalls" || $3 == "" || $3 + 0 <= 0 { next }
{
    if (!($1 in seen)) { seen[$1] = 1; order[++rows] = $1 }
    val[side, $1] = val[side, $1] " " $3
    rat[side, $1] = rat[side, $1] " " $6
}
END {
    printf "%-14s %14s %14s %8s %14s %14s %8s %10s %10s\n", "row", "old median", "new median",
           "new/old", "old min", "new min", "new/old", "old ratio", "new ratio"
    for (i = 1; i <= rows; i++)
    {
        id = order[i]
        om = median(val["old", id]); nm = median(val["new", id])
        on = minimum(val["old", id]); nn = minimum(val["new", id])
        printf "%-14s %14.1f %14.1f %8.3f %14.1f %14.1f %8.3f %10.3f %10.3f\n", id, om, nm,
               (om > 0 ? nm / om : 0), on, nn, (on > 0 ? nn / on : 0),
               median(rat["old", id]), median(rat["new", id])
    }
    printf "(ns per operation of the ntdll-mm column, %d rounds; ratio: the build'"'"'s ntdll-mm/raw)\n", rounds
}' "$out"/old-*.tsv "$out"/new-*.tsv | tee "$out/table.txt"
echo "compare: done in $(( $(date +%s) - start )) s; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

#!/bin/bash
# The rest of Wine's kernel32, ntdll and kernelbase conformance tests (every module check-wine
# does not run) under stock Wine (8.0, or NTDLL_MM_WINE's) and under the overlay: a wider
# regression check of the drop-in than CI's memory-management suites.  Not part of CI (about 5
# minutes).
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/wine/broad.sh [--results DIR] [--timeout SECONDS] [MODULE:TEST ...]
#   --results DIR      where summary.tsv and the logs go (default ./wine-broad)
#   --timeout SECONDS  per test run (default 180)
#   MODULE:TEST        only these (e.g. kernel32:heap ntdll:exception); default: all listed below
# Prints a table of both builds and exits 1 when a test has more failures under the overlay than
# under stock Wine, or runs no test there while stock runs some.  Todo counts are compared too
# (a todo that passes under the overlay is a fixed todo, counted apart).  Checks known to fail
# by timing in both builds (FLAKY below) are not counted as failures.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

orig_args=("$@")
results="$PWD/wine-broad"
timeout_s=180
specs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --results) results="$2"; shift ;;
        --timeout) timeout_s="$2"; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *:*) specs+=("$1") ;;
        *) die "'$1' is not MODULE:TEST" ;;
    esac
    shift
done
case "$results" in /*) ;; *) results="$PWD/$results" ;; esac
mkdir -p "$results"
root_bind "$results"
enter_wine_root "$0" "${orig_args[@]}"

# "Test failed" lines that come and go with timing, under stock Wine as under the overlay:
#   comm.c:918  the serial port's output queue may already have drained (the test allows it
#               only with broken(), for Windows VMs)
#   change.c:241, change.c:277 (ntdll)  WaitForSingleObject( dir, 0 ) right after removing a
#               directory: the inotify event reaches wineserver asynchronously (1 or 2 of the
#               two fail in either build)
FLAKY='comm\.c:918:|change\.c:(241|277):'

env_out=$(NTDLL_MM_QUIET=1 bash "$here/setup.sh" --print-env) || die "setup failed (see above)"
eval "$env_out"

# check-wine.sh runs kernel32:virtual, kernel32:loader, ntdll:virtual, ntdll:info and
# kernelbase:process; these are the others this Wine builds into the three test programs (each
# lists its tests with --list)
if [ ${#specs[@]} -eq 0 ]; then
    for mod in kernel32 ntdll kernelbase; do
        [ -f "$NTDLL_MM_TESTBIN/${mod}_test.exe" ] || continue
        list=$(env -u DISPLAY -u WAYLAND_DISPLAY WINEPREFIX="$NTDLL_MM_PREFIX_STOCK" WINEDEBUG=-all \
               timeout -k 5 120 "$NTDLL_MM_STOCK_LOADER" "$NTDLL_MM_TESTBIN/${mod}_test.exe" --list 2>/dev/null </dev/null 8>&- |
               tr -d '\r' | sed -n 's/^    \([a-z0-9_]*\)$/\1/p')
        [ -n "$list" ] || die "$mod""_test.exe --list gave no test names"
        for t in $list; do
            case "$mod:$t" in kernel32:virtual|kernel32:loader|ntdll:virtual|ntdll:info|kernelbase:process) continue ;; esac
            specs+=("$mod:$t")
        done
    done
fi

kill_servers() {
    local p
    for p in "$NTDLL_MM_PREFIX_STOCK" "$NTDLL_MM_PREFIX_OVERLAY"; do
        WINEPREFIX="$p" "$NTDLL_MM_WINESERVER" -k >/dev/null 2>&1 8>&- || true
        WINEPREFIX="$p" timeout 30 "$NTDLL_MM_WINESERVER" -w >/dev/null 2>&1 8>&- || true
    done
}

mkdir -p "$results/work" "$results/logs"
summary="$results/summary.tsv"
printf 'build\ttest\texit\texecuted\ttodo\tfailures\tfixed_todos\tskipped\n' > "$summary"
t0=$(date +%s)
for build in stock ntdll-mm; do
    if [ $build = stock ]; then loader="$NTDLL_MM_STOCK_LOADER"; prefix="$NTDLL_MM_PREFIX_STOCK"
    else loader="$NTDLL_MM_OVERLAY_LOADER"; prefix="$NTDLL_MM_PREFIX_OVERLAY"; fi
    kill_servers
    # persistent server: see check-wine.sh
    WINEPREFIX="$prefix" "$NTDLL_MM_WINESERVER" -p >/dev/null 2>&1 8>&- || die "cannot start a wineserver for $prefix"
    n=0
    for spec in "${specs[@]}"; do
        mod=${spec%%:*}; test=${spec#*:}; n=$((n + 1))
        log="$results/logs/$build-$mod-$test.log"
        set +e
        (cd "$results/work" && env -u DISPLAY -u WAYLAND_DISPLAY WINEPREFIX="$prefix" WINEDEBUG=-all \
            WINETEST_COLOR=0 WINETEST_INTERACTIVE=0 \
            timeout -k 5 "$timeout_s" "$loader" "$NTDLL_MM_TESTBIN/${mod}_test.exe" "$test") > "$log" 2>&1 < /dev/null 8>&-
        rc=$?
        set -e
        counts=$(FLAKY="$FLAKY" perl -e '
            my ($e, $t, $f, $fx, $s) = (0, 0, 0, 0, 0);
            while (<>) {
                if (/(\d+) tests executed \((\d+) marked as todo, (?:\d+ as flaky, )?(\d+) failures?\), (\d+) skipped/) {
                    $e += $1; $t += $2; $f += $3; $s += $4;
                }
                $fx++ if /Test succeeded inside todo block/;
                $f-- if /Test failed/ && /$ENV{FLAKY}/;
            }
            $f -= $fx; $f = 0 if $f < 0;
            print "$e\t$t\t$f\t$fx\t$s\n";' "$log")
        printf '%s\t%s\t%s\t%s\n' "$build" "$spec" "$rc" "$counts" >> "$summary"
        say "[$build $n/${#specs[@]}] $spec: exit $rc, executed/todo/failures/fixed/skipped $(echo "$counts" | tr '\t' /)"
    done
done
kill_servers
say "done in $(( $(date +%s) - t0 )) s; summary: $summary, logs: $results/logs"

perl -e '
    my (%r, @order, %seen);
    <>;
    while (<>) { chomp; my @c = split /\t/; $r{$c[1]}{$c[0]} = [@c[2..7]]; push @order, $c[1] unless $seen{$c[1]}++; }
    my $fmt = "%-20s | %9s %5s %5s | %9s %5s %5s %5s | %s\n";
    printf $fmt, "test", "stock", "todo", "fail", "ntdll-mm", "todo", "fail", "fixed", "";
    my $bad = 0;
    for my $k (@order) {
        my $s = $r{$k}{stock} // [("-") x 6];
        my $o = $r{$k}{"ntdll-mm"} // [("-") x 6];
        my $note = "";
        if ($o->[3] ne "-" && $s->[3] ne "-") {
            if ($o->[3] > $s->[3]) { $note = "MORE FAILURES"; $bad++; }
            elsif ($o->[1] == 0 && $s->[1] > 0) { $note = "NOTHING RAN"; $bad++; }
            elsif ($o->[2] + $o->[4] != $s->[2]) { $note = "todo count differs"; }
            elsif ($o->[4]) { $note = "fixed todos"; }
        }
        printf $fmt, $k, $s->[1], $s->[2], $s->[3], $o->[1], $o->[2], $o->[3], $o->[4], $note;
    }
    print $bad ? "$bad test(s) worse under ntdll-mm\n" : "no test worse under ntdll-mm than under stock Wine\n";
    exit($bad ? 1 : 0);
' "$summary"

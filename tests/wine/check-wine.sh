#!/bin/bash
# Runs Wine's conformance tests and tests/pe programs under stock Wine (8.0, or NTDLL_MM_WINE's)
# and under the ntdll-mm overlay, writes wine-results/summary.tsv (a row per suite, test and
# build, its last column the Wine version) and compares with tests/wine/baseline-VERSION.tsv.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/wine/check-wine.sh [--results DIR] [--builds "stock ntdll-mm"] [--overlay-check MODE]
#                                 [--no-baseline] [--hook PATH] [--no-packages]
#   --results DIR        where summary.tsv, logs and tests/pe binaries go (default ./wine-results)
#   --builds LIST        which builds to run (default "stock ntdll-mm")
#   --overlay-check MODE how ntdll-mm rows must relate to stock rows: match (identity hook),
#                        improve (todos may be fixed, real failures must stay 0; the default for
#                        any other hook, e.g. ntdll-mm), off
#   --no-baseline        do not run baseline-check.sh at the end
# Environment: NTDLL_MM_TEST_TIMEOUT (seconds per test run, default 300), NTDLL_MM_OVERLAY_CHECK,
# plus everything setup.sh reads (NTDLL_MM_CACHE, NTDLL_MM_HOOK, NTDLL_MM_JOBS).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

orig_args=("$@")
results="$PWD/wine-results"
builds="stock ntdll-mm"
overlay_check="${NTDLL_MM_OVERLAY_CHECK:-}"
do_baseline=1
setup_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --results) results="$2"; shift ;;
        --builds) builds="$2"; shift ;;
        --overlay-check) overlay_check="$2"; shift ;;
        --overlay-check=*) overlay_check="${1#*=}" ;;
        --no-baseline) do_baseline=0 ;;
        --hook) setup_args+=(--hook "$2"); NTDLL_MM_HOOK="$2"; shift ;;
        --no-packages) setup_args+=(--no-packages) ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
case "$results" in /*) ;; *) results="$PWD/$results" ;; esac
mkdir -p "$results"
root_bind "$results"
enter_wine_root "$0" "${orig_args[@]}"
[ -n "$overlay_check" ] || overlay_check=$(default_overlay_check)
timeout_s="${NTDLL_MM_TEST_TIMEOUT:-300}"

# One check-wine at a time per cache: runs share the Wine prefixes and stop their servers.
mkdir -p "$CACHE_DIR"
exec 8>"$CACHE_DIR/run.lock"
if ! flock -n 8; then
    say "waiting for another check-wine using $CACHE_DIR"
    flock 8
fi

say "setup (cached parts are reused)"
env_out=$(bash "$here/setup.sh" --print-env "${setup_args[@]}" 8>&-) || die "setup failed (see above)"
eval "$env_out"

rm -rf "$results/logs" "$results/work"
mkdir -p "$results/logs" "$results/work"
printf 'hook\t%s\nhook_hash\t%s\noverlay\t%s\nwine\t%s\n' "$NTDLL_MM_HOOK" "$NTDLL_MM_HOOK_HASH" \
    "$NTDLL_MM_OVERLAY" "$WINE_DEB_VERSION" > "$results/overlay.tsv"

# The runs: suite test exe args...
runs=()
add_run() { runs+=("$*"); }
add_run kernel32 virtual "$NTDLL_MM_TESTBIN/kernel32_test.exe" virtual
add_run ntdll virtual "$NTDLL_MM_TESTBIN/ntdll_test.exe" virtual
add_run kernel32 loader "$NTDLL_MM_TESTBIN/kernel32_test.exe" loader
add_run ntdll info "$NTDLL_MM_TESTBIN/ntdll_test.exe" info
if [ -f "$NTDLL_MM_TESTBIN/kernelbase_test.exe" ]; then
    add_run kernelbase process "$NTDLL_MM_TESTBIN/kernelbase_test.exe" process
fi

# Our own Windows-side programs (tests/pe, built by its own script against Wine's test.h).
if [ -f "$NTDLL_MM_SRCDIR/tests/pe/build.sh" ]; then
    # Rebuilt only when tests/pe or demo/ changed (their build takes about 20 s).
    pe_hash=$( { echo "$NTDLL_MM_WINE_SRC"; cd "$NTDLL_MM_SRCDIR" &&
                 find tests/pe demo -type f 2>/dev/null | LC_ALL=C sort | xargs -d '\n' sha256sum; } |
               sha256sum | cut -c1-16)
    if [ -f "$results/pe-bin/.ntdll-mm-srchash" ] && [ "$(cat "$results/pe-bin/.ntdll-mm-srchash")" = "$pe_hash" ]; then
        say "tests/pe programs unchanged: reusing $results/pe-bin"
        pe_ok=1
    else
        t_pe=$(date +%s.%N)
        say "building tests/pe programs"
        rm -rf "$results/pe-bin"; mkdir -p "$results/pe-bin"
        pe_ok=0
        if bash "$NTDLL_MM_SRCDIR/tests/pe/build.sh" "$NTDLL_MM_WINE_SRC" "$results/pe-bin" \
                > "$results/pe-build.log" 2>&1 8>&-; then
            pe_ok=1
            echo "$pe_hash" > "$results/pe-bin/.ntdll-mm-srchash"
            say "tests/pe programs built in $(_elapsed "$t_pe") s"
        fi
    fi
    if [ $pe_ok = 1 ]; then
        # Only the test programs (build.sh lists them; the demo is not a Wine-style test).
        if [ -f "$results/pe-bin/pe-tests.list" ]; then
            names=$(cat "$results/pe-bin/pe-tests.list")
        else
            names=""
            for src in "$NTDLL_MM_SRCDIR"/tests/pe/*.c; do
                case "$(basename "$src")" in _*) ;; *) names="$names $(basename "$src" .c)" ;; esac
            done
        fi
        for name in $names; do
            [ -f "$results/pe-bin/$name.exe" ] || die "tests/pe/build.sh did not produce $name.exe"
            add_run pe "$name" "$results/pe-bin/$name.exe"
        done
    else
        tail -n 30 "$results/pe-build.log" >&2
        die "tests/pe/build.sh failed; log: $results/pe-build.log"
    fi
else
    say "tests/pe/build.sh does not exist yet: skipping tests/pe programs"
fi

kill_servers() {
    WINEPREFIX="$NTDLL_MM_PREFIX_STOCK" "$NTDLL_MM_WINESERVER" -k >/dev/null 2>&1 8>&- || true
    WINEPREFIX="$NTDLL_MM_PREFIX_OVERLAY" "$NTDLL_MM_WINESERVER" -k >/dev/null 2>&1 8>&- || true
    # Give the servers a moment to go away before the other loader starts.
    WINEPREFIX="$NTDLL_MM_PREFIX_STOCK" timeout 30 "$NTDLL_MM_WINESERVER" -w >/dev/null 2>&1 8>&- || true
    WINEPREFIX="$NTDLL_MM_PREFIX_OVERLAY" timeout 30 "$NTDLL_MM_WINESERVER" -w >/dev/null 2>&1 8>&- || true
}

# parse_log LOG RC -> "executed todo failures fixed_todos skipped" (sums over all summary lines;
# "Test succeeded inside todo block" lines are counted apart from real failures). A run without
# any summary line, killed by the timeout, or exiting non-zero without reporting a failure counts
# one extra failure.
parse_log() {
    perl -e '
        my ($log, $rc) = @ARGV; my ($e, $t, $f, $s, $n, $fx) = (0, 0, 0, 0, 0, 0);
        open(my $fh, "<", $log) or die "$log: $!";
        while (<$fh>) {
            if (/(\d+) tests executed \((\d+) marked as todo, (?:\d+ as flaky, )?(\d+) failures?\), (\d+) skipped/) {
                $e += $1; $t += $2; $f += $3; $s += $4; $n++;
            }
            $fx++ if /Test succeeded inside todo block/;
        }
        my $real = $f - $fx; $real = 0 if $real < 0;
        # Wine tests exit with their failure count: a non-zero status without a reported
        # failure means the main process crashed (child processes may have printed summaries).
        $real++ if $n == 0 || $rc == 124 || $rc == 137 || ($rc != 0 && $f == 0);
        print "$e\t$t\t$real\t$fx\t$s\n";
    ' "$1" "$2"
}

summary="$results/summary.tsv"
printf 'suite\ttest\tbuild\texecuted\ttodo\tfailures\tfixed_todos\tskipped\twine\n' > "$summary.tmp"
for build in $builds; do
    case "$build" in
        stock) loader="$NTDLL_MM_STOCK_LOADER"; prefix="$NTDLL_MM_PREFIX_STOCK" ;;
        ntdll-mm) loader="$NTDLL_MM_OVERLAY_LOADER"; prefix="$NTDLL_MM_PREFIX_OVERLAY" ;;
        *) die "unknown build '$build' (stock or ntdll-mm)" ;;
    esac
    # Background Wine processes inherit the loader that started them: stop all servers first.
    kill_servers
    # One persistent wineserver per build (-p: no shutdown timer).  Without it the server arms a
    # 3 s shutdown timer whenever its count of user processes drops to zero, and a test started
    # back to back with the previous one was now and then refused ("wine client error:0:
    # recvmsg: Connection reset by peer", before any test code ran; ~1 run in 40 here, stock and
    # overlay alike).  kill_servers stops it after the build's runs.
    WINEPREFIX="$prefix" "$NTDLL_MM_WINESERVER" -p >/dev/null 2>&1 8>&- \
        || die "cannot start a persistent wineserver for $prefix"
    mkdir -p "$results/logs/$build"
    say "== $build (Wine $NTDLL_MM_WINE): $loader"
    for r in "${runs[@]}"; do
        read -r suite test exe args <<< "$r"
        log="$results/logs/$build/${suite}_${test}.log"
        t0=$(date +%s.%N)
        set +e
        # shellcheck disable=SC2086
        (cd "$results/work" && env -u DISPLAY -u WAYLAND_DISPLAY WINEPREFIX="$prefix" WINEDEBUG=-all \
            WINETEST_COLOR=0 WINETEST_INTERACTIVE=0 \
            timeout -k 10 "$timeout_s" "$loader" "$exe" $args) > "$log" 2>&1 < /dev/null 8>&-
        rc=$?
        set -e
        if [ $rc = 124 ] || [ $rc = 137 ]; then
            echo "ntdll-mm harness: TIMEOUT after $timeout_s s" >> "$log"
        elif [ $rc != 0 ]; then
            echo "ntdll-mm harness: exit status $rc" >> "$log"
        fi
        counts=$(parse_log "$log" "$rc")
        printf '%s\t%s\t%s\t%s\t%s\n' "$suite" "$test" "$build" "$counts" "$NTDLL_MM_WINE" >> "$summary.tmp"
        read -r e t f fx s <<< "$counts"
        say "$build $suite:$test: executed $e, todo $t, failures $f, fixed todos $fx, skipped $s (exit $rc, $(_elapsed "$t0") s)"
    done
    kill_servers
done
mv "$summary.tmp" "$summary"

# Side-by-side table.
perl -e '
    my (%row, @order, %seen, %win);
    if (open(my $b, "<", $ARGV[1])) {
        while (<$b>) { chomp; next if /^#/ || /^suite\t/ || !/\S/; my @c = split /\t/;
            $win{"$c[0]:$c[1]"} = [$c[2], $c[3]]; }
    }
    open(my $fh, "<", $ARGV[0]) or die; <$fh>;
    while (<$fh>) { chomp; my @c = split /\t/; my $k = "$c[0]:$c[1]";
        push @order, $k unless $seen{$k}++; $row{$k}{$c[2]} = [@c[3..7]]; }
    my $fmt = "%-22s | %7s %5s %5s %5s %5s | %7s %5s %5s %5s %5s | %s\n";
    printf $fmt, "", "stock", "", "", "", "", "ntdll-mm", "", "", "", "", "";
    printf $fmt, "suite:test", "exec", "todo", "fail", "fixed", "skip", "exec", "todo", "fail", "fixed", "skip", "same fail/todo";
    print "-" x 104, "\n";
    for my $k (@order) {
        my $s = $row{$k}{stock} // ["-","-","-","-","-"];
        my $o = $row{$k}{"ntdll-mm"} // ["-","-","-","-","-"];
        my $same = ($s->[1] eq $o->[1] && $s->[2] eq $o->[2]) ? "yes" : "NO";
        my $w = $win{$k};
        $same = "yes (todo varies: $w->[0]..$w->[1])" if $same eq "NO" && $w && $w->[0] != $w->[1]
            && $s->[2] eq $o->[2] && $o->[1] =~ /^\d+$/ && $o->[1] >= $w->[0] && $o->[1] <= $w->[1];
        printf $fmt, $k, @$s, @$o, $same;
    }
' "$summary" "$BASELINE"
say "summary: $summary; raw logs: $results/logs/<build>/<suite>_<test>.log"

if [ $do_baseline = 1 ]; then
    bash "$here/baseline-check.sh" --overlay-check "$overlay_check" "$summary"
fi

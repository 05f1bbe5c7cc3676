#!/bin/bash
# Checks a check-wine summary.tsv: stock rows against tests/wine/baseline-VERSION.tsv (the Wine
# of the summary's rows), and ntdll-mm (overlay) rows against the stock rows.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/wine/baseline-check.sh [--overlay-check match|improve|off] [--baseline FILE] SUMMARY.tsv
#   (default: match for the identity hook, improve for any other; the hook is $NTDLL_MM_HOOK)
#   match   (identity hook) ntdll-mm rows have the same failures and fixed_todos as stock
#           and the same todo count (within the baseline window for rows that vary)
#   improve (our implementation fixes todos) ntdll-mm real failures <= stock failures (that is 0),
#           todo <= stock todo (or the window's maximum); fixed_todos may rise
#   off     no comparison of ntdll-mm rows
# Exit status: 0 all good, 1 a check failed (every failure is listed), 2 usage error.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"
mode="${NTDLL_MM_OVERLAY_CHECK:-$(default_overlay_check)}"
baseline=
while [ $# -gt 1 ]; do
    case "$1" in
        --overlay-check) mode="$2"; shift ;;
        --overlay-check=*) mode="${1#*=}" ;;
        --baseline) baseline="$2"; shift ;;
        *) echo "usage: $0 [--overlay-check match|improve|off] [--baseline FILE] SUMMARY.tsv" >&2; exit 2 ;;
    esac
    shift
done
if [ $# != 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 [--overlay-check MODE] [--baseline FILE] SUMMARY.tsv" >&2; exit 2
fi
case "$mode" in match|improve|off) ;; *) echo "$0: bad --overlay-check '$mode'" >&2; exit 2 ;; esac
# the baseline of the Wine the summary's rows ran on
if [ -z "$baseline" ]; then
    wine=$(awk -F'\t' 'NR == 2 { print $9 }' "$1")
    baseline="$here/baseline-${wine:-$NTDLL_MM_WINE}.tsv"
fi
[ -f "$baseline" ] || { echo "$0: no baseline $baseline" >&2; exit 2; }

perl -e '
    use strict; use warnings;
    my ($baseline, $summary, $mode) = @ARGV;
    my (%base, %row, @keys, %seen, @err);
    open(my $b, "<", $baseline) or die "$baseline: $!";
    while (<$b>) { chomp; next if /^#/ || /^suite\t/ || !/\S/;
        my ($s, $t, $min, $max, $fmax, $excl, $stable, $xmax) = split /\t/;
        $base{"$s:$t"} = [$min, $max, $fmax, $excl // "-", $stable // "-", $xmax // 0]; }
    open(my $f, "<", $summary) or die "$summary: $!";
    my $hdr = <$f>; chomp $hdr;
    $hdr eq "suite\ttest\tbuild\texecuted\ttodo\tfailures\tfixed_todos\tskipped\twine"
        or die "$summary: unexpected header \"$hdr\"\n";
    while (<$f>) { chomp; my @c = split /\t/; my $k = "$c[0]:$c[1]";
        push @keys, $k unless $seen{$k}++;
        $row{$k}{$c[2]} = { exec => $c[3], todo => $c[4], fail => $c[5], fixed => $c[6] }; }

    # Todo lines of a raw log that do not match the row exclusion regex.
    (my $logdir = $summary) =~ s{[^/]*$}{logs};
    sub stable_todos {
        my ($dir, $build, $k, $excl) = @_;
        (my $name = $k) =~ s/:/_/;
        open(my $l, "<", "$dir/$build/$name.log") or return undef;
        my $n = 0;
        while (<$l>) { $n++ if /Test marked todo/ && !/$excl/; }
        return $n;
    }
    # Stock against the baseline.
    for my $k (sort keys %base) {
        my ($min, $max, $fmax, $excl, $stable, $xmax) = @{$base{$k}};
        my $s = $row{$k}{stock};
        if (!$s) { push @err, "stock $k: missing from the summary"; next; }
        push @err, "stock $k: executed 0 tests (crash or hang?)" if $s->{exec} == 0;
        push @err, "stock $k: $s->{fail} failures (baseline: at most $fmax)" if $s->{fail} > $fmax;
        push @err, "stock $k: $s->{fixed} todo checks succeeded (baseline: at most $xmax)" if $s->{fixed} > $xmax;
        push @err, "stock $k: todo $s->{todo} outside the baseline " . ($min == $max ? $min : "$min..$max")
            if $s->{todo} < $min || $s->{todo} > $max;
        if ($stable ne "-") {
            my $n = stable_todos($logdir, "stock", $k, $excl);
            if (!defined $n) { push @err, "stock $k: raw log missing under $logdir (needed for the stable todo count)"; }
            elsif ($n != $stable) { push @err, "stock $k: $n todos not matching /$excl/ (baseline: $stable)"; }
        }
    }
    # Rows without a baseline (tests/pe): a Wine-style test must not fail under stock Wine.
    for my $k (@keys) {
        next if $base{$k};
        my $s = $row{$k}{stock} or next;
        push @err, "stock $k: $s->{fail} failures (tests must pass under stock Wine; use todo_wine for known Wine differences)"
            if $s->{fail} > 0;
    }
    # Overlay against stock.
    if ($mode ne "off") {
        for my $k (@keys) {
            my ($s, $o) = ($row{$k}{stock}, $row{$k}{"ntdll-mm"});
            next unless $s;
            if (!$o) { push @err, "ntdll-mm $k: missing from the summary"; next; }
            my ($min, $max) = $base{$k} ? @{$base{$k}} : ($s->{todo}, $s->{todo});
            $min = $s->{todo} if $s->{todo} < $min; $max = $s->{todo} if $s->{todo} > $max;
            push @err, "ntdll-mm $k: executed 0 tests (crash or hang?)" if $o->{exec} == 0 && $s->{exec} > 0;
            if ($mode eq "match") {
                push @err, "ntdll-mm $k: failures $o->{fail} != stock $s->{fail}" if $o->{fail} != $s->{fail};
                push @err, "ntdll-mm $k: fixed todos $o->{fixed} != stock $s->{fixed}" if $o->{fixed} != $s->{fixed};
                if ($base{$k} && $min != $max) {
                    push @err, "ntdll-mm $k: todo $o->{todo} outside $min..$max (stock $s->{todo})"
                        if $o->{todo} < $min || $o->{todo} > $max;
                    my $excl = $base{$k}[3];
                    if ($excl ne "-") {
                        my ($ns, $no) = (stable_todos($logdir, "stock", $k, $excl), stable_todos($logdir, "ntdll-mm", $k, $excl));
                        push @err, "ntdll-mm $k: " . ($no // "?") . " todos not matching /$excl/ != stock " . ($ns // "?")
                            if !defined $ns || !defined $no || $ns != $no;
                    }
                } elsif ($o->{todo} != $s->{todo}) {
                    push @err, "ntdll-mm $k: todo $o->{todo} != stock $s->{todo}";
                }
            } else {
                push @err, "ntdll-mm $k: $o->{fail} real failures (stock $s->{fail})" if $o->{fail} > $s->{fail};
                push @err, "ntdll-mm $k: todo $o->{todo} above stock ($max)" if $o->{todo} > $max;
            }
        }
    }
    if (@err) {
        print STDERR "baseline check FAILED ($summary, overlay check: $mode):\n";
        print STDERR "  - $_\n" for @err;
        exit 1;
    }
    print "baseline check passed: stock rows match $baseline; overlay check: $mode\n";
' "$baseline" "$1" "$mode"

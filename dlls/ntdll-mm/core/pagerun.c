/*
 * ntdll-mm core: per-page state runs.  See pagerun.h.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <string.h>

#include "pagerun.h"

/* The runs are a gap buffer (types.h, run_at): runs[0..gap) hold runs 0..gap-1, the
 * cap - nruns free slots follow, then runs gap..nruns-1 fill the end of the array.  A change
 * moves the gap right behind the runs it touches and works on them there, so its cost is the
 * runs it touches plus the distance the gap moves: O(1) per call for a program that walks an
 * allocation page by page (a plain array shifted every later run, O(all runs) per call). */

size_t runs_index( const struct mm_alloc *a, size_t page )
{
    const struct mm_run *r = a->runs;
    size_t lo = 0, hi = a->gap;   /* invariant: run lo starts at or before page, run hi after it */

    /* the answer lies in one of the two parts: search that one */
    if (a->gap < a->nruns && a->runs[a->gap + a->cap - a->nruns].page <= page)
    {
        r += a->cap - a->nruns;
        lo = a->gap;
        hi = a->nruns;
    }
    while (hi - lo > 1)
    {
        size_t mid = (lo + hi) / 2;
        if (r[mid].page <= page) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* room for 'need' runs in all; the gap stays where it is */
static int runs_reserve( struct mm_alloc *a, size_t need )
{
    size_t cap, upper = a->nruns - a->gap;
    struct mm_run *runs;

    if (need <= a->cap) return 0;
    cap = a->cap * 2;
    if (cap < need) cap = need;
    if (!(runs = mm_malloc( cap * sizeof(*runs) ))) return -1;
    memcpy( runs, a->runs, a->gap * sizeof(*runs) );
    memcpy( runs + cap - upper, a->runs + a->cap - upper, upper * sizeof(*runs) );
    if (a->runs != a->inline_runs) mm_free( a->runs );
    a->runs = runs;
    a->cap = cap;
    return 0;
}

int runs_reserve_more( struct mm_alloc *a, size_t more )
{
    return runs_reserve( a, a->nruns + more );
}

/* move the gap in front of run 'pos' (0 <= pos <= nruns) */
static void runs_move_gap( struct mm_alloc *a, size_t pos )
{
    size_t len = a->cap - a->nruns;

    if (pos < a->gap)
        memmove( &a->runs[pos + len], &a->runs[pos], (a->gap - pos) * sizeof(*a->runs) );
    else if (pos > a->gap)
        memmove( &a->runs[a->gap], &a->runs[a->gap + len], (pos - a->gap) * sizeof(*a->runs) );
    a->gap = pos;
}

/* Split the runs at first and end and move the gap behind them: pages [first, end) are then
 * exactly runs [*lo, *hi), all in front of the gap (runs[*lo..*hi) directly).  Needs room for
 * two more runs. */
static void runs_open( struct mm_alloc *a, size_t first, size_t end, size_t *lo, size_t *hi )
{
    size_t i = runs_index( a, first ), l = runs_index( a, end - 1 );

    runs_move_gap( a, l + 1 );
    *hi = l + 1;
    if (end < run_end( a, l ))
    {
        /* the rest of run l becomes a run of its own, in the first free slot */
        a->runs[a->gap].page = end;
        a->runs[a->gap].state = a->runs[l].state;
        a->gap++;
        a->nruns++;
    }
    if (a->runs[i].page < first)
    {
        memmove( &a->runs[i + 2], &a->runs[i + 1], (a->gap - i - 1) * sizeof(*a->runs) );
        a->runs[i + 1].page = first;
        a->runs[i + 1].state = a->runs[i].state;
        a->gap++;
        a->nruns++;
        i++;
        (*hi)++;
    }
    *lo = i;
}

/* merge equal neighbours among runs [from, gap) and the first run behind the gap; nothing
 * else can have changed */
static void runs_merge( struct mm_alloc *a, size_t from )
{
    size_t w = from;

    for (size_t j = from + 1; j < a->gap; j++)
    {
        if (a->runs[j].state == a->runs[w].state) continue;
        a->runs[++w] = a->runs[j];
    }
    a->nruns -= a->gap - (w + 1);
    a->gap = w + 1;
    /* dropping the first run behind the gap only widens the gap */
    if (a->gap < a->nruns && a->runs[a->gap + a->cap - a->nruns].state == a->runs[w].state) a->nruns--;
}

int runs_update( struct mm_alloc *a, size_t first, size_t count, uint32_t keep, uint32_t set )
{
    size_t lo, hi;

    if (!count) return 0;
    if (runs_reserve( a, a->nruns + 2 )) return -1;
    runs_open( a, first, first + count, &lo, &hi );
    for (size_t j = lo; j < hi; j++) a->runs[j].state = (a->runs[j].state & keep) | set;
    runs_merge( a, lo ? lo - 1 : 0 );
    return 0;
}

size_t runs_count( const struct mm_alloc *a, size_t first, size_t count )
{
    if (!count) return 0;
    return runs_index( a, first + count - 1 ) - runs_index( a, first ) + 1;
}

void runs_save( const struct mm_alloc *a, size_t first, size_t count, struct mm_run *saved )
{
    size_t n = runs_count( a, first, count ), i = n ? runs_index( a, first ) : 0;

    for (size_t k = 0; k < n; k++) saved[k] = *run_at( a, i + k );
    if (n) saved[0].page = first;
}

/* put back a copy made by runs_save of the same pages; the caller keeps ownership of saved */
int runs_restore( struct mm_alloc *a, size_t first, size_t count, const struct mm_run *saved, size_t nsaved )
{
    size_t lo, hi, tail;

    if (!count) return 0;
    if (runs_reserve( a, a->nruns + 2 + nsaved )) return -1;
    runs_open( a, first, first + count, &lo, &hi );
    /* runs [lo, hi) become the saved ones; the run split off at the end (if any) follows */
    tail = a->gap - hi;
    memmove( &a->runs[lo + nsaved], &a->runs[hi], tail * sizeof(*a->runs) );
    memcpy( &a->runs[lo], saved, nsaved * sizeof(*saved) );
    a->nruns = a->nruns - (hi - lo) + nsaved;
    a->gap = lo + nsaved + tail;
    runs_merge( a, lo ? lo - 1 : 0 );
    return 0;
}

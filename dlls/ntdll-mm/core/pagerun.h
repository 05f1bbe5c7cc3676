/*
 * ntdll-mm core: the per-page state of an allocation, kept as runs of pages with equal state
 * (sorted, always merged), not a byte per page: a query's RegionSize is one run, found by
 * binary search, and runs map one-to-one onto the few kernel mappings (VMAs) wanted.  The
 * state of a page and struct mm_run are described in types.h.
 *
 * Lock rules: the space lock, shared to read, exclusive to change.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_PAGERUN_H
#define NTDLL_MM_PAGERUN_H

#include "types.h"

MM_HIDDEN_BEGIN

/* the run holding page */
size_t runs_index( const struct mm_alloc *a, size_t page );
static inline uint32_t runs_state( const struct mm_alloc *a, size_t page ) { return run_at( a, runs_index( a, page ) )->state; }
/* end page of the run of pages with state equal to that of 'page' (runs are kept merged) */
static inline size_t runs_span_end( const struct mm_alloc *a, size_t page ) { return run_end( a, runs_index( a, page ) ); }
/* set state = (state & keep) | set on [first, first + count); 0 or -1 (no memory) */
int  runs_update( struct mm_alloc *a, size_t first, size_t count, uint32_t keep, uint32_t set );
/* room for 'more' runs beyond the current ones; 0 or -1 */
int  runs_reserve_more( struct mm_alloc *a, size_t more );
/* copy the runs of [first, first + count) into saved (their number: runs_count), the first
 * starting at 'first'; and put such a copy back over the same pages (0 or -1, no memory) */
size_t runs_count( const struct mm_alloc *a, size_t first, size_t count );
void runs_save( const struct mm_alloc *a, size_t first, size_t count, struct mm_run *saved );
int  runs_restore( struct mm_alloc *a, size_t first, size_t count, const struct mm_run *saved, size_t nsaved );

MM_HIDDEN_END

#endif

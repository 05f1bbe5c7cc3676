/*
 * ntdll-mm core: the kernel's side of page state: the protection the kernel gives pages of an
 * allocation (from their NT state, and for the write-watch fallback engine, from whether a
 * watched page was written), and state changes that keep the tree and the kernel in step.
 *
 * Lock rules: the space lock exclusive, except pages_span (shared is enough).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_PAGES_H
#define NTDLL_MM_PAGES_H

#include "types.h"
#include "space.h"

MM_HIDDEN_BEGIN

/* The kernel protection of pages [page, result) of a: *prot is what their NT state calls for
 * (the same for all of [page, end)); on the write-watch fallback path a watched page not yet
 * written loses PROT_WRITE.  Returns the end of the pages sharing *prot (<= end). */
size_t pages_span( const struct mm_alloc *a, size_t page, size_t end, int *prot );
/* mprotect pages [first, first+count) of a with prot, split where pages_span needs it */
int pages_protect( struct mm_alloc *a, size_t first, size_t count, int prot );
/* give pages [first, first+count) of a the kernel protection of their state, one mprotect per
 * run of equal kernel protection */
int pages_sync_kernel( struct mm_alloc *a, size_t first, size_t count );
/* the contents and access of pages [first, first+count) of private memory go at once (they read
 * as zero when committed again); pages_change's apply for a decommit */
int pages_decommit( struct mm_alloc *a, size_t first, size_t count );

/* Change the state of [first, first+count) to (state & keep) | set and make the kernel follow
 * with apply (pages_sync_kernel for a protection change, a decommit function to drop
 * contents too); on failure (STATUS_NO_MEMORY: typically ENOMEM at vm.max_map_count) both the
 * runs and the kernel's protections are as they were. */
typedef int (*pages_apply_fn)( struct mm_alloc *a, size_t first, size_t count );
NTSTATUS pages_change( struct mm_alloc *a, size_t first, size_t count, uint32_t keep, uint32_t set,
                       pages_apply_fn apply );

/* mlock() again the locked pages (MM_LOCK_BITS) of [first, first+count) of a, after a remap (a view
 * page made copy-on-write) gave them a new kernel mapping */
void pages_relock( struct mm_alloc *a, size_t first, size_t count );

MM_HIDDEN_END

#endif

/*
 * ntdll-mm core: the kernel's side of page state.  See pages.h.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "pages.h"
#include "bitmap.h"
#include "pagerun.h"
#include "prot.h"
#include "os.h"

/* a watched allocation of the fallback engine: unwritten pages are kept read-only */
static inline int fallback_watched( const struct mm_alloc *a )
{
    return space.ww_mode == WW_FALLBACK && (a->flags & MM_F_WRITE_WATCH) && a->ww_dirty;
}

size_t pages_span( const struct mm_alloc *a, size_t page, size_t end, int *prot )
{
    int dirty;

    if (!fallback_watched( a ) || !(*prot & PROT_WRITE)) return end;
    dirty = bit_test( a->ww_dirty, page );
    if (!dirty) *prot &= ~PROT_WRITE;
    return bits_find( a->ww_dirty, page, end, !dirty );
}

int pages_protect( struct mm_alloc *a, size_t first, size_t count, int prot )
{
    size_t end = first + count;
    int ret;

    SPACE_ASSERT_EXCLUSIVE();
    for (size_t page = first, stop; page < end; page = stop)
    {
        int p = prot;
        stop = pages_span( a, page, end, &p );
        if ((ret = os_protect( a->base + (page << MM_PAGE_SHIFT), (stop - page) << MM_PAGE_SHIFT, p ))) return ret;
    }
    return 0;
}

int pages_sync_kernel( struct mm_alloc *a, size_t first, size_t count )
{
    size_t end = first + count, page = first;

    SPACE_ASSERT_EXCLUSIVE();
    while (page < end)
    {
        size_t i = runs_index( a, page ), stop;
        int prot = prot_to_unix( run_at( a, i )->state ), ret;

        stop = run_end( a, i );
        while (stop < end && prot_to_unix( run_at( a, ++i )->state ) == prot) stop = run_end( a, i );
        if (stop > end) stop = end;
        if ((ret = pages_protect( a, page, stop - page, prot ))) return ret;
        page = stop;
    }
    return 0;
}

int pages_decommit( struct mm_alloc *a, size_t first, size_t count )
{
    SPACE_ASSERT_EXCLUSIVE();
    return os_decommit( a->base + (first << MM_PAGE_SHIFT), count << MM_PAGE_SHIFT );
}

NTSTATUS pages_change( struct mm_alloc *a, size_t first, size_t count, uint32_t keep, uint32_t set,
                       pages_apply_fn apply )
{
    struct mm_run stack_saved[16], *saved = stack_saved;
    size_t nsaved = runs_count( a, first, count );

    SPACE_ASSERT_EXCLUSIVE();
    if (!count) return STATUS_SUCCESS;
    /* keep the old runs of the range to undo with (a change of a few pages touches a few runs,
     * however many the allocation has), and room for the undo, which then cannot fail */
    if (nsaved > ARRAY_SIZE( stack_saved ) && !(saved = mm_malloc( nsaved * sizeof(*saved) ))) return STATUS_NO_MEMORY;
    runs_save( a, first, count, saved );
    if (!runs_reserve_more( a, 4 + nsaved ) && !runs_update( a, first, count, keep, set ))
    {
        if (!apply( a, first, count ))
        {
            if (saved != stack_saved) mm_free( saved );
            return STATUS_SUCCESS;
        }
        /* typically ENOMEM from vm.max_map_count: put everything back */
        runs_restore( a, first, count, saved, nsaved );
        pages_sync_kernel( a, first, count );
    }
    if (saved != stack_saved) mm_free( saved );
    return STATUS_NO_MEMORY;
}

void pages_relock( struct mm_alloc *a, size_t first, size_t count )
{
    SPACE_ASSERT_EXCLUSIVE();
    for (size_t p = first; p < first + count; p = runs_span_end( a, p ))
    {
        size_t stop = runs_span_end( a, p );
        if (stop > first + count) stop = first + count;
        if (runs_state( a, p ) & MM_LOCK_BITS)
            os_lock( a->base + (p << MM_PAGE_SHIFT), (stop - p) << MM_PAGE_SHIFT );
    }
}

/*
 * ntdll-mm core: MEM_RESET and MEM_RESET_UNDO.
 *
 * Where NT and Linux differ: NT may discard the contents of reset pages whenever it needs the
 * memory, and MEM_RESET_UNDO takes them back if they are still there.  MADV_FREE is the same
 * lazy discard; an undo writes each page that held data at reset (which keeps it), and finds
 * a discarded one in the pagemap (not present any more).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "reset.h"
#include "pagerun.h"
#include "pages.h"
#include "prot.h"
#include "os.h"

/* Lock: exclusive.  MEM_RESET of committed pages [first, first+count): remember which of them
 * hold data now (present in the page tables), so MEM_RESET_UNDO can tell whether the kernel
 * has since discarded any. */
static void note_present( struct mm_alloc *a, size_t first, size_t count )
{
    uint64_t entries[512];

    SPACE_ASSERT_EXCLUSIVE();
    if (!a->reset_present && !(a->reset_present = mm_calloc( (alloc_pages( a ) + 63) / 64, sizeof(uint64_t) ))) return;
    for (size_t done = 0; done < count; )
    {
        size_t n = count - done < ARRAY_SIZE( entries ) ? count - done : ARRAY_SIZE( entries );
        if (os_read_pagemap( a->base + ((first + done) << MM_PAGE_SHIFT), n, entries )) return;
        for (size_t i = 0; i < n; i++)
        {
            size_t page = first + done + i;
            if (entries[i] & (OS_PM_PRESENT | OS_PM_SWAPPED)) a->reset_present[page / 64] |= 1ull << (page % 64);
            else a->reset_present[page / 64] &= ~(1ull << (page % 64));
        }
        done += n;
    }
}

NTSTATUS reset_pages( struct mm_alloc *a, size_t first, size_t count )
{
    SPACE_ASSERT_EXCLUSIVE();
    /* the contents of committed pages may go, no state changes; reserved pages in the range
     * are accepted and stay reserved (kernel32 test_VirtualAlloc) */
    for (size_t p = first; p < first + count; p = runs_span_end( a, p ))
    {
        size_t stop = runs_span_end( a, p );
        if (stop > first + count) stop = first + count;
        if (runs_state( a, p ) & MM_COMMITTED)
        {
            note_present( a, p, stop - p );
            os_reset( a->base + (p << MM_PAGE_SHIFT), (stop - p) << MM_PAGE_SHIFT );
        }
    }
    return STATUS_SUCCESS;
}

/* MADV_FREE'd pages the kernel has not reclaimed yet become ordinary again when written, so
 * each page that held data at reset time is written in place (a locked add of 0: the value does
 * not change); one that is no longer present was discarded and reads as zero.  NT's status for
 * "some data was lost" is not documented: we return STATUS_UNSUCCESSFUL (the documentation
 * only says the call fails). */
NTSTATUS reset_undo( struct mm_alloc *a, size_t first, size_t count )
{
    int lost = 0;

    SPACE_ASSERT_EXCLUSIVE();
    if (!a->reset_present) return STATUS_SUCCESS;
    for (size_t page = first; page < first + count; page++)
    {
        uintptr_t addr = a->base + (page << MM_PAGE_SHIFT);
        uint32_t state = runs_state( a, page );
        uint64_t entry = 0;
        int prot;

        if (!(a->reset_present[page / 64] & (1ull << (page % 64)))) continue;
        a->reset_present[page / 64] &= ~(1ull << (page % 64));
        if (!(state & MM_COMMITTED)) continue;
        if (os_read_pagemap( addr, 1, &entry ) || !(entry & (OS_PM_PRESENT | OS_PM_SWAPPED)))
        {
            lost = 1;
            continue;
        }
        prot = prot_to_unix( state );
        if (!(prot & PROT_WRITE)) os_protect( addr, MM_PAGE_SIZE, PROT_READ | PROT_WRITE );
        __atomic_fetch_add( (volatile unsigned char *)addr, 0, __ATOMIC_RELAXED );
        if (!(prot & PROT_WRITE)) pages_sync_kernel( a, page, 1 );
    }
    return lost ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}


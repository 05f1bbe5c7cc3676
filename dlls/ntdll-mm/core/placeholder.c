/*
 * ntdll-mm core: placeholders (VirtualAlloc2's MEM_RESERVE_PLACEHOLDER).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "placeholder.h"
#include "prot.h"
#include "vad.h"
#include "wwatch.h"
#include "os.h"

/* ---- placeholders ---------------------------------------------------------------------------
 * Rules (VirtualAlloc2 / VirtualFree / MapViewOfFile3 / UnmapViewOfFile2 documentation; Wine's ntdll
 * test_NtAllocateVirtualMemoryEx and kernelbase test_VirtualAlloc2, which pass on Windows):
 * - a placeholder is reserved with MEM_RESERVE | MEM_RESERVE_PLACEHOLDER and PAGE_NOACCESS only, and
 *   reads as MEM_RESERVE, MEM_PRIVATE, AllocationProtect PAGE_NOACCESS;
 * - MEM_REPLACE_PLACEHOLDER (with MEM_RESERVE, maybe MEM_COMMIT) turns exactly one whole placeholder
 *   into private memory or a view; anything else there is STATUS_CONFLICTING_ADDRESSES;
 * - MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER splits a placeholder (page granularity) or turns memory
 *   that replaced one back into one; MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS joins two or more
 *   adjacent placeholders exactly covering the range.
 * Linux has no such object: a placeholder is a PROT_NONE reservation; splitting and joining only
 * change the tree, replacing maps over it with MAP_FIXED (never a window where it is unmapped). */

struct mm_alloc *ph_new( uintptr_t base, uintptr_t end )
{
    struct mm_alloc *a = vad_new( MM_KIND_PRIVATE, base, end );

    if (!a) return NULL;
    a->alloc_prot = PAGE_NOACCESS;
    a->flags = MM_F_PLACEHOLDER;
    return a;
}

struct mm_alloc *ph_find( uintptr_t start, uintptr_t end )
{
    struct mm_alloc *a = vad_find( start );

    if (!a || !(a->flags & MM_F_PLACEHOLDER) || a->base != start || a->end != end) return NULL;
    return a;
}

NTSTATUS ph_validate_type( ULONG type, ULONG protect, int have_addr, int have_req )
{
    if (type & MEM_RESERVE_PLACEHOLDER)
    {
        /* nothing but a reservation, no access (Wine's ntdll test: PAGE_READWRITE is refused) */
        if (!(type & MEM_RESERVE) || (type & ~(MEM_RESERVE | MEM_RESERVE_PLACEHOLDER | MEM_TOP_DOWN)))
            return STATUS_INVALID_PARAMETER;
        if (protect != PAGE_NOACCESS) return STATUS_INVALID_PARAMETER;
    }
    if (type & MEM_REPLACE_PLACEHOLDER)
    {
        /* MEM_REPLACE_PLACEHOLDER alone or with MEM_COMMIT only is refused (same test) */
        if (!(type & MEM_RESERVE) || (type & MEM_LARGE_PAGES)) return STATUS_INVALID_PARAMETER;
        if (!have_addr || have_req) return STATUS_INVALID_PARAMETER;
    }
    return STATUS_SUCCESS;
}

NTSTATUS ph_replace_private( uintptr_t *addr, size_t *size, ULONG type, ULONG protect )
{
    uintptr_t start = mm_round_down( *addr, MM_PAGE_MASK ), end, last;
    uint32_t state = (protect & (PAGE_BASE_MASK | PAGE_GUARD)) | MM_COMMITTED;
    ULONG base_prot = protect & PAGE_BASE_MASK;
    struct mm_alloc *a;
    NTSTATUS status = STATUS_SUCCESS;
    int prot;

    if (__builtin_add_overflow( *addr, *size, &last ) || last > space.highest + 1)
        return STATUS_INVALID_PARAMETER;
    end = mm_round_up( last, MM_PAGE_MASK );
    if (base_prot == PAGE_WRITECOPY || base_prot == PAGE_EXECUTE_WRITECOPY) return STATUS_INVALID_PAGE_PROTECTION;
    prot = (type & MEM_COMMIT) ? prot_to_unix( state ) : PROT_NONE;

    space_lock_exclusive();
    if (!(a = ph_find( start, end ))) status = STATUS_CONFLICTING_ADDRESSES;
    else
    {
        vad_remove( a );
        a->flags = MM_F_REPLACED;
        a->alloc_prot = protect;
        if (type & MEM_WRITE_WATCH) a->flags |= MM_F_WRITE_WATCH;
        if (protect & PAGE_NOCACHE) a->flags |= MM_F_NOCACHE;
        if (protect & PAGE_WRITECOMBINE) a->flags |= MM_F_WRITECOMBINE;
        if (type & MEM_COMMIT) run_at( a, 0 )->state = state;
        /* a fresh mapping: the placeholder's kernel mapping may be shared with its neighbours */
        if (os_map( start, end - start, prot, OS_MAP_ANON, -1, 0, 1 ) ||
            ((a->flags & MM_F_WRITE_WATCH) && ww_attach( a )))
        {
            os_map( start, end - start, PROT_NONE, OS_MAP_ANON, -1, 0, 1 );
            a->flags = MM_F_PLACEHOLDER;
            a->alloc_prot = PAGE_NOACCESS;
            run_at( a, 0 )->state = 0;
            status = STATUS_NO_MEMORY;
        }
        vad_insert( a );
    }
    space_unlock_exclusive();
    if (!status)
    {
        *addr = start;
        *size = end - start;
    }
    return status;
}

/* Lock: exclusive.  Make [start, end), inside placeholder a, a placeholder of its own: a keeps
 * that range, new placeholders take what is left on either side. */
NTSTATUS ph_split( struct mm_alloc *a, uintptr_t start, uintptr_t end )
{
    struct mm_alloc *head = NULL, *tail = NULL;

    SPACE_ASSERT_EXCLUSIVE();
    if ((start > a->base && !(head = ph_new( a->base, start ))) ||
        (end < a->end && !(tail = ph_new( end, a->end ))))
    {
        if (head) vad_free( head );
        return STATUS_NO_MEMORY;
    }
    vad_remove( a );
    a->base = start;
    a->end = end;
    vad_insert( a );
    if (head) vad_insert( head );
    if (tail) vad_insert( tail );
    return STATUS_SUCCESS;
}

/* Lock: exclusive.  MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER on [start, end) of private allocation a */
NTSTATUS ph_preserve( struct mm_alloc *a, uintptr_t start, uintptr_t end )
{
    SPACE_ASSERT_EXCLUSIVE();
    if (a->flags & MM_F_PLACEHOLDER)
    {
        /* splitting a placeholder into itself is a conflict (Wine's ntdll test) */
        if (start == a->base && end == a->end) return STATUS_CONFLICTING_ADDRESSES;
        return ph_split( a, start, end );
    }
    /* only memory that replaced a placeholder goes back to one, and only whole; an ordinary
     * allocation is STATUS_CONFLICTING_ADDRESSES (same test) */
    if (!(a->flags & MM_F_REPLACED) || start != a->base || end != a->end) return STATUS_CONFLICTING_ADDRESSES;
    /* contents, locks and write-watch registration go with the old mapping */
    if (os_map( a->base, a->end - a->base, PROT_NONE, OS_MAP_ANON, -1, 0, 1 )) return STATUS_NO_MEMORY;
    mm_free( a->ww_dirty );
    a->ww_dirty = NULL;
    a->flags = MM_F_PLACEHOLDER;
    a->alloc_prot = PAGE_NOACCESS;
    runs_reset( a, 0 );
    return STATUS_SUCCESS;
}

/* Lock: exclusive.  MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS: [start, end) must be exactly two or
 * more adjacent placeholders (VirtualFree documentation; Wine's ntdll test: any other range,
 * a single placeholder or one that was replaced is STATUS_CONFLICTING_ADDRESSES). */
NTSTATUS ph_coalesce( uintptr_t start, uintptr_t end )
{
    struct mm_alloc *a = vad_find( start ), *n;
    unsigned int count = 1;

    SPACE_ASSERT_EXCLUSIVE();
    if (!a || !(a->flags & MM_F_PLACEHOLDER) || a->base != start) return STATUS_CONFLICTING_ADDRESSES;
    for (n = a; n->end < end; count++)
    {
        n = vad_find( n->end );
        if (!n || !(n->flags & MM_F_PLACEHOLDER)) return STATUS_CONFLICTING_ADDRESSES;
    }
    if (n->end != end || count < 2) return STATUS_CONFLICTING_ADDRESSES;
    /* the pieces share the kernel mapping already: only the tree changes; a placeholder's
     * runs stay one reserved run whatever its size */
    vad_remove( a );
    while (a->end < end && (n = vad_find( a->end )))
    {
        vad_remove( n );
        a->end = n->end;
        vad_free( n );
    }
    vad_insert( a );
    return STATUS_SUCCESS;
}


/*
 * ntdll-mm core: private memory: NtAllocateVirtualMemory(Ex) and NtFreeVirtualMemory.
 *
 * Each Nt* entry point is thin: it copies its in/out parameters from user memory (so a bad
 * pointer gives STATUS_ACCESS_VIOLATION before anything changes, as the NT kernel's probing
 * does), validates flags and protections, then calls one worker that takes the space lock
 * exclusive once.  Outputs are written after the lock is dropped.
 *
 * Where NT and Linux differ:
 * - NT reserves address space in 64K units and commits in pages; Linux has one mmap unit.
 *   A reservation is one PROT_NONE MAP_NORESERVE mapping (reserve and commit at once: one
 *   mmap with the final protection); commit is mprotect; decommit is one fresh PROT_NONE
 *   mapping over the range, so recommitted pages read as zero as on NT.
 * - The kernel knows nothing of "reserved" vs "committed PAGE_NOACCESS" or PAGE_GUARD: that
 *   state lives in the allocation's page runs and is what queries report.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>

#include "bitmap.h"
#include "pagerun.h"
#include "pages.h"
#include "place.h"
#include "placeholder.h"
#include "prot.h"
#include "reserved.h"
#include "reset.h"
#include "section.h"
#include "stack.h"
#include "usercopy.h"
#include "vad.h"
#include "view.h"
#include "wwatch.h"
#include "os.h"

/* ---- parameters -------------------------------------------------------------------------- */

NTSTATUS mm_alloc_args_fetch( struct mm_alloc_args *args, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG_PTR zero_bits,
                              ULONG type, ULONG protect, const MEM_EXTENDED_PARAMETER *params, ULONG count,
                              int ex )
{
    NTSTATUS status;
    void *addr;

    memset( args, 0, sizeof(*args) );
    args->align_mask = MM_GRAN_MASK;
    /* extended parameters announced but missing */
    if (ex && count && !params) return STATUS_INVALID_PARAMETER;
    if ((status = user_fetch_inout( addr_ptr, size_ptr, &addr, &args->size ))) return status;
    args->addr = (uintptr_t)addr;
    args->zero_bits = zero_bits;
    args->type = type;
    args->protect = protect;
    if (ex && (status = place_requirements( params, count, addr != NULL, &args->lowest, &args->limit,
                                            &args->align_mask, &args->have_req, NULL )))
        return status;
    /* nothing to allocate */
    if (!args->size) return STATUS_INVALID_PARAMETER;
    /* zero_bits: a count of high bits (at most 21) or a mask of at least 64K (ReactOS apitest) */
    if (zero_bits > 21 && zero_bits < 32) return STATUS_INVALID_PARAMETER_3;
    if (zero_bits > 32 && zero_bits < MM_GRAN_MASK) return STATUS_INVALID_PARAMETER_3;
    return STATUS_SUCCESS;
}

static NTSTATUS validate_alloc_type( ULONG type, ULONG protect )
{
    const ULONG valid = MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN | MEM_WRITE_WATCH | MEM_RESET | MEM_LARGE_PAGES |
                        MEM_RESET_UNDO;

    /* something to do */
    if (!(type & (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO))) return STATUS_INVALID_PARAMETER;
    /* MEM_RESET_UNDO stands alone (VirtualAlloc docs) */
    if ((type & MEM_RESET_UNDO) && (type & ~MEM_RESET_UNDO)) return STATUS_INVALID_PARAMETER;
    /* flags NtAllocateVirtualMemory does not know */
    if (type & ~valid) return STATUS_INVALID_PARAMETER;
    /* MEM_RESET stands alone (MEM_TOP_DOWN is meaningless but harmless) */
    if ((type & MEM_RESET) && (type & (MEM_COMMIT | MEM_RESERVE | MEM_WRITE_WATCH))) return STATUS_INVALID_PARAMETER;
    /* write watching is chosen when reserving */
    if ((type & MEM_WRITE_WATCH) && !(type & MEM_RESERVE)) return STATUS_INVALID_PARAMETER;
    /* large pages are reserved and committed at once, never watched (VirtualAlloc docs) */
    if ((type & MEM_LARGE_PAGES) &&
        ((type & (MEM_RESERVE | MEM_COMMIT)) != (MEM_RESERVE | MEM_COMMIT) || (type & MEM_WRITE_WATCH)))
        return STATUS_INVALID_PARAMETER;
    /* PAGE_WRITECOPY can only be committed inside views: decided by the worker */
    return prot_validate( protect, (type & (MEM_COMMIT | MEM_RESERVE)) == MEM_COMMIT );
}

/* The checks after the process handle (NtAllocateVirtualMemoryEx's placeholder flags included);
 * on success args->limit holds the placement limit zero_bits gives. */
static NTSTATUS check_alloc_args( struct mm_alloc_args *args, int ex )
{
    NTSTATUS status;

    /* placeholders only through NtAllocateVirtualMemoryEx */
    if (!ex && (args->type & (MEM_RESERVE_PLACEHOLDER | MEM_REPLACE_PLACEHOLDER))) return STATUS_INVALID_PARAMETER;
    if ((status = ph_validate_type( args->type, args->protect, args->addr != 0, args->have_req ))) return status;
    if ((status = validate_alloc_type( args->type & ~(MEM_RESERVE_PLACEHOLDER | MEM_REPLACE_PLACEHOLDER),
                                       args->protect )))
        return status;
    /* address requirements only make sense for a new reservation */
    if (args->have_req && !(args->type & MEM_RESERVE) &&
        (args->limit || args->lowest || args->align_mask != MM_GRAN_MASK))
        return STATUS_INVALID_PARAMETER;
    if (!args->addr && args->zero_bits) args->limit = place_zero_bits_limit( args->zero_bits ) + 1;
    return STATUS_SUCCESS;
}

/* ---- a new allocation ------------------------------------------------------------------------ */

static int map_anon( uintptr_t addr, size_t size, void *ctx )
{
    return resv_map( addr, size, *(int *)ctx, OS_MAP_ANON, -1, 0 );
}

struct huge_ctx
{
    int prot;
    int err;
};

static int map_huge( uintptr_t addr, size_t size, void *ctx )
{
    struct huge_ctx *h = ctx;
    return h->err = resv_map( addr, size, h->prot, OS_MAP_HUGE, -1, 0 );
}

/* Lock: exclusive.  The node of a new allocation over the fresh mapping [start, end). */
static NTSTATUS new_allocation( const struct mm_alloc_args *args, uintptr_t start, uintptr_t end, uint32_t state )
{
    struct mm_alloc *a;

    if (!(a = vad_new( MM_KIND_PRIVATE, start, end ))) return STATUS_NO_MEMORY;
    a->alloc_prot = args->protect;
    if (args->type & MEM_WRITE_WATCH) a->flags |= MM_F_WRITE_WATCH;
    if (args->protect & PAGE_NOCACHE) a->flags |= MM_F_NOCACHE;
    if (args->protect & PAGE_WRITECOMBINE) a->flags |= MM_F_WRITECOMBINE;
    if (args->type & MEM_TOP_DOWN) a->flags |= MM_F_TOP_DOWN;
    if (args->type & MEM_LARGE_PAGES) a->flags |= MM_F_LARGE_PAGES;
    if (args->type & MEM_RESERVE_PLACEHOLDER) a->flags |= MM_F_PLACEHOLDER;
    if (args->type & MEM_COMMIT) run_at( a, 0 )->state = state;
    if ((a->flags & MM_F_WRITE_WATCH) && ww_attach( a ))
    {
        vad_free( a );
        return STATUS_NO_MEMORY;
    }
    vad_insert( a );
    return STATUS_SUCCESS;
}

/* A new allocation of [*start, *end) (a fixed range, or *start 0: anywhere), reserved or
 * reserved and committed in one mapping. */
static NTSTATUS reserve_worker( const struct mm_alloc_args *args, uintptr_t *start, uintptr_t *end, uint32_t state )
{
    size_t size = *end - *start;
    ULONG base_prot = args->protect & PAGE_BASE_MASK;
    /* reserve and commit in one mmap: the kernel gets the final protection at once */
    int prot = (args->type & MEM_COMMIT) ? prot_to_unix( state ) : PROT_NONE;
    struct place_req req = { *start, size, args->lowest, args->limit, args->align_mask,
                             !!(args->type & MEM_TOP_DOWN) };
    struct huge_ctx huge = { prot, 0 };
    NTSTATUS status;

    /* a new private allocation never copies on write */
    if (base_prot == PAGE_WRITECOPY || base_prot == PAGE_EXECUTE_WRITECOPY) return STATUS_INVALID_PAGE_PROTECTION;
    space_lock_exclusive();
    if (args->type & MEM_LARGE_PAGES)
    {
        status = place_range( &req, map_huge, &huge, start );
        /* the pool has no pages to give: NT's "no contiguous large pages" */
        if (status && huge.err == -ENOMEM) status = STATUS_INSUFFICIENT_RESOURCES;
    }
    else status = place_range( &req, map_anon, &prot, start );
    if (!status)
    {
        *end = *start + size;
        if ((status = new_allocation( args, *start, *end, state ))) resv_release( *start, size );
    }
    space_unlock_exclusive();
    return status;
}

/* ---- commit, reset and undo inside an allocation ----------------------------------------------- */

/* Lock: exclusive.  MEM_COMMIT, MEM_RESET or MEM_RESET_UNDO on [start, end) of a. */
static NTSTATUS change_worker( struct mm_alloc *a, const struct mm_alloc_args *args, uintptr_t start, uintptr_t end,
                               uint32_t state )
{
    size_t first = (start - a->base) >> MM_PAGE_SHIFT, count = (end - start) >> MM_PAGE_SHIFT;
    ULONG base_prot = args->protect & PAGE_BASE_MASK;

    if (alloc_is_view( a ) && (args->type & MEM_COMMIT))
    {
        /* file and image views are committed by their file; pagefile views accept MEM_COMMIT
         * with what the view's protection allows (kernel32 test_mapping), which sets the
         * protection, and for SEC_RESERVE commits the section's pages for every view */
        if (a->kind == MM_KIND_IMAGE || section_is_file( a->section )) return STATUS_ALREADY_COMMITTED;
        if (!view_protect_allowed( a, base_prot )) return STATUS_SECTION_PROTECTION;
        return view_set_protection( a, first, count, args->protect, 1 );
    }
    /* a large page has one protection */
    if ((a->flags & MM_F_LARGE_PAGES) && ((start | end) & (os_info.large_page_size - 1)))
        return STATUS_INVALID_PARAMETER;
    /* private memory never copies on write */
    if (a->kind == MM_KIND_PRIVATE && (args->type & MEM_COMMIT) &&
        (base_prot == PAGE_WRITECOPY || base_prot == PAGE_EXECUTE_WRITECOPY))
        return STATUS_INVALID_PAGE_PROTECTION;
    if (args->type & MEM_RESET) return reset_pages( a, first, count );
    if (args->type & MEM_RESET_UNDO) return reset_undo( a, first, count );
    /* write watch: pages are armed as they are committed */
    if ((a->flags & MM_F_WRITE_WATCH) && ww_commit( a, first, count )) return STATUS_NO_MEMORY;
    return pages_change( a, first, count, MM_LOCK_BITS, state, pages_sync_kernel );
}

/* NtAllocateVirtualMemory(Ex)'s work, after every parameter check: on success
 * args->addr / args->size are the page-rounded range NT reports */
static NTSTATUS allocate( struct mm_alloc_args *args )
{
    uint32_t state = (args->protect & (PAGE_BASE_MASK | PAGE_GUARD)) | MM_COMMITTED;
    uintptr_t start = 0, end;
    struct mm_alloc *a;
    NTSTATUS status;

    /* MEM_RESET and MEM_RESET_UNDO name memory that exists */
    if ((args->type & (MEM_RESET | MEM_RESET_UNDO)) && !args->addr) return STATUS_INVALID_PARAMETER;
    if (args->type & MEM_LARGE_PAGES)
    {
        size_t large = os_info.large_page_size;
        /* size and address multiples of the large-page minimum; the privilege after the
         * parameters, as NT checks it */
        if (!large || (args->size & (large - 1)) || (args->addr & (large - 1))) return STATUS_INVALID_PARAMETER;
        if (!host_has_lock_memory_privilege()) return STATUS_PRIVILEGE_NOT_HELD;
        if (args->align_mask < large - 1) args->align_mask = large - 1;
    }
    if (args->addr)
    {
        uintptr_t last;
        start = mm_round_down( args->addr, (args->type & MEM_RESERVE) ? MM_GRAN_MASK : MM_PAGE_MASK );
        /* a range that wraps or leaves the user range */
        if (__builtin_add_overflow( args->addr, args->size, &last ) || last > space.highest + 1)
            return STATUS_INVALID_PARAMETER;
        end = mm_round_up( last, MM_PAGE_MASK );
        /* the low 64K are never available (ReactOS apitest NtAllocateVirtualMemory) */
        if (start < space.lowest) return STATUS_INVALID_PARAMETER_2;
    }
    else
    {
        /* more than the user range can hold */
        if (args->size > space.highest + 1 - space.lowest) return STATUS_NO_MEMORY;
        end = mm_round_up( args->size, MM_PAGE_MASK );
    }

    if ((args->type & MEM_RESERVE) || !args->addr) status = reserve_worker( args, &start, &end, state );
    else
    {
        space_lock_exclusive();
        /* a placeholder has nothing to commit until it is replaced (Wine's ntdll
         * test_NtAllocateVirtualMemoryEx, Windows behaviour) */
        a = vad_find( start );
        if (!a || a->kind == MM_KIND_FOREIGN || end > a->end || (a->flags & MM_F_PLACEHOLDER))
            status = STATUS_CONFLICTING_ADDRESSES;
        else status = change_worker( a, args, start, end, state );
        /* NT: a guard page set in the committed part of the thread's own stack moves its limit */
        if (!status && (args->type & MEM_COMMIT) && (args->protect & PAGE_GUARD)) stack_guard_set( start, end );
        space_unlock_exclusive();
    }
    if (status) return status;
    args->addr = start;
    args->size = end - start;
    return STATUS_SUCCESS;
}

NTSTATUS WINAPI NtAllocateVirtualMemory( HANDLE process, PVOID *ret, ULONG_PTR zero_bits,
                                         SIZE_T *size_ptr, ULONG type, ULONG protect )
{
    struct mm_alloc_args args;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = mm_alloc_args_fetch( &args, ret, size_ptr, zero_bits, type, protect, NULL, 0, 0 ))) return status;
    if ((status = host_check_process( process ))) return status;
    if ((status = check_alloc_args( &args, 0 ))) return status;
    if ((status = allocate( &args ))) return status;
    return user_store_inout( ret, size_ptr, args.addr, args.size );
}

NTSTATUS WINAPI NtAllocateVirtualMemoryEx( HANDLE process, PVOID *ret, SIZE_T *size_ptr, ULONG type,
                                           ULONG protect, MEM_EXTENDED_PARAMETER *parameters,
                                           ULONG count )
{
    struct mm_alloc_args args;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = mm_alloc_args_fetch( &args, ret, size_ptr, 0, type, protect, parameters, count, 1 ))) return status;
    if ((status = host_check_process( process ))) return status;
    if ((status = check_alloc_args( &args, 1 ))) return status;
    if (type & MEM_REPLACE_PLACEHOLDER) status = ph_replace_private( &args.addr, &args.size, type, protect );
    else status = allocate( &args );
    if (status) return status;
    return user_store_inout( ret, size_ptr, args.addr, args.size );
}

/* ---- NtFreeVirtualMemory -------------------------------------------------------------------- */

/* Lock: exclusive.  A new node for pages [from, to) of private allocation a, with their states
 * and the write-watch and MEM_RESET bits of those pages; NULL if memory runs out. */
static struct mm_alloc *clone_part( const struct mm_alloc *a, uintptr_t from, uintptr_t to )
{
    size_t first = (from - a->base) >> MM_PAGE_SHIFT, count = (to - from) >> MM_PAGE_SHIFT, words = (count + 63) / 64;
    struct mm_alloc *b;

    SPACE_ASSERT_EXCLUSIVE();
    if (!(b = vad_new( a->kind, from, to ))) return NULL;
    b->alloc_prot = a->alloc_prot;
    b->flags = a->flags;
    runs_reset( b, runs_state( a, first ) );
    for (size_t p = first; p < first + count; p = runs_span_end( a, p ))
    {
        size_t stop = runs_span_end( a, p );
        if (stop > first + count) stop = first + count;
        if (runs_update( b, p - first, stop - p, 0, runs_state( a, p ) )) goto failed;
    }
    if (a->ww_dirty && !(b->ww_dirty = mm_calloc( words, sizeof(uint64_t) ))) goto failed;
    if (a->reset_present && !(b->reset_present = mm_calloc( words, sizeof(uint64_t) ))) goto failed;
    for (size_t i = 0; i < count; i++)
    {
        if (b->ww_dirty && bit_test( a->ww_dirty, first + i )) bits_update( b->ww_dirty, i, i + 1, 1 );
        if (b->reset_present && bit_test( a->reset_present, first + i )) bits_update( b->reset_present, i, i + 1, 1 );
    }
    return b;
failed:
    vad_free( b );
    return NULL;
}

/* Lock: exclusive.  MEM_RELEASE of [start, end) (end 0: size 0) of a.  Size 0 is the whole
 * allocation, from its base.  A size releases just those pages, anywhere in the allocation,
 * and what is left on either side becomes an allocation of its own (Wine's ntdll
 * test_NtFreeVirtualMemory, Wine 10.0's, which passes on Windows: the page at base + 0x1000 of
 * a 64K allocation is released, and the rest from base + 0x2000 is later released with size 0
 * at that address).  A placeholder splits the same way into placeholders (test
 * test_NtAllocateVirtualMemoryEx).  Pages of large-page memory go with the whole allocation
 * only (hugetlb mappings are unmapped in huge pages: our choice of STATUS_INVALID_PARAMETER). */
static NTSTATUS release( struct mm_alloc *a, uintptr_t start, uintptr_t end, uintptr_t *ret_base, size_t *ret_size )
{
    struct mm_alloc *head = NULL, *tail = NULL;

    if (!end)
    {
        if (start != a->base) return STATUS_FREE_VM_NOT_AT_BASE;
        end = a->end;
    }
    if ((start != a->base || end != a->end) && (a->flags & MM_F_PLACEHOLDER))
    {
        if (ph_split( a, start, end )) return STATUS_NO_MEMORY;
    }
    else if (start != a->base || end != a->end)
    {
        if (a->flags & MM_F_LARGE_PAGES) return STATUS_INVALID_PARAMETER;
        /* the parts that stay, made before anything changes */
        if ((start > a->base && !(head = clone_part( a, a->base, start ))) ||
            (end < a->end && !(tail = clone_part( a, end, a->end ))))
        {
            if (head) vad_free( head );
            return STATUS_NO_MEMORY;
        }
    }
    if (resv_release( start, end - start ))
    {
        if (head) vad_free( head );
        if (tail) vad_free( tail );
        return STATUS_NO_MEMORY;
    }
    *ret_base = start;
    *ret_size = end - start;
    vad_remove( a );
    vad_free( a );
    if (head) vad_insert( head );
    if (tail) vad_insert( tail );
    return STATUS_SUCCESS;
}

/* Lock: exclusive.  MEM_DECOMMIT of [start, end) (end 0: size 0, to the end, from the base) */
static NTSTATUS decommit( struct mm_alloc *a, uintptr_t start, uintptr_t end, uintptr_t *ret_base, size_t *ret_size )
{
    uintptr_t stop = end ? end : a->end;
    NTSTATUS status;

    /* large pages are nonpageable and committed whole: they go with the allocation (our
     * choice: no public test pins NT's answer) */
    if (a->flags & MM_F_LARGE_PAGES) return STATUS_INVALID_PARAMETER;
    if (!end && start != a->base) return STATUS_FREE_VM_NOT_AT_BASE;
    /* decommit leaves every page of the range reserved (PROT_NONE): one call does it; a watched
     * allocation keeps what was written */
    status = pages_change( a, (start - a->base) >> MM_PAGE_SHIFT, (stop - start) >> MM_PAGE_SHIFT, 0, 0,
                           (a->flags & MM_F_WRITE_WATCH) ? ww_decommit : pages_decommit );
    if (status) return status;
    *ret_base = start;
    /* NT reports the size it was given rounded, and 0 for "to the end" */
    *ret_size = end ? end - start : 0;
    return STATUS_SUCCESS;
}

static NTSTATUS free_worker( uintptr_t addr, size_t size, ULONG type, uintptr_t *ret_base, size_t *ret_size )
{
    uintptr_t start = mm_round_down( addr, MM_PAGE_MASK ), end = 0;
    struct mm_alloc *a;
    NTSTATUS status;

    if (size)
    {
        uintptr_t last;
        /* a range that wraps */
        if (__builtin_add_overflow( addr, size, &last )) return STATUS_INVALID_PARAMETER;
        end = mm_round_up( last, MM_PAGE_MASK );
    }

    space_lock_exclusive();
    a = vad_find( start );
    if (type == (MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS))
    {
        if (!(status = ph_coalesce( start, end )))
        {
            *ret_base = start;
            *ret_size = end - start;
        }
    }
    /* free memory, or memory the library did not allocate: never ours to free */
    else if (!a || a->kind == MM_KIND_FOREIGN) status = STATUS_MEMORY_NOT_ALLOCATED;
    /* views go with NtUnmapViewOfSection; their pages cannot be decommitted (ReactOS apitest:
     * both free types) */
    else if (alloc_is_view( a )) status = STATUS_UNABLE_TO_DELETE_SECTION;
    /* a range running past the allocation (ReactOS apitest) */
    else if (end && end > a->end) status = STATUS_UNABLE_TO_FREE_VM;
    else if (type == (MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER))
    {
        if (!(status = ph_preserve( a, start, end )))
        {
            *ret_base = start;
            *ret_size = end - start;
        }
    }
    else if (type == MEM_RELEASE) status = release( a, start, end, ret_base, ret_size );
    else status = decommit( a, start, end, ret_base, ret_size );
    space_unlock_exclusive();
    return status;
}

NTSTATUS WINAPI NtFreeVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG type )
{
    uintptr_t base = 0;
    size_t rsize = 0;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = user_fetch_inout( addr_ptr, size_ptr, &addr, &size ))) return status;
    if ((status = host_check_process( process ))) return status;
    if (type & (MEM_PRESERVE_PLACEHOLDER | MEM_COALESCE_PLACEHOLDERS))
    {
        /* placeholder operations are releases of a given range (Wine's ntdll test) */
        if (type != (MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER) && type != (MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS))
            return STATUS_INVALID_PARAMETER_4;
        if (!size) return STATUS_INVALID_PARAMETER_3;
    }
    /* one of the two free types */
    else if (type != MEM_RELEASE && type != MEM_DECOMMIT) return STATUS_INVALID_PARAMETER;
    /* no address */
    if (!addr) return STATUS_INVALID_PARAMETER;
    if ((status = free_worker( (uintptr_t)addr, size, type, &base, &rsize ))) return status;
    return user_store_inout( addr_ptr, size_ptr, base, rsize );
}

/* ---- private memory a host backs with a file of its own --------------------------------------- */

NTSTATUS mm_map_host_file( void *addr, SIZE_T size, int fd, uint64_t offset )
{
    uintptr_t start = (uintptr_t)addr, end = start + size;
    struct mm_alloc *a;
    NTSTATUS status = STATUS_SUCCESS;
    uint32_t state;

    if ((start | size) & MM_PAGE_MASK || !size) return STATUS_INVALID_PARAMETER;
    if ((status = mm_ensure_init())) return status;
    space_lock_exclusive();
    a = vad_find( start );
    /* committed private memory of the core's, one run: the page keeps its NT state */
    if (!a || a->kind != MM_KIND_PRIVATE || end > a->end ||
        runs_span_end( a, (start - a->base) >> MM_PAGE_SHIFT ) < (end - a->base) >> MM_PAGE_SHIFT ||
        !((state = runs_state( a, (start - a->base) >> MM_PAGE_SHIFT )) & MM_COMMITTED))
        status = STATUS_INVALID_PARAMETER;
    else if (os_map( start, size, prot_to_unix( state ), OS_MAP_SHARED, fd, offset, 1 ))
        status = STATUS_NO_MEMORY;
    space_unlock_exclusive();
    return status;
}

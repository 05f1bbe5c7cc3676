/*
 * ntdll-mm: private memory: NtAllocateVirtualMemory(Ex), NtFreeVirtualMemory,
 * NtProtectVirtualMemory.
 *
 * Each Nt* entry point is thin: it copies its in/out parameters from user memory (so a bad
 * pointer gives STATUS_ACCESS_VIOLATION before anything changes, as the NT kernel's probing
 * does), validates flags and protections, then calls one worker that takes mm.lock
 * exclusive once.  Outputs are written after the lock is dropped.
 *
 * Where NT and Linux differ:
 * - NT reserves address space in 64K units and commits in pages; Linux has one mmap unit.
 *   A reservation is one PROT_NONE MAP_NORESERVE mapping; commit is mprotect; decommit is
 *   MADV_DONTNEED + PROT_NONE, so recommitted pages read as zero as on NT.
 * - The kernel knows nothing of "reserved" vs "committed PAGE_NOACCESS" or PAGE_GUARD:
 *   that state lives in the allocation's page runs (vad.c) and is what queries report.
 * - NT never fails because a *foreign* mapping (libc heap, program's own mmap) occupies an
 *   address it considers free: the gap search learns those ranges from the kernel, and
 *   MAP_FIXED_NOREPLACE is the final arbiter.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "mm_private.h"
#include "os.h"

struct mm_space mm = { .lock = PTHREAD_RWLOCK_INITIALIZER };

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static NTSTATUS init_status;

void mm_assert_fail( const char *file, int line, const char *what )
{
    fprintf( stderr, "ntdll-mm: %s:%d: assertion failed: %s\n", file, line, what );
    abort();
}

/* fork(): the child gets the address space as it is between two NT calls.  Without this, a
 * fork while another thread holds mm.lock (or the host's or the heap's locks) leaves the lock
 * held for ever in the child (that thread does not exist there) and the child's first memory
 * call hangs.  One handler takes every lock in the lock order (mm.lock, the host's, the
 * heap's) and the forking thread waits for the calls in flight.  In the child the locks are
 * made anew: glibc's rwlock records its writer by thread id, which fork changes.  Registered
 * when the library is loaded: registering may use the C heap, and the heap is in use before
 * the first NT call initialises the core. */
static void atfork_prepare( void )
{
    mm_lock_exclusive();
    host_fork( MM_FORK_PREPARE );
    pool_fork( MM_FORK_PREPARE );
}

static void atfork_parent( void )
{
    pool_fork( MM_FORK_PARENT );
    host_fork( MM_FORK_PARENT );
    mm_unlock_exclusive();
}

static void atfork_child( void )
{
    pool_fork( MM_FORK_CHILD );
    host_fork( MM_FORK_CHILD );
    __atomic_store_n( &mm.writer, 0, __ATOMIC_RELAXED );
    pthread_rwlock_init( &mm.lock, NULL );
    host_lock_forget();
}

static void __attribute__((constructor)) register_atfork( void )
{
    pthread_atfork( atfork_prepare, atfork_parent, atfork_child );
}

static void do_init( void )
{
    int ret;

    if ((ret = os_init()))
    {
        fprintf( stderr, "ntdll-mm: kernel probe failed (%s)\n", strerror( -ret ) );
        init_status = STATUS_NOT_SUPPORTED;
        return;
    }
    mm.lowest = mm_round_up( os_info.mmap_min_addr > 0x10000 ? os_info.mmap_min_addr : 0x10000, MM_GRAN_MASK );
    /* NT's MmHighestUserAddress on x86_64; the kernel's limit is a little higher */
    mm.highest = 0x7ffffffeffff;
    if (mm.highest >= os_info.user_top) mm.highest = os_info.user_top - 1;
    if ((init_status = host_init())) return;
    if ((init_status = ww_init())) return;
    mm_lock_exclusive();
    ret = vad_load_foreign();
    mm_unlock_exclusive();
    if (ret) init_status = STATUS_NO_MEMORY;
}

NTSTATUS mm_ensure_init( void )
{
    pthread_once( &init_once, do_init );
    return init_status;
}

NTSTATUS ntdll_mm_init( void )
{
    return mm_ensure_init();
}

void ntdll_mm_get_kernel_info( struct ntdll_mm_kernel_info *info )
{
    mm_ensure_init();
    info->page_size = os_info.page_size;
    info->large_page_size = os_info.large_page_size;
    info->has_procmap_query = os_info.has_procmap_query;
    info->has_pagemap = os_info.has_pagemap;
    info->has_uffd_wp_async = os_info.has_uffd_wp_async;
    info->has_pagemap_scan = os_info.has_pagemap_scan;
    info->has_fixed_noreplace = os_info.has_fixed_noreplace;
    info->write_watch_mode = ww_mode;
}

void *ntdll_mm_lowest_address( void )
{
    mm_ensure_init();
    return (void *)mm.lowest;
}

void *ntdll_mm_highest_address( void )
{
    mm_ensure_init();
    return (void *)mm.highest;
}

/* ---- protections ---------------------------------------------------------------------- */

#define PAGE_BASE_MASK 0xffu
#define PAGE_MODIFIERS (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)

NTSTATUS mm_validate_protect( ULONG protect, int for_image )
{
    ULONG base = protect & PAGE_BASE_MASK, mods = protect & ~PAGE_BASE_MASK;

    /* exactly one base protection */
    if (!base || (base & (base - 1))) return STATUS_INVALID_PAGE_PROTECTION;
    if (mods & ~PAGE_MODIFIERS) return STATUS_INVALID_PAGE_PROTECTION;
    if ((mods & PAGE_NOCACHE) && (mods & (PAGE_WRITECOMBINE | PAGE_GUARD))) return STATUS_INVALID_PAGE_PROTECTION;
    if ((mods & PAGE_WRITECOMBINE) && (mods & PAGE_GUARD)) return STATUS_INVALID_PAGE_PROTECTION;
    if (base == PAGE_NOACCESS && mods) return STATUS_INVALID_PAGE_PROTECTION;
    if (!for_image && (base == PAGE_WRITECOPY || base == PAGE_EXECUTE_WRITECOPY))
        return STATUS_INVALID_PAGE_PROTECTION;
    return STATUS_SUCCESS;
}

int mm_prot_to_unix( uint32_t state )
{
    if (!(state & MM_COMMITTED) || (state & PAGE_GUARD)) return PROT_NONE;
    switch (state & PAGE_BASE_MASK)
    {
    case PAGE_READONLY:          return PROT_READ;
    case PAGE_READWRITE:
    case PAGE_WRITECOPY:         return PROT_READ | PROT_WRITE;
    /* x86 cannot execute without reading; NT's PAGE_EXECUTE pages are readable there too */
    case PAGE_EXECUTE:
    case PAGE_EXECUTE_READ:      return PROT_READ | PROT_EXEC;
    case PAGE_EXECUTE_READWRITE:
    case PAGE_EXECUTE_WRITECOPY: return PROT_READ | PROT_WRITE | PROT_EXEC;
    default:                     return PROT_NONE;
    }
}

uint32_t mm_nt_protect( const struct mm_alloc *a, uint32_t state )
{
    uint32_t prot;
    if (!(state & MM_COMMITTED)) return 0;
    prot = state & MM_PROT_MASK;
    if (a->flags & MM_F_NOCACHE) prot |= PAGE_NOCACHE;
    if (a->flags & MM_F_WRITECOMBINE) prot |= PAGE_WRITECOMBINE;
    return prot;
}

/* Lock: exclusive.  Give pages [first, first+count) the kernel protection of their state,
 * one mprotect per run of equal kernel protection. */
int mm_sync_kernel( struct mm_alloc *a, size_t first, size_t count )
{
    size_t end = first + count, page = first;

    MM_ASSERT_EXCLUSIVE();
    while (page < end)
    {
        size_t i = runs_index( a, page ), stop;
        int prot = mm_prot_to_unix( run_at( a, i )->state ), ret;

        stop = run_end( a, i );
        while (stop < end && mm_prot_to_unix( run_at( a, ++i )->state ) == prot) stop = run_end( a, i );
        if (stop > end) stop = end;
        if ((ret = ww_protect( a, page, stop - page, prot ))) return ret;
        page = stop;
    }
    return 0;
}

/* Lock: exclusive.  Change the state of [first, first+count) and the kernel's protection
 * with it; on failure both are as they were.  'discard' (decommit: set must be 0) also drops
 * the pages' contents. */
static NTSTATUS change_pages( struct mm_alloc *a, size_t first, size_t count, uint32_t keep, uint32_t set,
                              int discard )
{
    struct mm_run stack_saved[16], *saved = stack_saved;
    size_t nsaved = runs_count( a, first, count );
    int ret;

    MM_ASSERT_EXCLUSIVE();
    if (!count) return STATUS_SUCCESS;
    /* keep the old runs of the range to undo with (a change of a few pages touches a few runs,
     * however many the allocation has), and room for the undo, which then cannot fail */
    if (nsaved > ARRAY_SIZE( stack_saved ) && !(saved = mm_malloc( nsaved * sizeof(*saved) ))) return STATUS_NO_MEMORY;
    runs_save( a, first, count, saved );
    if (!runs_reserve_more( a, 4 + nsaved ) && !runs_update( a, first, count, keep, set ))
    {
        /* decommit leaves every page of the range reserved (PROT_NONE): one call does it */
        if (discard && (a->flags & MM_F_WRITE_WATCH)) ret = ww_decommit( a, first, count );
        else if (discard) ret = os_decommit( a->base + (first << MM_PAGE_SHIFT), count << MM_PAGE_SHIFT );
        else ret = mm_sync_kernel( a, first, count );
        if (!ret)
        {
            if (saved != stack_saved) mm_free( saved );
            return STATUS_SUCCESS;
        }
        /* typically ENOMEM from vm.max_map_count: put everything back */
        runs_restore( a, first, count, saved, nsaved );
        mm_sync_kernel( a, first, count );
    }
    if (saved != stack_saved) mm_free( saved );
    return STATUS_NO_MEMORY;
}

/* ---- NtAllocateVirtualMemory ------------------------------------------------------------- */

UINT_PTR mm_zero_bits_limit( ULONG_PTR zero_bits )
{
    int bits;

    if (!zero_bits) return 0;
    /* 1..21: that many high bits of a 32-bit address must be zero (NT counts from bit 31) */
    if (zero_bits < 32) return ((UINT_PTR)1 << (32 - zero_bits)) - 1;
    /* a mask (64-bit NT): its leading zero bits must be zero in the address */
    bits = 64 - __builtin_clzll( (unsigned long long)zero_bits );
    return bits >= 64 ? ~(UINT_PTR)0 : ((UINT_PTR)1 << bits) - 1;
}

struct alloc_args
{
    uintptr_t addr;              /* in: requested address (0 = anywhere); out: base */
    size_t size;                 /* in: requested size; out: rounded size */
    ULONG type, protect;
    uintptr_t limit;             /* highest address + 1 the allocation may end at (0 = none) */
    uintptr_t lowest;            /* lowest start address (0 = none) */
    size_t align_mask;           /* alignment of an allocation placed by us */
};

static int map_anon( uintptr_t addr, size_t size, void *ctx )
{
    return os_reserve( addr, size, *(int *)ctx );
}

struct huge_ctx
{
    int prot;
    int err;
};

static int map_huge( uintptr_t addr, size_t size, void *ctx )
{
    struct huge_ctx *h = ctx;
    return h->err = os_map_huge( addr, size, h->prot );
}

/* Lock: exclusive.  Place a new allocation or view of req->size bytes: at req->addr if given
 * (anything of ours there is a conflict), else in the lowest (highest with top_down) free
 * range of the window, and make the kernel mapping with map().  map() must never replace an
 * existing mapping (-EEXIST when the range is taken); on -EEXIST the foreign ranges are
 * re-read from the kernel and the search retried. */
NTSTATUS mm_place( const struct mm_place_req *req, mm_map_func map, void *ctx, uintptr_t *base )
{
    uintptr_t hi = req->limit ? req->limit : mm.highest + 1;
    struct mm_alloc *ov;
    int ret;

    MM_ASSERT_EXCLUSIVE();
    if (req->addr)
    {
        if ((ov = vad_first_overlap( req->addr, req->addr + req->size )))
        {
            if (ov->kind != MM_KIND_FOREIGN) return STATUS_CONFLICTING_ADDRESSES;
            /* the foreign map may be stale: ask the kernel again before refusing */
            vad_load_foreign();
            if (vad_first_overlap( req->addr, req->addr + req->size )) return STATUS_CONFLICTING_ADDRESSES;
        }
        ret = map( req->addr, req->size, ctx );
        if (ret == -EEXIST) return STATUS_CONFLICTING_ADDRESSES;
        if (ret) return ret == -EACCES || ret == -EPERM ? STATUS_ACCESS_DENIED : STATUS_NO_MEMORY;
        *base = req->addr;
        return STATUS_SUCCESS;
    }
    for (int attempt = 0; attempt < 8; attempt++)
    {
        uintptr_t addr = vad_find_gap( req->size, req->lowest, hi, req->align_mask, req->top_down );

        if (!addr) return STATUS_NO_MEMORY;
        if (!(ret = map( addr, req->size, ctx )))
        {
            *base = addr;
            return STATUS_SUCCESS;
        }
        if (ret != -EEXIST) return ret == -EACCES || ret == -EPERM ? STATUS_ACCESS_DENIED : STATUS_NO_MEMORY;
        /* somebody mapped there since we last looked: learn the kernel's map again */
        vad_load_foreign();
    }
    return STATUS_NO_MEMORY;
}

static NTSTATUS set_view_protection( struct mm_alloc *a, size_t first, size_t count, ULONG prot, int commit );

/* Lock: exclusive.  MEM_RESET of committed pages [first, first+count): remember which of them
 * hold data now (present in the page tables), so MEM_RESET_UNDO can tell whether the kernel
 * has since discarded any. */
static void note_reset_pages( struct mm_alloc *a, size_t first, size_t count )
{
    uint64_t entries[512];

    MM_ASSERT_EXCLUSIVE();
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

/* Lock: exclusive.  MEM_RESET_UNDO: MADV_FREE'd pages the kernel has not reclaimed yet become
 * ordinary again when written, so each page that held data at reset time is written in place
 * (a locked add of 0: the value does not change); one that is no longer present was discarded
 * and reads as zero.  NT's status for "some data was lost" is not documented: we return
 * STATUS_UNSUCCESSFUL (the documentation only says the call fails). */
static NTSTATUS undo_reset( struct mm_alloc *a, size_t first, size_t count )
{
    int lost = 0;

    MM_ASSERT_EXCLUSIVE();
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
        prot = mm_prot_to_unix( state );
        if (!(prot & PROT_WRITE)) os_protect( addr, MM_PAGE_SIZE, PROT_READ | PROT_WRITE );
        __atomic_fetch_add( (volatile unsigned char *)addr, 0, __ATOMIC_RELAXED );
        if (!(prot & PROT_WRITE)) mm_sync_kernel( a, page, 1 );
    }
    return lost ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}

static NTSTATUS allocate_worker( struct alloc_args *args )
{
    uintptr_t start, end;
    struct mm_alloc *a;
    NTSTATUS status;
    uint32_t state = (args->protect & (PAGE_BASE_MASK | PAGE_GUARD)) | MM_COMMITTED;

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
        if (__builtin_add_overflow( args->addr, args->size, &last ) || last > mm.highest + 1)
            return STATUS_INVALID_PARAMETER;
        end = mm_round_up( last, MM_PAGE_MASK );
        /* the low 64K are never available (ReactOS apitest NtAllocateVirtualMemory) */
        if (start < mm.lowest) return STATUS_INVALID_PARAMETER_2;
    }
    else
    {
        if (args->size > mm.highest + 1 - mm.lowest) return STATUS_NO_MEMORY;
        start = 0;
        end = mm_round_up( args->size, MM_PAGE_MASK );
    }

    if ((args->type & MEM_RESERVE) || !args->addr)
    {
        size_t size = end - start;
        ULONG base_prot = args->protect & PAGE_BASE_MASK;
        /* reserve and commit in one mmap: the kernel gets the final protection at once */
        int prot = (args->type & MEM_COMMIT) ? mm_prot_to_unix( state ) : PROT_NONE;
        struct mm_place_req req = { args->addr ? start : 0, size, args->lowest, args->limit, args->align_mask,
                                    !!(args->type & MEM_TOP_DOWN) };
        struct huge_ctx huge = { prot, 0 };

        /* a new private allocation never copies on write */
        if (base_prot == PAGE_WRITECOPY || base_prot == PAGE_EXECUTE_WRITECOPY) return STATUS_INVALID_PAGE_PROTECTION;

        mm_lock_exclusive();
        if (args->type & MEM_LARGE_PAGES)
        {
            status = mm_place( &req, map_huge, &huge, &start );
            /* the pool has no pages to give: NT's "no contiguous large pages" */
            if (status && huge.err == -ENOMEM) status = STATUS_INSUFFICIENT_RESOURCES;
        }
        else status = mm_place( &req, map_anon, &prot, &start );
        if (status)
        {
            mm_unlock_exclusive();
            return status;
        }
        end = start + size;
        if (!(a = vad_new( MM_KIND_PRIVATE, start, end )))
        {
            os_release( start, size );
            mm_unlock_exclusive();
            return STATUS_NO_MEMORY;
        }
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
            os_release( start, size );
            mm_unlock_exclusive();
            return STATUS_NO_MEMORY;
        }
        vad_insert( a );
        mm_unlock_exclusive();
        args->addr = start;
        args->size = size;
        return STATUS_SUCCESS;
    }

    /* commit or reset inside an existing allocation; a placeholder has nothing to commit
     * until it is replaced (Wine's ntdll test_NtAllocateVirtualMemoryEx, Windows behaviour) */
    mm_lock_exclusive();
    a = vad_find( start );
    if (!a || a->kind == MM_KIND_FOREIGN || end > a->end || (a->flags & MM_F_PLACEHOLDER))
        status = STATUS_CONFLICTING_ADDRESSES;
    else if (alloc_is_view( a ) && (args->type & MEM_COMMIT))
    {
        /* file and image views are committed by their file; pagefile views accept MEM_COMMIT
         * with what the view's protection allows (kernel32 test_mapping), which sets the
         * protection, and for SEC_RESERVE commits the section's pages for every view */
        if (a->kind == MM_KIND_IMAGE || section_is_file( a->section )) status = STATUS_ALREADY_COMMITTED;
        else if (!view_protect_allowed( a, args->protect & PAGE_BASE_MASK )) status = STATUS_SECTION_PROTECTION;
        else status = set_view_protection( a, (start - a->base) >> MM_PAGE_SHIFT, (end - start) >> MM_PAGE_SHIFT,
                                           args->protect, 1 );
    }
    else if ((a->flags & MM_F_LARGE_PAGES) && ((start | end) & (os_info.large_page_size - 1)))
        status = STATUS_INVALID_PARAMETER;   /* a large page has one protection */
    else if (a->kind == MM_KIND_PRIVATE && (args->type & MEM_COMMIT) &&
             ((args->protect & PAGE_BASE_MASK) == PAGE_WRITECOPY || (args->protect & PAGE_BASE_MASK) == PAGE_EXECUTE_WRITECOPY))
        status = STATUS_INVALID_PAGE_PROTECTION;   /* private memory never copies on write */
    else if (args->type & MEM_RESET)
    {
        size_t first = (start - a->base) >> MM_PAGE_SHIFT, count = (end - start) >> MM_PAGE_SHIFT;
        /* the contents of committed pages may go, no state changes; reserved pages in the
         * range are accepted and stay reserved (kernel32 test_VirtualAlloc) */
        status = STATUS_SUCCESS;
        for (size_t p = first; p < first + count; p = runs_span_end( a, p ))
        {
            size_t stop = runs_span_end( a, p );
            if (stop > first + count) stop = first + count;
            if (runs_state( a, p ) & MM_COMMITTED)
            {
                note_reset_pages( a, p, stop - p );
                os_reset( a->base + (p << MM_PAGE_SHIFT), (stop - p) << MM_PAGE_SHIFT );
            }
        }
    }
    else if (args->type & MEM_RESET_UNDO)
        status = undo_reset( a, (start - a->base) >> MM_PAGE_SHIFT, (end - start) >> MM_PAGE_SHIFT );
    else if ((a->flags & MM_F_WRITE_WATCH) && ww_commit( a, (start - a->base) >> MM_PAGE_SHIFT, (end - start) >> MM_PAGE_SHIFT ))
        status = STATUS_NO_MEMORY;   /* write watch: pages are armed as they are committed */
    else
    {
        status = change_pages( a, (start - a->base) >> MM_PAGE_SHIFT, (end - start) >> MM_PAGE_SHIFT, MM_LOCKED, state, 0 );
    }
    mm_unlock_exclusive();
    if (!status)
    {
        args->addr = start;
        args->size = end - start;
    }
    return status;
}

static NTSTATUS validate_alloc_type( ULONG type, ULONG protect )
{
    const ULONG valid = MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN | MEM_WRITE_WATCH | MEM_RESET | MEM_LARGE_PAGES |
                        MEM_RESET_UNDO;
    NTSTATUS status;

    if (!(type & (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO))) return STATUS_INVALID_PARAMETER;
    /* MEM_RESET_UNDO stands alone too (VirtualAlloc docs) */
    if ((type & MEM_RESET_UNDO) && (type & ~MEM_RESET_UNDO)) return STATUS_INVALID_PARAMETER;
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
    if ((status = mm_validate_protect( protect, (type & (MEM_COMMIT | MEM_RESERVE)) == MEM_COMMIT ))) return status;
    return STATUS_SUCCESS;
}

/* copy the in/out address and size in, and check they can be written back */
NTSTATUS mm_fetch_inout( PVOID *ret, SIZE_T *size_ptr, void **addr, SIZE_T *size )
{
    return mm_fetch_inout_ulong( ret, size_ptr, addr, size, NULL, NULL );
}

/* the same, and with out non-NULL one more ULONG read from / checked writable at out_ptr
 * (NtProtectVirtualMemory's old protection): one batch of user copies */
NTSTATUS mm_fetch_inout_ulong( PVOID *ret, SIZE_T *size_ptr, void **addr, SIZE_T *size,
                               ULONG *out_ptr, ULONG *out )
{
    struct mm_user_copy ops[] =
    {
        { addr, ret, sizeof(*addr), 0 },
        { size, size_ptr, sizeof(*size), 0 },
        { ret, addr, sizeof(*addr), 1 },
        { size_ptr, size, sizeof(*size), 1 },
        { out, out_ptr, sizeof(*out), 0 },
        { out_ptr, out, sizeof(*out), 1 },
    };

    return host_copy_user_many( ops, out ? 6 : 4 ) ? STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

NTSTATUS mm_store_inout( PVOID *ret, SIZE_T *size_ptr, uintptr_t addr, size_t size )
{
    return mm_store_inout_ulong( ret, size_ptr, addr, size, NULL, 0 );
}

/* the same, after writing out to out_ptr when out_ptr is non-NULL: one batch */
NTSTATUS mm_store_inout_ulong( PVOID *ret, SIZE_T *size_ptr, uintptr_t addr, size_t size,
                               ULONG *out_ptr, ULONG out )
{
    void *a = (void *)addr;
    SIZE_T s = size;
    struct mm_user_copy ops[] =
    {
        { out_ptr, &out, sizeof(out), 1 },
        { ret, &a, sizeof(a), 1 },
        { size_ptr, &s, sizeof(s), 1 },
    };

    return host_copy_user_many( ops + !out_ptr, out_ptr ? 3 : 2 ) ? STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

NTSTATUS WINAPI NtAllocateVirtualMemory( HANDLE process, PVOID *ret, ULONG_PTR zero_bits,
                                         SIZE_T *size_ptr, ULONG type, ULONG protect )
{
    struct alloc_args args;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = mm_fetch_inout( ret, size_ptr, &addr, &size ))) return status;
    if (!size) return STATUS_INVALID_PARAMETER;
    if (zero_bits > 21 && zero_bits < 32) return STATUS_INVALID_PARAMETER_3;
    if (zero_bits > 32 && zero_bits < MM_GRAN_MASK) return STATUS_INVALID_PARAMETER_3;
    if ((status = host_check_process( process ))) return status;
    if (type & (MEM_RESERVE_PLACEHOLDER | MEM_REPLACE_PLACEHOLDER)) return STATUS_INVALID_PARAMETER;
    if ((status = validate_alloc_type( type, protect ))) return status;

    memset( &args, 0, sizeof(args) );
    args.addr = (uintptr_t)addr;
    args.size = size;
    args.type = type;
    args.protect = protect;
    args.align_mask = MM_GRAN_MASK;
    if (!addr && zero_bits) args.limit = mm_zero_bits_limit( zero_bits ) + 1;
    if ((status = allocate_worker( &args ))) return status;
    return mm_store_inout( ret, size_ptr, args.addr, args.size );
}

/* MEM_EXTENDED_PARAMETER list of NtAllocateVirtualMemoryEx / NtMapViewOfSectionEx: only
 * MemExtendedParameterAddressRequirements is understood (once); fixed_addr: the caller gave
 * an address, which excludes any requirement. */
NTSTATUS mm_parse_address_requirements( const MEM_EXTENDED_PARAMETER *parameters, ULONG count, int fixed_addr,
                                        uintptr_t *lowest, uintptr_t *limit, size_t *align_mask, int *have_req )
{
    MEM_ADDRESS_REQUIREMENTS req;
    int have_node = 0, have_flags = 0;

    *have_req = 0;
    if (count && !parameters) return STATUS_INVALID_PARAMETER;
    for (ULONG i = 0; i < count; i++)
    {
        MEM_EXTENDED_PARAMETER p;

        if (host_copy_from_user( &p, &parameters[i], sizeof(p) )) return STATUS_ACCESS_VIOLATION;
        if (p.Type == MemExtendedParameterInvalidType || p.Type >= MemExtendedParameterMax)
            return STATUS_INVALID_PARAMETER;
        if (p.Type == MemExtendedParameterNumaNode)
        {
            /* "the preferred NUMA node for new memory allocations" (MEM_EXTENDED_PARAMETER_TYPE):
             * a preference, which Linux's first-touch placement already serves; node 0 always
             * exists.  A node the machine cannot have, or a second NUMA parameter, is refused
             * (our choice of status: NT's is undocumented) */
            if (have_node || p.ULong >= os_info.numa_nodes) return STATUS_INVALID_PARAMETER;
            have_node = 1;
            continue;
        }
        if (p.Type == MemExtendedParameterAttributeFlags)
        {
            /* no attribute flag applies to user memory on x86_64 (MEM_EXTENDED_PARAMETER_EC_CODE
             * is for ARM64EC: Wine's ntdll test accepts STATUS_INVALID_PARAMETER there); 0 is
             * accepted once (same test: two of them are STATUS_INVALID_PARAMETER) */
            if (have_flags || p.ULong64) return STATUS_INVALID_PARAMETER;
            have_flags = 1;
            continue;
        }
        if (p.Type != MemExtendedParameterAddressRequirements)
            return STATUS_INVALID_PARAMETER;   /* partition, physical handle: not supported */
        if (*have_req) return STATUS_INVALID_PARAMETER;
        *have_req = 1;
        if (host_copy_from_user( &req, p.Pointer, sizeof(req) )) return STATUS_ACCESS_VIOLATION;

        if (req.Alignment)
        {
            /* a power of two of at least the allocation granularity, only where we choose */
            if (fixed_addr || (req.Alignment & (req.Alignment - 1)) || req.Alignment < MM_GRANULARITY)
                return STATUS_INVALID_PARAMETER;
            *align_mask = req.Alignment - 1;
        }
        if (req.HighestEndingAddress)
        {
            uintptr_t h = (uintptr_t)req.HighestEndingAddress;
            /* must be the last byte of a page, inside user space (ntdll test
             * test_NtAllocateVirtualMemoryEx_address_requirements) */
            if (fixed_addr || h > mm.highest || ((h + 1) & MM_PAGE_MASK)) return STATUS_INVALID_PARAMETER;
            *limit = h + 1;
        }
        if (req.LowestStartingAddress)
        {
            uintptr_t l = (uintptr_t)req.LowestStartingAddress;
            if (fixed_addr || (l & MM_GRAN_MASK) || l > mm.highest) return STATUS_INVALID_PARAMETER;
            *lowest = l;
        }
        if (*limit && *lowest >= *limit) return STATUS_INVALID_PARAMETER;
    }
    return STATUS_SUCCESS;
}

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

struct mm_alloc *mm_new_placeholder( uintptr_t base, uintptr_t end )
{
    struct mm_alloc *a = vad_new( MM_KIND_PRIVATE, base, end );

    if (!a) return NULL;
    a->alloc_prot = PAGE_NOACCESS;
    a->flags = MM_F_PLACEHOLDER;
    return a;
}

struct mm_alloc *mm_find_placeholder( uintptr_t start, uintptr_t end )
{
    struct mm_alloc *a = vad_find( start );

    if (!a || !(a->flags & MM_F_PLACEHOLDER) || a->base != start || a->end != end) return NULL;
    return a;
}

static NTSTATUS validate_placeholder_type( ULONG type, ULONG protect, int have_addr, int have_req )
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

/* MEM_REPLACE_PLACEHOLDER: the placeholder at [addr, addr+size) becomes a private allocation */
static NTSTATUS replace_placeholder_worker( struct alloc_args *args )
{
    uintptr_t start = mm_round_down( args->addr, MM_PAGE_MASK ), end, last;
    uint32_t state = (args->protect & (PAGE_BASE_MASK | PAGE_GUARD)) | MM_COMMITTED;
    ULONG base_prot = args->protect & PAGE_BASE_MASK;
    struct mm_alloc *a;
    NTSTATUS status = STATUS_SUCCESS;
    int prot;

    if (__builtin_add_overflow( args->addr, args->size, &last ) || last > mm.highest + 1)
        return STATUS_INVALID_PARAMETER;
    end = mm_round_up( last, MM_PAGE_MASK );
    if (base_prot == PAGE_WRITECOPY || base_prot == PAGE_EXECUTE_WRITECOPY) return STATUS_INVALID_PAGE_PROTECTION;
    prot = (args->type & MEM_COMMIT) ? mm_prot_to_unix( state ) : PROT_NONE;

    mm_lock_exclusive();
    if (!(a = mm_find_placeholder( start, end ))) status = STATUS_CONFLICTING_ADDRESSES;
    else
    {
        vad_remove( a );
        a->flags = MM_F_REPLACED;
        a->alloc_prot = args->protect;
        if (args->type & MEM_WRITE_WATCH) a->flags |= MM_F_WRITE_WATCH;
        if (args->protect & PAGE_NOCACHE) a->flags |= MM_F_NOCACHE;
        if (args->protect & PAGE_WRITECOMBINE) a->flags |= MM_F_WRITECOMBINE;
        if (args->type & MEM_COMMIT) run_at( a, 0 )->state = state;
        /* a fresh mapping: the placeholder's kernel mapping may be shared with its neighbours */
        if (os_replace_anon( start, end - start, prot ) ||
            ((a->flags & MM_F_WRITE_WATCH) && ww_attach( a )))
        {
            os_replace_anon( start, end - start, PROT_NONE );
            a->flags = MM_F_PLACEHOLDER;
            a->alloc_prot = PAGE_NOACCESS;
            run_at( a, 0 )->state = 0;
            status = STATUS_NO_MEMORY;
        }
        vad_insert( a );
    }
    mm_unlock_exclusive();
    if (!status)
    {
        args->addr = start;
        args->size = end - start;
    }
    return status;
}

/* Lock: exclusive.  Make [start, end), inside placeholder a, a placeholder of its own: a keeps
 * that range, new placeholders take what is left on either side. */
static NTSTATUS split_placeholder( struct mm_alloc *a, uintptr_t start, uintptr_t end )
{
    struct mm_alloc *head = NULL, *tail = NULL;

    MM_ASSERT_EXCLUSIVE();
    if ((start > a->base && !(head = mm_new_placeholder( a->base, start ))) ||
        (end < a->end && !(tail = mm_new_placeholder( end, a->end ))))
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
static NTSTATUS preserve_placeholder( struct mm_alloc *a, uintptr_t start, uintptr_t end )
{
    MM_ASSERT_EXCLUSIVE();
    if (a->flags & MM_F_PLACEHOLDER)
    {
        /* splitting a placeholder into itself is a conflict (Wine's ntdll test) */
        if (start == a->base && end == a->end) return STATUS_CONFLICTING_ADDRESSES;
        return split_placeholder( a, start, end );
    }
    /* only memory that replaced a placeholder goes back to one, and only whole; an ordinary
     * allocation is STATUS_CONFLICTING_ADDRESSES (same test) */
    if (!(a->flags & MM_F_REPLACED) || start != a->base || end != a->end) return STATUS_CONFLICTING_ADDRESSES;
    /* contents, locks and write-watch registration go with the old mapping */
    if (os_replace_anon( a->base, a->end - a->base, PROT_NONE )) return STATUS_NO_MEMORY;
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
static NTSTATUS coalesce_placeholders( uintptr_t start, uintptr_t end )
{
    struct mm_alloc *a = vad_find( start ), *n;
    unsigned int count = 1;

    MM_ASSERT_EXCLUSIVE();
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

NTSTATUS WINAPI NtAllocateVirtualMemoryEx( HANDLE process, PVOID *ret, SIZE_T *size_ptr, ULONG type,
                                           ULONG protect, MEM_EXTENDED_PARAMETER *parameters,
                                           ULONG count )
{
    struct alloc_args args;
    int have_req = 0;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if (count && !parameters) return STATUS_INVALID_PARAMETER;
    if ((status = mm_fetch_inout( ret, size_ptr, &addr, &size ))) return status;

    memset( &args, 0, sizeof(args) );
    args.align_mask = MM_GRAN_MASK;
    if ((status = mm_parse_address_requirements( parameters, count, addr != NULL, &args.lowest, &args.limit,
                                                 &args.align_mask, &have_req )))
        return status;

    if (!size) return STATUS_INVALID_PARAMETER;
    if ((status = host_check_process( process ))) return status;
    if ((status = validate_placeholder_type( type, protect, addr != NULL, have_req ))) return status;
    if ((status = validate_alloc_type( type & ~(MEM_RESERVE_PLACEHOLDER | MEM_REPLACE_PLACEHOLDER), protect )))
        return status;
    /* address requirements only make sense for a new reservation */
    if (have_req && !(type & MEM_RESERVE) && (args.limit || args.lowest || args.align_mask != MM_GRAN_MASK))
        return STATUS_INVALID_PARAMETER;

    args.addr = (uintptr_t)addr;
    args.size = size;
    args.type = type;
    args.protect = protect;
    if (type & MEM_REPLACE_PLACEHOLDER) status = replace_placeholder_worker( &args );
    else status = allocate_worker( &args );
    if (status) return status;
    return mm_store_inout( ret, size_ptr, args.addr, args.size );
}

/* ---- NtFreeVirtualMemory -------------------------------------------------------------------- */

static NTSTATUS free_worker( uintptr_t addr, size_t size, ULONG type, uintptr_t *ret_base, size_t *ret_size )
{
    uintptr_t start = mm_round_down( addr, MM_PAGE_MASK ), end = 0;
    struct mm_alloc *a;
    NTSTATUS status = STATUS_SUCCESS;

    if (size)
    {
        uintptr_t last;
        if (__builtin_add_overflow( addr, size, &last )) return STATUS_INVALID_PARAMETER;
        end = mm_round_up( last, MM_PAGE_MASK );
    }

    mm_lock_exclusive();
    a = vad_find( start );
    if (type == (MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS))
    {
        if (!(status = coalesce_placeholders( start, end )))
        {
            *ret_base = start;
            *ret_size = end - start;
        }
    }
    else if (!a || a->kind == MM_KIND_FOREIGN)
    {
        /* free memory, or memory the library did not allocate: never ours to free */
        status = STATUS_MEMORY_NOT_ALLOCATED;
    }
    else if (alloc_is_view( a ))
    {
        /* views go with NtUnmapViewOfSection; their pages cannot be decommitted */
        status = STATUS_UNABLE_TO_DELETE_SECTION;   /* both free types (ReactOS apitest) */
    }
    else if (size && end > a->end)
    {
        status = STATUS_UNABLE_TO_FREE_VM;
    }
    else if (type == MEM_DECOMMIT && (a->flags & MM_F_LARGE_PAGES))
    {
        /* large pages are nonpageable and committed whole: they go with the allocation
         * (our choice: no public test pins NT's answer) */
        status = STATUS_INVALID_PARAMETER;
    }
    else if (type == (MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER))
    {
        if (!(status = preserve_placeholder( a, start, end )))
        {
            *ret_base = start;
            *ret_size = end - start;
        }
    }
    else if (type == MEM_RELEASE)
    {
        /* size 0: the whole allocation, from its base; a size must cover exactly that, except
         * that the start of a placeholder is released alone (Wine's ntdll test
         * test_NtAllocateVirtualMemoryEx: 0x4000 of a 0x8000 placeholder is released with size
         * 0x4000 reported): split, then release the piece */
        if (start != a->base) status = size ? STATUS_INVALID_PARAMETER : STATUS_FREE_VM_NOT_AT_BASE;
        else if (size && end != a->end && !(a->flags & MM_F_PLACEHOLDER)) status = STATUS_INVALID_PARAMETER;
        else if (size && end != a->end && split_placeholder( a, start, end )) status = STATUS_NO_MEMORY;
        else if (os_release( a->base, a->end - a->base )) status = STATUS_NO_MEMORY;
        else
        {
            *ret_base = a->base;
            *ret_size = a->end - a->base;
            vad_remove( a );
            vad_free( a );
        }
    }
    else /* MEM_DECOMMIT */
    {
        if (!size && start != a->base) status = STATUS_FREE_VM_NOT_AT_BASE;
        else
        {
            uintptr_t stop = size ? end : a->end;
            status = change_pages( a, (start - a->base) >> MM_PAGE_SHIFT, (stop - start) >> MM_PAGE_SHIFT,
                                   0, 0, 1 );
            if (!status)
            {
                *ret_base = start;
                /* NT reports the size it was given rounded, and 0 for "to the end" */
                *ret_size = size ? end - start : 0;
            }
        }
    }
    mm_unlock_exclusive();
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
    if ((status = mm_fetch_inout( addr_ptr, size_ptr, &addr, &size ))) return status;
    if ((status = host_check_process( process ))) return status;
    if (type & (MEM_PRESERVE_PLACEHOLDER | MEM_COALESCE_PLACEHOLDERS))
    {
        /* placeholder operations are releases of a given range (Wine's ntdll test) */
        if (type != (MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER) && type != (MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS))
            return STATUS_INVALID_PARAMETER_4;
        if (!size) return STATUS_INVALID_PARAMETER_3;
    }
    else if (type != MEM_RELEASE && type != MEM_DECOMMIT) return STATUS_INVALID_PARAMETER;
    if (!addr) return STATUS_INVALID_PARAMETER;
    if ((status = free_worker( (uintptr_t)addr, size, type, &base, &rsize ))) return status;
    return mm_store_inout( addr_ptr, size_ptr, base, rsize );
}

/* ---- NtProtectVirtualMemory ------------------------------------------------------------------- */

/* Can pages of a take this base protection?  Private memory never copies on write; a view
 * can take what its own protection allows (kernel32 test_mapping; images: anything). */
static int protect_fits_alloc( const struct mm_alloc *a, ULONG prot )
{
    if (a->kind == MM_KIND_PRIVATE) return prot != PAGE_WRITECOPY && prot != PAGE_EXECUTE_WRITECOPY;
    return view_protect_allowed( a, prot );
}

/* Lock: exclusive.  New protection for pages of a view (NtProtectVirtualMemory, or
 * MEM_COMMIT in a pagefile view: 'commit').  PAGE_WRITECOPY on a shared view makes later
 * writes private: Linux needs a private mapping of the same file range for that (once per
 * page).  In a SEC_RESERVE view a commit belongs to the section: every view sees it. */
static NTSTATUS set_view_protection( struct mm_alloc *a, size_t first, size_t count, ULONG prot, int commit )
{
    ULONG base_prot = prot & PAGE_BASE_MASK;
    NTSTATUS status = STATUS_SUCCESS;

    MM_ASSERT_EXCLUSIVE();
    if (a->kind == MM_KIND_MAPPED && !a->cow && (base_prot == PAGE_WRITECOPY || base_prot == PAGE_EXECUTE_WRITECOPY))
    {
        for (size_t p = first; p < first + count && !status; p = runs_span_end( a, p ))
        {
            size_t stop = runs_span_end( a, p );
            if (stop > first + count) stop = first + count;
            if (!(runs_state( a, p ) & MM_PRIVMAP) &&
                section_make_private( a, p, stop - p, mm_prot_to_unix( runs_state( a, p ) ) ))
                status = STATUS_NO_MEMORY;
            else if (runs_update( a, p, stop - p, ~0u, MM_PRIVMAP )) status = STATUS_NO_MEMORY;
        }
        mm_relock( a, first, count );   /* the new private mapping is not mlock()ed yet */
    }
    if (!status) status = change_pages( a, first, count, MM_MAP_BITS,
                                        MM_COMMITTED | (prot & (PAGE_BASE_MASK | PAGE_GUARD)), 0 );
    if (!status && commit && section_is_reserve( a->section )) section_commit_pages( a, first, count );
    return status;
}

static NTSTATUS protect_worker( uintptr_t addr, size_t size, ULONG new_prot, uintptr_t *ret_base,
                                size_t *ret_size, ULONG *old_prot )
{
    uintptr_t start = mm_round_down( addr, MM_PAGE_MASK ), end, last;
    struct mm_alloc *a;
    NTSTATUS status = STATUS_SUCCESS;

    if (__builtin_add_overflow( addr, size, &last )) return STATUS_INVALID_PARAMETER;
    end = mm_round_up( last, MM_PAGE_MASK );

    mm_lock_exclusive();
    a = vad_find( start );
    if (!a || a->kind == MM_KIND_FOREIGN || end > a->end) status = STATUS_CONFLICTING_ADDRESSES;
    else
    {
        size_t first = (start - a->base) >> MM_PAGE_SHIFT, count = (end - start) >> MM_PAGE_SHIFT;
        uint32_t first_state = runs_state( a, first ), old_nt;
        size_t span = runs_span_end( a, first );

        /* the old protection NT reports: a written copy-on-write page is PAGE_READWRITE */
        old_nt = mm_nt_protect( a, first_state );
        if (alloc_is_view( a ) && (first_state & MM_COMMITTED))
            old_nt = mm_nt_protect( a, (first_state & ~MM_PROT_MASK) | section_view_protect( a, first, first_state, &span ) );

        /* a large page has one protection: changes cover whole large pages */
        if ((a->flags & MM_F_LARGE_PAGES) && ((start | end) & (os_info.large_page_size - 1)))
            status = STATUS_INVALID_PARAMETER;
        else if (!protect_fits_alloc( a, new_prot & PAGE_BASE_MASK ))
            status = alloc_is_view( a ) ? STATUS_SECTION_PROTECTION : STATUS_INVALID_PAGE_PROTECTION;
        for (size_t p = first; p < first + count && !status; p = runs_span_end( a, p ))
            if (!(runs_state( a, p ) & MM_COMMITTED)) status = STATUS_NOT_COMMITTED;
        if (!status && !count && !(first_state & MM_COMMITTED)) status = STATUS_NOT_COMMITTED;
        if (!status)
        {
            /* Image pages are never written through to the file: a writable protection is
             * the copy-on-write one (kernel32 loader.c test_VirtualProtect and virtual.c
             * test_mapping's map_prot_no_write, which pass on Windows: PAGE_READWRITE gives
             * PAGE_WRITECOPY, PAGE_EXECUTE_READWRITE gives PAGE_EXECUTE_WRITECOPY, as the
             * query and the next old protection report) */
            int cow_image = a->kind == MM_KIND_IMAGE;

            /* ... except in a writable shared section (mapped PAGE_READWRITE, its pages common
             * to every view): there the writable protection stays the shared one, as it was
             * when mapped (our reading; no Windows test pins it) */
            if (cow_image)
            {
                cow_image = 0;
                for (size_t p = first; p < first + count && !cow_image; p = runs_span_end( a, p ))
                    if (!(runs_state( a, p ) & MM_SHAREDMAP)) cow_image = 1;
            }
            if (cow_image && (new_prot & PAGE_BASE_MASK) == PAGE_READWRITE)
                new_prot = (new_prot & ~PAGE_BASE_MASK) | PAGE_WRITECOPY;
            else if (cow_image && (new_prot & PAGE_BASE_MASK) == PAGE_EXECUTE_READWRITE)
                new_prot = (new_prot & ~PAGE_BASE_MASK) | PAGE_EXECUTE_WRITECOPY;
            if (alloc_is_view( a )) status = set_view_protection( a, first, count, new_prot, 0 );
            /* PAGE_NOCACHE / PAGE_WRITECOMBINE belong to the allocation: ignored here */
            else status = change_pages( a, first, count, MM_LOCKED, MM_COMMITTED | (new_prot & (PAGE_BASE_MASK | PAGE_GUARD)), 0 );
            if (!status)
            {
                *old_prot = old_nt;
                *ret_base = start;
                *ret_size = end - start;
            }
        }
    }
    mm_unlock_exclusive();
    return status;
}

NTSTATUS WINAPI NtProtectVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr,
                                        ULONG new_prot, ULONG *old_prot )
{
    uintptr_t base = 0;
    size_t rsize = 0;
    ULONG old = 0;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    /* old_prot must be writable before anything changes (a NULL one is refused) */
    if ((status = mm_fetch_inout_ulong( addr_ptr, size_ptr, &addr, &size, old_prot, &old ))) return status;
    if ((status = host_check_process( process ))) return status;
    /* PAGE_WRITECOPY is decided per allocation (views only) */
    if ((status = mm_validate_protect( new_prot, 1 ))) return status;
    if ((status = protect_worker( (uintptr_t)addr, size, new_prot, &base, &rsize, &old ))) return status;
    return mm_store_inout_ulong( addr_ptr, size_ptr, base, rsize, old_prot, old );
}

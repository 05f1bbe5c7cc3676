/*
 * ntdll-mm core: the write-watch engine: MEM_WRITE_WATCH allocations and what NtGetWriteWatch
 * and NtResetWriteWatch (writewatch.c) report and reset.
 *
 * NT records, per page of a MEM_WRITE_WATCH allocation, whether the page was written since the
 * last reset, by the program or by the kernel on its behalf (ReadFile into the buffer).  Linux
 * has no such bit for us, so one of two engines provides it, chosen once at start:
 *
 * - kernel path (Linux 6.7: userfaultfd UFFD_FEATURE_WP_ASYNC + the PAGEMAP_SCAN ioctl): the
 *   allocation is registered with the process's userfaultfd and write-protected in its page
 *   table entries; the first write to a page lifts the protection inside the kernel (no
 *   signal, no message), and PAGEMAP_SCAN reports the pages whose protection was lifted and
 *   protects them again in the same walk.  Kernel writes (read() into the buffer) are seen too.
 * - fallback path (older kernels, or NTDLL_MM_WRITE_WATCH=fallback): what Wine 8.0 does.
 *   Committed, writable pages not yet written are kept read-only in the kernel; the first
 *   write faults, ww_fault() records it and gives the page its real protection back.  A
 *   kernel write to such a page fails with EFAULT instead (Wine's NtReadFile pre-faults the
 *   buffer for that reason).
 *
 * Both keep a bitmap per allocation (mm_alloc.ww_dirty, one bit per page, set = written and
 * not reset).  On the fallback path it is the whole truth.  On the kernel path the truth is
 * bitmap | "written" in the page tables; the scan moves the page-table state into the bitmap
 * ("harvest"), which is what makes the count limit (continuation: pages not returned stay
 * dirty for the next call) and decommit (a new mapping loses the page-table state) work.
 * NtGetWriteWatch with WRITE_WATCH_FLAG_RESET and nothing in the bitmap for its range (the
 * usual case) skips the round trip: the scan's pages go straight to the caller's array and
 * only those that do not fit are harvested.
 *
 * NTDLL_MM_WRITE_WATCH=fallback forces the fallback; =kernel requires the kernel path (the
 * library fails to initialise without it); unset or "auto": the kernel path when probed.
 *
 * Lock rules: every function runs under the space lock exclusive (a scan re-arms the page
 * tables: even reading the state changes it).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wwatch.h"
#include "bitmap.h"
#include "pagerun.h"
#include "pages.h"
#include "prot.h"
#include "vad.h"
#include "os.h"

/* ---- start-up ---------------------------------------------------------------------------- */

NTSTATUS ww_init( void )
{
    const char *env = getenv( "NTDLL_MM_WRITE_WATCH" );
    int kernel = os_info.has_uffd_wp_async && os_info.has_pagemap_scan;

    if (env && !strcmp( env, "fallback" )) space.ww_mode = WW_FALLBACK;
    else if (env && !strcmp( env, "kernel" ))
    {
        if (!kernel)
        {
            fprintf( stderr, "ntdll-mm: NTDLL_MM_WRITE_WATCH=kernel, but the kernel lacks userfaultfd "
                     "async write-protect (%d) or PAGEMAP_SCAN (%d)\n",
                     os_info.has_uffd_wp_async, os_info.has_pagemap_scan );
            return STATUS_NOT_SUPPORTED;
        }
        space.ww_mode = WW_KERNEL;
    }
    else
    {
        if (env && *env && strcmp( env, "auto" ))
            fprintf( stderr, "ntdll-mm: NTDLL_MM_WRITE_WATCH=%s not understood (kernel, fallback, auto)\n", env );
        space.ww_mode = kernel ? WW_KERNEL : WW_FALLBACK;
    }
    if (env || getenv( "NTDLL_MM_TRACE" ))
        fprintf( stderr, "ntdll-mm: write watch: %s path\n",
                 space.ww_mode == WW_KERNEL ? "kernel (userfaultfd async write-protect + PAGEMAP_SCAN)"
                                      : "fallback (read-only pages + fault)" );
    return STATUS_SUCCESS;
}

/* ---- the engine --------------------------------------------------------------------------- */

static void harvest_cb( uintptr_t start, uintptr_t end, void *ctx )
{
    struct mm_alloc *a = ctx;
    if (start < a->base) start = a->base;
    if (end > a->end) end = a->end;
    if (start < end)
        bits_update( a->ww_dirty, (start - a->base) >> MM_PAGE_SHIFT, (end - a->base) >> MM_PAGE_SHIFT, 1 );
}

/* Lock: shared or exclusive.  The committed pages of [*page, end): returns 1 and sets
 * [*page, *stop) to the next span of them, 0 when there is none left. */
static int next_committed( const struct mm_alloc *a, size_t *page, size_t end, size_t *stop )
{
    size_t p = *page;

    while (p < end && !(runs_state( a, p ) & MM_COMMITTED)) p = runs_span_end( a, p );
    if (p >= end) return 0;
    *page = p;
    while (p < end && (runs_state( a, p ) & MM_COMMITTED)) p = runs_span_end( a, p );
    *stop = p < end ? p : end;
    return 1;
}

/* Lock: exclusive.  Kernel path: move the pages written in [first, first+count) into the
 * bitmap and write-protect them again.  Only committed pages are looked at: they are the
 * armed ones, and the kernel reports a page that was never armed as written. */
static int harvest( struct mm_alloc *a, size_t first, size_t count )
{
    size_t page = first, stop, end = first + count;
    int ret;

    SPACE_ASSERT_EXCLUSIVE();
    for (; next_committed( a, &page, end, &stop ); page = stop)
        if ((ret = os_ww_scan( a->base + (page << MM_PAGE_SHIFT), (stop - page) << MM_PAGE_SHIFT, 1, harvest_cb, a )))
            return ret;
    return 0;
}

/* Lock: exclusive.  Kernel path: write-protect the committed pages of [first, first+count)
 * again, written or not. */
static int rearm( struct mm_alloc *a, size_t first, size_t count )
{
    size_t page = first, stop, end = first + count;
    int ret;

    SPACE_ASSERT_EXCLUSIVE();
    for (; next_committed( a, &page, end, &stop ); page = stop)
        if ((ret = os_ww_arm( a->base + (page << MM_PAGE_SHIFT), (stop - page) << MM_PAGE_SHIFT ))) return ret;
    return 0;
}

/* Lock: exclusive.  A new MEM_WRITE_WATCH allocation a (not yet in the tree, its runs set):
 * start watching every page of it.  0 or negative errno (then nothing is watched). */
int ww_attach( struct mm_alloc *a )
{
    size_t pages = alloc_pages( a );
    int ret;

    SPACE_ASSERT_EXCLUSIVE();
    if (!(a->ww_dirty = mm_calloc( (pages + 63) / 64, sizeof(uint64_t) ))) return -ENOMEM;
    if (space.ww_mode == WW_KERNEL)
    {
        /* registering is a flag on the mapping; arming costs page tables (8 bytes a page,
         * which UFFD_FEATURE_WP_UNPOPULATED fills with markers so that a read of a page never
         * written is not taken for a write), so only committed pages are armed: the rest
         * when they are committed (ww_commit) */
        if (!(ret = os_ww_register( a->base, a->end - a->base )) && (run_at( a, 0 )->state & MM_COMMITTED))
            ret = os_ww_arm( a->base, a->end - a->base );
    }
    /* committed at reserve: the fallback drops write access until the first write */
    else ret = pages_sync_kernel( a, 0, pages );
    if (ret)
    {
        mm_free( a->ww_dirty );
        a->ww_dirty = NULL;
    }
    return ret;
}

/* Lock: exclusive.  Kernel path: pages [first, first+count) are about to be committed (the
 * runs still say what they were).  Those reserved until now were never armed (or not since
 * their decommit) and are armed now; those already committed may have been written, which the
 * harvest moves into the bitmap before they are armed again with the rest. */
int ww_commit( struct mm_alloc *a, size_t first, size_t count )
{
    int ret;

    SPACE_ASSERT_EXCLUSIVE();
    if (space.ww_mode != WW_KERNEL || !a->ww_dirty) return 0;
    if ((ret = harvest( a, first, count ))) return ret;
    return os_ww_arm( a->base + (first << MM_PAGE_SHIFT), count << MM_PAGE_SHIFT );
}

/* Lock: exclusive.  Decommit [first, first+count) of a watched allocation.  NT keeps the
 * pages' written state across decommit (kernel32 test_write_watch); on the kernel path the
 * fresh mapping os_decommit puts there has lost both that state and the userfaultfd
 * registration, so the state is harvested before and the range registered again after (it
 * is armed when committed again). */
int ww_decommit( struct mm_alloc *a, size_t first, size_t count )
{
    uintptr_t addr = a->base + (first << MM_PAGE_SHIFT);
    size_t size = count << MM_PAGE_SHIFT;
    int ret;

    SPACE_ASSERT_EXCLUSIVE();
    if (space.ww_mode == WW_KERNEL && a->ww_dirty && (ret = harvest( a, first, count ))) return ret;
    if ((ret = os_decommit( addr, size ))) return ret;
    if (space.ww_mode == WW_KERNEL && a->ww_dirty) ret = os_ww_register( addr, size );
    return ret;
}

/* Lock: exclusive.  Fallback path: a write fault at addr.  If it is the first write to a
 * watched page that its NT protection allows, record it, give the page its protection back
 * and return 1 (the instruction is retried); else 0. */
int ww_fault_locked( void *addr, int write )
{
    uintptr_t page_addr = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
    struct mm_alloc *a;
    size_t page;
    int prot;

    SPACE_ASSERT_EXCLUSIVE();
    if (space.ww_mode != WW_FALLBACK || !write) return 0;
    if (!(a = vad_find( page_addr )) || a->kind != MM_KIND_PRIVATE || !(a->flags & MM_F_WRITE_WATCH) || !a->ww_dirty) return 0;
    page = (page_addr - a->base) >> MM_PAGE_SHIFT;
    prot = prot_to_unix( runs_state( a, page ) );
    if (!(prot & PROT_WRITE)) return 0;   /* a real access violation (or a guard page) */
    bits_update( a->ww_dirty, page, page + 1, 1 );
    /* already dirty: another thread got here first; the mprotect is then a no-op */
    return !os_protect( page_addr, MM_PAGE_SIZE, prot );
}

/* ---- NtGetWriteWatch and NtResetWriteWatch ------------------------------------------------ */

struct mm_alloc *ww_find( uintptr_t start, uintptr_t end )
{
    struct mm_alloc *a = vad_find( start );

    if (!a || a->kind != MM_KIND_PRIVATE || !(a->flags & MM_F_WRITE_WATCH) || !a->ww_dirty) return NULL;
    if (end > a->end || end <= start) return NULL;
    return a;
}

/* kernel path, NtGetWriteWatch with reset, nothing in the bitmap: the pages the scan reports go
 * straight into the output array; those that do not fit in it stay dirty in the bitmap */
struct direct_ctx
{
    struct mm_alloc *a;
    void **out;
    ULONG_PTR pos, max;
};

static void direct_cb( uintptr_t start, uintptr_t end, void *ctx )
{
    struct direct_ctx *d = ctx;

    if (start < d->a->base) start = d->a->base;
    if (end > d->a->end) end = d->a->end;
    for (; start < end && d->pos < d->max; start += MM_PAGE_SIZE) d->out[d->pos++] = (void *)start;
    if (start < end) harvest_cb( start, end, d->a );
}

/* Lock: exclusive.  The scan of [first, last) for get_worker when the bitmap has nothing there
 * (the usual case: only a count limit or a decommit leaves pages in it): the same result as
 * harvest, then the bitmap walk and reset, without the round trip through the bitmap. */
static int get_direct( struct mm_alloc *a, size_t first, size_t last, void **out, ULONG_PTR max, ULONG_PTR *count )
{
    struct direct_ctx d = { a, out, 0, max };
    size_t page = first, stop;
    int ret = 0;

    for (; next_committed( a, &page, last, &stop ); page = stop)
        if ((ret = os_ww_scan( a->base + (page << MM_PAGE_SHIFT), (stop - page) << MM_PAGE_SHIFT, 1, direct_cb, &d )))
            break;
    if (ret)
    {
        /* the kernel has re-armed what it reported: keep those pages dirty for the next call */
        for (ULONG_PTR i = 0; i < d.pos; i++)
        {
            size_t p = ((uintptr_t)out[i] - a->base) >> MM_PAGE_SHIFT;
            bits_update( a->ww_dirty, p, p + 1, 1 );
        }
        d.pos = 0;
    }
    *count = d.pos;
    return ret;
}

NTSTATUS ww_get( struct mm_alloc *a, size_t first, size_t last, int reset, void **out, ULONG_PTR *count )
{
    ULONG_PTR pos = 0, max = *count;
    size_t page = first;

    SPACE_ASSERT_EXCLUSIVE();
    *count = 0;
    if (space.ww_mode == WW_KERNEL && reset && bits_find( a->ww_dirty, first, last, 1 ) == last)
    {
        if (get_direct( a, first, last, out, max, &pos )) return STATUS_NO_MEMORY;
        *count = pos;
        return STATUS_SUCCESS;
    }
    if (space.ww_mode == WW_KERNEL && harvest( a, first, last - first )) return STATUS_NO_MEMORY;
    while (pos < max && (page = bits_find( a->ww_dirty, page, last, 1 )) < last)
        out[pos++] = (void *)(a->base + (page++ << MM_PAGE_SHIFT));
    *count = pos;
    if (reset)
    {
        /* NT resets only what it looked at: pages past the last one returned when the array
         * was full stay dirty for the next call */
        size_t stop = pos == max ? page : last;
        bits_update( a->ww_dirty, first, stop, 0 );
        if (space.ww_mode == WW_FALLBACK && stop > first && pages_sync_kernel( a, first, stop - first ))
            return STATUS_NO_MEMORY;
    }
    return STATUS_SUCCESS;
}

NTSTATUS ww_reset( struct mm_alloc *a, size_t first, size_t count )
{
    SPACE_ASSERT_EXCLUSIVE();
    bits_update( a->ww_dirty, first, first + count, 0 );
    if (space.ww_mode == WW_KERNEL) return rearm( a, first, count ) ? STATUS_NO_MEMORY : STATUS_SUCCESS;
    return pages_sync_kernel( a, first, count ) ? STATUS_NO_MEMORY : STATUS_SUCCESS;
}

/*
 * ntdll-mm core: NtGetWriteWatch and NtResetWriteWatch, on the write-watch engine (wwatch.c).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "wwatch.h"
#include "usercopy.h"

/* round as NT does: the pages touched by [addr, addr+size) */
static int round_range( PVOID base, SIZE_T size, uintptr_t *start, uintptr_t *end )
{
    uintptr_t last;

    if (__builtin_add_overflow( (uintptr_t)base, size, &last ) || last > space.highest + 1) return 0;
    *start = mm_round_down( (uintptr_t)base, MM_PAGE_MASK );
    *end = mm_round_up( last, MM_PAGE_MASK );
    return *end > *start;
}

/* the pages of [start, end) written since the last reset, up to *count of them */
static NTSTATUS get_worker( uintptr_t start, uintptr_t end, int reset, void **out, ULONG_PTR *count )
{
    struct mm_alloc *a;
    NTSTATUS status;

    space_lock_exclusive();
    if (!(a = ww_find( start, end ))) status = STATUS_INVALID_PARAMETER;
    else status = ww_get( a, (start - a->base) >> MM_PAGE_SHIFT, (end - a->base) >> MM_PAGE_SHIFT, reset, out, count );
    space_unlock_exclusive();
    return status;
}

NTSTATUS WINAPI NtGetWriteWatch( HANDLE process, ULONG flags, PVOID base, SIZE_T size, PVOID *addresses,
                                 ULONG_PTR *count, ULONG *granularity )
{
    ULONG_PTR max, n;
    ULONG gran;
    uintptr_t start, end;
    void **buf;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    /* the output counters must be accessible before anything else (kernel32 test_write_watch:
     * a NULL count or granularity is ERROR_NOACCESS) */
    if (host_copy_from_user( &max, count, sizeof(max) ) || host_copy_to_user( count, &max, sizeof(max) ))
        return STATUS_ACCESS_VIOLATION;
    if (host_copy_from_user( &gran, granularity, sizeof(gran) ) || host_copy_to_user( granularity, &gran, sizeof(gran) ))
        return STATUS_ACCESS_VIOLATION;
    if (!max || !size) return STATUS_INVALID_PARAMETER;
    if (flags & ~WRITE_WATCH_FLAG_RESET) return STATUS_INVALID_PARAMETER;
    if (!addresses) return STATUS_ACCESS_VIOLATION;
    if ((status = host_check_process( process ))) return status;
    if (!round_range( base, size, &start, &end )) return STATUS_INVALID_PARAMETER;

    /* never more entries than pages in the range; probe the array for writing before the
     * worker resets anything (NT probes it first too, ProbeForWrite: a byte per page) */
    n = (end - start) >> MM_PAGE_SHIFT;
    if (max > n) max = n;
    if (user_probe_write( addresses, max * sizeof(*buf) )) return STATUS_ACCESS_VIOLATION;
    if (!(buf = mm_malloc( max * sizeof(*buf) ))) return STATUS_NO_MEMORY;
    n = max;
    if (!(status = get_worker( start, end, flags & WRITE_WATCH_FLAG_RESET, buf, &n )))
    {
        gran = MM_PAGE_SIZE;
        if (host_copy_to_user( addresses, buf, n * sizeof(*buf) ) || host_copy_to_user( count, &n, sizeof(n) ) ||
            host_copy_to_user( granularity, &gran, sizeof(gran) ))
            status = STATUS_ACCESS_VIOLATION;
    }
    mm_free( buf );
    return status;
}

NTSTATUS WINAPI NtResetWriteWatch( HANDLE process, PVOID base, SIZE_T size )
{
    uintptr_t start, end;
    struct mm_alloc *a;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if (!size) return STATUS_INVALID_PARAMETER;
    if ((status = host_check_process( process ))) return status;
    if (!round_range( base, size, &start, &end )) return STATUS_INVALID_PARAMETER;

    space_lock_exclusive();
    if (!(a = ww_find( start, end ))) status = STATUS_INVALID_PARAMETER;
    else status = ww_reset( a, (start - a->base) >> MM_PAGE_SHIFT, (end - start) >> MM_PAGE_SHIFT );
    space_unlock_exclusive();
    return status;
}

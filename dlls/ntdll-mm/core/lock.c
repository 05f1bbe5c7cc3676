/*
 * ntdll-mm core: NtLockVirtualMemory and NtUnlockVirtualMemory.
 *
 * Where NT and Linux differ:
 * - NT locks pages into the process's working set (MAP_PROCESS) or into memory (MAP_SYSTEM,
 *   SeLockMemoryPrivilege); there is no lock count, and a process may lock no more than its
 *   minimum working set minus a small overhead (STATUS_WORKING_SET_QUOTA).  Linux has one kind
 *   of lock (mlock) limited by RLIMIT_MEMLOCK for users without CAP_IPC_LOCK.  The library
 *   keeps NT's rules and lock state (MM_LOCKED for MAP_PROCESS, MM_SYSLOCKED for MAP_SYSTEM, in
 *   the page runs: a page may hold both, and each is unlocked with its own map type) and
 *   mlock()s the pages as long as one of them holds; an
 *   rlimit refusal is the same quota status NT gives.
 * - NT probes every page of the range as a read would, in order, before locking: a reserved,
 *   free or PAGE_NOACCESS page raises STATUS_ACCESS_VIOLATION and a guard page
 *   STATUS_GUARD_PAGE_VIOLATION, which also clears the guard (one shot, as any access does);
 *   nothing is locked then (kernel32 test_guard_page: the first VirtualLock of a guard page
 *   fails with STATUS_GUARD_PAGE_VIOLATION, the second succeeds).  mlock() would silently
 *   lock PROT_NONE pages, so the probe is done on the page runs here.
 * - Decommitting or releasing locked pages unlocks them (NT drops them from the working set;
 *   Linux's fresh mapping over the range, or munmap, drops VM_LOCKED).  Protection changes
 *   keep the lock on both.
 *
 * Lock rules: the lock and unlock workers take the space lock exclusive once (the lock state
 * and a guard page's state change).  Entry points copy everything in first and out after the
 * lock is dropped.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <string.h>

#include "pagerun.h"
#include "pages.h"
#include "usercopy.h"
#include "vad.h"
#include "os.h"

#ifndef MAP_PROCESS
#define MAP_PROCESS 1
#endif
#ifndef MAP_SYSTEM
#define MAP_SYSTEM  2
#endif

static void count_locked( struct mm_alloc *a, void *ctx )
{
    size_t *total = ctx;

    if (a->kind == MM_KIND_FOREIGN) return;
    for (size_t i = 0; i < a->nruns; i++)
        if (run_at( a, i )->state & MM_LOCKED) *total += run_end( a, i ) - run_at( a, i )->page;
}

/* Lock: exclusive.  munlock() the pages of [first, first+count) of a not marked locked (either
 * way): the undo of an mlock over the range, and what an unlock leaves. */
static void unlock_unmarked( struct mm_alloc *a, size_t first, size_t count )
{
    SPACE_ASSERT_EXCLUSIVE();
    for (size_t p = first; p < first + count; p = runs_span_end( a, p ))
    {
        size_t stop = runs_span_end( a, p );
        if (stop > first + count) stop = first + count;
        if (!(runs_state( a, p ) & MM_LOCK_BITS))
            os_unlock( a->base + (p << MM_PAGE_SHIFT), (stop - p) << MM_PAGE_SHIFT );
    }
}

static NTSTATUS lock_error( int err )
{
    /* RLIMIT_MEMLOCK exceeded (ENOMEM), no rlimit at all for an unprivileged user (EPERM),
     * pages that could not be made resident (EAGAIN): the process cannot lock that much */
    if (err == -ENOMEM || err == -EPERM || err == -EAGAIN) return STATUS_WORKING_SET_QUOTA;
    return STATUS_NO_MEMORY;
}

/* the lock bits of a map type (MAP_PROCESS and/or MAP_SYSTEM) */
static uint32_t lock_bits( ULONG map_type )
{
    return ((map_type & MAP_PROCESS) ? MM_LOCKED : 0) | ((map_type & MAP_SYSTEM) ? MM_SYSLOCKED : 0);
}

/* Lock: takes the space lock exclusive.  Lock [start, end) (page aligned) into the working set
 * (MM_LOCKED: counted against the quota) and / or into memory (MM_SYSLOCKED). */
static NTSTATUS lock_worker( uintptr_t start, uintptr_t end, uint32_t bits )
{
    NTSTATUS status = STATUS_SUCCESS;
    size_t locked = 0, add = 0, quota;
    uintptr_t addr;
    int ret;

    space_lock_exclusive();
    /* the probe: every page committed and accessible, in address order */
    for (addr = start; addr < end && !status; )
    {
        struct mm_alloc *a = vad_find( addr );
        size_t page, stop;
        uint32_t state;

        if (!a || a->kind == MM_KIND_FOREIGN)
        {
            status = STATUS_ACCESS_VIOLATION;   /* free, or memory NT would not know */
            break;
        }
        page = (addr - a->base) >> MM_PAGE_SHIFT;
        stop = runs_span_end( a, page );
        state = runs_state( a, page );
        if (!(state & MM_COMMITTED) || (state & 0xff) == PAGE_NOACCESS) status = STATUS_ACCESS_VIOLATION;
        else if (state & PAGE_GUARD)
        {
            /* the probe's access consumes the guard of this one page, as a fault would */
            if (pages_change( a, page, 1, ~(uint32_t)PAGE_GUARD, 0, pages_sync_kernel )) status = STATUS_NO_MEMORY;
            else status = STATUS_GUARD_PAGE_VIOLATION;
        }
        else
        {
            if (a->base + (stop << MM_PAGE_SHIFT) > end) stop = (end - a->base) >> MM_PAGE_SHIFT;
            if ((bits & MM_LOCKED) && !(state & MM_LOCKED)) add += stop - page;
            addr = a->base + (stop << MM_PAGE_SHIFT);
        }
    }
    if (!status && (quota = host_lockable_pages()) != (size_t)-1)
    {
        vad_walk( count_locked, &locked );
        if (locked + add > quota) status = STATUS_WORKING_SET_QUOTA;
    }
    /* one mlock per allocation, then the runs; a failure undoes that allocation's new locks */
    for (addr = start; addr < end && !status; )
    {
        struct mm_alloc *a = vad_find( addr );
        uintptr_t stop = a->end < end ? a->end : end;
        size_t first = (addr - a->base) >> MM_PAGE_SHIFT, count = (stop - addr) >> MM_PAGE_SHIFT;

        if ((ret = os_lock( addr, stop - addr )))
        {
            unlock_unmarked( a, first, count );
            status = lock_error( ret );
        }
        else if (runs_update( a, first, count, ~0u, bits ))
        {
            unlock_unmarked( a, first, count );
            status = STATUS_NO_MEMORY;
        }
        addr = stop;
    }
    space_unlock_exclusive();
    return status;
}

/* Lock: takes the space lock exclusive.  Unlock [start, end): every page must be locked in each
 * way asked (a MAP_SYSTEM unlock never ends a MAP_PROCESS lock), else STATUS_NOT_LOCKED and
 * nothing changes. */
static NTSTATUS unlock_worker( uintptr_t start, uintptr_t end, uint32_t bits )
{
    NTSTATUS status = STATUS_SUCCESS;
    uintptr_t addr;

    space_lock_exclusive();
    for (addr = start; addr < end; )
    {
        struct mm_alloc *a = vad_find( addr );
        size_t page;

        if (!a || a->kind == MM_KIND_FOREIGN)
        {
            status = STATUS_NOT_LOCKED;
            break;
        }
        page = (addr - a->base) >> MM_PAGE_SHIFT;
        if ((runs_state( a, page ) & bits) != bits)
        {
            status = STATUS_NOT_LOCKED;
            break;
        }
        addr = a->base + (runs_span_end( a, page ) << MM_PAGE_SHIFT);
    }
    for (addr = start; addr < end && !status; )
    {
        struct mm_alloc *a = vad_find( addr );
        uintptr_t stop = a->end < end ? a->end : end;

        size_t first = (addr - a->base) >> MM_PAGE_SHIFT, count = (stop - addr) >> MM_PAGE_SHIFT;

        /* the runs first: they are what can fail (no memory), the kernel calls cannot; pages
         * still locked the other way stay mlock()ed */
        if (runs_update( a, first, count, ~bits, 0 )) status = STATUS_NO_MEMORY;
        else unlock_unmarked( a, first, count );
        addr = stop;
    }
    space_unlock_exclusive();
    return status;
}

/* the checks NtLockVirtualMemory and NtUnlockVirtualMemory share (ReactOS's
 * ntoskrnl/mm/ARM3/virtual.c: MapType first, then the captured range, then the process, then
 * the privilege); on success [*start, *end) is the page-rounded range */
static NTSTATUS lock_params( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG map_type,
                             uintptr_t *start, uintptr_t *end )
{
    NTSTATUS status;
    void *addr;
    SIZE_T size;

    if ((status = mm_ensure_init())) return status;
    if (!map_type || (map_type & ~(MAP_PROCESS | MAP_SYSTEM))) return STATUS_INVALID_PARAMETER;
    if ((status = user_fetch_inout( addr_ptr, size_ptr, &addr, &size ))) return status;
    if ((uintptr_t)addr > space.highest) return STATUS_INVALID_PARAMETER;
    if (!size || space.highest + 1 - (uintptr_t)addr < size) return STATUS_INVALID_PARAMETER;
    if ((status = host_check_process( process ))) return status;
    if ((map_type & MAP_SYSTEM) && !host_has_lock_memory_privilege()) return STATUS_PRIVILEGE_NOT_HELD;
    *start = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
    *end = mm_round_up( (uintptr_t)addr + size, MM_PAGE_MASK );
    return STATUS_SUCCESS;
}

NTSTATUS WINAPI NtLockVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG map_type )
{
    uintptr_t start, end;
    NTSTATUS status;

    if ((status = lock_params( process, addr_ptr, size_ptr, map_type, &start, &end ))) return status;
    if ((status = lock_worker( start, end, lock_bits( map_type ) ))) return status;
    /* NT returns the page-rounded range it locked */
    return user_store_inout( addr_ptr, size_ptr, start, end - start );
}

NTSTATUS WINAPI NtUnlockVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG map_type )
{
    uintptr_t start, end;
    NTSTATUS status;

    if ((status = lock_params( process, addr_ptr, size_ptr, map_type, &start, &end ))) return status;
    if ((status = unlock_worker( start, end, lock_bits( map_type ) ))) return status;
    return user_store_inout( addr_ptr, size_ptr, start, end - start );
}

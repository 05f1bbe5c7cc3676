/*
 * ntdll-mm: NtLockVirtualMemory, NtUnlockVirtualMemory, NtSetInformationVirtualMemory,
 * NtFlushInstructionCache, NtFlushProcessWriteBuffers.
 *
 * Where NT and Linux differ:
 * - NT locks pages into the process's working set (MAP_PROCESS) or into memory (MAP_SYSTEM,
 *   SeLockMemoryPrivilege); there is no lock count, and a process may lock no more than its
 *   minimum working set minus a small overhead (STATUS_WORKING_SET_QUOTA).  Linux has one kind
 *   of lock (mlock) limited by RLIMIT_MEMLOCK for users without CAP_IPC_LOCK.  The library
 *   keeps NT's rules and lock state (MM_LOCKED in the page runs) and mlock()s the pages; an
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
 * - VmPrefetchInformation is MADV_WILLNEED per range; both only start reading pages in.
 * - x86 keeps instruction fetches coherent with stores: NtFlushInstructionCache needs a
 *   barrier only.  NtFlushProcessWriteBuffers is membarrier(2) (see os.h).
 *
 * Lock rules: the lock and unlock workers take mm.lock exclusive once (the lock state and a
 * guard page's state change); NtSetInformationVirtualMemory takes it shared per batch of
 * ranges.  Entry points copy everything in first and out after the lock is dropped.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <string.h>

#include "mm_private.h"
#include "os.h"

#ifndef MAP_PROCESS
#define MAP_PROCESS 1
#endif
#ifndef MAP_SYSTEM
#define MAP_SYSTEM  2
#endif

/* The working-set quota for locked pages is the host's (host_lockable_pages: the standalone
 * host keeps NT's default of 30 pages).  Inside Wine 8.0 ntdll never hears of a raised working
 * set (kernelbase's SetProcessWorkingSetSizeEx is a no-op returning TRUE), so by default there
 * is no NT quota there, only RLIMIT_MEMLOCK; a Wine host that tracks the working set may define
 * host_lockable_pages itself. */
#ifdef NTDLL_MM_WINE
__attribute__((weak)) size_t host_lockable_pages( void )
{
    return (size_t)-1;
}
#endif

/* The standalone host grants no privileges (as section.c for SEC_LARGE_PAGES): MAP_SYSTEM
 * needs SeLockMemoryPrivilege, which an ordinary NT process does not hold either. */
static int has_lock_memory_privilege( void )
{
    return 0;
}

/* Lock: shared.  Is the page at addr locked (MemoryWorkingSetExInformation's Locked)? */
int mm_page_locked( uintptr_t addr )
{
    struct mm_alloc *a = vad_find( addr );

    if (!a || a->kind == MM_KIND_FOREIGN) return 0;
    return !!(runs_state( a, (addr - a->base) >> MM_PAGE_SHIFT ) & MM_LOCKED);
}

/* Lock: shared.  End page of the NT region that starts in run i: runs that differ only in
 * MM_LOCKED are one region (NT's VirtualQuery does not split a region where a lock ends). */
size_t mm_region_end( const struct mm_alloc *a, size_t i )
{
    uint32_t state = run_at( a, i )->state & ~MM_LOCKED;

    while (i + 1 < a->nruns && (run_at( a, i + 1 )->state & ~MM_LOCKED) == state) i++;
    return run_end( a, i );
}

static void count_locked( struct mm_alloc *a, void *ctx )
{
    size_t *total = ctx;

    if (a->kind == MM_KIND_FOREIGN) return;
    for (size_t i = 0; i < a->nruns; i++)
        if (run_at( a, i )->state & MM_LOCKED) *total += run_end( a, i ) - run_at( a, i )->page;
}

/* Lock: exclusive.  mlock() again the locked pages of [first, first+count) of a, after a
 * remap (a view page made copy-on-write) gave them a new kernel mapping. */
void mm_relock( struct mm_alloc *a, size_t first, size_t count )
{
    MM_ASSERT_EXCLUSIVE();
    for (size_t p = first; p < first + count; p = runs_span_end( a, p ))
    {
        size_t stop = runs_span_end( a, p );
        if (stop > first + count) stop = first + count;
        if (runs_state( a, p ) & MM_LOCKED)
            os_lock( a->base + (p << MM_PAGE_SHIFT), (stop - p) << MM_PAGE_SHIFT );
    }
}

/* Lock: exclusive.  munlock() the pages of [first, first+count) of a not marked locked: the
 * undo of an mlock over the range. */
static void unlock_unmarked( struct mm_alloc *a, size_t first, size_t count )
{
    MM_ASSERT_EXCLUSIVE();
    for (size_t p = first; p < first + count; p = runs_span_end( a, p ))
    {
        size_t stop = runs_span_end( a, p );
        if (stop > first + count) stop = first + count;
        if (!(runs_state( a, p ) & MM_LOCKED))
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

/* Lock: takes mm.lock exclusive.  Lock [start, end) (page aligned) into the working set. */
static NTSTATUS lock_worker( uintptr_t start, uintptr_t end )
{
    NTSTATUS status = STATUS_SUCCESS;
    size_t locked = 0, add = 0, quota;
    uintptr_t addr;
    int ret;

    mm_lock_exclusive();
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
            if (runs_update( a, page, 1, ~(uint32_t)PAGE_GUARD, 0 ) || mm_sync_kernel( a, page, 1 ))
                status = STATUS_NO_MEMORY;
            else status = STATUS_GUARD_PAGE_VIOLATION;
        }
        else
        {
            if (a->base + (stop << MM_PAGE_SHIFT) > end) stop = (end - a->base) >> MM_PAGE_SHIFT;
            if (!(state & MM_LOCKED)) add += stop - page;
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
        else if (runs_update( a, first, count, ~0u, MM_LOCKED ))
        {
            unlock_unmarked( a, first, count );
            status = STATUS_NO_MEMORY;
        }
        addr = stop;
    }
    mm_unlock_exclusive();
    return status;
}

/* Lock: takes mm.lock exclusive.  Unlock [start, end): every page must be locked, else
 * STATUS_NOT_LOCKED and nothing changes. */
static NTSTATUS unlock_worker( uintptr_t start, uintptr_t end )
{
    NTSTATUS status = STATUS_SUCCESS;
    uintptr_t addr;

    mm_lock_exclusive();
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
        if (!(runs_state( a, page ) & MM_LOCKED))
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

        /* the runs first: they are what can fail (no memory), the kernel call cannot */
        if (runs_update( a, (addr - a->base) >> MM_PAGE_SHIFT, (stop - addr) >> MM_PAGE_SHIFT, ~MM_LOCKED, 0 ))
            status = STATUS_NO_MEMORY;
        else os_unlock( addr, stop - addr );
        addr = stop;
    }
    mm_unlock_exclusive();
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
    if ((status = mm_fetch_inout( addr_ptr, size_ptr, &addr, &size ))) return status;
    if ((uintptr_t)addr > mm.highest) return STATUS_INVALID_PARAMETER;
    if (!size || mm.highest + 1 - (uintptr_t)addr < size) return STATUS_INVALID_PARAMETER;
    if ((status = host_check_process( process ))) return status;
    if ((map_type & MAP_SYSTEM) && !has_lock_memory_privilege()) return STATUS_PRIVILEGE_NOT_HELD;
    *start = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
    *end = mm_round_up( (uintptr_t)addr + size, MM_PAGE_MASK );
    return STATUS_SUCCESS;
}

NTSTATUS WINAPI NtLockVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG map_type )
{
    uintptr_t start, end;
    NTSTATUS status;

    if ((status = lock_params( process, addr_ptr, size_ptr, map_type, &start, &end ))) return status;
    if ((status = lock_worker( start, end ))) return status;
    /* NT returns the page-rounded range it locked */
    return mm_store_inout( addr_ptr, size_ptr, start, end - start );
}

NTSTATUS WINAPI NtUnlockVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG map_type )
{
    uintptr_t start, end;
    NTSTATUS status;

    if ((status = lock_params( process, addr_ptr, size_ptr, map_type, &start, &end ))) return status;
    if ((status = unlock_worker( start, end ))) return status;
    return mm_store_inout( addr_ptr, size_ptr, start, end - start );
}

/* ---- NtSetInformationVirtualMemory ----------------------------------------------------- */

/* Lock: takes mm.lock shared.  MADV_WILLNEED on each range, clipped to user space; ranges
 * that are free or reserved are accepted and skipped by the kernel (kernel32
 * test_PrefetchVirtualMemory: an unmapped entry succeeds). */
static void prefetch_worker( const MEMORY_RANGE_ENTRY *entries, size_t count )
{
    mm_lock_shared();
    for (size_t i = 0; i < count; i++)
    {
        uintptr_t start = mm_round_down( (uintptr_t)entries[i].VirtualAddress, MM_PAGE_MASK ), end, last;

        if (start > mm.highest) continue;
        if (__builtin_add_overflow( (uintptr_t)entries[i].VirtualAddress, entries[i].NumberOfBytes, &last ) ||
            last > mm.highest + 1)
            last = mm.highest + 1;
        end = mm_round_up( last, MM_PAGE_MASK );
        /* a hint: holes in the range (-ENOMEM) do not stop it for the mapped parts */
        os_prefetch( start, end - start );
    }
    mm_unlock_shared();
}

static NTSTATUS prefetch( HANDLE process, ULONG_PTR count, const MEMORY_RANGE_ENTRY *addresses,
                          const void *info, ULONG info_len )
{
    MEMORY_RANGE_ENTRY entries[64];
    NTSTATUS status;
    ULONG flags;

    /* order of the checks from ntdll's test_prefetch (passes on Windows): the information
     * pointer, its length, the count, then the entries */
    if (!info) return STATUS_INVALID_PARAMETER_5;
    if (info_len != sizeof(ULONG)) return STATUS_INVALID_PARAMETER_6;
    if (!count) return STATUS_INVALID_PARAMETER_3;
    if (host_copy_from_user( &flags, info, sizeof(flags) )) return STATUS_ACCESS_VIOLATION;
    /* "must point to a ULONG variable set to 0" (ZwSetInformationVirtualMemory documentation) */
    if (flags) return STATUS_INVALID_PARAMETER_5;
    if ((status = host_check_process( process ))) return status;
    /* every entry is checked before any is acted on */
    for (ULONG_PTR done = 0; done < count; )
    {
        size_t n = count - done > ARRAY_SIZE( entries ) ? ARRAY_SIZE( entries ) : count - done;
        if (host_copy_from_user( entries, addresses + done, n * sizeof(*entries) )) return STATUS_ACCESS_VIOLATION;
        for (size_t i = 0; i < n; i++) if (!entries[i].NumberOfBytes) return STATUS_INVALID_PARAMETER_4;
        done += n;
    }
    for (ULONG_PTR done = 0; done < count; )
    {
        size_t n = count - done > ARRAY_SIZE( entries ) ? ARRAY_SIZE( entries ) : count - done;
        if (host_copy_from_user( entries, addresses + done, n * sizeof(*entries) )) return STATUS_ACCESS_VIOLATION;
        prefetch_worker( entries, n );
        done += n;
    }
    return STATUS_SUCCESS;
}

NTSTATUS WINAPI NtSetInformationVirtualMemory( HANDLE process, VIRTUAL_MEMORY_INFORMATION_CLASS info_class,
                                               ULONG_PTR count, PMEMORY_RANGE_ENTRY addresses,
                                               PVOID info, ULONG info_len )
{
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    switch ((int)info_class)
    {
    case VmPrefetchInformation:
        return prefetch( process, count, addresses, info, info_len );
    /* classes NT documents (VmPagePriorityInformation, VmCfgCallTargetInformation for
     * SetProcessValidCallTargets, VmPageDirtyStateInformation, VmImageHotPatchInformation,
     * VmPhysicalContiguityInformation, VmVirtualMachinePrepopulateInformation,
     * VmRemoveFromWorkingSetInformation) that the library does not implement: NT's status
     * for a request it cannot carry out here, as for a process without CFG */
    case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        if ((status = host_check_process( process ))) return status;
        return STATUS_NOT_SUPPORTED;
    default:
        /* an unknown class is refused before anything else is looked at (test_prefetch) */
        return STATUS_INVALID_PARAMETER_2;
    }
}

/* ---- NtFlushInstructionCache, NtFlushProcessWriteBuffers ----------------------------------- */

NTSTATUS WINAPI NtFlushInstructionCache( HANDLE process, LPCVOID addr, SIZE_T size )
{
    NTSTATUS status;

    if ((status = host_check_process( process ))) return status;
#if defined(__x86_64__) || defined(__i386__)
    /* x86 snoops stores into the instruction stream: a compiler and CPU barrier is enough to
     * order the caller's code writes before what follows */
    __atomic_thread_fence( __ATOMIC_SEQ_CST );
#else
    if (size) __builtin___clear_cache( (char *)addr, (char *)addr + size );
#endif
    return STATUS_SUCCESS;
}

void WINAPI NtFlushProcessWriteBuffers( void )
{
    /* NT sends an IPI to every processor running a thread of the process; membarrier does
     * the same.  There is no status to return: the fallbacks are still barriers. */
    os_flush_write_buffers();
}

/*
 * ntdll-mm core: NtSetInformationVirtualMemory.
 *
 * VmPrefetchInformation is MADV_WILLNEED per range: both only start reading pages in.  The
 * other classes NT documents are STATUS_NOT_SUPPORTED here.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "space.h"
#include "os.h"

/* Lock: takes the space lock shared.  MADV_WILLNEED on each range, clipped to user space; ranges
 * that are free or reserved are accepted and skipped by the kernel (kernel32
 * test_PrefetchVirtualMemory: an unmapped entry succeeds). */
static void prefetch_worker( const MEMORY_RANGE_ENTRY *entries, size_t count )
{
    space_lock_shared();
    for (size_t i = 0; i < count; i++)
    {
        uintptr_t start = mm_round_down( (uintptr_t)entries[i].VirtualAddress, MM_PAGE_MASK ), end, last;

        if (start > space.highest) continue;
        if (__builtin_add_overflow( (uintptr_t)entries[i].VirtualAddress, entries[i].NumberOfBytes, &last ) ||
            last > space.highest + 1)
            last = space.highest + 1;
        end = mm_round_up( last, MM_PAGE_MASK );
        /* a hint: holes in the range (-ENOMEM) do not stop it for the mapped parts */
        os_prefetch( start, end - start );
    }
    space_unlock_shared();
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


/*
 * ntdll-mm core: NtFlushVirtualMemory, NtFlushInstructionCache, NtFlushProcessWriteBuffers.
 *
 * Where NT and Linux differ: NtFlushVirtualMemory is msync(MS_SYNC): the data is on disk when
 * it returns.  x86 keeps instruction fetches coherent with stores: NtFlushInstructionCache
 * needs a barrier only.  NtFlushProcessWriteBuffers is membarrier(2) (os.h).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "usercopy.h"
#include "vad.h"
#include "os.h"

NTSTATUS WINAPI NtFlushVirtualMemory( HANDLE process, LPCVOID *addr_ptr, SIZE_T *size_ptr, ULONG unknown )
{
    struct mm_alloc *a;
    void *addr;
    SIZE_T size;
    uintptr_t start, end = 0;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = user_fetch_inout( (PVOID *)addr_ptr, size_ptr, &addr, &size ))) return status;
    if ((status = host_check_process( process ))) return status;
    start = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
    if (size)
    {
        uintptr_t last;
        if (__builtin_add_overflow( (uintptr_t)addr, size, &last )) return STATUS_INVALID_PARAMETER;
        end = mm_round_up( last, MM_PAGE_MASK );
    }
    space_lock_shared();
    a = vad_find( start );
    if (!a || a->kind == MM_KIND_FOREIGN) status = STATUS_NOT_MAPPED_VIEW;   /* ZwFlushVirtualMemory doc */
    else if (!alloc_is_view( a )) status = STATUS_NOT_MAPPED_DATA;
    else
    {
        if (!size) end = a->end;   /* 0: to the end of the view */
        if (end > a->end) status = STATUS_INVALID_PARAMETER;
        /* copy-on-write and image views have nothing to write back */
        else if (!a->cow && os_sync( start, end - start )) status = STATUS_NOT_MAPPED_DATA;
    }
    space_unlock_shared();
    if (status) return status;
    return user_store_inout( (PVOID *)addr_ptr, size_ptr, start, end - start );
}

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

MM_FLUSH_WRITE_BUFFERS_TYPE WINAPI NtFlushProcessWriteBuffers( void )
{
    /* NT sends an IPI to every processor running a thread of the process; membarrier does
     * the same.  It cannot fail: the fallbacks are still barriers. */
    os_flush_write_buffers();
    MM_FLUSH_WRITE_BUFFERS_RETURN;
}

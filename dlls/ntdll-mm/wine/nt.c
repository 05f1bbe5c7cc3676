/*
 * ntdll-mm inside Wine: the exported NT memory calls of ntdll.so that take a process handle.
 *
 * The core works on the calling process only.  Each call here decides which process it is for:
 * - NtCurrentProcess(): the core's mm_Nt* (views through mapping.c, which keeps wineserver
 *   informed), after Wine's quirks (thread.c's stack clearing undone, SEC_RESERVE commits of
 *   other processes pulled).
 * - any other handle: its parameters are read and checked as the core's entry points check
 *   them (mm_alloc_args_fetch, mm_map_args_fetch), then the call travels as a server APC to the
 *   target (the Wine version's apc.c), which runs the same exported call on NtCurrentProcess().
 *   A handle to the calling process itself comes back as "self" and runs here, the same way.
 *   NtRead/WriteVirtualMemory go through the server's read/write_process_memory (which
 *   reads /proc/PID/mem and uses ptrace: it sees PAGE_NOACCESS and guard pages, NT does not).
 *   On NtCurrentProcess() they copy directly, as NT does, stopping at the first page the
 *   program itself could not read or write (STATUS_PARTIAL_COPY, with the count done).
 *   Calls no APC carries (write watches, NtSetInformationVirtualMemory, the other
 *   NtQueryVirtualMemory classes) work when the handle names the calling process and are not
 *   supported on another one (NT supports them).
 * NtQuerySection, NtAreMappedFilesTheSame and NtFlushProcessWriteBuffers have no process handle:
 * the core exports them itself.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <stdlib.h>
#include <string.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* For calls no APC can forward: does the handle name the calling process?  Errors are the
 * server's (STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH, STATUS_ACCESS_DENIED). */
static NTSTATUS process_is_self( HANDLE process, BOOL *self )
{
    PROCESS_BASIC_INFORMATION pbi;
    NTSTATUS status;

    *self = FALSE;
    if (process == NtCurrentProcess())
    {
        *self = TRUE;
        return STATUS_SUCCESS;
    }
    if ((status = NtQueryInformationProcess( process, ProcessBasicInformation, &pbi, sizeof(pbi), NULL )))
        return status;
    *self = pbi.UniqueProcessId == (ULONG_PTR)NtCurrentTeb()->ClientId.UniqueProcess;
    return STATUS_SUCCESS;
}

/* ---- allocation ---------------------------------------------------------------------------- */

NTSTATUS WINAPI NtAllocateVirtualMemory( HANDLE process, PVOID *ret, ULONG_PTR zero_bits, SIZE_T *size_ptr,
                                         ULONG type, ULONG protect )
{
    struct mm_alloc_args args;
    NTSTATUS status;

    TRACE( "%p %p %p %x %08x\n", process, ret, size_ptr, (int)type, (int)protect );

    if (process != NtCurrentProcess())
    {
        if ((status = mm_alloc_args_fetch( &args, ret, size_ptr, zero_bits, type, protect, NULL, 0, FALSE )))
            return status;
        return mmw_remote_alloc( process, &args, FALSE, ret, size_ptr );
    }
    mmw_stack_fixup( NULL );
    return mm_NtAllocateVirtualMemory( process, ret, zero_bits, size_ptr, type, protect );
}

NTSTATUS WINAPI NtAllocateVirtualMemoryEx( HANDLE process, PVOID *ret, SIZE_T *size_ptr, ULONG type,
                                           ULONG protect, MEM_EXTENDED_PARAMETER *parameters, ULONG count )
{
    struct mm_alloc_args args;
    NTSTATUS status;

    TRACE( "%p %p %p %x %08x %p %u\n", process, ret, size_ptr, (int)type, (int)protect, parameters, (int)count );

    if (process != NtCurrentProcess())
    {
        if ((status = mm_alloc_args_fetch( &args, ret, size_ptr, 0, type, protect, parameters, count, TRUE )))
            return status;
        return mmw_remote_alloc( process, &args, TRUE, ret, size_ptr );
    }
    mmw_stack_fixup( NULL );
    return mm_NtAllocateVirtualMemoryEx( process, ret, size_ptr, type, protect, parameters, count );
}

/* For a kernelbase whose VirtualFree passes MEM_RELEASE with a size on (mmw_version.h): would
 * this release a part of an allocation?  Then VirtualFree must fail as on Windows.  The start of
 * a placeholder stays releasable (Wine's ntdll test_NtAllocateVirtualMemoryEx releases it so);
 * what the core refuses anyway (bad pointers, free memory, a range past the allocation) is left
 * to it. */
static BOOL release_of_part( PVOID *addr_ptr, SIZE_T *size_ptr )
{
    MEMORY_REGION_INFORMATION info;
    uintptr_t start, end, base;
    SIZE_T size;
    void *addr;

    if (host_copy_from_user( &addr, addr_ptr, sizeof(addr) ) || host_copy_from_user( &size, size_ptr, sizeof(size) ) ||
        !size || (uintptr_t)addr + size < (uintptr_t)addr)
        return FALSE;
    if (mm_NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryRegionInformationEx, &info, sizeof(info), NULL ))
        return FALSE;
    start = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
    end = mm_round_up( (uintptr_t)addr + size, MM_PAGE_MASK );
    base = (uintptr_t)info.AllocationBase;
    if (end > base + info.RegionSize) return FALSE;
    if (start != base) return TRUE;
    return end != base + info.RegionSize && !(info.RegionType & NTDLL_MM_REGION_PLACEHOLDER_RESERVATION);
}

NTSTATUS WINAPI NtFreeVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG type )
{
    TRACE( "%p %p %p %x\n", process, addr_ptr, size_ptr, (int)type );

    if (MMW_REFUSE_RELEASE_WITH_SIZE && type == MEM_RELEASE && process == NtCurrentProcess() &&
        release_of_part( addr_ptr, size_ptr ))
        return STATUS_INVALID_PARAMETER;
    if (process != NtCurrentProcess()) return mmw_remote_free( process, addr_ptr, size_ptr, type );
    mmw_stack_fixup( NULL );
    return mm_NtFreeVirtualMemory( process, addr_ptr, size_ptr, type );
}

NTSTATUS WINAPI NtProtectVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG new_prot,
                                        ULONG *old_prot )
{
    TRACE( "%p %p %p %08x\n", process, addr_ptr, size_ptr, (int)new_prot );

    if (process != NtCurrentProcess()) return mmw_remote_protect( process, addr_ptr, size_ptr, new_prot, old_prot );
    /* pages another process committed in a SEC_RESERVE view are committed here too */
    mmw_sync_committed_at( addr_ptr );
    mmw_stack_fixup( NULL );
    return mm_NtProtectVirtualMemory( process, addr_ptr, size_ptr, new_prot, old_prot );
}

/* ---- queries ------------------------------------------------------------------------------- */

NTSTATUS WINAPI NtQueryVirtualMemory( HANDLE process, LPCVOID addr, MEMORY_INFORMATION_CLASS info_class,
                                      PVOID buffer, SIZE_T len, SIZE_T *res_len )
{
    NTSTATUS status;
    BOOL self;

    TRACE( "(%p, %p, info_class=%d, %p, %ld, %p)\n", process, addr, info_class, buffer, len, res_len );

    switch ((int)info_class)
    {
    case MemoryMappedFilenameInformation:
        /* the server keeps the NT names of every view of every process */
        return mmw_mapped_filename( process, addr, buffer, len, res_len );

    case MemoryWineUnixFuncs:
    case MemoryWineUnixWow64Funcs:
        if (len != sizeof(unixlib_handle_t)) return STATUS_INFO_LENGTH_MISMATCH;
        if (process == NtCurrentProcess())
        {
            const void *funcs = NULL;

            status = mmw_builtin_unix_funcs( (void *)addr, info_class == MemoryWineUnixWow64Funcs, &funcs );
            if (!status) *(unixlib_handle_t *)buffer = (UINT_PTR)funcs;
            return status;
        }
        return STATUS_INVALID_HANDLE;

    case MemoryBasicInformation:
        if (process != NtCurrentProcess()) return mmw_remote_query( process, addr, buffer, len, res_len );
        break;

    default:
        if (process == NtCurrentProcess()) break;
        if ((status = process_is_self( process, &self ))) return status;
        if (!self)
        {
            FIXME( "info class %d for another process not supported\n", info_class );
            return STATUS_NOT_IMPLEMENTED;
        }
        break;
    }
    mmw_sync_committed( addr );
    mmw_stack_fixup( NULL );
    return mm_NtQueryVirtualMemory( NtCurrentProcess(), addr, info_class, buffer, len, res_len );
}

/* ---- locking ------------------------------------------------------------------------------- */

NTSTATUS WINAPI NtLockVirtualMemory( HANDLE process, PVOID *addr, SIZE_T *size, ULONG unknown )
{
    if (process != NtCurrentProcess()) return mmw_remote_lock( process, addr, size, TRUE );
    return mm_NtLockVirtualMemory( process, addr, size, unknown );
}

NTSTATUS WINAPI NtUnlockVirtualMemory( HANDLE process, PVOID *addr, SIZE_T *size, ULONG unknown )
{
    if (process != NtCurrentProcess()) return mmw_remote_lock( process, addr, size, FALSE );
    return mm_NtUnlockVirtualMemory( process, addr, size, unknown );
}

/* ---- sections and views -------------------------------------------------------------------- */

NTSTATUS WINAPI NtMapViewOfSection( HANDLE handle, HANDLE process, PVOID *addr_ptr, ULONG_PTR zero_bits,
                                    SIZE_T commit_size, const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr,
                                    SECTION_INHERIT inherit, ULONG alloc_type, ULONG protect )
{
    struct mm_map_args args;
    NTSTATUS status;

    TRACE( "handle=%p process=%p addr=%p off=%p size=%p access=%x\n", handle, process, addr_ptr, offset_ptr, size_ptr,
           (int)protect );

    /* ViewShare or ViewUnmap (ReactOS apitest: STATUS_INVALID_PARAMETER_8); APC_MAP_VIEW carries
     * no inherit disposition: Wine's invoke_system_apc passes 0, which means ViewShare here */
    if (inherit && inherit != ViewShare && inherit != ViewUnmap) return STATUS_INVALID_PARAMETER_8;
    if ((status = mm_map_args_fetch( &args, addr_ptr, zero_bits, commit_size, offset_ptr, size_ptr, alloc_type,
                                     protect, NULL, 0, FALSE )))
        return status;
    if (process != NtCurrentProcess()) return mmw_remote_map( handle, process, &args );
    if ((status = mm_map_args_check( &args ))) return status;
    return mmw_map_view( handle, &args, NULL, 0 );
}

NTSTATUS WINAPI NtMapViewOfSectionEx( HANDLE handle, HANDLE process, PVOID *addr_ptr, const LARGE_INTEGER *offset_ptr,
                                      SIZE_T *size_ptr, ULONG alloc_type, ULONG protect,
                                      MEM_EXTENDED_PARAMETER *params, ULONG count )
{
    struct mm_map_args args;
    NTSTATUS status;

    TRACE( "handle=%p process=%p addr=%p off=%p size=%p access=%x params=%p/%u\n", handle, process, addr_ptr,
           offset_ptr, size_ptr, (int)protect, params, (int)count );

    /* MapViewOfFile3 with a NULL process, from an old kernelbase (mmw_version.h) */
    if (!process && MMW_NULL_PROCESS_IS_CURRENT) process = NtCurrentProcess();
    if ((status = mm_map_args_fetch( &args, addr_ptr, 0, 0, offset_ptr, size_ptr, alloc_type, protect, params, count,
                                     TRUE )))
        return status;
    if (process != NtCurrentProcess()) return mmw_remote_map( handle, process, &args );
    if ((status = mm_map_args_check( &args ))) return status;
    return mmw_map_view( handle, &args, NULL, 0 );
}

NTSTATUS WINAPI NtUnmapViewOfSection( HANDLE process, PVOID addr )
{
    TRACE( "%p %p\n", process, addr );

    if (process != NtCurrentProcess()) return mmw_remote_unmap( process, addr, 0 );
    return mmw_unmap_view( addr, 0 );
}

NTSTATUS WINAPI NtUnmapViewOfSectionEx( HANDLE process, PVOID addr, ULONG flags )
{
    TRACE( "%p %p %x\n", process, addr, (int)flags );

    if (process != NtCurrentProcess()) return mmw_remote_unmap( process, addr, flags );
    return mmw_unmap_view( addr, flags );
}

NTSTATUS WINAPI NtFlushVirtualMemory( HANDLE process, LPCVOID *addr_ptr, SIZE_T *size_ptr, ULONG unknown )
{
    if (process != NtCurrentProcess()) return mmw_remote_flush( process, addr_ptr, size_ptr );
    return mm_NtFlushVirtualMemory( process, addr_ptr, size_ptr, unknown );
}

/* ---- write watches and hints --------------------------------------------------------------- */

NTSTATUS WINAPI NtGetWriteWatch( HANDLE process, ULONG flags, PVOID base, SIZE_T size, PVOID *addresses,
                                 ULONG_PTR *count, ULONG *granularity )
{
    NTSTATUS status;
    BOOL self;

    TRACE( "%p %x %p %lx\n", process, (int)flags, base, size );
    if ((status = process_is_self( process, &self ))) return status;
    if (!self)
    {
        FIXME( "write watches of another process not supported\n" );
        return STATUS_NOT_SUPPORTED;
    }
    return mm_NtGetWriteWatch( NtCurrentProcess(), flags, base, size, addresses, count, granularity );
}

NTSTATUS WINAPI NtResetWriteWatch( HANDLE process, PVOID base, SIZE_T size )
{
    NTSTATUS status;
    BOOL self;

    TRACE( "%p %p %lx\n", process, base, size );
    if ((status = process_is_self( process, &self ))) return status;
    if (!self)
    {
        FIXME( "write watches of another process not supported\n" );
        return STATUS_NOT_SUPPORTED;
    }
    return mm_NtResetWriteWatch( NtCurrentProcess(), base, size );
}

NTSTATUS WINAPI NtSetInformationVirtualMemory( HANDLE process, VIRTUAL_MEMORY_INFORMATION_CLASS info_class,
                                               ULONG_PTR count, PMEMORY_RANGE_ENTRY addresses, PVOID ptr,
                                               ULONG size )
{
    NTSTATUS status;
    BOOL self;

    TRACE( "(%p, info_class=%d, %lu, %p, %p, %u)\n", process, info_class, count, addresses, ptr, (int)size );

    if (process != NtCurrentProcess())
    {
        if ((status = process_is_self( process, &self ))) return status;
        if (!self)
        {
            ULONG_PTR i;

            /* prefetching is a hint: checked as for ourselves, then nothing to do (Wine) */
            if (info_class != VmPrefetchInformation)
            {
                FIXME( "info class %d for another process not supported\n", info_class );
                return STATUS_NOT_SUPPORTED;
            }
            if (!ptr) return STATUS_INVALID_PARAMETER_5;
            if (size != sizeof(ULONG)) return STATUS_INVALID_PARAMETER_6;
            if (!count) return STATUS_INVALID_PARAMETER_3;
            for (i = 0; i < count; i++)
            {
                MEMORY_RANGE_ENTRY entry;

                if (host_copy_from_user( &entry, &addresses[i], sizeof(entry) )) return STATUS_ACCESS_VIOLATION;
                if (!entry.NumberOfBytes) return STATUS_INVALID_PARAMETER_4;
            }
            return STATUS_SUCCESS;
        }
    }
    return mm_NtSetInformationVirtualMemory( NtCurrentProcess(), info_class, count, addresses, ptr, size );
}

NTSTATUS WINAPI NtFlushInstructionCache( HANDLE handle, const void *addr, SIZE_T size )
{
    /* x86 keeps instruction caches coherent: nothing to do for another process either (Wine) */
    if (handle != NtCurrentProcess()) return STATUS_SUCCESS;
    return mm_NtFlushInstructionCache( handle, addr, size );
}

/* ---- copies between processes -------------------------------------------------------------- */

/* Copy between two ranges of our own memory, page by page of the 'process' side, as NT's
 * MmCopyVirtualMemory: a fault there stops the copy with STATUS_PARTIAL_COPY and the number of
 * bytes copied before it. */
static NTSTATUS copy_self( char *dst, const char *src, SIZE_T size, BOOL process_is_dst, SIZE_T *done )
{
    *done = 0;
    /* all at once first; only a copy that faults is redone page by page to find where */
    if (!mmw_guarded_copy( dst, src, size ))
    {
        *done = size;
        return STATUS_SUCCESS;
    }
    while (*done < size)
    {
        UINT_PTR pos = (UINT_PTR)(process_is_dst ? dst : src) + *done;
        SIZE_T chunk = (MM_PAGE_MASK + 1) - (pos & MM_PAGE_MASK);

        if (chunk > size - *done) chunk = size - *done;
        if (mmw_guarded_copy( dst + *done, src + *done, chunk )) return STATUS_PARTIAL_COPY;
        *done += chunk;
    }
    return STATUS_SUCCESS;
}

NTSTATUS WINAPI NtReadVirtualMemory( HANDLE process, const void *addr, void *buffer, SIZE_T size, SIZE_T *bytes_read )
{
    NTSTATUS status;

    TRACE( "%p %p %p %lx\n", process, addr, buffer, size );

    if (!virtual_check_buffer_for_write( buffer, size ))
    {
        status = STATUS_ACCESS_VIOLATION;
        size = 0;
    }
    else if (process == NtCurrentProcess())
    {
        /* our own memory: readable as the program itself could read it (the server, reading
         * through /proc, would also see PAGE_NOACCESS and guard pages) */
        SIZE_T done;
        status = copy_self( buffer, addr, size, FALSE, &done );
        /* a partial copy reports nothing read (kernel32's test_ReadProcessMemory, Wine 10.0's,
         * which passes on Windows) */
        size = status ? 0 : done;
    }
    else
    {
        SERVER_START_REQ( read_process_memory )
        {
            req->handle = wine_server_obj_handle( process );
            req->addr   = wine_server_client_ptr( addr );
            wine_server_set_reply( req, buffer, size );
            if ((status = wine_server_call( req ))) size = 0;
        }
        SERVER_END_REQ;
    }
    if (bytes_read) *bytes_read = size;
    return status;
}

/* A write into our own memory faulted at addr: is it a committed page the program may read
 * but not write (code, read-only data), which the server may write for us? */
static BOOL writable_by_server( const void *addr )
{
    MEMORY_BASIC_INFORMATION mbi;

    if (mm_NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryBasicInformation, &mbi, sizeof(mbi), NULL ))
        return FALSE;
    if (mbi.State != MEM_COMMIT || (mbi.Protect & PAGE_GUARD)) return FALSE;
    switch (mbi.Protect & 0xff)
    {
    case PAGE_READONLY:
    case PAGE_WRITECOPY:
    case PAGE_EXECUTE:
    case PAGE_EXECUTE_READ:
    case PAGE_EXECUTE_WRITECOPY:
        return TRUE;
    default:
        return FALSE;
    }
}

NTSTATUS WINAPI NtWriteVirtualMemory( HANDLE process, void *addr, const void *buffer, SIZE_T size,
                                      SIZE_T *bytes_written )
{
    NTSTATUS status;
    SIZE_T done = 0;

    TRACE( "%p %p %p %lx\n", process, addr, buffer, size );

    if (!virtual_check_buffer_for_read( buffer, size ))
    {
        if (bytes_written) *bytes_written = 0;
        return STATUS_PARTIAL_COPY;
    }
    if (process == NtCurrentProcess())
    {
        if (!(status = copy_self( addr, buffer, size, TRUE, &done ))) goto done;
        /* NT refuses read-only pages; an old kernelbase that does not make them writable first
         * gets the server's write (through /proc and ptrace), as Wine does (mmw_version.h) */
        if (!MMW_SERVER_WRITES_READONLY || !writable_by_server( (char *)addr + done )) goto done;
    }
    SERVER_START_REQ( write_process_memory )
    {
        req->handle = wine_server_obj_handle( process );
        req->addr   = wine_server_client_ptr( (char *)addr + done );
        wine_server_add_data( req, (const char *)buffer + done, size - done );
        status = wine_server_call( req );
    }
    SERVER_END_REQ;
    if (!status) done = size;
    else if (process == NtCurrentProcess()) status = STATUS_PARTIAL_COPY;
done:
    /* a partial copy reports nothing written, as NtReadVirtualMemory does (kernel32's
     * test_WriteProcessMemory) */
    if (bytes_written) *bytes_written = status ? 0 : done;
    return status;
}

/* ---- paging files -------------------------------------------------------------------------- */

NTSTATUS WINAPI NtCreatePagingFile( UNICODE_STRING *name, LARGE_INTEGER *min_size, LARGE_INTEGER *max_size,
                                    LARGE_INTEGER *actual_size )
{
    /* Linux's swap is the paging file */
    FIXME( "(%s %p %p %p) stub\n", debugstr_us(name), min_size, max_size, actual_size );
    return STATUS_SUCCESS;
}

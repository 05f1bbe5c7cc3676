/*
 * ntdll-mm inside Wine 8.0: the exported NT memory calls of ntdll.so.
 *
 * The core works on the calling process only.  Each call here decides which process it is for:
 * - NtCurrentProcess(): the core's mm_Nt* (sections and views through section.c, which also
 *   keeps wineserver informed).
 * - any other handle: what Wine's interface offers.  The calls that have an APC
 *   (APC_VIRTUAL_ALLOC, _ALLOC_EX, _FREE, _QUERY, _PROTECT, _FLUSH, _LOCK, _UNLOCK,
 *   APC_MAP_VIEW, APC_UNMAP_VIEW) are queued to the target by the server
 *   (server_queue_process_apc), which checks the handle and its access; the target runs the
 *   same exported call on NtCurrentProcess() (server.c, invoke_system_apc).  A handle to the
 *   calling process itself comes back as "self" and runs here, the same way.
 *   NtRead/WriteVirtualMemory go through the server's read/write_process_memory (which
 *   reads /proc/PID/mem and uses ptrace: it sees PAGE_NOACCESS and guard pages, NT does not).
 *   On NtCurrentProcess() they copy directly, as NT does, stopping at the first page the
 *   program itself could not read or write (STATUS_PARTIAL_COPY, with the count done).
 *   Calls no APC carries (write watches, NtSetInformationVirtualMemory, the other
 *   NtQueryVirtualMemory classes) work when the handle names the calling process and are not
 *   supported on another one (NT supports them).
 * Where Wine's interface differs from NT: the APCs carry no extended parameters besides the
 * address requirements of NtAllocateVirtualMemoryEx, and neither CommitSize nor InheritDisposition
 * of NtMapViewOfSection (so InheritDisposition 0 is taken as ViewShare), nor the flags of
 * NtUnmapViewOfSectionEx.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"
#include "nt_wine.h"

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
    NTSTATUS status;

    TRACE( "%p %p %08lx %x %08x\n", process, ret ? *ret : NULL, size_ptr ? *size_ptr : 0, (int)type, (int)protect );

    if (process != NtCurrentProcess())
    {
        apc_call_t call;
        apc_result_t result;

        if (!*size_ptr) return STATUS_INVALID_PARAMETER;
        if (zero_bits > 21 && zero_bits < 32) return STATUS_INVALID_PARAMETER_3;
        if (zero_bits > 32 && zero_bits < MM_GRAN_MASK) return STATUS_INVALID_PARAMETER_3;

        memset( &call, 0, sizeof(call) );
        call.virtual_alloc.type      = APC_VIRTUAL_ALLOC;
        call.virtual_alloc.addr      = wine_server_client_ptr( *ret );
        call.virtual_alloc.size      = *size_ptr;
        call.virtual_alloc.zero_bits = zero_bits;
        call.virtual_alloc.op_type   = type;
        call.virtual_alloc.prot      = protect;
        if ((status = server_queue_process_apc( process, &call, &result ))) return status;
        if (result.virtual_alloc.status == STATUS_SUCCESS)
        {
            *ret      = wine_server_get_ptr( result.virtual_alloc.addr );
            *size_ptr = result.virtual_alloc.size;
        }
        return result.virtual_alloc.status;
    }

    mmw_stack_fixup( NULL );
    status = mm_NtAllocateVirtualMemory( process, ret, zero_bits, size_ptr, type, protect );
    /* a commit in a view of a SEC_RESERVE mapping is the mapping's, for every process */
    if (!status && (type & MEM_COMMIT) && !(type & MEM_RESERVE)) mmw_note_commit( *ret, *size_ptr );
    if (!status && (type & MEM_COMMIT) && (protect & PAGE_GUARD)) mmw_stack_guard_set( *ret, *size_ptr );
    return status;
}

NTSTATUS WINAPI NtAllocateVirtualMemoryEx( HANDLE process, PVOID *ret, SIZE_T *size_ptr, ULONG type,
                                           ULONG protect, MEM_EXTENDED_PARAMETER *parameters, ULONG count )
{
    NTSTATUS status;

    TRACE( "%p %p %08lx %x %08x %p %u\n", process, ret ? *ret : NULL, size_ptr ? *size_ptr : 0, (int)type,
           (int)protect, parameters, (int)count );

    if (process != NtCurrentProcess())
    {
        MEM_ADDRESS_REQUIREMENTS *r = NULL;
        ULONG_PTR limit = 0, align = 0;
        apc_call_t call;
        apc_result_t result;
        ULONG i;

        /* only the address requirements travel in the APC (Wine's interface) */
        if (count && !parameters) return STATUS_INVALID_PARAMETER;
        for (i = 0; i < count; i++)
        {
            if (parameters[i].Type == MemExtendedParameterInvalidType ||
                parameters[i].Type >= MemExtendedParameterMax)
                return STATUS_INVALID_PARAMETER;
            if (parameters[i].Type != MemExtendedParameterAddressRequirements)
            {
                FIXME( "parameter type %d not forwarded to another process\n", parameters[i].Type );
                continue;
            }
            if (r) return STATUS_INVALID_PARAMETER;
            r = parameters[i].Pointer;
            if (r->LowestStartingAddress)
                FIXME( "LowestStartingAddress %p not forwarded to another process\n", r->LowestStartingAddress );
            if (r->Alignment)
            {
                if (*ret || (r->Alignment & (r->Alignment - 1)) || r->Alignment - 1 < MM_GRAN_MASK)
                    return STATUS_INVALID_PARAMETER;
                align = r->Alignment;
            }
            limit = (ULONG_PTR)r->HighestEndingAddress;
            if (limit && (*ret || limit > mmw_highest_user_address( FALSE ) || ((limit + 1) & MM_PAGE_MASK)))
                return STATUS_INVALID_PARAMETER;
        }
        if (!*size_ptr) return STATUS_INVALID_PARAMETER;

        memset( &call, 0, sizeof(call) );
        call.virtual_alloc_ex.type    = APC_VIRTUAL_ALLOC_EX;
        call.virtual_alloc_ex.addr    = wine_server_client_ptr( *ret );
        call.virtual_alloc_ex.size    = *size_ptr;
        call.virtual_alloc_ex.limit   = limit;
        call.virtual_alloc_ex.align   = align;
        call.virtual_alloc_ex.op_type = type;
        call.virtual_alloc_ex.prot    = protect;
        if ((status = server_queue_process_apc( process, &call, &result ))) return status;
        if (result.virtual_alloc_ex.status == STATUS_SUCCESS)
        {
            *ret      = wine_server_get_ptr( result.virtual_alloc_ex.addr );
            *size_ptr = result.virtual_alloc_ex.size;
        }
        return result.virtual_alloc_ex.status;
    }

    mmw_stack_fixup( NULL );
    status = mm_NtAllocateVirtualMemoryEx( process, ret, size_ptr, type, protect, parameters, count );
    if (!status && (type & MEM_COMMIT) && !(type & (MEM_RESERVE | MEM_RESERVE_PLACEHOLDER | MEM_REPLACE_PLACEHOLDER)))
        mmw_note_commit( *ret, *size_ptr );
    if (!status && (type & MEM_COMMIT) && (protect & PAGE_GUARD)) mmw_stack_guard_set( *ret, *size_ptr );
    return status;
}

NTSTATUS WINAPI NtFreeVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG type )
{
    TRACE( "%p %p %08lx %x\n", process, addr_ptr ? *addr_ptr : NULL, size_ptr ? *size_ptr : 0, (int)type );

    if (process != NtCurrentProcess())
    {
        apc_call_t call;
        apc_result_t result;
        NTSTATUS status;

        memset( &call, 0, sizeof(call) );
        call.virtual_free.type    = APC_VIRTUAL_FREE;
        call.virtual_free.addr    = wine_server_client_ptr( *addr_ptr );
        call.virtual_free.size    = *size_ptr;
        call.virtual_free.op_type = type;
        if ((status = server_queue_process_apc( process, &call, &result ))) return status;
        if (result.virtual_free.status == STATUS_SUCCESS)
        {
            *addr_ptr = wine_server_get_ptr( result.virtual_free.addr );
            *size_ptr = result.virtual_free.size;
        }
        return result.virtual_free.status;
    }
    mmw_stack_fixup( NULL );
    return mm_NtFreeVirtualMemory( process, addr_ptr, size_ptr, type );
}

NTSTATUS WINAPI NtProtectVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG new_prot,
                                        ULONG *old_prot )
{
    NTSTATUS status;

    TRACE( "%p %p %08lx %08x\n", process, addr_ptr ? *addr_ptr : NULL, size_ptr ? *size_ptr : 0, (int)new_prot );

    if (process != NtCurrentProcess())
    {
        apc_call_t call;
        apc_result_t result;

        if (!old_prot) return STATUS_ACCESS_VIOLATION;
        memset( &call, 0, sizeof(call) );
        call.virtual_protect.type = APC_VIRTUAL_PROTECT;
        call.virtual_protect.addr = wine_server_client_ptr( *addr_ptr );
        call.virtual_protect.size = *size_ptr;
        call.virtual_protect.prot = new_prot;
        if ((status = server_queue_process_apc( process, &call, &result ))) return status;
        if (result.virtual_protect.status == STATUS_SUCCESS)
        {
            *addr_ptr = wine_server_get_ptr( result.virtual_protect.addr );
            *size_ptr = result.virtual_protect.size;
            *old_prot = result.virtual_protect.prot;
        }
        return result.virtual_protect.status;
    }
    /* pages another process committed in a SEC_RESERVE view are committed here too */
    mmw_sync_committed_at( addr_ptr );
    mmw_stack_fixup( NULL );
    if ((status = mm_NtProtectVirtualMemory( process, addr_ptr, size_ptr, new_prot, old_prot ))) return status;
    /* a guard page set in the thread's own stack moves its limit (NT) */
    if (new_prot & PAGE_GUARD) mmw_stack_guard_set( *addr_ptr, *size_ptr );
    return status;
}

/* ---- queries ------------------------------------------------------------------------------- */

static NTSTATUS query_basic_remote( HANDLE process, LPCVOID addr, MEMORY_BASIC_INFORMATION *info, SIZE_T len,
                                    SIZE_T *res_len )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;

    if (len < sizeof(*info)) return STATUS_INFO_LENGTH_MISMATCH;
    memset( &call, 0, sizeof(call) );
    call.virtual_query.type = APC_VIRTUAL_QUERY;
    call.virtual_query.addr = wine_server_client_ptr( addr );
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    if (result.virtual_query.status == STATUS_SUCCESS)
    {
        info->BaseAddress       = wine_server_get_ptr( result.virtual_query.base );
        info->AllocationBase    = wine_server_get_ptr( result.virtual_query.alloc_base );
        info->RegionSize        = result.virtual_query.size;
        info->Protect           = result.virtual_query.prot;
        info->AllocationProtect = result.virtual_query.alloc_prot;
        info->State             = (DWORD)result.virtual_query.state << 12;
        info->Type              = (DWORD)result.virtual_query.alloc_type << 16;
        if (info->RegionSize != result.virtual_query.size) return STATUS_INVALID_PARAMETER;  /* truncated */
        if (res_len) *res_len = sizeof(*info);
    }
    return result.virtual_query.status;
}

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
        if (process != NtCurrentProcess()) return query_basic_remote( process, addr, buffer, len, res_len );
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
    if (process != NtCurrentProcess())
    {
        apc_call_t call;
        apc_result_t result;
        NTSTATUS status;

        memset( &call, 0, sizeof(call) );
        call.virtual_lock.type = APC_VIRTUAL_LOCK;
        call.virtual_lock.addr = wine_server_client_ptr( *addr );
        call.virtual_lock.size = *size;
        if ((status = server_queue_process_apc( process, &call, &result ))) return status;
        if (result.virtual_lock.status == STATUS_SUCCESS)
        {
            *addr = wine_server_get_ptr( result.virtual_lock.addr );
            *size = result.virtual_lock.size;
        }
        return result.virtual_lock.status;
    }
    return mm_NtLockVirtualMemory( process, addr, size, unknown );
}

NTSTATUS WINAPI NtUnlockVirtualMemory( HANDLE process, PVOID *addr, SIZE_T *size, ULONG unknown )
{
    if (process != NtCurrentProcess())
    {
        apc_call_t call;
        apc_result_t result;
        NTSTATUS status;

        memset( &call, 0, sizeof(call) );
        call.virtual_unlock.type = APC_VIRTUAL_UNLOCK;
        call.virtual_unlock.addr = wine_server_client_ptr( *addr );
        call.virtual_unlock.size = *size;
        if ((status = server_queue_process_apc( process, &call, &result ))) return status;
        if (result.virtual_unlock.status == STATUS_SUCCESS)
        {
            *addr = wine_server_get_ptr( result.virtual_unlock.addr );
            *size = result.virtual_unlock.size;
        }
        return result.virtual_unlock.status;
    }
    return mm_NtUnlockVirtualMemory( process, addr, size, unknown );
}

/* ---- sections and views -------------------------------------------------------------------- */

static NTSTATUS map_view_remote( HANDLE handle, HANDLE process, PVOID *addr_ptr, ULONG_PTR zero_bits,
                                 const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr, ULONG alloc_type, ULONG protect )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;

    memset( &call, 0, sizeof(call) );
    call.map_view.type       = APC_MAP_VIEW;
    call.map_view.handle     = wine_server_obj_handle( handle );   /* the server duplicates it */
    call.map_view.addr       = wine_server_client_ptr( *addr_ptr );
    call.map_view.size       = *size_ptr;
    call.map_view.offset     = offset_ptr ? offset_ptr->QuadPart : 0;
    call.map_view.zero_bits  = zero_bits;
    call.map_view.alloc_type = alloc_type;
    call.map_view.prot       = protect;
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    if (NT_SUCCESS( result.map_view.status ))
    {
        *addr_ptr = wine_server_get_ptr( result.map_view.addr );
        *size_ptr = result.map_view.size;
    }
    return result.map_view.status;
}

NTSTATUS WINAPI NtMapViewOfSection( HANDLE handle, HANDLE process, PVOID *addr_ptr, ULONG_PTR zero_bits,
                                    SIZE_T commit_size, const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr,
                                    SECTION_INHERIT inherit, ULONG alloc_type, ULONG protect )
{
    TRACE( "handle=%p process=%p addr=%p off=%s size=%lx access=%x\n", handle, process,
           addr_ptr ? *addr_ptr : NULL, wine_dbgstr_longlong( offset_ptr ? offset_ptr->QuadPart : 0 ),
           size_ptr ? *size_ptr : 0, (int)protect );

    if (process != NtCurrentProcess())
    {
        /* the checks made before the target process is involved (Wine's) */
        if (zero_bits > 21 && zero_bits < 32) return STATUS_INVALID_PARAMETER_4;
        if (*addr_ptr && zero_bits && zero_bits < 32 && ((UINT_PTR)*addr_ptr >> (32 - zero_bits)))
            return STATUS_INVALID_PARAMETER_4;
        if (*addr_ptr && zero_bits >= 32 && ((UINT_PTR)*addr_ptr & ~zero_bits)) return STATUS_INVALID_PARAMETER_4;
        /* 64-bit NT has no AT_ROUND_TO_PAGE (the core refuses it for the current process) */
        if (sizeof(void *) == 8 && (alloc_type & AT_ROUND_TO_PAGE)) return STATUS_INVALID_PARAMETER_9;
        if ((offset_ptr && (offset_ptr->QuadPart & MM_GRAN_MASK)) || ((UINT_PTR)*addr_ptr & MM_GRAN_MASK))
            return STATUS_MAPPED_ALIGNMENT;
        if (commit_size) FIXME( "CommitSize %lx not forwarded to another process\n", commit_size );
        return map_view_remote( handle, process, addr_ptr, zero_bits, offset_ptr, size_ptr, alloc_type, protect );
    }
    /* APC_MAP_VIEW carries no inherit disposition: Wine's invoke_system_apc passes 0, which NT
     * would refuse (STATUS_INVALID_PARAMETER_8); it means ViewShare here */
    if (!inherit) inherit = ViewShare;
    return mmw_map_view( handle, addr_ptr, zero_bits, commit_size, offset_ptr, size_ptr, inherit, alloc_type,
                         protect, NULL, 0, FALSE, FALSE );
}

NTSTATUS WINAPI NtMapViewOfSectionEx( HANDLE handle, HANDLE process, PVOID *addr_ptr, const LARGE_INTEGER *offset_ptr,
                                      SIZE_T *size_ptr, ULONG alloc_type, ULONG protect,
                                      MEM_EXTENDED_PARAMETER *params, ULONG count )
{
    TRACE( "handle=%p process=%p addr=%p off=%s size=%lx access=%x params=%p/%u\n", handle, process,
           addr_ptr ? *addr_ptr : NULL, wine_dbgstr_longlong( offset_ptr ? offset_ptr->QuadPart : 0 ),
           size_ptr ? *size_ptr : 0, (int)protect, params, (int)count );

    /* Windows' kernelbase turns MapViewOfFile3( ..., NULL process, ... ) into the current
     * process before calling here; Wine 8.0's kernelbase passes the NULL through (fixed in later
     * Wine), so without this MapViewOfFile3 would fail where it works on Windows.  NT itself
     * would answer STATUS_INVALID_HANDLE for a NULL handle; no test pins that. */
    if (!process) process = NtCurrentProcess();
    if (process != NtCurrentProcess())
    {
        if (sizeof(void *) == 8 && (alloc_type & AT_ROUND_TO_PAGE)) return STATUS_INVALID_PARAMETER;
        if ((offset_ptr && (offset_ptr->QuadPart & MM_GRAN_MASK)) || ((UINT_PTR)*addr_ptr & MM_GRAN_MASK))
            return STATUS_MAPPED_ALIGNMENT;
        if (count) FIXME( "extended parameters not forwarded to another process\n" );
        return map_view_remote( handle, process, addr_ptr, 0, offset_ptr, size_ptr, alloc_type, protect );
    }
    return mmw_map_view( handle, addr_ptr, 0, 0, offset_ptr, size_ptr, ViewShare, alloc_type, protect,
                         params, count, TRUE, FALSE );
}

static NTSTATUS unmap_view_remote( HANDLE process, PVOID addr )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;

    memset( &call, 0, sizeof(call) );
    call.unmap_view.type = APC_UNMAP_VIEW;
    call.unmap_view.addr = wine_server_client_ptr( addr );
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    return result.unmap_view.status;
}

NTSTATUS WINAPI NtUnmapViewOfSection( HANDLE process, PVOID addr )
{
    TRACE( "%p %p\n", process, addr );

    if (process != NtCurrentProcess()) return unmap_view_remote( process, addr );
    return mmw_unmap_view( addr, 0, FALSE );
}

NTSTATUS WINAPI NtUnmapViewOfSectionEx( HANDLE process, PVOID addr, ULONG flags )
{
    TRACE( "%p %p %x\n", process, addr, (int)flags );

    if (process != NtCurrentProcess())
    {
        if (flags) FIXME( "flags %#x not forwarded to another process\n", (int)flags );
        return unmap_view_remote( process, addr );
    }
    return mmw_unmap_view( addr, flags, TRUE );
}

NTSTATUS WINAPI NtQuerySection( HANDLE handle, SECTION_INFORMATION_CLASS info_class, void *ptr, SIZE_T size,
                                SIZE_T *ret_size )
{
    return mmw_query_section( handle, info_class, ptr, size, ret_size );
}

NTSTATUS WINAPI NtFlushVirtualMemory( HANDLE process, LPCVOID *addr_ptr, SIZE_T *size_ptr, ULONG unknown )
{
    if (process != NtCurrentProcess())
    {
        apc_call_t call;
        apc_result_t result;
        NTSTATUS status;

        memset( &call, 0, sizeof(call) );
        call.virtual_flush.type = APC_VIRTUAL_FLUSH;
        call.virtual_flush.addr = wine_server_client_ptr( (const void *)((UINT_PTR)*addr_ptr & ~MM_PAGE_MASK) );
        call.virtual_flush.size = *size_ptr;
        if ((status = server_queue_process_apc( process, &call, &result ))) return status;
        if (result.virtual_flush.status == STATUS_SUCCESS)
        {
            *addr_ptr = wine_server_get_ptr( result.virtual_flush.addr );
            *size_ptr = result.virtual_flush.size;
        }
        return result.virtual_flush.status;
    }
    return mm_NtFlushVirtualMemory( process, addr_ptr, size_ptr, unknown );
}

NTSTATUS WINAPI NtAreMappedFilesTheSame( PVOID addr1, PVOID addr2 )
{
    TRACE( "%p %p\n", addr1, addr2 );
    /* the core compares its own views (image views: the same file) as the server's
     * is_same_mapping would */
    return mm_NtAreMappedFilesTheSame( addr1, addr2 );
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
            for (i = 0; i < count; i++) if (!addresses[i].NumberOfBytes) return STATUS_INVALID_PARAMETER_4;
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

void WINAPI NtFlushProcessWriteBuffers(void)
{
    mm_NtFlushProcessWriteBuffers();
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
        size = done;
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
        /* NT refuses read-only pages, but its kernelbase's WriteProcessMemory makes them
         * writable first and Wine's does not: programs patching their own code rely on the
         * server writing them (through /proc and ptrace) as Wine does */
        if (!writable_by_server( (char *)addr + done )) goto done;
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
    else done = 0;
done:
    if (bytes_written) *bytes_written = done;
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

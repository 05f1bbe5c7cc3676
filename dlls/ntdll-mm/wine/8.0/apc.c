/*
 * ntdll-mm inside Wine 8.0: NT memory calls on another process, as Wine 8.0's server protocol
 * carries them.
 *
 * The calls that have an APC (APC_VIRTUAL_ALLOC, _ALLOC_EX, _FREE, _QUERY, _PROTECT, _FLUSH,
 * _LOCK, _UNLOCK, APC_MAP_VIEW, APC_UNMAP_VIEW) are queued to the target by the server
 * (server_queue_process_apc), which checks the handle and its access; the target runs the same
 * exported call on NtCurrentProcess() (server.c, invoke_system_apc).  The parameters were read
 * and checked here as the core's entry points check them (nt.c); caller memory is read and
 * written through guarded copies.
 *
 * What Wine 8.0's APCs cannot carry: extended parameters besides the address requirements of
 * NtAllocateVirtualMemoryEx (and not their LowestStartingAddress), CommitSize and
 * InheritDisposition of NtMapViewOfSection, the flags of NtUnmapViewOfSectionEx.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* an in/out (address, size) pair from the caller */
static NTSTATUS fetch_pair( PVOID *addr_ptr, SIZE_T *size_ptr, void **addr, SIZE_T *size )
{
    struct mm_user_copy ops[] =
    {
        { addr, addr_ptr, sizeof(*addr), 0 },
        { size, size_ptr, sizeof(*size), 0 },
    };
    return host_copy_user_many( ops, ARRAY_SIZE(ops) );
}

/* the APC's status; on success the (address, size) it returned goes to the caller */
static NTSTATUS apc_result( NTSTATUS status, PVOID *addr_ptr, SIZE_T *size_ptr,
                            client_ptr_t addr, mem_size_t size )
{
    void *a = wine_server_get_ptr( addr );
    SIZE_T s = size;
    struct mm_user_copy ops[] =
    {
        { addr_ptr, &a, sizeof(a), 1 },
        { size_ptr, &s, sizeof(s), 1 },
    };

    if (!NT_SUCCESS( status )) return status;
    return host_copy_user_many( ops, ARRAY_SIZE(ops) ) ? STATUS_ACCESS_VIOLATION : status;
}

NTSTATUS mmw_remote_alloc( HANDLE process, const struct mm_alloc_args *args, BOOL ex,
                           PVOID *ret, SIZE_T *size_ptr )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;

    memset( &call, 0, sizeof(call) );
    if (ex)
    {
        if (args->lowest)
            FIXME( "LowestStartingAddress %p not forwarded to another process\n", (void *)args->lowest );
        call.virtual_alloc_ex.type    = APC_VIRTUAL_ALLOC_EX;
        call.virtual_alloc_ex.addr    = wine_server_client_ptr( (void *)args->addr );
        call.virtual_alloc_ex.size    = args->size;
        call.virtual_alloc_ex.limit   = args->limit ? args->limit - 1 : 0;
        call.virtual_alloc_ex.align   = args->align_mask == MM_GRAN_MASK ? 0 : args->align_mask + 1;
        call.virtual_alloc_ex.op_type = args->type;
        call.virtual_alloc_ex.prot    = args->protect;
    }
    else
    {
        call.virtual_alloc.type      = APC_VIRTUAL_ALLOC;
        call.virtual_alloc.addr      = wine_server_client_ptr( (void *)args->addr );
        call.virtual_alloc.size      = args->size;
        call.virtual_alloc.zero_bits = args->zero_bits;
        call.virtual_alloc.op_type   = args->type;
        call.virtual_alloc.prot      = args->protect;
    }
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    if (ex)
        return apc_result( result.virtual_alloc_ex.status, ret, size_ptr,
                           result.virtual_alloc_ex.addr, result.virtual_alloc_ex.size );
    return apc_result( result.virtual_alloc.status, ret, size_ptr,
                       result.virtual_alloc.addr, result.virtual_alloc.size );
}

NTSTATUS mmw_remote_free( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG type )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;
    SIZE_T size;
    void *addr;

    if (fetch_pair( addr_ptr, size_ptr, &addr, &size )) return STATUS_ACCESS_VIOLATION;
    memset( &call, 0, sizeof(call) );
    call.virtual_free.type    = APC_VIRTUAL_FREE;
    call.virtual_free.addr    = wine_server_client_ptr( addr );
    call.virtual_free.size    = size;
    call.virtual_free.op_type = type;
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    return apc_result( result.virtual_free.status, addr_ptr, size_ptr,
                       result.virtual_free.addr, result.virtual_free.size );
}

NTSTATUS mmw_remote_protect( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG new_prot,
                             ULONG *old_prot )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;
    SIZE_T size;
    void *addr;

    if (!old_prot || fetch_pair( addr_ptr, size_ptr, &addr, &size )) return STATUS_ACCESS_VIOLATION;
    memset( &call, 0, sizeof(call) );
    call.virtual_protect.type = APC_VIRTUAL_PROTECT;
    call.virtual_protect.addr = wine_server_client_ptr( addr );
    call.virtual_protect.size = size;
    call.virtual_protect.prot = new_prot;
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    if (result.virtual_protect.status == STATUS_SUCCESS &&
        host_copy_to_user( old_prot, &result.virtual_protect.prot, sizeof(*old_prot) ))
        return STATUS_ACCESS_VIOLATION;
    return apc_result( result.virtual_protect.status, addr_ptr, size_ptr, result.virtual_protect.addr,
                       result.virtual_protect.size );
}

NTSTATUS mmw_remote_query( HANDLE process, LPCVOID addr, MEMORY_BASIC_INFORMATION *buffer, SIZE_T len,
                           SIZE_T *res_len )
{
    MEMORY_BASIC_INFORMATION info;
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;
    SIZE_T written = sizeof(info);

    if (len < sizeof(info)) return STATUS_INFO_LENGTH_MISMATCH;
    memset( &call, 0, sizeof(call) );
    call.virtual_query.type = APC_VIRTUAL_QUERY;
    call.virtual_query.addr = wine_server_client_ptr( addr );
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    if (result.virtual_query.status) return result.virtual_query.status;
    memset( &info, 0, sizeof(info) );
    info.BaseAddress       = wine_server_get_ptr( result.virtual_query.base );
    info.AllocationBase    = wine_server_get_ptr( result.virtual_query.alloc_base );
    info.RegionSize        = result.virtual_query.size;
    info.Protect           = result.virtual_query.prot;
    info.AllocationProtect = result.virtual_query.alloc_prot;
    info.State             = (DWORD)result.virtual_query.state << 12;
    info.Type              = (DWORD)result.virtual_query.alloc_type << 16;
    if (info.RegionSize != result.virtual_query.size) return STATUS_INVALID_PARAMETER;  /* truncated */
    if (host_copy_to_user( buffer, &info, sizeof(info) )) return STATUS_ACCESS_VIOLATION;
    if (res_len && host_copy_to_user( res_len, &written, sizeof(written) )) return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

NTSTATUS mmw_remote_lock( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, BOOL lock )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;
    SIZE_T size;
    void *addr;

    if (fetch_pair( addr_ptr, size_ptr, &addr, &size )) return STATUS_ACCESS_VIOLATION;
    memset( &call, 0, sizeof(call) );
    if (lock)
    {
        call.virtual_lock.type = APC_VIRTUAL_LOCK;
        call.virtual_lock.addr = wine_server_client_ptr( addr );
        call.virtual_lock.size = size;
    }
    else
    {
        call.virtual_unlock.type = APC_VIRTUAL_UNLOCK;
        call.virtual_unlock.addr = wine_server_client_ptr( addr );
        call.virtual_unlock.size = size;
    }
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    if (lock)
        return apc_result( result.virtual_lock.status, addr_ptr, size_ptr,
                           result.virtual_lock.addr, result.virtual_lock.size );
    return apc_result( result.virtual_unlock.status, addr_ptr, size_ptr,
                       result.virtual_unlock.addr, result.virtual_unlock.size );
}

NTSTATUS mmw_remote_flush( HANDLE process, LPCVOID *addr_ptr, SIZE_T *size_ptr )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;
    SIZE_T size;
    void *addr;

    if (fetch_pair( (PVOID *)addr_ptr, size_ptr, &addr, &size )) return STATUS_ACCESS_VIOLATION;
    memset( &call, 0, sizeof(call) );
    call.virtual_flush.type = APC_VIRTUAL_FLUSH;
    call.virtual_flush.addr = wine_server_client_ptr( (const void *)((UINT_PTR)addr & ~MM_PAGE_MASK) );
    call.virtual_flush.size = size;
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    return apc_result( result.virtual_flush.status, (PVOID *)addr_ptr, size_ptr,
                       result.virtual_flush.addr, result.virtual_flush.size );
}

NTSTATUS mmw_remote_map( HANDLE handle, HANDLE process, const struct mm_map_args *args )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;

    if (args->commit_size) FIXME( "CommitSize %lx not forwarded to another process\n", args->commit_size );
    if (args->lowest || args->limit || args->machine)
        FIXME( "address requirements and image machine not forwarded to another process\n" );
    memset( &call, 0, sizeof(call) );
    call.map_view.type       = APC_MAP_VIEW;
    call.map_view.handle     = wine_server_obj_handle( handle );   /* the server duplicates it */
    call.map_view.addr       = wine_server_client_ptr( (void *)args->addr );
    call.map_view.size       = args->size;
    call.map_view.offset     = args->offset;
    call.map_view.zero_bits  = args->zero_bits;
    call.map_view.alloc_type = args->alloc_type;
    call.map_view.prot       = args->protect;
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    return apc_result( result.map_view.status, args->addr_ptr, args->size_ptr, result.map_view.addr,
                       result.map_view.size );
}

NTSTATUS mmw_remote_unmap( HANDLE process, PVOID addr, ULONG flags )
{
    apc_call_t call;
    apc_result_t result;
    NTSTATUS status;

    if (flags) FIXME( "flags %#x not forwarded to another process\n", (int)flags );
    memset( &call, 0, sizeof(call) );
    call.unmap_view.type = APC_UNMAP_VIEW;
    call.unmap_view.addr = wine_server_client_ptr( addr );
    if ((status = server_queue_process_apc( process, &call, &result ))) return status;
    return result.unmap_view.status;
}

/*
 * ntdll-mm standalone host: NtMapViewOfSection(Ex) and NtUnmapViewOfSection(Ex) for the
 * sections of its handle table.
 *
 * The order of the checks is the Wine host's too (wine/nt.c): the caller's pointers and values
 * (mm_map_args_fetch), the process handle, the checks for a view in this process
 * (mm_map_args_check), then the section handle and the access the protection needs.  The core
 * maps the view (mm_map_section); this host keeps no record of views (its host_view_mapped
 * does nothing).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: config.h, _GNU_SOURCE */

#include "standalone.h"

static NTSTATUS map_common( HANDLE handle, HANDLE process, PVOID *addr_ptr, ULONG_PTR zero_bits, SIZE_T commit_size,
                            const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr, ULONG alloc_type, ULONG protect,
                            const MEM_EXTENDED_PARAMETER *params, ULONG count, int ex )
{
    struct mm_map_args args;
    struct host_object *obj;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = mm_map_args_fetch( &args, addr_ptr, zero_bits, commit_size, offset_ptr, size_ptr, alloc_type,
                                     protect, params, count, ex )))
        return status;
    if ((status = host_check_process( process ))) return status;
    if ((status = mm_map_args_check( &args ))) return status;
    if ((status = handles_ref( handle, HOST_SECTION, args.access, &obj, NULL ))) return status;
    status = mm_map_section( mm_section_from_object( obj ), &args, NULL );
    host_release( obj );
    return status;
}

NTSTATUS WINAPI NtMapViewOfSection( HANDLE handle, HANDLE process, PVOID *addr_ptr, ULONG_PTR zero_bits,
                                    SIZE_T commit_size, const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr,
                                    SECTION_INHERIT inherit, ULONG alloc_type, ULONG protect )
{
    /* ViewShare or ViewUnmap (ReactOS apitest: STATUS_INVALID_PARAMETER_8) */
    if (inherit != ViewShare && inherit != ViewUnmap) return STATUS_INVALID_PARAMETER_8;
    return map_common( handle, process, addr_ptr, zero_bits, commit_size, offset_ptr, size_ptr, alloc_type, protect,
                       NULL, 0, 0 );
}

NTSTATUS WINAPI NtMapViewOfSectionEx( HANDLE handle, HANDLE process, PVOID *addr_ptr, const LARGE_INTEGER *offset_ptr,
                                      SIZE_T *size_ptr, ULONG alloc_type, ULONG protect,
                                      MEM_EXTENDED_PARAMETER *params, ULONG count )
{
    return map_common( handle, process, addr_ptr, 0, 0, offset_ptr, size_ptr, alloc_type, protect, params, count, 1 );
}

static NTSTATUS unmap_common( HANDLE process, PVOID addr, ULONG flags )
{
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = host_check_process( process ))) return status;
    return mm_unmap_view( addr, flags, NULL );
}

NTSTATUS WINAPI NtUnmapViewOfSection( HANDLE process, PVOID addr )
{
    return unmap_common( process, addr, 0 );
}

NTSTATUS WINAPI NtUnmapViewOfSectionEx( HANDLE process, PVOID addr, ULONG flags )
{
    return unmap_common( process, addr, flags );
}

/*
 * ntdll-mm core: NT call parameters in caller memory.  See usercopy.h.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "usercopy.h"

NTSTATUS user_fetch_inout( PVOID *ret, SIZE_T *size_ptr, void **addr, SIZE_T *size )
{
    return user_fetch_inout_ulong( ret, size_ptr, addr, size, NULL, NULL );
}

NTSTATUS user_fetch_inout_ulong( PVOID *ret, SIZE_T *size_ptr, void **addr, SIZE_T *size,
                                 ULONG *out_ptr, ULONG *out )
{
    struct mm_user_copy ops[] =
    {
        { addr, ret, sizeof(*addr), 0 },
        { size, size_ptr, sizeof(*size), 0 },
        { ret, addr, sizeof(*addr), 1 },
        { size_ptr, size, sizeof(*size), 1 },
        { out, out_ptr, sizeof(*out), 0 },
        { out_ptr, out, sizeof(*out), 1 },
    };

    return host_copy_user_many( ops, out ? 6 : 4 ) ? STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

NTSTATUS user_store_inout( PVOID *ret, SIZE_T *size_ptr, uintptr_t addr, size_t size )
{
    return user_store_inout_ulong( ret, size_ptr, addr, size, NULL, 0 );
}

NTSTATUS user_store_inout_ulong( PVOID *ret, SIZE_T *size_ptr, uintptr_t addr, size_t size,
                                 ULONG *out_ptr, ULONG out )
{
    void *a = (void *)addr;
    SIZE_T s = size;
    struct mm_user_copy ops[] =
    {
        { out_ptr, &out, sizeof(out), 1 },
        { ret, &a, sizeof(a), 1 },
        { size_ptr, &s, sizeof(s), 1 },
    };

    return host_copy_user_many( ops + !out_ptr, out_ptr ? 3 : 2 ) ? STATUS_ACCESS_VIOLATION : STATUS_SUCCESS;
}

NTSTATUS user_probe_write( void *addr, size_t len )
{
    uintptr_t p = (uintptr_t)addr, end = p + len;
    unsigned char c;

    if (end < p) return STATUS_ACCESS_VIOLATION;
    for (; p < end; p = (p | MM_PAGE_MASK) + 1)
        if (host_copy_from_user( &c, (void *)p, 1 ) || host_copy_to_user( (void *)p, &c, 1 ))
            return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

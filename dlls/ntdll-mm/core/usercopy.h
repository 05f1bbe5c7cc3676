/*
 * ntdll-mm core: the parameters of NT calls in caller ("user") memory, copied in before a
 * worker takes the space lock and out after it dropped it, through the host's guarded copies
 * (host_copy_*: a bad pointer is STATUS_ACCESS_VIOLATION, as NT's probing makes it).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_USERCOPY_H
#define NTDLL_MM_USERCOPY_H

#include "types.h"

MM_HIDDEN_BEGIN

/* copy an in/out (address, size) pair in and check it can be written back; and out */
NTSTATUS user_fetch_inout( PVOID *ret, SIZE_T *size_ptr, void **addr, SIZE_T *size );
NTSTATUS user_store_inout( PVOID *ret, SIZE_T *size_ptr, uintptr_t addr, size_t size );
/* the same, with one more ULONG read from (and checked writable) / written to out_ptr when
 * out is non-NULL (NtProtectVirtualMemory's old protection): one batch of user copies */
NTSTATUS user_fetch_inout_ulong( PVOID *ret, SIZE_T *size_ptr, void **addr, SIZE_T *size,
                                 ULONG *out_ptr, ULONG *out );
NTSTATUS user_store_inout_ulong( PVOID *ret, SIZE_T *size_ptr, uintptr_t addr, size_t size,
                                 ULONG *out_ptr, ULONG out );
/* [addr, addr+len) is writable (NT's ProbeForWrite): one byte of each page read and written
 * back; STATUS_ACCESS_VIOLATION otherwise */
NTSTATUS user_probe_write( void *addr, size_t len );

MM_HIDDEN_END

#endif

/*
 * ntdll-mm core: placeholders (VirtualAlloc2 MEM_RESERVE_PLACEHOLDER, MEM_REPLACE_PLACEHOLDER,
 * VirtualFree MEM_PRESERVE_PLACEHOLDER / MEM_COALESCE_PLACEHOLDERS, MapViewOfFile3,
 * UnmapViewOfFile2).  The rules are in placeholder.c.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_PLACEHOLDER_H
#define NTDLL_MM_PLACEHOLDER_H

#include "types.h"
#include "space.h"

MM_HIDDEN_BEGIN

/* Lock: exclusive.  A new placeholder node for [base, end), not in the tree yet. */
struct mm_alloc *ph_new( uintptr_t base, uintptr_t end );
/* Lock: shared.  The placeholder exactly covering [start, end), or NULL. */
struct mm_alloc *ph_find( uintptr_t start, uintptr_t end );
/* the placeholder flags of an NtAllocateVirtualMemoryEx type: with what they may come */
NTSTATUS ph_validate_type( ULONG type, ULONG protect, int have_addr, int have_req );
/* Takes the lock.  MEM_REPLACE_PLACEHOLDER: the placeholder at [*addr, *addr + *size) becomes
 * a private allocation (type: MEM_RESERVE, maybe MEM_COMMIT, MEM_WRITE_WATCH); on success the
 * page-rounded range is returned */
NTSTATUS ph_replace_private( uintptr_t *addr, size_t *size, ULONG type, ULONG protect );
/* Lock: exclusive.  Make [start, end), inside placeholder a, a placeholder of its own */
NTSTATUS ph_split( struct mm_alloc *a, uintptr_t start, uintptr_t end );
/* Lock: exclusive.  MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER on [start, end) of private allocation a */
NTSTATUS ph_preserve( struct mm_alloc *a, uintptr_t start, uintptr_t end );
/* Lock: exclusive.  MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS on [start, end) */
NTSTATUS ph_coalesce( uintptr_t start, uintptr_t end );

MM_HIDDEN_END

#endif

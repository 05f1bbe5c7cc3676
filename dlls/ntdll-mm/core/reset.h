/*
 * ntdll-mm core: MEM_RESET and MEM_RESET_UNDO (NtAllocateVirtualMemory).  See reset.c.
 *
 * Lock rules: the space lock exclusive.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_RESET_H
#define NTDLL_MM_RESET_H

#include "types.h"
#include "space.h"

MM_HIDDEN_BEGIN

/* MEM_RESET of [first, first+count) of a: committed pages may lose their contents */
NTSTATUS reset_pages( struct mm_alloc *a, size_t first, size_t count );
/* MEM_RESET_UNDO of [first, first+count) of a: STATUS_UNSUCCESSFUL if the kernel discarded any */
NTSTATUS reset_undo( struct mm_alloc *a, size_t first, size_t count );

MM_HIDDEN_END

#endif

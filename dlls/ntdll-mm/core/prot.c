/*
 * ntdll-mm core: page protections.  See prot.h.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "prot.h"

#define PAGE_MODIFIERS (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)

NTSTATUS prot_validate( ULONG protect, int for_image )
{
    ULONG base = protect & PAGE_BASE_MASK, mods = protect & ~PAGE_BASE_MASK;

    /* exactly one base protection */
    if (!base || (base & (base - 1))) return STATUS_INVALID_PAGE_PROTECTION;
    if (mods & ~PAGE_MODIFIERS) return STATUS_INVALID_PAGE_PROTECTION;
    if ((mods & PAGE_NOCACHE) && (mods & (PAGE_WRITECOMBINE | PAGE_GUARD))) return STATUS_INVALID_PAGE_PROTECTION;
    if ((mods & PAGE_WRITECOMBINE) && (mods & PAGE_GUARD)) return STATUS_INVALID_PAGE_PROTECTION;
    if (base == PAGE_NOACCESS && mods) return STATUS_INVALID_PAGE_PROTECTION;
    if (!for_image && (base == PAGE_WRITECOPY || base == PAGE_EXECUTE_WRITECOPY))
        return STATUS_INVALID_PAGE_PROTECTION;
    return STATUS_SUCCESS;
}

uint32_t prot_nt( const struct mm_alloc *a, uint32_t state )
{
    uint32_t prot;

    if (!(state & MM_COMMITTED)) return 0;
    prot = state & MM_PROT_MASK;
    if (a->flags & MM_F_NOCACHE) prot |= PAGE_NOCACHE;
    if (a->flags & MM_F_WRITECOMBINE) prot |= PAGE_WRITECOMBINE;
    return prot;
}

/*
 * ntdll-mm core: page protections, NT's and the kernel's.
 *
 * Where NT and Linux differ: NT has one base protection per page plus modifiers (PAGE_GUARD,
 * PAGE_NOCACHE, PAGE_WRITECOMBINE), copy-on-write protections, and "reserved" as a state of its
 * own; the kernel has PROT_READ / PROT_WRITE / PROT_EXEC only.  Reserved, PAGE_NOACCESS and
 * guard pages are PROT_NONE; copy-on-write is a property of the mapping (MAP_PRIVATE), so
 * PAGE_WRITECOPY is writable for the kernel; x86 cannot execute without reading, so
 * PAGE_EXECUTE is readable there too.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_PROT_H
#define NTDLL_MM_PROT_H

#include "types.h"
#include <sys/mman.h>

MM_HIDDEN_BEGIN

/* one base protection, allowed modifiers; PAGE_WRITECOPY / PAGE_EXECUTE_WRITECOPY only when
 * for_image (views decide later whether they may have them) */
NTSTATUS prot_validate( ULONG protect, int for_image );
/* Protect as NT reports it for a page of a with this state (0 for a reserved page) */
uint32_t prot_nt( const struct mm_alloc *a, uint32_t state );

/* PROT_* for a page state */
static inline int prot_to_unix( uint32_t state )
{
    if (!(state & MM_COMMITTED) || (state & PAGE_GUARD)) return PROT_NONE;
    switch (state & PAGE_BASE_MASK)
    {
    case PAGE_READONLY:          return PROT_READ;
    case PAGE_READWRITE:
    case PAGE_WRITECOPY:         return PROT_READ | PROT_WRITE;
    /* x86 cannot execute without reading; NT's PAGE_EXECUTE pages are readable there too */
    case PAGE_EXECUTE:
    case PAGE_EXECUTE_READ:      return PROT_READ | PROT_EXEC;
    case PAGE_EXECUTE_READWRITE:
    case PAGE_EXECUTE_WRITECOPY: return PROT_READ | PROT_WRITE | PROT_EXEC;
    default:                     return PROT_NONE;
    }
}

/* NT protection for a kernel one, for memory the core did not make */
static inline uint32_t prot_from_unix( int prot )
{
    if (prot & PROT_EXEC)
    {
        if (prot & PROT_WRITE) return PAGE_EXECUTE_READWRITE;
        return (prot & PROT_READ) ? PAGE_EXECUTE_READ : PAGE_EXECUTE;
    }
    if (prot & PROT_WRITE) return PAGE_READWRITE;
    if (prot & PROT_READ) return PAGE_READONLY;
    return PAGE_NOACCESS;
}

MM_HIDDEN_END

#endif

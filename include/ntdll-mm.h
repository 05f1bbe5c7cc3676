/*
 * ntdll-mm: the Windows NT virtual-memory manager on Linux.
 *
 * Public header of the standalone library (libntdll-mm).  The NT calls themselves
 * (NtAllocateVirtualMemory, NtFreeVirtualMemory, NtProtectVirtualMemory,
 * NtQueryVirtualMemory, ...) are declared by Wine's winternl.h with Wine's prototypes,
 * which this header includes; what is declared here are the library's own extras.
 *
 * Compile with: pkg-config --cflags ntdll-mm   (adds Wine's header directory and
 * -DWINE_UNIX_LIB, so the NT types are those of Wine's unix side).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef NTDLL_MM_H
#define NTDLL_MM_H

#include <stdarg.h>
#include <stddef.h>
#include "ntstatus.h"
#define WIN32_NO_STATUS
#include "windef.h"
#include "winbase.h"
#include "winternl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Initialise the library explicitly.  Every Nt* call initialises it on first use, so this
 * is only needed to choose when the kernel is probed.  Thread-safe, idempotent. */
NTSTATUS ntdll_mm_init( void );

/* Compare the library's region tree with the kernel's view of the address space
 * (/proc/self/maps: addresses and protections; /proc/self/pagemap where it matters).
 * Returns the number of mismatches found (0 when they agree); a description of each,
 * one per line, is written to buf (always NUL-terminated when len > 0). */
unsigned int ntdll_mm_check_invariants( char *buf, size_t len );

/* Write the library's region tree, one allocation and its page runs per line. */
void ntdll_mm_dump( int fd );

/* What the library learned about the running kernel when it started. */
struct ntdll_mm_kernel_info
{
    size_t page_size;            /* normal page size (4096 on x86_64) */
    size_t large_page_size;      /* hugetlb default page size, 0 if none */
    int    has_procmap_query;    /* PROCMAP_QUERY ioctl on /proc/self/maps (Linux 6.11) */
    int    has_pagemap;          /* /proc/self/pagemap readable with PFNs/flags */
    int    has_uffd_wp_async;    /* userfaultfd async write-protect (Linux 6.7) */
    int    has_pagemap_scan;     /* PAGEMAP_SCAN ioctl (Linux 6.7) */
    int    has_fixed_noreplace;  /* MAP_FIXED_NOREPLACE honoured (Linux 4.17) */
};
void ntdll_mm_get_kernel_info( struct ntdll_mm_kernel_info *info );

/* Bytes of user address space the library treats as the NT user range:
 * [ntdll_mm_lowest_address(), ntdll_mm_highest_address()] inclusive, like
 * MM_LOWEST_USER_ADDRESS / MmHighestUserAddress on Windows. */
void *ntdll_mm_lowest_address( void );
void *ntdll_mm_highest_address( void );

#ifdef __cplusplus
}
#endif

#endif /* NTDLL_MM_H */

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

/* Windows SDK (winnt.h) values that Wine 8.0's headers lack: for programs using the library,
 * and for the library itself */
#ifndef MEM_RESERVE_PLACEHOLDER
#define MEM_RESERVE_PLACEHOLDER 0x00040000
#endif
#ifndef MEM_REPLACE_PLACEHOLDER
#define MEM_REPLACE_PLACEHOLDER 0x00004000
#endif
#ifndef MEM_RESET_UNDO
#define MEM_RESET_UNDO 0x01000000
#endif
#ifndef MEM_PRESERVE_PLACEHOLDER
#define MEM_PRESERVE_PLACEHOLDER 0x00000002
#endif
#ifndef MEM_COALESCE_PLACEHOLDERS
#define MEM_COALESCE_PLACEHOLDERS 0x00000001
#endif
#ifndef SEC_LARGE_PAGES
#define SEC_LARGE_PAGES 0x80000000
#endif
#ifndef SEC_WRITECOMBINE
#define SEC_WRITECOMBINE 0x40000000
#endif
#ifndef SEC_FILE
#define SEC_FILE 0x00800000
#endif

/* Inside Wine's ntdll.so (NTDLL_MM_WINE) these functions are internal: hidden, so that
 * ntdll.so exports exactly what Wine's own does. */
#ifdef NTDLL_MM_WINE
#pragma GCC visibility push(hidden)
#endif

/* NtQueryVirtualMemory(MemoryImageInformation) output; Wine 8.0's winternl.h lacks it. */
#ifndef NTDLL_MM_HAVE_MEMORY_IMAGE_INFORMATION
#define NTDLL_MM_HAVE_MEMORY_IMAGE_INFORMATION
typedef struct _NTDLL_MM_MEMORY_IMAGE_INFORMATION
{
    PVOID  ImageBase;
    SIZE_T SizeOfImage;
    union
    {
        ULONG ImageFlags;
        struct
        {
            ULONG ImagePartialMap : 1;
            ULONG ImageNotExecutable : 1;
            ULONG ImageSigningLevel : 4;
            ULONG Reserved : 26;
        } DUMMYSTRUCTNAME;
    } DUMMYUNIONNAME;
} NTDLL_MM_MEMORY_IMAGE_INFORMATION;
#endif

/* MEMORY_REGION_INFORMATION.RegionType bits as NtQueryVirtualMemory(MemoryRegionInformationEx)
 * reports them; Wine 8.0's winternl.h names only the first six (System Informer's phnt
 * ntmmapi.h has the whole layout).  The MemoryRegionInformation class leaves RegionType 0. */
#define NTDLL_MM_REGION_PRIVATE                 0x0001
#define NTDLL_MM_REGION_MAPPED_DATA_FILE        0x0002
#define NTDLL_MM_REGION_MAPPED_IMAGE            0x0004
#define NTDLL_MM_REGION_MAPPED_PAGE_FILE        0x0008
#define NTDLL_MM_REGION_PLACEHOLDER_RESERVATION 0x0100
#define NTDLL_MM_REGION_MAPPED_WRITE_WATCH      0x0400
#define NTDLL_MM_REGION_PAGE_SIZE_LARGE         0x0800

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
    int    write_watch_mode;     /* the MEM_WRITE_WATCH engine in use: NTDLL_MM_WRITE_WATCH_* */
};
/* write_watch_mode: chosen at start from the probe, or by NTDLL_MM_WRITE_WATCH=kernel|fallback */
#define NTDLL_MM_WRITE_WATCH_KERNEL   1   /* userfaultfd async write-protect + PAGEMAP_SCAN: no signal per write */
#define NTDLL_MM_WRITE_WATCH_FALLBACK 2   /* read-only pages + SIGSEGV on the first write (Wine 8.0's way) */
void ntdll_mm_get_kernel_info( struct ntdll_mm_kernel_info *info );

/* The library's own heap, which it uses instead of the C library's malloc (inside Wine its
 * NT calls may run from a signal handler that interrupted malloc): what is in use now, for
 * leak checks. */
struct ntdll_mm_heap_info
{
    size_t blocks;               /* small blocks in use */
    size_t big;                  /* big blocks in use (one mapping each) */
    size_t chunks;               /* chunks mapped for small blocks (never returned) */
};
void ntdll_mm_get_heap_info( struct ntdll_mm_heap_info *info );

/* Bytes of user address space the library treats as the NT user range:
 * [ntdll_mm_lowest_address(), ntdll_mm_highest_address()] inclusive, like
 * MM_LOWEST_USER_ADDRESS / MmHighestUserAddress on Windows. */
void *ntdll_mm_lowest_address( void );
void *ntdll_mm_highest_address( void );

/* ---- standalone host: file handles and exceptions ----------------------------------
 * NT creates file-backed sections from a file handle (NtCreateFile's); a plain Linux
 * program has none, so the standalone host turns a path or a file descriptor into one.
 * access is what the handle allows, as NtCreateFile's DesiredAccess: FILE_READ_DATA,
 * FILE_WRITE_DATA, FILE_EXECUTE (or GENERIC_READ / GENERIC_WRITE / GENERIC_EXECUTE, mapped to
 * them).  A view needs the file access its protection implies (SEC_COMMIT read/write views
 * of a read-only handle fail with STATUS_ACCESS_DENIED at NtCreateSection, as on NT).
 * ntdll_mm_open_file opens path read-write when write access is asked, else read-only;
 * ntdll_mm_file_handle_from_fd duplicates fd (the caller keeps its own).  Close the handle
 * with NtClose; sections keep their own reference to the file. */
NTSTATUS ntdll_mm_open_file( const char *path, ACCESS_MASK access, HANDLE *handle );
NTSTATUS ntdll_mm_file_handle_from_fd( int fd, ACCESS_MASK access, HANDLE *handle );

/* Exceptions the memory manager raises in a standalone process (NT would dispatch them to
 * the thread's exception handlers): STATUS_IN_PAGE_ERROR when a mapped file cannot supply a
 * page (truncated under a view), and, with the fault handling of later issues,
 * STATUS_GUARD_PAGE_VIOLATION and STATUS_ACCESS_VIOLATION.  The callback runs in the signal
 * handler of the faulting thread with the Linux ucontext_t; it returns non-zero if it
 * handled the exception (typically it does not return: it siglongjmp()s to a recovery point,
 * or it changes the context), zero to let the fault take its course (the previous handler,
 * or the default action).  NULL restores the default. */
struct ntdll_mm_exception
{
    NTSTATUS  code;               /* STATUS_IN_PAGE_ERROR, ... */
    void     *address;            /* faulting data address */
    ULONG_PTR info[3];            /* as EXCEPTION_RECORD.ExceptionInformation for this code:
                                     IN_PAGE_ERROR: { 0 read / 1 write / 8 execute, address,
                                     underlying NTSTATUS } */
    ULONG     ninfo;
};
typedef int (*ntdll_mm_exception_callback)( const struct ntdll_mm_exception *exc, void *ucontext );
void ntdll_mm_set_exception_callback( ntdll_mm_exception_callback callback );
/* Faults the standalone host's SIGSEGV handler turns into exceptions:
 * - a PAGE_GUARD page: the guard is cleared (one shot), then STATUS_GUARD_PAGE_VIOLATION with
 *   info { 0 read / 1 write / 8 execute, address }; a callback that returns non-zero continues
 *   execution, and the access then succeeds;
 * - any other access fault: STATUS_ACCESS_VIOLATION with the same info (returning non-zero
 *   from the callback only makes sense if it changed the context or the protection).
 * Without a callback (or when it returns 0) the fault goes to the handler installed before the
 * library's, or takes the default action. */

/* SeLockMemoryPrivilege, as an enabled privilege of the process token: needed for
 * MEM_LARGE_PAGES and SEC_LARGE_PAGES.  A standalone process starts without it (as a Windows
 * token does, the privilege being granted by policy and enabled with AdjustTokenPrivileges);
 * this enables or disables it and returns the previous state.  Large pages come from the
 * kernel's hugetlb pool (/proc/sys/vm/nr_hugepages); an empty pool makes the allocation fail
 * with STATUS_INSUFFICIENT_RESOURCES, never silently fall back to small pages. */
BOOLEAN ntdll_mm_set_lock_memory_privilege( BOOLEAN enable );

/* Register the calling thread's NT-style stack, as its TEB would describe it: the reservation
 * [deallocation_stack, stack_base) with pages committed from stack_limit up and guard pages
 * below.  Touching the guard page of a registered stack does not raise anything: as on NT the
 * guard moves one page down and the stack limit follows (ntdll_mm_get_stack_limit); only when
 * no page is left for a new guard is STATUS_STACK_OVERFLOW raised.  All NULL: unregister. */
NTSTATUS ntdll_mm_set_thread_stack( void *deallocation_stack, void *stack_limit, void *stack_base );
void *ntdll_mm_get_stack_limit( void );

/* Host-reserved areas.  A host that keeps address ranges for NT by mapping them PROT_NONE
 * itself (as Wine's preloader does with the low 2 GB) registers them here: [start, end), page
 * aligned, must be mapped PROT_NONE, private, anonymous (MAP_NORESERVE) by the caller.  NT
 * then sees that range as free: allocations and views may be placed there (the library maps
 * over the reservation), and memory released there gets the PROT_NONE reservation back
 * instead of being unmapped.  Removing an area makes its free parts foreign memory again
 * (still mapped: unmap them yourself).  STATUS_INVALID_PARAMETER for an empty or misaligned
 * range.  Anything else mapped inside a registered area must be made through the library. */
NTSTATUS ntdll_mm_add_reserved_area( void *start, void *end );
NTSTATUS ntdll_mm_remove_reserved_area( void *start, void *end );

#ifdef NTDLL_MM_WINE
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* NTDLL_MM_H */

/*
 * ntdll-mm native tests: shared helpers (allocation shorthands, MEMORY_BASIC_INFORMATION
 * checks, the kernel's view of a page from /proc/self/maps and /proc/self/pagemap,
 * status names for readable failure messages).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_TEST_UTIL_H
#define NTDLL_MM_TEST_UTIL_H

#include "test.h"

/* x86_64 Windows: 4 KiB pages, 64 KiB allocation granularity */
#define PAGE 0x1000
#define GRAN 0x10000

/* Protection modifier missing from Wine 8.0's winnt.h */
#ifndef PAGE_WRITECOMBINE
#define PAGE_WRITECOMBINE 0x400
#endif

/* Statuses that RtlNtStatusToDosError turns into ERROR_INVALID_PARAMETER / ERROR_INVALID_ADDRESS.
 * Used only where the native evidence is a kernel32 test (which sees the Win32 error, not the
 * NTSTATUS) and no test or document pins the exact status; every use says so. */
int is_invalid_parameter( NTSTATUS status );
int is_invalid_address( NTSTATUS status );

const char *status_name( NTSTATUS status );

/* NtAllocateVirtualMemory on the current process, zero_bits 0 */
NTSTATUS nt_alloc( void **base, SIZE_T *size, ULONG type, ULONG prot );
/* Allocate size bytes anywhere; reports a failure and returns NULL if that fails */
#define alloc_or_fail( size, type, prot ) alloc_or_fail_( __FILE__, __LINE__, size, type, prot )
void *alloc_or_fail_( const char *file, int line, SIZE_T size, ULONG type, ULONG prot );
/* Reserve (and commit) at an exact address: tests that need a known layout use this */
NTSTATUS nt_free( void **base, SIZE_T *size, ULONG type );
NTSTATUS nt_protect( void *addr, SIZE_T size, ULONG prot, ULONG *old );
/* MEM_RELEASE of a whole allocation; reports a failure if it fails */
#define release( base ) release_( __FILE__, __LINE__, base )
void release_( const char *file, int line, void *base );

NTSTATUS query( const void *addr, MEMORY_BASIC_INFORMATION *mbi );

/* Check every field of MemoryBasicInformation for addr. */
#define check_mbi( addr, base, size, state, prot, alloc_base, alloc_prot, type ) \
    check_mbi_( __FILE__, __LINE__, addr, base, size, state, prot, alloc_base, alloc_prot, type )
void check_mbi_( const char *file, int line, const void *addr, const void *base, SIZE_T size,
                 ULONG state, ULONG prot, const void *alloc_base, ULONG alloc_prot, ULONG type );

/* addr is free: BaseAddress is its page, the free run is at least min_size long (its end depends
 * on whatever is mapped next, which the test may not control) */
#define check_free( addr, min_size ) check_free_( __FILE__, __LINE__, addr, min_size )
void check_free_( const char *file, int line, const void *addr, SIZE_T min_size );

/* The kernel's view of the page holding addr: "rwxp" permissions from /proc/self/maps.
 * Returns 0 and perms[0] = 0 if no mapping contains addr. */
int kernel_perms( const void *addr, char perms[5] );
/* Compare the kernel's r/w/x for addr with expect ("r--", "rw-", "---", or NULL = unmapped) */
#define check_kernel_perms( addr, expect ) check_kernel_perms_( __FILE__, __LINE__, addr, expect )
void check_kernel_perms_( const char *file, int line, const void *addr, const char *expect );
/* The kernel's permissions expected for a Windows protection: PAGE_GUARD and PAGE_NOACCESS
 * pages are inaccessible, PAGE_EXECUTE must be executable and not writable. */
#define check_kernel_prot( addr, prot ) check_kernel_prot_( __FILE__, __LINE__, addr, prot )
void check_kernel_prot_( const char *file, int line, const void *addr, ULONG prot );
/* Run the library's invariant checker in the middle of a scenario (the runner runs it after) */
#define check_invariants() check_invariants_( __FILE__, __LINE__ )
void check_invariants_( const char *file, int line );
/* Number of /proc/self/maps lines overlapping [addr, addr + size) */
unsigned int kernel_mapping_count( const void *addr, SIZE_T size );
/* /proc/self/pagemap: 1 if the page is present (or swapped), 0 if not, -1 if unknown */
int page_present( const void *addr );

/* VmLck of /proc/self/status in kB, -1 if unknown */
long vm_locked_kb( void );

/* Copy /proc/self/maps into buf without allocating memory; returns the length */
size_t read_maps( char *buf, size_t len );

/* True when addr .. addr+size-1 has no mapping at all in /proc/self/maps */
int kernel_range_unmapped( const void *addr, SIZE_T size );

/* Reserve an address range that nothing else uses, aligned to 64K, and release it again:
 * the returned address is a hole the test may allocate at (size rounded up to 64K). */
void *find_free_range( SIZE_T size );

#endif

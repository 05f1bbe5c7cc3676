/*
 * ntdll-mm native tests: shared helpers.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util.h"

const char *status_name( NTSTATUS status )
{
    static char buf[4][32];
    static int idx;

    switch ((ULONG)status)
    {
#define CASE(s) case (ULONG)s: return #s
    CASE(STATUS_SUCCESS);
    CASE(STATUS_ACCESS_VIOLATION);
    CASE(STATUS_INVALID_HANDLE);
    CASE(STATUS_INVALID_PARAMETER);
    CASE(STATUS_INVALID_PARAMETER_1);
    CASE(STATUS_INVALID_PARAMETER_2);
    CASE(STATUS_INVALID_PARAMETER_3);
    CASE(STATUS_INVALID_PARAMETER_4);
    CASE(STATUS_INVALID_PARAMETER_5);
    CASE(STATUS_INVALID_PARAMETER_6);
    CASE(STATUS_NO_MEMORY);
    CASE(STATUS_CONFLICTING_ADDRESSES);
    CASE(STATUS_NOT_MAPPED_VIEW);
    CASE(STATUS_UNABLE_TO_FREE_VM);
    CASE(STATUS_UNABLE_TO_DELETE_SECTION);
    CASE(STATUS_NOT_COMMITTED);
    CASE(STATUS_INVALID_PAGE_PROTECTION);
    CASE(STATUS_FREE_VM_NOT_AT_BASE);
    CASE(STATUS_MEMORY_NOT_ALLOCATED);
    CASE(STATUS_INFO_LENGTH_MISMATCH);
    CASE(STATUS_INVALID_INFO_CLASS);
    CASE(STATUS_ALREADY_COMMITTED);
    CASE(STATUS_INVALID_ADDRESS);
    CASE(STATUS_NOT_IMPLEMENTED);
    CASE(STATUS_NOT_SUPPORTED);
    CASE(STATUS_WORKING_SET_LIMIT_RANGE);
    CASE(STATUS_OBJECT_TYPE_MISMATCH);
#undef CASE
    }
    idx = (idx + 1) % 4;
    snprintf( buf[idx], sizeof(buf[idx]), "%#x", (unsigned int)status );
    return buf[idx];
}

int is_invalid_parameter( NTSTATUS status )
{
    switch ((ULONG)status)
    {
    case (ULONG)STATUS_INVALID_PARAMETER:
    case (ULONG)STATUS_INVALID_PARAMETER_1:
    case (ULONG)STATUS_INVALID_PARAMETER_2:
    case (ULONG)STATUS_INVALID_PARAMETER_3:
    case (ULONG)STATUS_INVALID_PARAMETER_4:
    case (ULONG)STATUS_INVALID_PARAMETER_5:
    case (ULONG)STATUS_INVALID_PARAMETER_6:
        return 1;
    }
    return 0;
}

int is_invalid_address( NTSTATUS status )
{
    switch ((ULONG)status)
    {
    case (ULONG)STATUS_CONFLICTING_ADDRESSES:
    case (ULONG)STATUS_NOT_MAPPED_VIEW:
    case (ULONG)STATUS_NOT_COMMITTED:
    case (ULONG)STATUS_FREE_VM_NOT_AT_BASE:
    case (ULONG)STATUS_MEMORY_NOT_ALLOCATED:
        return 1;
    }
    return 0;
}

NTSTATUS nt_alloc( void **base, SIZE_T *size, ULONG type, ULONG prot )
{
    return NtAllocateVirtualMemory( NtCurrentProcess(), base, 0, size, type, prot );
}

void *alloc_or_fail_( const char *file, int line, SIZE_T size, ULONG type, ULONG prot )
{
    void *base = NULL;
    NTSTATUS status = nt_alloc( &base, &size, type, prot );

    mmtest_ok( file, line, status == STATUS_SUCCESS && base != NULL,
               "allocation of %#lx bytes (type %#x, prot %#x) failed: %s, base %p\n",
               (unsigned long)size, (unsigned int)type, (unsigned int)prot, status_name( status ), base );
    return status ? NULL : base;
}

NTSTATUS nt_free( void **base, SIZE_T *size, ULONG type )
{
    return NtFreeVirtualMemory( NtCurrentProcess(), base, size, type );
}

NTSTATUS nt_protect( void *addr, SIZE_T size, ULONG prot, ULONG *old )
{
    return NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, prot, old );
}

void release_( const char *file, int line, void *base )
{
    SIZE_T size = 0;
    void *addr = base;
    NTSTATUS status;

    if (!base) return;
    status = NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, MEM_RELEASE );
    mmtest_ok( file, line, status == STATUS_SUCCESS, "MEM_RELEASE of %p: got %s, expected STATUS_SUCCESS\n",
               base, status_name( status ) );
}

NTSTATUS query( const void *addr, MEMORY_BASIC_INFORMATION *mbi )
{
    SIZE_T len = 0;
    memset( mbi, 0xcc, sizeof(*mbi) );
    return NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryBasicInformation, mbi, sizeof(*mbi), &len );
}

void check_mbi_( const char *file, int line, const void *addr, const void *base, SIZE_T size,
                 ULONG state, ULONG prot, const void *alloc_base, ULONG alloc_prot, ULONG type )
{
    MEMORY_BASIC_INFORMATION mbi;
    SIZE_T len = 0xdeadbeef;
    NTSTATUS status;

    memset( &mbi, 0xcc, sizeof(mbi) );
    status = NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryBasicInformation, &mbi, sizeof(mbi), &len );
    if (!mmtest_ok( file, line, status == STATUS_SUCCESS, "query %p: got %s, expected STATUS_SUCCESS\n",
                    addr, status_name( status ) ))
        return;
    mmtest_ok( file, line, len == sizeof(mbi), "query %p: return length %#lx, expected %#lx\n",
               addr, (unsigned long)len, (unsigned long)sizeof(mbi) );
    mmtest_ok( file, line, mbi.BaseAddress == base, "query %p: BaseAddress %p, expected %p\n",
               addr, mbi.BaseAddress, base );
    mmtest_ok( file, line, mbi.RegionSize == size, "query %p: RegionSize %#lx, expected %#lx\n",
               addr, (unsigned long)mbi.RegionSize, (unsigned long)size );
    mmtest_ok( file, line, mbi.State == state, "query %p: State %#x, expected %#x\n",
               addr, (unsigned int)mbi.State, (unsigned int)state );
    mmtest_ok( file, line, mbi.Protect == prot, "query %p: Protect %#x, expected %#x\n",
               addr, (unsigned int)mbi.Protect, (unsigned int)prot );
    mmtest_ok( file, line, mbi.AllocationBase == alloc_base, "query %p: AllocationBase %p, expected %p\n",
               addr, mbi.AllocationBase, alloc_base );
    mmtest_ok( file, line, mbi.AllocationProtect == alloc_prot, "query %p: AllocationProtect %#x, expected %#x\n",
               addr, (unsigned int)mbi.AllocationProtect, (unsigned int)alloc_prot );
    mmtest_ok( file, line, mbi.Type == type, "query %p: Type %#x, expected %#x\n",
               addr, (unsigned int)mbi.Type, (unsigned int)type );
}

void check_free_( const char *file, int line, const void *addr, SIZE_T min_size )
{
    MEMORY_BASIC_INFORMATION mbi;
    const void *page = (const void *)((ULONG_PTR)addr & ~(ULONG_PTR)0xfff);
    NTSTATUS status = query( addr, &mbi );

    if (!mmtest_ok( file, line, status == STATUS_SUCCESS, "query %p: got %s, expected STATUS_SUCCESS\n",
                    addr, status_name( status ) ))
        return;
    mmtest_ok( file, line, mbi.State == MEM_FREE && mbi.BaseAddress == page && mbi.RegionSize >= min_size &&
               mbi.Protect == PAGE_NOACCESS && !mbi.AllocationBase && !mbi.AllocationProtect && !mbi.Type,
               "query %p: base %p size %#lx state %#x protect %#x alloc %p/%#x type %#x, expected MEM_FREE at %p, "
               "size >= %#lx, PAGE_NOACCESS, no allocation\n", addr, mbi.BaseAddress, (unsigned long)mbi.RegionSize,
               (unsigned int)mbi.State, (unsigned int)mbi.Protect, mbi.AllocationBase, (unsigned int)mbi.AllocationProtect,
               (unsigned int)mbi.Type, page, (unsigned long)min_size );
}

size_t read_maps( char *buf, size_t len )
{
    size_t total = 0;
    ssize_t r;
    int fd = open( "/proc/self/maps", O_RDONLY | O_CLOEXEC );

    if (fd < 0) return 0;
    while (total + 1 < len && (r = read( fd, buf + total, len - 1 - total )) != 0)
    {
        if (r < 0)
        {
            if (errno == EINTR) continue;
            break;
        }
        total += r;
    }
    buf[total] = 0;
    close( fd );
    return total;
}

static char maps_buf[1 << 20];

int kernel_perms( const void *addr, char perms[5] )
{
    char *p, *end;
    uintptr_t a = (uintptr_t)addr;

    perms[0] = 0;
    read_maps( maps_buf, sizeof(maps_buf) );
    for (p = maps_buf; *p; p = end + 1)
    {
        unsigned long start, stop;
        char prm[5];

        if (!(end = strchr( p, '\n' ))) break;
        if (sscanf( p, "%lx-%lx %4s", &start, &stop, prm ) != 3) continue;
        if (a >= start && a < stop)
        {
            memcpy( perms, prm, 5 );
            return 1;
        }
    }
    return 0;
}

void check_kernel_perms_( const char *file, int line, const void *addr, const char *expect )
{
    char perms[5];
    int found = kernel_perms( addr, perms );

    if (!expect)
    {
        mmtest_ok( file, line, !found, "kernel: %p is mapped %s, expected no mapping\n", addr, perms );
        return;
    }
    mmtest_ok( file, line, found && !strncmp( perms, expect, 3 ),
               "kernel: %p has permissions %s, expected %s\n", addr, found ? perms : "(unmapped)", expect );
}

void check_kernel_prot_( const char *file, int line, const void *addr, ULONG prot )
{
    char perms[5];
    int found = kernel_perms( addr, perms );
    const char *expect;

    if (!mmtest_ok( file, line, found, "kernel: %p is not mapped, expected protection %#x\n", addr,
                    (unsigned int)prot ))
        return;
    if (prot & PAGE_GUARD) expect = "---";
    else switch (prot & 0xff)
    {
    case PAGE_NOACCESS:          expect = "---"; break;
    case PAGE_READONLY:          expect = "r--"; break;
    case PAGE_READWRITE:
    case PAGE_WRITECOPY:         expect = "rw-"; break;   /* copy-on-write: MAP_PRIVATE */
    case PAGE_EXECUTE_READ:      expect = "r-x"; break;
    case PAGE_EXECUTE_READWRITE:
    case PAGE_EXECUTE_WRITECOPY: expect = "rwx"; break;
    case PAGE_EXECUTE:
        /* x86 cannot map execute-only pages: readable or not, it must be executable and read-only */
        mmtest_ok( file, line, perms[1] == '-' && perms[2] == 'x',
                   "kernel: %p has permissions %s, expected ?-x for PAGE_EXECUTE\n", addr, perms );
        return;
    default:
        mmtest_ok( file, line, 0, "kernel: no expectation for protection %#x\n", (unsigned int)prot );
        return;
    }
    mmtest_ok( file, line, !strncmp( perms, expect, 3 ), "kernel: %p has permissions %s, expected %s for %#x\n",
               addr, perms, expect, (unsigned int)prot );
}

int page_present( const void *addr )
{
    uint64_t entry;
    long pagesz = sysconf( _SC_PAGESIZE );
    int fd = open( "/proc/self/pagemap", O_RDONLY | O_CLOEXEC );
    ssize_t r;

    if (fd < 0) return -1;
    r = pread( fd, &entry, sizeof(entry), ((uintptr_t)addr / pagesz) * sizeof(entry) );
    close( fd );
    if (r != sizeof(entry)) return -1;
    return (entry >> 63) & 1 || (entry >> 62) & 1;   /* present or swapped */
}

void check_invariants_( const char *file, int line )
{
    static char report[65536];
    unsigned int mismatches = ntdll_mm_check_invariants( report, sizeof(report) );
    mmtest_ok( file, line, !mismatches, "invariant checker: %u mismatches:\n%s", mismatches, report );
}

unsigned int kernel_mapping_count( const void *addr, SIZE_T size )
{
    char *p, *end;
    uintptr_t a = (uintptr_t)addr, z = a + size;
    unsigned int count = 0;

    read_maps( maps_buf, sizeof(maps_buf) );
    for (p = maps_buf; *p; p = end + 1)
    {
        unsigned long start, stop;

        if (!(end = strchr( p, '\n' ))) break;
        if (sscanf( p, "%lx-%lx", &start, &stop ) != 2) continue;
        if (start < z && stop > a) count++;
    }
    return count;
}

int kernel_range_unmapped( const void *addr, SIZE_T size )
{
    char *p, *end;
    uintptr_t a = (uintptr_t)addr, z = a + size;

    read_maps( maps_buf, sizeof(maps_buf) );
    for (p = maps_buf; *p; p = end + 1)
    {
        unsigned long start, stop;

        if (!(end = strchr( p, '\n' ))) break;
        if (sscanf( p, "%lx-%lx", &start, &stop ) != 2) continue;
        if (start < z && stop > a) return 0;
    }
    return 1;
}

void *find_free_range( SIZE_T size )
{
    void *base = NULL;
    SIZE_T sz = size;
    NTSTATUS status = nt_alloc( &base, &sz, MEM_RESERVE, PAGE_NOACCESS );

    if (status) return NULL;
    sz = 0;
    if (nt_free( &base, &sz, MEM_RELEASE )) return NULL;
    return base;
}

long vm_locked_kb( void )
{
    char line[256];
    long kb = -1;
    FILE *f = fopen( "/proc/self/status", "re" );

    if (!f) return -1;
    while (fgets( line, sizeof(line), f ))
        if (sscanf( line, "VmLck: %ld kB", &kb ) == 1) break;
    fclose( f );
    return kb;
}

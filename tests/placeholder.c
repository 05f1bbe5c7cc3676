/*
 * Native tests: address-space placeholders (NtAllocateVirtualMemoryEx MEM_RESERVE_PLACEHOLDER /
 * MEM_REPLACE_PLACEHOLDER, NtFreeVirtualMemory MEM_PRESERVE_PLACEHOLDER / MEM_COALESCE_PLACEHOLDERS,
 * NtMapViewOfSectionEx MEM_REPLACE_PLACEHOLDER, NtUnmapViewOfSectionEx MEM_PRESERVE_PLACEHOLDER).
 *
 * Sources: the VirtualAlloc2, VirtualFree, MapViewOfFile3 and UnmapViewOfFile2 documentation
 * (MapViewOfFile3's alignment rules as clarified by MicrosoftDocs/sdk-api pull request 799);
 * Wine's dlls/ntdll/tests/virtual.c test_NtAllocateVirtualMemoryEx (the placeholder parts, which
 * pass on Windows) and dlls/kernelbase/tests/process.c test_VirtualAlloc2; tests/pe/placeholder.c.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "section_util.h"
#include "image_util.h"

#ifndef MAP_PROCESS
#define MAP_PROCESS 1
#endif

static NTSTATUS alloc_ex( void **addr, SIZE_T *size, ULONG type, ULONG prot )
{
    return NtAllocateVirtualMemoryEx( NtCurrentProcess(), addr, size, type, prot, NULL, 0 );
}

/* a new placeholder of size bytes anywhere, or NULL (reported) */
#define new_placeholder( size ) new_placeholder_( __LINE__, size )
static char *new_placeholder_( int line, SIZE_T size )
{
    void *addr = NULL;
    SIZE_T s = size;
    NTSTATUS status = alloc_ex( &addr, &s, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS );

    mmtest_ok( __FILE__, line, status == STATUS_SUCCESS && s == size, "placeholder of %#lx: %s size %#lx\n",
               (unsigned long)size, sstatus( status ), (unsigned long)s );
    return status ? NULL : addr;
}

/* p is a placeholder of size bytes: MEM_RESERVE, MEM_PRIVATE, AllocationProtect PAGE_NOACCESS,
 * PROT_NONE in the kernel */
#define check_placeholder( p, size ) check_placeholder_( __FILE__, __LINE__, p, size )
static void check_placeholder_( const char *file, int line, const void *p, SIZE_T size )
{
    check_mbi_( file, line, p, p, size, MEM_RESERVE, 0, p, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms_( file, line, p, "---" );
}

static NTSTATUS free_range( void *addr, SIZE_T size, ULONG type, void **ret_addr, SIZE_T *ret_size )
{
    void *a = addr;
    SIZE_T s = size;
    NTSTATUS status = NtFreeVirtualMemory( NtCurrentProcess(), &a, &s, type );

    if (ret_addr) *ret_addr = a;
    if (ret_size) *ret_size = s;
    return status;
}

/* NtAllocateVirtualMemory refuses both placeholder flags: only the Ex call has them (Wine's
 * ntdll test_NtAllocateVirtualMemory / test_NtAllocateVirtualMemoryEx) */
TEST(placeholder_needs_ex_call)
{
    static const ULONG types[] = { MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, MEM_RESERVE | MEM_REPLACE_PLACEHOLDER };
    for (unsigned int i = 0; i < ARRAY_SIZE(types); i++)
    {
        void *addr = NULL;
        SIZE_T size = GRAN;
        NTSTATUS status = nt_alloc( &addr, &size, types[i], PAGE_NOACCESS );
        ok( status == STATUS_INVALID_PARAMETER, "type %#x: got %s, expected STATUS_INVALID_PARAMETER\n",
            (unsigned int)types[i], sstatus( status ) );
        ok( !addr, "type %#x: address %p returned\n", (unsigned int)types[i], addr );
    }
}

/* Bad flag and protection combinations (Wine's ntdll test: MEM_RESERVE_PLACEHOLDER with
 * PAGE_READWRITE, MEM_REPLACE_PLACEHOLDER alone or with MEM_COMMIT only; VirtualAlloc2
 * documentation: a placeholder is reserved with PAGE_NOACCESS, a replacement needs an address). */
TEST(placeholder_bad_parameters)
{
    static const struct { ULONG type, prot; int with_addr; } cases[] =
    {
        { MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_READWRITE, 0 },
        { MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_READONLY, 0 },
        { MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, 0 },
        { MEM_RESERVE | MEM_COMMIT | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, 0 },
        { MEM_RESERVE | MEM_RESERVE_PLACEHOLDER | MEM_WRITE_WATCH, PAGE_NOACCESS, 0 },
        { MEM_RESERVE | MEM_RESERVE_PLACEHOLDER | MEM_REPLACE_PLACEHOLDER, PAGE_NOACCESS, 1 },
        { MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, 1 },
        { MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, 1 },
        { MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, 0 },
    };
    char *p = new_placeholder( GRAN );

    if (!p) return;
    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
    {
        void *addr = cases[i].with_addr ? p : NULL;
        SIZE_T size = GRAN;
        NTSTATUS status = alloc_ex( &addr, &size, cases[i].type, cases[i].prot );
        ok( status == STATUS_INVALID_PARAMETER, "%u: type %#x prot %#x: got %s, expected STATUS_INVALID_PARAMETER\n",
            i, (unsigned int)cases[i].type, (unsigned int)cases[i].prot, sstatus( status ) );
        if (!status && addr != p) free_range( addr, 0, MEM_RELEASE, NULL, NULL );
    }
    check_placeholder( p, GRAN );
    release( p );
}

/* A placeholder reads as reserved private memory with AllocationProtect PAGE_NOACCESS, is
 * PROT_NONE for the kernel, and MEM_RELEASE frees it whole (kernelbase test_VirtualAlloc2). */
TEST(placeholder_query_and_release)
{
    char *p = new_placeholder( 2 * GRAN );
    MEMORY_REGION_INFORMATION info;
    SIZE_T ret;
    NTSTATUS status;

    if (!p) return;
    check_placeholder( p, 2 * GRAN );
    status = NtQueryVirtualMemory( NtCurrentProcess(), p, MemoryRegionInformation, &info, sizeof(info), &ret );
    ok( !status && info.AllocationBase == p && info.RegionSize == 2 * GRAN && !info.CommitSize,
        "region info: %s base %p size %#lx commit %#lx\n", sstatus( status ), info.AllocationBase,
        (unsigned long)info.RegionSize, (unsigned long)info.CommitSize );
    ok( page_present( p ) <= 0, "placeholder page present\n" );
    release( p );
    check_free( p, 2 * GRAN );
}

/* A placeholder can be placed like any reservation: top-down, or at an address (start rounded
 * down to 64K, end up to a page, as MEM_RESERVE does). */
TEST(placeholder_placement)
{
    char *hole = find_free_range( 2 * GRAN );
    void *addr = NULL, *raddr;
    SIZE_T size = GRAN, rsize;
    NTSTATUS status;

    status = alloc_ex( &addr, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER | MEM_TOP_DOWN, PAGE_NOACCESS );
    ok( status == STATUS_SUCCESS, "top-down placeholder: %s\n", sstatus( status ) );
    if (!status)
    {
        check_placeholder( addr, GRAN );
        check_invariants();
        /* split pieces of it are placeholders as well */
        status = free_range( addr, PAGE, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
        ok( status == STATUS_SUCCESS, "split: %s\n", sstatus( status ) );
        check_placeholder( (char *)addr + PAGE, GRAN - PAGE );
        status = free_range( addr, GRAN, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, NULL, NULL );
        ok( status == STATUS_SUCCESS, "coalesce: %s\n", sstatus( status ) );
        release( addr );
    }

    addr = hole + 0x1234;
    size = GRAN;
    status = alloc_ex( &addr, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS );
    ok( status == STATUS_SUCCESS && addr == hole && size == GRAN + 0x2000, "placeholder at %p: %s %p size %#lx\n",
        hole + 0x1234, sstatus( status ), addr, (unsigned long)size );
    if (status) return;
    check_placeholder( hole, GRAN + 0x2000 );
    status = free_range( hole, GRAN + 0x2000, MEM_RELEASE, &raddr, &rsize );
    ok( status == STATUS_SUCCESS && raddr == hole && rsize == GRAN + 0x2000, "release with its size: %s %p %#lx\n",
        sstatus( status ), raddr, (unsigned long)rsize );
    check_free( hole, 2 * GRAN );
}

/* Nothing else can use a placeholder's range: reserving over it, committing in it, replacing
 * part of it (Wine's ntdll test: all STATUS_CONFLICTING_ADDRESSES); nor can MEM_REPLACE_PLACEHOLDER
 * replace anything but a placeholder. */
TEST(placeholder_conflicts)
{
    static const struct { ULONG type, prot; SIZE_T offset, size; } cases[] =
    {
        { MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, 0, GRAN },
        { MEM_RESERVE, PAGE_NOACCESS, 0, GRAN },
        { MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_NOACCESS, 0, PAGE },
        { MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, 0, 2 * GRAN },
        { MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, PAGE, GRAN - PAGE },
        { MEM_COMMIT, PAGE_READWRITE, 0, GRAN },
        { MEM_COMMIT, PAGE_READWRITE, PAGE, PAGE },
        { MEM_RESET, PAGE_READWRITE, 0, GRAN },
    };
    char *p = new_placeholder( GRAN ), *normal;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!p) return;
    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
    {
        addr = p + cases[i].offset;
        size = cases[i].size;
        status = alloc_ex( &addr, &size, cases[i].type, cases[i].prot );
        ok( status == STATUS_CONFLICTING_ADDRESSES, "%u: type %#x at +%#lx size %#lx: got %s, expected "
            "STATUS_CONFLICTING_ADDRESSES\n", i, (unsigned int)cases[i].type, (unsigned long)cases[i].offset,
            (unsigned long)cases[i].size, sstatus( status ) );
    }
    check_placeholder( p, GRAN );
    release( p );

    /* an ordinary reservation and free memory are not placeholders */
    normal = alloc_or_fail( GRAN, MEM_RESERVE, PAGE_NOACCESS );
    addr = normal;
    size = GRAN;
    status = alloc_ex( &addr, &size, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "replacing a reservation: got %s\n", sstatus( status ) );
    check_mbi( normal, normal, GRAN, MEM_RESERVE, 0, normal, PAGE_NOACCESS, MEM_PRIVATE );
    release( normal );
    addr = p;
    size = GRAN;
    status = alloc_ex( &addr, &size, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "replacing free memory: got %s\n", sstatus( status ) );
    check_free( p, GRAN );
}

/* Wine's ntdll test: replace with committed memory, write, give it back to a placeholder
 * (MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER), replace again: the contents are gone, the new
 * allocation has its own AllocationProtect; back to a placeholder again. */
TEST(placeholder_replace_private)
{
    char *p = new_placeholder( GRAN );
    void *addr, *raddr;
    SIZE_T size, rsize;
    NTSTATUS status;

    if (!p) return;
    addr = p;
    size = GRAN;
    status = alloc_ex( &addr, &size, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && addr == p && size == GRAN, "replace: %s %p size %#lx\n", sstatus( status ), addr,
        (unsigned long)size );
    if (status) goto done;
    check_mbi( p, p, GRAN, MEM_COMMIT, PAGE_READWRITE, p, PAGE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( p, "rw-" );
    memset( p, 0xcc, GRAN );

    status = free_range( p, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, &raddr, &rsize );
    ok( status == STATUS_SUCCESS && raddr == p && rsize == GRAN, "back to placeholder: %s %p size %#lx\n",
        sstatus( status ), raddr, (unsigned long)rsize );
    check_placeholder( p, GRAN );
    ok( page_present( p ) <= 0, "old contents still resident\n" );
    check_invariants();

    addr = p;
    size = GRAN;
    status = alloc_ex( &addr, &size, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "second replace: %s\n", sstatus( status ) );
    if (status) goto done;
    ok( !*(unsigned int *)p, "contents survived: %#x\n", *(unsigned int *)p );
    check_mbi( p, p, GRAN, MEM_COMMIT, PAGE_READONLY, p, PAGE_READONLY, MEM_PRIVATE );
    check_kernel_perms( p, "r--" );

    /* only the whole allocation goes back */
    status = free_range( p, GRAN / 2, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "half back to placeholder: got %s\n", sstatus( status ) );
    check_mbi( p, p, GRAN, MEM_COMMIT, PAGE_READONLY, p, PAGE_READONLY, MEM_PRIVATE );
    status = free_range( p, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_SUCCESS, "back to placeholder: %s\n", sstatus( status ) );
    check_placeholder( p, GRAN );

    /* reserved only, then committed like any reservation */
    addr = p;
    size = GRAN;
    status = alloc_ex( &addr, &size, MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "replace reserved: %s\n", sstatus( status ) );
    check_mbi( p, p, GRAN, MEM_RESERVE, 0, p, PAGE_READWRITE, MEM_PRIVATE );
    size = PAGE;
    status = alloc_ex( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "commit in replaced memory: %s\n", sstatus( status ) );
    check_mbi( p, p, PAGE, MEM_COMMIT, PAGE_READWRITE, p, PAGE_READWRITE, MEM_PRIVATE );
    p[0] = 1;
done:
    release( p );
    check_free( p, GRAN );
}

/* Wine's ntdll test: MEM_WRITE_WATCH | MEM_RESERVE | MEM_REPLACE_PLACEHOLDER gives a watched
 * allocation (Windows 10 1809 refused it; later versions accept it). */
TEST(placeholder_replace_write_watch)
{
    char *p = new_placeholder( GRAN );
    void *addr, *addresses[16];
    ULONG_PTR count;
    ULONG granularity;
    SIZE_T size;
    NTSTATUS status;

    if (!p) return;
    addr = p;
    size = GRAN;
    status = alloc_ex( &addr, &size, MEM_WRITE_WATCH | MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "replace with write watch: %s\n", sstatus( status ) );
    if (status) goto done;
    size = GRAN;
    status = alloc_ex( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "commit: %s\n", sstatus( status ) );
    check_mbi( p, p, GRAN, MEM_COMMIT, PAGE_READWRITE, p, PAGE_READONLY, MEM_PRIVATE );

    count = ARRAY_SIZE(addresses);
    status = NtGetWriteWatch( NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, p, GRAN, addresses, &count, &granularity );
    ok( status == STATUS_SUCCESS && !count, "first NtGetWriteWatch: %s count %lu\n", sstatus( status ),
        (unsigned long)count );
    p[0x1000] = 1;
    count = ARRAY_SIZE(addresses);
    status = NtGetWriteWatch( NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, p, GRAN, addresses, &count, &granularity );
    ok( status == STATUS_SUCCESS && count == 1 && addresses[0] == p + 0x1000, "NtGetWriteWatch: %s count %lu "
        "first %p, expected %p\n", sstatus( status ), (unsigned long)count, count ? addresses[0] : NULL, p + 0x1000 );
    check_invariants();

    /* back to a placeholder: no longer watched */
    status = free_range( p, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_SUCCESS, "back to placeholder: %s\n", sstatus( status ) );
    check_placeholder( p, GRAN );
done:
    release( p );
}

/* MEM_PRESERVE_PLACEHOLDER on memory that never was a placeholder, on a whole placeholder, with
 * size 0, or without MEM_RELEASE (Wine's ntdll test; the last from the COALESCE case, same rule). */
TEST(placeholder_preserve_errors)
{
    static const struct { int on_placeholder; SIZE_T offset, size; ULONG type; NTSTATUS expect; } cases[] =
    {
        { 0, 0, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, STATUS_CONFLICTING_ADDRESSES },
        { 0, 0, PAGE, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, STATUS_CONFLICTING_ADDRESSES },
        { 1, 0, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, STATUS_CONFLICTING_ADDRESSES },
        { 1, 0, 0, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, STATUS_INVALID_PARAMETER_3 },
        { 1, 0, PAGE, MEM_PRESERVE_PLACEHOLDER, STATUS_INVALID_PARAMETER_4 },
        { 1, 0, PAGE, MEM_DECOMMIT | MEM_PRESERVE_PLACEHOLDER, STATUS_INVALID_PARAMETER_4 },
        { 1, PAGE, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, STATUS_UNABLE_TO_FREE_VM },
    };
    char *p = new_placeholder( GRAN ), *normal = alloc_or_fail( GRAN, MEM_RESERVE, PAGE_NOACCESS );

    for (unsigned int i = 0; p && normal && i < ARRAY_SIZE(cases); i++)
    {
        char *base = (cases[i].on_placeholder ? p : normal) + cases[i].offset;
        void *addr = base;
        SIZE_T size = cases[i].size;
        NTSTATUS status = NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, cases[i].type );
        ok( status == cases[i].expect, "%u: got %s, expected %s\n", i, sstatus( status ), sstatus( cases[i].expect ) );
        ok( addr == base && size == cases[i].size, "%u: outputs changed to %p %#lx\n", i, addr, (unsigned long)size );
    }
    if (p)
    {
        check_placeholder( p, GRAN );
        release( p );
    }
    if (normal)
    {
        check_mbi( normal, normal, GRAN, MEM_RESERVE, 0, normal, PAGE_NOACCESS, MEM_PRIVATE );
        release( normal );
    }
}

/* Splitting (Wine's ntdll test_NtAllocateVirtualMemoryEx "Split in three regions", "Split in two
 * regions, specifying lower part / second half", with check_region_size): the released range
 * becomes a placeholder of its own, page granular, the rest stays one placeholder on each side;
 * every piece is its own allocation and is released alone. */
TEST(placeholder_split)
{
    static const struct { SIZE_T offset, size; SIZE_T pieces[3][2]; } cases[] =
    {
        { 0x8000, 0x4000, { { 0, 0x8000 }, { 0x8000, 0x4000 }, { 0xc000, 0x4000 } } },   /* three regions */
        { 0, 0x4000, { { 0, 0x4000 }, { 0x4000, 0xc000 } } },                             /* lower part */
        { 0x8000, 0x8000, { { 0, 0x8000 }, { 0x8000, 0x8000 } } },                        /* second half */
        { 0x1000, 0x1000, { { 0, 0x1000 }, { 0x1000, 0x1000 }, { 0x2000, 0xe000 } } },    /* one page */
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
    {
        char *p = new_placeholder( GRAN );
        void *raddr;
        SIZE_T rsize;
        NTSTATUS status;

        if (!p) return;
        status = free_range( p + cases[i].offset, cases[i].size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, &raddr, &rsize );
        ok( status == STATUS_SUCCESS, "%u: split: %s\n", i, sstatus( status ) );
        ok( raddr == p + cases[i].offset && rsize == cases[i].size, "%u: split returned %p %#lx, expected %p %#lx\n",
            i, raddr, (unsigned long)rsize, p + cases[i].offset, (unsigned long)cases[i].size );
        for (unsigned int j = 0; j < 3 && cases[i].pieces[j][1]; j++)
            check_placeholder( p + cases[i].pieces[j][0], cases[i].pieces[j][1] );
        check_invariants();
        for (unsigned int j = 0; j < 3 && cases[i].pieces[j][1]; j++)
        {
            status = free_range( p + cases[i].pieces[j][0], 0, MEM_RELEASE, &raddr, &rsize );
            ok( status == STATUS_SUCCESS && raddr == p + cases[i].pieces[j][0] && rsize == cases[i].pieces[j][1],
                "%u: release of piece %u: %s %p %#lx\n", i, j, sstatus( status ), raddr, (unsigned long)rsize );
        }
        check_free( p, GRAN );
    }
}

/* MEM_RELEASE with a size smaller than a placeholder, at its base: Wine's ntdll test releases
 * the 0x8000 first piece with size 0x4000 and gets STATUS_SUCCESS and 0x4000 back; that much is
 * released and the rest stays a placeholder.  Inside, a range is released as in any allocation
 * (test_NtFreeVirtualMemory): what is left on either side stays placeholders. */
TEST(placeholder_release_start)
{
    char *p = new_placeholder( GRAN );
    void *raddr;
    SIZE_T rsize;
    NTSTATUS status;

    if (!p) return;
    status = free_range( p, 0x4000, MEM_RELEASE, &raddr, &rsize );
    ok( status == STATUS_SUCCESS && raddr == p && rsize == 0x4000, "release of the start: %s %p %#lx\n",
        sstatus( status ), raddr, (unsigned long)rsize );
    check_free( p, 0x4000 );
    check_placeholder( p + 0x4000, 0xc000 );
    status = free_range( p + 0x4000, GRAN, MEM_RELEASE, NULL, NULL );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "release past the end: got %s\n", sstatus( status ) );
    check_placeholder( p + 0x4000, 0xc000 );
    status = free_range( p + 0x8000, 0x1000, MEM_RELEASE, &raddr, &rsize );
    ok( status == STATUS_SUCCESS && raddr == p + 0x8000 && rsize == 0x1000, "release inside: %s %p %#lx\n",
        sstatus( status ), raddr, (unsigned long)rsize );
    check_placeholder( p + 0x4000, 0x4000 );
    check_free( p + 0x8000, 0x1000 );
    check_placeholder( p + 0x9000, 0x7000 );
    release( p + 0x4000 );
    release( p + 0x9000 );
    check_free( p, GRAN );
}

/* Coalescing: Wine's ntdll test "Split in two regions, specifying lower part" sequence. */
TEST(placeholder_coalesce)
{
    static const struct { SIZE_T offset, size; ULONG type; NTSTATUS expect; } bad[] =
    {
        { 0, 0x4000, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, STATUS_CONFLICTING_ADDRESSES },   /* one piece */
        { 0, GRAN, MEM_COALESCE_PLACEHOLDERS, STATUS_INVALID_PARAMETER_4 },
        { 0, GRAN + PAGE, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, STATUS_CONFLICTING_ADDRESSES },
        { 0, GRAN - PAGE, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, STATUS_CONFLICTING_ADDRESSES },
        { PAGE, GRAN - PAGE, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, STATUS_CONFLICTING_ADDRESSES },
        { 0, 0, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, STATUS_INVALID_PARAMETER_3 },
        { 0, GRAN, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS | MEM_PRESERVE_PLACEHOLDER, STATUS_INVALID_PARAMETER_4 },
        { 0, GRAN, MEM_RELEASE, STATUS_UNABLE_TO_FREE_VM },
    };
    char *p1 = new_placeholder( GRAN ), *p2, *p3;
    void *addr, *raddr;
    SIZE_T size, rsize;
    NTSTATUS status;

    if (!p1) return;
    p2 = p1 + 0x4000;
    p3 = p2 + 0x4000;
    status = free_range( p1, 0x4000, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_SUCCESS, "first split: %s\n", sstatus( status ) );
    status = free_range( p2, 0x4000, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_SUCCESS, "second split: %s\n", sstatus( status ) );
    check_placeholder( p1, 0x4000 );
    check_placeholder( p2, 0x4000 );
    check_placeholder( p3, 0x8000 );

    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
    {
        status = free_range( p1 + bad[i].offset, bad[i].size, bad[i].type, NULL, NULL );
        ok( status == bad[i].expect, "%u: got %s, expected %s\n", i, sstatus( status ), sstatus( bad[i].expect ) );
    }
    check_placeholder( p1, 0x4000 );

    /* the two last pieces, then all of it */
    status = free_range( p2, GRAN - 0x4000, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, &raddr, &rsize );
    ok( status == STATUS_SUCCESS && raddr == p2 && rsize == GRAN - 0x4000, "coalesce two: %s %p %#lx\n",
        sstatus( status ), raddr, (unsigned long)rsize );
    check_placeholder( p2, GRAN - 0x4000 );
    status = free_range( p1, GRAN, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, &raddr, &rsize );
    ok( status == STATUS_SUCCESS && raddr == p1 && rsize == GRAN, "coalesce all: %s %p %#lx\n", sstatus( status ),
        raddr, (unsigned long)rsize );
    check_placeholder( p1, GRAN );
    check_invariants();

    /* a replaced piece cannot be coalesced, nor can a hole */
    status = free_range( p1, 0x4000, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_SUCCESS, "split: %s\n", sstatus( status ) );
    addr = p2;
    size = GRAN - 0x4000;
    status = alloc_ex( &addr, &size, MEM_RESERVE | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && addr == p2, "replace at a page boundary: %s %p\n", sstatus( status ), addr );
    check_mbi( p2, p2, GRAN - 0x4000, MEM_RESERVE, 0, p2, PAGE_READWRITE, MEM_PRIVATE );
    status = free_range( p1, GRAN, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, NULL, NULL );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "coalesce with replaced memory: got %s\n", sstatus( status ) );
    status = free_range( p2, GRAN - 0x4000, MEM_RELEASE, &raddr, &rsize );
    ok( status == STATUS_SUCCESS && raddr == p2 && rsize == 0xc000, "release replaced: %s %p %#lx\n",
        sstatus( status ), raddr, (unsigned long)rsize );
    status = free_range( p1, GRAN, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, NULL, NULL );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "coalesce with a hole: got %s\n", sstatus( status ) );
    status = free_range( p1, 0x4000, MEM_RELEASE, &raddr, &rsize );
    ok( status == STATUS_SUCCESS && raddr == p1 && rsize == 0x4000, "release: %s %p %#lx\n", sstatus( status ),
        raddr, (unsigned long)rsize );
    status = free_range( p3, 0, MEM_RELEASE, NULL, NULL );
    ok( status == STATUS_MEMORY_NOT_ALLOCATED, "release of freed memory: got %s\n", sstatus( status ) );
    check_free( p1, GRAN );
}

static NTSTATUS map_ex( HANDLE section, void **addr, SIZE_T *size, ULONG type, ULONG prot )
{
    return NtMapViewOfSectionEx( section, NtCurrentProcess(), addr, NULL, size, type, prot, NULL, 0 );
}

/* MapViewOfFile3 with MEM_REPLACE_PLACEHOLDER and UnmapViewOfFile2 with MEM_PRESERVE_PLACEHOLDER
 * (kernelbase test_VirtualAlloc2; tests/pe/placeholder.c): the view takes exactly one
 * placeholder; unmapped with the flag it gives the placeholder back. */
TEST(placeholder_view_replace_and_unmap)
{
    HANDLE section = section_or_fail( SECTION_ALL_ACCESS, GRAN, PAGE_READWRITE, SEC_COMMIT, NULL );
    char *p = new_placeholder( 2 * GRAN ), *normal;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!p || !section) goto done;
    status = free_range( p, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_SUCCESS, "split: %s\n", sstatus( status ) );

    /* not exactly one placeholder, or not through the Ex call */
    addr = p;
    size = GRAN / 2;
    status = map_ex( section, &addr, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "half a placeholder: got %s\n", sstatus( status ) );
    addr = NULL;
    size = GRAN;
    status = map_ex( section, &addr, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_INVALID_PARAMETER, "no address: got %s\n", sstatus( status ) );
    addr = p;
    size = GRAN;
    status = NtMapViewOfSection( section, NtCurrentProcess(), &addr, 0, 0, NULL, &size, ViewShare,
                                 MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_INVALID_PARAMETER_9, "NtMapViewOfSection: got %s\n", sstatus( status ) );
    check_placeholder( p, GRAN );

    addr = p + GRAN;
    size = GRAN;
    status = map_ex( section, &addr, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && addr == p + GRAN && size == GRAN, "replace: %s %p %#lx\n", sstatus( status ),
        addr, (unsigned long)size );
    if (status) goto done;
    check_mbi( p + GRAN, p + GRAN, GRAN, MEM_COMMIT, PAGE_READWRITE, p + GRAN, PAGE_READWRITE, MEM_MAPPED );
    check_placeholder( p, GRAN );
    p[GRAN + 10] = 42;
    check_invariants();

    /* the view is not private memory: MEM_PRESERVE_PLACEHOLDER of NtFreeVirtualMemory refuses it */
    status = free_range( p + GRAN, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_UNABLE_TO_DELETE_SECTION, "free of a view: got %s\n", sstatus( status ) );

    status = NtUnmapViewOfSectionEx( NtCurrentProcess(), p + GRAN, MEM_PRESERVE_PLACEHOLDER );
    ok( status == STATUS_SUCCESS, "unmap to placeholder: %s\n", sstatus( status ) );
    check_placeholder( p + GRAN, GRAN );
    check_invariants();

    /* mapped again, the section's data is there */
    addr = p + GRAN;
    size = GRAN;
    status = map_ex( section, &addr, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "second replace: %s\n", sstatus( status ) );
    if (!status)
    {
        ok( p[GRAN + 10] == 42, "view reads %d\n", p[GRAN + 10] );
        status = NtUnmapViewOfSectionEx( NtCurrentProcess(), p + GRAN, MEM_PRESERVE_PLACEHOLDER );
        ok( status == STATUS_SUCCESS, "unmap to placeholder: %s\n", sstatus( status ) );
    }
    status = free_range( p, 2 * GRAN, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, NULL, NULL );
    ok( status == STATUS_SUCCESS, "coalesce: %s\n", sstatus( status ) );
    check_placeholder( p, 2 * GRAN );

    /* a view of ordinary placement has no placeholder to give back (our choice of status) */
    normal = NULL;
    size = GRAN;
    status = map_ex( section, (void **)&normal, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "plain view: %s\n", sstatus( status ) );
    if (!status)
    {
        status = NtUnmapViewOfSectionEx( NtCurrentProcess(), normal, MEM_PRESERVE_PLACEHOLDER );
        ok( status == STATUS_CONFLICTING_ADDRESSES, "plain view to placeholder: got %s\n", sstatus( status ) );
        check_mbi( normal, normal, GRAN, MEM_COMMIT, PAGE_READWRITE, normal, PAGE_READWRITE, MEM_MAPPED );
        status = NtUnmapViewOfSection( NtCurrentProcess(), normal );
        ok( status == STATUS_SUCCESS, "unmap: %s\n", sstatus( status ) );
    }
done:
    if (p) release( p );
    if (section) close_handle( section );
}

/* VirtualAlloc2 documentation, "Scenario 1": a ring buffer from two adjacent views of one section
 * in a split placeholder; a plain unmap frees each view's range. */
TEST(placeholder_ring_buffer)
{
    HANDLE section = section_or_fail( SECTION_ALL_ACCESS, GRAN, PAGE_READWRITE, SEC_COMMIT, NULL );
    char *p = new_placeholder( 2 * GRAN );
    void *v1 = NULL, *v2 = NULL;
    SIZE_T size;
    NTSTATUS status;

    if (!p || !section) goto done;
    status = free_range( p, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_SUCCESS, "split: %s\n", sstatus( status ) );
    v1 = p;
    size = GRAN;
    status = map_ex( section, &v1, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "first view: %s\n", sstatus( status ) );
    if (status) v1 = NULL;
    v2 = p + GRAN;
    size = GRAN;
    status = map_ex( section, &v2, &size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "second view: %s\n", sstatus( status ) );
    if (status) v2 = NULL;
    if (v1 && v2)
    {
        memcpy( (char *)v1 + GRAN - 4, "wrap-around", 12 );
        /* the compiler sees disjoint ranges of v1 and may read before the copy: the two
         * addresses alias only through the kernel's mappings */
        __asm__ __volatile__( "" ::: "memory" );
        /* "wrap" ends the first view, "-around" and its NUL start the buffer again */
        ok( !memcmp( v1, "-around", 8 ), "buffer start holds \"%.8s\"\n", (char *)v1 );
        ok( !memcmp( (char *)v2 + GRAN - 4, "wrap", 4 ), "second view end holds \"%.4s\"\n", (char *)v2 + GRAN - 4 );
    }
    check_invariants();
    if (v1) ok( !NtUnmapViewOfSection( NtCurrentProcess(), v1 ), "unmap of the first view failed\n" );
    else release( p );
    if (v2) ok( !NtUnmapViewOfSection( NtCurrentProcess(), v2 ), "unmap of the second view failed\n" );
    else release( p + GRAN );
    check_free( p, 2 * GRAN );
done:
    if (section) close_handle( section );
}


/* Giving replaced memory back to a placeholder drops its pages with their locks: NT's locked
 * pages belong to the allocation; on Linux the fresh PROT_NONE mapping has no mlock. */
TEST(placeholder_preserve_drops_locks)
{
    char *p = new_placeholder( GRAN );
    long before = vm_locked_kb();
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!p) return;
    addr = p;
    size = GRAN;
    status = alloc_ex( &addr, &size, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "replace: %s\n", sstatus( status ) );
    if (status) goto done;
    size = 2 * PAGE;
    status = NtLockVirtualMemory( NtCurrentProcess(), &addr, &size, MAP_PROCESS );
    if (status)
    {
        skip( "NtLockVirtualMemory: %s\n", sstatus( status ) );
        free_range( p, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
        goto done;
    }
    ok( before < 0 || vm_locked_kb() == before + 8, "VmLck %ld kB, expected %ld\n", vm_locked_kb(), before + 8 );
    status = free_range( p, GRAN, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_SUCCESS, "back to placeholder: %s\n", sstatus( status ) );
    ok( before < 0 || vm_locked_kb() == before, "VmLck %ld kB, expected %ld\n", vm_locked_kb(), before );
    check_placeholder( p, GRAN );
done:
    release( p );
}

/* MapViewOfFile3, MEM_REPLACE_PLACEHOLDER: "When this flag is specified, the 64k alignment
 * requirement for Offset and BaseAddress does not apply", the offset "must be page-aligned";
 * MicrosoftDocs/sdk-api pull request 799 (observed on Windows): VirtualFreeEx with
 * MEM_PRESERVE_PLACEHOLDER makes an unaligned placeholder that MapViewOfFile3 then fills with
 * a view that is not 64K aligned.  Each case splits a 2 * 64K placeholder at 'split' (a page
 * multiple) and maps the upper piece from a page-aligned 'offset' of a pagefile section whose
 * bytes name their offset; the view reads the section from there, writes reach the section,
 * and it goes back to the placeholder (and is coalesced) as a 64K-aligned one would.  Without
 * MEM_REPLACE_PLACEHOLDER, or off a page, the 64K rule still holds: STATUS_MAPPED_ALIGNMENT. */
TEST(placeholder_view_at_page_granularity)
{
    static const struct { SIZE_T split; ULONGLONG offset; ULONG prot; } cases[] =
    {
        { 0x1000, 0, PAGE_READWRITE },
        { 0x3000, 0x1000, PAGE_READWRITE },
        { 0x8000, 0x5000, PAGE_READONLY },
        { 0xf000, 0x10000, PAGE_WRITECOPY },
        { 0x11000, 0x2f000, PAGE_READWRITE },
    };
    const SIZE_T total = 2 * GRAN, section_size = 4 * GRAN;
    HANDLE section = section_or_fail( SECTION_ALL_ACCESS, section_size, PAGE_READWRITE, SEC_COMMIT, NULL );
    unsigned int *fill = section ? view_or_fail( section, PAGE_READWRITE ) : NULL;

    if (!fill) goto done;
    for (SIZE_T i = 0; i < section_size / sizeof(*fill); i++) fill[i] = (unsigned int)(i * sizeof(*fill));

    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
    {
        SIZE_T size = total - cases[i].split, vsize;
        char *p = new_placeholder( total ), *v;
        LARGE_INTEGER offset;
        void *addr;
        NTSTATUS status;

        if (!p) break;
        status = free_range( p, cases[i].split, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
        ok( status == STATUS_SUCCESS, "%u: split: %s\n", i, sstatus( status ) );
        v = p + cases[i].split;

        /* the piece is the only thing that can be replaced, at its own address and size */
        offset.QuadPart = cases[i].offset + 0x800;
        addr = v;
        vsize = size;
        status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &vsize, MEM_REPLACE_PLACEHOLDER,
                                       cases[i].prot, NULL, 0 );
        ok( status == STATUS_MAPPED_ALIGNMENT, "%u: offset off a page: got %s\n", i, sstatus( status ) );
        offset.QuadPart = cases[i].offset;
        addr = v + 0x800;
        status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &vsize, MEM_REPLACE_PLACEHOLDER,
                                       cases[i].prot, NULL, 0 );
        ok( status == STATUS_MAPPED_ALIGNMENT, "%u: address off a page: got %s\n", i, sstatus( status ) );
        if (cases[i].split & (GRAN - 1))
        {
            addr = v;
            status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &vsize, 0, cases[i].prot,
                                           NULL, 0 );
            ok( status == STATUS_MAPPED_ALIGNMENT, "%u: without MEM_REPLACE_PLACEHOLDER: got %s\n", i, sstatus( status ) );
        }
        check_placeholder( v, size );

        addr = v;
        vsize = size;
        status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &vsize, MEM_REPLACE_PLACEHOLDER,
                                       cases[i].prot, NULL, 0 );
        ok( status == STATUS_SUCCESS && addr == v && vsize == size, "%u: replace: %s %p %#lx\n", i, sstatus( status ),
            addr, (unsigned long)vsize );
        if (status)
        {
            release( p );
            release( v );
            continue;
        }
        check_mbi( v, v, size, MEM_COMMIT, cases[i].prot, v, cases[i].prot, MEM_MAPPED );
        check_kernel_prot( v, cases[i].prot );
        check_placeholder( p, cases[i].split );
        ok( *(unsigned int *)v == (unsigned int)cases[i].offset &&
            *(unsigned int *)(v + size - 4) == (unsigned int)(cases[i].offset + size - 4),
            "%u: view reads %#x ... %#x\n", i, *(unsigned int *)v, *(unsigned int *)(v + size - 4) );
        if (cases[i].prot != PAGE_READONLY)
        {
            *(unsigned int *)(v + 0x10) = 0xfeedface;
            ok( (fill[(cases[i].offset + 0x10) / 4] == 0xfeedface) == (cases[i].prot == PAGE_READWRITE),
                "%u: the write %s the section\n", i, cases[i].prot == PAGE_READWRITE ? "did not reach" : "reached" );
            fill[(cases[i].offset + 0x10) / 4] = (unsigned int)(cases[i].offset + 0x10);
        }
        check_invariants();

        status = NtUnmapViewOfSectionEx( NtCurrentProcess(), v, MEM_PRESERVE_PLACEHOLDER );
        ok( status == STATUS_SUCCESS, "%u: unmap to placeholder: %s\n", i, sstatus( status ) );
        check_placeholder( v, size );
        status = free_range( p, total, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS, NULL, NULL );
        ok( status == STATUS_SUCCESS, "%u: coalesce: %s\n", i, sstatus( status ) );
        check_placeholder( p, total );
        check_invariants();
        release( p );
        check_free( p, total );
    }
    unmap( fill );
done:
    if (section) close_handle( section );
}

/* A placeholder cannot take a view of an image: MapViewOfFile3, MEM_REPLACE_PLACEHOLDER: "Only
 * data/pf-backed section views are supported (no images, physical memory, etc.)"; nor one of
 * a SEC_LARGE_PAGES section, whose views are committed whole on large pages while a
 * placeholder is a small-page reservation.  NT's status is not documented: ours is
 * STATUS_INVALID_PARAMETER; the placeholder stays. */
TEST(placeholder_refuses_image_and_large_page_views)
{
    char path[] = "/tmp/ntdll-mm-phimage-XXXXXX";
    char *p = new_placeholder( 0x10000 );
    struct test_pe pe;
    HANDLE file = NULL, image = NULL, large = NULL;
    LARGE_INTEGER lsize = { .QuadPart = 0x200000 };
    BOOLEAN had_privilege;
    FILE *pool;
    long old_pool;
    void *addr;
    SIZE_T size;
    NTSTATUS status;
    int fd;

    if (!p) return;
    build_pe( &pe, 1, 2, 0, 0 );
    if ((fd = mkstemp( path )) >= 0 && write( fd, pe.data, pe.size ) == (ssize_t)pe.size)
    {
        unlink( path );
        ok( !ntdll_mm_file_handle_from_fd( fd, GENERIC_READ | GENERIC_EXECUTE, &file ), "file handle\n" );
        status = NtCreateSection( &image, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, SEC_IMAGE, file );
        ok( status == STATUS_SUCCESS, "image section: %s\n", sstatus( status ) );
    }
    else ok( 0, "cannot write %s\n", path );
    if (fd >= 0) close( fd );
    free_pe( &pe );
    if (image)
    {
        addr = p;
        size = 0x10000;
        status = NtMapViewOfSectionEx( image, NtCurrentProcess(), &addr, NULL, &size, MEM_REPLACE_PLACEHOLDER,
                                       PAGE_READONLY, NULL, 0 );
        ok( status == STATUS_INVALID_PARAMETER, "image view: got %s\n", sstatus( status ) );
        check_placeholder( p, 0x10000 );
        NtClose( image );
    }
    if (file) NtClose( file );

    had_privilege = ntdll_mm_set_lock_memory_privilege( TRUE );
    /* the section takes its page from the hugetlb pool: add one for it (as root) */
    if ((pool = fopen( "/proc/sys/vm/nr_hugepages", "r+e" )) && fscanf( pool, "%ld", &old_pool ) == 1)
    {
        rewind( pool );
        fprintf( pool, "%ld\n", old_pool + 1 );
        fflush( pool );
    }
    else old_pool = -1;
    status = NtCreateSection( &large, SECTION_ALL_ACCESS, NULL, &lsize, PAGE_READWRITE, SEC_COMMIT | SEC_LARGE_PAGES,
                              NULL );
    if (status) skip( "no SEC_LARGE_PAGES section here: %s\n", sstatus( status ) );
    else
    {
        addr = p;
        size = 0x10000;
        status = NtMapViewOfSectionEx( large, NtCurrentProcess(), &addr, NULL, &size, MEM_REPLACE_PLACEHOLDER,
                                       PAGE_READWRITE, NULL, 0 );
        ok( status == STATUS_INVALID_PARAMETER, "large-page view: got %s\n", sstatus( status ) );
        check_placeholder( p, 0x10000 );
        NtClose( large );
    }
    ntdll_mm_set_lock_memory_privilege( had_privilege );
    if (pool)
    {
        if (old_pool >= 0)
        {
            rewind( pool );
            fprintf( pool, "%ld\n", old_pool );
        }
        fclose( pool );
    }
    check_invariants();
    release( p );
}

/* MemoryRegionInformationEx of a placeholder: Private and PlaceholderReservation (bit 8 of
 * RegionType in System Informer's phnt layout), the whole piece as the region; what replaced a
 * placeholder, private memory or a view, is no placeholder; the plain MemoryRegionInformation
 * class reports no RegionType bits at all (Wine's test_query_region_information, which passes
 * on Windows, for private memory and views). */
TEST(placeholder_region_information)
{
    HANDLE section = section_or_fail( SECTION_ALL_ACCESS, 2 * GRAN, PAGE_READWRITE, SEC_COMMIT, NULL );
    char *p = new_placeholder( 2 * GRAN );
    static const struct { SIZE_T off, size; int what; } cases[] =
    {
        { 0, 0x3000, 0 },            /* placeholder piece */
        { 0x3000, 0x1d000, 0 },
        { 0, 0x3000, 1 },            /* replaced by private memory */
        { 0x3000, 0x1d000, 2 },      /* replaced by a view */
    };
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!p || !section) goto done;
    status = free_range( p, 0x3000, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER, NULL, NULL );
    ok( status == STATUS_SUCCESS, "split: %s\n", sstatus( status ) );
    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
    {
        static const ULONG expect[] =
        {
            NTDLL_MM_REGION_PRIVATE | NTDLL_MM_REGION_PLACEHOLDER_RESERVATION,
            NTDLL_MM_REGION_PRIVATE,
            NTDLL_MM_REGION_MAPPED_PAGE_FILE,
        };
        char *q = p + cases[i].off;
        MEMORY_REGION_INFORMATION info;
        SIZE_T len;

        addr = q;
        size = cases[i].size;
        if (cases[i].what == 1)
            status = NtAllocateVirtualMemoryEx( NtCurrentProcess(), &addr, &size,
                                                MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE,
                                                NULL, 0 );
        else if (cases[i].what == 2)
            status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, NULL, &size, MEM_REPLACE_PLACEHOLDER,
                                           PAGE_READWRITE, NULL, 0 );
        else status = STATUS_SUCCESS;
        ok( status == STATUS_SUCCESS, "%u: replace: %s\n", i, sstatus( status ) );

        memset( &info, 0x11, sizeof(info) );
        len = 0;
        status = NtQueryVirtualMemory( NtCurrentProcess(), q + 0x1000, MemoryRegionInformationEx, &info, sizeof(info),
                                       &len );
        ok( status == STATUS_SUCCESS && len == sizeof(info), "%u: Ex query: %s len %#lx\n", i, sstatus( status ),
            (unsigned long)len );
        ok( info.RegionType == expect[cases[i].what], "%u: RegionType %#x, expected %#x\n", i,
            (unsigned int)info.RegionType, (unsigned int)expect[cases[i].what] );
        ok( info.AllocationBase == q && info.RegionSize == cases[i].size, "%u: region %p %#lx, expected %p %#lx\n", i,
            info.AllocationBase, (unsigned long)info.RegionSize, q, (unsigned long)cases[i].size );
        ok( info.CommitSize == (cases[i].what ? cases[i].size : 0), "%u: CommitSize %#lx\n", i,
            (unsigned long)info.CommitSize );
        ok( info.AllocationProtect == (cases[i].what ? PAGE_READWRITE : PAGE_NOACCESS), "%u: AllocationProtect %#x\n",
            i, (unsigned int)info.AllocationProtect );
        memset( &info, 0x11, sizeof(info) );
        status = NtQueryVirtualMemory( NtCurrentProcess(), q, MemoryRegionInformation, &info, sizeof(info), NULL );
        ok( status == STATUS_SUCCESS && !info.RegionType && info.AllocationBase == q && info.RegionSize == cases[i].size,
            "%u: plain query: %s RegionType %#x %p %#lx\n", i, sstatus( status ), (unsigned int)info.RegionType,
            info.AllocationBase, (unsigned long)info.RegionSize );
    }
    check_invariants();
    status = NtUnmapViewOfSection( NtCurrentProcess(), p + 0x3000 );
    ok( status == STATUS_SUCCESS, "unmap: %s\n", sstatus( status ) );
    release( p );
done:
    if (section) close_handle( section );
}

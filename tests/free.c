/*
 * NtFreeVirtualMemory: MEM_DECOMMIT and MEM_RELEASE, returned base and size, and the failures.
 *
 * Expectations (all pass on Windows):
 *   Wine 8.0 dlls/ntdll/tests/virtual.c test_NtAllocateVirtualMemory (free part),
 *       test_NtFreeVirtualMemory                                              ("ntdll test")
 *   Wine 8.0 dlls/kernel32/tests/virtual.c test_VirtualAlloc                  ("kernel32 test")
 *   ReactOS modules/rostests/apitests/ntdll/NtFreeVirtualMemory.c and
 *       NtAllocateVirtualMemory.c (CheckAlignment, CheckAdjacentVADs)         ("ReactOS apitest")
 *   ZwFreeVirtualMemory / VirtualFree docs.
 *
 * Note on MEM_RELEASE with a nonzero size: VirtualFree rejects it in kernelbase (the kernel32
 * test sees ERROR_INVALID_PARAMETER for VirtualFree( p, 1, MEM_RELEASE )), and the
 * ZwFreeVirtualMemory doc says the size "must be zero", but the NT call itself releases the
 * page-rounded range when it lies inside one allocation (ReactOS apitests, run on Windows:
 * releasing one page of two, then the other, succeeds; a range past the allocation fails with
 * STATUS_UNABLE_TO_FREE_VM).  The tests below follow the NT call's native behaviour.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "util.h"

TEST(NtFreeVirtualMemory_release_returns_allocation_base_and_size)
{
    char *base = alloc_or_fail( 0x5000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    memset( base, 1, 0x5000 );
    addr = base + 0xfff;   /* inside the first page: rounds down to the base */
    size = 0;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base, "base %p, expected %p\n", addr, base );
    ok( size == 0x5000, "size %#lx, expected 0x5000\n", (unsigned long)size );
    check_free( base, GRAN );
    ok( kernel_range_unmapped( base, GRAN ), "released range still mapped\n" );
}

/* ntdll test: size 0 away from the base is STATUS_FREE_VM_NOT_AT_BASE for both operations, and
 * the outputs are left alone. */
TEST(NtFreeVirtualMemory_release_not_at_base_fails)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE );
    static const ULONG types[] = { MEM_RELEASE, MEM_DECOMMIT };
    unsigned int i;

    if (!base) return;
    base[0x1001] = 0x5a;
    for (i = 0; i < ARRAY_SIZE(types); i++)
    {
        void *addr = base + 0x1001;
        SIZE_T size = 0;
        NTSTATUS status = nt_free( &addr, &size, types[i] );

        ok( status == STATUS_FREE_VM_NOT_AT_BASE, "type %#x: got %s, expected STATUS_FREE_VM_NOT_AT_BASE\n",
            (unsigned int)types[i], status_name( status ) );
        ok( size == 0, "type %#x: size changed to %#lx\n", (unsigned int)types[i], (unsigned long)size );
        ok( addr == base + 0x1001, "type %#x: base changed to %p\n", (unsigned int)types[i], addr );
    }
    ok( base[0x1001] == 0x5a, "contents changed\n" );
    check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_EXECUTE_READWRITE, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    release( base );
}

/* ntdll test: decommit rounds the base down and the end up to pages and returns both. */
TEST(NtFreeVirtualMemory_decommit_rounds_to_pages)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    addr = base + 0x1fff;
    size = 2;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( size == 0x2000, "size %#lx, expected 0x2000\n", (unsigned long)size );
    ok( addr == base + 0x1000, "base %p, expected %p\n", addr, base + 0x1000 );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READWRITE, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    check_mbi( base + 0x1000, base + 0x1000, 0x2000, MEM_RESERVE, 0, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    check_mbi( base + 0x3000, base + 0x3000, 0xd000, MEM_COMMIT, PAGE_EXECUTE_READWRITE, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base + 0x1000, "---" );
    check_kernel_perms( base + 0x2000, "---" );
    check_kernel_perms( base + 0x3000, "rwx" );
    release( base );
}

/* ntdll test: decommit with size 0 inside the first page decommits the whole allocation; the
 * returned size is 0 on current Windows (0x10000 on Windows 10 1709 and older, broken()), the
 * base is rounded down. */
TEST(NtFreeVirtualMemory_decommit_size_zero_at_base_decommits_all)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    memset( base, 0x11, 0x10000 );
    addr = base + 0xffe;
    size = 0;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( size == 0, "size %#lx, expected 0\n", (unsigned long)size );
    ok( addr == base, "base %p, expected %p\n", addr, base );
    check_mbi( base, base, 0x10000, MEM_RESERVE, 0, base, PAGE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base, "---" );
    ok( page_present( base ) == 0, "decommitted page still present\n" );
    ok( page_present( base + 0xf000 ) == 0, "decommitted page still present\n" );
    release( base );
}

/* VirtualFree doc + ReactOS apitest: decommitting pages that were never committed is fine. */
TEST(NtFreeVirtualMemory_decommit_reserved_pages_succeeds)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_NOACCESS );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    addr = base + 0x2000; size = 0x1000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    addr = base; size = 0x3000;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base && size == 0x3000, "got %p %#lx\n", addr, (unsigned long)size );
    check_mbi( base, base, 0x10000, MEM_RESERVE, 0, base, PAGE_NOACCESS, MEM_PRIVATE );
    addr = base + 0x8000; size = 0x8000;   /* all reserved */
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    release( base );
}

/* kernel32 test_VirtualAlloc: free type 0 and MEM_FREE are invalid; ReactOS returns
 * STATUS_INVALID_PARAMETER_4 for any type other than exactly MEM_RELEASE or MEM_DECOMMIT
 * (Wine STATUS_INVALID_PARAMETER; kernel32 only sees ERROR_INVALID_PARAMETER): both accepted.
 * MEM_RELEASE | MEM_DECOMMIT is invalid (VirtualFree doc: only one of them). */
TEST(NtFreeVirtualMemory_invalid_type_fails)
{
    static const ULONG types[] =
    {
        0, MEM_FREE, MEM_RELEASE | MEM_DECOMMIT, MEM_COMMIT, MEM_RESERVE, MEM_DECOMMIT | MEM_RESERVE,
        MEM_RELEASE | MEM_COMMIT, 0x80000000, MEM_DECOMMIT | 0x100,
    };
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    unsigned int i;

    if (!base) return;
    base[0] = 7;
    for (i = 0; i < ARRAY_SIZE(types); i++)
    {
        void *addr = base;
        SIZE_T size = (types[i] & MEM_RELEASE) ? 0 : 0x10000;
        NTSTATUS status = nt_free( &addr, &size, types[i] );

        ok( status == STATUS_INVALID_PARAMETER_4 || status == STATUS_INVALID_PARAMETER,
            "type %#x: got %s, expected STATUS_INVALID_PARAMETER_4\n", (unsigned int)types[i], status_name( status ) );
        ok( addr == base, "type %#x: base changed to %p\n", (unsigned int)types[i], addr );
    }
    ok( base[0] == 7, "contents changed\n" );
    check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    release( base );
}

/* ReactOS apitest: releasing or decommitting a range that runs past the end of the allocation
 * fails with STATUS_UNABLE_TO_FREE_VM, also from an unaligned base. */
TEST(NtFreeVirtualMemory_range_past_allocation_end_fails)
{
    char *base = alloc_or_fail( 0x1000, MEM_RESERVE, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    addr = base; size = 0x1001;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "decommit: got %s, expected STATUS_UNABLE_TO_FREE_VM\n", status_name( status ) );
    addr = base; size = 0x1001;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "release: got %s, expected STATUS_UNABLE_TO_FREE_VM\n", status_name( status ) );
    addr = base + 1; size = 0x1000;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "decommit at +1: got %s, expected STATUS_UNABLE_TO_FREE_VM\n", status_name( status ) );
    addr = base + 1; size = 0x1000;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "release at +1: got %s, expected STATUS_UNABLE_TO_FREE_VM\n", status_name( status ) );
    check_mbi( base, base, 0x1000, MEM_RESERVE, 0, base, PAGE_READWRITE, MEM_PRIVATE );

    /* in bounds from the unaligned base: decommit succeeds with the rounded range */
    addr = base + 1; size = 0xfff;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_SUCCESS, "decommit in bounds: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base && size == 0x1000, "got %p %#lx, expected %p 0x1000\n", addr, (unsigned long)size, base );
    release( base );
}

/* ReactOS apitest CheckAdjacentVADs: a range spanning two allocations cannot be freed. */
TEST(NtFreeVirtualMemory_range_across_allocations_fails)
{
    char *hole = find_free_range( 0x20000 ), *a, *b;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }
    a = hole; b = hole + 0x10000;
    addr = a; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ), "alloc a failed\n" );
    addr = b; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ), "alloc b failed\n" );
    a[0xf000] = 1;
    b[0] = 2;

    addr = a; size = 0x20000;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "release: got %s, expected STATUS_UNABLE_TO_FREE_VM\n", status_name( status ) );
    addr = a + 0xf000; size = 0x2000;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "decommit: got %s, expected STATUS_UNABLE_TO_FREE_VM\n", status_name( status ) );
    ok( a[0xf000] == 1 && b[0] == 2, "contents changed\n" );
    check_mbi( a, a, 0x10000, MEM_COMMIT, PAGE_READWRITE, a, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( b, b, 0x10000, MEM_COMMIT, PAGE_READWRITE, b, PAGE_READWRITE, MEM_PRIVATE );
    release( a );
    release( b );
}

/* ReactOS apitest: freeing memory that is not allocated (another granule, or the unused tail of
 * an allocation's granule, or a released allocation) is STATUS_MEMORY_NOT_ALLOCATED. */
TEST(NtFreeVirtualMemory_free_memory_not_allocated_fails)
{
    char *hole = find_free_range( 0x20000 );
    static const ULONG types[] = { MEM_RELEASE, MEM_DECOMMIT };
    void *addr;
    SIZE_T size;
    NTSTATUS status;
    unsigned int i;

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }
    addr = hole; size = 0x3000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE, PAGE_NOACCESS ), "reserve failed\n" );

    for (i = 0; i < ARRAY_SIZE(types); i++)
    {
        addr = hole + 0x10000; size = 0x1000;
        status = nt_free( &addr, &size, types[i] );
        ok( status == STATUS_MEMORY_NOT_ALLOCATED, "type %#x, other granule: got %s, expected STATUS_MEMORY_NOT_ALLOCATED\n",
            (unsigned int)types[i], status_name( status ) );
        addr = hole + 0x8000; size = 0x1000;
        status = nt_free( &addr, &size, types[i] );
        ok( status == STATUS_MEMORY_NOT_ALLOCATED, "type %#x, granule tail: got %s, expected STATUS_MEMORY_NOT_ALLOCATED\n",
            (unsigned int)types[i], status_name( status ) );
    }
    check_mbi( hole, hole, 0x3000, MEM_RESERVE, 0, hole, PAGE_NOACCESS, MEM_PRIVATE );
    release( hole );

    addr = hole; size = 0;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_MEMORY_NOT_ALLOCATED, "double release: got %s, expected STATUS_MEMORY_NOT_ALLOCATED\n",
        status_name( status ) );
    ok( kernel_range_unmapped( hole, 0x20000 ), "free range got mapped\n" );
}

/* ReactOS apitest CheckAlignment: MEM_RELEASE at the base with the allocation's exact size
 * releases it, and returns base and size. */
TEST(NtFreeVirtualMemory_release_with_whole_size_succeeds)
{
    char *base = alloc_or_fail( 0x3000, MEM_RESERVE, PAGE_NOACCESS );
    void *addr = base;
    SIZE_T size = 0x3000;
    NTSTATUS status;

    if (!base) return;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base && size == 0x3000, "got %p %#lx, expected %p 0x3000\n", addr, (unsigned long)size, base );
    check_free( base, GRAN );
    if (status) release( base );
}

/* MEM_RELEASE with a nonzero size releases the page-rounded range, anywhere in one allocation,
 * and what is left on either side becomes an allocation of its own with its own base (Wine's
 * ntdll test_NtFreeVirtualMemory, Wine 10.0's, which passes on Windows; ReactOS apitest
 * Test_NtFreeVirtualMemory: base + 1 with a size covering both pages releases both).  A range
 * past the allocation is STATUS_UNABLE_TO_FREE_VM and changes nothing; size 0 away from the
 * base is STATUS_FREE_VM_NOT_AT_BASE.  (Refusing a size is kernelbase's VirtualFree's business:
 * "if the type is MEM_RELEASE, size must be 0", kernel32's test_VirtualAlloc.) */
TEST(NtFreeVirtualMemory_release_with_size_splits_the_allocation)
{
    char *base, *p;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    if (!base) return;
    addr = base + 0x1000; size = 0;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_FREE_VM_NOT_AT_BASE, "size 0 inside: got %s\n", status_name( status ) );
    addr = base; size = 0x11000;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "past the end: got %s\n", status_name( status ) );
    addr = base + 0x1001; size = 0xffff;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "past the end from inside: got %s\n", status_name( status ) );
    ok( addr == base + 0x1001 && size == 0xffff, "outputs changed: %p %#lx\n", addr, (unsigned long)size );
    check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );

    /* the second page alone */
    base[0] = 1;
    base[0x2000] = 2;
    addr = base + 0x1001; size = 0xfff;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_SUCCESS, "second page: got %s\n", status_name( status ) );
    ok( addr == base + 0x1000 && size == 0x1000, "got %p %#lx, expected %p 0x1000\n", addr, (unsigned long)size,
        base + 0x1000 );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_free( base + 0x1000, 0x1000 );
    check_mbi( base + 0x2000, base + 0x2000, 0xe000, MEM_COMMIT, PAGE_READWRITE, base + 0x2000, PAGE_READWRITE,
               MEM_PRIVATE );
    check_kernel_perms( base + 0x1000, NULL );
    ok( base[0] == 1 && base[0x2000] == 2, "contents lost: %d %d\n", base[0], base[0x2000] );

    /* the first page, from base + 1 */
    addr = base + 1; size = 0xfff;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_SUCCESS && addr == base && size == 0x1000, "first page: got %s %p %#lx\n",
        status_name( status ), addr, (unsigned long)size );
    check_free( base, 0x2000 );
    /* the freed pages can be allocated again, at the 64K boundary */
    p = base; size = 0x1000;
    status = nt_alloc( (void **)&p, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && p == base, "allocating the first page again: got %s %p\n", status_name( status ), p );
    /* a range over two allocations is no allocation's */
    addr = base; size = 0x10000;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_UNABLE_TO_FREE_VM, "decommit over two allocations: got %s\n", status_name( status ) );
    addr = base + 0x1000; size = 0;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_MEMORY_NOT_ALLOCATED, "released page: got %s\n", status_name( status ) );
    /* what was left after the second page is an allocation with its own base */
    addr = base + 0x2000; size = 0;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_SUCCESS && addr == base + 0x2000 && size == 0xe000, "the rest: got %s %p %#lx\n",
        status_name( status ), addr, (unsigned long)size );
    check_invariants();
    addr = base; size = 0x1000;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_SUCCESS, "the reallocated page: got %s\n", status_name( status ) );
    check_free( base, GRAN );

    /* base + 1 with a size covering both pages of a reservation releases both */
    base = alloc_or_fail( 0x2000, MEM_RESERVE, PAGE_READWRITE );
    if (!base) return;
    addr = base + 1; size = 0x1000;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_SUCCESS, "from base + 1 over both pages: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base && size == 0x2000, "got %p %#lx, expected %p 0x2000\n", addr, (unsigned long)size, base );
    if (status) release( base );
    else check_free( base, GRAN );
}

/* The parts of a write-watched allocation left by a release keep what was written and stay
 * watched. */
TEST(NtFreeVirtualMemory_release_with_size_keeps_write_watch_of_the_rest)
{
    char *base = alloc_or_fail( 0x4000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    void *addr, *pages[4];
    ULONG_PTR count = 4;
    ULONG gran;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    base[0x2000] = 1;
    addr = base + 0x1000; size = 0x1000;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_SUCCESS, "release: got %s\n", status_name( status ) );
    base[0x3000] = 1;
    status = NtGetWriteWatch( NtCurrentProcess(), 0, base + 0x2000, 0x2000, pages, &count, &gran );
    ok( status == STATUS_SUCCESS && count == 2 && pages[0] == base + 0x2000 && pages[1] == base + 0x3000,
        "the rest: got %s, %lu pages\n", status_name( status ), (unsigned long)count );
    check_invariants();
    addr = base; size = 0;
    nt_free( &addr, &size, MEM_RELEASE );
    addr = base + 0x2000; size = 0;
    nt_free( &addr, &size, MEM_RELEASE );
}

/* Decommitting one page in the middle splits the committed run; the pages around keep their
 * contents and the kernel's map follows. */
TEST(NtFreeVirtualMemory_decommit_middle_page)
{
    char *base = alloc_or_fail( 0x3000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    memset( base, 0xab, 0x3000 );
    addr = base + 0x1000; size = 0x1000;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( base + 0x1000, base + 0x1000, 0x1000, MEM_RESERVE, 0, base, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( base + 0x2000, base + 0x2000, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    ok( (unsigned char)base[0xfff] == 0xab && (unsigned char)base[0x2000] == 0xab, "neighbour contents lost\n" );
    check_kernel_perms( base, "rw-" );
    check_kernel_perms( base + 0x1000, "---" );
    check_kernel_perms( base + 0x2000, "rw-" );
    ok( page_present( base + 0x1000 ) == 0, "decommitted page still present in pagemap\n" );
    release( base );
}

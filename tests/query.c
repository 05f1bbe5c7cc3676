/*
 * NtQueryVirtualMemory, MemoryBasicInformation: exact fields for free, reserved and committed
 * memory, region runs, the user address space limits, lengths and information classes.
 *
 * Expectations (all pass on Windows):
 *   Wine 8.0 dlls/ntdll/tests/info.c test_queryvirtualmemory                  ("info test")
 *   Wine 8.0 dlls/kernel32/tests/virtual.c test_VirtualAlloc                  ("kernel32 test")
 *   ReactOS apitest NtAllocateVirtualMemory.c CheckAdjacentVADs (query of a committed page in
 *       the middle of a reservation)
 *   MEMORY_BASIC_INFORMATION doc: RegionSize is the size of the region beginning at BaseAddress
 *   in which all pages have identical attributes; Protect is 0 when State is MEM_RESERVE, and
 *   AllocationBase/AllocationProtect/Type are undefined for MEM_FREE (Windows gives 0 for all
 *   three, PAGE_NOACCESS for Protect, as Wine reproduces).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "util.h"

/* Build, at a hole: [A: 64K private][free 64K][B: 64K private], so the free region's extent is
 * known exactly. */
TEST(NtQueryVirtualMemory_free_region_between_allocations)
{
    char *hole = find_free_range( 0x30000 );
    void *addr;
    SIZE_T size;

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }
    addr = hole; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE, PAGE_READWRITE ), "reserve A failed\n" );
    addr = hole + 0x20000; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE, PAGE_READONLY ), "reserve B failed\n" );

    check_mbi( hole + 0x10000, hole + 0x10000, 0x10000, MEM_FREE, PAGE_NOACCESS, NULL, 0, 0 );
    /* BaseAddress is the queried address rounded down to a page; RegionSize runs from there */
    check_mbi( hole + 0x1a123, hole + 0x1a000, 0x6000, MEM_FREE, PAGE_NOACCESS, NULL, 0, 0 );
    check_mbi( hole + 0x1ffff, hole + 0x1f000, 0x1000, MEM_FREE, PAGE_NOACCESS, NULL, 0, 0 );
    check_mbi( hole + 0xffff, hole + 0xf000, 0x1000, MEM_RESERVE, 0, hole, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( hole + 0x20000, hole + 0x20000, 0x10000, MEM_RESERVE, 0, hole + 0x20000, PAGE_READONLY, MEM_PRIVATE );
    release( hole );
    release( hole + 0x20000 );
    {
        MEMORY_BASIC_INFORMATION mbi;
        NTSTATUS status = query( hole + 0x10000, &mbi );

        ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
        ok( mbi.State == MEM_FREE && mbi.BaseAddress == hole + 0x10000 && mbi.RegionSize >= 0x20000,
            "after release: state %#x base %p size %#lx, expected MEM_FREE %p >= 0x20000\n", (unsigned int)mbi.State,
            mbi.BaseAddress, (unsigned long)mbi.RegionSize, hole + 0x10000 );
    }
}

/* Runs of pages with equal state and protection inside one allocation; a run never extends
 * past the allocation, even into an adjacent allocation with the same attributes. */
TEST(NtQueryVirtualMemory_region_is_run_of_equal_pages)
{
    char *hole = find_free_range( 0x20000 ), *a, *b;
    void *addr;
    SIZE_T size;
    ULONG old;

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }
    a = hole; b = hole + 0x10000;
    addr = a; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE, PAGE_READWRITE ), "reserve a failed\n" );
    addr = b; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ), "alloc b failed\n" );

    /* a: [0-2 RW][3 reserved][4-5 RO][6 RW][7-15 RW committed] */
    addr = a; size = 0x3000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    addr = a + 0x4000; size = 0xc000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    ok( !nt_protect( a + 0x4000, 0x2000, PAGE_READONLY, &old ), "protect failed\n" );

    check_mbi( a, a, 0x3000, MEM_COMMIT, PAGE_READWRITE, a, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( a + 0x1800, a + 0x1000, 0x2000, MEM_COMMIT, PAGE_READWRITE, a, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( a + 0x3000, a + 0x3000, 0x1000, MEM_RESERVE, 0, a, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( a + 0x4000, a + 0x4000, 0x2000, MEM_COMMIT, PAGE_READONLY, a, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( a + 0x6000, a + 0x6000, 0xa000, MEM_COMMIT, PAGE_READWRITE, a, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( a + 0xffff, a + 0xf000, 0x1000, MEM_COMMIT, PAGE_READWRITE, a, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( b, b, 0x10000, MEM_COMMIT, PAGE_READWRITE, b, PAGE_READWRITE, MEM_PRIVATE );

    /* a run of equal protection made of pages changed one by one is one region */
    ok( !nt_protect( a + 0x4000, 0x1000, PAGE_READWRITE, &old ), "protect failed\n" );
    ok( !nt_protect( a + 0x5000, 0x1000, PAGE_READWRITE, &old ), "protect failed\n" );
    check_mbi( a + 0x4000, a + 0x4000, 0xc000, MEM_COMMIT, PAGE_READWRITE, a, PAGE_READWRITE, MEM_PRIVATE );
    release( a );
    release( b );
}

/* AllocationProtect is the protection given at reservation, whatever happens to the pages. */
TEST(NtQueryVirtualMemory_allocation_protect_is_initial)
{
    char *base = alloc_or_fail( 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READ );
    ULONG old;

    if (!base) return;
    check_mbi( base, base, 0x2000, MEM_COMMIT, PAGE_EXECUTE_READ, base, PAGE_EXECUTE_READ, MEM_PRIVATE );
    ok( !nt_protect( base, 0x1000, PAGE_READWRITE, &old ), "protect failed\n" );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_EXECUTE_READ, MEM_PRIVATE );
    check_mbi( base + 0x1000, base + 0x1000, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READ, base, PAGE_EXECUTE_READ, MEM_PRIVATE );
    release( base );
}

/* info test: queries up to the highest user address succeed, beyond it fail with
 * STATUS_INVALID_PARAMETER; just below the lowest user address is a valid (free) query. */
TEST(NtQueryVirtualMemory_user_address_space_limits)
{
    char *highest = ntdll_mm_highest_address(), *lowest = ntdll_mm_lowest_address();
    MEMORY_BASIC_INFORMATION mbi;
    NTSTATUS status;

    ok( lowest == (char *)0x10000, "lowest user address %p, expected 0x10000\n", lowest );
    status = query( lowest, &mbi );
    ok( status == STATUS_SUCCESS, "lowest: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    status = query( lowest - 1, &mbi );
    ok( status == STATUS_SUCCESS, "lowest - 1: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
        ok( mbi.State == MEM_FREE && mbi.BaseAddress == (void *)((ULONG_PTR)(lowest - 1) & ~(ULONG_PTR)0xfff),
            "lowest - 1: state %#x base %p\n", (unsigned int)mbi.State, mbi.BaseAddress );
    status = query( NULL, &mbi );
    ok( status == STATUS_SUCCESS, "NULL: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
    {
        ok( mbi.BaseAddress == NULL && mbi.State == MEM_FREE && mbi.Protect == PAGE_NOACCESS && !mbi.AllocationBase
            && !mbi.Type, "NULL: base %p state %#x protect %#x\n", mbi.BaseAddress, (unsigned int)mbi.State,
            (unsigned int)mbi.Protect );
        ok( mbi.RegionSize >= 0x10000, "NULL: RegionSize %#lx, expected at least the low 64K\n", (unsigned long)mbi.RegionSize );
    }
    status = query( highest, &mbi );
    ok( status == STATUS_SUCCESS, "highest: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
        ok( (char *)mbi.BaseAddress + mbi.RegionSize == highest + 1, "highest: region %p + %#lx does not end at %p\n",
            mbi.BaseAddress, (unsigned long)mbi.RegionSize, highest + 1 );
    status = query( highest + 1, &mbi );
    ok( status == STATUS_INVALID_PARAMETER, "highest + 1: got %s, expected STATUS_INVALID_PARAMETER\n", status_name( status ) );
    status = query( (void *)~(ULONG_PTR)0, &mbi );
    ok( status == STATUS_INVALID_PARAMETER, "~0: got %s, expected STATUS_INVALID_PARAMETER\n", status_name( status ) );
    status = query( (void *)0xffff800000000000, &mbi );
    ok( status == STATUS_INVALID_PARAMETER, "kernel half: got %s, expected STATUS_INVALID_PARAMETER\n",
        status_name( status ) );
}

/* info test: a buffer shorter than MEMORY_BASIC_INFORMATION is STATUS_INFO_LENGTH_MISMATCH;
 * a longer one is fine and the returned length is the structure's; the length pointer may be
 * NULL. */
TEST(NtQueryVirtualMemory_basic_information_lengths)
{
    char *base = alloc_or_fail( 0x1000, MEM_COMMIT, PAGE_READWRITE );
    struct { MEMORY_BASIC_INFORMATION mbi; char extra[16]; } big;
    MEMORY_BASIC_INFORMATION mbi;
    SIZE_T len;
    NTSTATUS status;

    if (!base) return;
    len = 0xdeadbeef;
    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryBasicInformation, &mbi, sizeof(mbi) - 1, &len );
    ok( status == STATUS_INFO_LENGTH_MISMATCH, "short: got %s, expected STATUS_INFO_LENGTH_MISMATCH\n",
        status_name( status ) );
    /* the contract of issue 2: a mismatch reports the length the class needs */
    ok( len == sizeof(MEMORY_BASIC_INFORMATION), "short: needed length %#lx, expected %#lx\n", (unsigned long)len,
        (unsigned long)sizeof(MEMORY_BASIC_INFORMATION) );
    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryBasicInformation, &mbi, 0, &len );
    ok( status == STATUS_INFO_LENGTH_MISMATCH, "zero: got %s, expected STATUS_INFO_LENGTH_MISMATCH\n",
        status_name( status ) );

    len = 0xdeadbeef;
    memset( &big, 0xcc, sizeof(big) );
    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryBasicInformation, &big, sizeof(big), &len );
    ok( status == STATUS_SUCCESS, "long: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( len == sizeof(MEMORY_BASIC_INFORMATION), "long: length %#lx, expected %#lx\n", (unsigned long)len,
        (unsigned long)sizeof(MEMORY_BASIC_INFORMATION) );
    ok( big.mbi.BaseAddress == base && big.mbi.State == MEM_COMMIT, "long: base %p state %#x\n", big.mbi.BaseAddress,
        (unsigned int)big.mbi.State );
    ok( (unsigned char)big.extra[0] == 0xcc, "bytes past the structure were written\n" );

    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryBasicInformation, &mbi, sizeof(mbi), NULL );
    ok( status == STATUS_SUCCESS, "NULL length pointer: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    release( base );
}

/* An unknown class is STATUS_INVALID_INFO_CLASS (Wine's default case; the documented
 * behaviour of every NtQuery* call). */
TEST(NtQueryVirtualMemory_unknown_class_fails)
{
    char buffer[256] = { 0 };
    SIZE_T len = 0;
    NTSTATUS status;

    status = NtQueryVirtualMemory( NtCurrentProcess(), buffer, (MEMORY_INFORMATION_CLASS)0x7fff, buffer, sizeof(buffer), &len );
    ok( status == STATUS_INVALID_INFO_CLASS, "got %s, expected STATUS_INVALID_INFO_CLASS\n", status_name( status ) );
}

/* The whole address space can be walked region by region from 0 to the highest address:
 * regions are contiguous, page-aligned, non-empty, and consistent. */
TEST(NtQueryVirtualMemory_walk_covers_address_space)
{
    char *highest = ntdll_mm_highest_address(), *addr = NULL;
    unsigned int count = 0, bad = 0;
    MEMORY_BASIC_INFORMATION mbi;
    NTSTATUS status;

    while (addr <= highest && count < 100000)
    {
        status = query( addr, &mbi );
        if (status)
        {
            ok( 0, "query %p: got %s\n", addr, status_name( status ) );
            return;
        }
        if (mbi.BaseAddress != addr || !mbi.RegionSize || (mbi.RegionSize & 0xfff) ||
            (mbi.State != MEM_FREE && mbi.State != MEM_RESERVE && mbi.State != MEM_COMMIT) ||
            (mbi.State == MEM_RESERVE && mbi.Protect) ||
            (mbi.State == MEM_FREE && (mbi.AllocationBase || mbi.Type || mbi.Protect != PAGE_NOACCESS)) ||
            (mbi.State != MEM_FREE && (!mbi.AllocationBase || (char *)mbi.AllocationBase > addr)))
        {
            if (bad++ < 5)
                ok( 0, "region %p: base %p size %#lx state %#x protect %#x alloc %p type %#x\n", addr, mbi.BaseAddress,
                    (unsigned long)mbi.RegionSize, (unsigned int)mbi.State, (unsigned int)mbi.Protect, mbi.AllocationBase,
                    (unsigned int)mbi.Type );
        }
        if (!mbi.RegionSize) return;
        addr = (char *)addr + mbi.RegionSize;
        count++;
    }
    ok( addr == highest + 1, "walk ended at %p, expected %p\n", addr, highest + 1 );
    ok( !bad, "%u inconsistent regions\n", bad );
    trace( "%u regions\n", count );
}

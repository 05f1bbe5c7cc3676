/*
 * NtAllocateVirtualMemory: reserve, commit, both, MEM_RESET, MEM_WRITE_WATCH, protections and
 * their modifiers, and every invalid combination with the status native Windows returns.
 *
 * Sources of the expectations (all pass on Windows):
 *   Wine 8.0 dlls/ntdll/tests/virtual.c  test_NtAllocateVirtualMemory          ("ntdll test")
 *   Wine 8.0 dlls/kernel32/tests/virtual.c test_VirtualAlloc, test_VirtualProtect,
 *            test_VirtualAlloc_protection, test_write_watch, test_guard_page  ("kernel32 test")
 *   ReactOS modules/rostests/apitests/ntdll/NtAllocateVirtualMemory.c        ("ReactOS apitest",
 *            written to pass on Windows Server 2003)
 *   Microsoft docs: VirtualAlloc, Memory Protection Constants, ZwAllocateVirtualMemory.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "util.h"

/* kernel32 test_VirtualAlloc: a reservation is 64K-aligned, reported MEM_RESERVE with Protect 0
 * and AllocationProtect as given, and is inaccessible in the kernel's map. */
TEST(NtAllocateVirtualMemory_reserve_is_reported_reserved)
{
    void *base = NULL;
    SIZE_T size = 0xfffc;
    NTSTATUS status;

    status = nt_alloc( &base, &size, MEM_RESERVE, PAGE_NOACCESS );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (status) return;
    ok( !((ULONG_PTR)base & (GRAN - 1)), "base %p is not 64K-aligned\n", base );
    ok( size == 0x10000, "size %#lx, expected 0x10000\n", (unsigned long)size );
    check_mbi( base, base, 0x10000, MEM_RESERVE, 0, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_mbi( (char *)base + 0x5123, (char *)base + 0x5000, 0xb000, MEM_RESERVE, 0, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms( base, "---" );
    check_kernel_perms( (char *)base + 0xf000, "---" );
    release( base );
}

/* kernel32 test_VirtualAlloc + ReactOS apitest: committing inside a reservation, committing
 * the same page again with another protection changes the protection. */
TEST(NtAllocateVirtualMemory_commit_inside_reservation)
{
    void *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_NOACCESS ), *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    addr = base;
    size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_NOACCESS );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base, "base %p, expected %p\n", addr, base );
    ok( size == 0x1000, "size %#lx, expected 0x1000\n", (unsigned long)size );
    /* "this time NT reports PAGE_NOACCESS as well" */
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_NOACCESS, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_mbi( (char *)base + 0x1000, (char *)base + 0x1000, 0xf000, MEM_RESERVE, 0, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms( base, "---" );

    addr = base;
    size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "recommit: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms( base, "rw-" );
    ok( *(volatile int *)base == 0, "fresh page reads %#x, expected 0\n", *(volatile int *)base );
    *(volatile int *)base = 0x1234;
    release( base );
}

TEST(NtAllocateVirtualMemory_reserve_and_commit_at_once)
{
    char *base = alloc_or_fail( 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    int i, nonzero = 0;

    if (!base) return;
    ok( !((ULONG_PTR)base & (GRAN - 1)), "base %p is not 64K-aligned\n", base );
    check_mbi( base, base, 0x2000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    /* the rest of the 64K granule is not part of the allocation */
    check_free( base + 0x2000, GRAN - 0x2000 );
    for (i = 0; i < 0x2000; i++) nonzero += base[i] != 0;
    ok( !nonzero, "%d nonzero bytes in fresh memory\n", nonzero );
    memset( base, 0x55, 0x2000 );
    check_kernel_perms( base, "rw-" );
    check_kernel_perms( base + 0x1000, "rw-" );
    release( base );
}

/* VirtualAlloc doc: MEM_COMMIT with a NULL address reserves and commits (kernel32 tests call
 * VirtualAlloc( NULL, size, MEM_COMMIT, ... ) everywhere and get a fresh allocation). */
TEST(NtAllocateVirtualMemory_commit_with_null_base_reserves_too)
{
    char *base = alloc_or_fail( 0x3000, MEM_COMMIT, PAGE_READONLY );

    if (!base) return;
    check_mbi( base, base, 0x3000, MEM_COMMIT, PAGE_READONLY, base, PAGE_READONLY, MEM_PRIVATE );
    check_kernel_perms( base, "r--" );
    release( base );
}

/* kernel32 test_VirtualAlloc_protection: every single base protection is accepted for private
 * memory, reported back exactly, and committing again with it succeeds.  The modifiers follow
 * the Memory Protection Constants doc; PAGE_GUARD from test_guard_page, PAGE_NOCACHE from
 * test_VirtualAlloc. */
TEST(NtAllocateVirtualMemory_valid_protections)
{
    static const ULONG prots[] =
    {
        PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE,
        PAGE_READONLY | PAGE_GUARD, PAGE_READWRITE | PAGE_GUARD, PAGE_EXECUTE_READ | PAGE_GUARD,
        PAGE_EXECUTE_READWRITE | PAGE_GUARD, PAGE_EXECUTE | PAGE_GUARD,
        PAGE_READONLY | PAGE_NOCACHE, PAGE_READWRITE | PAGE_NOCACHE, PAGE_EXECUTE_READWRITE | PAGE_NOCACHE,
        PAGE_READONLY | PAGE_WRITECOMBINE, PAGE_READWRITE | PAGE_WRITECOMBINE,
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(prots); i++)
    {
        void *base = NULL, *addr;
        SIZE_T size = PAGE;
        NTSTATUS status = nt_alloc( &base, &size, MEM_COMMIT, prots[i] );

        ok( status == STATUS_SUCCESS, "prot %#x: got %s, expected STATUS_SUCCESS\n", (unsigned int)prots[i],
            status_name( status ) );
        if (status) continue;
        check_mbi( base, base, PAGE, MEM_COMMIT, prots[i], base, prots[i], MEM_PRIVATE );
        check_kernel_prot( base, prots[i] );
        if ((prots[i] & 0xff) == PAGE_READWRITE || (prots[i] & 0xff) == PAGE_EXECUTE_READWRITE)
        {
            if (!(prots[i] & PAGE_GUARD))
            {
                *(volatile char *)base = 0xfe;   /* writing does not change the reported protection */
                check_mbi( base, base, PAGE, MEM_COMMIT, prots[i], base, prots[i], MEM_PRIVATE );
            }
        }
        addr = base;
        size = PAGE;
        status = nt_alloc( &addr, &size, MEM_COMMIT, prots[i] );
        ok( status == STATUS_SUCCESS && addr == base, "prot %#x: recommit got %s, %p\n", (unsigned int)prots[i],
            status_name( status ), addr );
        release( base );
    }
}

/* kernel32 test_VirtualAlloc_protection / test_VirtualProtect tables: zero, two base protections,
 * and the copy-on-write protections on private memory are rejected.  The Memory Protection
 * Constants doc: PAGE_GUARD, PAGE_NOCACHE and PAGE_WRITECOMBINE cannot be combined with
 * PAGE_NOACCESS nor with each other.  The status is STATUS_INVALID_PAGE_PROTECTION (what
 * MiMakeProtectionMask failures give; kernel32 sees ERROR_INVALID_PARAMETER). */
static const ULONG invalid_prots[] =
{
    0,
    PAGE_READONLY | PAGE_NOACCESS, PAGE_READWRITE | PAGE_NOACCESS, PAGE_READWRITE | PAGE_READONLY,
    PAGE_READWRITE | PAGE_READONLY | PAGE_NOACCESS,
    PAGE_WRITECOPY, PAGE_WRITECOPY | PAGE_NOACCESS, PAGE_WRITECOPY | PAGE_READONLY, PAGE_WRITECOPY | PAGE_READWRITE,
    PAGE_EXECUTE_READ | PAGE_EXECUTE, PAGE_EXECUTE_READWRITE | PAGE_EXECUTE, PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_READ,
    PAGE_EXECUTE_WRITECOPY, PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE, PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READWRITE,
    PAGE_READONLY | PAGE_EXECUTE, PAGE_READWRITE | PAGE_EXECUTE_READ, PAGE_NOACCESS | PAGE_EXECUTE,
    PAGE_READWRITE | PAGE_EXECUTE_WRITECOPY,
    PAGE_NOACCESS | PAGE_GUARD, PAGE_NOACCESS | PAGE_NOCACHE, PAGE_NOACCESS | PAGE_WRITECOMBINE,
    PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE, PAGE_READWRITE | PAGE_GUARD | PAGE_WRITECOMBINE,
    PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE,
    PAGE_GUARD, PAGE_NOCACHE, PAGE_WRITECOMBINE,
};

TEST(NtAllocateVirtualMemory_invalid_protection_fails_with_new_allocation)
{
    static const ULONG types[] = { MEM_RESERVE, MEM_COMMIT, MEM_RESERVE | MEM_COMMIT };
    unsigned int i, j;

    for (j = 0; j < ARRAY_SIZE(types); j++)
        for (i = 0; i < ARRAY_SIZE(invalid_prots); i++)
        {
            void *base = NULL;
            SIZE_T size = 0x1000;
            NTSTATUS status = nt_alloc( &base, &size, types[j], invalid_prots[i] );

            ok( status == STATUS_INVALID_PAGE_PROTECTION, "type %#x prot %#x: got %s, expected STATUS_INVALID_PAGE_PROTECTION\n",
                (unsigned int)types[j], (unsigned int)invalid_prots[i], status_name( status ) );
            ok( base == NULL && size == 0x1000, "type %#x prot %#x: outputs changed to %p %#lx\n",
                (unsigned int)types[j], (unsigned int)invalid_prots[i], base, (unsigned long)size );
            if (!status) release( base );
        }
}

TEST(NtAllocateVirtualMemory_invalid_protection_fails_on_commit)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_READWRITE );
    unsigned int i;

    if (!base) return;
    for (i = 0; i < ARRAY_SIZE(invalid_prots); i++)
    {
        void *addr = base + 0x1000;
        SIZE_T size = 0x1000;
        NTSTATUS status = nt_alloc( &addr, &size, MEM_COMMIT, invalid_prots[i] );

        ok( status == STATUS_INVALID_PAGE_PROTECTION, "prot %#x: got %s, expected STATUS_INVALID_PAGE_PROTECTION\n",
            (unsigned int)invalid_prots[i], status_name( status ) );
    }
    /* nothing got committed */
    check_mbi( base, base, 0x10000, MEM_RESERVE, 0, base, PAGE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base + 0x1000, "---" );
    release( base );
}

/* The allocation type must hold MEM_COMMIT, MEM_RESERVE or MEM_RESET, MEM_RESET stands alone,
 * MEM_WRITE_WATCH needs MEM_RESERVE, and unknown bits are rejected.  Native status: the ntdll
 * test accepts STATUS_INVALID_PARAMETER_5 or STATUS_INVALID_PARAMETER for AT_ROUND_TO_PAGE;
 * ReactOS's NtAllocateVirtualMemory returns STATUS_INVALID_PARAMETER_5 for all of these; the
 * kernel32 tests (type 0 via VirtualAlloc, MEM_WRITE_WATCH alone) only show
 * ERROR_INVALID_PARAMETER.  Ambiguous between the two: both accepted. */
TEST(NtAllocateVirtualMemory_invalid_type_fails)
{
    static const ULONG types[] =
    {
        0, MEM_TOP_DOWN, MEM_WRITE_WATCH, MEM_WRITE_WATCH | MEM_TOP_DOWN, MEM_DECOMMIT, MEM_RELEASE, MEM_FREE,
        MEM_RESERVE | MEM_COMMIT | AT_ROUND_TO_PAGE, MEM_RESERVE | AT_ROUND_TO_PAGE,
        MEM_RESERVE | MEM_RESET, MEM_COMMIT | MEM_RESET, MEM_RESET | MEM_TOP_DOWN,
        MEM_RESERVE | MEM_DECOMMIT, MEM_COMMIT | MEM_RELEASE, MEM_RESERVE | 0x1, MEM_COMMIT | 0x80000000,
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(types); i++)
    {
        void *base = NULL;
        SIZE_T size = 0x1000;
        NTSTATUS status = nt_alloc( &base, &size, types[i], PAGE_READWRITE );

        ok( status == STATUS_INVALID_PARAMETER_5 || status == STATUS_INVALID_PARAMETER,
            "type %#x: got %s, expected STATUS_INVALID_PARAMETER_5\n", (unsigned int)types[i], status_name( status ) );
        ok( base == NULL, "type %#x: base changed to %p\n", (unsigned int)types[i], base );
        if (!status) release( base );
    }
}

/* ReactOS apitest (reserve below 0x10000 gives STATUS_INVALID_PARAMETER_2); ntdll test
 * (the first 64K are never available). */
TEST(NtAllocateVirtualMemory_low_64k_fails)
{
    static const ULONG_PTR addrs[] = { 0xf000, 0x1000, 0x8000, 0xffff };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(addrs); i++)
    {
        void *base = (void *)addrs[i];
        SIZE_T size = 0x1000;
        NTSTATUS status = nt_alloc( &base, &size, MEM_RESERVE, PAGE_READWRITE );

        ok( status == STATUS_INVALID_PARAMETER_2, "reserve at %#lx: got %s, expected STATUS_INVALID_PARAMETER_2\n",
            (unsigned long)addrs[i], status_name( status ) );
        ok( base == (void *)addrs[i], "base changed to %p\n", base );
        if (!status) release( base );
        base = (void *)addrs[i];
        size = 0x1000;
        status = nt_alloc( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
        ok( status == STATUS_INVALID_PARAMETER_2, "reserve+commit at %#lx: got %s, expected STATUS_INVALID_PARAMETER_2\n",
            (unsigned long)addrs[i], status_name( status ) );
        if (!status) release( base );
    }
}

/* Addresses beyond the user address space and ranges that wrap around.  ReactOS returns
 * STATUS_INVALID_PARAMETER_2 for a base above the highest VAD address and
 * STATUS_INVALID_PARAMETER_4 for a size running past it; Wine returns STATUS_INVALID_PARAMETER;
 * no test run on Windows pins the number, so any "invalid parameter" status is accepted. */
TEST(NtAllocateVirtualMemory_beyond_user_space_fails)
{
    ULONG_PTR top = (ULONG_PTR)ntdll_mm_highest_address() + 1;
    static const ULONG types[] = { MEM_RESERVE, MEM_RESERVE | MEM_COMMIT, MEM_COMMIT };
    struct { ULONG_PTR base; SIZE_T size; } cases[] =
    {
        { top, 0x10000 },                          /* just above the user range */
        { top - 0x10000, 0x20000 },                /* straddles the top */
        { (ULONG_PTR)1 << 47, 0x10000 },           /* above the x86_64 user half */
        { 0xffff800000000000, 0x10000 },           /* kernel half */
        { 0x7fff0000, ~(SIZE_T)0 - 0x1000 },       /* wraps around */
        { 0x7fff0000, (SIZE_T)1 << 62 },           /* runs past the top */
    };
    unsigned int i, j;

    for (j = 0; j < ARRAY_SIZE(types); j++)
        for (i = 0; i < ARRAY_SIZE(cases); i++)
        {
            void *base = (void *)cases[i].base;
            SIZE_T size = cases[i].size;
            NTSTATUS status = nt_alloc( &base, &size, types[j], PAGE_READWRITE );

            ok( is_invalid_parameter( status ), "type %#x base %#lx size %#lx: got %s, expected an invalid parameter status\n",
                (unsigned int)types[j], (unsigned long)cases[i].base, (unsigned long)cases[i].size, status_name( status ) );
            ok( base == (void *)cases[i].base && size == cases[i].size, "outputs changed to %p %#lx\n",
                base, (unsigned long)size );
            if (!status) release( base );
        }
}

/* kernel32 test_VirtualAlloc: "VirtualAlloc should fail on zero-sized allocation" with
 * ERROR_INVALID_PARAMETER; ReactOS returns STATUS_INVALID_PARAMETER_4, Wine
 * STATUS_INVALID_PARAMETER.  Both accepted. */
TEST(NtAllocateVirtualMemory_size_zero_fails)
{
    static const ULONG types[] = { MEM_RESERVE, MEM_COMMIT, MEM_RESERVE | MEM_COMMIT };
    char *region = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_READWRITE );
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(types); i++)
    {
        void *base = NULL;
        SIZE_T size = 0;
        NTSTATUS status = nt_alloc( &base, &size, types[i], PAGE_NOACCESS );

        ok( status == STATUS_INVALID_PARAMETER_4 || status == STATUS_INVALID_PARAMETER,
            "type %#x: got %s, expected STATUS_INVALID_PARAMETER_4\n", (unsigned int)types[i], status_name( status ) );
        if (!status) release( base );
        if (!region) continue;
        base = region + 0x2000;
        size = 0;
        status = nt_alloc( &base, &size, MEM_COMMIT, PAGE_READWRITE );
        ok( status == STATUS_INVALID_PARAMETER_4 || status == STATUS_INVALID_PARAMETER,
            "commit of 0 bytes: got %s, expected STATUS_INVALID_PARAMETER_4\n", status_name( status ) );
    }
    if (region) check_mbi( region, region, 0x10000, MEM_RESERVE, 0, region, PAGE_READWRITE, MEM_PRIVATE );
    release( region );
}

/* ntdll test: a second reservation inside the same 64K granule conflicts, even with zero_bits;
 * ReactOS apitest: the same at a fixed address; a reservation over an existing one conflicts. */
TEST(NtAllocateVirtualMemory_reserve_over_existing_conflicts)
{
    char *hole = find_free_range( 0x30000 ), *base;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }
    base = hole + 0x10000;
    addr = base; size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE );
    ok( status == STATUS_SUCCESS, "alloc: got %s\n", status_name( status ) );
    if (status) return;
    addr = base + 0x1000;
    size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "same granule: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        status_name( status ) );

    addr = base + 0x1000;
    size = 0x1000;
    status = NtAllocateVirtualMemory( NtCurrentProcess(), &addr, 12, &size, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "same granule, zero_bits 12: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        status_name( status ) );

    addr = base;
    size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESERVE, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "same base: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        status_name( status ) );

    addr = base - 0x10000;
    size = 0x20000;
    status = nt_alloc( &addr, &size, MEM_RESERVE, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "overlapping from below: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        status_name( status ) );
    if (!status) release( addr );
    check_free( hole, 0x10000 );

    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READWRITE, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    release( base );
}

/* kernel32 test_VirtualAlloc: a released 64K-aligned address can be reserved again exactly. */
TEST(NtAllocateVirtualMemory_reserve_at_released_address)
{
    char *base = alloc_or_fail( 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    release( base );
    check_free( base, GRAN );
    addr = base;
    size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base, "got %p, expected %p\n", addr, base );
    if (!status) release( addr );
}

/* ReactOS apitest: committing past the end of a reservation, across two reservations, or in
 * free memory fails with STATUS_CONFLICTING_ADDRESSES and commits nothing. */
TEST(NtAllocateVirtualMemory_commit_outside_reservation_conflicts)
{
    char *hole = find_free_range( 0x40000 ), *a, *b;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }
    a = hole;
    b = hole + 0x10000;
    addr = a; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE, PAGE_NOACCESS ), "reserve a failed\n" );
    addr = b; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE, PAGE_NOACCESS ), "reserve b failed\n" );

    addr = a + 0xf000; size = 0x2000;     /* crosses from a into b */
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "across allocations: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        status_name( status ) );
    ok( addr == a + 0xf000 && size == 0x2000, "outputs changed to %p %#lx\n", addr, (unsigned long)size );

    addr = b + 0xf000; size = 0x2000;     /* runs past the end of b into free memory */
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "past the end: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        status_name( status ) );

    addr = hole + 0x28000; size = 0x1000; /* free memory */
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "free memory: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        status_name( status ) );
    check_free( hole + 0x20000, 0x20000 );
    ok( kernel_range_unmapped( hole + 0x20000, 0x20000 ), "free range got mapped\n" );

    check_mbi( a, a, 0x10000, MEM_RESERVE, 0, a, PAGE_NOACCESS, MEM_PRIVATE );
    check_mbi( b, b, 0x10000, MEM_RESERVE, 0, b, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms( a + 0xf000, "---" );
    check_kernel_perms( b, "---" );
    release( a );
    release( b );
}

/* kernel32 test_VirtualAlloc: MEM_RESET on committed memory keeps the page committed with its
 * protection (the protection argument must be valid, VirtualAlloc doc, but is not applied); the
 * contents are either kept or zero.  MEM_RESET on reserved pages succeeds and leaves them
 * reserved. */
TEST(NtAllocateVirtualMemory_reset_keeps_state_and_protection)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_NOACCESS );
    void *addr;
    SIZE_T size;
    NTSTATUS status;
    DWORD val;

    if (!base) return;
    addr = base; size = 0x1000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    memset( base, 0x55, 20 );

    addr = base; size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESET, PAGE_NOACCESS );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base && size == 0x1000, "got %p %#lx, expected %p 0x1000\n", addr, (unsigned long)size, base );
    val = *(volatile DWORD *)base;
    ok( val == 0x55555555 || val == 0, "contents %#x, expected 0x55555555 or 0\n", (unsigned int)val );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms( base, "rw-" );
    *(volatile DWORD *)base = 0x77;   /* still writable */

    addr = base; size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESET, PAGE_EXECUTE_READWRITE );
    ok( status == STATUS_SUCCESS, "reset with another protection: got %s\n", status_name( status ) );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms( base, "rw-" );

    addr = base + 0x1000; size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESET, PAGE_NOACCESS );
    ok( status == STATUS_SUCCESS, "reset of reserved pages: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base + 0x1000, "got %p, expected %p\n", addr, base + 0x1000 );
    check_mbi( base + 0x1000, base + 0x1000, 0xf000, MEM_RESERVE, 0, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms( base + 0x1000, "---" );
    release( base );
}

/* VirtualAlloc doc: with MEM_RESET flProtect is ignored but must be valid. */
TEST(NtAllocateVirtualMemory_reset_with_invalid_protection_fails)
{
    char *base = alloc_or_fail( 0x1000, MEM_COMMIT, PAGE_READWRITE );
    void *addr = base;
    SIZE_T size = 0x1000;
    NTSTATUS status;

    if (!base) return;
    base[0] = 0x42;
    status = nt_alloc( &addr, &size, MEM_RESET, 0 );
    ok( status == STATUS_INVALID_PAGE_PROTECTION, "got %s, expected STATUS_INVALID_PAGE_PROTECTION\n",
        status_name( status ) );
    addr = base; size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESET, PAGE_READONLY | PAGE_NOACCESS );
    ok( status == STATUS_INVALID_PAGE_PROTECTION, "got %s, expected STATUS_INVALID_PAGE_PROTECTION\n",
        status_name( status ) );
    ok( base[0] == 0x42, "contents changed to %#x\n", base[0] );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    release( base );
}

/* kernel32 test_VirtualAlloc: MEM_RESET running past the end of the allocation fails with
 * ERROR_INVALID_ADDRESS.  Which NTSTATUS: ReactOS runs MEM_RESET through the same VAD range
 * check as MEM_COMMIT (STATUS_CONFLICTING_ADDRESSES), Wine returns STATUS_NOT_MAPPED_VIEW:
 * ambiguous, any status that maps to ERROR_INVALID_ADDRESS is accepted. */
TEST(NtAllocateVirtualMemory_reset_outside_allocation_fails)
{
    char *hole = find_free_range( 0x20000 );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }
    addr = hole; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ), "alloc failed\n" );
    memset( hole + 0xf000, 0x33, 0x1000 );

    addr = hole + 0xf000; size = 0x2000;
    status = nt_alloc( &addr, &size, MEM_RESET, PAGE_NOACCESS );
    ok( is_invalid_address( status ), "past the end: got %s, expected an ERROR_INVALID_ADDRESS status\n",
        status_name( status ) );

    addr = hole + 0x10000; size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESET, PAGE_NOACCESS );
    ok( is_invalid_address( status ), "free memory: got %s, expected an ERROR_INVALID_ADDRESS status\n",
        status_name( status ) );
    ok( kernel_range_unmapped( hole + 0x10000, 0x10000 ), "free range got mapped\n" );
    check_mbi( hole, hole, 0x10000, MEM_COMMIT, PAGE_READWRITE, hole, PAGE_READWRITE, MEM_PRIVATE );
    release( hole );
}

/* kernel32 test_write_watch: MEM_WRITE_WATCH is accepted with MEM_RESERVE (the initial
 * protection does not matter), the allocation looks like any other; without MEM_RESERVE it
 * fails (ERROR_INVALID_PARAMETER; ReactOS STATUS_INVALID_PARAMETER_5). */
TEST(NtAllocateVirtualMemory_write_watch_is_accepted_at_reserve)
{
    char *base;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    if (base)
    {
        check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
        {
            struct ntdll_mm_kernel_info info;
            ntdll_mm_get_kernel_info( &info );
            /* the write-watch fallback keeps unwritten pages read-only (tests/write_watch.c) */
            check_kernel_perms( base, info.write_watch_mode == NTDLL_MM_WRITE_WATCH_FALLBACK ? "r--" : "rw-" );
        }
        base[0x1001] = 0x44;
        ok( base[0x1001] == 0x44, "write lost\n" );
        release( base );
    }

    base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_NOACCESS );
    if (base)
    {
        check_mbi( base, base, 0x10000, MEM_RESERVE, 0, base, PAGE_NOACCESS, MEM_PRIVATE );
        addr = base; size = 0x10000;
        status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_NOACCESS );
        ok( status == STATUS_SUCCESS, "commit in a write-watched reservation: got %s\n", status_name( status ) );
        check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_NOACCESS, base, PAGE_NOACCESS, MEM_PRIVATE );

        addr = base; size = 0x1000;
        status = nt_alloc( &addr, &size, MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
        ok( status == STATUS_INVALID_PARAMETER_5 || status == STATUS_INVALID_PARAMETER,
            "MEM_COMMIT|MEM_WRITE_WATCH: got %s, expected STATUS_INVALID_PARAMETER_5\n", status_name( status ) );
        check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_NOACCESS, base, PAGE_NOACCESS, MEM_PRIVATE );
        release( base );
    }
}

/* kernel32 test_guard_page: PAGE_GUARD is reported in Protect and AllocationProtect, and
 * removing it returns the guarded protection as the old one; the kernel keeps the page
 * inaccessible while guarded. */
TEST(NtAllocateVirtualMemory_guard_page_protection)
{
    char *base = alloc_or_fail( 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD );
    ULONG old = 0xdeadbeef;
    NTSTATUS status;

    if (!base) return;
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD, base, PAGE_READWRITE | PAGE_GUARD, MEM_PRIVATE );
    check_kernel_perms( base, "---" );
    status = nt_protect( base, 0x1000, PAGE_READWRITE, &old );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    ok( old == (PAGE_READWRITE | PAGE_GUARD), "old protection %#x, expected %#x\n", (unsigned int)old,
        PAGE_READWRITE | PAGE_GUARD );
    check_kernel_perms( base, "rw-" );
    *(volatile LONG *)base = 1;
    status = nt_protect( base, 0x1000, PAGE_READWRITE | PAGE_GUARD, &old );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    ok( old == PAGE_READWRITE, "old protection %#x, expected PAGE_READWRITE\n", (unsigned int)old );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD, base, PAGE_READWRITE | PAGE_GUARD, MEM_PRIVATE );
    check_kernel_perms( base, "---" );
    release( base );
}

/* kernel32 test_VirtualAlloc: PAGE_NOCACHE given at allocation sticks to the whole allocation
 * (later protections keep it), while PAGE_NOCACHE given to a later protect of a plain
 * allocation is dropped (the broken() values there are old Windows versions). */
TEST(NtAllocateVirtualMemory_nocache_sticks_to_allocation)
{
    char *base = alloc_or_fail( 0x2000, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE );
    ULONG old = 0;
    NTSTATUS status;

    if (base)
    {
        check_mbi( base, base, 0x2000, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE, base, PAGE_READWRITE | PAGE_NOCACHE, MEM_PRIVATE );
        status = nt_protect( base, 0x1000, PAGE_READWRITE, &old );
        ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
        ok( old == (PAGE_READWRITE | PAGE_NOCACHE), "old %#x, expected %#x\n", (unsigned int)old, PAGE_READWRITE | PAGE_NOCACHE );
        check_mbi( base, base, 0x2000, MEM_COMMIT, PAGE_READWRITE | PAGE_NOCACHE, base, PAGE_READWRITE | PAGE_NOCACHE, MEM_PRIVATE );
        status = nt_protect( base, 0x1000, PAGE_READONLY, &old );
        ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
        ok( old == (PAGE_READWRITE | PAGE_NOCACHE), "old %#x, expected %#x\n", (unsigned int)old, PAGE_READWRITE | PAGE_NOCACHE );
        check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READONLY | PAGE_NOCACHE, base, PAGE_READWRITE | PAGE_NOCACHE, MEM_PRIVATE );
        check_kernel_perms( base, "r--" );
        release( base );
    }

    base = alloc_or_fail( 0x2000, MEM_COMMIT, PAGE_READWRITE );
    if (base)
    {
        status = nt_protect( base, 0x1000, PAGE_READONLY | PAGE_NOCACHE, &old );
        ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
        ok( old == PAGE_READWRITE, "old %#x, expected PAGE_READWRITE\n", (unsigned int)old );
        check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READONLY, base, PAGE_READWRITE, MEM_PRIVATE );
        release( base );
    }
}

/* Memory Protection Constants doc: PAGE_WRITECOMBINE is a valid modifier of private memory;
 * like PAGE_NOCACHE it is reported back. */
TEST(NtAllocateVirtualMemory_writecombine_is_reported)
{
    char *base = alloc_or_fail( 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE | PAGE_WRITECOMBINE );

    if (!base) return;
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_WRITECOMBINE, base,
               PAGE_READWRITE | PAGE_WRITECOMBINE, MEM_PRIVATE );
    check_kernel_perms( base, "rw-" );
    base[0] = 1;
    release( base );
}

/* Fresh private memory is zero-filled and has the reserved size exactly, whatever the request
 * rounding (ntdll test, kernel32 test); a large reservation does not touch memory. */
TEST(NtAllocateVirtualMemory_large_reserve_is_not_populated)
{
    SIZE_T big = (SIZE_T)1 << 32;   /* 4 GiB of address space only */
    char *base = alloc_or_fail( big, MEM_RESERVE, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    check_mbi( base, base, big, MEM_RESERVE, 0, base, PAGE_READWRITE, MEM_PRIVATE );
    addr = base + big / 2;
    size = 0x3000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    ok( page_present( base + big / 2 ) == 0, "committed page is present before any touch\n" );
    check_mbi( base, base, big / 2, MEM_RESERVE, 0, base, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( base + big / 2, base + big / 2, 0x3000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( base + big / 2 + 0x3000, base + big / 2 + 0x3000, big / 2 - 0x3000, MEM_RESERVE, 0, base,
               PAGE_READWRITE, MEM_PRIVATE );
    base[big / 2 + 0x2fff] = 1;
    release( base );
}

/* ReactOS apitest CheckAdjacentVADs: committing a range over pages already committed with
 * other protections succeeds and gives the whole range the new protection (a write to a page
 * that was PAGE_READWRITE then faults); contents of already committed pages are kept. */
TEST(NtAllocateVirtualMemory_commit_over_mixed_pages_sets_protection)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_NOACCESS );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    addr = base; size = 0x1000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit RW failed\n" );
    base[0] = 0x31;
    addr = base + 0x2000; size = 0x1000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_NOACCESS ), "commit NOACCESS failed\n" );

    addr = base; size = 0x3000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base && size == 0x3000, "got %p %#lx\n", addr, (unsigned long)size );
    check_mbi( base, base, 0x3000, MEM_COMMIT, PAGE_READONLY, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms( base, "r--" );
    check_kernel_perms( base + 0x2000, "r--" );
    ok( base[0] == 0x31, "contents of the committed page lost: %#x\n", base[0] );
    ok( base[0x1000] == 0 && base[0x2000] == 0, "new pages not zero\n" );
    release( base );
}

/* MEM_TOP_DOWN only matters when the system picks the address: with MEM_COMMIT inside an
 * existing reservation it is accepted and ignored (ReactOS and Wine both accept it). */
TEST(NtAllocateVirtualMemory_top_down_commit_in_reservation)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    addr = base + 0x3000; size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( addr == base + 0x3000 && size == 0x1000, "got %p %#lx\n", addr, (unsigned long)size );
    check_mbi( base + 0x3000, base + 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    release( base );
}

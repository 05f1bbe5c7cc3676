/*
 * NtProtectVirtualMemory: old protection of the first page, every protection value, and the
 * failures on reserved, mixed, foreign-to-the-allocation and free ranges.
 *
 * Expectations (all pass on Windows):
 *   Wine 8.0 dlls/kernel32/tests/virtual.c test_VirtualAlloc, test_VirtualProtect,
 *       test_guard_page                                                        ("kernel32 test")
 *   ReactOS modules/rostests/apitests/ntdll/NtProtectVirtualMemory.c           ("ReactOS apitest")
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "util.h"

/* ReactOS apitest TestReadWrite: protections change, the old one is returned, contents stay. */
TEST(NtProtectVirtualMemory_returns_old_protection)
{
    char *base = alloc_or_fail( 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    static const ULONG seq[] = { PAGE_READONLY, PAGE_NOACCESS, PAGE_READONLY, PAGE_EXECUTE_READ,
                                 PAGE_EXECUTE_READWRITE, PAGE_EXECUTE, PAGE_READWRITE };
    ULONG prev = PAGE_READWRITE, old;
    unsigned int i;

    if (!base) return;
    base[0] = (char)0xff;
    for (i = 0; i < ARRAY_SIZE(seq); i++)
    {
        void *addr = base;
        SIZE_T size = 0x1000;
        NTSTATUS status;

        old = 0xdeadbeef;
        status = NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, seq[i], &old );
        ok( status == STATUS_SUCCESS, "%#x: got %s, expected STATUS_SUCCESS\n", (unsigned int)seq[i], status_name( status ) );
        ok( old == prev, "%#x: old protection %#x, expected %#x\n", (unsigned int)seq[i], (unsigned int)old, (unsigned int)prev );
        ok( addr == base && size == 0x1000, "%#x: got %p %#lx\n", (unsigned int)seq[i], addr, (unsigned long)size );
        check_mbi( base, base, 0x1000, MEM_COMMIT, seq[i], base, PAGE_READWRITE, MEM_PRIVATE );
        check_kernel_prot( base, seq[i] );
        prev = seq[i];
    }
    ok( base[0] == (char)0xff, "contents lost: %#x\n", (unsigned char)base[0] );
    release( base );
}

/* The old protection is that of the first page; afterwards the range is one run. */
TEST(NtProtectVirtualMemory_old_protection_is_first_page)
{
    char *base = alloc_or_fail( 0x4000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ULONG old = 0;
    NTSTATUS status;

    if (!base) return;
    ok( !nt_protect( base, 0x1000, PAGE_READONLY, &old ), "protect failed\n" );
    ok( !nt_protect( base + 0x2000, 0x1000, PAGE_EXECUTE_READ, &old ), "protect failed\n" );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READONLY, base, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( base + 0x1000, base + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( base + 0x2000, base + 0x2000, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READ, base, PAGE_READWRITE, MEM_PRIVATE );

    old = 0;
    status = nt_protect( base, 0x4000, PAGE_READWRITE, &old );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( old == PAGE_READONLY, "old protection %#x, expected PAGE_READONLY (the first page's)\n", (unsigned int)old );
    check_mbi( base, base, 0x4000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base + 0x2000, "rw-" );

    old = 0;
    status = nt_protect( base + 0x1000, 0x2000, PAGE_NOACCESS, &old );
    ok( status == STATUS_SUCCESS && old == PAGE_READWRITE, "got %s, old %#x\n", status_name( status ), (unsigned int)old );
    check_mbi( base + 0x1000, base + 0x1000, 0x2000, MEM_COMMIT, PAGE_NOACCESS, base, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( base + 0x3000, base + 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    release( base );
}

/* kernel32 test_VirtualAlloc: on reserved memory and on a range only partly committed the call
 * fails with ERROR_INVALID_ADDRESS, i.e. STATUS_NOT_COMMITTED (the status both ReactOS and Wine
 * use for "not all pages committed"), and the committed part keeps its protection. */
TEST(NtProtectVirtualMemory_reserved_or_mixed_range_fails)
{
    char *base = alloc_or_fail( 0xfffc, MEM_RESERVE, PAGE_NOACCESS );
    void *addr;
    SIZE_T size;
    ULONG old = 0xdeadbeef;
    NTSTATUS status;

    if (!base) return;
    status = nt_protect( base, 0xfffc, PAGE_READONLY, &old );
    ok( status == STATUS_NOT_COMMITTED, "reserved: got %s, expected STATUS_NOT_COMMITTED\n", status_name( status ) );
    ok( old == 0xdeadbeef, "old protection written: %#x\n", (unsigned int)old );

    addr = base; size = 0x1000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_NOACCESS ), "commit failed\n" );
    status = nt_protect( base, 0xfffc, PAGE_READONLY, &old );
    ok( status == STATUS_NOT_COMMITTED, "mixed: got %s, expected STATUS_NOT_COMMITTED\n", status_name( status ) );
    status = nt_protect( base + 0x1000, 0x1000, PAGE_READONLY, &old );
    ok( status == STATUS_NOT_COMMITTED, "reserved page: got %s, expected STATUS_NOT_COMMITTED\n", status_name( status ) );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_NOACCESS, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_mbi( base + 0x1000, base + 0x1000, 0xf000, MEM_RESERVE, 0, base, PAGE_NOACCESS, MEM_PRIVATE );
    check_kernel_perms( base, "---" );

    /* the committed page alone works */
    old = 0;
    status = nt_protect( base, 0x1000, PAGE_READONLY, &old );
    ok( status == STATUS_SUCCESS && old == PAGE_NOACCESS, "got %s, old %#x\n", status_name( status ), (unsigned int)old );
    status = nt_protect( base, 0x1000, PAGE_READWRITE, &old );
    ok( status == STATUS_SUCCESS && old == PAGE_READONLY, "got %s, old %#x\n", status_name( status ), (unsigned int)old );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_NOACCESS, MEM_PRIVATE );
    release( base );
}

/* A range crossing into the next allocation or into free memory fails and changes nothing.
 * Native status: ReactOS's MiProtectVirtualMemory gives STATUS_CONFLICTING_ADDRESSES when the
 * range leaves the VAD, Wine STATUS_INVALID_PARAMETER; no Windows-run test pins it: any status
 * that maps to ERROR_INVALID_ADDRESS is accepted (that is what VirtualProtect users see). */
TEST(NtProtectVirtualMemory_range_across_allocations_fails)
{
    char *hole = find_free_range( 0x30000 ), *a, *b;
    void *addr;
    SIZE_T size;
    ULONG old = 0xdeadbeef;
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

    status = nt_protect( a + 0xf000, 0x2000, PAGE_READONLY, &old );
    ok( is_invalid_address( status ), "across: got %s, expected STATUS_CONFLICTING_ADDRESSES\n", status_name( status ) );
    status = nt_protect( b + 0xf000, 0x2000, PAGE_READONLY, &old );
    ok( is_invalid_address( status ), "into free: got %s, expected STATUS_CONFLICTING_ADDRESSES\n", status_name( status ) );
    status = nt_protect( hole + 0x24000, 0x1000, PAGE_READONLY, &old );
    ok( is_invalid_address( status ), "free: got %s, expected STATUS_CONFLICTING_ADDRESSES\n", status_name( status ) );
    ok( old == 0xdeadbeef, "old protection written: %#x\n", (unsigned int)old );
    check_mbi( a, a, 0x10000, MEM_COMMIT, PAGE_READWRITE, a, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( b, b, 0x10000, MEM_COMMIT, PAGE_READWRITE, b, PAGE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( a + 0xf000, "rw-" );
    check_kernel_perms( b, "rw-" );
    ok( kernel_range_unmapped( hole + 0x20000, 0x10000 ), "free range got mapped\n" );
    release( a );
    release( b );
}

/* kernel32 test_VirtualProtect table: single base protections succeed, combinations of base
 * protections, 0 and the copy-on-write ones fail with ERROR_INVALID_PARAMETER, which for this
 * call is STATUS_INVALID_PAGE_PROTECTION (ReactOS and Wine agree); each time the old
 * protection is PAGE_NOACCESS after resetting. */
TEST(NtProtectVirtualMemory_protection_table)
{
    static const struct { ULONG set; ULONG get; } td[] =
    {
        { 0, 0 },
        { PAGE_NOACCESS, PAGE_NOACCESS },
        { PAGE_READONLY, PAGE_READONLY },
        { PAGE_READONLY | PAGE_NOACCESS, 0 },
        { PAGE_READWRITE, PAGE_READWRITE },
        { PAGE_READWRITE | PAGE_NOACCESS, 0 },
        { PAGE_READWRITE | PAGE_READONLY, 0 },
        { PAGE_READWRITE | PAGE_READONLY | PAGE_NOACCESS, 0 },
        { PAGE_WRITECOPY, 0 },
        { PAGE_WRITECOPY | PAGE_NOACCESS, 0 },
        { PAGE_WRITECOPY | PAGE_READONLY, 0 },
        { PAGE_WRITECOPY | PAGE_NOACCESS | PAGE_READONLY, 0 },
        { PAGE_WRITECOPY | PAGE_READWRITE, 0 },
        { PAGE_WRITECOPY | PAGE_READWRITE | PAGE_NOACCESS, 0 },
        { PAGE_WRITECOPY | PAGE_READWRITE | PAGE_READONLY, 0 },
        { PAGE_WRITECOPY | PAGE_READWRITE | PAGE_READONLY | PAGE_NOACCESS, 0 },
        { PAGE_EXECUTE, PAGE_EXECUTE },
        { PAGE_EXECUTE_READ, PAGE_EXECUTE_READ },
        { PAGE_EXECUTE_READ | PAGE_EXECUTE, 0 },
        { PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_READWRITE },
        { PAGE_EXECUTE_READWRITE | PAGE_EXECUTE, 0 },
        { PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_READ, 0 },
        { PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_READ | PAGE_EXECUTE, 0 },
        { PAGE_EXECUTE_WRITECOPY, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READ, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READ | PAGE_EXECUTE, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READWRITE, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_READ, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_READ | PAGE_EXECUTE, 0 },
        { PAGE_READWRITE | PAGE_EXECUTE_READ, 0 },
        { PAGE_READONLY | PAGE_EXECUTE, 0 },
        { PAGE_NOACCESS | PAGE_GUARD, 0 },
        { PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE, 0 },
        { PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE, 0 },
        { PAGE_READONLY | PAGE_GUARD, PAGE_READONLY | PAGE_GUARD },
        { PAGE_EXECUTE_READWRITE | PAGE_GUARD, PAGE_EXECUTE_READWRITE | PAGE_GUARD },
    };
    char *base = alloc_or_fail( PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_NOACCESS );
    unsigned int i;

    if (!base) return;
    for (i = 0; i < ARRAY_SIZE(td); i++)
    {
        ULONG old = 0xdeadbeef;
        NTSTATUS status = nt_protect( base, PAGE, td[i].set, &old );

        if (td[i].get)
        {
            ok( status == STATUS_SUCCESS, "%u: set %#x: got %s, expected STATUS_SUCCESS\n", i, (unsigned int)td[i].set,
                status_name( status ) );
            ok( old == PAGE_NOACCESS, "%u: old %#x, expected PAGE_NOACCESS\n", i, (unsigned int)old );
            check_mbi( base, base, PAGE, MEM_COMMIT, td[i].get, base, PAGE_NOACCESS, MEM_PRIVATE );
            check_kernel_prot( base, td[i].get );
        }
        else
        {
            ok( status == STATUS_INVALID_PAGE_PROTECTION, "%u: set %#x: got %s, expected STATUS_INVALID_PAGE_PROTECTION\n",
                i, (unsigned int)td[i].set, status_name( status ) );
            ok( old == 0xdeadbeef, "%u: old protection written: %#x\n", i, (unsigned int)old );
            check_mbi( base, base, PAGE, MEM_COMMIT, PAGE_NOACCESS, base, PAGE_NOACCESS, MEM_PRIVATE );
        }
        old = 0xdeadbeef;
        status = nt_protect( base, PAGE, PAGE_NOACCESS, &old );
        ok( status == STATUS_SUCCESS, "%u: reset: got %s\n", i, status_name( status ) );
        ok( old == (td[i].get ? td[i].get : PAGE_NOACCESS), "%u: reset: old %#x, expected %#x\n", i, (unsigned int)old,
            (unsigned int)(td[i].get ? td[i].get : PAGE_NOACCESS) );
    }
    release( base );
}

/* Protection changes are visible to the CPU: a read-only page keeps its contents and
 * PROT_READ in the kernel's map; making it writable again lets writes through. */
TEST(NtProtectVirtualMemory_kernel_map_follows)
{
    char *base = alloc_or_fail( 0x3000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ULONG old;

    if (!base) return;
    memset( base, 0x42, 0x3000 );
    ok( !nt_protect( base + 0x1000, 0x1000, PAGE_READONLY, &old ), "protect failed\n" );
    check_kernel_perms( base, "rw-" );
    check_kernel_perms( base + 0x1000, "r--" );
    check_kernel_perms( base + 0x2000, "rw-" );
    ok( base[0x1000] == 0x42, "contents lost\n" );
    ok( !nt_protect( base + 0x1000, 0x1000, PAGE_NOACCESS, &old ), "protect failed\n" );
    check_kernel_perms( base + 0x1000, "---" );
    ok( !nt_protect( base + 0x1000, 0x1000, PAGE_READWRITE, &old ), "protect failed\n" );
    check_kernel_perms( base + 0x1000, "rw-" );
    ok( base[0x1000] == 0x42, "contents lost after PAGE_NOACCESS\n" );
    base[0x1000] = 0x43;
    check_mbi( base, base, 0x3000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    release( base );
}

/* ReactOS apitest TestFreeNoAccess: memory made PAGE_NOACCESS can be released, and fresh
 * allocations afterwards read as zero. */
TEST(NtProtectVirtualMemory_noaccess_then_release)
{
    unsigned int iter, page, dirty = 0;

    for (iter = 0; iter < 64; iter++)
    {
        char *mem = alloc_or_fail( 16 * PAGE, MEM_COMMIT, PAGE_READWRITE );
        ULONG old = 0;

        if (!mem) return;
        for (page = 0; page < 16; page++)
        {
            dirty += mem[page * PAGE] != 0;
            mem[page * PAGE] = 123;
        }
        ok( !nt_protect( mem, 16 * PAGE, PAGE_NOACCESS, &old ) && old == PAGE_READWRITE, "protect failed, old %#x\n",
            (unsigned int)old );
        release( mem );
    }
    ok( !dirty, "%u pages of fresh allocations were not zero\n", dirty );
}

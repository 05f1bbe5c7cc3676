/*
 * The kernel's map follows the NT state, and stays small: a run of pages with one state and
 * protection is one Linux mapping once neighbouring runs become equal again (Wine's one-VMA-per-
 * page behaviour exhausts vm.max_map_count; the design asks for one mapping per run).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "util.h"

/* 64 pages with alternating protections: the kernel has one mapping per run and the library's
 * map agrees; back to one protection, the allocation is one mapping again. */
TEST(NtProtectVirtualMemory_equal_runs_merge_in_kernel_map)
{
    char *base = alloc_or_fail( 0x40000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    unsigned int i, n;
    ULONG old;

    if (!base) return;
    memset( base, 0x12, 0x40000 );
    n = kernel_mapping_count( base, 0x40000 );
    ok( n == 1, "fresh allocation: %u kernel mappings, expected 1\n", n );
    for (i = 0; i < 64; i += 2)
        ok( !nt_protect( base + i * 0x1000, 0x1000, PAGE_READONLY, &old ), "protect page %u failed\n", i );
    n = kernel_mapping_count( base, 0x40000 );
    ok( n == 64, "alternating: %u kernel mappings, expected 64\n", n );
    check_kernel_perms( base, "r--" );
    check_kernel_perms( base + 0x1000, "rw-" );
    check_invariants();
    for (i = 0; i < 64; i += 2)
        ok( !nt_protect( base + i * 0x1000, 0x1000, PAGE_READWRITE, &old ), "protect page %u back failed\n", i );
    n = kernel_mapping_count( base, 0x40000 );
    ok( n == 1, "restored: %u kernel mappings, expected 1\n", n );
    check_mbi( base, base, 0x40000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    ok( base[0x3ffff] == 0x12 && base[0] == 0x12, "contents lost\n" );
    release( base );
}

/* Decommit and recommit page by page: the same merging, and decommitted pages are neither
 * accessible nor present. */
TEST(NtFreeVirtualMemory_decommit_runs_in_kernel_map)
{
    char *base = alloc_or_fail( 0x20000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    unsigned int i, n;
    void *addr;
    SIZE_T size;

    if (!base) return;
    memset( base, 0x34, 0x20000 );
    for (i = 1; i < 32; i += 2)
    {
        addr = base + i * 0x1000; size = 0x1000;
        ok( !nt_free( &addr, &size, MEM_DECOMMIT ), "decommit page %u failed\n", i );
    }
    n = kernel_mapping_count( base, 0x20000 );
    ok( n == 32, "alternating: %u kernel mappings, expected 32\n", n );
    for (i = 1; i < 32; i += 2)
    {
        if (page_present( base + i * 0x1000 ) != 0)
        {
            ok( 0, "page %u still present\n", i );
            break;
        }
    }
    check_kernel_perms( base + 0x1000, "---" );
    check_invariants();
    for (i = 1; i < 32; i += 2)
    {
        addr = base + i * 0x1000; size = 0x1000;
        ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "recommit page %u failed\n", i );
    }
    n = kernel_mapping_count( base, 0x20000 );
    ok( n == 1, "recommitted: %u kernel mappings, expected 1\n", n );
    ok( base[0x1000] == 0 && base[0x2000] == 0x34, "contents: recommitted %#x, kept %#x\n", base[0x1000], base[0x2000] );
    release( base );
}

/* A reservation is inaccessible address space in the kernel's map; a released one is gone. */
TEST(NtAllocateVirtualMemory_reservation_in_kernel_map)
{
    char *base = alloc_or_fail( 0x100000, MEM_RESERVE, PAGE_READWRITE );

    if (!base) return;
    check_kernel_perms( base, "---" );
    check_kernel_perms( base + 0xfffff, "---" );
    ok( page_present( base ) == 0, "reserved page present\n" );
    release( base );
    ok( kernel_range_unmapped( base, 0x100000 ), "released reservation still mapped\n" );
}

/*
 * MEM_TOP_DOWN: the allocation goes at the highest free address instead of the lowest.
 *
 * Expectations: VirtualAlloc doc ("MEM_TOP_DOWN: allocates memory at the highest possible
 * address"); ntdll test uses MEM_TOP_DOWN with zero_bits to get the highest address under the
 * limit.  A bottom-up allocation goes to the lowest free address (Windows searches from the
 * bottom of the address space), so any top-down allocation lies above any bottom-up one.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "util.h"

TEST(NtAllocateVirtualMemory_top_down_is_above_bottom_up)
{
    void *low[4] = { 0 }, *high[4] = { 0 };
    unsigned int i, j;

    for (i = 0; i < 4; i++)
    {
        low[i] = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_READWRITE );
        high[i] = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE );
    }
    for (i = 0; i < 4; i++)
        for (j = 0; j < 4; j++)
            if (low[i] && high[j])
                ok( (char *)high[j] > (char *)low[i], "top-down %p is not above bottom-up %p\n", high[j], low[i] );
    /* successive top-down allocations go downwards, bottom-up ones upwards */
    for (i = 1; i < 4; i++)
    {
        if (high[i] && high[i - 1])
            ok( (char *)high[i] < (char *)high[i - 1], "top-down %p not below the previous %p\n", high[i], high[i - 1] );
        if (low[i] && low[i - 1])
            ok( (char *)low[i] > (char *)low[i - 1], "bottom-up %p not above the previous %p\n", low[i], low[i - 1] );
    }
    for (i = 0; i < 4; i++)
    {
        release( low[i] );
        release( high[i] );
    }
}

/* The top-down allocation is reported like any other, and its type flag is not recorded in the
 * allocation (AllocationProtect, State, Type as for bottom-up). */
TEST(NtAllocateVirtualMemory_top_down_commit)
{
    char *base = alloc_or_fail( 0x3000, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE );

    if (!base) return;
    ok( !((ULONG_PTR)base & (GRAN - 1)), "base %p not 64K-aligned\n", base );
    check_mbi( base, base, 0x3000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base, "rw-" );
    base[0x2fff] = 1;
    release( base );
}

/* With zero_bits, MEM_TOP_DOWN gives the highest free slot under the limit: higher than the
 * bottom-up result under the same limit. */
TEST(NtAllocateVirtualMemory_top_down_with_zero_bits)
{
    void *low = NULL, *high = NULL;
    SIZE_T size = 0x10000;
    NTSTATUS status;

    status = NtAllocateVirtualMemory( NtCurrentProcess(), &low, 4, &size, MEM_RESERVE, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "bottom-up: got %s\n", status_name( status ) );
    size = 0x10000;
    status = NtAllocateVirtualMemory( NtCurrentProcess(), &high, 4, &size, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "top-down: got %s\n", status_name( status ) );
    if (low && high)
    {
        ok( (char *)high > (char *)low, "top-down %p not above bottom-up %p\n", high, low );
        ok( (ULONG_PTR)high + 0x10000 <= 0x10000000, "top-down %p above the 0x10000000 limit\n", high );
        ok( (ULONG_PTR)high >= 0x10000000 - 0x1000000, "top-down %p is not near the top of the limit\n", high );
    }
    release( low );
    release( high );
}

/*
 * NtAllocateVirtualMemory zero_bits: the count form 1-21 (the address must fit in 32 - n
 * bits, relative to 32 bits even on 64-bit Windows), 22-31 invalid, and the mask form on
 * 64-bit (any value above 31 is a mask whose leading zeroes must be zero in the address).
 *
 * Expectations: Wine 8.0 dlls/ntdll/tests/virtual.c test_NtAllocateVirtualMemory and
 * test_NtAllocateVirtualMemoryEx_address_requirements ("ntdll test", pass on Windows):
 *   - 1..20 with MEM_TOP_DOWN: STATUS_SUCCESS (or STATUS_NO_MEMORY when nothing fits) and
 *     (address >> (32 - n)) == 0;
 *   - 21: STATUS_NO_MEMORY or STATUS_INVALID_PARAMETER, never success;
 *   - 22 (and 24): STATUS_INVALID_PARAMETER_3 or STATUS_INVALID_PARAMETER;
 *   - mask 0x1aaaaaaa: success with the address inside 0x1fffffff but using bits outside the
 *     mask itself (only the leading zeroes count); 0xffffffff: success.
 * The whole allocation, not only its start, must satisfy the limit (the end is checked too).
 * With nothing below 2 GiB in use on this Linux process, the small counts must succeed.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "util.h"

static NTSTATUS alloc_zb( void **base, ULONG_PTR zero_bits, SIZE_T size, ULONG type )
{
    *base = NULL;
    return NtAllocateVirtualMemory( NtCurrentProcess(), base, zero_bits, &size, type, PAGE_READWRITE );
}

TEST(NtAllocateVirtualMemory_zero_bits_count)
{
    static const ULONG types[] = { MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, MEM_RESERVE | MEM_COMMIT };
    ULONG_PTR zb;
    unsigned int t;

    for (t = 0; t < ARRAY_SIZE(types); t++)
        for (zb = 1; zb <= 20; zb++)
        {
            ULONG_PTR limit = (ULONG_PTR)1 << (32 - zb);   /* first address not allowed */
            void *base;
            NTSTATUS status = alloc_zb( &base, zb, 0x3000, types[t] );

            if (zb <= 12)
                ok( status == STATUS_SUCCESS, "type %#x zero_bits %u: got %s, expected STATUS_SUCCESS\n",
                    (unsigned int)types[t], (unsigned int)zb, status_name( status ) );
            else
                ok( status == STATUS_SUCCESS || status == STATUS_NO_MEMORY,
                    "type %#x zero_bits %u: got %s, expected STATUS_SUCCESS or STATUS_NO_MEMORY\n",
                    (unsigned int)types[t], (unsigned int)zb, status_name( status ) );
            if (zb >= 16)   /* the limit is at most 64K: nothing can fit above the low 64K */
                ok( status == STATUS_NO_MEMORY, "zero_bits %u: got %s, expected STATUS_NO_MEMORY\n", (unsigned int)zb,
                    status_name( status ) );
            if (status) continue;
            ok( (ULONG_PTR)base + 0x3000 <= limit, "type %#x zero_bits %u: allocation %p-%p above %#lx\n",
                (unsigned int)types[t], (unsigned int)zb, base, (char *)base + 0x3000, (unsigned long)limit );
            ok( !((ULONG_PTR)base & (GRAN - 1)), "zero_bits %u: base %p not 64K-aligned\n", (unsigned int)zb, base );
            check_mbi( base, base, 0x3000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
            release( base );
        }
}

TEST(NtAllocateVirtualMemory_zero_bits_21_never_succeeds)
{
    void *base;
    NTSTATUS status = alloc_zb( &base, 21, 0x1000, MEM_RESERVE | MEM_COMMIT );

    ok( status == STATUS_NO_MEMORY || status == STATUS_INVALID_PARAMETER,
        "got %s, expected STATUS_NO_MEMORY or STATUS_INVALID_PARAMETER\n", status_name( status ) );
    if (!status) release( base );
}

TEST(NtAllocateVirtualMemory_zero_bits_22_to_31_invalid)
{
    ULONG_PTR zb;

    for (zb = 22; zb <= 31; zb++)
    {
        void *base;
        NTSTATUS status = alloc_zb( &base, zb, 0x1000, MEM_RESERVE | MEM_COMMIT );

        ok( status == STATUS_INVALID_PARAMETER_3 || status == STATUS_INVALID_PARAMETER,
            "zero_bits %u: got %s, expected STATUS_INVALID_PARAMETER_3\n", (unsigned int)zb, status_name( status ) );
        ok( base == NULL, "zero_bits %u: base changed to %p\n", (unsigned int)zb, base );
        if (!status) release( base );
    }
}

/* The mask form: every bit above the mask's highest set bit must be zero in the address (and
 * in the allocation's last byte). */
TEST(NtAllocateVirtualMemory_zero_bits_mask)
{
    static const struct { ULONG_PTR mask; ULONG_PTR limit; } masks[] =
    {
        { 0x1aaaaaaa, 0x20000000 },
        { 0x7fffffff, 0x80000000 },
        { 0xffffffff, 0x100000000 },
        { 0x12345678f, 0x200000000 },
        { 0x3fffffffff, 0x4000000000 },
        { 0x7fffffffffff, 0x800000000000 },
    };
    static const ULONG types[] = { MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, MEM_RESERVE | MEM_COMMIT };
    unsigned int i, t;

    for (t = 0; t < ARRAY_SIZE(types); t++)
        for (i = 0; i < ARRAY_SIZE(masks); i++)
        {
            void *base;
            NTSTATUS status = alloc_zb( &base, masks[i].mask, 0x2000, types[t] );

            ok( status == STATUS_SUCCESS, "type %#x mask %#lx: got %s, expected STATUS_SUCCESS\n", (unsigned int)types[t],
                (unsigned long)masks[i].mask, status_name( status ) );
            if (status) continue;
            ok( (ULONG_PTR)base + 0x2000 <= masks[i].limit, "type %#x mask %#lx: allocation %p-%p above %#lx\n",
                (unsigned int)types[t], (unsigned long)masks[i].mask, base, (char *)base + 0x2000,
                (unsigned long)masks[i].limit );
            check_mbi( base, base, 0x2000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
            release( base );
        }
}

/* ntdll test: only the leading zeroes of the mask matter: with MEM_TOP_DOWN and mask
 * 0x1aaaaaaa the address uses bits the mask does not have. */
TEST(NtAllocateVirtualMemory_zero_bits_mask_only_leading_zeroes_matter)
{
    void *base;
    NTSTATUS status = alloc_zb( &base, 0x1aaaaaaa, 0x1000, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN );

    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (status) return;
    ok( !((ULONG_PTR)base & ~(ULONG_PTR)0x1fffffff) && ((ULONG_PTR)base & ~(ULONG_PTR)0x1aaaaaaa),
        "address %p: expected inside 0x1fffffff and outside the mask's own bits\n", base );
    release( base );
}

/* zero_bits only constrains where a new allocation goes: with an explicit address inside an
 * existing granule the call still fails as a conflict (ntdll test). */
TEST(NtAllocateVirtualMemory_zero_bits_with_explicit_address)
{
    char *base = alloc_or_fail( 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    void *addr;
    SIZE_T size = 0x1000;
    NTSTATUS status;

    if (!base) return;
    addr = base + 0x1000;
    status = NtAllocateVirtualMemory( NtCurrentProcess(), &addr, 12, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "got %s, expected STATUS_CONFLICTING_ADDRESSES\n", status_name( status ) );
    release( base );
}

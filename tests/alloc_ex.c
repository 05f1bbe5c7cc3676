/*
 * NtAllocateVirtualMemoryEx and MemExtendedParameterAddressRequirements (LowestStartingAddress,
 * HighestEndingAddress, Alignment).
 *
 * Expectations: Wine 8.0 dlls/ntdll/tests/virtual.c test_NtAllocateVirtualMemoryEx and
 * test_NtAllocateVirtualMemoryEx_address_requirements ("ntdll test", pass on Windows), and the
 * MEM_ADDRESS_REQUIREMENTS doc (LowestStartingAddress must be a multiple of the allocation
 * granularity; HighestEndingAddress is inclusive and must not exceed
 * lpMaximumApplicationAddress; Alignment is a power of two, 0 meaning 64K; an all-zero
 * structure is the same as none).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "util.h"

static NTSTATUS alloc_ex( void **base, SIZE_T *size, ULONG type, ULONG prot, MEM_EXTENDED_PARAMETER *ext, ULONG count )
{
    return NtAllocateVirtualMemoryEx( NtCurrentProcess(), base, size, type, prot, ext, count );
}

static void set_requirements( MEM_EXTENDED_PARAMETER *ext, MEM_ADDRESS_REQUIREMENTS *req,
                              ULONG_PTR lowest, ULONG_PTR highest, SIZE_T align )
{
    memset( ext, 0, sizeof(*ext) );
    memset( req, 0, sizeof(*req) );
    ext->Type = MemExtendedParameterAddressRequirements;
    ext->Pointer = req;
    req->LowestStartingAddress = (void *)lowest;
    req->HighestEndingAddress = (void *)highest;
    req->Alignment = align;
}

TEST(NtAllocateVirtualMemoryEx_without_parameters_allocates)
{
    void *base = NULL;
    SIZE_T size = 0x1000;
    NTSTATUS status;

    status = alloc_ex( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE, NULL, 0 );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (status) return;
    ok( !((ULONG_PTR)base & (GRAN - 1)), "base %p not 64K-aligned\n", base );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READWRITE, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base, "rwx" );
    release( base );
}

/* ntdll test: a count with a NULL array, an invalid or out-of-range type, and a duplicated
 * address requirement are STATUS_INVALID_PARAMETER. */
TEST(NtAllocateVirtualMemoryEx_invalid_parameter_array_fails)
{
    MEM_EXTENDED_PARAMETER ext[2];
    MEM_ADDRESS_REQUIREMENTS req;
    void *base = NULL;
    SIZE_T size = 0x1000;
    NTSTATUS status;

    status = alloc_ex( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, NULL, 1 );
    ok( status == STATUS_INVALID_PARAMETER, "NULL array, count 1: got %s, expected STATUS_INVALID_PARAMETER\n",
        status_name( status ) );
    ok( base == NULL, "base changed to %p\n", base );

    memset( ext, 0, sizeof(ext) );
    ext[0].Type = MemExtendedParameterInvalidType;
    status = alloc_ex( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, 1 );
    ok( status == STATUS_INVALID_PARAMETER, "type 0: got %s, expected STATUS_INVALID_PARAMETER\n", status_name( status ) );

    ext[0].Type = MemExtendedParameterMax;
    status = alloc_ex( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, 1 );
    ok( status == STATUS_INVALID_PARAMETER, "type Max: got %s, expected STATUS_INVALID_PARAMETER\n", status_name( status ) );

    set_requirements( &ext[0], &req, 0, 0, 0 );
    ext[1] = ext[0];
    status = alloc_ex( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, 2 );
    ok( status == STATUS_INVALID_PARAMETER, "duplicate requirements: got %s, expected STATUS_INVALID_PARAMETER\n",
        status_name( status ) );
    ok( base == NULL, "base changed to %p\n", base );
}

/* The doc: an all-zero MEM_ADDRESS_REQUIREMENTS is the same as none. */
TEST(NtAllocateVirtualMemoryEx_zero_requirements_are_no_requirements)
{
    MEM_EXTENDED_PARAMETER ext;
    MEM_ADDRESS_REQUIREMENTS req;
    void *base = NULL;
    SIZE_T size = 0x1000;
    NTSTATUS status;

    set_requirements( &ext, &req, 0, 0, 0 );
    status = alloc_ex( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE, &ext, 1 );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (status) return;
    ok( !((ULONG_PTR)base & (GRAN - 1)), "base %p not 64K-aligned\n", base );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_EXECUTE_READWRITE, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    release( base );
}

/* ntdll test: HighestEndingAddress must be the last byte of a page (value + 1 page-aligned) and
 * at most the highest user address; the allocation ends at or below it. */
TEST(NtAllocateVirtualMemoryEx_highest_ending_address)
{
    ULONG_PTR highest = (ULONG_PTR)ntdll_mm_highest_address();
    static const ULONG_PTR bad[] = { 0x20001000 + 1, 0x20001000 - 2, 0x20000800 - 1, 0x20001000 };
    MEM_EXTENDED_PARAMETER ext;
    MEM_ADDRESS_REQUIREMENTS req;
    void *base, *addr;
    SIZE_T size;
    NTSTATUS status;
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(bad); i++)
    {
        set_requirements( &ext, &req, 0, bad[i], 0 );
        base = NULL;
        size = 0x10000;
        status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_EXECUTE_READWRITE, &ext, 1 );
        ok( status == STATUS_INVALID_PARAMETER, "highest %#lx: got %s, expected STATUS_INVALID_PARAMETER\n",
            (unsigned long)bad[i], status_name( status ) );
        if (!status) release( base );
    }

    set_requirements( &ext, &req, 0, highest + 0x1000, 0 );
    base = NULL;
    size = 0x10000;
    status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_EXECUTE_READWRITE, &ext, 1 );
    ok( status == STATUS_INVALID_PARAMETER, "highest above the user range: got %s, expected STATUS_INVALID_PARAMETER\n",
        status_name( status ) );
    if (!status) release( base );

    set_requirements( &ext, &req, 0, highest, 0 );
    base = NULL;
    size = 0x10000;
    status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_EXECUTE_READWRITE, &ext, 1 );
    ok( status == STATUS_SUCCESS, "highest = highest user address: got %s, expected STATUS_SUCCESS\n",
        status_name( status ) );
    if (!status) release( base );

    set_requirements( &ext, &req, 0, 0x20001000 - 1, 0 );
    base = NULL;
    size = 0x40000;
    status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_EXECUTE_READWRITE, &ext, 1 );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (status) return;
    ok( !((ULONG_PTR)base & 0xffff), "base %p not 64K-aligned\n", base );
    ok( (ULONG_PTR)base + size <= 0x20001000, "allocation %p + %#lx ends above 0x20001000\n", base, (unsigned long)size );
    check_mbi( base, base, 0x40000, MEM_RESERVE, 0, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );

    /* address requirements only apply to a new allocation at a free address */
    addr = base;
    size = 0x1000;
    status = alloc_ex( &addr, &size, MEM_COMMIT, PAGE_EXECUTE_READWRITE, &ext, 1 );
    ok( status == STATUS_INVALID_PARAMETER, "commit with requirements: got %s, expected STATUS_INVALID_PARAMETER\n",
        status_name( status ) );
    check_mbi( base, base, 0x40000, MEM_RESERVE, 0, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    release( base );

    addr = base;
    size = 0x40000;
    status = alloc_ex( &addr, &size, MEM_RESERVE, PAGE_EXECUTE_READWRITE, &ext, 1 );
    ok( status == STATUS_INVALID_PARAMETER, "fixed address with requirements: got %s, expected STATUS_INVALID_PARAMETER\n",
        status_name( status ) );
    if (!status) release( addr );
}

/* ntdll test: Alignment must be a power of two of at least 64K; the result is aligned; an
 * alignment that cannot be met below HighestEndingAddress is STATUS_NO_MEMORY. */
TEST(NtAllocateVirtualMemoryEx_alignment)
{
    static const SIZE_T good[] = { 0x10000, 0x40000, 0x100000, 0x1000000 };
    static const SIZE_T bad[] = { 0x8000, 0x30000, 0x1000, 0x50000 };
    MEM_EXTENDED_PARAMETER ext;
    MEM_ADDRESS_REQUIREMENTS req;
    void *base, *addr;
    SIZE_T size;
    NTSTATUS status;
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(good); i++)
    {
        set_requirements( &ext, &req, 0, 0, good[i] );
        base = NULL;
        size = 0x1000;
        status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_EXECUTE_READWRITE, &ext, 1 );
        ok( status == STATUS_SUCCESS, "alignment %#lx: got %s, expected STATUS_SUCCESS\n", (unsigned long)good[i],
            status_name( status ) );
        if (status) continue;
        ok( !((ULONG_PTR)base & (good[i] - 1)), "alignment %#lx: base %p\n", (unsigned long)good[i], base );
        check_mbi( base, base, 0x1000, MEM_RESERVE, 0, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );

        addr = base;
        size = 0x1000;
        status = alloc_ex( &addr, &size, MEM_COMMIT, PAGE_EXECUTE_READWRITE, &ext, 1 );
        ok( status == STATUS_INVALID_PARAMETER, "commit with alignment: got %s, expected STATUS_INVALID_PARAMETER\n",
            status_name( status ) );
        release( base );
    }

    for (i = 0; i < ARRAY_SIZE(bad); i++)
    {
        set_requirements( &ext, &req, 0, 0, bad[i] );
        base = NULL;
        size = 0x1000;
        status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_EXECUTE_READWRITE, &ext, 1 );
        ok( status == STATUS_INVALID_PARAMETER, "alignment %#lx: got %s, expected STATUS_INVALID_PARAMETER\n",
            (unsigned long)bad[i], status_name( status ) );
        if (!status) release( base );
    }

    set_requirements( &ext, &req, 0, 0x20001000 - 1, 0x10000 );
    base = NULL;
    size = 0x1000;
    status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_EXECUTE_READWRITE, &ext, 1 );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
    {
        ok( !((ULONG_PTR)base & 0xffff) && (ULONG_PTR)base + size < 0x20001000, "got %p\n", base );
        release( base );
    }

    set_requirements( &ext, &req, 0, 0x20001000 - 1, 0x20000000 );
    base = NULL;
    size = 0x2000;
    status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_EXECUTE_READWRITE, &ext, 1 );
    ok( status == STATUS_NO_MEMORY, "alignment beyond the limit: got %s, expected STATUS_NO_MEMORY\n",
        status_name( status ) );
    if (!status) release( base );
}

/* The doc: LowestStartingAddress must be a multiple of the allocation granularity; the
 * allocation starts at or above it (and ends at or below HighestEndingAddress). */
TEST(NtAllocateVirtualMemoryEx_lowest_starting_address)
{
    char *hole = find_free_range( 0x400000 );
    MEM_EXTENDED_PARAMETER ext;
    MEM_ADDRESS_REQUIREMENTS req;
    void *base;
    SIZE_T size;
    NTSTATUS status;

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }

    set_requirements( &ext, &req, (ULONG_PTR)hole + 0x100000, (ULONG_PTR)hole + 0x200000 - 1, 0 );
    base = NULL;
    size = 0x30000;
    status = alloc_ex( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, &ext, 1 );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
    {
        ok( (char *)base >= hole + 0x100000 && (char *)base + size <= hole + 0x200000,
            "allocation %p-%p outside %p-%p\n", base, (char *)base + size, hole + 0x100000, hole + 0x200000 );
        ok( !((ULONG_PTR)base & 0xffff), "base %p not 64K-aligned\n", base );
        check_mbi( base, base, 0x30000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
        release( base );
    }

    /* lowest only: no upper limit */
    set_requirements( &ext, &req, (ULONG_PTR)hole + 0x300000, 0, 0 );
    base = NULL;
    size = 0x10000;
    status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_READWRITE, &ext, 1 );
    ok( status == STATUS_SUCCESS, "lowest only: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
    {
        ok( (char *)base >= hole + 0x300000, "allocation %p below %p\n", base, hole + 0x300000 );
        release( base );
    }

    /* MEM_TOP_DOWN inside [lowest, highest]: the highest fitting slot */
    set_requirements( &ext, &req, (ULONG_PTR)hole, (ULONG_PTR)hole + 0x400000 - 1, 0 );
    base = NULL;
    size = 0x10000;
    status = alloc_ex( &base, &size, MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE, &ext, 1 );
    ok( status == STATUS_SUCCESS, "top-down in range: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
    {
        ok( base == hole + 0x3f0000, "top-down in range: got %p, expected %p\n", base, hole + 0x3f0000 );
        release( base );
    }

    /* bottom-up inside [lowest, highest]: the lowest fitting slot */
    base = NULL;
    size = 0x10000;
    status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_READWRITE, &ext, 1 );
    ok( status == STATUS_SUCCESS, "bottom-up in range: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
    {
        ok( base == hole, "bottom-up in range: got %p, expected %p\n", base, hole );
        release( base );
    }

    /* not a multiple of the granularity.  Only the doc speaks: "must be"; the status is not
     * documented, any invalid parameter status is accepted. */
    set_requirements( &ext, &req, (ULONG_PTR)hole + 0x1000, 0, 0 );
    base = NULL;
    size = 0x10000;
    status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_READWRITE, &ext, 1 );
    ok( is_invalid_parameter( status ), "unaligned lowest: got %s, expected STATUS_INVALID_PARAMETER\n",
        status_name( status ) );
    if (!status) release( base );

    /* a range too small for the allocation */
    set_requirements( &ext, &req, (ULONG_PTR)hole, (ULONG_PTR)hole + 0x10000 - 1, 0 );
    base = NULL;
    size = 0x20000;
    status = alloc_ex( &base, &size, MEM_RESERVE, PAGE_READWRITE, &ext, 1 );
    ok( status == STATUS_NO_MEMORY, "range too small: got %s, expected STATUS_NO_MEMORY\n", status_name( status ) );
    if (!status) release( base );
}

/* MemExtendedParameterNumaNode, "the preferred NUMA node for new memory allocations created by
 * VirtualAlloc2 and MapViewOfFile3" (MEM_EXTENDED_PARAMETER_TYPE doc): node 0 exists on every
 * machine, so VirtualAlloc2 with it succeeds (tests/pe/alloc2.c, as on Windows and stock Wine),
 * also with address requirements beside it, and for a view.  A node number the machine cannot
 * have and a second NUMA parameter are refused (our choice: STATUS_INVALID_PARAMETER).
 * MemExtendedParameterAttributeFlags (Wine's later ntdll test_NtAllocateVirtualMemoryEx, passes
 * on Windows): 0 is accepted, twice is STATUS_INVALID_PARAMETER, and a flag that needs ARM64
 * (MEM_EXTENDED_PARAMETER_EC_CODE) is refused on x86_64. */
TEST(NtAllocateVirtualMemoryEx_numa_node_and_attribute_flags)
{
    static const struct { const char *what; int n; struct { int type; ULONG64 value; } p[2]; NTSTATUS expect; } tests[] =
    {
        { "node 0", 1, { { MemExtendedParameterNumaNode, 0 } }, STATUS_SUCCESS },
        { "node 0 + requirements", 2, { { MemExtendedParameterNumaNode, 0 }, { MemExtendedParameterAddressRequirements, 0 } },
          STATUS_SUCCESS },
        { "node 65536", 1, { { MemExtendedParameterNumaNode, 65536 } }, STATUS_INVALID_PARAMETER },
        { "node ~0", 1, { { MemExtendedParameterNumaNode, 0xffffffff } }, STATUS_INVALID_PARAMETER },
        { "two nodes", 2, { { MemExtendedParameterNumaNode, 0 }, { MemExtendedParameterNumaNode, 0 } },
          STATUS_INVALID_PARAMETER },
        { "flags 0", 1, { { MemExtendedParameterAttributeFlags, 0 } }, STATUS_SUCCESS },
        { "flags 0 twice", 2, { { MemExtendedParameterAttributeFlags, 0 }, { MemExtendedParameterAttributeFlags, 0 } },
          STATUS_INVALID_PARAMETER },
        { "EC code flag", 1, { { MemExtendedParameterAttributeFlags, 0x1 /* MEM_EXTENDED_PARAMETER_EC_CODE */ } },
          STATUS_INVALID_PARAMETER },
        { "partition handle", 1, { { MemExtendedParameterPartitionHandle, 0 } }, STATUS_INVALID_PARAMETER },
    };
    HANDLE section = NULL;
    LARGE_INTEGER ssize = { .QuadPart = 0x10000 };

    ok( !NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, &ssize, PAGE_READWRITE, SEC_COMMIT, NULL ), "section\n" );
    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
    {
        MEM_EXTENDED_PARAMETER ext[2];
        MEM_ADDRESS_REQUIREMENTS req;
        void *base = NULL;
        SIZE_T size = 0x10000;
        NTSTATUS status;

        memset( ext, 0, sizeof(ext) );
        memset( &req, 0, sizeof(req) );
        for (int j = 0; j < tests[i].n; j++)
        {
            ext[j].Type = tests[i].p[j].type;
            if (ext[j].Type == MemExtendedParameterAddressRequirements) ext[j].Pointer = &req;
            else ext[j].ULong64 = tests[i].p[j].value;
        }
        status = alloc_ex( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, tests[i].n );
        ok( status == tests[i].expect, "%s: allocation got %s, expected %s\n", tests[i].what, status_name( status ),
            status_name( tests[i].expect ) );
        if (!status)
        {
            check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
            *(volatile char *)base = 1;
            release( base );
        }
        else ok( !base, "%s: base %p returned\n", tests[i].what, base );

        if (!section) continue;
        base = NULL;
        size = 0;
        status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &base, NULL, &size, 0, PAGE_READWRITE, ext,
                                       tests[i].n );
        ok( status == tests[i].expect, "%s: view got %s, expected %s\n", tests[i].what, status_name( status ),
            status_name( tests[i].expect ) );
        if (!status) NtUnmapViewOfSection( NtCurrentProcess(), base );
    }
    if (section) NtClose( section );
    check_invariants();
}

/* NtMapViewOfSectionEx's own rules (Wine 10.0's ntdll test_NtMapViewOfSectionEx and wow64.c
 * test_image_mappings, which pass on Windows): no alignment at all, the allocation granularity's
 * included; MemExtendedParameterImageMachine once (twice is STATUS_INVALID_PARAMETER), which
 * NtAllocateVirtualMemoryEx refuses; a data section ignores the machine; an image section for
 * another machine than the one asked is STATUS_NOT_SUPPORTED. */
TEST(NtMapViewOfSectionEx_no_alignment_and_image_machine)
{
    MEM_EXTENDED_PARAMETER ext[2];
    MEM_ADDRESS_REQUIREMENTS req;
    LARGE_INTEGER ssize = { .QuadPart = 0x10000 };
    HANDLE section = NULL;
    void *base;
    SIZE_T size;
    NTSTATUS status;

    ok( !NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, &ssize, PAGE_READWRITE, SEC_COMMIT, NULL ), "section\n" );
    if (!section) return;
    for (SIZE_T align = 0x1000; align; align <<= 4)
    {
        set_requirements( &ext[0], &req, 0, 0, align );
        base = NULL;
        size = 0;
        status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &base, NULL, &size, 0, PAGE_READWRITE, ext, 1 );
        ok( status == STATUS_INVALID_PARAMETER, "alignment %#lx: got %s\n", (unsigned long)align, status_name( status ) );
        if (!status) NtUnmapViewOfSection( NtCurrentProcess(), base );
    }
    memset( ext, 0, sizeof(ext) );
    ext[0].Type = ext[1].Type = 6 /* MemExtendedParameterImageMachine (Windows SDK) */;
    base = NULL;
    size = 0;
    status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &base, NULL, &size, 0, PAGE_READWRITE, ext, 2 );
    ok( status == STATUS_INVALID_PARAMETER, "two machines: got %s\n", status_name( status ) );
    ext[0].ULong = IMAGE_FILE_MACHINE_I386;
    status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &base, NULL, &size, 0, PAGE_READWRITE, ext, 1 );
    ok( status == STATUS_SUCCESS, "data section with a machine: got %s\n", status_name( status ) );
    if (!status) NtUnmapViewOfSection( NtCurrentProcess(), base );
    base = NULL;
    size = 0x1000;
    status = NtAllocateVirtualMemoryEx( NtCurrentProcess(), &base, &size, MEM_RESERVE, PAGE_READWRITE, ext, 1 );
    ok( status == STATUS_INVALID_PARAMETER, "allocation with a machine: got %s\n", status_name( status ) );
    NtClose( section );
}

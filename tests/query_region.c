/*
 * NtQueryVirtualMemory, MemoryRegionInformation: one allocation as a whole.
 *
 * Expectations:
 *   Wine 8.0 dlls/ntdll/tests/virtual.c test_query_region_information ("ntdll test", passes on
 *   Windows): the buffer may stop after CommitSize (or after PartitionId) but not before
 *   RegionSize's end; AllocationBase/AllocationProtect as reserved; RegionSize of a whole
 *   reservation; and the RegionType flags all clear for NtQueryVirtualMemory's
 *   MemoryRegionInformation class (native fills them only for the Ex class used by
 *   QueryVirtualMemoryInformation).
 *   WIN32_MEMORY_REGION_INFORMATION doc: RegionSize is "the size of the allocation";
 *   CommitSize is, for private memory, "the combined size of the pages in the region that are
 *   committed, as opposed to reserved".
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <string.h>
#include "util.h"

static NTSTATUS query_region( const void *addr, MEMORY_REGION_INFORMATION *info, SIZE_T len, SIZE_T *ret_len )
{
    memset( info, 0x11, sizeof(*info) );
    return NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryRegionInformation, info, len, ret_len );
}

static void check_flags_clear( const MEMORY_REGION_INFORMATION *info, const char *what )
{
    ok( !info->Private, "%s: Private %u\n", what, info->Private );
    ok( !info->MappedDataFile, "%s: MappedDataFile %u\n", what, info->MappedDataFile );
    ok( !info->MappedImage, "%s: MappedImage %u\n", what, info->MappedImage );
    ok( !info->MappedPageFile, "%s: MappedPageFile %u\n", what, info->MappedPageFile );
    ok( !info->MappedPhysical, "%s: MappedPhysical %u\n", what, info->MappedPhysical );
    ok( !info->DirectMapped, "%s: DirectMapped %u\n", what, info->DirectMapped );
}

TEST(NtQueryVirtualMemory_region_information_lengths)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_READWRITE );
    MEMORY_REGION_INFORMATION info;
    SIZE_T len;
    NTSTATUS status;

    if (!base) return;
    status = query_region( base, &info, offsetof(MEMORY_REGION_INFORMATION, PartitionId), &len );
    ok( status == STATUS_SUCCESS, "up to PartitionId: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    status = query_region( base, &info, offsetof(MEMORY_REGION_INFORMATION, CommitSize), &len );
    ok( status == STATUS_SUCCESS, "up to CommitSize: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
        ok( info.AllocationBase == base && info.RegionSize == 0x10000, "short: base %p size %#lx\n",
            info.AllocationBase, (unsigned long)info.RegionSize );
    len = 0;
    status = query_region( base, &info, offsetof(MEMORY_REGION_INFORMATION, RegionSize), &len );
    ok( status == STATUS_INFO_LENGTH_MISMATCH, "up to RegionSize: got %s, expected STATUS_INFO_LENGTH_MISMATCH\n",
        status_name( status ) );
    ok( len == sizeof(MEMORY_REGION_INFORMATION), "up to RegionSize: needed length %#lx, expected %#lx\n",
        (unsigned long)len, (unsigned long)sizeof(MEMORY_REGION_INFORMATION) );
    status = query_region( base, &info, 0, &len );
    ok( status == STATUS_INFO_LENGTH_MISMATCH, "zero: got %s, expected STATUS_INFO_LENGTH_MISMATCH\n",
        status_name( status ) );
    status = query_region( base, &info, sizeof(info), NULL );
    ok( status == STATUS_SUCCESS, "NULL length pointer: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    release( base );
}

TEST(NtQueryVirtualMemory_region_information_reserved)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_READWRITE );
    MEMORY_REGION_INFORMATION info;
    SIZE_T len = 0;
    NTSTATUS status;

    if (!base) return;
    status = query_region( base, &info, sizeof(info), &len );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
    {
        ok( info.AllocationBase == base, "AllocationBase %p, expected %p\n", info.AllocationBase, base );
        ok( info.AllocationProtect == PAGE_READWRITE, "AllocationProtect %#x\n", (unsigned int)info.AllocationProtect );
        ok( info.RegionSize == 0x10000, "RegionSize %#lx, expected 0x10000\n", (unsigned long)info.RegionSize );
        ok( info.CommitSize == 0, "CommitSize %#lx, expected 0\n", (unsigned long)info.CommitSize );
        check_flags_clear( &info, "reserved" );
    }
    release( base );
}

TEST(NtQueryVirtualMemory_region_information_committed)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    MEMORY_REGION_INFORMATION info;
    SIZE_T len = 0;
    NTSTATUS status;

    if (!base) return;
    status = query_region( base + 0x4321, &info, sizeof(info), &len );
    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status)
    {
        ok( info.AllocationBase == base, "AllocationBase %p, expected %p\n", info.AllocationBase, base );
        ok( info.AllocationProtect == PAGE_READWRITE, "AllocationProtect %#x\n", (unsigned int)info.AllocationProtect );
        ok( info.RegionSize == 0x10000, "RegionSize %#lx, expected 0x10000\n", (unsigned long)info.RegionSize );
        ok( info.CommitSize == 0x10000, "CommitSize %#lx, expected 0x10000\n", (unsigned long)info.CommitSize );
        check_flags_clear( &info, "committed" );
    }
    release( base );
}

/* The doc: the region is the whole allocation, whatever page is queried and however its pages
 * differ; CommitSize counts the committed pages only. */
TEST(NtQueryVirtualMemory_region_information_mixed_allocation)
{
    char *base = alloc_or_fail( 0x20000, MEM_RESERVE, PAGE_EXECUTE_READ );
    MEMORY_REGION_INFORMATION info;
    void *addr;
    SIZE_T size, len = 0;
    ULONG old;
    NTSTATUS status;
    static const ULONG offsets[] = { 0, 0x3000, 0x5123, 0x1ffff };
    unsigned int i;

    if (!base) return;
    addr = base + 0x3000; size = 0x2000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    ok( !nt_protect( base + 0x4000, 0x1000, PAGE_READONLY, &old ), "protect failed\n" );
    for (i = 0; i < ARRAY_SIZE(offsets); i++)
    {
        status = query_region( base + offsets[i], &info, sizeof(info), &len );
        ok( status == STATUS_SUCCESS, "+%#x: got %s, expected STATUS_SUCCESS\n", (unsigned int)offsets[i], status_name( status ) );
        if (status) continue;
        ok( info.AllocationBase == base, "+%#x: AllocationBase %p, expected %p\n", (unsigned int)offsets[i],
            info.AllocationBase, base );
        ok( info.AllocationProtect == PAGE_EXECUTE_READ, "+%#x: AllocationProtect %#x\n", (unsigned int)offsets[i],
            (unsigned int)info.AllocationProtect );
        ok( info.RegionSize == 0x20000, "+%#x: RegionSize %#lx, expected 0x20000\n", (unsigned int)offsets[i],
            (unsigned long)info.RegionSize );
        ok( info.CommitSize == 0x2000, "+%#x: CommitSize %#lx, expected 0x2000\n", (unsigned int)offsets[i],
            (unsigned long)info.CommitSize );
    }
    release( base );
}

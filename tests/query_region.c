/*
 * NtQueryVirtualMemory, MemoryRegionInformation: one allocation as a whole.
 *
 * Expectations:
 *   Wine 8.0 dlls/ntdll/tests/virtual.c test_query_region_information ("ntdll test", passes on
 *   Windows): the buffer may stop after CommitSize (or after PartitionId) but not before
 *   RegionSize's end; AllocationBase/AllocationProtect as reserved; RegionSize of a whole
 *   reservation; and the RegionType flags all clear for NtQueryVirtualMemory's
 *   MemoryRegionInformation class (native fills them for the Ex class only).
 *   MemoryRegionInformationEx: the same structure with RegionType filled, in the layout of
 *   System Informer's phnt ntmmapi.h (Private, MappedDataFile, MappedImage, MappedPageFile,
 *   ..., PlaceholderReservation bit 8, MappedWriteWatch bit 10, PageSizeLarge bit 11); the
 *   placeholder cases are in placeholder.c.
 *   WIN32_MEMORY_REGION_INFORMATION doc: RegionSize is "the size of the allocation";
 *   CommitSize is, for private memory, "the combined size of the pages in the region that are
 *   committed, as opposed to reserved".
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include "section_util.h"
#include "image_util.h"

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

/* MemoryRegionInformationEx: RegionType says what the allocation is (one kind bit, plus
 * MappedWriteWatch for MEM_WRITE_WATCH memory); the rest as the plain class, which keeps
 * RegionType 0 for every kind. */
TEST(NtQueryVirtualMemory_region_information_ex_kinds)
{
    enum { PRIV, WATCHED, PAGEFILE_VIEW, FILE_VIEW, IMAGE_VIEW, PROGRAM_ANON, PROGRAM_FILE };
    static const struct { int kind; const char *what; ULONG type; } tests[] =
    {
        { PRIV, "private", NTDLL_MM_REGION_PRIVATE },
        { WATCHED, "write-watch", NTDLL_MM_REGION_PRIVATE | NTDLL_MM_REGION_MAPPED_WRITE_WATCH },
        { PAGEFILE_VIEW, "pagefile view", NTDLL_MM_REGION_MAPPED_PAGE_FILE },
        { FILE_VIEW, "file view", NTDLL_MM_REGION_MAPPED_DATA_FILE },
        { IMAGE_VIEW, "image view", NTDLL_MM_REGION_MAPPED_IMAGE },
        { PROGRAM_ANON, "program's private mapping", NTDLL_MM_REGION_PRIVATE },
        { PROGRAM_FILE, "program's file mapping", NTDLL_MM_REGION_MAPPED_DATA_FILE },
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
    {
        char path[512] = "", tmpl[] = "/tmp/ntdll-mm-region-XXXXXX";
        HANDLE file = NULL, section = NULL;
        MEMORY_REGION_INFORMATION info, plain;
        struct test_pe pe;
        char *base = NULL;
        SIZE_T size = 0, len = 0, expect_size = 0x20000;
        NTSTATUS status;
        int fd = -1;

        switch (tests[i].kind)
        {
        case PRIV:
            base = alloc_or_fail( 0x20000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
            break;
        case WATCHED:
            base = alloc_or_fail( 0x20000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
            break;
        case PAGEFILE_VIEW:
            if ((section = section_or_fail( SECTION_ALL_ACCESS, 0x20000, PAGE_READWRITE, SEC_COMMIT, NULL )))
                base = view_or_fail( section, PAGE_READWRITE );
            break;
        case FILE_VIEW:
            if (make_test_file( path, "region", 0x20000 )) break;
            if (!(file = open_file( path, FILE_READ_DATA | FILE_WRITE_DATA ))) break;
            if ((section = section_or_fail( SECTION_ALL_ACCESS, 0, PAGE_READWRITE, SEC_COMMIT, file )))
                base = view_or_fail( section, PAGE_READONLY );
            break;
        case IMAGE_VIEW:
            build_pe( &pe, 1, 2, 0, 0 );
            expect_size = 0x3000;
            if ((fd = mkstemp( tmpl )) >= 0 && write( fd, pe.data, pe.size ) == (ssize_t)pe.size)
            {
                unlink( tmpl );
                ok( !ntdll_mm_file_handle_from_fd( fd, GENERIC_READ | GENERIC_EXECUTE, &file ), "file handle\n" );
                status = NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, SEC_IMAGE, file );
                ok( !status, "image section: %s\n", sstatus( status ) );
                if (!status && !NT_SUCCESS( NtMapViewOfSection( section, NtCurrentProcess(), (void **)&base, 0, 0, NULL,
                                                                 &size, ViewShare, 0, PAGE_READONLY ) ))
                    base = NULL;
            }
            if (fd >= 0) close( fd );
            free_pe( &pe );
            break;
        case PROGRAM_ANON:
            base = mmap( NULL, 0x20000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );
            if (base == MAP_FAILED) base = NULL;
            break;
        case PROGRAM_FILE:
            if (make_test_file( path, "region-mmap", 0x20000 ) || (fd = open( path, O_RDONLY | O_CLOEXEC )) < 0) break;
            base = mmap( NULL, 0x20000, PROT_READ, MAP_SHARED, fd, 0 );
            if (base == MAP_FAILED) base = NULL;
            close( fd );
            break;
        }
        ok( base != NULL, "%s: no memory to query\n", tests[i].what );
        if (base)
        {
            memset( &info, 0x11, sizeof(info) );
            status = NtQueryVirtualMemory( NtCurrentProcess(), base + 0x1000, MemoryRegionInformationEx, &info,
                                           sizeof(info), &len );
            ok( status == STATUS_SUCCESS && len == sizeof(info), "%s: %s len %#lx\n", tests[i].what,
                status_name( status ), (unsigned long)len );
            ok( info.RegionType == tests[i].type, "%s: RegionType %#x, expected %#x\n", tests[i].what,
                (unsigned int)info.RegionType, (unsigned int)tests[i].type );
            /* the kernel may merge the program's anonymous mapping with a neighbour */
            if (tests[i].kind == PROGRAM_ANON)
                ok( (char *)info.AllocationBase <= base && (char *)info.AllocationBase + info.RegionSize >= base + 0x20000,
                    "%s: region %p %#lx does not cover %p\n", tests[i].what, info.AllocationBase,
                    (unsigned long)info.RegionSize, base );
            else
                ok( info.AllocationBase == base && info.RegionSize == expect_size, "%s: region %p %#lx, expected %p %#lx\n",
                    tests[i].what, info.AllocationBase, (unsigned long)info.RegionSize, base, (unsigned long)expect_size );
            memset( &plain, 0x11, sizeof(plain) );
            status = NtQueryVirtualMemory( NtCurrentProcess(), base + 0x1000, MemoryRegionInformation, &plain,
                                           sizeof(plain), NULL );
            ok( status == STATUS_SUCCESS && !plain.RegionType, "%s: plain class %s RegionType %#x\n", tests[i].what,
                status_name( status ), (unsigned int)plain.RegionType );
            plain.RegionType = info.RegionType;
            ok( !memcmp( &plain, &info, sizeof(info) ), "%s: the classes differ beyond RegionType\n", tests[i].what );
            /* the Ex class takes the same buffer lengths */
            status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryRegionInformationEx, &info,
                                           offsetof( MEMORY_REGION_INFORMATION, RegionSize ), &len );
            ok( status == STATUS_INFO_LENGTH_MISMATCH, "%s: short buffer: %s\n", tests[i].what, status_name( status ) );
        }
        check_invariants();
        switch (tests[i].kind)
        {
        case PRIV: case WATCHED: if (base) release( base ); break;
        case PROGRAM_ANON: case PROGRAM_FILE: if (base) munmap( base, 0x20000 ); break;
        default: if (base) unmap( base ); break;
        }
        if (section) close_handle( section );
        if (file) close_handle( file );
        if (path[0]) remove_test_file( path );
    }
}

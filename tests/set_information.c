/*
 * NtSetInformationVirtualMemory: VmPrefetchInformation's parameter checks and its effect
 * (MADV_WILLNEED reads a file view's pages in: mincore() shows them resident), and the other
 * information classes.
 *
 * Expectations: Wine 8.0 dlls/ntdll/tests/virtual.c test_prefetch and dlls/kernel32/tests/
 * virtual.c test_PrefetchVirtualMemory (both pass on Windows): an unknown class is
 * STATUS_INVALID_PARAMETER_2 whatever else is wrong; then a NULL information pointer _5, a
 * length other than sizeof(ULONG) _6, a count of 0 _3, NULL entries STATUS_ACCESS_VIOLATION, an
 * entry of 0 bytes _4; unaligned, unmapped and stack ranges succeed.  The flags ULONG "must be
 * 0" (ZwSetInformationVirtualMemory documentation; the status is ours: _5).  Classes NT
 * documents that the library does not implement: STATUS_NOT_SUPPORTED.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "section_util.h"

static char testmem[] = "Test memory range data";

TEST(NtSetInformationVirtualMemory_parameters)
{
    MEMORY_RANGE_ENTRY entries[2], empty = { NULL, 0 }, null_page = { NULL, PAGE };
    ULONG zero = 0, flags = 1, big[2] = { 0, 0 };
    static const struct
    {
        int line;
        int info_class;
        int count;               /* number of entries; -1: 1 with a NULL array */
        int entry;               /* 0: testmem, 1: empty entry, 2: NULL address one page */
        int info;                /* 0: NULL, 1: zero flags, 2: flags 1, 3: two ULONGs */
        ULONG len;
        NTSTATUS expect;
    }
    tests[] =
    {
        { __LINE__, -1,                    1,  0, 0, 32, STATUS_INVALID_PARAMETER_2 },
        { __LINE__, -1,                    0,  0, 0, 0,  STATUS_INVALID_PARAMETER_2 },
        { __LINE__, -1,                    -1, 0, 0, 32, STATUS_INVALID_PARAMETER_2 },
        { __LINE__, 8,                     1,  0, 1, 4,  STATUS_INVALID_PARAMETER_2 },
        { __LINE__, VmPrefetchInformation, 1,  0, 0, 0,  STATUS_INVALID_PARAMETER_5 },
        { __LINE__, VmPrefetchInformation, -1, 0, 0, 0,  STATUS_INVALID_PARAMETER_5 },
        { __LINE__, VmPrefetchInformation, 0,  0, 0, 0,  STATUS_INVALID_PARAMETER_5 },
        { __LINE__, VmPrefetchInformation, 1,  0, 3, 8,  STATUS_INVALID_PARAMETER_6 },
        { __LINE__, VmPrefetchInformation, 0,  0, 3, 8,  STATUS_INVALID_PARAMETER_6 },
        { __LINE__, VmPrefetchInformation, 1,  0, 1, 2,  STATUS_INVALID_PARAMETER_6 },
        { __LINE__, VmPrefetchInformation, 0,  0, 1, 2,  STATUS_INVALID_PARAMETER_6 },
        { __LINE__, VmPrefetchInformation, 0,  0, 1, 4,  STATUS_INVALID_PARAMETER_3 },
        { __LINE__, VmPrefetchInformation, -1, 0, 1, 4,  STATUS_ACCESS_VIOLATION },
        { __LINE__, VmPrefetchInformation, 1,  1, 1, 4,  STATUS_INVALID_PARAMETER_4 },
        { __LINE__, VmPrefetchInformation, 2,  1, 1, 4,  STATUS_INVALID_PARAMETER_4 },
        { __LINE__, VmPrefetchInformation, 1,  0, 2, 4,  STATUS_INVALID_PARAMETER_5 },
        { __LINE__, VmPrefetchInformation, 1,  2, 1, 4,  STATUS_SUCCESS },
        { __LINE__, VmPrefetchInformation, 1,  0, 1, 4,  STATUS_SUCCESS },
        { __LINE__, VmPrefetchInformation, 2,  0, 1, 4,  STATUS_SUCCESS },
        { __LINE__, VmPagePriorityInformation,  1, 0, 1, 4, STATUS_NOT_SUPPORTED },
        { __LINE__, VmCfgCallTargetInformation, 1, 0, 1, 4, STATUS_NOT_SUPPORTED },
        { __LINE__, 3 /* VmPageDirtyStateInformation */,       1, 0, 1, 4, STATUS_NOT_SUPPORTED },
        { __LINE__, 7 /* VmRemoveFromWorkingSetInformation */, 1, 0, 1, 4, STATUS_NOT_SUPPORTED },
    };
    char stackmem[] = "Test stack mem";
    NTSTATUS status;

    for (unsigned int i = 0; i < ARRAY_SIZE( tests ); i++)
    {
        void *info = tests[i].info == 0 ? NULL : tests[i].info == 1 ? (void *)&zero :
                     tests[i].info == 2 ? (void *)&flags : (void *)big;
        MEMORY_RANGE_ENTRY *e = tests[i].count < 0 ? NULL : entries;
        ULONG_PTR count = tests[i].count < 0 ? 1 : tests[i].count;

        entries[0].VirtualAddress = testmem;
        entries[0].NumberOfBytes = sizeof(testmem);
        entries[1].VirtualAddress = (void *)((ULONG_PTR)stackmem & ~(ULONG_PTR)(PAGE - 1));
        entries[1].NumberOfBytes = PAGE;
        if (tests[i].entry == 1) entries[count > 1 ? 1 : 0] = empty;
        if (tests[i].entry == 2) entries[0] = null_page;
        status = NtSetInformationVirtualMemory( NtCurrentProcess(), tests[i].info_class, count, e, info, tests[i].len );
        mmtest_ok( __FILE__, tests[i].line, status == tests[i].expect, "class %d: got %s, expected %s\n",
                   tests[i].info_class, status_name( status ), status_name( tests[i].expect ) );
    }

    entries[0].VirtualAddress = testmem;
    entries[0].NumberOfBytes = sizeof(testmem);
    status = NtSetInformationVirtualMemory( (HANDLE)0xdead0, VmPrefetchInformation, 1, entries, &zero, sizeof(zero) );
    ok( status == STATUS_INVALID_HANDLE, "got %s\n", status_name( status ) );
    /* an information pointer that cannot be read */
    status = NtSetInformationVirtualMemory( NtCurrentProcess(), VmPrefetchInformation, 1, entries, (void *)0x10,
                                            sizeof(zero) );
    ok( status == STATUS_ACCESS_VIOLATION, "got %s\n", status_name( status ) );
}

/* Library memory: committed, reserved and free ranges are all accepted */
TEST(NtSetInformationVirtualMemory_prefetch_allocations)
{
    char *base = alloc_or_fail( GRAN, MEM_RESERVE, PAGE_READWRITE );
    MEMORY_RANGE_ENTRY entries[3];
    ULONG zero = 0;
    NTSTATUS status;
    void *addr;
    SIZE_T size;

    if (!base) return;
    addr = base; size = 4 * PAGE;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    memset( base, 0x11, 4 * PAGE );
    entries[0].VirtualAddress = base;
    entries[0].NumberOfBytes = 4 * PAGE;
    entries[1].VirtualAddress = base + 2 * PAGE;
    entries[1].NumberOfBytes = GRAN - 2 * PAGE;    /* committed then reserved */
    entries[2].VirtualAddress = base + GRAN;       /* whatever follows, maybe free */
    entries[2].NumberOfBytes = GRAN;
    status = NtSetInformationVirtualMemory( NtCurrentProcess(), VmPrefetchInformation, 3, entries, &zero, sizeof(zero) );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    /* a hint only: contents and state are untouched, reserved pages stay empty */
    ok( base[PAGE] == 0x11, "contents changed: %#x\n", base[PAGE] );
    ok( page_present( base + 5 * PAGE ) == 0, "reserved page present after prefetch\n" );
    check_invariants();
    release( base );
}

static unsigned int resident_pages( void *addr, size_t pages )
{
    unsigned char vec[64];
    unsigned int n = 0;

    if (pages > sizeof(vec) || mincore( addr, pages * PAGE, vec )) return ~0u;
    for (size_t i = 0; i < pages; i++) n += vec[i] & 1;
    return n;
}

/* A file view whose pages are not in the page cache: the prefetch reads them in */
TEST(NtSetInformationVirtualMemory_prefetch_reads_file)
{
    const size_t pages = 64;
    MEMORY_RANGE_ENTRY entry;
    char path[512];
    HANDLE file, section;
    unsigned int before, after = 0;
    ULONG zero = 0;
    NTSTATUS status;
    void *view;
    int fd;

    if (make_test_file( path, "prefetch", pages * PAGE )) return;
    /* write the file back and drop it from the page cache */
    if ((fd = open( path, O_RDONLY )) < 0)
    {
        ok( 0, "open %s failed\n", path );
        remove_test_file( path );
        return;
    }
    fsync( fd );
    posix_fadvise( fd, 0, 0, POSIX_FADV_DONTNEED );
    close( fd );
    file = open_file( path, GENERIC_READ );
    section = file ? section_or_fail( SECTION_QUERY | SECTION_MAP_READ, 0, PAGE_READONLY, SEC_COMMIT, file ) : NULL;
    view = section ? view_or_fail( section, PAGE_READONLY ) : NULL;
    if (!view) goto done;
    before = resident_pages( view, pages );
    if (before)
    {
        skip( "%u of %zu pages of the file stay in the page cache after POSIX_FADV_DONTNEED\n", before, pages );
        goto done;
    }
    entry.VirtualAddress = view;
    entry.NumberOfBytes = pages * PAGE;
    status = NtSetInformationVirtualMemory( NtCurrentProcess(), VmPrefetchInformation, 1, &entry, &zero, sizeof(zero) );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    /* readahead is asynchronous: give it up to two seconds */
    for (int i = 0; i < 200 && (after = resident_pages( view, pages )) < pages; i++)
    {
        struct timespec ts = { 0, 10000000 };
        nanosleep( &ts, NULL );
    }
    ok( after > 0 && after != ~0u, "%u of %zu pages resident after the prefetch\n", after, pages );
    /* the pages were read in, not mapped: nothing is in the view's page tables yet */
    ok( !(pagemap_entry( view ) & PM_PRESENT), "prefetch mapped the page\n" );
    ok( ((unsigned char *)view)[PAGE] == pattern_byte( PAGE ), "contents %#x, expected %#x\n",
        ((unsigned char *)view)[PAGE], pattern_byte( PAGE ) );
done:
    if (view) unmap( view );
    close_handle( section );
    close_handle( file );
    remove_test_file( path );
}

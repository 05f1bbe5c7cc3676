/*
 * Conformance: write-watched memory (VirtualAlloc MEM_WRITE_WATCH,
 * GetWriteWatch, ResetWriteWatch).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

static SIZE_T page;

/* GetWriteWatch into a 64-entry array; returns the count, or ~0 on failure. */
static ULONG_PTR watched( DWORD flags, void *base, SIZE_T size, void **results, ULONG_PTR max )
{
    ULONG_PTR count = max;
    ULONG granularity = 0;
    UINT ret;

    ret = GetWriteWatch( flags, base, size, results, &count, &granularity );
    ok( ret == 0, "GetWriteWatch failed: %u, error %lu\n", ret, GetLastError() );
    ok( granularity == page, "granularity %lu, expected the page size\n", granularity );
    return ret ? ~(ULONG_PTR)0 : count;
}

static void test_GetWriteWatch_reports_written_pages(void)
{
    MEMORY_BASIC_INFORMATION info;
    void *results[64];
    ULONG_PTR count;
    DWORD old;
    char *base;

    /* VirtualAlloc, MEM_WRITE_WATCH: "Causes the system to track pages that are written to in the
     * allocated region." (kernel32/tests/virtual.c test_write_watch). */
    base = VirtualAlloc( NULL, 16 * page, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc(MEM_WRITE_WATCH) failed, error %lu\n", GetLastError() );
    if (!base) return;
    ok( mm_query( base, &info ) && info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE &&
        info.Type == MEM_PRIVATE && info.RegionSize == 16 * page, "region state %#lx protect %#lx size %#Ix\n",
        info.State, info.Protect, info.RegionSize );

    /* GetWriteWatch (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-getwritewatch):
     * nothing written yet, nothing reported. */
    count = watched( 0, base, 16 * page, results, 64 );
    ok( count == 0, "count %Iu before any write\n", count );

    base[page + 1] = 1;
    base[5 * page + 100] = 1;
    base[5 * page + 200] = 1;
    count = watched( 0, base, 16 * page, results, 64 );
    ok( count == 2, "count %Iu, expected 2\n", count );
    ok( count >= 1 && results[0] == base + page, "first page %p, expected %p\n", results[0], base + page );
    ok( count >= 2 && results[1] == base + 5 * page, "second page %p, expected %p\n", results[1], base + 5 * page );

    /* Without WRITE_WATCH_FLAG_RESET the state is kept; a sub-range reports only its pages. */
    count = watched( 0, base + 4 * page, 4 * page, results, 64 );
    ok( count == 1 && results[0] == base + 5 * page, "sub-range count %Iu first %p\n", count, results[0] );

    /* lpdwCount: "On input, this variable indicates the size of the lpAddresses array. On output,
     * the variable receives the number of page addresses that are returned"; with
     * WRITE_WATCH_FLAG_RESET only the reported pages are reset (test_write_watch, count = 1). */
    count = watched( WRITE_WATCH_FLAG_RESET, base, 16 * page, results, 1 );
    ok( count == 1 && results[0] == base + page, "limited count %Iu first %p\n", count, results[0] );
    count = watched( 0, base, 16 * page, results, 64 );
    ok( count == 1 && results[0] == base + 5 * page, "after limited reset count %Iu first %p\n", count, results[0] );

    /* ResetWriteWatch (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-resetwritewatch)
     * clears the range it is given. */
    ok( ResetWriteWatch( base + 4 * page, 2 * page ) == 0, "ResetWriteWatch failed\n" );
    count = watched( 0, base, 16 * page, results, 64 );
    ok( count == 0, "after ResetWriteWatch count %Iu\n", count );

    /* test_write_watch: "changing protections doesn't affect watches" - a write is recorded
     * whatever the protection history, and VirtualProtect itself records nothing. */
    ok( VirtualProtect( base, 4 * page, PAGE_READONLY, &old ), "VirtualProtect failed\n" );
    ok( VirtualProtect( base, 4 * page, PAGE_READWRITE, &old ), "VirtualProtect failed\n" );
    count = watched( 0, base, 16 * page, results, 64 );
    ok( count == 0, "VirtualProtect recorded %Iu writes\n", count );
    base[3 * page] = 2;
    count = watched( WRITE_WATCH_FLAG_RESET, base, 16 * page, results, 64 );
    ok( count == 1 && results[0] == base + 3 * page, "after protect count %Iu first %p\n", count, results[0] );

    /* The same page written twice is reported once; a second write after a reset is seen. */
    base[7 * page] = 1;
    base[7 * page + 1] = 1;
    count = watched( WRITE_WATCH_FLAG_RESET, base, 16 * page, results, 64 );
    ok( count == 1, "two writes to one page gave count %Iu\n", count );
    base[7 * page + 2] = 1;
    count = watched( WRITE_WATCH_FLAG_RESET, base, 16 * page, results, 64 );
    ok( count == 1 && results[0] == base + 7 * page, "write after reset count %Iu\n", count );

    VirtualFree( base, 0, MEM_RELEASE );
}

static void test_GetWriteWatch_sees_kernel_writes(void)
{
    char path[MAX_PATH], dir[MAX_PATH];
    void *results[64];
    ULONG_PTR count;
    HANDLE file;
    DWORD done;
    char *base;

    base = VirtualAlloc( NULL, 4 * page, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc(MEM_WRITE_WATCH) failed\n" );
    if (!base) return;

    GetTempPathA( sizeof(dir), dir );
    GetTempFileNameA( dir, "mmw", 0, path );
    file = CreateFileA( path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL );
    ok( file != INVALID_HANDLE_VALUE, "CreateFile failed\n" );
    if (file == INVALID_HANDLE_VALUE) return;
    WriteFile( file, "0123456789", 10, &done, NULL );
    SetFilePointer( file, 0, NULL, FILE_BEGIN );

    /* test_write_watch: "ReadFile should trigger write watches" - writes made on the process's
     * behalf by the system count like its own. */
    ok( ReadFile( file, base + 2 * page + 10, 10, &done, NULL ) && done == 10, "ReadFile failed\n" );
    count = watched( 0, base, 4 * page, results, 64 );
    ok( count == 1 && results[0] == base + 2 * page, "after ReadFile count %Iu first %p\n", count, results[0] );

    CloseHandle( file );
    VirtualFree( base, 0, MEM_RELEASE );
}

static void test_GetWriteWatch_invalid_requests(void)
{
    void *results[64];
    ULONG_PTR count;
    ULONG granularity;
    char *base, *plain;
    UINT ret;

    /* VirtualAlloc, MEM_WRITE_WATCH: "If you specify this value, you must also specify
     * MEM_RESERVE" - committing an existing reservation with it fails (documentation only;
     * stock Wine accepts it). */
    plain = VirtualAlloc( NULL, 4 * page, MEM_RESERVE, PAGE_READWRITE );
    ok( plain != NULL, "VirtualAlloc failed\n" );
    SetLastError( 0xdeadbeef );
    base = VirtualAlloc( plain, page, MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    todo_wine ok( !base && GetLastError() == ERROR_INVALID_PARAMETER, "MEM_COMMIT | MEM_WRITE_WATCH: %p error %lu\n",
                  base, GetLastError() );
    VirtualAlloc( plain, page, MEM_COMMIT, PAGE_READWRITE );
    /* test_write_watch: MEM_WRITE_WATCH alone fails with ERROR_INVALID_PARAMETER. */
    SetLastError( 0xdeadbeef );
    base = VirtualAlloc( NULL, page, MEM_WRITE_WATCH, PAGE_READWRITE );
    ok( !base && GetLastError() == ERROR_INVALID_PARAMETER, "MEM_WRITE_WATCH alone: %p error %lu\n",
        base, GetLastError() );

    /* test_write_watch: GetWriteWatch on memory without MEM_WRITE_WATCH, or with a NULL base,
     * fails with ERROR_INVALID_PARAMETER (return value non-zero). */
    count = 64;
    SetLastError( 0xdeadbeef );
    ret = GetWriteWatch( 0, plain, page, results, &count, &granularity );
    ok( ret != 0 && GetLastError() == ERROR_INVALID_PARAMETER, "unwatched memory: %u error %lu\n", ret, GetLastError() );
    count = 64;
    SetLastError( 0xdeadbeef );
    ret = GetWriteWatch( 0, NULL, page, results, &count, &granularity );
    ok( ret != 0 && GetLastError() == ERROR_INVALID_PARAMETER, "NULL base: %u error %lu\n", ret, GetLastError() );
    VirtualFree( plain, 0, MEM_RELEASE );

    /* test_write_watch: a range extending past the watched allocation is refused with
     * ERROR_INVALID_PARAMETER, and so is ResetWriteWatch with size 0. */
    base = VirtualAlloc( NULL, 4 * page, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc(MEM_WRITE_WATCH) failed\n" );
    if (!base) return;
    count = 64;
    SetLastError( 0xdeadbeef );
    ret = GetWriteWatch( 0, base, 8 * page, results, &count, &granularity );
    ok( ret != 0 && GetLastError() == ERROR_INVALID_PARAMETER, "range past the allocation: %u error %lu\n",
        ret, GetLastError() );
    count = 64;
    SetLastError( 0xdeadbeef );
    ret = GetWriteWatch( 0, base + 3 * page, page + 1, results, &count, &granularity );
    ok( ret != 0 && GetLastError() == ERROR_INVALID_PARAMETER, "range one byte past: %u error %lu\n",
        ret, GetLastError() );
    SetLastError( 0xdeadbeef );
    ret = ResetWriteWatch( base, 0 );
    ok( ret != 0 && GetLastError() == ERROR_INVALID_PARAMETER, "ResetWriteWatch size 0: %u error %lu\n",
        ret, GetLastError() );
    VirtualFree( base, 0, MEM_RELEASE );

    /* test_write_watch, "initial protect doesn't matter": reserving with MEM_WRITE_WATCH and
     * committing later watches the committed pages. */
    base = VirtualAlloc( NULL, 4 * page, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_NOACCESS );
    ok( base != NULL, "VirtualAlloc(MEM_RESERVE | MEM_WRITE_WATCH) failed, error %lu\n", GetLastError() );
    if (!base) return;
    ok( VirtualAlloc( base, 4 * page, MEM_COMMIT, PAGE_READWRITE ) == base, "commit failed\n" );
    base[2 * page] = 1;
    count = watched( 0, base, 4 * page, results, 64 );
    ok( count == 1 && results[0] == base + 2 * page, "reserve-then-commit count %Iu first %p\n", count, results[0] );
    VirtualFree( base, 0, MEM_RELEASE );
}

START_TEST(writewatch)
{
    page = mm_page_size();

    test_GetWriteWatch_reports_written_pages();
    test_GetWriteWatch_sees_kernel_writes();
    test_GetWriteWatch_invalid_requests();
}

/*
 * Conformance: copy-on-write views (FILE_MAP_COPY / PAGE_WRITECOPY): the
 * protection VirtualQuery reports before and after the first write to a
 * page, and the privacy of the copied pages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

static SIZE_T page;

static HANDLE create_test_file( char *path )
{
    char dir[MAX_PATH], data[0x4000];
    HANDLE file;
    DWORD done;
    unsigned int i;

    GetTempPathA( MAX_PATH, dir );
    GetTempFileNameA( dir, "mmc", 0, path );
    file = CreateFileA( path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, NULL, CREATE_ALWAYS, 0, NULL );
    if (file == INVALID_HANDLE_VALUE) return file;
    for (i = 0; i < sizeof(data); i++) data[i] = 'a' + (i / 0x1000);  /* page n is filled with 'a'+n */
    WriteFile( file, data, sizeof(data), &done, NULL );
    return file;
}

static void test_FILE_MAP_COPY_first_write_makes_page_private(void)
{
    MEMORY_BASIC_INFORMATION info;
    char path[MAX_PATH], buf[4];
    HANDLE file, mapping;
    char *cow, *ro, *cow2;
    DWORD done;

    file = create_test_file( path );
    ok( file != INVALID_HANDLE_VALUE, "cannot create the test file, error %lu\n", GetLastError() );
    if (file == INVALID_HANDLE_VALUE) return;

    /* MapViewOfFile (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-mapviewoffile),
     * FILE_MAP_COPY: "A copy-on-write view of the file is mapped. The file mapping object must have
     * been created with PAGE_READONLY, PAGE_READ_EXECUTE, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY,
     * PAGE_READWRITE, or PAGE_EXECUTE_READWRITE protection." */
    mapping = CreateFileMappingA( file, NULL, PAGE_READONLY, 0, 0, NULL );
    ok( mapping != NULL, "CreateFileMapping failed, error %lu\n", GetLastError() );
    if (!mapping) goto done;
    cow = MapViewOfFile( mapping, FILE_MAP_COPY, 0, 0, 0 );
    ok( cow != NULL, "MapViewOfFile(FILE_MAP_COPY) failed, error %lu\n", GetLastError() );
    if (!cow) goto done;

    /* kernel32/tests/virtual.c test_mapping: a FILE_MAP_COPY view is PAGE_WRITECOPY, for
     * Protect and AllocationProtect, as one region. */
    ok( mm_query( cow, &info ), "VirtualQuery failed\n" );
    ok( info.Protect == PAGE_WRITECOPY, "Protect %#lx, expected PAGE_WRITECOPY\n", info.Protect );
    ok( info.AllocationProtect == PAGE_WRITECOPY, "AllocationProtect %#lx\n", info.AllocationProtect );
    ok( info.RegionSize == 4 * page && info.State == MEM_COMMIT && info.Type == MEM_MAPPED,
        "size %#Ix state %#lx type %#lx\n", info.RegionSize, info.State, info.Type );
    ok( cow[0] == 'a' && cow[page] == 'b', "view data %c %c\n", cow[0], cow[page] );

    /* Memory Protection Constants, PAGE_WRITECOPY: "An attempt to write to a committed
     * copy-on-write page results in a private copy of the page being made for the process.
     * The private page is marked as PAGE_READWRITE". test_mapping: Protect PAGE_READWRITE and
     * RegionSize one page after the write; untouched pages stay PAGE_WRITECOPY (both are
     * todo_wine in Wine's own test). */
    cow[page + 5] = 'X';
    ok( mm_query( cow + page, &info ), "VirtualQuery failed\n" );
    todo_wine ok( info.Protect == PAGE_READWRITE, "written page Protect %#lx, expected PAGE_READWRITE\n", info.Protect );
    todo_wine ok( info.RegionSize == page, "written page RegionSize %#Ix, expected %#Ix\n", info.RegionSize, page );
    ok( info.AllocationProtect == PAGE_WRITECOPY, "AllocationProtect %#lx\n", info.AllocationProtect );
    ok( mm_query( cow, &info ), "VirtualQuery failed\n" );
    ok( info.Protect == PAGE_WRITECOPY, "page before Protect %#lx, expected PAGE_WRITECOPY\n", info.Protect );
    todo_wine ok( info.RegionSize == page, "page before RegionSize %#Ix, expected %#Ix\n", info.RegionSize, page );
    ok( mm_query( cow + 2 * page, &info ), "VirtualQuery failed\n" );
    ok( info.Protect == PAGE_WRITECOPY, "page after Protect %#lx, expected PAGE_WRITECOPY\n", info.Protect );
    ok( info.RegionSize == 2 * page, "pages after RegionSize %#Ix, expected %#Ix\n", info.RegionSize, 2 * page );

    /* The copy is private: the file, a read-only view and another copy-on-write view of the same
     * mapping still hold the original data ("File Mapping": copy-on-write changes "are not
     * written to the original file" and are private to the process's view). */
    ok( cow[page + 5] == 'X' && cow[page + 4] == 'b', "copy holds %c %c\n", cow[page + 5], cow[page + 4] );
    ro = MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 );
    ok( ro && ro[page + 5] == 'b', "read-only view sees %c\n", ro ? ro[page + 5] : '?' );
    cow2 = MapViewOfFile( mapping, FILE_MAP_COPY, 0, 0, 0 );
    ok( cow2 && cow2[page + 5] == 'b', "second copy-on-write view sees %c\n", cow2 ? cow2[page + 5] : '?' );
    if (cow2)
    {
        ok( mm_query( cow2 + page, &info ) && info.Protect == PAGE_WRITECOPY,
            "second view page Protect %#lx, expected PAGE_WRITECOPY\n", info.Protect );
        UnmapViewOfFile( cow2 );
    }
    SetFilePointer( file, page + 5, NULL, FILE_BEGIN );
    ok( ReadFile( file, buf, 1, &done, NULL ) && buf[0] == 'b', "file holds %c\n", buf[0] );

    /* FlushViewOfFile does not write private pages back either. */
    FlushViewOfFile( cow, 0 );
    SetFilePointer( file, page + 5, NULL, FILE_BEGIN );
    ok( ReadFile( file, buf, 1, &done, NULL ) && buf[0] == 'b', "file after flush holds %c\n", buf[0] );

    if (ro) UnmapViewOfFile( ro );
    UnmapViewOfFile( cow );

    /* A new copy-on-write view starts from the file again. */
    cow = MapViewOfFile( mapping, FILE_MAP_COPY, 0, 0, 0 );
    ok( cow && cow[page + 5] == 'b', "fresh view sees %c\n", cow ? cow[page + 5] : '?' );
    if (cow) UnmapViewOfFile( cow );

done:
    if (mapping) CloseHandle( mapping );
    CloseHandle( file );
    DeleteFileA( path );
}

static void test_VirtualProtect_PAGE_WRITECOPY_on_shared_view(void)
{
    MEMORY_BASIC_INFORMATION info;
    char path[MAX_PATH];
    HANDLE file, mapping;
    char *view, *other;
    DWORD old;
    BOOL ret;

    file = create_test_file( path );
    ok( file != INVALID_HANDLE_VALUE, "cannot create the test file, error %lu\n", GetLastError() );
    if (file == INVALID_HANDLE_VALUE) return;
    mapping = CreateFileMappingA( file, NULL, PAGE_READWRITE, 0, 0, NULL );
    ok( mapping != NULL, "CreateFileMapping failed, error %lu\n", GetLastError() );
    view = mapping ? MapViewOfFile( mapping, FILE_MAP_WRITE, 0, 0, 0 ) : NULL;
    ok( view != NULL, "MapViewOfFile failed, error %lu\n", GetLastError() );
    if (!view) goto done;
    other = MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 );

    /* kernel32/tests/virtual.c test_mapping: a shared writable view may be switched to
     * PAGE_WRITECOPY; the first write then gives a private PAGE_READWRITE page (todo_wine in
     * Wine's test) while the next page stays PAGE_WRITECOPY. */
    ret = VirtualProtect( view, 2 * page, PAGE_WRITECOPY, &old );
    ok( ret, "VirtualProtect(PAGE_WRITECOPY) failed, error %lu\n", GetLastError() );
    ok( old == PAGE_READWRITE, "old protection %#lx\n", old );
    if (ret)
    {
        view[10] = 'Y';
        ok( mm_query( view, &info ), "VirtualQuery failed\n" );
        todo_wine ok( info.Protect == PAGE_READWRITE, "written page Protect %#lx, expected PAGE_READWRITE\n", info.Protect );
        todo_wine ok( info.RegionSize == page, "written page RegionSize %#Ix\n", info.RegionSize );
        ok( mm_query( view + page, &info ), "VirtualQuery failed\n" );
        ok( info.Protect == PAGE_WRITECOPY, "next page Protect %#lx, expected PAGE_WRITECOPY\n", info.Protect );
        /* The write went to a private copy, not to the section (PAGE_WRITECOPY: "a private
         * copy of the page being made for the process"); stock Wine writes to the section. */
        if (other) todo_wine ok( other[10] == 'a', "shared view sees %c\n", other[10] );
    }
    if (other) UnmapViewOfFile( other );
    UnmapViewOfFile( view );

    /* Memory Protection Constants, PAGE_WRITECOPY: "This flag is not supported by the
     * VirtualAlloc or VirtualAllocEx functions" (private memory has nothing to copy;
     * test_VirtualProtect: VirtualProtect(PAGE_WRITECOPY) fails on private memory). */
    view = VirtualAlloc( NULL, page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    SetLastError( 0xdeadbeef );
    ok( view && !VirtualProtect( view, page, PAGE_WRITECOPY, &old ) && GetLastError() == ERROR_INVALID_PARAMETER,
        "PAGE_WRITECOPY on private memory: error %lu\n", GetLastError() );
    if (view) VirtualFree( view, 0, MEM_RELEASE );

done:
    if (mapping) CloseHandle( mapping );
    CloseHandle( file );
    DeleteFileA( path );
}

static void test_PAGE_WRITECOPY_mapping_refuses_write_views(void)
{
    char path[MAX_PATH];
    HANDLE file, mapping;
    char *view;

    file = create_test_file( path );
    ok( file != INVALID_HANDLE_VALUE, "cannot create the test file, error %lu\n", GetLastError() );
    if (file == INVALID_HANDLE_VALUE) return;

    /* CreateFileMapping, PAGE_WRITECOPY: "Allows views to be mapped for read-only, copy-on-write,
     * or execute access"; test_mapping: a FILE_MAP_WRITE view fails with ERROR_ACCESS_DENIED,
     * FILE_MAP_COPY and FILE_MAP_READ work. */
    mapping = CreateFileMappingA( file, NULL, PAGE_WRITECOPY, 0, 0, NULL );
    ok( mapping != NULL, "CreateFileMapping(PAGE_WRITECOPY) failed, error %lu\n", GetLastError() );
    if (!mapping) goto done;
    SetLastError( 0xdeadbeef );
    view = MapViewOfFile( mapping, FILE_MAP_WRITE, 0, 0, 0 );
    ok( !view && GetLastError() == ERROR_ACCESS_DENIED, "FILE_MAP_WRITE: %p error %lu\n", view, GetLastError() );
    if (view) UnmapViewOfFile( view );
    view = MapViewOfFile( mapping, FILE_MAP_COPY, 0, 0, 0 );
    ok( view != NULL, "FILE_MAP_COPY failed, error %lu\n", GetLastError() );
    if (view)
    {
        view[3 * page] = 'Z';  /* copy-on-write even though the file handle is writable */
        ok( view[3 * page] == 'Z', "write lost\n" );
        UnmapViewOfFile( view );
    }
    view = MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 );
    ok( view && view[3 * page] == 'd', "file data after the copy-on-write: %c\n", view ? view[3 * page] : '?' );
    if (view) UnmapViewOfFile( view );
    CloseHandle( mapping );
done:
    CloseHandle( file );
    DeleteFileA( path );
}

static void test_FILE_MAP_COPY_pagefile_section(void)
{
    MEMORY_BASIC_INFORMATION info;
    HANDLE mapping;
    char *shared, *cow;

    /* The same copy-on-write rules hold for sections backed by the paging file. */
    mapping = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x2000, NULL );
    ok( mapping != NULL, "CreateFileMapping failed\n" );
    if (!mapping) return;
    shared = MapViewOfFile( mapping, FILE_MAP_WRITE, 0, 0, 0 );
    cow = MapViewOfFile( mapping, FILE_MAP_COPY, 0, 0, 0 );
    ok( shared && cow, "views %p %p\n", shared, cow );
    if (shared && cow)
    {
        strcpy( shared, "before" );
        ok( !strcmp( cow, "before" ), "copy-on-write view sees \"%s\" before its first write\n", cow );
        ok( mm_query( cow, &info ) && info.Protect == PAGE_WRITECOPY, "Protect %#lx\n", info.Protect );
        strcpy( cow, "private" );
        ok( !strcmp( shared, "before" ), "shared view sees \"%s\"\n", shared );
        ok( mm_query( cow, &info ), "VirtualQuery failed\n" );
        todo_wine ok( info.Protect == PAGE_READWRITE, "written page Protect %#lx, expected PAGE_READWRITE\n", info.Protect );
        ok( mm_query( cow + page, &info ) && info.Protect == PAGE_WRITECOPY, "second page Protect %#lx\n", info.Protect );
        /* After the copy, changes through the shared view no longer show in the private page. */
        strcpy( shared, "later" );
        ok( !strcmp( cow, "private" ), "private page sees \"%s\"\n", cow );
    }
    if (cow) UnmapViewOfFile( cow );
    if (shared) UnmapViewOfFile( shared );
    CloseHandle( mapping );
}

START_TEST(writecopy)
{
    page = mm_page_size();

    test_FILE_MAP_COPY_first_write_makes_page_private();
    test_VirtualProtect_PAGE_WRITECOPY_on_shared_view();
    test_PAGE_WRITECOPY_mapping_refuses_write_views();
    test_FILE_MAP_COPY_pagefile_section();
}

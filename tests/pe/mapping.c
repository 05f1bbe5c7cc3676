/*
 * Conformance: file mappings (sections) and their views: CreateFileMapping,
 * MapViewOfFile, MapViewOfFileEx, UnmapViewOfFile, FlushViewOfFile, and what
 * VirtualQuery / VirtualAlloc / VirtualFree do on mapped views.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

static SIZE_T page;

static void test_MapViewOfFile_pagefile_views_share_data(void)
{
    MEMORY_BASIC_INFORMATION info;
    HANDLE mapping;
    char *view1, *view2, *ro;

    /* CreateFileMapping (learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createfilemappinga):
     * INVALID_HANDLE_VALUE gives a mapping "backed by the system paging file"; SEC_COMMIT is the
     * default. Views of one section are coherent ("Creating a File Mapping Object":
     * "multiple views of a file mapping object ... are coherent"). */
    mapping = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10800, NULL );
    ok( mapping != NULL, "CreateFileMapping failed, error %lu\n", GetLastError() );
    if (!mapping) return;

    view1 = MapViewOfFile( mapping, FILE_MAP_WRITE, 0, 0, 0 );
    view2 = MapViewOfFile( mapping, FILE_MAP_WRITE, 0, 0, 0 );
    ok( view1 && view2 && view1 != view2, "views %p %p\n", view1, view2 );
    if (!view1 || !view2) return;
    /* MapViewOfFileEx: the base "must be a multiple of the system's memory allocation
     * granularity"; views chosen by the system are aligned the same way. */
    ok( !((ULONG_PTR)view1 & (mm_granularity() - 1)), "view %p not granularity aligned\n", view1 );

    /* kernel32/tests/virtual.c test_MapViewOfFile ("same thing with SEC_COMMIT"): a view is one
     * MEM_MAPPED allocation, committed, with the page-rounded size of the section. */
    ok( mm_query( view1, &info ), "VirtualQuery failed\n" );
    ok( info.BaseAddress == view1 && info.AllocationBase == view1, "base %p allocation base %p\n",
        info.BaseAddress, info.AllocationBase );
    ok( info.RegionSize == 0x11000, "RegionSize %#Ix, expected 0x11000\n", info.RegionSize );
    ok( info.State == MEM_COMMIT, "State %#lx\n", info.State );
    ok( info.Protect == PAGE_READWRITE && info.AllocationProtect == PAGE_READWRITE, "Protect %#lx AllocationProtect %#lx\n",
        info.Protect, info.AllocationProtect );
    ok( info.Type == MEM_MAPPED, "Type %#lx, expected MEM_MAPPED\n", info.Type );

    /* A page-file section starts zeroed, and a write through one view shows in the other. */
    ok( !view1[0x10000] && !view2[5], "section not zero-filled\n" );
    strcpy( view1 + 0x10010, "shared" );
    ok( !strcmp( view2 + 0x10010, "shared" ), "second view sees \"%s\"\n", view2 + 0x10010 );

    /* MapViewOfFile, FILE_MAP_READ: "A read-only view of the file is mapped. An attempt to write
     * to the file view results in an access violation." test_MapViewOfFile: PAGE_READONLY. */
    ro = MapViewOfFile( mapping, FILE_MAP_READ, 0, 0x10000, 0 );
    ok( ro != NULL, "read-only view at offset 0x10000 failed, error %lu\n", GetLastError() );
    if (ro)
    {
        ok( mm_query( ro, &info ), "VirtualQuery failed\n" );
        ok( info.Protect == PAGE_READONLY && info.RegionSize == 0x1000, "read-only view protect %#lx size %#Ix\n",
            info.Protect, info.RegionSize );
        ok( !strcmp( ro + 0x10, "shared" ), "read-only view at offset sees \"%s\"\n", ro + 0x10 );
        mm_install_fault_handler();
        mm_reset_fault();
        mm_probe_write( ro + 0x20, 1 );
        ok( mm_last_fault.count == 1 && mm_last_fault.code == STATUS_ACCESS_VIOLATION && mm_last_fault.info[0] == 1,
            "write to read-only view: %ld faults code %#lx kind %Iu\n", mm_last_fault.count, mm_last_fault.code,
            mm_last_fault.info[0] );
        UnmapViewOfFile( ro );
    }

    /* MapViewOfFile: the offset must be "a multiple of the virtual memory allocation granularity"
     * (test_NtMapViewOfSection: STATUS_MAPPED_ALIGNMENT). */
    ro = MapViewOfFile( mapping, FILE_MAP_READ, 0, 0x1000, 0 );
    ok( !ro, "view at an unaligned offset succeeded\n" );
    if (ro) UnmapViewOfFile( ro );

    /* test_MapViewOfFile: VirtualFree(MEM_DECOMMIT) on a view fails with ERROR_INVALID_PARAMETER;
     * VirtualFree (docs): views are released with UnmapViewOfFile, not VirtualFree. */
    SetLastError( 0xdeadbeef );
    ok( !VirtualFree( view1, 0x1000, MEM_DECOMMIT ) && GetLastError() == ERROR_INVALID_PARAMETER,
        "MEM_DECOMMIT on a view: error %lu\n", GetLastError() );
    ok( !VirtualFree( view1, 0, MEM_RELEASE ), "MEM_RELEASE on a view succeeded\n" );

    /* UnmapViewOfFile: the view is gone, the section's data is not (the handle keeps it). */
    ok( UnmapViewOfFile( view1 ), "UnmapViewOfFile failed, error %lu\n", GetLastError() );
    ok( mm_query( view1, &info ) && info.State == MEM_FREE, "after unmap State %#lx\n", info.State );
    ok( !strcmp( view2 + 0x10010, "shared" ), "data lost after unmapping one view\n" );

    /* test_MapViewOfFile: UnmapViewOfFile accepts any address inside the view. */
    ok( UnmapViewOfFile( view2 + page + 100 ), "UnmapViewOfFile inside the view failed, error %lu\n", GetLastError() );
    ok( mm_query( view2, &info ) && info.State == MEM_FREE, "after unmap State %#lx\n", info.State );

    CloseHandle( mapping );
}

static void test_MapViewOfFileEx_requested_address(void)
{
    HANDLE mapping;
    char *base, *view, *other;

    mapping = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x20000, NULL );
    ok( mapping != NULL, "CreateFileMapping failed, error %lu\n", GetLastError() );
    if (!mapping) return;

    /* Find a free, aligned address by reserving and releasing it. */
    base = VirtualAlloc( NULL, 0x40000, MEM_RESERVE, PAGE_NOACCESS );
    ok( base != NULL, "VirtualAlloc failed\n" );
    VirtualFree( base, 0, MEM_RELEASE );

    /* MapViewOfFileEx (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-mapviewoffileex):
     * lpBaseAddress is "the memory address in the calling process address space where mapping
     * begins". */
    view = MapViewOfFileEx( mapping, FILE_MAP_WRITE, 0, 0, 0, base + 0x10000 );
    ok( view == base + 0x10000, "MapViewOfFileEx returned %p, expected %p, error %lu\n", view, base + 0x10000,
        GetLastError() );

    /* "If there is not enough address space at the specified address, the function fails."
     * ntdll/tests/virtual.c test_NtMapViewOfSection: STATUS_CONFLICTING_ADDRESSES, which
     * Win32 reports as ERROR_INVALID_ADDRESS. */
    SetLastError( 0xdeadbeef );
    other = MapViewOfFileEx( mapping, FILE_MAP_WRITE, 0, 0, 0, base + 0x20000 );
    ok( !other && GetLastError() == ERROR_INVALID_ADDRESS, "overlapping view: %p error %lu\n", other, GetLastError() );
    if (other) UnmapViewOfFile( other );
    /* An address that is not a multiple of the allocation granularity is refused
     * (test_NtMapViewOfSection: STATUS_MAPPED_ALIGNMENT). */
    other = MapViewOfFileEx( mapping, FILE_MAP_WRITE, 0, 0, 0x1000, base + 0x31000 );
    ok( !other, "view at an unaligned address %p succeeded\n", base + 0x31000 );
    if (other) UnmapViewOfFile( other );

    /* Private memory and views cannot overlap either (VirtualAlloc on the view's range fails). */
    other = VirtualAlloc( base + 0x10000, 0x1000, MEM_RESERVE, PAGE_READWRITE );
    ok( !other, "VirtualAlloc(MEM_RESERVE) over a view succeeded\n" );

    if (view) UnmapViewOfFile( view );
    CloseHandle( mapping );
}

static void test_MapViewOfFile_sec_reserve_commit_on_demand(void)
{
    MEMORY_BASIC_INFORMATION info;
    HANDLE mapping;
    char *view, *p;

    /* CreateFileMapping, SEC_RESERVE: "all pages of a view are reserved ... The reserved pages
     * can be committed in subsequent calls to the VirtualAlloc function." (test_MapViewOfFile,
     * "read/write mapping with SEC_RESERVE": MEM_RESERVE, Protect 0, Type MEM_MAPPED.) */
    mapping = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, 0x10000, NULL );
    ok( mapping != NULL, "CreateFileMapping(SEC_RESERVE) failed, error %lu\n", GetLastError() );
    if (!mapping) return;
    view = MapViewOfFile( mapping, FILE_MAP_WRITE, 0, 0, 0 );
    ok( view != NULL, "MapViewOfFile failed, error %lu\n", GetLastError() );
    if (!view) return;

    ok( mm_query( view, &info ), "VirtualQuery failed\n" );
    ok( info.State == MEM_RESERVE && info.Protect == 0 && info.Type == MEM_MAPPED && info.RegionSize == 0x10000,
        "reserved view state %#lx protect %#lx type %#lx size %#Ix\n", info.State, info.Protect, info.Type,
        info.RegionSize );

    p = VirtualAlloc( view + 0x2000, 0x1000, MEM_COMMIT, PAGE_READWRITE );
    ok( p == view + 0x2000, "commit in a SEC_RESERVE view returned %p, error %lu\n", p, GetLastError() );
    ok( mm_query( view + 0x2000, &info ), "VirtualQuery failed\n" );
    ok( info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE && info.Type == MEM_MAPPED &&
        info.RegionSize == 0x1000 && info.AllocationBase == view,
        "committed page state %#lx protect %#lx type %#lx size %#Ix base %p\n", info.State, info.Protect,
        info.Type, info.RegionSize, info.AllocationBase );
    if (p) strcpy( p, "committed" );

    UnmapViewOfFile( view );
    /* Committed section pages belong to the section: a new view still sees them. */
    view = MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 );
    ok( view != NULL, "second MapViewOfFile failed\n" );
    if (view)
    {
        ok( mm_query( view + 0x2000, &info ) && info.State == MEM_COMMIT, "page state in a new view %#lx\n", info.State );
        if (info.State == MEM_COMMIT) ok( !strcmp( view + 0x2000, "committed" ), "data lost\n" );
        UnmapViewOfFile( view );
    }
    CloseHandle( mapping );
}

static void test_MapViewOfFile_file_backed(void)
{
    char path[MAX_PATH], dir[MAX_PATH], buf[32];
    HANDLE file, mapping;
    DWORD done, size;
    char *view;

    GetTempPathA( sizeof(dir), dir );
    GetTempFileNameA( dir, "mmt", 0, path );
    file = CreateFileA( path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL );
    ok( file != INVALID_HANDLE_VALUE, "CreateFile failed, error %lu\n", GetLastError() );
    if (file == INVALID_HANDLE_VALUE) return;

    /* CreateFileMapping: "An attempt to map a file with a length of 0 (zero) fails with an error
     * code of ERROR_FILE_INVALID." */
    SetLastError( 0xdeadbeef );
    mapping = CreateFileMappingA( file, NULL, PAGE_READWRITE, 0, 0, NULL );
    ok( !mapping && GetLastError() == ERROR_FILE_INVALID, "empty file: %p error %lu\n", mapping, GetLastError() );
    if (mapping) CloseHandle( mapping );

    /* CreateFileMapping: "If ... the maximum size ... is larger than the size of the file ...
     * the system expands the file". */
    mapping = CreateFileMappingA( file, NULL, PAGE_READWRITE, 0, 0x3000, NULL );
    ok( mapping != NULL, "CreateFileMapping failed, error %lu\n", GetLastError() );
    if (!mapping) { CloseHandle( file ); return; }
    size = GetFileSize( file, NULL );
    ok( size == 0x3000, "file size %#lx, expected 0x3000\n", size );

    view = MapViewOfFile( mapping, FILE_MAP_WRITE, 0, 0, 0 );
    ok( view != NULL, "MapViewOfFile failed, error %lu\n", GetLastError() );
    if (view)
    {
        /* FlushViewOfFile writes the dirty pages; the file then holds what the view holds
         * ("Reading and Writing From a File View": views and ReadFile are coherent for the
         * same file). */
        strcpy( view + 0x1800, "written through the view" );
        ok( FlushViewOfFile( view, 0 ), "FlushViewOfFile failed, error %lu\n", GetLastError() );
        SetFilePointer( file, 0x1800, NULL, FILE_BEGIN );
        memset( buf, 0, sizeof(buf) );
        ok( ReadFile( file, buf, 24, &done, NULL ) && done == 24, "ReadFile failed\n" );
        ok( !strcmp( buf, "written through the view" ), "file holds \"%s\"\n", buf );

        /* And WriteFile shows up in the view. */
        SetFilePointer( file, 0x2000, NULL, FILE_BEGIN );
        ok( WriteFile( file, "via WriteFile", 14, &done, NULL ), "WriteFile failed\n" );
        ok( !strcmp( view + 0x2000, "via WriteFile" ), "view holds \"%s\"\n", view + 0x2000 );
        UnmapViewOfFile( view );
    }

    /* MapViewOfFile: a view cannot extend beyond the mapping (test_MapViewOfFile). */
    view = MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0x4000 );
    ok( !view, "view larger than the mapping succeeded\n" );
    if (view) UnmapViewOfFile( view );

    CloseHandle( mapping );
    CloseHandle( file );
}

START_TEST(mapping)
{
    page = mm_page_size();

    test_MapViewOfFile_pagefile_views_share_data();
    test_MapViewOfFileEx_requested_address();
    test_MapViewOfFile_sec_reserve_commit_on_demand();
    test_MapViewOfFile_file_backed();
}

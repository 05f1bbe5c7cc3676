/*
 * Conformance: QueryWorkingSetEx (MemoryWorkingSetExInformation) - which
 * pages are resident, with which protection, shared or private, locked -
 * for image, private, shared, copy-on-write and locked memory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "_pe_test.h"
#include <psapi.h>
#include "wine/test.h"

static SIZE_T page;

static PSAPI_WORKING_SET_EX_BLOCK ws_query( const void *addr )
{
    PSAPI_WORKING_SET_EX_INFORMATION info;
    BOOL ret;

    memset( &info, 0x41, sizeof(info) );
    info.VirtualAddress = (void *)addr;
    ret = QueryWorkingSetEx( GetCurrentProcess(), &info, sizeof(info) );
    ok( ret, "QueryWorkingSetEx(%p) failed, error %lu\n", addr, GetLastError() );
    return info.VirtualAttributes;
}

/* which checks of check_ws() stock Wine 8.0 gets wrong */
#define TODO_STATE  1   /* Valid and Win32Protection */
#define TODO_SHARED 2

#define check_ws( addr, valid, prot, shared, todo ) check_ws_( __LINE__, addr, valid, prot, shared, todo )
static void check_ws_( int line, const void *addr, unsigned int valid, unsigned int prot, unsigned int shared,
                       unsigned int todo )
{
    PSAPI_WORKING_SET_EX_BLOCK ws = ws_query( addr );

    todo_wine_if( todo & TODO_STATE )
    ok_( __FILE__, line )( ws.Valid == valid, "%p: Valid %u, expected %u\n", addr, (UINT)ws.Valid, valid );
    todo_wine_if( todo & TODO_STATE )
    ok_( __FILE__, line )( ws.Win32Protection == prot, "%p: Win32Protection %#x, expected %#x\n", addr,
                           (UINT)ws.Win32Protection, prot );
    todo_wine_if( todo & TODO_SHARED )
    ok_( __FILE__, line )( ws.Shared == shared || (!ws.Valid && !valid), "%p: Shared %u, expected %u\n", addr,
                           (UINT)ws.Shared, shared );
    ok_( __FILE__, line )( !ws.Node && !ws.LargePage, "%p: Node %u LargePage %u\n", addr, (UINT)ws.Node,
                           (UINT)ws.LargePage );
}

static void test_QueryWorkingSetEx_private_memory(void)
{
    char *p;
    DWORD old;

    /* psapi/tests/psapi_main.c test_QueryWorkingSetEx: committed but untouched private memory is
     * not valid (not resident); reading or writing it makes it valid, PAGE_READWRITE, not shared;
     * PAGE_NOACCESS makes it invalid; after restoring the protection it is invalid again until
     * touched (todo_wine in Wine's test); released memory is invalid.
     * PSAPI_WORKING_SET_EX_BLOCK (learn.microsoft.com/windows/win32/api/psapi/ns-psapi-psapi_working_set_ex_block):
     * "Valid: If this bit is 1, the subsequent members are valid". */
    p = VirtualAlloc( NULL, page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( p != NULL, "VirtualAlloc failed\n" );
    if (!p) return;
    check_ws( p, 0, 0, 0, 0 );
    (void)*(volatile char *)p;
    check_ws( p, 1, PAGE_READWRITE, 0, 0 );
    *(volatile char *)p = 0x42;
    check_ws( p, 1, PAGE_READWRITE, 0, 0 );
    VirtualProtect( p, page, PAGE_NOACCESS, &old );
    check_ws( p, 0, 0, 0, 0 );
    VirtualProtect( p, page, PAGE_READWRITE, &old );
    check_ws( p, 0, 0, 0, TODO_STATE );
    (void)*(volatile char *)p;
    check_ws( p, 1, PAGE_READWRITE, 0, 0 );
    VirtualFree( p, 0, MEM_RELEASE );
    check_ws( p, 0, 0, 0, 0 );
}

static void test_QueryWorkingSetEx_image(void)
{
    char *exe = (char *)GetModuleHandleA( NULL );
    DWORD old;

    /* test_QueryWorkingSetEx: the headers of the executable are resident, PAGE_READONLY and
     * shared with the image file; PAGE_NOACCESS hides them. Stock Wine reads images whose
     * FileAlignment is below the page size (MinGW's and MSVC's default 0x200, as here) into
     * private memory, so their pages are not shared. */
    check_ws( exe, 1, PAGE_READONLY, 1, TODO_SHARED );
    VirtualProtect( exe, page, PAGE_NOACCESS, &old );
    check_ws( exe, 0, 0, 1, 0 );
    VirtualProtect( exe, page, old, &old );
    (void)*(volatile char *)exe;
    check_ws( exe, 1, PAGE_READONLY, 1, TODO_SHARED );
}

static void test_QueryWorkingSetEx_shared_and_copy_on_write(void)
{
    PSAPI_WORKING_SET_EX_BLOCK ws;
    HANDLE section;
    char *shared, *cow;

    section = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 2 * page, NULL );
    ok( section != NULL, "CreateFileMapping failed\n" );
    if (!section) return;
    shared = MapViewOfFile( section, FILE_MAP_WRITE, 0, 0, 0 );
    cow = MapViewOfFile( section, FILE_MAP_COPY, 0, 0, 0 );
    ok( shared && cow, "views %p %p\n", shared, cow );
    if (!shared || !cow) return;

    /* PSAPI_WORKING_SET_EX_BLOCK, "Shared: If this bit is 1, the page can be shared": section
     * pages are shareable; a copy-on-write page that has been written is the process's own
     * private copy ("Memory Protection Constants", PAGE_WRITECOPY). */
    shared[0] = 1;
    check_ws( shared, 1, PAGE_READWRITE, 1, 0 );
    (void)*(volatile char *)cow;
    check_ws( cow, 1, PAGE_WRITECOPY, 1, 0 );
    cow[0] = 2;
    ws = ws_query( cow );
    /* stock Wine keeps reporting PAGE_WRITECOPY, as VirtualQuery does (see writecopy.c) */
    todo_wine ok( ws.Valid && ws.Win32Protection == PAGE_READWRITE, "written copy-on-write page: Valid %u "
                  "protection %#x\n", (UINT)ws.Valid, (UINT)ws.Win32Protection );
    ok( ws.Valid && !ws.Shared, "written copy-on-write page: Shared %u, expected 0\n", (UINT)ws.Shared );

    UnmapViewOfFile( cow );
    UnmapViewOfFile( shared );
    CloseHandle( section );
}

static void test_QueryWorkingSetEx_locked(void)
{
    PSAPI_WORKING_SET_EX_BLOCK ws;
    char *p;

    p = VirtualAlloc( NULL, 2 * page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( p != NULL, "VirtualAlloc failed\n" );
    if (!p) return;

    /* VirtualLock: "Locks the specified region ... into physical memory"; PSAPI_WORKING_SET_EX_BLOCK,
     * "Locked: If this bit is 1, the virtual page is locked in physical memory." A locked page is
     * resident without being touched; its neighbour is not locked. */
    ok( VirtualLock( p, page ), "VirtualLock failed, error %lu\n", GetLastError() );
    ws = ws_query( p );
    ok( ws.Valid, "locked page not resident\n" );
    todo_wine ok( ws.Locked, "locked page: Locked %u, expected 1\n", (UINT)ws.Locked );  /* never set by stock Wine */
    p[page] = 1;
    ws = ws_query( p + page );
    ok( ws.Valid && !ws.Locked, "unlocked neighbour: Valid %u Locked %u\n", (UINT)ws.Valid, (UINT)ws.Locked );
    ok( VirtualUnlock( p, page ), "VirtualUnlock failed, error %lu\n", GetLastError() );
    ws = ws_query( p );
    ok( !ws.Locked, "after VirtualUnlock: Locked %u\n", (UINT)ws.Locked );
    VirtualFree( p, 0, MEM_RELEASE );
}

START_TEST(workingset)
{
    page = mm_page_size();

    test_QueryWorkingSetEx_private_memory();
    test_QueryWorkingSetEx_image();
    test_QueryWorkingSetEx_shared_and_copy_on_write();
    test_QueryWorkingSetEx_locked();
}

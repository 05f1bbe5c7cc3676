/*
 * Conformance: a SEC_RESERVE mapping shared by two processes.  A page one process commits
 * (VirtualAlloc MEM_COMMIT in its view) is committed in every view of the mapping at once:
 * the other process can read it at the next instruction, without any call first.
 *
 * CreateFileMapping (learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createfilemappinga),
 * SEC_RESERVE: "Sets all pages to be reserved until committed ... Reserved pages can be
 * committed in subsequent calls to the VirtualAlloc function. After the pages are committed,
 * they cannot be freed or decommitted with the VirtualFree function."  NT keeps one set of
 * prototype PTEs per section, so a commit is seen by every view (kernel32 virtual.c
 * test_shared_memory_ro and friends rely on views of one mapping sharing their pages).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

#define MAPPING_NAME "ntdll-mm-crossview"
#define VIEW_SIZE    0x40000

static SIZE_T page;

/* the child: maps its view while every page is reserved, says so, waits for the parent's
 * commit and reads the committed page directly */
static void child( void )
{
    HANDLE mapping, ready, go;
    MEMORY_BASIC_INFORMATION info;
    unsigned int v;
    char *view;

    mapping = OpenFileMappingA( FILE_MAP_READ | FILE_MAP_WRITE, FALSE, MAPPING_NAME );
    ready = OpenEventA( EVENT_ALL_ACCESS, FALSE, MAPPING_NAME "-ready" );
    go = OpenEventA( EVENT_ALL_ACCESS, FALSE, MAPPING_NAME "-go" );
    ok( mapping && ready && go, "cannot open the parent's objects, error %lu\n", GetLastError() );
    if (!mapping || !ready || !go) return;
    view = MapViewOfFile( mapping, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0 );
    ok( view != NULL, "MapViewOfFile failed, error %lu\n", GetLastError() );
    if (!view) return;
    ok( mm_query( view + 3 * page, &info ) && info.State == MEM_RESERVE, "before: state %#lx\n", info.State );
    SetEvent( ready );
    ok( WaitForSingleObject( go, 10000 ) == WAIT_OBJECT_0, "the parent did not commit\n" );

    /* the first access, no call before it */
    mm_reset_fault();
    v = mm_probe_read( view + 3 * page + 8 );
    ok( v == 'Z' && !mm_last_fault.count, "read %#x, %ld exceptions (code %#lx)\n", v,
                  mm_last_fault.count, mm_last_fault.code );
    ok( mm_query( view + 3 * page, &info ) && info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE,
        "after: state %#lx protect %#lx\n", info.State, info.Protect );
    /* the pages around it stay reserved (Wine 8.0 maps the whole view accessible: a reserved
     * page reads as zero there) */
    mm_reset_fault();
    mm_probe_read( view + 4 * page );
    todo_wine ok( mm_last_fault.count == 1 && mm_last_fault.code == STATUS_ACCESS_VIOLATION,
        "reserved page: %ld exceptions, code %#lx\n", mm_last_fault.count, mm_last_fault.code );
    /* and a write from here is seen by the parent */
    mm_probe_write( view + 3 * page + 9, 'Y' );
    UnmapViewOfFile( view );
    CloseHandle( mapping );
}

static void test_commit_seen_by_other_process_at_once(void)
{
    PROCESS_INFORMATION pi;
    STARTUPINFOA si;
    char cmd[MAX_PATH + 64], **argv;
    HANDLE mapping, ready, go;
    DWORD wait, code = 0;
    char *view;

    mapping = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0, VIEW_SIZE,
                                  MAPPING_NAME );
    ok( mapping != NULL, "CreateFileMapping(SEC_RESERVE) failed, error %lu\n", GetLastError() );
    ready = CreateEventA( NULL, TRUE, FALSE, MAPPING_NAME "-ready" );
    go = CreateEventA( NULL, TRUE, FALSE, MAPPING_NAME "-go" );
    view = mapping ? MapViewOfFile( mapping, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0 ) : NULL;
    ok( view != NULL, "MapViewOfFile failed, error %lu\n", GetLastError() );
    if (!view) return;

    winetest_get_mainargs( &argv );
    snprintf( cmd, sizeof(cmd), "\"%s\" crossview child", argv[0] );
    memset( &si, 0, sizeof(si) );
    si.cb = sizeof(si);
    ok( CreateProcessA( NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi ), "CreateProcess failed, error %lu\n",
        GetLastError() );
    ok( WaitForSingleObject( ready, 10000 ) == WAIT_OBJECT_0, "the child did not map its view\n" );

    ok( VirtualAlloc( view + 3 * page, page, MEM_COMMIT, PAGE_READWRITE ) == view + 3 * page,
        "VirtualAlloc(MEM_COMMIT) failed, error %lu\n", GetLastError() );
    view[3 * page + 8] = 'Z';
    SetEvent( go );

    wait = WaitForSingleObject( pi.hProcess, 20000 );
    ok( wait == WAIT_OBJECT_0, "the child did not exit\n" );
    if (wait != WAIT_OBJECT_0) TerminateProcess( pi.hProcess, 1 );
    GetExitCodeProcess( pi.hProcess, &code );
    ok( view[3 * page + 9] == 'Y', "the child's write reads %#x here\n", (unsigned char)view[3 * page + 9] );
    CloseHandle( pi.hThread );
    CloseHandle( pi.hProcess );
    UnmapViewOfFile( view );
    CloseHandle( mapping );
    CloseHandle( ready );
    CloseHandle( go );
}

START_TEST(crossview)
{
    char **argv;
    int argc = winetest_get_mainargs( &argv );

    page = mm_page_size();
    mm_install_fault_handler();
    if (argc >= 3 && !strcmp( argv[2], "child" ))
    {
        child();
        return;
    }
    test_commit_seen_by_other_process_at_once();
}

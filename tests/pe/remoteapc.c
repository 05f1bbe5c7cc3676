/*
 * Conformance: memory calls on another process while that process's only thread is suspended.
 *
 * NT does VirtualAllocEx/VirtualFreeEx/VirtualQueryEx/VirtualProtectEx on another process in
 * the kernel, whatever its threads are doing ("VirtualAllocEx function": "The function
 * initializes the memory it allocates to zero", no requirement on the target's threads).
 * Wine runs them as system APCs in a thread of the target; a suspended thread runs them from
 * its suspend handler.  The target here sleeps alertably in a loop, as kernel32 sync.c's
 * test_apc_deadlock child does, while this process suspends and resumes it many times and a
 * second thread works on its memory: every call succeeds, and the target lives on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

#define ROUNDS 200

struct worker
{
    HANDLE process;
    HANDLE event;
    volatile LONG running;
    LONG calls;
    LONG failures;
    DWORD first_error;
};

static void note_failure( struct worker *w, const char *call )
{
    if (!w->failures++)
    {
        w->first_error = GetLastError();
        trace( "%s failed, error %lu\n", call, w->first_error );
    }
}

/* each pass does what a debugger or an injector does to a target: allocate, write, query,
 * protect, read back, free */
static DWORD WINAPI worker_thread( void *param )
{
    struct worker *w = param;
    MEMORY_BASIC_INFORMATION info;
    char buf[64], back[64];
    SIZE_T done;
    DWORD old;
    char *p;

    memset( buf, 'q', sizeof(buf) );
    while (w->running)
    {
        p = VirtualAllocEx( w->process, NULL, 0x3000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
        if (!p) { note_failure( w, "VirtualAllocEx" ); SetEvent( w->event ); continue; }
        if (!WriteProcessMemory( w->process, p + 0x1000, buf, sizeof(buf), &done )) note_failure( w, "WriteProcessMemory" );
        if (VirtualQueryEx( w->process, p, &info, sizeof(info) ) != sizeof(info) || info.RegionSize != 0x3000)
            note_failure( w, "VirtualQueryEx" );
        if (!VirtualProtectEx( w->process, p, 0x1000, PAGE_NOACCESS, &old )) note_failure( w, "VirtualProtectEx" );
        if (!ReadProcessMemory( w->process, p + 0x1000, back, sizeof(back), &done ) || memcmp( back, buf, sizeof(buf) ))
            note_failure( w, "ReadProcessMemory" );
        if (!VirtualFreeEx( w->process, p, 0, MEM_RELEASE )) note_failure( w, "VirtualFreeEx" );
        InterlockedIncrement( &w->calls );
        SetEvent( w->event );
    }
    return 0;
}

/* target "sleep" sleeps alertably; target "busy" spends its time in Wine's unix code that
 * uses the C heap (file name lookups), where a suspend request interrupts it */
static void test_remote_calls_while_the_target_is_suspended( const char *target )
{
    PROCESS_INFORMATION pi;
    STARTUPINFOA si;
    char cmd[MAX_PATH + 64], **argv;
    struct worker w;
    HANDLE thread;
    DWORD r, code = 0;
    int i, waited = 0;

    winetest_get_mainargs( &argv );
    snprintf( cmd, sizeof(cmd), "\"%s\" remoteapc %s", argv[0], target );
    memset( &si, 0, sizeof(si) );
    si.cb = sizeof(si);
    if (!CreateProcessA( NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi ))
    {
        ok( 0, "CreateProcess failed, error %lu\n", GetLastError() );
        return;
    }
    memset( &w, 0, sizeof(w) );
    w.process = pi.hProcess;
    w.event = CreateEventA( NULL, FALSE, FALSE, NULL );
    w.running = 1;
    thread = CreateThread( NULL, 0, worker_thread, &w, 0, NULL );
    ok( WaitForSingleObject( w.event, 10000 ) == WAIT_OBJECT_0, "the first remote calls did not finish\n" );

    for (i = 0; i < ROUNDS; i++)
    {
        r = SuspendThread( pi.hThread );
        if (r != 0) { ok( 0, "round %d: SuspendThread returned %lu, error %lu\n", i, r, GetLastError() ); break; }
        /* at least one full pass of remote calls while the thread is suspended */
        WaitForSingleObject( w.event, 0 );
        if (WaitForSingleObject( w.event, 5000 ) == WAIT_OBJECT_0) waited++;
        r = ResumeThread( pi.hThread );
        if (r != 1) { ok( 0, "round %d: ResumeThread returned %lu, error %lu\n", i, r, GetLastError() ); break; }
        if (i & 1) Sleep( 1 );
    }
    ok( i == ROUNDS, "stopped after %d rounds\n", i );
    ok( waited == i, "remote calls finished in %d of %d suspended rounds\n", waited, i );
    ok( GetExitCodeProcess( pi.hProcess, &code ) && code == STILL_ACTIVE,
        "the target is gone, exit code %#lx\n", code );
    w.running = 0;
    if (WaitForSingleObject( thread, 10000 ))
    {
        /* a remote call the dead or hung target never answers */
        TerminateProcess( pi.hProcess, 1 );
        ok( !WaitForSingleObject( thread, 10000 ), "the worker did not stop\n" );
    }
    ok( !w.failures, "%ld of %ld passes had a failed call (first error %lu)\n", w.failures, w.calls, w.first_error );
    if (winetest_debug > 1) trace( "%s target: %ld passes of remote calls, %d suspended rounds\n", target, w.calls, i );

    TerminateProcess( pi.hProcess, 0 );
    WaitForSingleObject( pi.hProcess, 10000 );
    CloseHandle( thread );
    CloseHandle( w.event );
    CloseHandle( pi.hThread );
    CloseHandle( pi.hProcess );
}

START_TEST(remoteapc)
{
    char **argv;
    int i;
    int argc = winetest_get_mainargs( &argv );

    if (argc >= 3 && !strcmp( argv[2], "sleep" ))
    {
        /* start-up work first, as a real program's: loading DLLs runs Wine's unix loader
         * (dlopen of their .so parts), which uses the C heap throughout */
        LoadLibraryA( "user32.dll" );
        LoadLibraryA( "shell32.dll" );
        LoadLibraryA( "ole32.dll" );
        for (;;) SleepEx( INFINITE, TRUE );
    }
    if (argc >= 3 && !strcmp( argv[2], "busy" ))
    {
        char path[MAX_PATH];

        GetSystemDirectoryA( path, sizeof(path) );
        for (;;) GetFileAttributesA( path );
    }
    /* each target's start-up is where the signals are most likely to interrupt the C heap */
    for (i = 0; i < 4; i++) test_remote_calls_while_the_target_is_suspended( "sleep" );
    test_remote_calls_while_the_target_is_suspended( "busy" );
}

/*
 * Conformance: memory calls from several threads while other threads suspend, terminate or
 * exit the process.  NT makes a memory call atomic with respect to SuspendThread and
 * TerminateThread: a thread stopped or killed in the middle of VirtualAlloc never leaves the
 * address space locked for the others.  (Inside Wine a memory manager holds a lock during the
 * call and must keep wineserver's suspend and kill signals out of it: Wine's virtual.c blocks
 * them, ntdll-mm defers them to the lock's release.  A mistake there shows here as a hang or a
 * process that never exits, which these tests turn into failures with timeouts.)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

static SIZE_T page;
static BOOL locked_for_ever;   /* a memory call never returned: skip what needs more of them */

/* a worker doing every kind of memory call, checking its own results, until told to stop */
struct worker
{
    volatile LONG stop;
    volatile LONG iterations;
    volatile LONG errors;
};

static DWORD WINAPI memory_worker( void *arg )
{
    struct worker *w = arg;
    MEMORY_BASIC_INFORMATION info;
    DWORD old;
    char *p;

    while (!w->stop)
    {
        p = VirtualAlloc( NULL, 16 * page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
        if (!p)
        {
            InterlockedIncrement( &w->errors );
            continue;
        }
        p[0] = 1;
        p[15 * page] = 2;
        if (!VirtualProtect( p + page, page, PAGE_READONLY, &old ) || old != PAGE_READWRITE)
            InterlockedIncrement( &w->errors );
        if (VirtualQuery( p + page, &info, sizeof(info) ) != sizeof(info) || info.Protect != PAGE_READONLY ||
            info.RegionSize != page || info.AllocationBase != p)
            InterlockedIncrement( &w->errors );
        if (!VirtualFree( p + 2 * page, page, MEM_DECOMMIT )) InterlockedIncrement( &w->errors );
        if (!VirtualFree( p, 0, MEM_RELEASE )) InterlockedIncrement( &w->errors );
        InterlockedIncrement( &w->iterations );
    }
    return 0;
}

/* A prober thread, made before anything can go wrong (making a thread needs memory calls
 * too): on request it does one allocation and release, which must finish within the timeout.
 * If a stopped thread had kept the address space locked it would wait for ever; the caller
 * then stops making threads and memory calls. */
static HANDLE probe_go, probe_done;
static volatile LONG probe_result;

static DWORD WINAPI prober( void *arg )
{
    void *p;

    for (;;)
    {
        WaitForSingleObject( probe_go, INFINITE );
        p = VirtualAlloc( NULL, page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
        probe_result = !p ? 1 : VirtualFree( p, 0, MEM_RELEASE ) ? 0 : 2;
        SetEvent( probe_done );
    }
    return 0;
}

static BOOL memory_calls_not_blocked( DWORD timeout, DWORD *code )
{
    static HANDLE thread;

    *code = 0xdeadbeef;
    if (locked_for_ever) return FALSE;
    if (!thread)
    {
        probe_go = CreateEventA( NULL, FALSE, FALSE, NULL );
        probe_done = CreateEventA( NULL, FALSE, FALSE, NULL );
        thread = CreateThread( NULL, 0, prober, NULL, 0, NULL );
        if (!thread) return FALSE;
    }
    SetEvent( probe_go );
    if (WaitForSingleObject( probe_done, timeout ))
    {
        locked_for_ever = TRUE;
        return FALSE;
    }
    *code = probe_result;
    return TRUE;
}

static void test_SuspendThread_during_memory_calls(void)
{
    struct worker w = { 0 };
    CONTEXT context;
    HANDLE thread;
    LONG before;
    DWORD count, code;
    int i, suspends = 0, contexts = 0, free_while_suspended = 0;

    /* SuspendThread (learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-suspendthread):
     * returns the previous suspend count; GetThreadContext of a suspended thread succeeds.
     * Memory calls of other threads go on while it is suspended, wherever it stopped. */
    thread = CreateThread( NULL, 0, memory_worker, &w, 0, NULL );
    ok( thread != NULL, "CreateThread failed, error %lu\n", GetLastError() );
    if (!thread) return;
    while (w.iterations < 10) Sleep( 1 );

    for (i = 0; i < 300; i++)
    {
        count = SuspendThread( thread );
        if (count == 0) suspends++;
        context.ContextFlags = CONTEXT_CONTROL;
        if (GetThreadContext( thread, &context )) contexts++;
        /* every 10th time, allocate on another thread while this one is stopped */
        if (!(i % 10) && memory_calls_not_blocked( 5000, &code ) && !code) free_while_suspended++;
        ResumeThread( thread );
        if (i % 3) Sleep( 0 );
    }
    ok( suspends == 300, "SuspendThread returned 0 %d times of 300\n", suspends );
    ok( contexts == 300, "GetThreadContext succeeded %d times of 300\n", contexts );
    ok( free_while_suspended == 30, "memory calls finished while the worker was suspended %d times of 30\n",
        free_while_suspended );

    /* the worker runs on after all this */
    before = w.iterations;
    for (i = 0; i < 5000 && w.iterations < before + 10; i++) Sleep( 1 );
    ok( w.iterations >= before + 10, "the worker made %ld iterations after being resumed\n", w.iterations - before );
    w.stop = 1;
    ok( WaitForSingleObject( thread, 5000 ) == WAIT_OBJECT_0, "the worker did not stop\n" );
    ok( w.errors == 0, "the worker saw %ld wrong results in %ld iterations\n", w.errors, w.iterations );
    CloseHandle( thread );
}

static void test_TerminateThread_during_memory_calls(void)
{
    struct worker w = { 0 };
    HANDLE thread;
    DWORD code, wait;
    int i, terminated = 0, unblocked = 0;

    /* TerminateThread (learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-terminatethread):
     * the thread ends wherever it is; the exit code is the one given.  A thread killed in the
     * middle of a memory call leaves no lock behind: the next memory call of any thread works. */
    memory_calls_not_blocked( 5000, &code );   /* the prober exists before the first kill */
    for (i = 0; i < 40 && !locked_for_ever; i++)
    {
        w.iterations = 0;
        thread = CreateThread( NULL, 0, memory_worker, &w, 0, NULL );
        ok( thread != NULL, "CreateThread failed, error %lu\n", GetLastError() );
        if (!thread) return;
        while (w.iterations < 1 + i % 5) Sleep( 0 );
        ok( TerminateThread( thread, 0x1234 ), "TerminateThread failed, error %lu\n", GetLastError() );
        wait = WaitForSingleObject( thread, 5000 );
        if (wait == WAIT_OBJECT_0 && GetExitCodeThread( thread, &code ) && code == 0x1234) terminated++;
        CloseHandle( thread );
        if (memory_calls_not_blocked( 5000, &code ) && !code) unblocked++;
    }
    /* Wine 8.0 ends the thread from its SIGQUIT handler, which virtual.c does not block around
     * its lock: a thread killed inside a memory call leaves every later one waiting (the first
     * time this happens the loop stops; that thread and this process's memory calls hang) */
    todo_wine ok( terminated == 40, "%d of 40 threads ended with the exit code given\n", terminated );
    todo_wine ok( unblocked == 40, "memory calls finished after %d of 40 terminations\n", unblocked );
    ok( w.errors == 0, "the workers saw %ld wrong results\n", w.errors );
}

/* the child: two workers busy with memory calls, then ExitProcess from the main thread */
static void exit_child(void)
{
    static struct worker w;

    CreateThread( NULL, 0, memory_worker, &w, 0, NULL );
    CreateThread( NULL, 0, memory_worker, &w, 0, NULL );
    while (w.iterations < 50) Sleep( 1 );
    ExitProcess( w.errors ? 1 : 42 );
}

/* Runs "threads MODE" as a child and waits for it: 1 if it exited with code 'expect', 0 if it
 * exited otherwise or did not exit within 20 s (then it is terminated), -1 if it could not be
 * created. */
static int run_child( const char *mode, int i, DWORD expect )
{
    PROCESS_INFORMATION pi;
    STARTUPINFOA si = { sizeof(si) };
    char cmd[MAX_PATH + 64], **argv;
    DWORD wait, code;
    int ret = 0;

    winetest_get_mainargs( &argv );
    snprintf( cmd, sizeof(cmd), "\"%s\" threads %s", argv[0], mode );
    if (!CreateProcessA( NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi ))
    {
        ok( 0, "CreateProcess %d failed, error %lu\n", i, GetLastError() );
        return -1;
    }
    wait = WaitForSingleObject( pi.hProcess, 20000 );
    ok( wait == WAIT_OBJECT_0, "child %d did not exit (wait %#lx)\n", i, wait );
    if (wait != WAIT_OBJECT_0) TerminateProcess( pi.hProcess, 1 );
    else if (GetExitCodeProcess( pi.hProcess, &code ) && code == expect) ret = 1;
    CloseHandle( pi.hThread );
    CloseHandle( pi.hProcess );
    return ret;
}

static void test_ExitProcess_during_memory_calls(void)
{
    int i, ret, exited = 0;

    /* ExitProcess (learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-exitprocess):
     * the other threads are terminated wherever they are; the process ends with the code given. */
    for (i = 0; i < 5; i++)
    {
        if ((ret = run_child( "exit-child", i, 42 )) < 0) return;
        exited += ret;
    }
    ok( exited == 5, "%d of 5 children exited with their exit code\n", exited );
}

static void test_CreateProcess_during_memory_calls(void)
{
    static struct worker w;
    HANDLE threads[2];
    int i, ret, exited = 0;

    /* CreateProcess while other threads of the creator are inside memory calls: on Linux a new
     * process starts with fork(), which copies the address space between two memory calls of
     * the other threads; each child starts and ends with its exit code, and the creator's
     * threads go on without an error. */
    threads[0] = CreateThread( NULL, 0, memory_worker, &w, 0, NULL );
    threads[1] = CreateThread( NULL, 0, memory_worker, &w, 0, NULL );
    ok( threads[0] && threads[1], "CreateThread failed, error %lu\n", GetLastError() );
    for (i = 0; i < 10; i++)
    {
        if ((ret = run_child( "exit-now", i, 7 )) < 0) break;
        exited += ret;
    }
    w.stop = 1;
    ok( WaitForMultipleObjects( 2, threads, TRUE, 20000 ) == WAIT_OBJECT_0, "the workers did not stop\n" );
    ok( exited == 10, "%d of 10 children exited with their exit code\n", exited );
    ok( !w.errors && w.iterations > 0, "%ld errors in %ld iterations of the workers\n", w.errors, w.iterations );
    CloseHandle( threads[0] );
    CloseHandle( threads[1] );
}

START_TEST(threads)
{
    char **argv;
    int argc = winetest_get_mainargs( &argv );

    page = mm_page_size();
    if (argc >= 3 && !strcmp( argv[2], "exit-child" ))
    {
        exit_child();
        return;
    }
    if (argc >= 3 && !strcmp( argv[2], "exit-now" )) ExitProcess( 7 );
    test_SuspendThread_during_memory_calls();
    test_ExitProcess_during_memory_calls();
    test_CreateProcess_during_memory_calls();
    /* last: on a memory manager with the bug it tests, the process's memory calls hang after */
    test_TerminateThread_during_memory_calls();
}

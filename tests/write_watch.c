/*
 * Write watch: MEM_WRITE_WATCH allocations, NtGetWriteWatch, NtResetWriteWatch, on both
 * engines: the kernel path (userfaultfd async write-protect + PAGEMAP_SCAN) and the fallback
 * (read-only pages + fault).  The suite runs in the engine the library chose; when that is
 * the kernel path, write_watch_fallback_path re-runs this file's scenarios in a child forced
 * to the fallback (NTDLL_MM_WRITE_WATCH=fallback).
 *
 * Native reference: Wine 8.0 dlls/kernel32/tests/virtual.c test_write_watch ("kernel32
 * test"), which passes on Windows; Microsoft's GetWriteWatch / ResetWriteWatch documentation.
 * kernel32 only shows Win32 errors: ERROR_INVALID_PARAMETER is STATUS_INVALID_PARAMETER and
 * ERROR_NOACCESS STATUS_ACCESS_VIOLATION here (Wine's ntdll returns exactly those).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "util.h"

#ifndef WRITE_WATCH_FLAG_RESET
#define WRITE_WATCH_FLAG_RESET 1
#endif

static int ww_mode( void )
{
    struct ntdll_mm_kernel_info info;
    ntdll_mm_get_kernel_info( &info );
    return info.write_watch_mode;
}

static const char *mode_name( int mode )
{
    return mode == NTDLL_MM_WRITE_WATCH_KERNEL ? "kernel" : mode == NTDLL_MM_WRITE_WATCH_FALLBACK ? "fallback" : "none";
}

/* NtGetWriteWatch into results[max]; returns the status, *count the number reported */
static NTSTATUS get_ww( ULONG flags, void *base, SIZE_T size, void **results, ULONG_PTR max, ULONG_PTR *count )
{
    ULONG gran = 0;
    NTSTATUS status;

    *count = max;
    status = NtGetWriteWatch( NtCurrentProcess(), flags, base, size, results, count, &gran );
    if (!status) ok( gran == PAGE, "granularity %#lx, expected %#x\n", (unsigned long)gran, PAGE );
    return status;
}

/* the written pages (page numbers relative to base's page, -1 terminated) must be reported, in order */
#define check_ww( flags, base, size, max, ... ) check_ww_( __LINE__, flags, base, size, max, (const int[]){ __VA_ARGS__, -1 } )
static void check_ww_( int line, ULONG flags, char *base, SIZE_T size, ULONG_PTR max, const int *expect )
{
    char *page0 = (char *)((UINT_PTR)base & ~(UINT_PTR)(PAGE - 1));
    void *results[64];
    ULONG_PTR count = 0, n = 0;
    NTSTATUS status;

    while (expect[n] >= 0) n++;
    status = get_ww( flags, base, size, results, max, &count );
    mmtest_ok( __FILE__, line, status == STATUS_SUCCESS, "NtGetWriteWatch: got %s\n", status_name( status ) );
    mmtest_ok( __FILE__, line, count == n, "count %lu, expected %lu (%s path)\n", (unsigned long)count,
               (unsigned long)n, mode_name( ww_mode() ) );
    for (ULONG_PTR i = 0; i < count && i < n; i++)
        mmtest_ok( __FILE__, line, results[i] == page0 + expect[i] * PAGE, "result %lu: %p, expected %p\n",
                   (unsigned long)i, results[i], page0 + expect[i] * PAGE );
}

TEST(write_watch_mode_reported)
{
    const char *env = getenv( "NTDLL_MM_WRITE_WATCH" );
    struct ntdll_mm_kernel_info info;

    ntdll_mm_get_kernel_info( &info );
    trace( "write watch engine: %s (uffd async wp %d, PAGEMAP_SCAN %d)\n", mode_name( info.write_watch_mode ),
           info.has_uffd_wp_async, info.has_pagemap_scan );
    ok( info.write_watch_mode == NTDLL_MM_WRITE_WATCH_KERNEL || info.write_watch_mode == NTDLL_MM_WRITE_WATCH_FALLBACK,
        "write_watch_mode %d\n", info.write_watch_mode );
    if (env && !strcmp( env, "fallback" ))
        ok( info.write_watch_mode == NTDLL_MM_WRITE_WATCH_FALLBACK, "forced fallback, got %s\n", mode_name( info.write_watch_mode ) );
    else if (env && !strcmp( env, "kernel" ))
        ok( info.write_watch_mode == NTDLL_MM_WRITE_WATCH_KERNEL, "forced kernel, got %s\n", mode_name( info.write_watch_mode ) );
    else
        ok( (info.write_watch_mode == NTDLL_MM_WRITE_WATCH_KERNEL) == (info.has_uffd_wp_async && info.has_pagemap_scan),
            "mode %s with uffd %d scan %d\n", mode_name( info.write_watch_mode ), info.has_uffd_wp_async, info.has_pagemap_scan );
}

/* kernel32 test_write_watch, first part: writes are reported in address order, a sub-range
 * reports only its pages, WRITE_WATCH_FLAG_RESET and NtResetWriteWatch forget them, a write
 * after a reset is reported again, reads are never reported, and protection changes do not
 * touch the watch. */
TEST(write_watch_reports_written_pages)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    volatile char sink = 0;
    ULONG old;

    if (!base) return;
    check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_ww( 0, base, 0x10000, 64, -1 );
    /* reading untouched pages maps the zero page: not a write */
    for (int i = 0; i < 16; i++) sink += base[i * PAGE];
    check_ww( 0, base, 0x10000, 64, -1 );

    base[PAGE + 1] = 0x44;
    check_ww( 0, base, 0x10000, 64, 1 );
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 1 );
    check_ww( 0, base, 0x10000, 64, -1 );
    /* a page written before the reset is not reported after it, until written again */
    ok( base[PAGE + 1] == 0x44, "contents lost\n" );
    check_ww( 0, base, 0x10000, 64, -1 );

    base[2 * PAGE + 3] = 0x11;
    base[4 * PAGE + 8] = 0x11;
    check_ww( 0, base, 0x10000, 64, 2, 4 );
    check_ww( 0, base + 3 * PAGE, 2 * PAGE, 64, 1 );
    /* unaligned range: the pages it touches (3 and 4) */
    check_ww( 0, base + 3 * PAGE + 10, PAGE, 64, 1 );
    ok( !NtResetWriteWatch( NtCurrentProcess(), base, 3 * PAGE ), "NtResetWriteWatch failed\n" );
    check_ww( 0, base, 0x10000, 64, 4 );

    /* a write across a page boundary dirties both pages */
    *(volatile DWORD *)(base + 2 * PAGE - 2) = 0xdeadbeef;
    check_ww( 0, base, 0x10000, 64, 1, 2, 4 );

    /* changing protections doesn't affect watches */
    ok( !nt_protect( base, 3 * PAGE, PAGE_READONLY, &old ), "protect failed\n" );
    ok( old == PAGE_READWRITE, "old %#lx\n", (unsigned long)old );
    check_ww( 0, base, 0x10000, 64, 1, 2, 4 );
    ok( !nt_protect( base, 3 * PAGE, PAGE_READWRITE, &old ), "protect failed\n" );
    check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_ww( 0, base, 0x10000, 64, 1, 2, 4 );
    /* a page reset while read-only, then made writable again, is watched again */
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 1, 2, 4 );
    ok( !nt_protect( base, PAGE, PAGE_READONLY, &old ), "protect failed\n" );
    ok( !nt_protect( base, PAGE, PAGE_EXECUTE_READWRITE, &old ), "protect failed\n" );
    check_ww( 0, base, 0x10000, 64, -1 );
    base[10] = 1;
    base[15 * PAGE] = 1;
    check_ww( 0, base, 0x10000, 64, 0, 15 );
    release( base );
}

/* kernel32 test_write_watch: with WRITE_WATCH_FLAG_RESET and a full array, only the pages up
 * to the last one returned are reset; the others are returned by the next call
 * (continuation).  Without the flag nothing is reset. */
TEST(write_watch_count_limit_continuation)
{
    static const struct
    {
        ULONG flags;
        ULONG_PTR max;
        int expect[6];
    } steps[] =
    {
        { 0, 2, { 1, 3, -1 } },                         /* limited, no reset */
        { 0, 64, { 1, 3, 5, 7, 9, -1 } },               /* ... so all are still there */
        { WRITE_WATCH_FLAG_RESET, 2, { 1, 3, -1 } },    /* reset up to page 3 */
        { 0, 64, { 5, 7, 9, -1 } },
        { WRITE_WATCH_FLAG_RESET, 1, { 5, -1 } },
        { WRITE_WATCH_FLAG_RESET, 2, { 7, 9, -1 } },    /* exactly full: nothing is left */
        { 0, 64, { -1 } },
    };
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );

    if (!base) return;
    for (int i = 1; i < 10; i += 2) base[i * PAGE] = 1;
    for (size_t s = 0; s < ARRAY_SIZE( steps ); s++)
    {
        void *results[64];
        ULONG_PTR count, n = 0;
        NTSTATUS status = get_ww( steps[s].flags, base, 0x10000, results, steps[s].max, &count );

        while (steps[s].expect[n] >= 0) n++;
        ok( status == STATUS_SUCCESS, "step %zu: got %s\n", s, status_name( status ) );
        ok( count == n, "step %zu: count %lu, expected %lu\n", s, (unsigned long)count, (unsigned long)n );
        for (ULONG_PTR i = 0; i < count && i < n; i++)
            ok( results[i] == base + steps[s].expect[i] * PAGE, "step %zu: result %lu %p, expected %p\n",
                s, (unsigned long)i, results[i], base + steps[s].expect[i] * PAGE );
    }
    /* a write after the continuation, below pages already returned, is found again */
    base[PAGE] = 2;
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 1 );
    release( base );
}

/* WRITE_WATCH_FLAG_RESET when nothing is held over from an earlier call (on the kernel path the
 * scan's pages then go straight to the array): the pages that do not fit stay dirty, pages
 * outside the range stay dirty, and an array that is not writable to its end fails the call
 * before anything is reset. */
TEST(write_watch_reset_from_clean_state)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    char *array = alloc_or_fail( 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ULONG_PTR count = 2;
    ULONG gran, old;
    NTSTATUS status;

    if (!base || !array) return;
    for (int i = 1; i < 10; i += 2) base[i * PAGE] = 1;
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 2, 1, 3 );
    check_ww( 0, base, 0x10000, 64, 5, 7, 9 );
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 5, 7, 9 );
    check_ww( 0, base, 0x10000, 64, -1 );

    /* a sub-range (pages 4 to 7) */
    base[2 * PAGE] = base[6 * PAGE] = base[12 * PAGE] = 1;
    check_ww( WRITE_WATCH_FLAG_RESET, base + 4 * PAGE, 4 * PAGE, 64, 2 );
    check_ww( 0, base, 0x10000, 64, 2, 12 );
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 2, 12 );

    /* the array's second entry on a read-only page */
    base[3 * PAGE] = 1;
    ok( !nt_protect( array + PAGE, PAGE, PAGE_READONLY, &old ), "protect failed\n" );
    status = NtGetWriteWatch( NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, 0x10000,
                              (void **)(array + PAGE - sizeof(void *)), &count, &gran );
    ok( status == STATUS_ACCESS_VIOLATION, "got %s\n", status_name( status ) );
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 3 );
    check_ww( 0, base, 0x10000, 64, -1 );
    release( array );
    release( base );
}

/* kernel32 test_write_watch, "some invalid parameter tests", plus the NT-level inputs. */
TEST(write_watch_bad_inputs)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    char *plain = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    char *ro = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY );
    void *results[64];
    ULONG_PTR count, zero = 0;
    ULONG gran;
    struct
    {
        HANDLE process;
        ULONG flags;
        void *base;
        SIZE_T size;
        void **results;
        ULONG_PTR *count;
        ULONG *gran;
        NTSTATUS expect;
    } tests[] =
    {
        { NtCurrentProcess(), 0, base, 0x10000, results, &count, &gran, STATUS_SUCCESS },
        { NtCurrentProcess(), 0, base, 0x10000, results, NULL, &gran, STATUS_ACCESS_VIOLATION },
        { NtCurrentProcess(), 0, base, 0x10000, results, &count, NULL, STATUS_ACCESS_VIOLATION },
        { NtCurrentProcess(), 0, base, 0x10000, NULL, &count, &gran, STATUS_ACCESS_VIOLATION },
        { NtCurrentProcess(), 0, base, 0x10000, NULL, &zero, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0, base, 0x10000, results, &zero, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 2, base, 0x10000, results, &count, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0xdeadbeef, base, 0x10000, results, &count, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0, base, 0, results, &count, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0, base, 0x20000, results, &count, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0, base + 0x10000 - PAGE, PAGE + 1, results, &count, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0, NULL, 0x10000, results, &count, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0, plain, 0x10000, results, &count, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0, (char *)-PAGE, PAGE, results, &count, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0, base, ~(SIZE_T)0, results, &count, &gran, STATUS_INVALID_PARAMETER },
        { NtCurrentProcess(), 0, base, 0x10000, (void **)ro, &count, &gran, STATUS_ACCESS_VIOLATION },
        { NtCurrentProcess(), 0, base, 0x10000, results, (ULONG_PTR *)ro, &gran, STATUS_ACCESS_VIOLATION },
        { NtCurrentProcess(), 0, base, 0x10000, results, &count, (ULONG *)ro, STATUS_ACCESS_VIOLATION },
        { (HANDLE)0xdead0, 0, base, 0x10000, results, &count, &gran, STATUS_INVALID_HANDLE },
    };

    if (!base || !plain || !ro) return;
    for (size_t i = 0; i < ARRAY_SIZE( tests ); i++)
    {
        NTSTATUS status;
        count = 64;
        base[PAGE] = 1;
        /* the entries with flags test bad flags; the others alternate without and with RESET */
        status = NtGetWriteWatch( tests[i].process, tests[i].flags ? tests[i].flags : (i % 2) * WRITE_WATCH_FLAG_RESET,
                                  tests[i].base, tests[i].size, tests[i].results, tests[i].count, tests[i].gran );
        ok( status == tests[i].expect, "%zu: got %s, expected %s\n", i, status_name( status ), status_name( tests[i].expect ) );
        /* a failed call resets nothing */
        if (status) check_ww( 0, base, 0x10000, 64, 1 );
    }

    /* NtResetWriteWatch */
    ok( NtResetWriteWatch( NtCurrentProcess(), base, 0 ) == STATUS_INVALID_PARAMETER, "size 0\n" );
    ok( NtResetWriteWatch( NtCurrentProcess(), plain, 0x10000 ) == STATUS_INVALID_PARAMETER, "not watched\n" );
    ok( NtResetWriteWatch( NtCurrentProcess(), NULL, 0x10000 ) == STATUS_INVALID_PARAMETER, "NULL\n" );
    ok( NtResetWriteWatch( NtCurrentProcess(), base, 0x20000 ) == STATUS_INVALID_PARAMETER, "too long\n" );
    ok( NtResetWriteWatch( NtCurrentProcess(), base + 0x10000 - PAGE, PAGE + 1 ) == STATUS_INVALID_PARAMETER, "crossing\n" );
    ok( NtResetWriteWatch( (HANDLE)0xdead0, base, 0x10000 ) == STATUS_INVALID_HANDLE, "bad process\n" );
    check_ww( 0, base, 0x10000, 64, 1 );
    ok( NtResetWriteWatch( NtCurrentProcess(), base + 10, 1 ) == STATUS_SUCCESS, "one byte\n" );
    check_ww( 0, base, 0x10000, 64, 1 );
    ok( NtResetWriteWatch( NtCurrentProcess(), base + PAGE + 10, 1 ) == STATUS_SUCCESS, "one byte\n" );
    check_ww( 0, base, 0x10000, 64, -1 );

    /* MEM_WRITE_WATCH is chosen at reserve: alone or with MEM_COMMIT only it is refused */
    {
        void *addr = NULL;
        SIZE_T size = 0x10000;
        ok( nt_alloc( &addr, &size, MEM_WRITE_WATCH, PAGE_READWRITE ) == STATUS_INVALID_PARAMETER, "alone\n" );
    }
    release( base );
    release( plain );
    release( ro );
}

/* kernel32 test_write_watch, "ReadFile should trigger write watches": the kernel writing into
 * a watched buffer counts.  Here read() from a pipe.  The fallback path cannot see it: the
 * kernel finds the page read-only and read() fails with EFAULT (Wine's NtReadFile pre-faults
 * its buffers for that reason); a known difference from Windows, todo there. */
TEST(write_watch_sees_kernel_writes)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    static char data[2 * PAGE + 100];
    int fds[2];
    ssize_t got;

    if (!base) return;
    memset( data, 'x', sizeof(data) );
    ok( !pipe( fds ), "pipe: %s\n", strerror( errno ) );
    ok( write( fds[1], data, sizeof(data) ) == sizeof(data), "write to the pipe failed\n" );
    check_ww( 0, base, 0x10000, 64, -1 );
    got = read( fds[0], base + 3 * PAGE, sizeof(data) );
    todo_if( ww_mode() == NTDLL_MM_WRITE_WATCH_FALLBACK )
    {
        ok( got == sizeof(data), "read() into the watched buffer: %zd (%s)\n", got, got < 0 ? strerror( errno ) : "" );
    }
    if (got == sizeof(data))
    {
        ok( !memcmp( base + 3 * PAGE, data, sizeof(data) ), "data lost\n" );
        check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 3, 4, 5 );
    }
    close( fds[0] );
    close( fds[1] );
    release( base );
}

/* A fork()ed child (no NT meaning, but a library user may fork): the parent's userfaultfd is
 * bound to the parent's address space, so the child opens its own at its first write-watch
 * allocation, and watching works there as in the parent: pages written by the program and
 * by the kernel are reported. */
static void forked_child_watch( void *arg )
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    int fds[2];

    if (!base) return;
    base[2 * PAGE] = 1;
    base[7 * PAGE + 5] = 1;
    /* a kernel write: the fallback path cannot see one (write_watch_sees_kernel_writes) */
    if (ww_mode() == NTDLL_MM_WRITE_WATCH_KERNEL && !pipe( fds ))
    {
        ok( write( fds[1], "abc", 3 ) == 3 && read( fds[0], base + 9 * PAGE, 3 ) == 3, "pipe round trip failed\n" );
        close( fds[0] );
        close( fds[1] );
        check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 2, 7, 9 );
    }
    else check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 2, 7 );
    base[3 * PAGE] = 1;
    check_ww( 0, base, 0x10000, 64, 3 );
    release( base );
}

TEST(write_watch_in_a_forked_child)
{
    int st = run_in_child( forked_child_watch, NULL );

    ok( WIFEXITED( st ), "the child died of signal %d\n", WIFSIGNALED( st ) ? WTERMSIG( st ) : 0 );
}

/* kernel32 test_write_watch, "initial protect doesn't matter": a reservation watched from
 * PAGE_NOACCESS, committed later; the written state survives decommit (Windows reports the
 * page after MEM_DECOMMIT) and recommit, and recommitted pages are watched again. */
TEST(write_watch_decommit_recommit)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_NOACCESS );
    void *addr;
    SIZE_T size;
    ULONG old;

    if (!base) return;
    addr = base; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_NOACCESS ), "commit failed\n" );
    check_ww( 0, base, 0x10000, 64, -1 );
    ok( !nt_protect( base, 6 * PAGE, PAGE_READWRITE, &old ), "protect failed\n" );
    ok( old == PAGE_NOACCESS, "old %#lx\n", (unsigned long)old );
    base[5 * PAGE + 200] = 3;
    ok( !nt_protect( base, 6 * PAGE, PAGE_NOACCESS, &old ), "protect failed\n" );
    check_ww( 0, base, 0x10000, 64, 5 );

    addr = base; size = 0x10000;
    ok( !nt_free( &addr, &size, MEM_DECOMMIT ), "decommit failed\n" );
    check_ww( 0, base, 0x10000, 64, 5 );
    addr = base; size = 8 * PAGE;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "recommit failed\n" );
    ok( base[5 * PAGE + 200] == 0, "recommitted page not zero\n" );
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 5 );
    /* the recommitted range is watched */
    base[2 * PAGE] = 1;
    base[7 * PAGE + 5] = 1;
    check_ww( 0, base, 0x10000, 64, 2, 7 );

    /* decommit a part in the middle, written and not: the rest stays watched */
    addr = base + 2 * PAGE; size = 2 * PAGE;
    ok( !nt_free( &addr, &size, MEM_DECOMMIT ), "decommit failed\n" );
    base[6 * PAGE] = 1;
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 2, 6, 7 );
    addr = base + 2 * PAGE; size = 2 * PAGE;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "recommit failed\n" );
    check_ww( 0, base, 0x10000, 64, -1 );
    base[3 * PAGE] = 1;
    check_ww( 0, base, 0x10000, 64, 3 );
    release( base );

    /* a new allocation at the same address starts clean */
    addr = base; size = 0x10000;
    if (!nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE ))
    {
        check_ww( 0, base, 0x10000, 64, -1 );
        release( base );
    }
}

/* A reservation committed piece by piece: reserved pages are never reported, reading
 * committed pages is not writing them, and committing a range again over pages already
 * written keeps them reported. */
TEST(write_watch_partial_commit)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_WRITE_WATCH, PAGE_READWRITE );
    volatile char sink = 0;
    void *addr;
    SIZE_T size;

    if (!base) return;
    check_ww( 0, base, 0x10000, 64, -1 );
    addr = base; size = 8 * PAGE;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    for (int i = 0; i < 8; i++) sink += base[i * PAGE];
    check_ww( 0, base, 0x10000, 64, -1 );
    base[3 * PAGE] = 1;
    check_ww( 0, base, 0x10000, 64, 3 );
    addr = base; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    for (int i = 0; i < 16; i++) sink += base[i * PAGE];
    check_ww( 0, base, 0x10000, 64, 3 );
    base[12 * PAGE] = 1;
    check_ww( 0, base, 0x10000, 64, 3, 12 );
    ok( !NtResetWriteWatch( NtCurrentProcess(), base, 0x10000 ), "reset failed\n" );
    check_ww( 0, base, 0x10000, 64, -1 );
    base[15 * PAGE + 4095] = 1;
    check_ww( 0, base + 8 * PAGE, 8 * PAGE, 64, 7 );
    release( base );
}

/* The kernel path takes no signal for a first write; the fallback takes one per page.  A
 * counting SIGSEGV handler is put in front of the library's and chains to it. */
static struct sigaction counted_prev;
static volatile int segv_count;

static void counting_handler( int sig, siginfo_t *info, void *context )
{
    segv_count++;
    if (counted_prev.sa_flags & SA_SIGINFO) counted_prev.sa_sigaction( sig, info, context );
}

TEST(write_watch_first_write_signals)
{
    char *base = alloc_or_fail( 0x40000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    struct sigaction sa;
    int mode = ww_mode(), n = 0x40000 / PAGE;

    if (!base) return;
    memset( &sa, 0, sizeof(sa) );
    sa.sa_sigaction = counting_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset( &sa.sa_mask );
    sigaction( SIGSEGV, &sa, &counted_prev );
    segv_count = 0;
    for (int i = 0; i < n; i++) base[i * PAGE] = 1;
    for (int i = 0; i < n; i++) base[i * PAGE + 1] = 2;   /* second writes: never a signal */
    sigaction( SIGSEGV, &counted_prev, NULL );
    if (mode == NTDLL_MM_WRITE_WATCH_KERNEL) ok( segv_count == 0, "kernel path: %d signals for %d first writes\n", segv_count, n );
    else ok( segv_count == n, "fallback: %d signals for %d first writes\n", segv_count, n );
    {
        void *results[64];
        ULONG_PTR count;
        ok( !get_ww( WRITE_WATCH_FLAG_RESET, base, 0x40000, results, 64, &count ) && count == (ULONG_PTR)n,
            "count %lu, expected %d\n", (unsigned long)count, n );
    }
    release( base );
}

/* Wine 8.0 kernel32 test_guard_page, "combined guard page / write watch tests": a write to a
 * watched guard page raises STATUS_GUARD_PAGE_VIOLATION once, then lands and is recorded; a
 * read through a guard records nothing.  A write to a read-only watched page is an access
 * violation (the fallback's fault hook must not swallow it) and records nothing. */
static sigjmp_buf ww_recover;
static volatile int ww_exceptions, ww_continue;
static volatile NTSTATUS ww_code;

static int ww_exception( const struct ntdll_mm_exception *exc, void *ucontext )
{
    ww_code = exc->code;
    ww_exceptions++;
    if (ww_continue) return 1;
    siglongjmp( ww_recover, 1 );
}

TEST(write_watch_guard_and_read_only_pages)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE | PAGE_GUARD );
    volatile char *p;
    ULONG old;

    if (!base) return;
    p = base;
    check_ww( 0, base, 0x10000, 64, -1 );
    ntdll_mm_set_exception_callback( ww_exception );
    ww_continue = 1;
    ww_exceptions = 0;
    p[0] = 1;
    p[4] = 2;
    ok( ww_exceptions == 1 && ww_code == STATUS_GUARD_PAGE_VIOLATION, "%d exceptions, code %#x\n", ww_exceptions,
        (unsigned int)ww_code );
    ok( p[0] == 1 && p[4] == 2, "writes lost\n" );
    check_ww( WRITE_WATCH_FLAG_RESET, base, 0x10000, 64, 0 );

    ok( !nt_protect( base, PAGE, PAGE_READWRITE | PAGE_GUARD, &old ), "protect failed\n" );
    ww_exceptions = 0;
    (void)p[8];
    ok( ww_exceptions == 1, "read: %d exceptions\n", ww_exceptions );
    check_ww( 0, base, 0x10000, 64, -1 );

    ok( !nt_protect( base + PAGE, PAGE, PAGE_READONLY, &old ), "protect failed\n" );
    ww_continue = 0;
    ww_exceptions = 0;
    if (!sigsetjmp( ww_recover, 1 )) p[PAGE] = 1;
    ok( ww_exceptions == 1 && ww_code == STATUS_ACCESS_VIOLATION, "read-only: %d exceptions, code %#x\n",
        ww_exceptions, (unsigned int)ww_code );
    ntdll_mm_set_exception_callback( NULL );
    check_ww( 0, base, 0x10000, 64, -1 );
    release( base );
}

/* Writers on several threads while another thread keeps reading and resetting: every page
 * written is reported by one of the resets (no write lost in a reset).  A page may be
 * reported twice on both engines: the write access is given back (by the kernel or by the
 * fault hook) before the faulting store is retried, so a reset in between re-protects the
 * page, the retried store faults again and is recorded again; the second report is of the
 * store that really happened after the reset, so nothing is reported that was not written. */
#define WW_THREADS 4
#define WW_THREAD_PAGES 64
static char *ww_mt_base;

static void *ww_writer( void *arg )
{
    int t = (int)(INT_PTR)arg;
    for (int i = 0; i < WW_THREAD_PAGES; i++) ww_mt_base[(t + i * WW_THREADS) * PAGE + t] = 1;
    return NULL;
}

TEST(write_watch_concurrent_writers)
{
    SIZE_T size = WW_THREADS * WW_THREAD_PAGES * PAGE;
    static void *results[WW_THREADS * WW_THREAD_PAGES];
    unsigned char seen[WW_THREADS * WW_THREAD_PAGES];
    pthread_t threads[WW_THREADS];
    int joined[WW_THREADS] = { 0 };
    int dup = 0, missing = 0, done = 0, failures = 0;

    if (!(ww_mt_base = alloc_or_fail( size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE ))) return;
    memset( seen, 0, sizeof(seen) );
    for (int t = 0; t < WW_THREADS; t++) pthread_create( &threads[t], NULL, ww_writer, (void *)(INT_PTR)t );
    while (!done)
    {
        ULONG_PTR count;
        done = 1;
        for (int t = 0; t < WW_THREADS; t++)
            if (!joined[t] && !(joined[t] = !pthread_tryjoin_np( threads[t], NULL ))) done = 0;
        ULONG gran;
        count = ARRAY_SIZE( results );
        if (NtGetWriteWatch( NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, ww_mt_base, size, results, &count, &gran ))
        {
            failures++;
            count = 0;
        }
        for (ULONG_PTR i = 0; i < count; i++)
        {
            size_t page = ((char *)results[i] - ww_mt_base) / PAGE;
            if (seen[page]++) dup++;
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE( seen ); i++) if (!seen[i]) missing++;
    ok( !failures, "NtGetWriteWatch failed %d times\n", failures );
    ok( !missing, "%d pages never reported (%s path)\n", missing, mode_name( ww_mode() ) );
    if (dup) trace( "%d pages reported twice (%s path)\n", dup, mode_name( ww_mode() ) );
    release( ww_mt_base );
}

/* Both engines in every run: when this process uses the kernel path, run this file's and
 * placeholder.c's scenarios (a placeholder replaced by watched memory) again in a child forced
 * to the fallback (and their invariant checks with them). */
TEST(write_watch_fallback_path)
{
    char exe[4096], line[1024], cmd[4200];
    unsigned int passed = 0, failed = 1;
    ssize_t len;
    FILE *f;
    int status;

    if (ww_mode() != NTDLL_MM_WRITE_WATCH_KERNEL)
    {
        skip( "this run uses the fallback path already\n" );
        return;
    }
    if ((len = readlink( "/proc/self/exe", exe, sizeof(exe) - 1 )) <= 0)
    {
        ok( 0, "readlink /proc/self/exe: %s\n", strerror( errno ) );
        return;
    }
    exe[len] = 0;
    snprintf( cmd, sizeof(cmd), "NTDLL_MM_WRITE_WATCH=fallback '%s' write_watch.c: placeholder.c: 2>&1", exe );
    fflush( stdout );
    if (!(f = popen( cmd, "r" )))
    {
        ok( 0, "popen: %s\n", strerror( errno ) );
        return;
    }
    while (fgets( line, sizeof(line), f ))
    {
        unsigned int p, fl;
        if (sscanf( line, "%u passed, %u failed", &p, &fl ) == 2)
        {
            passed = p;
            failed = fl;
        }
        else printf( "    [fallback] %s", line );
    }
    status = pclose( f );
    ok( WIFEXITED( status ) && !WEXITSTATUS( status ), "fallback child exit status %#x\n", status );
    ok( !failed && passed, "fallback child: %u passed, %u failed\n", passed, failed );
    trace( "fallback path: %u passed, %u failed\n", passed, failed );
}

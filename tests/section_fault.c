/*
 * Faults on mapped files: a view whose file was truncated under it.  Windows refuses to truncate
 * a file with a mapped view (ReactOS apitest Test_Truncate: SetEndOfFile fails with
 * ERROR_USER_MAPPED_FILE), but Linux lets any descriptor truncate it; an access to a page past the
 * new end then raises SIGBUS.  Issue 4 requires that this does not kill the process: the access is
 * reported as STATUS_IN_PAGE_ERROR, the exception NT raises when a mapped file cannot supply a page
 * (EXCEPTION_RECORD.ExceptionInformation = { 0 read / 1 write / 8 execute, address, underlying
 * NTSTATUS }).  The standalone host delivers it through ntdll_mm_set_exception_callback()
 * (include/ntdll-mm.h): the callback runs in the signal handler and may siglongjmp() out.
 *
 * Every scenario runs in a forked child (run_in_child): a library that gets this wrong kills the
 * child, not the test run.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "section_util.h"

static sigjmp_buf recover;
static volatile int exc_calls;
static volatile NTSTATUS exc_code;
static void * volatile exc_address;
static volatile ULONG_PTR exc_info[3];
static volatile ULONG exc_ninfo;

static int record_and_recover( const struct ntdll_mm_exception *exc, void *ucontext )
{
    unsigned int i;

    exc_calls++;
    exc_code = exc->code;
    exc_address = exc->address;
    exc_ninfo = exc->ninfo;
    for (i = 0; i < 3; i++) exc_info[i] = exc->info[i];
    siglongjmp( recover, 1 );
}

static int decline( const struct ntdll_mm_exception *exc, void *ucontext )
{
    exc_calls++;
    return 0;
}

static void reset_exception( void )
{
    exc_calls = 0;
    exc_code = 0;
    exc_address = NULL;
    exc_ninfo = 0;
    exc_info[0] = exc_info[1] = exc_info[2] = 0xdeadbeef;
}

/* Access addr (read, or write when write is set) expecting STATUS_IN_PAGE_ERROR through the
 * callback, then check the record. */
#define check_in_page_error( addr, write ) check_in_page_error_( __FILE__, __LINE__, addr, write )
static void check_in_page_error_( const char *file, int line, volatile unsigned char *addr, int write )
{
    reset_exception();
    if (!sigsetjmp( recover, 1 ))
    {
        if (write) *addr = 0x42;
        else (void)*addr;
        mmtest_ok( file, line, 0, "%s of %p past the end of the file did not fault\n", write ? "write" : "read", addr );
        return;
    }
    mmtest_ok( file, line, exc_calls == 1, "callback called %d times\n", exc_calls );
    mmtest_ok( file, line, exc_code == STATUS_IN_PAGE_ERROR, "code %s, expected STATUS_IN_PAGE_ERROR\n",
               sstatus( exc_code ) );
    mmtest_ok( file, line, exc_address == (void *)addr, "address %p, expected %p\n", exc_address, addr );
    mmtest_ok( file, line, exc_ninfo == 3, "ninfo %u, expected 3\n", (unsigned int)exc_ninfo );
    mmtest_ok( file, line, exc_info[0] == (write ? 1 : 0), "info[0] %#lx, expected %d\n",
               (unsigned long)exc_info[0], write ? 1 : 0 );
    mmtest_ok( file, line, exc_info[1] == (ULONG_PTR)addr, "info[1] %#lx, expected %p\n",
               (unsigned long)exc_info[1], addr );
    mmtest_ok( file, line, (exc_info[2] & 0xc0000000) == 0xc0000000, "info[2] %#lx is not an error status\n",
               (unsigned long)exc_info[2] );
}

struct fault_args
{
    char path[512];
    ULONG prot;       /* view protection */
    int decline;      /* install a callback that declines the exception */
};

/* The file has 3 pages; it is cut to 0x1800 bytes under a view of all three. */
static void truncated_view_child( void *arg )
{
    struct fault_args *args = arg;
    HANDLE file = open_file( args->path, FILE_READ_DATA | FILE_WRITE_DATA ), section = NULL;
    volatile unsigned char *view = NULL;
    int fd = -1;

    if (!file) return;
    section = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file );
    close_handle( file );
    if (!(view = view_or_fail( section, args->prot ))) goto done;
    ok( view[0x2010] == pattern_byte( 0x2010 ), "file data not mapped\n" );

    fd = open( args->path, O_RDWR );
    ok( fd >= 0, "open failed\n" );
    if (fd < 0) goto done;
    ntdll_mm_set_exception_callback( record_and_recover );
    ok( !ftruncate( fd, 0x1800 ), "ftruncate failed\n" );

    check_in_page_error( view + 0x2010, 0 );
    if (args->prot == PAGE_READWRITE) check_in_page_error( view + 0x2fff, 1 );
    check_in_page_error( view + 0x2000, 0 );   /* not sticky: reported again */

    /* the pages before the new end are fine; the rest of the partial page reads zero */
    reset_exception();
    if (!sigsetjmp( recover, 1 ))
    {
        ok( view[0] == pattern_byte( 0 ), "first page: %#x\n", view[0] );
        ok( view[0x17ff] == pattern_byte( 0x17ff ), "last byte of the file: %#x\n", view[0x17ff] );
        ok( view[0x1800] == 0 && view[0x1fff] == 0, "tail of the partial page not zero: %#x %#x\n",
            view[0x1800], view[0x1fff] );
    }
    else ok( 0, "fault in the part of the view the file still backs: %s at %p\n", sstatus( exc_code ), exc_address );

    /* the view itself is unchanged and can be unmapped; the library's map still agrees with the kernel */
    check_mbi( (void *)view, (void *)view, 0x3000, MEM_COMMIT, args->prot, (void *)view, args->prot, MEM_MAPPED );
    check_invariants();
    ntdll_mm_set_exception_callback( NULL );
    unmap( (void *)view );
    view = NULL;
    check_invariants();
done:
    if (fd >= 0) close( fd );
    unmap( (void *)view );
    close_handle( section );
}

/* Reads and writes past the new end of the file are STATUS_IN_PAGE_ERROR, reported with the
 * faulting address and the access type; the process carries on. */
TEST(truncated_file_view_access_is_in_page_error)
{
    static const ULONG prots[] = { PAGE_READWRITE, PAGE_READONLY, PAGE_WRITECOPY };
    struct fault_args args;
    unsigned int i;
    int st;

    for (i = 0; i < ARRAY_SIZE(prots); i++)
    {
        if (make_test_file( args.path, "truncate", 0x3000 )) return;
        args.prot = prots[i];
        args.decline = 0;
        st = run_in_child( truncated_view_child, &args );
        ok( WIFEXITED( st ), "view %#x: child killed by signal %d\n", (unsigned int)prots[i],
            WIFSIGNALED( st ) ? WTERMSIG( st ) : 0 );
        remove_test_file( args.path );
    }
}

static void unhandled_child( void *arg )
{
    struct fault_args *args = arg;
    HANDLE file = open_file( args->path, FILE_READ_DATA | FILE_WRITE_DATA ), section;
    volatile unsigned char *view;
    int fd;

    if (!file) return;
    section = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file );
    if (!(view = view_or_fail( section, PAGE_READONLY ))) return;
    if ((fd = open( args->path, O_RDWR )) < 0 || ftruncate( fd, 0 ))
    {
        ok( 0, "cannot truncate\n" );
        return;
    }
    if (args->decline) ntdll_mm_set_exception_callback( decline );
    (void)view[0x1000];
    ok( 0, "read past the end of the file did not fault (callback called %d times)\n", exc_calls );
}

/* With no callback, or one that declines (returns 0), the fault takes its default course: the
 * process dies of SIGBUS, as an unhandled exception ends a Windows process. */
TEST(truncated_file_view_unhandled_fault_kills)
{
    struct fault_args args;
    unsigned int i;
    int st;

    for (i = 0; i < 2; i++)
    {
        if (make_test_file( args.path, "unhandled", 0x2000 )) return;
        args.prot = PAGE_READONLY;
        args.decline = i;
        st = run_in_child( unhandled_child, &args );
        ok( WIFSIGNALED( st ) && WTERMSIG( st ) == SIGBUS, "%s: child status %#x, expected death by SIGBUS\n",
            i ? "declining callback" : "no callback", st );
        remove_test_file( args.path );
    }
}

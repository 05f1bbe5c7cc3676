/*
 * Conformance: a view page whose file data cannot be read in raises STATUS_IN_PAGE_ERROR
 * (EXCEPTION_IN_PAGE_ERROR), not an access violation.
 *
 * On Windows a mapped file cannot be truncated (SetEndOfFile fails with
 * ERROR_USER_MAPPED_FILE) and the error comes from failing media or a lost network file; on
 * Linux another process can truncate the file under the mapping, and the kernel then sends
 * SIGBUS for the pages past the new end.  Programs that read mapped files guard the reads
 * with __except (GetExceptionCode() == EXCEPTION_IN_PAGE_ERROR) (the MapViewOfFile
 * documentation's "Remarks" section recommends it); an access violation instead is
 * treated as a bug and kills them.  The test truncates the file with Linux system calls, so it
 * runs under Wine only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

static SIZE_T page;

/* Linux' system call convention, 64-bit arguments (long is 32 bits in Windows' ABI) */
static long long linux_syscall3( long long nr, long long a, long long b, long long c )
{
    long long ret;

    __asm__ __volatile__( "syscall" : "=a" (ret) : "0" (nr), "D" (a), "S" (b), "d" (c) : "rcx", "r11", "memory" );
    return ret;
}

/* truncate the file at unix_path to size with Linux' open/ftruncate/close */
static BOOL linux_truncate( const char *unix_path, long long size )
{
    long long fd = linux_syscall3( 2 /* open */, (LONG_PTR)unix_path, 01 /* O_WRONLY */, 0 ), ret;

    if (fd < 0) return FALSE;
    ret = linux_syscall3( 77 /* ftruncate */, fd, size, 0 );
    linux_syscall3( 3 /* close */, fd, 0, 0 );
    return ret == 0;
}

static void test_view_past_truncated_end_raises_in_page_error(void)
{
    char *(CDECL *get_unix_name)( const WCHAR * );
    WCHAR dir[MAX_PATH], path[MAX_PATH];
    HANDLE file, mapping;
    char *view, *unix_path, buf[0x3000];
    unsigned int v;
    DWORD done;

    get_unix_name = (void *)GetProcAddress( GetModuleHandleA( "kernel32.dll" ), "wine_get_unix_file_name" );
    if (!get_unix_name)
    {
        skip( "not Wine: a mapped file cannot be truncated on Windows\n" );
        return;
    }
    GetTempPathW( MAX_PATH, dir );
    GetTempFileNameW( dir, L"mip", 0, path );
    file = CreateFileW( path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, CREATE_ALWAYS,
                        FILE_FLAG_DELETE_ON_CLOSE, NULL );
    ok( file != INVALID_HANDLE_VALUE, "CreateFile failed, error %lu\n", GetLastError() );
    if (file == INVALID_HANDLE_VALUE) return;
    memset( buf, 'x', sizeof(buf) );
    ok( WriteFile( file, buf, 3 * page, &done, NULL ) && done == 3 * page, "WriteFile failed\n" );
    mapping = CreateFileMappingW( file, NULL, PAGE_READONLY, 0, 0, NULL );
    ok( mapping != NULL, "CreateFileMapping failed, error %lu\n", GetLastError() );
    view = mapping ? MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 ) : NULL;
    ok( view != NULL, "MapViewOfFile failed, error %lu\n", GetLastError() );
    unix_path = get_unix_name( path );
    ok( unix_path != NULL, "no Unix name for %s\n", wine_dbgstr_w( path ) );
    if (!view || !unix_path) goto done;

    mm_reset_fault();
    ok( mm_probe_read( view + 2 * page ) == 'x' && !mm_last_fault.count, "the last page before truncation\n" );
    ok( linux_truncate( unix_path, page ), "cannot truncate %s\n", unix_path );

    /* the first page is still in the file */
    mm_reset_fault();
    v = mm_probe_read( view );
    ok( v == 'x' && !mm_last_fault.count, "first page: read %#x, %ld exceptions\n", v, mm_last_fault.count );

    /* past the end: EXCEPTION_IN_PAGE_ERROR, read access, the address (MSDN "EXCEPTION_RECORD":
     * "The first element of the array contains a read-write flag ... The second element
     * contains the virtual address of the inaccessible data. The third element contains the
     * underlying NTSTATUS code that resulted in the exception.") */
    mm_reset_fault();
    v = mm_probe_read( view + 2 * page + 0x10 );
    ok( mm_last_fault.count == 1, "%ld exceptions\n", mm_last_fault.count );
    todo_wine ok( mm_last_fault.code == STATUS_IN_PAGE_ERROR, "exception %#lx, expected STATUS_IN_PAGE_ERROR\n",
                  mm_last_fault.code );
    ok( mm_last_fault.info[0] == 0 && mm_last_fault.info[1] == (ULONG_PTR)(view + 2 * page + 0x10),
        "parameters %Iu %#Ix\n", mm_last_fault.info[0], mm_last_fault.info[1] );
    /* the third parameter cannot be given inside Wine 8.0 (its fault handler builds a record
     * of two); where it is, it is an NTSTATUS error */
    if (mm_last_fault.nparams > 2)
        ok( (mm_last_fault.info2 & 0xc0000000) == 0xc0000000, "I/O status %#Ix\n", mm_last_fault.info2 );

    /* the process goes on: the page is still there, and faults again */
    mm_reset_fault();
    mm_probe_read( view + 2 * page );
    todo_wine ok( mm_last_fault.count == 1 && mm_last_fault.code == STATUS_IN_PAGE_ERROR,
                  "second read: %ld exceptions, %#lx\n", mm_last_fault.count, mm_last_fault.code );

done:
    if (unix_path) HeapFree( GetProcessHeap(), 0, unix_path );
    if (view) UnmapViewOfFile( view );
    if (mapping) CloseHandle( mapping );
    CloseHandle( file );
}

START_TEST(inpage)
{
    page = mm_page_size();
    mm_install_fault_handler();
    test_view_past_truncated_end_raises_in_page_error();
}

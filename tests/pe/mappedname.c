/*
 * Conformance: GetMappedFileName (NtQueryVirtualMemory
 * MemoryMappedFilenameInformation) on file views, images, page-file views,
 * private and free memory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include <psapi.h>
#include "wine/test.h"

/* TRUE when name (NT device form) ends with the last path element of path. */
static BOOL ends_with_file_name( const WCHAR *name, const WCHAR *path )
{
    const WCHAR *base = wcsrchr( path, '\\' );
    size_t len, blen;

    base = base ? base + 1 : path;
    len = wcslen( name );
    blen = wcslen( base );
    return len > blen && !_wcsicmp( name + len - blen, base ) && name[len - blen - 1] == '\\';
}

static void test_GetMappedFileName_file_view(void)
{
    WCHAR dir[MAX_PATH], path[MAX_PATH], name[MAX_PATH], drive[3], device[MAX_PATH];
    HANDLE file, mapping;
    DWORD ret;
    char *base;

    GetTempPathW( MAX_PATH, dir );
    GetTempFileNameW( dir, L"mmn", 0, path );
    file = CreateFileW( path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL );
    ok( file != INVALID_HANDLE_VALUE, "CreateFile failed, error %lu\n", GetLastError() );
    if (file == INVALID_HANDLE_VALUE) return;
    SetFilePointer( file, 0x4000, NULL, FILE_BEGIN );
    SetEndOfFile( file );
    mapping = CreateFileMappingW( file, NULL, PAGE_READONLY, 0, 0, NULL );
    base = mapping ? MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 ) : NULL;
    ok( base != NULL, "cannot map the file, error %lu\n", GetLastError() );
    if (!base) goto done;

    /* GetMappedFileName (learn.microsoft.com/windows/win32/api/psapi/nf-psapi-getmappedfilenamew):
     * "the name of the memory-mapped file", "in the device form"; psapi/tests/psapi_main.c
     * test_GetMappedFileName: it begins with the drive's device (QueryDosDevice; todo_wine there)
     * and an address inside the view works too. */
    ret = GetMappedFileNameW( GetCurrentProcess(), base, name, ARRAY_SIZE(name) );
    ok( ret, "GetMappedFileNameW failed, error %lu\n", GetLastError() );
    if (ret)
    {
        ok( ends_with_file_name( name, path ), "name %s does not end with the file's name\n", wine_dbgstr_w( name ) );
        drive[0] = path[0];
        drive[1] = ':';
        drive[2] = 0;
        if (QueryDosDeviceW( drive, device, ARRAY_SIZE(device) ))
            todo_wine ok( !wcsncmp( name, device, wcslen( device ) ), "name %s does not start with %s\n",
                          wine_dbgstr_w( name ), wine_dbgstr_w( device ) );
    }
    ret = GetMappedFileNameW( GetCurrentProcess(), base + 0x2000, name, ARRAY_SIZE(name) );
    ok( ret && ends_with_file_name( name, path ), "inside the view: %lu %s\n", ret, wine_dbgstr_w( name ) );

    /* test_GetMappedFileName: past the end of the view and at NULL (free memory) the call fails
     * with ERROR_UNEXP_NET_ERR (the Win32 code for STATUS_INVALID_ADDRESS); a bad process handle
     * gives ERROR_INVALID_HANDLE. */
    SetLastError( 0xdeadbeef );
    ret = GetMappedFileNameW( GetCurrentProcess(), base + 0x4000, name, ARRAY_SIZE(name) );
    ok( !ret && GetLastError() == ERROR_UNEXP_NET_ERR, "past the view: %lu error %lu\n", ret, GetLastError() );
    SetLastError( 0xdeadbeef );
    ret = GetMappedFileNameW( GetCurrentProcess(), NULL, name, ARRAY_SIZE(name) );
    ok( !ret && GetLastError() == ERROR_UNEXP_NET_ERR, "NULL: %lu error %lu\n", ret, GetLastError() );
    SetLastError( 0xdeadbeef );
    ret = GetMappedFileNameW( NULL, base, name, ARRAY_SIZE(name) );
    ok( !ret && GetLastError() == ERROR_INVALID_HANDLE, "NULL process: %lu error %lu\n", ret, GetLastError() );

    /* Once unmapped, the address has no name. */
    UnmapViewOfFile( base );
    SetLastError( 0xdeadbeef );
    ret = GetMappedFileNameW( GetCurrentProcess(), base, name, ARRAY_SIZE(name) );
    ok( !ret, "unmapped view still has a name %s\n", wine_dbgstr_w( name ) );
done:
    if (mapping) CloseHandle( mapping );
    CloseHandle( file );
    DeleteFileW( path );
}

static void test_GetMappedFileName_other_memory(void)
{
    WCHAR name[MAX_PATH], exe[MAX_PATH];
    HANDLE mapping;
    DWORD ret;
    char *p;

    /* test_GetMappedFileName: the executable's image reports its file. */
    GetModuleFileNameW( NULL, exe, ARRAY_SIZE(exe) );
    ret = GetMappedFileNameW( GetCurrentProcess(), GetModuleHandleW( NULL ), name, ARRAY_SIZE(name) );
    ok( ret && ends_with_file_name( name, exe ), "image: %lu %s\n", ret, wine_dbgstr_w( name ) );

    /* test_GetMappedFileName: a view of a page-file section has no file: ERROR_FILE_INVALID. */
    mapping = CreateFileMappingW( INVALID_HANDLE_VALUE, NULL, PAGE_READONLY, 0, 0x1000, NULL );
    p = mapping ? MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 ) : NULL;
    ok( p != NULL, "cannot map a page-file section\n" );
    if (p)
    {
        SetLastError( 0xdeadbeef );
        ret = GetMappedFileNameW( GetCurrentProcess(), p, name, ARRAY_SIZE(name) );
        ok( !ret && GetLastError() == ERROR_FILE_INVALID, "page-file view: %lu error %lu\n", ret, GetLastError() );
        UnmapViewOfFile( p );
    }
    if (mapping) CloseHandle( mapping );

    /* Private memory is not a mapped file either. */
    p = VirtualAlloc( NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    SetLastError( 0xdeadbeef );
    ret = GetMappedFileNameW( GetCurrentProcess(), p, name, ARRAY_SIZE(name) );
    ok( !ret, "private memory has a name %s\n", wine_dbgstr_w( name ) );
    VirtualFree( p, 0, MEM_RELEASE );
}

START_TEST(mappedname)
{
    test_GetMappedFileName_file_view();
    test_GetMappedFileName_other_memory();
}

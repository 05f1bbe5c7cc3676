/*
 * NtQuerySection(SectionBasicInformation), NtExtendSection, NtFlushVirtualMemory,
 * NtAreMappedFilesTheSame and NtQueryVirtualMemory(MemoryMappedFilenameInformation).
 *
 * Expectations (all pass on Windows unless a comment says otherwise):
 *   Wine 8.0 dlls/kernel32/tests/virtual.c test_MapViewOfFile (NtQuerySection) and
 *       test_NtAreMappedFilesTheSame                                             ("kernel32 test")
 *   Wine 8.0 dlls/kernel32/tests/loader.c (NtQuerySection of images, not repeated here)
 *   Wine 8.0 dlls/ntdll/tests/info.c test_queryvirtualmemory (MemoryMappedFilenameInformation)
 *                                                                                 ("info test")
 *   Wine 8.0 dlls/psapi/tests/psapi_main.c test_GetMappedFileName: a pagefile-backed view is
 *       ERROR_FILE_INVALID (kernelbase passes the NtQueryVirtualMemory status through)
 *   ReactOS modules/rostests/apitests/ntdll/NtQuerySection.c                    ("ReactOS apitest")
 *   ZwFlushVirtualMemory doc: RegionSize rounded up to pages, 0 meaning "from the base address to
 *       the end of the range", base and size of the flushed region returned; STATUS_NOT_MAPPED_VIEW
 *       when no view descriptor holds the address.
 *   NtCreateSection doc: a file-backed section's MaximumSize is what "the file can be extended or
 *       mapped to"; SECTION_EXTEND_SIZE "dynamically extend the size of the section".
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "section_util.h"

#define FILE_RW (FILE_READ_DATA | FILE_WRITE_DATA)

static HANDLE file_section( char path[512], const char *name, off_t file_size, LONGLONG size, ULONG prot,
                            ACCESS_MASK section_access )
{
    HANDLE file, section;

    if (make_test_file( path, name, file_size )) return NULL;
    if (!(file = open_file( path, FILE_RW ))) return NULL;
    section = section_or_fail( section_access, size, prot, SEC_COMMIT, file );
    close_handle( file );
    return section;
}

/* kernel32 test_MapViewOfFile and ReactOS apitest: SectionBasicInformation returns
 * sizeof(SECTION_BASIC_INFORMATION) bytes (more room is fine, one byte less is
 * STATUS_INFO_LENGTH_MISMATCH), BaseAddress NULL, the attributes and the size; a NULL buffer is
 * STATUS_ACCESS_VIOLATION, a NULL handle STATUS_INVALID_HANDLE; SectionImageInformation of a data
 * section is STATUS_SECTION_NOT_IMAGE once the length is right. */
TEST(NtQuerySection_basic_information)
{
    HANDLE section = section_or_fail( SECTION_ALL_ACCESS, 0x3457, PAGE_READONLY, SEC_COMMIT, NULL );
    SECTION_BASIC_INFORMATION info;
    SECTION_IMAGE_INFORMATION image;
    unsigned char buffer[sizeof(info) + 16];
    SIZE_T len;
    NTSTATUS status;

    if (!section) return;
    memset( &info, 0xcc, sizeof(info) );
    len = (SIZE_T)0xdeadbeef << 16;
    status = NtQuerySection( section, SectionBasicInformation, &info, sizeof(info), &len );
    ok( status == STATUS_SUCCESS, "got %s\n", sstatus( status ) );
    ok( len == sizeof(info), "length %lu, expected %lu\n", (unsigned long)len, (unsigned long)sizeof(info) );
    ok( info.BaseAddress == NULL, "base %p\n", info.BaseAddress );
    ok( info.Attributes == SEC_COMMIT, "attributes %#x\n", (unsigned int)info.Attributes );
    ok( info.Size.QuadPart == 0x4000, "size %#llx, expected 0x4000\n", (unsigned long long)info.Size.QuadPart );

    status = NtQuerySection( section, SectionBasicInformation, &info, sizeof(info) - 1, &len );
    ok( status == STATUS_INFO_LENGTH_MISMATCH, "length - 1: got %s\n", sstatus( status ) );
    status = NtQuerySection( section, SectionBasicInformation, buffer, sizeof(info) + 1, NULL );
    ok( status == STATUS_SUCCESS, "length + 1: got %s\n", sstatus( status ) );
    status = NtQuerySection( section, SectionBasicInformation, NULL, sizeof(info), &len );
    ok( status == STATUS_ACCESS_VIOLATION, "NULL buffer: got %s, expected STATUS_ACCESS_VIOLATION\n", sstatus( status ) );
    status = NtQuerySection( NULL, SectionBasicInformation, &info, sizeof(info), &len );
    ok( status == STATUS_INVALID_HANDLE, "NULL handle: got %s, expected STATUS_INVALID_HANDLE\n", sstatus( status ) );

    status = NtQuerySection( section, SectionImageInformation, &image, sizeof(image) - 1, NULL );
    ok( status == STATUS_INFO_LENGTH_MISMATCH, "image info, length - 1: got %s\n", sstatus( status ) );
    status = NtQuerySection( section, SectionImageInformation, &image, sizeof(image), NULL );
    ok( status == STATUS_SECTION_NOT_IMAGE, "image info: got %s, expected STATUS_SECTION_NOT_IMAGE\n", sstatus( status ) );
    close_handle( section );
}

/* kernel32 test_MapViewOfFile: without SECTION_QUERY, NtQuerySection is STATUS_ACCESS_DENIED;
 * a handle of another type is STATUS_OBJECT_TYPE_MISMATCH (object manager). */
TEST(NtQuerySection_needs_section_query)
{
    HANDLE section = section_or_fail( SECTION_MAP_READ | SECTION_MAP_WRITE, 0x1000, PAGE_READWRITE, SEC_COMMIT, NULL );
    SECTION_BASIC_INFORMATION info;
    char path[512];
    HANDLE file;
    NTSTATUS status;

    if (section)
    {
        status = query_section( section, &info );
        ok( status == STATUS_ACCESS_DENIED, "got %s, expected STATUS_ACCESS_DENIED\n", sstatus( status ) );
        close_handle( section );
    }
    if (make_test_file( path, "notsection", 0x1000 )) return;
    if ((file = open_file( path, FILE_RW )))
    {
        status = query_section( file, &info );
        ok( status == STATUS_OBJECT_TYPE_MISMATCH, "file handle: got %s, expected STATUS_OBJECT_TYPE_MISMATCH\n",
            sstatus( status ) );
        close_handle( file );
    }
    remove_test_file( path );
}

/* ReactOS apitest: SEC_RESERVE is ignored for a file-backed section (attributes SEC_FILE), the
 * size stays byte exact (1). */
TEST(NtQuerySection_file_section_ignores_sec_reserve)
{
    char path[512];
    HANDLE file, section;
    SECTION_BASIC_INFORMATION info;
    NTSTATUS status;

    if (make_test_file( path, "reserve", 0x2000 )) return;
    if ((file = open_file( path, FILE_READ_DATA )))
    {
        if ((section = section_or_fail( SECTION_ALL_ACCESS, 1, PAGE_READONLY, SEC_RESERVE, file )))
        {
            status = query_section( section, &info );
            ok( status == STATUS_SUCCESS, "got %s\n", sstatus( status ) );
            ok( info.Attributes == SEC_FILE, "attributes %#x, expected SEC_FILE\n", (unsigned int)info.Attributes );
            ok( info.Size.QuadPart == 1, "size %#llx, expected 1\n", (unsigned long long)info.Size.QuadPart );
            ok( info.BaseAddress == NULL, "base %p\n", info.BaseAddress );
            close_handle( section );
        }
        close_handle( file );
    }
    remove_test_file( path );
}

/* NtExtendSection grows a file-backed section and its file.  A view keeps the size it was mapped
 * with (a view never grows); new views can map the new size; the page that straddled the old end
 * is shared, so data written there through a new view is seen by the old one, and data written
 * past the old end reaches the file. */
TEST(NtExtendSection_grows_a_file_section)
{
    char path[512];
    HANDLE section = file_section( path, "extend", 0x1800, -1, PAGE_READWRITE, SECTION_ALL_ACCESS );
    SECTION_BASIC_INFORMATION info;
    unsigned char *old_view = NULL, *new_view = NULL;
    LARGE_INTEGER size;
    SIZE_T view_size;
    NTSTATUS status;

    if (!section) goto done;
    if (!(old_view = view_or_fail( section, PAGE_READWRITE ))) goto done;
    check_mbi( old_view, old_view, 0x2000, MEM_COMMIT, PAGE_READWRITE, old_view, PAGE_READWRITE, MEM_MAPPED );

    size.QuadPart = 0x5000;
    status = NtExtendSection( section, &size );
    ok( status == STATUS_SUCCESS, "extend: %s\n", sstatus( status ) );
    ok( size.QuadPart == 0x5000, "size %#llx after the call\n", (unsigned long long)size.QuadPart );
    status = query_section( section, &info );
    ok( status == STATUS_SUCCESS && info.Size.QuadPart == 0x5000, "query: %s, size %#llx\n", sstatus( status ),
        (unsigned long long)info.Size.QuadPart );
    ok( file_size( path ) >= 0x5000, "file size %#llx, expected at least 0x5000\n", (unsigned long long)file_size( path ) );
    check_mbi( old_view, old_view, 0x2000, MEM_COMMIT, PAGE_READWRITE, old_view, PAGE_READWRITE, MEM_MAPPED );

    view_size = 0;
    status = map_view( section, (void **)&new_view, 0, 0, &view_size, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "new view: %s\n", sstatus( status ) );
    if (status) goto done;
    ok( view_size == 0x5000, "new view size %#lx, expected 0x5000\n", (unsigned long)view_size );
    ok( new_view[0x17ff] == pattern_byte( 0x17ff ), "old data %#x\n", new_view[0x17ff] );
    ok( new_view[0x1800] == 0 && new_view[0x4fff] == 0, "new part not zero\n" );
    new_view[0x1900] = 0x66;
    ok( old_view[0x1900] == 0x66, "old view does not see the straddling page: %#x\n", old_view[0x1900] );
    old_view[0x1a00] = 0x67;
    ok( new_view[0x1a00] == 0x67, "new view does not see the old view's write: %#x\n", new_view[0x1a00] );
    new_view[0x4321] = 0x68;
    unmap( new_view );
    new_view = NULL;
    unmap( old_view );
    old_view = NULL;
    ok( file_byte( path, 0x4321 ) == 0x68, "write past the old end not in the file: %d\n", file_byte( path, 0x4321 ) );
    ok( file_byte( path, 0x1a00 ) == 0x67, "write in the straddling page not in the file: %d\n", file_byte( path, 0x1a00 ) );
done:
    unmap( old_view );
    unmap( new_view );
    close_handle( section );
    remove_test_file( path );
}

/* NtExtendSection never shrinks: a size at or below the current one succeeds and changes nothing
 * (the WRK describes NtExtendSection as not extending when the current size is greater than or
 * equal to the requested one). */
TEST(NtExtendSection_smaller_size_changes_nothing)
{
    char path[512];
    HANDLE section = file_section( path, "noshrink", 0x3000, -1, PAGE_READWRITE, SECTION_ALL_ACCESS );
    SECTION_BASIC_INFORMATION info;
    LARGE_INTEGER size;
    NTSTATUS status;

    if (!section) goto done;
    size.QuadPart = 0x1000;
    status = NtExtendSection( section, &size );
    ok( status == STATUS_SUCCESS, "extend to a smaller size: %s\n", sstatus( status ) );
    status = query_section( section, &info );
    ok( status == STATUS_SUCCESS && info.Size.QuadPart == 0x3000, "query: %s, size %#llx\n", sstatus( status ),
        (unsigned long long)info.Size.QuadPart );
    ok( file_size( path ) == 0x3000, "file size %#llx\n", (unsigned long long)file_size( path ) );
done:
    close_handle( section );
    remove_test_file( path );
}

/* NtExtendSection needs SECTION_EXTEND_SIZE (STATUS_ACCESS_DENIED) and a section handle. */
TEST(NtExtendSection_needs_extend_access)
{
    char path[512];
    HANDLE section = file_section( path, "extendaccess", 0x1000, -1, PAGE_READWRITE, SECTION_RW | SECTION_MAP_EXECUTE );
    LARGE_INTEGER size;
    NTSTATUS status;

    if (!section) goto done;
    size.QuadPart = 0x4000;
    status = NtExtendSection( section, &size );
    ok( status == STATUS_ACCESS_DENIED, "got %s, expected STATUS_ACCESS_DENIED\n", sstatus( status ) );
    ok( file_size( path ) == 0x1000, "file size %#llx\n", (unsigned long long)file_size( path ) );
    status = NtExtendSection( (HANDLE)0xdeadbee0, &size );
    ok( status == STATUS_INVALID_HANDLE, "bad handle: got %s, expected STATUS_INVALID_HANDLE\n", sstatus( status ) );
done:
    close_handle( section );
    remove_test_file( path );
}

/* ZwFlushVirtualMemory doc: the base is rounded down and the size up to pages and both are
 * returned; size 0 flushes from the base to the end of the view.  The data is in the file when it
 * returns (read through another descriptor). */
TEST(NtFlushVirtualMemory_rounds_and_returns_the_range)
{
    static const struct { ULONG_PTR offset; SIZE_T size; ULONG_PTR ret_offset; SIZE_T ret_size; } tests[] =
    {
        { 0x1234, 0x10,   0x1000, 0x1000 },
        { 0x1000, 0x1000, 0x1000, 0x1000 },
        { 0,      0x5000, 0,      0x5000 },
        { 0x1000, 0,      0x1000, 0x4000 },
        { 0,      0,      0,      0x5000 },
        { 0x4fff, 1,      0x4000, 0x1000 },
    };
    char path[512];
    HANDLE section = file_section( path, "flush", 0x5000, -1, PAGE_READWRITE, SECTION_ALL_ACCESS );
    unsigned char *view = view_or_fail( section, PAGE_READWRITE );
    unsigned int i;

    if (!view) goto done;
    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        const void *base = view + tests[i].offset;
        SIZE_T size = tests[i].size;
        NTSTATUS status;

        view[tests[i].ret_offset] = 0xa0 + i;
        status = NtFlushVirtualMemory( NtCurrentProcess(), &base, &size, 0 );
        ok( status == STATUS_SUCCESS, "%u: %s\n", i, sstatus( status ) );
        ok( base == view + tests[i].ret_offset, "%u: base %p, expected %p\n", i, base, view + tests[i].ret_offset );
        ok( size == tests[i].ret_size, "%u: size %#lx, expected %#lx\n", i, (unsigned long)size,
            (unsigned long)tests[i].ret_size );
        ok( file_byte( path, tests[i].ret_offset ) == 0xa0 + (int)i, "%u: data not in the file\n", i );
    }
done:
    unmap( view );
    close_handle( section );
    remove_test_file( path );
}

/* ZwFlushVirtualMemory doc: an address without a view descriptor (free memory) is
 * STATUS_NOT_MAPPED_VIEW; a bad process handle STATUS_INVALID_HANDLE.  Private memory is
 * STATUS_NOT_MAPPED_DATA: inferred from kernelbase's FlushViewOfFile, which turns exactly that
 * status into success (uncertain: no test pins it).  A read-only view flushes fine. */
TEST(NtFlushVirtualMemory_of_non_views_fails)
{
    char path[512];
    HANDLE section = file_section( path, "flushro", 0x2000, -1, PAGE_READONLY, SECTION_ALL_ACCESS );
    void *view = view_or_fail( section, PAGE_READONLY );
    char *priv = alloc_or_fail( 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    char *hole = find_free_range( 0x10000 );
    const void *base;
    SIZE_T size;
    NTSTATUS status;

    if (hole)
    {
        base = hole;
        size = 0x1000;
        status = NtFlushVirtualMemory( NtCurrentProcess(), &base, &size, 0 );
        ok( status == STATUS_NOT_MAPPED_VIEW, "free memory: got %s, expected STATUS_NOT_MAPPED_VIEW\n", sstatus( status ) );
    }
    if (priv)
    {
        base = priv;
        size = 0x1000;
        status = NtFlushVirtualMemory( NtCurrentProcess(), &base, &size, 0 );
        ok( status == STATUS_NOT_MAPPED_DATA, "private memory: got %s, expected STATUS_NOT_MAPPED_DATA\n", sstatus( status ) );
    }
    if (view)
    {
        base = view;
        size = 0;
        status = NtFlushVirtualMemory( NtCurrentProcess(), &base, &size, 0 );
        ok( status == STATUS_SUCCESS, "read-only view: %s\n", sstatus( status ) );
        ok( base == view && size == 0x2000, "read-only view: %p %#lx\n", base, (unsigned long)size );
        base = view;
        size = 0;
        status = NtFlushVirtualMemory( (HANDLE)0xdeadbeef, &base, &size, 0 );
        ok( status == STATUS_INVALID_HANDLE, "bad process handle: got %s, expected STATUS_INVALID_HANDLE\n", sstatus( status ) );
    }
    unmap( view );
    release( priv );
    close_handle( section );
    remove_test_file( path );
}

#define KILL_PAGES 16

static void write_flush_and_die( void *arg )
{
    const char *path = arg;
    HANDLE file = open_file( path, FILE_RW ), section;
    unsigned char *view;
    const void *base;
    SIZE_T size = 0;
    NTSTATUS status;
    unsigned int i;

    if (!file) return;
    section = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file );
    if (!(view = view_or_fail( section, PAGE_READWRITE ))) return;
    for (i = 0; i < KILL_PAGES * 0x1000; i += 64) view[i] = (unsigned char)(i / 64 * 3 + 1);
    base = view;
    status = NtFlushVirtualMemory( NtCurrentProcess(), &base, &size, 0 );
    ok( status == STATUS_SUCCESS, "flush in the child: %s\n", sstatus( status ) );
    if (status) return;
    raise( SIGKILL );
}

/* Issue 4: a process killed with SIGKILL right after NtFlushVirtualMemory returns loses nothing
 * it wrote through a shared file view. */
TEST(NtFlushVirtualMemory_data_survives_sigkill)
{
    char path[512];
    unsigned char *data;
    unsigned int i, bad = 0;
    int st;

    if (make_test_file( path, "sigkill", KILL_PAGES * 0x1000 )) return;
    st = run_in_child( write_flush_and_die, path );
    ok( WIFSIGNALED( st ) && WTERMSIG( st ) == SIGKILL, "child did not die of SIGKILL: status %#x\n", st );
    if ((data = malloc( KILL_PAGES * 0x1000 )))
    {
        ok( file_read( path, 0, data, KILL_PAGES * 0x1000 ) == KILL_PAGES * 0x1000, "read failed\n" );
        for (i = 0; i < KILL_PAGES * 0x1000; i += 64)
            if (data[i] != (unsigned char)(i / 64 * 3 + 1)) bad++;
        ok( !bad, "%u of %u written bytes lost\n", bad, KILL_PAGES * 0x1000 / 64 );
        free( data );
    }
    remove_test_file( path );
}

/* kernel32 test_NtAreMappedFilesTheSame (data files): an address compared with itself or another
 * address of the same view is STATUS_SUCCESS; another view, of the same section, of another
 * section of the same file, or of another file, is STATUS_NOT_SAME_DEVICE; private memory (and
 * the heap) is STATUS_CONFLICTING_ADDRESSES; NULL is STATUS_INVALID_ADDRESS; an unmapped address
 * STATUS_CONFLICTING_ADDRESSES or STATUS_INVALID_ADDRESS. */
TEST(NtAreMappedFilesTheSame)
{
    char path[512], path2[512];
    HANDLE file = NULL, file2 = NULL, other = NULL, s1 = NULL, s2 = NULL, s3 = NULL, s4 = NULL;
    char *v1 = NULL, *v2 = NULL, *v3 = NULL, *v4 = NULL, *heap = NULL, *priv = NULL, *hole;
    NTSTATUS status;

    path2[0] = 0;
    if (make_test_file( path, "same", 0x1000 ) || make_test_file( path2, "same2", 0x1000 )) goto done;
    if (!(file = open_file( path, FILE_RW )) || !(file2 = open_file( path, FILE_READ_DATA )) ||
        !(other = open_file( path2, FILE_READ_DATA ))) goto done;
    s1 = section_or_fail( SECTION_ALL_ACCESS, 0x1000, PAGE_READWRITE, SEC_COMMIT, file );
    s2 = section_or_fail( SECTION_ALL_ACCESS, 0x1000, PAGE_READONLY, SEC_COMMIT, file2 );
    s3 = section_or_fail( SECTION_ALL_ACCESS, 0x1000, PAGE_READONLY, SEC_COMMIT, file );
    s4 = section_or_fail( SECTION_ALL_ACCESS, 0x1000, PAGE_READONLY, SEC_COMMIT, other );
    if (!(v1 = view_or_fail( s1, PAGE_READONLY ))) goto done;

    status = NtAreMappedFilesTheSame( v1, v1 );
    ok( status == STATUS_SUCCESS, "same address: got %s\n", sstatus( status ) );
    status = NtAreMappedFilesTheSame( v1, v1 + 30 );
    ok( status == STATUS_SUCCESS, "same view: got %s\n", sstatus( status ) );

    if ((v2 = view_or_fail( s1, PAGE_READONLY )))
    {
        status = NtAreMappedFilesTheSame( v1, v2 );
        ok( status == STATUS_NOT_SAME_DEVICE, "other view of the section: got %s, expected STATUS_NOT_SAME_DEVICE\n",
            sstatus( status ) );
    }
    if ((v3 = view_or_fail( s2, PAGE_READONLY )))
    {
        status = NtAreMappedFilesTheSame( v1, v3 );
        ok( status == STATUS_NOT_SAME_DEVICE, "section of another handle: got %s, expected STATUS_NOT_SAME_DEVICE\n",
            sstatus( status ) );
    }
    unmap( v3 );
    if ((v3 = view_or_fail( s3, PAGE_READONLY )))
    {
        status = NtAreMappedFilesTheSame( v1, v3 );
        ok( status == STATUS_NOT_SAME_DEVICE, "other section of the handle: got %s, expected STATUS_NOT_SAME_DEVICE\n",
            sstatus( status ) );
    }
    if ((v4 = view_or_fail( s4, PAGE_READONLY )))
    {
        status = NtAreMappedFilesTheSame( v1, v4 );
        ok( status == STATUS_NOT_SAME_DEVICE, "another file: got %s, expected STATUS_NOT_SAME_DEVICE\n", sstatus( status ) );
    }

    if ((priv = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE )))
    {
        status = NtAreMappedFilesTheSame( v1, priv );
        ok( status == STATUS_CONFLICTING_ADDRESSES, "private memory: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
            sstatus( status ) );
    }
    if ((heap = malloc( 64 )))
    {
        status = NtAreMappedFilesTheSame( v1, heap );
        ok( status == STATUS_CONFLICTING_ADDRESSES, "heap: got %s, expected STATUS_CONFLICTING_ADDRESSES\n", sstatus( status ) );
    }
    status = NtAreMappedFilesTheSame( v1, NULL );
    ok( status == STATUS_INVALID_ADDRESS, "NULL: got %s, expected STATUS_INVALID_ADDRESS\n", sstatus( status ) );
    status = NtAreMappedFilesTheSame( NULL, NULL );
    ok( status == STATUS_INVALID_ADDRESS, "NULL, NULL: got %s, expected STATUS_INVALID_ADDRESS\n", sstatus( status ) );
    if ((hole = find_free_range( 0x10000 )))
    {
        status = NtAreMappedFilesTheSame( v1, hole + 0x1234 );
        ok( status == STATUS_CONFLICTING_ADDRESSES || status == STATUS_INVALID_ADDRESS, "free memory: got %s\n",
            sstatus( status ) );
    }
done:
    free( heap );
    release( priv );
    unmap( v1 );
    unmap( v2 );
    unmap( v3 );
    unmap( v4 );
    close_handle( s1 );
    close_handle( s2 );
    close_handle( s3 );
    close_handle( s4 );
    close_handle( file );
    close_handle( file2 );
    close_handle( other );
    remove_test_file( path );
    remove_test_file( path2 );
}

/* Whether the name ends with /base (or \base): the standalone host's NT form of a Unix path is
 * its own; what is required is that the file's base name ends it. */
static BOOL name_ends_with( const UNICODE_STRING *str, const char *base )
{
    size_t len = strlen( base ), n = str->Length / sizeof(WCHAR), i;

    if (n < len + 1) return FALSE;
    for (i = 0; i < len; i++) if (str->Buffer[n - len + i] != (unsigned char)base[i]) return FALSE;
    return str->Buffer[n - len - 1] == '\\' || str->Buffer[n - len - 1] == '/';
}

/* info test: MemoryMappedFilenameInformation of a file view (any address in it) is a
 * UNICODE_STRING followed by the name (Buffer right after the structure, MaximumLength = Length + 2,
 * NUL-terminated), the returned length sizeof(UNICODE_STRING) + MaximumLength; a buffer too
 * small for the name is STATUS_BUFFER_OVERFLOW (Length untouched), one smaller than the structure
 * STATUS_INFO_LENGTH_MISMATCH with the needed length returned; a NULL buffer is
 * STATUS_ACCESS_VIOLATION; a bad process handle STATUS_INVALID_HANDLE. */
TEST(NtQueryVirtualMemory_mapped_filename_of_a_file_view)
{
    char path[512];
    HANDLE section = file_section( path, "mapped_name_test", 0x3000, -1, PAGE_READONLY, SECTION_ALL_ACCESS );
    char *view = view_or_fail( section, PAGE_READONLY );
    union { MEMORY_SECTION_NAME name; unsigned char bytes[2048]; } buf;
    MEMORY_SECTION_NAME *name = &buf.name;
    SIZE_T len, needed = 0;
    NTSTATUS status;

    if (!view) goto done;
    memset( &buf, 0xcc, sizeof(buf) );
    len = 0xdeadbeef;
    status = NtQueryVirtualMemory( NtCurrentProcess(), view + 1234, MemoryMappedFilenameInformation, name,
                                   sizeof(buf), &len );
    ok( status == STATUS_SUCCESS, "got %s\n", sstatus( status ) );
    if (!status)
    {
        ok( name->SectionFileName.Buffer == (WCHAR *)(name + 1), "Buffer %p, expected %p\n",
            name->SectionFileName.Buffer, name + 1 );
        ok( name->SectionFileName.Length != 0xcccc && name->SectionFileName.Length, "Length %u\n",
            name->SectionFileName.Length );
        ok( name->SectionFileName.MaximumLength == name->SectionFileName.Length + sizeof(WCHAR),
            "MaximumLength %u, Length %u\n", name->SectionFileName.MaximumLength, name->SectionFileName.Length );
        ok( len == sizeof(name->SectionFileName) + name->SectionFileName.MaximumLength, "returned length %lu, MaximumLength %u\n",
            (unsigned long)len, name->SectionFileName.MaximumLength );
        if (name->SectionFileName.Buffer == (WCHAR *)(name + 1) && name->SectionFileName.Length < 1500)
        {
            ok( !name->SectionFileName.Buffer[name->SectionFileName.Length / sizeof(WCHAR)], "not NUL-terminated\n" );
            ok( name_ends_with( &name->SectionFileName, "mapped_name_test" ), "name does not end with the file name\n" );
        }
        needed = len;
    }
    status = NtQueryVirtualMemory( NtCurrentProcess(), view + 0x2fff, MemoryMappedFilenameInformation, name,
                                   sizeof(buf), NULL );
    ok( status == STATUS_SUCCESS, "last byte, NULL length: got %s\n", sstatus( status ) );

    memset( &buf, 0xcc, sizeof(buf) );
    len = 0xdeadbeef;
    status = NtQueryVirtualMemory( NtCurrentProcess(), view, MemoryMappedFilenameInformation, name,
                                   sizeof(*name) + 16, &len );
    ok( status == STATUS_BUFFER_OVERFLOW, "short buffer: got %s, expected STATUS_BUFFER_OVERFLOW\n", sstatus( status ) );
    ok( name->SectionFileName.Length == 0xcccc, "short buffer: Length set to %u\n", name->SectionFileName.Length );
    ok( len > sizeof(*name), "short buffer: returned length %lu\n", (unsigned long)len );

    memset( &buf, 0xcc, sizeof(buf) );
    len = 0xdeadbeef;
    status = NtQueryVirtualMemory( NtCurrentProcess(), view + 321, MemoryMappedFilenameInformation, name,
                                   sizeof(*name) - 1, &len );
    ok( status == STATUS_INFO_LENGTH_MISMATCH, "tiny buffer: got %s, expected STATUS_INFO_LENGTH_MISMATCH\n", sstatus( status ) );
    ok( name->SectionFileName.Length == 0xcccc, "tiny buffer: Length set to %u\n", name->SectionFileName.Length );
    ok( len == needed, "tiny buffer: returned length %lu, expected %lu\n", (unsigned long)len, (unsigned long)needed );

    status = NtQueryVirtualMemory( NtCurrentProcess(), view, MemoryMappedFilenameInformation, NULL, sizeof(buf), NULL );
    ok( status == STATUS_ACCESS_VIOLATION, "NULL buffer: got %s, expected STATUS_ACCESS_VIOLATION\n", sstatus( status ) );

    len = 0xdeadbeef;
    status = NtQueryVirtualMemory( (HANDLE)0xdead, view, MemoryMappedFilenameInformation, name, sizeof(buf), &len );
    ok( status == STATUS_INVALID_HANDLE, "bad process handle: got %s, expected STATUS_INVALID_HANDLE\n", sstatus( status ) );
    ok( len == 0xdeadbeef, "bad process handle: returned length %lu\n", (unsigned long)len );

    unmap( view );
    len = 0xdeadbeef;
    status = NtQueryVirtualMemory( NtCurrentProcess(), view, MemoryMappedFilenameInformation, name, sizeof(buf), &len );
    ok( status == STATUS_INVALID_ADDRESS, "after the unmap: got %s, expected STATUS_INVALID_ADDRESS\n", sstatus( status ) );
    view = NULL;
done:
    unmap( view );
    close_handle( section );
    remove_test_file( path );
}

/* info test: memory that is not a file view is STATUS_INVALID_ADDRESS (private memory, free
 * memory, even with a too small buffer: the address is checked first), with the buffer and the
 * returned length untouched; psapi test: a view of a pagefile-backed section is
 * STATUS_FILE_INVALID (ERROR_FILE_INVALID). */
TEST(NtQueryVirtualMemory_mapped_filename_of_other_memory_fails)
{
    HANDLE section = section_or_fail( SECTION_ALL_ACCESS, 0x1000, PAGE_READONLY, SEC_COMMIT, NULL );
    char *view = view_or_fail( section, PAGE_READONLY );
    char *priv = alloc_or_fail( 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    char *hole = find_free_range( 0x10000 );
    union { MEMORY_SECTION_NAME name; unsigned char bytes[1024]; } buf;
    MEMORY_SECTION_NAME *name = &buf.name;
    SIZE_T len;
    NTSTATUS status;

    if (priv)
    {
        memset( &buf, 0xcc, sizeof(buf) );
        len = 0xdeadbeef;
        status = NtQueryVirtualMemory( NtCurrentProcess(), priv, MemoryMappedFilenameInformation, name, sizeof(buf), &len );
        ok( status == STATUS_INVALID_ADDRESS, "private memory: got %s, expected STATUS_INVALID_ADDRESS\n", sstatus( status ) );
        ok( name->SectionFileName.Length == 0xcccc, "private memory: Length set to %u\n", name->SectionFileName.Length );
        ok( len == 0xdeadbeef, "private memory: returned length %lu\n", (unsigned long)len );
    }
    if (hole)
    {
        memset( &buf, 0xcc, sizeof(buf) );
        len = 0xdeadbeef;
        status = NtQueryVirtualMemory( NtCurrentProcess(), hole, MemoryMappedFilenameInformation, name, sizeof(buf), &len );
        ok( status == STATUS_INVALID_ADDRESS, "free memory: got %s, expected STATUS_INVALID_ADDRESS\n", sstatus( status ) );
        ok( len == 0xdeadbeef, "free memory: returned length %lu\n", (unsigned long)len );
        status = NtQueryVirtualMemory( NtCurrentProcess(), hole, MemoryMappedFilenameInformation, name,
                                       sizeof(*name) - 1, &len );
        ok( status == STATUS_INVALID_ADDRESS, "free memory, tiny buffer: got %s, expected STATUS_INVALID_ADDRESS\n",
            sstatus( status ) );
        ok( name->SectionFileName.Length == 0xcccc, "free memory: Length set to %u\n", name->SectionFileName.Length );
    }
    if (view)
    {
        memset( &buf, 0xcc, sizeof(buf) );
        status = NtQueryVirtualMemory( NtCurrentProcess(), view, MemoryMappedFilenameInformation, name, sizeof(buf), NULL );
        ok( status == STATUS_FILE_INVALID, "pagefile view: got %s, expected STATUS_FILE_INVALID\n", sstatus( status ) );
    }
    unmap( view );
    release( priv );
    close_handle( section );
}

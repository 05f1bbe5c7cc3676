/*
 * Coherence of views: two views of one section, views of two sections of one file, and a file
 * view against read()/write() on the file; what lies past the end of the file in the last page.
 *
 * Expectations:
 *   CreateFileMapping doc: views derived from any file mapping object backed by the same file
 *       are coherent; the doc does not guarantee coherence with ReadFile/WriteFile, but for local
 *       files both go through the same cache pages on Windows, and issue 4 requires it ("write
 *       through one view, read through another and through read()").
 *   ReactOS modules/rostests/apitests/ntdll/NtMapViewOfSection.c Test_Truncate (run on Windows):
 *       bytes past the end of the file in the last page read as zero, even where the file held
 *       data before it was truncated.
 *   ReactOS apitest Test_PageFileSection: two views of a SEC_RESERVE section share committed pages.
 *   kernel32 test_MapViewOfFile: the file size does not change because of a view.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "section_util.h"

static HANDLE open_rw( const char *path )
{
    return open_file( path, FILE_READ_DATA | FILE_WRITE_DATA );
}

/* Two views of one pagefile-backed section, at different offsets, see each other's writes
 * immediately; the pages start zeroed. */
TEST(views_of_one_pagefile_section_are_coherent)
{
    HANDLE section = section_or_fail( SECTION_ALL_ACCESS, 0x30000, PAGE_READWRITE, SEC_COMMIT, NULL );
    unsigned char *a = NULL, *b = NULL, *c = NULL;
    NTSTATUS status;
    SIZE_T size;
    unsigned int i;

    if (!section) return;
    a = view_or_fail( section, PAGE_READWRITE );
    size = 0;
    status = map_view( section, (void **)&b, 0, 0x10000, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && size == 0x20000, "offset view: %s, size %#lx\n", sstatus( status ), (unsigned long)size );
    c = view_or_fail( section, PAGE_READONLY );
    if (!a || !b || !c) goto done;

    for (i = 0; i < 0x30000; i += 0x1000) ok( a[i] == 0 && a[i + 0xfff] == 0, "page %#x not zero\n", i );
    for (i = 0; i < 0x20000; i += 0x100) a[0x10000 + i] = (unsigned char)((i >> 8) + 1);
    for (i = 0; i < 0x20000; i += 0x100)
        if (b[i] != (unsigned char)((i >> 8) + 1)) break;
    ok( i == 0x20000, "offset view differs at %#x: %#x\n", i, i < 0x20000 ? b[i] : 0 );
    b[0x1fffe] = 0xab;
    ok( a[0x2fffe] == 0xab, "write through the second view not seen by the first: %#x\n", a[0x2fffe] );
    ok( c[0x2fffe] == 0xab, "write not seen by the read-only view: %#x\n", c[0x2fffe] );
    a[5] = 0xcd;
    ok( c[5] == 0xcd, "write not seen by the read-only view: %#x\n", c[5] );
done:
    unmap( a );
    unmap( b );
    unmap( c );
    close_handle( section );
}

/* Views of two different section objects over the same file are coherent (one file, one set of
 * cache pages), and both see the file's data. */
TEST(views_of_two_sections_of_one_file_are_coherent)
{
    char path[512];
    HANDLE file1 = NULL, file2 = NULL, s1 = NULL, s2 = NULL;
    unsigned char *v1 = NULL, *v2 = NULL;

    if (make_test_file( path, "twosections", 0x12000 )) return;
    if (!(file1 = open_rw( path )) || !(file2 = open_rw( path ))) goto done;
    s1 = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file1 );
    s2 = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file2 );
    v1 = view_or_fail( s1, PAGE_READWRITE );
    v2 = view_or_fail( s2, PAGE_READWRITE );
    if (!v1 || !v2) goto done;
    ok( v1[0x11fff] == pattern_byte( 0x11fff ) && v2[0x11fff] == pattern_byte( 0x11fff ), "file data not mapped\n" );
    v1[0x10001] = 0x11;
    ok( v2[0x10001] == 0x11, "second section does not see the write: %#x\n", v2[0x10001] );
    v2[0x33] = 0x22;
    ok( v1[0x33] == 0x22, "first section does not see the write: %#x\n", v1[0x33] );
done:
    unmap( v1 );
    unmap( v2 );
    close_handle( s1 );
    close_handle( s2 );
    close_handle( file1 );
    close_handle( file2 );
    remove_test_file( path );
}

/* A shared file view and read()/write() on the file agree at once, without a flush, both ways. */
TEST(file_view_is_coherent_with_read_and_write)
{
    char path[512];
    HANDLE file = NULL, section = NULL;
    unsigned char *view = NULL, buf[16];
    static const unsigned char data[] = "written by pwrite";

    if (make_test_file( path, "readwrite", 0x3000 )) return;
    if (!(file = open_rw( path ))) goto done;
    section = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file );
    if (!(view = view_or_fail( section, PAGE_READWRITE ))) goto done;

    memcpy( view + 0x1ff8, "viewdata", 8 );   /* across a page boundary */
    ok( file_read( path, 0x1ff8, buf, 8 ) == 8 && !memcmp( buf, "viewdata", 8 ),
        "read() does not see the write through the view: %.8s\n", buf );

    ok( file_write( path, 0x2100, data, sizeof(data) ) == sizeof(data), "pwrite failed\n" );
    ok( !memcmp( view + 0x2100, data, sizeof(data) ), "the view does not see pwrite(): %.17s\n", view + 0x2100 );
    ok( view[0x20ff] == pattern_byte( 0x20ff ), "neighbouring byte changed: %#x\n", view[0x20ff] );
    ok( file_size( path ) == 0x3000, "file size changed to %#llx\n", (unsigned long long)file_size( path ) );
done:
    unmap( view );
    close_handle( section );
    close_handle( file );
    remove_test_file( path );
}

/* Data written through a shared view is in the file after the view is unmapped and every handle
 * closed, without NtFlushVirtualMemory (issue 4: nothing written to a shared file view is lost
 * after unmap). */
TEST(file_view_data_survives_unmap)
{
    char path[512];
    HANDLE file = NULL, section = NULL;
    unsigned char *view = NULL;
    unsigned int i;

    if (make_test_file( path, "unmap", 0x20000 )) return;
    if (!(file = open_rw( path ))) goto done;
    section = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file );
    if (!(view = view_or_fail( section, PAGE_READWRITE ))) goto done;
    for (i = 0; i < 0x20000; i += 0x1000) view[i + (i >> 12)] = 0xe0 + (i >> 12) % 16;
    unmap( view );
    view = NULL;
    close_handle( section );
    section = NULL;
    close_handle( file );
    file = NULL;
    for (i = 0; i < 0x20000; i += 0x1000)
    {
        int c = file_byte( path, i + (i >> 12) );
        ok( c == (int)(0xe0 + (i >> 12) % 16), "page %#x: byte %d lost\n", i, c );
    }
done:
    unmap( view );
    close_handle( section );
    close_handle( file );
    remove_test_file( path );
}

/* ReactOS apitest Test_Truncate: "TESTDATA" written, the file cut to 6 bytes, then mapped: the
 * view shows "TESTDA" followed by zeros.  Writing past the end of the file inside the last page
 * neither grows the file (the section size is the file size) nor is lost for other views of the
 * section. */
TEST(file_view_past_end_of_file_reads_zero)
{
    char path[512];
    HANDLE file = NULL, section = NULL;
    unsigned char *view = NULL, *view2 = NULL;
    int fd;

    if (make_test_file( path, "truncated", 0 )) return;
    fd = open( path, O_RDWR );
    ok( fd >= 0, "open failed\n" );
    if (fd < 0) goto done;
    ok( pwrite( fd, "TESTDATA", 8, 0 ) == 8, "write failed\n" );
    ok( !ftruncate( fd, 6 ), "ftruncate failed\n" );
    close( fd );

    if (!(file = open_rw( path ))) goto done;
    section = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file );
    if (!(view = view_or_fail( section, PAGE_READWRITE ))) goto done;
    ok( !memcmp( view, "TESTDA", 6 ), "data %.6s\n", view );
    ok( strlen( (char *)view ) == 6, "old data past the end not erased: length %u\n", (unsigned int)strlen( (char *)view ) );
    ok( view[0xfff] == 0, "end of page not zero: %#x\n", view[0xfff] );
    check_mbi( view, view, 0x1000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );

    view[0x800] = 0x99;
    if ((view2 = view_or_fail( section, PAGE_READONLY )))
        ok( view2[0x800] == 0x99, "tail of the last page not shared: %#x\n", view2[0x800] );
    ok( file_size( path ) == 6, "file size changed to %#llx\n", (unsigned long long)file_size( path ) );
done:
    unmap( view );
    unmap( view2 );
    close_handle( section );
    close_handle( file );
    remove_test_file( path );
}

/* A read-only view follows the changes made through a read/write view of the same file and
 * through write(); its own protection stays read-only. */
TEST(readonly_view_follows_writers)
{
    char path[512];
    HANDLE file = NULL, section = NULL;
    unsigned char *rw = NULL, *ro = NULL;
    static const unsigned char byte = 0x5e;

    if (make_test_file( path, "follow", 0x4000 )) return;
    if (!(file = open_rw( path ))) goto done;
    section = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file );
    ro = view_or_fail( section, PAGE_READONLY );
    rw = view_or_fail( section, PAGE_READWRITE );
    if (!ro || !rw) goto done;
    ok( ro[0x3001] == pattern_byte( 0x3001 ), "wrong data\n" );
    rw[0x3001] = 0x12;
    ok( ro[0x3001] == 0x12, "read-only view does not follow the read/write view: %#x\n", ro[0x3001] );
    ok( file_write( path, 0x3002, &byte, 1 ) == 1, "pwrite failed\n" );
    ok( ro[0x3002] == byte && rw[0x3002] == byte, "views do not follow write(): %#x %#x\n", ro[0x3002], rw[0x3002] );
    check_mbi( ro, ro, 0x4000, MEM_COMMIT, PAGE_READONLY, ro, PAGE_READONLY, MEM_MAPPED );
    check_kernel_prot( ro + 0x3000, PAGE_READONLY );
done:
    unmap( ro );
    unmap( rw );
    close_handle( section );
    close_handle( file );
    remove_test_file( path );
}

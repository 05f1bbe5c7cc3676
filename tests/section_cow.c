/*
 * Copy-on-write views: PAGE_WRITECOPY and PAGE_EXECUTE_WRITECOPY views (and views protected to
 * WRITECOPY later) get private copies of the pages they write; the copies never reach the file or
 * other views; a written page reports PAGE_READWRITE (PAGE_EXECUTE_READWRITE) while the untouched
 * ones still report WRITECOPY; /proc/self/pagemap shows the written page as anonymous.
 *
 * Expectations:
 *   Wine 8.0 dlls/kernel32/tests/virtual.c test_CreateFileMapping_protection (prot_after_write:
 *       WRITECOPY -> READWRITE, EXECUTE_WRITECOPY -> EXECUTE_READWRITE, also as the old protection
 *       of the next VirtualProtect) and test_mapping (after VirtualProtect(PAGE_WRITECOPY) and a
 *       write: Protect PAGE_READWRITE, RegionSize one page, the next page PAGE_WRITECOPY; asking
 *       WRITECOPY again for a written page reports READWRITE; test_mappings: the file is not
 *       modified).  Those checks are todo_wine in Wine 8.0 (it gets them wrong); they pass on
 *       Windows.
 *   kernel32 test_mapping: MapViewOfFile(FILE_MAP_COPY) of READWRITE, READONLY and WRITECOPY
 *       sections, anonymous ones included, gives PAGE_WRITECOPY views.
 *   Unwritten WRITECOPY pages still show the section's current data (they map the shared page until
 *   the first write): NT semantics of copy-on-write prototype PTEs; Linux MAP_PRIVATE behaves the
 *   same for pages not yet written.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "section_util.h"

#define FILE_RWX (FILE_READ_DATA | FILE_WRITE_DATA | FILE_EXECUTE)

static HANDLE file_section( char path[512], const char *name, off_t size, ULONG prot )
{
    HANDLE file, section;

    if (make_test_file( path, name, size )) return NULL;
    if (!(file = open_file( path, FILE_RWX ))) return NULL;
    section = section_or_fail( SECTION_ALL_ACCESS, -1, prot, SEC_COMMIT, file );
    close_handle( file );
    return section;
}

#define check_private( addr, expect ) check_private_( __FILE__, __LINE__, addr, expect )
static void check_private_( const char *file, int line, const void *addr, BOOL expect )
{
    uint64_t entry = pagemap_entry( addr );

    if (!entry)
    {
        mmtest_skip( file, line, "/proc/self/pagemap not readable\n" );
        return;
    }
    mmtest_ok( file, line, (entry & PM_PRESENT) != 0, "pagemap: %p not present (%#llx)\n", addr, (unsigned long long)entry );
    if (expect)
        mmtest_ok( file, line, !(entry & PM_FILE), "pagemap: written copy-on-write page %p is not anonymous (%#llx)\n",
                   addr, (unsigned long long)entry );
    else
        mmtest_ok( file, line, (entry & PM_FILE) != 0, "pagemap: unwritten page %p is not the shared page (%#llx)\n",
                   addr, (unsigned long long)entry );
}

/* A PAGE_WRITECOPY view of a file: the first write makes a private copy of that page only. */
TEST(NtMapViewOfSection_writecopy_view_writes_stay_private)
{
    char path[512];
    HANDLE section = file_section( path, "cow", 0x3000, PAGE_READWRITE );
    volatile unsigned char *cow = view_or_fail( section, PAGE_WRITECOPY );
    volatile unsigned char *cow2 = view_or_fail( section, PAGE_WRITECOPY );
    volatile unsigned char *rw = view_or_fail( section, PAGE_READWRITE );

    if (!cow || !cow2 || !rw) goto done;
    check_mbi( (void *)cow, (void *)cow, 0x3000, MEM_COMMIT, PAGE_WRITECOPY, (void *)cow, PAGE_WRITECOPY, MEM_MAPPED );
    ok( cow[0x10] == pattern_byte( 0x10 ) && cow[0x1010] == pattern_byte( 0x1010 ), "file data not mapped\n" );
    /* reading does not copy */
    check_mbi( (void *)cow, (void *)cow, 0x3000, MEM_COMMIT, PAGE_WRITECOPY, (void *)cow, PAGE_WRITECOPY, MEM_MAPPED );
    check_private( (void *)(cow + 0x1000), FALSE );

    cow[0x10] = 0xc1;
    ok( cow[0x10] == 0xc1, "write lost in the view itself\n" );
    ok( rw[0x10] == pattern_byte( 0x10 ), "private write seen by a shared view: %#x\n", rw[0x10] );
    ok( cow2[0x10] == pattern_byte( 0x10 ), "private write seen by another copy-on-write view: %#x\n", cow2[0x10] );
    ok( file_byte( path, 0x10 ) == pattern_byte( 0x10 ), "private write reached the file: %d\n", file_byte( path, 0x10 ) );
    ok( cow[0x11] == pattern_byte( 0x11 ) && cow[0xfff] == pattern_byte( 0xfff ), "rest of the page not copied\n" );

    check_mbi( (void *)cow, (void *)cow, 0x1000, MEM_COMMIT, PAGE_READWRITE, (void *)cow, PAGE_WRITECOPY, MEM_MAPPED );
    check_mbi( (void *)(cow + 0x1000), (void *)(cow + 0x1000), 0x2000, MEM_COMMIT, PAGE_WRITECOPY, (void *)cow,
               PAGE_WRITECOPY, MEM_MAPPED );
    check_mbi( (void *)cow2, (void *)cow2, 0x3000, MEM_COMMIT, PAGE_WRITECOPY, (void *)cow2, PAGE_WRITECOPY, MEM_MAPPED );
    check_private( (void *)cow, TRUE );
    check_private( (void *)(cow + 0x1000), FALSE );
    check_kernel_prot( (void *)cow, PAGE_READWRITE );

    /* the shared view's later writes: the copy keeps its own data, unwritten pages follow */
    rw[0x10] = 0x5b;
    rw[0x1010] = 0x5c;
    ok( cow[0x10] == 0xc1, "private copy changed by a shared write: %#x\n", cow[0x10] );
    ok( cow[0x1010] == 0x5c, "unwritten copy-on-write page does not show the section's data: %#x\n", cow[0x1010] );
    ok( cow2[0x10] == 0x5b, "unwritten copy-on-write view does not show the section's data: %#x\n", cow2[0x10] );
done:
    unmap( (void *)cow );
    unmap( (void *)cow2 );
    unmap( (void *)rw );
    close_handle( section );
    remove_test_file( path );
}

/* A PAGE_EXECUTE_WRITECOPY view: the written page becomes PAGE_EXECUTE_READWRITE. */
TEST(NtMapViewOfSection_execute_writecopy_view_writes_stay_private)
{
    char path[512];
    HANDLE section = file_section( path, "ecow", 0x2000, PAGE_EXECUTE_READWRITE );
    volatile unsigned char *cow = view_or_fail( section, PAGE_EXECUTE_WRITECOPY );
    volatile unsigned char *rw = view_or_fail( section, PAGE_READWRITE );

    if (!cow || !rw) goto done;
    check_mbi( (void *)cow, (void *)cow, 0x2000, MEM_COMMIT, PAGE_EXECUTE_WRITECOPY, (void *)cow,
               PAGE_EXECUTE_WRITECOPY, MEM_MAPPED );
    cow[0x1234] = 0xe1;
    ok( rw[0x1234] == pattern_byte( 0x1234 ), "private write seen by a shared view: %#x\n", rw[0x1234] );
    ok( file_byte( path, 0x1234 ) == pattern_byte( 0x1234 ), "private write reached the file\n" );
    check_mbi( (void *)cow, (void *)cow, 0x1000, MEM_COMMIT, PAGE_EXECUTE_WRITECOPY, (void *)cow,
               PAGE_EXECUTE_WRITECOPY, MEM_MAPPED );
    check_mbi( (void *)(cow + 0x1000), (void *)(cow + 0x1000), 0x1000, MEM_COMMIT, PAGE_EXECUTE_READWRITE,
               (void *)cow, PAGE_EXECUTE_WRITECOPY, MEM_MAPPED );
    check_private( (void *)(cow + 0x1000), TRUE );
    check_kernel_prot( (void *)(cow + 0x1000), PAGE_EXECUTE_READWRITE );
done:
    unmap( (void *)cow );
    unmap( (void *)rw );
    close_handle( section );
    remove_test_file( path );
}

/* kernel32 test_mapping (anonymous mapping, FILE_MAP_COPY): copy-on-write views of pagefile
 * sections work the same way: the other views keep the section's data. */
TEST(NtMapViewOfSection_writecopy_view_of_pagefile_section)
{
    HANDLE section = section_or_fail( SECTION_ALL_ACCESS, 0x2000, PAGE_READWRITE, SEC_COMMIT, NULL );
    volatile unsigned char *rw = view_or_fail( section, PAGE_READWRITE );
    volatile unsigned char *cow = view_or_fail( section, PAGE_WRITECOPY );

    if (!rw || !cow) goto done;
    rw[0x100] = 0x31;
    rw[0x1100] = 0x32;
    ok( cow[0x100] == 0x31, "copy-on-write view does not show the section's data\n" );
    cow[0x100] = 0x41;
    ok( rw[0x100] == 0x31, "private write seen by the shared view: %#x\n", rw[0x100] );
    rw[0x101] = 0x33;
    ok( cow[0x101] == 0, "shared write seen in the private copy: %#x\n", cow[0x101] );
    ok( cow[0x1100] == 0x32, "unwritten page does not follow the section: %#x\n", cow[0x1100] );
    check_mbi( (void *)cow, (void *)cow, 0x1000, MEM_COMMIT, PAGE_READWRITE, (void *)cow, PAGE_WRITECOPY, MEM_MAPPED );
    check_mbi( (void *)(cow + 0x1000), (void *)(cow + 0x1000), 0x1000, MEM_COMMIT, PAGE_WRITECOPY, (void *)cow,
               PAGE_WRITECOPY, MEM_MAPPED );
    check_private( (void *)cow, TRUE );
done:
    unmap( (void *)rw );
    unmap( (void *)cow );
    close_handle( section );
}

/* kernel32 test_mapping / test_CreateFileMapping_protection: a read/write view protected to
 * PAGE_WRITECOPY is copy-on-write: after a write the page reports PAGE_READWRITE (RegionSize one
 * page), the next page PAGE_WRITECOPY; the next NtProtectVirtualMemory returns PAGE_READWRITE as
 * the old protection; asking PAGE_WRITECOPY again for the written page reports PAGE_READWRITE and
 * the private data stays; the file is not modified. */
TEST(NtProtectVirtualMemory_writecopy_on_a_shared_view)
{
    char path[512];
    HANDLE section = file_section( path, "protcow", 0x2000, PAGE_READWRITE );
    volatile unsigned char *view = view_or_fail( section, PAGE_READWRITE );
    volatile unsigned char *other = view_or_fail( section, PAGE_READWRITE );
    NTSTATUS status;
    ULONG old;

    if (!view || !other) goto done;
    old = 0xdeadbeef;
    status = nt_protect( (void *)view, 0x2000, PAGE_WRITECOPY, &old );
    ok( status == STATUS_SUCCESS, "protect WRITECOPY: %s\n", sstatus( status ) );
    ok( old == PAGE_READWRITE, "old %#x\n", (unsigned int)old );
    check_mbi( (void *)view, (void *)view, 0x2000, MEM_COMMIT, PAGE_WRITECOPY, (void *)view, PAGE_READWRITE, MEM_MAPPED );

    *(volatile DWORD *)view = 0xdeadbeef;
    check_mbi( (void *)view, (void *)view, 0x1000, MEM_COMMIT, PAGE_READWRITE, (void *)view, PAGE_READWRITE, MEM_MAPPED );
    check_mbi( (void *)(view + 0x1000), (void *)(view + 0x1000), 0x1000, MEM_COMMIT, PAGE_WRITECOPY, (void *)view,
               PAGE_READWRITE, MEM_MAPPED );
    ok( other[0] == pattern_byte( 0 ), "private write seen by another view: %#x\n", other[0] );
    ok( file_byte( path, 0 ) == pattern_byte( 0 ), "private write reached the file\n" );
    check_private( (void *)view, TRUE );

    old = 0xdeadbeef;
    status = nt_protect( (void *)view, 0x1000, PAGE_NOACCESS, &old );
    ok( status == STATUS_SUCCESS, "protect NOACCESS: %s\n", sstatus( status ) );
    ok( old == PAGE_READWRITE, "old %#x, expected PAGE_READWRITE for the written page\n", (unsigned int)old );
    old = 0xdeadbeef;
    status = nt_protect( (void *)view, 0x1000, PAGE_WRITECOPY, &old );
    ok( status == STATUS_SUCCESS, "protect WRITECOPY again: %s\n", sstatus( status ) );
    ok( old == PAGE_NOACCESS, "old %#x\n", (unsigned int)old );
    check_mbi( (void *)view, (void *)view, 0x1000, MEM_COMMIT, PAGE_READWRITE, (void *)view, PAGE_READWRITE, MEM_MAPPED );
    ok( *(volatile DWORD *)view == 0xdeadbeef, "private data lost: %#x\n", (unsigned int)*(volatile DWORD *)view );
    old = 0xdeadbeef;
    status = nt_protect( (void *)view, 0x1000, PAGE_READWRITE, &old );
    ok( status == STATUS_SUCCESS, "protect READWRITE: %s\n", sstatus( status ) );
    ok( old == PAGE_READWRITE, "old %#x\n", (unsigned int)old );
    ok( *(volatile DWORD *)view == 0xdeadbeef, "private data lost\n" );
    ok( other[0] == pattern_byte( 0 ), "private page became shared again\n" );
done:
    unmap( (void *)view );
    unmap( (void *)other );
    close_handle( section );
    ok( !path[0] || file_byte( path, 0 ) == pattern_byte( 0 ), "file modified after the unmap\n" );
    remove_test_file( path );
}

/* kernel32 test_mapping: a PAGE_READONLY view may be made PAGE_WRITECOPY (WRITECOPY only needs
 * read access) and then written privately. */
TEST(NtProtectVirtualMemory_writecopy_on_a_readonly_view)
{
    char path[512];
    HANDLE section = file_section( path, "rocow", 0x2000, PAGE_READONLY );
    volatile unsigned char *view = view_or_fail( section, PAGE_READONLY );
    NTSTATUS status;
    ULONG old = 0;

    if (!view) goto done;
    status = nt_protect( (void *)view, 0x2000, PAGE_WRITECOPY, &old );
    ok( status == STATUS_SUCCESS, "protect WRITECOPY: %s\n", sstatus( status ) );
    ok( old == PAGE_READONLY, "old %#x\n", (unsigned int)old );
    if (status) goto done;
    view[0x1ffe] = 0x71;
    ok( view[0x1ffe] == 0x71, "write lost\n" );
    ok( file_byte( path, 0x1ffe ) == pattern_byte( 0x1ffe ), "private write reached the file\n" );
    check_mbi( (void *)view, (void *)view, 0x1000, MEM_COMMIT, PAGE_WRITECOPY, (void *)view, PAGE_READONLY, MEM_MAPPED );
    check_mbi( (void *)(view + 0x1000), (void *)(view + 0x1000), 0x1000, MEM_COMMIT, PAGE_READWRITE, (void *)view,
               PAGE_READONLY, MEM_MAPPED );
    check_private( (void *)(view + 0x1000), TRUE );
done:
    unmap( (void *)view );
    close_handle( section );
    remove_test_file( path );
}

/* Private copies are neither flushed nor kept: NtFlushVirtualMemory on a copy-on-write view
 * writes nothing of them to the file, and after the unmap a new view shows the file's data. */
TEST(NtMapViewOfSection_writecopy_copies_are_never_written_back)
{
    char path[512];
    HANDLE section = file_section( path, "cowflush", 0x2000, PAGE_READWRITE );
    volatile unsigned char *view = view_or_fail( section, PAGE_WRITECOPY );
    const void *base;
    SIZE_T size;
    NTSTATUS status;

    if (!view) goto done;
    memset( (void *)view, 0xee, 0x2000 );
    base = (const void *)view;
    size = 0;
    status = NtFlushVirtualMemory( NtCurrentProcess(), &base, &size, 0 );
    ok( status == STATUS_SUCCESS, "flush: %s\n", sstatus( status ) );
    ok( file_byte( path, 0 ) == pattern_byte( 0 ) && file_byte( path, 0x1fff ) == pattern_byte( 0x1fff ),
        "flush wrote private pages to the file\n" );
    unmap( (void *)view );
    view = view_or_fail( section, PAGE_WRITECOPY );
    if (view) ok( view[0x1fff] == pattern_byte( 0x1fff ), "new view shows old private data: %#x\n", view[0x1fff] );
    ok( file_byte( path, 0x1fff ) == pattern_byte( 0x1fff ), "unmap wrote private pages to the file\n" );
done:
    unmap( (void *)view );
    close_handle( section );
    remove_test_file( path );
}

/*
 * NtCreateSection, NtOpenSection, NtClose on sections: pagefile-backed and file-backed sections,
 * their sizes, the SEC_* attribute rules, protections, file and section handle access, names.
 *
 * Expectations (all pass on Windows unless a comment says otherwise):
 *   Wine 8.0 dlls/kernel32/tests/virtual.c test_MapViewOfFile, test_CreateFileMapping
 *       (sec_flag_tests), test_CreateFileMapping_protection, test_mapping    ("kernel32 test")
 *   Wine 8.0 dlls/ntdll/tests/om.c (NtCreateSection / NtOpenSection)        ("om test")
 *   ReactOS modules/rostests/apitests/ntdll/NtMapViewOfSection.c and NtQuerySection.c, run on
 *       Windows Server 2003                                                   ("ReactOS apitest")
 *   NtCreateSection / CreateFileMapping documentation.
 * kernel32 tests see Win32 errors.  Where kernelbase's CreateFileMappingW passes the arguments
 * straight to NtCreateSection, its ERROR_* is translated back to the NTSTATUS the NT call
 * returns; where several statuses give the same error and nothing pins one, the test accepts
 * the set (maps_to_invalid_parameter()) and says so.
 *
 * File handles come from the standalone host's ntdll_mm_open_file (include/ntdll-mm.h).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "section_util.h"

#define FILE_RW   (FILE_READ_DATA | FILE_WRITE_DATA)
#define FILE_RWX  (FILE_READ_DATA | FILE_WRITE_DATA | FILE_EXECUTE)

/* ReactOS NtQuerySection apitest: a pagefile-backed section's size is rounded up to pages. */
TEST(NtCreateSection_pagefile_size_is_rounded_to_pages)
{
    static const struct { LONGLONG size; ULONG attributes; LONGLONG expect; } tests[] =
    {
        { 0x123,  SEC_COMMIT,  0x1000 },
        { 0x1001, SEC_RESERVE, 0x2000 },
        { 0x3457, SEC_COMMIT,  0x4000 },   /* kernel32 test_MapViewOfFile */
        { 0x20000, SEC_COMMIT, 0x20000 },
    };
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        SECTION_BASIC_INFORMATION info;
        HANDLE section = section_or_fail( SECTION_ALL_ACCESS, tests[i].size, PAGE_READWRITE,
                                          tests[i].attributes, NULL );
        NTSTATUS status;

        if (!section) continue;
        status = query_section( section, &info );
        ok( status == STATUS_SUCCESS, "%u: NtQuerySection: %s\n", i, sstatus( status ) );
        ok( info.Size.QuadPart == tests[i].expect, "%u: size %#llx, expected %#llx\n", i,
            (unsigned long long)info.Size.QuadPart, (unsigned long long)tests[i].expect );
        ok( info.Attributes == tests[i].attributes, "%u: attributes %#x, expected %#x\n", i,
            (unsigned int)info.Attributes, (unsigned int)tests[i].attributes );
        ok( info.BaseAddress == NULL, "%u: base %p\n", i, info.BaseAddress );
        close_handle( section );
    }
}

/* A pagefile-backed section needs a size: kernelbase refuses size 0 itself (so the kernel32
 * test cannot pin the NT status); NtCreateSection doc: MaximumSize "specifies the actual size"
 * of a pagefile-backed section.  Uncertain which INVALID_PARAMETER variant: any is accepted. */
TEST(NtCreateSection_pagefile_without_size_fails)
{
    HANDLE section = (HANDLE)0xdeadbeef;
    NTSTATUS status;

    status = create_section( &section, SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, NULL );
    ok( is_invalid_parameter( status ), "NULL size: got %s, expected STATUS_INVALID_PARAMETER*\n", sstatus( status ) );
    if (!status) close_handle( section );
    section = (HANDLE)0xdeadbeef;
    status = create_section( &section, SECTION_ALL_ACCESS, 0, PAGE_READWRITE, SEC_COMMIT, NULL );
    ok( is_invalid_parameter( status ), "size 0: got %s, expected STATUS_INVALID_PARAMETER*\n", sstatus( status ) );
    if (!status) close_handle( section );
}

/* kernel32 test_MapViewOfFile: a file-backed section without a size (or size 0) is as large as
 * the file, byte exact; an explicit smaller size is kept byte exact (36); the attributes read
 * SEC_FILE. */
TEST(NtCreateSection_file_size_zero_means_file_size)
{
    static const struct { LONGLONG size; LONGLONG expect; } tests[] =
    {
        { -1, 0x3456 }, { 0, 0x3456 }, { 36, 36 }, { 0x3452, 0x3452 }, { 0x3456, 0x3456 },
    };
    char path[512];
    HANDLE file;
    unsigned int i;

    if (make_test_file( path, "size0", 0x3456 )) return;
    if (!(file = open_file( path, FILE_RW ))) goto done;
    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        SECTION_BASIC_INFORMATION info;
        HANDLE section = section_or_fail( SECTION_ALL_ACCESS, tests[i].size, PAGE_READONLY, SEC_COMMIT, file );
        NTSTATUS status;

        if (!section) continue;
        status = query_section( section, &info );
        ok( status == STATUS_SUCCESS, "%u: NtQuerySection: %s\n", i, sstatus( status ) );
        ok( info.Size.QuadPart == tests[i].expect, "%u: size %#llx, expected %#llx\n", i,
            (unsigned long long)info.Size.QuadPart, (unsigned long long)tests[i].expect );
        ok( info.Attributes == SEC_FILE, "%u: attributes %#x, expected SEC_FILE\n", i, (unsigned int)info.Attributes );
        ok( info.BaseAddress == NULL, "%u: base %p\n", i, info.BaseAddress );
        close_handle( section );
    }
    ok( file_size( path ) == 0x3456, "file size changed to %#llx\n", (unsigned long long)file_size( path ) );
    close_handle( file );
done:
    remove_test_file( path );
}

/* kernel32 test_MapViewOfFile: a PAGE_READONLY section larger than its file is
 * STATUS_SECTION_TOO_BIG (file opened read/write there, so it is the protection that matters);
 * the same with a read-only handle (a fortiori). */
TEST(NtCreateSection_readonly_section_larger_than_file_fails)
{
    static const ACCESS_MASK access[] = { FILE_RW, FILE_READ_DATA };
    char path[512];
    unsigned int i;

    if (make_test_file( path, "toobig", 0x3456 )) return;
    for (i = 0; i < ARRAY_SIZE(access); i++)
    {
        HANDLE section = (HANDLE)0xdeadbeef, file = open_file( path, access[i] );
        NTSTATUS status;

        if (!file) continue;
        status = create_section( &section, SECTION_QUERY | SECTION_MAP_READ, 0x3457, PAGE_READONLY, SEC_COMMIT, file );
        ok( status == STATUS_SECTION_TOO_BIG, "%u: got %s, expected STATUS_SECTION_TOO_BIG\n", i, sstatus( status ) );
        if (!status) close_handle( section );
        close_handle( file );
    }
    ok( file_size( path ) == 0x3456, "file size changed to %#llx\n", (unsigned long long)file_size( path ) );
    remove_test_file( path );
}

/* CreateFileMapping doc: when the size is larger than the file and the protection allows write
 * access (PAGE_READWRITE, PAGE_EXECUTE_READWRITE), the file on disk grows to the size. */
TEST(NtCreateSection_writable_section_larger_than_file_extends_it)
{
    SECTION_BASIC_INFORMATION info;
    char path[512];
    HANDLE file, section;
    unsigned char *view;
    NTSTATUS status;

    if (make_test_file( path, "grow", 0x1800 )) return;
    if (!(file = open_file( path, FILE_RW ))) goto done;
    section = section_or_fail( SECTION_ALL_ACCESS, 0x5000, PAGE_READWRITE, SEC_COMMIT, file );
    if (section)
    {
        ok( file_size( path ) >= 0x5000, "file size %#llx, expected at least 0x5000\n",
            (unsigned long long)file_size( path ) );
        status = query_section( section, &info );
        ok( status == STATUS_SUCCESS, "NtQuerySection: %s\n", sstatus( status ) );
        ok( info.Size.QuadPart == 0x5000, "size %#llx, expected 0x5000\n", (unsigned long long)info.Size.QuadPart );
        if ((view = view_or_fail( section, PAGE_READWRITE )))
        {
            ok( view[0x17ff] == pattern_byte( 0x17ff ), "old data %#x\n", view[0x17ff] );
            ok( view[0x1800] == 0 && view[0x4fff] == 0, "new part not zero: %#x %#x\n", view[0x1800], view[0x4fff] );
            view[0x4fff] = 0x42;
            unmap( view );
            ok( file_byte( path, 0x4fff ) == 0x42, "write at the end did not reach the file: %d\n", file_byte( path, 0x4fff ) );
        }
        close_handle( section );
    }
    close_handle( file );
done:
    remove_test_file( path );
}

/* kernel32 test_MapViewOfFile and ReactOS apitest Test_EmptyFile: an empty file without a size
 * is STATUS_MAPPED_FILE_SIZE_ZERO. */
TEST(NtCreateSection_empty_file_without_size_fails)
{
    char path[512];
    HANDLE file, section = (HANDLE)0xdeadbeef;
    NTSTATUS status;

    if (make_test_file( path, "empty", 0 )) return;
    if ((file = open_file( path, FILE_RW )))
    {
        status = create_section( &section, SECTION_QUERY | SECTION_MAP_READ, -1, PAGE_READONLY, SEC_COMMIT, file );
        ok( status == STATUS_MAPPED_FILE_SIZE_ZERO, "got %s, expected STATUS_MAPPED_FILE_SIZE_ZERO\n", sstatus( status ) );
        if (!status) close_handle( section );
        close_handle( file );
    }
    remove_test_file( path );
}

/* kernel32 test_CreateFileMapping sec_flag_tests, at the NT level: kernelbase passes the SEC_*
 * bits through unchanged (it only adds SEC_COMMIT when there are none, so the 0 rows are left
 * out).  The failures are ERROR_INVALID_PARAMETER there: maps_to_invalid_parameter().  SEC_IMAGE
 * on a non-PE file is ERROR_BAD_EXE_FORMAT: STATUS_INVALID_IMAGE_NOT_MZ for a file (kernel32
 * test_MapViewOfFile pins it), one of the statuses giving ERROR_BAD_EXE_FORMAT for no file.
 * Attributes as NtQuerySection reports them on current Windows (SEC_NOCACHE is kept). */
TEST(NtCreateSection_attribute_rules)
{
    enum { OK, INVALID, BAD_EXE };
    static const struct { int file; ULONG flags; int result; ULONG attrs; } tests[] =
    {
        /* pagefile-backed */
        { 0, SEC_RESERVE, OK, SEC_RESERVE },
        { 0, SEC_RESERVE | SEC_NOCACHE, OK, SEC_RESERVE | SEC_NOCACHE },
        { 0, SEC_RESERVE | SEC_LARGE_PAGES, INVALID },
        { 0, SEC_RESERVE | SEC_WRITECOMBINE, OK, SEC_RESERVE | SEC_WRITECOMBINE },
        { 0, SEC_COMMIT, OK, SEC_COMMIT },
        { 0, SEC_COMMIT | SEC_NOCACHE, OK, SEC_COMMIT | SEC_NOCACHE },
        { 0, SEC_COMMIT | SEC_WRITECOMBINE, OK, SEC_COMMIT | SEC_WRITECOMBINE },
        { 0, SEC_RESERVE | SEC_COMMIT, INVALID },
        { 0, SEC_IMAGE, BAD_EXE },
        { 0, SEC_IMAGE | SEC_RESERVE, INVALID },
        { 0, SEC_IMAGE | SEC_COMMIT, INVALID },
        { 0, SEC_NOCACHE, INVALID },
        { 0, SEC_LARGE_PAGES, INVALID },
        { 0, SEC_WRITECOMBINE, INVALID },
        { 0, SEC_FILE, INVALID },
        { 0, SEC_FILE | SEC_RESERVE, INVALID },
        { 0, SEC_FILE | SEC_COMMIT, INVALID },
        /* file-backed */
        { 1, SEC_RESERVE, OK, SEC_FILE },
        { 1, SEC_RESERVE | SEC_NOCACHE, OK, SEC_FILE | SEC_NOCACHE },
        { 1, SEC_RESERVE | SEC_LARGE_PAGES, INVALID },
        { 1, SEC_RESERVE | SEC_WRITECOMBINE, OK, SEC_FILE | SEC_WRITECOMBINE },
        { 1, SEC_COMMIT, OK, SEC_FILE },
        { 1, SEC_COMMIT | SEC_NOCACHE, OK, SEC_FILE | SEC_NOCACHE },
        { 1, SEC_COMMIT | SEC_LARGE_PAGES, INVALID },
        { 1, SEC_COMMIT | SEC_WRITECOMBINE, OK, SEC_FILE | SEC_WRITECOMBINE },
        { 1, SEC_RESERVE | SEC_COMMIT, INVALID },
        { 1, SEC_IMAGE, BAD_EXE },
        { 1, SEC_IMAGE | SEC_RESERVE, INVALID },
        { 1, SEC_IMAGE | SEC_COMMIT, INVALID },
        { 1, SEC_NOCACHE, INVALID },
        { 1, SEC_LARGE_PAGES, INVALID },
        { 1, SEC_WRITECOMBINE, INVALID },
        { 1, SEC_FILE, INVALID },
        { 1, SEC_FILE | SEC_RESERVE, INVALID },
        { 1, SEC_FILE | SEC_COMMIT, INVALID },
    };
    char path[512];
    HANDLE file;
    unsigned int i;

    if (make_test_file( path, "secflags", 0x2000 )) return;
    if (!(file = open_file( path, FILE_RW ))) goto done;
    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        HANDLE section = (HANDLE)0xdeadbeef;
        NTSTATUS status = create_section( &section, SECTION_ALL_ACCESS, 0x1000, PAGE_READWRITE,
                                          tests[i].flags, tests[i].file ? file : NULL );

        switch (tests[i].result)
        {
        case OK:
            ok( status == STATUS_SUCCESS, "%u (%#x): got %s, expected STATUS_SUCCESS\n", i,
                (unsigned int)tests[i].flags, sstatus( status ) );
            break;
        case INVALID:
            ok( maps_to_invalid_parameter( status ), "%u (%#x): got %s, expected an invalid parameter status\n",
                i, (unsigned int)tests[i].flags, sstatus( status ) );
            break;
        case BAD_EXE:
            if (tests[i].file)
                ok( status == STATUS_INVALID_IMAGE_NOT_MZ, "%u (%#x): got %s, expected STATUS_INVALID_IMAGE_NOT_MZ\n",
                    i, (unsigned int)tests[i].flags, sstatus( status ) );
            else
                ok( status == STATUS_INVALID_FILE_FOR_SECTION || status == STATUS_INVALID_IMAGE_FORMAT ||
                    status == STATUS_INVALID_IMAGE_NOT_MZ, "%u (%#x): got %s, expected a bad-exe-format status\n",
                    i, (unsigned int)tests[i].flags, sstatus( status ) );
            break;
        }
        if (!status)
        {
            SECTION_BASIC_INFORMATION info;

            status = query_section( section, &info );
            ok( status == STATUS_SUCCESS, "%u: NtQuerySection: %s\n", i, sstatus( status ) );
            ok( info.Attributes == tests[i].attrs, "%u (%#x): attributes %#x, expected %#x\n", i,
                (unsigned int)tests[i].flags, (unsigned int)info.Attributes, (unsigned int)tests[i].attrs );
            close_handle( section );
        }
    }
    close_handle( file );
done:
    remove_test_file( path );
}

/* SEC_LARGE_PAGES with SEC_COMMIT on a pagefile-backed section of a large-page multiple: the
 * feature needs SeLockMemoryPrivilege ("Creating a File Mapping Using Large Pages" doc), which a
 * standalone process never holds.  Uncertain: no test pins the status; STATUS_PRIVILEGE_NOT_HELD
 * is what NT returns for a missing privilege (the kernel32 sec_flag_tests leave this row out for
 * that reason). */
TEST(NtCreateSection_large_pages_without_privilege_fails)
{
    HANDLE section = (HANDLE)0xdeadbeef;
    NTSTATUS status = create_section( &section, SECTION_ALL_ACCESS, 0x200000, PAGE_READWRITE,
                                      SEC_COMMIT | SEC_LARGE_PAGES, NULL );

    ok( status == STATUS_PRIVILEGE_NOT_HELD, "got %s, expected STATUS_PRIVILEGE_NOT_HELD\n", sstatus( status ) );
    if (!status) close_handle( section );
}

/* kernel32 test_CreateFileMapping_protection: one base protection among READONLY, READWRITE,
 * WRITECOPY, EXECUTE_READ, EXECUTE_READWRITE, EXECUTE_WRITECOPY is accepted for a file section
 * (read/write/execute file handle); combinations fail.  kernelbase rejects combinations before the
 * NT call, so the NT status is from the om test (0x1234: STATUS_INVALID_PARAMETER or
 * STATUS_INVALID_PAGE_PROTECTION) and the ReactOS apitest (PAGE_NOACCESS:
 * STATUS_INVALID_PAGE_PROTECTION).  PAGE_EXECUTE alone is left out: kernelbase refuses it, but the
 * NtCreateSection doc lists it as valid, so the native NT result is not known. */
TEST(NtCreateSection_protection_must_be_one_valid_value)
{
    static const struct { ULONG prot; int valid; } tests[] =
    {
        { PAGE_READONLY, 1 },
        { PAGE_READWRITE, 1 },
        { PAGE_WRITECOPY, 1 },
        { PAGE_EXECUTE_READ, 1 },
        { PAGE_EXECUTE_READWRITE, 1 },
        { PAGE_EXECUTE_WRITECOPY, 1 },
        { PAGE_NOACCESS, 0 },
        { PAGE_READONLY | PAGE_NOACCESS, 0 },
        { PAGE_READWRITE | PAGE_READONLY, 0 },
        { PAGE_WRITECOPY | PAGE_READWRITE, 0 },
        { PAGE_WRITECOPY | PAGE_READONLY | PAGE_NOACCESS, 0 },
        { PAGE_EXECUTE_READ | PAGE_EXECUTE, 0 },
        { PAGE_EXECUTE_READWRITE | PAGE_EXECUTE_READ, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READWRITE, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READ | PAGE_EXECUTE, 0 },
        { PAGE_READWRITE | PAGE_EXECUTE_READWRITE, 0 },
        { 0x1234, 0 },
    };
    char path[512];
    HANDLE file;
    unsigned int i, backing;

    if (make_test_file( path, "prot", 0x1000 )) return;
    if (!(file = open_file( path, FILE_RWX ))) goto done;
    for (backing = 0; backing < 2; backing++)
    {
        for (i = 0; i < ARRAY_SIZE(tests); i++)
        {
            HANDLE section = (HANDLE)0xdeadbeef;
            NTSTATUS status = create_section( &section, SECTION_ALL_ACCESS, 0x1000, tests[i].prot,
                                              SEC_COMMIT, backing ? file : NULL );

            if (tests[i].valid)
            {
                ok( status == STATUS_SUCCESS, "%s %#x: got %s, expected STATUS_SUCCESS\n",
                    backing ? "file" : "pagefile", (unsigned int)tests[i].prot, sstatus( status ) );
            }
            else
            {
                ok( status == STATUS_INVALID_PAGE_PROTECTION || status == STATUS_INVALID_PARAMETER,
                    "%s %#x: got %s, expected STATUS_INVALID_PAGE_PROTECTION\n",
                    backing ? "file" : "pagefile", (unsigned int)tests[i].prot, sstatus( status ) );
                ok( status || section != (HANDLE)0xdeadbeef, "handle not set\n" );
            }
            if (!status && !tests[i].valid) close_handle( section );
            else if (!status)
            {
                void *view = view_or_fail( section, PAGE_READONLY );

                /* kernel32 test_CreateFileMapping_protection: a read-only view of any of them */
                if (view)
                {
                    check_mbi( view, view, 0x1000, MEM_COMMIT, PAGE_READONLY, view, PAGE_READONLY, MEM_MAPPED );
                    unmap( view );
                }
                close_handle( section );
            }
        }
    }
    close_handle( file );
done:
    remove_test_file( path );
}

/* kernel32 test_MapViewOfFile ("now try read-only file", "now try no access file") and
 * test_mapping (readonly file): the section protection needs the file access it implies.  A
 * read-only handle allows READONLY and WRITECOPY; READWRITE and the EXECUTE ones fail with
 * STATUS_ACCESS_DENIED (ERROR_ACCESS_DENIED on current Windows; ERROR_INVALID_PARAMETER was
 * broken()); executable sections need FILE_EXECUTE; a handle without read access allows none. */
TEST(NtCreateSection_needs_the_file_access_of_its_protection)
{
    static const ULONG prots[] =
    {
        PAGE_READONLY, PAGE_WRITECOPY, PAGE_READWRITE,
        PAGE_EXECUTE_READ, PAGE_EXECUTE_WRITECOPY, PAGE_EXECUTE_READWRITE
    };
    static const struct { ACCESS_MASK access; BOOL allowed[ARRAY_SIZE(prots)]; } tests[] =
    {
        { FILE_READ_DATA,                   { 1, 1, 0, 0, 0, 0 } },
        { FILE_RW,                          { 1, 1, 1, 0, 0, 0 } },
        { FILE_READ_DATA | FILE_EXECUTE,    { 1, 1, 0, 1, 1, 0 } },
        { FILE_RWX,                         { 1, 1, 1, 1, 1, 1 } },
        { FILE_WRITE_DATA,                  { 0, 0, 0, 0, 0, 0 } },
    };
    char path[512];
    unsigned int i, j;

    if (make_test_file( path, "fileaccess", 0x2000 )) return;
    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        HANDLE file = NULL;
        NTSTATUS status = ntdll_mm_open_file( path, tests[i].access, &file );

        if (status)
        {
            ok( 0, "ntdll_mm_open_file( %#x ): %s\n", (unsigned int)tests[i].access, sstatus( status ) );
            continue;
        }
        for (j = 0; j < ARRAY_SIZE(prots); j++)
        {
            HANDLE section = (HANDLE)0xdeadbeef;

            status = create_section( &section, SECTION_ALL_ACCESS, 0x1000, prots[j], SEC_COMMIT, file );
            if (tests[i].allowed[j])
                ok( status == STATUS_SUCCESS, "file access %#x, prot %#x: got %s, expected STATUS_SUCCESS\n",
                    (unsigned int)tests[i].access, (unsigned int)prots[j], sstatus( status ) );
            else
                ok( status == STATUS_ACCESS_DENIED, "file access %#x, prot %#x: got %s, expected STATUS_ACCESS_DENIED\n",
                    (unsigned int)tests[i].access, (unsigned int)prots[j], sstatus( status ) );
            if (!status) close_handle( section );
        }
        close_handle( file );
    }
    remove_test_file( path );
}

/* ntdll_mm_file_handle_from_fd gives the same kind of handle, and the caller keeps its fd. */
TEST(NtCreateSection_from_fd_handle)
{
    char path[512];
    HANDLE file = NULL, section;
    unsigned char *view;
    NTSTATUS status;
    int fd;

    if (make_test_file( path, "fromfd", 0x2000 )) return;
    fd = open( path, O_RDWR );
    ok( fd >= 0, "open failed\n" );
    if (fd < 0) goto done;
    status = ntdll_mm_file_handle_from_fd( fd, FILE_RW, &file );
    ok( status == STATUS_SUCCESS && file, "ntdll_mm_file_handle_from_fd: %s\n", sstatus( status ) );
    if (!status)
    {
        if ((section = section_or_fail( SECTION_ALL_ACCESS, -1, PAGE_READWRITE, SEC_COMMIT, file )))
        {
            close_handle( file );   /* the section keeps its own reference */
            file = NULL;
            if ((view = view_or_fail( section, PAGE_READWRITE )))
            {
                ok( view[0x1234] == pattern_byte( 0x1234 ), "got %#x\n", view[0x1234] );
                view[0x1234] = 0x5a;
                ok( file_byte( path, 0x1234 ) == 0x5a, "write not in the file\n" );
                unmap( view );
            }
            close_handle( section );
        }
        close_handle( file );
    }
    ok( fcntl( fd, F_GETFD ) != -1, "the caller's fd was closed\n" );
    close( fd );
done:
    remove_test_file( path );
}

/* Bad handles: an invalid file handle is STATUS_INVALID_HANDLE; a handle of another type
 * (a section, the current process) is STATUS_OBJECT_TYPE_MISMATCH (NtCreateSection references
 * FileHandle as a file object: standard object manager statuses); an output pointer that is not
 * writable is STATUS_ACCESS_VIOLATION (om test: (HANDLE *)0xdeadbee0). */
TEST(NtCreateSection_bad_handles_fail)
{
    HANDLE section = (HANDLE)0xdeadbeef, other;
    NTSTATUS status;

    status = create_section( &section, SECTION_ALL_ACCESS, 0x1000, PAGE_READONLY, SEC_COMMIT, (HANDLE)0xdeadbee0 );
    ok( status == STATUS_INVALID_HANDLE, "bogus file handle: got %s, expected STATUS_INVALID_HANDLE\n", sstatus( status ) );
    if (!status) close_handle( section );

    if ((other = section_or_fail( SECTION_ALL_ACCESS, 0x1000, PAGE_READWRITE, SEC_COMMIT, NULL )))
    {
        status = create_section( &section, SECTION_ALL_ACCESS, 0x1000, PAGE_READONLY, SEC_COMMIT, other );
        ok( status == STATUS_OBJECT_TYPE_MISMATCH, "section as file: got %s, expected STATUS_OBJECT_TYPE_MISMATCH\n",
            sstatus( status ) );
        if (!status) close_handle( section );
        close_handle( other );
    }

    status = create_section( &section, SECTION_ALL_ACCESS, 0x1000, PAGE_READONLY, SEC_COMMIT, NtCurrentProcess() );
    ok( status == STATUS_OBJECT_TYPE_MISMATCH, "process as file: got %s, expected STATUS_OBJECT_TYPE_MISMATCH\n",
        sstatus( status ) );
    if (!status) close_handle( section );

    if (kernel_range_unmapped( (void *)0xdeadb000, 0x1000 ))
    {
        status = create_section( (HANDLE *)0xdeadbee0, SECTION_ALL_ACCESS, 0x1000, PAGE_READWRITE, SEC_COMMIT, NULL );
        ok( status == STATUS_ACCESS_VIOLATION, "bad output pointer: got %s, expected STATUS_ACCESS_VIOLATION\n",
            sstatus( status ) );
    }
}

/* kernel32 test_MapViewOfFile ("close named mapping handle without unmapping"): views outlive
 * the section handle; closing a handle twice fails. */
TEST(NtClose_section_keeps_views_alive)
{
    HANDLE section = section_or_fail( SECTION_ALL_ACCESS, 0x3000, PAGE_READWRITE, SEC_COMMIT, NULL );
    unsigned char *view;
    NTSTATUS status;

    if (!section) return;
    view = view_or_fail( section, PAGE_READWRITE );
    status = NtClose( section );
    ok( status == STATUS_SUCCESS, "NtClose: %s\n", sstatus( status ) );
    status = NtClose( section );
    ok( status == STATUS_INVALID_HANDLE, "second NtClose: got %s, expected STATUS_INVALID_HANDLE\n", sstatus( status ) );
    if (!view) return;
    view[0x2fff] = 1;
    check_mbi( view, view, 0x3000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
    unmap( view );
    check_free( view, 0x3000 );
}

static NTSTATUS open_section( HANDLE *section, ACCESS_MASK access, const char *name, ULONG attributes )
{
    OBJECT_ATTRIBUTES attr;
    UNICODE_STRING str;
    WCHAR buf[256];

    init_unicode( &str, buf, ARRAY_SIZE(buf), name );
    init_attr( &attr, &str, attributes );
    return NtOpenSection( section, access, &attr );
}

static NTSTATUS create_named( HANDLE *section, ACCESS_MASK access, const char *name, ULONG attributes,
                              LONGLONG size )
{
    OBJECT_ATTRIBUTES attr;
    UNICODE_STRING str;
    LARGE_INTEGER max;
    WCHAR buf[256];

    init_unicode( &str, buf, ARRAY_SIZE(buf), name );
    init_attr( &attr, &str, attributes );
    max.QuadPart = size;
    return NtCreateSection( section, access, &attr, &max, PAGE_READWRITE, SEC_COMMIT, NULL );
}

/* kernel32 test_MapViewOfFile (named mappings) and om test: a named section is opened by name and
 * shares its pages; the name is case sensitive without OBJ_CASE_INSENSITIVE
 * (test_CreateFileMapping) and found with it; creating an existing name is
 * STATUS_OBJECT_NAME_COLLISION, or STATUS_OBJECT_NAME_EXISTS with a handle under OBJ_OPENIF (om
 * test); an unknown name is STATUS_OBJECT_NAME_NOT_FOUND; the name goes away with the last handle
 * even while a view exists (kernel32: OpenFileMapping then fails with ERROR_FILE_NOT_FOUND). */
TEST(NtOpenSection_by_name)
{
    char name[128], upper[128];
    HANDLE section = NULL, opened = NULL, again = NULL;
    unsigned char *view = NULL, *view2 = NULL;
    NTSTATUS status;
    size_t i;

    section_name( name, sizeof(name), "open" );
    status = open_section( &opened, SECTION_MAP_READ, name, 0 );
    ok( status == STATUS_OBJECT_NAME_NOT_FOUND, "before creation: got %s, expected STATUS_OBJECT_NAME_NOT_FOUND\n",
        sstatus( status ) );
    if (!status) close_handle( opened );

    status = create_named( &section, SECTION_ALL_ACCESS, name, 0, 0x2000 );
    ok( status == STATUS_SUCCESS, "create: %s\n", sstatus( status ) );
    if (status) return;

    again = (HANDLE)0xdeadbeef;
    status = create_named( &again, SECTION_ALL_ACCESS, name, 0, 0x2000 );
    ok( status == STATUS_OBJECT_NAME_COLLISION, "create again: got %s, expected STATUS_OBJECT_NAME_COLLISION\n",
        sstatus( status ) );
    if (!status) close_handle( again );
    again = NULL;
    status = create_named( &again, SECTION_ALL_ACCESS, name, OBJ_OPENIF, 0x2000 );
    ok( status == STATUS_OBJECT_NAME_EXISTS && again, "create again with OBJ_OPENIF: got %s, expected STATUS_OBJECT_NAME_EXISTS\n",
        sstatus( status ) );

    view = view_or_fail( section, PAGE_READWRITE );
    if (view) view[0x1001] = 0x77;

    status = open_section( &opened, SECTION_MAP_READ, name, 0 );
    ok( status == STATUS_SUCCESS, "open: %s\n", sstatus( status ) );
    if (!status)
    {
        if ((view2 = view_or_fail( opened, PAGE_READONLY )))
        {
            ok( view2 != view, "same view address\n" );
            ok( view2[0x1001] == 0x77, "opened section does not share the pages: %#x\n", view2[0x1001] );
            if (again && !status)
            {
                unsigned char *view3 = view_or_fail( again, PAGE_READONLY );
                if (view3) ok( view3[0x1001] == 0x77, "OBJ_OPENIF handle is another section: %#x\n", view3[0x1001] );
                unmap( view3 );
            }
            unmap( view2 );
        }
        close_handle( opened );
    }

    strcpy( upper, name );
    for (i = 0; upper[i]; i++) if (upper[i] >= 'a' && upper[i] <= 'z') upper[i] -= 'a' - 'A';
    opened = NULL;
    status = open_section( &opened, SECTION_MAP_READ, upper, 0 );
    ok( status == STATUS_OBJECT_NAME_NOT_FOUND, "other case: got %s, expected STATUS_OBJECT_NAME_NOT_FOUND\n",
        sstatus( status ) );
    if (!status) close_handle( opened );
    status = open_section( &opened, SECTION_MAP_READ, upper, OBJ_CASE_INSENSITIVE );
    ok( status == STATUS_SUCCESS, "other case, OBJ_CASE_INSENSITIVE: got %s, expected STATUS_SUCCESS\n", sstatus( status ) );
    if (!status) close_handle( opened );

    close_handle( again );
    close_handle( section );
    opened = NULL;
    status = open_section( &opened, SECTION_MAP_READ, name, 0 );
    ok( status == STATUS_OBJECT_NAME_NOT_FOUND, "after the last close: got %s, expected STATUS_OBJECT_NAME_NOT_FOUND\n",
        sstatus( status ) );
    if (!status) close_handle( opened );
    if (view)
    {
        ok( view[0x1001] == 0x77, "view lost its data\n" );
        check_mbi( view, view, 0x2000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
        unmap( view );
    }
}

/* kernel32 test_MapViewOfFile (OpenFileMapping with FILE_MAP_READ / FILE_MAP_WRITE /
 * SECTION_QUERY): the opened handle has exactly the access asked for.  A read view needs
 * SECTION_MAP_READ; a read/write view needs SECTION_MAP_WRITE (a FILE_MAP_WRITE-only handle maps
 * FILE_MAP_WRITE views but not FILE_MAP_READ ones); NtQuerySection needs SECTION_QUERY; all fail
 * with STATUS_ACCESS_DENIED otherwise.  om test: NULL attributes are STATUS_INVALID_PARAMETER, an
 * unwritable output pointer STATUS_ACCESS_VIOLATION. */
TEST(NtOpenSection_access_mask_is_enforced)
{
    static const struct { ACCESS_MASK access; NTSTATUS ro, rw, wc, query; } tests[] =
    {
        { SECTION_MAP_READ, STATUS_SUCCESS, STATUS_ACCESS_DENIED, STATUS_SUCCESS, STATUS_ACCESS_DENIED },
        { SECTION_MAP_READ | SECTION_QUERY, STATUS_SUCCESS, STATUS_ACCESS_DENIED, STATUS_SUCCESS, STATUS_SUCCESS },
        { SECTION_MAP_WRITE, STATUS_ACCESS_DENIED, STATUS_SUCCESS, STATUS_ACCESS_DENIED, STATUS_ACCESS_DENIED },
        { SECTION_MAP_WRITE | SECTION_QUERY, STATUS_ACCESS_DENIED, STATUS_SUCCESS, STATUS_ACCESS_DENIED, STATUS_SUCCESS },
        { SECTION_MAP_READ | SECTION_MAP_WRITE, STATUS_SUCCESS, STATUS_SUCCESS, STATUS_SUCCESS, STATUS_ACCESS_DENIED },
        { SECTION_QUERY, STATUS_ACCESS_DENIED, STATUS_ACCESS_DENIED, STATUS_ACCESS_DENIED, STATUS_SUCCESS },
    };
    char name[128];
    HANDLE section = NULL, opened;
    NTSTATUS status;
    unsigned int i;

    section_name( name, sizeof(name), "access" );
    status = create_named( &section, SECTION_ALL_ACCESS, name, 0, 0x1000 );
    ok( status == STATUS_SUCCESS, "create: %s\n", sstatus( status ) );
    if (status) return;

    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        static const ULONG prots[3] = { PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY };
        SECTION_BASIC_INFORMATION info;
        NTSTATUS expect[3];
        unsigned int j;

        expect[0] = tests[i].ro;
        expect[1] = tests[i].rw;
        expect[2] = tests[i].wc;
        opened = NULL;
        status = open_section( &opened, tests[i].access, name, 0 );
        ok( status == STATUS_SUCCESS, "%u: open: %s\n", i, sstatus( status ) );
        if (status) continue;
        for (j = 0; j < 3; j++)
        {
            void *view = NULL;
            SIZE_T size = 0;

            status = map_view( opened, &view, 0, 0, &size, 0, prots[j] );
            ok( status == expect[j], "%u: access %#x, view %#x: got %s, expected %s\n", i,
                (unsigned int)tests[i].access, (unsigned int)prots[j], sstatus( status ), sstatus( expect[j] ) );
            if (!status) unmap( view );
            else ok( view == NULL, "%u: address set to %p\n", i, view );
        }
        status = query_section( opened, &info );
        ok( status == tests[i].query, "%u: access %#x, NtQuerySection: got %s, expected %s\n", i,
            (unsigned int)tests[i].access, sstatus( status ), sstatus( tests[i].query ) );
        close_handle( opened );
    }

    status = NtOpenSection( &opened, SECTION_MAP_READ, NULL );
    ok( status == STATUS_INVALID_PARAMETER, "NULL attributes: got %s, expected STATUS_INVALID_PARAMETER\n", sstatus( status ) );
    if (kernel_range_unmapped( (void *)0xdeadb000, 0x1000 ))
    {
        OBJECT_ATTRIBUTES attr;
        UNICODE_STRING str;
        WCHAR buf[256];

        init_unicode( &str, buf, ARRAY_SIZE(buf), name );
        init_attr( &attr, &str, 0 );
        status = NtOpenSection( (HANDLE *)0xdeadbee0, SECTION_MAP_READ, &attr );
        ok( status == STATUS_ACCESS_VIOLATION, "bad output pointer: got %s, expected STATUS_ACCESS_VIOLATION\n",
            sstatus( status ) );
    }
    close_handle( section );
}

/*
 * NtMapViewOfSection(Ex), NtUnmapViewOfSection(Ex): offsets, sizes, addresses, zero_bits,
 * MEM_TOP_DOWN, protections checked against the section and the handle, fixed-address conflicts,
 * unmapping what is not a view, and what NtQueryVirtualMemory, NtAllocateVirtualMemory,
 * NtFreeVirtualMemory and NtProtectVirtualMemory do with views.
 *
 * Expectations (all pass on Windows unless a comment says otherwise):
 *   Wine 8.0 dlls/ntdll/tests/virtual.c test_NtMapViewOfSection, test_NtMapViewOfSectionEx
 *                                                                                ("ntdll test")
 *   Wine 8.0 dlls/ntdll/tests/info.c test_queryvirtualmemory (NtUnmapViewOfSection inside a view)
 *   Wine 8.0 dlls/kernel32/tests/virtual.c test_MapViewOfFile, test_CreateFileMapping_protection,
 *       test_mapping                                                             ("kernel32 test")
 *   ReactOS modules/rostests/apitests/ntdll/NtMapViewOfSection.c Test_PageFileSection, run on
 *       Windows Server 2003                                                      ("ReactOS apitest")
 *   ZwMapViewOfSection / ZwUnmapViewOfSection / MapViewOfFile3 documentation.
 * kernelbase's MapViewOfFileEx passes the protection straight to NtMapViewOfSection, so kernel32
 * ERROR_* results translate back to the NT status; where several statuses give the same error
 * and nothing pins one, the set is accepted and the comment says so.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "section_util.h"

#ifndef AT_ROUND_TO_PAGE
#define AT_ROUND_TO_PAGE 0x40000000
#endif
#ifndef MEM_UNMAP_WITH_TRANSIENT_BOOST
#define MEM_UNMAP_WITH_TRANSIENT_BOOST 0x00000001
#endif

static HANDLE pagefile_section( LONGLONG size, ULONG prot, ULONG attributes )
{
    return section_or_fail( SECTION_ALL_ACCESS, size, prot, attributes, NULL );
}

/* A section over a fresh file of file_size bytes (read/write/execute handle); the file handle is
 * closed (the section keeps its reference). */
static HANDLE file_section( char path[512], const char *name, off_t file_size, LONGLONG size, ULONG prot )
{
    HANDLE file, section;

    if (make_test_file( path, name, file_size )) return NULL;
    if (!(file = open_file( path, FILE_READ_DATA | FILE_WRITE_DATA | FILE_EXECUTE ))) return NULL;
    section = section_or_fail( SECTION_ALL_ACCESS, size, prot, SEC_COMMIT, file );
    close_handle( file );
    return section;
}

/* ntdll test: an offset that is not a multiple of 64K is STATUS_MAPPED_ALIGNMENT; a 64K multiple
 * maps the file from there. */
TEST(NtMapViewOfSection_offset_must_be_64k_aligned)
{
    static const LONGLONG bad[] = { 1, 0x1000, 0x8000, 0xffff, 0x10001 };
    char path[512];
    HANDLE section = file_section( path, "offset", 0x30000, -1, PAGE_READWRITE );
    unsigned char *view;
    unsigned int i;
    NTSTATUS status;
    SIZE_T size;

    if (!section) goto done;
    for (i = 0; i < ARRAY_SIZE(bad); i++)
    {
        view = NULL;
        size = 0;
        status = map_view( section, (void **)&view, 0, bad[i], &size, 0, PAGE_READWRITE );
        ok( status == STATUS_MAPPED_ALIGNMENT, "offset %#llx: got %s, expected STATUS_MAPPED_ALIGNMENT\n",
            (unsigned long long)bad[i], sstatus( status ) );
        if (!status) unmap( view );
    }
    view = NULL;
    size = 0;
    status = map_view( section, (void **)&view, 0, 0x10000, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "offset 0x10000: %s\n", sstatus( status ) );
    if (!status)
    {
        ok( size == 0x20000, "size %#lx, expected 0x20000\n", (unsigned long)size );
        ok( view[0] == pattern_byte( 0x10000 ) && view[0x1234] == pattern_byte( 0x11234 ),
            "wrong data %#x %#x\n", view[0], view[0x1234] );
        check_mbi( view, view, 0x20000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
        unmap( view );
    }
    close_handle( section );
done:
    remove_test_file( path );
}

/* ntdll test and ReactOS apitest: a requested address must be a multiple of 64K
 * (STATUS_MAPPED_ALIGNMENT); AT_ROUND_TO_PAGE does not exist on 64-bit Windows
 * (STATUS_INVALID_PARAMETER_9 or STATUS_INVALID_PARAMETER); a free 64K-aligned address is used
 * as given. */
TEST(NtMapViewOfSection_address_must_be_64k_aligned)
{
    static const ULONG_PTR offsets[] = { 42, 0x1000, 0x8000, 0xf000 };
    HANDLE section = pagefile_section( 0x2000, PAGE_READWRITE, SEC_COMMIT );
    char *hole = find_free_range( 0x20000 );
    unsigned int i;
    NTSTATUS status;
    void *addr;
    SIZE_T size;

    if (!section || !hole) goto done;
    for (i = 0; i < ARRAY_SIZE(offsets); i++)
    {
        addr = hole + offsets[i];
        size = 0;
        status = map_view( section, &addr, 0, 0, &size, 0, PAGE_READWRITE );
        ok( status == STATUS_MAPPED_ALIGNMENT, "address %p: got %s, expected STATUS_MAPPED_ALIGNMENT\n",
            hole + offsets[i], sstatus( status ) );
        if (!status) unmap( addr );
    }
    addr = hole + 0x1000;
    size = 0;
    status = map_view( section, &addr, 0, 0, &size, AT_ROUND_TO_PAGE, PAGE_READWRITE );
    ok( status == STATUS_INVALID_PARAMETER_9 || status == STATUS_INVALID_PARAMETER,
        "AT_ROUND_TO_PAGE: got %s, expected STATUS_INVALID_PARAMETER_9\n", sstatus( status ) );
    if (!status) unmap( addr );
    check_free( hole, 0x20000 );

    addr = hole + 0x10000;
    size = 0;
    status = map_view( section, &addr, 0, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "free aligned address: %s\n", sstatus( status ) );
    if (!status)
    {
        ok( addr == hole + 0x10000, "mapped at %p, expected %p\n", addr, hole + 0x10000 );
        ok( size == 0x2000, "size %#lx\n", (unsigned long)size );
        unmap( addr );
    }
done:
    close_handle( section );
}

/* ZwMapViewOfSection doc: a ViewSize of 0 maps from the offset to the end of the section; the
 * size is rounded up to pages and returned.  A view of a file section whose size is not a page
 * multiple covers the last partial page (kernel32 test_MapViewOfFile maps the 0x3452-byte
 * section with size 0x3452), and the bytes past the section end read as zero (ReactOS apitest
 * Test_Truncate). */
TEST(NtMapViewOfSection_size_zero_maps_to_the_end)
{
    static const struct { LONGLONG offset; SIZE_T size, expect; } tests[] =
    {
        { 0, 0, 0x23000 }, { 0x10000, 0, 0x13000 }, { 0x20000, 0, 0x3000 },
        { 0, 0x1001, 0x2000 }, { 0x10000, 1, 0x1000 }, { 0, 0x23000, 0x23000 },
    };
    HANDLE section = pagefile_section( 0x23000, PAGE_READWRITE, SEC_COMMIT );
    char path[512] = "";
    unsigned char *view;
    unsigned int i;
    NTSTATUS status;
    SIZE_T size;

    if (!section) return;
    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        view = NULL;
        size = tests[i].size;
        status = map_view( section, (void **)&view, 0, tests[i].offset, &size, 0, PAGE_READWRITE );
        ok( status == STATUS_SUCCESS, "%u: %s\n", i, sstatus( status ) );
        if (status) continue;
        ok( size == tests[i].expect, "%u: size %#lx, expected %#lx\n", i, (unsigned long)size,
            (unsigned long)tests[i].expect );
        ok( !((ULONG_PTR)view & 0xffff), "%u: address %p not 64K aligned\n", i, view );
        check_mbi( view, view, tests[i].expect, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
        unmap( view );
    }
    close_handle( section );

    if (!(section = file_section( path, "sizezero", 0x3456, -1, PAGE_READWRITE ))) goto done;
    view = NULL;
    size = 0;
    status = map_view( section, (void **)&view, 0, 0, &size, 0, PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "file section: %s\n", sstatus( status ) );
    if (!status)
    {
        ok( size == 0x4000, "size %#lx, expected 0x4000\n", (unsigned long)size );
        check_mbi( view, view, 0x4000, MEM_COMMIT, PAGE_READONLY, view, PAGE_READONLY, MEM_MAPPED );
        ok( view[0x3455] == pattern_byte( 0x3455 ), "last byte %#x\n", view[0x3455] );
        ok( view[0x3456] == 0 && view[0x3fff] == 0, "tail not zero: %#x %#x\n", view[0x3456], view[0x3fff] );
        unmap( view );
    }
    close_handle( section );
done:
    remove_test_file( path );
}

/* kernel32 test_MapViewOfFile: a view may cover the section exactly (0x3452 bytes) but one byte
 * more is STATUS_INVALID_VIEW_SIZE; the same rule with an offset and for pagefile sections. */
TEST(NtMapViewOfSection_view_beyond_the_section_fails)
{
    static const struct { LONGLONG offset; SIZE_T size; NTSTATUS expect; } tests[] =
    {
        { 0, 0x3452, STATUS_SUCCESS },
        { 0, 0x3453, STATUS_INVALID_VIEW_SIZE },
        { 0, 0x4000, STATUS_INVALID_VIEW_SIZE },
        { 0, 0x10000, STATUS_INVALID_VIEW_SIZE },
    };
    char path[512];
    HANDLE section = file_section( path, "beyond", 0x3456, 0x3452, PAGE_READONLY );
    unsigned int i;
    NTSTATUS status;
    void *view;
    SIZE_T size;

    if (!section) goto done;
    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        view = NULL;
        size = tests[i].size;
        status = map_view( section, &view, 0, tests[i].offset, &size, 0, PAGE_READONLY );
        ok( status == tests[i].expect, "%u: size %#lx: got %s, expected %s\n", i, (unsigned long)tests[i].size,
            sstatus( status ), sstatus( tests[i].expect ) );
        if (!status) unmap( view );
    }
    close_handle( section );

    if ((section = pagefile_section( 0x20000, PAGE_READWRITE, SEC_COMMIT )))
    {
        view = NULL;
        size = 0x10001;
        status = map_view( section, &view, 0, 0x10000, &size, 0, PAGE_READWRITE );
        ok( status == STATUS_INVALID_VIEW_SIZE, "pagefile: got %s, expected STATUS_INVALID_VIEW_SIZE\n", sstatus( status ) );
        if (!status) unmap( view );
        view = NULL;
        size = 0x10000;
        status = map_view( section, &view, 0, 0x10000, &size, 0, PAGE_READWRITE );
        ok( status == STATUS_SUCCESS, "pagefile, exact end: %s\n", sstatus( status ) );
        if (!status) unmap( view );
        close_handle( section );
    }
done:
    remove_test_file( path );
}

/* ZwMapViewOfSection doc: InheritDisposition is ViewShare or ViewUnmap (both map the same way in
 * the calling process); anything else is rejected (status not pinned by any test: an
 * invalid-parameter status is accepted). */
TEST(NtMapViewOfSection_inherit_disposition)
{
    static const ULONG dispositions[] = { ViewShare, ViewUnmap, 0, 3 };
    HANDLE section = pagefile_section( 0x2000, PAGE_READWRITE, SEC_COMMIT );
    unsigned int i;

    if (!section) return;
    for (i = 0; i < ARRAY_SIZE(dispositions); i++)
    {
        LARGE_INTEGER offset;
        unsigned char *view = NULL;
        SIZE_T size = 0;
        NTSTATUS status;

        offset.QuadPart = 0;
        status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&view, 0, 0, &offset, &size,
                                     dispositions[i], 0, PAGE_READWRITE );
        if (i < 2)
        {
            ok( status == STATUS_SUCCESS, "disposition %u: %s\n", (unsigned int)dispositions[i], sstatus( status ) );
            if (status) continue;
            view[i] = 0x10 + i;
            check_mbi( view, view, 0x2000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
            unmap( view );
        }
        else
        {
            ok( maps_to_invalid_parameter( status ), "disposition %u: got %s, expected STATUS_INVALID_PARAMETER*\n",
                (unsigned int)dispositions[i], sstatus( status ) );
            if (!status) unmap( view );
        }
    }
    close_handle( section );
}

/* ReactOS apitest: MEM_COMMIT is not an allocation type of a view (STATUS_INVALID_PARAMETER_9,
 * with or without a commit size).  The apitest (Windows Server 2003) also refuses MEM_RESERVE, but
 * current Windows documents MEM_RESERVE for MapViewOfFile3 ("maps a reserved view"), so it is not
 * tested here. */
TEST(NtMapViewOfSection_rejects_mem_commit)
{
    static const SIZE_T commit[] = { 0, 0x1000 };
    HANDLE section = pagefile_section( 0x20000, PAGE_READWRITE, SEC_RESERVE );
    unsigned int i;

    if (!section) return;
    for (i = 0; i < ARRAY_SIZE(commit); i++)
    {
        LARGE_INTEGER offset;
        void *view = NULL;
        SIZE_T size = 0x2000;
        NTSTATUS status;

        offset.QuadPart = 0;
        status = NtMapViewOfSection( section, NtCurrentProcess(), &view, 0, commit[i], &offset, &size,
                                     ViewShare, MEM_COMMIT, PAGE_READWRITE );
        ok( status == STATUS_INVALID_PARAMETER_9, "commit size %#lx: got %s, expected STATUS_INVALID_PARAMETER_9\n",
            (unsigned long)commit[i], sstatus( status ) );
        if (!status) unmap( view );
    }
    close_handle( section );
}

/* A view protection must be one valid PAGE_* value: 0, unknown bits and combinations are
 * STATUS_INVALID_PAGE_PROTECTION, as for NtAllocateVirtualMemory (the protection goes through the
 * same conversion; no section test pins it, the status is the one NT uses for a protection it
 * cannot convert). */
TEST(NtMapViewOfSection_bad_protection_fails)
{
    static const ULONG prots[] =
    {
        0, 0x1234, PAGE_READONLY | PAGE_READWRITE, PAGE_READWRITE | PAGE_WRITECOPY,
        PAGE_EXECUTE_READ | PAGE_EXECUTE_READWRITE, 0x100000,
    };
    HANDLE section = pagefile_section( 0x1000, PAGE_EXECUTE_READWRITE, SEC_COMMIT );
    unsigned int i;

    if (!section) return;
    for (i = 0; i < ARRAY_SIZE(prots); i++)
    {
        void *view = NULL;
        SIZE_T size = 0;
        NTSTATUS status = map_view( section, &view, 0, 0, &size, 0, prots[i] );

        ok( status == STATUS_INVALID_PAGE_PROTECTION, "prot %#x: got %s, expected STATUS_INVALID_PAGE_PROTECTION\n",
            (unsigned int)prots[i], sstatus( status ) );
        if (!status) unmap( view );
    }
    close_handle( section );
}

/* Bad handles: an invalid section handle is STATUS_INVALID_HANDLE, a handle of another type (a
 * file) STATUS_OBJECT_TYPE_MISMATCH, an invalid process handle STATUS_INVALID_HANDLE (object
 * manager statuses). */
TEST(NtMapViewOfSection_bad_handles_fail)
{
    HANDLE section = pagefile_section( 0x1000, PAGE_READWRITE, SEC_COMMIT ), file = NULL;
    char path[512];
    LARGE_INTEGER offset;
    NTSTATUS status;
    void *view;
    SIZE_T size;

    view = NULL;
    size = 0;
    status = map_view( (HANDLE)0xdeadbee0, &view, 0, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_INVALID_HANDLE, "bad section handle: got %s, expected STATUS_INVALID_HANDLE\n", sstatus( status ) );
    if (!status) unmap( view );

    if (!make_test_file( path, "notasection", 0x1000 ))
    {
        if ((file = open_file( path, FILE_READ_DATA )))
        {
            view = NULL;
            size = 0;
            status = map_view( file, &view, 0, 0, &size, 0, PAGE_READONLY );
            ok( status == STATUS_OBJECT_TYPE_MISMATCH, "file handle: got %s, expected STATUS_OBJECT_TYPE_MISMATCH\n",
                sstatus( status ) );
            if (!status) unmap( view );
            close_handle( file );
        }
        remove_test_file( path );
    }

    if (section)
    {
        view = NULL;
        size = 0;
        offset.QuadPart = 0;
        status = NtMapViewOfSection( section, (HANDLE)0xdeadbee0, &view, 0, 0, &offset, &size, ViewShare, 0,
                                     PAGE_READWRITE );
        ok( status == STATUS_INVALID_HANDLE, "bad process handle: got %s, expected STATUS_INVALID_HANDLE\n",
            sstatus( status ) );
        if (!status) unmap( view );
    }
    close_handle( section );
}

/* MEM_TOP_DOWN places the view above the bottom-up ones (highest free range). */
TEST(NtMapViewOfSection_top_down_maps_high)
{
    HANDLE section = pagefile_section( 0x10000, PAGE_READWRITE, SEC_COMMIT );
    void *low = NULL, *high = NULL;
    NTSTATUS status;
    SIZE_T size;

    if (!section) return;
    size = 0;
    status = map_view( section, &low, 0, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "bottom-up: %s\n", sstatus( status ) );
    size = 0;
    status = map_view( section, &high, 0, 0, &size, MEM_TOP_DOWN, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "top-down: %s\n", sstatus( status ) );
    if (low && high)
    {
        ok( (char *)high > (char *)low, "top-down view %p below bottom-up view %p\n", high, low );
        ok( !((ULONG_PTR)high & 0xffff), "top-down view %p not 64K aligned\n", high );
        ok( (ULONG_PTR)high >= (ULONG_PTR)ntdll_mm_highest_address() / 2,
            "top-down view %p is not in the upper half of the user range (%p)\n", high, ntdll_mm_highest_address() );
        check_mbi( high, high, 0x10000, MEM_COMMIT, PAGE_READWRITE, high, PAGE_READWRITE, MEM_MAPPED );
    }
    unmap( low );
    unmap( high );
    close_handle( section );
}

static ULONG_PTR zero_bits_mask( ULONG_PTR zero_bits )
{
    ULONG_PTR mask;

    if (!zero_bits) return ~(ULONG_PTR)0;
    if (zero_bits < 32) return ((ULONG_PTR)1 << (32 - zero_bits)) - 1;
    for (mask = zero_bits; mask & (mask + 1); mask |= mask >> 1) ;   /* all ones up to the top bit */
    return mask;
}

/* ntdll test: zero_bits 1..20 (with MEM_TOP_DOWN) give STATUS_SUCCESS with the top bits clear or
 * STATUS_NO_MEMORY; 21 never succeeds (STATUS_NO_MEMORY or STATUS_INVALID_PARAMETER); 22 is
 * STATUS_INVALID_PARAMETER_4 (or STATUS_INVALID_PARAMETER); a value above 31 is a mask on 64-bit
 * (only its leading zeros matter).  ReactOS apitest: 10 zero bits succeed for one page. */
TEST(NtMapViewOfSection_zero_bits)
{
    HANDLE section = pagefile_section( 0x1000, PAGE_READWRITE, SEC_COMMIT );
    ULONG_PTR zero_bits;
    NTSTATUS status;
    void *view;
    SIZE_T size;

    if (!section) return;
    for (zero_bits = 1; zero_bits <= 20; zero_bits++)
    {
        view = NULL;
        size = 0;
        status = map_view( section, &view, zero_bits, 0, &size, MEM_TOP_DOWN, PAGE_READWRITE );
        ok( status == STATUS_SUCCESS || status == STATUS_NO_MEMORY, "zero_bits %lu: got %s\n",
            (unsigned long)zero_bits, sstatus( status ) );
        if (status) continue;
        ok( !((ULONG_PTR)view & ~zero_bits_mask( zero_bits )), "zero_bits %lu: address %p\n",
            (unsigned long)zero_bits, view );
        unmap( view );
    }
    view = NULL;
    size = 0;
    status = map_view( section, &view, 10, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "zero_bits 10 bottom-up: %s\n", sstatus( status ) );
    if (!status) unmap( view );

    view = NULL;
    size = 0;
    status = map_view( section, &view, 21, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_NO_MEMORY || status == STATUS_INVALID_PARAMETER, "zero_bits 21: got %s\n", sstatus( status ) );
    if (!status) unmap( view );

    view = NULL;
    size = 0;
    status = map_view( section, &view, 22, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_INVALID_PARAMETER_4 || status == STATUS_INVALID_PARAMETER,
        "zero_bits 22: got %s, expected STATUS_INVALID_PARAMETER_4\n", sstatus( status ) );
    if (!status) unmap( view );

    zero_bits = 0x1aaaaaaa;
    view = NULL;
    size = 0;
    status = map_view( section, &view, zero_bits, 0, &size, MEM_TOP_DOWN, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS || status == STATUS_NO_MEMORY, "mask %#lx: got %s\n",
        (unsigned long)zero_bits, sstatus( status ) );
    if (!status)
    {
        ok( !((ULONG_PTR)view & ~zero_bits_mask( zero_bits )) && ((ULONG_PTR)view & ~zero_bits),
            "mask %#lx: address %p\n", (unsigned long)zero_bits, view );
        unmap( view );
    }
    close_handle( section );
}

/* ReactOS apitest / ntdll test: with a requested address, zero_bits must be satisfied by it,
 * else STATUS_INVALID_PARAMETER_4 (the ntdll test also allows STATUS_INVALID_PARAMETER). */
TEST(NtMapViewOfSection_zero_bits_with_fixed_address)
{
    HANDLE section = pagefile_section( 0x1000, PAGE_READWRITE, SEC_COMMIT );
    char *hole = find_free_range( 0x10000 );
    NTSTATUS status;
    void *view;
    SIZE_T size;

    if (!section || !hole) goto done;
    view = hole;
    size = 0;
    status = map_view( section, &view, 21, 0, &size, 0, PAGE_READWRITE );   /* below 2K: never */
    ok( status == STATUS_INVALID_PARAMETER_4 || status == STATUS_INVALID_PARAMETER,
        "incompatible zero_bits: got %s, expected STATUS_INVALID_PARAMETER_4\n", sstatus( status ) );
    if (!status) unmap( view );
    if ((ULONG_PTR)hole + 0x10000 <= 0x80000000)
    {
        view = hole;
        size = 0;
        status = map_view( section, &view, 1, 0, &size, 0, PAGE_READWRITE );
        ok( status == STATUS_SUCCESS, "compatible zero_bits: %s\n", sstatus( status ) );
        if (!status)
        {
            ok( view == hole, "mapped at %p, expected %p\n", view, hole );
            unmap( view );
        }
    }
    else skip( "no free range below 2G\n" );
done:
    close_handle( section );
}

static DWORD prot_access( ULONG prot )
{
    switch (prot)
    {
    case PAGE_READONLY:
    case PAGE_WRITECOPY:         return 1;
    case PAGE_READWRITE:         return 1 | 2;
    case PAGE_EXECUTE:
    case PAGE_EXECUTE_READ:
    case PAGE_EXECUTE_WRITECOPY: return 1 | 4;
    case PAGE_EXECUTE_READWRITE: return 1 | 2 | 4;
    default:                     return 0;
    }
}

static const ULONG view_prots[] =
{
    PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY,
    PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY
};
/* every base page protection, as asked of a page inside a view */
static const ULONG page_prots[] =
{
    PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY,
    PAGE_EXECUTE, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY
};

/* kernel32 test_mapping (NtMapViewOfSection and MapViewOfFile agree): a view may only ask for
 * the access its section's protection grants (WRITECOPY needs read only, NOACCESS nothing); with
 * a SECTION_ALL_ACCESS handle the refusal is the section's, STATUS_SECTION_PROTECTION (ReactOS
 * apitest: a PAGE_READWRITE section mapped PAGE_EXECUTE_READWRITE).  A view reports its own
 * protection as Protect and AllocationProtect, committed, MEM_MAPPED (NOACCESS views included). */
TEST(NtMapViewOfSection_protection_is_checked_against_the_section)
{
    static const ULONG section_prots[] =
    {
        PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY,
        PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY
    };
    char path[512];
    HANDLE file = NULL;
    unsigned int backing, i, j;

    if (make_test_file( path, "viewprot", 0x2000 )) return;
    if (!(file = open_file( path, FILE_READ_DATA | FILE_WRITE_DATA | FILE_EXECUTE ))) goto done;
    for (backing = 0; backing < 2; backing++)
    {
        for (i = 0; i < ARRAY_SIZE(section_prots); i++)
        {
            HANDLE section = section_or_fail( SECTION_ALL_ACCESS, 0x2000, section_prots[i], SEC_COMMIT,
                                              backing ? file : NULL );
            if (!section) continue;
            for (j = 0; j < ARRAY_SIZE(view_prots); j++)
            {
                BOOL allowed = (prot_access( view_prots[j] ) & prot_access( section_prots[i] )) == prot_access( view_prots[j] );
                void *view = NULL;
                SIZE_T size = 0;
                NTSTATUS status = map_view( section, &view, 0, 0, &size, 0, view_prots[j] );

                if (allowed)
                {
                    ok( status == STATUS_SUCCESS, "%s section %#x, view %#x: got %s\n", backing ? "file" : "pagefile",
                        (unsigned int)section_prots[i], (unsigned int)view_prots[j], sstatus( status ) );
                    if (status) continue;
                    check_mbi( view, view, 0x2000, MEM_COMMIT, view_prots[j], view, view_prots[j], MEM_MAPPED );
                    if (view_prots[j] != PAGE_WRITECOPY && view_prots[j] != PAGE_EXECUTE_WRITECOPY)
                        check_kernel_prot( view, view_prots[j] );
                    unmap( view );
                }
                else
                {
                    ok( status == STATUS_SECTION_PROTECTION, "%s section %#x, view %#x: got %s, expected STATUS_SECTION_PROTECTION\n",
                        backing ? "file" : "pagefile", (unsigned int)section_prots[i], (unsigned int)view_prots[j],
                        sstatus( status ) );
                    ok( view == NULL, "address set to %p\n", view );
                    if (!status) unmap( view );
                }
            }
            close_handle( section );
        }
    }
    close_handle( file );
done:
    remove_test_file( path );
}

/* kernel32 test_MapViewOfFile (DuplicateHandle / OpenFileMapping with reduced access): the handle
 * must grant the access of the view: read and write-copy views need SECTION_MAP_READ, a
 * read/write view SECTION_MAP_WRITE (a FILE_MAP_WRITE handle maps FILE_MAP_WRITE views, not
 * FILE_MAP_READ ones), a NOACCESS view SECTION_MAP_READ (a handle with no access cannot map
 * one, a FILE_MAP_READ one can), execute views SECTION_MAP_EXECUTE; STATUS_ACCESS_DENIED
 * otherwise.  -1: not pinned by any test, not checked. */
TEST(NtMapViewOfSection_protection_is_checked_against_the_handle)
{
    static const struct { ACCESS_MASK access; int allowed[ARRAY_SIZE(view_prots)]; } tests[] =
    {
        /*                                         NA  RO  RW  WC  ER ERW EWC */
        { SECTION_MAP_READ,                      {  1,  1,  0,  1,  0,  0,  0 } },
        { SECTION_MAP_WRITE,                     { -1,  0,  1,  0,  0,  0,  0 } },
        { SECTION_MAP_READ | SECTION_MAP_WRITE,  {  1,  1,  1,  1,  0,  0,  0 } },
        { SECTION_MAP_READ | SECTION_MAP_EXECUTE,{  1,  1,  0,  1,  1,  0,  1 } },
        { SECTION_MAP_EXECUTE,                   { -1,  0,  0,  0, -1,  0, -1 } },
        { SECTION_QUERY,                         {  0,  0,  0,  0,  0,  0,  0 } },
        { 0,                                     {  0,  0,  0,  0,  0,  0,  0 } },
        { SECTION_ALL_ACCESS,                    {  1,  1,  1,  1,  1,  1,  1 } },
    };
    unsigned int i, j;

    for (i = 0; i < ARRAY_SIZE(tests); i++)
    {
        HANDLE section = section_or_fail( tests[i].access, 0x1000, PAGE_EXECUTE_READWRITE, SEC_COMMIT, NULL );

        if (!section) continue;
        for (j = 0; j < ARRAY_SIZE(view_prots); j++)
        {
            void *view = NULL;
            SIZE_T size = 0;
            NTSTATUS status = map_view( section, &view, 0, 0, &size, 0, view_prots[j] );

            if (tests[i].allowed[j] == 1)
                ok( status == STATUS_SUCCESS, "access %#x, view %#x: got %s\n", (unsigned int)tests[i].access,
                    (unsigned int)view_prots[j], sstatus( status ) );
            else if (!tests[i].allowed[j])
                ok( status == STATUS_ACCESS_DENIED, "access %#x, view %#x: got %s, expected STATUS_ACCESS_DENIED\n",
                    (unsigned int)tests[i].access, (unsigned int)view_prots[j], sstatus( status ) );
            if (!status) unmap( view );
        }
        close_handle( section );
    }
}

/* ntdll test: mapping over an existing view is STATUS_CONFLICTING_ADDRESSES; the same over
 * private memory and over a range that only partly overlaps; ReactOS apitest: reserving inside a
 * view is STATUS_CONFLICTING_ADDRESSES too.  Nothing is changed by the failures. */
TEST(NtMapViewOfSection_fixed_address_conflicts)
{
    HANDLE section = pagefile_section( 0x20000, PAGE_READWRITE, SEC_COMMIT );
    char *view = NULL, *priv = NULL, *hole;
    NTSTATUS status;
    void *addr;
    SIZE_T size;

    if (!section) return;
    if (!(hole = find_free_range( 0x40000 ))) goto done;
    addr = hole;
    size = 0;
    status = map_view( section, &addr, 0, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && addr == hole, "map at %p: %s, %p\n", hole, sstatus( status ), addr );
    if (status) goto done;
    view = addr;
    view[0] = 0x3c;

    addr = view;
    size = 0;
    status = map_view( section, &addr, 0, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "over the view: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        sstatus( status ) );
    if (!status && addr != view) unmap( addr );
    addr = view + 0x10000;
    size = 0x10000;
    status = map_view( section, &addr, 0, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "inside the view: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        sstatus( status ) );
    if (!status) unmap( addr );

    addr = view + 0x10000;
    size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_RESERVE, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "reserve inside the view: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        sstatus( status ) );
    if (!status) release( addr );

    priv = hole + 0x30000;
    size = 0x10000;
    addr = priv;
    status = nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && addr == priv, "private allocation at %p: %s\n", priv, sstatus( status ) );
    if (status)
    {
        priv = NULL;
        goto done;
    }
    priv[0] = 0x4d;
    addr = priv;
    size = 0;
    status = map_view( section, &addr, 0, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "over private memory: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        sstatus( status ) );
    if (!status && addr != priv) unmap( addr );
    addr = priv - 0x10000;   /* free 64K, then the private allocation */
    size = 0x20000;
    status = map_view( section, &addr, 0, 0, &size, 0, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "partly over private memory: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        sstatus( status ) );
    if (!status) unmap( addr );

    ok( view[0] == 0x3c && priv[0] == 0x4d, "contents changed\n" );
    check_mbi( view, view, 0x20000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
    check_mbi( priv, priv, 0x10000, MEM_COMMIT, PAGE_READWRITE, priv, PAGE_READWRITE, MEM_PRIVATE );
    check_free( priv - 0x10000, 0x10000 );
done:
    unmap( view );
    release( priv );
    close_handle( section );
}

/* kernel32 test_MapViewOfFile: UnmapViewOfFile of private memory (its base or inside it) and of
 * free memory (0xdeadbeef) fails with ERROR_INVALID_ADDRESS: STATUS_NOT_MAPPED_VIEW, the status
 * NT returns when no view holds the address (the ZwUnmapViewOfSection doc's list of failures;
 * RtlNtStatusToDosError maps it to ERROR_INVALID_ADDRESS).  A bad process handle is
 * STATUS_INVALID_HANDLE.  Nothing is changed. */
TEST(NtUnmapViewOfSection_of_non_views_fails)
{
    HANDLE section = pagefile_section( 0x1000, PAGE_READWRITE, SEC_COMMIT );
    void *view = view_or_fail( section, PAGE_READWRITE );
    char *priv = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY );
    char *hole = find_free_range( 0x10000 );
    const char *addrs[4];
    NTSTATUS status;
    unsigned int i;

    if (!priv || !hole) goto done;
    addrs[0] = priv;
    addrs[1] = priv + 0x3000;
    addrs[2] = hole;
    addrs[3] = kernel_range_unmapped( (void *)0xdeadb000, 0x1000 ) ? (char *)0xdeadbeef : hole + 0x1234;
    for (i = 0; i < ARRAY_SIZE(addrs); i++)
    {
        status = unmap_view( (void *)addrs[i] );
        ok( status == STATUS_NOT_MAPPED_VIEW, "%p: got %s, expected STATUS_NOT_MAPPED_VIEW\n", addrs[i], sstatus( status ) );
    }
    check_mbi( priv, priv, 0x10000, MEM_COMMIT, PAGE_READONLY, priv, PAGE_READONLY, MEM_PRIVATE );
    check_free( hole, 0x10000 );
    if (view)
    {
        status = NtUnmapViewOfSection( (HANDLE)0xdeadbeef, view );
        ok( status == STATUS_INVALID_HANDLE, "bad process handle: got %s, expected STATUS_INVALID_HANDLE\n",
            sstatus( status ) );
        check_mbi( view, view, 0x1000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
    }
done:
    unmap( view );
    release( priv );
    close_handle( section );
}

/* kernel32 test_MapViewOfFile (UnmapViewOfFile at +100, +4096, +4096+100) and info.c
 * (NtUnmapViewOfSection at +0x1050): any address inside a view unmaps the whole view; a second
 * unmap fails with STATUS_NOT_MAPPED_VIEW. */
TEST(NtUnmapViewOfSection_inside_a_view_unmaps_it_all)
{
    static const ULONG_PTR offsets[] = { 0, 100, 0x1000, 0x1000 + 100, 0x1050, 0x2fff };
    HANDLE section = pagefile_section( 0x3000, PAGE_READWRITE, SEC_COMMIT );
    unsigned int i;

    if (!section) return;
    for (i = 0; i < ARRAY_SIZE(offsets); i++)
    {
        char *view = view_or_fail( section, PAGE_READONLY );
        NTSTATUS status;

        if (!view) continue;
        status = unmap_view( view + offsets[i] );
        ok( status == STATUS_SUCCESS, "+%#lx: %s\n", (unsigned long)offsets[i], sstatus( status ) );
        check_free( view, 0x10000 );
        ok( kernel_range_unmapped( view, 0x3000 ), "+%#lx: view still mapped in the kernel\n", (unsigned long)offsets[i] );
        status = unmap_view( view );
        ok( status == STATUS_NOT_MAPPED_VIEW, "+%#lx: second unmap: got %s, expected STATUS_NOT_MAPPED_VIEW\n",
            (unsigned long)offsets[i], sstatus( status ) );
    }
    close_handle( section );
}

/* NtUnmapViewOfSectionEx with flags 0 or MEM_UNMAP_WITH_TRANSIENT_BOOST is NtUnmapViewOfSection
 * (UnmapViewOfFile2 doc); an undefined flag is rejected (status not pinned: invalid parameter
 * accepted) and leaves the view alone; non-views fail as with NtUnmapViewOfSection. */
TEST(NtUnmapViewOfSectionEx_unmaps_views)
{
    static const ULONG flags[] = { 0, MEM_UNMAP_WITH_TRANSIENT_BOOST };
    HANDLE section = pagefile_section( 0x2000, PAGE_READWRITE, SEC_COMMIT );
    char *priv = alloc_or_fail( 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    unsigned int i;
    NTSTATUS status;
    char *view;

    if (!section) goto done;
    for (i = 0; i < ARRAY_SIZE(flags); i++)
    {
        if (!(view = view_or_fail( section, PAGE_READWRITE ))) continue;
        status = NtUnmapViewOfSectionEx( NtCurrentProcess(), view + 0x1800, flags[i] );
        ok( status == STATUS_SUCCESS, "flags %#x: %s\n", (unsigned int)flags[i], sstatus( status ) );
        check_free( view, 0x10000 );
    }
    if ((view = view_or_fail( section, PAGE_READWRITE )))
    {
        status = NtUnmapViewOfSectionEx( NtCurrentProcess(), view, 0x100 );
        ok( is_invalid_parameter( status ), "flags 0x100: got %s, expected STATUS_INVALID_PARAMETER*\n", sstatus( status ) );
        if (status) check_mbi( view, view, 0x2000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
        if (status) unmap( view );
    }
    if (priv)
    {
        status = NtUnmapViewOfSectionEx( NtCurrentProcess(), priv, 0 );
        ok( status == STATUS_NOT_MAPPED_VIEW, "private memory: got %s, expected STATUS_NOT_MAPPED_VIEW\n", sstatus( status ) );
    }
done:
    release( priv );
    close_handle( section );
}

/* ReactOS apitest: NtFreeVirtualMemory cannot release or decommit a view:
 * STATUS_UNABLE_TO_DELETE_SECTION (kernel32 test_MapViewOfFile sees ERROR_INVALID_PARAMETER
 * for the decommit). */
TEST(NtFreeVirtualMemory_on_a_view_fails)
{
    HANDLE section = pagefile_section( 0x20000, PAGE_READWRITE, SEC_COMMIT );
    char *view = view_or_fail( section, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!view) goto done;
    view[0x1000] = 0x61;
    addr = view;
    size = 0;
    status = nt_free( &addr, &size, MEM_RELEASE );
    ok( status == STATUS_UNABLE_TO_DELETE_SECTION, "release: got %s, expected STATUS_UNABLE_TO_DELETE_SECTION\n",
        sstatus( status ) );
    addr = view + 0x1000;
    size = 0x1000;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_UNABLE_TO_DELETE_SECTION, "decommit: got %s, expected STATUS_UNABLE_TO_DELETE_SECTION\n",
        sstatus( status ) );
    addr = view;
    size = 0x10000;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_UNABLE_TO_DELETE_SECTION, "decommit 64K: got %s, expected STATUS_UNABLE_TO_DELETE_SECTION\n",
        sstatus( status ) );
    ok( view[0x1000] == 0x61, "contents changed\n" );
    check_mbi( view, view, 0x20000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
done:
    unmap( view );
    close_handle( section );
}

/* kernel32 test_MapViewOfFile: a view is one MEM_MAPPED region: AllocationBase is the view,
 * AllocationProtect its protection, RegionSize to its end from the queried page; after the
 * unmap the range is free. */
TEST(NtQueryVirtualMemory_describes_views)
{
    char path[512];
    HANDLE section = file_section( path, "query", 0x5000, -1, PAGE_READWRITE );
    char *view = view_or_fail( section, PAGE_READONLY );

    if (view)
    {
        check_mbi( view, view, 0x5000, MEM_COMMIT, PAGE_READONLY, view, PAGE_READONLY, MEM_MAPPED );
        check_mbi( view + 0x1234, view + 0x1000, 0x4000, MEM_COMMIT, PAGE_READONLY, view, PAGE_READONLY, MEM_MAPPED );
        check_mbi( view + 0x4fff, view + 0x4000, 0x1000, MEM_COMMIT, PAGE_READONLY, view, PAGE_READONLY, MEM_MAPPED );
        check_kernel_prot( view, PAGE_READONLY );
        unmap( view );
        check_free( view, 0x5000 );
        ok( kernel_range_unmapped( view, 0x5000 ), "view still mapped in the kernel\n" );
    }
    close_handle( section );
    remove_test_file( path );
}

/* kernel32 test_MapViewOfFile (SEC_RESERVE): views of a SEC_RESERVE section are reserved
 * (State MEM_RESERVE, Protect 0, AllocationProtect the view's); committing 64K in one view
 * commits the section's pages, so another view sees them committed with its own protection;
 * MEM_RESET is accepted; ReactOS apitest: committing again succeeds, committing past the view is
 * STATUS_CONFLICTING_ADDRESSES, decommitting is STATUS_UNABLE_TO_DELETE_SECTION. */
TEST(NtAllocateVirtualMemory_commits_sec_reserve_views)
{
    HANDLE section = pagefile_section( 0x20000, PAGE_READWRITE, SEC_RESERVE );
    char *view1 = view_or_fail( section, PAGE_READWRITE );
    char *view2 = view_or_fail( section, PAGE_READWRITE );
    MEMORY_BASIC_INFORMATION mbi;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!view1 || !view2) goto done;
    ok( view1 != view2, "same address for both views\n" );
    check_mbi( view1, view1, 0x20000, MEM_RESERVE, 0, view1, PAGE_READWRITE, MEM_MAPPED );
    check_mbi( view2, view2, 0x20000, MEM_RESERVE, 0, view2, PAGE_READWRITE, MEM_MAPPED );
    check_kernel_perms( view1, "---" );

    addr = view1;
    size = 0x10000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "commit: %s\n", sstatus( status ) );
    ok( addr == view1 && size == 0x10000, "commit returned %p %#lx\n", addr, (unsigned long)size );
    check_mbi( view1, view1, 0x10000, MEM_COMMIT, PAGE_READONLY, view1, PAGE_READWRITE, MEM_MAPPED );
    check_mbi( view1 + 0x10000, view1 + 0x10000, 0x10000, MEM_RESERVE, 0, view1, PAGE_READWRITE, MEM_MAPPED );
    /* the other view shows the section's pages committed, with its own protection */
    check_mbi( view2, view2, 0x10000, MEM_COMMIT, PAGE_READWRITE, view2, PAGE_READWRITE, MEM_MAPPED );
    check_mbi( view2 + 0x10000, view2 + 0x10000, 0x10000, MEM_RESERVE, 0, view2, PAGE_READWRITE, MEM_MAPPED );
    check_kernel_prot( view1, PAGE_READONLY );
    check_kernel_prot( view2, PAGE_READWRITE );
    check_kernel_perms( view1 + 0x10000, "---" );
    check_kernel_perms( view2 + 0x10000, "---" );
    ok( view1[0xfff0] == 0, "committed page not zero\n" );
    if (!query( view2, &mbi ) && mbi.State == MEM_COMMIT)   /* else it would crash */
    {
        view2[0x10] = 0x7e;
        ok( view1[0x10] == 0x7e, "views do not share the committed page\n" );
    }

    addr = view1;
    size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "commit again: %s\n", sstatus( status ) );

    addr = view1 + 0x1f000;
    size = 0x2000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "commit past the view: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        sstatus( status ) );
    check_mbi( view1 + 0x1f000, view1 + 0x1f000, 0x1000, MEM_RESERVE, 0, view1, PAGE_READWRITE, MEM_MAPPED );

    addr = view1;
    size = 0x20000;
    status = nt_alloc( &addr, &size, MEM_RESET, PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "MEM_RESET: %s\n", sstatus( status ) );

    addr = view1;
    size = 0x10000;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_UNABLE_TO_DELETE_SECTION, "decommit: got %s, expected STATUS_UNABLE_TO_DELETE_SECTION\n",
        sstatus( status ) );
    check_mbi( view1, view1, 0x10000, MEM_COMMIT, PAGE_READONLY, view1, PAGE_READWRITE, MEM_MAPPED );
done:
    unmap( view1 );
    unmap( view2 );
    close_handle( section );
}

/* A new view of a SEC_RESERVE section whose pages were committed through an earlier view sees
 * them committed (the commitment belongs to the section: kernel32 test_MapViewOfFile). */
TEST(NtMapViewOfSection_sec_reserve_commitment_belongs_to_the_section)
{
    HANDLE section = pagefile_section( 0x20000, PAGE_READWRITE, SEC_RESERVE );
    char *view1 = view_or_fail( section, PAGE_READWRITE ), *view2 = NULL;
    MEMORY_BASIC_INFORMATION mbi;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!view1) goto done;
    addr = view1 + 0x2000;
    size = 0x1000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "commit: %s\n", sstatus( status ) );
    view1[0x2000] = 0x19;
    unmap( view1 );
    view1 = NULL;
    if (!(view2 = view_or_fail( section, PAGE_READONLY ))) goto done;
    check_mbi( view2, view2, 0x2000, MEM_RESERVE, 0, view2, PAGE_READONLY, MEM_MAPPED );
    check_mbi( view2 + 0x2000, view2 + 0x2000, 0x1000, MEM_COMMIT, PAGE_READONLY, view2, PAGE_READONLY, MEM_MAPPED );
    check_mbi( view2 + 0x3000, view2 + 0x3000, 0x1d000, MEM_RESERVE, 0, view2, PAGE_READONLY, MEM_MAPPED );
    if (!query( view2 + 0x2000, &mbi ) && mbi.State == MEM_COMMIT)   /* else it would crash */
        ok( view2[0x2000] == 0x19, "data lost: %#x\n", view2[0x2000] );
done:
    unmap( view1 );
    unmap( view2 );
    close_handle( section );
}

/* ReactOS apitest ("Map 2 pages, but commit 1"): the CommitSize of NtMapViewOfSection commits
 * the first pages of a SEC_RESERVE view.  Evidence from Windows Server 2003 only. */
TEST(NtMapViewOfSection_commit_size_commits_sec_reserve_pages)
{
    HANDLE section = pagefile_section( 0x20000, PAGE_READWRITE, SEC_RESERVE );
    LARGE_INTEGER offset;
    char *view = NULL;
    SIZE_T size = 0x2000;
    NTSTATUS status;

    if (!section) return;
    offset.QuadPart = 0;
    status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&view, 0, 0x1000, &offset, &size,
                                 ViewShare, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "map: %s\n", sstatus( status ) );
    if (!status)
    {
        MEMORY_BASIC_INFORMATION mbi;

        check_mbi( view, view, 0x1000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );
        check_mbi( view + 0x1000, view + 0x1000, 0x1000, MEM_RESERVE, 0, view, PAGE_READWRITE, MEM_MAPPED );
        check_kernel_prot( view, PAGE_READWRITE );
        check_kernel_perms( view + 0x1000, "---" );
        if (!query( view, &mbi ) && mbi.State == MEM_COMMIT) view[0] = 1;
        unmap( view );
    }
    close_handle( section );
}

/* kernel32 test_mapping (anonymous mapping): MEM_COMMIT inside a committed pagefile view changes
 * the protection when the view allows it (is_compatible_protection: WRITECOPY counts as read)
 * and fails with ERROR_INVALID_PARAMETER otherwise ("versions <= Vista accept all" was broken());
 * the NT status is not pinned: an invalid-parameter status is accepted. */
TEST(NtAllocateVirtualMemory_commit_in_view_checks_the_view_protection)
{
    HANDLE section = pagefile_section( 0x2000, PAGE_EXECUTE_READWRITE, SEC_COMMIT );
    unsigned int i, j;

    if (!section) return;
    for (i = 0; i < ARRAY_SIZE(view_prots); i++)
    {
        for (j = 0; j < ARRAY_SIZE(page_prots); j++)
        {
            BOOL allowed = (prot_access( page_prots[j] ) & prot_access( view_prots[i] )) == prot_access( page_prots[j] );
            void *view = NULL, *addr;
            SIZE_T size = 0;
            NTSTATUS status = map_view( section, &view, 0, 0, &size, 0, view_prots[i] );

            if (status)
            {
                ok( 0, "view %#x: %s\n", (unsigned int)view_prots[i], sstatus( status ) );
                continue;
            }
            addr = view;
            size = 0x1000;
            status = nt_alloc( &addr, &size, MEM_COMMIT, page_prots[j] );
            if (allowed)
            {
                ok( status == STATUS_SUCCESS, "view %#x, commit %#x: got %s\n", (unsigned int)view_prots[i],
                    (unsigned int)page_prots[j], sstatus( status ) );
                if (!status)   /* the second page keeps the view's protection */
                    check_mbi( view, view, page_prots[j] == view_prots[i] ? 0x2000 : 0x1000, MEM_COMMIT, page_prots[j],
                               view, view_prots[i], MEM_MAPPED );
            }
            else
            {
                ok( maps_to_invalid_parameter( status ), "view %#x, commit %#x: got %s, expected an invalid parameter status\n",
                    (unsigned int)view_prots[i], (unsigned int)page_prots[j], sstatus( status ) );
                check_mbi( view, view, 0x2000, MEM_COMMIT, view_prots[i], view, view_prots[i], MEM_MAPPED );
            }
            unmap( view );
        }
    }
    close_handle( section );
}

/* kernel32 test_CreateFileMapping_protection and test_mapping (file mappings): MEM_COMMIT in a
 * view of a file section fails with ERROR_ACCESS_DENIED whatever the protection.  Two NT statuses
 * give that error here: STATUS_ALREADY_COMMITTED (the pages of a file view are always committed)
 * and STATUS_ACCESS_DENIED; no test pins which, so both are accepted. */
TEST(NtAllocateVirtualMemory_commit_in_file_view_is_denied)
{
    static const ULONG prots[] = { PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READ };
    char path[512];
    HANDLE section = file_section( path, "commitfile", 0x2000, -1, PAGE_EXECUTE_READWRITE );
    char *view = view_or_fail( section, PAGE_READONLY );
    unsigned int i;

    if (view)
    {
        for (i = 0; i < ARRAY_SIZE(prots); i++)
        {
            void *addr = view;
            SIZE_T size = 0x1000;
            NTSTATUS status = nt_alloc( &addr, &size, MEM_COMMIT, prots[i] );

            ok( status == STATUS_ALREADY_COMMITTED || status == STATUS_ACCESS_DENIED,
                "commit %#x: got %s, expected STATUS_ALREADY_COMMITTED or STATUS_ACCESS_DENIED\n",
                (unsigned int)prots[i], sstatus( status ) );
        }
        check_mbi( view, view, 0x2000, MEM_COMMIT, PAGE_READONLY, view, PAGE_READONLY, MEM_MAPPED );
        unmap( view );
    }
    close_handle( section );
    remove_test_file( path );
}

/* kernel32 test_mapping and test_CreateFileMapping_protection: NtProtectVirtualMemory on a view
 * accepts what the view's protection allows (WRITECOPY counts as read, EXECUTE as execute-read,
 * NOACCESS always) and returns the previous protection; anything else fails with
 * ERROR_INVALID_PARAMETER, STATUS_SECTION_PROTECTION at the NT level (ReactOS apitest, NOACCESS
 * view made PAGE_READWRITE or PAGE_READONLY). */
TEST(NtProtectVirtualMemory_on_views_is_limited_by_the_view_protection)
{
    HANDLE section = pagefile_section( 0x2000, PAGE_EXECUTE_READWRITE, SEC_COMMIT );
    unsigned int i, j;

    if (!section) return;
    for (i = 0; i < ARRAY_SIZE(view_prots); i++)
    {
        void *view = NULL;
        SIZE_T size = 0;
        NTSTATUS status = map_view( section, &view, 0, 0, &size, 0, view_prots[i] );
        ULONG prev = view_prots[i], old;

        if (status)
        {
            ok( 0, "view %#x: %s\n", (unsigned int)view_prots[i], sstatus( status ) );
            continue;
        }
        for (j = 0; j < ARRAY_SIZE(page_prots); j++)
        {
            BOOL allowed = (prot_access( page_prots[j] ) & prot_access( view_prots[i] )) == prot_access( page_prots[j] );

            old = 0xdeadbeef;
            status = nt_protect( view, 0x1000, page_prots[j], &old );
            if (allowed)
            {
                ok( status == STATUS_SUCCESS, "view %#x, protect %#x: got %s\n", (unsigned int)view_prots[i],
                    (unsigned int)page_prots[j], sstatus( status ) );
                ok( old == prev, "view %#x, protect %#x: old %#x, expected %#x\n", (unsigned int)view_prots[i],
                    (unsigned int)page_prots[j], (unsigned int)old, (unsigned int)prev );
                if (status) continue;
                check_mbi( view, view, page_prots[j] == view_prots[i] ? 0x2000 : 0x1000, MEM_COMMIT, page_prots[j],
                           view, view_prots[i], MEM_MAPPED );
                if (page_prots[j] != PAGE_WRITECOPY && page_prots[j] != PAGE_EXECUTE_WRITECOPY) check_kernel_prot( view, page_prots[j] );
                prev = page_prots[j];
            }
            else
            {
                ok( status == STATUS_SECTION_PROTECTION, "view %#x, protect %#x: got %s, expected STATUS_SECTION_PROTECTION\n",
                    (unsigned int)view_prots[i], (unsigned int)page_prots[j], sstatus( status ) );
                if (!status) prev = page_prots[j];
            }
        }
        unmap( view );
    }
    close_handle( section );
}

static void set_requirements( MEM_EXTENDED_PARAMETER *ext, MEM_ADDRESS_REQUIREMENTS *req,
                              ULONG_PTR lowest, ULONG_PTR highest )
{
    memset( ext, 0, sizeof(*ext) );
    memset( req, 0, sizeof(*req) );
    ext->Type = MemExtendedParameterAddressRequirements;
    ext->Pointer = req;
    req->LowestStartingAddress = (void *)lowest;
    req->HighestEndingAddress = (void *)highest;
}

/* ntdll test_NtMapViewOfSectionEx: the same rules as NtMapViewOfSection (64K-aligned result,
 * conflicts, STATUS_MAPPED_ALIGNMENT for offsets and addresses, AT_ROUND_TO_PAGE invalid on
 * 64-bit); MapViewOfFile3 doc: MEM_ADDRESS_REQUIREMENTS bounds the view like an allocation
 * (LowestStartingAddress 64K-aligned, HighestEndingAddress inclusive). */
TEST(NtMapViewOfSectionEx_maps_with_address_requirements)
{
    HANDLE section = pagefile_section( 0x10000, PAGE_READWRITE, SEC_COMMIT );
    MEM_EXTENDED_PARAMETER ext;
    MEM_ADDRESS_REQUIREMENTS req;
    LARGE_INTEGER offset;
    char *view = NULL, *hole;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!section) return;
    offset.QuadPart = 0;
    size = 0;
    status = NtMapViewOfSectionEx( section, NtCurrentProcess(), (void **)&view, &offset, &size, 0,
                                   PAGE_READWRITE, NULL, 0 );
    ok( status == STATUS_SUCCESS, "map: %s\n", sstatus( status ) );
    if (status) goto done;
    ok( !((ULONG_PTR)view & 0xffff), "address %p not 64K aligned\n", view );
    check_mbi( view, view, 0x10000, MEM_COMMIT, PAGE_READWRITE, view, PAGE_READWRITE, MEM_MAPPED );

    addr = view;
    size = 0;
    status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &size, 0, PAGE_READWRITE, NULL, 0 );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "same address: got %s\n", sstatus( status ) );
    addr = view + 42;
    size = 0;
    status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &size, 0, PAGE_READWRITE, NULL, 0 );
    ok( status == STATUS_MAPPED_ALIGNMENT, "unaligned address: got %s\n", sstatus( status ) );
    addr = NULL;
    size = 0;
    offset.QuadPart = 1;
    status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &size, 0, PAGE_READWRITE, NULL, 0 );
    ok( status == STATUS_MAPPED_ALIGNMENT, "unaligned offset: got %s\n", sstatus( status ) );
    if (!status) unmap( addr );
    offset.QuadPart = 0;
    addr = view + 0x1000;
    size = 0;
    status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &size, AT_ROUND_TO_PAGE,
                                   PAGE_READWRITE, NULL, 0 );
    ok( status == STATUS_INVALID_PARAMETER_9 || status == STATUS_INVALID_PARAMETER,
        "AT_ROUND_TO_PAGE: got %s\n", sstatus( status ) );
    unmap( view );
    view = NULL;

    /* below 2G */
    set_requirements( &ext, &req, 0, 0x7fffffff );
    addr = NULL;
    size = 0;
    status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &size, 0, PAGE_READWRITE, &ext, 1 );
    ok( status == STATUS_SUCCESS || status == STATUS_NO_MEMORY, "highest 2G: got %s\n", sstatus( status ) );
    if (!status)
    {
        ok( (ULONG_PTR)addr + 0x10000 - 1 <= 0x7fffffff, "view %p ends above 2G\n", addr );
        unmap( addr );
    }
    /* at or above a free 64K-aligned address */
    if ((hole = find_free_range( 0x10000 )))
    {
        set_requirements( &ext, &req, (ULONG_PTR)hole, 0 );
        addr = NULL;
        size = 0;
        status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &size, 0, PAGE_READWRITE, &ext, 1 );
        ok( status == STATUS_SUCCESS, "lowest %p: got %s\n", hole, sstatus( status ) );
        if (!status)
        {
            ok( (char *)addr >= hole, "view %p below %p\n", addr, hole );
            unmap( addr );
        }
    }
done:
    unmap( view );
    close_handle( section );
}

/* kernel32 test_VirtualAlloc (SEC_NOCACHE, which passes on recent Windows): a view of a
 * SEC_NOCACHE section reports PAGE_NOCACHE with its protection and its AllocationProtect, also
 * after committing part of it with another protection; NtProtectVirtualMemory's old protection
 * keeps it too.  SEC_WRITECOMBINE likewise (PAGE_WRITECOMBINE is the same kind of modifier). */
TEST(NtQueryVirtualMemory_views_of_nocache_sections_report_the_modifier)
{
    static const struct { ULONG sec; ULONG mod; } tests[] =
    {
        { SEC_COMMIT | SEC_NOCACHE, PAGE_NOCACHE },
        { SEC_COMMIT | SEC_WRITECOMBINE, PAGE_WRITECOMBINE },
        { SEC_COMMIT, 0 },
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
    {
        HANDLE section = pagefile_section( 0x20000, PAGE_READWRITE, tests[i].sec );
        ULONG mod = tests[i].mod, old = 0;
        char *view = section ? view_or_fail( section, PAGE_READWRITE ) : NULL;
        void *addr;
        SIZE_T size;
        NTSTATUS status;

        if (!view)
        {
            close_handle( section );
            continue;
        }
        check_mbi( view, view, 0x20000, MEM_COMMIT, PAGE_READWRITE | mod, view, PAGE_READWRITE | mod, MEM_MAPPED );
        /* kernel32: VirtualAlloc( ptr, 0x10000, MEM_COMMIT, PAGE_READONLY ) on the view */
        addr = view;
        size = 0x10000;
        status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READONLY );
        ok( status == STATUS_SUCCESS, "%u: commit got %s\n", i, sstatus( status ) );
        check_mbi( view, view, 0x10000, MEM_COMMIT, PAGE_READONLY | mod, view, PAGE_READWRITE | mod, MEM_MAPPED );
        check_mbi( view + 0x10000, view + 0x10000, 0x10000, MEM_COMMIT, PAGE_READWRITE | mod, view,
                   PAGE_READWRITE | mod, MEM_MAPPED );
        status = nt_protect( view, 0x1000, PAGE_READWRITE, &old );
        ok( status == STATUS_SUCCESS, "%u: protect got %s\n", i, sstatus( status ) );
        ok( old == (PAGE_READONLY | mod), "%u: old protection %#x, expected %#x\n", i, (unsigned int)old,
            (unsigned int)(PAGE_READONLY | mod) );
        check_mbi( view, view, 0x1000, MEM_COMMIT, PAGE_READWRITE | mod, view, PAGE_READWRITE | mod, MEM_MAPPED );
        view[0x10] = 1;
        check_kernel_prot( view, PAGE_READWRITE );
        check_kernel_prot( view + 0x1000, PAGE_READONLY );
        check_invariants();
        unmap( view );
        close_handle( section );
    }
}

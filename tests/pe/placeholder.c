/*
 * Conformance: address-space placeholders (VirtualAlloc2 with
 * MEM_RESERVE_PLACEHOLDER / MEM_REPLACE_PLACEHOLDER, VirtualFree with
 * MEM_PRESERVE_PLACEHOLDER / MEM_COALESCE_PLACEHOLDERS, MapViewOfFile3 and
 * UnmapViewOfFile2), including the ring-buffer pattern from the
 * VirtualAlloc2 documentation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "_pe_test.h"
#include "wine/test.h"

static mm_VirtualAlloc2 pVirtualAlloc2;
static mm_MapViewOfFile3 pMapViewOfFile3;
static mm_UnmapViewOfFile2 pUnmapViewOfFile2;

static const SIZE_T size = 0x80000;

#define check_region( p, s, st, t ) check_region_( __LINE__, p, s, st, t )
static void check_region_( int line, void *p, SIZE_T expect_size, DWORD state, DWORD type )
{
    MEMORY_BASIC_INFORMATION info;

    ok_( __FILE__, line )( mm_query( p, &info ), "VirtualQuery(%p) failed\n", p );
    ok_( __FILE__, line )( info.BaseAddress == p && info.RegionSize == expect_size && info.State == state &&
                           info.Type == type,
                           "region %p: base %p size %#Ix state %#lx type %#lx, expected size %#Ix state %#lx type %#lx\n",
                           p, info.BaseAddress, info.RegionSize, info.State, info.Type, expect_size, state, type );
}

/* A placeholder of total bytes, or NULL (a todo_wine check under Wine 8.0, which has none;
 * Wine 10.0 has them). */
#define new_placeholder( total ) new_placeholder_( __LINE__, total )
static char *new_placeholder_( int line, SIZE_T total )
{
    char *p;

    /* VirtualAlloc2 (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualalloc2):
     * MEM_RESERVE_PLACEHOLDER "Reserves a placeholder ... with MEM_RESERVE" (kernelbase/tests/
     * process.c test_VirtualAlloc2: "Placeholder splitting functionality", todo_wine there). */
    SetLastError( 0xdeadbeef );
    p = pVirtualAlloc2( NULL, NULL, total, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS, NULL, 0 );
    todo_wine_if( mm_wine_version() < 1000 )
    ok_( __FILE__, line )( p != NULL, "placeholder of %#Ix bytes failed, error %lu\n", total, GetLastError() );
    return p;
}

static void test_VirtualAlloc_refuses_placeholder_flag(void)
{
    char *p;

    /* ntdll/tests/virtual.c test_NtAllocateVirtualMemoryEx: placeholders need the Ex call;
     * NtAllocateVirtualMemory (behind VirtualAlloc) fails with STATUS_INVALID_PARAMETER. */
    SetLastError( 0xdeadbeef );
    p = VirtualAlloc( NULL, 0x10000, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "VirtualAlloc(MEM_RESERVE_PLACEHOLDER): %p error %lu\n",
        p, GetLastError() );
    if (p) VirtualFree( p, 0, MEM_RELEASE );
}

static void test_VirtualAlloc2_placeholder_is_reserved_noaccess(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *p;

    if (!(p = new_placeholder( 2 * size ))) return;

    /* test_VirtualAlloc2: a placeholder reads as a MEM_RESERVE, MEM_PRIVATE region with
     * AllocationProtect PAGE_NOACCESS. */
    ok( mm_query( p, &info ), "VirtualQuery failed\n" );
    ok( info.AllocationBase == p && info.AllocationProtect == PAGE_NOACCESS && info.State == MEM_RESERVE &&
        info.Type == MEM_PRIVATE && info.RegionSize == 2 * size,
        "placeholder base %p protect %#lx state %#lx type %#lx size %#Ix\n", info.AllocationBase,
        info.AllocationProtect, info.State, info.Type, info.RegionSize );

    /* Being reserved, it cannot be touched. */
    mm_install_fault_handler();
    mm_reset_fault();
    mm_probe_read( p + 0x1000 );
    ok( mm_last_fault.count == 1 && mm_last_fault.code == STATUS_ACCESS_VIOLATION,
        "read of a placeholder: %ld faults code %#lx\n", mm_last_fault.count, mm_last_fault.code );

    ok( VirtualFree( p, 0, MEM_RELEASE ), "releasing a placeholder failed, error %lu\n", GetLastError() );
    ok( mm_query( p, &info ) && info.State == MEM_FREE, "released placeholder state %#lx\n", info.State );
}

static void test_VirtualFree_MEM_PRESERVE_PLACEHOLDER_splits(void)
{
    char *p;

    if (!(p = new_placeholder( 2 * size ))) return;

    /* VirtualFree (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualfree):
     * "To split a placeholder into two placeholders, specify MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER."
     * test_VirtualAlloc2 "Split in three regions": splitting out a middle part leaves three
     * placeholders. */
    ok( VirtualFree( p + size / 2, size / 4, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER ), "split failed, error %lu\n",
        GetLastError() );
    check_region( p, size / 2, MEM_RESERVE, MEM_PRIVATE );
    check_region( p + size / 2, size / 4, MEM_RESERVE, MEM_PRIVATE );
    check_region( p + size / 2 + size / 4, 2 * size - size / 2 - size / 4, MEM_RESERVE, MEM_PRIVATE );

    /* Each piece is now its own allocation and is released on its own. */
    ok( VirtualFree( p + size / 2, 0, MEM_RELEASE ), "releasing the middle failed, error %lu\n", GetLastError() );
    check_region( p + size / 2, size / 4, MEM_FREE, 0 );
    check_region( p, size / 2, MEM_RESERVE, MEM_PRIVATE );
    ok( VirtualFree( p, 0, MEM_RELEASE ), "releasing the first part failed\n" );
    ok( VirtualFree( p + size / 2 + size / 4, 0, MEM_RELEASE ), "releasing the last part failed\n" );
}

static void test_VirtualFree_MEM_COALESCE_PLACEHOLDERS(void)
{
    char *p;

    if (!(p = new_placeholder( 2 * size ))) return;
    ok( VirtualFree( p, size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER ), "split failed, error %lu\n", GetLastError() );
    check_region( p, size, MEM_RESERVE, MEM_PRIVATE );

    /* VirtualFree, MEM_COALESCE_PLACEHOLDERS: "To coalesce two adjacent placeholders, specify
     * MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS. When you coalesce placeholders, lpAddress and dwSize
     * must exactly match the overall range of the placeholders to be coalesced." */
    ok( !VirtualFree( p, size + 0x10000, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS ),
        "coalescing a range that is not the whole set succeeded\n" );
    ok( VirtualFree( p, 2 * size, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS ), "coalesce failed, error %lu\n",
        GetLastError() );
    check_region( p, 2 * size, MEM_RESERVE, MEM_PRIVATE );
    ok( VirtualFree( p, 0, MEM_RELEASE ), "release failed\n" );
}

static void test_VirtualAlloc2_MEM_REPLACE_PLACEHOLDER(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *p, *q;

    if (!(p = new_placeholder( 2 * size ))) return;
    ok( VirtualFree( p, size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER ), "split failed, error %lu\n", GetLastError() );

    /* VirtualAlloc2, MEM_REPLACE_PLACEHOLDER: "Replaces a placeholder with a normal private
     * allocation ... BaseAddress and Size must exactly match those of the placeholder". A size that
     * does not match fails. */
    q = pVirtualAlloc2( NULL, p, size / 2, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0 );
    ok( !q, "replacing half a placeholder succeeded\n" );
    q = pVirtualAlloc2( NULL, p, size, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0 );
    ok( q == p, "MEM_REPLACE_PLACEHOLDER returned %p, expected %p, error %lu\n", q, p, GetLastError() );
    if (q)
    {
        ok( mm_query( p, &info ), "VirtualQuery failed\n" );
        ok( info.AllocationBase == p && info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE &&
            info.Type == MEM_PRIVATE && info.RegionSize == size,
            "replaced placeholder base %p state %#lx protect %#lx type %#lx size %#Ix\n", info.AllocationBase,
            info.State, info.Protect, info.Type, info.RegionSize );
        ok( !p[0] && !p[size - 1], "replaced placeholder not zeroed\n" );
        p[100] = 1;

        /* VirtualFree, MEM_PRESERVE_PLACEHOLDER: "Frees an allocation back to a placeholder (after
         * you've replaced a placeholder with a private allocation using VirtualAlloc2 ...)". */
        ok( VirtualFree( p, size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER ), "freeing back to a placeholder failed, "
            "error %lu\n", GetLastError() );
        ok( mm_query( p, &info ), "VirtualQuery failed\n" );
        ok( info.State == MEM_RESERVE && info.RegionSize == size && info.AllocationProtect == PAGE_NOACCESS,
            "back to placeholder: state %#lx size %#Ix protect %#lx\n", info.State, info.RegionSize,
            info.AllocationProtect );

        /* It can be replaced again, and the old contents are gone. */
        q = pVirtualAlloc2( NULL, p, size, MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0 );
        ok( q == p, "second replacement returned %p, error %lu\n", q, GetLastError() );
        if (q) ok( !p[100], "old contents survived\n" );
    }
    VirtualFree( p, 0, MEM_RELEASE );
    VirtualFree( p + size, 0, MEM_RELEASE );
}

static void test_MapViewOfFile3_replaces_placeholder(void)
{
    MEMORY_BASIC_INFORMATION info;
    HANDLE section;
    char *p, *view;

    if (!pMapViewOfFile3 || !pUnmapViewOfFile2)
    {
        win_skip( "MapViewOfFile3 or UnmapViewOfFile2 is missing\n" );
        return;
    }
    if (!(p = new_placeholder( 2 * size ))) return;
    ok( VirtualFree( p, size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER ), "split failed, error %lu\n", GetLastError() );

    section = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, NULL );
    ok( section != NULL, "CreateFileMapping failed\n" );

    /* MapViewOfFile3 (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-mapviewoffile3):
     * MEM_REPLACE_PLACEHOLDER "Specifies that the base address is a placeholder to be replaced"
     * (test_VirtualAlloc2 maps a section into both halves of a split placeholder). */
    view = pMapViewOfFile3( section, GetCurrentProcess(), p + size, 0, size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE,
                            NULL, 0 );
    ok( view == p + size, "MapViewOfFile3 returned %p, expected %p, error %lu\n", view, p + size, GetLastError() );
    if (view)
    {
        ok( mm_query( view, &info ), "VirtualQuery failed\n" );
        ok( info.AllocationBase == view && info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE &&
            info.Type == MEM_MAPPED && info.RegionSize == size,
            "view base %p state %#lx protect %#lx type %#lx size %#Ix\n", info.AllocationBase, info.State,
            info.Protect, info.Type, info.RegionSize );
        check_region( p, size, MEM_RESERVE, MEM_PRIVATE );

        /* UnmapViewOfFile2 (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-unmapviewoffile2):
         * MEM_PRESERVE_PLACEHOLDER "Unmaps a mapped view back to a placeholder region". */
        ok( pUnmapViewOfFile2( GetCurrentProcess(), view, MEM_PRESERVE_PLACEHOLDER ), "UnmapViewOfFile2 failed, "
            "error %lu\n", GetLastError() );
        ok( mm_query( view, &info ) && info.State == MEM_RESERVE && info.RegionSize == size && info.Type == MEM_PRIVATE,
            "after unmap: state %#lx size %#Ix type %#lx\n", info.State, info.RegionSize, info.Type );

        /* The two placeholders can now be joined again. */
        ok( VirtualFree( p, 2 * size, MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS ), "coalesce failed, error %lu\n",
            GetLastError() );
        check_region( p, 2 * size, MEM_RESERVE, MEM_PRIVATE );
        VirtualFree( p, 0, MEM_RELEASE );
    }
    else
    {
        VirtualFree( p, 0, MEM_RELEASE );
        VirtualFree( p + size, 0, MEM_RELEASE );
    }
    CloseHandle( section );
}

static void test_ring_buffer_with_placeholders(void)
{
    HANDLE section;
    char *p, *view1, *view2;

    if (!pMapViewOfFile3) return;
    /* VirtualAlloc2, "Scenario 1. Create a ring buffer by mapping two adjacent views of the same
     * shared memory section": reserve a placeholder twice the buffer size, split it, map the section
     * into each half; writes past the end of the first view land at the start of the buffer. */
    if (!(p = new_placeholder( 2 * size ))) return;
    ok( VirtualFree( p, size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER ), "split failed, error %lu\n", GetLastError() );
    section = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, size, NULL );
    ok( section != NULL, "CreateFileMapping failed\n" );
    view1 = pMapViewOfFile3( section, NULL, p, 0, size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0 );
    view2 = pMapViewOfFile3( section, NULL, p + size, 0, size, MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0 );
    ok( view1 == p && view2 == p + size, "views %p %p, expected %p %p, error %lu\n", view1, view2, p, p + size,
        GetLastError() );
    if (view1 && view2)
    {
        memcpy( view1 + size - 4, "wrap-around", 12 );  /* runs 8 bytes into view2 */
        /* the compiler cannot know view2 aliases the start of view1 */
        __asm__ __volatile__( "" ::: "memory" );
        ok( !memcmp( view1, "-around", 8 ), "buffer start holds \"%.7s\"\n", view1 );
        ok( !memcmp( view2 + size - 4, "wrap", 4 ), "second view end holds \"%.4s\"\n", view2 + size - 4 );
    }
    if (view1) UnmapViewOfFile( view1 ); else VirtualFree( p, 0, MEM_RELEASE );
    if (view2) UnmapViewOfFile( view2 ); else VirtualFree( p + size, 0, MEM_RELEASE );
    CloseHandle( section );
}

START_TEST(placeholder)
{
    pVirtualAlloc2 = (mm_VirtualAlloc2)mm_kernelbase_proc( "VirtualAlloc2" );
    pMapViewOfFile3 = (mm_MapViewOfFile3)mm_kernelbase_proc( "MapViewOfFile3" );
    pUnmapViewOfFile2 = (mm_UnmapViewOfFile2)mm_kernelbase_proc( "UnmapViewOfFile2" );
    if (!pVirtualAlloc2)
    {
        win_skip( "VirtualAlloc2 is missing (before Windows 10 1803)\n" );
        return;
    }

    test_VirtualAlloc_refuses_placeholder_flag();
    test_VirtualAlloc2_placeholder_is_reserved_noaccess();
    test_VirtualFree_MEM_PRESERVE_PLACEHOLDER_splits();
    test_VirtualFree_MEM_COALESCE_PLACEHOLDERS();
    test_VirtualAlloc2_MEM_REPLACE_PLACEHOLDER();
    test_MapViewOfFile3_replaces_placeholder();
    test_ring_buffer_with_placeholders();
}

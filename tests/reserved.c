/*
 * Native tests: host-reserved areas (ntdll_mm_add_reserved_area / ntdll_mm_remove_reserved_area,
 * the core's mm_add_reserved_area).
 *
 * A host such as Wine keeps address ranges for NT by mapping them PROT_NONE itself (Wine's
 * preloader reserves the low 2 GB so that nothing of Linux lands there).  For NT such a range
 * is free address space: allocations and views are placed there over the reservation, and
 * releasing them gives the reservation back instead of leaving a hole.  Each scenario here
 * plays the host: it maps a range PROT_NONE (MAP_NORESERVE) where the library's own bottom-up
 * search would go first, registers it, and checks NT's view and the kernel's.
 *
 * Sources: the behaviour Wine 8.0's dlls/ntdll/unix/virtual.c gives its reserved areas (views
 * and allocations inside them, released ranges re-reserved); for NT itself the range is plain
 * free memory, so the expected NT results are those of the other test files.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "section_util.h"
#include "image_util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define AREA_SIZE ((SIZE_T)16 << 20)

/* ---- the test host ------------------------------------------------------------------------ */

/* Reserve AREA_SIZE bytes PROT_NONE where a bottom-up NT allocation of that size would land
 * now (the lowest free range that fits), and register it.  NULL (reported) on failure. */
#define host_reserve() host_reserve_( __LINE__ )
static char *host_reserve_( int line )
{
    char *area = find_free_range( AREA_SIZE );
    void *p;
    NTSTATUS status;

    if (!area)
    {
        mmtest_ok( __FILE__, line, 0, "no free range of %#lx bytes\n", (unsigned long)AREA_SIZE );
        return NULL;
    }
    p = mmap( area, AREA_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0 );
    if (p != area)
    {
        mmtest_ok( __FILE__, line, 0, "cannot reserve %p: got %p\n", area, p );
        if (p != MAP_FAILED) munmap( p, AREA_SIZE );
        return NULL;
    }
    status = ntdll_mm_add_reserved_area( area, area + AREA_SIZE );
    mmtest_ok( __FILE__, line, status == STATUS_SUCCESS, "add reserved area %p: %s\n", area, status_name( status ) );
    if (status)
    {
        munmap( area, AREA_SIZE );
        return NULL;
    }
    return area;
}

/* the host gives the area up: unmap it, then tell the library */
#define host_release_area( area ) host_release_area_( __LINE__, area )
static void host_release_area_( int line, char *area )
{
    NTSTATUS status;

    munmap( area, AREA_SIZE );
    status = ntdll_mm_remove_reserved_area( area, area + AREA_SIZE );
    mmtest_ok( __FILE__, line, status == STATUS_SUCCESS, "remove reserved area %p: %s\n", area, status_name( status ) );
}

/* [addr, addr+size) is mapped, all of it, as the host's reservation: "---p", anonymous */
static int is_reservation( const void *addr, SIZE_T size )
{
    static char maps[1 << 20];
    uintptr_t pos = (uintptr_t)addr, end = pos + size;
    size_t len = read_maps( maps, sizeof(maps) - 1 );
    char *line = maps;

    maps[len] = 0;
    while (line && *line && pos < end)
    {
        unsigned long long start, stop, inode;
        char perms[8];
        char *next = strchr( line, '\n' );

        if (next) *next++ = 0;
        if (sscanf( line, "%llx-%llx %7s %*s %*s %llu", &start, &stop, perms, &inode ) == 4 && stop > pos)
        {
            if (start > pos) return 0;   /* a hole */
            if (strcmp( perms, "---p" ) || inode) return 0;
            pos = stop;
        }
        line = next;
    }
    return pos >= end;
}

#define check_reservation( addr, size ) \
    ok( is_reservation( addr, size ), "%p-%p is not the host's PROT_NONE reservation\n", (void *)(addr), \
        (char *)(addr) + (size) )

static NTSTATUS alloc_at( void *addr, SIZE_T size, ULONG type, ULONG prot, void **ret )
{
    SIZE_T s = size;
    *ret = addr;
    return nt_alloc( ret, &s, type, prot );
}

static NTSTATUS alloc_in_window( char *lo, char *hi, SIZE_T size, ULONG type, ULONG prot, void **ret )
{
    MEM_ADDRESS_REQUIREMENTS req;
    MEM_EXTENDED_PARAMETER param;
    SIZE_T s = size;

    memset( &req, 0, sizeof(req) );
    memset( &param, 0, sizeof(param) );
    req.LowestStartingAddress = lo;
    req.HighestEndingAddress = hi - 1;
    param.Type = MemExtendedParameterAddressRequirements;
    param.Pointer = &req;
    *ret = NULL;
    return NtAllocateVirtualMemoryEx( NtCurrentProcess(), ret, &s, type, prot, &param, 1 );
}

/* ---- scenarios ------------------------------------------------------------------------------ */

/* before registration the reservation is somebody else's memory; after it, free for NT */
TEST(reserved_area_is_free_address_space)
{
    char *area = find_free_range( AREA_SIZE ), *p;
    MEMORY_BASIC_INFORMATION mbi;
    void *ret;
    NTSTATUS status;

    if (!area) return;
    p = mmap( area, AREA_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0 );
    ok( p == area, "cannot reserve %p\n", area );
    if (p != area) return;

    ok( !query( area, &mbi ) && mbi.State == MEM_COMMIT && mbi.Protect == PAGE_NOACCESS,
        "unregistered: state %#x protect %#x, expected foreign memory\n", (unsigned int)mbi.State,
        (unsigned int)mbi.Protect );
    status = alloc_at( area, GRAN, MEM_RESERVE, PAGE_NOACCESS, &ret );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "unregistered: allocation over it got %s\n", status_name( status ) );

    status = ntdll_mm_add_reserved_area( area, area + AREA_SIZE );
    ok( status == STATUS_SUCCESS, "add: %s\n", status_name( status ) );
    check_free( area, AREA_SIZE );
    check_free( area + AREA_SIZE / 2, AREA_SIZE / 2 );
    check_invariants();
    /* registering it twice, or an overlapping range, merges */
    ok( !ntdll_mm_add_reserved_area( area, area + AREA_SIZE / 2 ), "add again\n" );
    check_free( area, AREA_SIZE );

    /* removed: it is foreign memory again */
    status = ntdll_mm_remove_reserved_area( area, area + AREA_SIZE );
    ok( status == STATUS_SUCCESS, "remove: %s\n", status_name( status ) );
    ok( !query( area + GRAN, &mbi ) && mbi.State == MEM_COMMIT, "removed: state %#x\n", (unsigned int)mbi.State );
    munmap( area, AREA_SIZE );
    ok( !ntdll_mm_remove_reserved_area( area, area + AREA_SIZE ), "remove the now empty area\n" );

    ok( ntdll_mm_add_reserved_area( area, area ) == STATUS_INVALID_PARAMETER, "empty area accepted\n" );
    ok( ntdll_mm_add_reserved_area( area + 1, area + AREA_SIZE ) == STATUS_INVALID_PARAMETER, "misaligned area accepted\n" );
}

/* the bottom-up search places memory inside the area, over the reservation; a release puts
 * the reservation back (no hole, no pages) */
TEST(reserved_area_bottom_up_allocation_lands_inside)
{
    char *area = host_reserve(), *p;
    SIZE_T size = AREA_SIZE;
    void *ret = NULL;
    NTSTATUS status;

    if (!area) return;
    status = nt_alloc( &ret, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && ret == area, "allocation got %s at %p, expected %p\n", status_name( status ), ret,
        area );
    if (!status)
    {
        p = ret;
        check_mbi( p, p, AREA_SIZE, MEM_COMMIT, PAGE_READWRITE, p, PAGE_READWRITE, MEM_PRIVATE );
        check_kernel_perms( p, "rw-" );
        p[0] = 1;
        p[AREA_SIZE - 1] = 2;
        ok( p[0] == 1 && p[AREA_SIZE - 1] == 2, "memory does not hold data\n" );
        check_invariants();
        release( p );
        check_free( area, AREA_SIZE );
        check_reservation( area, AREA_SIZE );
        ok( page_present( area ) != 1, "released page still present\n" );
        check_invariants();
    }
    host_release_area( area );
}

TEST(reserved_area_fixed_address_inside)
{
    char *area = host_reserve(), *p = area + 0x100000;
    void *ret;
    SIZE_T size;
    NTSTATUS status;

    if (!area) return;
    status = alloc_at( p, 2 * GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, &ret );
    ok( status == STATUS_SUCCESS && ret == p, "fixed allocation got %s at %p\n", status_name( status ), ret );
    if (!status)
    {
        memset( p, 0x5a, 2 * GRAN );
        /* the neighbours are still free, and still reserved in the kernel */
        check_free( p - GRAN, GRAN );
        check_free( p + 2 * GRAN, GRAN );
        check_reservation( p - GRAN, GRAN );
        check_reservation( p + 2 * GRAN, GRAN );
        /* a second allocation there conflicts */
        status = alloc_at( p + GRAN, GRAN, MEM_RESERVE, PAGE_NOACCESS, &ret );
        ok( status == STATUS_CONFLICTING_ADDRESSES, "overlapping allocation got %s\n", status_name( status ) );

        /* decommit inside the area: reserved, PROT_NONE, contents gone */
        ret = p + PAGE;
        size = PAGE;
        status = nt_free( &ret, &size, MEM_DECOMMIT );
        ok( status == STATUS_SUCCESS, "decommit got %s\n", status_name( status ) );
        check_mbi( p + PAGE, p + PAGE, PAGE, MEM_RESERVE, 0, p, PAGE_READWRITE, MEM_PRIVATE );
        check_kernel_perms( p + PAGE, "---" );
        ok( page_present( p + PAGE ) != 1, "decommitted page still present\n" );
        ret = p + PAGE;
        status = alloc_at( p + PAGE, PAGE, MEM_COMMIT, PAGE_READWRITE, &ret );
        ok( status == STATUS_SUCCESS && p[PAGE] == 0 && p[0] == 0x5a, "recommit got %s, %#x %#x\n",
            status_name( status ), p[PAGE], p[0] );
        check_invariants();
        release( p );
        check_reservation( p, 2 * GRAN );
        check_free( area, AREA_SIZE );
    }
    check_invariants();
    host_release_area( area );
}

/* MEM_ADDRESS_REQUIREMENTS windows and zero_bits limits inside the area */
TEST(reserved_area_windows_and_zero_bits)
{
    char *area = host_reserve();
    void *ret, *top;
    SIZE_T size;
    uintptr_t limit;
    NTSTATUS status;

    if (!area) return;
    status = alloc_in_window( area, area + AREA_SIZE, GRAN, MEM_RESERVE, PAGE_NOACCESS, &ret );
    ok( status == STATUS_SUCCESS && ret == area, "bottom-up in window got %s at %p, expected %p\n",
        status_name( status ), ret, area );
    status = alloc_in_window( area, area + AREA_SIZE, GRAN, MEM_RESERVE | MEM_TOP_DOWN, PAGE_NOACCESS, &top );
    ok( status == STATUS_SUCCESS && top == area + AREA_SIZE - GRAN, "top-down in window got %s at %p, expected %p\n",
        status_name( status ), top, area + AREA_SIZE - GRAN );
    if (ret == area) release( ret );
    if (top == area + AREA_SIZE - GRAN) release( top );
    check_reservation( area, AREA_SIZE );

    /* a zero_bits mask whose limit falls inside the area: a top-down allocation ends just below */
    for (limit = 1; limit <= (uintptr_t)area + GRAN; limit <<= 1) ;
    if (limit > (uintptr_t)area + AREA_SIZE)
        skip( "no power of two inside the area at %p\n", area );
    else
    {
        ret = NULL;
        size = GRAN;
        status = NtAllocateVirtualMemory( NtCurrentProcess(), &ret, limit - 1, &size, MEM_RESERVE | MEM_TOP_DOWN,
                                          PAGE_NOACCESS );
        ok( status == STATUS_SUCCESS && (uintptr_t)ret == limit - GRAN, "zero_bits %#lx: %s at %p, expected %#lx\n",
            (unsigned long)(limit - 1), status_name( status ), ret, (unsigned long)(limit - GRAN) );
        if (!status) release( ret );
        /* and bottom-up it starts at the area */
        ret = NULL;
        size = GRAN;
        status = NtAllocateVirtualMemory( NtCurrentProcess(), &ret, limit - 1, &size, MEM_RESERVE, PAGE_NOACCESS );
        ok( status == STATUS_SUCCESS && ret == area, "zero_bits %#lx bottom-up: %s at %p\n", (unsigned long)(limit - 1),
            status_name( status ), ret );
        if (!status) release( ret );
    }
    check_reservation( area, AREA_SIZE );
    check_invariants();
    host_release_area( area );
}

/* an allocation across the area's upper edge: the outside part is mapped normally, the inside
 * part over the reservation; a release unmaps the one and re-reserves the other */
TEST(reserved_area_allocation_across_the_edge)
{
    char *area = host_reserve(), *p;
    void *ret;
    NTSTATUS status;

    if (!area) return;
    p = area + AREA_SIZE - GRAN;
    if (!kernel_range_unmapped( area + AREA_SIZE, GRAN ))
    {
        skip( "something is mapped above the area\n" );
        host_release_area( area );
        return;
    }
    status = alloc_at( p, 2 * GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, &ret );
    ok( status == STATUS_SUCCESS && ret == p, "allocation across the edge got %s at %p\n", status_name( status ), ret );
    if (!status)
    {
        p[0] = 1;
        p[2 * GRAN - 1] = 2;
        check_mbi( p, p, 2 * GRAN, MEM_COMMIT, PAGE_READWRITE, p, PAGE_READWRITE, MEM_PRIVATE );
        check_invariants();
        release( p );
        check_reservation( p, GRAN );
        ok( kernel_range_unmapped( area + AREA_SIZE, GRAN ), "the outside part is still mapped\n" );
    }
    check_invariants();
    host_release_area( area );
}

/* something the host maps inside its area behind the library's back is never replaced */
TEST(reserved_area_foreign_mapping_inside_is_kept)
{
    char *area = host_reserve(), *f;
    void *ret;
    NTSTATUS status;

    if (!area) return;
    f = mmap( area, GRAN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0 );
    ok( f == area, "host mapping got %p\n", f );
    f[0] = 0x77;
    status = alloc_at( area, GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, &ret );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "allocation over the host's mapping got %s\n", status_name( status ) );
    ok( f[0] == 0x77, "the host's mapping was replaced\n" );
    /* the bottom-up search now goes around it */
    ret = NULL;
    status = alloc_in_window( area, area + AREA_SIZE, GRAN, MEM_RESERVE, PAGE_NOACCESS, &ret );
    ok( status == STATUS_SUCCESS && ret == area + GRAN, "window allocation got %s at %p, expected %p\n",
        status_name( status ), ret, area + GRAN );
    if (!status) release( ret );
    ok( f[0] == 0x77, "the host's mapping was replaced\n" );
    check_invariants();
    host_release_area( area );
}

/* views of sections inside the area, at a fixed address and placed by the search */
TEST(reserved_area_views)
{
    char *area = host_reserve(), *v;
    HANDLE section;
    LARGE_INTEGER size = { .QuadPart = 2 * GRAN };
    LARGE_INTEGER offset = { .QuadPart = 0 };
    MEM_ADDRESS_REQUIREMENTS req;
    MEM_EXTENDED_PARAMETER param;
    void *addr;
    SIZE_T vsize;
    NTSTATUS status;

    if (!area) return;
    status = NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, &size, PAGE_READWRITE, SEC_COMMIT, NULL );
    ok( status == STATUS_SUCCESS, "NtCreateSection got %s\n", status_name( status ) );
    if (status)
    {
        host_release_area( area );
        return;
    }
    addr = area + 0x200000;
    vsize = 0;
    status = NtMapViewOfSection( section, NtCurrentProcess(), &addr, 0, 0, &offset, &vsize, ViewShare, 0, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && addr == area + 0x200000, "fixed view got %s at %p\n", status_name( status ), addr );
    if (!status)
    {
        v = addr;
        check_mbi( v, v, 2 * GRAN, MEM_COMMIT, PAGE_READWRITE, v, PAGE_READWRITE, MEM_MAPPED );
        v[0] = 0x42;
        check_invariants();
        ok( NtUnmapViewOfSection( NtCurrentProcess(), v ) == STATUS_SUCCESS, "unmap\n" );
        check_reservation( v, 2 * GRAN );
        check_free( v, 2 * GRAN );
    }

    /* placed by the search within a window on the area: lands at its start */
    memset( &req, 0, sizeof(req) );
    memset( &param, 0, sizeof(param) );
    req.LowestStartingAddress = area;
    req.HighestEndingAddress = area + AREA_SIZE - 1;
    param.Type = MemExtendedParameterAddressRequirements;
    param.Pointer = &req;
    addr = NULL;
    vsize = 0;
    status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &addr, &offset, &vsize, 0, PAGE_READWRITE, &param, 1 );
    ok( status == STATUS_SUCCESS && addr == area, "view in window got %s at %p, expected %p\n", status_name( status ),
        addr, area );
    if (!status)
    {
        v = addr;
        ok( v[0] == 0x42, "the view does not show the section's data: %#x\n", v[0] );
        ok( NtUnmapViewOfSection( NtCurrentProcess(), v ) == STATUS_SUCCESS, "unmap\n" );
    }
    NtClose( section );
    check_reservation( area, AREA_SIZE );
    check_invariants();
    host_release_area( area );
}

/* placeholders inside the area: split, replaced, released */
TEST(reserved_area_placeholders)
{
    char *area = host_reserve(), *ph;
    void *ret;
    SIZE_T size;
    NTSTATUS status;

    if (!area) return;
    ph = area + 0x400000;
    ret = ph;
    size = 4 * GRAN;
    status = NtAllocateVirtualMemoryEx( NtCurrentProcess(), &ret, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER,
                                        PAGE_NOACCESS, NULL, 0 );
    ok( status == STATUS_SUCCESS && ret == ph, "placeholder got %s at %p\n", status_name( status ), ret );
    if (!status)
    {
        check_mbi( ph, ph, 4 * GRAN, MEM_RESERVE, 0, ph, PAGE_NOACCESS, MEM_PRIVATE );
        /* split off the first 64K and replace it with committed memory */
        ret = ph;
        size = GRAN;
        status = NtFreeVirtualMemory( NtCurrentProcess(), &ret, &size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER );
        ok( status == STATUS_SUCCESS, "split got %s\n", status_name( status ) );
        ret = ph;
        size = GRAN;
        status = NtAllocateVirtualMemoryEx( NtCurrentProcess(), &ret, &size,
                                            MEM_RESERVE | MEM_COMMIT | MEM_REPLACE_PLACEHOLDER, PAGE_READWRITE, NULL, 0 );
        ok( status == STATUS_SUCCESS && ret == ph, "replace got %s at %p\n", status_name( status ), ret );
        if (!status)
        {
            ph[0] = 3;
            check_mbi( ph, ph, GRAN, MEM_COMMIT, PAGE_READWRITE, ph, PAGE_READWRITE, MEM_PRIVATE );
        }
        check_mbi( ph + GRAN, ph + GRAN, 3 * GRAN, MEM_RESERVE, 0, ph + GRAN, PAGE_NOACCESS, MEM_PRIVATE );
        check_invariants();
        release( ph );
        release( ph + GRAN );
        check_reservation( ph, 4 * GRAN );
        check_free( area, AREA_SIZE );
    }
    check_invariants();
    host_release_area( area );
}

/* an image view placed inside the area at an address given (not at its preferred base) is
 * mapped there, STATUS_IMAGE_NOT_AT_BASE, as the image is before NT decides where it belongs:
 * its headers keep the preferred base, from which the loader relocates */
TEST(reserved_area_relocated_image_view)
{
    static const char *names[] = { "pe_sample64.dll", "pe_sample32.dll" };
    char *area = host_reserve();

    if (!area) return;
    for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
    {
        char why[256], path[] = "/tmp/ntdll-mm-reserved-XXXXXX";
        size_t len;
        unsigned char *data = load_pe_sample( names[i], &len, why, sizeof(why) );
        uint64_t pref = 0;
        HANDLE file = 0, section;
        void *addr = area + 0x800000;
        SIZE_T vsize = 0;
        uint32_t nt;
        uint64_t base_now;
        int fd, is_64bit = i == 0;
        NTSTATUS status;

        if (!data)
        {
            skip( "%s: %s\n", names[i], why );
            continue;
        }
        if (!is_64bit && (uintptr_t)area + AREA_SIZE > 0x80000000)
        {
            /* a 32-bit image must stay below 2 GiB */
            skip( "%s: the area at %p is above 2 GiB\n", names[i], area );
            free( data );
            continue;
        }
        nt = *(const uint32_t *)(data + 0x3c);
        pref = is_64bit ? *(const uint64_t *)(data + nt + 24 + 24) : *(const uint32_t *)(data + nt + 24 + 28);
        fd = mkstemp( path );
        ok( fd >= 0 && write( fd, data, len ) == (ssize_t)len, "cannot write %s\n", path );
        unlink( path );
        ok( !ntdll_mm_file_handle_from_fd( fd, GENERIC_READ | GENERIC_EXECUTE, &file ), "file handle\n" );
        close( fd );
        status = NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, SEC_IMAGE, file );
        ok( status == STATUS_SUCCESS, "%s: NtCreateSection got %s\n", names[i], status_name( status ) );
        NtClose( file );
        free( data );
        if (status) continue;
        status = NtMapViewOfSection( section, NtCurrentProcess(), &addr, 0, 0, NULL, &vsize, ViewShare, 0,
                                     PAGE_EXECUTE_WRITECOPY );
        ok( status == STATUS_IMAGE_NOT_AT_BASE && addr == area + 0x800000, "%s: view got %s at %p\n", names[i],
            status_name( status ), addr );
        if (NT_SUCCESS( status ))
        {
            const unsigned char *h = addr;
            nt = *(const uint32_t *)(h + 0x3c);
            base_now = is_64bit ? *(const uint64_t *)(h + nt + 24 + 24) : *(const uint32_t *)(h + nt + 24 + 28);
            ok( base_now == pref, "%s: header ImageBase %#llx, expected the preferred %#llx (view at %p)\n",
                names[i], (unsigned long long)base_now, (unsigned long long)pref, addr );
            check_invariants();
            ok( NtUnmapViewOfSection( NtCurrentProcess(), addr ) == STATUS_SUCCESS, "%s: unmap\n", names[i] );
            check_reservation( addr, vsize );
        }
        NtClose( section );
    }
    check_free( area, AREA_SIZE );
    check_invariants();
    host_release_area( area );
}

/*
 * Large pages: MEM_LARGE_PAGES allocations and SEC_LARGE_PAGES sections, from the kernel's
 * hugetlb pool.  The caller needs SeLockMemoryPrivilege (modelled by
 * ntdll_mm_set_lock_memory_privilege); size and address are multiples of the large-page
 * minimum; MEM_RESERVE | MEM_COMMIT together; an empty pool fails with
 * STATUS_INSUFFICIENT_RESOURCES (ERROR_NO_SYSTEM_RESOURCES) instead of quietly using small
 * pages; the working-set query reports LargePage.
 *
 * Native rules: Microsoft's "Large-Page Support" and VirtualAlloc (MEM_LARGE_PAGES: "The size
 * and alignment must be a multiple of the large-page minimum ... you must also specify
 * MEM_RESERVE and MEM_COMMIT"), CreateFileMapping (SEC_LARGE_PAGES "must be specified with
 * SEC_COMMIT"; kernel32 test_CreateFileMapping refuses SEC_RESERVE | SEC_LARGE_PAGES), and
 * GetLargePageMinimum (2 MiB on x86_64).  The pool tests need root to size
 * /proc/sys/vm/nr_hugepages; they restore it and skip, saying why, without root.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "util.h"


#define LARGE 0x200000

static long read_pool( const char *field )
{
    char line[256];
    long v = -1;
    FILE *f = fopen( "/proc/meminfo", "re" );
    size_t n = strlen( field );

    if (!f) return -1;
    while (fgets( line, sizeof(line), f ))
        if (!strncmp( line, field, n ) && line[n] == ':') sscanf( line + n + 1, "%ld", &v );
    fclose( f );
    return v;
}

/* set the pool size; returns the old size, or -1 if it cannot be changed here */
static long set_pool( long pages )
{
    long old = read_pool( "HugePages_Total" );
    FILE *f;

    if (old < 0 || getuid() != 0) return -1;
    if (!(f = fopen( "/proc/sys/vm/nr_hugepages", "we" ))) return -1;
    fprintf( f, "%ld\n", pages );
    if (fclose( f )) return -1;
    return old;
}

static void restore_pool( long old )
{
    if (old >= 0) set_pool( old );
}

static NTSTATUS alloc_large( void **base, SIZE_T size, ULONG type, ULONG prot )
{
    *base = NULL;
    return NtAllocateVirtualMemory( NtCurrentProcess(), base, 0, &size, type, prot );
}

static NTSTATUS create_large_section( HANDLE *section, LONGLONG size, ULONG flags )
{
    LARGE_INTEGER sz = { .QuadPart = size };
    *section = 0;
    return NtCreateSection( section, SECTION_ALL_ACCESS, NULL, &sz, PAGE_READWRITE, flags, NULL );
}

TEST(large_page_minimum_is_2mb)
{
    struct ntdll_mm_kernel_info info;

    ntdll_mm_get_kernel_info( &info );
    if (!info.large_page_size)
    {
        skip( "the kernel has no hugetlb support\n" );
        return;
    }
    ok( info.large_page_size == LARGE, "large page size %#lx, expected 0x200000\n", (unsigned long)info.large_page_size );
}

TEST(MEM_LARGE_PAGES_needs_the_privilege)
{
    void *p;
    HANDLE section;
    NTSTATUS status;

    ntdll_mm_set_lock_memory_privilege( FALSE );
    status = alloc_large( &p, LARGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE );
    ok( status == STATUS_PRIVILEGE_NOT_HELD, "MEM_LARGE_PAGES: got %s, expected STATUS_PRIVILEGE_NOT_HELD\n",
        status_name( status ) );
    ok( !p, "address returned: %p\n", p );
    status = create_large_section( &section, LARGE, SEC_COMMIT | SEC_LARGE_PAGES );
    ok( status == STATUS_PRIVILEGE_NOT_HELD, "SEC_LARGE_PAGES: got %s, expected STATUS_PRIVILEGE_NOT_HELD\n",
        status_name( status ) );
    if (!status) NtClose( section );
}

TEST(MEM_LARGE_PAGES_parameter_rules)
{
    static const struct { SIZE_T size; ULONG type; ULONG_PTR addr; } bad[] =
    {
        { LARGE / 2, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, 0 },              /* below the minimum */
        { LARGE + 0x1000, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, 0 },         /* not a multiple */
        { LARGE, MEM_RESERVE | MEM_LARGE_PAGES, 0 },                               /* no MEM_COMMIT */
        { LARGE, MEM_COMMIT | MEM_LARGE_PAGES, 0 },                                /* no MEM_RESERVE */
        { LARGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES | MEM_WRITE_WATCH, 0 },
        { LARGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, 0x40010000 },         /* address not aligned */
    };
    HANDLE section;
    BOOLEAN old;
    NTSTATUS status;

    old = ntdll_mm_set_lock_memory_privilege( TRUE );
    ok( !old, "privilege was already enabled\n" );
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
    {
        void *p = (void *)bad[i].addr;
        SIZE_T size = bad[i].size;
        status = NtAllocateVirtualMemory( NtCurrentProcess(), &p, 0, &size, bad[i].type, PAGE_READWRITE );
        ok( status == STATUS_INVALID_PARAMETER, "row %u: got %s, expected STATUS_INVALID_PARAMETER\n", i,
            status_name( status ) );
        if (!status) release( p );
    }
    status = create_large_section( &section, LARGE, SEC_RESERVE | SEC_LARGE_PAGES );
    ok( status == STATUS_INVALID_PARAMETER, "SEC_RESERVE | SEC_LARGE_PAGES: got %s\n", status_name( status ) );
    status = create_large_section( &section, LARGE, SEC_LARGE_PAGES );
    ok( status == STATUS_INVALID_PARAMETER, "SEC_LARGE_PAGES alone: got %s\n", status_name( status ) );
    status = create_large_section( &section, LARGE + 0x1000, SEC_COMMIT | SEC_LARGE_PAGES );
    ok( status == STATUS_INVALID_PARAMETER, "size not in large pages: got %s\n", status_name( status ) );
    ntdll_mm_set_lock_memory_privilege( FALSE );
}

/* an empty pool: the allocation fails, nothing is mapped, no small-page fallback */
TEST(MEM_LARGE_PAGES_empty_pool_fails)
{
    long old = set_pool( 0 );
    HANDLE section;
    void *p;
    NTSTATUS status;

    if (read_pool( "HugePages_Free" ) != 0)
    {
        skip( "the hugetlb pool is not empty and cannot be emptied here (needs root)\n" );
        restore_pool( old );
        return;
    }
    ntdll_mm_set_lock_memory_privilege( TRUE );
    status = alloc_large( &p, LARGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE );
    ok( status == STATUS_INSUFFICIENT_RESOURCES, "got %s, expected STATUS_INSUFFICIENT_RESOURCES\n", status_name( status ) );
    ok( !p, "address returned: %p\n", p );
    if (!status) release( p );
    status = create_large_section( &section, LARGE, SEC_COMMIT | SEC_LARGE_PAGES );
    ok( status == STATUS_INSUFFICIENT_RESOURCES, "section: got %s, expected STATUS_INSUFFICIENT_RESOURCES\n",
        status_name( status ) );
    if (!status) NtClose( section );
    ntdll_mm_set_lock_memory_privilege( FALSE );
    restore_pool( old );
}

TEST(MEM_LARGE_PAGES_from_the_pool)
{
    long old = set_pool( read_pool( "HugePages_Total" ) + 4 );
    MEMORY_WORKING_SET_EX_INFORMATION ws;
    MEMORY_BASIC_INFORMATION mbi;
    char *p;
    void *addr;
    SIZE_T size;
    ULONG prot;
    NTSTATUS status;

    if (read_pool( "HugePages_Free" ) < 2)
    {
        skip( "fewer than 2 free huge pages and the pool cannot be grown here (needs root)\n" );
        restore_pool( old );
        return;
    }
    ntdll_mm_set_lock_memory_privilege( TRUE );
    status = alloc_large( (void **)&p, 2 * LARGE, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    if (status) goto done;
    ok( !((ULONG_PTR)p & (LARGE - 1)), "%p not aligned to a large page\n", p );
    check_mbi( p, p, 2 * LARGE, MEM_COMMIT, PAGE_READWRITE, p, PAGE_READWRITE, MEM_PRIVATE );
    p[0] = 1;
    p[2 * LARGE - 1] = 2;
    ws.VirtualAddress = p + 0x5000;
    status = NtQueryVirtualMemory( NtCurrentProcess(), NULL, MemoryWorkingSetExInformation, &ws, sizeof(ws), NULL );
    ok( !status, "working set: %s\n", status_name( status ) );
    ok( ws.VirtualAttributes.Valid && ws.VirtualAttributes.LargePage, "Valid %u LargePage %u, expected 1 1\n",
        (unsigned int)ws.VirtualAttributes.Valid, (unsigned int)ws.VirtualAttributes.LargePage );
    {
        char buf[4096];
        ok( !ntdll_mm_check_invariants( buf, sizeof(buf) ), "invariants: %s\n", buf );
    }

    /* a large page has one protection and is committed whole */
    addr = p; size = 0x1000;
    status = NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, PAGE_READONLY, &prot );
    ok( status == STATUS_INVALID_PARAMETER, "protect 4K: got %s\n", status_name( status ) );
    addr = p + LARGE; size = LARGE;
    status = NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, PAGE_READONLY, &prot );
    ok( status == STATUS_SUCCESS && prot == PAGE_READWRITE, "protect a large page: got %s old %#x\n",
        status_name( status ), (unsigned int)prot );
    ok( !query( p + LARGE, &mbi ) && mbi.Protect == PAGE_READONLY && mbi.RegionSize == LARGE,
        "second large page: protect %#x size %#lx\n", (unsigned int)mbi.Protect, (unsigned long)mbi.RegionSize );
    ok( p[2 * LARGE - 1] == 2, "contents lost\n" );
    addr = p; size = LARGE;
    status = NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_INVALID_PARAMETER, "decommit: got %s\n", status_name( status ) );
    release( p );

    /* a large-page section: two views see the same memory */
    {
        HANDLE section;
        void *v1 = NULL, *v2 = NULL;
        SIZE_T s1 = 0, s2 = 0;

        status = create_large_section( &section, LARGE, SEC_COMMIT | SEC_LARGE_PAGES );
        ok( status == STATUS_SUCCESS, "section: got %s\n", status_name( status ) );
        if (!status)
        {
            ok( !NtMapViewOfSection( section, NtCurrentProcess(), &v1, 0, 0, NULL, &s1, ViewShare, 0, PAGE_READWRITE ),
                "view 1\n" );
            ok( !NtMapViewOfSection( section, NtCurrentProcess(), &v2, 0, 0, NULL, &s2, ViewShare, 0, PAGE_READWRITE ),
                "view 2\n" );
            if (v1 && v2)
            {
                ok( !((ULONG_PTR)v1 & (LARGE - 1)) && s1 == LARGE, "view %p size %#lx\n", v1, (unsigned long)s1 );
                strcpy( (char *)v1 + 100, "large" );
                ok( !strcmp( (char *)v2 + 100, "large" ), "views not coherent\n" );
                /* a view of large pages is large pages too: reported so, one protection per page */
                ws.VirtualAddress = (char *)v1 + 0x3000;
                (void)*(volatile char *)ws.VirtualAddress;
                status = NtQueryVirtualMemory( NtCurrentProcess(), NULL, MemoryWorkingSetExInformation, &ws, sizeof(ws), NULL );
                ok( !status && ws.VirtualAttributes.Valid && ws.VirtualAttributes.LargePage,
                    "view: %s Valid %u LargePage %u\n", status_name( status ), (unsigned int)ws.VirtualAttributes.Valid,
                    (unsigned int)ws.VirtualAttributes.LargePage );
                addr = v1; size = 0x1000;
                status = NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, PAGE_READONLY, &prot );
                ok( status == STATUS_INVALID_PARAMETER, "protect 4K of a large-page view: got %s\n", status_name( status ) );
            }
            if (v1) NtUnmapViewOfSection( NtCurrentProcess(), v1 );
            if (v2) NtUnmapViewOfSection( NtCurrentProcess(), v2 );
            NtClose( section );
        }
    }
done:
    ntdll_mm_set_lock_memory_privilege( FALSE );
    restore_pool( old );
}

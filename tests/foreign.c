/*
 * Memory the library did not allocate: the program's own mmap()s, the malloc heap, the stack,
 * the executable's code and read-only data.  NtQueryVirtualMemory reports it truthfully
 * (committed, with the protection the kernel has), and NtFreeVirtualMemory (release and
 * decommit), NtProtectVirtualMemory and MEM_COMMIT / MEM_RESERVE over it fail and leave it
 * intact: contents, /proc/self/maps permissions, and the mapping itself.
 *
 * The point 2 ("cannot be freed, decommitted or reprotected through the API by
 * accident") is the specification; which failure status is not specified, so any failure is
 * accepted for free/decommit/protect, except that a reservation or commit over it must be
 * STATUS_CONFLICTING_ADDRESSES as for any occupied range (ntdll test, ReactOS apitest).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "util.h"

static const char rodata_string[0x2000] = "a read-only string in the executable";

static int foreign_function( int x )
{
    return x * 3 + 1;
}

static void check_foreign_query( const char *what, const void *addr, ULONG prot )
{
    MEMORY_BASIC_INFORMATION mbi;
    NTSTATUS status = query( addr, &mbi );

    ok( status == STATUS_SUCCESS, "%s: got %s, expected STATUS_SUCCESS\n", what, status_name( status ) );
    if (status) return;
    ok( mbi.BaseAddress == (void *)((ULONG_PTR)addr & ~(ULONG_PTR)0xfff), "%s: BaseAddress %p for %p\n", what,
        mbi.BaseAddress, addr );
    ok( mbi.State == MEM_COMMIT, "%s: State %#x, expected MEM_COMMIT\n", what, (unsigned int)mbi.State );
    ok( mbi.Protect == prot, "%s: Protect %#x, expected %#x\n", what, (unsigned int)mbi.Protect, (unsigned int)prot );
    ok( mbi.RegionSize && !(mbi.RegionSize & 0xfff), "%s: RegionSize %#lx\n", what, (unsigned long)mbi.RegionSize );
    ok( mbi.AllocationBase && (char *)mbi.AllocationBase <= (char *)mbi.BaseAddress, "%s: AllocationBase %p\n", what,
        mbi.AllocationBase );
    ok( mbi.Type == MEM_PRIVATE || mbi.Type == MEM_MAPPED || mbi.Type == MEM_IMAGE, "%s: Type %#x\n", what,
        (unsigned int)mbi.Type );
}

/* Every modifying call on addr must fail and leave the page and the kernel's map alone. */
static void check_untouchable( const char *what, void *addr, SIZE_T len )
{
    char before[5], after[5], saved[64];
    void *base;
    SIZE_T size;
    ULONG old = 0xdeadbeef;
    NTSTATUS status;

    ok( kernel_perms( addr, before ), "%s: %p not in /proc/self/maps\n", what, addr );
    memcpy( saved, addr, sizeof(saved) );

    base = addr; size = 0;
    status = nt_free( &base, &size, MEM_RELEASE );
    ok( status != STATUS_SUCCESS, "%s: MEM_RELEASE succeeded\n", what );
    base = (void *)((ULONG_PTR)addr & ~(ULONG_PTR)0xfff); size = 0;
    status = nt_free( &base, &size, MEM_RELEASE );
    ok( status != STATUS_SUCCESS, "%s: MEM_RELEASE at the page succeeded\n", what );
    base = addr; size = len;
    status = nt_free( &base, &size, MEM_RELEASE );
    ok( status != STATUS_SUCCESS, "%s: MEM_RELEASE with size succeeded\n", what );
    base = addr; size = len;
    status = nt_free( &base, &size, MEM_DECOMMIT );
    ok( status != STATUS_SUCCESS, "%s: MEM_DECOMMIT succeeded\n", what );
    base = addr; size = 0;
    status = nt_free( &base, &size, MEM_DECOMMIT );
    ok( status != STATUS_SUCCESS, "%s: MEM_DECOMMIT with size 0 succeeded\n", what );

    status = nt_protect( addr, len, PAGE_NOACCESS, &old );
    ok( status != STATUS_SUCCESS, "%s: protect to PAGE_NOACCESS succeeded\n", what );
    status = nt_protect( addr, len, PAGE_READONLY, &old );
    ok( status != STATUS_SUCCESS, "%s: protect to PAGE_READONLY succeeded\n", what );
    ok( old == 0xdeadbeef, "%s: old protection written (%#x)\n", what, (unsigned int)old );

    base = addr; size = len;
    status = nt_alloc( &base, &size, MEM_COMMIT, PAGE_NOACCESS );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "%s: MEM_COMMIT got %s, expected STATUS_CONFLICTING_ADDRESSES\n", what,
        status_name( status ) );
    base = addr; size = len;
    status = nt_alloc( &base, &size, MEM_RESERVE, PAGE_NOACCESS );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "%s: MEM_RESERVE got %s, expected STATUS_CONFLICTING_ADDRESSES\n", what,
        status_name( status ) );
    base = addr; size = len;
    status = nt_alloc( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "%s: MEM_RESERVE|MEM_COMMIT got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        what, status_name( status ) );

    ok( !memcmp( saved, addr, sizeof(saved) ), "%s: contents changed\n", what );
    ok( kernel_perms( addr, after ) && !strcmp( before, after ), "%s: kernel permissions %s, were %s\n", what, after, before );
}

struct untouchable_arg
{
    const char *what;
    void *addr;
    SIZE_T len;
};

static void untouchable_child( void *arg )
{
    struct untouchable_arg *a = arg;
    check_untouchable( a->what, a->addr, a->len );
}

/* A library bug here could unmap or protect the stack or the code under our feet: run the
 * attempts in a child, which reports its own failures. */
static void check_untouchable_in_child( const char *what, void *addr, SIZE_T len )
{
    struct untouchable_arg a = { what, addr, len };
    int st = run_in_child( untouchable_child, &a );

    ok( st != -1 && WIFEXITED( st ), "%s: child died (status %#x, signal %d)\n", what, st,
        WIFSIGNALED( st ) ? WTERMSIG( st ) : 0 );
}

TEST(foreign_mmap_is_reported_and_untouchable)
{
    char *map = mmap( NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );
    MEMORY_BASIC_INFORMATION mbi;

    ok( map != MAP_FAILED, "mmap failed\n" );
    if (map == MAP_FAILED) return;
    memset( map, 0x3c, 0x4000 );
    mprotect( map + 0x1000, 0x1000, PROT_READ );
    mprotect( map + 0x2000, 0x1000, PROT_READ | PROT_EXEC );

    check_foreign_query( "mmap rw", map, PAGE_READWRITE );
    check_foreign_query( "mmap r", map + 0x1000, PAGE_READONLY );
    check_foreign_query( "mmap rx", map + 0x2000, PAGE_EXECUTE_READ );
    check_foreign_query( "mmap rw tail", map + 0x3abc, PAGE_READWRITE );
    /* the run of equal protection stops where the kernel's protection changes */
    if (!query( map, &mbi ))
        ok( mbi.RegionSize == 0x1000, "mmap rw: RegionSize %#lx, expected 0x1000\n", (unsigned long)mbi.RegionSize );
    if (!query( map + 0x1000, &mbi ))
        ok( mbi.RegionSize == 0x1000, "mmap r: RegionSize %#lx, expected 0x1000\n", (unsigned long)mbi.RegionSize );
    if (!query( map + 0x2000, &mbi ))
        ok( mbi.RegionSize == 0x1000, "mmap rx: RegionSize %#lx, expected 0x1000\n", (unsigned long)mbi.RegionSize );

    check_untouchable_in_child( "mmap rw", map, 0x1000 );
    check_untouchable_in_child( "mmap r", map + 0x1000, 0x1000 );
    check_untouchable_in_child( "mmap whole", map, 0x4000 );
    ok( (unsigned char)map[0x3fff] == 0x3c, "mmap contents changed\n" );
    ok( !munmap( map, 0x4000 ), "munmap failed\n" );
}

TEST(foreign_heap_is_reported_and_untouchable)
{
    char *small = malloc( 100 ), *big = malloc( 1 << 20 );

    ok( small && big, "malloc failed\n" );
    if (!small || !big)
    {
        free( small );
        free( big );
        return;
    }
    memset( small, 0x11, 100 );
    memset( big, 0x22, 1 << 20 );
    check_foreign_query( "malloc small", small, PAGE_READWRITE );
    check_foreign_query( "malloc big", big + 0x12345, PAGE_READWRITE );
    check_untouchable_in_child( "malloc small", small, 64 );
    check_untouchable_in_child( "malloc big", big + 0x10000, 0x1000 );
    ok( small[99] == 0x11 && big[(1 << 20) - 1] == 0x22, "heap contents changed\n" );
    free( small );
    free( big );
}

TEST(foreign_stack_is_reported_and_untouchable)
{
    volatile char buf[256];

    memset( (char *)buf, 0x77, sizeof(buf) );
    check_foreign_query( "stack", (char *)buf, PAGE_READWRITE );
    check_untouchable_in_child( "stack", (char *)buf, 128 );
    ok( buf[255] == 0x77, "stack contents changed\n" );
}

TEST(foreign_executable_is_reported_and_untouchable)
{
    char *code = (char *)foreign_function;
    char *ro = (char *)rodata_string + 0x1000;

    check_foreign_query( "text", code, PAGE_EXECUTE_READ );
    check_foreign_query( "rodata", ro, PAGE_READONLY );
    check_untouchable_in_child( "text", code, 16 );
    check_untouchable_in_child( "rodata", ro, 16 );
    ok( foreign_function( 2 ) == 7, "code no longer runs\n" );
    ok( !strcmp( rodata_string, "a read-only string in the executable" ), "rodata changed\n" );
}

/* A mapping made behind the library's back in a range it has seen free: a fixed reservation
 * over it conflicts (and must not replace it), allocations the system places avoid it, and
 * once it is unmapped the range is free again for NtQueryVirtualMemory and for allocation. */
TEST(foreign_mapping_appearing_and_disappearing)
{
    char *hole = find_free_range( 0x40000 ), *map;
    MEMORY_BASIC_INFORMATION mbi;
    void *addr;
    SIZE_T size;
    NTSTATUS status;
    unsigned int i;

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }
    check_free( hole, 0x40000 );
    map = mmap( hole + 0x18000, 0x1000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0 );
    ok( map == hole + 0x18000, "mmap at %p failed: %p\n", hole + 0x18000, map );
    if (map != hole + 0x18000) return;
    memset( map, 0x7e, 0x1000 );

    check_foreign_query( "late mmap", map, PAGE_READWRITE );
    check_free( hole, 0x18000 );
    if (!query( hole, &mbi ))
        ok( mbi.RegionSize == 0x18000, "free run before the mapping: %#lx, expected 0x18000\n", (unsigned long)mbi.RegionSize );

    addr = hole; size = 0x20000;
    status = nt_alloc( &addr, &size, MEM_RESERVE, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "reserve over it: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        status_name( status ) );
    if (!status) release( addr );
    addr = hole + 0x10000; size = 0x10000;
    status = nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_CONFLICTING_ADDRESSES, "reserve of its granule: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
        status_name( status ) );
    if (!status) release( addr );
    ok( (unsigned char)map[0] == 0x7e && (unsigned char)map[0xfff] == 0x7e, "mapping contents changed\n" );
    check_kernel_perms( map, "rw-" );

    /* the granule below it is still usable */
    addr = hole; size = 0x10000;
    status = nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && addr == hole, "reserve below it: got %s at %p\n", status_name( status ), addr );
    if (!status) release( addr );

    /* system-placed allocations never overlap it */
    for (i = 0; i < 64; i++)
    {
        void *base = NULL;
        size = 0x10000;
        if (nt_alloc( &base, &size, MEM_RESERVE, PAGE_NOACCESS )) break;
        ok( (char *)base + size <= map || (char *)base >= map + 0x1000, "allocation %p overlaps the mapping\n", base );
        release( base );
    }

    ok( !munmap( map, 0x1000 ), "munmap failed\n" );
    check_free( hole + 0x18000, 0x8000 );
    addr = hole + 0x10000; size = 0x10000;
    status = nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS && addr == hole + 0x10000, "reserve after munmap: got %s at %p\n", status_name( status ), addr );
    if (!status)
    {
        check_mbi( hole + 0x18000, hole + 0x18000, 0x8000, MEM_COMMIT, PAGE_READWRITE, hole + 0x10000, PAGE_READWRITE, MEM_PRIVATE );
        ok( hole[0x18000] == 0, "new allocation not zero\n" );
        release( addr );
    }
}

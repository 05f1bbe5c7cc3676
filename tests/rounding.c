/*
 * Rounding of base and size, table-driven: reserve (base down to 64K, end up to a page),
 * commit / decommit / protect (base down to a page, end up to the page end of base + size),
 * release.  Each row: input offset and size from a 64K-aligned free area, flags, expected
 * status, expected returned base offset and size.  A failing call must leave both outputs as
 * they were.
 *
 * Rows come from: ReactOS apitest NtAllocateVirtualMemory.c CheckSize/CheckAlignment (reserve;
 * run on Windows), Wine 8.0 dlls/ntdll/tests/virtual.c test_NtAllocateVirtualMemory
 * (decommit/release), ReactOS apitest NtFreeVirtualMemory.c (release/decommit past the end),
 * kernel32 test_VirtualAlloc (0xfffc bytes reserve 0x10000).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "util.h"

struct row
{
    ULONG_PTR off;          /* input base offset from the area (ULONG_PTR)-1: NULL base */
    SIZE_T size;            /* input size */
    ULONG flags;            /* allocation / free type, or new protection */
    NTSTATUS status;        /* expected status */
    ULONG_PTR exp_off;      /* expected returned base offset */
    SIZE_T exp_size;        /* expected returned size */
};

#define NULL_BASE ((ULONG_PTR)-1)

static void check_row( const char *op, unsigned int i, const struct row *r, NTSTATUS status, char *area,
                       void *base, SIZE_T size )
{
    ok( status == r->status, "%s row %u (+%#lx, %#lx, %#x): got %s, expected %s\n", op, i, (unsigned long)r->off,
        (unsigned long)r->size, (unsigned int)r->flags, status_name( status ), status_name( r->status ) );
    if (r->status == STATUS_SUCCESS && r->off != NULL_BASE)
    {
        ok( base == area + r->exp_off, "%s row %u: base %p (+%#lx), expected %p (+%#lx)\n", op, i, base,
            (unsigned long)((char *)base - area), area + r->exp_off, (unsigned long)r->exp_off );
    }
    if (r->status == STATUS_SUCCESS)
        ok( size == r->exp_size, "%s row %u: size %#lx, expected %#lx\n", op, i, (unsigned long)size,
            (unsigned long)r->exp_size );
    if (r->status != STATUS_SUCCESS && r->off != NULL_BASE)
        ok( base == area + r->off && size == r->size, "%s row %u: outputs changed to %p %#lx, expected %p %#lx\n", op, i,
            base, (unsigned long)size, area + r->off, (unsigned long)r->size );
}

TEST(NtAllocateVirtualMemory_reserve_rounding)
{
    static const struct row rows[] =
    {
        { 0,       1,       MEM_RESERVE,              STATUS_SUCCESS, 0,       0x1000 },
        { 0x8000,  1,       MEM_RESERVE,              STATUS_SUCCESS, 0,       0x9000 },
        { 0x10,    0x1000,  MEM_RESERVE,              STATUS_SUCCESS, 0,       0x2000 },
        { 0x10000, 0x2000,  MEM_RESERVE,              STATUS_SUCCESS, 0x10000, 0x2000 },
        { 0xffff,  0x3000,  MEM_RESERVE,              STATUS_SUCCESS, 0,       0x13000 },
        { 0x1010,  0x7000,  MEM_RESERVE,              STATUS_SUCCESS, 0,       0x9000 },
        { 0x1010,  0xc000,  MEM_RESERVE,              STATUS_SUCCESS, 0,       0xe000 },
        { 0x1010,  0x1000,  MEM_RESERVE,              STATUS_SUCCESS, 0,       0x3000 },
        { 0x1ffff, 1,       MEM_RESERVE,              STATUS_SUCCESS, 0x10000, 0x10000 },
        { 0x4080,  0x1000,  MEM_RESERVE | MEM_COMMIT, STATUS_SUCCESS, 0,       0x6000 },
        { 0x10001, 0xffff,  MEM_RESERVE | MEM_COMMIT, STATUS_SUCCESS, 0x10000, 0x10000 },
        { 0x10001, 0x10000, MEM_RESERVE | MEM_COMMIT, STATUS_SUCCESS, 0x10000, 0x11000 },
        { 0,       0x30000, MEM_RESERVE,              STATUS_SUCCESS, 0,       0x30000 },
        { NULL_BASE, 1,       MEM_RESERVE,            STATUS_SUCCESS, 0,       0x1000 },
        { NULL_BASE, 0xfffc,  MEM_RESERVE,            STATUS_SUCCESS, 0,       0x10000 },
        { NULL_BASE, 0x1001,  MEM_RESERVE,            STATUS_SUCCESS, 0,       0x2000 },
        { NULL_BASE, 0x10001, MEM_RESERVE | MEM_COMMIT, STATUS_SUCCESS, 0,     0x11000 },
        { NULL_BASE, 0x1fff,  MEM_COMMIT,             STATUS_SUCCESS, 0,       0x2000 },
    };
    char *area = find_free_range( 0x40000 );
    unsigned int i;

    if (!area)
    {
        skip( "no free range\n" );
        return;
    }
    for (i = 0; i < ARRAY_SIZE(rows); i++)
    {
        const struct row *r = &rows[i];
        void *base = r->off == NULL_BASE ? NULL : area + r->off;
        SIZE_T size = r->size;
        NTSTATUS status = nt_alloc( &base, &size, r->flags, PAGE_READWRITE );

        check_row( "reserve", i, r, status, area, base, size );
        if (status) continue;
        ok( !((ULONG_PTR)base & (GRAN - 1)), "reserve row %u: base %p not 64K-aligned\n", i, base );
        check_mbi( base, base, r->exp_size, (r->flags & MEM_COMMIT) ? MEM_COMMIT : MEM_RESERVE,
                   (r->flags & MEM_COMMIT) ? PAGE_READWRITE : 0, base, PAGE_READWRITE, MEM_PRIVATE );
        release( base );
    }
}

/* Commit inside a fresh 0x20000 reservation at the area: base down to a page, end up. */
TEST(NtAllocateVirtualMemory_commit_rounding)
{
    static const struct row rows[] =
    {
        { 0x1fff,  2,       MEM_COMMIT, STATUS_SUCCESS, 0x1000,  0x2000 },
        { 0x1001,  0x1000,  MEM_COMMIT, STATUS_SUCCESS, 0x1000,  0x2000 },
        { 0x2000,  1,       MEM_COMMIT, STATUS_SUCCESS, 0x2000,  0x1000 },
        { 0x2fff,  1,       MEM_COMMIT, STATUS_SUCCESS, 0x2000,  0x1000 },
        { 0,       0x10001, MEM_COMMIT, STATUS_SUCCESS, 0,       0x11000 },
        { 0x1ffff, 1,       MEM_COMMIT, STATUS_SUCCESS, 0x1f000, 0x1000 },
        { 0x10,    0x1fff0, MEM_COMMIT, STATUS_SUCCESS, 0,       0x20000 },
        { 0x1f000, 0x1001,  MEM_COMMIT, STATUS_CONFLICTING_ADDRESSES },
        { 0x1ffff, 2,       MEM_COMMIT, STATUS_CONFLICTING_ADDRESSES },
        { 0x20000, 1,       MEM_COMMIT, STATUS_CONFLICTING_ADDRESSES },
    };
    char *area = find_free_range( 0x30000 );
    unsigned int i;

    if (!area)
    {
        skip( "no free range\n" );
        return;
    }
    for (i = 0; i < ARRAY_SIZE(rows); i++)
    {
        const struct row *r = &rows[i];
        void *base = area;
        SIZE_T size = 0x20000;
        NTSTATUS status;

        if (nt_alloc( &base, &size, MEM_RESERVE, PAGE_NOACCESS ))
        {
            ok( 0, "commit row %u: reserve failed\n", i );
            continue;
        }
        base = area + r->off;
        size = r->size;
        status = nt_alloc( &base, &size, r->flags, PAGE_READONLY );
        check_row( "commit", i, r, status, area, base, size );
        if (!status)
        {
            check_mbi( area + r->exp_off, area + r->exp_off, r->exp_size, MEM_COMMIT, PAGE_READONLY, area, PAGE_NOACCESS,
                       MEM_PRIVATE );
            check_kernel_perms( area + r->exp_off, "r--" );
            check_kernel_perms( area + r->exp_off + r->exp_size - 1, "r--" );
        }
        else check_mbi( area, area, 0x20000, MEM_RESERVE, 0, area, PAGE_NOACCESS, MEM_PRIVATE );
        release( area );
    }
}

/* Decommit inside a fresh committed 0x20000 allocation at the area. */
TEST(NtFreeVirtualMemory_decommit_rounding)
{
    static const struct row rows[] =
    {
        { 0x1fff,  2,      MEM_DECOMMIT, STATUS_SUCCESS, 0x1000,  0x2000 },
        { 0x1001,  0x1000, MEM_DECOMMIT, STATUS_SUCCESS, 0x1000,  0x2000 },
        { 0x10,    0x10,   MEM_DECOMMIT, STATUS_SUCCESS, 0,       0x1000 },
        { 0xfff,   1,      MEM_DECOMMIT, STATUS_SUCCESS, 0,       0x1000 },
        { 0x1f000, 0x1000, MEM_DECOMMIT, STATUS_SUCCESS, 0x1f000, 0x1000 },
        { 0x1f001, 0xfff,  MEM_DECOMMIT, STATUS_SUCCESS, 0x1f000, 0x1000 },
        { 0,       0x20000, MEM_DECOMMIT, STATUS_SUCCESS, 0,      0x20000 },
        { 0xffe,   0,      MEM_DECOMMIT, STATUS_SUCCESS, 0,       0 },      /* size 0 at the base page: all */
        { 0x1001,  0,      MEM_DECOMMIT, STATUS_FREE_VM_NOT_AT_BASE },
        { 0x1f000, 0x1001, MEM_DECOMMIT, STATUS_UNABLE_TO_FREE_VM },
        { 0x1ffff, 2,      MEM_DECOMMIT, STATUS_UNABLE_TO_FREE_VM },
    };
    char *area = find_free_range( 0x30000 );
    unsigned int i;

    if (!area)
    {
        skip( "no free range\n" );
        return;
    }
    for (i = 0; i < ARRAY_SIZE(rows); i++)
    {
        const struct row *r = &rows[i];
        void *base = area;
        SIZE_T size = 0x20000;
        NTSTATUS status;

        if (nt_alloc( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ))
        {
            ok( 0, "decommit row %u: alloc failed\n", i );
            continue;
        }
        base = area + r->off;
        size = r->size;
        status = nt_free( &base, &size, r->flags );
        check_row( "decommit", i, r, status, area, base, size );
        if (!status)
        {
            SIZE_T len = r->exp_size ? r->exp_size : 0x20000;
            check_mbi( area + r->exp_off, area + r->exp_off, len, MEM_RESERVE, 0, area, PAGE_READWRITE, MEM_PRIVATE );
            check_kernel_perms( area + r->exp_off, "---" );
            ok( page_present( area + r->exp_off + len - 1 ) == 0, "decommit row %u: last page still present\n", i );
        }
        else check_mbi( area, area, 0x20000, MEM_COMMIT, PAGE_READWRITE, area, PAGE_READWRITE, MEM_PRIVATE );
        release( area );
    }
}

/* Protect inside a fresh committed PAGE_READWRITE 0x20000 allocation, to PAGE_READONLY.  The
 * failure status past the end is ambiguous (see protect.c): checked as "some
 * ERROR_INVALID_ADDRESS status" separately below the table. */
TEST(NtProtectVirtualMemory_rounding)
{
    static const struct row rows[] =
    {
        { 0x1fff,  2,      PAGE_READONLY, STATUS_SUCCESS, 0x1000,  0x2000 },
        { 0x10,    1,      PAGE_READONLY, STATUS_SUCCESS, 0,       0x1000 },
        { 0xfff,   0x1002, PAGE_READONLY, STATUS_SUCCESS, 0,       0x3000 },
        { 0x1f001, 0xfff,  PAGE_READONLY, STATUS_SUCCESS, 0x1f000, 0x1000 },
        { 0,       0x20000, PAGE_READONLY, STATUS_SUCCESS, 0,      0x20000 },
        { 0x5555,  0x5555, PAGE_READONLY, STATUS_SUCCESS, 0x5000,  0x6000 },
    };
    char *area = find_free_range( 0x30000 );
    unsigned int i;

    if (!area)
    {
        skip( "no free range\n" );
        return;
    }
    for (i = 0; i <= ARRAY_SIZE(rows); i++)
    {
        void *base = area;
        SIZE_T size = 0x20000;
        ULONG old = 0xdeadbeef;
        NTSTATUS status;

        if (nt_alloc( &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ))
        {
            ok( 0, "protect row %u: alloc failed\n", i );
            continue;
        }
        if (i == ARRAY_SIZE(rows))
        {
            base = area + 0x1f000;
            size = 0x1001;
            status = NtProtectVirtualMemory( NtCurrentProcess(), &base, &size, PAGE_READONLY, &old );
            ok( is_invalid_address( status ), "protect past the end: got %s\n", status_name( status ) );
            ok( base == area + 0x1f000 && size == 0x1001, "protect past the end: outputs changed to %p %#lx\n", base,
                (unsigned long)size );
            check_mbi( area, area, 0x20000, MEM_COMMIT, PAGE_READWRITE, area, PAGE_READWRITE, MEM_PRIVATE );
        }
        else
        {
            const struct row *r = &rows[i];
            base = area + r->off;
            size = r->size;
            status = NtProtectVirtualMemory( NtCurrentProcess(), &base, &size, r->flags, &old );
            check_row( "protect", i, r, status, area, base, size );
            ok( old == PAGE_READWRITE, "protect row %u: old %#x\n", i, (unsigned int)old );
            if (!status)
            {
                check_mbi( area + r->exp_off, area + r->exp_off, r->exp_size, MEM_COMMIT, PAGE_READONLY, area,
                           PAGE_READWRITE, MEM_PRIVATE );
                check_kernel_perms( area + r->exp_off + r->exp_size - 1, "r--" );
                if (r->exp_off) check_kernel_perms( area + r->exp_off - 1, "rw-" );
            }
        }
        release( area );
    }
}

/* Release of a fresh 0x10000 allocation (0x4000 committed at the start). */
TEST(NtFreeVirtualMemory_release_rounding)
{
    static const struct row rows[] =
    {
        { 0,      0,       MEM_RELEASE, STATUS_SUCCESS, 0, 0x10000 },
        { 0xfff,  0,       MEM_RELEASE, STATUS_SUCCESS, 0, 0x10000 },
        { 0,      0x10000, MEM_RELEASE, STATUS_SUCCESS, 0, 0x10000 },
        { 0x10,   0xfff0,  MEM_RELEASE, STATUS_SUCCESS, 0, 0x10000 },
        { 0x1001, 0,       MEM_RELEASE, STATUS_FREE_VM_NOT_AT_BASE },
        { 0x1000, 0,       MEM_RELEASE, STATUS_FREE_VM_NOT_AT_BASE },
        { 0,      0x10001, MEM_RELEASE, STATUS_UNABLE_TO_FREE_VM },
        { 0xffff, 2,       MEM_RELEASE, STATUS_UNABLE_TO_FREE_VM },
    };
    char *area = find_free_range( 0x20000 );
    unsigned int i;

    if (!area)
    {
        skip( "no free range\n" );
        return;
    }
    for (i = 0; i < ARRAY_SIZE(rows); i++)
    {
        const struct row *r = &rows[i];
        void *base = area;
        SIZE_T size = 0x10000;
        NTSTATUS status;

        if (nt_alloc( &base, &size, MEM_RESERVE, PAGE_READWRITE ))
        {
            ok( 0, "release row %u: reserve failed\n", i );
            continue;
        }
        size = 0x4000;
        nt_alloc( &base, &size, MEM_COMMIT, PAGE_READWRITE );
        base = area + r->off;
        size = r->size;
        status = nt_free( &base, &size, r->flags );
        check_row( "release", i, r, status, area, base, size );
        if (!status)
        {
            check_free( area, GRAN );
            ok( kernel_range_unmapped( area, GRAN ), "release row %u: still mapped\n", i );
        }
        else
        {
            check_mbi( area, area, 0x4000, MEM_COMMIT, PAGE_READWRITE, area, PAGE_READWRITE, MEM_PRIVATE );
            release( area );
        }
    }
}

/*
 * A failed call changes nothing: after a batch of invalid NtAllocateVirtualMemory[Ex],
 * NtFreeVirtualMemory and NtProtectVirtualMemory calls, every region NtQueryVirtualMemory
 * reports over the whole user address space, every line of /proc/self/maps and the contents
 * of the memory involved are exactly as before.
 *
 * Each call in the batch is one that native Windows rejects (see alloc.c, free.c, protect.c
 * for the sources of each status); here only "failed" and "nothing changed" are checked, plus
 * the status where it is unambiguous.  The batch runs once before the snapshots so that the
 * library's own lazily created bookkeeping (if any) does not count as a change; a call that
 * leaks a mapping on failure leaks again in the measured run and is caught.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "util.h"

struct region
{
    void *base;
    SIZE_T size;
    void *alloc_base;
    ULONG alloc_prot, state, prot, type;
};

#define MAX_REGIONS 16384
static struct region snap_before[MAX_REGIONS], snap_after[MAX_REGIONS];
static char maps_before[1 << 20], maps_after[1 << 20];

static unsigned int snapshot( struct region *regions )
{
    char *addr = NULL, *highest = ntdll_mm_highest_address();
    unsigned int n = 0;
    MEMORY_BASIC_INFORMATION mbi;

    while (addr <= highest && n < MAX_REGIONS)
    {
        if (NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryBasicInformation, &mbi, sizeof(mbi), NULL )) break;
        regions[n].base = mbi.BaseAddress;
        regions[n].size = mbi.RegionSize;
        regions[n].alloc_base = mbi.AllocationBase;
        regions[n].alloc_prot = mbi.AllocationProtect;
        regions[n].state = mbi.State;
        regions[n].prot = mbi.Protect;
        regions[n].type = mbi.Type;
        n++;
        if (!mbi.RegionSize) break;
        addr = (char *)mbi.BaseAddress + mbi.RegionSize;
    }
    return n;
}

enum op { ALLOC, ALLOC_EX, FREE, PROTECT };

struct bad_call
{
    enum op op;
    HANDLE process;
    char *base;
    SIZE_T size;
    ULONG type;        /* allocation / free type; for ALLOC_EX the alignment requirement */
    ULONG prot;        /* protection; for ALLOC the zero_bits */
    NTSTATUS expect;   /* 0: any failure */
    ULONG_PTR zero_bits;
};

static NTSTATUS do_call( const struct bad_call *c )
{
    void *base = c->base;
    SIZE_T size = c->size;
    ULONG old;

    switch (c->op)
    {
    case ALLOC:
        return NtAllocateVirtualMemory( c->process, &base, c->zero_bits, &size, c->type, c->prot );
    case ALLOC_EX:
    {
        MEM_EXTENDED_PARAMETER ext[2];
        MEM_ADDRESS_REQUIREMENTS req;
        memset( ext, 0, sizeof(ext) );
        memset( &req, 0, sizeof(req) );
        ext[0].Type = MemExtendedParameterAddressRequirements;
        ext[0].Pointer = &req;
        ext[1] = ext[0];
        if (c->type == 1) /* duplicate */
            return NtAllocateVirtualMemoryEx( c->process, &base, &size, MEM_RESERVE, PAGE_READWRITE, ext, 2 );
        if (c->type == 2) /* cannot be satisfied */
        {
            req.HighestEndingAddress = (void *)(0x20001000 - 1);
            req.Alignment = 0x20000000;
        }
        else req.Alignment = c->type;
        return NtAllocateVirtualMemoryEx( c->process, &base, &size, MEM_RESERVE, PAGE_READWRITE, ext, 1 );
    }
    case FREE:
        return NtFreeVirtualMemory( c->process, &base, &size, c->type );
    case PROTECT:
        return NtProtectVirtualMemory( c->process, &base, &size, c->prot, &old );
    }
    return STATUS_SUCCESS;
}

static int is_error( NTSTATUS status )
{
    return ((ULONG)status >> 30) == 3;
}

static void __attribute__((noinline)) grow_stack( void )
{
    volatile char buf[256 * 1024];
    buf[0] = 1;
    buf[sizeof(buf) - 1] = 1;
}

TEST(failed_calls_change_nothing)
{
    char *hole = find_free_range( 0x60000 ), *s, *n, *f;
    void *addr;
    SIZE_T size;
    ULONG old;
    unsigned int i, j, count_before, count_after, diffs = 0;
    size_t maps_len_before, maps_len_after;
    NTSTATUS results[128];
    HANDLE cp = NtCurrentProcess();

    if (!hole)
    {
        skip( "no free range\n" );
        return;
    }
    /* S: 0x20000 reserved, pages 0-3 committed PAGE_READWRITE with a pattern, page 4
     * PAGE_READONLY, the rest reserved.  N: 0x10000 committed right after S.  F: free. */
    s = hole; n = hole + 0x20000; f = hole + 0x30000;
    addr = s; size = 0x20000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE, PAGE_READWRITE ), "reserve S failed\n" );
    addr = s; size = 0x5000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit S failed\n" );
    addr = n; size = 0x10000;
    ok( !nt_alloc( &addr, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ), "alloc N failed\n" );
    for (i = 0; i < 0x5000; i++) s[i] = (char)(i * 7);
    memset( n, 0x6e, 0x10000 );
    ok( !nt_protect( s + 0x4000, 0x1000, PAGE_READONLY, &old ), "protect S failed\n" );

    {
        const struct bad_call calls[] =
        {
            /* allocation */
            { ALLOC, cp, s, 0x1000, MEM_RESERVE, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES },
            { ALLOC, cp, s + 0x1000, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES },
            { ALLOC, cp, s + 0x8000, 0x20000, MEM_RESERVE, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES },
            { ALLOC, cp, s + 0x1f000, 0x2000, MEM_COMMIT, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES },
            { ALLOC, cp, n + 0xf000, 0x2000, MEM_COMMIT, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES },
            { ALLOC, cp, f + 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE, STATUS_CONFLICTING_ADDRESSES },
            { ALLOC, cp, s + 0x6000, 0x1000, MEM_COMMIT, 0, STATUS_INVALID_PAGE_PROTECTION },
            { ALLOC, cp, s + 0x6000, 0x1000, MEM_COMMIT, PAGE_WRITECOPY, STATUS_INVALID_PAGE_PROTECTION },
            { ALLOC, cp, s, 0x1000, MEM_COMMIT, PAGE_READONLY | PAGE_EXECUTE, STATUS_INVALID_PAGE_PROTECTION },
            { ALLOC, cp, s, 0x1000, MEM_COMMIT, PAGE_EXECUTE_WRITECOPY, STATUS_INVALID_PAGE_PROTECTION },
            { ALLOC, cp, s, 0x1000, MEM_COMMIT, PAGE_NOACCESS | PAGE_GUARD, STATUS_INVALID_PAGE_PROTECTION },
            { ALLOC, cp, f, 0x1000, MEM_RESERVE, PAGE_WRITECOPY, STATUS_INVALID_PAGE_PROTECTION },
            { ALLOC, cp, f, 0x1000, 0, PAGE_READWRITE, 0 },
            { ALLOC, cp, f, 0x1000, MEM_RESERVE | AT_ROUND_TO_PAGE, PAGE_READWRITE, 0 },
            { ALLOC, cp, f, 0x1000, MEM_COMMIT | MEM_RESET, PAGE_READWRITE, 0 },
            { ALLOC, cp, f, 0x1000, MEM_WRITE_WATCH, PAGE_READWRITE, 0 },
            { ALLOC, cp, f, 0, MEM_RESERVE, PAGE_READWRITE, 0 },
            { ALLOC, cp, NULL, 0, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, 0 },
            { ALLOC, cp, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, 0, 22 },
            { ALLOC, cp, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, 0, 31 },
            { ALLOC, cp, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, STATUS_NO_MEMORY, 20 },
            { ALLOC, cp, (char *)0x1000, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_PARAMETER_2 },
            { ALLOC, cp, (char *)0x800000000000, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, 0 },
            { ALLOC, cp, f, ~(SIZE_T)0 - 0x10000, MEM_RESERVE, PAGE_READWRITE, 0 },
            { ALLOC, cp, s + 0x1f000, 0x2000, MEM_RESET, PAGE_READWRITE, 0 },
            { ALLOC, cp, f, 0x1000, MEM_RESET, PAGE_READWRITE, 0 },
            { ALLOC, cp, s, 0x1000, MEM_RESET, 0, STATUS_INVALID_PAGE_PROTECTION },
            { ALLOC, NULL, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_HANDLE },
            { ALLOC, (HANDLE)0xdead, f, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, STATUS_INVALID_HANDLE },
            { ALLOC_EX, cp, NULL, 0x1000, 0x8000, 0, STATUS_INVALID_PARAMETER },
            { ALLOC_EX, cp, NULL, 0x1000, 0x30000, 0, STATUS_INVALID_PARAMETER },
            { ALLOC_EX, cp, NULL, 0x1000, 1, 0, STATUS_INVALID_PARAMETER },
            { ALLOC_EX, cp, NULL, 0x2000, 2, 0, STATUS_NO_MEMORY },
            { ALLOC_EX, cp, f, 0x1000, 0x10000, 0, STATUS_INVALID_PARAMETER },
            { ALLOC_EX, NULL, NULL, 0x1000, 0x10000, 0, STATUS_INVALID_HANDLE },
            /* free */
            { FREE, cp, s + 0x1001, 0, MEM_RELEASE, 0, STATUS_FREE_VM_NOT_AT_BASE },
            { FREE, cp, s + 0x1000, 0, MEM_DECOMMIT, 0, STATUS_FREE_VM_NOT_AT_BASE },
            { FREE, cp, s, 0x20001, MEM_RELEASE, 0, STATUS_UNABLE_TO_FREE_VM },
            { FREE, cp, s + 0x1f000, 0x2000, MEM_DECOMMIT, 0, STATUS_UNABLE_TO_FREE_VM },
            { FREE, cp, s, 0x30000, MEM_RELEASE, 0, STATUS_UNABLE_TO_FREE_VM },
            { FREE, cp, s + 0x10000, 0x20000, MEM_DECOMMIT, 0, STATUS_UNABLE_TO_FREE_VM },
            { FREE, cp, f, 0, MEM_RELEASE, 0, STATUS_MEMORY_NOT_ALLOCATED },
            { FREE, cp, f + 0x1000, 0x1000, MEM_DECOMMIT, 0, STATUS_MEMORY_NOT_ALLOCATED },
            { FREE, cp, s, 0, 0, 0, 0 },
            { FREE, cp, s, 0, MEM_FREE, 0, 0 },
            { FREE, cp, s, 0, MEM_RELEASE | MEM_DECOMMIT, 0, 0 },
            { FREE, cp, s, 0x1000, MEM_COMMIT, 0, 0 },
            { FREE, NULL, s, 0, MEM_RELEASE, 0, STATUS_INVALID_HANDLE },
            { FREE, (HANDLE)0xdead, n, 0x1000, MEM_DECOMMIT, 0, STATUS_INVALID_HANDLE },
            /* protect */
            { PROTECT, cp, s + 0x6000, 0x1000, 0, PAGE_READONLY, STATUS_NOT_COMMITTED },
            { PROTECT, cp, s + 0x4000, 0x2000, 0, PAGE_READWRITE, STATUS_NOT_COMMITTED },
            { PROTECT, cp, s, 0x20000, 0, PAGE_NOACCESS, STATUS_NOT_COMMITTED },
            { PROTECT, cp, s + 0x1f000, 0x2000, 0, PAGE_READONLY, 0 },
            { PROTECT, cp, n + 0xf000, 0x2000, 0, PAGE_READONLY, 0 },
            { PROTECT, cp, f, 0x1000, 0, PAGE_READONLY, 0 },
            { PROTECT, cp, s, 0x1000, 0, 0, STATUS_INVALID_PAGE_PROTECTION },
            { PROTECT, cp, s, 0x1000, 0, PAGE_WRITECOPY, STATUS_INVALID_PAGE_PROTECTION },
            { PROTECT, cp, s, 0x4000, 0, PAGE_EXECUTE_WRITECOPY, STATUS_INVALID_PAGE_PROTECTION },
            { PROTECT, cp, n, 0x1000, 0, PAGE_READWRITE | PAGE_READONLY, STATUS_INVALID_PAGE_PROTECTION },
            { PROTECT, NULL, n, 0x1000, 0, PAGE_READONLY, STATUS_INVALID_HANDLE },
            { PROTECT, (HANDLE)0xdead, s, 0x1000, 0, PAGE_NOACCESS, STATUS_INVALID_HANDLE },
        };

        if (ARRAY_SIZE(calls) > ARRAY_SIZE(results))
        {
            ok( 0, "results array too small\n" );
            return;
        }

        grow_stack();
        for (i = 0; i < ARRAY_SIZE(calls); i++) results[i] = do_call( &calls[i] );   /* warm-up */
        for (i = 0; i < ARRAY_SIZE(calls); i++)
            if (!is_error( results[i] ))
            {
                /* something was allocated, freed or changed: report, and do not touch S or N,
                 * which may be gone */
                ok( 0, "call %u (op %d, %p, %#lx, %#x, %#x) succeeded with %s; stopping\n", i, calls[i].op, calls[i].base,
                    (unsigned long)calls[i].size, (unsigned int)calls[i].type, (unsigned int)calls[i].prot,
                    status_name( results[i] ) );
                return;
            }

        maps_len_before = read_maps( maps_before, sizeof(maps_before) );
        count_before = snapshot( snap_before );
        for (i = 0; i < ARRAY_SIZE(calls); i++) results[i] = do_call( &calls[i] );
        count_after = snapshot( snap_after );
        maps_len_after = read_maps( maps_after, sizeof(maps_after) );

        for (i = 0; i < ARRAY_SIZE(calls); i++)
        {
            if (calls[i].expect)
                ok( results[i] == calls[i].expect, "call %u (op %d, %p, %#lx, %#x, %#x): got %s, expected %s\n", i,
                    calls[i].op, calls[i].base, (unsigned long)calls[i].size, (unsigned int)calls[i].type,
                    (unsigned int)calls[i].prot, status_name( results[i] ), status_name( calls[i].expect ) );
            else
                ok( is_error( results[i] ),
                    "call %u (op %d, %p, %#lx, %#x, %#x): got %s, expected an error\n", i, calls[i].op, calls[i].base,
                    (unsigned long)calls[i].size, (unsigned int)calls[i].type, (unsigned int)calls[i].prot,
                    status_name( results[i] ) );
        }
        for (i = 0; i < ARRAY_SIZE(calls); i++) if (!is_error( results[i] )) return;
    }

    ok( count_before == count_after, "%u regions before, %u after\n", count_before, count_after );
    for (i = 0, j = 0; i < count_before && j < count_after; i++, j++)
    {
        if (!memcmp( &snap_before[i], &snap_after[j], sizeof(snap_before[i]) )) continue;
        if (diffs++ < 8)
            ok( 0, "region %u changed: %p+%#lx state %#x prot %#x alloc %p/%#x type %#x -> %p+%#lx state %#x prot %#x "
                "alloc %p/%#x type %#x\n", i, snap_before[i].base, (unsigned long)snap_before[i].size,
                (unsigned int)snap_before[i].state, (unsigned int)snap_before[i].prot, snap_before[i].alloc_base,
                (unsigned int)snap_before[i].alloc_prot, (unsigned int)snap_before[i].type, snap_after[j].base,
                (unsigned long)snap_after[j].size, (unsigned int)snap_after[j].state, (unsigned int)snap_after[j].prot,
                snap_after[j].alloc_base, (unsigned int)snap_after[j].alloc_prot, (unsigned int)snap_after[j].type );
    }
    ok( !diffs, "%u regions differ\n", diffs );
    ok( maps_len_before == maps_len_after && !strcmp( maps_before, maps_after ),
        "/proc/self/maps changed:\n--- before\n%s--- after\n%s", maps_before, maps_after );

    for (i = 0, diffs = 0; i < 0x5000; i++) diffs += s[i] != (char)(i * 7);
    ok( !diffs, "%u bytes of S changed\n", diffs );
    for (i = 0, diffs = 0; i < 0x10000; i++) diffs += n[i] != 0x6e;
    ok( !diffs, "%u bytes of N changed\n", diffs );
    check_mbi( s, s, 0x4000, MEM_COMMIT, PAGE_READWRITE, s, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( s + 0x4000, s + 0x4000, 0x1000, MEM_COMMIT, PAGE_READONLY, s, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( s + 0x5000, s + 0x5000, 0x1b000, MEM_RESERVE, 0, s, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( n, n, 0x10000, MEM_COMMIT, PAGE_READWRITE, n, PAGE_READWRITE, MEM_PRIVATE );
    {
        MEMORY_BASIC_INFORMATION mbi;
        ok( !query( f, &mbi ) && mbi.State == MEM_FREE && mbi.RegionSize >= 0x30000, "F: state %#x size %#lx\n",
            (unsigned int)mbi.State, (unsigned long)mbi.RegionSize );
        ok( kernel_range_unmapped( f, 0x30000 ), "F got mapped\n" );
    }
    release( s );
    release( n );
}

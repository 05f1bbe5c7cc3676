/*
 * MEM_RESET and MEM_RESET_UNDO: a reset range keeps its state and protection and its contents
 * may be discarded lazily (MADV_FREE, not an immediate zeroing); MEM_RESET_UNDO succeeds when
 * every page still holds its data and fails when some page was discarded (which then reads as
 * zero); MEM_RESET_UNDO stands alone and needs an address.
 *
 * Native rules: Microsoft's VirtualAlloc page (MEM_RESET: "the function ignores the value of
 * flProtect", "cannot be used with any other value"; MEM_RESET_UNDO: "should only be called on
 * an address range to which MEM_RESET was successfully applied earlier ... If the function
 * succeeds, that means all data in the specified address range is intact. If the function
 * fails, at least some of the data in the address range has been replaced with zeroes").  The
 * failure status itself is not documented anywhere public: we return STATUS_UNSUCCESSFUL and
 * the test only requires a failure.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/mman.h>
#include "util.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static NTSTATUS reset_op( void *addr, SIZE_T size, ULONG type )
{
    void *base = addr;
    return NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, &size, type, PAGE_NOACCESS );
}

TEST(MEM_RESET_UNDO_right_after_reset_keeps_the_data)
{
    char *base = alloc_or_fail( 0x4000, MEM_COMMIT, PAGE_READWRITE );
    ULONG old;
    NTSTATUS status;

    if (!base) return;
    memset( base, 0x5a, 0x4000 );
    ok( !nt_protect( base + 0x3000, 0x1000, PAGE_READONLY, &old ), "protect\n" );
    status = reset_op( base, 0x4000, MEM_RESET );
    ok( status == STATUS_SUCCESS, "reset: got %s\n", status_name( status ) );
    status = reset_op( base, 0x4000, MEM_RESET_UNDO );
    ok( status == STATUS_SUCCESS, "undo: got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    ok( base[0] == 0x5a && base[0x2fff] == 0x5a && base[0x3fff] == 0x5a, "contents %#x %#x %#x\n",
        (unsigned char)base[0], (unsigned char)base[0x2fff], (unsigned char)base[0x3fff] );
    /* undo changed neither state nor protection */
    check_mbi( base + 0x3000, base + 0x3000, 0x1000, MEM_COMMIT, PAGE_READONLY, base, PAGE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base + 0x3000, "r--" );
    release( base );
}

TEST(MEM_RESET_UNDO_of_memory_never_reset_succeeds)
{
    char *base = alloc_or_fail( 0x2000, MEM_COMMIT, PAGE_READWRITE );
    NTSTATUS status;

    if (!base) return;
    base[0] = 7;
    status = reset_op( base, 0x2000, MEM_RESET_UNDO );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    ok( base[0] == 7, "contents %d\n", base[0] );
    release( base );
}

TEST(MEM_RESET_UNDO_reports_discarded_pages)
{
    char *base = alloc_or_fail( 0x2000, MEM_COMMIT, PAGE_READWRITE );
    NTSTATUS status;

    if (!base) return;
    memset( base, 0x33, 0x2000 );
    ok( reset_op( base, 0x2000, MEM_RESET ) == STATUS_SUCCESS, "reset\n" );
    /* make the kernel do now what memory pressure would do later: reclaim the lazily freed page */
    if (madvise( base + 0x1000, 0x1000, MADV_PAGEOUT ) || page_present( base + 0x1000 ) != 0)
    {
        skip( "the kernel did not reclaim the reset page on MADV_PAGEOUT\n" );
        reset_op( base, 0x2000, MEM_RESET_UNDO );
        release( base );
        return;
    }
    status = reset_op( base, 0x2000, MEM_RESET_UNDO );
    ok( status != STATUS_SUCCESS && (ULONG)status >> 30 == 3, "undo: got %s, expected a failure\n", status_name( status ) );
    ok( base[0x1000] == 0, "discarded page reads %#x, expected zero\n", (unsigned char)base[0x1000] );
    ok( base[0] == 0x33, "kept page reads %#x\n", (unsigned char)base[0] );
    check_mbi( base, base, 0x2000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    release( base );
}

TEST(MEM_RESET_UNDO_bad_parameters)
{
    char *base = alloc_or_fail( 0x2000, MEM_COMMIT, PAGE_READWRITE );
    char *hole = find_free_range( 0x10000 );
    static const ULONG bad_types[] = { MEM_RESET_UNDO | MEM_COMMIT, MEM_RESET_UNDO | MEM_RESET, MEM_RESET_UNDO | MEM_RESERVE,
                                       MEM_RESET_UNDO | MEM_TOP_DOWN };
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    for (unsigned int i = 0; i < ARRAY_SIZE(bad_types); i++)
    {
        status = reset_op( base, 0x1000, bad_types[i] );
        ok( status == STATUS_INVALID_PARAMETER, "type %#x: got %s\n", (unsigned int)bad_types[i], status_name( status ) );
    }
    addr = NULL; size = 0x1000;
    status = NtAllocateVirtualMemory( NtCurrentProcess(), &addr, 0, &size, MEM_RESET_UNDO, PAGE_NOACCESS );
    ok( status == STATUS_INVALID_PARAMETER, "NULL address: got %s\n", status_name( status ) );
    if (hole)
    {
        status = reset_op( hole, 0x1000, MEM_RESET_UNDO );
        ok( status == STATUS_CONFLICTING_ADDRESSES, "free memory: got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
            status_name( status ) );
    }
    release( base );
}

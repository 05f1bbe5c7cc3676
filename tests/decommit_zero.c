/*
 * Decommit then recommit: recommitted pages read as zero, the kernel drops the pages
 * (/proc/self/pagemap) and maps them inaccessible while decommitted; committing pages that are
 * already committed keeps their contents.
 *
 * Expectations: VirtualFree/VirtualAlloc docs ("MEM_COMMIT ... the memory is initially zero";
 * decommitted pages are released to the system); ReactOS apitest NtAllocateVirtualMemory.c
 * (recommitting a committed page with another protection succeeds); kernel32 test_VirtualAlloc.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include "util.h"

static unsigned int count_nonzero( const char *p, SIZE_T len )
{
    unsigned int n = 0;
    SIZE_T i;
    for (i = 0; i < len; i++) n += p[i] != 0;
    return n;
}

TEST(NtFreeVirtualMemory_recommitted_pages_read_zero)
{
    char *base = alloc_or_fail( 0x8000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    memset( base, 0xa5, 0x8000 );
    addr = base + 0x2000; size = 0x3000;
    status = nt_free( &addr, &size, MEM_DECOMMIT );
    ok( status == STATUS_SUCCESS, "decommit: got %s\n", status_name( status ) );
    check_mbi( base + 0x2000, base + 0x2000, 0x3000, MEM_RESERVE, 0, base, PAGE_READWRITE, MEM_PRIVATE );
    ok( page_present( base + 0x2000 ) == 0 && page_present( base + 0x4000 ) == 0, "decommitted pages still present\n" );
    ok( page_present( base + 0x1000 ) == 1 && page_present( base + 0x5000 ) == 1, "neighbour pages not present\n" );
    check_kernel_perms( base + 0x3000, "---" );

    addr = base + 0x2000; size = 0x3000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "recommit: got %s\n", status_name( status ) );
    check_kernel_perms( base + 0x3000, "rw-" );
    ok( !count_nonzero( base + 0x2000, 0x3000 ), "%u nonzero bytes in recommitted pages\n",
        count_nonzero( base + 0x2000, 0x3000 ) );
    ok( (unsigned char)base[0x1fff] == 0xa5 && (unsigned char)base[0x5000] == 0xa5, "neighbour contents lost\n" );
    check_mbi( base, base, 0x8000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    release( base );
}

/* Recommitting with another protection: zero contents and the new protection. */
TEST(NtFreeVirtualMemory_recommit_with_other_protection)
{
    char *base = alloc_or_fail( 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE );
    void *addr;
    SIZE_T size;

    if (!base) return;
    memset( base, 0x5a, 0x2000 );
    addr = base; size = 0x2000;
    ok( !nt_free( &addr, &size, MEM_DECOMMIT ), "decommit failed\n" );
    addr = base; size = 0x1000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READONLY ), "recommit failed\n" );
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READONLY, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    check_mbi( base + 0x1000, base + 0x1000, 0x1000, MEM_RESERVE, 0, base, PAGE_EXECUTE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base, "r--" );
    ok( !count_nonzero( base, 0x1000 ), "recommitted read-only page is not zero\n" );
    release( base );
}

/* Committing over committed pages keeps their contents (the VirtualAlloc doc: committing an
 * already committed page does not fail; nothing says it is cleared, and Windows keeps it). */
TEST(NtAllocateVirtualMemory_commit_over_committed_keeps_contents)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if (!base) return;
    addr = base + 0x1000; size = 0x1000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    memset( base + 0x1000, 0x3c, 0x1000 );
    addr = base; size = 0x3000;
    status = nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    ok( addr == base && size == 0x3000, "got %p %#lx\n", addr, (unsigned long)size );
    ok( (unsigned char)base[0x1000] == 0x3c && (unsigned char)base[0x1fff] == 0x3c, "contents of committed page lost\n" );
    ok( !count_nonzero( base, 0x1000 ) && !count_nonzero( base + 0x2000, 0x1000 ), "new pages are not zero\n" );
    check_mbi( base, base, 0x3000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    release( base );
}

/* Many cycles of commit / write / decommit of the same page always give zero pages. */
TEST(NtFreeVirtualMemory_decommit_cycles_read_zero)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_NOACCESS );
    unsigned int i, dirty = 0;

    if (!base) return;
    for (i = 0; i < 50; i++)
    {
        void *addr = base + 0x4000;
        SIZE_T size = 0x2000;
        if (nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ))
        {
            ok( 0, "commit %u failed\n", i );
            break;
        }
        dirty += count_nonzero( base + 0x4000, 0x2000 ) != 0;
        memset( base + 0x4000, i + 1, 0x2000 );
        addr = base + 0x4000; size = 0x2000;
        if (nt_free( &addr, &size, MEM_DECOMMIT ))
        {
            ok( 0, "decommit %u failed\n", i );
            break;
        }
    }
    ok( !dirty, "%u recommits were not zero\n", dirty );
    ok( page_present( base + 0x4000 ) == 0, "decommitted page present\n" );
    release( base );
}

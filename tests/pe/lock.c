/*
 * Conformance: VirtualLock / VirtualUnlock, including the working-set quota
 * that bounds how much a process may lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "_pe_test.h"
#include "wine/test.h"

static SIZE_T page;

static void test_VirtualLock_committed_pages(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *base;
    BOOL ret;

    base = VirtualAlloc( NULL, 8 * page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc failed\n" );
    if (!base) return;
    strcpy( base + page, "locked" );

    /* VirtualLock (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtuallock):
     * committed pages can be locked; locking changes neither state nor protection nor data. */
    ret = VirtualLock( base, 4 * page );
    ok( ret, "VirtualLock failed, error %lu\n", GetLastError() );
    ok( mm_query( base, &info ) && info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE &&
        info.RegionSize == 8 * page, "locked region state %#lx protect %#lx size %#Ix\n", info.State, info.Protect,
        info.RegionSize );
    ok( !strcmp( base + page, "locked" ), "data changed\n" );

    /* "a 2-byte range straddling a page boundary causes both pages to be locked"; "There is no
     * lock count for virtual pages, so multiple calls to the VirtualUnlock function are never
     * required to unlock a region of pages" - locking again is fine, one unlock undoes it. */
    ok( VirtualLock( base + 4 * page - 1, 2 ), "VirtualLock across a page boundary failed, error %lu\n", GetLastError() );
    ok( VirtualLock( base, 4 * page ), "second VirtualLock failed, error %lu\n", GetLastError() );

    /* VirtualUnlock (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualunlock):
     * "the range specified need not match a range passed to a previous call to the VirtualLock
     * function, but all pages in the range must be locked". */
    ok( VirtualUnlock( base + page, 4 * page ), "VirtualUnlock of a locked sub-range failed, error %lu\n", GetLastError() );

    /* "If any of the pages in the specified range are not locked, VirtualUnlock ... sets last
     * error to ERROR_NOT_LOCKED, and returns FALSE." Stock Wine keeps no lock state and succeeds. */
    SetLastError( 0xdeadbeef );
    ret = VirtualUnlock( base + page, page );
    todo_wine ok( !ret, "VirtualUnlock of an unlocked page succeeded\n" );
    todo_wine ok( GetLastError() == ERROR_NOT_LOCKED, "error %lu, expected ERROR_NOT_LOCKED\n", GetLastError() );
    SetLastError( 0xdeadbeef );
    ret = VirtualUnlock( base + 6 * page, page );
    todo_wine ok( !ret && GetLastError() == ERROR_NOT_LOCKED, "never locked page: %d error %lu\n", ret, GetLastError() );
    ok( VirtualUnlock( base, page ), "VirtualUnlock of the still locked first page failed, error %lu\n", GetLastError() );

    /* VirtualFree releases locked memory (VirtualLock: locked pages stay resident "until the
     * process unlocks them or terminates"; releasing the region ends them). */
    ok( VirtualLock( base, 2 * page ), "VirtualLock failed\n" );
    ok( VirtualFree( base, 0, MEM_RELEASE ), "VirtualFree of locked memory failed, error %lu\n", GetLastError() );
}

static void test_VirtualLock_refuses_uncommitted_and_noaccess(void)
{
    char *base;
    DWORD old;

    base = VirtualAlloc( NULL, 4 * page, MEM_RESERVE, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc failed\n" );
    if (!base) return;

    /* VirtualLock: "All pages in the specified region must be committed. Memory protected with
     * PAGE_NOACCESS cannot be locked." */
    ok( !VirtualLock( base, page ), "VirtualLock of reserved memory succeeded\n" );
    VirtualAlloc( base, page, MEM_COMMIT, PAGE_READWRITE );
    ok( !VirtualLock( base, 2 * page ), "VirtualLock of a partly committed range succeeded\n" );
    VirtualProtect( base, page, PAGE_NOACCESS, &old );
    ok( !VirtualLock( base, page ), "VirtualLock of PAGE_NOACCESS memory succeeded\n" );
    VirtualFree( base, 0, MEM_RELEASE );

    /* Free memory cannot be locked either. */
    ok( !VirtualLock( base, page ), "VirtualLock of free memory succeeded\n" );
}

static void test_VirtualLock_working_set_quota(void)
{
    const SIZE_T size = 64 * 1024 * 1024;
    SIZE_T min_ws = 0, max_ws = 0;
    char *base;
    BOOL ret;

    base = VirtualAlloc( NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc of 64 MB failed\n" );
    if (!base) return;

    /* VirtualLock: "The maximum number of pages that a process can lock is equal to the number of
     * pages in its minimum working set minus a small overhead"; a default working set is far
     * below 64 MB, so the call fails (ERROR_WORKING_SET_QUOTA, System Error Codes: "Insufficient
     * quota to complete the requested service"). Stock Wine has no working-set quota. */
    ok( GetProcessWorkingSetSize( GetCurrentProcess(), &min_ws, &max_ws ), "GetProcessWorkingSetSize failed\n" );
    if (min_ws >= size)
    {
        skip( "minimum working set %#Ix already covers the test size\n", min_ws );
    }
    else
    {
        SetLastError( 0xdeadbeef );
        ret = VirtualLock( base, size );
        todo_wine ok( !ret, "locking 64 MB with a %#Ix byte minimum working set succeeded\n", min_ws );
        todo_wine ok( GetLastError() == ERROR_WORKING_SET_QUOTA, "error %lu, expected ERROR_WORKING_SET_QUOTA\n",
                      GetLastError() );
        if (ret) VirtualUnlock( base, size );
    }

    /* "Applications that need to lock larger numbers of pages must first call the
     * SetProcessWorkingSetSize function to increase their minimum and maximum working set sizes." */
    ret = SetProcessWorkingSetSize( GetCurrentProcess(), size + 16 * 1024 * 1024, size + 32 * 1024 * 1024 );
    if (!ret)
    {
        skip( "SetProcessWorkingSetSize failed, error %lu\n", GetLastError() );
    }
    else
    {
        ret = VirtualLock( base, size );
        ok( ret, "VirtualLock of 64 MB after raising the working set failed, error %lu\n", GetLastError() );
        if (ret) ok( VirtualUnlock( base, size ), "VirtualUnlock failed, error %lu\n", GetLastError() );
        SetProcessWorkingSetSize( GetCurrentProcess(), min_ws, max_ws );
    }
    VirtualFree( base, 0, MEM_RELEASE );
}

START_TEST(lock)
{
    page = mm_page_size();

    test_VirtualLock_committed_pages();
    test_VirtualLock_refuses_uncommitted_and_noaccess();
    test_VirtualLock_working_set_quota();
}

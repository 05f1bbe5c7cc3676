/*
 * Conformance: large pages (GetLargePageMinimum, VirtualAlloc MEM_LARGE_PAGES,
 * CreateFileMapping SEC_LARGE_PAGES) without and with SeLockMemoryPrivilege.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "_pe_test.h"
#include "wine/test.h"

#ifndef SEC_LARGE_PAGES
#define SEC_LARGE_PAGES 0x80000000
#endif

static SIZE_T large;

/* Enable or disable SeLockMemoryPrivilege in the process token. Returns TRUE when the token
 * holds the privilege and it is now in the requested state. */
static BOOL set_lock_memory_privilege( BOOL enable )
{
    TOKEN_PRIVILEGES tp;
    HANDLE token;
    BOOL ret;

    if (!OpenProcessToken( GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token )) return FALSE;
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = enable ? SE_PRIVILEGE_ENABLED : 0;
    ret = LookupPrivilegeValueA( NULL, "SeLockMemoryPrivilege", &tp.Privileges[0].Luid ) &&
          AdjustTokenPrivileges( token, FALSE, &tp, 0, NULL, NULL ) &&
          GetLastError() == ERROR_SUCCESS;  /* ERROR_NOT_ALL_ASSIGNED: the token lacks it */
    CloseHandle( token );
    return ret;
}

static void test_GetLargePageMinimum(void)
{
    /* kernel32/tests/process.c test_largepages: 0, 2 MB or 4 MB. GetLargePageMinimum
     * (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-getlargepageminimum): "If the
     * processor does not support large pages, the return value is zero." x86-64 processors have
     * 2 MB pages. */
    ok( large == 0x200000, "GetLargePageMinimum returned %#Ix, expected 0x200000 on x86-64\n", large );
}

static void test_MEM_LARGE_PAGES_without_privilege(void)
{
    char *p;

    if (!large) { skip( "no large pages\n" ); return; }
    set_lock_memory_privilege( FALSE );

    /* Large-Page Support (learn.microsoft.com/windows/win32/memory/large-page-support): "You must
     * have the SeLockMemoryPrivilege privilege to allocate large pages", and the privilege must be
     * enabled in the token; without it VirtualAlloc fails with ERROR_PRIVILEGE_NOT_HELD. Stock Wine
     * refuses MEM_LARGE_PAGES altogether, with ERROR_INVALID_PARAMETER. */
    SetLastError( 0xdeadbeef );
    p = VirtualAlloc( NULL, large, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE );
    ok( !p, "MEM_LARGE_PAGES without the privilege succeeded: %p\n", p );
    todo_wine ok( GetLastError() == ERROR_PRIVILEGE_NOT_HELD, "error %lu, expected ERROR_PRIVILEGE_NOT_HELD\n",
                  GetLastError() );
    if (p) VirtualFree( p, 0, MEM_RELEASE );
}

static void test_SEC_LARGE_PAGES_invalid_combinations(void)
{
    HANDLE mapping;

    /* kernel32/tests/virtual.c test_CreateFileMapping: SEC_LARGE_PAGES alone and
     * SEC_RESERVE | SEC_LARGE_PAGES are refused with ERROR_INVALID_PARAMETER (CreateFileMapping,
     * SEC_LARGE_PAGES: "must be specified with SEC_COMMIT"). */
    SetLastError( 0xdeadbeef );
    mapping = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_LARGE_PAGES, 0, 0x200000, NULL );
    ok( !mapping && GetLastError() == ERROR_INVALID_PARAMETER, "SEC_LARGE_PAGES: %p error %lu\n", mapping, GetLastError() );
    if (mapping) CloseHandle( mapping );
    SetLastError( 0xdeadbeef );
    mapping = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE | SEC_LARGE_PAGES,
                                  0, 0x200000, NULL );
    ok( !mapping && GetLastError() == ERROR_INVALID_PARAMETER, "SEC_RESERVE | SEC_LARGE_PAGES: %p error %lu\n",
        mapping, GetLastError() );
    if (mapping) CloseHandle( mapping );
}

static void test_MEM_LARGE_PAGES_with_privilege(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *p;

    if (!large) { skip( "no large pages\n" ); return; }
    if (!set_lock_memory_privilege( TRUE ))
    {
        /* Large-Page Support: the privilege is granted by policy ("Lock pages in memory"); plain
         * and administrator tokens do not hold it by default. */
        skip( "SeLockMemoryPrivilege is not held by this token (error %lu)\n", GetLastError() );
        return;
    }

    /* VirtualAlloc, MEM_LARGE_PAGES: "Allocates memory using large page support. The size and
     * alignment must be a multiple of the large-page minimum. ... must be used with MEM_RESERVE
     * and MEM_COMMIT" - both other cases fail. */
    p = VirtualAlloc( NULL, large / 2, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE );
    ok( !p, "size below the large-page minimum succeeded\n" );
    if (p) VirtualFree( p, 0, MEM_RELEASE );
    p = VirtualAlloc( NULL, large, MEM_RESERVE | MEM_LARGE_PAGES, PAGE_READWRITE );
    ok( !p, "MEM_LARGE_PAGES without MEM_COMMIT succeeded\n" );
    if (p) VirtualFree( p, 0, MEM_RELEASE );

    SetLastError( 0xdeadbeef );
    p = VirtualAlloc( NULL, large, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE );
    if (!p && GetLastError() == ERROR_NO_SYSTEM_RESOURCES)
    {
        /* Large-Page Support: "large-page memory ... may not be available ... because physical
         * memory is fragmented". */
        skip( "no contiguous physical memory for a large page\n" );
    }
    else
    {
        ok( p != NULL, "VirtualAlloc(MEM_LARGE_PAGES) with the privilege failed, error %lu\n", GetLastError() );
        if (p)
        {
            ok( !((ULONG_PTR)p & (large - 1)), "large-page allocation %p not aligned to %#Ix\n", p, large );
            ok( mm_query( p, &info ) && info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE &&
                info.Type == MEM_PRIVATE && info.RegionSize == large,
                "large-page region state %#lx protect %#lx type %#lx size %#Ix\n", info.State, info.Protect,
                info.Type, info.RegionSize );
            p[0] = 1;
            p[large - 1] = 2;
            ok( p[0] == 1 && p[large - 1] == 2, "large-page memory not usable\n" );
            ok( VirtualFree( p, 0, MEM_RELEASE ), "VirtualFree failed, error %lu\n", GetLastError() );
        }
    }
    set_lock_memory_privilege( FALSE );
}

START_TEST(largepage)
{
    large = GetLargePageMinimum();

    test_GetLargePageMinimum();
    test_MEM_LARGE_PAGES_without_privilege();
    test_SEC_LARGE_PAGES_invalid_combinations();
    test_MEM_LARGE_PAGES_with_privilege();
}

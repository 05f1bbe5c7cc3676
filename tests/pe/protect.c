/*
 * Conformance: VirtualProtect on private memory, the protection VirtualQuery
 * reports afterwards, and the access violations the protections cause.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "_pe_test.h"
#include "wine/test.h"

static SIZE_T page;

static void test_VirtualProtect_returns_old_protection(void)
{
    MEMORY_BASIC_INFORMATION info;
    DWORD old;
    char *base;

    base = VirtualAlloc( NULL, 4 * page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc failed\n" );
    if (!base) return;

    /* VirtualProtect (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualprotect):
     * lpflOldProtect "receives the previous access protection value of the first page in the
     * specified region of pages" (kernel32/tests/virtual.c test_VirtualAlloc). */
    old = 0xdeadbeef;
    ok( VirtualProtect( base + page, page, PAGE_READONLY, &old ), "VirtualProtect failed, error %lu\n", GetLastError() );
    ok( old == PAGE_READWRITE, "old protection %#lx, expected PAGE_READWRITE\n", old );
    old = 0xdeadbeef;
    ok( VirtualProtect( base + page, 2 * page, PAGE_EXECUTE_READ, &old ), "VirtualProtect failed, error %lu\n", GetLastError() );
    ok( old == PAGE_READONLY, "old protection of the first page %#lx, expected PAGE_READONLY\n", old );

    /* MEMORY_BASIC_INFORMATION: regions are runs of identical pages. */
    ok( mm_query( base, &info ), "VirtualQuery failed\n" );
    ok( info.RegionSize == page && info.Protect == PAGE_READWRITE, "region 0: size %#Ix protect %#lx\n",
        info.RegionSize, info.Protect );
    ok( mm_query( base + page, &info ), "VirtualQuery failed\n" );
    ok( info.RegionSize == 2 * page && info.Protect == PAGE_EXECUTE_READ, "region 1: size %#Ix protect %#lx\n",
        info.RegionSize, info.Protect );
    ok( info.AllocationProtect == PAGE_READWRITE, "AllocationProtect changed to %#lx\n", info.AllocationProtect );
    ok( mm_query( base + 3 * page, &info ), "VirtualQuery failed\n" );
    ok( info.RegionSize == page && info.Protect == PAGE_READWRITE, "region 3: size %#Ix protect %#lx\n",
        info.RegionSize, info.Protect );

    /* Restoring the protection merges the regions again. */
    ok( VirtualProtect( base + page, 2 * page, PAGE_READWRITE, &old ), "VirtualProtect failed\n" );
    ok( mm_query( base, &info ), "VirtualQuery failed\n" );
    ok( info.RegionSize == 4 * page, "merged region size %#Ix, expected %#Ix\n", info.RegionSize, 4 * page );

    VirtualFree( base, 0, MEM_RELEASE );
}

static void test_VirtualProtect_invalid_requests(void)
{
    DWORD old;
    char *base;

    base = VirtualAlloc( NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc failed\n" );
    if (!base) return;
    VirtualAlloc( base, page, MEM_COMMIT, PAGE_READWRITE );

    /* test_VirtualAlloc: "VirtualProtect should fail on a not committed memory" with
     * ERROR_INVALID_ADDRESS, also when only part of the range is committed. */
    SetLastError( 0xdeadbeef );
    ok( !VirtualProtect( base + page, page, PAGE_READONLY, &old ) && GetLastError() == ERROR_INVALID_ADDRESS,
        "reserved page: error %lu\n", GetLastError() );
    SetLastError( 0xdeadbeef );
    ok( !VirtualProtect( base, 2 * page, PAGE_READONLY, &old ) && GetLastError() == ERROR_INVALID_ADDRESS,
        "partly committed range: error %lu\n", GetLastError() );

    /* VirtualProtect: "If this parameter [lpflOldProtect] is NULL or does not point to a valid
     * variable, the function fails" (test_VirtualProtect: ERROR_NOACCESS). */
    SetLastError( 0xdeadbeef );
    ok( !VirtualProtect( base, page, PAGE_READONLY, NULL ) && GetLastError() == ERROR_NOACCESS,
        "NULL old protection: error %lu\n", GetLastError() );

    /* test_VirtualProtect: PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY and combinations of base
     * protections are refused on private memory with ERROR_INVALID_PARAMETER. */
    SetLastError( 0xdeadbeef );
    ok( !VirtualProtect( base, page, PAGE_WRITECOPY, &old ) && GetLastError() == ERROR_INVALID_PARAMETER,
        "PAGE_WRITECOPY: error %lu\n", GetLastError() );
    SetLastError( 0xdeadbeef );
    ok( !VirtualProtect( base, page, PAGE_EXECUTE_WRITECOPY, &old ) && GetLastError() == ERROR_INVALID_PARAMETER,
        "PAGE_EXECUTE_WRITECOPY: error %lu\n", GetLastError() );
    SetLastError( 0xdeadbeef );
    ok( !VirtualProtect( base, page, PAGE_READONLY | PAGE_READWRITE, &old ) && GetLastError() == ERROR_INVALID_PARAMETER,
        "two base protections: error %lu\n", GetLastError() );
    SetLastError( 0xdeadbeef );
    ok( !VirtualProtect( base, page, 0, &old ) && GetLastError() == ERROR_INVALID_PARAMETER,
        "protection 0: error %lu\n", GetLastError() );
    /* Nothing above changed the page. */
    ok( VirtualProtect( base, page, PAGE_READWRITE, &old ) && old == PAGE_READWRITE, "page changed to %#lx\n", old );

    /* Memory Protection Constants (learn.microsoft.com/windows/win32/memory/memory-protection-constants),
     * PAGE_GUARD: "This value cannot be used with PAGE_NOACCESS." Stock Wine accepts it. */
    todo_wine ok( !VirtualProtect( base, page, PAGE_NOACCESS | PAGE_GUARD, &old ),
                  "PAGE_NOACCESS | PAGE_GUARD succeeded\n" );
    VirtualProtect( base, page, PAGE_READWRITE, &old );

    VirtualFree( base, 0, MEM_RELEASE );

    /* Free memory cannot be protected (VirtualProtect: "All pages in the specified region must
     * be within the same reserved region allocated when calling the VirtualAlloc ... function"). */
    ok( !VirtualProtect( base, page, PAGE_READONLY, &old ), "VirtualProtect on free memory succeeded\n" );
}

static void test_protection_faults(void)
{
    char *base;
    unsigned int val;
    DWORD old;

    base = VirtualAlloc( NULL, 2 * page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc failed\n" );
    if (!base) return;
    base[0] = 0x11;
    base[page] = 0x22;
    mm_install_fault_handler();

    /* Memory Protection Constants (learn.microsoft.com/windows/win32/memory/memory-protection-constants):
     * PAGE_READONLY: "An attempt to write to the committed region results in an access violation."
     * EXCEPTION_RECORD: for EXCEPTION_ACCESS_VIOLATION "The first element of the array contains a
     * read-write flag ... 0, the thread attempted to read ... 1, ... write", the second "the
     * virtual address of the inaccessible data". */
    VirtualProtect( base, page, PAGE_READONLY, &old );
    mm_reset_fault();
    val = mm_probe_read( base );
    ok( val == 0x11 && !mm_last_fault.count, "read of PAGE_READONLY: %#x, %ld faults\n", val, mm_last_fault.count );
    mm_probe_write( base + 8, 0x33 );
    ok( mm_last_fault.count == 1 && mm_last_fault.code == STATUS_ACCESS_VIOLATION,
        "write to PAGE_READONLY: %ld faults, code %#lx\n", mm_last_fault.count, mm_last_fault.code );
    ok( mm_last_fault.info[0] == 1, "access kind %Iu, expected 1 (write)\n", mm_last_fault.info[0] );
    ok( mm_last_fault.info[1] == (ULONG_PTR)(base + 8), "fault address %#Ix, expected %p\n", mm_last_fault.info[1], base + 8 );

    /* PAGE_NOACCESS: "An attempt to read from, write to, or execute the committed region results
     * in an access violation." The neighbouring page is unaffected. */
    VirtualProtect( base, page, PAGE_NOACCESS, &old );
    ok( old == PAGE_READONLY, "old protection %#lx\n", old );
    mm_reset_fault();
    val = mm_probe_read( base + 16 );
    ok( mm_last_fault.count == 1 && mm_last_fault.code == STATUS_ACCESS_VIOLATION,
        "read of PAGE_NOACCESS: %ld faults, code %#lx\n", mm_last_fault.count, mm_last_fault.code );
    ok( mm_last_fault.info[0] == 0, "access kind %Iu, expected 0 (read)\n", mm_last_fault.info[0] );
    ok( mm_last_fault.info[1] == (ULONG_PTR)(base + 16), "fault address %#Ix, expected %p\n", mm_last_fault.info[1], base + 16 );
    mm_reset_fault();
    val = mm_probe_read( base + page );
    ok( val == 0x22 && !mm_last_fault.count, "neighbour page: %#x, %ld faults\n", val, mm_last_fault.count );

    /* Back to PAGE_READWRITE: the data survived the protection changes. */
    VirtualProtect( base, page, PAGE_READWRITE, &old );
    ok( old == PAGE_NOACCESS, "old protection %#lx\n", old );
    mm_reset_fault();
    mm_probe_write( base + 8, 0x44 );
    ok( !mm_last_fault.count && base[0] == 0x11 && base[8] == 0x44, "after restore: %ld faults, data %#x %#x\n",
        mm_last_fault.count, base[0], base[8] );

    /* Reserved (uncommitted) pages fault on any access (VirtualAlloc, MEM_RESERVE: "Reserves a
     * range of the process's virtual address space without allocating any actual physical
     * storage"; accessing it raises an access violation). */
    VirtualFree( base + page, page, MEM_DECOMMIT );
    mm_reset_fault();
    mm_probe_read( base + page );
    ok( mm_last_fault.count == 1 && mm_last_fault.code == STATUS_ACCESS_VIOLATION,
        "read of a reserved page: %ld faults, code %#lx\n", mm_last_fault.count, mm_last_fault.code );

    VirtualFree( base, 0, MEM_RELEASE );
}

START_TEST(protect)
{
    page = mm_page_size();

    test_VirtualProtect_returns_old_protection();
    test_VirtualProtect_invalid_requests();
    test_protection_faults();
}

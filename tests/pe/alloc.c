/*
 * Conformance: reserving, committing, decommitting and releasing private
 * memory with VirtualAlloc / VirtualAllocEx / VirtualFree, as seen through
 * VirtualQuery / VirtualQueryEx.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

static SIZE_T page;

static void test_VirtualAlloc_reserve_is_granularity_aligned(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *base;

    /* VirtualAlloc (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualalloc):
     * "If the memory is being reserved, the specified address is rounded down to the
     * nearest multiple of the allocation granularity"; the kernel picks 64K-aligned bases
     * (kernel32/tests/virtual.c test_VirtualAlloc: "aligned to 64k"). */
    base = VirtualAlloc( NULL, 0xfffc, MEM_RESERVE, PAGE_NOACCESS );
    ok( base != NULL, "VirtualAlloc(MEM_RESERVE) failed, error %lu\n", GetLastError() );
    if (!base) return;
    ok( !((ULONG_PTR)base & (mm_granularity() - 1)), "base %p not aligned to the allocation granularity\n", base );

    /* A reserved range: State MEM_RESERVE, Protect 0, AllocationProtect as requested, size
     * rounded up to pages (test_VirtualAlloc: "test a not committed memory"). */
    ok( mm_query( base, &info ), "VirtualQuery failed, error %lu\n", GetLastError() );
    ok( info.BaseAddress == base, "BaseAddress %p, expected %p\n", info.BaseAddress, base );
    ok( info.AllocationBase == base, "AllocationBase %p, expected %p\n", info.AllocationBase, base );
    ok( info.AllocationProtect == PAGE_NOACCESS, "AllocationProtect %#lx\n", info.AllocationProtect );
    ok( info.RegionSize == 0x10000, "RegionSize %#Ix, expected 0x10000\n", info.RegionSize );
    ok( info.State == MEM_RESERVE, "State %#lx, expected MEM_RESERVE\n", info.State );
    ok( info.Protect == 0, "Protect %#lx, expected 0\n", info.Protect );
    ok( info.Type == MEM_PRIVATE, "Type %#lx, expected MEM_PRIVATE\n", info.Type );

    ok( VirtualFree( base, 0, MEM_RELEASE ), "VirtualFree failed, error %lu\n", GetLastError() );
}

static void test_VirtualAlloc_commit_splits_region(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *base, *p;
    unsigned int i;

    base = VirtualAlloc( NULL, 16 * page, MEM_RESERVE, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc(MEM_RESERVE) failed, error %lu\n", GetLastError() );
    if (!base) return;

    /* Committing inside a reservation returns the page-rounded address
     * (VirtualAlloc: "If the memory is being committed, the address is rounded down to the
     * next page boundary"). */
    p = VirtualAlloc( base + 2 * page + 5, page - 5, MEM_COMMIT, PAGE_READWRITE );
    ok( p == base + 2 * page, "MEM_COMMIT returned %p, expected %p\n", p, base + 2 * page );

    /* MEMORY_BASIC_INFORMATION (learn.microsoft.com/windows/win32/api/winnt/ns-winnt-memory_basic_information):
     * a region is a run of pages with identical attributes, so the reservation now has
     * three regions: reserved, committed, reserved. */
    ok( mm_query( base, &info ), "VirtualQuery failed\n" );
    ok( info.RegionSize == 2 * page && info.State == MEM_RESERVE, "first region %#Ix state %#lx\n",
        info.RegionSize, info.State );
    ok( mm_query( base + 2 * page, &info ), "VirtualQuery failed\n" );
    ok( info.RegionSize == page && info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE,
        "committed region %#Ix state %#lx protect %#lx\n", info.RegionSize, info.State, info.Protect );
    ok( info.AllocationBase == base, "AllocationBase %p, expected %p\n", info.AllocationBase, base );
    ok( mm_query( base + 3 * page, &info ), "VirtualQuery failed\n" );
    ok( info.RegionSize == 13 * page && info.State == MEM_RESERVE, "last region %#Ix state %#lx\n",
        info.RegionSize, info.State );

    /* VirtualAlloc: "Memory allocated by this function is automatically initialized to zero." */
    for (i = 0; i < page; i++) if (base[2 * page + i]) break;
    ok( i == page, "committed page not zero at offset %u\n", i );
    memset( base + 2 * page, 0x5a, page );

    /* Committing an already committed page succeeds and keeps its contents
     * (VirtualAlloc: "An attempt to commit a page that is already committed does not cause the
     * function to fail"). */
    p = VirtualAlloc( base + 2 * page, page, MEM_COMMIT, PAGE_READWRITE );
    ok( p == base + 2 * page, "recommit returned %p\n", p );
    ok( (BYTE)base[2 * page + 7] == 0x5a, "recommit changed contents: %#x\n", (BYTE)base[2 * page + 7] );

    /* VirtualFree (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualfree):
     * MEM_DECOMMIT "Decommits the specified region of committed pages. After the operation,
     * the pages are in the reserved state." Recommitted pages are zero again. */
    ok( VirtualFree( base + 2 * page, page, MEM_DECOMMIT ), "MEM_DECOMMIT failed, error %lu\n", GetLastError() );
    ok( mm_query( base, &info ), "VirtualQuery failed\n" );
    ok( info.RegionSize == 16 * page && info.State == MEM_RESERVE, "after decommit %#Ix state %#lx\n",
        info.RegionSize, info.State );
    p = VirtualAlloc( base + 2 * page, page, MEM_COMMIT, PAGE_READWRITE );
    ok( p == base + 2 * page, "commit after decommit returned %p\n", p );
    if (p) ok( base[2 * page + 7] == 0, "recommitted page not zeroed: %#x\n", (BYTE)base[2 * page + 7] );

    ok( VirtualFree( base, 0, MEM_RELEASE ), "VirtualFree failed, error %lu\n", GetLastError() );
}

static void test_VirtualAlloc_invalid_parameters(void)
{
    char *base, *p;

    /* test_VirtualAlloc: zero size and zero protection fail with ERROR_INVALID_PARAMETER. */
    SetLastError( 0xdeadbeef );
    p = VirtualAlloc( NULL, 0, MEM_RESERVE, PAGE_NOACCESS );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "zero size: %p error %lu\n", p, GetLastError() );
    SetLastError( 0xdeadbeef );
    p = VirtualAlloc( NULL, page, MEM_RESERVE, 0 );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "protection 0: %p error %lu\n", p, GetLastError() );
    /* test_VirtualAlloc: two base protections at once are invalid. */
    SetLastError( 0xdeadbeef );
    p = VirtualAlloc( NULL, page, MEM_COMMIT, PAGE_READONLY | PAGE_EXECUTE );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "mixed protection: %p error %lu\n", p, GetLastError() );

    base = VirtualAlloc( NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc failed\n" );
    if (!base) return;
    /* VirtualAlloc: PAGE_WRITECOPY is not valid for private memory
     * (Memory Protection Constants: "This flag is not supported by the VirtualAlloc or
     * VirtualAllocEx functions"; test_VirtualAlloc_protection). */
    SetLastError( 0xdeadbeef );
    p = VirtualAlloc( base, page, MEM_COMMIT, PAGE_WRITECOPY );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "PAGE_WRITECOPY: %p error %lu\n", p, GetLastError() );

    /* VirtualFree: "If the dwFreeType parameter is MEM_RELEASE, this parameter [dwSize] must be 0";
     * test_VirtualAlloc checks ERROR_INVALID_PARAMETER, and the same for type 0 and MEM_FREE. */
    SetLastError( 0xdeadbeef );
    ok( !VirtualFree( base, 1, MEM_RELEASE ) && GetLastError() == ERROR_INVALID_PARAMETER,
        "MEM_RELEASE with size: error %lu\n", GetLastError() );
    SetLastError( 0xdeadbeef );
    ok( !VirtualFree( base, 0, 0 ) && GetLastError() == ERROR_INVALID_PARAMETER,
        "type 0: error %lu\n", GetLastError() );
    SetLastError( 0xdeadbeef );
    ok( !VirtualFree( base, 0, MEM_FREE ) && GetLastError() == ERROR_INVALID_PARAMETER,
        "MEM_FREE: error %lu\n", GetLastError() );
    /* VirtualFree, MEM_RELEASE: "lpAddress must point to the base address returned by the
     * VirtualAlloc function when the region was reserved. The function fails if either of
     * these conditions is not met." ntdll/tests/virtual.c test_NtAllocateVirtualMemory:
     * STATUS_FREE_VM_NOT_AT_BASE, which Win32 reports as ERROR_INVALID_ADDRESS. */
    SetLastError( 0xdeadbeef );
    ok( !VirtualFree( base + page, 0, MEM_RELEASE ), "MEM_RELEASE not at the base succeeded\n" );
    ok( GetLastError() == ERROR_INVALID_ADDRESS, "MEM_RELEASE not at the base: error %lu\n", GetLastError() );

    ok( VirtualFree( base, 0, MEM_RELEASE ), "VirtualFree failed, error %lu\n", GetLastError() );

    /* Committing where nothing is reserved fails with ERROR_INVALID_ADDRESS
     * (test_VirtualAllocEx / test_VirtualAlloc: commit on released memory). */
    SetLastError( 0xdeadbeef );
    p = VirtualAlloc( base, page, MEM_COMMIT, PAGE_READWRITE );
    ok( !p && GetLastError() == ERROR_INVALID_ADDRESS, "commit on free memory: %p error %lu\n", p, GetLastError() );
}

static void test_VirtualFree_release_makes_range_free(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *base;

    base = VirtualAlloc( NULL, 0x20000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc failed\n" );
    if (!base) return;
    ok( VirtualFree( base, 0, MEM_RELEASE ), "VirtualFree failed, error %lu\n", GetLastError() );

    /* MEMORY_BASIC_INFORMATION: for MEM_FREE, "AllocationBase, AllocationProtect, Protect, and
     * Type are undefined"; Windows reports State MEM_FREE and Protect PAGE_NOACCESS
     * (kernel32/tests/virtual.c test_VirtualAllocEx: "State == MEM_FREE", "PAGE_NOACCESS"). */
    ok( mm_query( base, &info ), "VirtualQuery failed\n" );
    ok( info.State == MEM_FREE, "State %#lx, expected MEM_FREE\n", info.State );
    ok( info.Protect == PAGE_NOACCESS, "Protect %#lx, expected PAGE_NOACCESS\n", info.Protect );
    ok( info.RegionSize >= 0x20000, "free RegionSize %#Ix too small\n", info.RegionSize );

    /* The same address can be reserved again (test_VirtualAlloc: "addr2 == addr1"). */
    ok( VirtualAlloc( base, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ) == base,
        "re-reserving the released base failed, error %lu\n", GetLastError() );
    VirtualFree( base, 0, MEM_RELEASE );
}

static void test_VirtualAlloc_mem_reset(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *base, *p;

    base = VirtualAlloc( NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE );
    ok( base != NULL, "VirtualAlloc failed\n" );
    if (!base) return;
    VirtualAlloc( base, page, MEM_COMMIT, PAGE_READWRITE );
    memset( base, 0x55, 20 );

    /* VirtualAlloc, MEM_RESET: "the value of flProtect is ignored"; the pages stay
     * committed and the data may or may not be zeroed (test_VirtualAlloc). */
    p = VirtualAlloc( base, page, MEM_RESET, PAGE_NOACCESS );
    ok( p == base, "MEM_RESET returned %p, error %lu\n", p, GetLastError() );
    ok( *(DWORD *)base == 0x55555555 || *(DWORD *)base == 0, "wrong data %#lx\n", *(DWORD *)base );
    ok( mm_query( base, &info ), "VirtualQuery failed\n" );
    ok( info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE && info.RegionSize == page,
        "after MEM_RESET state %#lx protect %#lx size %#Ix\n", info.State, info.Protect, info.RegionSize );

    /* test_VirtualAlloc: MEM_RESET over a range that runs past the reservation fails with
     * ERROR_INVALID_ADDRESS. */
    SetLastError( 0xdeadbeef );
    p = VirtualAlloc( base + 0xf000, 0x2000, MEM_RESET, PAGE_NOACCESS );
    ok( !p && GetLastError() == ERROR_INVALID_ADDRESS, "MEM_RESET past the end: %p error %lu\n", p, GetLastError() );

    VirtualFree( base, 0, MEM_RELEASE );
}

static void test_VirtualAllocEx_other_process(void)
{
    PROCESS_INFORMATION pi;
    STARTUPINFOA si = { sizeof(si) };
    MEMORY_BASIC_INFORMATION info;
    char cmd[MAX_PATH + 32], path[MAX_PATH], buf[16];
    SIZE_T done;
    char *remote;
    BOOL ret;

    /* A suspended copy of this program is a target that never runs test code. */
    GetModuleFileNameA( NULL, path, sizeof(path) );
    snprintf( cmd, sizeof(cmd), "\"%s\" alloc-child", path );
    ret = CreateProcessA( NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &si, &pi );
    ok( ret, "CreateProcess failed, error %lu\n", GetLastError() );
    if (!ret) return;

    /* VirtualAllocEx (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualallocex):
     * same semantics as VirtualAlloc, in the process named by the handle
     * (kernel32/tests/virtual.c test_VirtualAllocEx). */
    remote = VirtualAllocEx( pi.hProcess, NULL, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ok( remote != NULL, "VirtualAllocEx failed, error %lu\n", GetLastError() );
    if (remote)
    {
        ok( !((ULONG_PTR)remote & 0xffff), "remote base %p not 64K aligned\n", remote );
        ret = WriteProcessMemory( pi.hProcess, remote + 0x1000, "ntdll-mm", 9, &done );
        ok( ret && done == 9, "WriteProcessMemory failed, error %lu\n", GetLastError() );
        memset( buf, 0, sizeof(buf) );
        ret = ReadProcessMemory( pi.hProcess, remote + 0x1000, buf, 9, &done );
        ok( ret && done == 9 && !strcmp( buf, "ntdll-mm" ), "ReadProcessMemory got %d %Iu %s\n", ret, done, buf );

        /* VirtualQueryEx reports the remote region. */
        memset( &info, 0xcc, sizeof(info) );
        ok( VirtualQueryEx( pi.hProcess, remote, &info, sizeof(info) ) == sizeof(info), "VirtualQueryEx failed\n" );
        ok( info.AllocationBase == remote && info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE &&
            info.RegionSize == 0x2000 && info.Type == MEM_PRIVATE,
            "remote region base %p state %#lx protect %#lx size %#Ix type %#lx\n",
            info.AllocationBase, info.State, info.Protect, info.RegionSize, info.Type );

        /* VirtualFreeEx: MEM_DECOMMIT then MEM_RELEASE in the other process. */
        ok( VirtualFreeEx( pi.hProcess, remote, 0x1000, MEM_DECOMMIT ), "VirtualFreeEx(MEM_DECOMMIT) failed\n" );
        ok( VirtualQueryEx( pi.hProcess, remote, &info, sizeof(info) ) == sizeof(info), "VirtualQueryEx failed\n" );
        ok( info.State == MEM_RESERVE && info.RegionSize == 0x1000, "after remote decommit state %#lx size %#Ix\n",
            info.State, info.RegionSize );
        ok( VirtualFreeEx( pi.hProcess, remote, 0, MEM_RELEASE ), "VirtualFreeEx(MEM_RELEASE) failed\n" );
        ok( VirtualQueryEx( pi.hProcess, remote, &info, sizeof(info) ) == sizeof(info), "VirtualQueryEx failed\n" );
        ok( info.State == MEM_FREE, "after remote release state %#lx\n", info.State );
    }

    /* test_VirtualAllocEx: an invalid process handle fails with ERROR_INVALID_HANDLE. */
    {
        HANDLE stale = CreateEventA( NULL, FALSE, FALSE, NULL );

        CloseHandle( stale );
        SetLastError( 0xdeadbeef );
        remote = VirtualAllocEx( stale, NULL, 0x1000, MEM_COMMIT, PAGE_READWRITE );
        ok( !remote && GetLastError() == ERROR_INVALID_HANDLE, "VirtualAllocEx with a closed handle: %p error %lu\n",
            remote, GetLastError() );
    }

    TerminateProcess( pi.hProcess, 0 );
    WaitForSingleObject( pi.hProcess, 5000 );
    CloseHandle( pi.hThread );
    CloseHandle( pi.hProcess );
}

START_TEST(alloc)
{
    page = mm_page_size();

    test_VirtualAlloc_reserve_is_granularity_aligned();
    test_VirtualAlloc_commit_splits_region();
    test_VirtualAlloc_invalid_parameters();
    test_VirtualFree_release_makes_range_free();
    test_VirtualAlloc_mem_reset();
    test_VirtualAllocEx_other_process();
}

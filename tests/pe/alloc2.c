/*
 * Conformance: VirtualAlloc2 and MapViewOfFile3 extended parameters
 * (MEM_ADDRESS_REQUIREMENTS: HighestEndingAddress, LowestStartingAddress,
 * Alignment; NUMA node), in this process and in another one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

static mm_VirtualAlloc2 pVirtualAlloc2;
static mm_MapViewOfFile3 pMapViewOfFile3;

static void set_requirements( mm_extended_parameter *ext, mm_address_requirements *req,
                              void *lowest, void *highest, SIZE_T alignment )
{
    memset( ext, 0, sizeof(*ext) );
    memset( req, 0, sizeof(*req) );
    req->LowestStartingAddress = lowest;
    req->HighestEndingAddress = highest;
    req->Alignment = alignment;
    ext->Type = MM_PARAMETER_ADDRESS_REQUIREMENTS;
    ext->Pointer = req;
}

static void test_VirtualAlloc2_basic(void)
{
    MEMORY_BASIC_INFORMATION info;
    char *p;

    /* VirtualAlloc2: "If Process is NULL, the function allocates memory for the calling process."
     * (kernelbase/tests/process.c test_VirtualAlloc2 allocates with a NULL process.) */
    p = pVirtualAlloc2( NULL, NULL, 0x80000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, NULL, 0 );
    ok( p != NULL, "VirtualAlloc2(NULL process) failed, error %lu\n", GetLastError() );
    if (p)
    {
        ok( mm_query( p, &info ) && info.State == MEM_COMMIT && info.RegionSize == 0x80000 && info.Type == MEM_PRIVATE,
            "state %#lx size %#Ix type %#lx\n", info.State, info.RegionSize, info.Type );
        ok( VirtualFree( p, 0, MEM_RELEASE ), "VirtualFree failed\n" );
    }
    p = pVirtualAlloc2( GetCurrentProcess(), NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, NULL, 0 );
    ok( p != NULL, "VirtualAlloc2(current process) failed, error %lu\n", GetLastError() );
    if (p) VirtualFree( p, 0, MEM_RELEASE );

    /* ntdll/tests/virtual.c test_NtAllocateVirtualMemoryEx: "specifying a count of >0 with NULL
     * parameters should fail" (STATUS_INVALID_PARAMETER, ERROR_INVALID_PARAMETER here). */
    SetLastError( 0xdeadbeef );
    p = pVirtualAlloc2( NULL, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, NULL, 1 );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "NULL parameters with count 1: %p error %lu\n", p, GetLastError() );
}

static void test_VirtualAlloc2_parameter_validation(void)
{
    mm_extended_parameter ext[2];
    mm_address_requirements req;
    char *p;

    /* test_NtAllocateVirtualMemoryEx_address_requirements: an invalid type (0), and the same
     * parameter type twice, fail with STATUS_INVALID_PARAMETER. */
    memset( ext, 0, sizeof(ext) );
    SetLastError( 0xdeadbeef );
    p = pVirtualAlloc2( NULL, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, 1 );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "type 0: %p error %lu\n", p, GetLastError() );

    set_requirements( &ext[0], &req, NULL, NULL, 0 );
    ext[1] = ext[0];
    SetLastError( 0xdeadbeef );
    p = pVirtualAlloc2( NULL, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, 2 );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "duplicate requirements: %p error %lu\n", p, GetLastError() );

    /* All-zero requirements are accepted. */
    p = pVirtualAlloc2( NULL, NULL, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, 1 );
    ok( p != NULL, "zero requirements failed, error %lu\n", GetLastError() );
    if (p) VirtualFree( p, 0, MEM_RELEASE );

    /* MEM_ADDRESS_REQUIREMENTS (learn.microsoft.com/windows/win32/api/winnt/ns-winnt-mem_address_requirements):
     * HighestEndingAddress must be "page size - 1" aligned (test: 0x20001000 - 2 and 0x20000800 - 1
     * fail) and within the user address space (lpMaximumApplicationAddress + 0x1000 fails). */
    set_requirements( &ext[0], &req, NULL, (void *)(0x20001000 - 2), 0 );
    SetLastError( 0xdeadbeef );
    p = pVirtualAlloc2( NULL, NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE, ext, 1 );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "unaligned HighestEndingAddress: %p error %lu\n", p, GetLastError() );
    {
        SYSTEM_INFO si;

        GetSystemInfo( &si );
        set_requirements( &ext[0], &req, NULL, (char *)si.lpMaximumApplicationAddress + 0x1000, 0 );
        SetLastError( 0xdeadbeef );
        p = pVirtualAlloc2( NULL, NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE, ext, 1 );
        ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "HighestEndingAddress past user space: %p error %lu\n",
            p, GetLastError() );
    }

    /* VirtualAlloc2: "If BaseAddress is not NULL, then any provided MEM_ADDRESS_REQUIREMENTS
     * structure must consist of all zeroes" (test: MEM_COMMIT at an address with a limit fails). */
    p = VirtualAlloc( NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE );
    {
        SYSTEM_INFO si;

        GetSystemInfo( &si );
        set_requirements( &ext[0], &req, NULL, si.lpMaximumApplicationAddress, 0 );
    }
    SetLastError( 0xdeadbeef );
    ok( p && !pVirtualAlloc2( NULL, p, 0x1000, MEM_COMMIT, PAGE_READWRITE, ext, 1 ) &&
        GetLastError() == ERROR_INVALID_PARAMETER, "requirements with a base address: error %lu\n", GetLastError() );
    if (p) VirtualFree( p, 0, MEM_RELEASE );

    /* MEM_ADDRESS_REQUIREMENTS, Alignment: "Specifies power-of-2 alignment." */
    set_requirements( &ext[0], &req, NULL, NULL, 0x30000 );
    SetLastError( 0xdeadbeef );
    p = pVirtualAlloc2( NULL, NULL, 0x10000, MEM_RESERVE, PAGE_READWRITE, ext, 1 );
    ok( !p && GetLastError() == ERROR_INVALID_PARAMETER, "alignment 0x30000: %p error %lu\n", p, GetLastError() );
}

static void test_VirtualAlloc2_address_requirements(void)
{
    mm_extended_parameter ext[2];
    mm_address_requirements req;
    char *p;

    /* test_NtAllocateVirtualMemoryEx_address_requirements: with HighestEndingAddress 0x20001000 - 1
     * a 0x40000 reservation lies wholly below 0x20001000 and is 64K aligned. */
    set_requirements( &ext[0], &req, NULL, (void *)(0x20001000 - 1), 0 );
    p = pVirtualAlloc2( NULL, NULL, 0x40000, MEM_RESERVE, PAGE_READWRITE, ext, 1 );
    ok( p != NULL, "HighestEndingAddress 0x20000fff failed, error %lu\n", GetLastError() );
    if (p)
    {
        ok( (ULONG_PTR)p + 0x40000 <= 0x20001000, "allocation %p ends above the limit\n", p );
        ok( !((ULONG_PTR)p & 0xffff), "allocation %p not 64K aligned\n", p );
        VirtualFree( p, 0, MEM_RELEASE );
    }

    /* MEM_ADDRESS_REQUIREMENTS, Alignment: a power of two at least the allocation granularity is
     * honoured. */
    set_requirements( &ext[0], &req, NULL, NULL, 0x400000 );
    p = pVirtualAlloc2( NULL, NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, 1 );
    ok( p != NULL, "alignment 4 MB failed, error %lu\n", GetLastError() );
    if (p)
    {
        ok( !((ULONG_PTR)p & 0x3fffff), "allocation %p not 4 MB aligned\n", p );
        VirtualFree( p, 0, MEM_RELEASE );
    }

    /* MEM_ADDRESS_REQUIREMENTS, LowestStartingAddress: "Specifies the lowest acceptable address."
     * Wine 8.0 ignores it (FIXME "Not supported requirements LowestStartingAddress"); 10.0 has it. */
    set_requirements( &ext[0], &req, (void *)(ULONG_PTR)0x100000000000, NULL, 0 );
    p = pVirtualAlloc2( NULL, NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, 1 );
    ok( p != NULL, "LowestStartingAddress failed, error %lu\n", GetLastError() );
    if (p)
    {
        todo_wine_if( mm_wine_version() < 1000 )
        ok( (ULONG_PTR)p >= 0x100000000000, "allocation %p below LowestStartingAddress\n", p );
        VirtualFree( p, 0, MEM_RELEASE );
    }

    /* MEM_EXTENDED_PARAMETER_TYPE, MemExtendedParameterNumaNode: a preferred node; node 0 exists
     * everywhere, so the allocation succeeds. */
    memset( ext, 0, sizeof(ext) );
    ext[0].Type = MM_PARAMETER_NUMA_NODE;
    ext[0].ULong = 0;
    p = pVirtualAlloc2( NULL, NULL, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, ext, 1 );
    ok( p != NULL, "NUMA node 0 failed, error %lu\n", GetLastError() );
    if (p) VirtualFree( p, 0, MEM_RELEASE );
}

static void test_VirtualAlloc2_other_process(void)
{
    mm_extended_parameter ext;
    mm_address_requirements req;
    MEMORY_BASIC_INFORMATION info;
    STARTUPINFOA si = { sizeof(si) };
    PROCESS_INFORMATION pi;
    char cmd[MAX_PATH + 32], path[MAX_PATH];
    char *p;

    GetModuleFileNameA( NULL, path, sizeof(path) );
    snprintf( cmd, sizeof(cmd), "\"%s\" alloc2-child", path );
    if (!CreateProcessA( NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &si, &pi ))
    {
        ok( 0, "CreateProcess failed, error %lu\n", GetLastError() );
        return;
    }

    /* VirtualAlloc2: "The function allocates memory within the virtual address space of this
     * process"; the requirements apply there too. */
    set_requirements( &ext, &req, NULL, (void *)(0x40000000 - 1), 0 );
    p = pVirtualAlloc2( pi.hProcess, NULL, 0x20000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, &ext, 1 );
    ok( p != NULL, "VirtualAlloc2 in another process failed, error %lu\n", GetLastError() );
    if (p)
    {
        ok( (ULONG_PTR)p + 0x20000 <= 0x40000000, "remote allocation %p above the limit\n", p );
        ok( VirtualQueryEx( pi.hProcess, p, &info, sizeof(info) ) == sizeof(info) && info.State == MEM_COMMIT &&
            info.RegionSize == 0x20000, "remote region state %#lx size %#Ix\n", info.State, info.RegionSize );
        VirtualFreeEx( pi.hProcess, p, 0, MEM_RELEASE );
    }
    TerminateProcess( pi.hProcess, 0 );
    WaitForSingleObject( pi.hProcess, 5000 );
    CloseHandle( pi.hThread );
    CloseHandle( pi.hProcess );
}

static void test_MapViewOfFile3_address_requirements(void)
{
    mm_extended_parameter ext;
    mm_address_requirements req;
    HANDLE section;
    char *view;

    if (!pMapViewOfFile3) { win_skip( "MapViewOfFile3 is missing\n" ); return; }
    section = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 0x10000, NULL );
    ok( section != NULL, "CreateFileMapping failed\n" );

    /* kernelbase/tests/process.c test_MapViewOfFile3: a plain view of a section. */
    view = pMapViewOfFile3( section, GetCurrentProcess(), NULL, 0, 0x10000, 0, PAGE_READONLY, NULL, 0 );
    ok( view != NULL, "MapViewOfFile3 failed, error %lu\n", GetLastError() );
    if (view) UnmapViewOfFile( view );

    /* MapViewOfFile3: "Each of those extended parameter values can itself have a Type field of
     * either MemExtendedParameterAddressRequirements or MemExtendedParameterNumaNode", but a view
     * takes no alignment: NtMapViewOfSectionEx refuses every Alignment (Wine 10.0's ntdll
     * test_NtMapViewOfSectionEx, which passes on Windows).  Wine 8.0 ignores extended parameters
     * of views ("Ignoring extended parameters"). */
    set_requirements( &ext, &req, NULL, NULL, 0x1000000 );
    SetLastError( 0xdeadbeef );
    view = pMapViewOfFile3( section, GetCurrentProcess(), NULL, 0, 0x10000, 0, PAGE_READWRITE, &ext, 1 );
    todo_wine_if( mm_wine_version() && mm_wine_version() < 1000 )
    ok( !view && GetLastError() == ERROR_INVALID_PARAMETER, "MapViewOfFile3 with a 16 MB alignment: %p, error %lu\n",
        view, GetLastError() );
    if (view) UnmapViewOfFile( view );
    CloseHandle( section );
}

START_TEST(alloc2)
{
    pVirtualAlloc2 = (mm_VirtualAlloc2)mm_kernelbase_proc( "VirtualAlloc2" );
    pMapViewOfFile3 = (mm_MapViewOfFile3)mm_kernelbase_proc( "MapViewOfFile3" );
    if (!pVirtualAlloc2)
    {
        win_skip( "VirtualAlloc2 is missing (before Windows 10 1803)\n" );
        return;
    }

    test_VirtualAlloc2_basic();
    test_VirtualAlloc2_parameter_validation();
    test_VirtualAlloc2_address_requirements();
    test_VirtualAlloc2_other_process();
    test_MapViewOfFile3_address_requirements();
}

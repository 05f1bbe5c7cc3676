/*
 * Conformance: VirtualQuery / VirtualQueryEx on what a process already has
 * (its image, heap, stack, KUSER_SHARED_DATA), on bad requests, and a walk of
 * the whole user address space.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "_pe_test.h"
#include "wine/test.h"

static const char image_rdata[] = "a string in this program's .rdata";
static char image_data[64] = "initialised data in this program's .data";

static void test_VirtualQuery_process_contents(void)
{
    MEMORY_BASIC_INFORMATION info;
    HMODULE module = GetModuleHandleA( NULL ), ntdll = GetModuleHandleA( "ntdll.dll" );
    char stackbuf[16];

    /* ntdll/tests/info.c test_queryvirtualmemory: an image's headers are PAGE_READONLY, its code
     * PAGE_EXECUTE_READ, its constants PAGE_READONLY, its data PAGE_READWRITE or PAGE_WRITECOPY;
     * all MEM_IMAGE with AllocationProtect PAGE_EXECUTE_WRITECOPY and the module as AllocationBase. */
    ok( mm_query( ntdll, &info ), "VirtualQuery failed\n" );
    ok( info.AllocationBase == ntdll && info.Type == MEM_IMAGE && info.Protect == PAGE_READONLY &&
        info.AllocationProtect == PAGE_EXECUTE_WRITECOPY && info.State == MEM_COMMIT,
        "ntdll headers: base %p type %#lx protect %#lx/%#lx\n", info.AllocationBase, info.Type, info.Protect,
        info.AllocationProtect );
    ok( mm_query( (void *)GetProcAddress( ntdll, "NtQueryVirtualMemory" ), &info ), "VirtualQuery failed\n" );
    ok( info.AllocationBase == ntdll && info.Protect == PAGE_EXECUTE_READ, "ntdll code: base %p protect %#lx\n",
        info.AllocationBase, info.Protect );
    ok( mm_query( image_rdata, &info ), "VirtualQuery failed\n" );
    ok( info.AllocationBase == module && info.Type == MEM_IMAGE && info.Protect == PAGE_READONLY,
        "own .rdata: base %p type %#lx protect %#lx\n", info.AllocationBase, info.Type, info.Protect );
    ok( mm_query( image_data, &info ), "VirtualQuery failed\n" );
    ok( info.AllocationBase == module && (info.Protect == PAGE_READWRITE || info.Protect == PAGE_WRITECOPY),
        "own .data: base %p protect %#lx\n", info.AllocationBase, info.Protect );

    /* test_queryvirtualmemory: heap and stack are committed read-write private memory. */
    ok( mm_query( GetProcessHeap(), &info ), "VirtualQuery failed\n" );
    ok( info.State == MEM_COMMIT && (info.Protect == PAGE_READWRITE || info.Protect == PAGE_EXECUTE_READWRITE),
        "heap: state %#lx protect %#lx\n", info.State, info.Protect );
    ok( mm_query( stackbuf, &info ), "VirtualQuery failed\n" );
    ok( info.State == MEM_COMMIT && info.Protect == PAGE_READWRITE && info.AllocationProtect == PAGE_READWRITE &&
        info.Type == MEM_PRIVATE, "stack: state %#lx protect %#lx/%#lx type %#lx\n", info.State, info.Protect,
        info.AllocationProtect, info.Type );

    /* test_queryvirtualmemory: KUSER_SHARED_DATA at 0x7ffe0000 is one read-only private page. */
    ok( mm_query( (void *)0x7ffe0000, &info ), "VirtualQuery failed\n" );
    ok( info.AllocationBase == (void *)0x7ffe0000 && info.State == MEM_COMMIT && info.Protect == PAGE_READONLY &&
        info.Type == MEM_PRIVATE && info.RegionSize == 0x1000,
        "KUSER_SHARED_DATA: base %p state %#lx protect %#lx type %#lx size %#Ix\n", info.AllocationBase,
        info.State, info.Protect, info.Type, info.RegionSize );
}

static void test_VirtualQuery_bad_requests(void)
{
    MEMORY_BASIC_INFORMATION info;
    SYSTEM_INFO si;
    SIZE_T ret;

    GetSystemInfo( &si );

    /* test_queryvirtualmemory: the highest user address can be queried, one byte above it fails
     * with STATUS_INVALID_PARAMETER (ERROR_INVALID_PARAMETER). VirtualQuery: "If the function
     * fails, the return value is zero." */
    ok( mm_query( si.lpMaximumApplicationAddress, &info ), "highest user address: error %lu\n", GetLastError() );
    SetLastError( 0xdeadbeef );
    ret = VirtualQuery( (char *)si.lpMaximumApplicationAddress + 1, &info, sizeof(info) );
    ok( !ret && GetLastError() == ERROR_INVALID_PARAMETER, "above user space: %Iu error %lu\n", ret, GetLastError() );
    SetLastError( 0xdeadbeef );
    ret = VirtualQuery( (void *)~(ULONG_PTR)0, &info, sizeof(info) );
    ok( !ret && GetLastError() == ERROR_INVALID_PARAMETER, "address ~0: %Iu error %lu\n", ret, GetLastError() );

    /* test_queryvirtualmemory: a buffer shorter than MEMORY_BASIC_INFORMATION gives
     * STATUS_INFO_LENGTH_MISMATCH (ERROR_BAD_LENGTH). */
    SetLastError( 0xdeadbeef );
    ret = VirtualQuery( GetProcessHeap(), &info, sizeof(info) - 1 );
    ok( !ret && GetLastError() == ERROR_BAD_LENGTH, "short buffer: %Iu error %lu\n", ret, GetLastError() );

    /* VirtualQueryEx needs a process handle with PROCESS_QUERY_INFORMATION. */
    {
        HANDLE stale = CreateEventA( NULL, FALSE, FALSE, NULL );

        CloseHandle( stale );
        SetLastError( 0xdeadbeef );
        ret = VirtualQueryEx( stale, GetProcessHeap(), &info, sizeof(info) );
        ok( !ret && GetLastError() == ERROR_INVALID_HANDLE, "closed handle: %Iu error %lu\n", ret, GetLastError() );
    }
}

static void test_VirtualQuery_walk_is_contiguous(void)
{
    MEMORY_BASIC_INFORMATION info, prev;
    SYSTEM_INFO si;
    const char *p, *end;
    unsigned int regions = 0, bad_start = 0, bad_merge = 0, bad_fields = 0;

    /* VirtualQuery (learn.microsoft.com/windows/win32/api/memoryapi/nf-memoryapi-virtualquery):
     * "the function ... determines the attributes of the first page in the region and then scans
     * subsequent pages until it scans the entire range of pages or until it encounters a page with
     * a nonmatching set of attributes" - so walking region by region tiles the address space:
     * each region starts where the previous ended, and two neighbours inside one allocation never
     * have identical attributes. MEMORY_BASIC_INFORMATION: committed and reserved regions name
     * their allocation. */
    GetSystemInfo( &si );
    p = si.lpMinimumApplicationAddress;
    end = (const char *)si.lpMaximumApplicationAddress + 1;
    memset( &prev, 0, sizeof(prev) );
    while (p < end && VirtualQuery( p, &info, sizeof(info) ) == sizeof(info))
    {
        regions++;
        if (info.BaseAddress != p) bad_start++;
        if (regions > 1 && info.State != MEM_FREE && prev.State == info.State && prev.Protect == info.Protect &&
            prev.AllocationBase == info.AllocationBase && prev.Type == info.Type)
            bad_merge++;
        if (info.State != MEM_FREE && (!info.AllocationBase || (char *)info.AllocationBase > p)) bad_fields++;
        if (!info.RegionSize || info.RegionSize & (si.dwPageSize - 1)) { bad_fields++; break; }
        prev = info;
        p = (const char *)info.BaseAddress + info.RegionSize;
    }
    ok( p == end, "walk stopped at %p, expected %p, error %lu\n", p, end, GetLastError() );
    ok( regions > 10, "only %u regions\n", regions );
    ok( !bad_start, "%u regions did not start at the queried page\n", bad_start );
    ok( !bad_merge, "%u neighbouring regions had identical attributes\n", bad_merge );
    ok( !bad_fields, "%u regions had inconsistent fields\n", bad_fields );
    trace( "%u regions in the user address space\n", regions );
}

/* The main thread's stack as NT lays it out: the pages between the live part and the guard
 * page are reserved, not committed (ntdll's virtual test, test_stack_growth_thread, for other
 * threads; the main thread is one like them).  Wine commits whole stacks; its PE-side thread
 * start also zero-fills 0xf0000 bytes of every stack, which ntdll-mm gives back at the next
 * memory call. */
static void test_main_thread_stack_is_reserved_below_its_limit(void)
{
    MEMORY_BASIC_INFORMATION info;
    NT_TIB *tib;
    char *probe;

    /* NtCurrentTeb() from %gs:0x30 (NT_TIB.Self); MinGW's inline version trips -Warray-bounds */
    __asm__( "movq %%gs:0x30, %0" : "=r" (tib) );
    probe = (char *)tib->StackBase - 0x80000;

    ok( mm_query( &info, &info ), "VirtualQuery of the stack failed\n" );   /* the memory call */
    if ((char *)tib->StackBase - 0x100000 < (char *)info.AllocationBase)
    {
        skip( "main thread stack smaller than 1 MiB\n" );
        return;
    }
    ok( mm_query( probe, &info ), "VirtualQuery(%p) failed\n", probe );
    todo_wine ok( info.State == MEM_RESERVE, "%p, StackBase - 0x80000: state %#lx, expected MEM_RESERVE (limit %p)\n",
                  probe, info.State, tib->StackLimit );
    todo_wine ok( (char *)tib->StackLimit > probe, "StackLimit %p at or below %p\n", tib->StackLimit, probe );
}

START_TEST(query)
{
    image_data[0] ^= 1;  /* keep .data in use */

    test_VirtualQuery_process_contents();
    test_VirtualQuery_bad_requests();
    test_VirtualQuery_walk_is_contiguous();
    test_main_thread_stack_is_reserved_below_its_limit();
}

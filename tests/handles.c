/*
 * Process handles and bad pointers.
 *
 * Handles: NtCurrentProcess() is the only process handle the standalone library knows; a NULL
 * or garbage handle is STATUS_INVALID_HANDLE for every call (ntdll test: NtAllocateVirtualMemoryEx
 * and NtFreeVirtualMemory with NULL; info test: NtQueryVirtualMemory with 0xdead; kernel32
 * test_VirtualAllocEx: VirtualAllocEx/VirtualFreeEx with NULL give ERROR_INVALID_HANDLE).
 *
 * Pointers: the Windows kernel probes every output pointer before doing anything and turns a
 * fault into STATUS_ACCESS_VIOLATION (kernel32 test_VirtualProtect: NtProtectVirtualMemory
 * with a NULL old-protection pointer; ReactOS's NtAllocateVirtualMemory / NtFreeVirtualMemory
 * probe base and size first).  So a NULL or read-only pointer fails with
 * STATUS_ACCESS_VIOLATION, the process survives, and nothing changes.  Every case runs in a
 * child process so that a crash is reported instead of ending the suite.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "util.h"

static const HANDLE bad_handles[] = { NULL, (HANDLE)0xdead, (HANDLE)0x1234, (HANDLE)(ULONG_PTR)0x7ffffff0 };

TEST(NtAllocateVirtualMemory_invalid_handle_fails)
{
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(bad_handles); i++)
    {
        void *base = NULL;
        SIZE_T size = 0x1000;
        NTSTATUS status;

        status = NtAllocateVirtualMemory( bad_handles[i], &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
        ok( status == STATUS_INVALID_HANDLE, "handle %p: got %s, expected STATUS_INVALID_HANDLE\n", bad_handles[i],
            status_name( status ) );
        ok( base == NULL && size == 0x1000, "handle %p: outputs changed to %p %#lx\n", bad_handles[i], base,
            (unsigned long)size );
        status = NtAllocateVirtualMemoryEx( bad_handles[i], &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE, NULL, 0 );
        ok( status == STATUS_INVALID_HANDLE, "Ex, handle %p: got %s, expected STATUS_INVALID_HANDLE\n", bad_handles[i],
            status_name( status ) );
        ok( base == NULL, "Ex, handle %p: base changed to %p\n", bad_handles[i], base );
    }
}

TEST(NtFreeVirtualMemory_invalid_handle_fails)
{
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    unsigned int i;

    if (!base) return;
    base[0] = 9;
    for (i = 0; i < ARRAY_SIZE(bad_handles); i++)
    {
        void *addr = base;
        SIZE_T size = 0;
        NTSTATUS status = NtFreeVirtualMemory( bad_handles[i], &addr, &size, MEM_RELEASE );

        ok( status == STATUS_INVALID_HANDLE, "release, handle %p: got %s, expected STATUS_INVALID_HANDLE\n",
            bad_handles[i], status_name( status ) );
        size = 0x1000;
        status = NtFreeVirtualMemory( bad_handles[i], &addr, &size, MEM_DECOMMIT );
        ok( status == STATUS_INVALID_HANDLE, "decommit, handle %p: got %s, expected STATUS_INVALID_HANDLE\n",
            bad_handles[i], status_name( status ) );
    }
    ok( base[0] == 9, "contents changed\n" );
    check_mbi( base, base, 0x10000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    release( base );
}

TEST(NtProtectVirtualMemory_invalid_handle_fails)
{
    char *base = alloc_or_fail( 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    unsigned int i;

    if (!base) return;
    for (i = 0; i < ARRAY_SIZE(bad_handles); i++)
    {
        void *addr = base;
        SIZE_T size = 0x1000;
        ULONG old = 0xdeadbeef;
        NTSTATUS status = NtProtectVirtualMemory( bad_handles[i], &addr, &size, PAGE_READONLY, &old );

        ok( status == STATUS_INVALID_HANDLE, "handle %p: got %s, expected STATUS_INVALID_HANDLE\n", bad_handles[i],
            status_name( status ) );
        ok( old == 0xdeadbeef, "handle %p: old protection written\n", bad_handles[i] );
    }
    check_mbi( base, base, 0x1000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base, "rw-" );
    release( base );
}

TEST(NtQueryVirtualMemory_invalid_handle_fails)
{
    char *base = alloc_or_fail( 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    static const MEMORY_INFORMATION_CLASS classes[] =
        { MemoryBasicInformation, MemoryRegionInformation, MemoryWorkingSetExInformation };
    unsigned int i, j;

    if (!base) return;
    for (i = 0; i < ARRAY_SIZE(bad_handles); i++)
        for (j = 0; j < ARRAY_SIZE(classes); j++)
        {
            union { MEMORY_BASIC_INFORMATION mbi; MEMORY_REGION_INFORMATION region; MEMORY_WORKING_SET_EX_INFORMATION ws; } buf;
            SIZE_T len = 0xdeadbeef;
            NTSTATUS status;

            memset( &buf, 0xcc, sizeof(buf) );
            buf.ws.VirtualAddress = base;
            status = NtQueryVirtualMemory( bad_handles[i], base, classes[j], &buf, classes[j] == MemoryWorkingSetExInformation ?
                                           sizeof(buf.ws) : sizeof(buf), &len );
            ok( status == STATUS_INVALID_HANDLE, "handle %p class %u: got %s, expected STATUS_INVALID_HANDLE\n",
                bad_handles[i], classes[j], status_name( status ) );
            ok( len == 0xdeadbeef, "handle %p class %u: length written (%#lx)\n", bad_handles[i], classes[j],
                (unsigned long)len );
        }
    release( base );
}

/* INVALID_HANDLE_VALUE is the current process pseudo-handle */
TEST(NtAllocateVirtualMemory_current_process_handle_value)
{
    void *base = NULL;
    SIZE_T size = 0x1000;
    NTSTATUS status = NtAllocateVirtualMemory( (HANDLE)~(ULONG_PTR)0, &base, 0, &size, MEM_COMMIT, PAGE_READWRITE );

    ok( status == STATUS_SUCCESS, "got %s, expected STATUS_SUCCESS\n", status_name( status ) );
    if (!status) release( base );
}

/* ---- bad pointers, each in a child process ---- */

struct ctx
{
    char *ro;          /* a committed PAGE_READONLY page: *(void **)ro == target, *(SIZE_T *)(ro + 8) == 0x1000 */
    char *target;      /* a free, 64K-aligned address nothing uses */
    char *alloc;       /* a committed PAGE_READWRITE allocation of 0x10000 bytes, filled with 0x5a */
    char *unmapped;    /* an address with no mapping at all */
};

static void expect_av( NTSTATUS status, const char *what )
{
    ok( status == STATUS_ACCESS_VIOLATION, "%s: got %s, expected STATUS_ACCESS_VIOLATION\n", what, status_name( status ) );
}

static void expect_target_free( struct ctx *c, const char *what )
{
    MEMORY_BASIC_INFORMATION mbi;
    NTSTATUS status = query( c->target, &mbi );
    ok( !status && mbi.State == MEM_FREE, "%s: target %p state %#x (status %s), expected MEM_FREE\n", what, c->target,
        (unsigned int)mbi.State, status_name( status ) );
    ok( kernel_range_unmapped( c->target, GRAN ), "%s: target %p got mapped\n", what, c->target );
}

static void expect_alloc_intact( struct ctx *c, const char *what )
{
    MEMORY_BASIC_INFORMATION mbi;
    NTSTATUS status = query( c->alloc, &mbi );
    ok( !status && mbi.State == MEM_COMMIT && mbi.Protect == PAGE_READWRITE && mbi.RegionSize == 0x10000,
        "%s: allocation changed: state %#x protect %#x size %#lx\n", what, (unsigned int)mbi.State,
        (unsigned int)mbi.Protect, (unsigned long)mbi.RegionSize );
    ok( c->alloc[0] == 0x5a && c->alloc[0xffff] == 0x5a, "%s: allocation contents changed\n", what );
}

static void alloc_null_base_ptr( void *arg )
{
    SIZE_T size = 0x1000;
    expect_av( NtAllocateVirtualMemory( NtCurrentProcess(), NULL, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ),
               "alloc, NULL base pointer" );
}

static void alloc_null_size_ptr( void *arg )
{
    struct ctx *c = arg;
    void *base = c->target;
    expect_av( NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, NULL, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ),
               "alloc, NULL size pointer" );
    expect_target_free( c, "alloc, NULL size pointer" );
}

static void alloc_ro_base_ptr( void *arg )
{
    struct ctx *c = arg;
    SIZE_T size = 0x1000;
    expect_av( NtAllocateVirtualMemory( NtCurrentProcess(), (void **)c->ro, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ),
               "alloc, read-only base pointer" );
    expect_target_free( c, "alloc, read-only base pointer" );
}

static void alloc_ro_size_ptr( void *arg )
{
    struct ctx *c = arg;
    void *base = c->target;
    expect_av( NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, (SIZE_T *)(c->ro + 8), MEM_RESERVE | MEM_COMMIT,
                                        PAGE_READWRITE ), "alloc, read-only size pointer" );
    expect_target_free( c, "alloc, read-only size pointer" );
}

static void alloc_ex_bad_parameters( void *arg )
{
    struct ctx *c = arg;
    MEM_EXTENDED_PARAMETER ext;
    void *base = NULL;
    SIZE_T size = 0x1000;

    expect_av( NtAllocateVirtualMemoryEx( NtCurrentProcess(), &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE,
                                          (MEM_EXTENDED_PARAMETER *)c->unmapped, 1 ), "Ex, unmapped parameter array" );
    memset( &ext, 0, sizeof(ext) );
    ext.Type = MemExtendedParameterAddressRequirements;
    ext.Pointer = c->unmapped;
    expect_av( NtAllocateVirtualMemoryEx( NtCurrentProcess(), &base, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE,
                                          &ext, 1 ), "Ex, unmapped address requirements" );
    ok( base == NULL, "Ex: base changed to %p\n", base );
}

static void free_null_ptrs( void *arg )
{
    struct ctx *c = arg;
    void *base = c->alloc;
    SIZE_T size = 0;

    expect_av( NtFreeVirtualMemory( NtCurrentProcess(), NULL, &size, MEM_RELEASE ), "release, NULL base pointer" );
    expect_av( NtFreeVirtualMemory( NtCurrentProcess(), &base, NULL, MEM_RELEASE ), "release, NULL size pointer" );
    expect_av( NtFreeVirtualMemory( NtCurrentProcess(), &base, NULL, MEM_DECOMMIT ), "decommit, NULL size pointer" );
    expect_alloc_intact( c, "free, NULL pointers" );
}

static void free_ro_ptrs( void *arg )
{
    struct ctx *c = arg;
    void *base = c->alloc;

    /* the read-only page holds c->alloc at offset 16 and 0 at offset 24 */
    expect_av( NtFreeVirtualMemory( NtCurrentProcess(), (void **)(c->ro + 16), (SIZE_T *)(c->ro + 24), MEM_RELEASE ),
               "release, read-only pointers" );
    expect_av( NtFreeVirtualMemory( NtCurrentProcess(), &base, (SIZE_T *)(c->ro + 24), MEM_RELEASE ),
               "release, read-only size pointer" );
    expect_av( NtFreeVirtualMemory( NtCurrentProcess(), (void **)(c->ro + 16), (SIZE_T *)(c->ro + 8), MEM_DECOMMIT ),
               "decommit, read-only pointers" );
    expect_alloc_intact( c, "free, read-only pointers" );
}

static void protect_bad_ptrs( void *arg )
{
    struct ctx *c = arg;
    void *base = c->alloc;
    SIZE_T size = 0x1000;
    ULONG old;

    expect_av( NtProtectVirtualMemory( NtCurrentProcess(), &base, &size, PAGE_READONLY, NULL ), "protect, NULL old pointer" );
    expect_av( NtProtectVirtualMemory( NtCurrentProcess(), &base, &size, PAGE_READONLY, (ULONG *)(c->ro + 32) ),
               "protect, read-only old pointer" );
    expect_av( NtProtectVirtualMemory( NtCurrentProcess(), NULL, &size, PAGE_READONLY, &old ), "protect, NULL base pointer" );
    expect_av( NtProtectVirtualMemory( NtCurrentProcess(), &base, NULL, PAGE_READONLY, &old ), "protect, NULL size pointer" );
    expect_av( NtProtectVirtualMemory( NtCurrentProcess(), (void **)(c->ro + 16), (SIZE_T *)(c->ro + 8), PAGE_READONLY, &old ),
               "protect, read-only base and size pointers" );
    expect_alloc_intact( c, "protect, bad pointers" );
    check_kernel_perms( c->alloc, "rw-" );
}

static void query_bad_ptrs( void *arg )
{
    struct ctx *c = arg;
    MEMORY_BASIC_INFORMATION mbi;
    MEMORY_REGION_INFORMATION region;
    SIZE_T len;

    expect_av( NtQueryVirtualMemory( NtCurrentProcess(), c->alloc, MemoryBasicInformation, NULL, sizeof(mbi), &len ),
               "query, NULL buffer" );
    expect_av( NtQueryVirtualMemory( NtCurrentProcess(), c->alloc, MemoryBasicInformation, c->ro, sizeof(mbi), &len ),
               "query, read-only buffer" );
    expect_av( NtQueryVirtualMemory( NtCurrentProcess(), c->alloc, MemoryBasicInformation, c->unmapped, sizeof(mbi), &len ),
               "query, unmapped buffer" );
    expect_av( NtQueryVirtualMemory( NtCurrentProcess(), c->alloc, MemoryBasicInformation, &mbi, sizeof(mbi),
                                     (SIZE_T *)(c->ro + 8) ), "query, read-only length pointer" );
    expect_av( NtQueryVirtualMemory( NtCurrentProcess(), c->alloc, MemoryRegionInformation, c->ro, sizeof(region), &len ),
               "region query, read-only buffer" );
    expect_av( NtQueryVirtualMemory( NtCurrentProcess(), c->alloc, MemoryRegionInformation, NULL, sizeof(region), &len ),
               "region query, NULL buffer" );
    expect_av( NtQueryVirtualMemory( NtCurrentProcess(), NULL, MemoryWorkingSetExInformation, c->ro,
                                     sizeof(MEMORY_WORKING_SET_EX_INFORMATION), &len ), "working set query, read-only buffer" );
    expect_av( NtQueryVirtualMemory( NtCurrentProcess(), NULL, MemoryWorkingSetExInformation, NULL,
                                     sizeof(MEMORY_WORKING_SET_EX_INFORMATION), &len ), "working set query, NULL buffer" );
    expect_alloc_intact( c, "query, bad pointers" );
}

TEST(bad_pointers_return_access_violation)
{
    static const struct { const char *name; void (*func)( void * ); } cases[] =
    {
        { "alloc_null_base_ptr", alloc_null_base_ptr },
        { "alloc_null_size_ptr", alloc_null_size_ptr },
        { "alloc_ro_base_ptr", alloc_ro_base_ptr },
        { "alloc_ro_size_ptr", alloc_ro_size_ptr },
        { "alloc_ex_bad_parameters", alloc_ex_bad_parameters },
        { "free_null_ptrs", free_null_ptrs },
        { "free_ro_ptrs", free_ro_ptrs },
        { "protect_bad_ptrs", protect_bad_ptrs },
        { "query_bad_ptrs", query_bad_ptrs },
    };
    struct ctx c;
    ULONG old;
    unsigned int i;

    c.ro = alloc_or_fail( 0x1000, MEM_COMMIT, PAGE_READWRITE );
    c.alloc = alloc_or_fail( 0x10000, MEM_COMMIT, PAGE_READWRITE );
    c.target = find_free_range( 0x20000 );
    if (!c.ro || !c.alloc || !c.target) return;
    c.unmapped = c.target + 0x10000;
    memset( c.alloc, 0x5a, 0x10000 );
    *(void **)c.ro = c.target;
    *(SIZE_T *)(c.ro + 8) = 0x1000;
    *(void **)(c.ro + 16) = c.alloc;
    *(SIZE_T *)(c.ro + 24) = 0;
    ok( !nt_protect( c.ro, 0x1000, PAGE_READONLY, &old ), "protect failed\n" );
    check_kernel_perms( c.ro, "r--" );

    for (i = 0; i < ARRAY_SIZE(cases); i++)
    {
        int st = run_in_child( cases[i].func, &c );
        ok( st != -1 && !WIFSIGNALED( st ), "%s: child died with signal %d\n", cases[i].name,
            WIFSIGNALED( st ) ? WTERMSIG( st ) : 0 );
        ok( st != -1 && WIFEXITED( st ), "%s: child did not exit normally (%#x)\n", cases[i].name, st );
    }
    release( c.ro );
    release( c.alloc );
}

/*
 * NtLockVirtualMemory / NtUnlockVirtualMemory: parameters, rounding, the probe of committed
 * pages, guard pages, the working-set quota, implicit unlock on decommit and release, and the
 * kernel's side (VmLck in /proc/self/status, MemoryWorkingSetExInformation's Locked).
 *
 * Expectations and their sources:
 *   - MapType must be MAP_PROCESS and/or MAP_SYSTEM, else STATUS_INVALID_PARAMETER; MAP_SYSTEM
 *     needs SeLockMemoryPrivilege (STATUS_PRIVILEGE_NOT_HELD); base above the user range, a
 *     range running out of it, or size 0: STATUS_INVALID_PARAMETER (ReactOS
 *     ntoskrnl/mm/ARM3/virtual.c).
 *   - The returned range is the page-rounded one (VirtualLock documentation: "a 2-byte range
 *     straddling a page boundary causes both pages to be locked").
 *   - All pages must be committed and accessible (VirtualLock documentation); NT probes them as
 *     a read would, so reserved, free and PAGE_NOACCESS pages give STATUS_ACCESS_VIOLATION and a
 *     guard page STATUS_GUARD_PAGE_VIOLATION, clearing the guard (Wine 8.0 kernel32
 *     test_guard_page, which passes on Windows: the first VirtualLock fails with it, the second
 *     succeeds, and the page is then PAGE_READWRITE).
 *   - Unlocking pages that are not locked: STATUS_NOT_LOCKED.
 *   - The quota: the default minimum working set of 50 pages minus the overhead (30 pages
 *     lockable, the number older VirtualLock documentation gives); more is
 *     STATUS_WORKING_SET_QUOTA.  RLIMIT_MEMLOCK refusals map to the same status.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "section_util.h"

#ifndef MAP_PROCESS
#define MAP_PROCESS 1
#endif
#ifndef MAP_SYSTEM
#define MAP_SYSTEM 2
#endif

#define LOCKABLE_PAGES 30

/* VmLck of /proc/self/status in pages, -1 if unknown */
static long vm_locked_pages( void )
{
    long kb = vm_locked_kb();
    return kb < 0 ? -1 : kb / 4;
}

/* Can this process mlock pages more pages?  Root (CAP_IPC_LOCK) always can; other users up
 * to RLIMIT_MEMLOCK.  Prints the reason and counts a skip when not. */
static int can_lock( long pages )
{
    struct rlimit rl;
    long locked = vm_locked_pages();

    if (!geteuid()) return 1;
    if (getrlimit( RLIMIT_MEMLOCK, &rl )) return 1;
    if (rl.rlim_cur == RLIM_INFINITY) return 1;
    if (locked >= 0 && (rl.rlim_cur / PAGE) >= (rlim_t)(locked + pages)) return 1;
    skip( "RLIMIT_MEMLOCK is %lu bytes with %ld pages locked: cannot lock %ld more pages\n",
          (unsigned long)rl.rlim_cur, locked, pages );
    return 0;
}

static NTSTATUS lock( void *addr, SIZE_T size, ULONG type, void **ret_addr, SIZE_T *ret_size )
{
    void *a = addr;
    SIZE_T s = size;
    NTSTATUS status = NtLockVirtualMemory( NtCurrentProcess(), &a, &s, type );
    if (ret_addr) *ret_addr = a;
    if (ret_size) *ret_size = s;
    return status;
}

static NTSTATUS unlock( void *addr, SIZE_T size, ULONG type, void **ret_addr, SIZE_T *ret_size )
{
    void *a = addr;
    SIZE_T s = size;
    NTSTATUS status = NtUnlockVirtualMemory( NtCurrentProcess(), &a, &s, type );
    if (ret_addr) *ret_addr = a;
    if (ret_size) *ret_size = s;
    return status;
}

/* MemoryWorkingSetExInformation: Locked bit of a page, -1 if the query fails */
static int ws_locked( void *addr, int *valid )
{
    MEMORY_WORKING_SET_EX_INFORMATION info;

    memset( &info, 0, sizeof(info) );
    info.VirtualAddress = addr;
    if (NtQueryVirtualMemory( NtCurrentProcess(), NULL, MemoryWorkingSetExInformation, &info, sizeof(info), NULL ))
        return -1;
    if (valid) *valid = info.VirtualAttributes.Valid;
    return info.VirtualAttributes.Locked;
}

#define expect( got, want ) expect_( __LINE__, got, want )
static void expect_( int line, NTSTATUS got, NTSTATUS want )
{
    mmtest_ok( __FILE__, line, got == want, "got %s, expected %s\n", status_name( got ), status_name( want ) );
}

TEST(NtLockVirtualMemory_parameters)
{
    static const struct
    {
        int      line;
        ULONG    type;
        SIZE_T   offset;             /* from the test page, or an absolute address below */
        int      absolute;
        SIZE_T   size;
        NTSTATUS lock_status, unlock_status;
    }
    tests[] =
    {
        /* map types: none, unknown bits, MAP_SYSTEM without the privilege */
        { __LINE__, 0,                        0, 0, PAGE, STATUS_INVALID_PARAMETER, STATUS_INVALID_PARAMETER },
        { __LINE__, 4,                        0, 0, PAGE, STATUS_INVALID_PARAMETER, STATUS_INVALID_PARAMETER },
        { __LINE__, MAP_PROCESS | 4,          0, 0, PAGE, STATUS_INVALID_PARAMETER, STATUS_INVALID_PARAMETER },
        { __LINE__, MAP_SYSTEM,               0, 0, PAGE, STATUS_PRIVILEGE_NOT_HELD, STATUS_PRIVILEGE_NOT_HELD },
        { __LINE__, MAP_PROCESS | MAP_SYSTEM, 0, 0, PAGE, STATUS_PRIVILEGE_NOT_HELD, STATUS_PRIVILEGE_NOT_HELD },
        /* sizes and addresses */
        { __LINE__, MAP_PROCESS, 0, 0, 0, STATUS_INVALID_PARAMETER, STATUS_INVALID_PARAMETER },
        { __LINE__, MAP_PROCESS, 0x800000000000, 1, PAGE, STATUS_INVALID_PARAMETER, STATUS_INVALID_PARAMETER },
        { __LINE__, MAP_PROCESS, 0x7ffffffe0000, 1, 0x20000, STATUS_INVALID_PARAMETER, STATUS_INVALID_PARAMETER },
        { __LINE__, MAP_PROCESS, 0, 0, ~(SIZE_T)0 - 0x1000, STATUS_INVALID_PARAMETER, STATUS_INVALID_PARAMETER },
        /* the page itself: committed and not locked */
        { __LINE__, MAP_PROCESS, 0, 0, PAGE, STATUS_SUCCESS, STATUS_NOT_LOCKED },
    };
    char *base = alloc_or_fail( GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    void *a, *addr_ptr_ro = NULL;
    SIZE_T s;
    NTSTATUS status;

    if (!base) return;
    for (unsigned int i = 0; i < ARRAY_SIZE( tests ); i++)
    {
        void *addr = tests[i].absolute ? (void *)tests[i].offset : base + tests[i].offset;
        long before = vm_locked_pages();

        if (tests[i].lock_status == STATUS_SUCCESS && !can_lock( 1 )) continue;
        status = unlock( addr, tests[i].size, tests[i].type, NULL, NULL );
        mmtest_ok( __FILE__, tests[i].line, status == tests[i].unlock_status, "unlock: got %s, expected %s\n",
                   status_name( status ), status_name( tests[i].unlock_status ) );
        status = lock( addr, tests[i].size, tests[i].type, NULL, NULL );
        mmtest_ok( __FILE__, tests[i].line, status == tests[i].lock_status, "lock: got %s, expected %s\n",
                   status_name( status ), status_name( tests[i].lock_status ) );
        if (status == STATUS_SUCCESS)
            expect( unlock( addr, tests[i].size, tests[i].type, NULL, NULL ), STATUS_SUCCESS );
        else
            mmtest_ok( __FILE__, tests[i].line, vm_locked_pages() == before, "VmLck changed from %ld to %ld pages\n",
                       before, vm_locked_pages() );
    }

    /* a bad handle, bad pointers */
    a = base; s = PAGE;
    expect( NtLockVirtualMemory( (HANDLE)0xdead0, &a, &s, MAP_PROCESS ), STATUS_INVALID_HANDLE );
    expect( NtUnlockVirtualMemory( (HANDLE)0xdead0, &a, &s, MAP_PROCESS ), STATUS_INVALID_HANDLE );
    s = PAGE;
    expect( NtLockVirtualMemory( NtCurrentProcess(), NULL, &s, MAP_PROCESS ), STATUS_ACCESS_VIOLATION );
    a = base;
    expect( NtLockVirtualMemory( NtCurrentProcess(), &a, NULL, MAP_PROCESS ), STATUS_ACCESS_VIOLATION );
    expect( NtUnlockVirtualMemory( NtCurrentProcess(), &addr_ptr_ro, (SIZE_T *)0x10, MAP_PROCESS ),
            STATUS_ACCESS_VIOLATION );
    release( base );
}

TEST(NtLockVirtualMemory_rounding_and_kernel)
{
    char *base = alloc_or_fail( GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    long before, during;
    void *ret_addr;
    SIZE_T ret_size;
    int valid = 0;

    if (!base) return;
    if (!can_lock( 3 ))
    {
        release( base );
        return;
    }
    before = vm_locked_pages();
    ok( ws_locked( base + PAGE, NULL ) == 0, "page locked before the call\n" );

    /* 0x20 bytes inside a page: that page */
    expect( lock( base + PAGE + 0x10, 0x20, MAP_PROCESS, &ret_addr, &ret_size ), STATUS_SUCCESS );
    ok( ret_addr == base + PAGE, "address %p, expected %p\n", ret_addr, base + PAGE );
    ok( ret_size == PAGE, "size %#lx, expected %#x\n", (unsigned long)ret_size, PAGE );
    /* mlock really happened: the kernel counts the page and it is resident */
    during = vm_locked_pages();
    ok( during == before + 1, "VmLck %ld pages, expected %ld\n", during, before + 1 );
    ok( ws_locked( base + PAGE, &valid ) == 1, "WorkingSetEx Locked not set\n" );
    ok( valid == 1, "locked page not valid\n" );
    ok( ws_locked( base, NULL ) == 0, "neighbour page reported locked\n" );

    /* 2 bytes straddling a page boundary: both pages; the first is locked already */
    expect( lock( base + 3 * PAGE - 1, 2, MAP_PROCESS, &ret_addr, &ret_size ), STATUS_SUCCESS );
    ok( ret_addr == base + 2 * PAGE, "address %p, expected %p\n", ret_addr, base + 2 * PAGE );
    ok( ret_size == 2 * PAGE, "size %#lx, expected %#x\n", (unsigned long)ret_size, 2 * PAGE );
    ok( vm_locked_pages() == before + 3, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before + 3 );

    /* locking twice is no error and no count (no lock count on NT) */
    expect( lock( base + PAGE, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    expect( unlock( base + PAGE, 3 * PAGE, MAP_PROCESS, &ret_addr, &ret_size ), STATUS_SUCCESS );
    ok( ret_addr == base + PAGE && ret_size == 3 * PAGE, "unlock returned %p %#lx\n", ret_addr, (unsigned long)ret_size );
    ok( vm_locked_pages() == before, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before );
    ok( ws_locked( base + PAGE, NULL ) == 0, "WorkingSetEx Locked still set\n" );
    expect( unlock( base + PAGE, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_NOT_LOCKED );
    release( base );
}

TEST(NtLockVirtualMemory_committed_pages_only)
{
    char *base = alloc_or_fail( GRAN, MEM_RESERVE, PAGE_READWRITE );
    void *addr;
    SIZE_T size;
    ULONG old;
    long before = vm_locked_pages();

    if (!base) return;
    /* reserved */
    expect( lock( base, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_ACCESS_VIOLATION );
    addr = base; size = 2 * PAGE;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    /* committed then reserved: nothing gets locked */
    expect( lock( base, 3 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_ACCESS_VIOLATION );
    ok( ws_locked( base, NULL ) == 0, "first page locked after a failed call\n" );
    ok( vm_locked_pages() == before, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before );
    /* PAGE_NOACCESS cannot be locked */
    ok( !nt_protect( base + PAGE, PAGE, PAGE_NOACCESS, &old ), "protect failed\n" );
    expect( lock( base + PAGE, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_ACCESS_VIOLATION );
    /* free memory: the rest of the 64K is not part of any allocation after release */
    release( base );
    expect( lock( base, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_ACCESS_VIOLATION );
    expect( unlock( base, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_NOT_LOCKED );
    ok( vm_locked_pages() == before, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before );
}

TEST(NtLockVirtualMemory_guard_page)
{
    char *base = alloc_or_fail( 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    MEMORY_BASIC_INFORMATION mbi;
    ULONG old;

    if (!base) return;
    if (!can_lock( 2 ))
    {
        release( base );
        return;
    }
    base[PAGE] = 0x5a;
    ok( !nt_protect( base + PAGE, PAGE, PAGE_READWRITE | PAGE_GUARD, &old ), "protect failed\n" );
    /* the probe hits the guard page: it fails once, nothing is locked, the guard is gone */
    expect( lock( base, 2 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_GUARD_PAGE_VIOLATION );
    ok( ws_locked( base, NULL ) == 0, "page before the guard page locked\n" );
    ok( !query( base + PAGE, &mbi ), "query failed\n" );
    ok( mbi.Protect == PAGE_READWRITE, "Protect %#x, expected PAGE_READWRITE\n", (unsigned int)mbi.Protect );
    check_kernel_perms( base + PAGE, "rw-" );
    /* the second attempt succeeds, contents intact */
    expect( lock( base, 2 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    ok( base[PAGE] == 0x5a, "contents %#x\n", base[PAGE] );
    ok( ws_locked( base + PAGE, NULL ) == 1, "guard page not locked\n" );
    expect( unlock( base, 2 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    release( base );
}

TEST(NtUnlockVirtualMemory_not_locked)
{
    char *base = alloc_or_fail( 4 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    long before;

    if (!base) return;
    expect( unlock( base, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_NOT_LOCKED );
    if (!can_lock( 1 ))
    {
        release( base );
        return;
    }
    before = vm_locked_pages();
    expect( lock( base + PAGE, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    /* a range with an unlocked page: refused as a whole, the locked page stays locked */
    expect( unlock( base, 2 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_NOT_LOCKED );
    expect( unlock( base + PAGE, 2 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_NOT_LOCKED );
    ok( ws_locked( base + PAGE, NULL ) == 1, "page unlocked by a failed call\n" );
    ok( vm_locked_pages() == before + 1, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before + 1 );
    /* MAP_SYSTEM never unlocks a MAP_PROCESS lock (and needs the privilege) */
    expect( unlock( base + PAGE, PAGE, MAP_SYSTEM, NULL, NULL ), STATUS_PRIVILEGE_NOT_HELD );
    expect( unlock( base + PAGE, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    ok( vm_locked_pages() == before, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before );
    release( base );
}

/* MAP_SYSTEM with SeLockMemoryPrivilege held (the host says so): the pages are locked in memory,
 * a lock of its own beside MAP_PROCESS's working-set lock of the same pages; each ends only with
 * its own map type, and the pages stay locked while either holds (ReactOS
 * ntoskrnl/mm/ARM3/virtual.c keeps the two apart the same way) */
TEST(NtLockVirtualMemory_map_system_with_privilege)
{
    char *base = alloc_or_fail( 4 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    BOOLEAN held;
    long before;

    if (!base) return;
    if (!can_lock( 2 ))
    {
        release( base );
        return;
    }
    held = ntdll_mm_set_lock_memory_privilege( TRUE );
    before = vm_locked_pages();
    expect( lock( base, PAGE, MAP_SYSTEM, NULL, NULL ), STATUS_SUCCESS );
    ok( ws_locked( base, NULL ) == 1, "MAP_SYSTEM page not locked\n" );
    ok( vm_locked_pages() == before + 1, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before + 1 );
    /* not locked in the working set */
    expect( unlock( base, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_NOT_LOCKED );
    expect( lock( base, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    /* the system lock ends, the working-set lock holds the page */
    expect( unlock( base, PAGE, MAP_SYSTEM, NULL, NULL ), STATUS_SUCCESS );
    ok( ws_locked( base, NULL ) == 1, "page unlocked while MAP_PROCESS holds it\n" );
    ok( vm_locked_pages() == before + 1, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before + 1 );
    expect( unlock( base, PAGE, MAP_SYSTEM, NULL, NULL ), STATUS_NOT_LOCKED );
    expect( unlock( base, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    ok( ws_locked( base, NULL ) == 0, "page still locked\n" );
    ok( vm_locked_pages() == before, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before );
    /* both at once, and both ended at once */
    expect( lock( base + PAGE, 2 * PAGE, MAP_PROCESS | MAP_SYSTEM, NULL, NULL ), STATUS_SUCCESS );
    ok( vm_locked_pages() == before + 2, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before + 2 );
    expect( unlock( base + PAGE, 2 * PAGE, MAP_PROCESS | MAP_SYSTEM, NULL, NULL ), STATUS_SUCCESS );
    ok( vm_locked_pages() == before, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before );
    ntdll_mm_set_lock_memory_privilege( held );
    /* without the privilege again */
    expect( lock( base, PAGE, MAP_SYSTEM, NULL, NULL ), STATUS_PRIVILEGE_NOT_HELD );
    release( base );
}

TEST(NtLockVirtualMemory_working_set_quota)
{
    SIZE_T size = (LOCKABLE_PAGES + 2) * PAGE;
    char *base = alloc_or_fail( size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    long before;

    if (!base) return;
    if (!can_lock( LOCKABLE_PAGES ))
    {
        release( base );
        return;
    }
    before = vm_locked_pages();
    /* one page more than the quota at once: refused, nothing locked */
    expect( lock( base, (LOCKABLE_PAGES + 1) * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_WORKING_SET_QUOTA );
    ok( vm_locked_pages() == before, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before );
    /* exactly the quota, in two calls */
    expect( lock( base, 10 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    expect( lock( base + 10 * PAGE, (LOCKABLE_PAGES - 10) * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    ok( vm_locked_pages() == before + LOCKABLE_PAGES, "VmLck %ld pages, expected %ld\n", vm_locked_pages(),
        before + LOCKABLE_PAGES );
    /* pages locked already do not count again; one more page does */
    expect( lock( base, LOCKABLE_PAGES * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    expect( lock( base + LOCKABLE_PAGES * PAGE, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_WORKING_SET_QUOTA );
    /* unlocking gives quota back */
    expect( unlock( base, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    expect( lock( base + LOCKABLE_PAGES * PAGE, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    /* release unlocks everything, and the quota is free again */
    release( base );
    ok( vm_locked_pages() == before, "VmLck %ld pages after release, expected %ld\n", vm_locked_pages(), before );
    base = alloc_or_fail( PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    if (!base) return;
    expect( lock( base, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    release( base );
}

TEST(NtLockVirtualMemory_decommit_and_protect)
{
    char *base = alloc_or_fail( GRAN, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    MEMORY_BASIC_INFORMATION mbi;
    long before;
    void *addr;
    SIZE_T size;
    ULONG old;

    if (!base) return;
    if (!can_lock( 3 ))
    {
        release( base );
        return;
    }
    before = vm_locked_pages();
    expect( lock( base + PAGE, 3 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    /* a lock does not split the region NT reports */
    ok( !query( base, &mbi ), "query failed\n" );
    ok( mbi.RegionSize == GRAN, "RegionSize %#lx, expected %#x\n", (unsigned long)mbi.RegionSize, GRAN );
    /* protection changes keep the lock */
    ok( !nt_protect( base + PAGE, PAGE, PAGE_READONLY, &old ), "protect failed\n" );
    ok( ws_locked( base + PAGE, NULL ) == 1, "protection change dropped the lock\n" );
    ok( vm_locked_pages() == before + 3, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before + 3 );
    /* recommitting committed pages keeps it too */
    addr = base; size = 4 * PAGE;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    ok( ws_locked( base + 2 * PAGE, NULL ) == 1, "recommit dropped the lock\n" );
    /* decommit unlocks implicitly */
    addr = base + 2 * PAGE; size = PAGE;
    ok( !nt_free( &addr, &size, MEM_DECOMMIT ), "decommit failed\n" );
    ok( vm_locked_pages() == before + 2, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before + 2 );
    expect( unlock( base + 2 * PAGE, PAGE, MAP_PROCESS, NULL, NULL ), STATUS_NOT_LOCKED );
    addr = base + 2 * PAGE; size = PAGE;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
    ok( ws_locked( base + 2 * PAGE, NULL ) == 0, "recommitted page still locked\n" );
    check_invariants();
    release( base );
    ok( vm_locked_pages() == before, "VmLck %ld pages after release, expected %ld\n", vm_locked_pages(), before );
}

/* an unprivileged process over its RLIMIT_MEMLOCK: the kernel refuses, NT's quota status */
static void rlimit_child( void *arg )
{
    struct rlimit rl;
    char *base;

    /* root's CAP_IPC_LOCK ignores the rlimit: become nobody (drops every capability) */
    if (!geteuid() && (setgid( 65534 ) || setuid( 65534 )))
    {
        skip( "cannot drop root\n" );
        return;
    }
    /* setuid made the process non-dumpable: /proc/self/maps and pagemap need it back */
    prctl( PR_SET_DUMPABLE, 1 );
    /* two pages at most (0 stays 0: mlock then fails with EPERM, the same status) */
    getrlimit( RLIMIT_MEMLOCK, &rl );
    if (rl.rlim_cur > 2 * PAGE) rl.rlim_cur = 2 * PAGE;
    if (setrlimit( RLIMIT_MEMLOCK, &rl ))
    {
        skip( "cannot lower RLIMIT_MEMLOCK\n" );
        return;
    }
    base = alloc_or_fail( 8 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    if (!base) return;
    expect( lock( base, 8 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_WORKING_SET_QUOTA );
    ok( ws_locked( base, NULL ) == 0, "page locked after a refused call\n" );
    check_invariants();
    release( base );
}

TEST(NtLockVirtualMemory_rlimit)
{
    int status = run_in_child( rlimit_child, NULL );
    ok( WIFEXITED( status ), "child died: status %#x\n", status );
}

/* A view: locking works on its pages, and a page made copy-on-write (remapped privately)
 * stays locked; unmapping unlocks. */
TEST(NtLockVirtualMemory_view)
{
    HANDLE section = section_or_fail( SECTION_RWX, 4 * PAGE, PAGE_READWRITE, SEC_COMMIT, NULL );
    char *view = section ? view_or_fail( section, PAGE_READWRITE ) : NULL;
    long before;
    ULONG old;

    if (!view) goto done;
    if (!can_lock( 2 )) goto done;
    before = vm_locked_pages();
    view[0] = 1;
    expect( lock( view, 2 * PAGE, MAP_PROCESS, NULL, NULL ), STATUS_SUCCESS );
    ok( vm_locked_pages() == before + 2, "VmLck %ld pages, expected %ld\n", vm_locked_pages(), before + 2 );
    ok( ws_locked( view + PAGE, NULL ) == 1, "view page not locked\n" );
    ok( !nt_protect( view + PAGE, PAGE, PAGE_WRITECOPY, &old ), "protect failed\n" );
    ok( ws_locked( view + PAGE, NULL ) == 1, "copy-on-write page lost its lock\n" );
    ok( vm_locked_pages() == before + 2, "VmLck %ld pages after the remap, expected %ld\n", vm_locked_pages(),
        before + 2 );
    check_invariants();
    unmap( view );
    view = NULL;
    ok( vm_locked_pages() == before, "VmLck %ld pages after unmap, expected %ld\n", vm_locked_pages(), before );
done:
    if (view) unmap( view );
    close_handle( section );
}

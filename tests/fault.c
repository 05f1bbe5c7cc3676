/*
 * The fault interface through the standalone host: guard pages (one shot,
 * STATUS_GUARD_PAGE_VIOLATION with the access kind and address, the guard cleared), access
 * violations with NT's parameters (0 read, 1 write, 8 execute), stack-style guard pages that
 * move down as a registered stack grows, STATUS_STACK_OVERFLOW at the end, and faults nobody
 * handles going to the default action.
 *
 * Native rules: Wine 8.0 dlls/kernel32/tests/virtual.c test_guard_page (one exception, then
 * the page is plain PAGE_READWRITE; ExceptionInformation[0] 0 for read, 1 for write),
 * dlls/ntdll/tests/virtual.c test_RtlCreateUserStack (the guard below the committed stack moves
 * down as the stack grows), Microsoft's "Creating Guard Pages" and EXCEPTION_RECORD pages.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include "util.h"

static sigjmp_buf recover;
static volatile struct ntdll_mm_exception seen_v;
#define seen (*(struct ntdll_mm_exception *)&seen_v)
static volatile int exceptions;
static volatile int continue_execution;

static int record_exception( const struct ntdll_mm_exception *exc, void *ucontext )
{
    seen = *exc;
    exceptions++;
    if (continue_execution) return 1;
    siglongjmp( recover, 1 );
}

static void expect_exception( const char *what, NTSTATUS code, ULONG_PTR access, const void *addr )
{
    ok( exceptions == 1, "%s: %d exceptions, expected 1\n", what, exceptions );
    ok( seen.code == code, "%s: code %#x, expected %#x\n", what, (unsigned int)seen.code, (unsigned int)code );
    ok( seen.ninfo >= 2, "%s: %u parameters\n", what, (unsigned int)seen.ninfo );
    ok( seen.info[0] == access, "%s: info[0] %lu, expected %lu\n", what, (unsigned long)seen.info[0], (unsigned long)access );
    ok( seen.info[1] == (ULONG_PTR)addr, "%s: info[1] %#lx, expected %p\n", what, (unsigned long)seen.info[1], addr );
    ok( seen.address == addr, "%s: address %p, expected %p\n", what, seen.address, addr );
}

TEST(guard_page_raises_once_then_is_plain_memory)
{
    char *base = alloc_or_fail( 0x2000, MEM_COMMIT, PAGE_READWRITE );
    volatile char *guard;
    ULONG old;

    if (!base) return;
    guard = base + 0x1000;
    ok( !nt_protect( base + 0x1000, 0x1000, PAGE_READWRITE | PAGE_GUARD, &old ), "protect\n" );
    check_kernel_perms( base + 0x1000, "---" );
    ntdll_mm_set_exception_callback( record_exception );
    continue_execution = 1;

    exceptions = 0;
    (void)guard[5];   /* first read: one exception, then the read is retried and succeeds */
    expect_exception( "read", STATUS_GUARD_PAGE_VIOLATION, 0, (const void *)(guard + 5) );
    check_mbi( base, base, 0x2000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_kernel_perms( base + 0x1000, "rw-" );
    exceptions = 0;
    guard[6] = 1;
    ok( exceptions == 0, "second access raised %d exceptions\n", exceptions );

    /* a write through a new guard reports access 1 */
    ok( !nt_protect( base + 0x1000, 0x1000, PAGE_READWRITE | PAGE_GUARD, &old ), "protect again\n" );
    ok( old == PAGE_READWRITE, "old %#x\n", (unsigned int)old );
    exceptions = 0;
    guard[7] = 2;
    expect_exception( "write", STATUS_GUARD_PAGE_VIOLATION, 1, (const void *)(guard + 7) );
    ok( guard[7] == 2, "the retried write did not land\n" );

    continue_execution = 0;
    ntdll_mm_set_exception_callback( NULL );
    release( base );
}

TEST(access_violation_reports_access_kind_and_address)
{
    char *base = alloc_or_fail( 0x3000, MEM_COMMIT, PAGE_READWRITE );
    static const unsigned char ret_insn = 0xc3;
    ULONG old;

    if (!base) return;
    ok( !nt_protect( base, 0x1000, PAGE_NOACCESS, &old ), "protect noaccess\n" );
    ok( !nt_protect( base + 0x1000, 0x1000, PAGE_READONLY, &old ), "protect readonly\n" );
    memcpy( base + 0x2000, &ret_insn, 1 );   /* PAGE_READWRITE: not executable */
    ntdll_mm_set_exception_callback( record_exception );

    exceptions = 0;
    if (!sigsetjmp( recover, 1 )) (void)*(volatile char *)(base + 0x10);
    expect_exception( "read of PAGE_NOACCESS", STATUS_ACCESS_VIOLATION, 0, base + 0x10 );

    exceptions = 0;
    if (!sigsetjmp( recover, 1 )) *(volatile char *)(base + 0x1020) = 1;
    expect_exception( "write to PAGE_READONLY", STATUS_ACCESS_VIOLATION, 1, base + 0x1020 );

    exceptions = 0;
    if (!sigsetjmp( recover, 1 )) ((void (*)(void))(base + 0x2000))();
    expect_exception( "execute of PAGE_READWRITE", STATUS_ACCESS_VIOLATION, 8, base + 0x2000 );

    ntdll_mm_set_exception_callback( NULL );
    release( base );
}

static void unhandled_guard_child( void *arg )
{
    char *base = arg;
    ntdll_mm_set_exception_callback( NULL );
    (void)*(volatile char *)(base + 0x1000);
    _exit( 0 );   /* not reached: the fault takes its default action */
}

/* no callback: the fault goes on to the default action, the process dies of SIGSEGV; the
 * guard was cleared all the same (one shot) */
TEST(unhandled_fault_takes_the_default_action)
{
    char *base = alloc_or_fail( 0x2000, MEM_COMMIT, PAGE_READWRITE );
    ULONG old;
    int st;

    if (!base) return;
    ok( !nt_protect( base + 0x1000, 0x1000, PAGE_READONLY | PAGE_GUARD, &old ), "protect\n" );
    st = run_in_child( unhandled_guard_child, base );
    ok( WIFSIGNALED( st ) && WTERMSIG( st ) == SIGSEGV, "child status %#x, expected death by SIGSEGV\n", st );
    release( base );
}

static void sent_sigsegv_child( void *arg )
{
    ntdll_mm_set_exception_callback( NULL );
    raise( SIGSEGV );
    _exit( 0 );   /* not reached */
}

/* a SIGSEGV sent with kill() or raise() is no fault of the memory manager's: with no handler
 * installed before the library's, it still takes the default action and ends the process
 * (returning from the handler would lose it) */
TEST(sent_sigsegv_takes_the_default_action)
{
    int st = run_in_child( sent_sigsegv_child, NULL );
    ok( WIFSIGNALED( st ) && WTERMSIG( st ) == SIGSEGV, "child status %#x, expected death by SIGSEGV\n", st );
}

/* NT arms the guard again below a stack guard page that was hit, also when the program had
 * committed that page itself (ntdll's virtual test: "guard pages are restored as the stack grows
 * back"), and a guard page set in the committed part of the thread's stack moves StackLimit up
 * to its end (test_stack_growth_thread).  Both pass on Windows. */
TEST(stack_guard_rearmed_and_limit_follows_a_guard_set)
{
    const size_t pages = 8;
    char *base = alloc_or_fail( pages * 0x1000, MEM_RESERVE, PAGE_READWRITE );
    char *top;
    void *addr;
    SIZE_T size;
    ULONG old;

    if (!base) return;
    top = base + pages * 0x1000;
    addr = top - 0x4000; size = 0x4000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit\n" );
    ok( !ntdll_mm_set_thread_stack( base, top - 0x4000, top ), "register\n" );
    ntdll_mm_set_exception_callback( record_exception );
    exceptions = 0;

    /* a guard page inside the committed stack: the limit moves up to its end */
    ok( !nt_protect( top - 0x2000, 0x1000, PAGE_READWRITE | PAGE_GUARD, &old ), "protect\n" );
    ok( ntdll_mm_get_stack_limit() == top - 0x1000, "stack limit %p, expected %p\n", ntdll_mm_get_stack_limit(),
        top - 0x1000 );
    /* touching it grows the stack down to it without an exception, and the committed page
     * below becomes the new guard page */
    if (!sigsetjmp( recover, 1 )) *(volatile char *)(top - 0x2000 + 0x10) = 1;
    ok( exceptions == 0, "%d exceptions\n", exceptions );
    ok( ntdll_mm_get_stack_limit() == top - 0x2000, "stack limit %p, expected %p\n", ntdll_mm_get_stack_limit(),
        top - 0x2000 );
    check_mbi( top - 0x2000, top - 0x2000, 0x2000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    check_mbi( top - 0x3000, top - 0x3000, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD, base, PAGE_READWRITE,
               MEM_PRIVATE );

    ntdll_mm_set_exception_callback( NULL );
    ok( !ntdll_mm_set_thread_stack( NULL, NULL, NULL ), "unregister\n" );
    release( base );
}

/* A registered stack grows through its guard page without an exception; the last page of the
 * reservation is never committed, and reaching it is STATUS_STACK_OVERFLOW. */
TEST(stack_guard_page_moves_down_as_the_stack_grows)
{
    const size_t pages = 8;
    char *base = alloc_or_fail( pages * 0x1000, MEM_RESERVE, PAGE_READWRITE );
    char *top, *limit;
    void *addr;
    SIZE_T size;
    int overflowed = 0;

    if (!base) return;
    top = base + pages * 0x1000;
    /* committed top two pages, one guard page below, the rest reserved */
    addr = top - 0x2000; size = 0x2000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "commit\n" );
    addr = top - 0x3000; size = 0x1000;
    ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD ), "guard\n" );
    ok( !ntdll_mm_set_thread_stack( base, top - 0x2000, top ), "register\n" );
    ok( ntdll_mm_set_thread_stack( base + 1, top - 0x2000, top ) == STATUS_INVALID_PARAMETER, "unaligned accepted\n" );
    ntdll_mm_set_exception_callback( record_exception );
    exceptions = 0;

    for (limit = top - 0x3000; limit > base; limit -= 0x1000)
    {
        if (sigsetjmp( recover, 1 ))
        {
            overflowed = 1;
            break;
        }
        *(volatile char *)(limit + 0x10) = 1;   /* touch the current guard page */
        ok( exceptions == 0, "page %p: %d exceptions while growing\n", limit, exceptions );
        ok( ntdll_mm_get_stack_limit() == limit, "stack limit %p, expected %p\n", ntdll_mm_get_stack_limit(), limit );
        check_mbi( limit, limit, top - limit, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
        if (limit - 0x1000 > base)
            check_mbi( limit - 0x1000, limit - 0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD, base,
                       PAGE_READWRITE, MEM_PRIVATE );
    }
    ok( overflowed, "no STATUS_STACK_OVERFLOW\n" );
    if (overflowed) expect_exception( "overflow", STATUS_STACK_OVERFLOW, 1, limit + 0x10 );
    check_mbi( base, base, 0x1000, MEM_RESERVE, 0, base, PAGE_READWRITE, MEM_PRIVATE );

    ntdll_mm_set_exception_callback( NULL );
    ok( !ntdll_mm_set_thread_stack( NULL, NULL, NULL ), "unregister\n" );
    release( base );
}

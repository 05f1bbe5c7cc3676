/*
 * NtFlushInstructionCache and NtFlushProcessWriteBuffers.
 *
 * Expectations: NtFlushInstructionCache validates the process handle (STATUS_INVALID_HANDLE)
 * and succeeds for the current process with any range, NULL included (FlushInstructionCache
 * documentation: a NULL address flushes the whole cache); code written and flushed runs as
 * written.  NtFlushProcessWriteBuffers (FlushProcessWriteBuffers documentation) makes every
 * thread's stores visible and orders them, the asymmetric barrier of the store-buffering
 * litmus test below: the outcome where both sides read the old value is forbidden.  With
 * membarrier's private expedited command available, the library registers the process for it
 * (MEMBARRIER_CMD_PRIVATE_EXPEDITED then succeeds for the test too).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "util.h"

TEST(NtFlushInstructionCache_parameters)
{
    static char data[16];
    NTSTATUS status;

    status = NtFlushInstructionCache( (HANDLE)0xdead0, data, sizeof(data) );
    ok( status == STATUS_INVALID_HANDLE, "got %s\n", status_name( status ) );
    status = NtFlushInstructionCache( NULL, data, sizeof(data) );
    ok( status == STATUS_INVALID_HANDLE, "got %s\n", status_name( status ) );
    status = NtFlushInstructionCache( NtCurrentProcess(), NULL, 0 );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    status = NtFlushInstructionCache( NtCurrentProcess(), data, sizeof(data) );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    /* free memory is no error: nothing is probed */
    status = NtFlushInstructionCache( NtCurrentProcess(), (void *)0x10000, PAGE );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
}

TEST(NtFlushInstructionCache_modified_code)
{
#ifdef __x86_64__
    static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };   /* mov eax, 42; ret */
    unsigned char *base = alloc_or_fail( PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE );
    int (*func)( void ) = (int (*)( void ))base;
    NTSTATUS status;
    int ret;

    if (!base) return;
    memcpy( base, code, sizeof(code) );
    status = NtFlushInstructionCache( NtCurrentProcess(), base, sizeof(code) );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    ret = func();
    ok( ret == 42, "code returned %d, expected 42\n", ret );
    base[1] = 43;   /* the code has run: patch it in place */
    status = NtFlushInstructionCache( NtCurrentProcess(), base, sizeof(code) );
    ok( status == STATUS_SUCCESS, "got %s\n", status_name( status ) );
    ret = func();
    ok( ret == 43, "patched code returned %d, expected 43\n", ret );
    release( base );
#else
    skip( "x86_64 only\n" );
#endif
}

/* ---- store buffering: x = y = 0; A: x = 1; r1 = y;   B: y = 1; barrier; r2 = x ----------- */

#define LITMUS_ROUNDS 50000

static volatile int litmus_x, litmus_y, litmus_r1;
static int litmus_round, litmus_ready, litmus_go, litmus_done, litmus_stop;

static void *litmus_thread( void *arg )
{
    for (int round = 1; ; round++)
    {
        while (__atomic_load_n( &litmus_round, __ATOMIC_ACQUIRE ) != round)
            if (__atomic_load_n( &litmus_stop, __ATOMIC_ACQUIRE )) return NULL;
        __atomic_store_n( &litmus_ready, round, __ATOMIC_RELEASE );
        while (__atomic_load_n( &litmus_go, __ATOMIC_ACQUIRE ) != round) ;
        litmus_x = 1;
        /* only a compiler barrier: the store may still sit in this CPU's store buffer */
        __asm__ __volatile__( "" ::: "memory" );
        litmus_r1 = litmus_y;
        __atomic_store_n( &litmus_done, round, __ATOMIC_RELEASE );
    }
}

TEST(NtFlushProcessWriteBuffers_orders_other_threads)
{
    unsigned int forbidden = 0;
    pthread_t thread;
    long mask;

    if (sysconf( _SC_NPROCESSORS_ONLN ) < 2)
    {
        skip( "one processor: no store buffer to observe\n" );
        NtFlushProcessWriteBuffers();
        return;
    }
    litmus_round = litmus_ready = litmus_go = litmus_done = litmus_stop = 0;
    if (pthread_create( &thread, NULL, litmus_thread, NULL ))
    {
        ok( 0, "pthread_create failed\n" );
        return;
    }
    for (int round = 1; round <= LITMUS_ROUNDS; round++)
    {
        int r2;

        litmus_x = litmus_y = 0;
        __atomic_store_n( &litmus_round, round, __ATOMIC_RELEASE );
        while (__atomic_load_n( &litmus_ready, __ATOMIC_ACQUIRE ) != round) ;
        __atomic_store_n( &litmus_go, round, __ATOMIC_RELEASE );
        /* the other thread sees the go a cache-line transfer later: vary our start so that
         * many rounds overlap it */
        for (int k = round % 128; k > 0; k--) __asm__ __volatile__( "pause" );
        litmus_y = 1;
        __asm__ __volatile__( "" ::: "memory" );
        NtFlushProcessWriteBuffers();
        r2 = litmus_x;
        while (__atomic_load_n( &litmus_done, __ATOMIC_ACQUIRE ) != round) ;
        if (!litmus_r1 && !r2) forbidden++;
    }
    __atomic_store_n( &litmus_stop, 1, __ATOMIC_RELEASE );
    pthread_join( thread, NULL );
    ok( !forbidden, "both threads read the old value in %u of %u rounds\n", forbidden, LITMUS_ROUNDS );

    /* the library registered the process for the private expedited barrier */
#ifdef __NR_membarrier
    mask = syscall( __NR_membarrier, 0 /* QUERY */, 0, 0 );
    if (mask > 0 && (mask & (1 << 3)))
        ok( !syscall( __NR_membarrier, 1 << 3 /* PRIVATE_EXPEDITED */, 0, 0 ),
            "MEMBARRIER_CMD_PRIVATE_EXPEDITED fails: the process is not registered\n" );
    else
        skip( "no private expedited membarrier (mask %#lx)\n", mask );
#else
    (void)mask;
    skip( "no membarrier system call number\n" );
#endif
}

static void flush_child( void *arg )
{
#ifdef __NR_membarrier
    long mask = syscall( __NR_membarrier, 0 /* QUERY */, 0, 0 );

    NtFlushProcessWriteBuffers();
    if (mask > 0 && (mask & (1 << 3)))
        ok( !syscall( __NR_membarrier, 1 << 3 /* PRIVATE_EXPEDITED */, 0, 0 ),
            "MEMBARRIER_CMD_PRIVATE_EXPEDITED fails in the child\n" );
#endif
}

/* a fork()ed child has its own address space: the barrier still works there (the kernel
 * passes the membarrier registration on to it) */
TEST(NtFlushProcessWriteBuffers_after_fork)
{
    int status;

    NtFlushProcessWriteBuffers();
    status = run_in_child( flush_child, NULL );
    ok( WIFEXITED( status ) && !WEXITSTATUS( status ), "child status %#x\n", status );
}

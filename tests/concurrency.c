/*
 * Several threads allocating, committing, protecting, querying and freeing at once: every
 * call succeeds as it would alone, no thread sees another thread's memory change, and
 * afterwards the library's map and the kernel's agree (the runner's invariant checker).
 * Windows serialises these calls per process (the address space lock); the results must be
 * those of some serial order.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "util.h"
#include "section_util.h"
#include "space.h"   /* space_lock_exclusive: the lock's own rule is tested */

#define THREADS 4
#define ROUNDS 300

struct worker
{
    unsigned int id;
    unsigned int errors;
    char first_error[200];
};

static void fail( struct worker *w, const char *what, NTSTATUS status, unsigned int round )
{
    if (!w->errors++)
        snprintf( w->first_error, sizeof(w->first_error), "round %u: %s: %s", round, what, status_name( status ) );
}

static void *worker_main( void *arg )
{
    struct worker *w = arg;
    unsigned int round;

    for (round = 0; round < ROUNDS; round++)
    {
        void *base = NULL, *addr;
        SIZE_T size = 0x10000 * (1 + (round + w->id) % 4);
        SIZE_T total = size;
        MEMORY_BASIC_INFORMATION mbi;
        ULONG old;
        NTSTATUS status;
        char *p;
        unsigned int i;
        char pattern = (char)(w->id * 16 + (round & 15) + 1);

        status = NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, &size, MEM_RESERVE |
                                          ((round & 1) ? MEM_TOP_DOWN : 0), PAGE_READWRITE );
        if (status)
        {
            fail( w, "reserve", status, round );
            continue;
        }
        p = base;
        addr = p + 0x1000; size = 0x3000;
        status = NtAllocateVirtualMemory( NtCurrentProcess(), &addr, 0, &size, MEM_COMMIT, PAGE_READWRITE );
        if (status) fail( w, "commit", status, round );
        else
        {
            memset( p + 0x1000, pattern, 0x3000 );
            status = NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, PAGE_READONLY, &old );
            if (status || old != PAGE_READWRITE) fail( w, "protect", status, round );
            status = NtQueryVirtualMemory( NtCurrentProcess(), p + 0x2000, MemoryBasicInformation, &mbi, sizeof(mbi), NULL );
            if (status || mbi.State != MEM_COMMIT || mbi.Protect != PAGE_READONLY || mbi.AllocationBase != base ||
                mbi.BaseAddress != p + 0x2000 || mbi.RegionSize != 0x2000)
                fail( w, "query", status, round );
            for (i = 0x1000; i < 0x4000; i += 0x100)
                if (p[i] != pattern)
                {
                    fail( w, "contents", 0, round );
                    break;
                }
            addr = p + 0x2000; size = 0x1000;
            status = NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, MEM_DECOMMIT );
            if (status) fail( w, "decommit", status, round );
        }
        status = NtQueryVirtualMemory( NtCurrentProcess(), p + total - 1, MemoryBasicInformation, &mbi, sizeof(mbi), NULL );
        if (status || mbi.State != MEM_RESERVE || mbi.AllocationBase != base) fail( w, "query end", status, round );
        addr = base; size = 0;
        status = NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, MEM_RELEASE );
        if (status || size != total) fail( w, "release", status, round );
    }
    return NULL;
}

TEST(concurrent_calls_from_threads)
{
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    unsigned int i;

    for (i = 0; i < THREADS; i++)
    {
        memset( &workers[i], 0, sizeof(workers[i]) );
        workers[i].id = i;
        ok( !pthread_create( &threads[i], NULL, worker_main, &workers[i] ), "pthread_create failed\n" );
    }
    for (i = 0; i < THREADS; i++)
    {
        pthread_join( threads[i], NULL );
        ok( !workers[i].errors, "thread %u: %u errors, first: %s\n", i, workers[i].errors, workers[i].first_error );
    }
}

/* The space lock is not recursive.  A host that calls into the core on a thread already holding it
 * exclusive (from a fault taken inside the core, or after a path that kept the lock) would
 * hang; the core aborts with a message instead.  In a child: the lock held, an NT call must
 * end the child with SIGABRT, not block (an alarm kills a child that hangs). */
TEST(mm_lock_taken_twice_aborts)
{
    int status = 0;
    pid_t pid;

    fflush( stdout );
    fflush( stderr );
    if (!(pid = fork()))
    {
        MEMORY_BASIC_INFORMATION mbi;

        alarm( 10 );
        space_lock_exclusive();
        NtQueryVirtualMemory( NtCurrentProcess(), &mbi, MemoryBasicInformation, &mbi, sizeof(mbi), NULL );
        _exit( 0 );
    }
    ok( pid > 0, "fork failed\n" );
    if (pid <= 0) return;
    waitpid( pid, &status, 0 );
    ok( WIFSIGNALED( status ) && WTERMSIG( status ) == SIGABRT, "child status %#x, expected SIGABRT\n", status );
}

/* fork() while other threads are inside memory calls: the child gets the address space as
 * it is between two calls, and its own calls work (a library lock held by a thread that does
 * not exist in the child would hang them for ever).  POSIX only promises async-signal-safe
 * functions in such a child, but programs do more (a test harness, a pre-exec setup), and
 * glibc's malloc is fork-safe the same way.  Each child has 5 s (an alarm kills a hung one);
 * the test stops at the third hung child. */
static volatile int forking;

static void *fork_worker( void *arg )
{
    struct worker *w = arg;
    unsigned int round = 0;

    while (forking)
    {
        void *base = NULL, *addr;
        SIZE_T size = 0x40000;
        ULONG old;
        NTSTATUS status;

        status = NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
        if (status)
        {
            fail( w, "allocate", status, round++ );
            continue;
        }
        addr = (char *)base + 0x10000; size = 0x1000;
        status = NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, PAGE_READONLY, &old );
        if (status) fail( w, "protect", status, round );
        addr = base; size = 0;
        status = NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, MEM_RELEASE );
        if (status) fail( w, "release", status, round );
        /* named sections: the handle table and the name list have locks of their own */
        {
            OBJECT_ATTRIBUTES attr;
            UNICODE_STRING us;
            WCHAR wname[128];
            char name[100];
            LARGE_INTEGER max = { .QuadPart = 0x10000 };
            HANDLE h;

            snprintf( name, sizeof(name), "\\BaseNamedObjects\\ntdll_mm_forkw%u_%d", w->id, (int)getpid() );
            init_unicode( &us, wname, ARRAY_SIZE(wname), name );
            init_attr( &attr, &us, 0 );
            status = NtCreateSection( &h, SECTION_ALL_ACCESS, &attr, &max, PAGE_READWRITE, SEC_COMMIT, NULL );
            if (status) fail( w, "create section", status, round );
            else NtClose( h );
        }
        round++;
    }
    return NULL;
}

TEST(fork_while_other_threads_are_in_memory_calls)
{
    pthread_t threads[2];
    struct worker workers[2];
    unsigned int i, hung = 0, failed = 0, forked = 0, children = 40;

    forking = 1;
    for (i = 0; i < 2; i++)
    {
        memset( &workers[i], 0, sizeof(workers[i]) );
        workers[i].id = i;
        ok( !pthread_create( &threads[i], NULL, fork_worker, &workers[i] ), "pthread_create failed\n" );
    }
    for (i = 0; i < children; i++)
    {
        int status = 0;
        pid_t pid;

        usleep( 1000 + (i * 7919) % 3000 );
        fflush( stdout );
        fflush( stderr );
        if (!(pid = fork()))
        {
            void *base = NULL;
            SIZE_T size = 0x10000;
            char buf[512];

            alarm( 5 );
            if (NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE ))
                _exit( 2 );
            memset( base, 1, size );
            size = 0;
            if (NtFreeVirtualMemory( NtCurrentProcess(), &base, &size, MEM_RELEASE )) _exit( 3 );
            {
                OBJECT_ATTRIBUTES attr;
                UNICODE_STRING us;
                WCHAR wname[128];
                char name[100];
                LARGE_INTEGER max = { .QuadPart = 0x10000 };
                HANDLE h, h2;

                section_name( name, sizeof(name), "forkchild" );
                init_unicode( &us, wname, ARRAY_SIZE(wname), name );
                init_attr( &attr, &us, 0 );
                if (NtCreateSection( &h, SECTION_ALL_ACCESS, &attr, &max, PAGE_READWRITE, SEC_COMMIT, NULL )) _exit( 5 );
                if (NtOpenSection( &h2, SECTION_MAP_READ, &attr )) _exit( 6 );
                NtClose( h2 );
                NtClose( h );
            }
            _exit( ntdll_mm_check_invariants( buf, sizeof(buf) ) ? 4 : 0 );
        }
        if (pid < 0) break;
        forked++;
        waitpid( pid, &status, 0 );
        if (WIFSIGNALED( status )) hung++;
        else if (WEXITSTATUS( status )) failed++;
        if (hung == 3) break;
    }
    forking = 0;
    for (i = 0; i < 2; i++)
    {
        pthread_join( threads[i], NULL );
        ok( !workers[i].errors, "thread %u: %u errors, first: %s\n", i, workers[i].errors, workers[i].first_error );
    }
    ok( !hung, "%u of %u children were killed (hung in their first memory call)\n", hung, forked );
    ok( !failed, "%u of %u children had a failed call or a map mismatch\n", failed, forked );
}

/*
 * What an NT call may rely on when it runs from a signal handler.
 *
 * Inside Wine an NT call on a process may run from a signal handler of one of its threads:
 * system APCs (a VirtualAllocEx from a debugger or an injector) that a suspended thread, or a
 * thread busy in Wine's unix code, runs from its SIGUSR1 handler, wherever the signal
 * interrupted it, and on its signal stack (51200 bytes in Wine 8.0, shared with Wine's own
 * frames and the kernel's signal frame).  NT runs the same calls in the kernel, with no such
 * limits.  So, for every NT call:
 *   - no C heap: glibc's malloc is not reentrant, and a call made while the interrupted code
 *     was inside it corrupts the heap (kernel32 sync.c's test_apc_deadlock child died of it
 *     about one run in two before the library had its own heap);
 *   - a small stack: everything fits in 32 KB (reading /proc/self/maps once took a 69 KB frame).
 *
 * This file replaces malloc, calloc, realloc, free and the aligned allocators of the test
 * program with counting wrappers around glibc's (__libc_malloc & co.), and checks, call by call,
 * that none of them runs between the start and the end of each NT call; then runs the same
 * calls from a signal handler on a 32 KB alternate stack with a guard page below it.  The
 * library's own heap (ntdll_mm_get_heap_info) is checked for leaks.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "util.h"
#include "section_util.h"
#include "image_util.h"

#ifndef MAP_PROCESS
#define MAP_PROCESS 1
#endif

/* ---- counting C heap ------------------------------------------------------------------- */

extern void *__libc_malloc( size_t size );
extern void *__libc_calloc( size_t count, size_t size );
extern void *__libc_realloc( void *ptr, size_t size );
extern void  __libc_free( void *ptr );
extern void *__libc_memalign( size_t align, size_t size );

static __thread int counting;
static __thread unsigned int c_heap_calls;

static inline void note_call( void )
{
    if (counting) c_heap_calls++;
}

void *malloc( size_t size )
{
    note_call();
    return __libc_malloc( size );
}

void *calloc( size_t count, size_t size )
{
    note_call();
    return __libc_calloc( count, size );
}

void *realloc( void *ptr, size_t size )
{
    note_call();
    return __libc_realloc( ptr, size );
}

void free( void *ptr )
{
    if (ptr) note_call();
    __libc_free( ptr );
}

void *memalign( size_t align, size_t size )
{
    note_call();
    return __libc_memalign( align, size );
}

void *aligned_alloc( size_t align, size_t size )
{
    note_call();
    return __libc_memalign( align, size );
}

int posix_memalign( void **ptr, size_t align, size_t size )
{
    void *p;

    note_call();
    if (!(p = __libc_memalign( align, size ))) return ENOMEM;
    *ptr = p;
    return 0;
}

/* ---- the calls ------------------------------------------------------------------------- */

/* the state the steps share: each step is one NT call on what the steps before it made */
static struct
{
    void *base, *base2, *unseen, *ww, *ph, *view, *fview, *iview;
    HANDLE section, fsection, file, isection, ifile;
    char path[512];
} s;

#define RESERVE (64 * GRAN)

static NTSTATUS reserve( void )
{
    SIZE_T size = RESERVE;
    s.base = NULL;
    return NtAllocateVirtualMemory( NtCurrentProcess(), &s.base, 0, &size, MEM_RESERVE, PAGE_READWRITE );
}

static NTSTATUS commit( void )
{
    void *addr = s.base;
    SIZE_T size = 32 * GRAN;
    return NtAllocateVirtualMemory( NtCurrentProcess(), &addr, 0, &size, MEM_COMMIT, PAGE_READWRITE );
}

/* every other page read-only: more page runs than a node holds inline */
static NTSTATUS protect_many( void )
{
    NTSTATUS status = STATUS_SUCCESS;
    ULONG old;

    for (int i = 0; i < 64 && !status; i += 2)
    {
        void *addr = (char *)s.base + i * PAGE;
        SIZE_T size = PAGE;
        status = NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, PAGE_READONLY, &old );
    }
    return status;
}

static NTSTATUS query_basic( void )
{
    MEMORY_BASIC_INFORMATION mbi;
    return NtQueryVirtualMemory( NtCurrentProcess(), (char *)s.base + 5 * PAGE, MemoryBasicInformation, &mbi,
                                 sizeof(mbi), NULL );
}

static NTSTATUS query_working_set_ex( void )
{
    MEMORY_WORKING_SET_EX_INFORMATION info[16];

    for (int i = 0; i < 16; i++) info[i].VirtualAddress = (char *)s.base + i * PAGE;
    return NtQueryVirtualMemory( NtCurrentProcess(), NULL, MemoryWorkingSetExInformation, info, sizeof(info), NULL );
}

static NTSTATUS lock_pages( void )
{
    void *addr = (char *)s.base + 64 * PAGE;
    SIZE_T size = 4 * PAGE;
    return NtLockVirtualMemory( NtCurrentProcess(), &addr, &size, MAP_PROCESS );
}

static NTSTATUS unlock_pages( void )
{
    void *addr = (char *)s.base + 64 * PAGE;
    SIZE_T size = 4 * PAGE;
    return NtUnlockVirtualMemory( NtCurrentProcess(), &addr, &size, MAP_PROCESS );
}

static NTSTATUS decommit( void )
{
    void *addr = (char *)s.base + GRAN;
    SIZE_T size = 3 * GRAN;
    return NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, MEM_DECOMMIT );
}

static NTSTATUS release_all( void )
{
    SIZE_T size = 0;
    return NtFreeVirtualMemory( NtCurrentProcess(), &s.base, &size, MEM_RELEASE );
}

/* the library finds its placement taken by a mapping it has not seen (the program's own
 * mmap) and reads the kernel's map again (os_walk_mappings) */
static NTSTATUS alloc_over_unseen_mapping( void )
{
    SIZE_T size = GRAN;
    void *addr = NULL;
    NTSTATUS status;

    if ((status = NtAllocateVirtualMemory( NtCurrentProcess(), &addr, 0, &size, MEM_RESERVE, PAGE_READWRITE )))
        return status;
    size = 0;
    if ((status = NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, MEM_RELEASE ))) return status;
    /* the lowest free range again, now the program's */
    s.unseen = mmap( addr, GRAN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0 );
    if (s.unseen != addr) return STATUS_UNSUCCESSFUL;
    s.base2 = NULL;
    size = GRAN;
    if ((status = NtAllocateVirtualMemory( NtCurrentProcess(), &s.base2, 0, &size, MEM_RESERVE, PAGE_READWRITE )))
        return status;
    if (s.base2 == s.unseen) return STATUS_CONFLICTING_ADDRESSES;
    size = 0;
    status = NtFreeVirtualMemory( NtCurrentProcess(), &s.base2, &size, MEM_RELEASE );
    munmap( s.unseen, GRAN );
    return status;
}

static NTSTATUS alloc_write_watch( void )
{
    SIZE_T size = 16 * GRAN;
    s.ww = NULL;
    return NtAllocateVirtualMemory( NtCurrentProcess(), &s.ww, 0, &size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
                                    PAGE_READWRITE );
}

static NTSTATUS get_write_watch_reset( void )
{
    void *pages[64];
    ULONG_PTR count = ARRAY_SIZE(pages);
    ULONG gran;

    for (int i = 0; i < 16; i++) ((char *)s.ww)[i * 3 * PAGE] = 1;
    return NtGetWriteWatch( NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, s.ww, 16 * GRAN, pages, &count, &gran );
}

static NTSTATUS reset_write_watch( void )
{
    return NtResetWriteWatch( NtCurrentProcess(), s.ww, 16 * GRAN );
}

static NTSTATUS free_write_watch( void )
{
    SIZE_T size = 0;
    return NtFreeVirtualMemory( NtCurrentProcess(), &s.ww, &size, MEM_RELEASE );
}

static NTSTATUS reserve_placeholder( void )
{
    SIZE_T size = 8 * GRAN;
    s.ph = NULL;
    return NtAllocateVirtualMemoryEx( NtCurrentProcess(), &s.ph, &size, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER,
                                      PAGE_NOACCESS, NULL, 0 );
}

static NTSTATUS split_placeholder( void )
{
    SIZE_T size = 2 * GRAN;
    return NtFreeVirtualMemory( NtCurrentProcess(), &s.ph, &size, MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER );
}

static NTSTATUS free_placeholders( void )
{
    NTSTATUS status;
    void *addr = s.ph;
    SIZE_T size = 0;

    if ((status = NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, MEM_RELEASE ))) return status;
    addr = (char *)s.ph + 2 * GRAN;
    size = 0;
    return NtFreeVirtualMemory( NtCurrentProcess(), &addr, &size, MEM_RELEASE );
}

static NTSTATUS create_pagefile_section( void )
{
    LARGE_INTEGER size = { .QuadPart = 4 * GRAN };
    return NtCreateSection( &s.section, SECTION_ALL_ACCESS, NULL, &size, PAGE_READWRITE, SEC_RESERVE, NULL );
}

static NTSTATUS map_whole( HANDLE section, void **view, ULONG prot )
{
    SIZE_T size = 0;
    *view = NULL;
    return NtMapViewOfSection( section, NtCurrentProcess(), view, 0, 0, NULL, &size, ViewShare, 0, prot );
}

static NTSTATUS map_pagefile_section( void )
{
    return map_whole( s.section, &s.view, PAGE_READWRITE );
}

static NTSTATUS commit_in_view( void )
{
    void *addr = (char *)s.view + GRAN;
    SIZE_T size = 2 * PAGE;
    return NtAllocateVirtualMemory( NtCurrentProcess(), &addr, 0, &size, MEM_COMMIT, PAGE_READWRITE );
}

static NTSTATUS unmap_pagefile_section( void )
{
    return NtUnmapViewOfSection( NtCurrentProcess(), s.view );
}

static NTSTATUS close_pagefile_section( void )
{
    return NtClose( s.section );
}

static NTSTATUS create_file_section( void )
{
    return NtCreateSection( &s.fsection, SECTION_ALL_ACCESS, NULL, NULL, PAGE_READWRITE, SEC_COMMIT, s.file );
}

static NTSTATUS map_file_section( void )
{
    return map_whole( s.fsection, &s.fview, PAGE_WRITECOPY );
}

static NTSTATUS flush_file_view( void )
{
    const void *addr = s.fview;
    SIZE_T size = PAGE;
    return NtFlushVirtualMemory( NtCurrentProcess(), &addr, &size, 0 );
}

static NTSTATUS query_file_view_name( void )
{
    char buf[1024];
    return NtQueryVirtualMemory( NtCurrentProcess(), s.fview, MemoryMappedFilenameInformation, buf, sizeof(buf), NULL );
}

static NTSTATUS unmap_file_section( void )
{
    return NtUnmapViewOfSection( NtCurrentProcess(), s.fview );
}

static NTSTATUS close_file_section( void )
{
    return NtClose( s.fsection );
}

static NTSTATUS create_image_section( void )
{
    return NtCreateSection( &s.isection, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, SEC_IMAGE, s.ifile );
}

static NTSTATUS map_image_section( void )
{
    NTSTATUS status = map_whole( s.isection, &s.iview, PAGE_READWRITE );

    /* not at its preferred base (taken by the second round's view, or by anything): relocated */
    return status == STATUS_IMAGE_NOT_AT_BASE ? STATUS_SUCCESS : status;
}

static NTSTATUS query_image_view( void )
{
    MEMORY_BASIC_INFORMATION mbi;
    return NtQueryVirtualMemory( NtCurrentProcess(), s.iview, MemoryBasicInformation, &mbi, sizeof(mbi), NULL );
}

static NTSTATUS unmap_image_section( void )
{
    return NtUnmapViewOfSection( NtCurrentProcess(), s.iview );
}

static NTSTATUS close_image_section( void )
{
    return NtClose( s.isection );
}

static const struct
{
    const char *name;
    NTSTATUS (*call)( void );
} steps[] =
{
    { "NtAllocateVirtualMemory(MEM_RESERVE)", reserve },
    { "NtAllocateVirtualMemory(MEM_COMMIT)", commit },
    { "NtProtectVirtualMemory (32 runs)", protect_many },
    { "NtQueryVirtualMemory(MemoryBasicInformation)", query_basic },
    { "NtQueryVirtualMemory(MemoryWorkingSetExInformation)", query_working_set_ex },
    { "NtLockVirtualMemory", lock_pages },
    { "NtUnlockVirtualMemory", unlock_pages },
    { "NtFreeVirtualMemory(MEM_DECOMMIT)", decommit },
    { "NtFreeVirtualMemory(MEM_RELEASE)", release_all },
    { "NtAllocateVirtualMemory(over a mapping it has not seen)", alloc_over_unseen_mapping },
    { "NtAllocateVirtualMemory(MEM_WRITE_WATCH)", alloc_write_watch },
    { "NtGetWriteWatch(WRITE_WATCH_FLAG_RESET)", get_write_watch_reset },
    { "NtResetWriteWatch", reset_write_watch },
    { "NtFreeVirtualMemory(write watch)", free_write_watch },
    { "NtAllocateVirtualMemoryEx(MEM_RESERVE_PLACEHOLDER)", reserve_placeholder },
    { "NtFreeVirtualMemory(MEM_PRESERVE_PLACEHOLDER)", split_placeholder },
    { "NtFreeVirtualMemory(placeholders)", free_placeholders },
    { "NtCreateSection(SEC_RESERVE)", create_pagefile_section },
    { "NtMapViewOfSection(SEC_RESERVE)", map_pagefile_section },
    { "NtAllocateVirtualMemory(MEM_COMMIT in a view)", commit_in_view },
    { "NtUnmapViewOfSection(SEC_RESERVE)", unmap_pagefile_section },
    { "NtClose(section)", close_pagefile_section },
    { "NtCreateSection(file)", create_file_section },
    { "NtMapViewOfSection(file, PAGE_WRITECOPY)", map_file_section },
    { "NtFlushVirtualMemory", flush_file_view },
    { "NtQueryVirtualMemory(MemoryMappedFilenameInformation)", query_file_view_name },
    { "NtUnmapViewOfSection(file)", unmap_file_section },
    { "NtClose(file section)", close_file_section },
    { "NtCreateSection(SEC_IMAGE)", create_image_section },
    { "NtMapViewOfSection(SEC_IMAGE)", map_image_section },
    { "NtQueryVirtualMemory(image view)", query_image_view },
    { "NtUnmapViewOfSection(SEC_IMAGE)", unmap_image_section },
    { "NtClose(image section)", close_image_section },
};

/* the data file and the PE file the steps map; 0 after a reported failure or skip */
static int open_files( const char *tag )
{
    char why[256], ipath[] = "/tmp/ntdll-mm-apc-XXXXXX";
    unsigned char *data;
    size_t size;
    int fd, ret;

    if (!(data = load_pe_sample( "pe_sample64.dll", &size, why, sizeof(why) )))
    {
        skip( "pe_sample64.dll: %s\n", why );
        return 0;
    }
    fd = mkstemp( ipath );
    ret = fd >= 0 && write( fd, data, size ) == (ssize_t)size;
    free( data );
    if (fd >= 0) unlink( ipath );
    ok( ret, "cannot write %s\n", ipath );
    ret = ret && !ntdll_mm_file_handle_from_fd( fd, GENERIC_READ | GENERIC_EXECUTE, &s.ifile );
    if (fd >= 0) close( fd );
    if (!ret) return 0;
    if (make_test_file( s.path, tag, 4 * GRAN ) || !(s.file = open_file( s.path, GENERIC_READ | GENERIC_WRITE )))
    {
        NtClose( s.ifile );
        return 0;
    }
    return 1;
}

static void close_files( void )
{
    close_handle( s.file );
    close_handle( s.ifile );
    remove_test_file( s.path );
}

TEST(Nt_calls_never_use_the_C_heap)
{
    struct ntdll_mm_heap_info heap[2];

    if (!open_files( "heap" )) return;

    for (unsigned int round = 0; round < 2; round++)
    {
        for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
        {
            NTSTATUS status;
            unsigned int calls;

            c_heap_calls = 0;
            counting = 1;
            status = steps[i].call();
            counting = 0;
            calls = c_heap_calls;
            ok( status == STATUS_SUCCESS, "round %u, %s: %s\n", round, steps[i].name, status_name( status ) );
            ok( calls == 0, "round %u, %s: %u C heap calls, expected 0\n", round, steps[i].name, calls );
        }
        ntdll_mm_get_heap_info( &heap[round] );
    }
    /* the first round may leave foreign nodes (the mappings the library learnt about when it
     * read the kernel's map again), a cache; the second leaves exactly as much */
    ok( heap[1].blocks == heap[0].blocks && heap[1].big == heap[0].big && heap[1].chunks == heap[0].chunks,
        "the library's heap after the second round: %zu small blocks, %zu big, %zu chunks; after the first %zu, %zu, %zu\n",
        heap[1].blocks, heap[1].big, heap[1].chunks, heap[0].blocks, heap[0].big, heap[0].chunks );
    close_files();
}

/* ---- on a signal stack -------------------------------------------------------------------- */

#define STACK_BUDGET (32 * 1024)      /* what an NT call may use */
#define ALT_STACK    (256 * 1024)     /* room to measure a call that uses more */
#define STACK_FILL   0xa5

static char *alt_stack;
static unsigned int handler_failures;

/* the deepest use of the alternate stack below 'from' since it was filled */
static size_t stack_used_below( const char *from )
{
    const char *p = alt_stack;

    while (p < from && (unsigned char)*p == STACK_FILL) p++;
    return from - p;
}

static void run_steps_handler( int sig )
{
    /* below this handler's frame and memset's */
    char *from = (char *)__builtin_frame_address( 0 ) - 1024;

    for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
    {
        NTSTATUS status;
        size_t used;

        memset( alt_stack, STACK_FILL, from - alt_stack );
        status = steps[i].call();
        used = stack_used_below( from );
        /* printf is safe here: the signal was raised by the test itself, outside stdio */
        if (status) handler_failures++;
        ok( !status, "%s from a signal handler: %s\n", steps[i].name, status_name( status ) );
        ok( used <= STACK_BUDGET, "%s used %zu bytes of stack, more than %u\n", steps[i].name, used, STACK_BUDGET );
        if (used > STACK_BUDGET / 2) trace( "%s: %zu bytes of stack\n", steps[i].name, used );
    }
}

static void signal_stack_child( void *arg )
{
    struct sigaction sa;
    stack_t ss;
    char *mem;

    /* a guard page below the stack: an overflow kills the child instead of writing on */
    mem = mmap( NULL, ALT_STACK + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );
    if (mem == MAP_FAILED || mprotect( mem, PAGE, PROT_NONE ))
    {
        ok( 0, "cannot map the alternate stack: %s\n", strerror( errno ) );
        return;
    }
    alt_stack = mem + PAGE;
    ss.ss_sp = alt_stack;
    ss.ss_size = ALT_STACK;
    ss.ss_flags = 0;
    memset( &sa, 0, sizeof(sa) );
    sa.sa_handler = run_steps_handler;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset( &sa.sa_mask );
    if (sigaltstack( &ss, NULL ) || sigaction( SIGUSR2, &sa, NULL ))
    {
        ok( 0, "cannot set the handler up: %s\n", strerror( errno ) );
        return;
    }
    raise( SIGUSR2 );
    ok( !handler_failures, "%u calls failed on the signal stack\n", handler_failures );
}

TEST(Nt_calls_fit_in_32k_of_a_signal_stack)
{
    int st;

    if (!open_files( "sigstack" )) return;
    st = run_in_child( signal_stack_child, NULL );
    ok( WIFEXITED( st ), "the child died of signal %d (%s)\n", WIFSIGNALED( st ) ? WTERMSIG( st ) : 0,
        WIFSIGNALED( st ) ? strsignal( WTERMSIG( st ) ) : "" );
    close_files();
}

/* the counting wrappers themselves: a check that cannot see a C heap call would pass anything */
TEST(Nt_calls_never_use_the_C_heap_the_counter_counts)
{
    /* through volatile pointers: the compiler may drop a malloc/free pair it can see */
    void *(*volatile do_malloc)( size_t ) = malloc;
    void *(*volatile do_realloc)( void *, size_t ) = realloc;
    void (*volatile do_free)( void * ) = free;
    void *p;

    c_heap_calls = 0;
    counting = 1;
    p = do_malloc( 100 );
    p = do_realloc( p, 10000 );
    do_free( p );
    counting = 0;
    ok( c_heap_calls == 3, "counted %u C heap calls, expected 3\n", c_heap_calls );
}

/* the library's heap: size classes reused, big blocks given back, realloc keeps the contents */
TEST(ntdll_mm_heap_reuses_and_returns_blocks)
{
    struct ntdll_mm_heap_info before, mid, after;
    NTSTATUS status;
    void *bases[300];
    SIZE_T size;

    ntdll_mm_get_heap_info( &before );
    for (size_t i = 0; i < ARRAY_SIZE(bases); i++)
    {
        bases[i] = NULL;
        size = GRAN;
        status = NtAllocateVirtualMemory( NtCurrentProcess(), &bases[i], 0, &size, MEM_RESERVE, PAGE_NOACCESS );
        ok( !status, "allocation %zu: %s\n", i, status_name( status ) );
        if (status) bases[i] = NULL;
    }
    ntdll_mm_get_heap_info( &mid );
    ok( mid.blocks >= before.blocks + ARRAY_SIZE(bases), "%zu small blocks in use with %zu more allocations, %zu before\n",
        mid.blocks, ARRAY_SIZE(bases), before.blocks );
    for (size_t i = 0; i < ARRAY_SIZE(bases); i++)
    {
        size = 0;
        if (bases[i]) NtFreeVirtualMemory( NtCurrentProcess(), &bases[i], &size, MEM_RELEASE );
    }
    ntdll_mm_get_heap_info( &after );
    ok( after.blocks == before.blocks && after.big == before.big, "blocks in use %zu/%zu after, %zu/%zu before\n",
        after.blocks, after.big, before.blocks, before.big );
    ok( after.chunks == mid.chunks, "chunks %zu after freeing, %zu before\n", after.chunks, mid.chunks );
}

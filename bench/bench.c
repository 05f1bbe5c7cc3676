/*
 * ntdll-mm benchmark program (not a test: it never fails on numbers).
 *
 * Measures the NT private-memory calls of libntdll-mm against raw Linux system calls
 * doing the same work in the same run, and prints for each row the median ns/op of both
 * sides and their ratio.  Run with `make bench`; see docs/benchmarks.md.
 *
 * Usage: ntdll-mm-bench [-q] [-n N] [-r R] [--regions N] [--only LIST] [--tsv FILE] [--cpu-time]
 *                       [--side ntdll-mm|raw] [-v]   (--help for details)
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/perf_event.h>
#if defined(__x86_64__)
# include <ucontext.h>
# include <linux/audit.h>
# include <linux/filter.h>
# include <linux/seccomp.h>
#endif

#include "ntdll-mm.h"

#define CHUNK 0x10000   /* 64 KiB: the NT allocation granularity */

/* PROCMAP_QUERY (Linux 6.11): ask the kernel which VMA covers an address, one ioctl on an
 * open /proc/self/maps.  Debian 12's headers predate it, so the UAPI layout is spelt here. */
struct bench_procmap_query
{
    uint64_t size;
    uint64_t query_flags;
    uint64_t query_addr;
    uint64_t vma_start;
    uint64_t vma_end;
    uint64_t vma_flags;
    uint64_t vma_page_size;
    uint64_t vma_offset;
    uint64_t inode;
    uint32_t dev_major;
    uint32_t dev_minor;
    uint32_t vma_name_size;
    uint32_t build_id_size;
    uint64_t vma_name_addr;
    uint64_t build_id_addr;
};
#define BENCH_PROCMAP_QUERY _IOWR( 'f', 17, struct bench_procmap_query )

/* options */
static unsigned int opt_iters = 1000;     /* 64K operations per repetition (per thread) */
static unsigned int opt_reps = 15;        /* timed repetitions; the median is reported */
static unsigned int opt_regions = 10000;  /* allocations for the query rows */
static const char *opt_only;              /* comma-separated row ids, NULL = all */
static const char *opt_tsv;
static int opt_verbose;                   /* print every repetition */
static int opt_side;                      /* 0 both, 1 ntdll-mm only, 2 raw only (for profiling) */

static size_t page_size;
static int maps_fd = -1;                  /* /proc/self/maps, for PROCMAP_QUERY */

/* state shared by the rows */
static void *reservation;                 /* commit/decommit: NT reservation */
static char *raw_reservation;             /* commit/decommit: PROT_NONE mapping */
static void *nt_block;                    /* protection toggles: committed NT 64K */
static char *raw_block;                   /* protection toggles: RW mapping */
static ULONG nt_block_prot = PAGE_READWRITE;
static void **regions;                    /* query: opt_regions NT allocation bases */
static unsigned long raw_aligned, raw_total;

#define RESERVATION_SIZE (16 * CHUNK)

static void fatal( const char *fmt, ... ) __attribute__((format(printf, 1, 2), noreturn));
static void fatal( const char *fmt, ... )
{
    va_list args;

    fflush( stdout );
    fprintf( stderr, "ntdll-mm-bench: " );
    va_start( args, fmt );
    vfprintf( stderr, fmt, args );
    va_end( args );
    exit( 2 );
}

static clockid_t bench_clock = CLOCK_MONOTONIC;  /* --cpu-time: CLOCK_THREAD_CPUTIME_ID */

static inline uint64_t clock_ns( clockid_t clock )
{
    struct timespec ts;

    clock_gettime( clock, &ts );
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* write one byte per page */
static inline void touch( void *base, size_t size )
{
    volatile char *p = base;
    size_t off;

    for (off = 0; off < size; off += page_size) p[off] = 1;
}

/* ------------------------------------------------------------------------------------- */
/* NT helpers */

static void *nt_alloc( SIZE_T size, ULONG type, ULONG prot )
{
    void *base = NULL;
    NTSTATUS status;

    status = NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, &size, type, prot );
    if (status) fatal( "NtAllocateVirtualMemory(%#x, %#x) failed: status %#x\n",
                       (unsigned int)type, (unsigned int)prot, (unsigned int)status );
    return base;
}

static void nt_release( void *base )
{
    SIZE_T size = 0;
    NTSTATUS status;

    status = NtFreeVirtualMemory( NtCurrentProcess(), &base, &size, MEM_RELEASE );
    if (status) fatal( "NtFreeVirtualMemory(%p, MEM_RELEASE) failed: status %#x\n", base,
                       (unsigned int)status );
}

static void *raw_map( size_t size, int prot, int flags )
{
    void *p = mmap( NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0 );

    if (p == MAP_FAILED) fatal( "mmap(%#zx) failed: %s\n", size, strerror( errno ) );
    return p;
}

/* ------------------------------------------------------------------------------------- */
/* row 1: reserve + commit + touch + release of 64 KiB */

static void cycle_nt( unsigned int n )
{
    unsigned int i;

    for (i = 0; i < n; i++)
    {
        void *base = NULL;
        SIZE_T size = CHUNK;
        NTSTATUS status;

        status = NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, &size,
                                          MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
        if (status) fatal( "64K cycle: NtAllocateVirtualMemory failed: status %#x\n", (unsigned int)status );
        if ((ULONG_PTR)base & (CHUNK - 1) || size != CHUNK)
            fatal( "64K cycle: NtAllocateVirtualMemory returned %p size %#lx, not a 64K-aligned 64K block\n",
                   base, (unsigned long)size );
        touch( base, CHUNK );
        size = 0;
        status = NtFreeVirtualMemory( NtCurrentProcess(), &base, &size, MEM_RELEASE );
        if (status) fatal( "64K cycle: NtFreeVirtualMemory failed: status %#x\n", (unsigned int)status );
    }
}

/* raw side: one mmap of 64K read/write (the kernel does not promise 64K alignment; how often
 * it happens to give it is counted and printed), touch, munmap */
static void cycle_raw( unsigned int n )
{
    unsigned int i;

    for (i = 0; i < n; i++)
    {
        char *p = mmap( NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );

        if (p == MAP_FAILED) fatal( "64K cycle: mmap failed: %s\n", strerror( errno ) );
        raw_total++;
        if (!((uintptr_t)p & (CHUNK - 1))) raw_aligned++;
        touch( p, CHUNK );
        munmap( p, CHUNK );
    }
}

/* raw side that also guarantees 64K alignment: mmap 64K; if misaligned, unmap, map 128K
 * and trim the excess on both sides; touch; munmap */
static void cycle_raw_aligned( unsigned int n )
{
    unsigned int i;

    for (i = 0; i < n; i++)
    {
        char *p = mmap( NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );

        if (p == MAP_FAILED) fatal( "64K cycle: mmap failed: %s\n", strerror( errno ) );
        if ((uintptr_t)p & (CHUNK - 1))
        {
            char *q, *aligned;

            munmap( p, CHUNK );
            q = mmap( NULL, 2 * CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );
            if (q == MAP_FAILED) fatal( "64K cycle: mmap failed: %s\n", strerror( errno ) );
            aligned = (char *)(((uintptr_t)q + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1));
            if (aligned > q) munmap( q, aligned - q );
            if (aligned + CHUNK < q + 2 * CHUNK) munmap( aligned + CHUNK, q + 2 * CHUNK - (aligned + CHUNK) );
            p = aligned;
        }
        touch( p, CHUNK );
        munmap( p, CHUNK );
    }
}

/* ------------------------------------------------------------------------------------- */
/* row 2: commit + touch + decommit of 64K inside a 1 MiB reservation (a sliding window) */

static void commit_setup( void )
{
    reservation = nt_alloc( RESERVATION_SIZE, MEM_RESERVE, PAGE_READWRITE );
    raw_reservation = raw_map( RESERVATION_SIZE, PROT_NONE, MAP_NORESERVE );
}

static void commit_cleanup( void )
{
    nt_release( reservation );
    munmap( raw_reservation, RESERVATION_SIZE );
}

static void commit_nt( unsigned int n )
{
    unsigned int i;

    for (i = 0; i < n; i++)
    {
        void *base = (char *)reservation + (i % (RESERVATION_SIZE / CHUNK)) * CHUNK;
        void *want = base;
        SIZE_T size = CHUNK;
        NTSTATUS status;

        status = NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, &size, MEM_COMMIT, PAGE_READWRITE );
        if (status || base != want) fatal( "commit: NtAllocateVirtualMemory(%p) failed: status %#x base %p\n",
                                           want, (unsigned int)status, base );
        touch( base, CHUNK );
        status = NtFreeVirtualMemory( NtCurrentProcess(), &base, &size, MEM_DECOMMIT );
        if (status) fatal( "commit: NtFreeVirtualMemory(%p, MEM_DECOMMIT) failed: status %#x\n",
                           base, (unsigned int)status );
    }
}

static void commit_raw( unsigned int n )
{
    unsigned int i;

    for (i = 0; i < n; i++)
    {
        char *p = raw_reservation + (i % (RESERVATION_SIZE / CHUNK)) * CHUNK;

        if (mprotect( p, CHUNK, PROT_READ | PROT_WRITE )) fatal( "commit: mprotect failed: %s\n", strerror( errno ) );
        touch( p, CHUNK );
        madvise( p, CHUNK, MADV_DONTNEED );
        mprotect( p, CHUNK, PROT_NONE );
    }
}

/* ------------------------------------------------------------------------------------- */
/* row 3: protection toggles READWRITE <-> READONLY on a committed, touched 64K */

static void protect_setup( void )
{
    nt_block = nt_alloc( CHUNK, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    touch( nt_block, CHUNK );
    /* a VMA of its own: PROT_NONE guards on both sides, so that the kernel cannot merge it
     * with a neighbouring read/write mapping (toggling would then split and re-merge it) */
    raw_block = raw_map( 3 * CHUNK, PROT_NONE, MAP_NORESERVE );
    raw_block += CHUNK;
    if (mprotect( raw_block, CHUNK, PROT_READ | PROT_WRITE )) fatal( "mprotect failed: %s\n", strerror( errno ) );
    touch( raw_block, CHUNK );
}

static void protect_cleanup( void )
{
    ULONG old;
    void *base = nt_block;
    SIZE_T size = CHUNK;

    NtProtectVirtualMemory( NtCurrentProcess(), &base, &size, PAGE_READWRITE, &old );
    nt_block_prot = PAGE_READWRITE;
    nt_release( nt_block );
    munmap( raw_block - CHUNK, 3 * CHUNK );
}

static void protect_nt( unsigned int n )
{
    unsigned int i;

    for (i = 0; i < n; i++)
    {
        ULONG prot = nt_block_prot == PAGE_READWRITE ? PAGE_READONLY : PAGE_READWRITE, old;
        void *base = nt_block;
        SIZE_T size = CHUNK;
        NTSTATUS status;

        status = NtProtectVirtualMemory( NtCurrentProcess(), &base, &size, prot, &old );
        if (status) fatal( "protect: NtProtectVirtualMemory failed: status %#x\n", (unsigned int)status );
        if (old != nt_block_prot)
            fatal( "protect: NtProtectVirtualMemory returned old protection %#x, expected %#x\n",
                   (unsigned int)old, (unsigned int)nt_block_prot );
        nt_block_prot = prot;
    }
}

static void protect_raw( unsigned int n )
{
    unsigned int i;

    for (i = 0; i < n; i++)
    {
        int prot = (i & 1) ? PROT_READ | PROT_WRITE : PROT_READ;

        if (mprotect( raw_block, CHUNK, prot )) fatal( "protect: mprotect failed: %s\n", strerror( errno ) );
    }
}

struct syscall_report
{
    long count;
    long nr[8];
};

/* ------------------------------------------------------------------------------------- */
/* row 4: NtQueryVirtualMemory(MemoryBasicInformation) over opt_regions allocations,
 * alternately committed and reserved */

static void query_check( unsigned int i )
{
    MEMORY_BASIC_INFORMATION mbi;
    SIZE_T len = 0;
    NTSTATUS status;
    ULONG state = (i & 1) ? MEM_RESERVE : MEM_COMMIT;

    status = NtQueryVirtualMemory( NtCurrentProcess(), regions[i], MemoryBasicInformation,
                                   &mbi, sizeof(mbi), &len );
    if (status || len != sizeof(mbi))
        fatal( "query: NtQueryVirtualMemory(%p) failed: status %#x len %lu\n", regions[i],
               (unsigned int)status, (unsigned long)len );
    if (mbi.BaseAddress != regions[i] || mbi.AllocationBase != regions[i] ||
        mbi.RegionSize != CHUNK || mbi.State != state || mbi.Type != MEM_PRIVATE ||
        mbi.Protect != ((i & 1) ? 0 : PAGE_READWRITE))
        fatal( "query: NtQueryVirtualMemory(%p) gave base %p allocbase %p size %#lx state %#x "
               "protect %#x type %#x; expected a 64K %s region\n", regions[i], mbi.BaseAddress,
               mbi.AllocationBase, (unsigned long)mbi.RegionSize, (unsigned int)mbi.State,
               (unsigned int)mbi.Protect, (unsigned int)mbi.Type, (i & 1) ? "reserved" : "committed" );
}

static long count_query_syscalls( struct syscall_report *out );
static long nsys = -2;                    /* -2 not run, -1 could not run */
static struct syscall_report sysrep;

static void query_setup( void )
{
    unsigned int i;

    regions = calloc( opt_regions, sizeof(*regions) );
    if (!regions) fatal( "out of memory\n" );
    for (i = 0; i < opt_regions; i++)
        regions[i] = nt_alloc( CHUNK, (i & 1) ? MEM_RESERVE : MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    /* one untimed, checked pass; the write(-1) markers make it easy to find in an strace log */
    if (write( -1, "query-loop-begin", 16 )) {}
    for (i = 0; i < opt_regions; i++) query_check( i );
    if (write( -1, "query-loop-end", 14 )) {}
    if (nsys == -2) nsys = count_query_syscalls( &sysrep );
}

static void query_cleanup( void )
{
    unsigned int i;

    for (i = 0; i < opt_regions; i++) nt_release( regions[i] );
    free( regions );
    regions = NULL;
}

static void query_nt( unsigned int n )
{
    MEMORY_BASIC_INFORMATION mbi;
    unsigned int i, j = 0;
    NTSTATUS status;

    for (i = 0; i < n; i++)
    {
        status = NtQueryVirtualMemory( NtCurrentProcess(), regions[j], MemoryBasicInformation,
                                       &mbi, sizeof(mbi), NULL );
        if (status) fatal( "query: NtQueryVirtualMemory failed: status %#x\n", (unsigned int)status );
        if (++j == opt_regions) j = 0;
    }
}

/* raw side: the kernel's answer for the same addresses through PROCMAP_QUERY */
static void query_raw( unsigned int n )
{
    struct bench_procmap_query q;
    unsigned int i, j = 0;

    for (i = 0; i < n; i++)
    {
        memset( &q, 0, sizeof(q) );
        q.size = sizeof(q);
        q.query_addr = (uintptr_t)regions[j];
        if (ioctl( maps_fd, BENCH_PROCMAP_QUERY, &q ))
            fatal( "query: PROCMAP_QUERY failed: %s\n", strerror( errno ) );
        if (++j == opt_regions) j = 0;
    }
}

static int have_procmap_query( void )
{
    struct bench_procmap_query q;

    memset( &q, 0, sizeof(q) );
    q.size = sizeof(q);
    q.query_addr = (uintptr_t)&q;
    return maps_fd != -1 && !ioctl( maps_fd, BENCH_PROCMAP_QUERY, &q );
}

/* raw side without PROCMAP_QUERY: read and scan /proc/self/maps for each address */
static char *maps_buf;
static size_t maps_buf_size;

static void query_maps_raw( unsigned int n )
{
    static unsigned int j;   /* spread the few addresses over all the regions */
    unsigned int i;

    if (!maps_buf)
    {
        maps_buf_size = 64 << 20;
        if (!(maps_buf = malloc( maps_buf_size ))) fatal( "out of memory\n" );
    }
    for (i = 0; i < n; i++)
    {
        uintptr_t addr = (uintptr_t)regions[j], start, end;
        size_t len = 0;
        ssize_t ret;
        char *line, *next;
        int fd = open( "/proc/self/maps", O_RDONLY | O_CLOEXEC );
        int found = 0;

        if (fd == -1) fatal( "open /proc/self/maps: %s\n", strerror( errno ) );
        while ((ret = read( fd, maps_buf + len, maps_buf_size - 1 - len )) > 0) len += ret;
        close( fd );
        maps_buf[len] = 0;
        for (line = maps_buf; *line; line = next)
        {
            if (!(next = strchr( line, '\n' ))) next = line + strlen( line );
            else next++;
            start = strtoul( line, &line, 16 );
            end = strtoul( line + 1, NULL, 16 );
            if (addr >= start && addr < end)
            {
                found = 1;
                break;
            }
        }
        if (!found) fatal( "query: %p not found in /proc/self/maps\n", regions[j] );
        j = (j + opt_regions / 7 + 1) % opt_regions;
    }
}

/* ------------------------------------------------------------------------------------- */
/* query-walk: with the query row's allocations, NtQueryVirtualMemory from address 0, each
 * time at BaseAddress + RegionSize, until it fails (what a program listing its address space
 * does; winebench's query-walk row).  ntdll-mm ns/op = one whole walk.  Raw side: the same
 * walk over the kernel's VMAs, one PROCMAP_QUERY (covering or next VMA) per VMA. */

#define BENCH_PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10
static unsigned long walk_regions, walk_vmas;

static void walk_nt( unsigned int n )
{
    for (unsigned int i = 0; i < n; i++)
    {
        MEMORY_BASIC_INFORMATION mbi;
        uintptr_t p = 0;
        unsigned long count = 0;

        while (!NtQueryVirtualMemory( NtCurrentProcess(), (void *)p, MemoryBasicInformation, &mbi, sizeof(mbi), NULL ))
        {
            if (!mbi.RegionSize) fatal( "query-walk: RegionSize 0 at %#lx\n", (unsigned long)p );
            p = (uintptr_t)mbi.BaseAddress + mbi.RegionSize;
            count++;
        }
        walk_regions = count;
    }
}

static void walk_raw( unsigned int n )
{
    for (unsigned int i = 0; i < n; i++)
    {
        struct bench_procmap_query q;
        uint64_t p = 0;
        unsigned long count = 0;

        for (;;)
        {
            memset( &q, 0, sizeof(q) );
            q.size = sizeof(q);
            q.query_flags = BENCH_PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
            q.query_addr = p;
            if (ioctl( maps_fd, BENCH_PROCMAP_QUERY, &q )) break;
            p = q.vma_end;
            count++;
        }
        walk_vmas = count;
    }
}

/* ------------------------------------------------------------------------------------- */
/* vma-protect: a committed, untouched reservation of VMA_PAGES pages; NtProtectVirtualMemory
 * of one page at a time, in passes over the even pages, alternately making them read-only and
 * read/write again (the odd pages stay read/write): up to VMA_PAGES runs of page state, and as
 * many kernel VMAs (winebench's vma-protect row).  Raw side: mprotect of the same pages of an
 * mmap'ed area of the same size. */

/* 30,000 (winebench: 50,000): both sides' VMAs must fit in vm.max_map_count (65,530) */
#define VMA_PAGES 30000
static char *vma_nt_base, *vma_raw_base;
static unsigned long vma_nt_next, vma_raw_next;   /* calls made so far (position in the passes) */

static void vma_setup( void )
{
    vma_nt_base = nt_alloc( (SIZE_T)VMA_PAGES * page_size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    vma_raw_base = raw_map( (size_t)VMA_PAGES * page_size, PROT_READ | PROT_WRITE, 0 );
    vma_nt_next = vma_raw_next = 0;
}

static void vma_cleanup( void )
{
    nt_release( vma_nt_base );
    munmap( vma_raw_base, (size_t)VMA_PAGES * page_size );
}

static void vma_protect_nt( unsigned int n )
{
    const unsigned long even = (VMA_PAGES + 1) / 2;

    for (unsigned int i = 0; i < n; i++, vma_nt_next++)
    {
        int ro = !((vma_nt_next / even) & 1);
        ULONG prot = ro ? PAGE_READONLY : PAGE_READWRITE, old;
        void *base = vma_nt_base + 2 * (vma_nt_next % even) * page_size;
        SIZE_T size = page_size;
        NTSTATUS status = NtProtectVirtualMemory( NtCurrentProcess(), &base, &size, prot, &old );

        if (status) fatal( "vma-protect: NtProtectVirtualMemory failed: status %#x\n", (unsigned int)status );
        if (old != (ro ? PAGE_READWRITE : PAGE_READONLY))
            fatal( "vma-protect: old protection %#x\n", (unsigned int)old );
    }
}

static void vma_protect_raw( unsigned int n )
{
    const unsigned long even = (VMA_PAGES + 1) / 2;

    for (unsigned int i = 0; i < n; i++, vma_raw_next++)
    {
        int ro = !((vma_raw_next / even) & 1);

        if (mprotect( vma_raw_base + 2 * (vma_raw_next % even) * page_size, page_size,
                      ro ? PROT_READ : PROT_READ | PROT_WRITE ))
            fatal( "vma-protect: mprotect failed: %s\n", strerror( errno ) );
    }
}

/* Count the system calls made by one pass of NtQueryVirtualMemory over every region: a
 * forked child installs a seccomp filter that traps every system call (SIGSYS, the call
 * is not executed) except rt_sigreturn and exit_group, runs the pass, and leaves the count
 * in a shared page.  Returns -1 if the check could not be made. */
static struct syscall_report *report;

#if defined(__x86_64__)
static void sigsys_handler( int sig, siginfo_t *info, void *ctx )
{
    ucontext_t *uc = ctx;

    if (report->count < 8) report->nr[report->count] = info->si_syscall;
    report->count++;
    uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
}
#endif

static long count_query_syscalls( struct syscall_report *out )
{
#if defined(__x86_64__)
    struct sock_filter filter[] =
    {
        BPF_STMT( BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch) ),
        BPF_JUMP( BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0 ),
        BPF_STMT( BPF_RET | BPF_K, SECCOMP_RET_TRAP ),
        BPF_STMT( BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr) ),
        BPF_JUMP( BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 2, 0 ),
        BPF_JUMP( BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 1, 0 ),
        BPF_STMT( BPF_RET | BPF_K, SECCOMP_RET_TRAP ),
        BPF_STMT( BPF_RET | BPF_K, SECCOMP_RET_ALLOW ),
    };
    struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };
    MEMORY_BASIC_INFORMATION mbi;
    int status;
    pid_t pid;

    report = mmap( NULL, sizeof(*report), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0 );
    if (report == MAP_FAILED) return -1;
    report->count = -1;
    fflush( NULL );
    if ((pid = fork()) == -1) return -1;
    if (!pid)
    {
        struct sigaction sa;
        unsigned int i;
        long found = 0;

        memset( &sa, 0, sizeof(sa) );
        sa.sa_sigaction = sigsys_handler;
        sa.sa_flags = SA_SIGINFO;
        sigaction( SIGSYS, &sa, NULL );
        alarm( 60 );
        /* warm the path once before the filter goes in */
        NtQueryVirtualMemory( NtCurrentProcess(), regions[0], MemoryBasicInformation, &mbi, sizeof(mbi), NULL );
        if (prctl( PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0 )) _exit( 3 );
        report->count = 0;
        if (syscall( SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog )) _exit( 3 );
        for (i = 0; i < opt_regions; i++)
        {
            if (NtQueryVirtualMemory( NtCurrentProcess(), regions[i], MemoryBasicInformation,
                                      &mbi, sizeof(mbi), NULL )) report->count += 1000000;
            else if (mbi.AllocationBase == regions[i]) found++;
        }
        if (found != opt_regions) report->count += 1000000;
        syscall( SYS_exit_group, 0 );
    }
    if (waitpid( pid, &status, 0 ) != pid || !WIFEXITED( status ) || WEXITSTATUS( status ))
    {
        munmap( report, sizeof(*report) );
        return -1;
    }
    *out = *report;
    munmap( report, sizeof(*report) );
    return out->count;
#else
    return -1;
#endif
}

/* ------------------------------------------------------------------------------------- */
/* row 5: the 64K cycle from two threads at once */

struct thread_arg
{
    pthread_barrier_t *barrier;
    void (*func)( unsigned int );
    unsigned int n;
};

static void *cycle_thread( void *ptr )
{
    struct thread_arg *arg = ptr;

    pthread_barrier_wait( arg->barrier );
    arg->func( arg->n );
    return NULL;
}

/* returns the aggregate time for 2 * n cycles */
static uint64_t run_two_threads( void (*func)( unsigned int ), unsigned int n )
{
    pthread_barrier_t barrier;
    pthread_t threads[2];
    struct thread_arg arg = { &barrier, func, n };
    uint64_t start;
    int i;

    pthread_barrier_init( &barrier, NULL, 3 );
    for (i = 0; i < 2; i++)
        if (pthread_create( &threads[i], NULL, cycle_thread, &arg )) fatal( "pthread_create failed\n" );
    pthread_barrier_wait( &barrier );
    /* wall time, whatever --cpu-time says: the two threads overlap */
    start = clock_ns( CLOCK_MONOTONIC );
    for (i = 0; i < 2; i++) pthread_join( threads[i], NULL );
    start = clock_ns( CLOCK_MONOTONIC ) - start;
    pthread_barrier_destroy( &barrier );
    return start;
}

static void threads_nt( unsigned int n ) { cycle_nt( n ); }
static void threads_raw( unsigned int n ) { cycle_raw( n ); }

/* ------------------------------------------------------------------------------------- */
/* system calls per operation, counted with the raw_syscalls:sys_enter tracepoint of this
 * thread (needs tracefs and root or CAP_PERFMON; skipped silently otherwise) */

static int sys_counter = -1;

static void open_syscall_counter( void )
{
    static const char * const paths[] =
    {
        "/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
        "/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
    };
    struct perf_event_attr attr;
    unsigned int i;
    long id = -1;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]) && id < 0; i++)
    {
        FILE *f = fopen( paths[i], "r" );
        if (!f) continue;
        if (fscanf( f, "%ld", &id ) != 1) id = -1;
        fclose( f );
    }
    if (id < 0) return;
    memset( &attr, 0, sizeof(attr) );
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.config = id;
    attr.disabled = 1;
    sys_counter = syscall( SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC );
}

/* system calls made by func( n ) in this thread, per operation; -1 if not counted */
static double count_syscalls( void (*func)( unsigned int ), unsigned int n )
{
    uint64_t count, overhead;

    if (sys_counter < 0) return -1;
    /* the counter sees the disabling ioctl itself: measure that with an empty run */
    ioctl( sys_counter, PERF_EVENT_IOC_RESET, 0 );
    ioctl( sys_counter, PERF_EVENT_IOC_ENABLE, 0 );
    ioctl( sys_counter, PERF_EVENT_IOC_DISABLE, 0 );
    if (read( sys_counter, &overhead, sizeof(overhead) ) != sizeof(overhead)) return -1;
    ioctl( sys_counter, PERF_EVENT_IOC_RESET, 0 );
    ioctl( sys_counter, PERF_EVENT_IOC_ENABLE, 0 );
    func( n );
    ioctl( sys_counter, PERF_EVENT_IOC_DISABLE, 0 );
    if (read( sys_counter, &count, sizeof(count) ) != sizeof(count)) return -1;
    return (double)(count - overhead) / n;
}

/* ------------------------------------------------------------------------------------- */
/* guard-page fault round trip: arm a guard page, touch it, the exception is delivered and
 * execution continues.  ntdll-mm: NtProtectVirtualMemory(PAGE_GUARD) + the library's fault
 * path + an exception callback that continues.  Raw: mprotect(PROT_NONE) + a SIGSEGV handler
 * of our own that mprotects the page back, which is what a program (or Wine 8.0) does without
 * the library. */

static char *guard_page;

static int guard_continue( const struct ntdll_mm_exception *exc, void *ucontext )
{
    return exc->code == STATUS_GUARD_PAGE_VIOLATION;
}

static void guard_setup( void )
{
    guard_page = nt_alloc( 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    ntdll_mm_set_exception_callback( guard_continue );
}

static void guard_cleanup( void )
{
    ntdll_mm_set_exception_callback( NULL );
    nt_release( guard_page );
}

static void guard_nt( unsigned int n )
{
    for (unsigned int i = 0; i < n; i++)
    {
        void *addr = guard_page;
        SIZE_T size = page_size;
        ULONG old;
        if (NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, PAGE_READWRITE | PAGE_GUARD, &old ))
            fatal( "guard: NtProtectVirtualMemory failed\n" );
        *(volatile char *)guard_page = (char)i;
    }
}

static void raw_guard_handler( int sig, siginfo_t *info, void *ctx )
{
    mprotect( guard_page, page_size, PROT_READ | PROT_WRITE );
}

static void guard_raw( unsigned int n )
{
    struct sigaction sa, old;

    memset( &sa, 0, sizeof(sa) );
    sa.sa_sigaction = raw_guard_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction( SIGSEGV, &sa, &old );
    for (unsigned int i = 0; i < n; i++)
    {
        mprotect( guard_page, page_size, PROT_NONE );
        *(volatile char *)guard_page = (char)i;
    }
    sigaction( SIGSEGV, &old, NULL );
}

/* ------------------------------------------------------------------------------------- */
/* 1 GiB allocated and touched (a byte per 4K page), with large pages vs small pages, both
 * through the library in the same run; needs root to size the hugetlb pool, restored after */

#define LARGE_BENCH_SIZE ((SIZE_T)1 << 30)
static long large_saved_pool = -1;

static long hugepages_sysctl( long set )
{
    long v = -1;
    FILE *f = fopen( "/proc/sys/vm/nr_hugepages", set >= 0 ? "we" : "re" );
    if (!f) return -1;
    if (set >= 0) v = fprintf( f, "%ld\n", set ) > 0 ? set : -1;
    else if (fscanf( f, "%ld", &v ) != 1) v = -1;
    if (fclose( f )) v = -1;
    return v;
}

static int large_prepare( char *why, size_t len )
{
    long pages = (long)(LARGE_BENCH_SIZE / 0x200000);
    large_saved_pool = hugepages_sysctl( -1 );
    if (large_saved_pool < 0 || hugepages_sysctl( large_saved_pool + pages ) < 0)
    {
        snprintf( why, len, "cannot size the hugetlb pool (needs root)" );
        return 0;
    }
    if (hugepages_sysctl( -1 ) < large_saved_pool + pages)
    {
        snprintf( why, len, "the kernel found only %ld of %ld huge pages", hugepages_sysctl( -1 ) - large_saved_pool, pages );
        hugepages_sysctl( large_saved_pool );
        return 0;
    }
    ntdll_mm_set_lock_memory_privilege( TRUE );
    return 1;
}

static void large_cleanup( void )
{
    ntdll_mm_set_lock_memory_privilege( FALSE );
    if (large_saved_pool >= 0) hugepages_sysctl( large_saved_pool );
}

static void large_touch( unsigned int n, ULONG type )
{
    for (unsigned int i = 0; i < n; i++)
    {
        char *p = nt_alloc( LARGE_BENCH_SIZE, type, PAGE_READWRITE );
        touch( p, LARGE_BENCH_SIZE );
        nt_release( p );
    }
}

static void large_nt( unsigned int n ) { large_touch( n, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES ); }
static void small_nt( unsigned int n ) { large_touch( n, MEM_RESERVE | MEM_COMMIT ); }

/* ------------------------------------------------------------------------------------- */
/* driver */

struct row
{
    const char *id;            /* for --only */
    const char *name;          /* printed */
    void (*setup)( void );
    void (*cleanup)( void );
    void (*nt)( unsigned int );
    void (*raw)( unsigned int );
    unsigned int nt_ops;       /* operations per repetition, from the options */
    unsigned int raw_ops;
    int threads;               /* 2: run each side from two threads, n ops each */
    double max_ratio;          /* target, 0 if none */
    double max_nt_ns;          /* absolute target, 0 if none */
    /* results */
    int done;
    double nt_med, raw_med, nt_min, raw_min, pair_ratio;
    double nt_sys, raw_sys;    /* system calls per operation, -1 if not counted */
};

static int wanted( const char *id )
{
    const char *p = opt_only;
    size_t len = strlen( id );

    if (!p) return 1;
    while (*p)
    {
        if (!strncmp( p, id, len ) && (p[len] == ',' || !p[len])) return 1;
        if (!(p = strchr( p, ',' ))) break;
        p++;
    }
    return 0;
}

static int cmp_double( const void *a, const void *b )
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median( double *v, unsigned int n )
{
    qsort( v, n, sizeof(*v), cmp_double );
    return (n & 1) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* one timed repetition of one side, in ns per operation */
static double time_side( struct row *row, void (*func)( unsigned int ), unsigned int n )
{
    uint64_t t;

    if (row->threads) return (double)run_two_threads( func, n ) / (2.0 * n);
    t = clock_ns( bench_clock );
    func( n );
    return (double)(clock_ns( bench_clock ) - t) / n;
}

static void run_row( struct row *row )
{
    double *nt = calloc( opt_reps, sizeof(double) ), *raw = calloc( opt_reps, sizeof(double) );
    double *pair = calloc( opt_reps, sizeof(double) );
    void (*nt_func)( unsigned int ) = opt_side == 2 ? NULL : row->nt;
    void (*raw_func)( unsigned int ) = opt_side == 1 ? NULL : row->raw;
    unsigned int r;

    if (!nt || !raw || !pair) fatal( "out of memory\n" );
    if (row->setup) row->setup();
    /* warm-up: a tenth of a repetition of each side */
    if (nt_func) nt_func( row->nt_ops / 10 + 1 );
    if (raw_func) raw_func( row->raw_ops / 10 + 1 );
    row->nt_sys = row->raw_sys = -1;
    if (!row->threads && nt_func && raw_func)
    {
        row->nt_sys = count_syscalls( nt_func, row->nt_ops / 10 + 1 );
        row->raw_sys = count_syscalls( raw_func, row->raw_ops / 10 + 1 );
    }
    /* alternate which side goes first so that drift hits both alike */
    for (r = 0; r < opt_reps; r++)
    {
        if (r & 1)
        {
            raw[r] = raw_func ? time_side( row, raw_func, row->raw_ops ) : 1;
            nt[r] = nt_func ? time_side( row, nt_func, row->nt_ops ) : 1;
        }
        else
        {
            nt[r] = nt_func ? time_side( row, nt_func, row->nt_ops ) : 1;
            raw[r] = raw_func ? time_side( row, raw_func, row->raw_ops ) : 1;
        }
    }
    if (opt_verbose)
    {
        printf( "%s:", row->id );
        for (r = 0; r < opt_reps; r++) printf( " %.0f/%.0f", nt[r], raw[r] );
        printf( "\n" );
    }
    for (r = 0; r < opt_reps; r++) pair[r] = nt[r] / raw[r];
    row->pair_ratio = median( pair, opt_reps );
    row->nt_med = median( nt, opt_reps );
    row->raw_med = median( raw, opt_reps );
    row->nt_min = nt[0];
    row->raw_min = raw[0];
    row->done = 1;
    if (row->cleanup) row->cleanup();
    free( nt );
    free( raw );
    free( pair );
}

static const char *verdict( const struct row *row, char *buf, size_t len )
{
    double ratio = row->nt_med / row->raw_med;

    if (row->max_ratio)
        snprintf( buf, len, "<= %.2fx %s", row->max_ratio, ratio <= row->max_ratio ? "met" : "MISSED" );
    else if (row->max_nt_ns)
        snprintf( buf, len, "< %.0f ns %s", row->max_nt_ns, row->nt_med < row->max_nt_ns ? "met" : "MISSED" );
    else
        snprintf( buf, len, "(info)" );
    return buf;
}

/* ------------------------------------------------------------------------------------- */
/* write watch: the kernel path (userfaultfd async write-protect + PAGEMAP_SCAN) against the
 * fallback (read-only pages + SIGSEGV per first write, as Wine 8.0 does it).  The library
 * picks one engine per process, so the fallback side runs in a child of this program started
 * with NTDLL_MM_WRITE_WATCH=fallback and the hidden option --ww-child, which prints its
 * medians; the table shows the kernel path in the ntdll-mm column and the fallback in the raw
 * column.  A counting SIGSEGV handler in front of the library's proves the signal count. */

#define WW_FIRST_PAGES 4096                 /* first-write row: 16 MiB */
#define WW_SCAN_SIZE   ((SIZE_T)1 << 30)    /* GetWriteWatch row: 1 GiB, 1% of pages written */
#define WW_SCAN_STRIDE 100
#define WW_MAX_RESULTS 4096

struct ww_result
{
    double first_ns;             /* ns per first write of a page */
    double get_ns;               /* ns per NtGetWriteWatch(WRITE_WATCH_FLAG_RESET) of 1 GiB, every page written once before */
    double get_sparse_ns;        /* the same, the pages not dirtied never written */
    double segv_per_write;       /* SIGSEGVs per first write */
    unsigned long found;         /* pages the last scan reported */
    unsigned long found_sparse;
};

static struct sigaction ww_prev_segv;
static volatile unsigned long ww_segv_count;

static void ww_count_segv( int sig, siginfo_t *info, void *context )
{
    ww_segv_count++;
    if (ww_prev_segv.sa_flags & SA_SIGINFO) ww_prev_segv.sa_sigaction( sig, info, context );
}

/* NtGetWriteWatch(RESET) over 1 GiB of which every 100th page was written since the last reset;
 * populated: every page of it was written once before (and the watch reset), as in a heap in
 * use; else the other pages were never touched.  Median ns; *found: pages the last call reported */
static double ww_measure_get( int populated, void **results, double *v, unsigned long *found )
{
    ULONG_PTR count;
    ULONG gran;
    char *base;
    unsigned int r;
    uint64_t t;

    base = nt_alloc( WW_SCAN_SIZE, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    if (populated)
    {
        touch( base, WW_SCAN_SIZE );
        if (NtResetWriteWatch( NtCurrentProcess(), base, WW_SCAN_SIZE )) fatal( "NtResetWriteWatch failed\n" );
    }
    for (r = 0; r < opt_reps; r++)
    {
        SIZE_T off;
        for (off = 0; off < WW_SCAN_SIZE; off += WW_SCAN_STRIDE * page_size) base[off] = r;
        count = WW_MAX_RESULTS;
        t = clock_ns( bench_clock );
        if (NtGetWriteWatch( NtCurrentProcess(), WRITE_WATCH_FLAG_RESET, base, WW_SCAN_SIZE, results, &count, &gran ))
            fatal( "NtGetWriteWatch failed\n" );
        v[r] = (double)(clock_ns( bench_clock ) - t);
        *found = count;
    }
    nt_release( base );
    return median( v, opt_reps );
}

static void ww_measure( struct ww_result *res )
{
    double *v = calloc( opt_reps, sizeof(double) );
    void **results = calloc( WW_MAX_RESULTS, sizeof(void *) );
    SIZE_T size = WW_FIRST_PAGES * page_size;
    struct sigaction sa;
    unsigned long writes = 0;
    char *base;
    unsigned int r;
    uint64_t t;

    if (!v || !results) fatal( "out of memory\n" );
    memset( &sa, 0, sizeof(sa) );
    sa.sa_sigaction = ww_count_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset( &sa.sa_mask );

    /* first write to each page after a reset; the pages are populated beforehand, so what is
     * timed is the watch, not the kernel allocating memory */
    base = nt_alloc( size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    touch( base, size );
    sigaction( SIGSEGV, &sa, &ww_prev_segv );
    ww_segv_count = 0;
    for (r = 0; r < opt_reps; r++)
    {
        if (NtResetWriteWatch( NtCurrentProcess(), base, size )) fatal( "NtResetWriteWatch failed\n" );
        t = clock_ns( bench_clock );
        touch( base, size );
        v[r] = (double)(clock_ns( bench_clock ) - t) / WW_FIRST_PAGES;
        writes += WW_FIRST_PAGES;
    }
    sigaction( SIGSEGV, &ww_prev_segv, NULL );
    res->first_ns = median( v, opt_reps );
    res->segv_per_write = (double)ww_segv_count / writes;
    nt_release( base );

    res->get_ns = ww_measure_get( 1, results, v, &res->found );
    res->get_sparse_ns = ww_measure_get( 0, results, v, &res->found_sparse );
    free( results );
    free( v );
}

/* the fallback side: this program again, forced to the fallback engine */
static int ww_measure_fallback( const char *argv0, struct ww_result *res )
{
    char reps[16], line[256];
    int fds[2], status, ok = 0;
    pid_t pid;
    FILE *f;

    snprintf( reps, sizeof(reps), "%u", opt_reps );
    if (pipe( fds )) return 0;
    fflush( stdout );
    if (!(pid = fork()))
    {
        dup2( fds[1], 1 );
        close( fds[0] );
        close( fds[1] );
        setenv( "NTDLL_MM_WRITE_WATCH", "fallback", 1 );
        if (bench_clock == CLOCK_MONOTONIC) execl( "/proc/self/exe", argv0, "--ww-child", "-r", reps, (char *)NULL );
        else execl( "/proc/self/exe", argv0, "--ww-child", "-r", reps, "--cpu-time", (char *)NULL );
        _exit( 127 );
    }
    close( fds[1] );
    if (pid < 0 || !(f = fdopen( fds[0], "r" )))
    {
        close( fds[0] );
        return 0;
    }
    while (fgets( line, sizeof(line), f ))
        if (sscanf( line, "ww-child %lf %lf %lf %lf %lu %lu", &res->first_ns, &res->get_ns, &res->get_sparse_ns,
                    &res->segv_per_write, &res->found, &res->found_sparse ) == 6)
            ok = 1;
    fclose( f );
    while (waitpid( pid, &status, 0 ) < 0 && errno == EINTR) ;
    return ok && WIFEXITED( status ) && !WEXITSTATUS( status );
}

static struct ww_result ww_kernel, ww_fallback;
static int ww_ran;                        /* 1 both sides measured, -1 could not */

/* both write-watch rows from one measurement per engine */
static void run_write_watch( struct row *rows, unsigned int nb_rows, const char *argv0, int mode )
{
    unsigned int i;

    if (ww_ran) return;
    ww_ran = -1;
    if (mode != NTDLL_MM_WRITE_WATCH_KERNEL)
    {
        printf( "write watch: this process does not use the kernel path (no userfaultfd async write-protect "
                "or PAGEMAP_SCAN, or NTDLL_MM_WRITE_WATCH set): skipping the write-watch rows\n" );
        return;
    }
    ww_measure( &ww_kernel );
    if (!ww_measure_fallback( argv0, &ww_fallback ))
    {
        printf( "write watch: the fallback child failed: skipping the write-watch rows\n" );
        return;
    }
    ww_ran = 1;
    for (i = 0; i < nb_rows; i++)
    {
        struct row *row = &rows[i];

        if (!strcmp( row->id, "ww-first" ))
        {
            row->nt_med = ww_kernel.first_ns;
            row->raw_med = ww_fallback.first_ns;
            row->nt_ops = row->raw_ops = WW_FIRST_PAGES;
        }
        else if (!strcmp( row->id, "ww-get" ))
        {
            row->nt_med = ww_kernel.get_ns;
            row->raw_med = ww_fallback.get_ns;
            row->nt_ops = row->raw_ops = 1;
        }
        else if (!strcmp( row->id, "ww-get-sparse" ))
        {
            row->nt_med = ww_kernel.get_sparse_ns;
            row->raw_med = ww_fallback.get_sparse_ns;
            row->nt_ops = row->raw_ops = 1;
        }
        else continue;
        if (!wanted( row->id )) continue;
        row->nt_min = row->nt_med;
        row->raw_min = row->raw_med;
        row->pair_ratio = row->nt_med / row->raw_med;
        row->nt_sys = row->raw_sys = -1;
        row->done = 1;
    }
}

static void usage( FILE *f )
{
    fprintf( f,
             "usage: ntdll-mm-bench [options]\n"
             "  -n, --iterations N  64K operations per repetition (per thread), default 1000;\n"
             "                      protection toggles use 20*N, queries 10 passes over the regions\n"
             "  -r, --repetitions R timed repetitions of each side (median reported), default 15\n"
             "      --regions N     allocations for the query rows, default 10000\n"
             "  -q, --quick         quick run for CI: -n 100 -r 5 (also NTDLL_MM_BENCH_QUICK=1)\n"
             "      --only LIST     run only these rows (comma-separated ids, see --list)\n"
             "      --list          list row ids\n"
             "      --tsv FILE      also write the results as tab-separated values\n"
             "      --cpu-time      time single-threaded rows with the thread's CPU time instead of\n"
             "                      CLOCK_MONOTONIC (steadier on a loaded machine)\n"
             "  -v, --verbose       print every repetition (ntdll-mm/raw ns per op)\n"
             "      --side SIDE     run only one side, ntdll-mm or raw (for profiling with perf;\n"
             "                      the other side's column then reads 1)\n"
             "  -h, --help          this text\n" );
}

int main( int argc, char *argv[] )
{
    struct row rows[] =
    {
        { "cycle", "64K reserve+commit+touch+release", NULL, NULL, cycle_nt, cycle_raw,
          0, 0, 0, 1.2 },
        { "cycle-aligned", "  same, raw side aligned to 64K", NULL, NULL, cycle_nt, cycle_raw_aligned,
          0, 0, 0, 0 },
        { "commit", "64K commit+touch+decommit", commit_setup, commit_cleanup, commit_nt, commit_raw,
          0, 0, 0, 1.2 },
        { "protect", "protection toggle RW<->RO (64K)", protect_setup, protect_cleanup, protect_nt, protect_raw,
          0, 0, 0, 1.2 },
        { "query", "NtQueryVirtualMemory (PROCMAP_QUERY)", query_setup, query_cleanup, query_nt, query_raw,
          0, 0, 0, 0, 200 },
        { "query-maps", "NtQueryVirtualMemory (/proc/self/maps)", query_setup, query_cleanup, query_nt, query_maps_raw,
          0, 0, 0, 0, 200 },
        { "query-walk", "NtQueryVirtualMemory walk of the address space (per walk)", query_setup, query_cleanup,
          walk_nt, walk_raw, 0, 0, 0, 0 },
        { "vma-protect", "protect 1 page of 30,000 (alternating RO/RW pages)", vma_setup, vma_cleanup,
          vma_protect_nt, vma_protect_raw, 0, 0, 0, 0 },
        { "threads", "64K cycle, two threads (aggregate)", NULL, NULL, threads_nt, threads_raw,
          0, 0, 2, 0 },
        /* ntdll-mm column: kernel path; raw column: the fallback (see run_write_watch) */
        { "ww-first", "write watch: first write per page, kernel vs fallback", NULL, NULL, NULL, NULL,
          0, 0, 0, 0 },
        { "ww-get", "write watch: GetWriteWatch(RESET) 1 GiB 1% dirty, kernel vs fallback", NULL, NULL, NULL, NULL,
          0, 0, 0, 0.1 },
        { "ww-get-sparse", "  same, the other 99% never written", NULL, NULL, NULL, NULL,
          0, 0, 0, 0.1 },
        { "guard", "guard-page fault round trip (raw: mprotect + own SIGSEGV handler)", guard_setup, guard_cleanup,
          guard_nt, guard_raw, 0, 0, 0, 0 },
        /* ntdll-mm column: large pages; raw column: small pages, both through the library */
        { "large", "alloc+touch+free 1 GiB: large pages vs small pages", NULL, large_cleanup, large_nt, small_nt,
          0, 0, 0, 0 },
    };
    const unsigned int nb_rows = sizeof(rows) / sizeof(rows[0]);
    struct ntdll_mm_kernel_info info;
    struct utsname uts;
    unsigned int i;
    int quick = getenv( "NTDLL_MM_BENCH_QUICK" ) && *getenv( "NTDLL_MM_BENCH_QUICK" ) &&
                strcmp( getenv( "NTDLL_MM_BENCH_QUICK" ), "0" );
    int have_n = 0, have_r = 0, ww_child = 0;
    size_t width = 0;
    char buf[64];
    FILE *tsv = NULL;

    for (i = 1; i < (unsigned int)argc; i++)
    {
        const char *arg = argv[i];
        const char *val = i + 1 < (unsigned int)argc ? argv[i + 1] : NULL;

        if (!strcmp( arg, "-q" ) || !strcmp( arg, "--quick" )) quick = 1;
        else if (!strcmp( arg, "--ww-child" )) ww_child = 1;   /* internal: the write-watch fallback side */
        else if (!strcmp( arg, "--cpu-time" )) bench_clock = CLOCK_THREAD_CPUTIME_ID;
        else if (!strcmp( arg, "-v" ) || !strcmp( arg, "--verbose" )) opt_verbose = 1;
        else if (!strcmp( arg, "-h" ) || !strcmp( arg, "--help" )) { usage( stdout ); return 0; }
        else if (!strcmp( arg, "--list" ))
        {
            for (i = 0; i < nb_rows; i++) printf( "%-14s %s\n", rows[i].id, rows[i].name );
            return 0;
        }
        else if (val && (!strcmp( arg, "-n" ) || !strcmp( arg, "--iterations" )))
        {
            opt_iters = strtoul( val, NULL, 0 );
            have_n = 1;
            i++;
        }
        else if (val && (!strcmp( arg, "-r" ) || !strcmp( arg, "--repetitions" )))
        {
            opt_reps = strtoul( val, NULL, 0 );
            have_r = 1;
            i++;
        }
        else if (val && !strcmp( arg, "--regions" )) { opt_regions = strtoul( val, NULL, 0 ); i++; }
        else if (val && !strcmp( arg, "--only" )) { opt_only = val; i++; }
        else if (val && !strcmp( arg, "--tsv" )) { opt_tsv = val; i++; }
        else if (val && !strcmp( arg, "--side" ))
        {
            if (!strcmp( val, "ntdll-mm" ) || !strcmp( val, "nt" )) opt_side = 1;
            else if (!strcmp( val, "raw" )) opt_side = 2;
            else opt_side = 0;
            i++;
        }
        else
        {
            usage( stderr );
            return 2;
        }
    }
    if (quick)
    {
        if (!have_n) opt_iters = 100;
        if (!have_r) opt_reps = 5;
    }
    if (!opt_iters || !opt_reps || !opt_regions) fatal( "counts must be positive\n" );

    page_size = sysconf( _SC_PAGESIZE );
    if (ntdll_mm_init()) fatal( "ntdll_mm_init failed\n" );
    ntdll_mm_get_kernel_info( &info );
    if (ww_child)
    {
        struct ww_result res;
        ww_measure( &res );
        printf( "ww-child %.1f %.1f %.1f %.4f %lu %lu\n", res.first_ns, res.get_ns, res.get_sparse_ns,
                res.segv_per_write, res.found, res.found_sparse );
        return 0;
    }
    maps_fd = open( "/proc/self/maps", O_RDONLY | O_CLOEXEC );
    open_syscall_counter();
    uname( &uts );

    for (i = 0; i < nb_rows; i++)
    {
        struct row *row = &rows[i];

        row->nt_ops = row->raw_ops = opt_iters;
        if (!strcmp( row->id, "protect" )) row->nt_ops = row->raw_ops = 20 * opt_iters;
        if (!strncmp( row->id, "query", 5 )) row->nt_ops = row->raw_ops = 10 * opt_regions;
        if (!strcmp( row->id, "query-maps" )) row->raw_ops = quick ? 2 : 10;
        if (!strcmp( row->id, "query-walk" )) row->nt_ops = row->raw_ops = quick ? 1 : 3;
        if (!strcmp( row->id, "vma-protect" )) row->nt_ops = row->raw_ops = 60 * opt_iters;
        if (!strcmp( row->id, "large" )) row->nt_ops = row->raw_ops = 1;
        if (strlen( row->name ) > width) width = strlen( row->name );
    }

    printf( "ntdll-mm benchmark: Linux %s, %ld CPUs, page %zu, %u repetitions (median), "
            "%u 64K ops per repetition, %s%s\n", uts.release, sysconf( _SC_NPROCESSORS_ONLN ), page_size,
            opt_reps, opt_iters, bench_clock == CLOCK_MONOTONIC ? "wall time" : "thread CPU time",
            quick ? " (quick)" : "" );
    fflush( stdout );

    for (i = 0; i < nb_rows; i++)
    {
        if (!wanted( rows[i].id )) continue;
        if (!rows[i].nt)
        {
            run_write_watch( rows, nb_rows, argv[0], info.write_watch_mode );
            continue;
        }
        if (!strcmp( rows[i].id, "large" ))
        {
            char why[128];
            if (!large_prepare( why, sizeof(why) ))
            {
                printf( "skipping the row \"%s\": %s\n", rows[i].name, why );
                continue;
            }
        }
        if ((!strcmp( rows[i].id, "query" ) || !strcmp( rows[i].id, "query-walk" )) && !have_procmap_query())
        {
            printf( "no PROCMAP_QUERY ioctl (Linux < 6.11): skipping the row \"%s\"\n", rows[i].name );
            continue;
        }
        run_row( &rows[i] );
    }

    printf( "\n%-*s  %14s  %12s  %8s  %s\n", (int)width, "benchmark", "ntdll-mm ns/op", "raw ns/op",
            "ratio", "target" );
    for (i = 0; i < nb_rows; i++)
    {
        if (!rows[i].done) continue;
        if (opt_side == 1)
            printf( "%-*s  %14.1f  %12s  %8s\n", (int)width, rows[i].name, rows[i].nt_med, "-", "-" );
        else if (opt_side == 2)
            printf( "%-*s  %14s  %12.1f  %8s\n", (int)width, rows[i].name, "-", rows[i].raw_med, "-" );
        else
            printf( "%-*s  %14.1f  %12.1f  %7.2fx  %s\n", (int)width, rows[i].name, rows[i].nt_med,
                    rows[i].raw_med, rows[i].nt_med / rows[i].raw_med, verdict( &rows[i], buf, sizeof(buf) ) );
    }
    printf( "\n" );
    for (i = 0; i < nb_rows; i++) if (rows[i].done && rows[i].nt_sys >= 0) break;
    if (i < nb_rows)
    {
        printf( "%-*s  %14s  %12s\n", (int)width, "system calls per operation", "ntdll-mm", "raw" );
        for (i = 0; i < nb_rows; i++)
        {
            if (!rows[i].done || rows[i].nt_sys < 0) continue;
            printf( "%-*s  %14.2f  %12.2f\n", (int)width, rows[i].name, rows[i].nt_sys, rows[i].raw_sys );
        }
        printf( "\n" );
    }
    if (ww_ran > 0)
        printf( "write watch: ntdll-mm column = kernel path, raw column = fallback (child with "
                "NTDLL_MM_WRITE_WATCH=fallback); SIGSEGV per first write: kernel path %.3f, fallback %.3f; "
                "pages reported per scan: %lu and %lu (sparse: %lu and %lu) of %lu written\n", ww_kernel.segv_per_write,
                ww_fallback.segv_per_write, ww_kernel.found, ww_fallback.found, ww_kernel.found_sparse,
                ww_fallback.found_sparse,
                (unsigned long)((WW_SCAN_SIZE / page_size + WW_SCAN_STRIDE - 1) / WW_SCAN_STRIDE) );
    if (raw_total)
        printf( "raw 64K mmap results that happened to be 64K-aligned: %lu of %lu\n", raw_aligned, raw_total );
    if (walk_regions)
        printf( "query-walk: %lu NT regions per walk, %lu kernel VMAs per raw walk\n", walk_regions, walk_vmas );
    if (nsys >= 0)
    {
        printf( "system calls during %u NtQueryVirtualMemory calls (seccomp trap count): %ld", opt_regions, nsys );
        for (i = 0; i < nsys && i < 8; i++) printf( "%s%ld", i ? "," : " (nr ", sysrep.nr[i] );
        printf( "%s\n", nsys ? ")" : "" );
    }
    else if (nsys == -1) printf( "system calls during NtQueryVirtualMemory: check could not run\n" );

    if (opt_tsv)
    {
        if (!(tsv = fopen( opt_tsv, "w" ))) fatal( "cannot write %s: %s\n", opt_tsv, strerror( errno ) );
        fprintf( tsv, "id\tname\tntdll_mm_ns_per_op\traw_ns_per_op\tratio\tpaired_ratio_median\tntdll_mm_min_ns\traw_min_ns\tntdll_mm_ops\traw_ops\trepetitions\ttarget\tntdll_mm_syscalls_per_op\traw_syscalls_per_op\n" );
        for (i = 0; i < nb_rows; i++)
        {
            const char *name = rows[i].name;

            if (!rows[i].done) continue;
            while (*name == ' ') name++;
            fprintf( tsv, "%s\t%s\t%.1f\t%.1f\t%.3f\t%.3f\t%.1f\t%.1f\t%u\t%u\t%u\t%s\t%.2f\t%.2f\n", rows[i].id,
                     name, rows[i].nt_med, rows[i].raw_med, rows[i].nt_med / rows[i].raw_med, rows[i].pair_ratio,
                     rows[i].nt_min, rows[i].raw_min, rows[i].nt_ops, rows[i].raw_ops, opt_reps,
                     verdict( &rows[i], buf, sizeof(buf) ), rows[i].nt_sys, rows[i].raw_sys );
        }
        if (nsys >= 0) fprintf( tsv, "query-syscalls\tsystem calls in %u queries\t%ld\t\t\t\t\t\t\t\t\t0\n", opt_regions, nsys );
        fclose( tsv );
    }
    return 0;
}

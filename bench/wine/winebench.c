/*
 * ntdll-mm Windows-side benchmark: the virtual-memory calls of a plain Win32 program, timed
 * under whatever runs it (stock Wine 8.0, Wine with ntdll-mm, Windows itself).
 *
 * Every row prints one machine-readable line, the median of R repetitions:
 *     row <name> <value> <unit>
 * and notes as "info <text>".  tests/wine/bench.sh runs it under stock Wine and under the
 * overlay, alternating, and prints the comparison table; see docs/benchmarks.md "Under Wine".
 * It is not a test: it exits non-zero only when a call fails or returns a wrong result.
 *
 * Usage: winebench.exe [-n N] [-r R] [--quick] [--only LIST] [--ww-mib M] [--vma-pages P]
 *                      [--vma-calls C] [--settle MS] [--cpu-time | --wall] [-v] [--list] [--help]
 *
 * Build: x86_64-w64-mingw32-gcc -O2 -o winebench.exe winebench.c  (plain Win32, no CRT tricks)
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <fcntl.h>
#include <io.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define CHUNK 0x10000   /* 64 KiB: the allocation granularity */

/* options */
static unsigned int opt_iters = 1000;       /* 64K operations per repetition (per thread) */
static unsigned int opt_reps = 7;           /* repetitions; the median is printed */
static unsigned int opt_regions = 10000;    /* allocations for the query rows */
static unsigned int opt_ww_mib = 256;       /* size of the write-watched allocation */
static unsigned int opt_vma_pages = 50000;  /* pages of the VMA workload's reservation */
static unsigned int opt_vma_calls = 100000; /* VirtualProtect calls of the VMA workload */
static int opt_verbose;                    /* print every repetition */
static unsigned int opt_settle_ms;         /* wait before measuring */
static const char *opt_only;

static SIZE_T page_size;
static LARGE_INTEGER qpc_freq;

static void fatal( const char *fmt, ... ) __attribute__((format(printf, 1, 2), noreturn));
static void fatal( const char *fmt, ... )
{
    va_list args;

    fflush( stdout );
    fprintf( stderr, "winebench: " );
    va_start( args, fmt );
    vfprintf( stderr, fmt, args );
    va_end( args );
    fprintf( stderr, " (last error %lu)\n", GetLastError() );
    exit( 2 );
}

static void info( const char *fmt, ... ) __attribute__((format(printf, 1, 2)));

/* --cpu-time: the Linux thread's CPU time (user + system, so page faults and system calls
 * count, preemption by other jobs does not).  Windows has no fine-grained equivalent (Wine 8.0's
 * GetThreadTimes reads /proc in clock ticks of 10 ms, QueryThreadCycleTime is a stub), so under
 * Wine the program makes the Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID) system call itself:
 * Wine 8.0 runs PE code natively and does not intercept the syscall instruction. */
static int cpu_time;

struct linux_timespec
{
    long long tv_sec;
    long long tv_nsec;
};

static long linux_thread_cputime( struct linux_timespec *ts )
{
    long ret;

    __asm__ __volatile__( "syscall"
                          : "=a" (ret)
                          : "0" (228L /* __NR_clock_gettime */), "D" (3L /* CLOCK_THREAD_CPUTIME_ID */), "S" (ts)
                          : "rcx", "r11", "memory" );
    return ret;
}

static double now_ns(void)
{
    LARGE_INTEGER t;

    if (cpu_time)
    {
        struct linux_timespec ts;

        linux_thread_cputime( &ts );
        return ts.tv_sec * 1e9 + ts.tv_nsec;
    }
    QueryPerformanceCounter( &t );
    return (double)t.QuadPart * 1e9 / (double)qpc_freq.QuadPart;
}

/* wall time, whatever the mode (the two-thread row) */
static double wall_ns(void)
{
    LARGE_INTEGER t;

    QueryPerformanceCounter( &t );
    return (double)t.QuadPart * 1e9 / (double)qpc_freq.QuadPart;
}

static void init_cpu_time(void)
{
    struct linux_timespec a, b;
    const char *(CDECL *wine_version)(void);
    double w;

    wine_version = (void *)GetProcAddress( GetModuleHandleA( "ntdll.dll" ), "wine_get_version" );
    if (!wine_version) fatal( "--cpu-time needs Wine (it makes a Linux system call)" );
    if (linux_thread_cputime( &a )) fatal( "clock_gettime(CLOCK_THREAD_CPUTIME_ID) system call failed" );
    /* sanity check: 20 ms of spinning is about 20 ms of CPU time */
    w = wall_ns();
    while (wall_ns() - w < 20e6) ;
    linux_thread_cputime( &b );
    info( "cpu time: Linux CLOCK_THREAD_CPUTIME_ID under Wine %s; 20 ms of spinning measured %.1f ms (less: other jobs ran)",
          wine_version(), ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e6 );
}

static int cmp_double( const void *a, const void *b )
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median( double *v, unsigned int n )
{
    qsort( v, n, sizeof(*v), cmp_double );
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void row( const char *name, double value, const char *unit )
{
    if (value >= 100 || value == (double)(long long)value)
        printf( "row %s %.0f %s\n", name, value, unit );
    else
        printf( "row %s %.2f %s\n", name, value, unit );
    fflush( stdout );
}

static void info( const char *fmt, ... ) __attribute__((format(printf, 1, 2)));
static void info( const char *fmt, ... )
{
    va_list args;

    printf( "info " );
    va_start( args, fmt );
    vprintf( fmt, args );
    va_end( args );
    printf( "\n" );
    fflush( stdout );
}

/* write one byte per page */
static void touch( void *base, SIZE_T size )
{
    volatile char *p = base;
    SIZE_T off;

    for (off = 0; off < size; off += page_size) p[off] = 1;
}

static int selected( const char *name )
{
    const char *p = opt_only;
    size_t len = strlen( name );

    if (!p) return 1;
    while (*p)
    {
        if (!strncmp( p, name, len ) && (p[len] == ',' || !p[len])) return 1;
        p = strchr( p, ',' );
        if (!p) break;
        p++;
    }
    return 0;
}

/* ---- reading the Linux memory map of this process ----
 *
 * Under Wine, CreateFile is carried out by the wineserver (the client sends the Unix name, the
 * server open()s it and passes the fd back), so "Z:\proc\self\maps" and
 * "\\?\unix\proc\self\maps" name the *server's* map.  The program therefore marks itself with
 * a mapping at a random address and looks for the process whose map contains it, among
 * "self" first and then every Z:\proc\<pid>. */

static char maps_path[MAX_PATH];  /* the one that works, "" if none */
static char marker_line[64];      /* "start-end r--p" of our marker */
static char *marker_base;

/* One buffer, allocated at start: near vm.max_map_count (65530 here) a new mapping, hence a
 * malloc of a big buffer, fails, and that is exactly when the map is worth reading. */
#define READ_BUF_SIZE (32 << 20)
static char *read_buf;

static char *read_file( const char *path, DWORD *ret_len )
{
    HANDLE file;
    DWORD len = 0, got;

    if (!read_buf && !(read_buf = VirtualAlloc( NULL, READ_BUF_SIZE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE )))
        fatal( "cannot allocate the read buffer" );
    file = CreateFileA( path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                        NULL, OPEN_EXISTING, 0, NULL );
    if (file == INVALID_HANDLE_VALUE) return NULL;
    while (len < READ_BUF_SIZE - 1 && ReadFile( file, read_buf + len, READ_BUF_SIZE - 1 - len, &got, NULL ) && got)
        len += got;
    CloseHandle( file );
    if (len == READ_BUF_SIZE - 1) fatal( "%s is larger than %u bytes", path, READ_BUF_SIZE - 1 );
    read_buf[len] = 0;
    *ret_len = len;
    return read_buf;
}

static int has_marker( const char *maps )
{
    const char *p = maps;
    size_t mlen = strlen( marker_line );

    while (p && *p)
    {
        if (!strncmp( p, marker_line, mlen )) return 1;
        if ((p = strchr( p, '\n' ))) p++;
    }
    return 0;
}

static void find_maps(void)
{
    static const char *direct[] = { "Z:\\proc\\self\\maps", "\\\\?\\unix\\proc\\self\\maps" };
    WIN32_FIND_DATAA fd;
    LARGE_INTEGER t;
    HANDLE find;
    char path[MAX_PATH], *maps;
    DWORD len, i, scanned = 0;
    ULONG_PTR addr;

    /* marker: 3 x 64K reserved at a random 64K-aligned address in 0x300000000000-0x3fffffff0000,
     * the middle 64K committed read-only: one "r--p" VMA of exactly 64K. */
    QueryPerformanceCounter( &t );
    srand( (unsigned int)(t.QuadPart ^ GetCurrentProcessId()) );
    for (i = 0; i < 100 && !marker_base; i++)
    {
        addr = 0x300000000000ull + ((((ULONG_PTR)rand() << 15) ^ rand()) & 0xfffffff) * CHUNK;
        marker_base = VirtualAlloc( (void *)addr, 3 * CHUNK, MEM_RESERVE, PAGE_NOACCESS );
    }
    if (!marker_base) fatal( "cannot reserve the maps marker" );
    if (!VirtualAlloc( marker_base + CHUNK, CHUNK, MEM_COMMIT, PAGE_READONLY ))
        fatal( "cannot commit the maps marker" );
    sprintf( marker_line, "%llx-%llx r--p", (unsigned long long)(ULONG_PTR)(marker_base + CHUNK),
             (unsigned long long)(ULONG_PTR)(marker_base + 2 * CHUNK) );

    for (i = 0; i < ARRAYSIZE(direct); i++)
    {
        if (!(maps = read_file( direct[i], &len )))
        {
            info( "maps: %s cannot be opened (error %lu)", direct[i], GetLastError() );
            continue;
        }
        if (has_marker( maps ))
        {
            strcpy( maps_path, direct[i] );
            info( "maps: %s is this process's map", direct[i] );
            return;
        }
        info( "maps: %s opens (%lu bytes) but is another process's map (the wineserver's: it opens files)",
              direct[i], len );
    }

    /* under Wine: the Linux pid from the getpid system call (see linux_thread_cputime) */
    if (GetProcAddress( GetModuleHandleA( "ntdll.dll" ), "wine_get_version" ))
    {
        long pid;

        __asm__ __volatile__( "syscall" : "=a" (pid) : "0" (39L /* __NR_getpid */) : "rcx", "r11", "memory" );
        sprintf( path, "Z:\\proc\\%ld\\maps", pid );
        if ((maps = read_file( path, &len )) && has_marker( maps ))
        {
            strcpy( maps_path, path );
            info( "maps: %s (Linux pid from a getpid system call; Windows pid %lu)", path, GetCurrentProcessId() );
            return;
        }
        info( "maps: %s (Linux pid from a getpid system call) is not this process's map", path );
    }

    find = FindFirstFileA( "Z:\\proc\\*", &fd );
    if (find == INVALID_HANDLE_VALUE)
    {
        info( "maps: cannot list Z:\\proc (error %lu); no VMA counts", GetLastError() );
        return;
    }
    do
    {
        if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) continue;
        if (strspn( fd.cFileName, "0123456789" ) != strlen( fd.cFileName )) continue;
        sprintf( path, "Z:\\proc\\%s\\maps", fd.cFileName );
        if (!(maps = read_file( path, &len ))) continue;
        scanned++;
        if (has_marker( maps ))
        {
            strcpy( maps_path, path );
            info( "maps: found by scanning Z:\\proc (%lu maps read): %s (Unix pid %s, Windows pid %lu)",
                  scanned, path, fd.cFileName, GetCurrentProcessId() );
            break;
        }
    } while (FindNextFileA( find, &fd ));
    FindClose( find );
    if (!maps_path[0]) info( "maps: no process in Z:\\proc has the marker; no VMA counts" );
}

/* number of lines (VMAs) of this process's /proc/<pid>/maps, -1 if unknown */
static long vma_count(void)
{
    char *maps, *p;
    DWORD len;
    long n = 0;

    if (!maps_path[0] || !(maps = read_file( maps_path, &len ))) return -1;
    if (!has_marker( maps )) fatal( "%s lost the marker", maps_path );
    for (p = maps; (p = strchr( p, '\n' )); p++) n++;
    return n;
}

/* ---- rows ---- */

/* time R repetitions of fn( arg ), each returning its own ns/op; print the median */
static void run_row( const char *name, const char *unit, double (*fn)( void * ), void *arg )
{
    double *v = malloc( opt_reps * sizeof(*v) );
    unsigned int r;

    fn( arg );  /* warm-up */
    for (r = 0; r < opt_reps; r++)
    {
        v[r] = fn( arg );
        if (opt_verbose) printf( "rep %s %u %.1f %s\n", name, r, v[r], unit );
    }
    row( name, median( v, opt_reps ), unit );
    free( v );
}

static void *alloc_rw( SIZE_T size, DWORD type )
{
    void *p = VirtualAlloc( NULL, size, type, PAGE_READWRITE );

    if (!p) fatal( "VirtualAlloc(%#lx, %#lx) failed", (unsigned long)size, type );
    return p;
}

static void release( void *p )
{
    if (!VirtualFree( p, 0, MEM_RELEASE )) fatal( "VirtualFree(%p, MEM_RELEASE) failed", p );
}

/* 64K reserve+commit, touch, release */
static void cycle_ops( unsigned int n )
{
    unsigned int i;
    char *p;

    for (i = 0; i < n; i++)
    {
        p = alloc_rw( CHUNK, MEM_RESERVE | MEM_COMMIT );
        if ((ULONG_PTR)p & (CHUNK - 1)) fatal( "VirtualAlloc returned %p, not 64K-aligned", p );
        touch( p, CHUNK );
        release( p );
    }
}

static double bench_cycle( void *arg )
{
    double t0 = now_ns();

    cycle_ops( opt_iters );
    return (now_ns() - t0) / opt_iters;
}

/* 64K commit, touch, decommit inside a 1 MiB reservation; the window slides over 16 slots */
static double bench_commit( void *arg )
{
    char *res = arg, *p;
    unsigned int i;
    double t0 = now_ns();

    for (i = 0; i < opt_iters; i++)
    {
        p = res + (i % 16) * CHUNK;
        if (VirtualAlloc( p, CHUNK, MEM_COMMIT, PAGE_READWRITE ) != p) fatal( "MEM_COMMIT at %p failed", p );
        touch( p, CHUNK );
        if (!VirtualFree( p, CHUNK, MEM_DECOMMIT )) fatal( "MEM_DECOMMIT at %p failed", p );
    }
    return (now_ns() - t0) / opt_iters;
}

/* VirtualProtect RW <-> RO on a touched 64K block; one call is one operation */
static double bench_protect( void *arg )
{
    unsigned int i, n = 20 * opt_iters;
    DWORD old, want = PAGE_READWRITE;
    double t0 = now_ns();

    for (i = 0; i < n; i++)
    {
        DWORD prot = (i & 1) ? PAGE_READWRITE : PAGE_READONLY;
        if (!VirtualProtect( arg, CHUNK, prot, &old )) fatal( "VirtualProtect failed" );
        if (old != want) fatal( "VirtualProtect: old protection %#lx, expected %#lx", old, want );
        want = prot;
    }
    return (now_ns() - t0) / n;
}

/* two threads doing the 64K cycle at once: wall time / (2 N) */
static HANDLE start_event;
static double thread_cpu[2];

static DWORD WINAPI cycle_thread( void *arg )
{
    double *cpu = arg, t0;

    WaitForSingleObject( start_event, INFINITE );
    t0 = now_ns();
    cycle_ops( opt_iters );
    *cpu = now_ns() - t0;
    return 0;
}

static double bench_threads( void *arg )
{
    HANDLE threads[2];
    double t0;
    int i;

    ResetEvent( start_event );
    for (i = 0; i < 2; i++)
        if (!(threads[i] = CreateThread( NULL, 0, cycle_thread, &thread_cpu[i], 0, NULL ))) fatal( "CreateThread failed" );
    Sleep( 1 );
    t0 = wall_ns();
    SetEvent( start_event );
    WaitForMultipleObjects( 2, threads, TRUE, INFINITE );
    t0 = wall_ns() - t0;
    for (i = 0; i < 2; i++) CloseHandle( threads[i] );
    return t0 / (2.0 * opt_iters);
}

/* process start: CreateProcess of this program with --exit (it returns at once) and the wait
 * for its end, 10 per repetition, wall time per process.  Under Wine most of it is the Unix
 * exec, the loader and mapping the PE modules: ntdll.so's share is mapping images, sections and
 * the first allocations. */
static double bench_spawn( void *arg )
{
    static char cmd[MAX_PATH + 16];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    DWORD code;
    double t0;
    int i;

    memset( &si, 0, sizeof(si) );
    si.cb = sizeof(si);
    if (!cmd[0])
    {
        char self[MAX_PATH];
        if (!GetModuleFileNameA( NULL, self, sizeof(self) )) fatal( "GetModuleFileName failed" );
        snprintf( cmd, sizeof(cmd), "\"%s\" --exit", self );
    }
    t0 = wall_ns();
    for (i = 0; i < 10; i++)
    {
        if (!CreateProcessA( NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi )) fatal( "CreateProcess failed" );
        WaitForSingleObject( pi.hProcess, INFINITE );
        if (!GetExitCodeProcess( pi.hProcess, &code ) || code != 0) fatal( "the child exited with %lu", code );
        CloseHandle( pi.hThread );
        CloseHandle( pi.hProcess );
    }
    return (wall_ns() - t0) / 10 / 1000.0;  /* us per process */
}

/* the same runs: the two threads' own time (CPU time with --cpu-time) per operation */
static double threads_own_time( void *arg )
{
    bench_threads( arg );
    return (thread_cpu[0] + thread_cpu[1]) / (2.0 * opt_iters);
}

/* guard page: VirtualProtect(PAGE_GUARD), write, STATUS_GUARD_PAGE_VIOLATION caught by a
 * vectored handler that continues (the system has already cleared the guard), write again.
 * Where the page lies decides most of the cost on Linux, so both rows fix it:
 *   guard        the lowest committed page above reserved pages: a thread stack's layout, the
 *                common place for a guard page;
 *   guard-inner  a page in the middle of committed read/write memory: each mprotect splits a
 *                VMA in three and the next merges it back (kernel work, same in both builds).
 * (Until 2026-11 the row used the first page of a fresh 64K allocation, whose lower neighbour
 * was whatever the program had allocated before: two levels ~2.5 us apart.) */
static volatile char *guard_page;
static volatile LONG guard_hits;

static LONG CALLBACK guard_handler( EXCEPTION_POINTERS *ptrs )
{
    EXCEPTION_RECORD *rec = ptrs->ExceptionRecord;

    if (rec->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION && rec->NumberParameters >= 2 &&
        rec->ExceptionInformation[1] == (ULONG_PTR)guard_page)
    {
        guard_hits++;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    return EXCEPTION_CONTINUE_SEARCH;
}

static double bench_guard( void *arg )
{
    unsigned int i, n = opt_iters;
    LONG before = guard_hits;
    DWORD old;
    double t0 = now_ns();

    for (i = 0; i < n; i++)
    {
        if (!VirtualProtect( (void *)guard_page, page_size, PAGE_READWRITE | PAGE_GUARD, &old ))
            fatal( "VirtualProtect(PAGE_GUARD) failed" );
        guard_page[0] = (char)i;
    }
    t0 = now_ns() - t0;
    if (guard_hits - before != (LONG)n)
        fatal( "guard handler ran %ld times for %u guard faults", guard_hits - before, n );
    return t0 / n;
}

/* VirtualQuery of the base of each of opt_regions allocations, 10 passes */
static char **regions;

static double bench_query( void *arg )
{
    MEMORY_BASIC_INFORMATION mbi;
    unsigned int pass, i;
    double t0 = now_ns();

    for (pass = 0; pass < 10; pass++)
        for (i = 0; i < opt_regions; i++)
            if (!VirtualQuery( regions[i], &mbi, sizeof(mbi) )) fatal( "VirtualQuery(%p) failed", regions[i] );
    return (now_ns() - t0) / (10.0 * opt_regions);
}

/* walk the whole address space with VirtualQuery, region after region */
static unsigned long walk_regions;

static double bench_walk( void *arg )
{
    MEMORY_BASIC_INFORMATION mbi;
    char *p = NULL;
    unsigned long n = 0;
    double t0 = now_ns();

    while (VirtualQuery( p, &mbi, sizeof(mbi) ))
    {
        n++;
        p = (char *)mbi.BaseAddress + mbi.RegionSize;
        if (!mbi.RegionSize) fatal( "VirtualQuery(%p): RegionSize 0", p );
    }
    t0 = now_ns() - t0;
    walk_regions = n;
    return t0 / 1000.0;  /* us per walk */
}

static void rows_query(void)
{
    MEMORY_BASIC_INFORMATION mbi;
    unsigned int i;
    DWORD prot;

    regions = malloc( opt_regions * sizeof(*regions) );
    for (i = 0; i < opt_regions; i++)
    {
        prot = (i & 1) ? PAGE_READONLY : PAGE_READWRITE;
        if (!(regions[i] = VirtualAlloc( NULL, CHUNK, MEM_RESERVE | MEM_COMMIT, prot )))
            fatal( "VirtualAlloc of query region %u failed", i );
    }
    /* one checked pass */
    for (i = 0; i < opt_regions; i++)
    {
        prot = (i & 1) ? PAGE_READONLY : PAGE_READWRITE;
        if (!VirtualQuery( regions[i], &mbi, sizeof(mbi) )) fatal( "VirtualQuery(%p) failed", regions[i] );
        if (mbi.BaseAddress != regions[i] || mbi.AllocationBase != regions[i] || mbi.RegionSize != CHUNK ||
            mbi.State != MEM_COMMIT || mbi.Protect != prot || mbi.Type != MEM_PRIVATE)
            fatal( "VirtualQuery(%p): base %p alloc %p size %#lx state %#lx prot %#lx type %#lx", regions[i],
                   mbi.BaseAddress, mbi.AllocationBase, (unsigned long)mbi.RegionSize, mbi.State,
                   mbi.Protect, mbi.Type );
    }
    if (selected( "query" )) run_row( "query", "ns", bench_query, NULL );
    if (selected( "query-walk" ))
    {
        run_row( "query-walk", "us", bench_walk, NULL );
        row( "query-walk-regions", walk_regions, "regions" );
        row( "query-walk-per-region", bench_walk( NULL ) * 1000.0 / walk_regions, "ns" );
        row( "vma-query", vma_count(), "vmas" );
    }
    for (i = 0; i < opt_regions; i++) release( regions[i] );
    free( regions );
}

/* write watch */
struct ww
{
    char *base;
    SIZE_T size;
    unsigned long pages;
    void **addrs;
};

static double bench_ww_first( void *arg )
{
    struct ww *ww = arg;
    double t0;

    if (ResetWriteWatch( ww->base, ww->size )) fatal( "ResetWriteWatch failed" );
    t0 = now_ns();
    touch( ww->base, ww->size );
    return (now_ns() - t0) / ww->pages;
}

/* 5 times: reset (untimed), write every 100th page (untimed), GetWriteWatch(RESET) timed */
static double bench_ww_get( void *arg )
{
    struct ww *ww = arg;
    ULONG_PTR count, want = (ww->pages + 99) / 100;
    ULONG gran;
    unsigned long i;
    double t = 0, t0;
    int k;

    for (k = 0; k < 5; k++)
    {
        if (ResetWriteWatch( ww->base, ww->size )) fatal( "ResetWriteWatch failed" );
        for (i = 0; i < ww->pages; i += 100) ww->base[i * page_size] = 2;
        count = ww->pages;
        t0 = now_ns();
        if (GetWriteWatch( WRITE_WATCH_FLAG_RESET, ww->base, ww->size, ww->addrs, &count, &gran ))
            fatal( "GetWriteWatch failed" );
        t += now_ns() - t0;
        if (count != want)
            fatal( "GetWriteWatch reported %lu pages, %lu written", (unsigned long)count, (unsigned long)want );
    }
    return t / 5 / 1000.0;  /* us per call */
}

static void rows_ww(void)
{
    struct ww ww;
    ULONG_PTR count;
    ULONG gran;

    ww.size = (SIZE_T)opt_ww_mib << 20;
    ww.pages = ww.size / page_size;
    ww.base = VirtualAlloc( NULL, ww.size, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    if (!ww.base) fatal( "VirtualAlloc(MEM_WRITE_WATCH, %u MiB) failed", opt_ww_mib );
    ww.addrs = malloc( ww.pages * sizeof(void *) );
    touch( ww.base, ww.size );  /* populate: the rows time the write watch, not the first fault */
    count = ww.pages;
    if (GetWriteWatch( 0, ww.base, ww.size, ww.addrs, &count, &gran ) || count != ww.pages)
        fatal( "GetWriteWatch after populating: %lu of %lu pages", (unsigned long)count, ww.pages );
    if (selected( "ww-first" )) run_row( "ww-first", "ns", bench_ww_first, &ww );
    if (selected( "ww-get" )) run_row( "ww-get", "us", bench_ww_get, &ww );
    release( ww.base );
    free( ww.addrs );
}

/* many protection changes: VMA count of the process (Linux) and NT regions */
static unsigned long count_regions( char *base, SIZE_T size )
{
    MEMORY_BASIC_INFORMATION mbi;
    char *p = base;
    unsigned long n = 0;

    while (p < base + size)
    {
        if (!VirtualQuery( p, &mbi, sizeof(mbi) )) fatal( "VirtualQuery(%p) failed", p );
        p = (char *)mbi.BaseAddress + mbi.RegionSize;
        n++;
    }
    return n;
}

static void rows_vma(void)
{
    SIZE_T size = (SIZE_T)opt_vma_pages * page_size;
    unsigned long i, even = (opt_vma_pages + 1) / 2, failed = 0, calls = 0;
    long before, peak = -1, end;
    unsigned long peak_regions = 0;
    DWORD old, prot = PAGE_READONLY, first_error = 0;
    char *base;
    double t = 0, t0;

    base = alloc_rw( size, MEM_RESERVE | MEM_COMMIT );
    before = vma_count();
    /* passes over the even pages, alternately making them read-only and read/write again,
     * until opt_vma_calls calls have been made; the odd pages stay read/write */
    while (calls < opt_vma_calls)
    {
        t0 = now_ns();
        for (i = 0; i < even && calls < opt_vma_calls; i++, calls++)
        {
            if (!VirtualProtect( base + 2 * i * page_size, page_size, prot, &old ))
            {
                if (!failed++) first_error = GetLastError();
            }
        }
        t += now_ns() - t0;
        if (prot == PAGE_READONLY && peak < 0)
        {
            peak = vma_count();
            peak_regions = count_regions( base, size );
        }
        prot = prot == PAGE_READONLY ? PAGE_READWRITE : PAGE_READONLY;
    }
    /* finish with everything read/write again */
    if (prot == PAGE_READWRITE)
        for (i = 0; i < even; i++) VirtualProtect( base + 2 * i * page_size, page_size, PAGE_READWRITE, &old );
    end = vma_count();

    info( "vma workload: %lu-page (%lu MiB) committed reservation, %lu VirtualProtect calls of one page, "
          "even pages RO/RW alternately, %lu failed%s", (unsigned long)opt_vma_pages,
          (unsigned long)(size >> 20), calls, failed, failed ? " (see vma-protect-failed)" : "" );
    if (failed) info( "vma workload: first VirtualProtect failure: error %lu", first_error );
    row( "vma-protect", t / calls, "ns" );
    row( "vma-protect-failed", failed, "calls" );
    row( "vma-before", before, "vmas" );
    row( "vma-peak", peak, "vmas" );
    row( "vma-end", end, "vmas" );
    row( "regions-peak", peak_regions, "regions" );
    row( "regions-end", count_regions( base, size ), "regions" );
    release( base );
    row( "vma-released", vma_count(), "vmas" );
}

static const char *row_list[] =
{
    "cycle", "commit", "protect", "threads", "spawn", "guard", "guard-inner", "query", "query-walk", "ww-first", "ww-get", "vma"
};

static void usage(void)
{
    printf( "usage: winebench.exe [options]\n"
            "  -n N           64K operations per repetition (default %u; protect uses 20*N)\n"
            "  -r R           repetitions, the median is printed (default %u)\n"
            "  -q, --quick    -n 100 -r 3, smaller write watch (32 MiB) and VMA workload (10000 calls)\n"
            "  --only LIST    comma-separated rows (--list)\n"
            "  --regions N    allocations for the query rows (default %u)\n"
            "  --ww-mib M     write-watched allocation in MiB (default %u)\n"
            "  --vma-pages P  pages of the VMA workload's reservation (default %u)\n"
            "  --vma-calls C  VirtualProtect calls of the VMA workload (default %u)\n"
            "  --cpu-time     time with the Linux thread's CPU time instead of QueryPerformanceCounter\n"
            "                 (only under Wine; steadier on a shared machine; the threads row\n"
            "                 stays wall time, threads-cpu is the two threads' CPU time)\n"
            "  --wall         QueryPerformanceCounter (the default)\n"
            "  -v             also print every repetition ('rep NAME I VALUE UNIT')\n"
            "  --settle MS    sleep MS milliseconds first (under Wine: the prefix's services.exe,\n"
            "                 winedevice.exe... start with the first program and compete for CPU)\n"
            "output: 'row NAME VALUE UNIT' lines (medians) and 'info TEXT' lines\n",
            opt_iters, opt_reps, opt_regions, opt_ww_mib, opt_vma_pages, opt_vma_calls );
}

int main( int argc, char **argv )
{
    SYSTEM_INFO si;
    char *res, *block;
    DWORD old;
    void *veh;
    int i;

    if (argc == 2 && !strcmp( argv[1], "--exit" )) return 0;   /* the spawn row's child */
    _setmode( _fileno( stdout ), _O_BINARY );  /* "\n", not "\r\n": the output is read by scripts */
    for (i = 1; i < argc; i++)
    {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp( a, "-n" ) && v) { opt_iters = atoi( v ); i++; }
        else if (!strcmp( a, "-r" ) && v) { opt_reps = atoi( v ); i++; }
        else if (!strcmp( a, "--only" ) && v) { opt_only = v; i++; }
        else if (!strcmp( a, "--regions" ) && v) { opt_regions = atoi( v ); i++; }
        else if (!strcmp( a, "--ww-mib" ) && v) { opt_ww_mib = atoi( v ); i++; }
        else if (!strcmp( a, "--vma-pages" ) && v) { opt_vma_pages = atoi( v ); i++; }
        else if (!strcmp( a, "--vma-calls" ) && v) { opt_vma_calls = atoi( v ); i++; }
        else if (!strcmp( a, "-v" )) opt_verbose = 1;
        else if (!strcmp( a, "--cpu-time" )) cpu_time = 1;
        else if (!strcmp( a, "--wall" )) cpu_time = 0;
        else if (!strcmp( a, "--settle" ) && v) { opt_settle_ms = atoi( v ); i++; }
        else if (!strcmp( a, "-q" ) || !strcmp( a, "--quick" ))
        {
            opt_iters = 100; opt_reps = 3; opt_ww_mib = 32; opt_vma_pages = 10000; opt_vma_calls = 10000;
        }
        else if (!strcmp( a, "--list" ))
        {
            for (i = 0; i < (int)ARRAYSIZE(row_list); i++) printf( "%s\n", row_list[i] );
            return 0;
        }
        else if (!strcmp( a, "-h" ) || !strcmp( a, "--help" )) { usage(); return 0; }
        else { usage(); return 2; }
    }
    if (!opt_iters || !opt_reps || !opt_regions || !opt_ww_mib || !opt_vma_pages) { usage(); return 2; }

    GetSystemInfo( &si );
    page_size = si.dwPageSize;
    QueryPerformanceFrequency( &qpc_freq );
    info( "winebench: -n %u -r %u, page size %lu, QPC frequency %lld Hz, timing: %s", opt_iters, opt_reps,
          (unsigned long)page_size, (long long)qpc_freq.QuadPart,
          cpu_time ? "thread CPU time (threads row: wall)" : "wall (QueryPerformanceCounter)" );
    if (cpu_time) init_cpu_time();

    if (opt_settle_ms) Sleep( opt_settle_ms );
    find_maps();
    row( "vma-start", vma_count(), "vmas" );

    if (selected( "cycle" ))
    {
        run_row( "cycle", "ns", bench_cycle, NULL );
        block = alloc_rw( CHUNK, MEM_RESERVE | MEM_COMMIT );
        info( "cycle: the 64K blocks are placed at %p", block );
        release( block );
    }
    if (selected( "commit" ))
    {
        res = VirtualAlloc( NULL, 16 * CHUNK, MEM_RESERVE, PAGE_NOACCESS );
        if (!res) fatal( "VirtualAlloc(MEM_RESERVE 1 MiB) failed" );
        run_row( "commit", "ns", bench_commit, res );
        release( res );
    }
    if (selected( "protect" ))
    {
        block = alloc_rw( CHUNK, MEM_RESERVE | MEM_COMMIT );
        touch( block, CHUNK );
        run_row( "protect", "ns", bench_protect, block );
        if (!VirtualProtect( block, CHUNK, PAGE_READWRITE, &old )) fatal( "VirtualProtect failed" );
        release( block );
    }
    if (selected( "spawn" )) run_row( "spawn", "us", bench_spawn, NULL );
    if (selected( "threads" ))
    {
        start_event = CreateEventA( NULL, TRUE, FALSE, NULL );
        run_row( "threads", "ns", bench_threads, NULL );
        if (cpu_time) run_row( "threads-cpu", "ns", threads_own_time, NULL );
        CloseHandle( start_event );
    }
    if (selected( "guard" ) || selected( "guard-inner" ))
    {
        if (!(veh = AddVectoredExceptionHandler( 1, guard_handler ))) fatal( "AddVectoredExceptionHandler failed" );
        if (selected( "guard" ))
        {
            /* 128K reserved, the upper 64K committed; the guard page is its lowest page */
            if (!(block = VirtualAlloc( NULL, 2 * CHUNK, MEM_RESERVE, PAGE_NOACCESS ))) fatal( "VirtualAlloc(MEM_RESERVE) failed" );
            if (!VirtualAlloc( block + CHUNK, CHUNK, MEM_COMMIT, PAGE_READWRITE )) fatal( "VirtualAlloc(MEM_COMMIT) failed" );
            guard_page = block + CHUNK;
            touch( block + CHUNK, CHUNK );
            run_row( "guard", "ns", bench_guard, NULL );
            release( block );
        }
        if (selected( "guard-inner" ))
        {
            block = alloc_rw( CHUNK, MEM_RESERVE | MEM_COMMIT );
            guard_page = block + CHUNK / 2;
            touch( block, CHUNK );
            run_row( "guard-inner", "ns", bench_guard, NULL );
            release( block );
        }
        RemoveVectoredExceptionHandler( veh );
    }
    if (selected( "query" ) || selected( "query-walk" )) rows_query();
    if (selected( "ww-first" ) || selected( "ww-get" )) rows_ww();
    if (selected( "vma" )) rows_vma();
    info( "done" );
    return 0;
}

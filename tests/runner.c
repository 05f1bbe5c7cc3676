/*
 * ntdll-mm native test runner: runs every TEST() scenario in a process of its own, with a
 * time limit, checks the library's region tree against the kernel after each, and prints
 * "N passed, N failed" summed over all of them.
 *
 * Usage: ntdll-mm-tests [-l] [substring ...]   (-l lists scenarios; substrings filter by
 * "file:name").  NTDLL_MM_TEST_TIMEOUT is the limit per scenario in seconds (default 60,
 * 0 for none).
 *
 * The parent never calls into the library.  For each scenario it fork()s and exec()s its own
 * executable (/proc/self/exe, so it works through libtool's wrapper and from a copy) as
 * "--run-one FD file:name": every scenario starts with a fresh library and address space, and
 * one that crashes or hangs cannot take the others with it.  The child runs the scenario, then
 * the invariant checker (counted as one check), writes its counts as one line to the pipe FD
 * and exits.  The child leads a process group of its own, so on timeout the parent kills the
 * group and run_in_child()'s children go too.  A scenario that times out, dies of a signal or
 * exits without reporting counts as one failure.  Children print straight to the shared
 * stdout and the parent prints its "file: name: ok|FAILED" line only once the child is gone,
 * so the output stays in order.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "test.h"

/* the slowest scenario takes under a second on an idle machine; this leaves room for a
 * loaded CI machine or a sanitizer build, and still ends a hang within a minute */
#define DEFAULT_TIMEOUT 60

static struct mmtest *tests;
/* in a scenario's process, its own counts; in the parent, the sums over all scenarios */
static unsigned int passed, failed, todos, fixed_todos, skipped;
static int todo_level;
static const char *current = "";

void mmtest_register( struct mmtest *t )
{
    struct mmtest **p = &tests;
    /* keep file order, then line order, so output is stable */
    while (*p && (strcmp( (*p)->file, t->file ) < 0 ||
                  (!strcmp( (*p)->file, t->file ) && (*p)->line < t->line)))
        p = &(*p)->next;
    t->next = *p;
    *p = t;
}

static const char *base_name( const char *file )
{
    const char *p = strrchr( file, '/' );
    return p ? p + 1 : file;
}

int mmtest_ok( const char *file, int line, int condition, const char *fmt, ... )
{
    va_list args;

    if (todo_level)
    {
        if (condition)
        {
            printf( "%s:%d: %s: Test succeeded inside todo block: ", base_name( file ), line, current );
            va_start( args, fmt );
            vprintf( fmt, args );
            va_end( args );
            fixed_todos++;
            failed++;
            return 0;
        }
        printf( "%s:%d: %s: Test marked todo: ", base_name( file ), line, current );
        va_start( args, fmt );
        vprintf( fmt, args );
        va_end( args );
        todos++;
        return 1;
    }
    if (condition)
    {
        passed++;
        return 1;
    }
    printf( "%s:%d: %s: Test failed: ", base_name( file ), line, current );
    va_start( args, fmt );
    vprintf( fmt, args );
    va_end( args );
    failed++;
    fflush( stdout );
    return 0;
}

void mmtest_skip( const char *file, int line, const char *fmt, ... )
{
    va_list args;
    printf( "%s:%d: %s: Tests skipped: ", base_name( file ), line, current );
    va_start( args, fmt );
    vprintf( fmt, args );
    va_end( args );
    skipped++;
}

void mmtest_trace( const char *file, int line, const char *fmt, ... )
{
    va_list args;
    printf( "%s:%d: %s: ", base_name( file ), line, current );
    va_start( args, fmt );
    vprintf( fmt, args );
    va_end( args );
}

int mmtest_todo_push( int condition )
{
    int saved = todo_level;
    if (condition) todo_level++;
    return saved;
}

void mmtest_todo_pop( int saved )
{
    todo_level = saved;
}

/* The child reports its own ok() results through its exit code: the number of failures
 * (capped), so a failed check inside a child is not lost. */
int run_in_child( void (*func)( void *arg ), void *arg )
{
    int status;
    pid_t pid;

    fflush( stdout );
    fflush( stderr );
    pid = fork();
    if (pid < 0)
    {
        perror( "fork" );
        return -1;
    }
    if (!pid)
    {
        unsigned int before = failed;
        func( arg );
        fflush( stdout );
        _exit( failed - before > 100 ? 100 : (int)(failed - before) );
    }
    while (waitpid( pid, &status, 0 ) < 0) ;
    if (WIFEXITED( status ) && WEXITSTATUS( status ) && WEXITSTATUS( status ) <= 100)
        failed += WEXITSTATUS( status );
    return status;
}

/* Scenarios that fail on purpose, for the runner's own test (tests/runner.sh): never listed,
 * and run only when named in full ("runner.c:hangs"). */
static void sleep_long( void *arg )
{
    sleep( 30 );
}

static void hangs( void )
{
    sleep_long( NULL );
}

static void hangs_in_child( void )
{
    run_in_child( sleep_long, NULL );
}

static void crashes( void )
{
    prctl( PR_SET_DUMPABLE, 0 );  /* no core file */
    abort();  /* not SIGSEGV: the library's fault handler would take a raised one */
}

static void exits( void )
{
    exit( 0 );
}

static struct mmtest hidden_tests[] =
{
    { "hangs", "runner.c", 0, hangs },
    { "hangs_in_child", "runner.c", 0, hangs_in_child },
    { "crashes", "runner.c", 0, crashes },
    { "exits", "runner.c", 0, exits },
};

static void full_name( const struct mmtest *t, char *buf, size_t size )
{
    snprintf( buf, size, "%s:%s", base_name( t->file ), t->name );
}

static int selected( const struct mmtest *t, int argc, char **argv, int exact )
{
    char full[512];
    if (argc <= 0) return !exact;
    full_name( t, full, sizeof(full) );
    for (int i = 0; i < argc; i++)
        if (exact ? !strcmp( full, argv[i] ) : !!strstr( full, argv[i] )) return 1;
    return 0;
}

static struct mmtest *find_test( const char *name )
{
    struct mmtest *t;
    char full[512];

    for (t = tests; t; t = t->next)
    {
        full_name( t, full, sizeof(full) );
        if (!strcmp( full, name )) return t;
    }
    for (size_t i = 0; i < ARRAY_SIZE( hidden_tests ); i++)
    {
        full_name( &hidden_tests[i], full, sizeof(full) );
        if (!strcmp( full, name )) return &hidden_tests[i];
    }
    return NULL;
}

/* The child's side: one scenario and the invariant check, then its counts as one line to fd
 * (the parent reads it once this process is gone). */
static int run_one( int fd, const char *name )
{
    static char report[65536];
    struct mmtest *t = find_test( name );
    unsigned int mismatches;
    char line[128];
    int len;

    if (!t)
    {
        printf( "%s: no such scenario\n", name );
        return 2;
    }
    current = t->name;
    if (ntdll_mm_init()) mmtest_ok( t->file, t->line, 0, "ntdll_mm_init failed\n" );
    else
    {
        t->func();
        todo_level = 0;
        /* every scenario must leave the library's map and the kernel's in agreement */
        mismatches = ntdll_mm_check_invariants( report, sizeof(report) );
        mmtest_ok( t->file, t->line, !mismatches, "invariant checker: %u mismatches after scenario:\n%s",
                   mismatches, report );
    }
    len = snprintf( line, sizeof(line), "%u %u %u %u %u\n", passed, failed, todos, fixed_todos, skipped );
    return write( fd, line, len ) == len ? 0 : 3;
}

/* The parent's side: one scenario in a child process, its counts added to ours, a line for
 * anything that went wrong with the process itself, then "file: name: ok|FAILED". */
static void run_scenario( const struct mmtest *t, const char *argv0, int timeout )
{
    unsigned int before = failed, c[5];
    char full[512], fd_arg[16], line[128];
    int fds[2], pidfd, status, reported = 0, timed_out = 0;
    pid_t pid, parent = getpid();
    ssize_t len;

    full_name( t, full, sizeof(full) );
    /* non-blocking read end: a grandchild left holding the write end must not block us */
    if (pipe2( fds, O_CLOEXEC | O_NONBLOCK ))
    {
        printf( "%s: %s: pipe: %s\n", base_name( t->file ), t->name, strerror( errno ) );
        printf( "%s: %s: FAILED\n", base_name( t->file ), t->name );
        failed++;
        return;
    }
    fflush( stdout );
    fflush( stderr );
    pid = fork();
    if (!pid)
    {
        setpgid( 0, 0 );
        /* a runner that is killed (^C, a harness's own timeout) takes its scenario with it */
        prctl( PR_SET_PDEATHSIG, SIGKILL );
        if (getppid() != parent) _exit( 127 );
        fcntl( fds[1], F_SETFD, 0 );  /* the write end, and only it, crosses exec */
        snprintf( fd_arg, sizeof(fd_arg), "%d", fds[1] );
        execl( "/proc/self/exe", argv0, "--run-one", fd_arg, full, (char *)NULL );
        printf( "exec /proc/self/exe: %s\n", strerror( errno ) );
        _exit( 127 );
    }
    close( fds[1] );
    if (pid < 0)
    {
        printf( "%s: %s: fork: %s\n", base_name( t->file ), t->name, strerror( errno ) );
        printf( "%s: %s: FAILED\n", base_name( t->file ), t->name );
        close( fds[0] );
        failed++;
        return;
    }
    setpgid( pid, pid );  /* as the child does: the group must exist before we may kill it */

    if (timeout && (pidfd = syscall( SYS_pidfd_open, pid, 0 )) >= 0)
    {
        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
        int ret;

        while ((ret = poll( &pfd, 1, timeout * 1000 )) < 0 && errno == EINTR) ;
        timed_out = !ret;
        close( pidfd );
    }
    else if (timeout) printf( "pidfd_open: %s: no time limit\n", strerror( errno ) );
    if (timed_out) kill( -pid, SIGKILL );
    while (waitpid( pid, &status, 0 ) < 0 && errno == EINTR) ;
    kill( -pid, SIGKILL );  /* nothing the scenario started outlives it */

    len = read( fds[0], line, sizeof(line) - 1 );
    close( fds[0] );
    if (len > 0)
    {
        line[len] = 0;
        reported = sscanf( line, "%u %u %u %u %u", &c[0], &c[1], &c[2], &c[3], &c[4] ) == 5;
    }
    if (reported)
    {
        passed += c[0];
        failed += c[1];
        todos += c[2];
        fixed_todos += c[3];
        skipped += c[4];
    }
    if (timed_out)
        printf( "%s: %s: TIMEOUT after %d s\n", base_name( t->file ), t->name, timeout );
    else if (WIFSIGNALED( status ))
        printf( "%s: %s: killed by signal %d (%s)\n", base_name( t->file ), t->name,
                WTERMSIG( status ), strsignal( WTERMSIG( status ) ) );
    else if (!reported || WEXITSTATUS( status ))
        printf( "%s: %s: exited with status %d%s\n", base_name( t->file ), t->name,
                WEXITSTATUS( status ), reported ? "" : " without reporting" );
    if (timed_out || !WIFEXITED( status ) || WEXITSTATUS( status ) || !reported) failed++;
    printf( "%s: %s: %s\n", base_name( t->file ), t->name, failed == before ? "ok" : "FAILED" );
}

static int get_timeout( void )
{
    const char *env = getenv( "NTDLL_MM_TEST_TIMEOUT" );
    char *end;
    long val;

    if (!env || !*env) return DEFAULT_TIMEOUT;
    val = strtol( env, &end, 10 );
    if (!*end && val >= 0 && val <= INT_MAX / 1000) return val;
    printf( "NTDLL_MM_TEST_TIMEOUT=%s is not a number of seconds: using %d\n", env, DEFAULT_TIMEOUT );
    return DEFAULT_TIMEOUT;
}

int main( int argc, char **argv )
{
    struct timespec start, end;
    struct mmtest *t;
    unsigned int scenarios = 0;
    int timeout;

    setvbuf( stdout, NULL, _IOLBF, 0 );
    if (argc == 4 && !strcmp( argv[1], "--run-one" )) return run_one( atoi( argv[2] ), argv[3] );
    if (argc > 1 && !strcmp( argv[1], "-l" ))
    {
        for (t = tests; t; t = t->next) printf( "%s:%s\n", base_name( t->file ), t->name );
        return 0;
    }
    timeout = get_timeout();
    clock_gettime( CLOCK_MONOTONIC, &start );
    for (t = tests; t; t = t->next)
    {
        if (!selected( t, argc - 1, argv + 1, 0 )) continue;
        scenarios++;
        run_scenario( t, argv[0], timeout );
    }
    for (size_t i = 0; i < ARRAY_SIZE( hidden_tests ); i++)
    {
        if (!selected( &hidden_tests[i], argc - 1, argv + 1, 1 )) continue;
        scenarios++;
        run_scenario( &hidden_tests[i], argv[0], timeout );
    }
    clock_gettime( CLOCK_MONOTONIC, &end );
    printf( "%u scenarios, %u todo, %u fixed todo, %u skipped\n", scenarios, todos, fixed_todos, skipped );
    printf( "wall time %.2f s\n", (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9 );
    printf( "%u passed, %u failed\n", passed, failed );
    return failed ? 1 : 0;
}

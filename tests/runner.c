/*
 * ntdll-mm native test runner: runs every TEST() scenario, checks the library's region
 * tree against the kernel after each, and prints "N passed, N failed".
 *
 * Usage: ntdll-mm-tests [-l] [substring ...]   (-l lists scenarios; substrings filter by
 * "file:name").
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "test.h"

static struct mmtest *tests;
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

static int selected( const struct mmtest *t, int argc, char **argv )
{
    char full[512];
    if (argc <= 0) return 1;
    snprintf( full, sizeof(full), "%s:%s", base_name( t->file ), t->name );
    for (int i = 0; i < argc; i++) if (strstr( full, argv[i] )) return 1;
    return 0;
}

int main( int argc, char **argv )
{
    static char report[65536];
    struct mmtest *t;
    unsigned int scenarios = 0;

    setvbuf( stdout, NULL, _IOLBF, 0 );
    if (argc > 1 && !strcmp( argv[1], "-l" ))
    {
        for (t = tests; t; t = t->next) printf( "%s:%s\n", base_name( t->file ), t->name );
        return 0;
    }
    if (ntdll_mm_init())
    {
        printf( "ntdll_mm_init failed\n0 passed, 1 failed\n" );
        return 1;
    }
    for (t = tests; t; t = t->next)
    {
        unsigned int before = failed, mismatches;

        if (!selected( t, argc - 1, argv + 1 )) continue;
        current = t->name;
        scenarios++;
        t->func();
        todo_level = 0;
        /* every scenario must leave the library's map and the kernel's in agreement */
        mismatches = ntdll_mm_check_invariants( report, sizeof(report) );
        mmtest_ok( t->file, t->line, !mismatches, "invariant checker: %u mismatches after scenario:\n%s",
                   mismatches, report );
        printf( "%s: %s: %s\n", base_name( t->file ), t->name, failed == before ? "ok" : "FAILED" );
    }
    printf( "%u scenarios, %u todo, %u fixed todo, %u skipped\n", scenarios, todos, fixed_todos, skipped );
    printf( "%u passed, %u failed\n", passed, failed );
    return failed ? 1 : 0;
}

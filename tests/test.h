/*
 * ntdll-mm native test framework: Wine-style ok()/todo/skip reporting.
 *
 * A test file defines scenarios with TEST(name) { ... }.  They register themselves; the
 * runner (tests/runner.c) runs them in order of file and line, each in a fresh process of its
 * own (so a scenario cannot rely on what another left behind) with a time limit
 * (NTDLL_MM_TEST_TIMEOUT seconds, default 60), runs the invariant checker (library tree vs
 * /proc/self/maps) after each one, and ends with "N passed, N failed".  A scenario that hangs,
 * crashes or exits early counts as one failure.
 *
 *   ok( status == STATUS_SUCCESS, "got %#lx\n", status );   -- print both values on failure
 *   todo_if( cond ) ok( ... );        -- known deviation from Windows: a failure is a "todo",
 *                                        a success is reported as "Test succeeded inside todo block"
 *   skip( "no hugetlb pool\n" );      -- feature missing: prints the reason, counts a skip
 *   int st = run_in_child( fn, arg ); -- run a risky case in a fork()ed child of the scenario's
 *                                        process; returns the wait status (use
 *                                        WIFSIGNALED/WTERMSIG/WEXITSTATUS)
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_TEST_H
#define NTDLL_MM_TEST_H

#include "ntdll-mm.h"
#include <stdio.h>

struct mmtest
{
    const char *name;
    const char *file;
    int line;
    void (*func)( void );
    struct mmtest *next;
};

void mmtest_register( struct mmtest *t );
int  mmtest_ok( const char *file, int line, int condition, const char *fmt, ... ) __attribute__((format(printf, 4, 5)));
void mmtest_skip( const char *file, int line, const char *fmt, ... ) __attribute__((format(printf, 3, 4)));
void mmtest_trace( const char *file, int line, const char *fmt, ... ) __attribute__((format(printf, 3, 4)));
int  mmtest_todo_push( int condition );
void mmtest_todo_pop( int saved );
int  run_in_child( void (*func)( void *arg ), void *arg );

#define TEST(name) \
    static void test_##name( void ); \
    static struct mmtest mmtest_desc_##name = { #name, __FILE__, __LINE__, test_##name, NULL }; \
    static void __attribute__((constructor)) mmtest_reg_##name( void ) { mmtest_register( &mmtest_desc_##name ); } \
    static void test_##name( void )

#define ok(cond, ...)   mmtest_ok( __FILE__, __LINE__, (cond) ? 1 : 0, __VA_ARGS__ )
#define skip(...)       mmtest_skip( __FILE__, __LINE__, __VA_ARGS__ )
#define trace(...)      mmtest_trace( __FILE__, __LINE__, __VA_ARGS__ )
#define todo_if(cond)   for (int mmtest_saved_ = mmtest_todo_push( (cond) ), mmtest_once_ = 1; \
                             mmtest_once_; mmtest_todo_pop( mmtest_saved_ ), mmtest_once_ = 0)
#define todo            todo_if(1)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif

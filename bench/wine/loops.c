/*
 * Focused loops for comparing stock Wine and ntdll-mm on single operations, in a process that
 * does nothing else (docs/benchmarks.md, "Under Wine").  Best of 7 or 9 repetitions, wall
 * time (QueryPerformanceCounter).
 *   x86_64-w64-mingw32-gcc -O2 -o loops.exe bench/wine/loops.c
 *   tests/wine/run.sh --stock -- loops.exe ; tests/wine/run.sh -- loops.exe
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <windows.h>
#include <stdio.h>

static volatile LONG hits;

static LONG CALLBACK guard_handler( EXCEPTION_POINTERS *e )
{
    if (e->ExceptionRecord->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION) return EXCEPTION_CONTINUE_SEARCH;
    hits++;
    return EXCEPTION_CONTINUE_EXECUTION;
}

static double now( void )
{
    LARGE_INTEGER f, c;

    QueryPerformanceFrequency( &f );
    QueryPerformanceCounter( &c );
    return (double)c.QuadPart / f.QuadPart;
}

int main( void )
{
    double best_cycle = 1e9, best_protect = 1e9, best_guard = 1e9, t0, t1;
    volatile char *p;
    DWORD old;
    int r, i, n = 20000;

    for (r = 0; r < 7; r++)
    {
        t0 = now();
        for (i = 0; i < n; i++)
        {
            char *q = VirtualAlloc( NULL, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
            VirtualFree( q, 0, MEM_RELEASE );
        }
        t1 = now();
        if ((t1 - t0) / n < best_cycle) best_cycle = (t1 - t0) / n;
    }
    p = VirtualAlloc( NULL, 65536, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    p[0] = 1;
    for (r = 0; r < 7; r++)
    {
        t0 = now();
        for (i = 0; i < n; i++) VirtualProtect( (void *)p, 65536, (i & 1) ? PAGE_READWRITE : PAGE_READONLY, &old );
        t1 = now();
        if ((t1 - t0) / n < best_protect) best_protect = (t1 - t0) / n;
    }
    AddVectoredExceptionHandler( 1, guard_handler );
    for (r = 0; r < 9; r++)
    {
        t0 = now();
        for (i = 0; i < n; i++)
        {
            VirtualProtect( (void *)p, 4096, PAGE_READWRITE | PAGE_GUARD, &old );
            p[0] = 2;
        }
        t1 = now();
        if ((t1 - t0) / n < best_guard) best_guard = (t1 - t0) / n;
    }
    printf( "alloc+free 64K %.0f ns, protect toggle 64K %.0f ns, guard round trip %.0f ns (%ld guard exceptions, %d expected)\n",
            best_cycle * 1e9, best_protect * 1e9, best_guard * 1e9, hits, 9 * n );
    return hits == 9 * n ? 0 : 1;
}

/*
 * ntdll-mm core: the invariant checker: the library's region tree against the kernel's view.
 *
 * For every allocation of the library it checks that
 * - the tree is ordered, balanced data is consistent and the runs are well formed
 *   (sorted, merged, inside the allocation);
 * - /proc/self/maps covers the whole allocation with no hole, and every page has the
 *   kernel protection its NT state calls for (reserved, decommitted and guard pages
 *   PROT_NONE; committed pages their protection);
 * - reserved (uncommitted) pages hold no memory: /proc/self/pagemap shows them absent;
 * - free address space inside host-reserved areas is still the host's PROT_NONE reservation
 *   (a release there restores it instead of unmapping) and holds no memory.
 * Used by the test suite after every scenario.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "pagerun.h"
#include "pages.h"
#include "prot.h"
#include "reserved.h"
#include "vad.h"
#include "os.h"

struct report
{
    char *buf;
    size_t len, pos;
    unsigned int count;
};

static void __attribute__((format(printf, 2, 3))) mismatch( struct report *r, const char *fmt, ... )
{
    va_list args;
    int n;

    r->count++;
    if (!r->buf || r->pos + 1 >= r->len) return;
    va_start( args, fmt );
    n = vsnprintf( r->buf + r->pos, r->len - r->pos, fmt, args );
    va_end( args );
    if (n > 0) r->pos = r->pos + n < r->len ? r->pos + n : r->len - 1;
}

struct maps
{
    struct os_mapping *v;
    size_t n, cap;
};

static int collect_cb( const struct os_mapping *map, void *ctx )
{
    struct maps *m = ctx;
    if (m->n == m->cap)
    {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct os_mapping *v = mm_realloc( m->v, cap * sizeof(*v) );
        if (!v) return 1;
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = *map;
    return 0;
}

static const char *prot_str( int prot, char *buf )
{
    buf[0] = (prot & PROT_READ) ? 'r' : '-';
    buf[1] = (prot & PROT_WRITE) ? 'w' : '-';
    buf[2] = (prot & PROT_EXEC) ? 'x' : '-';
    buf[3] = 0;
    return buf;
}

/* the kernel must map [start, end) entirely with protection prot, and as a private anonymous
 * mapping (view: file-backed, shared unless copy-on-write) */
static void check_range( struct report *r, const struct maps *m, uintptr_t start, uintptr_t end, int prot,
                         const struct mm_alloc *a, uint32_t state )
{
    size_t lo = 0, hi = m->n;
    uintptr_t pos = start;
    char b1[4], b2[4];

    while (lo < hi)   /* first mapping with end > start */
    {
        size_t mid = (lo + hi) / 2;
        if (m->v[mid].end <= start) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i < m->n && pos < end; i++)
    {
        const struct os_mapping *map = &m->v[i];
        /* hugetlb memory shows as a (deleted) file of the pool's internal mount */
        int want_file = alloc_is_view( a ) || (a->flags & MM_F_LARGE_PAGES);
        int want_shared = alloc_is_view( a ) && ((!a->cow && !(state & MM_PRIVMAP)) || (state & MM_SHAREDMAP));

        if (map->start > pos)
        {
            mismatch( r, "%#lx-%#lx: not mapped in the kernel (hole)\n", (unsigned long)pos,
                      (unsigned long)(map->start < end ? map->start : end) );
            pos = map->start;
            if (pos >= end) break;
        }
        if (map->prot != prot || map->shared != want_shared || map->file != want_file)
            mismatch( r, "%#lx-%#lx: kernel has %s%s%s, tree wants %s%s%s\n",
                      (unsigned long)pos, (unsigned long)(map->end < end ? map->end : end),
                      prot_str( map->prot, b1 ), map->shared ? " shared" : " private", map->file ? " file" : " anon",
                      prot_str( prot, b2 ), want_shared ? " shared" : " private", want_file ? " file" : " anon" );
        pos = map->end;
    }
    if (pos < end)
        mismatch( r, "%#lx-%#lx: not mapped in the kernel\n", (unsigned long)pos, (unsigned long)end );
}

static void check_absent( struct report *r, uintptr_t start, uintptr_t end )
{
    uint64_t entries[512];
    size_t pages = (end - start) >> MM_PAGE_SHIFT;

    if (!os_info.has_pagemap) return;
    if (pages > 65536) pages = 65536;   /* bound the cost on huge reservations */
    for (size_t done = 0; done < pages; )
    {
        size_t n = pages - done > 512 ? 512 : pages - done;
        if (os_read_pagemap( start + (done << MM_PAGE_SHIFT), n, entries )) return;
        for (size_t i = 0; i < n; i++)
            if (entries[i] & (OS_PM_PRESENT | OS_PM_SWAPPED))
                mismatch( r, "%#lx: uncommitted page holds memory (pagemap %#llx)\n",
                          (unsigned long)(start + ((done + i) << MM_PAGE_SHIFT)), (unsigned long long)entries[i] );
        done += n;
    }
}

struct walk_ctx
{
    struct report *r;
    const struct maps *m;
    uintptr_t prev_end;
    struct mm_alloc *prev;       /* the node before, in address order */
};

static void check_alloc( struct mm_alloc *a, void *ctx )
{
    struct walk_ctx *w = ctx;
    struct report *r = w->r;
    size_t npages = alloc_pages( a );

    if (a->base < w->prev_end) mismatch( r, "%#lx: tree out of order or overlapping\n", (unsigned long)a->base );
    if (a->prev != w->prev || (w->prev && w->prev->next != a) || (!w->prev && a->prev))
        mismatch( r, "%#lx: address-order links do not match the tree\n", (unsigned long)a->base );
    w->prev_end = a->end;
    w->prev = a;
    if (a->kind == MM_KIND_FOREIGN) return;

    if (!a->nruns || a->gap > a->nruns || a->nruns > a->cap || run_at( a, 0 )->page)
        mismatch( r, "%#lx: runs do not start at page 0 (runs %zu gap %zu cap %zu)\n", (unsigned long)a->base,
                  a->nruns, a->gap, a->cap );
    /* a placeholder is nothing but reserved address space: one reserved run, PAGE_NOACCESS,
     * private (its kernel side, PROT_NONE and absent, is checked below like any reservation) */
    if ((a->flags & MM_F_PLACEHOLDER) &&
        (a->kind != MM_KIND_PRIVATE || a->nruns != 1 || run_at( a, 0 )->state || a->alloc_prot != PAGE_NOACCESS ||
         (a->flags & ~(MM_F_PLACEHOLDER | MM_F_TOP_DOWN))))
        mismatch( r, "%#lx: placeholder with state %#x flags %#x\n", (unsigned long)a->base, run_at( a, 0 )->state,
                  a->flags );
    for (size_t i = 0; i < a->nruns; i++)
    {
        const struct mm_run *run = run_at( a, i );
        size_t end = run_end( a, i );
        if (end <= run->page || end > npages)
            mismatch( r, "%#lx: run %zu [%zu,%zu) malformed\n", (unsigned long)a->base, i, run->page, end );
        if (i && run->state == run_at( a, i - 1 )->state)
            mismatch( r, "%#lx: runs %zu and %zu not merged\n", (unsigned long)a->base, i - 1, i );
        if (runs_index( a, run->page ) != i || runs_index( a, end - 1 ) != i)
            mismatch( r, "%#lx: run %zu [%zu,%zu) not found by its pages\n", (unsigned long)a->base, i, run->page, end );
        /* write watch (fallback path): unwritten watched pages are read-only in the kernel */
        for (size_t p = run->page, stop; p < end; p = stop)
        {
            int prot = prot_to_unix( run->state );
            stop = pages_span( a, p, end, &prot );
            check_range( r, w->m, a->base + (p << MM_PAGE_SHIFT), a->base + (stop << MM_PAGE_SHIFT),
                         prot, a, run->state );
        }
        /* a shared view's reserved pages may be resident through the section's other views */
        if (!(run->state & MM_COMMITTED) && !alloc_is_view( a ))
            check_absent( r, a->base + (run->page << MM_PAGE_SHIFT), a->base + (end << MM_PAGE_SHIFT) );
    }
}

/* free address space [start, end) inside a host-reserved area: the kernel must still map it as
 * the host's reservation (PROT_NONE, private, anonymous), holding no pages: releases put the
 * reservation back instead of unmapping */
static void check_reservation( struct report *r, const struct maps *m, uintptr_t start, uintptr_t end )
{
    size_t lo = 0, hi = m->n;
    uintptr_t pos = start;

    while (lo < hi)   /* first mapping with end > start */
    {
        size_t mid = (lo + hi) / 2;
        if (m->v[mid].end <= start) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i < m->n && pos < end; i++)
    {
        const struct os_mapping *map = &m->v[i];
        uintptr_t stop = map->end < end ? map->end : end;

        if (map->start >= end) break;
        if (map->start > pos)
            mismatch( r, "%#lx-%#lx: free in a reserved area but not reserved in the kernel (hole)\n",
                      (unsigned long)pos, (unsigned long)map->start );
        if (!resv_is_reservation( map ))
            mismatch( r, "%#lx-%#lx: free in a reserved area but mapped, not as the reservation\n",
                      (unsigned long)(map->start > pos ? map->start : pos), (unsigned long)stop );
        pos = stop;
    }
    if (pos < end)
        mismatch( r, "%#lx-%#lx: free in a reserved area but not reserved in the kernel (hole)\n",
                  (unsigned long)pos, (unsigned long)end );
    check_absent( r, start, end );
}

static void check_reserved_areas( struct report *r, const struct maps *m )
{
    size_t count;
    const struct resv_area *areas = resv_areas( &count );

    for (size_t k = 0; k < count; k++)
    {
        uintptr_t pos = areas[k].start, end = areas[k].end;

        if (pos < space.lowest) pos = space.lowest;
        if (end > space.highest + 1) end = space.highest + 1;
        while (pos < end)
        {
            struct mm_alloc *a = vad_find( pos ), *next;
            uintptr_t stop;

            if (a)   /* ours, or foreign memory the host mapped there */
            {
                pos = a->end;
                continue;
            }
            next = vad_find_next( pos );
            stop = next && next->base < end ? next->base : end;
            check_reservation( r, m, pos, stop );
            pos = stop;
        }
    }
}

static int check_tree( struct report *r, const struct mm_alloc *n )
{
    int hl, hr;
    if (!n) return 0;
    hl = check_tree( r, n->left );
    hr = check_tree( r, n->right );
    if (hl - hr > 1 || hr - hl > 1 || n->height != (hl > hr ? hl : hr) + 1)
        mismatch( r, "%#lx: AVL balance broken\n", (unsigned long)n->base );
    if (n->min_base != (n->left ? n->left->min_base : n->base) || n->max_end != (n->right ? n->right->max_end : n->end))
        mismatch( r, "%#lx: subtree bounds wrong\n", (unsigned long)n->base );
    return n->height;
}

unsigned int ntdll_mm_check_invariants( char *buf, size_t len )
{
    struct report r = { buf, len, 0, 0 };
    struct maps m = { NULL, 0, 0 };
    struct walk_ctx w = { &r, &m, 0, NULL };

    if (buf && len) buf[0] = 0;
    if (mm_ensure_init()) return 1;
    /* exclusive: nothing may change the kernel's map while we compare */
    space_lock_exclusive();
    if (os_walk_mappings( collect_cb, &m )) mismatch( &r, "cannot read /proc/self/maps\n" );
    else
    {
        check_tree( &r, space.root );
        vad_walk( check_alloc, &w );
        if (w.prev && w.prev->next) mismatch( &r, "%#lx: last node has a next link\n", (unsigned long)w.prev->base );
        check_reserved_areas( &r, &m );
    }
    space_unlock_exclusive();
    mm_free( m.v );
    return r.count;
}

static void dump_alloc( struct mm_alloc *a, void *ctx )
{
    int fd = *(int *)ctx;
    if (a->kind == MM_KIND_FOREIGN) return;
    dprintf( fd, "%#lx-%#lx alloc_prot %#x flags %#x runs %zu:", (unsigned long)a->base, (unsigned long)a->end,
             a->alloc_prot, a->flags, a->nruns );
    for (size_t i = 0; i < a->nruns; i++)
        dprintf( fd, " [%zu:%#x]", run_at( a, i )->page, run_at( a, i )->state );
    dprintf( fd, "\n" );
}

void ntdll_mm_dump( int fd )
{
    if (mm_ensure_init()) return;
    space_lock_shared();
    vad_walk( dump_alloc, &fd );
    space_unlock_shared();
}

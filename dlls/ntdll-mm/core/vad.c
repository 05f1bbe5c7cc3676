/*
 * ntdll-mm core: the region tree (NT's "VAD tree"), its nodes, and the foreign ranges in it.
 *
 * The tree is an AVL tree of non-overlapping [base, end) ranges keyed by base.  Each node
 * also carries subtree aggregates (lowest base, highest end, largest gap between two
 * neighbouring nodes inside the subtree) computed from its children only, so a free range
 * of a given size, alignment and address window is found in O(log n) without walking the
 * list of allocations, bottom-up (NT's default) or top-down (MEM_TOP_DOWN).
 *
 * Foreign nodes: ranges the kernel has mapped that the core did not make (the program, the C
 * heap, thread stacks, the executable) are read from the kernel's map and kept in the same tree
 * (MM_KIND_FOREIGN), only so the gap search avoids them.  They may go stale: the mapping call
 * (MAP_FIXED_NOREPLACE) is the final arbiter, and a placement that finds a range taken reads
 * the kernel's map again.  The host's reservation inside its reserved areas is free address
 * space, not foreign memory.
 *
 * Lock rules: every function here requires the space lock; shared is enough for lookups and
 * the gap search, changes require it exclusive (asserted).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vad.h"
#include "heap.h"
#include "reserved.h"

/* ---- aggregates and rotations ----------------------------------------------------- */

static inline int height( const struct mm_alloc *n ) { return n ? n->height : 0; }

static void update( struct mm_alloc *n )
{
    size_t gap = 0;
    int hl = height( n->left ), hr = height( n->right );

    n->height = (hl > hr ? hl : hr) + 1;
    n->min_base = n->left ? n->left->min_base : n->base;
    n->max_end = n->right ? n->right->max_end : n->end;
    if (n->left)
    {
        gap = n->left->inner_gap;
        if (n->base - n->left->max_end > gap) gap = n->base - n->left->max_end;
    }
    if (n->right)
    {
        if (n->right->inner_gap > gap) gap = n->right->inner_gap;
        if (n->right->min_base - n->end > gap) gap = n->right->min_base - n->end;
    }
    n->inner_gap = gap;
}

static struct mm_alloc *rotate_right( struct mm_alloc *n )
{
    struct mm_alloc *l = n->left;
    n->left = l->right;
    l->right = n;
    update( n );
    update( l );
    return l;
}

static struct mm_alloc *rotate_left( struct mm_alloc *n )
{
    struct mm_alloc *r = n->right;
    n->right = r->left;
    r->left = n;
    update( n );
    update( r );
    return r;
}

static struct mm_alloc *rebalance( struct mm_alloc *n )
{
    int bal;
    update( n );
    bal = height( n->left ) - height( n->right );
    if (bal > 1)
    {
        if (height( n->left->left ) < height( n->left->right )) n->left = rotate_left( n->left );
        return rotate_right( n );
    }
    if (bal < -1)
    {
        if (height( n->right->right ) < height( n->right->left )) n->right = rotate_right( n->right );
        return rotate_left( n );
    }
    return n;
}

static struct mm_alloc *insert_rec( struct mm_alloc *n, struct mm_alloc *a )
{
    if (!n) return a;
    if (a->base < n->base) n->left = insert_rec( n->left, a );
    else n->right = insert_rec( n->right, a );
    return rebalance( n );
}

static struct mm_alloc *remove_min( struct mm_alloc *n, struct mm_alloc **min )
{
    if (!n->left)
    {
        *min = n;
        return n->right;
    }
    n->left = remove_min( n->left, min );
    return rebalance( n );
}

static struct mm_alloc *remove_rec( struct mm_alloc *n, struct mm_alloc *a )
{
    if (!n) return NULL;
    if (n == a)
    {
        struct mm_alloc *min, *right;
        if (!n->right) return n->left;
        right = remove_min( n->right, &min );
        min->left = n->left;
        min->right = right;
        return rebalance( min );
    }
    if (a->base < n->base) n->left = remove_rec( n->left, a );
    else n->right = remove_rec( n->right, a );
    return rebalance( n );
}

int vad_insert( struct mm_alloc *a )
{
    struct mm_alloc *n, *prev = NULL, *next = NULL;

    SPACE_ASSERT_EXCLUSIVE();
    if (vad_first_overlap( a->base, a->end )) return -EEXIST;
    /* its neighbours in address order (the nodes do not overlap: no equal base) */
    for (n = space.root; n; )
    {
        if (n->base < a->base)
        {
            prev = n;
            n = n->right;
        }
        else
        {
            next = n;
            n = n->left;
        }
    }
    a->left = a->right = NULL;
    update( a );
    space.root = insert_rec( space.root, a );
    a->prev = prev;
    a->next = next;
    if (prev) prev->next = a;
    if (next) next->prev = a;
    if (a->kind != MM_KIND_FOREIGN) space.nallocs++;
    return 0;
}

void vad_remove( struct mm_alloc *a )
{
    SPACE_ASSERT_EXCLUSIVE();
    space.root = remove_rec( space.root, a );
    if (a->prev) a->prev->next = a->next;
    if (a->next) a->next->prev = a->prev;
    a->prev = a->next = NULL;
    if (__atomic_load_n( &space.hint, __ATOMIC_RELAXED ) == a) __atomic_store_n( &space.hint, NULL, __ATOMIC_RELAXED );
    if (a->kind != MM_KIND_FOREIGN) space.nallocs--;
}

/* ---- lookups -------------------------------------------------------------------------- */

/* A program walking its address space (VirtualQuery at BaseAddress + RegionSize) or going
 * through its allocations in order asks next for an address in the node after (or before)
 * the one found last, or in the free gap between them: space.hint and the address-order links
 * answer that without a tree search.  Readers store the hint under the shared lock and
 * vad_remove clears it under the exclusive one, so a hint read under the lock is a live node. */
struct mm_alloc *vad_find( uintptr_t addr )
{
    struct mm_alloc *hint = __atomic_load_n( &space.hint, __ATOMIC_RELAXED ), *n;

    if (hint)
    {
        if (addr >= hint->base && addr < hint->end) return hint;
        n = addr >= hint->end ? hint->next : hint->prev;
        /* nothing lies between the hint and its neighbour */
        if (!n || (addr >= hint->end ? addr < n->base : addr >= n->end)) return NULL;
        if (addr >= n->base && addr < n->end)
        {
            __atomic_store_n( &space.hint, n, __ATOMIC_RELAXED );
            return n;
        }
    }
    for (n = space.root; n; )
    {
        if (addr < n->base) n = n->left;
        else if (addr >= n->end) n = n->right;
        else
        {
            __atomic_store_n( &space.hint, n, __ATOMIC_RELAXED );
            return n;
        }
    }
    return NULL;
}

struct mm_alloc *vad_find_next( uintptr_t addr )
{
    struct mm_alloc *n = space.root, *best = NULL;
    while (n)
    {
        if (n->base > addr)
        {
            best = n;
            n = n->left;
        }
        else n = n->right;
    }
    return best;
}

/* lowest node overlapping [start, end) */
struct mm_alloc *vad_first_overlap( uintptr_t start, uintptr_t end )
{
    struct mm_alloc *n = space.root, *best = NULL;
    while (n)
    {
        if (n->end <= start) n = n->right;
        else
        {
            if (n->base < end) best = n;
            n = n->left;
        }
    }
    return best;
}

static void walk_rec( struct mm_alloc *n, vad_walk_cb cb, void *ctx )
{
    if (!n) return;
    walk_rec( n->left, cb, ctx );
    cb( n, ctx );
    walk_rec( n->right, cb, ctx );
}

void vad_walk( vad_walk_cb cb, void *ctx )
{
    walk_rec( space.root, cb, ctx );
}

/* ---- gap search ------------------------------------------------------------------------ */

struct gap_req
{
    size_t size;
    uintptr_t lo, hi;            /* window [lo, hi) */
    size_t align_mask;
};

static int fit_up( const struct gap_req *r, uintptr_t start, uintptr_t end, uintptr_t *ret )
{
    uintptr_t s, e;
    if (start < r->lo) start = r->lo;
    if (end > r->hi) end = r->hi;
    if (end <= start) return 0;
    s = mm_round_up( start, r->align_mask );
    e = s + r->size;
    if (s < start || e < s || e > end) return 0;
    *ret = s;
    return 1;
}

static int fit_down( const struct gap_req *r, uintptr_t start, uintptr_t end, uintptr_t *ret )
{
    uintptr_t s;
    if (start < r->lo) start = r->lo;
    if (end > r->hi) end = r->hi;
    if (end <= start || end - start < r->size) return 0;
    s = mm_round_down( end - r->size, r->align_mask );
    if (s < start) return 0;
    *ret = s;
    return 1;
}

/* lowest fit among the gaps [prev_end, first node) and between the nodes of subtree n */
static int gap_up( const struct mm_alloc *n, uintptr_t prev_end, const struct gap_req *r, uintptr_t *ret )
{
    size_t best;
    if (!n) return 0;
    if (n->max_end <= r->lo || prev_end >= r->hi) return 0;   /* every gap here lies outside the window */
    best = n->inner_gap;
    if (n->min_base - prev_end > best) best = n->min_base - prev_end;
    if (best < r->size) return 0;
    if (gap_up( n->left, prev_end, r, ret )) return 1;
    if (fit_up( r, n->left ? n->left->max_end : prev_end, n->base, ret )) return 1;
    return gap_up( n->right, n->end, r, ret );
}

/* highest fit among the gaps between the nodes of subtree n and [last node, next_base) */
static int gap_down( const struct mm_alloc *n, uintptr_t next_base, const struct gap_req *r, uintptr_t *ret )
{
    size_t best;
    if (!n) return 0;
    if (n->min_base >= r->hi || next_base <= r->lo) return 0;
    best = n->inner_gap;
    if (next_base - n->max_end > best) best = next_base - n->max_end;
    if (best < r->size) return 0;
    if (gap_down( n->right, next_base, r, ret )) return 1;
    if (fit_down( r, n->end, n->right ? n->right->min_base : next_base, ret )) return 1;
    return gap_down( n->left, n->base, r, ret );
}

uintptr_t vad_find_gap( size_t size, uintptr_t lo, uintptr_t hi, size_t align_mask, int top_down )
{
    struct gap_req r = { size, lo, hi, align_mask };
    uintptr_t ret = 0;
    const uintptr_t space_lo = space.lowest, space_hi = space.highest + 1;

    if (r.lo < space_lo) r.lo = space_lo;
    if (r.hi > space_hi) r.hi = space_hi;
    if (r.hi <= r.lo || r.hi - r.lo < size) return 0;
    if (!space.root)
        return (top_down ? fit_down( &r, space_lo, space_hi, &ret ) : fit_up( &r, space_lo, space_hi, &ret )) ? ret : 0;
    if (top_down)
    {
        if (fit_down( &r, space.root->max_end, space_hi, &ret )) return ret;
        if (gap_down( space.root, space_hi, &r, &ret )) return ret;
        /* gap_down also covered the gap below the lowest node, bounded by space_lo via r.lo */
        return fit_down( &r, space_lo, space.root->min_base, &ret ) ? ret : 0;
    }
    if (gap_up( space.root, space_lo, &r, &ret )) return ret;
    return fit_up( &r, space.root->max_end, space_hi, &ret ) ? ret : 0;
}

/* ---- nodes ---------------------------------------------------------------------------- */

struct mm_alloc *vad_new( enum mm_kind kind, uintptr_t base, uintptr_t end )
{
    struct mm_alloc *a = mm_calloc( 1, sizeof(*a) );
    if (!a) return NULL;
    a->kind = kind;
    a->base = base;
    a->end = end;
    a->runs = a->inline_runs;
    a->cap = MM_INLINE_RUNS;
    runs_reset( a, 0 );
    return a;
}

void vad_free( struct mm_alloc *a )
{
    if (a->runs != a->inline_runs) mm_free( a->runs );
    mm_free( a->ww_dirty );
    mm_free( a->reset_present );
    mm_free( a );
}

/* ---- foreign ranges -------------------------------------------------------------------- */

struct foreign_list
{
    struct mm_alloc **v;
    size_t n, cap;
    int failed;
};

static void collect_foreign( struct mm_alloc *a, void *ctx )
{
    struct foreign_list *l = ctx;
    if (a->kind != MM_KIND_FOREIGN) return;
    if (l->n == l->cap)
    {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct mm_alloc **v = mm_realloc( l->v, cap * sizeof(*v) );
        if (!v)
        {
            l->failed = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = a;
}

/* Remove every foreign node.  The nodes are collected first: removing while walking would
 * follow links the rebalancing has just changed. */
void vad_drop_foreign( void )
{
    struct foreign_list l = { NULL, 0, 0, 0 };

    SPACE_ASSERT_EXCLUSIVE();
    vad_walk( collect_foreign, &l );
    for (size_t i = 0; i < l.n; i++)
    {
        vad_remove( l.v[i] );
        vad_free( l.v[i] );
    }
    mm_free( l.v );
}

/* [start, end) of the kernel's map is memory: insert the parts not known as ours */
static int add_foreign( uintptr_t start, uintptr_t end )
{
    while (start < end)
    {
        struct mm_alloc *ov = vad_first_overlap( start, end ), *a;
        uintptr_t piece_end = ov ? (ov->base > start ? ov->base : start) : end;

        if (piece_end > start)
        {
            if (!(a = vad_new( MM_KIND_FOREIGN, start, piece_end ))) return -ENOMEM;
            vad_insert( a );
        }
        if (!ov) break;
        start = ov->end;
    }
    return 0;
}

static int load_cb( const struct os_mapping *map, void *ctx )
{
    uintptr_t from = map->start, start, end;
    int *err = ctx;

    if (map->start > space.highest) return 1;
    /* the host's reservation inside reserved areas is free address space for NT */
    while (resv_visible_piece( map, from, &start, &end ))
    {
        if (start > space.highest) break;
        if (end > space.highest + 1) end = space.highest + 1;
        if ((*err = add_foreign( start, end ))) return 1;
        from = end;
        if (from >= map->end || from > space.highest) break;
    }
    return 0;
}

/* re-read the kernel's map: every mapping not made by us becomes a foreign node */
int vad_load_foreign( void )
{
    int err = 0, ret;

    vad_drop_foreign();
    if ((ret = os_walk_mappings( load_cb, &err ))) return ret;
    return err;
}


/*
 * ntdll-mm core: the region tree (NT's "VAD tree") and per-page state runs.
 *
 * The tree is an AVL tree of non-overlapping [base, end) ranges keyed by base.  Each node
 * also carries subtree aggregates (lowest base, highest end, largest gap between two
 * neighbouring nodes inside the subtree) computed from its children only, so a free range
 * of a given size, alignment and address window is found in O(log n) without walking the
 * list of allocations, bottom-up (NT's default) or top-down (MEM_TOP_DOWN).
 *
 * Lock rules: every function here requires mm.lock; shared is enough for lookups and the
 * gap search, changes require it exclusive (asserted).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mm_private.h"
#include "os.h"

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

    MM_ASSERT_EXCLUSIVE();
    if (vad_first_overlap( a->base, a->end )) return -EEXIST;
    /* its neighbours in address order (the nodes do not overlap: no equal base) */
    for (n = mm.root; n; )
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
    mm.root = insert_rec( mm.root, a );
    a->prev = prev;
    a->next = next;
    if (prev) prev->next = a;
    if (next) next->prev = a;
    if (a->kind != MM_KIND_FOREIGN) mm.nallocs++;
    return 0;
}

void vad_remove( struct mm_alloc *a )
{
    MM_ASSERT_EXCLUSIVE();
    mm.root = remove_rec( mm.root, a );
    if (a->prev) a->prev->next = a->next;
    if (a->next) a->next->prev = a->prev;
    a->prev = a->next = NULL;
    if (__atomic_load_n( &mm.hint, __ATOMIC_RELAXED ) == a) __atomic_store_n( &mm.hint, NULL, __ATOMIC_RELAXED );
    if (a->kind != MM_KIND_FOREIGN) mm.nallocs--;
}

/* ---- lookups -------------------------------------------------------------------------- */

/* A program walking its address space (VirtualQuery at BaseAddress + RegionSize) or going
 * through its allocations in order asks next for an address in the node after (or before)
 * the one found last, or in the free gap between them: mm.hint and the address-order links
 * answer that without a tree search.  Readers store the hint under the shared lock and
 * vad_remove clears it under the exclusive one, so a hint read under the lock is a live node. */
struct mm_alloc *vad_find( uintptr_t addr )
{
    struct mm_alloc *hint = __atomic_load_n( &mm.hint, __ATOMIC_RELAXED ), *n;

    if (hint)
    {
        if (addr >= hint->base && addr < hint->end) return hint;
        n = addr >= hint->end ? hint->next : hint->prev;
        /* nothing lies between the hint and its neighbour */
        if (!n || (addr >= hint->end ? addr < n->base : addr >= n->end)) return NULL;
        if (addr >= n->base && addr < n->end)
        {
            __atomic_store_n( &mm.hint, n, __ATOMIC_RELAXED );
            return n;
        }
    }
    for (n = mm.root; n; )
    {
        if (addr < n->base) n = n->left;
        else if (addr >= n->end) n = n->right;
        else
        {
            __atomic_store_n( &mm.hint, n, __ATOMIC_RELAXED );
            return n;
        }
    }
    return NULL;
}

struct mm_alloc *vad_find_next( uintptr_t addr )
{
    struct mm_alloc *n = mm.root, *best = NULL;
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
    struct mm_alloc *n = mm.root, *best = NULL;
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
    walk_rec( mm.root, cb, ctx );
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
    const uintptr_t space_lo = mm.lowest, space_hi = mm.highest + 1;

    if (r.lo < space_lo) r.lo = space_lo;
    if (r.hi > space_hi) r.hi = space_hi;
    if (r.hi <= r.lo || r.hi - r.lo < size) return 0;
    if (!mm.root)
        return (top_down ? fit_down( &r, space_lo, space_hi, &ret ) : fit_up( &r, space_lo, space_hi, &ret )) ? ret : 0;
    if (top_down)
    {
        if (fit_down( &r, mm.root->max_end, space_hi, &ret )) return ret;
        if (gap_down( mm.root, space_hi, &r, &ret )) return ret;
        /* gap_down also covered the gap below the lowest node, bounded by space_lo via r.lo */
        return fit_down( &r, space_lo, mm.root->min_base, &ret ) ? ret : 0;
    }
    if (gap_up( mm.root, space_lo, &r, &ret )) return ret;
    return fit_up( &r, mm.root->max_end, space_hi, &ret ) ? ret : 0;
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

    MM_ASSERT_EXCLUSIVE();
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

    if (map->start > mm.highest) return 1;
    /* the host's reservation inside reserved areas is free address space for NT */
    while (os_visible_piece( map, from, &start, &end ))
    {
        if (start > mm.highest) break;
        if (end > mm.highest + 1) end = mm.highest + 1;
        if ((*err = add_foreign( start, end ))) return 1;
        from = end;
        if (from >= map->end || from > mm.highest) break;
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

/* ---- host-reserved areas ----------------------------------------------------------------- */

static NTSTATUS change_reserved_area( uintptr_t start, uintptr_t end, int add )
{
    NTSTATUS status;
    int ret;

    if (start >= end || (start & MM_PAGE_MASK) || (end & MM_PAGE_MASK)) return STATUS_INVALID_PARAMETER;
    if ((status = mm_ensure_init())) return status;
    mm_lock_exclusive();
    os_set_reserved_exclusive( host_owns_reserved_areas() );
    ret = add ? os_add_reserved( start, end ) : os_remove_reserved( start, end );
    /* the reservation's mappings stop (or start) being foreign memory */
    if (!ret) ret = vad_load_foreign();
    mm_unlock_exclusive();
    if (ret) return ret == -EINVAL ? STATUS_INVALID_PARAMETER : STATUS_NO_MEMORY;
    return STATUS_SUCCESS;
}

NTSTATUS mm_add_reserved_area( uintptr_t start, uintptr_t end )
{
    return change_reserved_area( start, end, 1 );
}

NTSTATUS mm_remove_reserved_area( uintptr_t start, uintptr_t end )
{
    return change_reserved_area( start, end, 0 );
}

NTSTATUS ntdll_mm_add_reserved_area( void *start, void *end )
{
    return mm_add_reserved_area( (uintptr_t)start, (uintptr_t)end );
}

NTSTATUS ntdll_mm_remove_reserved_area( void *start, void *end )
{
    return mm_remove_reserved_area( (uintptr_t)start, (uintptr_t)end );
}

/* ---- runs of per-page state ------------------------------------------------------------ */

/* The runs are a gap buffer (mm_private.h, run_at): runs[0..gap) hold runs 0..gap-1, the
 * cap - nruns free slots follow, then runs gap..nruns-1 fill the end of the array.  A change
 * moves the gap right behind the runs it touches and works on them there, so its cost is the
 * runs it touches plus the distance the gap moves: O(1) per call for a program that walks an
 * allocation page by page (a plain array shifted every later run, O(all runs) per call). */

size_t runs_index( const struct mm_alloc *a, size_t page )
{
    const struct mm_run *r = a->runs;
    size_t lo = 0, hi = a->gap;   /* invariant: run lo starts at or before page, run hi after it */

    /* the answer lies in one of the two parts: search that one */
    if (a->gap < a->nruns && a->runs[a->gap + a->cap - a->nruns].page <= page)
    {
        r += a->cap - a->nruns;
        lo = a->gap;
        hi = a->nruns;
    }
    while (hi - lo > 1)
    {
        size_t mid = (lo + hi) / 2;
        if (r[mid].page <= page) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* room for 'need' runs in all; the gap stays where it is */
static int runs_reserve( struct mm_alloc *a, size_t need )
{
    size_t cap, upper = a->nruns - a->gap;
    struct mm_run *runs;

    if (need <= a->cap) return 0;
    cap = a->cap * 2;
    if (cap < need) cap = need;
    if (!(runs = mm_malloc( cap * sizeof(*runs) ))) return -1;
    memcpy( runs, a->runs, a->gap * sizeof(*runs) );
    memcpy( runs + cap - upper, a->runs + a->cap - upper, upper * sizeof(*runs) );
    if (a->runs != a->inline_runs) mm_free( a->runs );
    a->runs = runs;
    a->cap = cap;
    return 0;
}

int runs_reserve_more( struct mm_alloc *a, size_t more )
{
    return runs_reserve( a, a->nruns + more );
}

/* move the gap in front of run 'pos' (0 <= pos <= nruns) */
static void runs_move_gap( struct mm_alloc *a, size_t pos )
{
    size_t len = a->cap - a->nruns;

    if (pos < a->gap)
        memmove( &a->runs[pos + len], &a->runs[pos], (a->gap - pos) * sizeof(*a->runs) );
    else if (pos > a->gap)
        memmove( &a->runs[a->gap], &a->runs[a->gap + len], (pos - a->gap) * sizeof(*a->runs) );
    a->gap = pos;
}

/* Split the runs at first and end and move the gap behind them: pages [first, end) are then
 * exactly runs [*lo, *hi), all in front of the gap (runs[*lo..*hi) directly).  Needs room for
 * two more runs. */
static void runs_open( struct mm_alloc *a, size_t first, size_t end, size_t *lo, size_t *hi )
{
    size_t i = runs_index( a, first ), l = runs_index( a, end - 1 );

    runs_move_gap( a, l + 1 );
    *hi = l + 1;
    if (end < run_end( a, l ))
    {
        /* the rest of run l becomes a run of its own, in the first free slot */
        a->runs[a->gap].page = end;
        a->runs[a->gap].state = a->runs[l].state;
        a->gap++;
        a->nruns++;
    }
    if (a->runs[i].page < first)
    {
        memmove( &a->runs[i + 2], &a->runs[i + 1], (a->gap - i - 1) * sizeof(*a->runs) );
        a->runs[i + 1].page = first;
        a->runs[i + 1].state = a->runs[i].state;
        a->gap++;
        a->nruns++;
        i++;
        (*hi)++;
    }
    *lo = i;
}

/* merge equal neighbours among runs [from, gap) and the first run behind the gap; nothing
 * else can have changed */
static void runs_merge( struct mm_alloc *a, size_t from )
{
    size_t w = from;

    for (size_t j = from + 1; j < a->gap; j++)
    {
        if (a->runs[j].state == a->runs[w].state) continue;
        a->runs[++w] = a->runs[j];
    }
    a->nruns -= a->gap - (w + 1);
    a->gap = w + 1;
    /* dropping the first run behind the gap only widens the gap */
    if (a->gap < a->nruns && a->runs[a->gap + a->cap - a->nruns].state == a->runs[w].state) a->nruns--;
}

int runs_update( struct mm_alloc *a, size_t first, size_t count, uint32_t keep, uint32_t set )
{
    size_t lo, hi;

    if (!count) return 0;
    if (runs_reserve( a, a->nruns + 2 )) return -1;
    runs_open( a, first, first + count, &lo, &hi );
    for (size_t j = lo; j < hi; j++) a->runs[j].state = (a->runs[j].state & keep) | set;
    runs_merge( a, lo ? lo - 1 : 0 );
    return 0;
}

size_t runs_count( const struct mm_alloc *a, size_t first, size_t count )
{
    if (!count) return 0;
    return runs_index( a, first + count - 1 ) - runs_index( a, first ) + 1;
}

void runs_save( const struct mm_alloc *a, size_t first, size_t count, struct mm_run *saved )
{
    size_t n = runs_count( a, first, count ), i = n ? runs_index( a, first ) : 0;

    for (size_t k = 0; k < n; k++) saved[k] = *run_at( a, i + k );
    if (n) saved[0].page = first;
}

/* put back a copy made by runs_save of the same pages; the caller keeps ownership of saved */
int runs_restore( struct mm_alloc *a, size_t first, size_t count, const struct mm_run *saved, size_t nsaved )
{
    size_t lo, hi, tail;

    if (!count) return 0;
    if (runs_reserve( a, a->nruns + 2 + nsaved )) return -1;
    runs_open( a, first, first + count, &lo, &hi );
    /* runs [lo, hi) become the saved ones; the run split off at the end (if any) follows */
    tail = a->gap - hi;
    memmove( &a->runs[lo + nsaved], &a->runs[hi], tail * sizeof(*a->runs) );
    memcpy( &a->runs[lo], saved, nsaved * sizeof(*saved) );
    a->nruns = a->nruns - (hi - lo) + nsaved;
    a->gap = lo + nsaved + tail;
    runs_merge( a, lo ? lo - 1 : 0 );
    return 0;
}

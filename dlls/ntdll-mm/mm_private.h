/*
 * ntdll-mm core: private definitions shared by the core's files.
 *
 * Layering (see docs/design.md):
 *   Nt* entry points (virtual.c, query.c): validate, then one worker that takes the lock once
 *   core (vad.c): the region tree of allocations and their per-page state runs
 *   os layer (os.c): the only code that calls mmap/mprotect/madvise/userfaultfd/pagemap
 *   host (host.h: the contract; host.c standalone, wine/ inside Wine's ntdll.so): handles,
 *     user-pointer probing, process identity, signals
 *
 * Lock rules: one process-wide reader/writer lock, mm_lock.  Queries take it shared;
 * every call that changes the tree or the kernel's mappings takes it exclusive, once, in
 * the worker.  User pointers are never touched while it is held (a fault there must not
 * leave the lock taken): entry points copy inputs in before the worker and outputs out after.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_PRIVATE_H
#define NTDLL_MM_PRIVATE_H

#include "mm_entry.h"   /* first: entry-point renames and _GNU_SOURCE */
#include <stdint.h>
#include <stddef.h>
#include <pthread.h>
#include "ntdll-mm.h"
#include "host.h"

MM_HIDDEN_BEGIN

#ifndef MEM_RESERVE_PLACEHOLDER
#define MEM_RESERVE_PLACEHOLDER 0x00040000
#endif
#ifndef MEM_REPLACE_PLACEHOLDER
#define MEM_REPLACE_PLACEHOLDER 0x00004000
#endif
#ifndef MEM_RESET_UNDO
#define MEM_RESET_UNDO 0x01000000
#endif
#ifndef MEM_PRESERVE_PLACEHOLDER
#define MEM_PRESERVE_PLACEHOLDER 0x00000002
#endif
#ifndef MEM_COALESCE_PLACEHOLDERS
#define MEM_COALESCE_PLACEHOLDERS 0x00000001
#endif

#define MM_PAGE_SHIFT   12
#define MM_PAGE_SIZE    ((size_t)1 << MM_PAGE_SHIFT)
#define MM_PAGE_MASK    (MM_PAGE_SIZE - 1)
#define MM_GRANULARITY  ((size_t)0x10000)   /* NT allocation granularity */
#define MM_GRAN_MASK    (MM_GRANULARITY - 1)

static inline uintptr_t mm_round_down( uintptr_t v, size_t mask ) { return v & ~(uintptr_t)mask; }
static inline uintptr_t mm_round_up( uintptr_t v, size_t mask ) { return (v + mask) & ~(uintptr_t)mask; }

/* ---- per-page state ---------------------------------------------------------------
 * A page's state is its NT protection (one PAGE_* base value, optionally | PAGE_GUARD)
 * plus MM_COMMITTED.  Reserved pages have state 0: NT reports Protect 0 for them, and the
 * kernel maps them PROT_NONE.  PAGE_NOCACHE / PAGE_WRITECOMBINE are attributes of the whole
 * allocation on NT (given at allocation, they stick; given to NtProtectVirtualMemory later,
 * they are ignored), so they live in mm_alloc.flags, not here. */
#define MM_COMMITTED   0x10000u
#define MM_PRIVMAP     0x20000u  /* view page remapped MAP_PRIVATE (made PAGE_WRITECOPY in a shared view) */
#define MM_LOCKED      0x40000u  /* locked in the working set (NtLockVirtualMemory): mlock()ed */
#define MM_SHAREDMAP   0x80000u  /* image page of a writable IMAGE_SCN_MEM_SHARED section: mapped
                                    MAP_SHARED from the section's shared backing, not copy-on-write */
/* how the kernel maps a page, not what NT reports for it */
#define MM_MAP_BITS    (MM_PRIVMAP | MM_LOCKED | MM_SHAREDMAP)
#define MM_PROT_MASK   0x0ffffu

/* one run of pages with equal state; runs are sorted, the first starts at page 0 and each
 * extends to the next run's start (or the end of the allocation).  An allocation keeps them in
 * a gap buffer (see run_at): read them through run_at / runs_state / run_end, never runs[] */
struct mm_run
{
    size_t   page;
    uint32_t state;
};

enum mm_kind
{
    MM_KIND_FOREIGN,    /* a kernel mapping we did not make (program, libc, stacks): only
                           kept so the gap search avoids it; may be stale */
    MM_KIND_PRIVATE,    /* NtAllocateVirtualMemory */
    MM_KIND_MAPPED,     /* a view of a data section (NtMapViewOfSection) */
    MM_KIND_IMAGE,      /* a view of a SEC_IMAGE section */
};

struct mm_section;

#define MM_F_WRITE_WATCH    0x01u
#define MM_F_NOCACHE        0x02u
#define MM_F_WRITECOMBINE   0x04u
#define MM_F_TOP_DOWN       0x08u
#define MM_F_LARGE_PAGES    0x10u    /* backed by the hugetlb pool (allocation or view), committed whole */
/* placeholders (VirtualAlloc2 MEM_RESERVE_PLACEHOLDER): NT splits, joins and replaces them; here a
 * placeholder is a private node whose one run is reserved (PROT_NONE, like a reservation), and
 * its pieces share one kernel mapping until something replaces them (MAP_FIXED over them) */
#define MM_F_PLACEHOLDER    0x100u   /* a placeholder: MEM_RESERVE, AllocationProtect PAGE_NOACCESS */
#define MM_F_REPLACED       0x200u   /* private memory or view that replaced a placeholder and may
                                        become one again (MEM_PRESERVE_PLACEHOLDER) */

#define MM_INLINE_RUNS 4

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* one allocation (reservation) or foreign range: a node of the region tree */
struct mm_alloc
{
    struct mm_alloc *left, *right;
    uintptr_t  base, end;        /* [base, end), page aligned; base 64K aligned for allocations */
    /* subtree aggregates, maintained by vad.c */
    uintptr_t  min_base, max_end;
    size_t     inner_gap;        /* largest gap between consecutive nodes inside the subtree */
    int        height;
    struct mm_alloc *prev, *next; /* neighbours in address order while in the tree (vad.c) */
    enum mm_kind kind;
    uint32_t   alloc_prot;       /* AllocationProtect as NT reports it */
    uint32_t   flags;            /* MM_F_* */
    size_t     nruns, cap, gap;  /* runs 0..gap-1 at runs[0..gap-1], runs gap..nruns-1 at the end of runs[cap] */
    struct mm_run *runs;
    struct mm_run inline_runs[MM_INLINE_RUNS];
    /* views only */
    struct mm_section *section;  /* holds a reference */
    uint64_t   offset;           /* offset of base in the section */
    int        cow;              /* mapped MAP_PRIVATE: writes never reach the section */
    /* MM_F_WRITE_WATCH: one bit per page, written and not reset (writewatch.c) */
    uint64_t  *ww_dirty;
    /* MEM_RESET: one bit per page that held data when it was reset, for MEM_RESET_UNDO */
    uint64_t  *reset_present;
};

static inline int alloc_is_view( const struct mm_alloc *a )
{
    return a->kind == MM_KIND_MAPPED || a->kind == MM_KIND_IMAGE;
}

/* ---- the process-wide state ------------------------------------------------------ */
struct mm_space
{
    pthread_rwlock_t lock;
    struct mm_alloc *root;
    struct mm_alloc *hint;       /* the node vad_find found last (written by readers too: relaxed atomics) */
    uintptr_t lowest;            /* lowest usable address (64K, or vm.mmap_min_addr rounded up) */
    uintptr_t highest;           /* highest user address, inclusive (NT's MmHighestUserAddress) */
    unsigned int nallocs;        /* MM_KIND_PRIVATE nodes */
    uintptr_t writer;            /* pthread_self() of the exclusive holder, else 0: assertions */
};

extern struct mm_space mm;

void mm_assert_fail( const char *file, int line, const char *what ) __attribute__((noreturn));

/* The lock is not recursive: taking it again on the thread that holds it exclusive (a host
 * calling the core from a fault it took inside the core, or a path that returned with the lock
 * held) would hang forever; abort with a message instead.  pthread_self() is a register read
 * and async-signal-safe. */
static inline void mm_check_not_writer( void )
{
    if (__atomic_load_n( &mm.writer, __ATOMIC_RELAXED ) == (uintptr_t)pthread_self())
        mm_assert_fail( __FILE__, __LINE__, "mm.lock taken again by the thread holding it exclusive" );
}

/* the host brackets every hold of the lock (host_lock_enter/leave: Wine blocks its server
 * signals there) */
static inline void mm_lock_shared( void )
{
    mm_check_not_writer();
    host_lock_enter();
    pthread_rwlock_rdlock( &mm.lock );
}
static inline void mm_unlock_shared( void )
{
    pthread_rwlock_unlock( &mm.lock );
    host_lock_leave();
}
static inline void mm_lock_exclusive( void )
{
    mm_check_not_writer();
    host_lock_enter();
    pthread_rwlock_wrlock( &mm.lock );
    __atomic_store_n( &mm.writer, (uintptr_t)pthread_self(), __ATOMIC_RELAXED );
}
static inline void mm_unlock_exclusive( void )
{
    __atomic_store_n( &mm.writer, 0, __ATOMIC_RELAXED );
    pthread_rwlock_unlock( &mm.lock );
    host_lock_leave();
}
/* pool.c: the heap's lock across fork() (the core's fork handler, virtual.c) */
void pool_fork( enum mm_fork_phase phase );

#define MM_ASSERT_EXCLUSIVE() do { if (!mm.writer) mm_assert_fail( __FILE__, __LINE__, "exclusive lock" ); } while (0)

/* ---- vad.c: region tree and runs --------------------------------------------------
 * All functions here require the lock: shared for lookups, exclusive for changes. */
struct mm_alloc *vad_find( uintptr_t addr );                  /* node containing addr */
struct mm_alloc *vad_find_next( uintptr_t addr );             /* first node with base > addr */
struct mm_alloc *vad_first_overlap( uintptr_t start, uintptr_t end );
int  vad_insert( struct mm_alloc *a );
void vad_remove( struct mm_alloc *a );
struct mm_alloc *vad_new( enum mm_kind kind, uintptr_t base, uintptr_t end );
void vad_free( struct mm_alloc *a );
void vad_drop_foreign( void );
int  vad_load_foreign( void );
typedef void (*vad_walk_cb)( struct mm_alloc *a, void *ctx );
void vad_walk( vad_walk_cb cb, void *ctx );

/* find a free range of 'size' bytes, aligned to align_mask+1, inside [lo, hi) */
uintptr_t vad_find_gap( size_t size, uintptr_t lo, uintptr_t hi, size_t align_mask, int top_down );

static inline size_t alloc_pages( const struct mm_alloc *a ) { return (a->end - a->base) >> MM_PAGE_SHIFT; }
/* Run i of a.  The runs are a gap buffer: the free slots of the array sit between run gap-1
 * and run gap, and a change moves the gap to where it happens, so a change costs the runs it
 * touches plus the distance from the previous change, not a shift of every run after it
 * (a program protecting the pages of a big allocation one after the other makes 50,000 runs). */
static inline struct mm_run *run_at( const struct mm_alloc *a, size_t i )
{
    return &a->runs[i < a->gap ? i : i + (a->cap - a->nruns)];
}
size_t   runs_index( const struct mm_alloc *a, size_t page );
static inline size_t run_end( const struct mm_alloc *a, size_t i )
{
    return i + 1 < a->nruns ? run_at( a, i + 1 )->page : alloc_pages( a );
}
static inline uint32_t runs_state( const struct mm_alloc *a, size_t page ) { return run_at( a, runs_index( a, page ) )->state; }
/* one run covering the whole allocation */
static inline void runs_reset( struct mm_alloc *a, uint32_t state )
{
    a->nruns = a->gap = 1;
    a->runs[0].page = 0;
    a->runs[0].state = state;
}
/* set state = (state & keep) | set on [first, first + count); 0 or -1 (no memory) */
int  runs_update( struct mm_alloc *a, size_t first, size_t count, uint32_t keep, uint32_t set );
/* room for 'more' runs beyond the current ones; 0 or -1 */
int  runs_reserve_more( struct mm_alloc *a, size_t more );
/* copy the runs of [first, first + count) into saved (their number: runs_count), the first
 * starting at 'first'; and put such a copy back over the same pages (0 or -1, no memory) */
size_t runs_count( const struct mm_alloc *a, size_t first, size_t count );
void runs_save( const struct mm_alloc *a, size_t first, size_t count, struct mm_run *saved );
int  runs_restore( struct mm_alloc *a, size_t first, size_t count, const struct mm_run *saved, size_t nsaved );
/* end page of the run of pages with state equal to that of 'page' (runs are kept merged) */
static inline size_t runs_span_end( const struct mm_alloc *a, size_t page ) { return run_end( a, runs_index( a, page ) ); }

/* ---- placement (virtual.c) ---------------------------------------------------------- */
struct mm_place_req
{
    uintptr_t addr;              /* fixed address, or 0 for anywhere */
    size_t size;
    uintptr_t lowest, limit;     /* window [lowest, limit), 0 = no bound */
    size_t align_mask;
    int top_down;
};
typedef int (*mm_map_func)( uintptr_t addr, size_t size, void *ctx );
NTSTATUS mm_place( const struct mm_place_req *req, mm_map_func map, void *ctx, uintptr_t *base );
NTSTATUS mm_parse_address_requirements( const MEM_EXTENDED_PARAMETER *parameters, ULONG count, int fixed_addr,
                                        uintptr_t *lowest, uintptr_t *limit, size_t *align_mask, int *have_req );
UINT_PTR mm_zero_bits_limit( ULONG_PTR zero_bits );
/* placeholders (virtual.c): a new placeholder node for [base, end), not in the tree yet; and the
 * placeholder exactly covering [start, end), or NULL.  Lock: exclusive / shared. */
struct mm_alloc *mm_new_placeholder( uintptr_t base, uintptr_t end );
struct mm_alloc *mm_find_placeholder( uintptr_t start, uintptr_t end );
/* copy an in/out (address, size) pair in and check it can be written back; and out */
NTSTATUS mm_fetch_inout( PVOID *ret, SIZE_T *size_ptr, void **addr, SIZE_T *size );
NTSTATUS mm_store_inout( PVOID *ret, SIZE_T *size_ptr, uintptr_t addr, size_t size );
NTSTATUS mm_fetch_inout_ulong( PVOID *ret, SIZE_T *size_ptr, void **addr, SIZE_T *size,
                               ULONG *out_ptr, ULONG *out );
NTSTATUS mm_store_inout_ulong( PVOID *ret, SIZE_T *size_ptr, uintptr_t addr, size_t size,
                               ULONG *out_ptr, ULONG out );

/* ---- section.c ------------------------------------------------------------------------ */
void section_release( struct mm_section *section );
/* Lock: exclusive.  Unmap a view and drop its section reference. */
void section_unmap_view( struct mm_alloc *a );
/* Lock: shared.  NT protection of a view page, refined from the kernel: a copy-on-write
 * page that has been written reports PAGE_READWRITE / PAGE_EXECUTE_READWRITE; *span is
 * limited to the pages that share that answer. */
uint32_t section_view_protect( const struct mm_alloc *a, size_t page, uint32_t state, size_t *span_end );
int  section_is_reserve( const struct mm_section *section );
/* Lock: exclusive.  Remap pages [first, first+count) of a shared view copy-on-write. */
int  section_make_private( struct mm_alloc *a, size_t first, size_t count, int prot );
int  view_protect_allowed( const struct mm_alloc *a, ULONG prot );
int  section_is_file( const struct mm_section *section );
/* Lock: exclusive.  Pages [first, first+count) of SEC_RESERVE view a were committed: record
 * it in the section and commit them in every other view of it (with that view's protection). */
void section_commit_pages( struct mm_alloc *a, size_t first, size_t count );
NTSTATUS section_query_name( uintptr_t addr, void *buffer, SIZE_T len, SIZE_T *written );

/* ---- fault.c: the fault interface for hosts is declared in host.h ------------------- */

/* ---- writewatch.c: MEM_WRITE_WATCH ------------------------------------------------------ */
enum { WW_KERNEL = 1, WW_FALLBACK = 2 };     /* the engine, chosen once by ww_init */
extern int ww_mode;
NTSTATUS ww_init( void );
/* Lock: exclusive.  Watch a new allocation (runs set, not yet in the tree); 0 or -errno */
int    ww_attach( struct mm_alloc *a );
/* Lock: shared or exclusive.  The kernel protection of pages [page, result) is *prot as adjusted
 * for write watch (the fallback keeps unwritten watched pages read-only); result <= end */
size_t ww_span( const struct mm_alloc *a, size_t page, size_t end, int *prot );
/* Lock: exclusive.  mprotect of pages [first, first+count) of a with prot, as ww_span splits it */
int    ww_protect( struct mm_alloc *a, size_t first, size_t count, int prot );
/* Lock: exclusive.  Pages [first, first+count) of watched a are about to be committed (some may
 * be already): on the kernel path, arm them without losing what was written; 0 or -errno */
int    ww_commit( struct mm_alloc *a, size_t first, size_t count );
/* Lock: exclusive.  os_decommit for a watched allocation (keeps the written state) */
int    ww_decommit( struct mm_alloc *a, size_t first, size_t count );
/* Fallback path, from the SIGSEGV handler: 1 if the write fault at addr was a first write to
 * a watched page (recorded, write access restored: retry the instruction), else 0.
 * ww_fault takes mm.lock exclusive itself; ww_fault_locked is for a caller holding it. */
int    ww_fault( void *addr, int write );
int    ww_fault_locked( void *addr, int write );

/* ---- protections -------------------------------------------------------------------- */
int  mm_prot_to_unix( uint32_t state );                      /* PROT_* for a page state */
NTSTATUS mm_validate_protect( ULONG protect, int for_image ); /* one base + allowed modifiers */
uint32_t mm_nt_protect( const struct mm_alloc *a, uint32_t state ); /* Protect as NT reports it */

/* apply the kernel protection of pages [first, first+count) of a from their states */
int  mm_sync_kernel( struct mm_alloc *a, size_t first, size_t count );

/* ---- misc.c: locking -------------------------------------------------------------------- */
/* Lock: shared.  MM_LOCKED of the page at addr (0 outside the library's allocations). */
int  mm_page_locked( uintptr_t addr );
/* Lock: shared.  End page of the NT region starting in run i of a: a lock does not split it. */
size_t mm_region_end( const struct mm_alloc *a, size_t i );
/* Lock: exclusive.  mlock() the MM_LOCKED pages of [first, first+count) again after a remap. */
void mm_relock( struct mm_alloc *a, size_t first, size_t count );

/* ---- host.c / section_object.c: standalone host internals ----------------------------- */
#ifndef NTDLL_MM_WINE
/* hand an exception to the program's callback; non-zero if it was handled */
int host_raise_fault( const struct mm_fault *fault, void *addr, void *ucontext );
#endif

MM_HIDDEN_END

#endif

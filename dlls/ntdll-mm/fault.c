/*
 * ntdll-mm: the fault interface.  A host hands every memory fault it cannot explain to
 * mm_classify_fault(); the core says whether the faulting instruction can simply run again
 * (a one-shot guard page that guarded a registered stack, a write-watch first write on the
 * fallback path) or which NT exception to raise, with the parameters NT gives it.
 *
 * Where NT and Linux differ:
 * - A PAGE_GUARD page is PROT_NONE in the kernel.  NT clears the guard on the first access and
 *   raises STATUS_GUARD_PAGE_VIOLATION once; here the fault clears the page's guard state and
 *   restores its protection, then the host raises the exception.
 * - NT grows thread stacks through their guard page without raising anything (the kernel's
 *   stack check); a host that registers a thread's stack (ntdll_mm_set_thread_stack) gets the
 *   same: the guard moves down one page, the stack limit follows, and STATUS_STACK_OVERFLOW is
 *   raised only when no page is left for a new guard.
 *
 * Lock rules: runs in a signal handler of the faulting thread.  It takes mm.lock exclusive,
 * which is safe because no thread ever touches caller memory while holding the lock (the rule
 * of mm_private.h), so the faulting thread does not hold it.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <string.h>

#include "mm_private.h"
#include "os.h"

/* the calling thread's NT-style stack, as a TEB would describe it */
struct thread_stack
{
    uintptr_t deallocation;      /* DeallocationStack: base of the reservation */
    uintptr_t base;              /* StackBase: top (exclusive) */
    uintptr_t limit;             /* StackLimit: lowest committed address */
};
static __thread struct thread_stack thread_stack __attribute__((tls_model("initial-exec")));

NTSTATUS ntdll_mm_set_thread_stack( void *deallocation_stack, void *stack_limit, void *stack_base )
{
    uintptr_t d = (uintptr_t)deallocation_stack, l = (uintptr_t)stack_limit, b = (uintptr_t)stack_base;

    if (!d && !l && !b)
    {
        memset( &thread_stack, 0, sizeof(thread_stack) );
        return STATUS_SUCCESS;
    }
    if ((d | l | b) & MM_PAGE_MASK || d > l || l > b || d == b) return STATUS_INVALID_PARAMETER;
    thread_stack.deallocation = d;
    thread_stack.limit = l;
    thread_stack.base = b;
    return STATUS_SUCCESS;
}

void *ntdll_mm_get_stack_limit( void )
{
    return (void *)thread_stack.limit;
}

static void set_fault( struct mm_fault *f, NTSTATUS code, int access, uintptr_t addr )
{
    memset( f, 0, sizeof(*f) );
    f->code = code;
    f->info[0] = access;
    f->info[1] = addr;
    f->ninfo = 2;
}

/* Lock: exclusive.  Clear the guard of one page and give the kernel its protection back. */
static void clear_guard( struct mm_alloc *a, size_t page )
{
    runs_update( a, page, 1, ~(uint32_t)PAGE_GUARD, 0 );
    mm_sync_kernel( a, page, 1 );
}

/* Lock: exclusive.  The guard page of the registered stack was hit at page (of a): move the
 * guard one page down.  Returns 0 when that is possible, else STATUS_STACK_OVERFLOW. */
static NTSTATUS grow_stack( struct mm_alloc *a, size_t page, uint32_t state )
{
    uintptr_t page_addr = a->base + (page << MM_PAGE_SHIFT);

    if (page_addr < thread_stack.limit) thread_stack.limit = page_addr;
    /* NT keeps one uncommitted page at the bottom of the reservation */
    if (page_addr - MM_PAGE_SIZE <= thread_stack.deallocation || !page) return STATUS_STACK_OVERFLOW;
    if (runs_state( a, page - 1 ) & MM_COMMITTED) return STATUS_SUCCESS;   /* already there */
    runs_update( a, page - 1, 1, 0, MM_COMMITTED | PAGE_GUARD | (state & 0xff) );
    mm_sync_kernel( a, page - 1, 1 );
    return STATUS_SUCCESS;
}

enum mm_fault_result mm_classify_fault( void *addr, int access, struct mm_fault *fault )
{
    uintptr_t page_addr = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
    enum mm_fault_result result = MM_FAULT_RAISE;
    struct mm_alloc *a;

    if (mm_ensure_init()) return MM_FAULT_UNKNOWN;
    set_fault( fault, STATUS_ACCESS_VIOLATION, access, (uintptr_t)addr );
    mm_lock_exclusive();
    /* write watch, fallback path: the first write to a watched page is recorded and retried */
    a = NULL;
    if (ww_fault_locked( addr, access == 1 )) result = MM_FAULT_RETRY;
    else a = vad_find( page_addr );
    if (a && a->kind != MM_KIND_FOREIGN)
    {
        size_t page = (page_addr - a->base) >> MM_PAGE_SHIFT;
        uint32_t state = runs_state( a, page );

        if ((state & MM_COMMITTED) && (state & PAGE_GUARD))
        {
            /* one shot: whatever happens next, the page is no longer a guard page */
            clear_guard( a, page );
            if (thread_stack.base && page_addr >= thread_stack.deallocation && page_addr < thread_stack.base)
            {
                if (grow_stack( a, page, state )) fault->code = STATUS_STACK_OVERFLOW;
                else result = MM_FAULT_RETRY;
            }
            else fault->code = STATUS_GUARD_PAGE_VIOLATION;
        }
    }
    mm_unlock_exclusive();
    return result;
}

/*
 * ntdll-mm core: thread stacks.
 *
 * NT grows a thread's stack through its guard page without raising anything: touching the
 * guard page commits it, the page below becomes the new guard page, StackLimit follows, and
 * STATUS_STACK_OVERFLOW is raised only when the guard reaches the page above the bottom of the
 * reservation (that last page is never committed).  A guard page the program had committed
 * below is armed again (ntdll's virtual test, "guard pages are restored as the stack grows
 * back").  The host passes the faulting thread's stack with each fault (host.h, mm_stack):
 * the core keeps no per-thread state.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "stack.h"
#include "pagerun.h"
#include "pages.h"

/* the access that overflowed keeps its parameters (access kind, address), as NT raises
 * STATUS_STACK_OVERFLOW from the page fault */
static void set_overflow( struct mm_fault *fault )
{
    fault->code = STATUS_STACK_OVERFLOW;
}

enum mm_fault_result stack_guard_hit( struct mm_alloc *a, size_t page, struct mm_stack *stack, struct mm_fault *fault )
{
    uintptr_t page_addr = a->base + (page << MM_PAGE_SHIFT), dealloc = (uintptr_t)stack->deallocation;
    uint32_t below;

    SPACE_ASSERT_EXCLUSIVE();
    /* NT keeps one uncommitted page at the bottom of the reservation */
    if (page_addr - MM_PAGE_SIZE <= dealloc || !page)
    {
        if (page_addr < (uintptr_t)stack->limit) stack->limit = (void *)page_addr;
        set_overflow( fault );
        return MM_FAULT_RAISE;
    }
    /* the limit becomes the page that was hit, also above the old limit (a guard page the
     * program set inside its committed stack) */
    stack->limit = (void *)page_addr;
    below = runs_state( a, page - 1 );
    if (!(below & MM_COMMITTED))
        pages_change( a, page - 1, 1, MM_LOCK_BITS,
                      MM_COMMITTED | PAGE_GUARD | (runs_state( a, page ) & PAGE_BASE_MASK), pages_sync_kernel );
    else if (!(below & PAGE_GUARD) && (below & PAGE_BASE_MASK) != PAGE_NOACCESS &&
             page_addr - MM_PAGE_SIZE >= dealloc + MM_PAGE_SIZE && a->base == dealloc)
        pages_change( a, page - 1, 1, ~0u, PAGE_GUARD, pages_sync_kernel );
    return MM_FAULT_RETRY;
}

enum mm_fault_result stack_commit_down( struct mm_alloc *a, size_t page, struct mm_stack *stack, struct mm_fault *fault )
{
    uintptr_t page_addr = a->base + (page << MM_PAGE_SHIFT), dealloc = (uintptr_t)stack->deallocation;
    uintptr_t limit = (uintptr_t)stack->limit;

    SPACE_ASSERT_EXCLUSIVE();
    if (!(stack->flags & MM_STACK_COMMIT_RESERVED)) return MM_FAULT_UNKNOWN;
    if (page_addr < dealloc + MM_PAGE_SIZE || page_addr >= limit || limit > (uintptr_t)stack->base ||
        limit > a->end || a->kind != MM_KIND_PRIVATE)
        return MM_FAULT_UNKNOWN;
    /* committed read-write from the faulting page up to the limit, as MEM_COMMIT would */
    if (pages_change( a, page, (limit - page_addr) >> MM_PAGE_SHIFT, MM_LOCK_BITS, MM_COMMITTED | PAGE_READWRITE,
                      pages_sync_kernel ))
        return MM_FAULT_UNKNOWN;
    stack->limit = (void *)page_addr;
    /* a guard page below, if there is room for one */
    if (page_addr < dealloc + 2 * MM_PAGE_SIZE)
    {
        set_overflow( fault );
        return MM_FAULT_RAISE;
    }
    pages_change( a, page - 1, 1, MM_LOCK_BITS, MM_COMMITTED | PAGE_READWRITE | PAGE_GUARD, pages_sync_kernel );
    return MM_FAULT_RETRY;
}

void stack_guard_set( uintptr_t start, uintptr_t end )
{
    struct mm_stack stack;

    SPACE_ASSERT_EXCLUSIVE();
    if (!host_thread_stack( &stack ) || !stack.base) return;
    if (start < (uintptr_t)stack.deallocation || end > (uintptr_t)stack.base) return;
    if (end <= (uintptr_t)stack.limit) return;
    host_set_stack_limit( (void *)end );
}

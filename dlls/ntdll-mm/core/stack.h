/*
 * ntdll-mm core: thread stacks (struct mm_stack, host.h): how NT grows them through their guard
 * page, moves StackLimit, and runs out.  See stack.c.
 *
 * Lock rules: the space lock exclusive.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_STACK_H
#define NTDLL_MM_STACK_H

#include "types.h"
#include "space.h"

MM_HIDDEN_BEGIN

/* is addr inside the stack's reservation? */
static inline int stack_holds( const struct mm_stack *stack, uintptr_t addr )
{
    return stack && stack->base && addr >= (uintptr_t)stack->deallocation && addr < (uintptr_t)stack->base;
}
/* The guard page at 'page' of a, inside the stack, was hit (its guard is already cleared): the
 * stack grows.  MM_FAULT_RETRY, or MM_FAULT_RAISE with STATUS_STACK_OVERFLOW in fault->code
 * when no page is left for a new guard. */
enum mm_fault_result stack_guard_hit( struct mm_alloc *a, size_t page, struct mm_stack *stack, struct mm_fault *fault );
/* A fault at 'page' of a, below the stack's limit, with MM_STACK_COMMIT_RESERVED: commit the
 * stack down to it.  MM_FAULT_UNKNOWN when that does not apply. */
enum mm_fault_result stack_commit_down( struct mm_alloc *a, size_t page, struct mm_stack *stack, struct mm_fault *fault );
/* [start, end) of the calling thread's memory became guard pages: in the committed part of its
 * own stack, StackLimit moves up to the end (ntdll's virtual test, test_stack_growth_thread) */
void stack_guard_set( uintptr_t start, uintptr_t end );

MM_HIDDEN_END

#endif

/*
 * ntdll-mm inside Wine 8.0: the entry points of Wine 8.0's signal handling into the memory
 * manager: virtual_handle_fault (a page fault) and virtual_setup_exception (an exception frame
 * about to be written on the thread's stack).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* err: the x86 page-fault error code (bit 1 write, bit 4 instruction fetch): NT's access kind
 * is err & 9 in Wine's encoding (0 read, 1 write, 8 execute) */
NTSTATUS virtual_handle_fault( void *addr, DWORD err, void *stack )
{
    /* Wine 8.0's handler builds the record itself: two parameters, also for an in-page error */
    return mmw_handle_fault( addr, err & 9, stack, NULL );
}

void *virtual_setup_exception( void *stack_ptr, size_t size, EXCEPTION_RECORD *rec )
{
    TEB *teb = NtCurrentTeb();
    char *stack = stack_ptr;
    char *start = teb->DeallocationStack, *limit, *end = teb->Tib.StackBase;

    if (stack > start && stack <= end) mmw_stack_fixup( stack );
    limit = teb->Tib.StackLimit;
    if (!(stack > start && stack <= end))
    {
        if (is_inside_signal_stack( stack ))
        {
            ERR( "nested exception on signal stack addr %p stack %p\n", rec->ExceptionAddress, stack );
            abort_thread( 1 );
        }
        WARN( "exception outside of stack limits addr %p stack %p (%p-%p-%p)\n",
              rec->ExceptionAddress, stack, start, limit, end );
        return stack - size;
    }
    stack -= size;
    if (stack < start + MM_PAGE_SIZE)
    {
        ERR( "stack overflow %u bytes addr %p stack %p (%p-%p-%p)\n",
             (unsigned int)(start + MM_PAGE_SIZE - stack), rec->ExceptionAddress, stack, start, limit, end );
        abort_thread( 1 );
    }
    if (stack < limit)
    {
        /* the frame reaches into the guard page or below it: the stack grows (or overflows),
         * as NT's kernel makes it for the frames it builds itself */
        struct mm_stack st;
        struct mm_fault fault;

        mmw_teb_stack( teb, &st );
        st.flags = MM_STACK_COMMIT_RESERVED;
        if (mm_handle_fault( stack, 1, &st, &fault ) == MM_FAULT_RAISE && fault.code == STATUS_STACK_OVERFLOW)
        {
            rec->ExceptionCode = STATUS_STACK_OVERFLOW;
            rec->NumberParameters = 0;
        }
        if (st.limit != teb->Tib.StackLimit) teb->Tib.StackLimit = st.limit;
    }
    return stack;
}

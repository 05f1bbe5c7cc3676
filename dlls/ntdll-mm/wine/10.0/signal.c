/*
 * ntdll-mm inside Wine 10.0: the entry points of Wine 10.0's signal handling into the memory
 * manager: virtual_handle_fault (a page fault) and virtual_setup_exception (an exception frame
 * about to be written on the thread's stack).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* Wine 10.0 fills the record before asking: ExceptionInformation[0] is NT's access kind (0 read,
 * 1 write, 8 execute), [1] the address; the answer goes into ExceptionCode (its callers only
 * test for success).  An in-page error carries NT's third parameter, the I/O status behind it. */
NTSTATUS virtual_handle_fault( EXCEPTION_RECORD *rec, void *stack )
{
    void *addr = (void *)rec->ExceptionInformation[1];
    ULONG_PTR io_status;
    NTSTATUS status;

    status = mmw_handle_fault( addr, rec->ExceptionInformation[0] & 9, stack, &io_status );
    if (status == STATUS_IN_PAGE_ERROR)
    {
        rec->NumberParameters = 3;
        rec->ExceptionInformation[2] = io_status;
    }
    rec->ExceptionCode = status;
    return status;
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

/* ProcessManageWritesToExecutableMemory: with write exceptions enabled, Wine 10.0 makes a write
 * to an executable page raise STATUS_IN_PAGE_ERROR (STATUS_EXECUTABLE_MEMORY_WRITE) unless the
 * thread allows writes.  Wine calls this on aarch64 only (process.c, for ARM64EC); this host
 * serves x86_64 processes, where nothing asks for it: the request is refused with a FIXME, and
 * executable pages stay writable as their protection says. */
void virtual_enable_write_exceptions( BOOL enable )
{
    if (enable) FIXME( "write exceptions on executable memory are not supported on this architecture\n" );
}

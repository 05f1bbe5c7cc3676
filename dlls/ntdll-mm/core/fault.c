/*
 * ntdll-mm core: page faults, and program memory touched by the kernel or the host on the
 * program's behalf.
 *
 * A host hands every memory fault it cannot explain to mm_handle_fault (SIGSEGV) or
 * mm_handle_bus_fault (SIGBUS), once; the core says whether the faulting instruction can
 * simply run again or which NT exception to raise, with NT's parameters.  What NT's page-fault
 * handler decides is decided here:
 * - a write-watch first write (the fallback engine keeps unwritten watched pages read-only):
 *   recorded, the page made writable, retried;
 * - a PAGE_GUARD page is PROT_NONE in the kernel.  NT clears the guard on the first access and
 *   raises STATUS_GUARD_PAGE_VIOLATION once; here the fault clears the page's guard state and
 *   restores its protection, then the host raises the exception.  Inside the faulting thread's
 *   stack it is stack growth instead (stack.c);
 * - a fault below a stack's limit that the host asks to commit (MM_STACK_COMMIT_RESERVED);
 * - anything else: STATUS_ACCESS_VIOLATION with { 0 read / 1 write / 8 execute, address }.
 *
 * Lock rules: runs in a signal handler of the faulting thread.  It takes the space lock
 * exclusive, which is safe because no thread ever touches caller memory while holding it, so
 * the faulting thread does not hold it.  mm_handle_bus_fault only tries the lock.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "pagerun.h"
#include "pages.h"
#include "prot.h"
#include "section.h"
#include "stack.h"
#include "vad.h"
#include "wwatch.h"
#include "os.h"

static void set_fault( struct mm_fault *f, NTSTATUS code, int access, uintptr_t addr )
{
    memset( f, 0, sizeof(*f) );
    f->code = code;
    f->info[0] = access;
    f->info[1] = addr;
    f->ninfo = 2;
}

/* Lock: exclusive.  The fault at page of a, one of ours. */
static enum mm_fault_result own_fault( struct mm_alloc *a, size_t page, struct mm_stack *stack, struct mm_fault *fault )
{
    uintptr_t page_addr = a->base + (page << MM_PAGE_SHIFT);
    uint32_t state = runs_state( a, page );

    if ((state & MM_COMMITTED) && (state & PAGE_GUARD))
    {
        /* one shot: whatever happens next, the page is no longer a guard page */
        pages_change( a, page, 1, ~(uint32_t)PAGE_GUARD, 0, pages_sync_kernel );
        if (stack_holds( stack, page_addr )) return stack_guard_hit( a, page, stack, fault );
        fault->code = STATUS_GUARD_PAGE_VIOLATION;
        return MM_FAULT_RAISE;
    }
    if (stack_holds( stack, page_addr ) && page_addr < (uintptr_t)stack->limit &&
        stack_commit_down( a, page, stack, fault ) != MM_FAULT_UNKNOWN)
        return fault->code == STATUS_STACK_OVERFLOW ? MM_FAULT_RAISE : MM_FAULT_RETRY;
    /* a page another process may have committed meanwhile: the host may know */
    if (!(state & MM_COMMITTED) && a->kind == MM_KIND_MAPPED && section_is_reserve( a->section ))
        fault->flags |= MM_FAULT_RESERVED_VIEW;
    return MM_FAULT_RAISE;
}

enum mm_fault_result mm_handle_fault( void *addr, int access, struct mm_stack *stack, struct mm_fault *fault )
{
    uintptr_t page_addr = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
    enum mm_fault_result result = MM_FAULT_RAISE;
    struct mm_alloc *a;

    if (mm_ensure_init()) return MM_FAULT_UNKNOWN;
    set_fault( fault, STATUS_ACCESS_VIOLATION, access, (uintptr_t)addr );
    space_lock_exclusive();
    /* write watch, fallback path: the first write to a watched page is recorded and retried */
    if (ww_fault_locked( addr, access == 1 )) result = MM_FAULT_RETRY;
    else if ((a = vad_find( page_addr )) && a->kind != MM_KIND_FOREIGN)
        result = own_fault( a, (page_addr - a->base) >> MM_PAGE_SHIFT, stack, fault );
    space_unlock_exclusive();
    return result;
}

/* SIGBUS on a view: the file no longer covers the page (truncated under the view) */
enum mm_fault_result mm_handle_bus_fault( void *addr, int access, struct mm_fault *fault )
{
    struct mm_alloc *a;
    int is_view;

    /* the faulting thread never holds the lock while touching view memory, so a shared lock
     * is safe here; try it anyway, a signal handler must not block (no host_lock_enter: the
     * signal handler already runs with the host's signals as they are) */
    if (pthread_rwlock_tryrdlock( &space.lock )) return MM_FAULT_UNKNOWN;
    a = vad_find( (uintptr_t)addr );
    is_view = a && alloc_is_view( a );
    pthread_rwlock_unlock( &space.lock );
    if (!is_view) return MM_FAULT_UNKNOWN;
    /* NT's parameters: { read 0 / write 1 / execute 8, address, the I/O status behind it } */
    memset( fault, 0, sizeof(*fault) );
    fault->code = STATUS_IN_PAGE_ERROR;
    fault->info[0] = access;
    fault->info[1] = (ULONG_PTR)addr;
    fault->info[2] = STATUS_END_OF_FILE;
    fault->ninfo = 3;
    return MM_FAULT_RAISE;
}

/* ---- program memory touched on the program's behalf ------------------------------------------ */

/* Lock: shared or exclusive.  Can the whole page at addr be read (write: written) without a
 * fault, as the program could?  *a_ret: the core's allocation holding it (NULL for memory the
 * core does not own, which counts only with allow_foreign, as the kernel maps it). */
static int page_accessible( uintptr_t addr, int write, int allow_foreign, struct mm_alloc **a_ret )
{
    struct mm_alloc *a = vad_find( addr );
    struct os_mapping map;
    uint32_t state;

    *a_ret = NULL;
    if (!a || a->kind == MM_KIND_FOREIGN)
    {
        if (!allow_foreign) return 0;
        if (os_query_mapping( addr, &map ) || map.start > addr) return 0;
        return (map.prot & (write ? PROT_WRITE : PROT_READ)) != 0;
    }
    *a_ret = a;
    state = runs_state( a, (addr - a->base) >> MM_PAGE_SHIFT );
    if (!(state & MM_COMMITTED) || (state & PAGE_GUARD)) return 0;
    return (prot_to_unix( state ) & (write ? PROT_WRITE : PROT_READ)) != 0;
}

/* Lock: exclusive.  Check that [addr, addr+size) can be written by the kernel on the program's
 * behalf; record the write on write-watched pages of the fallback engine and give them write
 * access (a read() into them would fail with EFAULT otherwise). */
static NTSTATUS prepare_write( void *addr, SIZE_T size, int allow_foreign )
{
    uintptr_t page, end = (uintptr_t)addr + size;
    struct mm_alloc *a;

    if (!size) return STATUS_SUCCESS;
    if (end < (uintptr_t)addr) return STATUS_INVALID_USER_BUFFER;
    for (page = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK ); page < end; page += MM_PAGE_SIZE)
        if (!page_accessible( page, 1, allow_foreign, &a )) return STATUS_INVALID_USER_BUFFER;
    if (space.ww_mode != WW_FALLBACK) return STATUS_SUCCESS;
    for (page = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK ); page < end; page += MM_PAGE_SIZE)
    {
        a = vad_find( page );
        if (a && (a->flags & MM_F_WRITE_WATCH)) ww_fault_locked( (void *)page, 1 );
    }
    return STATUS_SUCCESS;
}

NTSTATUS mm_kernel_write( const struct mm_range *ranges, unsigned int count, int allow_foreign,
                          void (*fn)( void *ctx ), void *ctx )
{
    NTSTATUS status = STATUS_SUCCESS;
    unsigned int i;

    if ((status = mm_ensure_init())) return status;
    space_lock_exclusive();
    for (i = 0; i < count && !status; i++) status = prepare_write( ranges[i].addr, ranges[i].size, allow_foreign );
    /* the pages stay writable while the lock is held: no NtResetWriteWatch in between */
    if (!status) fn( ctx );
    space_unlock_exclusive();
    return status;
}

SIZE_T mm_read_checked( const void *addr, void *buffer, SIZE_T size )
{
    uintptr_t pos = (uintptr_t)addr, end = pos + size;
    struct mm_alloc *a;
    SIZE_T done = 0;

    if (!size || end < pos || mm_ensure_init()) return 0;
    space_lock_shared();
    /* only memory NT can see (not the host's own), page by page while it is readable */
    while (pos < end && page_accessible( mm_round_down( pos, MM_PAGE_MASK ), 0, 0, &a ))
    {
        uintptr_t next = mm_round_down( pos, MM_PAGE_MASK ) + MM_PAGE_SIZE;
        SIZE_T len = (next < end ? next : end) - pos;

        memcpy( (char *)buffer + done, (const void *)pos, len );
        done += len;
        pos += len;
    }
    space_unlock_shared();
    return done;
}

NTSTATUS mm_write_checked( void *addr, const void *buffer, SIZE_T size )
{
    NTSTATUS status;

    if (!size) return STATUS_SUCCESS;
    if ((status = mm_ensure_init())) return status;
    space_lock_exclusive();
    /* every page is checked first: the copy itself cannot fault */
    if (!(status = prepare_write( addr, size, 0 ))) memcpy( addr, buffer, size );
    space_unlock_exclusive();
    return status;
}

int mm_is_own_range( const void *addr, SIZE_T size )
{
    uintptr_t start = (uintptr_t)addr, end = start + size;
    struct mm_alloc *a;
    int ret;

    if (end < start || mm_ensure_init()) return 0;
    space_lock_shared();
    a = vad_find( start );
    ret = a && a->kind != MM_KIND_FOREIGN && end <= a->end;
    space_unlock_shared();
    return ret;
}

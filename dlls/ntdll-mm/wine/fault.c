/*
 * ntdll-mm inside Wine 8.0: faults, exception frames on thread stacks, and the helpers Wine's
 * unix side uses to touch program memory without faulting.
 *
 * Where NT and Linux differ, and how it is bridged:
 * - NT's kernel resolves guard pages, stack growth and (its own) write watches in the page
 *   fault handler.  Wine's SIGSEGV handler asks virtual_handle_fault; the answer comes from the
 *   core's mm_classify_fault.  For the thread's own stack the core is told the stack from the
 *   TEB first, so that a guard page there is stack growth (or STATUS_STACK_OVERFLOW), and the
 *   TEB's StackLimit is updated from the core's answer.
 * - NT's kernel writes into program buffers (ReadFile, a server reply) with the page fault
 *   handler active, so a write-watched page is simply recorded.  Linux' read()/recvmsg() get
 *   EFAULT on a page that is read-only because of the write-watch fallback engine; the
 *   virtual_locked_* calls prepare the buffer under mm.lock (record the write, give write access
 *   back) and run the system call again while holding it, so that no NtResetWriteWatch can
 *   protect the pages again in between.
 * - Thread stacks are committed as they grow (thread.c); faults in their reserved part and
 *   kernel writes into it (the virtual_locked_* calls) commit them first.
 * - virtual_uninterrupted_* must never fault (they run in signal handlers and with locks held):
 *   they check every page against the core's state under mm.lock before copying.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"
#include "nt_wine.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* Tell the core the calling thread's stack, as the TEB describes it, if addr lies in it.
 * Returns non-zero when it was registered (unregister with register_stack( NULL, 0 )). */
static int register_stack( TEB *teb, uintptr_t addr )
{
    uintptr_t dealloc, limit, base;

    if (!teb)
    {
        ntdll_mm_set_thread_stack( NULL, NULL, NULL );
        return 0;
    }
    dealloc = (uintptr_t)teb->DeallocationStack;
    limit = (uintptr_t)teb->Tib.StackLimit;
    base = (uintptr_t)teb->Tib.StackBase;
    if (!dealloc || addr < dealloc || addr >= base || limit < dealloc || limit > base) return 0;
    return !ntdll_mm_set_thread_stack( teb->DeallocationStack, teb->Tib.StackLimit, teb->Tib.StackBase );
}

/* classify a fault with the thread's stack registered; StackLimit follows a moved guard */
/* Lock: none (takes it shared).  Is the page at addr a committed guard page of ours? */
static BOOL is_guard_page( void *addr )
{
    uintptr_t page = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
    struct mm_alloc *a;
    uint32_t state = 0;

    mm_lock_shared();
    if ((a = vad_find( page )) && a->kind != MM_KIND_FOREIGN)
        state = runs_state( a, (page - a->base) >> MM_PAGE_SHIFT );
    mm_unlock_shared();
    return (state & MM_COMMITTED) && (state & PAGE_GUARD);
}

/* NT re-arms the guard page below a stack guard page that was hit even when the program had
 * committed it already (ntdll's virtual test, "guard pages are restored as the stack grows
 * back"); the core only commits a reserved one.  Lock: none. */
static void rearm_guard_below( TEB *teb, char *page )
{
    MEMORY_BASIC_INFORMATION mbi;
    char *below = page - MM_PAGE_SIZE;
    SIZE_T len = MM_PAGE_SIZE;
    ULONG old;
    void *p = below;

    if (below < (char *)teb->DeallocationStack + MM_PAGE_SIZE) return;
    if (mm_NtQueryVirtualMemory( NtCurrentProcess(), below, MemoryBasicInformation, &mbi, sizeof(mbi), NULL ) ||
        mbi.State != MEM_COMMIT || (mbi.Protect & (PAGE_GUARD | PAGE_NOACCESS)) || mbi.AllocationBase != teb->DeallocationStack)
        return;
    mm_NtProtectVirtualMemory( NtCurrentProcess(), &p, &len, mbi.Protect | PAGE_GUARD, &old );
}

/* classify a fault with the thread's stack registered; StackLimit follows the guard: as on NT
 * it becomes the guard page that was hit (which may be above the old limit, when the program
 * set a guard page inside its committed stack), or lower when the core moved the limit */
static enum mm_fault_result classify( void *addr, int access, BOOL use_stack, struct mm_fault *fault )
{
    TEB *teb = mmw_teb_ready ? NtCurrentTeb() : NULL;
    enum mm_fault_result res;
    int registered = 0;
    BOOL guard = FALSE;

    if (teb && use_stack && (registered = register_stack( teb, (uintptr_t)addr ))) guard = is_guard_page( addr );
    res = mm_classify_fault( addr, access, fault );
    if (registered)
    {
        void *limit = ntdll_mm_get_stack_limit();

        if (res == MM_FAULT_RETRY && guard)
        {
            limit = (void *)mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
            rearm_guard_below( teb, limit );
        }
        else if (!limit || limit >= teb->Tib.StackLimit) limit = NULL;
        if (limit && limit != teb->Tib.StackLimit)
        {
            TRACE( "stack limit of thread %04x: %p -> %p\n", (unsigned int)GetCurrentThreadId(),
                   teb->Tib.StackLimit, limit );
            teb->Tib.StackLimit = limit;
        }
        register_stack( NULL, 0 );
    }
    return res;
}

/* NT commits a page of a SEC_RESERVE mapping in every view at once; here a commit made by
 * another process reaches this one through the server (section.c, pull_committed).  A fault on
 * a reserved page of such a view asks the server first: if the page was committed meanwhile,
 * it is committed here and the access is retried.  Only for faults in the program's own code
 * (the stack pointer on the thread's Windows stack: no unix-side lock of Wine's can be held)
 * and when this thread does not hold mm.lock.  Lock: none. */
static BOOL pull_reserve_commit( void *addr, void *stack )
{
    MEMORY_BASIC_INFORMATION mbi;
    TEB *teb;

    if (!mmw_teb_ready || mmw_lock_held() || is_inside_signal_stack( stack )) return FALSE;
    teb = NtCurrentTeb();
    if (!mmw_in_own_stack( teb, stack )) return FALSE;
    if (mm_NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryBasicInformation, &mbi, sizeof(mbi), NULL ) ||
        mbi.State != MEM_RESERVE || mbi.Type != MEM_MAPPED)
        return FALSE;
    mmw_sync_committed( addr );
    if (mm_NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryBasicInformation, &mbi, sizeof(mbi), NULL ) ||
        mbi.State != MEM_COMMIT)
        return FALSE;
    TRACE( "%p: committed by another process, now here too\n", addr );
    return TRUE;
}

NTSTATUS virtual_handle_fault( void *addr, DWORD err, void *stack )
{
    struct mm_fault fault;
    NTSTATUS ret;

    /* a SIGBUS (host.c): a view page past the end of its file */
    if (mmw_take_bus_fault( addr ))
        return mm_classify_bus_fault( addr, err & 9, &fault ) == MM_FAULT_RAISE ? fault.code : STATUS_ACCESS_VIOLATION;
    /* Wine's thread-start stack clearing is undone first (thread.c) */
    if (mmw_teb_ready && !is_inside_signal_stack( stack )) mmw_stack_fixup( stack );
    /* a fault while already on the signal stack is never stack growth (Wine's rule) */
    switch (classify( addr, err & 9, !is_inside_signal_stack( stack ), &fault ))
    {
    case MM_FAULT_RETRY:
        ret = STATUS_SUCCESS;
        break;
    case MM_FAULT_RAISE:
        ret = fault.code;
        break;
    default:
        ret = STATUS_ACCESS_VIOLATION;
        break;
    }
    /* a page another process committed in a SEC_RESERVE view: retry once it is here too */
    if (ret == STATUS_ACCESS_VIOLATION && pull_reserve_commit( addr, stack )) ret = STATUS_SUCCESS;
    /* the reserved part of the thread's own stack: commit down to the fault (see thread.c) */
    if (ret == STATUS_ACCESS_VIOLATION && mmw_teb_ready && !is_inside_signal_stack( stack ))
    {
        BOOL overflow;
        if (mmw_stack_start_clear( addr, stack, &overflow ) || mmw_grow_stack_to( addr, &overflow ))
            ret = overflow ? STATUS_STACK_OVERFLOW : STATUS_SUCCESS;
    }
    TRACE( "addr %p err %x stack %p: %08x\n", addr, (unsigned int)err, stack, (unsigned int)ret );
    return ret;
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
        /* the frame reaches into the guard page: that is the stack growing (or overflowing) */
        struct mm_fault fault;

        BOOL overflow = FALSE;

        if (classify( stack, 1, TRUE, &fault ) == MM_FAULT_RAISE && fault.code == STATUS_STACK_OVERFLOW)
            overflow = TRUE;
        /* a frame reaching below the guard page: commit the rest, as NT's kernel does */
        else if (stack < (char *)teb->Tib.StackLimit) mmw_grow_stack_to( stack, &overflow );
        if (overflow)
        {
            rec->ExceptionCode = STATUS_STACK_OVERFLOW;
            rec->NumberParameters = 0;
        }
    }
    return stack;
}

/* ---- page checks under mm.lock ------------------------------------------------------------ */

enum page_check { CHECK_READ, CHECK_WRITE };

/* Lock: shared or exclusive.  Can the whole page at addr be accessed as 'check' without a
 * fault?  *a_ret: the core's allocation holding it (NULL for memory the core does not own). */
static BOOL page_accessible( uintptr_t addr, enum page_check check, BOOL allow_foreign, struct mm_alloc **a_ret )
{
    struct mm_alloc *a = vad_find( addr );
    struct os_mapping map;
    uint32_t state;
    int prot;

    *a_ret = NULL;
    if (!a || a->kind == MM_KIND_FOREIGN)
    {
        if (!allow_foreign) return FALSE;
        if (os_query_mapping( addr, &map ) || map.start > addr) return FALSE;
        return (map.prot & (check == CHECK_WRITE ? PROT_WRITE : PROT_READ)) != 0;
    }
    *a_ret = a;
    state = runs_state( a, (addr - a->base) >> MM_PAGE_SHIFT );
    if (!(state & MM_COMMITTED) || (state & PAGE_GUARD)) return FALSE;
    prot = mm_prot_to_unix( state );
    return (prot & (check == CHECK_WRITE ? PROT_WRITE : PROT_READ)) != 0;
}

/* Lock: exclusive.  Check that [addr, addr+size) can be written by the kernel on our behalf;
 * record the write on write-watched pages of the fallback engine and give them write access. */
static NTSTATUS prepare_write_locked( void *addr, SIZE_T size, BOOL allow_foreign )
{
    uintptr_t page, end = (uintptr_t)addr + size;
    struct mm_alloc *a;

    if (!size) return STATUS_SUCCESS;
    if (end < (uintptr_t)addr) return STATUS_INVALID_USER_BUFFER;
    for (page = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK ); page < end; page += MM_PAGE_SIZE)
        if (!page_accessible( page, CHECK_WRITE, allow_foreign, &a )) return STATUS_INVALID_USER_BUFFER;
    if (ww_mode != WW_FALLBACK) return STATUS_SUCCESS;
    for (page = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK ); page < end; page += MM_PAGE_SIZE)
    {
        a = vad_find( page );
        if (a && (a->flags & MM_F_WRITE_WATCH)) ww_fault_locked( (void *)page, 1 );
    }
    return STATUS_SUCCESS;
}

/* Before taking mm.lock for a buffer the kernel will write: the part of it in the calling
 * thread's stack below StackLimit is committed first (the fault path cannot do it for the
 * kernel, and it cannot run under the lock). */
static void grow_stack_for( void *addr, SIZE_T size )
{
    TEB *teb = mmw_teb_ready ? NtCurrentTeb() : NULL;
    BOOL overflow;

    if (!teb || !size || (char *)addr >= (char *)teb->Tib.StackLimit ||
        (char *)addr + size <= (char *)teb->DeallocationStack)
        return;
    mmw_grow_stack_to( addr, &overflow );
}

unsigned int virtual_locked_server_call( void *req_ptr )
{
    struct __server_request_info * const req = req_ptr;
    void *addr = req->reply_data;
    data_size_t size = req->u.req.request_header.reply_size;
    unsigned int ret;

    if (!size) return wine_server_call( req_ptr );

    /* the server's reply is read() straight into the program's buffer: an EFAULT there would
     * break the protocol, so the buffer is checked (and kept so) under the lock */
    grow_stack_for( addr, size );
    mm_lock_exclusive();
    if (!(ret = prepare_write_locked( addr, size, TRUE ))) ret = server_call_unlocked( req );
    else
    {
        ret = STATUS_ACCESS_VIOLATION;
        memset( &req->u.reply, 0, sizeof(req->u.reply) );
    }
    mm_unlock_exclusive();
    return ret;
}

ssize_t virtual_locked_read( int fd, void *addr, size_t size )
{
    ssize_t ret = read( fd, addr, size );
    int err = EFAULT;

    if (ret != -1 || errno != EFAULT) return ret;
    grow_stack_for( addr, size );
    mm_lock_exclusive();
    if (!prepare_write_locked( addr, size, FALSE ))
    {
        ret = read( fd, addr, size );
        err = errno;
    }
    mm_unlock_exclusive();
    errno = err;
    return ret;
}

ssize_t virtual_locked_pread( int fd, void *addr, size_t size, off_t offset )
{
    ssize_t ret = pread( fd, addr, size, offset );
    int err = EFAULT;

    if (ret != -1 || errno != EFAULT) return ret;
    grow_stack_for( addr, size );
    mm_lock_exclusive();
    if (!prepare_write_locked( addr, size, FALSE ))
    {
        ret = pread( fd, addr, size, offset );
        err = errno;
    }
    mm_unlock_exclusive();
    errno = err;
    return ret;
}

ssize_t virtual_locked_recvmsg( int fd, struct msghdr *hdr, int flags )
{
    ssize_t ret = recvmsg( fd, hdr, flags );
    int err = EFAULT;
    size_t i;

    if (ret != -1 || errno != EFAULT) return ret;
    for (i = 0; i < hdr->msg_iovlen; i++) grow_stack_for( hdr->msg_iov[i].iov_base, hdr->msg_iov[i].iov_len );
    mm_lock_exclusive();
    for (i = 0; i < hdr->msg_iovlen; i++)
        if (prepare_write_locked( hdr->msg_iov[i].iov_base, hdr->msg_iov[i].iov_len, FALSE )) break;
    if (i == hdr->msg_iovlen)
    {
        ret = recvmsg( fd, hdr, flags );
        err = errno;
    }
    mm_unlock_exclusive();
    errno = err;
    return ret;
}

BOOL virtual_is_valid_code_address( const void *addr, SIZE_T size )
{
    uintptr_t start = (uintptr_t)addr, end = start + size;
    struct mm_alloc *a;
    BOOL ret;

    if (end < start) return FALSE;
    mm_lock_shared();
    a = vad_find( start );
    ret = a && a->kind != MM_KIND_FOREIGN && end <= a->end;
    mm_unlock_shared();
    return ret;
}

/* Touch one byte per page (and the last byte) under Wine's unix-side exception handling; a
 * write probe rewrites each byte with itself atomically, so that a concurrent writer is not
 * undone and a write watch sees the write.  FALSE if any access faults. */
static BOOL probe( void *ptr, SIZE_T size, BOOL write )
{
    void *outer;
    volatile BOOL ok = TRUE;

    if (!size) return TRUE;
    if (!ptr) return FALSE;
    if (!mmw_teb_ready) return TRUE;
    /* Wine's handler allows one __TRY per thread (win32u runs NT calls inside its own): the
     * outer one is set aside for the copy and restored afterwards */
    outer = ntdll_get_thread_data()->jmp_buf;
    ntdll_get_thread_data()->jmp_buf = NULL;
    __TRY
    {
        volatile char *p = ptr, *last = p + size - 1;

        for (;;)
        {
            if (write) __atomic_fetch_or( p, 0, __ATOMIC_RELAXED );
            else (void)*p;
            if ((uintptr_t)last - (uintptr_t)p < MM_PAGE_SIZE) break;
            p += MM_PAGE_SIZE;
        }
        if (write) __atomic_fetch_or( last, 0, __ATOMIC_RELAXED );
        else (void)*last;
    }
    __EXCEPT
    {
        ok = FALSE;
    }
    __ENDTRY
    ntdll_get_thread_data()->jmp_buf = outer;
    return ok;
}

BOOL virtual_check_buffer_for_read( const void *ptr, SIZE_T size )
{
    return probe( (void *)ptr, size, FALSE );
}

BOOL virtual_check_buffer_for_write( void *ptr, SIZE_T size )
{
    return probe( ptr, size, TRUE );
}

SIZE_T virtual_uninterrupted_read_memory( const void *addr, void *buffer, SIZE_T size )
{
    uintptr_t pos = (uintptr_t)addr, end = pos + size;
    struct mm_alloc *a;
    SIZE_T done = 0;

    if (!size || end < pos) return 0;
    mm_lock_shared();
    /* only memory NT can see (not the unix side's), page by page while it is readable */
    while (pos < end && page_accessible( mm_round_down( pos, MM_PAGE_MASK ), CHECK_READ, FALSE, &a ))
    {
        uintptr_t next = mm_round_down( pos, MM_PAGE_MASK ) + MM_PAGE_SIZE;
        SIZE_T len = (next < end ? next : end) - pos;

        memcpy( (char *)buffer + done, (const void *)pos, len );
        done += len;
        pos += len;
    }
    mm_unlock_shared();
    return done;
}

NTSTATUS virtual_uninterrupted_write_memory( void *addr, const void *buffer, SIZE_T size )
{
    NTSTATUS status;

    if (!size) return STATUS_SUCCESS;
    grow_stack_for( addr, size );
    mm_lock_exclusive();
    /* every page is checked first: the copy itself cannot fault */
    if (!(status = prepare_write_locked( addr, size, FALSE ))) memcpy( addr, buffer, size );
    mm_unlock_exclusive();
    return status;
}

/* NtSetInformationProcess( ProcessExecuteFlags ) turning DEP off for a 32-bit program: Wine
 * then maps every readable page executable.  64-bit processes always have DEP on NT. */
void virtual_set_force_exec( BOOL enable )
{
    static BOOL warned;

    if (enable && !warned)
    {
        warned = TRUE;
        FIXME( "executable data pages (DEP off) not supported\n" );
    }
}

/*
 * ntdll-mm inside Wine: faults, and the helpers Wine's unix side uses to touch program memory
 * without faulting.
 *
 * Where NT and Linux differ, and how it is bridged:
 * - NT's kernel resolves guard pages, stack growth and (its own) write watches in the page
 *   fault handler.  Wine's SIGSEGV handler asks virtual_handle_fault (the Wine version's part),
 *   which comes here: the fault goes to the core once (mm_handle_fault), with the thread's
 *   stack from its TEB when the fault may be on it, and the TEB's StackLimit follows the
 *   core's answer.  Wine's own quirks stay here: its SIGBUS, its thread-start stack clearing
 *   (thread.c), and SEC_RESERVE pages another process committed (mapping.c asks the server).
 * - NT's kernel writes into program buffers (ReadFile, a server reply) with the page fault
 *   handler active, so a write-watched page is simply recorded and a stack simply grows.
 *   Linux' read()/recvmsg() get EFAULT on such a page instead; the virtual_locked_* calls
 *   grow the stack first, then run the system call again under the core's lock once the core
 *   made the buffer writable (mm_kernel_write), so that no NtResetWriteWatch can protect the
 *   pages again in between.
 * - virtual_uninterrupted_* must never fault (they run in signal handlers and with locks held):
 *   the core checks every page against its state under its lock before copying.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* A page another process committed in a SEC_RESERVE view: only for faults in the program's own
 * code (the stack pointer on the thread's Windows stack: no unix-side lock of Wine's can be
 * held, the server may be asked) and when this thread does not hold the core's lock. */
static BOOL may_ask_server( void *sp )
{
    if (!mmw_teb_ready || mmw_lock_held() || is_inside_signal_stack( sp )) return FALSE;
    return mmw_in_own_stack( NtCurrentTeb(), sp );
}

NTSTATUS mmw_handle_fault( void *addr, int access, void *sp, ULONG_PTR *io_status )
{
    BOOL own_stack = mmw_teb_ready && !is_inside_signal_stack( sp );
    struct mm_stack stack, *st = NULL;
    struct mm_fault fault;
    NTSTATUS status;

    /* a SIGBUS (host.c): a view page past the end of its file */
    if (mmw_take_bus_fault( addr ))
    {
        if (mm_handle_bus_fault( addr, access, &fault ) != MM_FAULT_RAISE) return STATUS_ACCESS_VIOLATION;
        if (io_status) *io_status = fault.info[2];
        return fault.code;
    }
    /* Wine's thread-start stack clearing is undone first (thread.c) */
    if (own_stack) mmw_stack_fixup( sp );
    /* a fault while already on the signal stack is never stack growth (Wine's rule) */
    if (own_stack && mmw_fault_stack( addr, sp, &stack )) st = &stack;
    switch (mm_handle_fault( addr, access, st, &fault ))
    {
    case MM_FAULT_RETRY:
        status = STATUS_SUCCESS;
        break;
    case MM_FAULT_RAISE:
        status = fault.code;
        break;
    default:
        status = STATUS_ACCESS_VIOLATION;
        break;
    }
    if (st) mmw_fault_stack_done( addr, sp, st );
    /* committed by another process meanwhile: retry once it is here too */
    if (status == STATUS_ACCESS_VIOLATION && (fault.flags & MM_FAULT_RESERVED_VIEW) && may_ask_server( sp ) &&
        mmw_sync_committed( addr ))
    {
        TRACE( "%p: committed by another process, now here too\n", addr );
        status = STATUS_SUCCESS;
    }
    TRACE( "addr %p access %d stack %p: %08x\n", addr, access, sp, (unsigned int)status );
    return status;
}

/* ---- buffers the kernel writes for the program --------------------------------------------- */

/* Before the kernel writes a buffer: the part of it in the calling thread's stack below
 * StackLimit is committed first, as a fault there would (the kernel cannot fault, and the
 * core's lock is held while it writes). */
static void grow_stack_for( void *addr, SIZE_T size )
{
    TEB *teb = mmw_teb_ready ? NtCurrentTeb() : NULL;
    struct mm_stack stack;
    struct mm_fault fault;
    char *lowest = addr;

    if (!teb || !size || (char *)addr >= (char *)teb->Tib.StackLimit ||
        (char *)addr + size <= (char *)teb->DeallocationStack)
        return;
    if (lowest < (char *)teb->DeallocationStack) lowest = teb->DeallocationStack;
    mmw_teb_stack( teb, &stack );
    stack.flags = MM_STACK_COMMIT_RESERVED;
    mm_handle_fault( lowest, 1, &stack, &fault );
    if (stack.limit != teb->Tib.StackLimit) teb->Tib.StackLimit = stack.limit;
}

struct server_call_ctx
{
    struct __server_request_info *req;
    unsigned int ret;
};

static void do_server_call( void *ctx )
{
    struct server_call_ctx *c = ctx;
    c->ret = server_call_unlocked( c->req );
}

unsigned int virtual_locked_server_call( void *req_ptr )
{
    struct __server_request_info * const req = req_ptr;
    struct mm_range range = { req->reply_data, req->u.req.request_header.reply_size };
    struct server_call_ctx ctx = { req, 0 };

    if (!range.size) return wine_server_call( req_ptr );
    /* the server's reply is read() straight into the program's buffer: an EFAULT there would
     * break the protocol, so the buffer is checked (and kept so) under the core's lock */
    grow_stack_for( range.addr, range.size );
    if (mm_kernel_write( &range, 1, TRUE, do_server_call, &ctx ))
    {
        memset( &req->u.reply, 0, sizeof(req->u.reply) );
        return STATUS_ACCESS_VIOLATION;
    }
    return ctx.ret;
}

struct read_ctx
{
    int fd;
    void *addr;
    size_t size;
    off_t offset;                /* -1: read() */
    struct msghdr *hdr;          /* recvmsg() */
    int flags;
    ssize_t ret;
    int err;
};

static void do_read( void *ctx )
{
    struct read_ctx *c = ctx;

    if (c->hdr) c->ret = recvmsg( c->fd, c->hdr, c->flags );
    else if (c->offset == -1) c->ret = read( c->fd, c->addr, c->size );
    else c->ret = pread( c->fd, c->addr, c->size, c->offset );
    c->err = errno;
}

/* a read that failed with EFAULT, again once the buffers can be written */
static ssize_t read_again( struct read_ctx *ctx, const struct mm_range *ranges, unsigned int count )
{
    for (unsigned int i = 0; i < count; i++) grow_stack_for( ranges[i].addr, ranges[i].size );
    ctx->ret = -1;
    ctx->err = EFAULT;
    mm_kernel_write( ranges, count, FALSE, do_read, ctx );
    errno = ctx->err;
    return ctx->ret;
}

ssize_t virtual_locked_read( int fd, void *addr, size_t size )
{
    struct read_ctx ctx = { fd, addr, size, -1 };
    struct mm_range range = { addr, size };
    ssize_t ret = read( fd, addr, size );

    if (ret != -1 || errno != EFAULT) return ret;
    return read_again( &ctx, &range, 1 );
}

ssize_t virtual_locked_pread( int fd, void *addr, size_t size, off_t offset )
{
    struct read_ctx ctx = { fd, addr, size, offset };
    struct mm_range range = { addr, size };
    ssize_t ret = pread( fd, addr, size, offset );

    if (ret != -1 || errno != EFAULT) return ret;
    return read_again( &ctx, &range, 1 );
}

ssize_t virtual_locked_recvmsg( int fd, struct msghdr *hdr, int flags )
{
    struct read_ctx ctx = { fd, NULL, 0, -1, hdr, flags };
    struct mm_range ranges[16];
    ssize_t ret = recvmsg( fd, hdr, flags );
    size_t i;

    if (ret != -1 || errno != EFAULT) return ret;
    /* Wine passes one or two buffers */
    if (hdr->msg_iovlen > ARRAY_SIZE( ranges )) return ret;
    for (i = 0; i < hdr->msg_iovlen; i++)
    {
        ranges[i].addr = hdr->msg_iov[i].iov_base;
        ranges[i].size = hdr->msg_iov[i].iov_len;
    }
    return read_again( &ctx, ranges, hdr->msg_iovlen );
}

/* ---- program memory -------------------------------------------------------------------------- */

BOOL virtual_is_valid_code_address( const void *addr, SIZE_T size )
{
    return mm_is_own_range( addr, size );
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
    return mm_read_checked( addr, buffer, size );
}

NTSTATUS virtual_uninterrupted_write_memory( void *addr, const void *buffer, SIZE_T size )
{
    grow_stack_for( addr, size );
    return mm_write_checked( addr, buffer, size );
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

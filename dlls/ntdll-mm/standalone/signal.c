/*
 * ntdll-mm standalone host: faults and caller memory in a plain Linux process: the SIGSEGV /
 * SIGBUS handler, guarded copies of caller memory, exceptions handed to the program, and the
 * NT stacks threads register.
 *
 * Where NT and Linux differ:
 * - NT's kernel probes every pointer it is given and turns a bad one into
 *   STATUS_ACCESS_VIOLATION.  A Linux process has no such probing, so copies to and from
 *   caller memory run under a per-thread recovery point that the handler jumps back to when
 *   the copy faults.
 * - NT dispatches exceptions to the thread's handlers; here the program's callback
 *   (ntdll_mm_set_exception_callback) gets them in the signal handler.  Faults the core does
 *   not explain go to the handler that was installed before ours (or the default action), so
 *   the program's own crash handling keeps working.
 * - NT knows each thread's stack from its TEB; a plain thread has none, so a program registers
 *   one (ntdll_mm_set_thread_stack) to get NT's stack growth through guard pages.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: config.h, _GNU_SOURCE */
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>

#include "standalone.h"

/* initial-exec: no __tls_get_addr call on every copy; the library is loaded at start-up */
static __thread sigjmp_buf *recover_point __attribute__((tls_model("initial-exec")));
static struct sigaction prev_segv, prev_bus;

/* ---- thread stacks ------------------------------------------------------------------------ */

static __thread struct mm_stack thread_stack __attribute__((tls_model("initial-exec")));

NTSTATUS ntdll_mm_set_thread_stack( void *deallocation_stack, void *stack_limit, void *stack_base )
{
    uintptr_t d = (uintptr_t)deallocation_stack, l = (uintptr_t)stack_limit, b = (uintptr_t)stack_base;

    if (!d && !l && !b)
    {
        memset( &thread_stack, 0, sizeof(thread_stack) );
        return STATUS_SUCCESS;
    }
    /* page aligned, the limit inside the reservation */
    if ((d | l | b) & MM_PAGE_MASK || d > l || l > b || d == b) return STATUS_INVALID_PARAMETER;
    thread_stack.deallocation = deallocation_stack;
    thread_stack.limit = stack_limit;
    thread_stack.base = stack_base;
    thread_stack.flags = 0;
    return STATUS_SUCCESS;
}

void *ntdll_mm_get_stack_limit( void )
{
    return thread_stack.limit;
}

int host_thread_stack( struct mm_stack *stack )
{
    if (!thread_stack.base) return 0;
    *stack = thread_stack;
    return 1;
}

void host_set_stack_limit( void *limit )
{
    thread_stack.limit = limit;
}

/* ---- caller memory ------------------------------------------------------------------------ */

static NTSTATUS guarded_copy( void *dst, const void *src, size_t len )
{
    sigjmp_buf jb;

    if (!len) return STATUS_SUCCESS;
    /* no signal mask to restore: the handler runs with SA_NODEFER */
    if (sigsetjmp( jb, 0 ))
        return STATUS_ACCESS_VIOLATION;
    recover_point = &jb;
    memcpy( dst, src, len );
    __asm__ __volatile__( "" ::: "memory" );
    recover_point = NULL;
    return STATUS_SUCCESS;
}

NTSTATUS host_copy_from_user( void *dst, const void *src, size_t len )
{
    if (!src) return STATUS_ACCESS_VIOLATION;
    return guarded_copy( dst, src, len );
}

NTSTATUS host_copy_to_user( void *dst, const void *src, size_t len )
{
    if (!dst) return STATUS_ACCESS_VIOLATION;
    return guarded_copy( dst, src, len );
}

NTSTATUS host_copy_user_many( const struct mm_user_copy *ops, unsigned int count )
{
    sigjmp_buf jb;
    NTSTATUS status;

    if (sigsetjmp( jb, 0 ))
        return STATUS_ACCESS_VIOLATION;
    recover_point = &jb;
    status = mm_run_user_copies( ops, count );
    __asm__ __volatile__( "" ::: "memory" );
    recover_point = NULL;
    return status;
}

/* ---- exceptions -------------------------------------------------------------------------- */

static ntdll_mm_exception_callback exception_callback;

void ntdll_mm_set_exception_callback( ntdll_mm_exception_callback callback )
{
    __atomic_store_n( &exception_callback, callback, __ATOMIC_RELEASE );
}

/* hand an exception to the program's callback; non-zero if it was handled */
static int raise_exception( const struct mm_fault *fault, void *addr, void *ucontext )
{
    ntdll_mm_exception_callback cb = __atomic_load_n( &exception_callback, __ATOMIC_ACQUIRE );
    struct ntdll_mm_exception exc;

    if (!cb) return 0;
    memset( &exc, 0, sizeof(exc) );
    exc.code = fault->code;
    exc.address = addr;
    memcpy( exc.info, fault->info, sizeof(exc.info) );
    exc.ninfo = fault->ninfo;
    return cb( &exc, ucontext );
}

/* ---- the handler ------------------------------------------------------------------------- */

/* 'consumed': the fault changed state (a guard page was cleared), so simply returning would
 * let the access succeed on retry; NT would have ended the process for an unhandled
 * exception, so with the default action the signal is raised again explicitly.  So is a
 * signal that was sent (kill, raise: si_code <= 0), which returning would simply lose. */
static void chain( int sig, siginfo_t *info, void *context, const struct sigaction *prev, int consumed )
{
    if ((prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction)
    {
        prev->sa_sigaction( sig, info, context );
        return;
    }
    if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN)
    {
        prev->sa_handler( sig );
        return;
    }
    /* default action: uninstall ourselves and let the faulting instruction run again */
    signal( sig, SIG_DFL );
    if (consumed || info->si_code <= 0) raise( sig );
}

/* NT's access kind from the x86 page-fault error code: bit 1 write, bit 4 instruction fetch */
static int fault_access( void *context )
{
#if defined(__x86_64__) && defined(REG_ERR)
    greg_t err = ((ucontext_t *)context)->uc_mcontext.gregs[REG_ERR];
    if (err & 16) return 8;
    return (err & 2) ? 1 : 0;
#else
    return 0;
#endif
}

static void fault_handler( int sig, siginfo_t *info, void *context )
{
    sigjmp_buf *jb = recover_point;
    struct mm_fault fault;
    int consumed = 0;

    if (jb)
    {
        recover_point = NULL;
        siglongjmp( *jb, 1 );
    }
    /* a view whose file cannot supply the page: NT raises STATUS_IN_PAGE_ERROR */
    if (sig == SIGBUS && mm_handle_bus_fault( info->si_addr, fault_access( context ), &fault ) == MM_FAULT_RAISE &&
        raise_exception( &fault, info->si_addr, context ))
        return;
    if (sig == SIGSEGV && info->si_code > 0)   /* a real fault, not a kill() */
    {
        /* the thread's registered stack, if any: the core grows it and moves its limit */
        struct mm_stack *stack = thread_stack.base ? &thread_stack : NULL;

        switch (mm_handle_fault( info->si_addr, fault_access( context ), stack, &fault ))
        {
        case MM_FAULT_RETRY:
            return;
        case MM_FAULT_RAISE:
            if (raise_exception( &fault, info->si_addr, context )) return;
            consumed = fault.code != STATUS_ACCESS_VIOLATION;
            break;
        case MM_FAULT_UNKNOWN:
            break;
        }
    }
    chain( sig, info, context, sig == SIGBUS ? &prev_bus : &prev_segv, consumed );
}

NTSTATUS host_init( void )
{
    struct sigaction sa;

    memset( &sa, 0, sizeof(sa) );
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset( &sa.sa_mask );
    if (sigaction( SIGSEGV, &sa, &prev_segv ) || sigaction( SIGBUS, &sa, &prev_bus ))
        return STATUS_UNSUCCESSFUL;
    return STATUS_SUCCESS;
}

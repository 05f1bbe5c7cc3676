/*
 * ntdll-mm standalone host: what the core asks of its host, for a plain Linux process.
 *
 * - Process handles: only NtCurrentProcess() names a process here; any other handle is
 *   STATUS_INVALID_HANDLE (the Wine host resolves real handles through wineserver).
 * - User pointers: NT's kernel probes every pointer it is given and turns a bad one into
 *   STATUS_ACCESS_VIOLATION.  A Linux process has no such probing, so copies to and from
 *   caller memory run under a per-thread recovery point: the host's SIGSEGV/SIGBUS
 *   handler jumps back to it when the copy faults.  Faults anywhere else are passed to the
 *   handler that was installed before ours (or the default action), so the program's own
 *   crash handling keeps working.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "mm_private.h"

/* initial-exec: no __tls_get_addr call on every copy; the library is loaded at start-up
 * (linked, or as part of Wine's ntdll.so) */
static __thread sigjmp_buf *recover_point __attribute__((tls_model("initial-exec")));
static struct sigaction prev_segv, prev_bus;

int host_is_current_process( HANDLE process )
{
    return process == NtCurrentProcess();
}

NTSTATUS host_check_process( HANDLE process )
{
    return host_is_current_process( process ) ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
}

static void chain( int sig, siginfo_t *info, void *context, const struct sigaction *prev )
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
}

static void fault_handler( int sig, siginfo_t *info, void *context )
{
    sigjmp_buf *jb = recover_point;

    if (jb)
    {
        recover_point = NULL;
        siglongjmp( *jb, 1 );
    }
    chain( sig, info, context, sig == SIGBUS ? &prev_bus : &prev_segv );
}

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

/*
 * ntdll-mm inside Wine 8.0: the host contract of host.h, for Wine's ntdll.so (host_ref_handle,
 * which resolves wineserver section handles, is in section.c).
 *
 * Where this differs from the standalone host (dlls/ntdll-mm/host.c):
 * - No signal handler of our own: Wine's SIGSEGV handler calls virtual_handle_fault (fault.c),
 *   which asks the core.
 * - Caller memory: a bad pointer passed to an Nt* call faults inside Wine's unix code; Wine's
 *   exception handling for the unix side (__TRY, ntdll_set_exception_jmp_buf) turns that
 *   into STATUS_ACCESS_VIOLATION for the copy alone, instead of abandoning the whole call.
 * - mm.lock: while a thread holds it, wineserver's signals (SIGUSR1 suspend, SIGUSR2 & co.,
 *   whose handlers run APCs and may call NT memory functions, and SIGQUIT, which ends the
 *   thread) are blocked, as Wine's own virtual.c does with server_enter_uninterrupted_section
 *   around its mutex.
 * - Process handles: the exported Nt* (nt.c) forward calls on other processes to them through
 *   wineserver, so the core only ever sees the current process.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <string.h>

int mmw_teb_ready;

/* per thread: the signal mask to restore when the lock goes, and how deep the brackets are
 * (the core does not nest them, but a signal handler's fault classification may run inside
 * another bracket of the same thread).  initial-exec: ntdll.so is loaded at start-up, and
 * these are read in signal handlers. */
static __thread sigset_t lock_saved_mask __attribute__((tls_model("initial-exec")));
static __thread int lock_depth __attribute__((tls_model("initial-exec")));

/* Also SIGQUIT: wineserver ends the other threads of an exiting process with it (quit_handler
 * -> abort_thread), and the exiting thread goes on running DLL detach code, which frees memory.
 * A thread killed while holding mm.lock would leave it locked for ever; with SIGQUIT blocked it
 * dies right after releasing it.  (Wine's virtual.c instead stops locking its mutex once
 * process_exiting is set.) */
void host_lock_enter( void )
{
    sigset_t block, old;

    block = server_block_set;
    sigaddset( &block, SIGQUIT );
    pthread_sigmask( SIG_BLOCK, &block, &old );
    if (!lock_depth++) lock_saved_mask = old;
}

void host_lock_leave( void )
{
    if (!--lock_depth) pthread_sigmask( SIG_SETMASK, &lock_saved_mask, NULL );
}

void host_addref( struct host_object *obj )
{
    __atomic_add_fetch( &obj->refs, 1, __ATOMIC_RELAXED );
}

void host_release( struct host_object *obj )
{
    if (!__atomic_sub_fetch( &obj->refs, 1, __ATOMIC_ACQ_REL )) obj->destroy( obj );
}

int host_is_current_process( HANDLE process )
{
    return process == NtCurrentProcess();
}

NTSTATUS host_check_process( HANDLE process )
{
    return host_is_current_process( process ) ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
}

/* SeLockMemoryPrivilege, enabled in the process token (MEM_LARGE_PAGES / SEC_LARGE_PAGES) */
int host_has_lock_memory_privilege( void )
{
    PRIVILEGE_SET privs;
    BOOLEAN result = FALSE;
    HANDLE token;

    if (NtOpenProcessToken( NtCurrentProcess(), TOKEN_QUERY, &token )) return 0;
    privs.PrivilegeCount = 1;
    privs.Control = PRIVILEGE_SET_ALL_NECESSARY;
    privs.Privilege[0].Luid.LowPart = SE_LOCK_MEMORY_PRIVILEGE;
    privs.Privilege[0].Luid.HighPart = 0;
    privs.Privilege[0].Attributes = 0;
    if (NtPrivilegeCheck( token, &privs, &result )) result = FALSE;
    NtClose( token );
    return result;
}

NTSTATUS mmw_guarded_copy( void *dst, const void *src, SIZE_T len )
{
    volatile NTSTATUS status = STATUS_SUCCESS;
    void *outer;

    if (!len) return STATUS_SUCCESS;
    /* before the first TEB there is no unix-side exception handling; only Wine's own start-up
     * code runs then, with pointers of its own */
    if (!mmw_teb_ready)
    {
        memcpy( dst, src, len );
        return STATUS_SUCCESS;
    }
    /* Wine's handler allows one __TRY per thread (win32u runs NT calls inside its own): the
     * outer one is set aside for the copy and restored afterwards */
    outer = ntdll_get_thread_data()->jmp_buf;
    ntdll_get_thread_data()->jmp_buf = NULL;
    __TRY
    {
        memcpy( dst, src, len );
    }
    __EXCEPT
    {
        status = STATUS_ACCESS_VIOLATION;
    }
    __ENDTRY
    ntdll_get_thread_data()->jmp_buf = outer;
    return status;
}

NTSTATUS host_copy_from_user( void *dst, const void *src, size_t len )
{
    if (len && !src) return STATUS_ACCESS_VIOLATION;
    return mmw_guarded_copy( dst, src, len );
}

NTSTATUS host_copy_to_user( void *dst, const void *src, size_t len )
{
    if (len && !dst) return STATUS_ACCESS_VIOLATION;
    return mmw_guarded_copy( dst, src, len );
}

/* Wine's signal handlers are installed by signal_init_process; nothing to do here */
NTSTATUS host_init( void )
{
    return STATUS_SUCCESS;
}

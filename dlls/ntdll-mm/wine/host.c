/*
 * ntdll-mm inside Wine: the host contract of host.h, for Wine's ntdll.so (host_query_section
 * and the view hooks, which talk to wineserver about mappings, are in mapping.c).
 *
 * Where this differs from the standalone host (dlls/ntdll-mm/standalone/):
 * - No signal handler of our own: Wine's SIGSEGV handler calls virtual_handle_fault, which
 *   hands the fault to the core (fault.c).
 * - Caller memory: a bad pointer passed to an Nt* call faults inside Wine's unix code; Wine's
 *   exception handling for the unix side (__TRY, ntdll_set_exception_jmp_buf) turns that
 *   into STATUS_ACCESS_VIOLATION for the copy alone, instead of abandoning the whole call.
 * - The space lock: while a thread holds it, the handlers of wineserver's signals (SIGUSR1 suspend,
 *   SIGINT, whose handlers run APCs or make threads, and SIGQUIT, which ends the thread) do not
 *   run on it: they are deferred to the lock's release (below), where Wine's virtual.c blocks
 *   its server signals with two system calls around its mutex (and not SIGQUIT).
 * - Process handles: the exported Nt* (nt.c) forward calls on other processes to them through
 *   wineserver, so the core only ever sees the current process.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <ucontext.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

int mmw_teb_ready;

/* ---- the space lock and Wine's signals ----------------------------------------------------------
 * While a thread holds the space lock, the handlers of wineserver's signals must not run on it:
 * SIGUSR1 (suspend: the handler waits in a server select that runs system APCs, which call the
 * NT memory functions and would take the space lock again), SIGINT (creates a thread), SIGQUIT (the
 * thread ends: quit_handler -> abort_thread; wineserver ends the other threads of an exiting
 * process with it, and a thread killed holding the space lock would leave it locked for ever).
 * Wine's virtual.c blocks them with two rt_sigprocmask calls around every hold of its mutex
 * (server_enter_uninterrupted_section), about 500 ns of a 600 ns VirtualQuery here.
 *
 * This host defers them instead, without a system call per hold: once Wine has installed its
 * handlers (signal_init_process, after the first memory calls), each handler of these signals
 * is wrapped by defer_handler.  A signal that arrives while the thread holds the lock is only
 * noted; host_lock_leave raises it again on the thread (tgkill) when the lock is gone, so
 * Wine's handler runs where the signal would have been unblocked: same thread, still inside
 * the NT call, with the same signals blocked around it.  Wine's handlers of these signals do
 * not look at the siginfo (which becomes SI_TKILL from our own pid).  Before the wrappers are
 * in place, and on a thread that entered before, the signals are blocked as Wine does.
 *
 * lock_depth and lock_deferred are only touched by their own thread and its signal handlers:
 * a signal fence orders them against a handler on that thread.  The leave path reads the
 * deferred set after the depth is 0: a signal arriving later runs Wine's handler directly. */
#define DEFER_MAX 32   /* standard signals: one bit each in lock_deferred */

static __thread int lock_depth __attribute__((tls_model("initial-exec")));
static __thread int lock_masked __attribute__((tls_model("initial-exec")));       /* blocked at depth 0->1 */
static __thread unsigned int lock_deferred __attribute__((tls_model("initial-exec")));
static __thread sigset_t lock_saved_mask __attribute__((tls_model("initial-exec")));

static struct sigaction wine_action[DEFER_MAX];   /* the wrapped handlers, by signal */
static int defer_state;                           /* 0 not yet, 1 being installed, 2 installed */

/* Whether a signal interrupted 64-bit code, whose %fs is the thread's own: our TLS is only
 * usable then.  Interrupted 32-bit code (a wow64 build) has another %fs, which Wine's handler
 * restores; the space lock is only ever held by 64-bit code. */
static inline int interrupted_own_tls( void *ucontext )
{
#ifdef __x86_64__
    return (((ucontext_t *)ucontext)->uc_mcontext.gregs[REG_CSGSFS] & 0xffff) == 0x33;
#else
    return 1;
#endif
}

static void defer_handler( int sig, siginfo_t *info, void *ucontext )
{
    if (!interrupted_own_tls( ucontext ))
    {
        wine_action[sig].sa_sigaction( sig, info, ucontext );
        return;
    }
    if (lock_depth)
    {
        lock_deferred |= 1u << sig;
        return;
    }
    wine_action[sig].sa_sigaction( sig, info, ucontext );
}

/* Wine 8.0 handles SIGBUS with its SIGSEGV handler, which asks virtual_handle_fault about a
 * page fault without saying which signal it was.  The wrapper notes the address of a SIGBUS
 * for an address the mapping's file no longer backs (BUS_ADRERR), so that the fault is
 * STATUS_IN_PAGE_ERROR as on NT instead of an access violation (mmw_take_bus_fault). */
static struct sigaction wine_bus_action;
static __thread void *bus_fault_addr __attribute__((tls_model("initial-exec")));

static void bus_handler( int sig, siginfo_t *info, void *ucontext )
{
    if (!interrupted_own_tls( ucontext ))
    {
        wine_bus_action.sa_sigaction( sig, info, ucontext );
        return;
    }
    if (info->si_code == BUS_ADRERR) bus_fault_addr = info->si_addr;
    wine_bus_action.sa_sigaction( sig, info, ucontext );
    bus_fault_addr = NULL;
}

int mmw_lock_held( void )
{
    return lock_depth != 0;
}

int mmw_take_bus_fault( void *addr )
{
    if (!bus_fault_addr || bus_fault_addr != addr) return 0;
    bus_fault_addr = NULL;
    return 1;
}

/* the signals whose handlers must not run under the space lock: Wine's server signals and SIGQUIT */
static void lock_signal_set( sigset_t *set )
{
    *set = server_block_set;
    sigaddset( set, SIGQUIT );
}

/* Once Wine's SIGUSR1 handler exists (signal_init_process installs SIGINT, SIGQUIT and SIGUSR1
 * together), wrap every handler of the set.  Async-signal-safe (sigaction only); one thread
 * installs, the others go on blocking meanwhile. */
static void defer_install( void )
{
    struct sigaction sa;
    sigset_t set;
    int expected = 0, sig;

    if (sigaction( SIGUSR1, NULL, &sa ) || !(sa.sa_flags & SA_SIGINFO)) return;
    if (!__atomic_compare_exchange_n( &defer_state, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED ))
        return;
    lock_signal_set( &set );
    for (sig = 1; sig < DEFER_MAX; sig++)
    {
        if (!sigismember( &set, sig ) || sigaction( sig, NULL, &sa )) continue;
        /* a default or ignored disposition runs no Wine code: nothing to defer */
        if (!(sa.sa_flags & SA_SIGINFO) || sa.sa_sigaction == defer_handler) continue;
        wine_action[sig] = sa;
        sa.sa_sigaction = defer_handler;
        if (sigaction( sig, &sa, NULL )) wine_action[sig].sa_sigaction = NULL;
    }
    /* SIGBUS: only Wine's own handler, the one it installs for SIGSEGV too */
    if (!sigaction( SIGBUS, NULL, &sa ) && (sa.sa_flags & SA_SIGINFO) && sa.sa_sigaction != bus_handler)
    {
        struct sigaction segv;

        if (!sigaction( SIGSEGV, NULL, &segv ) && segv.sa_sigaction == sa.sa_sigaction)
        {
            wine_bus_action = sa;
            sa.sa_sigaction = bus_handler;
            sigaction( SIGBUS, &sa, NULL );
        }
    }
    __atomic_store_n( &defer_state, 2, __ATOMIC_RELEASE );
    TRACE( "signal handlers wrapped: server signals are deferred while the space lock is held\n" );
}

void host_lock_enter( void )
{
    if (!lock_depth)
    {
        if (__atomic_load_n( &defer_state, __ATOMIC_ACQUIRE ) != 2) defer_install();
        if (__atomic_load_n( &defer_state, __ATOMIC_ACQUIRE ) != 2)
        {
            sigset_t set;

            lock_signal_set( &set );
            pthread_sigmask( SIG_BLOCK, &set, &lock_saved_mask );
            lock_masked = 1;
        }
    }
    lock_depth++;
    __atomic_signal_fence( __ATOMIC_SEQ_CST );
}

void host_lock_leave( void )
{
    unsigned int deferred;

    __atomic_signal_fence( __ATOMIC_SEQ_CST );
    if (--lock_depth) return;
    __atomic_signal_fence( __ATOMIC_SEQ_CST );
    if (lock_masked)
    {
        lock_masked = 0;
        pthread_sigmask( SIG_SETMASK, &lock_saved_mask, NULL );
    }
    if (!(deferred = lock_deferred)) return;
    lock_deferred = 0;
    TRACE( "signals %#x arrived under the space lock, raised again\n", deferred );
    for (int sig = 1; sig < DEFER_MAX; sig++)
        if (deferred & (1u << sig)) syscall( SYS_tgkill, getpid(), syscall( SYS_gettid ), sig );
}

/* In a fork()ed child, the end of a bracket that the parent's thread began in a fork
 * prepare handler.  Signals deferred meanwhile were sent to the parent's thread: they are
 * dropped, not raised here (a child of Wine's spawn_process only execs, and Wine's handlers
 * would talk to wineserver over the parent's connection).  The child starts with no pending
 * signal, so restoring a blocked mask loses nothing either. */
void host_lock_forget( void )
{
    if (--lock_depth) return;
    lock_deferred = 0;
    if (lock_masked)
    {
        lock_masked = 0;
        pthread_sigmask( SIG_SETMASK, &lock_saved_mask, NULL );
    }
}

/* fork(): the Wine host's mutexes are Wine's uninterrupted sections (Wine itself does not
 * hold them across fork either), and Wine's child only execs */
void host_fork( enum mm_fork_phase phase )
{
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

/* the preloader's reserved ranges: only this memory manager maps inside them (stock Wine's
 * virtual.c maps MAP_FIXED there without looking either) */
int host_owns_reserved_areas( void )
{
    return 1;
}

/* SeLockMemoryPrivilege, enabled in the process token (MEM_LARGE_PAGES / SEC_LARGE_PAGES,
 * NtLockVirtualMemory's MAP_SYSTEM) */
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

NTSTATUS host_copy_user_many( const struct mm_user_copy *ops, unsigned int count )
{
    volatile NTSTATUS status = STATUS_SUCCESS;
    void *outer;

    /* before the first TEB: Wine's own start-up code, with pointers of its own */
    if (!mmw_teb_ready) return mm_run_user_copies( ops, count );
    /* as in mmw_guarded_copy: the thread's outer __TRY is set aside meanwhile */
    outer = ntdll_get_thread_data()->jmp_buf;
    ntdll_get_thread_data()->jmp_buf = NULL;
    __TRY
    {
        status = mm_run_user_copies( ops, count );
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

/* NT's quota of lockable pages is the minimum working set, raised by SetProcessWorkingSetSize;
 * Wine 8.0's kernelbase SetProcessWorkingSetSizeEx is a no-op returning TRUE, so ntdll never
 * hears of a raised working set and a program that raised it before locking 64 MB (as
 * VirtualLock's documentation tells it to) would fail: no NT quota here, only RLIMIT_MEMLOCK. */
size_t host_lockable_pages( void )
{
    return (size_t)-1;
}

/* the calling thread's stack, as its TEB says (a thread without one: a host thread of Wine's
 * unix side, or before the first TEB) */
int host_thread_stack( struct mm_stack *stack )
{
    TEB *teb;

    if (!mmw_teb_ready || !(teb = NtCurrentTeb()) || !teb->DeallocationStack) return 0;
    mmw_teb_stack( teb, stack );
    return 1;
}

void host_set_stack_limit( void *limit )
{
    TEB *teb = NtCurrentTeb();

    TRACE( "stack limit of thread %04x: %p -> %p\n", (unsigned int)GetCurrentThreadId(), teb->Tib.StackLimit, limit );
    teb->Tib.StackLimit = limit;
}

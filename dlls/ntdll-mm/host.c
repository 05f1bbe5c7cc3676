/*
 * ntdll-mm standalone host: what the core asks of its host (host.h), for a plain Linux process.
 * ntdll-mm: standalone-only (tests/wine/hooks/ntdll-mm.sh leaves this file out of Wine's ntdll.so)
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
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mm_private.h"

/* initial-exec: no __tls_get_addr call on every copy; the library is loaded at start-up
 * (linked, or as part of Wine's ntdll.so) */
static __thread sigjmp_buf *recover_point __attribute__((tls_model("initial-exec")));
static struct sigaction prev_segv, prev_bus;

/* nothing to block: the standalone host's only signal handler (faults) never runs NT calls
 * that could need mm.lock while the interrupted thread holds it, except fault classification,
 * which a thread holding the lock never triggers (it touches no caller memory) */
void host_lock_enter( void )
{
}

void host_lock_leave( void )
{
}

void host_lock_forget( void )
{
}

int host_is_current_process( HANDLE process )
{
    return process == NtCurrentProcess();
}

NTSTATUS host_check_process( HANDLE process )
{
    return host_is_current_process( process ) ? STATUS_SUCCESS : STATUS_INVALID_HANDLE;
}

static int lock_memory_privilege;

BOOLEAN ntdll_mm_set_lock_memory_privilege( BOOLEAN enable )
{
    return __atomic_exchange_n( &lock_memory_privilege, enable ? 1 : 0, __ATOMIC_ACQ_REL );
}

/* the program may map inside the areas it registers (tests/reserved.c does): check first */
int host_owns_reserved_areas( void )
{
    return 0;
}

int host_has_lock_memory_privilege( void )
{
    return __atomic_load_n( &lock_memory_privilege, __ATOMIC_ACQUIRE );
}

/* NT's default quota of lockable pages.  SetProcessWorkingSetSizeEx's documentation gives the
 * default minimum working set as 50 pages; VirtualLock's says a process can lock "its minimum
 * working set minus a small overhead", which older SDK documentation quantified as "by
 * default, a process can lock a maximum of 30 pages" (KB Q94996: 28 to 32).  So: 50 - 20.
 * The standalone host has no NtSetInformationProcess(ProcessQuotaLimits) to raise it. */
size_t host_lockable_pages( void )
{
    return 50 - 20;
}

/* 'consumed': the fault changed state (a guard page was cleared), so simply returning would
 * let the access succeed on retry; NT would have ended the process for an unhandled
 * exception, so with the default action the signal is raised again explicitly. */
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
    if (consumed) raise( sig );
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
    int consumed = 0;

    if (jb)
    {
        recover_point = NULL;
        siglongjmp( *jb, 1 );
    }
    /* a view whose file cannot supply the page: NT raises STATUS_IN_PAGE_ERROR */
    if (sig == SIGBUS)
    {
        struct mm_fault fault;
        if (mm_classify_bus_fault( info->si_addr, fault_access( context ), &fault ) == MM_FAULT_RAISE &&
            host_raise_fault( &fault, info->si_addr, context ))
            return;
    }
    if (sig == SIGSEGV && info->si_code > 0)   /* a real fault, not a kill() */
    {
        struct mm_fault fault;
        switch (mm_classify_fault( info->si_addr, fault_access( context ), &fault ))
        {
        case MM_FAULT_RETRY:
            return;
        case MM_FAULT_RAISE:
            if (host_raise_fault( &fault, info->si_addr, context )) return;
            consumed = fault.code != STATUS_ACCESS_VIOLATION;
            break;
        case MM_FAULT_UNKNOWN:
            break;
        }
    }
    chain( sig, info, context, sig == SIGBUS ? &prev_bus : &prev_segv, consumed );
}

/* ---- exceptions -------------------------------------------------------------------------- */

static ntdll_mm_exception_callback exception_callback;

void ntdll_mm_set_exception_callback( ntdll_mm_exception_callback callback )
{
    __atomic_store_n( &exception_callback, callback, __ATOMIC_RELEASE );
}

int host_raise_fault( const struct mm_fault *fault, void *addr, void *ucontext )
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

/* ---- handles ------------------------------------------------------------------------------
 * A flat table; handle values are multiples of 4 as on NT, starting at 0x1004.  Lock order:
 * handle_lock is never held while taking mm.lock or calling a destructor. */

struct handle_entry
{
    struct host_object *obj;
    ACCESS_MASK access;
};

static pthread_mutex_t handle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle_entry *handles;
static size_t nb_handles, handles_cap;

#define HANDLE_BASE 0x1000

static inline HANDLE index_to_handle( size_t i ) { return (HANDLE)(ULONG_PTR)(HANDLE_BASE + 4 * (i + 1)); }
static inline size_t handle_to_index( HANDLE h )
{
    ULONG_PTR v = (ULONG_PTR)h;
    if (v <= HANDLE_BASE || (v & 3)) return (size_t)-1;
    return (v - HANDLE_BASE) / 4 - 1;
}

void host_addref( struct host_object *obj )
{
    __atomic_add_fetch( &obj->refs, 1, __ATOMIC_RELAXED );
}

void host_release( struct host_object *obj )
{
    if (!__atomic_sub_fetch( &obj->refs, 1, __ATOMIC_ACQ_REL )) obj->destroy( obj );
}

NTSTATUS host_alloc_handle( struct host_object *obj, ACCESS_MASK access, HANDLE *handle )
{
    size_t i;

    pthread_mutex_lock( &handle_lock );
    for (i = 0; i < nb_handles; i++) if (!handles[i].obj) break;
    if (i == nb_handles)
    {
        if (nb_handles == handles_cap)
        {
            size_t cap = handles_cap ? handles_cap * 2 : 64;
            struct handle_entry *h = mm_realloc( handles, cap * sizeof(*h) );
            if (!h)
            {
                pthread_mutex_unlock( &handle_lock );
                return STATUS_NO_MEMORY;
            }
            handles = h;
            handles_cap = cap;
        }
        nb_handles++;
    }
    host_addref( obj );
    obj->handles++;
    handles[i].obj = obj;
    handles[i].access = access;
    pthread_mutex_unlock( &handle_lock );
    *handle = index_to_handle( i );
    return STATUS_SUCCESS;
}

NTSTATUS host_ref_handle( HANDLE handle, enum host_type type, ACCESS_MASK needed,
                          struct host_object **obj, ACCESS_MASK *granted )
{
    size_t i = handle_to_index( handle );
    NTSTATUS status = STATUS_SUCCESS;

    /* pseudo-handles of the current process and thread name objects, of the wrong type */
    if (handle == NtCurrentProcess() || handle == (HANDLE)~(ULONG_PTR)1) return STATUS_OBJECT_TYPE_MISMATCH;
    pthread_mutex_lock( &handle_lock );
    if (i >= nb_handles || !handles[i].obj) status = STATUS_INVALID_HANDLE;
    else if (handles[i].obj->type != type) status = STATUS_OBJECT_TYPE_MISMATCH;
    else if ((handles[i].access & needed) != needed) status = STATUS_ACCESS_DENIED;
    else
    {
        *obj = handles[i].obj;
        if (granted) *granted = handles[i].access;
        host_addref( *obj );
    }
    pthread_mutex_unlock( &handle_lock );
    return status;
}

NTSTATUS WINAPI NtClose( HANDLE handle )
{
    size_t i = handle_to_index( handle );
    struct host_object *obj = NULL;
    int last = 0;

    pthread_mutex_lock( &handle_lock );
    if (i < nb_handles && handles[i].obj)
    {
        obj = handles[i].obj;
        handles[i].obj = NULL;
        last = !--obj->handles;
    }
    pthread_mutex_unlock( &handle_lock );
    if (!obj) return STATUS_INVALID_HANDLE;
    if (last && obj->last_handle) obj->last_handle( obj );
    host_release( obj );
    return STATUS_SUCCESS;
}

/* ---- files ---------------------------------------------------------------------------------- */

static void file_destroy( struct host_object *obj )
{
    struct host_file *file = (struct host_file *)obj;
    close( file->fd );
    mm_free( file->path );
    mm_free( file );
}

/* GENERIC_* rights as NtCreateFile maps them for files */
static ACCESS_MASK map_file_access( ACCESS_MASK access )
{
    if (access & GENERIC_READ) access |= FILE_READ_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE;
    if (access & GENERIC_WRITE) access |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES | SYNCHRONIZE;
    if (access & GENERIC_EXECUTE) access |= FILE_EXECUTE | SYNCHRONIZE;
    if (access & GENERIC_ALL) access |= FILE_ALL_ACCESS;
    return access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}

static NTSTATUS status_from_errno( int err )
{
    switch (err)
    {
    case ENOENT: return STATUS_OBJECT_NAME_NOT_FOUND;
    case EACCES: case EPERM: case EROFS: return STATUS_ACCESS_DENIED;
    case EISDIR: return STATUS_FILE_IS_A_DIRECTORY;
    case ENOMEM: return STATUS_NO_MEMORY;
    case EBADF: return STATUS_INVALID_HANDLE;
    default: return STATUS_UNSUCCESSFUL;
    }
}

static NTSTATUS make_file( int fd, ACCESS_MASK access, HANDLE *handle )
{
    struct host_file *file;
    char link[64], path[PATH_MAX];
    ssize_t len;
    NTSTATUS status;

    if (!(file = mm_calloc( 1, sizeof(*file) )))
    {
        close( fd );
        return STATUS_NO_MEMORY;
    }
    file->obj.refs = 0;
    file->obj.type = HOST_FILE;
    file->obj.destroy = file_destroy;
    file->fd = fd;
    snprintf( link, sizeof(link), "/proc/self/fd/%d", fd );
    if ((len = readlink( link, path, sizeof(path) - 1 )) > 0)
    {
        path[len] = 0;
        file->path = mm_strdup( path );
    }
    host_addref( &file->obj );
    status = host_alloc_handle( &file->obj, map_file_access( access ), handle );
    host_release( &file->obj );
    return status;
}

NTSTATUS ntdll_mm_open_file( const char *path, ACCESS_MASK access, HANDLE *handle )
{
    ACCESS_MASK mapped = map_file_access( access );
    int flags = (mapped & (FILE_WRITE_DATA | FILE_APPEND_DATA)) ? O_RDWR : O_RDONLY;
    int fd;

    if (!path || !handle) return STATUS_INVALID_PARAMETER;
    if (mm_ensure_init()) return STATUS_NOT_SUPPORTED;
    if ((fd = open( path, flags | O_CLOEXEC )) < 0) return status_from_errno( errno );
    return make_file( fd, access, handle );
}

NTSTATUS ntdll_mm_file_handle_from_fd( int fd, ACCESS_MASK access, HANDLE *handle )
{
    int copy;

    if (!handle) return STATUS_INVALID_PARAMETER;
    if (mm_ensure_init()) return STATUS_NOT_SUPPORTED;
    if ((copy = fcntl( fd, F_DUPFD_CLOEXEC, 3 )) < 0) return status_from_errno( errno );
    return make_file( copy, access, handle );
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

/* fork(): the handle table and the section names are consistent in the child and their
 * locks free.  Lock order, as everywhere: mm.lock, names_lock, handle_lock. */
void host_fork( enum mm_fork_phase phase )
{
    switch (phase)
    {
    case MM_FORK_PREPARE:
        section_names_fork( phase );
        pthread_mutex_lock( &handle_lock );
        break;
    case MM_FORK_PARENT:
        pthread_mutex_unlock( &handle_lock );
        section_names_fork( phase );
        break;
    case MM_FORK_CHILD:
        pthread_mutex_init( &handle_lock, NULL );
        section_names_fork( phase );
        break;
    }
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

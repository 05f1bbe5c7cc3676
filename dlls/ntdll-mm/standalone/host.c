/*
 * ntdll-mm standalone host: the rest of the host contract (host.h) for a plain Linux process:
 * the process, privileges and quotas, the signal bracket, fork, reserved areas and views.
 * Handles are in handles.c, sections in section.c, faults and caller memory in signal.c.
 *
 * - Process handles: only NtCurrentProcess() names a process here; any other handle is
 *   STATUS_INVALID_HANDLE (the Wine host resolves real handles through wineserver).
 * - No server keeps views: the view hooks have nothing to tell.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: config.h, _GNU_SOURCE */

#include "standalone.h"

/* nothing to block: the standalone host's only signal handler (faults) never runs NT calls
 * that could need the space lock while the interrupted thread holds it, except fault
 * handling, which a thread holding the lock never triggers (it touches no caller memory) */
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

/* SeLockMemoryPrivilege: a process starts without it, as a Windows token does until
 * AdjustTokenPrivileges enables it (the program's choice here: ntdll_mm_set_lock_memory_privilege) */
static int lock_memory_privilege;

BOOLEAN ntdll_mm_set_lock_memory_privilege( BOOLEAN enable )
{
    return __atomic_exchange_n( &lock_memory_privilege, enable ? 1 : 0, __ATOMIC_ACQ_REL );
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

/* the program may map inside the areas it registers (tests/reserved.c does): check first */
int host_owns_reserved_areas( void )
{
    return 0;
}

/* fork(): the handle table and the section names are consistent in the child and their
 * locks free.  Lock order, as everywhere: the space lock, names_lock, handle_lock. */
void host_fork( enum mm_fork_phase phase )
{
    switch (phase)
    {
    case MM_FORK_PREPARE:
        names_fork( phase );
        handles_fork( phase );
        break;
    case MM_FORK_PARENT:
    case MM_FORK_CHILD:
        handles_fork( phase );
        names_fork( phase );
        break;
    }
}

NTSTATUS host_view_mapped( const struct mm_view *view, void *ctx )
{
    return STATUS_SUCCESS;
}

void host_view_unmapped( const struct mm_view *view )
{
}

void host_view_committed( const struct mm_view *view, SIZE_T offset, SIZE_T size )
{
}

/*
 * ntdll-mm inside Wine 8.0's ntdll.so: declarations shared by the Wine host's files
 * (dlls/ntdll-mm/wine/).  The hook (tests/wine/hooks/ntdll-mm.sh) copies the host's files
 * into dlls/ntdll/unix/ as mmw_*.c, next to the core (mm_*.c), and compiles them with
 * NTDLL_MM_WINE defined, in place of Wine's virtual.c.
 *
 * Include this header first in every file of the Wine host.  It includes, in this order, the
 * core's headers (config.h and the NT headers come first through mm_entry.h / ntdll-mm.h),
 * then Wine's unix_private.h.  NTDLL_MM_NO_RENAME is set: in the host, Nt* are Wine's exported
 * names (wine/nt.c defines them) and the core's entry points are called as mm_Nt*.
 *
 * Who defines what (the 52 global symbols of Wine 8.0's virtual.o):
 *   init.c    virtual_init, virtual_get_system_info, get_system_affinity_mask, anon_mmap_alloc,
 *             anon_mmap_fixed, virtual_set_large_address_space, user_shared_data,
 *             virtual_map_user_shared_data
 *   thread.c  virtual_alloc_first_teb, virtual_alloc_teb, virtual_free_teb,
 *             virtual_clear_tls_index, virtual_alloc_thread_stack
 *   fault.c   virtual_handle_fault, virtual_setup_exception, virtual_is_valid_code_address,
 *             virtual_check_buffer_for_read/write, virtual_uninterrupted_read/write_memory,
 *             virtual_locked_server_call/read/pread/recvmsg, virtual_set_force_exec
 *   host.c    the host.h contract (except host_ref_handle: section.c)
 *   nt.c, section.c, module.c (wine-b; see nt_wine.h): the exported Nt* calls, sections,
 *             builtin modules, virtual_fill_image_information
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_HOST_WINE_H
#define NTDLL_MM_HOST_WINE_H

#ifndef NTDLL_MM_NO_RENAME
#define NTDLL_MM_NO_RENAME 1
#endif

#include "mm_private.h"
#include "os.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/mman.h>

#include "wine/list.h"
#include "unix_private.h"
#include "wine/debug.h"

/* ---- init.c ------------------------------------------------------------------------------ */

/* Wine's preloader keeps the main exe's preferred range (WINEPRELOADRESERVE) reserved
 * PROT_NONE until the exe is mapped there.  Wine's virtual.c never places "anywhere"
 * allocations in it; here it is not given to the core as a reserved area at start (the core
 * sees it as foreign memory, so its gap search avoids it).  Call this before mapping a view
 * (an image: the main exe) at a fixed or preferred address [addr, addr+size): if the range
 * overlaps the preloader's exe range, that range is handed to the core as a host-reserved area
 * (free address space), so the view can be mapped over the reservation.  Idempotent, cheap. */
void mmw_claim_preload_reserve( const void *addr, SIZE_T size ) DECLSPEC_HIDDEN;

/* highest user address, inclusive, for the 64-bit / wow64 view of the process */
ULONG_PTR mmw_highest_user_address( BOOL wow64 ) DECLSPEC_HIDDEN;

/* ---- thread.c ---------------------------------------------------------------------------- */

/* The calling thread's stack must reach down to addr (in its reserved part, below StackLimit):
 * commit from addr's page up to StackLimit, a guard page below, StackLimit follows.
 * *overflow: no room was left for a guard page (the bottom page is never committed).  FALSE if
 * addr is not in that part of the stack.  Takes mm.lock: never call it holding the lock; safe
 * in the fault handler. */
BOOL mmw_grow_stack_to( void *addr, BOOL *overflow ) DECLSPEC_HIDDEN;
/* A write fault at addr with stack pointer sp: if it is the first write of Wine's thread-start
 * stack clearing (see thread.c), grow the stack as mmw_grow_stack_to, remember it to be undone
 * and return TRUE. */
BOOL mmw_stack_start_clear( void *addr, void *sp, BOOL *overflow ) DECLSPEC_HIDDEN;
/* Undo a stack clearing of the calling thread, if any, keeping what lies above sp (the
 * program's stack pointer; NULL or outside the stack: the one of its last system call).
 * Cheap when there is nothing to undo; takes mm.lock (never call it holding the lock). */
void mmw_stack_fixup( void *sp ) DECLSPEC_HIDDEN;
/* [addr, addr+size) of the current process became guard pages (NtAllocateVirtualMemory /
 * NtProtectVirtualMemory with PAGE_GUARD): in the calling thread's committed stack, StackLimit
 * moves up to its end, as on NT. */
void mmw_stack_guard_set( void *addr, SIZE_T size ) DECLSPEC_HIDDEN;

/* ---- host.c ------------------------------------------------------------------------------ */

/* non-zero once the first TEB exists: before that, unix-side exception handling (__TRY) and
 * NtCurrentTeb() are not available */
extern int mmw_teb_ready DECLSPEC_HIDDEN;

/* Copy with Wine's unix-side exception handling: STATUS_ACCESS_VIOLATION if the copy faults
 * (the outer __TRY handler of the thread, if any, is restored afterwards). */
NTSTATUS mmw_guarded_copy( void *dst, const void *src, SIZE_T len ) DECLSPEC_HIDDEN;
/* host.c: whether the fault at addr is the SIGBUS the calling thread is handling (consumed) */
int mmw_take_bus_fault( void *addr ) DECLSPEC_HIDDEN;
/* host.c: whether the calling thread holds mm.lock (a fault handler must not take it then) */
int mmw_lock_held( void ) DECLSPEC_HIDDEN;

/* whether p lies in the thread's own Windows stack, [DeallocationStack, StackBase) */
static inline BOOL mmw_in_own_stack( const TEB *teb, const void *p )
{
    return (const char *)p >= (const char *)teb->DeallocationStack && (const char *)p < (const char *)teb->Tib.StackBase;
}

#endif /* NTDLL_MM_HOST_WINE_H */

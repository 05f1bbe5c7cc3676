/*
 * ntdll-mm inside Wine's ntdll.so: declarations shared by the Wine host's files.  The hook
 * (tests/wine/hooks/ntdll-mm.sh) copies them into dlls/ntdll/unix/ next to the core and
 * compiles them in place of Wine's virtual.c.  The host talks to the core through host.h only.
 *
 * Files: what every Wine version shares is in dlls/ntdll-mm/wine/ (host.c: the host.h
 * contract; builtin.c: builtin modules; mapping.c: wineserver mappings, sections and views;
 * init.c: start-up, reserved areas, system information; fault.c: faults and program memory;
 * nt.c: the exported Nt* calls).  What one Wine version's interface needs is in
 * dlls/ntdll-mm/wine/<version>/ (TEBs and stacks, the fault entry points, the server APCs and
 * view requests of its protocol, builtin modules' mapping; mmw_version.h: its types); the
 * functions the shared files expect from it are declared at the end.
 *
 * Include this header first in every file of the Wine host.  NTDLL_MM_NO_RENAME is set: in the
 * host, Nt* are Wine's exported names (nt.c defines them) and the core's entry points are
 * called as mm_Nt* (mm_entry.h).
 *
 * Lock order: the TEB and preloader mutexes (thread.c, init.c: NT calls are made under them)
 * -> the space lock (the core's) -> the section cache and builtin mutexes -> the core's heap
 * lock.  Under the cache and builtin mutexes nothing calls the server or a core function that
 * takes the space lock (only the heap: mm_strdup, mm_free), since a core section's destroy hook
 * (which takes the cache mutex) may run under the space lock; the builtin mutex also covers the
 * dlopen of a builtin's unix library, as Wine's virtual.c does under its own mutex.  Every
 * mutex is taken with server_enter_uninterrupted_section: a thread holding one must not run a
 * system APC (SIGUSR1 & co.) that needs it again.  The view hooks (host_view_*) talk to
 * wineserver under the space lock, so that the server's list of views changes exactly when the
 * core's does.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_HOST_WINE_H
#define NTDLL_MM_HOST_WINE_H

#ifndef NTDLL_MM_NO_RENAME
#define NTDLL_MM_NO_RENAME 1
#endif

#include "host.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/mman.h>

#include "wine/list.h"
#include "unix_private.h"
#include "wine/debug.h"

/* Wine 10.0 dropped DECLSPEC_HIDDEN (its unix side builds with -fvisibility=hidden) */
#ifndef DECLSPEC_HIDDEN
#define DECLSPEC_HIDDEN
#endif

/* the Wine version's types and server requests (wine/<version>/mmw_version.h) */
#include "mmw_version.h"

/* ---- host.c ------------------------------------------------------------------------------ */

/* non-zero once the first TEB exists: before that, unix-side exception handling (__TRY) and
 * NtCurrentTeb() are not available */
extern int mmw_teb_ready DECLSPEC_HIDDEN;
/* Copy with Wine's unix-side exception handling: STATUS_ACCESS_VIOLATION if the copy faults
 * (the outer __TRY handler of the thread, if any, is restored afterwards). */
NTSTATUS mmw_guarded_copy( void *dst, const void *src, SIZE_T len ) DECLSPEC_HIDDEN;
/* whether the fault at addr is the SIGBUS the calling thread is handling (consumed) */
int mmw_take_bus_fault( void *addr ) DECLSPEC_HIDDEN;
/* whether the calling thread holds the space lock (a fault handler must not take it then) */
int mmw_lock_held( void ) DECLSPEC_HIDDEN;
/* whether p lies in the thread's own Windows stack, [DeallocationStack, StackBase) */
static inline BOOL mmw_in_own_stack( const TEB *teb, const void *p )
{
    return (const char *)p >= (const char *)teb->DeallocationStack && (const char *)p < (const char *)teb->Tib.StackBase;
}
/* the thread's stack for the core (host.h), from its TEB */
static inline void mmw_teb_stack( const TEB *teb, struct mm_stack *stack )
{
    stack->deallocation = teb->DeallocationStack;
    stack->limit = teb->Tib.StackLimit;
    stack->base = teb->Tib.StackBase;
    stack->flags = 0;
}

/* ---- builtin.c --------------------------------------------------------------------------- */

/* the builtin module list (Wine's: PE builtins with handle NULL, .so builtins with their dlopen
 * handle and the size of what the dynamic linker mapped) */
void mmw_add_builtin_module( void *module, void *handle, SIZE_T size ) DECLSPEC_HIDDEN;
void mmw_release_builtin_module( void *module ) DECLSPEC_HIDDEN;
/* The .so builtin whose memory holds addr: its base (and size), else NULL.  Its view is the
 * dynamic linker's memory, not the core's. */
void *mmw_so_builtin_at( const void *addr, SIZE_T *size ) DECLSPEC_HIDDEN;
/* a .so builtin's view is being unmapped: TRUE if other users remain (one reference dropped,
 * the view stays), FALSE if this was the last one */
BOOL mmw_builtin_module_busy( void *module ) DECLSPEC_HIDDEN;
/* The unix library of a builtin (load_builtin_unixlib), dlopen()ed on first use: its handle,
 * NULL when it has none; *is_ntdll when it is ntdll.so itself (this library). */
void *mmw_builtin_unix_lib( void *module, BOOL *is_ntdll ) DECLSPEC_HIDDEN;

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

/* ---- mapping.c --------------------------------------------------------------------------- */

/* The wineserver description of a mapping (get_mapping_info, which checks the handle and the
 * access): image (mm_malloc'ed, followed by the NUL-terminated NT file name) only for SEC_IMAGE
 * mappings; shared_file is the handle of the server's file for the image's shared sections, or
 * 0.  mmw_free_mapping frees what it holds. */
struct mmw_mapping
{
    unsigned int    sec_flags;
    mem_size_t      full_size;
    HANDLE          shared_file;
    mmw_image_info *image;
};
unsigned int mmw_get_mapping( HANDLE handle, ACCESS_MASK access, struct mmw_mapping *mapping ) DECLSPEC_HIDDEN;
void mmw_free_mapping( struct mmw_mapping *mapping ) DECLSPEC_HIDDEN;
/* NtMapViewOfSection(Ex) for the current process, its parameters read and checked (args), the
 * mapping described by the server (mapping: NULL to ask here; it is freed): a builtin instead of
 * the image when the load order says so (not with MMW_MAP_BUILTIN, the loader's own mapping of a
 * builtin, which then joins the builtin module list, nor with MMW_MAP_NO_LOAD_ORDER: asked
 * already), else the core's view, registered with the server under the core's lock. */
#define MMW_MAP_BUILTIN        0x1
#define MMW_MAP_NO_LOAD_ORDER  0x2
NTSTATUS mmw_map_view( HANDLE handle, struct mm_map_args *args, struct mmw_mapping *mapping,
                       unsigned int flags ) DECLSPEC_HIDDEN;
/* NtUnmapViewOfSection(Ex) for the current process (and the view's unregistration) */
NTSTATUS mmw_unmap_view( PVOID addr, ULONG flags ) DECLSPEC_HIDDEN;
/* MemoryMappedFilenameInformation for any process: the NT name wineserver keeps for the view */
NTSTATUS mmw_mapped_filename( HANDLE process, LPCVOID addr, MEMORY_SECTION_NAME *info, SIZE_T len,
                              SIZE_T *ret_len ) DECLSPEC_HIDDEN;
/* addr of the current process is about to be queried, protected, or touched: if it lies in a
 * view of a SEC_RESERVE mapping, the pages of that view other processes committed since are
 * committed here too (NT commits them in every view at once; Wine's queries ask the server
 * too).  Returns TRUE if the page at addr is committed now.  Cheap when no such view exists. */
BOOL mmw_sync_committed( const void *addr ) DECLSPEC_HIDDEN;
/* the same for the address *addr_ptr (a caller's pointer, read only when such views exist) */
void mmw_sync_committed_at( PVOID *addr_ptr ) DECLSPEC_HIDDEN;
/* ---- fault.c ----------------------------------------------------------------------------- */

/* A page fault at addr (access: 0 read, 1 write, 8 execute) with stack pointer sp: what Wine's
 * signal handler raises (STATUS_SUCCESS: retry the access).  For STATUS_IN_PAGE_ERROR,
 * *io_status (when not NULL) receives the I/O status NT passes as its third parameter. */
NTSTATUS mmw_handle_fault( void *addr, int access, void *sp, ULONG_PTR *io_status ) DECLSPEC_HIDDEN;

/* ---- the Wine version's part (wine/<version>/) ---------------------------------------------- */

/* thread.c: the calling thread's stack must reach addr, or this is the first write of Wine's
 * thread-start stack clearing (see 8.0/thread.c): fills *stack for mm_handle_fault, with
 * MM_STACK_COMMIT_RESERVED when the fault may commit the stack.  FALSE: no stack rules. */
BOOL mmw_fault_stack( void *addr, void *sp, struct mm_stack *stack ) DECLSPEC_HIDDEN;
/* thread.c: the core moved the calling thread's StackLimit (after mmw_fault_stack) */
void mmw_fault_stack_done( void *addr, void *sp, const struct mm_stack *stack ) DECLSPEC_HIDDEN;
/* thread.c: undo Wine's thread-start stack clearing, if any, keeping what lies above sp (the
 * program's stack pointer; NULL or outside the stack: the one of its last system call).
 * Cheap when there is nothing to undo; never with the space lock held. */
void mmw_stack_fixup( void *sp ) DECLSPEC_HIDDEN;

/* views.c: the server's record of a view the core mapped (under the core's lock): a data view
 * of mapping with the access the call asked, or an image view (image: the server's description
 * of the mapping).  The server's status: an error unmaps the view again. */
unsigned int mmw_server_map_view( const struct mm_view *view, HANDLE mapping, ACCESS_MASK access,
                                  const mmw_image_info *image ) DECLSPEC_HIDDEN;
/* views.c: Wine's load order may put a builtin in place of the image a call maps (args: the
 * call's parameters, checked): STATUS_IMAGE_ALREADY_LOADED when the image itself is to be mapped,
 * else the builtin's mapping status (its address and size written to the caller's pointers). */
NTSTATUS mmw_load_builtin( const mmw_image_info *image, const struct mm_map_args *args ) DECLSPEC_HIDDEN;

/* module.c: NtQueryVirtualMemory(MemoryWineUnixFuncs / MemoryWineUnixWow64Funcs) */
NTSTATUS mmw_builtin_unix_funcs( void *module, BOOL wow, const void **funcs ) DECLSPEC_HIDDEN;

/* apc.c: calls on another process, through the server's APCs (their layout is the protocol's
 * of the Wine version); the parameters were checked as the core's entry points check them */
NTSTATUS mmw_remote_alloc( HANDLE process, const struct mm_alloc_args *args, BOOL ex, PVOID *ret,
                           SIZE_T *size_ptr ) DECLSPEC_HIDDEN;
NTSTATUS mmw_remote_free( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG type ) DECLSPEC_HIDDEN;
NTSTATUS mmw_remote_protect( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG new_prot,
                             ULONG *old_prot ) DECLSPEC_HIDDEN;
NTSTATUS mmw_remote_query( HANDLE process, LPCVOID addr, MEMORY_BASIC_INFORMATION *info, SIZE_T len,
                           SIZE_T *res_len ) DECLSPEC_HIDDEN;
NTSTATUS mmw_remote_lock( HANDLE process, PVOID *addr, SIZE_T *size, BOOL lock ) DECLSPEC_HIDDEN;
NTSTATUS mmw_remote_flush( HANDLE process, LPCVOID *addr_ptr, SIZE_T *size_ptr ) DECLSPEC_HIDDEN;
NTSTATUS mmw_remote_map( HANDLE handle, HANDLE process, const struct mm_map_args *args ) DECLSPEC_HIDDEN;
NTSTATUS mmw_remote_unmap( HANDLE process, PVOID addr, ULONG flags ) DECLSPEC_HIDDEN;

#endif /* NTDLL_MM_HOST_WINE_H */

/*
 * ntdll-mm: the host contract.
 *
 * The core (the files of dlls/ntdll-mm/ except host.c and section_object.c) implements NT's memory
 * manager for the current process.  What it cannot know by itself (which handle names which
 * object, how to read a caller's pointer safely, which signals must not interrupt it) it asks
 * its host through the host_* functions below.  Two hosts implement all of them:
 *   - the standalone host, dlls/ntdll-mm/host.c (+ section_object.c): a plain Linux process,
 *     its own handle table, NtClose, NtCreateSection/NtOpenSection/NtExtendSection, guarded
 *     user copies and a SIGSEGV/SIGBUS handler;
 *   - the Wine host, dlls/ntdll-mm/wine/: wineserver handles and mappings, Wine's own signal
 *     handling and exception dispatch.
 * The second half of this header is what the core offers its hosts: initialisation, fault
 * classification, section objects built from a file descriptor, and host-reserved areas.
 *
 * General rules for host_* functions:
 *   - They may be called from any thread, concurrently.
 *   - Unless said otherwise they are called WITHOUT mm.lock held and may block.  Those marked
 *     "under mm.lock" are called with it held (shared or exclusive): they must not call back
 *     into the core nor touch caller memory.
 *   - They never call mmap/munmap/mprotect on memory the core manages.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_HOST_H
#define NTDLL_MM_HOST_H

#include "mm_entry.h"
#include <stdint.h>
#include <stddef.h>
#include <string.h>

MM_HIDDEN_BEGIN

struct mm_section;

/* ==== what the host provides =============================================================== */

/* Objects behind handles.  A struct host_object is embedded (as the first member) in every
 * object the core gets from host_ref_handle; the core only reads 'type' and calls
 * host_addref/host_release on it.  Reference counting is the host's: host_release on the last
 * reference calls obj->destroy( obj ). */
enum host_type { HOST_FILE = 1, HOST_SECTION };
struct host_object
{
    LONG refs;                   /* handles (standalone), views and in-flight calls */
    LONG handles;                /* open handles (standalone host only, under its handle lock) */
    enum host_type type;
    void (*destroy)( struct host_object *obj );
    void (*last_handle)( struct host_object *obj );   /* optional: the last handle was closed (standalone) */
};

/* A referenced object for handle.  The core asks only for HOST_SECTION (the standalone
 * NtCreateSection in section_object.c also asks for HOST_FILE).  For HOST_SECTION, *obj is
 * mm_section_object() of a struct mm_section made by mm_section_create_from_fd (the host
 * may cache it: one struct mm_section per NT section object, so that views of one section
 * share its SEC_RESERVE commit state).  'needed' are the access rights the caller needs
 * (SECTION_MAP_READ / SECTION_MAP_WRITE / SECTION_MAP_EXECUTE / SECTION_QUERY /
 * SECTION_EXTEND_SIZE); *granted (when not NULL) receives the handle's rights.  Errors, as NT:
 * STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH (also for the current process/thread
 * pseudo-handles), STATUS_ACCESS_DENIED when the handle lacks any needed right.  The caller
 * drops the reference with host_release. */
NTSTATUS host_ref_handle( HANDLE handle, enum host_type type, ACCESS_MASK needed,
                          struct host_object **obj, ACCESS_MASK *granted );
/* Take / drop a reference.  May be called under mm.lock (views take and drop their section's
 * reference there): obj->destroy then runs under mm.lock too, so a destroy callback must not
 * take mm.lock or call into the core (closing descriptors and freeing is fine). */
void host_addref( struct host_object *obj );
void host_release( struct host_object *obj );

/* Does this handle name the calling process?  NtCurrentProcess() always does.  The core only
 * ever operates on the calling process: host_check_process returns STATUS_SUCCESS for it,
 * STATUS_INVALID_HANDLE (or the host's own error for a handle of the wrong type) otherwise.
 * The Wine host's exported Nt* forward other processes before calling the core, so in Wine
 * the core sees the current process only. */
int      host_is_current_process( HANDLE process );
NTSTATUS host_check_process( HANDLE process );

/* Does the caller hold SeLockMemoryPrivilege (MEM_LARGE_PAGES, SEC_LARGE_PAGES)? */
int  host_has_lock_memory_privilege( void );

/* How many pages the process may lock into its working set (NtLockVirtualMemory, MAP_PROCESS):
 * NT's quota is the minimum working set minus a small overhead, 30 pages by default, raised by
 * SetProcessWorkingSetSize(Ex).  (size_t)-1: no NT quota, only the kernel's RLIMIT_MEMLOCK
 * limits locking (its refusal is STATUS_WORKING_SET_QUOTA too).  Under mm.lock.
 * The standalone host keeps NT's default quota; inside Wine 8.0, kernelbase's
 * SetProcessWorkingSetSizeEx is a no-op that never reaches ntdll, so a program that raised
 * its working set would still be held to 30 pages: the core's default under NTDLL_MM_WINE (a
 * weak definition in misc.c, which a Wine host may replace) is "no NT quota". */
size_t host_lockable_pages( void );

/* Copy len bytes from / to caller ("user") memory.  A pointer NT's probe would refuse, or a
 * copy that faults, gives STATUS_ACCESS_VIOLATION and must not crash the process nor leave
 * any lock held (the core never calls these under mm.lock).  len may be 0 (success). */
NTSTATUS host_copy_from_user( void *dst, const void *src, size_t len );
NTSTATUS host_copy_to_user( void *dst, const void *src, size_t len );

/* The same for several copies, done in order under one recovery point: the first that faults
 * (or has a NULL user pointer) stops the batch with STATUS_ACCESS_VIOLATION, the copies before
 * it done, exactly as the same host_copy_* calls one after another would leave things.  One
 * recovery point instead of one per copy: in Wine a __TRY costs a setjmp saving the Windows
 * ABI's callee-saved registers, and NtProtectVirtualMemory makes nine such copies. */
struct mm_user_copy
{
    void       *dst;
    const void *src;
    size_t      len;
    int         to_user;  /* dst is the user's memory (else src is) */
};
NTSTATUS host_copy_user_many( const struct mm_user_copy *ops, unsigned int count );

/* the copies themselves, for a host's host_copy_user_many to run under its recovery point */
static inline NTSTATUS mm_run_user_copies( const struct mm_user_copy *ops, unsigned int count )
{
    for (unsigned int i = 0; i < count; i++)
    {
        if (!ops[i].len) continue;
        if (!(ops[i].to_user ? ops[i].dst : ops[i].src)) return STATUS_ACCESS_VIOLATION;
        memcpy( ops[i].dst, ops[i].src, ops[i].len );
    }
    return STATUS_SUCCESS;
}

/* Bracket every hold of mm.lock and every call of the core's heap (mm_malloc & co.):
 * host_lock_enter runs just before the core takes the lock (shared or exclusive) or enters
 * its heap, host_lock_leave just after it released it, on the same thread.  Brackets nest
 * (a heap call under mm.lock); the core never takes mm.lock twice on one thread.  Wine keeps
 * its server signals (SIGUSR1 & co.) and SIGQUIT out of the bracket (deferred to the end of
 * the outermost one), so that a signal handler running NT calls (an APC, a suspend) or ending
 * the thread never interrupts a thread that holds the lock or is inside the heap; the
 * standalone host does nothing.  Must be async-signal-safe: the core's fault classification
 * runs in signal handlers. */
void host_lock_enter( void );
void host_lock_leave( void );
/* In a fork()ed child: ends a bracket that the parent's thread began in a fork prepare
 * handler (the core holds its locks across fork), dropping what the host deferred for the
 * parent's thread instead of delivering it. */
void host_lock_forget( void );

/* fork(): the core's one pthread_atfork handler (virtual.c, registered when the library is
 * loaded) takes mm.lock, then calls host_fork( MM_FORK_PREPARE ): the host takes the locks of
 * its own that NT calls use, in its order, after mm.lock; then the core's heap lock is taken.
 * After the fork, MM_FORK_PARENT releases them in the parent and MM_FORK_CHILD makes them anew
 * in the child (a thread that held one does not exist there).  Called under mm.lock. */
enum mm_fork_phase { MM_FORK_PREPARE, MM_FORK_PARENT, MM_FORK_CHILD };
void host_fork( enum mm_fork_phase phase );

/* Called once, from the core's initialisation (mm_ensure_init), after the kernel probe and
 * before the address space is read: the host installs what it needs (the standalone host
 * its SIGSEGV/SIGBUS handler).  A failure makes every NT call fail with that status.  It must
 * not call into the core (the initialisation is still running: a core call would wait for it
 * forever); register reserved areas after mm_ensure_init has returned. */
NTSTATUS host_init( void );

/* ---- standalone host only (host.c, section_object.c); the Wine host does not implement
 * these ------------------------------------------------------------------------------------ */
#ifndef NTDLL_MM_WINE
struct host_file
{
    struct host_object obj;
    int fd;
    char *path;                  /* absolute Unix path, for MemoryMappedFilenameInformation */
};
NTSTATUS host_alloc_handle( struct host_object *obj, ACCESS_MASK access, HANDLE *handle );
/* fork(): section_object.c's name list lock, for host_fork */
void section_names_fork( enum mm_fork_phase phase );
#endif

/* ==== what the core provides to hosts ====================================================== */

/* The core's heap (pool.c), for everything the core and the hosts allocate on the paths of NT
 * calls: never the C library's malloc, which an NT call run from a signal handler (Wine's
 * system APCs in a suspended or busy thread) may have interrupted.  Same contracts as
 * malloc/calloc/realloc/free; any thread, with or without mm.lock; memory from one is freed
 * by mm_free only. */
void *mm_malloc( size_t size );
void *mm_calloc( size_t count, size_t size );
void *mm_realloc( void *ptr, size_t size );
void  mm_free( void *ptr );
char *mm_strdup( const char *str );

/* Initialise the core once (kernel probe, host_init, foreign mappings); idempotent and
 * thread-safe.  Every mm_Nt* entry point calls it. */
NTSTATUS mm_ensure_init( void );

/* ---- faults ------------------------------------------------------------------------------
 * A host hands every SIGSEGV it cannot explain to mm_classify_fault and every SIGBUS to
 * mm_classify_bus_fault, from the signal handler of the faulting thread (the core takes
 * mm.lock there, which is safe: no thread touches caller memory while holding it). */
enum mm_fault_result
{
    MM_FAULT_RETRY,              /* handled: run the faulting instruction again */
    MM_FAULT_RAISE,              /* raise fault->code with its parameters */
    MM_FAULT_UNKNOWN,            /* the core cannot tell (not its memory, or not initialised) */
};
struct mm_fault
{
    NTSTATUS  code;              /* STATUS_ACCESS_VIOLATION, STATUS_GUARD_PAGE_VIOLATION,
                                    STATUS_STACK_OVERFLOW, STATUS_IN_PAGE_ERROR */
    ULONG_PTR info[3];           /* EXCEPTION_RECORD.ExceptionInformation */
    ULONG     ninfo;
};
/* access: 0 read, 1 write, 8 execute (NT's ExceptionInformation[0]) */
enum mm_fault_result mm_classify_fault( void *addr, int access, struct mm_fault *fault );
/* SIGBUS: MM_FAULT_RAISE with STATUS_IN_PAGE_ERROR for a view whose file no longer covers the
 * page (truncated under it), else MM_FAULT_UNKNOWN.  Never blocks (a try-lock). */
enum mm_fault_result mm_classify_bus_fault( void *addr, int access, struct mm_fault *fault );

/* ---- section objects ---------------------------------------------------------------------
 * The core's section object: what views map, its size, protection and image layout.  Hosts
 * own names, handles and the NT object around it. */

/* Make a section from a descriptor; takes ownership of fd (a dup the caller made), also on
 * failure.  sec_flags: one of SEC_COMMIT / SEC_RESERVE / SEC_IMAGE, plus SEC_FILE when fd is
 * a file (else fd is the host's anonymous backing, or -1: the core makes a memfd of 'size'
 * bytes, or a hugetlb one with SEC_LARGE_PAGES), plus SEC_NOCACHE / SEC_WRITECOMBINE /
 * SEC_LARGE_PAGES.  protect: the section's page protection (PAGE_*), which limits its views.
 * size: bytes (SEC_FILE: 0 means the file's size; a larger size grows the file when writable,
 * else STATUS_SECTION_TOO_BIG).  writable: fd may be written through (views with
 * PAGE_READWRITE / PAGE_EXECUTE_READWRITE need it).  SEC_IMAGE: fd is the PE file, the core
 * validates and lays the image out itself (size ignored; STATUS_INVALID_IMAGE_FORMAT &c. as
 * NtCreateSection).  unix_path (may be NULL) is copied, for MemoryMappedFilenameInformation.
 * On success *ret holds one reference (host_release( mm_section_object( s ) ) drops it); when
 * the last one goes the destroy hook runs, then the section is freed. */
NTSTATUS mm_section_create_from_fd( int fd, ULONG sec_flags, ULONG protect, uint64_t size,
                                    int writable, const char *unix_path, struct mm_section **ret );
/* SEC_IMAGE sections: fd (the host's; the core owns it from now on, and closes the one it had)
 * holds the pages of the image's writable IMAGE_SCN_MEM_SHARED sections, one after another in
 * section order, each rounded up to pages (wineserver's shared file for the image).  Views map
 * those sections from it, shared (PAGE_READWRITE), instead of copy-on-write.  Without it, the
 * core's own copy made when the section was created serves: shared by the views of this
 * section object only.  Call before the section is shared. */
void mm_section_set_shared_fd( struct mm_section *s, int fd );
/* Called once when the last reference goes, before the section is freed (possibly under
 * mm.lock: see host_release).  The Wine host drops the section from its cache here; the
 * standalone host drops its name.  Set it before the section is shared. */
void mm_section_set_destroy_hook( struct mm_section *s, void (*hook)( struct mm_section *, void * ), void *ctx );
/* SEC_IMAGE sections: the SECTION_IMAGE_INFORMATION NtQuerySection reports (TransferAddress
 * at the preferred base); STATUS_SECTION_NOT_IMAGE otherwise. */
NTSTATUS mm_section_image_info( struct mm_section *s, SECTION_IMAGE_INFORMATION *info );
/* current size in bytes (a SEC_IMAGE section: the image size).  Takes mm.lock shared (the size
 * of a file-backed section can grow): not from a destroy hook. */
uint64_t mm_section_size( struct mm_section *s );
/* SEC_* attributes as NtQuerySection reports them: SEC_IMAGE|SEC_FILE for images, SEC_FILE
 * (| SEC_NOCACHE / SEC_WRITECOMBINE) for files, else SEC_COMMIT or SEC_RESERVE (| ...) */
ULONG    mm_section_flags( struct mm_section *s );
/* The rights a view with page protection 'protect' needs on its section handle (SECTION_MAP_READ,
 * _WRITE, _EXECUTE); STATUS_INVALID_PAGE_PROTECTION for a protection no view can have. */
NTSTATUS mm_view_access( ULONG protect, ACCESS_MASK *access );
/* preferred base of an image section (OptionalHeader.ImageBase), 0 for data sections */
uintptr_t mm_section_image_base( struct mm_section *s );
/* NtExtendSection's work: grow a file-backed section to *size (never shrinks) and return its
 * size in *size.  STATUS_SECTION_NOT_EXTENDED for images, pagefile-backed or read-only ones.
 * Takes mm.lock exclusive. */
NTSTATUS mm_section_extend( struct mm_section *s, uint64_t *size );
/* the host object embedded in a section, and back */
struct host_object *mm_section_object( struct mm_section *s );
struct mm_section *mm_section_from_object( struct host_object *obj );

/* ---- host-reserved areas -----------------------------------------------------------------
 * [start, end) (64K aligned) is already mapped by the host PROT_NONE, MAP_PRIVATE |
 * MAP_ANONYMOUS | MAP_NORESERVE (Wine's preloader reserves the low 2 GB and the top of the
 * address space this way so that nothing else lands there).  For NT it is free address space:
 * allocations and views may be placed there (mapped MAP_FIXED over the reservation), and
 * releasing them puts the PROT_NONE MAP_NORESERVE reservation back instead of unmapping.  The
 * reservation's mappings are neither foreign memory for the gap search nor a mismatch for the
 * invariant checker.  Outside reserved areas nothing changes (MAP_FIXED_NOREPLACE: memory the
 * core did not make is never replaced).
 * mm_remove_reserved_area forgets [start, end): allocations and views inside stay, free parts
 * become foreign memory (still mapped: the host unmaps them if it wants).  Both initialise the
 * core if needed and take mm.lock exclusive; STATUS_INVALID_PARAMETER for a misaligned or
 * empty range, STATUS_NO_MEMORY. */
NTSTATUS mm_add_reserved_area( uintptr_t start, uintptr_t end );
NTSTATUS mm_remove_reserved_area( uintptr_t start, uintptr_t end );

/* Does anything besides the core map inside the host's reserved areas?  0 (the standalone
 * host: the program may): before mapping over the reservation the core reads the kernel's map
 * (PROCMAP_QUERY) and refuses, STATUS_CONFLICTING_ADDRESSES, if somebody else's mapping is
 * there.  1 (Wine: the preloader's ranges are only ever mapped by the memory manager, which
 * virtual.c relies on too): the core trusts its tree and maps over the reservation directly,
 * one system call less per allocation or view there (0.5-0.8 us of a 7 us VirtualAlloc +
 * VirtualFree).  Asked when an area is registered. */
int host_owns_reserved_areas( void );

MM_HIDDEN_END

#endif /* NTDLL_MM_HOST_H */

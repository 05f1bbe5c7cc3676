/*
 * ntdll-mm: the host contract, both ways.
 *
 * The core (dlls/ntdll-mm/core/, on its OS layer dlls/ntdll-mm/os/) implements NT's memory
 * manager for the current process.  A host puts it in a process: it owns handles, names,
 * other processes, signals and threads.  This header is the whole interface between them:
 *   - what a host provides (host_*): the core calls these, and nothing else of its host;
 *   - what the core offers hosts (mm_*, and the mm_Nt* entry points of mm_entry.h inside Wine):
 *     a host calls these, and nothing else of the core.  Host files cannot include the core's
 *     headers or the OS layer's (they stop the build with an #error outside the core).
 * Two hosts implement it: the standalone host (dlls/ntdll-mm/standalone/: a plain Linux process,
 * libntdll-mm) and the Wine host (dlls/ntdll-mm/wine/: Wine's ntdll.so).  docs/design.md
 * ("Hosts") says how to add one.
 *
 * General rules for host_* functions:
 *   - They may be called from any thread, concurrently.
 *   - Unless said otherwise they are called WITHOUT the space lock (the core's one lock) and may
 *     block.  Those marked "under the lock" are called with it held (shared or exclusive): they
 *     must not call back into the core nor touch caller memory.
 *   - They never call mmap/munmap/mprotect on memory the core manages.
 * General rules for mm_* functions: any thread; never with the space lock held (a host function
 * called "under the lock" must not call them), except the heap's and mm_section_* accessors
 * marked lock-free.
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

/* NT's page and allocation granularity on x86 */
#define MM_PAGE_SHIFT   12
#define MM_PAGE_SIZE    ((size_t)1 << MM_PAGE_SHIFT)
#define MM_PAGE_MASK    (MM_PAGE_SIZE - 1)
#define MM_GRANULARITY  ((size_t)0x10000)
#define MM_GRAN_MASK    (MM_GRANULARITY - 1)

static inline uintptr_t mm_round_down( uintptr_t v, size_t mask ) { return v & ~(uintptr_t)mask; }
static inline uintptr_t mm_round_up( uintptr_t v, size_t mask ) { return (v + mask) & ~(uintptr_t)mask; }

struct mm_section;

/* ==== what the host provides =============================================================== */

/* ---- objects behind handles ---------------------------------------------------------------
 * A struct host_object is embedded (as the first member) in every section object of the core
 * (mm_section_object), so that a host can keep sections behind its handles beside objects of
 * its own; the core marks its sections HOST_SECTION and calls host_addref/host_release on
 * them.  Reference counting is the host's: host_release on the last reference calls
 * obj->destroy.  Section handles are the host's alone: a host resolves one to a core section
 * (one struct mm_section per NT section object, so that views of one section share its
 * SEC_RESERVE commit state) and maps it with mm_map_section. */
enum host_type { HOST_FILE = 1, HOST_SECTION };
struct host_object
{
    LONG refs;                   /* handles (standalone), views and in-flight calls */
    LONG handles;                /* open handles (standalone host only, under its handle lock) */
    enum host_type type;
    void (*destroy)( struct host_object *obj );
    void (*last_handle)( struct host_object *obj );   /* optional: the last handle was closed (standalone) */
};

/* Take / drop a reference.  May be called under the lock (views take and drop their section's
 * reference there): obj->destroy then runs under the lock too, so a destroy callback must not
 * call into the core (closing descriptors and freeing is fine). */
void host_addref( struct host_object *obj );
void host_release( struct host_object *obj );

/* NtQuerySection: what the section behind handle is, as NT reports it (the core checks the
 * class, the lengths and the buffer, then asks).  Errors, as NT: STATUS_INVALID_HANDLE,
 * STATUS_OBJECT_TYPE_MISMATCH (also for the current process/thread pseudo-handles),
 * STATUS_ACCESS_DENIED for a handle without SECTION_QUERY.  The standalone host answers from its core section
 * (mm_section_describe); Wine from wineserver's description of the mapping. */
struct mm_section_desc
{
    ULONG    attributes;         /* SectionBasicInformation.Attributes (SEC_*) */
    uint64_t size;               /* SectionBasicInformation.Size: images report their file's size */
    int      is_image;
    SECTION_IMAGE_INFORMATION image;   /* SEC_IMAGE: SectionImageInformation */
};
NTSTATUS host_query_section( HANDLE handle, struct mm_section_desc *desc );

/* ---- the process ------------------------------------------------------------------------ */

/* Does this handle name the calling process?  NtCurrentProcess() always does.  The core only
 * ever operates on the calling process: host_check_process returns STATUS_SUCCESS for it,
 * STATUS_INVALID_HANDLE (or the host's own error for a handle of the wrong type) otherwise.
 * The Wine host's exported Nt* forward other processes before calling the core. */
int      host_is_current_process( HANDLE process );
NTSTATUS host_check_process( HANDLE process );

/* Does the caller hold SeLockMemoryPrivilege (MEM_LARGE_PAGES, SEC_LARGE_PAGES,
 * NtLockVirtualMemory's MAP_SYSTEM)? */
int  host_has_lock_memory_privilege( void );

/* How many pages the process may lock into its working set (NtLockVirtualMemory, MAP_PROCESS):
 * NT's quota is the minimum working set minus a small overhead, 30 pages by default, raised by
 * SetProcessWorkingSetSize(Ex).  (size_t)-1: no NT quota, only the kernel's RLIMIT_MEMLOCK
 * limits locking (its refusal is STATUS_WORKING_SET_QUOTA too).  Under the lock. */
size_t host_lockable_pages( void );

/* ---- caller memory ---------------------------------------------------------------------- */

/* Copy len bytes from / to caller ("user") memory.  A pointer NT's probe would refuse, or a
 * copy that faults, gives STATUS_ACCESS_VIOLATION and must not crash the process nor leave
 * any lock held (the core never calls these under the lock).  len may be 0 (success). */
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

/* ---- signals, threads, fork ---------------------------------------------------------------- */

/* Bracket every hold of the space lock and every call of the core's heap (mm_malloc & co.):
 * host_lock_enter runs just before the core takes the lock (shared or exclusive) or enters
 * its heap, host_lock_leave just after it released it, on the same thread.  Brackets nest
 * (a heap call under the lock); the core never takes the lock twice on one thread.  Wine keeps
 * its server signals (SIGUSR1 & co.) and SIGQUIT out of the bracket (deferred to the end of
 * the outermost one), so that a signal handler running NT calls (an APC, a suspend) or ending
 * the thread never interrupts a thread that holds the lock or is inside the heap; the
 * standalone host does nothing.  Must be async-signal-safe: faults run in signal handlers. */
void host_lock_enter( void );
void host_lock_leave( void );
/* In a fork()ed child: ends a bracket that the parent's thread began in a fork prepare
 * handler (the core holds its locks across fork), dropping what the host deferred for the
 * parent's thread instead of delivering it. */
void host_lock_forget( void );

/* fork(): the core's one pthread_atfork handler (core/init.c, registered when the library is
 * loaded) takes the space lock, then calls host_fork( MM_FORK_PREPARE ): the host takes the
 * locks of its own that NT calls use, in its order, after the space lock; then the core's heap
 * lock is taken.  After the fork, MM_FORK_PARENT releases them in the parent and MM_FORK_CHILD
 * makes them anew in the child (a thread that held one does not exist there).  Under the lock. */
enum mm_fork_phase { MM_FORK_PREPARE, MM_FORK_PARENT, MM_FORK_CHILD };
void host_fork( enum mm_fork_phase phase );

/* A thread's NT stack, as its TEB describes it: the reservation [deallocation, base), committed
 * from limit up, guard pages below. */
struct mm_stack
{
    void *deallocation;          /* DeallocationStack */
    void *limit;                 /* StackLimit: the lowest committed byte; the core moves it */
    void *base;                  /* StackBase (exclusive) */
    unsigned int flags;          /* MM_STACK_* */
};
/* a fault in the reserved part [deallocation, limit) commits the stack down to it, as NT's
 * kernel does for the frames it builds itself (Wine: its unix side writes frames below the
 * program's stack pointer, and its __chkstk does not probe page by page) */
#define MM_STACK_COMMIT_RESERVED 0x1
/* The calling thread's NT stack, if it has one (non-zero return).  NT moves StackLimit up when
 * a guard page is set in the committed part of the thread's own stack (ntdll's virtual test,
 * test_stack_growth_thread): the core asks here when a call sets PAGE_GUARD, and gives the new
 * limit back with host_set_stack_limit.  Under the lock (a TLS or TEB read only). */
int  host_thread_stack( struct mm_stack *stack );
void host_set_stack_limit( void *limit );

/* Called once, from the core's initialisation (mm_ensure_init), after the kernel probe and
 * before the address space is read: the host installs what it needs (the standalone host
 * its SIGSEGV/SIGBUS handler).  A failure makes every NT call fail with that status.  It must
 * not call into the core (the initialisation is still running: a core call would wait for it
 * forever); register reserved areas after mm_ensure_init has returned. */
NTSTATUS host_init( void );

/* Does anything besides the core map inside the host's reserved areas?  0 (the standalone
 * host: the program may): before mapping over the reservation the core reads the kernel's map
 * and refuses, STATUS_CONFLICTING_ADDRESSES, if somebody else's mapping is there.  1 (Wine:
 * the preloader's ranges are only ever mapped by the memory manager, which virtual.c relies
 * on too): the core trusts its tree and maps over the reservation directly, one system call
 * less per allocation or view there.  Asked when an area is registered. */
int host_owns_reserved_areas( void );

/* ---- views ------------------------------------------------------------------------------- *
 * The core tells its host about views as they come and go, under the lock exclusive, so that
 * a host keeping its own record (wineserver's view list, which the server builds module lists,
 * debug events and get_mapping_filename from) sees every view exactly when it exists: no
 * other thread can unmap or reuse the range in between.  The hooks may talk to a server; they
 * must not call into the core. */
struct mm_view
{
    void      *base;
    SIZE_T     size;
    uint64_t   offset;           /* of base in the section (images: 0) */
    ULONG      sec_flags;        /* mm_section_flags() of its section */
    ULONG      protect;          /* the protection it was mapped with */
    struct mm_section *section;
};
/* A view was mapped.  ctx: what the host passed to mm_map_section.  An error status (not NT_SUCCESS) unmaps the view again
 * and fails the call with that status; success statuses are all the same to the core. */
NTSTATUS host_view_mapped( const struct mm_view *view, void *ctx );
/* A view is being unmapped (or turned back into a placeholder). */
void host_view_unmapped( const struct mm_view *view );
/* Pages [offset, offset + size) of a view of a SEC_RESERVE section were committed by a call
 * in this process (NT commits them in every view at once; the core does so in this process). */
void host_view_committed( const struct mm_view *view, SIZE_T offset, SIZE_T size );

/* ==== what the core provides to hosts ====================================================== */

/* Initialise the core once (kernel probe, host_init, foreign mappings); idempotent and
 * thread-safe.  Every mm_Nt* entry point calls it. */
NTSTATUS mm_ensure_init( void );

/* The core's heap (core/heap.c), for everything the core and the hosts allocate on the paths
 * of NT calls: never the C library's malloc, which an NT call run from a signal handler
 * (Wine's system APCs in a suspended or busy thread) may have interrupted.  Same contracts
 * as malloc/calloc/realloc/free; any thread, with or without the lock; memory from one is
 * freed by mm_free only. */
void *mm_malloc( size_t size );
void *mm_calloc( size_t count, size_t size );
void *mm_realloc( void *ptr, size_t size );
void  mm_free( void *ptr );
char *mm_strdup( const char *str );

/* ---- faults --------------------------------------------------------------------------------
 * A host hands every SIGSEGV it cannot explain to mm_handle_fault and every SIGBUS to
 * mm_handle_bus_fault, from the signal handler of the faulting thread, once: the core decides
 * everything NT's page-fault handler decides (write-watch first writes, guard pages, stack
 * growth, the stack limit, overflows).  Safe in a signal handler: the faulting thread never
 * holds the lock while touching caller memory. */
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
    unsigned int flags;          /* MM_FAULT_* */
};
/* the faulting page is a reserved page of a view of a SEC_RESERVE section: another process
 * may have committed it (NT commits a section's pages in every view at once) */
#define MM_FAULT_RESERVED_VIEW 0x1
/* access: 0 read, 1 write, 8 execute (NT's ExceptionInformation[0]).  stack: the faulting
 * thread's NT stack when the fault may be on it (NULL: no stack rules, e.g. a fault on a
 * signal stack); the core moves stack->limit as the stack grows.  MM_FAULT_RAISE with
 * STATUS_STACK_OVERFLOW when no page is left for a new guard page. */
enum mm_fault_result mm_handle_fault( void *addr, int access, struct mm_stack *stack, struct mm_fault *fault );
/* SIGBUS: MM_FAULT_RAISE with STATUS_IN_PAGE_ERROR for a view whose file no longer covers the
 * page (truncated under it), else MM_FAULT_UNKNOWN.  Never blocks (a try-lock). */
enum mm_fault_result mm_handle_bus_fault( void *addr, int access, struct mm_fault *fault );

/* ---- program memory touched on the program's behalf ----------------------------------------- */

/* Copy from [addr, addr+size) page by page while the program could read it (committed, not a
 * guard page, readable; only memory NT can see), without ever faulting: the bytes copied. */
SIZE_T   mm_read_checked( const void *addr, void *buffer, SIZE_T size );
/* Copy into [addr, addr+size) if the program could write every page of it, without faulting
 * (a write watch records it); STATUS_INVALID_USER_BUFFER otherwise, nothing written. */
NTSTATUS mm_write_checked( void *addr, const void *buffer, SIZE_T size );
/* The kernel is about to write into program buffers for the program (read(), recvmsg(), a
 * server reply): fn( ctx ) runs under the lock exclusive once every range can be written
 * without a fault (a write-watched page of the fallback engine: the write recorded and the
 * page made writable, and kept so until fn returns).  allow_foreign: memory the core did not
 * make counts when the kernel maps it writable.  STATUS_INVALID_USER_BUFFER (fn not run) if a
 * page cannot be written.  fn must not call into the core. */
struct mm_range
{
    void   *addr;
    SIZE_T  size;
};
NTSTATUS mm_kernel_write( const struct mm_range *ranges, unsigned int count, int allow_foreign,
                          void (*fn)( void *ctx ), void *ctx );
/* Is [addr, addr+size) inside one allocation or view of the core's? */
int      mm_is_own_range( const void *addr, SIZE_T size );
/* [addr, addr+size), committed private memory of the core's, is backed from now on by fd at
 * offset, shared (a page a server keeps up to date: Wine's KUSER_SHARED_DATA); for NT it stays
 * the private memory it was, with its protection. */
NTSTATUS mm_map_host_file( void *addr, SIZE_T size, int fd, uint64_t offset );

/* ---- calls forwarded to another process ---------------------------------------------------
 * A host that runs NT calls in other processes checks their parameters here first: the same
 * checks, in NT's order, as the core's own entry points make before they look at the process
 * handle (then the target process makes the rest). */
struct mm_alloc_args
{
    uintptr_t addr;              /* *BaseAddress */
    SIZE_T    size;              /* *RegionSize */
    ULONG_PTR zero_bits;
    ULONG     type, protect;
    uintptr_t lowest, limit;     /* NtAllocateVirtualMemoryEx's address requirements (0: none) */
    size_t    align_mask;
    int       have_req;          /* a MemExtendedParameterAddressRequirements was given */
};
NTSTATUS mm_alloc_args_fetch( struct mm_alloc_args *args, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG_PTR zero_bits,
                              ULONG type, ULONG protect, const MEM_EXTENDED_PARAMETER *params, ULONG count,
                              int ex );

/* ---- views for hosts ----------------------------------------------------------------------
 * A host builds NtMapViewOfSection(Ex) and NtUnmapViewOfSection(Ex) on these: fetch and check
 * the parameters, check the process, mm_map_args_check, resolve the section handle with the
 * access args->access, then mm_map_section; mm_unmap_view.  The checks are the same for a call
 * forwarded to another process, which stops after mm_map_args_fetch. */

struct mm_map_args
{
    /* NtMapViewOfSection(Ex)'s parameters, read from the caller */
    uintptr_t addr;              /* *BaseAddress */
    SIZE_T    size;              /* *ViewSize */
    uint64_t  offset;            /* *SectionOffset (0 without one) */
    SIZE_T    commit_size;
    ULONG_PTR zero_bits;
    ULONG     alloc_type, protect;
    USHORT    machine;           /* MemExtendedParameterImageMachine (0: none) */
    /* derived */
    uintptr_t lowest, limit;     /* placement window (zero_bits, address requirements; 0: none) */
    ACCESS_MASK access;          /* the rights the section handle needs for this protection */
    /* the caller's pointers, where mm_map_section writes the results */
    PVOID    *addr_ptr;
    SIZE_T   *size_ptr;
};
/* Read and check NtMapViewOfSection(Ex)'s parameters, the checks NT makes before it looks at
 * the process (ex: NtMapViewOfSectionEx, with params/count; zero_bits and commit_size then 0).
 * The first failing check's status, as NT. */
NTSTATUS mm_map_args_fetch( struct mm_map_args *args, PVOID *addr_ptr, ULONG_PTR zero_bits, SIZE_T commit_size,
                            const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr, ULONG alloc_type, ULONG protect,
                            const MEM_EXTENDED_PARAMETER *params, ULONG count, int ex );
/* The checks after the process handle, for a view in this process: the address inside the
 * user range, a protection a view can have (sets args->access). */
NTSTATUS mm_map_args_check( struct mm_map_args *args );
/* Map a view of s as args say, call host_view_mapped( view, ctx ) for it under the lock, and
 * write its address and size to the caller's pointers.  STATUS_IMAGE_NOT_AT_BASE (success) for
 * an image mapped away from its preferred base.  The section reference stays the caller's. */
NTSTATUS mm_map_section( struct mm_section *s, struct mm_map_args *args, void *ctx );
/* Unmap the view holding addr (NtUnmapViewOfSectionEx's flags), after host_view_unmapped;
 * *gone (when not NULL) describes the view that went.  STATUS_NOT_MAPPED_VIEW if none. */
NTSTATUS mm_unmap_view( void *addr, ULONG flags, struct mm_view *gone );
/* Pages [offset, offset + size) of a view of a SEC_RESERVE section (as mm_view_at described it)
 * were committed elsewhere, as the host learned from another process: commit those still
 * reserved in every view of the section here, each with its own protection, without telling
 * host_view_committed.  STATUS_NOT_MAPPED_VIEW if that view is gone meanwhile. */
NTSTATUS mm_view_sync_commit( const struct mm_view *view, SIZE_T offset, SIZE_T size );
/* The view holding addr: 1 and *view filled, else 0.  Cheap (a tree lookup). */
int      mm_view_at( const void *addr, struct mm_view *view );
/* How many views of SEC_RESERVE sections exist: a host syncing such commits with other
 * processes has nothing to do while it is 0.  Lock-free. */
unsigned int mm_reserve_view_count( void );

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
/* Called once when the last reference goes, before the section is freed (possibly under the
 * lock: see host_release).  The Wine host drops the section from its cache here; the
 * standalone host drops its name.  Set it before the section is shared. */
void mm_section_set_destroy_hook( struct mm_section *s, void (*hook)( struct mm_section *, void * ), void *ctx );
/* NtQuerySection's answer for a core section (host_query_section of a host whose sections are
 * the core's).  Takes the lock shared (a file-backed section's size can grow). */
void mm_section_describe( struct mm_section *s, struct mm_section_desc *desc );
/* current size in bytes (a SEC_IMAGE section: the image size).  Takes the lock shared. */
uint64_t mm_section_size( struct mm_section *s );
/* SEC_* attributes as NtQuerySection reports them: SEC_IMAGE|SEC_FILE for images, SEC_FILE
 * (| SEC_NOCACHE / SEC_WRITECOMBINE) for files, else SEC_COMMIT or SEC_RESERVE (| ...).
 * Lock-free. */
ULONG    mm_section_flags( struct mm_section *s );
/* The rights a view with page protection 'protect' needs on its section handle (SECTION_MAP_READ,
 * _WRITE, _EXECUTE); STATUS_INVALID_PAGE_PROTECTION for a protection no view can have. */
NTSTATUS mm_view_access( ULONG protect, ACCESS_MASK *access );
/* NtExtendSection's work: grow a file-backed section to *size (never shrinks) and return its
 * size in *size.  STATUS_SECTION_NOT_EXTENDED for images, pagefile-backed or read-only ones.
 * Takes the lock exclusive. */
NTSTATUS mm_section_extend( struct mm_section *s, uint64_t *size );
/* the host object embedded in a section, and back */
struct host_object *mm_section_object( struct mm_section *s );
struct mm_section *mm_section_from_object( struct host_object *obj );

/* ---- host-reserved areas -----------------------------------------------------------------
 * [start, end) (page aligned) is already mapped by the host PROT_NONE, MAP_PRIVATE |
 * MAP_ANONYMOUS | MAP_NORESERVE (Wine's preloader reserves the low 2 GB and the top of the
 * address space this way so that nothing else lands there).  For NT it is free address space:
 * allocations and views may be placed there (mapped MAP_FIXED over the reservation), and
 * releasing them puts the PROT_NONE MAP_NORESERVE reservation back instead of unmapping.  The
 * reservation's mappings are neither foreign memory for the gap search nor a mismatch for the
 * invariant checker.  Outside reserved areas nothing changes (MAP_FIXED_NOREPLACE: memory the
 * core did not make is never replaced).
 * mm_remove_reserved_area forgets [start, end): allocations and views inside stay, free parts
 * become foreign memory (still mapped: the host unmaps them if it wants).  Both initialise the
 * core if needed and take the lock exclusive; STATUS_INVALID_PARAMETER for a misaligned or
 * empty range, STATUS_NO_MEMORY.
 * mm_claim_reserved_areas registers the pieces of [start, end) that are such a reservation now
 * (a host that is not sure every part of a range is still reserved: the preloader may have
 * given parts up); holes and other mappings stay as they are. */
NTSTATUS mm_add_reserved_area( uintptr_t start, uintptr_t end );
NTSTATUS mm_remove_reserved_area( uintptr_t start, uintptr_t end );
NTSTATUS mm_claim_reserved_areas( uintptr_t start, uintptr_t end );

MM_HIDDEN_END

#endif /* NTDLL_MM_HOST_H */

/*
 * ntdll-mm inside Wine 10.0: TEBs, the PEB and thread stacks, as Wine 10.0's unix side lays them
 * out.
 *
 * Layout (what Wine's unix side relies on, kept as it is):
 * - Every thread owns one 64K block: its TEB at the start (64-bit TEB, then the 32-bit TEB at
 *   teb_offset), the rest is the thread's signal stack (get_signal_stack() finds it by rounding
 *   the TEB address down to 64K).  Blocks come from 2 MB (32 block) reservations, handed out
 *   from the top: the first one below 2 GB (top-down), also holding the PEB (block 31); later
 *   ones below user_space_wow_limit for a wow64 process (its 32-bit TEBs must be addressable),
 *   anywhere otherwise, as Wine 10.0's virtual.c places them.  They are ordinary private NT
 *   allocations, visible to VirtualQuery as on Windows.
 * - A thread stack is one private allocation [DeallocationStack, StackBase), laid out as NT
 *   does: the top commit_size bytes committed read-write (StackLimit is their start), one
 *   guard page below them, the rest reserved (Wine's own virtual.c commits it all).  Wine
 *   10.0 asks for the unix side's "kernel stack" (the pthread stack on which its system calls
 *   run) separately, above 4 GB and without a guard page: that one is committed whole, the
 *   unix side cannot grow a stack through faults.
 * - The stack grows as on NT: touching the guard page commits it and makes the page below the
 *   new guard (the core decides, from the stack virtual_handle_fault passes with the fault);
 *   StackLimit follows, and STATUS_STACK_OVERFLOW comes when the guard reaches the page above
 *   the bottom.
 * - Where Wine differs from NT: its ntdll's __chkstk does not probe page by page (Wine always
 *   committed whole stacks), and its unix side writes frames below the program's stack pointer
 *   (exceptions, APCs, user callbacks).  So any fault in the reserved part of the thread's own
 *   stack commits it down to the faulting page (MM_STACK_COMMIT_RESERVED) instead of being an
 *   access violation, as NT's kernel does for the frames it builds itself.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <string.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

#define TEB_BLOCK_SIZE   ((SIZE_T)signal_stack_mask + 1)    /* 64K: TEB + signal stack */
#define TEB_BLOCKS       32                                  /* blocks per reservation */

static pthread_mutex_t teb_mutex = PTHREAD_MUTEX_INITIALIZER;
static char *teb_area;           /* current reservation of TEB blocks */
static unsigned int teb_area_next;   /* blocks of it not handed out yet (taken from the top) */
static void *free_tebs;          /* freed blocks, linked through their first pointer */
static struct list all_tebs = LIST_INIT( all_tebs );

/* below 2 GB, so that the 32-bit TEB of a wow64 thread is addressable */
static const ULONG_PTR teb_zero_bits = 0x7fffffff;

/* Wine 10.0: the highest address of a wow64 process's 32-bit side (virtual.c defines it; the
 * unix loader and thread.c read it).  0 in a 64-bit process. */
ULONG_PTR user_space_wow_limit = 0;

static struct ntdll_thread_data *thread_data_of( TEB *teb )
{
    return (struct ntdll_thread_data *)&teb->GdiTebBatch;
}

/* Fill in a zeroed 64K block's TEB(s) and add it to the list of TEBs. */
static TEB *setup_teb( void *block, BOOL wow )
{
    TEB64 *teb64 = block;
    TEB32 *teb32 = (TEB32 *)((char *)block + teb_offset);
    TEB *teb = (TEB *)teb64;
    struct ntdll_thread_data *data;

    /* the 32-bit TEB: a wow64 thread runs on it, and NT keeps it for every thread */
    teb32->Tib.Self = PtrToUlong( &teb32->Tib );
    teb32->Tib.ExceptionList = ~0u;
    teb32->Peb = PtrToUlong( (char *)peb + MM_PAGE_SIZE );
    teb32->ActivationContextStackPointer = PtrToUlong( &teb32->ActivationContextStack );
    teb32->ActivationContextStack.FrameListCache.Flink = PtrToUlong( &teb32->ActivationContextStack.FrameListCache );
    teb32->ActivationContextStack.FrameListCache.Blink = PtrToUlong( &teb32->ActivationContextStack.FrameListCache );
    teb32->StaticUnicodeString.Buffer = PtrToUlong( teb32->StaticUnicodeBuffer );
    teb32->StaticUnicodeString.MaximumLength = sizeof(teb32->StaticUnicodeBuffer);
    teb32->GdiBatchCount = PtrToUlong( teb64 );
    teb32->WowTebOffset = -teb_offset;
    if (wow) teb64->WowTebOffset = teb_offset;

    /* the 64-bit TEB's ExceptionList stays NULL (Wine 10.0's init_teb sets only the 32-bit one) */
    teb->Tib.Self = &teb->Tib;
    teb->Tib.StackBase = (void *)~(ULONG_PTR)0;
    teb->Peb = peb;
    teb->ActivationContextStackPointer = &teb->ActivationContextStack;
    InitializeListHead( &teb->ActivationContextStack.FrameListCache );
    teb->StaticUnicodeString.Buffer = teb->StaticUnicodeBuffer;
    teb->StaticUnicodeString.MaximumLength = sizeof(teb->StaticUnicodeBuffer);

    data = thread_data_of( teb );
    data->request_fd = data->reply_fd = -1;
    data->wait_fd[0] = data->wait_fd[1] = -1;
    list_add_head( &all_tebs, &data->entry );
    return teb;
}

static NTSTATUS commit_block( void *block, SIZE_T size )
{
    return mm_NtAllocateVirtualMemory( NtCurrentProcess(), &block, 0, &size, MEM_COMMIT, PAGE_READWRITE );
}

TEB *virtual_alloc_first_teb(void)
{
    void *usd = user_shared_data, *area = NULL;
    SIZE_T size = MM_PAGE_SIZE;
    NTSTATUS status;
    TEB *teb;

    /* KUSER_SHARED_DATA: a private read-only page at its NT address until the server's page
     * replaces it (virtual_map_user_shared_data) */
    if ((status = mm_NtAllocateVirtualMemory( NtCurrentProcess(), &usd, 0, &size,
                                              MEM_RESERVE | MEM_COMMIT, PAGE_READONLY )) ||
        usd != (void *)user_shared_data)
    {
        ERR( "cannot allocate the user shared data at %p: %08x\n", user_shared_data, (unsigned int)status );
        exit( 1 );
    }

    size = TEB_BLOCKS * TEB_BLOCK_SIZE;
    if ((status = mm_NtAllocateVirtualMemory( NtCurrentProcess(), &area, teb_zero_bits, &size,
                                              MEM_RESERVE | MEM_TOP_DOWN, PAGE_READWRITE )))
    {
        ERR( "cannot reserve the TEB area: %08x\n", (unsigned int)status );
        exit( 1 );
    }
    teb_area = area;
    /* block 31 holds the PEB (and the 32-bit PEB a page above it), block 30 the first TEB */
    if ((status = commit_block( teb_area + (TEB_BLOCKS - 2) * TEB_BLOCK_SIZE, 2 * TEB_BLOCK_SIZE )))
    {
        ERR( "cannot commit the first TEB: %08x\n", (unsigned int)status );
        exit( 1 );
    }
    teb_area_next = TEB_BLOCKS - 2;
    peb = (PEB *)(teb_area + (TEB_BLOCKS - 1) * TEB_BLOCK_SIZE);
    teb = setup_teb( teb_area + (TEB_BLOCKS - 2) * TEB_BLOCK_SIZE, FALSE );
    pthread_key_create( &teb_key, NULL );
    pthread_setspecific( teb_key, teb );
    mmw_teb_ready = 1;
    TRACE( "peb %p teb %p, TEB area %p\n", peb, teb, teb_area );
    return teb;
}

NTSTATUS virtual_alloc_teb( TEB **ret_teb )
{
    BOOL wow = !!NtCurrentTeb()->WowTebOffset;
    NTSTATUS status = STATUS_SUCCESS;
    sigset_t sigset;
    void *block;
    TEB *teb;

    server_enter_uninterrupted_section( &teb_mutex, &sigset );
    if ((block = free_tebs))
    {
        free_tebs = *(void **)block;
        memset( block, 0, teb_size );
    }
    else
    {
        if (!teb_area_next)
        {
            void *area = NULL;
            SIZE_T size = TEB_BLOCKS * TEB_BLOCK_SIZE;

            if ((status = mm_NtAllocateVirtualMemory( NtCurrentProcess(), &area, wow ? user_space_wow_limit : 0,
                                                      &size, MEM_RESERVE, PAGE_READWRITE )))
                goto done;
            teb_area = area;
            teb_area_next = TEB_BLOCKS;
        }
        block = teb_area + (teb_area_next - 1) * TEB_BLOCK_SIZE;
        if ((status = commit_block( block, TEB_BLOCK_SIZE ))) goto done;
        teb_area_next--;
    }
    *ret_teb = teb = setup_teb( block, wow );
done:
    server_leave_uninterrupted_section( &teb_mutex, &sigset );
    if (status)
    {
        WARN( "no TEB: %08x\n", (unsigned int)status );
        return status;
    }

    if ((status = signal_alloc_thread( teb )))
    {
        server_enter_uninterrupted_section( &teb_mutex, &sigset );
        list_remove( &thread_data_of( teb )->entry );
        *(void **)block = free_tebs;
        free_tebs = block;
        server_leave_uninterrupted_section( &teb_mutex, &sigset );
    }
    TRACE( "teb %p: %08x\n", teb, (unsigned int)status );
    return status;
}

static void release( void *base )
{
    SIZE_T size = 0;

    if (base) mm_NtFreeVirtualMemory( NtCurrentProcess(), &base, &size, MEM_RELEASE );
}

void virtual_free_teb( TEB *teb )
{
    struct ntdll_thread_data *data = thread_data_of( teb );
    TEB32 *teb32 = teb->WowTebOffset ? (TEB32 *)((char *)teb + teb->WowTebOffset) : NULL;
    sigset_t sigset;

    TRACE( "teb %p\n", teb );
    signal_free_thread( teb );
    release( teb->DeallocationStack );
    release( data->kernel_stack );
    if (teb32) release( ULongToPtr( teb32->DeallocationStack ) );

    server_enter_uninterrupted_section( &teb_mutex, &sigset );
    list_remove( &data->entry );
    *(void **)teb = free_tebs;
    free_tebs = teb;
    server_leave_uninterrupted_section( &teb_mutex, &sigset );
}

NTSTATUS virtual_clear_tls_index( ULONG index )
{
    struct ntdll_thread_data *data;
    sigset_t sigset;
    ULONG expansion = 0;

    if (index >= TLS_MINIMUM_AVAILABLE)
    {
        expansion = index - TLS_MINIMUM_AVAILABLE;
        if (expansion >= 8 * sizeof(peb->TlsExpansionBitmapBits)) return STATUS_INVALID_PARAMETER;
    }
    server_enter_uninterrupted_section( &teb_mutex, &sigset );
    LIST_FOR_EACH_ENTRY( data, &all_tebs, struct ntdll_thread_data, entry )
    {
        TEB *teb = CONTAINING_RECORD( data, TEB, GdiTebBatch );
        TEB32 *teb32 = teb->WowTebOffset ? (TEB32 *)((char *)teb + teb->WowTebOffset) : NULL;

        if (index < TLS_MINIMUM_AVAILABLE)
        {
            if (teb32) teb32->TlsSlots[index] = 0;
            else teb->TlsSlots[index] = 0;
        }
        else if (teb32)
        {
            if (teb32->TlsExpansionSlots) ((ULONG *)ULongToPtr( teb32->TlsExpansionSlots ))[expansion] = 0;
        }
        else if (teb->TlsExpansionSlots) teb->TlsExpansionSlots[expansion] = 0;
    }
    server_leave_uninterrupted_section( &teb_mutex, &sigset );
    return STATUS_SUCCESS;
}

/* Reserve size bytes for a stack inside [limit_low, limit_high] (0: no bound), as
 * NtAllocateVirtualMemoryEx with MEM_ADDRESS_REQUIREMENTS would. */
static NTSTATUS reserve_stack( ULONG_PTR limit_low, ULONG_PTR limit_high, SIZE_T size, char **ret )
{
    MEM_ADDRESS_REQUIREMENTS req = { (void *)limit_low, (void *)limit_high, 0 };
    MEM_EXTENDED_PARAMETER param;
    void *base = NULL;
    NTSTATUS status;

    memset( &param, 0, sizeof(param) );
    param.Type = MemExtendedParameterAddressRequirements;
    param.Pointer = &req;
    status = mm_NtAllocateVirtualMemoryEx( NtCurrentProcess(), &base, &size, MEM_RESERVE, PAGE_READWRITE,
                                           limit_low || limit_high ? &param : NULL,
                                           limit_low || limit_high ? 1 : 0 );
    *ret = base;
    return status;
}

NTSTATUS virtual_alloc_thread_stack( INITIAL_TEB *stack, ULONG_PTR limit_low, ULONG_PTR limit_high,
                                     SIZE_T reserve_size, SIZE_T commit_size, BOOL guard_page )
{
    SIZE_T size, commit, len;
    NTSTATUS status;
    char *base, *limit;
    void *addr;

    if (!reserve_size) reserve_size = main_image_info.MaximumStackSize;
    if (!commit_size) commit_size = main_image_info.CommittedStackSize;
    size = reserve_size > commit_size ? reserve_size : commit_size;
    if (size < 0x100000) size = 0x100000;   /* the unix libraries (Xlib...) want big stacks */
    size = mm_round_up( size, MM_GRAN_MASK );
    if (guard_page)
    {
        /* as NT: the committed top, one guard page below it, the rest reserved; the bottom
         * page is never committed (the last guard position is the page above it) */
        commit = mm_round_up( commit_size ? commit_size : MM_PAGE_SIZE, MM_PAGE_MASK );
        if (commit > size - 2 * MM_PAGE_SIZE) commit = size - 2 * MM_PAGE_SIZE;
    }
    else commit = size;   /* the unix side's own stack: committed whole, no guard */

    if ((status = reserve_stack( limit_low, limit_high, size, &base )))
    {
        WARN( "cannot reserve a stack of %#lx in %p-%p: %08x\n", (unsigned long)size, (void *)limit_low,
              (void *)limit_high, (unsigned int)status );
        return status;
    }
    limit = base + size - commit;
    addr = limit;
    len = commit;
    status = mm_NtAllocateVirtualMemory( NtCurrentProcess(), &addr, 0, &len, MEM_COMMIT, PAGE_READWRITE );
    if (!status && guard_page)
    {
        addr = limit - MM_PAGE_SIZE;
        len = MM_PAGE_SIZE;
        status = mm_NtAllocateVirtualMemory( NtCurrentProcess(), &addr, 0, &len, MEM_COMMIT,
                                             PAGE_READWRITE | PAGE_GUARD );
    }
    if (status)
    {
        WARN( "cannot set up the stack at %p: %08x\n", base, (unsigned int)status );
        release( base );
        return status;
    }
    stack->OldStackBase = NULL;
    stack->OldStackLimit = NULL;
    stack->DeallocationStack = base;
    stack->StackBase = base + size;
    stack->StackLimit = limit;
    TRACE( "stack %p-%p limit %p%s\n", base, base + size, limit, guard_page ? "" : " (no guard)" );
    return STATUS_SUCCESS;
}

/* ---- Wine's thread start clearing the stack ----------------------------------------------
 *
 * Wine 10.0's PE-side thread start (dlls/ntdll/signal_x86_64.c, signal_start_thread, run by
 * LdrInitializeThunk for every thread, the main one included) zero-fills the 0xf0000 bytes
 * below the page of the initial CONTEXT (which call_init_thunk puts just below StackBase)
 * with rep stosq, from the lowest address up, before it NtContinue()s to RtlUserThreadStart.
 * Wine's own virtual.c commits whole stacks, so that costs nothing there; here it would commit
 * 0xf0000 bytes of every stack and move StackLimit there, so a thread would start with
 * StackBase - StackLimit = 0xf1000 instead of its commit size, and NT's stack growth (guard
 * pages, StackLimit) could never be seen.  The clearing writes zeros to memory nobody uses: its
 * first fault (at rsp == StackBase - 0xf1000) commits the range as any such write (StackLimit
 * included: until it is undone the program may use it without faulting, and Wine's exception
 * dispatch rejects frames below StackLimit), and the thread's next entry into this code (an NT
 * memory call, a fault, an exception frame) decommits it again below the live part of the
 * stack and puts the guard page and StackLimit back, as if it had never been written.  The
 * thread's entry point itself still sees the cleared stack's StackLimit (NtCurrentTeb() is
 * read without a call). */

#define START_CLEAR_SIZE 0xf0000

static __thread struct
{
    char *lo;                    /* lowest page committed for the clearing */
    char *limit;                 /* StackLimit when it happened */
} start_clear;

static __thread char *fault_limit;    /* StackLimit when the fault being handled came */

/* Is a write fault at addr with stack pointer sp the first write of the thread-start clearing? */
static BOOL is_start_clear( const TEB *teb, char *addr, char *sp, char *limit )
{
#ifdef __x86_64__
    char *dealloc = teb->DeallocationStack, *base = teb->Tib.StackBase;

    return addr == sp && !teb->WowTebOffset && dealloc && base - dealloc >= START_CLEAR_SIZE + 3 * MM_PAGE_SIZE &&
           addr == base - MM_PAGE_SIZE - START_CLEAR_SIZE && addr >= dealloc + 2 * MM_PAGE_SIZE &&
           addr < limit && limit <= base;
#else
    return FALSE;
#endif
}

BOOL mmw_fault_stack( void *addr, void *sp, struct mm_stack *stack )
{
    TEB *teb = NtCurrentTeb();

    if (!teb->DeallocationStack) return FALSE;
    mmw_teb_stack( teb, stack );
    stack->flags = MM_STACK_COMMIT_RESERVED;
    fault_limit = teb->Tib.StackLimit;
    return TRUE;
}

void mmw_fault_stack_done( void *addr, void *sp, const struct mm_stack *stack )
{
    TEB *teb = NtCurrentTeb();
    char *page = (char *)mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );

    if (stack->limit == teb->Tib.StackLimit) return;
    /* committed as any write below the limit (StackLimit follows: Wine's exception dispatch
     * checks frames against it), remembered to be undone */
    if (stack->limit == page && is_start_clear( teb, addr, sp, fault_limit ))
    {
        start_clear.lo = page;
        start_clear.limit = fault_limit;
        TRACE( "thread %04x clears its stack %p-%p (limit %p)\n", (unsigned int)GetCurrentThreadId(), page,
               (char *)teb->Tib.StackBase - MM_PAGE_SIZE, fault_limit );
    }
    TRACE( "stack limit of thread %04x: %p -> %p\n", (unsigned int)GetCurrentThreadId(), teb->Tib.StackLimit,
           stack->limit );
    teb->Tib.StackLimit = stack->limit;
}

/* The program's stack pointer at its last system call: Wine 10.0's x86_64 syscall frame
 * (amd64_thread_data()->syscall_frame, the 8th pointer of the thread data's cpu_data, and its
 * rsp at offset 0x88; both private to dlls/ntdll/unix/signal_x86_64.c). */
static char *syscall_user_sp( void )
{
#ifdef __x86_64__
    char *frame = ntdll_get_thread_data()->cpu_data[7];

    return frame ? *(char **)(frame + 0x88) : NULL;
#else
    return NULL;
#endif
}

void mmw_stack_fixup( void *sp )
{
    TEB *teb;
    char *lo, *limit, *top, *guard, *dealloc;
    MEMORY_BASIC_INFORMATION mbi;
    SIZE_T len;
    void *p;

    if (!start_clear.lo) return;
    /* an NT call from a signal handler (a system APC run by SIGUSR1): the program may have been
     * interrupted deeper than its last system call's stack pointer; wait for a safer moment */
    if (!sp && is_inside_signal_stack( __builtin_frame_address( 0 ) )) return;
    lo = start_clear.lo;
    limit = start_clear.limit;
    start_clear.lo = NULL;
    teb = NtCurrentTeb();
    dealloc = teb->DeallocationStack;
    /* Wine runs some unix code of a process's main thread on the program's stack itself (during
     * its start-up, before the syscall dispatcher's kernel stack is in use): then the live part
     * of the stack is below the program's last stack pointer, and nothing may go.  Later. */
    if (mmw_in_own_stack( teb, __builtin_frame_address( 0 ) ))
    {
        start_clear.lo = lo;
        return;
    }
    if (!mmw_in_own_stack( teb, sp )) sp = syscall_user_sp();
    if (!mmw_in_own_stack( teb, sp )) return;
    /* frames the program built meanwhile (and the red zone below rsp) stay */
    top = (char *)mm_round_down( (uintptr_t)sp - 128, MM_PAGE_MASK );
    if (top > limit) top = limit;
    guard = top - MM_PAGE_SIZE;
    if (guard <= lo) return;
    /* only if the program left the range as the clearing made it */
    if (mm_NtQueryVirtualMemory( NtCurrentProcess(), lo, MemoryBasicInformation, &mbi, sizeof(mbi), NULL ) ||
        mbi.State != MEM_COMMIT || mbi.Protect != PAGE_READWRITE || mbi.AllocationBase != dealloc ||
        (char *)mbi.BaseAddress + mbi.RegionSize < top)
        return;
    /* the guard page below the cleared range goes too */
    p = lo - MM_PAGE_SIZE;
    len = guard - (lo - MM_PAGE_SIZE);
    if (mm_NtFreeVirtualMemory( NtCurrentProcess(), &p, &len, MEM_DECOMMIT )) return;
    p = guard;
    len = MM_PAGE_SIZE;
    mm_NtAllocateVirtualMemory( NtCurrentProcess(), &p, 0, &len, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD );
    teb->Tib.StackLimit = top;
    TRACE( "thread %04x: stack %p-%p decommitted again, limit %p\n", (unsigned int)GetCurrentThreadId(),
           lo, guard, teb->Tib.StackLimit );
}

/*
 * ntdll-mm core: NtProtectVirtualMemory.
 *
 * Where NT and Linux differ: see prot.h for the protections themselves.  NT reports the old
 * protection of the first page, as a query would (a written copy-on-write page is
 * PAGE_READWRITE); image pages never write through to their file, so a writable protection
 * given to them is the copy-on-write one.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */

#include "pagerun.h"
#include "pages.h"
#include "prot.h"
#include "stack.h"
#include "usercopy.h"
#include "vad.h"
#include "view.h"
#include "os.h"

/* Can pages of a take this base protection?  Private memory never copies on write; a view
 * can take what its own protection allows (kernel32 test_mapping; images: anything). */
static int protect_fits_alloc( const struct mm_alloc *a, ULONG prot )
{
    if (a->kind == MM_KIND_PRIVATE) return prot != PAGE_WRITECOPY && prot != PAGE_EXECUTE_WRITECOPY;
    return view_protect_allowed( a, prot );
}

/* Image pages are never written through to the file: a writable protection is the
 * copy-on-write one (kernel32 loader.c test_VirtualProtect and virtual.c test_mapping's
 * map_prot_no_write, which pass on Windows: PAGE_READWRITE gives PAGE_WRITECOPY,
 * PAGE_EXECUTE_READWRITE gives PAGE_EXECUTE_WRITECOPY, as the query and the next old protection
 * report) ... except in a writable shared section (mapped PAGE_READWRITE, its pages common to
 * every view): there the writable protection stays the shared one, as it was when mapped (our
 * reading; no Windows test pins it). */
static ULONG image_protection( const struct mm_alloc *a, size_t first, size_t count, ULONG prot )
{
    int cow = 0;

    if (a->kind != MM_KIND_IMAGE) return prot;
    for (size_t p = first; p < first + count && !cow; p = runs_span_end( a, p ))
        if (!(runs_state( a, p ) & MM_SHAREDMAP)) cow = 1;
    if (cow && (prot & PAGE_BASE_MASK) == PAGE_READWRITE) return (prot & ~PAGE_BASE_MASK) | PAGE_WRITECOPY;
    if (cow && (prot & PAGE_BASE_MASK) == PAGE_EXECUTE_READWRITE) return (prot & ~PAGE_BASE_MASK) | PAGE_EXECUTE_WRITECOPY;
    return prot;
}

/* Lock: exclusive.  The checks of a protection change of [start, end) in a */
static NTSTATUS check_change( const struct mm_alloc *a, uintptr_t start, uintptr_t end, ULONG new_prot )
{
    size_t first = (start - a->base) >> MM_PAGE_SHIFT, count = (end - start) >> MM_PAGE_SHIFT;

    /* a large page has one protection: changes cover whole large pages */
    if ((a->flags & MM_F_LARGE_PAGES) && ((start | end) & (os_info.large_page_size - 1)))
        return STATUS_INVALID_PARAMETER;
    /* a protection the allocation cannot have */
    if (!protect_fits_alloc( a, new_prot & PAGE_BASE_MASK ))
        return alloc_is_view( a ) ? STATUS_SECTION_PROTECTION : STATUS_INVALID_PAGE_PROTECTION;
    /* every page committed (a size of 0 names the first page) */
    for (size_t p = first; p < first + count; p = runs_span_end( a, p ))
        if (!(runs_state( a, p ) & MM_COMMITTED)) return STATUS_NOT_COMMITTED;
    if (!count && !(runs_state( a, first ) & MM_COMMITTED)) return STATUS_NOT_COMMITTED;
    return STATUS_SUCCESS;
}

static NTSTATUS protect_worker( uintptr_t addr, size_t size, ULONG new_prot, uintptr_t *ret_base,
                                size_t *ret_size, ULONG *old_prot )
{
    uintptr_t start = mm_round_down( addr, MM_PAGE_MASK ), end, last;
    size_t first, count, span;
    uint32_t first_state;
    struct mm_alloc *a;
    NTSTATUS status;

    /* a range that wraps */
    if (__builtin_add_overflow( addr, size, &last )) return STATUS_INVALID_PARAMETER;
    end = mm_round_up( last, MM_PAGE_MASK );

    space_lock_exclusive();
    a = vad_find( start );
    /* free, foreign, or across the end of the allocation */
    if (!a || a->kind == MM_KIND_FOREIGN || end > a->end) status = STATUS_CONFLICTING_ADDRESSES;
    else if (!(status = check_change( a, start, end, new_prot )))
    {
        first = (start - a->base) >> MM_PAGE_SHIFT;
        count = (end - start) >> MM_PAGE_SHIFT;
        first_state = runs_state( a, first );
        span = runs_span_end( a, first );
        /* the old protection NT reports: a written copy-on-write page is PAGE_READWRITE */
        *old_prot = prot_nt( a, first_state );
        if (alloc_is_view( a ))
            *old_prot = prot_nt( a, (first_state & ~MM_PROT_MASK) | view_protect_reported( a, first, first_state, &span ) );
        new_prot = image_protection( a, first, count, new_prot );
        if (alloc_is_view( a )) status = view_set_protection( a, first, count, new_prot, 0 );
        /* PAGE_NOCACHE / PAGE_WRITECOMBINE belong to the allocation: ignored here */
        else status = pages_change( a, first, count, MM_LOCK_BITS, MM_COMMITTED | (new_prot & (PAGE_BASE_MASK | PAGE_GUARD)),
                                    pages_sync_kernel );
        /* NT: a guard page set in the committed part of the thread's own stack moves its limit */
        if (!status && (new_prot & PAGE_GUARD)) stack_guard_set( start, end );
    }
    space_unlock_exclusive();
    if (status) return status;
    *ret_base = start;
    *ret_size = end - start;
    return STATUS_SUCCESS;
}

NTSTATUS WINAPI NtProtectVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr,
                                        ULONG new_prot, ULONG *old_prot )
{
    uintptr_t base = 0;
    size_t rsize = 0;
    ULONG old = 0;
    void *addr;
    SIZE_T size;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    /* old_prot must be writable before anything changes (a NULL one is refused) */
    if ((status = user_fetch_inout_ulong( addr_ptr, size_ptr, &addr, &size, old_prot, &old ))) return status;
    if ((status = host_check_process( process ))) return status;
    /* PAGE_TARGETS_NO_UPDATE (Control Flow Guard's targets of executable pages are left as they
     * are) and PAGE_ENCLAVE_NO_CHANGE: nothing here has either, nothing to keep.  Windows'
     * kernelbase WriteProcessMemory passes both to make a code page writable (Wine 10.0's
     * kernelbase too: kernel32's test_VirtualAlloc writes a PAGE_EXECUTE_READ page so). */
    new_prot &= ~(MM_PAGE_TARGETS_NO_UPDATE | MM_PAGE_ENCLAVE_NO_CHANGE);
    /* PAGE_WRITECOPY is decided per allocation (views only) */
    if ((status = prot_validate( new_prot, 1 ))) return status;
    if ((status = protect_worker( (uintptr_t)addr, size, new_prot, &base, &rsize, &old ))) return status;
    return user_store_inout_ulong( addr_ptr, size_ptr, base, rsize, old_prot, old );
}

/*
 * ntdll-mm core: views: mapping (mm_map_section) and unmapping (mm_unmap_view), on which each
 * host builds NtMapViewOfSection(Ex) and NtUnmapViewOfSection(Ex) for its own section handles;
 * NtAreMappedFilesTheSame; and what views do when their pages are committed or protected.
 *
 * Where NT and Linux differ:
 * - A view is a node of the region tree (MM_KIND_MAPPED, MM_KIND_IMAGE: imagemap.c) holding a
 *   reference to its section; its pages use the same state runs as private memory.  A data view
 *   maps the section's descriptor MAP_SHARED, so all views and the file see the same pages.
 * - A copy-on-write view (PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY) is MAP_PRIVATE.  NT reports a
 *   written page as PAGE_READWRITE and an untouched one as PAGE_WRITECOPY; Linux keeps no such
 *   flag, but /proc/self/pagemap tells a private copy (an anonymous page) from a page still
 *   shared with the file, so queries ask it, once per run of pages, without a fault.  Making
 *   pages of a shared view PAGE_WRITECOPY remaps just those pages MAP_PRIVATE (MM_PRIVMAP).
 * - NT commits a page of a SEC_RESERVE section in every view of it at once; the section keeps
 *   a bitmap of committed pages and the core commits them in every view of this process.  The
 *   host hears of each commit (host_view_committed) and may tell other processes.
 * - The host hears of every view mapped and unmapped (host_view_mapped / host_view_unmapped),
 *   under the lock that makes the view appear or go.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>

#include "view.h"
#include "imagemap.h"
#include "pagerun.h"
#include "pages.h"
#include "place.h"
#include "placeholder.h"
#include "prot.h"
#include "reserved.h"
#include "section.h"
#include "usercopy.h"
#include "vad.h"
#include "os.h"

/* ---- the host's view of a view ------------------------------------------------------------- */

static void describe( const struct mm_alloc *a, struct mm_view *view )
{
    view->base = (void *)a->base;
    view->size = a->end - a->base;
    view->offset = a->offset;
    view->sec_flags = mm_section_flags( a->section );
    view->protect = a->alloc_prot;
    view->section = a->section;
}

static void note_reserve_view( const struct mm_alloc *a, int delta )
{
    if (a->kind == MM_KIND_MAPPED && section_is_reserve( a->section ))
        __atomic_add_fetch( &space.reserve_views, delta, __ATOMIC_RELAXED );
}

/* Lock: exclusive.  A new view, in the tree: the host hears of it; its refusal undoes the view. */
static NTSTATUS announce_view( struct mm_alloc *a, void *ctx );

/* ---- SEC_RESERVE commits ------------------------------------------------------------------- */

static int page_committed( const struct mm_section *section, uint64_t page )
{
    return (section->committed[page / 8] >> (page % 8)) & 1;
}

/* Lock: exclusive.  A new SEC_RESERVE view: pages the section has committed are committed in
 * it too, with the view's protection. */
static void view_from_section( struct mm_alloc *a, ULONG protect )
{
    size_t npages = alloc_pages( a ), p = 0;
    uint64_t first = a->offset >> MM_PAGE_SHIFT;

    while (p < npages)
    {
        size_t q = p;
        int c = page_committed( a->section, first + p );
        while (q < npages && page_committed( a->section, first + q ) == c) q++;
        if (c) runs_update( a, p, q - p, 0, MM_COMMITTED | protect );
        p = q;
    }
    pages_sync_kernel( a, 0, npages );
}

struct commit_ctx
{
    struct mm_alloc *skip;       /* the view the commit was made in (done already), or NULL */
    struct mm_section *section;
    uint64_t start, end;         /* section page range */
};

static void commit_other_view( struct mm_alloc *v, void *ctx )
{
    struct commit_ctx *c = ctx;
    uint64_t vfirst, vend, lo, hi;

    if (v == c->skip || v->section != c->section || v->kind != MM_KIND_MAPPED) return;
    vfirst = v->offset >> MM_PAGE_SHIFT;
    vend = vfirst + alloc_pages( v );
    lo = c->start > vfirst ? c->start : vfirst;
    hi = c->end < vend ? c->end : vend;
    if (lo >= hi) return;
    for (uint64_t p = lo - vfirst; p < hi - vfirst; p = runs_span_end( v, p ))
    {
        size_t stop = runs_span_end( v, p );
        if (stop > hi - vfirst) stop = hi - vfirst;
        if (!(runs_state( v, p ) & MM_COMMITTED))
        {
            runs_update( v, p, stop - p, 0, MM_COMMITTED | (v->alloc_prot & (PAGE_BASE_MASK | PAGE_GUARD)) );
            pages_sync_kernel( v, p, stop - p );
        }
    }
}

/* Lock: exclusive.  Pages [first, first+count) of SEC_RESERVE view a were committed: record it
 * in the section and commit them in every other view of it (with that view's protection). */
static void commit_section_pages( struct mm_alloc *a, size_t first, size_t count )
{
    struct commit_ctx ctx = { a, a->section, (a->offset >> MM_PAGE_SHIFT) + first,
                              (a->offset >> MM_PAGE_SHIFT) + first + count };
    struct mm_view view;

    SPACE_ASSERT_EXCLUSIVE();
    for (uint64_t p = ctx.start; p < ctx.end; p++) a->section->committed[p / 8] |= 1 << (p % 8);
    vad_walk( commit_other_view, &ctx );
    /* the host hears of commits made in this process, to tell other processes */
    describe( a, &view );
    host_view_committed( &view, first << MM_PAGE_SHIFT, count << MM_PAGE_SHIFT );
}

NTSTATUS mm_view_sync_commit( const struct mm_view *view, SIZE_T offset, SIZE_T size )
{
    struct commit_ctx ctx;
    struct mm_alloc *a;
    NTSTATUS status = STATUS_SUCCESS;

    if ((offset | size) & MM_PAGE_MASK) return STATUS_INVALID_PARAMETER;
    space_lock_exclusive();
    a = vad_find( (uintptr_t)view->base );
    /* the same view still: its section, base and offset */
    if (!a || a->kind != MM_KIND_MAPPED || a->base != (uintptr_t)view->base || a->section != view->section ||
        a->offset != view->offset || !section_is_reserve( a->section ))
        status = STATUS_NOT_MAPPED_VIEW;
    else if (offset >= a->end - a->base || size > a->end - a->base - offset) status = STATUS_INVALID_PARAMETER;
    else
    {
        /* as a commit in another view of this process: pages still reserved here are
         * committed with this view's protection, in every view (the section records them) */
        ctx.skip = NULL;
        ctx.section = a->section;
        ctx.start = (a->offset + offset) >> MM_PAGE_SHIFT;
        ctx.end = (a->offset + offset + size) >> MM_PAGE_SHIFT;
        for (uint64_t p = ctx.start; p < ctx.end; p++) a->section->committed[p / 8] |= 1 << (p % 8);
        vad_walk( commit_other_view, &ctx );
    }
    space_unlock_exclusive();
    return status;
}

/* ---- protections of view pages ------------------------------------------------------------- */

int view_protect_allowed( const struct mm_alloc *a, ULONG prot )
{
    if (a->kind == MM_KIND_IMAGE) return 1;
    return section_protect_allowed( a->alloc_prot & PAGE_BASE_MASK, prot );
}

/* Lock: exclusive.  Remap pages [first, first+count) of a shared view copy-on-write: the
 * private mapping reads the section's current data until a page is written. */
static int make_private( struct mm_alloc *a, size_t first, size_t count, int prot )
{
    SPACE_ASSERT_EXCLUSIVE();
    return os_map( a->base + (first << MM_PAGE_SHIFT), count << MM_PAGE_SHIFT, prot, OS_MAP_PRIVATE,
                   a->section->fd, a->offset + (first << MM_PAGE_SHIFT), 1 );
}

NTSTATUS view_set_protection( struct mm_alloc *a, size_t first, size_t count, ULONG prot, int commit )
{
    ULONG base_prot = prot & PAGE_BASE_MASK;
    NTSTATUS status = STATUS_SUCCESS;

    SPACE_ASSERT_EXCLUSIVE();
    if (a->kind == MM_KIND_MAPPED && !a->cow && (base_prot == PAGE_WRITECOPY || base_prot == PAGE_EXECUTE_WRITECOPY))
    {
        for (size_t p = first; p < first + count && !status; p = runs_span_end( a, p ))
        {
            size_t stop = runs_span_end( a, p );
            if (stop > first + count) stop = first + count;
            if (!(runs_state( a, p ) & MM_PRIVMAP) &&
                make_private( a, p, stop - p, prot_to_unix( runs_state( a, p ) ) ))
                status = STATUS_NO_MEMORY;
            else if (runs_update( a, p, stop - p, ~0u, MM_PRIVMAP )) status = STATUS_NO_MEMORY;
        }
        pages_relock( a, first, count );   /* the new private mapping is not mlock()ed yet */
    }
    if (!status) status = pages_change( a, first, count, MM_MAP_BITS,
                                        MM_COMMITTED | (prot & (PAGE_BASE_MASK | PAGE_GUARD)), pages_sync_kernel );
    if (!status && commit && section_is_reserve( a->section )) commit_section_pages( a, first, count );
    return status;
}

uint32_t view_protect_reported( const struct mm_alloc *a, size_t page, uint32_t state, size_t *span_end )
{
    uint64_t entries[64];
    uint32_t prot = state & MM_PROT_MASK;
    size_t n, end = *span_end;
    int copied;

    if (!(a->cow || (state & MM_PRIVMAP)) || !(state & MM_COMMITTED)) return prot;
    if ((prot & PAGE_BASE_MASK) != PAGE_WRITECOPY && (prot & PAGE_BASE_MASK) != PAGE_EXECUTE_WRITECOPY) return prot;
    /* a private copy is an anonymous page: present (or swapped) and not file/shared */
    n = end - page < ARRAY_SIZE( entries ) ? end - page : ARRAY_SIZE( entries );
    if (os_read_pagemap( a->base + (page << MM_PAGE_SHIFT), n, entries )) return prot;
    copied = (entries[0] & (OS_PM_PRESENT | OS_PM_SWAPPED)) && !(entries[0] & OS_PM_FILE_SHARED);
    for (size_t i = 1; i < n; i++)
    {
        int c = (entries[i] & (OS_PM_PRESENT | OS_PM_SWAPPED)) && !(entries[i] & OS_PM_FILE_SHARED);
        if (c != copied)
        {
            *span_end = page + i;
            break;
        }
    }
    if (*span_end > page + n) *span_end = page + n;
    if (!copied) return prot;
    return (prot & ~PAGE_BASE_MASK) | ((prot & PAGE_BASE_MASK) == PAGE_WRITECOPY ? PAGE_READWRITE : PAGE_EXECUTE_READWRITE);
}

/* ---- mapping --------------------------------------------------------------------------------- */

NTSTATUS mm_map_args_fetch( struct mm_map_args *args, PVOID *addr_ptr, ULONG_PTR zero_bits, SIZE_T commit_size,
                            const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr, ULONG alloc_type, ULONG protect,
                            const MEM_EXTENDED_PARAMETER *params, ULONG count, int ex )
{
    LARGE_INTEGER offset = { .QuadPart = 0 };
    uintptr_t addr;
    size_t align_mask = MM_GRAN_MASK;
    void *p;
    int have_req;
    NTSTATUS status;

    memset( args, 0, sizeof(*args) );
    args->addr_ptr = addr_ptr;
    args->size_ptr = size_ptr;
    if ((status = user_fetch_inout( addr_ptr, size_ptr, &p, &args->size ))) return status;
    if (offset_ptr && host_copy_from_user( &offset, offset_ptr, sizeof(offset) )) return STATUS_ACCESS_VIOLATION;
    addr = (uintptr_t)p;

    /* zero_bits: a count of high bits (at most 21) or a mask (ReactOS apitest, Wine's tests) */
    if (zero_bits > 21 && zero_bits < 32) return STATUS_INVALID_PARAMETER_4;
    /* an address given must satisfy zero_bits */
    if (addr && zero_bits && zero_bits < 32 && (addr >> (32 - zero_bits))) return STATUS_INVALID_PARAMETER_4;
    if (addr && zero_bits >= 32 && (addr & ~zero_bits)) return STATUS_INVALID_PARAMETER_4;
    /* MEM_COMMIT is refused (ReactOS apitest); AT_ROUND_TO_PAGE only exists for 32-bit callers */
    if (alloc_type & ~(MEM_TOP_DOWN | MEM_RESERVE | MEM_LARGE_PAGES | (ex ? MEM_REPLACE_PLACEHOLDER : 0)))
        return ex ? STATUS_INVALID_PARAMETER : STATUS_INVALID_PARAMETER_9;
    /* MapViewOfFile3: the view replaces the placeholder at the address given */
    if ((alloc_type & MEM_REPLACE_PLACEHOLDER) && !addr) return STATUS_INVALID_PARAMETER;
    /* MapViewOfFile3: with MEM_REPLACE_PLACEHOLDER the 64K alignment of the offset and the
     * address does not apply, page alignment does (the address is the placeholder's, which
     * MEM_PRESERVE_PLACEHOLDER splits at any page) */
    if ((alloc_type & MEM_REPLACE_PLACEHOLDER) && ((offset.QuadPart & MM_PAGE_MASK) || (addr & MM_PAGE_MASK)))
        return STATUS_MAPPED_ALIGNMENT;
    /* otherwise both are multiples of the allocation granularity */
    if (!(alloc_type & MEM_REPLACE_PLACEHOLDER) && ((offset.QuadPart & MM_GRAN_MASK) || (addr & MM_GRAN_MASK)))
        return STATUS_MAPPED_ALIGNMENT;
    /* a negative offset */
    if (offset.QuadPart < 0) return STATUS_INVALID_PARAMETER;
    if (ex && (status = place_requirements( params, count, addr != 0, &args->lowest, &args->limit,
                                            &align_mask, &have_req, &args->machine )))
        return status;
    args->addr = addr;
    args->offset = offset.QuadPart;
    args->commit_size = commit_size;
    args->zero_bits = zero_bits;
    args->alloc_type = alloc_type;
    args->protect = protect;
    return STATUS_SUCCESS;
}

NTSTATUS mm_map_args_check( struct mm_map_args *args )
{
    /* an address given lies in the user range (ReactOS apitest: STATUS_INVALID_PARAMETER_3) */
    if (args->addr && (args->addr < space.lowest || args->addr > space.highest)) return STATUS_INVALID_PARAMETER_3;
    if (!args->addr && args->zero_bits)
    {
        uintptr_t zl = place_zero_bits_limit( args->zero_bits ) + 1;
        if (!args->limit || zl < args->limit) args->limit = zl;
    }
    /* a protection no view can have */
    return mm_view_access( args->protect, &args->access );
}

struct map_ctx
{
    int prot, fd, shared;
    uint64_t offset;
};

static int map_data( uintptr_t addr, size_t size, void *ctx )
{
    struct map_ctx *m = ctx;
    return resv_map( addr, size, m->prot, m->shared ? OS_MAP_SHARED : OS_MAP_PRIVATE, m->fd, m->offset );
}

/* Lock: exclusive.  MEM_REPLACE_PLACEHOLDER: the view must cover exactly one placeholder
 * (MapViewOfFile3; Wine's kernelbase test_VirtualAlloc2), else STATUS_CONFLICTING_ADDRESSES.
 * The file is mapped over it with MAP_FIXED; *view is the new view's node, not in the tree yet. */
static NTSTATUS replace_placeholder( const struct place_req *req, const struct map_ctx *ctx, struct mm_alloc **view )
{
    struct mm_alloc *ph, *a;

    SPACE_ASSERT_EXCLUSIVE();
    if (!(ph = ph_find( req->addr, req->addr + req->size ))) return STATUS_CONFLICTING_ADDRESSES;
    if (!(a = vad_new( MM_KIND_MAPPED, ph->base, ph->end ))) return STATUS_NO_MEMORY;
    if (os_map( ph->base, req->size, ctx->prot, ctx->shared ? OS_MAP_SHARED : OS_MAP_PRIVATE, ctx->fd, ctx->offset, 1 ))
    {
        vad_free( a );
        return STATUS_NO_MEMORY;
    }
    vad_remove( ph );
    vad_free( ph );
    a->flags |= MM_F_REPLACED;
    *view = a;
    return STATUS_SUCCESS;
}

/* the checks of a data view against its section, before anything is mapped */
static NTSTATUS check_data_view( const struct mm_section *section, const struct mm_map_args *args, size_t *size,
                                 size_t *align_mask )
{
    uint64_t full = section->size, want;

    /* more than the section allows (kernel32 test_mapping) */
    if (!section_protect_allowed( section->protect, args->protect )) return STATUS_SECTION_PROTECTION;
    /* writing through a shared view needs a writable file */
    if ((args->protect == PAGE_READWRITE || args->protect == PAGE_EXECUTE_READWRITE) && !section->file_writable)
        return STATUS_ACCESS_DENIED;
    /* an offset past the end, a view larger than what is left */
    if (args->offset >= full) return STATUS_INVALID_PARAMETER;
    if (args->size && args->size > full - args->offset) return STATUS_INVALID_VIEW_SIZE;
    want = args->size ? args->size : full - args->offset;
    *size = mm_round_up( want, MM_PAGE_MASK );
    *align_mask = MM_GRAN_MASK;
    if (section->flags & SEC_LARGE_PAGES)
    {
        /* views of large pages start and end on large pages */
        size_t large_mask = os_info.large_page_size - 1;
        if (args->offset & large_mask) return STATUS_MAPPED_ALIGNMENT;
        *size = mm_round_up( want, large_mask );
        if (*align_mask < large_mask) *align_mask = large_mask;
    }
    return STATUS_SUCCESS;
}

/* Lock: exclusive.  The node of a new data view placed at *req and mapped, its pages as the
 * section has them. */
static NTSTATUS map_data_view( struct mm_section *section, const struct mm_map_args *args, struct place_req *req,
                               struct mm_alloc **view )
{
    int cow = args->protect == PAGE_WRITECOPY || args->protect == PAGE_EXECUTE_WRITECOPY;
    /* SEC_RESERVE: the view's pages stay reserved until MEM_COMMIT */
    struct map_ctx ctx = { (section->flags & SEC_RESERVE) ? PROT_NONE : prot_to_unix( MM_COMMITTED | args->protect ),
                           section->fd, !cow, args->offset };
    struct mm_alloc *a = NULL;
    uintptr_t base;
    NTSTATUS status;

    if (args->alloc_type & MEM_REPLACE_PLACEHOLDER) status = replace_placeholder( req, &ctx, &a );
    else if (!(status = place_range( req, map_data, &ctx, &base )) && !(a = vad_new( MM_KIND_MAPPED, base, base + req->size )))
    {
        resv_release( base, req->size );
        status = STATUS_NO_MEMORY;
    }
    if (status) return status;
    /* SEC_NOCACHE / SEC_WRITECOMBINE show in the view's protections like the PAGE_* modifiers
     * of a private allocation (kernel32 test_VirtualAlloc: a SEC_NOCACHE view is PAGE_READWRITE
     * | PAGE_NOCACHE, AllocationProtect too) */
    a->alloc_prot = args->protect | ((section->flags & SEC_NOCACHE) ? PAGE_NOCACHE : 0) |
                    ((section->flags & SEC_WRITECOMBINE) ? PAGE_WRITECOMBINE : 0);
    a->section = section;
    a->offset = args->offset;
    a->cow = cow;
    if (section->flags & SEC_NOCACHE) a->flags |= MM_F_NOCACHE;
    if (section->flags & SEC_WRITECOMBINE) a->flags |= MM_F_WRITECOMBINE;
    if (section->flags & SEC_LARGE_PAGES) a->flags |= MM_F_LARGE_PAGES;
    if (!(section->flags & SEC_RESERVE)) run_at( a, 0 )->state = MM_COMMITTED | args->protect;
    else view_from_section( a, args->protect );
    host_addref( &section->obj );
    vad_insert( a );
    *view = a;
    return STATUS_SUCCESS;
}

/* Lock: exclusive.  Unmap view a (its node is freed): the host hears of it first. */
static void unmap_view( struct mm_alloc *a )
{
    struct mm_view view;

    SPACE_ASSERT_EXCLUSIVE();
    describe( a, &view );
    host_view_unmapped( &view );
    resv_release( a->base, a->end - a->base );
    note_reserve_view( a, -1 );
    vad_remove( a );
    section_release( a->section );
    vad_free( a );
}

static NTSTATUS announce_view( struct mm_alloc *a, void *ctx )
{
    struct mm_view view;
    NTSTATUS status;

    SPACE_ASSERT_EXCLUSIVE();
    note_reserve_view( a, 1 );
    describe( a, &view );
    if (NT_SUCCESS( status = host_view_mapped( &view, ctx ) )) return STATUS_SUCCESS;
    /* the host refused it: the view goes again, without a word to the host */
    resv_release( a->base, a->end - a->base );
    note_reserve_view( a, -1 );
    vad_remove( a );
    section_release( a->section );
    vad_free( a );
    return status;
}

NTSTATUS mm_map_section( struct mm_section *s, struct mm_map_args *args, void *ctx )
{
    struct place_req req = { args->addr, 0, args->lowest, args->limit, MM_GRAN_MASK,
                             !!(args->alloc_type & MEM_TOP_DOWN) };
    struct mm_alloc *a = NULL;
    NTSTATUS status;

    /* MemExtendedParameterImageMachine: an image for another machine than the one asked is
     * STATUS_NOT_SUPPORTED (Wine's ntdll test_NtMapViewOfSectionEx and wow64.c
     * test_image_mappings, which pass on Windows: R3000, or AMD64 for an i386 image) */
    if (args->machine && s->is_image && args->machine != s->image.machine) return STATUS_NOT_SUPPORTED;
    if ((args->alloc_type & MEM_REPLACE_PLACEHOLDER) && (s->is_image || (s->flags & SEC_LARGE_PAGES)))
    {
        /* MapViewOfFile3, MEM_REPLACE_PLACEHOLDER: "Only data/pf-backed section views are
         * supported (no images, physical memory, etc.)".  A SEC_LARGE_PAGES view is committed
         * whole on large pages at a large-page-aligned address, while a placeholder is a
         * small-page reservation ("page-aligned to the underlying page size granted by
         * VirtualAlloc2"): refused too (NT's status for either is not documented) */
        return STATUS_INVALID_PARAMETER;
    }
    space_lock_exclusive();
    if (s->is_image) status = imgmap_map_view( s, args->addr, args->limit, req.top_down, &a );
    else if (!(status = check_data_view( s, args, &req.size, &req.align_mask )))
        status = map_data_view( s, args, &req, &a );
    if (NT_SUCCESS( status ))
    {
        NTSTATUS hook = announce_view( a, ctx );
        if (hook) status = hook;
    }
    if (NT_SUCCESS( status ) && (s->flags & SEC_RESERVE) && args->commit_size)
    {
        /* CommitSize commits the start of a SEC_RESERVE view (ReactOS apitest) */
        SIZE_T commit = args->commit_size < (SIZE_T)(a->end - a->base) ? args->commit_size : a->end - a->base;
        size_t n = mm_round_up( commit, MM_PAGE_MASK ) >> MM_PAGE_SHIFT;
        runs_update( a, 0, n, MM_PRIVMAP, MM_COMMITTED | args->protect );
        pages_sync_kernel( a, 0, n );
        commit_section_pages( a, 0, n );
    }
    space_unlock_exclusive();
    if (!NT_SUCCESS( status )) return status;
    /* the image of another machine than this process's, asked for by its machine: mapped,
     * STATUS_IMAGE_MACHINE_TYPE_MISMATCH (wow64.c test_image_mappings: an i386 image asked for
     * as IMAGE_FILE_MACHINE_I386 in a 64-bit process) */
    if (args->machine && s->is_image && s->image.machine != MM_NATIVE_MACHINE) status = STATUS_IMAGE_MACHINE_TYPE_MISMATCH;
    /* the results are written after the lock is dropped; the view stays if they cannot be */
    if (user_store_inout( args->addr_ptr, args->size_ptr, a->base, a->end - a->base )) return STATUS_ACCESS_VIOLATION;
    return status;
}

/* ---- unmapping ------------------------------------------------------------------------------- */

/* Lock: exclusive.  UnmapViewOfFile2(MEM_PRESERVE_PLACEHOLDER): a view that replaced a
 * placeholder becomes that placeholder again; any other view cannot (our choice, as for
 * private memory in Wine's ntdll test: STATUS_CONFLICTING_ADDRESSES). */
static NTSTATUS unmap_to_placeholder( struct mm_alloc *a )
{
    struct mm_alloc *ph;
    struct mm_view view;

    SPACE_ASSERT_EXCLUSIVE();
    if (!(a->flags & MM_F_REPLACED)) return STATUS_CONFLICTING_ADDRESSES;
    if (!(ph = ph_new( a->base, a->end ))) return STATUS_NO_MEMORY;
    /* an anonymous PROT_NONE mapping over the file mapping: the range never becomes free */
    if (os_map( a->base, a->end - a->base, PROT_NONE, OS_MAP_ANON, -1, 0, 1 ))
    {
        vad_free( ph );
        return STATUS_NO_MEMORY;
    }
    describe( a, &view );
    host_view_unmapped( &view );
    note_reserve_view( a, -1 );
    vad_remove( a );
    section_release( a->section );
    vad_free( a );
    vad_insert( ph );
    return STATUS_SUCCESS;
}

NTSTATUS mm_unmap_view( void *addr, ULONG flags, struct mm_view *gone )
{
    struct mm_alloc *a;
    NTSTATUS status = STATUS_SUCCESS;

    /* MEM_UNMAP_WITH_TRANSIENT_BOOST (a scheduling hint) and MEM_PRESERVE_PLACEHOLDER only */
    if (flags & ~(1u | MEM_PRESERVE_PLACEHOLDER)) return STATUS_INVALID_PARAMETER;
    space_lock_exclusive();
    a = vad_find( (uintptr_t)addr );
    if (!a || !alloc_is_view( a )) status = STATUS_NOT_MAPPED_VIEW;
    else
    {
        if (gone) describe( a, gone );
        if (flags & MEM_PRESERVE_PLACEHOLDER) status = unmap_to_placeholder( a );
        else unmap_view( a );
    }
    space_unlock_exclusive();
    return status;
}

/* ---- queries about views --------------------------------------------------------------------- */

int mm_view_at( const void *addr, struct mm_view *view )
{
    struct mm_alloc *a;
    int found;

    if (mm_ensure_init()) return 0;
    space_lock_shared();
    a = vad_find( (uintptr_t)addr );
    if ((found = a && alloc_is_view( a ))) describe( a, view );
    space_unlock_shared();
    return found;
}

unsigned int mm_reserve_view_count( void )
{
    return __atomic_load_n( &space.reserve_views, __ATOMIC_RELAXED );
}

/* Lock: shared.  Is addr inside something: ours, or a kernel mapping we did not make? */
static int is_allocated( uintptr_t addr, struct mm_alloc **a )
{
    struct os_mapping map;

    *a = vad_find( addr );
    if (*a && (*a)->kind != MM_KIND_FOREIGN) return 1;
    *a = NULL;
    return !resv_query_visible( mm_round_down( addr, MM_PAGE_MASK ), &map ) && map.start <= addr;
}

NTSTATUS WINAPI NtAreMappedFilesTheSame( PVOID addr1, PVOID addr2 )
{
    struct mm_alloc *a, *b;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    space_lock_shared();
    if (!is_allocated( (uintptr_t)addr1, &a ) || !is_allocated( (uintptr_t)addr2, &b )) status = STATUS_INVALID_ADDRESS;
    else if (!a || !b || !alloc_is_view( a ) || !alloc_is_view( b )) status = STATUS_CONFLICTING_ADDRESSES;
    else if (a == b) status = STATUS_SUCCESS;
    /* only image views compare by file; two data views are different "files" even of one
     * section (kernel32 test_NtAreMappedFilesTheSame) */
    else if (a->kind == MM_KIND_IMAGE && b->kind == MM_KIND_IMAGE &&
             (a->section == b->section || (a->section->dev == b->section->dev && a->section->ino == b->section->ino)))
        status = STATUS_SUCCESS;
    else status = STATUS_NOT_SAME_DEVICE;
    space_unlock_shared();
    return status;
}

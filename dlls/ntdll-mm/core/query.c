/*
 * ntdll-mm core: NtQueryVirtualMemory.
 *
 * Addresses inside the library's allocations are answered from the region tree under the
 * shared lock, without a system call.  Anything else is answered from the kernel's map,
 * so memory the library did not allocate (the program's own mappings, libc heap, stacks,
 * the executable) is reported truthfully as committed with its real protection, and free
 * address space as MEM_FREE.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pagerun.h"
#include "prot.h"
#include "reserved.h"
#include "section.h"
#include "vad.h"
#include "view.h"
#include "os.h"

/* next library allocation above addr, skipping foreign ranges */
static struct mm_alloc *next_own( uintptr_t addr )
{
    struct mm_alloc *n = vad_find_next( addr );
    while (n && n->kind == MM_KIND_FOREIGN) n = vad_find_next( n->base );
    return n;
}

/* Lock: shared.  Is the page at addr locked (MemoryWorkingSetExInformation's Locked)? */
static int page_locked( uintptr_t addr )
{
    struct mm_alloc *a = vad_find( addr );

    if (!a || a->kind == MM_KIND_FOREIGN) return 0;
    return !!(runs_state( a, (addr - a->base) >> MM_PAGE_SHIFT ) & MM_LOCK_BITS);
}

/* Lock: shared.  End page of the NT region that starts in run i: runs that differ only in
 * their lock are one region (NT's VirtualQuery does not split a region where a lock ends). */
static size_t region_end( const struct mm_alloc *a, size_t i )
{
    uint32_t state = run_at( a, i )->state & ~MM_LOCK_BITS;

    while (i + 1 < a->nruns && (run_at( a, i + 1 )->state & ~MM_LOCK_BITS) == state) i++;
    return run_end( a, i );
}

/* Lock: shared.  Describe the region containing addr (page aligned). */
static NTSTATUS basic_info( uintptr_t addr, MEMORY_BASIC_INFORMATION *info )
{
    struct mm_alloc *a = vad_find( addr );
    struct os_mapping map;
    uintptr_t limit;

    memset( info, 0, sizeof(*info) );
    info->BaseAddress = (void *)addr;
    if (a && a->kind != MM_KIND_FOREIGN)
    {
        size_t page = (addr - a->base) >> MM_PAGE_SHIFT, i = runs_index( a, page );
        uint32_t state = run_at( a, i )->state;

        size_t span_end = region_end( a, i );

        info->AllocationBase = (void *)a->base;
        info->AllocationProtect = a->alloc_prot;
        info->State = (state & MM_COMMITTED) ? MEM_COMMIT : MEM_RESERVE;
        info->Protect = prot_nt( a, state );
        info->Type = a->kind == MM_KIND_IMAGE ? MEM_IMAGE : a->kind == MM_KIND_MAPPED ? MEM_MAPPED : MEM_PRIVATE;
        /* a copy-on-write page that was written is PAGE_READWRITE on NT: ask the kernel */
        if (alloc_is_view( a ) && (state & MM_COMMITTED))
        {
            size_t npages = alloc_pages( a );
            uint32_t vprot = view_protect_reported( a, page, state, &span_end );

            /* the view's modifiers (PAGE_NOCACHE of a SEC_NOCACHE section) stay */
            info->Protect = prot_nt( a, (state & ~MM_PROT_MASK) | vprot );
            /* runs that differ only in how the kernel maps them (MM_PRIVMAP) are one region
             * for NT when they report the same protection */
            while (span_end < npages)
            {
                size_t j = runs_index( a, span_end ), next_end = run_end( a, j );
                uint32_t st = run_at( a, j )->state;
                if ((st & ~MM_MAP_BITS) != (state & ~MM_MAP_BITS)) break;
                if (view_protect_reported( a, span_end, st, &next_end ) != vprot) break;
                span_end = next_end;
            }
        }
        info->RegionSize = (span_end - page) << MM_PAGE_SHIFT;
        return STATUS_SUCCESS;
    }

    /* not ours: the kernel knows */
    a = next_own( addr );
    limit = a ? a->base : space.highest + 1;
    /* the host's reservation inside reserved areas is free for NT: look through it */
    if (resv_query_visible( addr, &map ) || map.start >= limit)
    {
        map.start = limit;
        map.end = limit;
    }
    if (map.start <= addr)
    {
        uint32_t prot = prot_from_unix( map.prot );
        info->AllocationBase = (void *)map.start;
        info->AllocationProtect = prot;
        info->RegionSize = (map.end < limit ? map.end : limit) - addr;
        info->State = MEM_COMMIT;
        info->Protect = prot;
        info->Type = map.file ? MEM_MAPPED : MEM_PRIVATE;
        if (map.shared && !map.file) info->Type = MEM_MAPPED;
    }
    else
    {
        info->RegionSize = map.start - addr;
        info->State = MEM_FREE;
        info->Protect = PAGE_NOACCESS;
    }
    return STATUS_SUCCESS;
}

/* Lock: shared.  RegionType of one of our allocations, as the Ex class reports it */
static ULONG region_type( const struct mm_alloc *a )
{
    ULONG type;

    if (a->kind == MM_KIND_IMAGE) type = NTDLL_MM_REGION_MAPPED_IMAGE;
    else if (a->kind == MM_KIND_MAPPED)
        type = section_is_file( a->section ) ? NTDLL_MM_REGION_MAPPED_DATA_FILE : NTDLL_MM_REGION_MAPPED_PAGE_FILE;
    else type = NTDLL_MM_REGION_PRIVATE;
    /* a placeholder is a private reservation of its own kind (VirtualAlloc2); what replaced
     * one is ordinary memory again */
    if (a->flags & MM_F_PLACEHOLDER) type |= NTDLL_MM_REGION_PLACEHOLDER_RESERVATION;
    if (a->flags & MM_F_WRITE_WATCH) type |= NTDLL_MM_REGION_MAPPED_WRITE_WATCH;
    if (a->flags & MM_F_LARGE_PAGES) type |= NTDLL_MM_REGION_PAGE_SIZE_LARGE;
    return type;
}

/* Lock: shared.  MemoryRegionInformation / MemoryRegionInformationEx: the allocation at addr
 * as a whole.  Native fills RegionType for the Ex class only: the plain class reports none of
 * its bits, for private memory or pagefile views alike (Wine's test_query_region_information,
 * which passes on Windows).  The bit layout is the one of System Informer's phnt ntmmapi.h,
 * with PlaceholderReservation (bit 8, Windows 10 1803) marking a placeholder. */
static NTSTATUS region_info( uintptr_t addr, MEMORY_REGION_INFORMATION *info, int ex )
{
    struct mm_alloc *a = vad_find( addr );
    MEMORY_BASIC_INFORMATION mbi;
    struct os_mapping map;
    NTSTATUS status;

    memset( info, 0, sizeof(*info) );
    if (a && a->kind != MM_KIND_FOREIGN)
    {
        size_t committed = 0;
        for (size_t i = 0; i < a->nruns; i++)
            if (run_at( a, i )->state & MM_COMMITTED) committed += (run_end( a, i ) - run_at( a, i )->page) << MM_PAGE_SHIFT;
        info->AllocationBase = (void *)a->base;
        info->AllocationProtect = a->alloc_prot;
        info->RegionType = ex ? region_type( a ) : 0;
        info->RegionSize = a->end - a->base;
        info->CommitSize = committed;
        return STATUS_SUCCESS;
    }
    if ((status = basic_info( addr, &mbi ))) return status;
    if (mbi.State == MEM_FREE) return STATUS_INVALID_ADDRESS;
    info->AllocationBase = mbi.AllocationBase;
    info->AllocationProtect = mbi.AllocationProtect;
    info->RegionSize = (uintptr_t)mbi.BaseAddress + mbi.RegionSize - (uintptr_t)mbi.AllocationBase;
    info->CommitSize = info->RegionSize;
    if (ex)
    {
        /* the program's own mapping: a file, shared anonymous memory (pagefile-backed on NT)
         * or private memory */
        if (mbi.Type == MEM_PRIVATE) info->RegionType = NTDLL_MM_REGION_PRIVATE;
        else if (!resv_query_visible( addr, &map ) && map.start <= addr && map.file)
            info->RegionType = NTDLL_MM_REGION_MAPPED_DATA_FILE;
        else info->RegionType = NTDLL_MM_REGION_MAPPED_PAGE_FILE;
    }
    return STATUS_SUCCESS;
}

static size_t append_wide( WCHAR *dst, size_t pos, size_t cap, const char *src, int slashes )
{
    for (; *src; src++, pos++)
        if (pos < cap) dst[pos] = (slashes && *src == '/') ? '\\' : (unsigned char)*src;
    return pos;
}

/* Lock: shared.  MemoryMappedFilenameInformation: the file's name, in the standalone host's
 * NT form \??\unix\path\to\file (Wine's form for Unix paths). */
static NTSTATUS mapped_name( uintptr_t addr, void *buffer, SIZE_T len, SIZE_T *written )
{
    struct mm_alloc *a = vad_find( addr );
    MEMORY_SECTION_NAME *info = buffer;
    size_t chars, needed;
    WCHAR *dst;

    if (!a || a->kind == MM_KIND_FOREIGN || !alloc_is_view( a )) return STATUS_INVALID_ADDRESS;
    if (!a->section->path) return STATUS_FILE_INVALID;   /* a pagefile-backed view */
    chars = append_wide( NULL, 0, 0, "\\??\\unix", 0 ) + append_wide( NULL, 0, 0, a->section->path, 1 );
    needed = sizeof(*info) + (chars + 1) * sizeof(WCHAR);
    *written = needed;
    if (len < needed) return STATUS_BUFFER_OVERFLOW;
    dst = (WCHAR *)(info + 1);
    chars = append_wide( dst, 0, chars + 1, "\\??\\unix", 0 );
    chars = append_wide( dst, chars, chars + strlen( a->section->path ) + 1, a->section->path, 1 );
    dst[chars] = 0;
    info->SectionFileName.Buffer = dst;
    info->SectionFileName.Length = chars * sizeof(WCHAR);
    info->SectionFileName.MaximumLength = (chars + 1) * sizeof(WCHAR);
    return STATUS_SUCCESS;
}

static NTSTATUS working_set_ex( MEMORY_WORKING_SET_EX_INFORMATION *entries, size_t count )
{
    for (size_t i = 0; i < count; i++)
    {
        MEMORY_WORKING_SET_EX_INFORMATION *e = &entries[i];
        uintptr_t addr = mm_round_down( (uintptr_t)e->VirtualAddress, MM_PAGE_MASK );
        MEMORY_BASIC_INFORMATION mbi;
        struct os_mapping map;
        uint64_t pm = 0;

        memset( &e->VirtualAttributes, 0, sizeof(e->VirtualAttributes) );
        if (addr > space.highest || basic_info( addr, &mbi ) || mbi.State != MEM_COMMIT) continue;
        /* NT takes PAGE_NOACCESS and guard pages out of the working set; Linux may still have
         * them in the page tables, so our own state decides */
        if ((mbi.Protect & 0xff) == PAGE_NOACCESS || (mbi.Protect & PAGE_GUARD)) continue;
        /* "valid" means resident in the working set: present in the page tables */
        if (os_read_pagemap( addr, 1, &pm ) || !(pm & OS_PM_PRESENT)) continue;
        e->VirtualAttributes.Valid = 1;
        e->VirtualAttributes.Win32Protection = mbi.Protect;
        /* "Shared: If this bit is 1, the page can be shared" (PSAPI_WORKING_SET_EX_BLOCK): a
         * page of a section, also mapped by this process alone, or a copy-on-write page not
         * written yet; not private memory nor the private copy of a written copy-on-write
         * page (psapi tests: private memory is Shared 0, ShareCount 0).  The pagemap's
         * file-page / shared-anonymous bit says exactly that.  ShareCount: Linux does not
         * expose the map count here, a shareable page counts once */
        e->VirtualAttributes.Shared = (mbi.Type != MEM_PRIVATE) && !!(pm & OS_PM_FILE_SHARED);
        e->VirtualAttributes.ShareCount = e->VirtualAttributes.Shared ? 1 : 0;
        e->VirtualAttributes.Locked = page_locked( addr );
        /* our own memory says it; only the program's own mappings need the kernel asked */
        {
            struct mm_alloc *a = vad_find( addr );
            if (a && a->kind != MM_KIND_FOREIGN) e->VirtualAttributes.LargePage = !!(a->flags & MM_F_LARGE_PAGES);
            else e->VirtualAttributes.LargePage = !os_query_mapping( addr, &map ) && map.start <= addr &&
                                                  map.page_size > MM_PAGE_SIZE;
        }
    }
    return STATUS_SUCCESS;
}

/* a buffer too small for the class: report the length it needs, as the contract asks */
static NTSTATUS length_mismatch( SIZE_T *res_len, SIZE_T needed )
{
    if (res_len && host_copy_to_user( res_len, &needed, sizeof(needed) )) return STATUS_ACCESS_VIOLATION;
    return STATUS_INFO_LENGTH_MISMATCH;
}

static NTSTATUS query_basic( uintptr_t addr, void *buffer, SIZE_T len, SIZE_T *res_len, SIZE_T *written )
{
    MEMORY_BASIC_INFORMATION info;
    NTSTATUS status;

    /* too small a buffer: the length it needs */
    if (len < sizeof(info)) return length_mismatch( res_len, sizeof(info) );
    /* above the user range */
    if (addr > space.highest) return STATUS_INVALID_PARAMETER;
    space_lock_shared();
    status = basic_info( mm_round_down( addr, MM_PAGE_MASK ), &info );
    space_unlock_shared();
    if (status) return status;
    if (host_copy_to_user( buffer, &info, sizeof(info) )) return STATUS_ACCESS_VIOLATION;
    *written = sizeof(info);
    return STATUS_SUCCESS;
}

static NTSTATUS query_region( uintptr_t addr, int ex, void *buffer, SIZE_T len, SIZE_T *res_len, SIZE_T *written )
{
    MEMORY_REGION_INFORMATION info;
    NTSTATUS status;

    /* 64-bit NT accepts a buffer that ends after RegionSize (older layout) */
    if (len < offsetof( MEMORY_REGION_INFORMATION, CommitSize )) return length_mismatch( res_len, sizeof(info) );
    /* above the user range */
    if (addr > space.highest) return STATUS_INVALID_PARAMETER;
    space_lock_shared();
    status = region_info( mm_round_down( addr, MM_PAGE_MASK ), &info, ex );
    space_unlock_shared();
    if (status) return status;
    *written = len < sizeof(info) ? len : sizeof(info);
    if (host_copy_to_user( buffer, &info, *written )) return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

static NTSTATUS query_working_set( void *buffer, SIZE_T len, SIZE_T *res_len, SIZE_T *written )
{
    MEMORY_WORKING_SET_EX_INFORMATION entries[64];
    size_t count = len / sizeof(*entries), done = 0;

    /* too small a buffer for one entry */
    if (len < sizeof(*entries)) return length_mismatch( res_len, sizeof(*entries) );
    /* in place, a batch at a time: the caller's buffer holds the addresses */
    while (done < count)
    {
        size_t n = count - done > ARRAY_SIZE( entries ) ? ARRAY_SIZE( entries ) : count - done;
        if (host_copy_from_user( entries, (MEMORY_WORKING_SET_EX_INFORMATION *)buffer + done, n * sizeof(*entries) ))
            return STATUS_ACCESS_VIOLATION;
        space_lock_shared();
        working_set_ex( entries, n );
        space_unlock_shared();
        if (host_copy_to_user( (MEMORY_WORKING_SET_EX_INFORMATION *)buffer + done, entries, n * sizeof(*entries) ))
            return STATUS_ACCESS_VIOLATION;
        done += n;
    }
    *written = count * sizeof(*entries);
    return STATUS_SUCCESS;
}

/* MemoryImageInformation (Wine's ntdll test_query_image_information, which passes on Windows):
 * for an image view its base and size; for other memory that is allocated STATUS_SUCCESS with
 * everything 0; for free memory STATUS_INVALID_ADDRESS.  Too small a buffer is
 * STATUS_INFO_LENGTH_MISMATCH without a length returned, a larger one is fine. */
static NTSTATUS query_image( uintptr_t addr, void *buffer, SIZE_T len, SIZE_T *res_len, SIZE_T *written )
{
    NTDLL_MM_MEMORY_IMAGE_INFORMATION info;
    MEMORY_BASIC_INFORMATION basic;
    NTSTATUS status;
    struct mm_alloc *a;

    if (len < sizeof(info)) return STATUS_INFO_LENGTH_MISMATCH;
    /* above the user range */
    if (addr > space.highest) return STATUS_INVALID_PARAMETER;
    memset( &info, 0, sizeof(info) );
    space_lock_shared();
    a = vad_find( mm_round_down( addr, MM_PAGE_MASK ) );
    if (a && a->kind == MM_KIND_IMAGE)
    {
        info.ImageBase = (void *)a->base;
        info.SizeOfImage = a->end - a->base;
        status = STATUS_SUCCESS;
    }
    else if (!(status = basic_info( mm_round_down( addr, MM_PAGE_MASK ), &basic )) && basic.State == MEM_FREE)
        status = STATUS_INVALID_ADDRESS;
    space_unlock_shared();
    if (status) return status;
    if (host_copy_to_user( buffer, &info, sizeof(info) )) return STATUS_ACCESS_VIOLATION;
    *written = sizeof(info);
    return STATUS_SUCCESS;
}

static NTSTATUS query_mapped_name( uintptr_t addr, void *buffer, SIZE_T len, SIZE_T *res_len, SIZE_T *written )
{
    uintptr_t page = mm_round_down( addr, MM_PAGE_MASK );
    char stack_buf[1024], *buf = stack_buf;
    SIZE_T needed = 0;
    NTSTATUS status;

    /* above the user range */
    if (addr > space.highest) return STATUS_INVALID_PARAMETER;
    /* the address decides first, then the length (Wine's info.c tests) */
    space_lock_shared();
    status = mapped_name( page, NULL, 0, &needed );
    space_unlock_shared();
    if (status != STATUS_BUFFER_OVERFLOW) return status;
    if (len < sizeof(MEMORY_SECTION_NAME)) return length_mismatch( res_len, needed );
    if (len < needed)
    {
        if (res_len && host_copy_to_user( res_len, &needed, sizeof(needed) )) return STATUS_ACCESS_VIOLATION;
        return STATUS_BUFFER_OVERFLOW;
    }
    if (needed > sizeof(stack_buf) && !(buf = mm_malloc( needed ))) return STATUS_NO_MEMORY;
    space_lock_shared();
    status = mapped_name( page, buf, needed, written );
    space_unlock_shared();
    if (!status)
    {
        /* the string points into the caller's buffer, not ours */
        MEMORY_SECTION_NAME *info = (MEMORY_SECTION_NAME *)buf;
        info->SectionFileName.Buffer = (WCHAR *)((MEMORY_SECTION_NAME *)buffer + 1);
        if (host_copy_to_user( buffer, buf, *written )) status = STATUS_ACCESS_VIOLATION;
    }
    if (buf != stack_buf) mm_free( buf );
    return status;
}

NTSTATUS WINAPI NtQueryVirtualMemory( HANDLE process, LPCVOID addr, MEMORY_INFORMATION_CLASS info_class,
                                      PVOID buffer, SIZE_T len, SIZE_T *res_len )
{
    SIZE_T written = 0;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = host_check_process( process ))) return status;
    switch (info_class)
    {
    case MemoryBasicInformation:
        status = query_basic( (uintptr_t)addr, buffer, len, res_len, &written );
        break;
    case MemoryRegionInformation:
    case MemoryRegionInformationEx:
        status = query_region( (uintptr_t)addr, info_class == MemoryRegionInformationEx, buffer, len, res_len, &written );
        break;
    case MemoryWorkingSetExInformation:
        status = query_working_set( buffer, len, res_len, &written );
        break;
    case MemoryImageInformation:
        status = query_image( (uintptr_t)addr, buffer, len, res_len, &written );
        break;
    case MemoryMappedFilenameInformation:
        status = query_mapped_name( (uintptr_t)addr, buffer, len, res_len, &written );
        break;
    default:
        return STATUS_INVALID_INFO_CLASS;
    }
    if (status) return status;
    if (res_len && host_copy_to_user( res_len, &written, sizeof(written) )) return STATUS_ACCESS_VIOLATION;
    return STATUS_SUCCESS;
}

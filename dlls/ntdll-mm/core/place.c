/*
 * ntdll-mm core: placement of new allocations and views, and the host-reserved areas.  See
 * place.h.
 *
 * Where NT and Linux differ: NT never fails because a *foreign* mapping (the C heap, the
 * program's own mmap) occupies an address it considers free: the gap search learns those
 * ranges from the kernel, and MAP_FIXED_NOREPLACE is the final arbiter.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>

#include "place.h"
#include "reserved.h"
#include "vad.h"
#include "os.h"

NTSTATUS place_range( const struct place_req *req, place_map_fn map, void *ctx, uintptr_t *base )
{
    uintptr_t hi = req->limit ? req->limit : space.highest + 1;
    struct mm_alloc *ov;
    int ret;

    SPACE_ASSERT_EXCLUSIVE();
    if (req->addr)
    {
        if ((ov = vad_first_overlap( req->addr, req->addr + req->size )))
        {
            if (ov->kind != MM_KIND_FOREIGN) return STATUS_CONFLICTING_ADDRESSES;
            /* the foreign map may be stale: ask the kernel again before refusing */
            vad_load_foreign();
            if (vad_first_overlap( req->addr, req->addr + req->size )) return STATUS_CONFLICTING_ADDRESSES;
        }
        ret = map( req->addr, req->size, ctx );
        if (ret == -EEXIST) return STATUS_CONFLICTING_ADDRESSES;
        if (ret) return ret == -EACCES || ret == -EPERM ? STATUS_ACCESS_DENIED : STATUS_NO_MEMORY;
        *base = req->addr;
        return STATUS_SUCCESS;
    }
    for (int attempt = 0; attempt < 8; attempt++)
    {
        uintptr_t addr = vad_find_gap( req->size, req->lowest, hi, req->align_mask, req->top_down );

        if (!addr) return STATUS_NO_MEMORY;
        if (!(ret = map( addr, req->size, ctx )))
        {
            *base = addr;
            return STATUS_SUCCESS;
        }
        if (ret != -EEXIST) return ret == -EACCES || ret == -EPERM ? STATUS_ACCESS_DENIED : STATUS_NO_MEMORY;
        /* somebody mapped there since we last looked: learn the kernel's map again */
        vad_load_foreign();
    }
    return STATUS_NO_MEMORY;
}

UINT_PTR place_zero_bits_limit( ULONG_PTR zero_bits )
{
    int bits;

    if (!zero_bits) return 0;
    /* 1..21: that many high bits of a 32-bit address must be zero (NT counts from bit 31) */
    if (zero_bits < 32) return ((UINT_PTR)1 << (32 - zero_bits)) - 1;
    /* a mask (64-bit NT): its leading zero bits must be zero in the address */
    bits = 64 - __builtin_clzll( (unsigned long long)zero_bits );
    return bits >= 64 ? ~(UINT_PTR)0 : ((UINT_PTR)1 << bits) - 1;
}

NTSTATUS place_requirements( const MEM_EXTENDED_PARAMETER *parameters, ULONG count, int fixed_addr,
                             uintptr_t *lowest, uintptr_t *limit, size_t *align_mask, int *have_req,
                             USHORT *machine )
{
    MEM_ADDRESS_REQUIREMENTS req;
    int have_node = 0, have_flags = 0, have_machine = 0;

    *have_req = 0;
    if (machine) *machine = 0;
    if (count && !parameters) return STATUS_INVALID_PARAMETER;
    for (ULONG i = 0; i < count; i++)
    {
        MEM_EXTENDED_PARAMETER p;

        if (host_copy_from_user( &p, &parameters[i], sizeof(p) )) return STATUS_ACCESS_VIOLATION;
        if (p.Type == MemExtendedParameterInvalidType || p.Type >= MM_EXT_PARAMETER_MAX)
            return STATUS_INVALID_PARAMETER;
        if (p.Type == MM_EXT_PARAMETER_IMAGE_MACHINE)
        {
            /* views only, once (Wine's ntdll test_NtMapViewOfSectionEx: two of them are
             * STATUS_INVALID_PARAMETER); the machine is checked against the image when mapped */
            if (!machine || have_machine) return STATUS_INVALID_PARAMETER;
            have_machine = 1;
            *machine = p.ULong;
            continue;
        }
        if (p.Type == MemExtendedParameterNumaNode)
        {
            /* "the preferred NUMA node for new memory allocations" (MEM_EXTENDED_PARAMETER_TYPE):
             * a preference, which Linux's first-touch placement already serves; node 0 always
             * exists.  A node the machine cannot have, or a second NUMA parameter, is refused
             * (our choice of status: NT's is undocumented) */
            if (have_node || p.ULong >= os_info.numa_nodes) return STATUS_INVALID_PARAMETER;
            have_node = 1;
            continue;
        }
        if (p.Type == MemExtendedParameterAttributeFlags)
        {
            /* no attribute flag applies to user memory on x86_64 (MEM_EXTENDED_PARAMETER_EC_CODE
             * is for ARM64EC: Wine's ntdll test accepts STATUS_INVALID_PARAMETER there); 0 is
             * accepted once (same test: two of them are STATUS_INVALID_PARAMETER) */
            if (have_flags || p.ULong64) return STATUS_INVALID_PARAMETER;
            have_flags = 1;
            continue;
        }
        if (p.Type != MemExtendedParameterAddressRequirements)
            return STATUS_INVALID_PARAMETER;   /* partition, physical handle: not supported */
        if (*have_req) return STATUS_INVALID_PARAMETER;
        *have_req = 1;
        if (host_copy_from_user( &req, p.Pointer, sizeof(req) )) return STATUS_ACCESS_VIOLATION;

        if (req.Alignment)
        {
            /* a power of two of at least the allocation granularity, only where we choose, and
             * never for a view (Wine's ntdll test_NtMapViewOfSectionEx refuses every alignment,
             * the granularity's included, with STATUS_INVALID_PARAMETER) */
            if (machine || fixed_addr || (req.Alignment & (req.Alignment - 1)) || req.Alignment < MM_GRANULARITY)
                return STATUS_INVALID_PARAMETER;
            *align_mask = req.Alignment - 1;
        }
        if (req.HighestEndingAddress)
        {
            uintptr_t h = (uintptr_t)req.HighestEndingAddress;
            /* must be the last byte of a page, inside user space (ntdll test
             * test_NtAllocateVirtualMemoryEx_address_requirements) */
            if (fixed_addr || h > space.highest || ((h + 1) & MM_PAGE_MASK)) return STATUS_INVALID_PARAMETER;
            *limit = h + 1;
        }
        if (req.LowestStartingAddress)
        {
            uintptr_t l = (uintptr_t)req.LowestStartingAddress;
            if (fixed_addr || (l & MM_GRAN_MASK) || l > space.highest) return STATUS_INVALID_PARAMETER;
            *lowest = l;
        }
        if (*limit && *lowest >= *limit) return STATUS_INVALID_PARAMETER;
    }
    return STATUS_SUCCESS;
}

/* ---- host-reserved areas ----------------------------------------------------------------- */

static NTSTATUS change_reserved_area( uintptr_t start, uintptr_t end, int add )
{
    NTSTATUS status;
    int ret;

    if (start >= end || (start & MM_PAGE_MASK) || (end & MM_PAGE_MASK)) return STATUS_INVALID_PARAMETER;
    if ((status = mm_ensure_init())) return status;
    space_lock_exclusive();
    resv_set_exclusive( host_owns_reserved_areas() );
    ret = add ? resv_add( start, end ) : resv_remove( start, end );
    /* the reservation's mappings stop (or start) being foreign memory */
    if (!ret) ret = vad_load_foreign();
    space_unlock_exclusive();
    if (ret) return ret == -EINVAL ? STATUS_INVALID_PARAMETER : STATUS_NO_MEMORY;
    return STATUS_SUCCESS;
}

NTSTATUS mm_add_reserved_area( uintptr_t start, uintptr_t end )
{
    return change_reserved_area( start, end, 1 );
}

NTSTATUS mm_remove_reserved_area( uintptr_t start, uintptr_t end )
{
    return change_reserved_area( start, end, 0 );
}

NTSTATUS mm_claim_reserved_areas( uintptr_t start, uintptr_t end )
{
    struct os_mapping map;
    uintptr_t pos = start;
    NTSTATUS status;
    int ret = 0;

    if (start >= end || (start & MM_PAGE_MASK) || (end & MM_PAGE_MASK)) return STATUS_INVALID_PARAMETER;
    if ((status = mm_ensure_init())) return status;
    space_lock_exclusive();
    resv_set_exclusive( host_owns_reserved_areas() );
    /* only what is still the host's reservation, in whole 64K units: a hole or another
     * mapping stays as it is */
    while (!ret && pos < end && !os_query_mapping( pos, &map ) && map.start < end)
    {
        uintptr_t lo = mm_round_up( map.start > pos ? map.start : pos, MM_GRAN_MASK );
        uintptr_t hi = mm_round_down( map.end < end ? map.end : end, MM_GRAN_MASK );

        if (resv_is_reservation( &map ) && lo < hi) ret = resv_add( lo, hi );
        pos = map.end;
    }
    if (!ret) ret = vad_load_foreign();
    space_unlock_exclusive();
    return ret ? STATUS_NO_MEMORY : STATUS_SUCCESS;
}

NTSTATUS ntdll_mm_add_reserved_area( void *start, void *end )
{
    return mm_add_reserved_area( (uintptr_t)start, (uintptr_t)end );
}

NTSTATUS ntdll_mm_remove_reserved_area( void *start, void *end )
{
    return mm_remove_reserved_area( (uintptr_t)start, (uintptr_t)end );
}


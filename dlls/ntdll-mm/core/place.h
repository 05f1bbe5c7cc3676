/*
 * ntdll-mm core: where new allocations and views go: the NT address rules (64K granularity,
 * bottom-up or MEM_TOP_DOWN, zero_bits, MEM_ADDRESS_REQUIREMENTS), the gap search over the
 * region tree, and the host-reserved areas the search may use.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_PLACE_H
#define NTDLL_MM_PLACE_H

#include "types.h"
#include "space.h"

MM_HIDDEN_BEGIN

struct place_req
{
    uintptr_t addr;              /* fixed address, or 0 for anywhere */
    size_t size;
    uintptr_t lowest, limit;     /* window [lowest, limit), 0 = no bound */
    size_t align_mask;
    int top_down;
};
/* Make the kernel mapping of a new allocation or view: map( addr, size, ctx ) must never
 * replace an existing mapping (-EEXIST when the range is taken; other negative errnos fail). */
typedef int (*place_map_fn)( uintptr_t addr, size_t size, void *ctx );
/* Lock: exclusive.  Place req->size bytes: at req->addr if given (anything of ours there is a
 * conflict), else in the lowest (highest with top_down) free range of the window, and map it.
 * A range found taken (-EEXIST) makes the foreign ranges be read from the kernel again and
 * the search retried. */
NTSTATUS place_range( const struct place_req *req, place_map_fn map, void *ctx, uintptr_t *base );
/* the highest address a zero_bits argument allows (a count 1-21, or a mask); 0: no limit */
UINT_PTR place_zero_bits_limit( ULONG_PTR zero_bits );
/* The MEM_EXTENDED_PARAMETER list of NtAllocateVirtualMemoryEx (machine NULL) or
 * NtMapViewOfSectionEx (machine: where MemExtendedParameterImageMachine goes, 0 without one),
 * read from caller memory: MemExtendedParameterAddressRequirements (once; no alignment for a
 * view), NUMA node and attribute flags as preferences; fixed_addr: the caller gave an address,
 * which excludes requirements. */
NTSTATUS place_requirements( const MEM_EXTENDED_PARAMETER *parameters, ULONG count, int fixed_addr,
                             uintptr_t *lowest, uintptr_t *limit, size_t *align_mask, int *have_req,
                             USHORT *machine );

MM_HIDDEN_END

#endif

/*
 * ntdll-mm core: host-reserved areas, and where the core's new mappings may go.
 *
 * A host may keep address ranges for NT by mapping them PROT_NONE itself (Wine's preloader
 * reserves the low 2 GB and the top of the address space this way, so that nothing else lands
 * there).  For NT they are free address space: the core maps over that reservation (MAP_FIXED,
 * after checking that only the reservation is there, unless the host says nothing else maps
 * there) and puts it back when it releases memory there.  Outside the areas a new mapping never
 * replaces anything (MAP_FIXED_NOREPLACE: memory the core did not make is never touched).
 * This policy is the core's; the OS layer below only maps and unmaps as told.
 *
 * Lock rules: the areas change only under the space lock exclusive (place.c); every function
 * here is called with the space lock held.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_RESERVED_H
#define NTDLL_MM_RESERVED_H

#include "types.h"
#include "os.h"

MM_HIDDEN_BEGIN

struct resv_area
{
    uintptr_t start, end;
};

/* add / remove [start, end) (page aligned); 0, -EINVAL (empty) or -ENOMEM */
int resv_add( uintptr_t start, uintptr_t end );
int resv_remove( uintptr_t start, uintptr_t end );
/* exclusive: nothing but the core maps inside the areas (host_owns_reserved_areas), so a
 * mapping over the reservation needs no look at the kernel's map first */
void resv_set_exclusive( int exclusive );
/* the areas, sorted and disjoint; valid until the next change */
const struct resv_area *resv_areas( size_t *count );
/* could map be (part of) the host's reservation: PROT_NONE, private, anonymous? */
int resv_is_reservation( const struct os_mapping *map );
/* the first piece [*start, *end) of map ending above 'from' that is real memory, not the
 * host's reservation inside an area; 0 if there is none */
int resv_visible_piece( const struct os_mapping *map, uintptr_t from, uintptr_t *start, uintptr_t *end );
/* os_query_mapping, looking through the host's reservation: the visible mapping piece
 * containing addr or, if none, the next one above it; -ENOENT if there is none above */
int resv_query_visible( uintptr_t addr, struct os_mapping *map );

/* A new mapping of the core's at exactly [addr, addr+size) (os_map's kinds): outside the areas
 * never over an existing mapping (-EEXIST), inside them over the host's reservation (-EEXIST
 * if anything else is there).  A range across an area's edge is mapped in pieces. */
int resv_map( uintptr_t addr, size_t size, int prot, enum os_map_kind kind, int fd, uint64_t offset );
/* unmap the core's [addr, addr+size); inside the areas the reservation comes back */
int resv_release( uintptr_t addr, size_t size );

MM_HIDDEN_END

#endif

/*
 * ntdll-mm core: host-reserved areas and where the core's new mappings may go.  See
 * reserved.h.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "reserved.h"
#include "heap.h"

/* ---- host-reserved areas ------------------------------------------------------------
 * Ranges the host has mapped PROT_NONE to keep them for NT (Wine's preloader reservations).
 * Sorted, disjoint, never adjacent (merged).  Changed only under the space lock exclusive;
 * read by the functions below, which the core calls under the space lock. */

static struct resv_area *areas;
static size_t nb_areas, areas_cap;

static int areas_reserve( size_t need )
{
    struct resv_area *v;
    size_t cap;

    if (need <= areas_cap) return 0;
    cap = areas_cap ? areas_cap * 2 : 8;
    if (cap < need) cap = need;
    if (!(v = mm_realloc( areas, cap * sizeof(*v) ))) return -ENOMEM;
    areas = v;
    areas_cap = cap;
    return 0;
}

int resv_add( uintptr_t start, uintptr_t end )
{
    size_t i, j, k;

    if (start >= end) return -EINVAL;
    if (areas_reserve( nb_areas + 1 )) return -ENOMEM;
    /* areas [i, j) overlap or touch [start, end): merge them into one */
    for (i = 0; i < nb_areas && areas[i].end < start; i++) ;
    for (j = i; j < nb_areas && areas[j].start <= end; j++) ;
    if (i < j)
    {
        if (areas[i].start < start) start = areas[i].start;
        if (areas[j - 1].end > end) end = areas[j - 1].end;
    }
    if (j - i != 1)
    {
        /* make room for exactly one entry at i */
        size_t tail = nb_areas - j;
        k = i + 1;
        memmove( areas + k, areas + j, tail * sizeof(*areas) );
        nb_areas = k + tail;
    }
    areas[i].start = start;
    areas[i].end = end;
    return 0;
}

int resv_remove( uintptr_t start, uintptr_t end )
{
    size_t i;

    if (start >= end) return -EINVAL;
    if (areas_reserve( nb_areas + 1 )) return -ENOMEM;
    for (i = 0; i < nb_areas; i++)
    {
        struct resv_area *a = &areas[i];

        if (a->end <= start || a->start >= end) continue;
        if (a->start < start && a->end > end)
        {
            /* split in two */
            memmove( areas + i + 1, areas + i, (nb_areas - i) * sizeof(*areas) );
            nb_areas++;
            areas[i].end = start;
            areas[i + 1].start = end;
            return 0;
        }
        if (a->start < start) a->end = start;
        else if (a->end > end) a->start = end;
        else
        {
            memmove( areas + i, areas + i + 1, (nb_areas - i - 1) * sizeof(*areas) );
            nb_areas--;
            i--;
        }
    }
    return 0;
}

const struct resv_area *resv_areas( size_t *count )
{
    *count = nb_areas;
    return areas;
}

/* the end of the piece of [cur, end) that starts at cur and lies entirely inside (*inside = 1)
 * or entirely outside (*inside = 0) the reserved areas */
static uintptr_t piece_end( uintptr_t cur, uintptr_t end, int *inside )
{
    size_t i;

    for (i = 0; i < nb_areas; i++)
    {
        if (areas[i].end <= cur) continue;
        if (areas[i].start <= cur)
        {
            *inside = 1;
            return areas[i].end < end ? areas[i].end : end;
        }
        *inside = 0;
        return areas[i].start < end ? areas[i].start : end;
    }
    *inside = 0;
    return end;
}

int resv_is_reservation( const struct os_mapping *map )
{
    return map->prot == PROT_NONE && !map->shared && !map->file;
}

int resv_visible_piece( const struct os_mapping *map, uintptr_t from, uintptr_t *start, uintptr_t *end )
{
    uintptr_t cur, stop;
    int inside;

    if (map->end <= from) return 0;
    if (!nb_areas || !resv_is_reservation( map ))
    {
        *start = map->start;
        *end = map->end;
        return 1;
    }
    for (cur = map->start; cur < map->end; cur = stop)
    {
        stop = piece_end( cur, map->end, &inside );
        if (inside || stop <= from) continue;
        *start = cur;
        *end = stop;
        return 1;
    }
    return 0;
}

int resv_query_visible( uintptr_t addr, struct os_mapping *map )
{
    uintptr_t start, end;
    int ret;

    for (;;)
    {
        if ((ret = os_query_mapping( addr, map ))) return ret;
        if (resv_visible_piece( map, addr, &start, &end ))
        {
            map->start = start;
            map->end = end;
            return 0;
        }
        addr = map->end;
    }
}

/* set from host_owns_reserved_areas when an area is registered */
static int reserved_exclusive;

void resv_set_exclusive( int exclusive )
{
    reserved_exclusive = exclusive;
}

/* is [start, end) (inside a reserved area) still only the host's reservation (or unmapped)?
 * The core's own PROT_NONE memory looks the same, but the tree keeps placement off it. */
static int reservation_intact( uintptr_t start, uintptr_t end )
{
    struct os_mapping map;

    if (reserved_exclusive) return 1;

    while (start < end)
    {
        if (os_query_mapping( start, &map ) || map.start >= end) return 1;
        if (!resv_is_reservation( &map )) return 0;
        start = map.end;
    }
    return 1;
}

/* ---- mappings ------------------------------------------------------------------- */

/* put the host's reservation back over [addr, addr+size) */
static int restore_reservation( uintptr_t addr, size_t size )
{
    return os_map( addr, size, PROT_NONE, OS_MAP_ANON, -1, 0, 1 );
}

static uint64_t piece_offset( int fd, uint64_t offset, uintptr_t cur, uintptr_t addr )
{
    return fd >= 0 ? offset + (cur - addr) : 0;
}

int resv_map( uintptr_t addr, size_t size, int prot, enum os_map_kind kind, int fd, uint64_t offset )
{
    uintptr_t end = addr + size, cur, stop;
    int inside, ret = 0;

    if (!nb_areas) return os_map( addr, size, prot, kind, fd, offset, 0 );
    if ((stop = piece_end( addr, end, &inside )) == end)
    {
        if (!inside) return os_map( addr, size, prot, kind, fd, offset, 0 );
        if (!reservation_intact( addr, end )) return -EEXIST;
        return os_map( addr, size, prot, kind, fd, offset, 1 );
    }
    /* across an area's edge: the outside pieces first (they are the ones that can be taken) */
    for (cur = addr; cur < end; cur = stop)
    {
        stop = piece_end( cur, end, &inside );
        if (inside) ret = reservation_intact( cur, stop ) ? 0 : -EEXIST;
        else ret = os_map( cur, stop - cur, prot, kind, fd, piece_offset( fd, offset, cur, addr ), 0 );
        if (ret) break;
    }
    if (ret)
    {
        /* undo the outside pieces mapped so far; the reservation was not touched yet */
        uintptr_t fail = cur;
        for (cur = addr; cur < fail; cur = stop)
        {
            stop = piece_end( cur, fail, &inside );
            if (!inside) os_unmap( cur, stop - cur );
        }
        return ret;
    }
    for (cur = addr; cur < end; cur = stop)
    {
        stop = piece_end( cur, end, &inside );
        if (!inside) continue;
        if ((ret = os_map( cur, stop - cur, prot, kind, fd, piece_offset( fd, offset, cur, addr ), 1 )))
        {
            resv_release( addr, size );
            return ret;
        }
    }
    return 0;
}

int resv_release( uintptr_t addr, size_t size )
{
    uintptr_t end = addr + size, cur, stop;
    int inside, ret = 0;

    for (cur = addr; cur < end; cur = stop)
    {
        int err;

        stop = piece_end( cur, end, &inside );
        err = inside ? restore_reservation( cur, stop - cur ) : os_unmap( cur, stop - cur );
        if (err) ret = err;
    }
    return ret;
}

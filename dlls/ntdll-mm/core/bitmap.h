/*
 * ntdll-mm core: bitmaps of pages (a bit per page, 64 to a word), for write watch's written
 * pages and MEM_RESET's present pages.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_BITMAP_H
#define NTDLL_MM_BITMAP_H

#include <stddef.h>
#include <stdint.h>

#ifndef NTDLL_MM_CORE
# error "a core-private header: a host includes host.h only"
#endif

static inline int bit_test( const uint64_t *bits, size_t i )
{
    return (bits[i >> 6] >> (i & 63)) & 1;
}

/* set (or clear) the bits of [first, end) */
static inline void bits_update( uint64_t *bits, size_t first, size_t end, int set )
{
    for (size_t i = first; i < end; )
    {
        uint64_t mask = ~0ull << (i & 63);
        size_t next = (i | 63) + 1;
        if (next > end)
        {
            mask &= ~0ull >> (64 - (end & 63));
            next = end;
        }
        if (set) bits[i >> 6] |= mask;
        else bits[i >> 6] &= ~mask;
        i = next;
    }
}

/* first index in [i, end) whose bit is val, or end */
static inline size_t bits_find( const uint64_t *bits, size_t i, size_t end, int val )
{
    while (i < end)
    {
        uint64_t w = val ? bits[i >> 6] : ~bits[i >> 6];
        w &= ~0ull << (i & 63);
        if (w)
        {
            size_t found = (i & ~(size_t)63) + __builtin_ctzll( w );
            return found < end ? found : end;
        }
        i = (i | 63) + 1;
    }
    return end;
}

#endif

/*
 * ntdll-mm core: the region tree (NT's "VAD tree") of allocations, views and foreign ranges.
 * See vad.c.
 *
 * Lock rules: every function requires the space lock: shared for lookups and the gap search,
 * exclusive for changes.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_VAD_H
#define NTDLL_MM_VAD_H

#include "types.h"
#include "space.h"

MM_HIDDEN_BEGIN

struct mm_alloc *vad_find( uintptr_t addr );                  /* node containing addr */
struct mm_alloc *vad_find_next( uintptr_t addr );             /* first node with base > addr */
struct mm_alloc *vad_first_overlap( uintptr_t start, uintptr_t end );
int  vad_insert( struct mm_alloc *a );
void vad_remove( struct mm_alloc *a );
/* a new node (one reserved run), not in the tree; vad_free frees a node and what it owns */
struct mm_alloc *vad_new( enum mm_kind kind, uintptr_t base, uintptr_t end );
void vad_free( struct mm_alloc *a );
typedef void (*vad_walk_cb)( struct mm_alloc *a, void *ctx );
void vad_walk( vad_walk_cb cb, void *ctx );

/* find a free range of 'size' bytes, aligned to align_mask+1, inside [lo, hi) of the user
 * range: the lowest one, or the highest with top_down; 0 if there is none */
uintptr_t vad_find_gap( size_t size, uintptr_t lo, uintptr_t hi, size_t align_mask, int top_down );

/* forget every foreign node / read the kernel's map again: every mapping the core did not
 * make becomes a foreign node; 0 or a negative errno */
void vad_drop_foreign( void );
int  vad_load_foreign( void );

MM_HIDDEN_END

#endif

/*
 * ntdll-mm core: the core's own heap.  mm_malloc, mm_calloc, mm_realloc, mm_free and
 * mm_strdup are declared in host.h (hosts allocate from it too); see heap.c.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_HEAP_H
#define NTDLL_MM_HEAP_H

#include "mm_entry.h"
#include "host.h"

#ifndef NTDLL_MM_CORE
# error "a core-private header: a host includes host.h only"
#endif

MM_HIDDEN_BEGIN

/* fork(): the heap's lock held across it, last of the core's locks (init.c's handler) */
void heap_fork( enum mm_fork_phase phase );

MM_HIDDEN_END

#endif

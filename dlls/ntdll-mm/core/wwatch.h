/*
 * ntdll-mm core: the write-watch engine: which pages of MEM_WRITE_WATCH allocations were
 * written since the last reset.  See wwatch.c; NtGetWriteWatch / NtResetWriteWatch
 * (writewatch.c) are built on it.
 *
 * Lock rules: the space lock exclusive for every function except ww_init.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_WWATCH_H
#define NTDLL_MM_WWATCH_H

#include "types.h"
#include "space.h"

MM_HIDDEN_BEGIN

/* choose the engine (space.ww_mode) from the probe and NTDLL_MM_WRITE_WATCH, once */
NTSTATUS ww_init( void );
/* a new MEM_WRITE_WATCH allocation a (one run, not yet in the tree): start watching every
 * page of it; 0 or negative errno (then nothing is watched) */
int    ww_attach( struct mm_alloc *a );
/* pages [first, first+count) of watched a are about to be committed (some may be already):
 * on the kernel path, arm them without losing what was written; 0 or -errno */
int    ww_commit( struct mm_alloc *a, size_t first, size_t count );
/* decommit [first, first+count) of watched a keeping the written state (a pages_apply_fn) */
int    ww_decommit( struct mm_alloc *a, size_t first, size_t count );
/* Fallback path: a write fault at addr.  1 if it was the first write to a watched page that its
 * NT protection allows (recorded, write access given back: retry the instruction), else 0. */
int    ww_fault_locked( void *addr, int write );
/* The watched allocation holding [start, end), or NULL. */
struct mm_alloc *ww_find( uintptr_t start, uintptr_t end );
/* NtGetWriteWatch's work on [first, last) of watched a: up to *count written pages into out,
 * *count set to how many; with reset, those pages (all of the range when out did not fill)
 * are reset */
NTSTATUS ww_get( struct mm_alloc *a, size_t first, size_t last, int reset, void **out, ULONG_PTR *count );
/* NtResetWriteWatch's work on [first, first+count) of watched a */
NTSTATUS ww_reset( struct mm_alloc *a, size_t first, size_t count );

MM_HIDDEN_END

#endif

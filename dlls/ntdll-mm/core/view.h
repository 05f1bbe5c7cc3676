/*
 * ntdll-mm core: views of sections: mapping, unmapping, SEC_RESERVE commits and copy-on-write.
 * See view.c.
 *
 * Lock rules: as written at each function.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_VIEW_H
#define NTDLL_MM_VIEW_H

#include "types.h"
#include "space.h"

MM_HIDDEN_BEGIN

/* Lock: shared.  NT protection of a committed view page, refined from the kernel: a
 * copy-on-write page that has been written reports PAGE_READWRITE / PAGE_EXECUTE_READWRITE;
 * *span_end is limited to the pages that share that answer. */
uint32_t view_protect_reported( const struct mm_alloc *a, size_t page, uint32_t state, size_t *span_end );
/* may pages of view a take base protection prot (what its own protection allows; images
 * anything)? */
int      view_protect_allowed( const struct mm_alloc *a, ULONG prot );
/* Lock: exclusive.  New protection for pages [first, first+count) of view a
 * (NtProtectVirtualMemory, or MEM_COMMIT in a pagefile view: 'commit', which in a SEC_RESERVE
 * view commits the section's pages for every view). */
NTSTATUS view_set_protection( struct mm_alloc *a, size_t first, size_t count, ULONG prot, int commit );

MM_HIDDEN_END

#endif

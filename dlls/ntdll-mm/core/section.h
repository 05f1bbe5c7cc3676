/*
 * ntdll-mm core: section objects (struct mm_section in types.h; the host-facing functions,
 * mm_section_*, in host.h).  See section.c.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_SECTION_H
#define NTDLL_MM_SECTION_H

#include "types.h"

MM_HIDDEN_BEGIN

/* drop a reference (host_release of its object) */
void section_release( struct mm_section *section );
/* may a view or page protection 'prot' be used under 'limit' (a view under its section, a page
 * under its view's protection)?  Copy-on-write counts as read. */
int  section_protect_allowed( ULONG limit, ULONG prot );
static inline int section_is_reserve( const struct mm_section *section ) { return !!(section->flags & SEC_RESERVE); }
static inline int section_is_file( const struct mm_section *section ) { return !!(section->flags & SEC_FILE); }

MM_HIDDEN_END

#endif

/*
 * ntdll-mm core: SEC_IMAGE sections: the image laid out at section creation, and image views.
 * See imagemap.c.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_IMAGEMAP_H
#define NTDLL_MM_IMAGEMAP_H

#include "types.h"
#include "space.h"

MM_HIDDEN_BEGIN

/* Validate the PE file fd (section->file_size bytes) and lay it out for views (section->fd,
 * size, image, direct parts, shared backing).  *keep_fd: the section keeps fd (image_fd) to map
 * parts of the file directly; else the caller closes it. */
NTSTATUS imgmap_build( struct mm_section *section, int fd, int *keep_fd );
/* what imgmap_build made, for the section's destruction */
void imgmap_free( struct mm_section *section );
/* Lock: exclusive.  Map a view of image section 'section': at addr if given, else at the
 * preferred base if free, else anywhere in [0, limit) (32-bit images below 2 or 4 GiB),
 * relocated when not at the preferred base (STATUS_IMAGE_NOT_AT_BASE).  *view: the new view's
 * node, in the tree, holding a reference to the section. */
NTSTATUS imgmap_map_view( struct mm_section *section, uintptr_t addr, uintptr_t limit, int top_down,
                          struct mm_alloc **view );

MM_HIDDEN_END

#endif

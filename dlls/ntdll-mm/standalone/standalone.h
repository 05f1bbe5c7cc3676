/*
 * ntdll-mm standalone host: what its files share.  The host of libntdll-mm: a plain Linux
 * process, with a handle table of its own (handles.c), NtCreateSection & co. (section.c),
 * NtMapViewOfSection & co. (view.c), faults and caller memory (signal.c) and the rest of the
 * contract (host.c).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_STANDALONE_H
#define NTDLL_MM_STANDALONE_H

#include "host.h"

MM_HIDDEN_BEGIN

/* ---- handles.c ---- */

/* a file behind a handle of ntdll_mm_open_file / ntdll_mm_file_handle_from_fd */
struct host_file
{
    struct host_object obj;
    int fd;
    char *path;                  /* absolute Unix path, for MemoryMappedFilenameInformation */
};
/* a new handle to obj (one more reference) with the given rights */
NTSTATUS handles_alloc( struct host_object *obj, ACCESS_MASK access, HANDLE *handle );
/* A referenced object for handle, of the given type, with the rights 'needed'; *granted (when
 * not NULL) receives the handle's rights.  Errors, as NT: STATUS_INVALID_HANDLE,
 * STATUS_OBJECT_TYPE_MISMATCH (also for the current process/thread pseudo-handles),
 * STATUS_ACCESS_DENIED when the handle lacks a needed right.  Drop it with host_release. */
NTSTATUS handles_ref( HANDLE handle, enum host_type type, ACCESS_MASK needed,
                      struct host_object **obj, ACCESS_MASK *granted );
/* fork(): the handle table's lock */
void handles_fork( enum mm_fork_phase phase );

/* ---- section.c ---- */

/* fork(): the section names' lock */
void names_fork( enum mm_fork_phase phase );

MM_HIDDEN_END

#endif

/*
 * ntdll-mm core: the process's address space: its lock and its assertions.  See space.h.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <stdio.h>
#include <stdlib.h>

#include "space.h"

struct mm_space space = { .lock = PTHREAD_RWLOCK_INITIALIZER };

void space_assert_fail( const char *file, int line, const char *what )
{
    fprintf( stderr, "ntdll-mm: %s:%d: assertion failed: %s\n", file, line, what );
    abort();
}

/* glibc's rwlock records its writer by thread id, which fork changes: a lock taken by the
 * parent's thread is made anew, free, in the child */
void space_fork_child( void )
{
    __atomic_store_n( &space.writer, 0, __ATOMIC_RELAXED );
    pthread_rwlock_init( &space.lock, NULL );
}

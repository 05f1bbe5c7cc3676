/*
 * ntdll-mm core: the process's address space as the core keeps it: the region tree's root,
 * the NT user range, and the one lock that guards them.
 *
 * Lock rules: one process-wide reader/writer lock.  NtQueryVirtualMemory and fault
 * classification's read-only paths take it shared; every call that changes the tree or the
 * kernel's mappings takes it exclusive, once, in its worker.  Caller memory is never touched
 * while it is held (a fault there must not leave the lock taken): entry points copy inputs in
 * before the worker and outputs out after.  The host brackets every hold (host_lock_enter /
 * host_lock_leave: Wine defers its server signals there).  Lock order: the space lock, then
 * the host's locks (host_fork names them), then the heap's, which is a leaf.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_SPACE_H
#define NTDLL_MM_SPACE_H

#include "types.h"
#include <pthread.h>

MM_HIDDEN_BEGIN

struct mm_space
{
    pthread_rwlock_t lock;
    struct mm_alloc *root;       /* the region tree (vad.c) */
    struct mm_alloc *hint;       /* the node vad_find found last (written by readers too: relaxed atomics) */
    uintptr_t lowest;            /* lowest usable address (64K, or vm.mmap_min_addr rounded up) */
    uintptr_t highest;           /* highest user address, inclusive (NT's MmHighestUserAddress) */
    unsigned int nallocs;        /* MM_KIND_PRIVATE nodes */
    unsigned int reserve_views;  /* views of SEC_RESERVE sections (hosts skip their commit sync without) */
    int ww_mode;                 /* the write-watch engine, WW_KERNEL or WW_FALLBACK (set once by ww_init) */
    uintptr_t writer;            /* pthread_self() of the exclusive holder, else 0: assertions */
};

extern struct mm_space space;

void space_assert_fail( const char *file, int line, const char *what ) __attribute__((noreturn));

#define SPACE_ASSERT_EXCLUSIVE() \
    do { if (!space.writer) space_assert_fail( __FILE__, __LINE__, "exclusive lock" ); } while (0)

/* The lock is not recursive: taking it again on the thread that holds it exclusive (a host
 * calling the core from a fault it took inside the core, or a path that returned with the lock
 * held) would hang forever; abort with a message instead.  pthread_self() is a register read
 * and async-signal-safe. */
static inline void space_check_not_writer( void )
{
    if (__atomic_load_n( &space.writer, __ATOMIC_RELAXED ) == (uintptr_t)pthread_self())
        space_assert_fail( __FILE__, __LINE__, "the space lock taken again by the thread holding it exclusive" );
}

static inline void space_lock_shared( void )
{
    space_check_not_writer();
    host_lock_enter();
    pthread_rwlock_rdlock( &space.lock );
}

static inline void space_unlock_shared( void )
{
    pthread_rwlock_unlock( &space.lock );
    host_lock_leave();
}

static inline void space_lock_exclusive( void )
{
    space_check_not_writer();
    host_lock_enter();
    pthread_rwlock_wrlock( &space.lock );
    __atomic_store_n( &space.writer, (uintptr_t)pthread_self(), __ATOMIC_RELAXED );
}

static inline void space_unlock_exclusive( void )
{
    __atomic_store_n( &space.writer, 0, __ATOMIC_RELAXED );
    pthread_rwlock_unlock( &space.lock );
    host_lock_leave();
}

/* fork(): the lock held across it (init.c's handler), made anew in the child */
void space_fork_child( void );

MM_HIDDEN_END

#endif

/*
 * ntdll-mm core: start-up (the kernel probe, the user range, the host, the address space as
 * the kernel has it), fork(), and what the library tells about the kernel it found.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <stdio.h>
#include <string.h>

#include "heap.h"
#include "vad.h"
#include "wwatch.h"
#include "os.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static NTSTATUS init_status;

/* fork(): the child gets the address space as it is between two NT calls.  Without this, a
 * fork while another thread holds the space lock (or the host's or the heap's locks) leaves
 * the lock held for ever in the child (that thread does not exist there) and the child's first
 * memory call hangs.  One handler takes every lock in the lock order (the space lock, the
 * host's, the heap's), so the forking thread waits for the calls in flight.  In the child the
 * locks are made anew: glibc's rwlock records its writer by thread id, which fork changes.
 * Registered when the library is loaded: registering may use the C heap, and the heap is in
 * use before the first NT call initialises the core. */
static void atfork_prepare( void )
{
    space_lock_exclusive();
    host_fork( MM_FORK_PREPARE );
    heap_fork( MM_FORK_PREPARE );
}

static void atfork_parent( void )
{
    heap_fork( MM_FORK_PARENT );
    host_fork( MM_FORK_PARENT );
    space_unlock_exclusive();
}

static void atfork_child( void )
{
    heap_fork( MM_FORK_CHILD );
    host_fork( MM_FORK_CHILD );
    space_fork_child();
    host_lock_forget();
}

static void __attribute__((constructor)) register_atfork( void )
{
    pthread_atfork( atfork_prepare, atfork_parent, atfork_child );
}

static void do_init( void )
{
    int ret;

    if ((ret = os_init()))
    {
        fprintf( stderr, "ntdll-mm: kernel probe failed (%s)\n", strerror( -ret ) );
        init_status = STATUS_NOT_SUPPORTED;
        return;
    }
    space.lowest = mm_round_up( os_info.mmap_min_addr > 0x10000 ? os_info.mmap_min_addr : 0x10000, MM_GRAN_MASK );
    /* NT's MmHighestUserAddress on x86_64; the kernel's limit is a little higher */
    space.highest = 0x7ffffffeffff;
    if (space.highest >= os_info.user_top) space.highest = os_info.user_top - 1;
    if ((init_status = host_init())) return;
    if ((init_status = ww_init())) return;
    space_lock_exclusive();
    ret = vad_load_foreign();
    space_unlock_exclusive();
    if (ret) init_status = STATUS_NO_MEMORY;
}

NTSTATUS mm_ensure_init( void )
{
    pthread_once( &init_once, do_init );
    return init_status;
}

NTSTATUS ntdll_mm_init( void )
{
    return mm_ensure_init();
}

void ntdll_mm_get_kernel_info( struct ntdll_mm_kernel_info *info )
{
    mm_ensure_init();
    info->page_size = os_info.page_size;
    info->large_page_size = os_info.large_page_size;
    info->has_procmap_query = os_info.has_procmap_query;
    info->has_pagemap = os_info.has_pagemap;
    info->has_uffd_wp_async = os_info.has_uffd_wp_async;
    info->has_pagemap_scan = os_info.has_pagemap_scan;
    info->has_fixed_noreplace = os_info.has_fixed_noreplace;
    info->write_watch_mode = space.ww_mode;
}

void *ntdll_mm_lowest_address( void )
{
    mm_ensure_init();
    return (void *)space.lowest;
}

void *ntdll_mm_highest_address( void )
{
    mm_ensure_init();
    return (void *)space.highest;
}


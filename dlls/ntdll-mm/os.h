/*
 * ntdll-mm OS layer: the only code in ntdll-mm that calls mmap, munmap, mprotect, madvise,
 * or reads the kernel's view of the address space (/proc/self/maps, PROCMAP_QUERY,
 * /proc/self/pagemap).
 *
 * Contract:
 * - os_init() probes the running kernel once; later calls never probe again.  What it
 *   found is reported by os_info (and ntdll_mm_get_kernel_info()).
 * - Every function takes page-aligned addresses and sizes and returns 0 on success or a
 *   negative errno; none of them prints, allocates NT state or takes the mm lock.
 * - os_reserve, os_map_huge and os_map_file without 'replace' never replace an existing mapping
 *   (MAP_FIXED_NOREPLACE): -EEXIST means somebody else (the program, libc) owns part of the
 *   range.  The one exception is the host's reservation inside a host-reserved area (below):
 *   there they map MAP_FIXED over it, after checking that only the reservation is there
 *   (-EEXIST otherwise); a range across an area's edge is mapped in pieces.
 * - os_release unmaps, except inside host-reserved areas, where it puts the host's reservation
 *   back (PROT_NONE, private, anonymous, MAP_NORESERVE) so the range stays kept for NT.
 * - Memory returned by os_reserve is private, anonymous, MAP_NORESERVE (address space
 *   only, nothing charged), with the protection asked for (PROT_NONE for a reservation);
 *   os_discard makes pages read as zero again and frees them.
 * - Host-reserved areas (os_add_reserved / os_remove_reserved) are changed only with mm.lock
 *   held exclusive, and the functions that consult them (the mapping functions, os_release,
 *   os_visible_piece, os_query_visible, os_reserved_areas) are called with mm.lock held.
 * - Descriptors it keeps open (/proc/self/maps, /proc/self/pagemap) are reopened in a
 *   fork()ed child, so a child never reads its parent's address space.  The userfaultfd of
 *   write watch (opened by the probe) is closed in a child: it stays bound to the parent's
 *   address space, and the child's mappings lost their registration at fork.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_OS_H
#define NTDLL_MM_OS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "mm_entry.h"

MM_HIDDEN_BEGIN

struct os_info
{
    size_t page_size;
    size_t large_page_size;
    uintptr_t mmap_min_addr;
    uintptr_t user_top;          /* one past the highest user address the kernel gives out */
    unsigned int numa_nodes;     /* NUMA node numbers are below this (1 without NUMA) */
    int has_procmap_query;
    int has_pagemap;
    int has_uffd_wp_async;
    int has_pagemap_scan;
    int has_fixed_noreplace;
};
extern struct os_info os_info;

/* a kernel mapping (VMA) */
struct os_mapping
{
    uintptr_t start, end;
    int prot;                    /* PROT_* */
    int shared;                  /* MAP_SHARED */
    int file;                    /* backed by a file */
    size_t page_size;            /* kernel page size of the mapping (hugetlb: 2M...), 0 if unknown */
};

int os_init( void );

/* Host-reserved areas: address ranges the host has mapped PROT_NONE (private, anonymous,
 * MAP_NORESERVE) to keep them free for NT.  The mappings of that reservation are not memory
 * for NT (queries, the foreign set and the invariant checker look through them); the core's
 * mappings replace it and os_release restores it.  0, -EINVAL (empty range) or -ENOMEM. */
struct os_area
{
    uintptr_t start, end;
};
int os_add_reserved( uintptr_t start, uintptr_t end );
int os_remove_reserved( uintptr_t start, uintptr_t end );
/* exclusive: nothing but us maps inside the areas (host_owns_reserved_areas), so a mapping
 * over the reservation needs no look at the kernel's map first */
void os_set_reserved_exclusive( int exclusive );
/* the areas, sorted and disjoint; valid until the next change */
const struct os_area *os_reserved_areas( size_t *count );
/* could map be (part of) the host's reservation: PROT_NONE, private, anonymous? */
int os_mapping_is_reservation( const struct os_mapping *map );
/* the first piece [*start, *end) of map ending above 'from' that is real memory, not the
 * host's reservation inside a reserved area; 0 if there is none */
int os_visible_piece( const struct os_mapping *map, uintptr_t from, uintptr_t *start, uintptr_t *end );
/* os_query_mapping, looking through the host's reservation: the visible mapping piece
 * containing addr or, if none, the next one above it; -ENOENT if there is none above */
int os_query_visible( uintptr_t addr, struct os_mapping *map );

int os_reserve( uintptr_t addr, size_t size, int prot );
int os_release( uintptr_t addr, size_t size );
int os_protect( uintptr_t addr, size_t size, int prot );
int os_discard( uintptr_t addr, size_t size );     /* contents gone, pages read as zero */
/* decommit: PROT_NONE and contents gone in one atomic step (no window where a write could
 * land between the two); the range must lie inside one of our private anonymous mappings */
int os_decommit( uintptr_t addr, size_t size );
int os_reset( uintptr_t addr, size_t size );       /* contents may be discarded lazily (MADV_FREE) */
/* placeholders: a fresh private anonymous mapping with prot over [addr, addr+size), which we
 * own (MAP_FIXED): a placeholder replaced by private memory, or memory or a view turned back
 * into a placeholder (PROT_NONE); the old contents, mlock and write-watch registration go */
int os_replace_anon( uintptr_t addr, size_t size, int prot );

/* map fd at offset over [addr, addr+size): MAP_SHARED or MAP_PRIVATE (copy-on-write).
 * replace: MAP_FIXED over a range we own (a reservation), else MAP_FIXED_NOREPLACE. */
int os_map_file( uintptr_t addr, size_t size, int prot, int fd, uint64_t offset, int shared, int replace );
/* private anonymous memory from the hugetlb pool at addr (MAP_FIXED_NOREPLACE), committed at
 * once: the pool pages are reserved by the call, so an empty pool fails here (-ENOMEM), never
 * later at a fault */
int os_map_huge( uintptr_t addr, size_t size, int prot );
/* a hugetlb-backed memfd (MFD_HUGETLB) of size bytes; the fd or negative errno */
int os_create_shm_huge( uint64_t size, const char *name );

/* write back dirty shared pages of [addr, addr+size) to their file and wait (msync MS_SYNC) */
int os_sync( uintptr_t addr, size_t size );
/* an anonymous shared-memory file of size bytes (memfd_create); the fd or negative errno */
int os_create_shm( uint64_t size, const char *name );
int os_file_size( int fd, uint64_t *size, uint64_t *dev, uint64_t *ino );
int os_file_grow( int fd, uint64_t size );
ssize_t os_file_read( int fd, void *buf, size_t size, uint64_t offset );
/* fd's first size bytes mapped read-only where the kernel chooses (outside any range of ours),
 * to read a file in place; NULL on failure.  Pages past the end of the file fault (SIGBUS):
 * callers read only what they checked against the file size.  *exec tells whether the file
 * may also be mapped executable (not on a noexec mount: EPERM/EACCES for PROT_EXEC).
 * os_unmap_readonly undoes it. */
const void *os_map_readonly( int fd, size_t size, int *exec );
void os_unmap_readonly( const void *addr, size_t size );

/* memory for the core's heap (pool.c): size bytes (a multiple of the page size) of private
 * anonymous read-write memory where the kernel chooses, outside every range of ours; NULL
 * when the kernel has none.  os_pool_unmap gives it back. */
void *os_pool_map( size_t size );
void os_pool_unmap( void *addr, size_t size );

/* mlock / munlock: pages stay resident (RLIMIT_MEMLOCK applies to unprivileged users) */
int os_lock( uintptr_t addr, size_t size );
int os_unlock( uintptr_t addr, size_t size );
/* start reading the pages of [addr, addr+size) in (MADV_WILLNEED); only a hint */
int os_prefetch( uintptr_t addr, size_t size );
/* a full memory barrier on every CPU running a thread of the process: membarrier(2), private
 * expedited when the kernel has it (registered at first use; fork()ed children inherit it),
 * else global, else an mprotect TLB shoot-down; chosen once */
int os_flush_write_buffers( void );

/* the mapping containing addr or, if none, the next one above it; 0, or -ENOENT if there is
 * none above */
int os_query_mapping( uintptr_t addr, struct os_mapping *map );
/* call cb for every mapping in address order; stops early when cb returns non-zero */
int os_walk_mappings( int (*cb)( const struct os_mapping *map, void *ctx ), void *ctx );
/* read pagemap entries for count pages from addr; 0 or negative errno */
int os_read_pagemap( uintptr_t addr, size_t count, uint64_t *entries );

/* write watch, kernel path (only when has_uffd_wp_async and has_pagemap_scan): register a
 * range of our private anonymous mappings for async write-protect (again after anything that
 * replaces the mapping: the registration belongs to the VMA), arm it (write-protect every
 * page, present or not: the next write to each is recorded by the kernel, without a signal),
 * and scan it: cb gets every range written since it was armed; rearm protects them again in
 * the same walk (read-and-reset). */
int os_ww_register( uintptr_t addr, size_t size );
int os_ww_arm( uintptr_t addr, size_t size );
int os_ww_scan( uintptr_t addr, size_t size, int rearm,
                void (*cb)( uintptr_t start, uintptr_t end, void *ctx ), void *ctx );

#define OS_PM_PRESENT    (1ull << 63)
#define OS_PM_SWAPPED    (1ull << 62)
#define OS_PM_FILE_SHARED (1ull << 61)
#define OS_PM_EXCLUSIVE  (1ull << 56)
#define OS_PM_SOFT_DIRTY (1ull << 55)
#define OS_PM_PFN_MASK   ((1ull << 55) - 1)

MM_HIDDEN_END

#endif

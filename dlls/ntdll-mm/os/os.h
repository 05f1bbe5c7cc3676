/*
 * ntdll-mm OS layer: the only code in ntdll-mm that calls mmap, munmap, mprotect, madvise,
 * mlock, userfaultfd, or reads the kernel's view of the address space (/proc/self/maps,
 * PROCMAP_QUERY, /proc/self/pagemap).  Mechanism only: it knows nothing of NT, of the core's
 * allocations or of the host's reserved areas; where a mapping goes and what may be replaced
 * is decided above it (core/reserved.c).
 *
 * Files: map.c (mappings, files, locks, barriers), procfs.c (the kernel's map and pagemap),
 * uffd.c (userfaultfd write-protect and PAGEMAP_SCAN), probe.c (os_init: the kernel probe).
 *
 * Contract:
 * - os_init() probes the running kernel once; later calls never probe again.  What it found
 *   is in os_info (and ntdll_mm_get_kernel_info()).  Nothing else reads os_info in this layer:
 *   each file keeps what its own probe found.
 * - Every function takes page-aligned addresses and sizes and returns 0 on success or a
 *   negative errno; none of them prints, takes a lock of the core or allocates from any heap.
 * - os_map without 'fixed' never replaces an existing mapping (MAP_FIXED_NOREPLACE, checked:
 *   -EEXIST means something is mapped in the range); with 'fixed' it maps over whatever is
 *   there (MAP_FIXED), which the caller must own.
 * - Anonymous mappings are private and MAP_NORESERVE (address space only, nothing charged);
 *   os_discard makes pages read as zero again and frees them.
 * - Descriptors it keeps open (/proc/self/maps, /proc/self/pagemap) are reopened in a
 *   fork()ed child, so a child never reads its parent's address space.  The userfaultfd of
 *   write watch is closed in a child: it stays bound to the parent's address space, and the
 *   child's mappings lost their registration at fork; the child opens its own on first use.
 * - Stack: every function fits in a few KB of stack (the Wine host runs NT calls on a
 *   thread's 51 KB signal stack).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_OS_H
#define NTDLL_MM_OS_H

#include "mm_entry.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef NTDLL_MM_CORE
# error "os.h is the core's OS layer: a host includes host.h only"
#endif

MM_HIDDEN_BEGIN

/* ---- probe.c ----------------------------------------------------------------------------- */

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

int os_init( void );

/* ---- map.c ------------------------------------------------------------------------------- */

enum os_map_kind
{
    OS_MAP_ANON,                 /* private anonymous memory, MAP_NORESERVE */
    OS_MAP_HUGE,                 /* private anonymous memory from the hugetlb pool, its pages taken
                                    by the call: an empty pool fails here (-ENOMEM), never at a fault */
    OS_MAP_SHARED,               /* fd at offset, MAP_SHARED */
    OS_MAP_PRIVATE,              /* fd at offset, MAP_PRIVATE (copy-on-write), MAP_NORESERVE */
};
/* Map [addr, addr+size) exactly there.  fixed: MAP_FIXED over what is there (the caller owns
 * it); else never over an existing mapping (-EEXIST).  fd/offset only for the file kinds. */
int os_map( uintptr_t addr, size_t size, int prot, enum os_map_kind kind, int fd, uint64_t offset, int fixed );
int os_unmap( uintptr_t addr, size_t size );
int os_protect( uintptr_t addr, size_t size, int prot );
int os_discard( uintptr_t addr, size_t size );     /* contents gone, pages read as zero */
/* PROT_NONE and contents gone in one atomic step (no window where a write could land between
 * the two): a fresh anonymous mapping over a range the caller owns.  Cheaper than mprotect +
 * MADV_DONTNEED, which rewrites every present page entry before dropping it.  Locks and
 * userfaultfd registrations of the range go with the old mapping. */
int os_decommit( uintptr_t addr, size_t size );
int os_reset( uintptr_t addr, size_t size );       /* contents may be discarded lazily (MADV_FREE) */
/* write back dirty shared pages of [addr, addr+size) to their file and wait (msync MS_SYNC) */
int os_sync( uintptr_t addr, size_t size );
/* mlock / munlock: pages stay resident (RLIMIT_MEMLOCK applies to unprivileged users) */
int os_lock( uintptr_t addr, size_t size );
int os_unlock( uintptr_t addr, size_t size );
/* start reading the pages of [addr, addr+size) in (MADV_WILLNEED); only a hint */
int os_prefetch( uintptr_t addr, size_t size );
/* a full memory barrier on every CPU running a thread of the process: membarrier(2), private
 * expedited when the kernel has it (registered at first use; fork()ed children inherit it),
 * else global, else an mprotect TLB shoot-down; chosen once */
int os_flush_write_buffers( void );

/* an anonymous shared-memory file of size bytes (memfd_create); the fd or negative errno */
int os_create_shm( uint64_t size, const char *name );
/* a hugetlb-backed memfd (MFD_HUGETLB) of size bytes, its pool pages taken now */
int os_create_shm_huge( uint64_t size, const char *name );
int os_file_size( int fd, uint64_t *size, uint64_t *dev, uint64_t *ino );
int os_file_grow( int fd, uint64_t size );
ssize_t os_file_read( int fd, void *buf, size_t size, uint64_t offset );
ssize_t os_file_write( int fd, const void *buf, size_t size, uint64_t offset );
/* fd's first size bytes mapped read-only where the kernel chooses, to read a file in place;
 * NULL on failure.  Pages past the end of the file fault (SIGBUS): callers read only what
 * they checked against the file size.  *exec tells whether the file may also be mapped
 * executable (not on a noexec mount: EPERM/EACCES for PROT_EXEC).  os_unmap_readonly undoes it. */
const void *os_map_readonly( int fd, size_t size, int *exec );
void os_unmap_readonly( const void *addr, size_t size );
/* memory for the core's heap: size bytes (a multiple of the page size) of private anonymous
 * read-write memory where the kernel chooses; NULL when the kernel has none */
void *os_pool_map( size_t size );
void os_pool_unmap( void *addr, size_t size );
/* probe: does the kernel refuse MAP_FIXED_NOREPLACE over an existing mapping? */
int os_map_probe( void );

/* ---- procfs.c ---------------------------------------------------------------------------- */

/* a kernel mapping (VMA) */
struct os_mapping
{
    uintptr_t start, end;
    int prot;                    /* PROT_* */
    int shared;                  /* MAP_SHARED */
    int file;                    /* backed by a file */
    size_t page_size;            /* kernel page size of the mapping (hugetlb: 2M...), 0 if unknown */
};
/* the mapping containing addr or, if none, the next one above it; 0, or -ENOENT if there is
 * none above (PROCMAP_QUERY when the kernel has it, else a walk of /proc/self/maps) */
int os_query_mapping( uintptr_t addr, struct os_mapping *map );
/* Call cb for every mapping in address order; stops early when cb returns non-zero.  0 when
 * every line of the map was read (or cb stopped the walk), else a negative errno: a caller that
 * needs the whole map must not take a failed walk for an empty or shorter one. */
int os_walk_mappings( int (*cb)( const struct os_mapping *map, void *ctx ), void *ctx );
/* read pagemap entries for count pages from addr; 0 or negative errno */
int os_read_pagemap( uintptr_t addr, size_t count, uint64_t *entries );
/* the pagemap descriptor (for PAGEMAP_SCAN), opened on first use; negative errno */
int os_pagemap_fd( void );
/* probes, for os_init: PROCMAP_QUERY answers for a mapping we know; pagemap shows a page we
 * touched as present */
int os_procfs_probe_query( void );
int os_procfs_probe_pagemap( void );
void os_procfs_fork_child( void );

#define OS_PM_PRESENT    (1ull << 63)
#define OS_PM_SWAPPED    (1ull << 62)
#define OS_PM_FILE_SHARED (1ull << 61)
#define OS_PM_EXCLUSIVE  (1ull << 56)
#define OS_PM_SOFT_DIRTY (1ull << 55)
#define OS_PM_PFN_MASK   ((1ull << 55) - 1)

/* ---- uffd.c ------------------------------------------------------------------------------ */

/* Write watch, kernel path (only when the probe found userfaultfd async write-protect and
 * PAGEMAP_SCAN): register a range of private anonymous mappings for async write-protect (again
 * after anything that replaces the mapping: the registration belongs to the VMA), arm it
 * (write-protect every page, present or not: the next write to each is recorded by the
 * kernel, without a signal), and scan it: cb gets every range written since it was armed;
 * rearm protects them again in the same walk (read-and-reset). */
int os_ww_register( uintptr_t addr, size_t size );
int os_ww_arm( uintptr_t addr, size_t size );
int os_ww_scan( uintptr_t addr, size_t size, int rearm,
                void (*cb)( uintptr_t start, uintptr_t end, void *ctx ), void *ctx );
/* probes, for os_init */
int os_uffd_probe_wp_async( void );
int os_uffd_probe_scan( void );
void os_uffd_fork_child( void );

MM_HIDDEN_END

#endif

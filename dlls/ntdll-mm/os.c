/*
 * ntdll-mm OS layer: Linux system calls for the memory manager.  See os.h for the contract.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/types.h>
#ifdef HAVE_LINUX_USERFAULTFD_H
#include <linux/userfaultfd.h>
#endif

#include "os.h"
#include "host.h"   /* mm_realloc */

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif

/* Kernel UAPI that Debian 12's headers (Linux 6.1) lack; values from the kernel ABI,
 * probed at run time before use. */
#ifndef PROCMAP_QUERY
struct procmap_query
{
    __u64 size;
    __u64 query_flags;
    __u64 query_addr;
    __u64 vma_start;
    __u64 vma_end;
    __u64 vma_flags;
    __u64 vma_page_size;
    __u64 vma_offset;
    __u64 inode;
    __u32 dev_major;
    __u32 dev_minor;
    __u32 vma_name_size;
    __u32 build_id_size;
    __u64 vma_name_addr;
    __u64 build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_VMA_READABLE          0x01
#define PROCMAP_QUERY_VMA_WRITABLE          0x02
#define PROCMAP_QUERY_VMA_EXECUTABLE        0x04
#define PROCMAP_QUERY_VMA_SHARED            0x08
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA  0x10
#endif
#ifndef PAGEMAP_SCAN
/* include/uapi/linux/fs.h (Linux 6.7) */
struct page_region
{
    __u64 start;
    __u64 end;
    __u64 categories;
};
struct pm_scan_arg
{
    __u64 size;
    __u64 flags;
    __u64 start;
    __u64 end;
    __u64 walk_end;
    __u64 vec;
    __u64 vec_len;
    __u64 max_pages;
    __u64 category_inverted;
    __u64 category_mask;
    __u64 category_anyof_mask;
    __u64 return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif
#ifndef PM_SCAN_WP_MATCHING
#define PM_SCAN_WP_MATCHING     (1 << 0)
#define PM_SCAN_CHECK_WPASYNC   (1 << 1)
#endif
#ifndef PAGE_IS_WRITTEN
#define PAGE_IS_WPALLOWED       (1 << 0)
#define PAGE_IS_WRITTEN         (1 << 1)
#endif
/* include/uapi/linux/userfaultfd.h */
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif

struct os_info os_info;

static int maps_fd = -1, pagemap_fd = -1;
static int uffd_fd = -1;         /* userfaultfd for async write-protect (write watch) */
static int get_uffd( void );

static void os_atfork_child( void )
{
    /* these descriptors name the parent's address space: reopen lazily in the child */
    if (maps_fd >= 0) close( maps_fd );
    if (pagemap_fd >= 0) close( pagemap_fd );
    maps_fd = pagemap_fd = -1;
    /* a userfaultfd stays bound to the parent's mm, and the child's mappings lost their
     * registration (no UFFD_FEATURE_EVENT_FORK): the child opens its own at its first
     * write-watch allocation (get_uffd); the allocations it inherited stop being watched */
    if (uffd_fd >= 0) close( uffd_fd );
    uffd_fd = -1;
}

static int get_maps_fd( void )
{
    if (maps_fd < 0) maps_fd = open( "/proc/self/maps", O_RDONLY | O_CLOEXEC );
    return maps_fd;
}

static int get_pagemap_fd( void )
{
    if (pagemap_fd < 0) pagemap_fd = open( "/proc/self/pagemap", O_RDONLY | O_CLOEXEC );
    return pagemap_fd;
}

/* ---- /proc/self/maps parsing (fallback without PROCMAP_QUERY) ---------------------- */

static int parse_maps_line( const char *line, struct os_mapping *map )
{
    unsigned long long start, end, inode;
    char perms[8];
    int n = 0;

    if (sscanf( line, "%llx-%llx %7s %*s %*s %llu%n", &start, &end, perms, &inode, &n ) < 4) return -1;
    map->start = start;
    map->end = end;
    map->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
                (perms[2] == 'x' ? PROT_EXEC : 0);
    map->shared = perms[3] == 's';
    map->file = inode != 0;
    map->page_size = 0;
    return 0;
}

/* Stack: the Wine host runs this on a thread's signal stack (system APCs of a suspended
 * thread, faults), 51 KB that Wine's own frames share, so one small buffer with the lines
 * parsed in place.  Only a line's first fields are read: a line longer than the buffer (a
 * path near PATH_MAX) is parsed from its start and the rest of it skipped. */
int os_walk_mappings( int (*cb)( const struct os_mapping *map, void *ctx ), void *ctx )
{
    char buf[2048];
    struct os_mapping map;
    size_t have = 0;        /* bytes of an unfinished line at the start of buf */
    int fd, stop = 0, skip_rest = 0;
    ssize_t got;

    /* a fresh descriptor each time: reading the kept one concurrently would share its offset */
    if ((fd = open( "/proc/self/maps", O_RDONLY | O_CLOEXEC )) < 0) return -errno;
    while (!stop && (got = read( fd, buf + have, sizeof(buf) - 1 - have )) > 0)
    {
        char *line = buf, *end = buf + have + got, *nl;

        while (!stop && (nl = memchr( line, '\n', end - line )))
        {
            *nl = 0;
            if (!skip_rest && !parse_maps_line( line, &map )) stop = cb( &map, ctx );
            skip_rest = 0;
            line = nl + 1;
        }
        have = end - line;
        if (have == sizeof(buf) - 1)
        {
            /* no end of line in a full buffer */
            buf[have] = 0;
            if (!skip_rest && !stop && !parse_maps_line( buf, &map )) stop = cb( &map, ctx );
            skip_rest = 1;
            have = 0;
        }
        else memmove( buf, line, have );
    }
    close( fd );
    return 0;
}

struct find_ctx
{
    uintptr_t addr;
    struct os_mapping *map;
    int found;
};

static int find_cb( const struct os_mapping *map, void *ctx )
{
    struct find_ctx *f = ctx;
    if (map->end <= f->addr) return 0;
    *f->map = *map;
    f->found = 1;
    return 1;
}

static int query_procmap( uintptr_t addr, struct os_mapping *map )
{
    struct procmap_query q;
    int fd = get_maps_fd();

    if (fd < 0) return -errno;
    memset( &q, 0, sizeof(q) );
    q.size = sizeof(q);
    q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
    q.query_addr = addr;
    if (ioctl( fd, PROCMAP_QUERY, &q ) < 0) return -errno;
    map->start = q.vma_start;
    map->end = q.vma_end;
    map->prot = ((q.vma_flags & PROCMAP_QUERY_VMA_READABLE) ? PROT_READ : 0) |
                ((q.vma_flags & PROCMAP_QUERY_VMA_WRITABLE) ? PROT_WRITE : 0) |
                ((q.vma_flags & PROCMAP_QUERY_VMA_EXECUTABLE) ? PROT_EXEC : 0);
    map->shared = !!(q.vma_flags & PROCMAP_QUERY_VMA_SHARED);
    map->file = q.inode != 0;
    map->page_size = q.vma_page_size;
    return 0;
}

int os_query_mapping( uintptr_t addr, struct os_mapping *map )
{
    struct find_ctx f = { addr, map, 0 };
    int ret;

    if (os_info.has_procmap_query)
    {
        ret = query_procmap( addr, map );
        if (ret != -ENOTTY && ret != -EBADF) return ret;
    }
    if ((ret = os_walk_mappings( find_cb, &f ))) return ret;
    return f.found ? 0 : -ENOENT;
}

int os_read_pagemap( uintptr_t addr, size_t count, uint64_t *entries )
{
    size_t done = 0;
    int fd = get_pagemap_fd();

    if (fd < 0) return -errno;
    while (done < count)
    {
        ssize_t got = pread( fd, entries + done, (count - done) * sizeof(uint64_t),
                             (off_t)(((addr >> 12) + done) * sizeof(uint64_t)) );
        if (got < 0)
        {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (!got) return -EIO;
        done += got / sizeof(uint64_t);
    }
    return 0;
}

/* ---- host-reserved areas ------------------------------------------------------------
 * Ranges the host has mapped PROT_NONE to keep them for NT (Wine's preloader reservations).
 * Sorted, disjoint, never adjacent (merged).  Changed only under mm.lock exclusive; read by
 * the functions below, which the core calls under mm.lock. */

static struct os_area *areas;
static size_t nb_areas, areas_cap;

static int areas_reserve( size_t need )
{
    struct os_area *v;
    size_t cap;

    if (need <= areas_cap) return 0;
    cap = areas_cap ? areas_cap * 2 : 8;
    if (cap < need) cap = need;
    if (!(v = mm_realloc( areas, cap * sizeof(*v) ))) return -ENOMEM;
    areas = v;
    areas_cap = cap;
    return 0;
}

int os_add_reserved( uintptr_t start, uintptr_t end )
{
    size_t i, j, k;

    if (start >= end) return -EINVAL;
    if (areas_reserve( nb_areas + 1 )) return -ENOMEM;
    /* areas [i, j) overlap or touch [start, end): merge them into one */
    for (i = 0; i < nb_areas && areas[i].end < start; i++) ;
    for (j = i; j < nb_areas && areas[j].start <= end; j++) ;
    if (i < j)
    {
        if (areas[i].start < start) start = areas[i].start;
        if (areas[j - 1].end > end) end = areas[j - 1].end;
    }
    if (j - i != 1)
    {
        /* make room for exactly one entry at i */
        size_t tail = nb_areas - j;
        k = i + 1;
        memmove( areas + k, areas + j, tail * sizeof(*areas) );
        nb_areas = k + tail;
    }
    areas[i].start = start;
    areas[i].end = end;
    return 0;
}

int os_remove_reserved( uintptr_t start, uintptr_t end )
{
    size_t i;

    if (start >= end) return -EINVAL;
    if (areas_reserve( nb_areas + 1 )) return -ENOMEM;
    for (i = 0; i < nb_areas; i++)
    {
        struct os_area *a = &areas[i];

        if (a->end <= start || a->start >= end) continue;
        if (a->start < start && a->end > end)
        {
            /* split in two */
            memmove( areas + i + 1, areas + i, (nb_areas - i) * sizeof(*areas) );
            nb_areas++;
            areas[i].end = start;
            areas[i + 1].start = end;
            return 0;
        }
        if (a->start < start) a->end = start;
        else if (a->end > end) a->start = end;
        else
        {
            memmove( areas + i, areas + i + 1, (nb_areas - i - 1) * sizeof(*areas) );
            nb_areas--;
            i--;
        }
    }
    return 0;
}

const struct os_area *os_reserved_areas( size_t *count )
{
    *count = nb_areas;
    return areas;
}

/* the end of the piece of [cur, end) that starts at cur and lies entirely inside (*inside = 1)
 * or entirely outside (*inside = 0) the reserved areas */
static uintptr_t piece_end( uintptr_t cur, uintptr_t end, int *inside )
{
    size_t i;

    for (i = 0; i < nb_areas; i++)
    {
        if (areas[i].end <= cur) continue;
        if (areas[i].start <= cur)
        {
            *inside = 1;
            return areas[i].end < end ? areas[i].end : end;
        }
        *inside = 0;
        return areas[i].start < end ? areas[i].start : end;
    }
    *inside = 0;
    return end;
}

int os_mapping_is_reservation( const struct os_mapping *map )
{
    return map->prot == PROT_NONE && !map->shared && !map->file;
}

int os_visible_piece( const struct os_mapping *map, uintptr_t from, uintptr_t *start, uintptr_t *end )
{
    uintptr_t cur, stop;
    int inside;

    if (map->end <= from) return 0;
    if (!nb_areas || !os_mapping_is_reservation( map ))
    {
        *start = map->start;
        *end = map->end;
        return 1;
    }
    for (cur = map->start; cur < map->end; cur = stop)
    {
        stop = piece_end( cur, map->end, &inside );
        if (inside || stop <= from) continue;
        *start = cur;
        *end = stop;
        return 1;
    }
    return 0;
}

int os_query_visible( uintptr_t addr, struct os_mapping *map )
{
    uintptr_t start, end;
    int ret;

    for (;;)
    {
        if ((ret = os_query_mapping( addr, map ))) return ret;
        if (os_visible_piece( map, addr, &start, &end ))
        {
            map->start = start;
            map->end = end;
            return 0;
        }
        addr = map->end;
    }
}

/* set from host_owns_reserved_areas when an area is registered */
static int reserved_exclusive;

void os_set_reserved_exclusive( int exclusive )
{
    reserved_exclusive = exclusive;
}

/* is [start, end) (inside a reserved area) still only the host's reservation (or unmapped)?
 * The core's own PROT_NONE memory looks the same, but the tree keeps placement off it. */
static int reservation_intact( uintptr_t start, uintptr_t end )
{
    struct os_mapping map;

    if (reserved_exclusive) return 1;

    while (start < end)
    {
        if (os_query_mapping( start, &map ) || map.start >= end) return 1;
        if (!os_mapping_is_reservation( &map )) return 0;
        start = map.end;
    }
    return 1;
}

/* ---- mappings ------------------------------------------------------------------- */

/* mmap at exactly addr; without MAP_FIXED in flags, never over an existing mapping */
static int map_at( uintptr_t addr, size_t size, int prot, int flags, int fd, uint64_t offset )
{
    void *ret = mmap( (void *)addr, size, prot, (flags & MAP_FIXED) ? flags : flags | MAP_FIXED_NOREPLACE, fd,
                      (off_t)offset );
    if (ret == MAP_FAILED) return -errno;
    if ((uintptr_t)ret != addr)
    {
        /* a kernel older than 4.17 treats MAP_FIXED_NOREPLACE as a hint */
        munmap( ret, size );
        return -EEXIST;
    }
    return 0;
}

/* put the host's reservation back over [addr, addr+size) */
static int restore_reservation( uintptr_t addr, size_t size )
{
    return map_at( addr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0 );
}

/* A new mapping of our own at exactly [addr, addr+size): outside reserved areas never over an
 * existing mapping (MAP_FIXED_NOREPLACE), inside them over the host's reservation (MAP_FIXED,
 * after checking that only the reservation is there).  A range across an area's edge is
 * mapped in pieces, the outside ones first (they are the ones that can be taken). */
static int map_new( uintptr_t addr, size_t size, int prot, int flags, int fd, uint64_t offset )
{
    uintptr_t end = addr + size, cur, stop;
    int inside, ret = 0;

    if (!nb_areas) return map_at( addr, size, prot, flags, fd, offset );
    if ((stop = piece_end( addr, end, &inside )) == end)
    {
        if (!inside) return map_at( addr, size, prot, flags, fd, offset );
        if (!reservation_intact( addr, end )) return -EEXIST;
        return map_at( addr, size, prot, flags | MAP_FIXED, fd, offset );
    }
    for (cur = addr; cur < end; cur = stop)
    {
        stop = piece_end( cur, end, &inside );
        if (inside) ret = reservation_intact( cur, stop ) ? 0 : -EEXIST;
        else ret = map_at( cur, stop - cur, prot, flags, fd, fd >= 0 ? offset + (cur - addr) : 0 );
        if (ret) break;
    }
    if (ret)
    {
        /* undo the outside pieces mapped so far; the reservation was not touched yet */
        uintptr_t fail = cur;
        for (cur = addr; cur < fail; cur = stop)
        {
            stop = piece_end( cur, fail, &inside );
            if (!inside) munmap( (void *)cur, stop - cur );
        }
        return ret;
    }
    for (cur = addr; cur < end; cur = stop)
    {
        stop = piece_end( cur, end, &inside );
        if (!inside) continue;
        if ((ret = map_at( cur, stop - cur, prot, flags | MAP_FIXED, fd, fd >= 0 ? offset + (cur - addr) : 0 )))
        {
            os_release( addr, size );
            return ret;
        }
    }
    return 0;
}

int os_reserve( uintptr_t addr, size_t size, int prot )
{
    return map_new( addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0 );
}

int os_release( uintptr_t addr, size_t size )
{
    uintptr_t end = addr + size, cur, stop;
    int inside, ret = 0;

    for (cur = addr; cur < end; cur = stop)
    {
        stop = piece_end( cur, end, &inside );
        if (inside)
        {
            int err = restore_reservation( cur, stop - cur );
            if (err) ret = err;
        }
        else if (munmap( (void *)cur, stop - cur )) ret = -errno;
    }
    return ret;
}

int os_protect( uintptr_t addr, size_t size, int prot )
{
    return mprotect( (void *)addr, size, prot ) ? -errno : 0;
}

int os_discard( uintptr_t addr, size_t size )
{
    return madvise( (void *)addr, size, MADV_DONTNEED ) ? -errno : 0;
}

int os_decommit( uintptr_t addr, size_t size )
{
    /* a fresh mapping over the range drops the pages and the access at once; cheaper than
     * mprotect + MADV_DONTNEED, which rewrites every present page entry before dropping it */
    return os_replace_anon( addr, size, PROT_NONE );
}

int os_replace_anon( uintptr_t addr, size_t size, int prot )
{
    /* MAP_FIXED on purpose: the range is ours (a placeholder or a view being turned into one) */
    return map_at( addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0 );
}

int os_map_file( uintptr_t addr, size_t size, int prot, int fd, uint64_t offset, int shared, int replace )
{
    int flags = shared ? MAP_SHARED : MAP_PRIVATE | MAP_NORESERVE;

    if (replace) return map_at( addr, size, prot, flags | MAP_FIXED, fd, offset );
    return map_new( addr, size, prot, flags, fd, offset );
}

int os_map_huge( uintptr_t addr, size_t size, int prot )
{
    return map_new( addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0 );
}

int os_create_shm_huge( uint64_t size, const char *name )
{
    int fd = memfd_create( name, MFD_CLOEXEC | MFD_HUGETLB );
    if (fd < 0) return -errno;
    /* take the pool pages now, so an empty pool fails here and not at a later fault */
    if (fallocate( fd, 0, 0, (off_t)size ))
    {
        int err = errno;
        close( fd );
        return -err;
    }
    return fd;
}

int os_sync( uintptr_t addr, size_t size )
{
    return msync( (void *)addr, size, MS_SYNC ) ? -errno : 0;
}

int os_create_shm( uint64_t size, const char *name )
{
    int fd = memfd_create( name, MFD_CLOEXEC );
    if (fd < 0) return -errno;
    if (ftruncate( fd, (off_t)size ))
    {
        int err = errno;
        close( fd );
        return -err;
    }
    return fd;
}

int os_file_size( int fd, uint64_t *size, uint64_t *dev, uint64_t *ino )
{
    struct stat st;
    if (fstat( fd, &st )) return -errno;
    *size = st.st_size;
    if (dev) *dev = st.st_dev;
    if (ino) *ino = st.st_ino;
    return 0;
}

int os_file_grow( int fd, uint64_t size )
{
    uint64_t cur;
    int ret;
    if ((ret = os_file_size( fd, &cur, NULL, NULL ))) return ret;
    if (cur >= size) return 0;
    return ftruncate( fd, (off_t)size ) ? -errno : 0;
}

ssize_t os_file_read( int fd, void *buf, size_t size, uint64_t offset )
{
    size_t done = 0;
    while (done < size)
    {
        ssize_t got = pread( fd, (char *)buf + done, size - done, (off_t)(offset + done) );
        if (got < 0)
        {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (!got) break;
        done += got;
    }
    return done;
}

const void *os_map_readonly( int fd, size_t size, int *exec )
{
    void *p = mmap( NULL, size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0 );

    *exec = p != MAP_FAILED;
    if (p == MAP_FAILED && (errno == EPERM || errno == EACCES)) p = mmap( NULL, size, PROT_READ, MAP_PRIVATE, fd, 0 );
    return p == MAP_FAILED ? NULL : p;
}

void os_unmap_readonly( const void *addr, size_t size )
{
    munmap( (void *)addr, size );
}

void *os_pool_map( size_t size )
{
    void *p = mmap( NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );

    return p == MAP_FAILED ? NULL : p;
}

void os_pool_unmap( void *addr, size_t size )
{
    munmap( addr, size );
}

int os_reset( uintptr_t addr, size_t size )
{
    if (!madvise( (void *)addr, size, MADV_FREE )) return 0;
    if (errno != EINVAL) return -errno;
    /* kernels before 4.5: no lazy free; MADV_DONTNEED discards at once, still valid for MEM_RESET */
    return os_discard( addr, size );
}

/* ---- write watch: userfaultfd async write-protect + PAGEMAP_SCAN ----------------------
 * Registered ranges are write-protected in their page table entries (UFFD_FEATURE_WP_ASYNC:
 * the kernel itself lifts the protection on the first write, with no signal and no message
 * to read); PAGEMAP_SCAN reports the pages whose protection was lifted ("written") and, with
 * PM_SCAN_WP_MATCHING, protects them again in the same walk. */

int os_ww_register( uintptr_t addr, size_t size )
{
#ifdef HAVE_LINUX_USERFAULTFD_H
    struct uffdio_register reg;
    int fd = get_uffd();

    if (fd < 0) return -EBADF;
    memset( &reg, 0, sizeof(reg) );
    reg.range.start = addr;
    reg.range.len = size;
    reg.mode = UFFDIO_REGISTER_MODE_WP;
    return ioctl( fd, UFFDIO_REGISTER, &reg ) ? -errno : 0;
#else
    return -ENOSYS;
#endif
}

int os_ww_arm( uintptr_t addr, size_t size )
{
#ifdef HAVE_LINUX_USERFAULTFD_H
    struct uffdio_writeprotect wp;

    if (uffd_fd < 0) return -EBADF;
    memset( &wp, 0, sizeof(wp) );
    wp.range.start = addr;
    wp.range.len = size;
    wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
    return ioctl( uffd_fd, UFFDIO_WRITEPROTECT, &wp ) ? -errno : 0;
#else
    return -ENOSYS;
#endif
}

int os_ww_scan( uintptr_t addr, size_t size, int rearm,
                void (*cb)( uintptr_t start, uintptr_t end, void *ctx ), void *ctx )
{
    struct page_region vec[256];
    struct pm_scan_arg arg;
    uintptr_t end = addr + size;
    int fd = get_pagemap_fd();

    if (fd < 0) return -errno;
    while (addr < end)
    {
        int n;

        memset( &arg, 0, sizeof(arg) );
        arg.size = sizeof(arg);
        arg.flags = PM_SCAN_CHECK_WPASYNC | (rearm ? PM_SCAN_WP_MATCHING : 0);
        arg.start = addr;
        arg.end = end;
        arg.vec = (uintptr_t)vec;
        arg.vec_len = sizeof(vec) / sizeof(vec[0]);
        arg.category_mask = PAGE_IS_WRITTEN;
        arg.return_mask = PAGE_IS_WRITTEN;
        if ((n = ioctl( fd, PAGEMAP_SCAN, &arg )) < 0)
        {
            if (errno == EINTR) continue;
            return -errno;
        }
        for (int i = 0; i < n; i++) cb( vec[i].start, vec[i].end, ctx );
        /* the walk stops early when vec is full: go on from where it stopped */
        if (arg.walk_end <= addr) return -EIO;
        addr = arg.walk_end;
    }
    return 0;
}

/* ---- locking, prefetch, barriers ------------------------------------------------- */

int os_lock( uintptr_t addr, size_t size )
{
    return mlock( (void *)addr, size ) ? -errno : 0;
}

int os_unlock( uintptr_t addr, size_t size )
{
    return munlock( (void *)addr, size ) ? -errno : 0;
}

int os_prefetch( uintptr_t addr, size_t size )
{
    return madvise( (void *)addr, size, MADV_WILLNEED ) ? -errno : 0;
}

/* membarrier(2) commands (linux/membarrier.h, Linux 4.14+) */
#define OS_MEMBARRIER_CMD_QUERY                            0
#define OS_MEMBARRIER_CMD_GLOBAL                           (1 << 0)
#define OS_MEMBARRIER_CMD_PRIVATE_EXPEDITED                (1 << 3)
#define OS_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED       (1 << 4)

static pthread_once_t barrier_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t barrier_mutex = PTHREAD_MUTEX_INITIALIZER;
static int barrier_cmd;          /* membarrier command to use, 0: the mprotect fallback */
static void *barrier_page;

static long os_membarrier( int cmd )
{
#ifdef __NR_membarrier
    return syscall( __NR_membarrier, cmd, 0, 0 );
#else
    errno = ENOSYS;
    return -1;
#endif
}

static void barrier_probe( void )
{
    long mask = os_membarrier( OS_MEMBARRIER_CMD_QUERY );

    if (mask > 0 && (mask & OS_MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        !os_membarrier( OS_MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED ))
        barrier_cmd = OS_MEMBARRIER_CMD_PRIVATE_EXPEDITED;
    else if (mask > 0 && (mask & OS_MEMBARRIER_CMD_GLOBAL))
        barrier_cmd = OS_MEMBARRIER_CMD_GLOBAL;
    else
    {
        /* no membarrier: taking write access away from a page the process has written makes
         * the kernel shoot down that TLB entry on every CPU running one of our threads; the
         * interrupt serialises each of them, which is the barrier wanted */
        barrier_page = mmap( NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );
        if (barrier_page == MAP_FAILED) barrier_page = NULL;
    }
}

int os_flush_write_buffers( void )
{
    int ret = 0;

    pthread_once( &barrier_once, barrier_probe );
    /* the registration is inherited by fork()ed children (and dropped by exec, with us) */
    if (barrier_cmd) return os_membarrier( barrier_cmd ) ? -errno : 0;
    if (!barrier_page)
    {
        __atomic_thread_fence( __ATOMIC_SEQ_CST );
        return -ENOSYS;
    }
    pthread_mutex_lock( &barrier_mutex );
    if (mprotect( barrier_page, 4096, PROT_READ | PROT_WRITE )) ret = -errno;
    else
    {
        *(volatile char *)barrier_page = 1;   /* make the page present and dirty in the TLBs */
        if (mprotect( barrier_page, 4096, PROT_READ )) ret = -errno;
    }
    pthread_mutex_unlock( &barrier_mutex );
    return ret;
}

/* ---- probing ------------------------------------------------------------------------ */

static uintptr_t read_ulong_file( const char *path, uintptr_t def )
{
    FILE *f = fopen( path, "re" );
    unsigned long long v;
    if (!f) return def;
    if (fscanf( f, "%llu", &v ) != 1) v = def;
    fclose( f );
    return v;
}

/* NUMA nodes the kernel may bring online: the highest node number of
 * /sys/devices/system/node/possible ("0", "0-3", "0,2-3") plus one; 1 without NUMA support */
static unsigned int probe_numa_nodes( void )
{
    FILE *f = fopen( "/sys/devices/system/node/possible", "re" );
    char line[256], *p, *end;
    unsigned long n, max = 0;

    if (!f) return 1;
    if (!fgets( line, sizeof(line), f )) line[0] = 0;
    fclose( f );
    for (p = line; *p; p = end)
    {
        n = strtoul( p, &end, 10 );
        if (end == p)
        {
            end = p + 1;
            continue;
        }
        if (n > max) max = n;
    }
    return max >= 1024 ? 1024 : (unsigned int)max + 1;
}

static size_t probe_hugepage_size( void )
{
    FILE *f = fopen( "/proc/meminfo", "re" );
    char line[256];
    size_t kb = 0;
    if (!f) return 0;
    while (fgets( line, sizeof(line), f ))
        if (sscanf( line, "Hugepagesize: %zu kB", &kb ) == 1) break;
    fclose( f );
    return kb * 1024;
}

static int probe_procmap_query( void )
{
    struct os_mapping map;
    static const int probe_var = 1;
    uintptr_t addr = (uintptr_t)&probe_var;

    if (query_procmap( addr, &map )) return 0;
    /* trust the ioctl only if it describes a mapping we know: our own read-only data */
    return map.start <= addr && addr < map.end && (map.prot & PROT_READ);
}

/* One userfaultfd for the process, kept open for write watch.  UFFD_USER_MODE_ONLY: without
 * it an unprivileged process gets EPERM when vm.unprivileged_userfaultfd is 0; it changes
 * nothing for async write-protect, which the kernel resolves itself, also for its own writes
 * (read() into a watched buffer).  UFFDIO_API can be called once per descriptor and fails if
 * any asked feature is missing. */
static int open_uffd_wp_async( void )
{
#ifdef HAVE_LINUX_USERFAULTFD_H
    struct uffdio_api api;
    int fd = syscall( __NR_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY );

    if (fd < 0) return -1;
    memset( &api, 0, sizeof(api) );
    api.api = UFFD_API;
    api.features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED;
    if (ioctl( fd, UFFDIO_API, &api ) ||
        (api.features & (UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED)) !=
        (UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED))
    {
        close( fd );
        return -1;
    }
    return fd;
#else
    return -1;
#endif
}

static int probe_uffd_wp_async( void )
{
    return (uffd_fd = open_uffd_wp_async()) >= 0;
}

/* the process's userfaultfd; a fork()ed child opens its own (bound to its own address space)
 * at its first write-watch allocation */
static int get_uffd( void )
{
    int fd = __atomic_load_n( &uffd_fd, __ATOMIC_ACQUIRE ), expected = -1;

    if (fd >= 0 || !os_info.has_uffd_wp_async) return fd;
    if ((fd = open_uffd_wp_async()) < 0) return -1;
    if (!__atomic_compare_exchange_n( &uffd_fd, &expected, fd, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE ))
    {
        close( fd );
        fd = expected;
    }
    return fd;
}

static void probe_scan_cb( uintptr_t start, uintptr_t end, void *ctx )
{
    *(uintptr_t *)ctx = start;
}

/* PAGEMAP_SCAN exists and reports a write to a write-protected page, on a scratch page */
static int probe_pagemap_scan( void )
{
    char *p;
    uintptr_t found = 0;
    int ret = 0;

    if (uffd_fd < 0 || get_pagemap_fd() < 0) return 0;
    p = mmap( NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );
    if (p == MAP_FAILED) return 0;
    if (!os_ww_register( (uintptr_t)p, 4096 ) && !os_ww_arm( (uintptr_t)p, 4096 ) &&
        !os_ww_scan( (uintptr_t)p, 4096, 1, probe_scan_cb, &found ) && !found)
    {
        *(volatile char *)p = 1;
        ret = !os_ww_scan( (uintptr_t)p, 4096, 1, probe_scan_cb, &found ) && found == (uintptr_t)p;
    }
    munmap( p, 4096 );
    return ret;
}

static int probe_fixed_noreplace( void )
{
    uintptr_t addr;
    void *p = mmap( NULL, 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0 );
    int ret;

    if (p == MAP_FAILED) return 0;
    addr = (uintptr_t)p;
    /* must refuse an occupied range rather than move the mapping */
    ret = os_reserve( addr, 4096, PROT_NONE ) == -EEXIST;
    munmap( p, 2 * 4096 );
    return ret;
}

static int probe_pagemap( void )
{
    static volatile int touched;
    uint64_t e;
    touched = 1;
    return !os_read_pagemap( (uintptr_t)&touched & ~(uintptr_t)4095, 1, &e ) && (e & OS_PM_PRESENT);
}

int os_init( void )
{
    os_info.page_size = sysconf( _SC_PAGESIZE );
    if (os_info.page_size != 4096) return -EINVAL;  /* NT on x86_64 has 4K pages */
    os_info.mmap_min_addr = read_ulong_file( "/proc/sys/vm/mmap_min_addr", 65536 );
    os_info.user_top = (uintptr_t)1 << 47;            /* 4-level paging; never ask for 5-level */
    os_info.large_page_size = probe_hugepage_size();
    os_info.numa_nodes = probe_numa_nodes();
    os_info.has_procmap_query = probe_procmap_query();
    os_info.has_pagemap = probe_pagemap();
    os_info.has_uffd_wp_async = probe_uffd_wp_async();
    os_info.has_pagemap_scan = probe_pagemap_scan();
    os_info.has_fixed_noreplace = probe_fixed_noreplace();
    if (!os_info.has_fixed_noreplace) return -ENOSYS;
    pthread_atfork( NULL, NULL, os_atfork_child );
    return 0;
}

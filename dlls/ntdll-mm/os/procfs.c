/*
 * ntdll-mm OS layer: the kernel's view of the address space: /proc/self/maps (walked, or asked
 * one address at a time with the PROCMAP_QUERY ioctl, Linux 6.11) and /proc/self/pagemap.
 * See os.h for the contract.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/types.h>

#include "os.h"

/* Kernel UAPI that Debian 12's headers (Linux 6.1) lack; values from the kernel ABI
 * (include/uapi/linux/fs.h, Linux 6.11), trusted only after the probe. */
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

static int maps_fd = -1, pagemap_fd = -1;
static int have_procmap_query;   /* set by the probe */

void os_procfs_fork_child( void )
{
    /* these descriptors name the parent's address space: reopen lazily in the child */
    if (maps_fd >= 0) close( maps_fd );
    if (pagemap_fd >= 0) close( pagemap_fd );
    maps_fd = pagemap_fd = -1;
}

static int get_maps_fd( void )
{
    if (maps_fd < 0) maps_fd = open( "/proc/self/maps", O_RDONLY | O_CLOEXEC );
    return maps_fd;
}

int os_pagemap_fd( void )
{
    if (pagemap_fd < 0) pagemap_fd = open( "/proc/self/pagemap", O_RDONLY | O_CLOEXEC );
    return pagemap_fd < 0 ? -errno : pagemap_fd;
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
    int fd, stop = 0, skip_rest = 0, ret = 0;
    ssize_t got;

    /* a fresh descriptor each time: reading the kept one concurrently would share its offset */
    if ((fd = open( "/proc/self/maps", O_RDONLY | O_CLOEXEC )) < 0) return -errno;
    while (!stop)
    {
        char *line = buf, *end, *nl;

        if ((got = read( fd, buf + have, sizeof(buf) - 1 - have )) <= 0)
        {
            /* a read that fails half-way must not look like the end of the map */
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) ret = -errno;
            break;
        }
        end = buf + have + got;
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
    return ret;
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

    if (have_procmap_query)
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
    int fd = os_pagemap_fd();

    if (fd < 0) return fd;
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

/* ---- probes -------------------------------------------------------------------------- */

int os_procfs_probe_query( void )
{
    struct os_mapping map;
    static const int probe_var = 1;
    uintptr_t addr = (uintptr_t)&probe_var;

    /* trust the ioctl only if it describes a mapping we know: our own read-only data */
    have_procmap_query = !query_procmap( addr, &map ) && map.start <= addr && addr < map.end &&
                         (map.prot & PROT_READ);
    return have_procmap_query;
}

int os_procfs_probe_pagemap( void )
{
    static volatile int touched;
    uint64_t e;

    touched = 1;
    return !os_read_pagemap( (uintptr_t)&touched & ~(uintptr_t)4095, 1, &e ) && (e & OS_PM_PRESENT);
}

/*
 * ntdll-mm OS layer: os_init, the probe of the running kernel (once, at start), and what it
 * found (os_info).  See os.h for the contract.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "os.h"

struct os_info os_info;

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

static void os_atfork_child( void )
{
    os_procfs_fork_child();
    os_uffd_fork_child();
}

int os_init( void )
{
    os_info.page_size = sysconf( _SC_PAGESIZE );
    if (os_info.page_size != 4096) return -EINVAL;  /* NT on x86_64 has 4K pages */
    os_info.mmap_min_addr = read_ulong_file( "/proc/sys/vm/mmap_min_addr", 65536 );
    os_info.user_top = (uintptr_t)1 << 47;            /* 4-level paging; never ask for 5-level */
    os_info.large_page_size = probe_hugepage_size();
    os_info.numa_nodes = probe_numa_nodes();
    os_info.has_procmap_query = os_procfs_probe_query();
    os_info.has_pagemap = os_procfs_probe_pagemap();
    os_info.has_uffd_wp_async = os_uffd_probe_wp_async();
    os_info.has_pagemap_scan = os_uffd_probe_scan();
    os_info.has_fixed_noreplace = os_map_probe();
    if (!os_info.has_fixed_noreplace) return -ENOSYS;
    pthread_atfork( NULL, NULL, os_atfork_child );
    return 0;
}

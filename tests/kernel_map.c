/*
 * The kernel's map follows the NT state, and stays small: a run of pages with one state and
 * protection is one Linux mapping once neighbouring runs become equal again (Wine's one-VMA-per-
 * page behaviour exhausts vm.max_map_count; the design asks for one mapping per run).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "util.h"
#include "os.h"   /* os_walk_mappings: the library's reader of /proc/self/maps */

/* 64 pages with alternating protections: the kernel has one mapping per run and the library's
 * map agrees; back to one protection, the allocation is one mapping again. */
TEST(NtProtectVirtualMemory_equal_runs_merge_in_kernel_map)
{
    char *base = alloc_or_fail( 0x40000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    unsigned int i, n;
    ULONG old;

    if (!base) return;
    memset( base, 0x12, 0x40000 );
    n = kernel_mapping_count( base, 0x40000 );
    ok( n == 1, "fresh allocation: %u kernel mappings, expected 1\n", n );
    for (i = 0; i < 64; i += 2)
        ok( !nt_protect( base + i * 0x1000, 0x1000, PAGE_READONLY, &old ), "protect page %u failed\n", i );
    n = kernel_mapping_count( base, 0x40000 );
    ok( n == 64, "alternating: %u kernel mappings, expected 64\n", n );
    check_kernel_perms( base, "r--" );
    check_kernel_perms( base + 0x1000, "rw-" );
    check_invariants();
    for (i = 0; i < 64; i += 2)
        ok( !nt_protect( base + i * 0x1000, 0x1000, PAGE_READWRITE, &old ), "protect page %u back failed\n", i );
    n = kernel_mapping_count( base, 0x40000 );
    ok( n == 1, "restored: %u kernel mappings, expected 1\n", n );
    check_mbi( base, base, 0x40000, MEM_COMMIT, PAGE_READWRITE, base, PAGE_READWRITE, MEM_PRIVATE );
    ok( base[0x3ffff] == 0x12 && base[0] == 0x12, "contents lost\n" );
    release( base );
}

/* Decommit and recommit page by page: the same merging, and decommitted pages are neither
 * accessible nor present. */
TEST(NtFreeVirtualMemory_decommit_runs_in_kernel_map)
{
    char *base = alloc_or_fail( 0x20000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    unsigned int i, n;
    void *addr;
    SIZE_T size;

    if (!base) return;
    memset( base, 0x34, 0x20000 );
    for (i = 1; i < 32; i += 2)
    {
        addr = base + i * 0x1000; size = 0x1000;
        ok( !nt_free( &addr, &size, MEM_DECOMMIT ), "decommit page %u failed\n", i );
    }
    n = kernel_mapping_count( base, 0x20000 );
    ok( n == 32, "alternating: %u kernel mappings, expected 32\n", n );
    for (i = 1; i < 32; i += 2)
    {
        if (page_present( base + i * 0x1000 ) != 0)
        {
            ok( 0, "page %u still present\n", i );
            break;
        }
    }
    check_kernel_perms( base + 0x1000, "---" );
    check_invariants();
    for (i = 1; i < 32; i += 2)
    {
        addr = base + i * 0x1000; size = 0x1000;
        ok( !nt_alloc( &addr, &size, MEM_COMMIT, PAGE_READWRITE ), "recommit page %u failed\n", i );
    }
    n = kernel_mapping_count( base, 0x20000 );
    ok( n == 1, "recommitted: %u kernel mappings, expected 1\n", n );
    ok( base[0x1000] == 0 && base[0x2000] == 0x34, "contents: recommitted %#x, kept %#x\n", base[0x1000], base[0x2000] );
    release( base );
}

/* A reservation is inaccessible address space in the kernel's map; a released one is gone. */
TEST(NtAllocateVirtualMemory_reservation_in_kernel_map)
{
    char *base = alloc_or_fail( 0x100000, MEM_RESERVE, PAGE_READWRITE );

    if (!base) return;
    check_kernel_perms( base, "---" );
    check_kernel_perms( base + 0xfffff, "---" );
    ok( page_present( base ) == 0, "reserved page present\n" );
    release( base );
    ok( kernel_range_unmapped( base, 0x100000 ), "released reservation still mapped\n" );
}

/* The library reads /proc/self/maps (os_walk_mappings: the foreign set, the invariant checker)
 * through a small buffer, since inside Wine it may run on a 51 KB signal stack.  Every line
 * must still be seen: here 400 small mappings (a map far longer than the buffer) and a file
 * whose path is over 3000 bytes long (a line longer than the buffer) in between.  The walk
 * must report exactly the mappings a plain read of the file lists, in order, the long-path
 * file's as a file mapping. */
#define WALK_MAX 8192
struct walk_result
{
    unsigned int count;
    uintptr_t start[WALK_MAX], end[WALK_MAX];
    int file[WALK_MAX];
};

static int walk_collect( const struct os_mapping *map, void *ctx )
{
    struct walk_result *r = ctx;

    if (r->count < WALK_MAX)
    {
        r->start[r->count] = map->start;
        r->end[r->count] = map->end;
        r->file[r->count] = map->file;
    }
    r->count++;
    return 0;
}

TEST(os_walk_mappings_sees_every_line)
{
    static char maps[4 << 20], path[4096];
    static struct walk_result walk, plain;
    char *pages[400], *filemap = NULL, *p;
    size_t len = 0, n, i;
    ssize_t got;
    int fd;

    /* a directory chain of 200-character names, then the file: a path over 3000 bytes */
    snprintf( path, sizeof(path), "/tmp/ntdll-mm-longpath-%d", (int)getpid() );
    mkdir( path, 0700 );
    for (i = 0; i < 14; i++)
    {
        n = strlen( path );
        path[n] = '/';
        memset( path + n + 1, 'a' + i, 200 );
        path[n + 201] = 0;
        if (mkdir( path, 0700 ) && errno != EEXIST) break;
    }
    strcat( path, "/file" );
    fd = open( path, O_RDWR | O_CREAT | O_TRUNC, 0600 );
    ok( fd >= 0 && ftruncate( fd, 0x2000 ) == 0, "cannot create a file with a %zu-byte path: %s\n", strlen( path ),
        strerror( errno ) );
    if (fd >= 0)
    {
        filemap = mmap( NULL, 0x2000, PROT_READ, MAP_SHARED, fd, 0 );
        close( fd );
    }
    ok( filemap && filemap != MAP_FAILED, "cannot map the file\n" );
    /* alternating protections: separate mappings, not merged */
    for (i = 0; i < ARRAY_SIZE(pages); i++)
        pages[i] = mmap( NULL, 0x1000, (i & 1) ? PROT_READ : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 );

    /* the reference: the whole file with read(), then the walk; neither maps anything */
    fd = open( "/proc/self/maps", O_RDONLY );
    while (fd >= 0 && len < sizeof(maps) - 1 && (got = read( fd, maps + len, sizeof(maps) - 1 - len )) > 0) len += got;
    if (fd >= 0) close( fd );
    maps[len] = 0;
    memset( &walk, 0, sizeof(walk) );
    ok( !os_walk_mappings( walk_collect, &walk ), "os_walk_mappings failed\n" );

    memset( &plain, 0, sizeof(plain) );
    for (p = maps; *p; p = strchr( p, '\n' ) ? strchr( p, '\n' ) + 1 : p + strlen( p ))
    {
        unsigned long long s, e, inode;

        if (sscanf( p, "%llx-%llx %*s %*s %*s %llu", &s, &e, &inode ) == 3 && plain.count < WALK_MAX)
        {
            plain.start[plain.count] = s;
            plain.end[plain.count] = e;
            plain.file[plain.count] = inode != 0;
            plain.count++;
        }
    }
    ok( len > 2048 * 4, "the map is only %zu bytes\n", len );
    ok( walk.count == plain.count, "the walk saw %u mappings, the file lists %u\n", walk.count, plain.count );
    for (i = 0; i < walk.count && i < plain.count; i++)
        if (walk.start[i] != plain.start[i] || walk.end[i] != plain.end[i] || walk.file[i] != plain.file[i])
        {
            ok( 0, "mapping %zu: walk %#lx-%#lx file %d, file %#lx-%#lx file %d\n", i, (unsigned long)walk.start[i],
                (unsigned long)walk.end[i], walk.file[i], (unsigned long)plain.start[i], (unsigned long)plain.end[i],
                plain.file[i] );
            break;
        }
    if (filemap && filemap != MAP_FAILED)
    {
        for (i = 0; i < walk.count && walk.start[i] != (uintptr_t)filemap; i++) ;
        ok( i < walk.count && walk.file[i] && walk.end[i] == (uintptr_t)filemap + 0x2000,
            "the long-path file's mapping %p was not reported as a file mapping\n", filemap );
        munmap( filemap, 0x2000 );
    }
    for (i = 0; i < ARRAY_SIZE(pages); i++) if (pages[i] != MAP_FAILED) munmap( pages[i], 0x1000 );
    /* remove the chain */
    unlink( path );
    for (p = strrchr( path, '/' ); p && p > path + 5; p = strrchr( path, '/' ))
    {
        *p = 0;
        if (rmdir( path )) break;
    }
}

/*
 * ntdll-mm OS layer: mappings, files, locks and barriers.  See os.h for the contract.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "os.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif

/* ---- mappings ------------------------------------------------------------------- */

int os_map( uintptr_t addr, size_t size, int prot, enum os_map_kind kind, int fd, uint64_t offset, int fixed )
{
    int flags;
    void *ret;

    switch (kind)
    {
    case OS_MAP_ANON:    flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE; fd = -1; offset = 0; break;
    case OS_MAP_HUGE:    flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB; fd = -1; offset = 0; break;
    case OS_MAP_SHARED:  flags = MAP_SHARED; break;
    case OS_MAP_PRIVATE: flags = MAP_PRIVATE | MAP_NORESERVE; break;
    default:             return -EINVAL;
    }
    flags |= fixed ? MAP_FIXED : MAP_FIXED_NOREPLACE;
    ret = mmap( (void *)addr, size, prot, flags, fd, (off_t)offset );
    if (ret == MAP_FAILED) return -errno;
    if ((uintptr_t)ret != addr)
    {
        /* a kernel older than 4.17 treats MAP_FIXED_NOREPLACE as a hint */
        munmap( ret, size );
        return -EEXIST;
    }
    return 0;
}

int os_unmap( uintptr_t addr, size_t size )
{
    return munmap( (void *)addr, size ) ? -errno : 0;
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
    return os_map( addr, size, PROT_NONE, OS_MAP_ANON, -1, 0, 1 );
}

int os_reset( uintptr_t addr, size_t size )
{
    if (!madvise( (void *)addr, size, MADV_FREE )) return 0;
    if (errno != EINVAL) return -errno;
    /* kernels before 4.5: no lazy free; MADV_DONTNEED discards at once, still valid for MEM_RESET */
    return os_discard( addr, size );
}

int os_sync( uintptr_t addr, size_t size )
{
    return msync( (void *)addr, size, MS_SYNC ) ? -errno : 0;
}

int os_map_probe( void )
{
    uintptr_t addr;
    void *p = mmap( NULL, 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0 );
    int ret;

    if (p == MAP_FAILED) return 0;
    addr = (uintptr_t)p;
    /* must refuse an occupied range rather than move the mapping */
    ret = os_map( addr, 4096, PROT_NONE, OS_MAP_ANON, -1, 0, 0 ) == -EEXIST;
    munmap( p, 2 * 4096 );
    return ret;
}

/* ---- files ----------------------------------------------------------------------- */

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

ssize_t os_file_write( int fd, const void *buf, size_t size, uint64_t offset )
{
    size_t done = 0;
    while (done < size)
    {
        ssize_t put = pwrite( fd, (const char *)buf + done, size - done, (off_t)(offset + done) );
        if (put < 0)
        {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (!put) return -EIO;
        done += put;
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

/*
 * ntdll-mm OS layer: write watch in the kernel: userfaultfd async write-protect
 * (UFFD_FEATURE_WP_ASYNC, Linux 6.7) and the PAGEMAP_SCAN ioctl on /proc/self/pagemap.
 * See os.h for the contract.
 *
 * Registered ranges are write-protected in their page table entries (UFFD_FEATURE_WP_ASYNC:
 * the kernel itself lifts the protection on the first write, with no signal and no message
 * to read); PAGEMAP_SCAN reports the pages whose protection was lifted ("written") and, with
 * PM_SCAN_WP_MATCHING, protects them again in the same walk.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/types.h>
#ifdef HAVE_LINUX_USERFAULTFD_H
#include <linux/userfaultfd.h>
#endif

#include "os.h"

/* Kernel UAPI that Debian 12's headers (Linux 6.1) lack; values from the kernel ABI,
 * trusted only after the probe verified them on a scratch page. */
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

static int uffd_fd = -1;         /* the process's userfaultfd for async write-protect */
static int have_wp_async;        /* set by the probe */

void os_uffd_fork_child( void )
{
    /* a userfaultfd stays bound to the parent's mm, and the child's mappings lost their
     * registration (no UFFD_FEATURE_EVENT_FORK): the child opens its own at its first
     * write-watch allocation (get_uffd); the allocations it inherited stop being watched */
    if (uffd_fd >= 0) close( uffd_fd );
    uffd_fd = -1;
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

/* the process's userfaultfd; a fork()ed child opens its own (bound to its own address space)
 * at its first write-watch allocation */
static int get_uffd( void )
{
    int fd = __atomic_load_n( &uffd_fd, __ATOMIC_ACQUIRE ), expected = -1;

    if (fd >= 0 || !have_wp_async) return fd;
    if ((fd = open_uffd_wp_async()) < 0) return -1;
    if (!__atomic_compare_exchange_n( &uffd_fd, &expected, fd, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE ))
    {
        close( fd );
        fd = expected;
    }
    return fd;
}

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
    int fd = os_pagemap_fd();

    if (fd < 0) return fd;
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

/* ---- probes -------------------------------------------------------------------------- */

int os_uffd_probe_wp_async( void )
{
    have_wp_async = (uffd_fd = open_uffd_wp_async()) >= 0;
    return have_wp_async;
}

static void probe_scan_cb( uintptr_t start, uintptr_t end, void *ctx )
{
    *(uintptr_t *)ctx = start;
}

/* PAGEMAP_SCAN exists and reports a write to a write-protected page, on a scratch page */
int os_uffd_probe_scan( void )
{
    char *p;
    uintptr_t found = 0;
    int ret = 0;

    if (uffd_fd < 0 || os_pagemap_fd() < 0) return 0;
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

/*
 * ntdll-mm core: the core's objects and constants, shared by its files: allocations (the nodes
 * of the region tree, "VADs"), their per-page state runs, and section objects.  Types and
 * pure helpers only; each file's functions are declared in its own header.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_TYPES_H
#define NTDLL_MM_TYPES_H

#include "mm_entry.h"   /* first: entry-point renames and _GNU_SOURCE */
#include <stdint.h>
#include <stddef.h>
#include "ntdll-mm.h"
#include "host.h"
#include "image.h"

#ifndef NTDLL_MM_CORE
# error "a core-private header: a host includes host.h only"
#endif

MM_HIDDEN_BEGIN

#define PAGE_BASE_MASK  0xffu               /* the one base PAGE_* value of a protection */

/* MEM_EXTENDED_PARAMETER_TYPE as the Windows SDK (winnt.h) numbers it: Wine 8.0's enum lacks
 * MemExtendedParameterImageMachine and ends MemExtendedParameterMax one earlier */
#define MM_EXT_PARAMETER_IMAGE_MACHINE 6
#define MM_EXT_PARAMETER_MAX           7

/* protection flags of the Windows SDK that Wine 8.0's winnt.h lacks (no CFG, no enclaves here) */
#define MM_PAGE_ENCLAVE_NO_CHANGE  0x20000000
#define MM_PAGE_TARGETS_NO_UPDATE  0x40000000

/* the machine of this process's images */
#define MM_NATIVE_MACHINE IMAGE_FILE_MACHINE_AMD64

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* ---- per-page state ---------------------------------------------------------------
 * A page's state is its NT protection (one PAGE_* base value, optionally | PAGE_GUARD)
 * plus MM_COMMITTED.  Reserved pages have state 0: NT reports Protect 0 for them, and the
 * kernel maps them PROT_NONE.  PAGE_NOCACHE / PAGE_WRITECOMBINE are attributes of the whole
 * allocation on NT (given at allocation, they stick; given to NtProtectVirtualMemory later,
 * they are ignored), so they live in mm_alloc.flags, not here. */
#define MM_COMMITTED   0x10000u
#define MM_PRIVMAP     0x20000u  /* view page remapped MAP_PRIVATE (made PAGE_WRITECOPY in a shared view) */
#define MM_LOCKED      0x40000u  /* locked in the working set (NtLockVirtualMemory MAP_PROCESS): mlock()ed */
#define MM_SHAREDMAP   0x80000u  /* image page of a writable IMAGE_SCN_MEM_SHARED section: mapped
                                    MAP_SHARED from the section's shared backing, not copy-on-write */
#define MM_SYSLOCKED   0x100000u /* locked in memory (NtLockVirtualMemory MAP_SYSTEM): mlock()ed */
#define MM_LOCK_BITS   (MM_LOCKED | MM_SYSLOCKED)
/* how the kernel maps a page, not what NT reports for it */
#define MM_MAP_BITS    (MM_PRIVMAP | MM_LOCK_BITS | MM_SHAREDMAP)
#define MM_PROT_MASK   0x0ffffu

/* one run of pages with equal state; runs are sorted, the first starts at page 0 and each
 * extends to the next run's start (or the end of the allocation).  An allocation keeps them in
 * a gap buffer (see run_at): read them through run_at / runs_state / run_end, never runs[] */
struct mm_run
{
    size_t   page;
    uint32_t state;
};

enum mm_kind
{
    MM_KIND_FOREIGN,    /* a kernel mapping we did not make (program, libc, stacks): only
                           kept so the gap search avoids it; may be stale */
    MM_KIND_PRIVATE,    /* NtAllocateVirtualMemory */
    MM_KIND_MAPPED,     /* a view of a data section (NtMapViewOfSection) */
    MM_KIND_IMAGE,      /* a view of a SEC_IMAGE section */
};

#define MM_F_WRITE_WATCH    0x01u
#define MM_F_NOCACHE        0x02u
#define MM_F_WRITECOMBINE   0x04u
#define MM_F_TOP_DOWN       0x08u
#define MM_F_LARGE_PAGES    0x10u    /* backed by the hugetlb pool (allocation or view), committed whole */
/* placeholders (VirtualAlloc2 MEM_RESERVE_PLACEHOLDER): NT splits, joins and replaces them; here a
 * placeholder is a private node whose one run is reserved (PROT_NONE, like a reservation), and
 * its pieces share one kernel mapping until something replaces them (MAP_FIXED over them) */
#define MM_F_PLACEHOLDER    0x100u   /* a placeholder: MEM_RESERVE, AllocationProtect PAGE_NOACCESS */
#define MM_F_REPLACED       0x200u   /* private memory or view that replaced a placeholder and may
                                        become one again (MEM_PRESERVE_PLACEHOLDER) */

#define MM_INLINE_RUNS 4

/* the write-watch engine, chosen once at start (wwatch.c): NTDLL_MM_WRITE_WATCH_* */
enum { WW_KERNEL = 1, WW_FALLBACK = 2 };

struct mm_section;

/* one allocation (reservation), view, or foreign range: a node of the region tree */
struct mm_alloc
{
    struct mm_alloc *left, *right;
    uintptr_t  base, end;        /* [base, end), page aligned; base 64K aligned for allocations */
    /* subtree aggregates, maintained by vad.c */
    uintptr_t  min_base, max_end;
    size_t     inner_gap;        /* largest gap between consecutive nodes inside the subtree */
    int        height;
    struct mm_alloc *prev, *next; /* neighbours in address order while in the tree (vad.c) */
    enum mm_kind kind;
    uint32_t   alloc_prot;       /* AllocationProtect as NT reports it */
    uint32_t   flags;            /* MM_F_* */
    size_t     nruns, cap, gap;  /* runs 0..gap-1 at runs[0..gap-1], runs gap..nruns-1 at the end of runs[cap] */
    struct mm_run *runs;
    struct mm_run inline_runs[MM_INLINE_RUNS];
    /* views only */
    struct mm_section *section;  /* holds a reference */
    uint64_t   offset;           /* offset of base in the section */
    int        cow;              /* mapped MAP_PRIVATE: writes never reach the section */
    /* MM_F_WRITE_WATCH: one bit per page, written and not reset (wwatch.c) */
    uint64_t  *ww_dirty;
    /* MEM_RESET: one bit per page that held data when it was reset, for MEM_RESET_UNDO */
    uint64_t  *reset_present;
};

static inline int alloc_is_view( const struct mm_alloc *a )
{
    return a->kind == MM_KIND_MAPPED || a->kind == MM_KIND_IMAGE;
}

static inline size_t alloc_pages( const struct mm_alloc *a ) { return (a->end - a->base) >> MM_PAGE_SHIFT; }

/* Run i of a.  The runs are a gap buffer: the free slots of the array sit between run gap-1
 * and run gap, and a change moves the gap to where it happens, so a change costs the runs it
 * touches plus the distance from the previous change, not a shift of every run after it
 * (a program protecting the pages of a big allocation one after the other makes 50,000 runs). */
static inline struct mm_run *run_at( const struct mm_alloc *a, size_t i )
{
    return &a->runs[i < a->gap ? i : i + (a->cap - a->nruns)];
}

static inline size_t run_end( const struct mm_alloc *a, size_t i )
{
    return i + 1 < a->nruns ? run_at( a, i + 1 )->page : alloc_pages( a );
}

/* one run covering the whole allocation */
static inline void runs_reset( struct mm_alloc *a, uint32_t state )
{
    a->nruns = a->gap = 1;
    a->runs[0].page = 0;
    a->runs[0].state = state;
}

/* A section object: what views map.  Its host object (first member) gives it a reference
 * count; names and handles belong to the host (host.h).  Immutable after creation except
 * 'size' (mm_section_extend) and 'committed', which are read and written under the space
 * lock. */
struct mm_section
{
    struct host_object obj;
    ULONG     flags;             /* SEC_COMMIT / SEC_RESERVE / SEC_IMAGE, SEC_FILE, SEC_NOCACHE, SEC_WRITECOMBINE */
    ULONG     protect;           /* the section's page protection */
    uint64_t  size;              /* bytes (images: the image size, what a view spans) */
    uint64_t  file_size;         /* images: the size of the PE file (NtQuerySection's Size) */
    int       fd;                /* what views map: memfd, the file, or the laid-out image */
    int       file_writable;     /* the file handle allowed writing */
    char     *path;              /* Unix path of the file (NULL: pagefile-backed) */
    uint64_t  dev, ino;          /* identity of the file, for NtAreMappedFilesTheSame */
    int       is_image;
    struct mm_image image;
    int       shared_fd;         /* images: the pages of the writable IMAGE_SCN_MEM_SHARED sections, or -1 */
    int       image_fd;          /* images: the PE file, when some section is mapped from it directly, or -1 */
    uint32_t *direct_size;       /* images: per section, the bytes views map from image_fd at its
                                    raw_offset (whole pages; 0: all of it comes from fd) */
    uint8_t  *committed;         /* SEC_RESERVE: a bit per page of the section, under the space lock */
    uintptr_t reloc_base;        /* images NT relocates: where they belong (the first view the core
                                    placed; 0: none yet), under the space lock */
    int       reloc_fd;          /* images: the image relocated by reloc_delta (for reloc_base),
                                    which every view maps, or -1; under the space lock */
    int64_t   reloc_delta;
    void    (*destroy_hook)( struct mm_section *section, void *ctx );
    void     *destroy_ctx;
};

MM_HIDDEN_END

#endif

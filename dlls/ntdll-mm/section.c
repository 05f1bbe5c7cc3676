/*
 * ntdll-mm: section objects and views: mm_section_create_from_fd and its accessors,
 * NtMapViewOfSection(Ex), NtUnmapViewOfSection(Ex), NtQuerySection, NtFlushVirtualMemory,
 * NtAreMappedFilesTheSame, and the view parts of NtQueryVirtualMemory.
 *
 * Where NT and Linux differ:
 * - A pagefile-backed section is a memfd; a file-backed one keeps its own descriptor of the
 *   file.  Views are MAP_SHARED mappings of that descriptor, so every view of a section and
 *   the file itself see the same pages (the page cache), as NT's views share the section's
 *   prototype PTEs.
 * - A copy-on-write view (PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY) is MAP_PRIVATE.  NT reports
 *   a written page as PAGE_READWRITE and an untouched one as PAGE_WRITECOPY; Linux keeps no
 *   such flag, but /proc/self/pagemap tells a private copy (an anonymous page) from a page
 *   still shared with the file, so queries ask it, once per run of pages, without a fault.
 * - A SEC_IMAGE section lays the PE file out once, at section creation, into a memfd the size
 *   of the image (headers and each section at its RVA, tails zero); every view maps that memfd
 *   MAP_PRIVATE, so views share clean pages like NT's image sections do and writes (and
 *   relocations) make private copies.
 * - A view of a file truncated under it raises SIGBUS; the host reports STATUS_IN_PAGE_ERROR.
 *
 * Section objects (struct mm_section) are the core's; names, handles and the NT object around
 * them belong to the host (section_object.c for the standalone host: NtCreateSection,
 * NtOpenSection, NtExtendSection; wineserver mappings in Wine), which makes them with
 * mm_section_create_from_fd (host.h).
 *
 * Lock rules: section objects are immutable after creation except 'size' (mm_section_extend)
 * and the SEC_RESERVE commit bitmap, which are read and written under mm.lock.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "mm_private.h"
#include "image.h"
#include "os.h"

#ifndef SEC_LARGE_PAGES
#define SEC_LARGE_PAGES 0x80000000
#endif
#ifndef SEC_WRITECOMBINE
#define SEC_WRITECOMBINE 0x40000000
#endif
#ifndef SEC_FILE
#define SEC_FILE 0x00800000
#endif
struct mm_section
{
    struct host_object obj;
    ULONG     flags;             /* SEC_COMMIT / SEC_RESERVE / SEC_IMAGE, SEC_FILE, SEC_NOCACHE, SEC_WRITECOMBINE */
    ULONG     protect;           /* the section's page protection */
    uint64_t  size;              /* bytes; under mm.lock (mm_section_extend) */
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
    uint8_t  *committed;         /* SEC_RESERVE: a bit per page of the section, under mm.lock */
    void    (*destroy_hook)( struct mm_section *section, void *ctx );
    void     *destroy_ctx;
};

static inline struct mm_section *section_from_obj( struct host_object *obj )
{
    return (struct mm_section *)obj;
}

struct host_object *mm_section_object( struct mm_section *s )
{
    return &s->obj;
}

struct mm_section *mm_section_from_object( struct host_object *obj )
{
    return section_from_obj( obj );
}

static void section_destroy( struct host_object *obj )
{
    struct mm_section *section = section_from_obj( obj );

    if (section->destroy_hook) section->destroy_hook( section, section->destroy_ctx );
    if (section->fd >= 0) close( section->fd );
    if (section->shared_fd >= 0) close( section->shared_fd );
    if (section->image_fd >= 0) close( section->image_fd );
    mm_free( section->direct_size );
    if (section->is_image) image_free( &section->image );
    mm_free( section->committed );
    mm_free( section->path );
    mm_free( section );
}

void section_release( struct mm_section *section )
{
    host_release( &section->obj );
}

/* ---- access rules ------------------------------------------------------------------------- */

/* rights a view protection needs on the section handle (as Wine's NtMapViewOfSection and its
 * tests show them) */
NTSTATUS mm_view_access( ULONG protect, ACCESS_MASK *access )
{
    switch (protect)
    {
    case PAGE_NOACCESS:
    case PAGE_READONLY:
    case PAGE_WRITECOPY:         *access = SECTION_MAP_READ; return STATUS_SUCCESS;
    case PAGE_READWRITE:         *access = SECTION_MAP_WRITE; return STATUS_SUCCESS;
    case PAGE_EXECUTE:
    case PAGE_EXECUTE_READ:
    case PAGE_EXECUTE_WRITECOPY: *access = SECTION_MAP_READ | SECTION_MAP_EXECUTE; return STATUS_SUCCESS;
    case PAGE_EXECUTE_READWRITE: *access = SECTION_MAP_WRITE | SECTION_MAP_EXECUTE; return STATUS_SUCCESS;
    default:                     return STATUS_INVALID_PAGE_PROTECTION;
    }
}

/* read 1, write 2, execute 4; copy-on-write counts as read (kernel32's is_compatible_protection
 * in test_mapping, which passes on Windows) */
static unsigned int prot_access_bits( ULONG prot )
{
    switch (prot)
    {
    case PAGE_READONLY:
    case PAGE_WRITECOPY:         return 1;
    case PAGE_READWRITE:         return 1 | 2;
    case PAGE_EXECUTE:
    case PAGE_EXECUTE_READ:
    case PAGE_EXECUTE_WRITECOPY: return 1 | 4;
    case PAGE_EXECUTE_READWRITE: return 1 | 2 | 4;
    default:                     return 0;
    }
}

/* may protection 'prot' be used under 'limit' (a view under its section, a page under its view)? */
static int protect_allowed( ULONG limit, ULONG prot )
{
    unsigned int want = prot_access_bits( prot );
    return (want & prot_access_bits( limit )) == want;
}

int section_is_reserve( const struct mm_section *section )
{
    return !!(section->flags & SEC_RESERVE);
}

int view_protect_allowed( const struct mm_alloc *a, ULONG prot )
{
    if (a->kind == MM_KIND_IMAGE) return 1;
    return protect_allowed( a->alloc_prot & 0xff, prot );
}

int section_is_file( const struct mm_section *section )
{
    return !!(section->flags & SEC_FILE);
}

/* ---- section objects ------------------------------------------------------------------------ */

/* Writable IMAGE_SCN_MEM_SHARED sections: NT maps them from one set of pages common to every
 * view of the image in every process (PAGE_READWRITE), where other writable sections are
 * copy-on-write.  Their backing holds them one after another in section order, each rounded
 * up to pages: the layout of the shared file wineserver makes for Wine's own virtual.c
 * (server/mapping.c build_shared_mapping), so that the Wine host can hand that file over.
 * Walk them with a cursor that starts zeroed: each call moves it to the next one (sec, its
 * offset and size in that backing) and returns 1, or returns 0 after the last. */
struct shared_cursor
{
    unsigned int index;                   /* next section to look at */
    const struct mm_image_section *sec;
    uint64_t offset, end;                 /* where sec lies in the backing */
};

static int next_shared_section( const struct mm_image *img, struct shared_cursor *c )
{
    if (img->info.ImageFlags & 0x08 /* ImageMappedFlat: one copy-on-write mapping */) return 0;
    while (c->index < img->nsections)
    {
        const struct mm_image_section *sec = &img->sections[c->index++];

        if (!(sec->characteristics & IMAGE_SCN_MEM_SHARED) || !(sec->characteristics & IMAGE_SCN_MEM_WRITE)) continue;
        c->sec = sec;
        c->offset = c->end;
        c->end += mm_round_up( sec->virtual_size, MM_PAGE_MASK );
        return 1;
    }
    return 0;
}

/* the shared backing of a new image section from its laid-out pages (fd), or none */
static NTSTATUS build_shared_backing( struct mm_section *section, const unsigned char *file, uint64_t file_size )
{
    const struct mm_image *img = &section->image;
    struct shared_cursor c = { 0 };
    int fd;

    while (next_shared_section( img, &c )) ;
    if (!c.end) return STATUS_SUCCESS;
    if ((fd = os_create_shm( c.end, "ntdll-mm image shared sections" )) < 0) return STATUS_NO_MEMORY;
    memset( &c, 0, sizeof(c) );
    while (next_shared_section( img, &c ))
    {
        const struct mm_image_section *sec = c.sec;

        if (!sec->raw_size) continue;
        if ((uint64_t)sec->raw_offset + sec->raw_size > file_size ||
            pwrite( fd, file + sec->raw_offset, sec->raw_size, c.offset ) != (ssize_t)sec->raw_size)
        {
            close( fd );
            return STATUS_NO_MEMORY;
        }
    }
    section->shared_fd = fd;
    return STATUS_SUCCESS;
}

void mm_section_set_shared_fd( struct mm_section *s, int fd )
{
    if (s->shared_fd >= 0) close( s->shared_fd );
    s->shared_fd = fd;
}

/* Page-aligned file data of a section is mapped from the file itself (copy-on-write, the page
 * cache shared with every process), as Wine's virtual.c does: Wine's own PE modules have
 * FileAlignment 0x1000 and are megabytes each, and copying them for every process doubled the
 * start-up time of a Wine process.  The rest (headers, each section's last partial page with
 * NT's zero fill, data at 512-byte file offsets, a flat image) is laid out in a memfd of the
 * image's size, sparse where the file serves.  Returns the bytes of section i views map from
 * the file (whole pages at a page-aligned file offset), 0 when none. */
static uint32_t direct_part( const struct mm_image *img, unsigned int i )
{
    const struct mm_image_section *sec = &img->sections[i];

    if (img->info.ImageFlags & 0x08 /* ImageMappedFlat */) return 0;
    if (sec->raw_offset & MM_PAGE_MASK) return 0;
    return sec->raw_size & ~(uint32_t)MM_PAGE_MASK;
}

static NTSTATUS build_image( struct mm_section *section, int file_fd, uint64_t file_size, int *keep_fd )
{
    const unsigned char *file;
    unsigned char *copy = NULL;
    NTSTATUS status;
    ssize_t got;
    int fd, direct = 0, exec = 0;

    *keep_fd = 0;
    if (!file_size || file_size >= ((uint64_t)1 << 32)) return STATUS_INVALID_FILE_FOR_SECTION;
    /* read in place; a file that cannot be mapped is read into memory */
    if (!(file = os_map_readonly( file_fd, file_size, &exec )))
    {
        if (!(copy = mm_malloc( file_size ))) return STATUS_NO_MEMORY;
        if ((got = os_file_read( file_fd, copy, file_size, 0 )) != (ssize_t)file_size)
        {
            mm_free( copy );
            return got < 0 ? STATUS_ACCESS_DENIED : STATUS_INVALID_IMAGE_FORMAT;
        }
        file = copy;
    }
    if ((status = image_parse( file, file_size, &section->image ))) goto done;
    section->is_image = 1;
    if (!(section->direct_size = mm_calloc( section->image.nsections ? section->image.nsections : 1,
                                         sizeof(*section->direct_size) )))
    {
        status = STATUS_NO_MEMORY;
        goto done;
    }
    if ((fd = os_create_shm( section->image.image_size, "ntdll-mm image" )) < 0)
    {
        status = STATUS_NO_MEMORY;
        goto done;
    }
    /* headers, then each section's raw data at its RVA; the rest of the memfd reads as zero.
     * A "flat" image (SectionAlignment below the page size) is the file as it is. */
    if (section->image.info.ImageFlags & 0x08 /* ImageMappedFlat */)
    {
        uint64_t n = file_size < section->image.image_size ? file_size : section->image.image_size;
        if (pwrite( fd, file, n, 0 ) != (ssize_t)n) status = STATUS_NO_MEMORY;
    }
    else
    {
        uint32_t hdr = section->image.headers_size < file_size ? section->image.headers_size : (uint32_t)file_size;
        if (pwrite( fd, file, hdr, 0 ) != (ssize_t)hdr) status = STATUS_NO_MEMORY;
        for (unsigned int i = 0; !status && i < section->image.nsections; i++)
        {
            const struct mm_image_section *sec = &section->image.sections[i];
            /* a file read into memory (no mmap) cannot be mapped either, nor one on a noexec
             * mount (code must become executable; Wine's virtual.c falls back to read() too) */
            uint32_t skip = copy || !exec ? 0 : direct_part( &section->image, i );

            section->direct_size[i] = skip;
            direct |= !!skip;
            if (sec->raw_size == skip) continue;
            if (pwrite( fd, file + sec->raw_offset + skip, sec->raw_size - skip, sec->rva + skip ) !=
                (ssize_t)(sec->raw_size - skip))
                status = STATUS_NO_MEMORY;
        }
    }
    if (!status) status = build_shared_backing( section, file, file_size );
    if (status)
    {
        close( fd );
        goto done;
    }
    section->fd = fd;
    section->size = section->image.image_size;
    if (direct)
    {
        section->image_fd = file_fd;
        *keep_fd = 1;
    }
done:
    if (copy) mm_free( copy );
    else os_unmap_readonly( file, file_size );
    return status;
}

/* the bytes of section i that a view of view_size bytes takes from image_fd (0: none) */
static size_t direct_len( const struct mm_section *section, unsigned int i, size_t view_size )
{
    uint32_t rva = section->image.sections[i].rva;
    size_t len;

    if (section->image_fd < 0 || !(len = section->direct_size[i]) || rva >= view_size) return 0;
    return len < view_size - rva ? len : view_size - rva;
}

/* Lock: exclusive.  Map the direct parts of an image view (see direct_part) from the file, over
 * the memfd mapped at base: prot is the view's kernel protection at this point. */
static NTSTATUS map_direct_parts( struct mm_section *section, uintptr_t base, size_t view_size, int prot )
{
    const struct mm_image *img = &section->image;

    MM_ASSERT_EXCLUSIVE();
    for (unsigned int i = 0; i < img->nsections; i++)
    {
        const struct mm_image_section *sec = &img->sections[i];
        size_t len = direct_len( section, i, view_size );

        if (len && os_map_file( base + sec->rva, len, prot, section->image_fd, sec->raw_offset, 0, 1 ))
            return STATUS_NO_MEMORY;
    }
    return STATUS_SUCCESS;
}

/* the backing of a new section; section->flags still as the caller gave them */
static NTSTATUS create_backing( struct mm_section *section, int fd, uint64_t size )
{
    uint64_t file_size;
    int ret;

    if (!(section->flags & (SEC_FILE | SEC_IMAGE)))
    {
        /* pagefile-backed: the host's anonymous backing, or a memfd of our own */
        if (section->flags & SEC_LARGE_PAGES)
        {
            if (!size) return STATUS_INVALID_PARAMETER;
            section->size = size;
            if (fd < 0 && (fd = ret = os_create_shm_huge( size, "ntdll-mm large-page section" )) < 0)
                return ret == -ENOMEM || ret == -ENOSPC ? STATUS_INSUFFICIENT_RESOURCES : STATUS_NO_MEMORY;
            section->fd = fd;
            return STATUS_SUCCESS;
        }
        if (!size) return STATUS_INVALID_PARAMETER;
        section->size = mm_round_up( size, MM_PAGE_MASK );
        if ((section->flags & SEC_RESERVE) &&
            !(section->committed = mm_calloc( 1, ((section->size >> MM_PAGE_SHIFT) + 7) / 8 )))
            return STATUS_NO_MEMORY;
        if (fd < 0 && (fd = os_create_shm( section->size, "ntdll-mm section" )) < 0) return STATUS_NO_MEMORY;
        section->fd = fd;
        return STATUS_SUCCESS;
    }

    section->fd = fd;   /* closed by section_destroy from now on */
    if (fd < 0) return STATUS_INVALID_HANDLE;
    if (os_file_size( fd, &file_size, &section->dev, &section->ino )) return STATUS_INVALID_HANDLE;
    if (section->flags & SEC_IMAGE)
    {
        /* views map the laid-out image (build_image sets section->fd) and, where it can, the
         * file (section->image_fd) */
        NTSTATUS status;
        int keep;

        section->fd = -1;
        status = build_image( section, fd, file_size, &keep );
        if (!keep) close( fd );
        return status;
    }
    if (!size)
    {
        if (!(size = file_size)) return STATUS_MAPPED_FILE_SIZE_ZERO;
    }
    else if (file_size < size)
    {
        /* a read-only file cannot grow to the section's size */
        if (!section->file_writable) return STATUS_SECTION_TOO_BIG;
        if (os_file_grow( fd, size )) return STATUS_DISK_FULL;
    }
    section->size = size;
    return STATUS_SUCCESS;
}

NTSTATUS mm_section_create_from_fd( int fd, ULONG sec_flags, ULONG protect, uint64_t size,
                                    int writable, const char *unix_path, struct mm_section **ret )
{
    struct mm_section *section;
    NTSTATUS status;

    *ret = NULL;
    if ((status = mm_ensure_init()))
    {
        if (fd >= 0) close( fd );
        return status;
    }
    if (!(section = mm_calloc( 1, sizeof(*section) )))
    {
        if (fd >= 0) close( fd );
        return STATUS_NO_MEMORY;
    }
    section->obj.type = HOST_SECTION;
    section->obj.destroy = section_destroy;
    section->obj.refs = 1;
    section->fd = -1;
    section->shared_fd = -1;
    section->image_fd = -1;
    section->protect = protect;
    section->file_writable = !!writable;
    section->flags = sec_flags & (SEC_IMAGE | SEC_RESERVE | SEC_COMMIT | SEC_FILE | SEC_NOCACHE | SEC_WRITECOMBINE |
                                  SEC_LARGE_PAGES);
    if (unix_path && !(section->path = mm_strdup( unix_path )))
    {
        if (fd >= 0) close( fd );
        section_destroy( &section->obj );
        return STATUS_NO_MEMORY;
    }
    if ((status = create_backing( section, fd, size )))
    {
        if (section->fd < 0 && fd >= 0 && !(section->flags & (SEC_FILE | SEC_IMAGE))) close( fd );
        section_destroy( &section->obj );
        return status;
    }
    /* what NtQuerySection reports */
    if (section->is_image) section->flags = SEC_IMAGE | SEC_FILE;
    else if (section->flags & SEC_FILE) section->flags = SEC_FILE | (section->flags & (SEC_NOCACHE | SEC_WRITECOMBINE));
    else section->file_writable = 1;   /* pagefile-backed memory is always writable */
    *ret = section;
    return STATUS_SUCCESS;
}

void mm_section_set_destroy_hook( struct mm_section *s, void (*hook)( struct mm_section *, void * ), void *ctx )
{
    s->destroy_hook = hook;
    s->destroy_ctx = ctx;
}

NTSTATUS mm_section_image_info( struct mm_section *s, SECTION_IMAGE_INFORMATION *info )
{
    if (!s->is_image) return STATUS_SECTION_NOT_IMAGE;
    *info = s->image.info;
    return STATUS_SUCCESS;
}

uint64_t mm_section_size( struct mm_section *s )
{
    uint64_t size;

    mm_lock_shared();
    size = s->size;
    mm_unlock_shared();
    return size;
}

ULONG mm_section_flags( struct mm_section *s )
{
    return s->flags;
}

uintptr_t mm_section_image_base( struct mm_section *s )
{
    return s->is_image ? (uintptr_t)s->image.image_base : 0;
}

NTSTATUS mm_section_extend( struct mm_section *s, uint64_t *size )
{
    NTSTATUS status = STATUS_SUCCESS;

    mm_lock_exclusive();
    if (!(s->flags & SEC_FILE) || s->is_image) status = STATUS_SECTION_NOT_EXTENDED;
    else if (*size > s->size)
    {
        if (!s->file_writable) status = STATUS_SECTION_NOT_EXTENDED;
        else if (os_file_grow( s->fd, *size )) status = STATUS_DISK_FULL;
        /* existing views keep their size, as on NT; new views can reach the new end */
        else s->size = *size;
    }
    *size = s->size;
    mm_unlock_exclusive();
    return status;
}

/* ---- views ------------------------------------------------------------------------------------ */

struct map_ctx
{
    int prot, fd, shared;
    uint64_t offset;
};

static int map_view_cb( uintptr_t addr, size_t size, void *ctx )
{
    struct map_ctx *m = ctx;
    return os_map_file( addr, size, m->prot, m->fd, m->offset, m->shared, 0 );
}

/* Lock: exclusive.  Page states and kernel protections of a freshly mapped image view. */
static void image_protections( struct mm_alloc *a, const struct mm_image *img )
{
    size_t npages = alloc_pages( a );
    size_t hdr_pages = mm_round_up( img->headers_size ? img->headers_size : 1, MM_PAGE_MASK ) >> MM_PAGE_SHIFT;

    if (hdr_pages > npages) hdr_pages = npages;
    if (img->info.ImageFlags & 0x08 /* ImageMappedFlat */)
    {
        /* mapped as the file is: one protection for every page */
        runs_update( a, 0, npages, 0, MM_COMMITTED | PAGE_EXECUTE_WRITECOPY );
        mm_sync_kernel( a, 0, npages );
        return;
    }
    /* alignment padding between and after sections is not accessible (NT's image layout);
     * the headers are read-only */
    runs_update( a, 0, npages, 0, MM_COMMITTED | PAGE_NOACCESS );
    runs_update( a, 0, hdr_pages, 0, MM_COMMITTED | PAGE_READONLY );
    for (unsigned int i = 0; i < img->nsections; i++)
    {
        const struct mm_image_section *sec = &img->sections[i];
        size_t first = sec->rva >> MM_PAGE_SHIFT;
        size_t end = mm_round_up( (uintptr_t)sec->rva + sec->virtual_size, MM_PAGE_MASK ) >> MM_PAGE_SHIFT;
        if (first >= npages) continue;
        if (end > npages) end = npages;
        if (end > first) runs_update( a, first, end - first, 0, MM_COMMITTED | sec->protect );
    }
    if (a->section && a->section->shared_fd >= 0)
    {
        struct shared_cursor c = { 0 };
        while (next_shared_section( img, &c ))
        {
            size_t first = c.sec->rva >> MM_PAGE_SHIFT, count = (c.end - c.offset) >> MM_PAGE_SHIFT;
            if (first >= npages) continue;
            if (count > npages - first) count = npages - first;
            runs_update( a, first, count, ~0u, MM_SHAREDMAP );
        }
    }
    mm_sync_kernel( a, 0, npages );
}

/* Lock: exclusive.  NT applies relocations when it reads the image in, so relocated pages are
 * still clean copy-on-write pages of the image (PAGE_WRITECOPY, shared by views at that
 * base).  Here: the image relocated for this base in a memfd of its own, mapped over the
 * view, so a query still tells written pages from relocated ones. */
static NTSTATUS relocate_view( struct mm_section *section, uintptr_t base, size_t size, int64_t delta )
{
    const struct mm_image *img = &section->image;
    unsigned char *buf;
    NTSTATUS status;
    int fd;

    if (!(buf = mm_malloc( size ))) return STATUS_NO_MEMORY;
    status = os_file_read( section->fd, buf, size, 0 ) == (ssize_t)size ? STATUS_SUCCESS : STATUS_NO_MEMORY;
    for (unsigned int i = 0; !status && i < img->nsections; i++)
    {
        size_t len = direct_len( section, i, size );
        if (len && os_file_read( section->image_fd, buf + img->sections[i].rva, len, img->sections[i].raw_offset ) !=
            (ssize_t)len)
            status = STATUS_NO_MEMORY;
    }
    if (!status && !(status = image_relocate( buf, img, delta )))
    {
        if ((fd = os_create_shm( size, "ntdll-mm relocated image" )) < 0) status = STATUS_NO_MEMORY;
        else
        {
            if (pwrite( fd, buf, size, 0 ) != (ssize_t)size ||
                os_map_file( base, size, PROT_READ | PROT_WRITE, fd, 0, 0, 1 ))
                status = STATUS_NO_MEMORY;
            close( fd );   /* the mapping keeps the memfd */
        }
    }
    mm_free( buf );
    return status;
}

/* Lock: exclusive.  Map the shared sections of an image view over its copy-on-write pages,
 * after relocation: NT does not relocate pages common to every process (they would be
 * relocated once per base), and neither is it done here. */
static NTSTATUS map_shared_sections( struct mm_section *section, uintptr_t base, size_t view_size )
{
    struct shared_cursor c = { 0 };

    if (section->shared_fd < 0) return STATUS_SUCCESS;
    while (next_shared_section( &section->image, &c ))
    {
        uint32_t rva = c.sec->rva;
        uint64_t size = c.end - c.offset;

        if (rva >= view_size) continue;
        if (size > view_size - rva) size = view_size - rva;
        if (os_map_file( base + rva, size, PROT_READ | PROT_WRITE, section->shared_fd, c.offset, 1, 1 ))
            return STATUS_NO_MEMORY;
    }
    return STATUS_SUCCESS;
}

static NTSTATUS map_image_view( struct mm_section *section, uintptr_t addr, uintptr_t limit, int top_down,
                                uintptr_t *base_out, size_t *size_out )
{
    const struct mm_image *img = &section->image;
    size_t size = mm_round_up( img->image_size, MM_PAGE_MASK );
    struct map_ctx ctx = { PROT_READ | PROT_WRITE, section->fd, 0, 0 };
    struct mm_place_req req = { addr, size, 0, limit, MM_GRAN_MASK, top_down };
    struct mm_alloc *a;
    uintptr_t base = 0;
    NTSTATUS status;
    int64_t delta;

    /* a 32-bit image must stay below 4 GiB (2 GiB unless large-address aware), or its
     * 32-bit relocations cannot express where it sits */
    if (!img->is_64bit)
    {
        uintptr_t top = (img->info.ImageCharacteristics & IMAGE_FILE_LARGE_ADDRESS_AWARE) ? 0x100000000ull : 0x80000000ull;
        if (!req.limit || req.limit > top) req.limit = top;
        limit = req.limit;
    }

    mm_lock_exclusive();
    if (!addr && img->image_base && img->image_base + size <= mm.highest + 1 &&
        (!limit || img->image_base + size <= limit))
    {
        /* the preferred base first */
        req.addr = img->image_base;
        status = mm_place( &req, map_view_cb, &ctx, &base );
        req.addr = 0;
        /* Taken: elsewhere, even when the relocations were stripped (kernel32 loader.c
         * test_image_mapping, which passes on Windows: STATUS_IMAGE_NOT_AT_BASE for DLLs and
         * EXEs alike; it is the PE loader that refuses a stripped DLL away from its base) */
        if (status == STATUS_CONFLICTING_ADDRESSES) status = mm_place( &req, map_view_cb, &ctx, &base );
    }
    else status = mm_place( &req, map_view_cb, &ctx, &base );
    if (status)
    {
        mm_unlock_exclusive();
        return status;
    }
    if (!(a = vad_new( MM_KIND_IMAGE, base, base + size )))
    {
        os_release( base, size );
        mm_unlock_exclusive();
        return STATUS_NO_MEMORY;
    }
    if ((status = map_direct_parts( section, base, size, ctx.prot )))
    {
        os_release( base, size );
        vad_free( a );
        mm_unlock_exclusive();
        return status;
    }
    delta = (int64_t)(base - img->image_base);
    /* A flat image is not relocated (Wine's loader; native is not pinned down).  Nor is one
     * whose relocations were stripped: there is nothing to apply, and its headers keep the
     * preferred base, which is how a PE loader sees that the module was not relocated
     * (Wine's perform_relocations then refuses a stripped DLL, STATUS_CONFLICTING_ADDRESSES) */
    if (delta && !(img->info.ImageFlags & 0x08) && !img->relocs_stripped &&
        (status = relocate_view( section, base, size, delta )))
    {
        os_release( base, size );
        vad_free( a );
        mm_unlock_exclusive();
        return status;
    }
    if ((status = map_shared_sections( section, base, size )))
    {
        os_release( base, size );
        vad_free( a );
        mm_unlock_exclusive();
        return status;
    }
    a->alloc_prot = PAGE_EXECUTE_WRITECOPY;
    a->section = section;
    a->cow = 1;
    host_addref( &section->obj );
    image_protections( a, img );
    vad_insert( a );
    mm_unlock_exclusive();
    *base_out = base;
    *size_out = size;
    return delta ? STATUS_IMAGE_NOT_AT_BASE : STATUS_SUCCESS;
}

static int page_committed( const struct mm_section *section, uint64_t page )
{
    return (section->committed[page / 8] >> (page % 8)) & 1;
}

/* Lock: exclusive.  A new SEC_RESERVE view: pages the section has committed are committed in
 * it too, with the view's protection. */
static void view_from_section( struct mm_alloc *a, ULONG protect )
{
    size_t npages = alloc_pages( a ), p = 0;
    uint64_t first = a->offset >> MM_PAGE_SHIFT;

    while (p < npages)
    {
        size_t q = p;
        int c = page_committed( a->section, first + p );
        while (q < npages && page_committed( a->section, first + q ) == c) q++;
        if (c) runs_update( a, p, q - p, 0, MM_COMMITTED | protect );
        p = q;
    }
    mm_sync_kernel( a, 0, npages );
}

struct commit_ctx
{
    struct mm_alloc *from;
    uint64_t start, end;         /* section page range */
};

static void commit_other_view( struct mm_alloc *v, void *ctx )
{
    struct commit_ctx *c = ctx;
    uint64_t vfirst, vend, lo, hi;

    if (v == c->from || v->section != c->from->section || v->kind != MM_KIND_MAPPED) return;
    vfirst = v->offset >> MM_PAGE_SHIFT;
    vend = vfirst + alloc_pages( v );
    lo = c->start > vfirst ? c->start : vfirst;
    hi = c->end < vend ? c->end : vend;
    if (lo >= hi) return;
    for (uint64_t p = lo - vfirst; p < hi - vfirst; p = runs_span_end( v, p ))
    {
        size_t stop = runs_span_end( v, p );
        if (stop > hi - vfirst) stop = hi - vfirst;
        if (!(runs_state( v, p ) & MM_COMMITTED))
        {
            runs_update( v, p, stop - p, 0, MM_COMMITTED | (v->alloc_prot & (0xff | PAGE_GUARD)) );
            mm_sync_kernel( v, p, stop - p );
        }
    }
}

void section_commit_pages( struct mm_alloc *a, size_t first, size_t count )
{
    struct commit_ctx ctx = { a, (a->offset >> MM_PAGE_SHIFT) + first, (a->offset >> MM_PAGE_SHIFT) + first + count };

    MM_ASSERT_EXCLUSIVE();
    for (uint64_t p = ctx.start; p < ctx.end; p++) a->section->committed[p / 8] |= 1 << (p % 8);
    vad_walk( commit_other_view, &ctx );
}

/* Lock: exclusive.  MEM_REPLACE_PLACEHOLDER: the view must cover exactly one placeholder
 * (MapViewOfFile3; Wine's kernelbase test_VirtualAlloc2), else STATUS_CONFLICTING_ADDRESSES.
 * The file is mapped over it with MAP_FIXED; *view is the new view's node, not in the tree yet. */
static NTSTATUS replace_placeholder( const struct mm_place_req *req, struct map_ctx *ctx, uintptr_t *base,
                                     struct mm_alloc **view )
{
    struct mm_alloc *ph, *a;

    MM_ASSERT_EXCLUSIVE();
    if (!(ph = mm_find_placeholder( req->addr, req->addr + req->size ))) return STATUS_CONFLICTING_ADDRESSES;
    if (!(a = vad_new( MM_KIND_MAPPED, ph->base, ph->end ))) return STATUS_NO_MEMORY;
    if (os_map_file( ph->base, req->size, ctx->prot, ctx->fd, ctx->offset, ctx->shared, 1 ))
    {
        vad_free( a );
        return STATUS_NO_MEMORY;
    }
    vad_remove( ph );
    vad_free( ph );
    a->flags |= MM_F_REPLACED;
    *base = a->base;
    *view = a;
    return STATUS_SUCCESS;
}

static NTSTATUS map_worker( HANDLE handle, uintptr_t addr, uint64_t offset, SIZE_T *size_io, SIZE_T commit_size,
                            ULONG alloc_type, ULONG protect, uintptr_t lowest, uintptr_t limit, size_t align_mask,
                            uintptr_t *base_out )
{
    struct mm_place_req req;
    struct map_ctx ctx;
    struct host_object *obj;
    struct mm_section *section;
    struct mm_alloc *a;
    ACCESS_MASK access;
    uint64_t full;
    size_t size;
    uintptr_t base = 0;
    int cow;
    NTSTATUS status;

    if ((status = mm_view_access( protect, &access ))) return status;
    if ((status = host_ref_handle( handle, HOST_SECTION, access, &obj, NULL ))) return status;
    section = section_from_obj( obj );

    if ((alloc_type & MEM_REPLACE_PLACEHOLDER) && (section->is_image || (section->flags & SEC_LARGE_PAGES)))
    {
        /* MapViewOfFile3, MEM_REPLACE_PLACEHOLDER: "Only data/pf-backed section views are
         * supported (no images, physical memory, etc.)".  A SEC_LARGE_PAGES view is committed
         * whole on large pages at a large-page-aligned address, while a placeholder is a
         * small-page reservation ("page-aligned to the underlying page size granted by
         * VirtualAlloc2"): refused too (NT's status for either is not documented) */
        section_release( section );
        return STATUS_INVALID_PARAMETER;
    }
    if (section->is_image)
    {
        size_t isize = 0;
        status = map_image_view( section, addr, limit, !!(alloc_type & MEM_TOP_DOWN), &base, &isize );
        if (NT_SUCCESS( status ))
        {
            *size_io = isize;
            *base_out = base;
        }
        section_release( section );
        return status;
    }

    if (!protect_allowed( section->protect, protect ))
    {
        section_release( section );
        return STATUS_SECTION_PROTECTION;
    }
    /* writing through a shared view needs a writable file */
    if ((protect == PAGE_READWRITE || protect == PAGE_EXECUTE_READWRITE) && !section->file_writable)
    {
        section_release( section );
        return STATUS_ACCESS_DENIED;
    }

    mm_lock_exclusive();
    full = section->size;
    if (offset >= full) status = STATUS_INVALID_PARAMETER;
    else if (*size_io && *size_io > full - offset) status = STATUS_INVALID_VIEW_SIZE;
    if (!status)
    {
        uint64_t want = *size_io ? *size_io : full - offset;

        size = mm_round_up( want, MM_PAGE_MASK );
        cow = protect == PAGE_WRITECOPY || protect == PAGE_EXECUTE_WRITECOPY;
        if (section->flags & SEC_LARGE_PAGES)
        {
            /* views of large pages start and end on large pages */
            size_t large_mask = os_info.large_page_size - 1;
            if (offset & large_mask) status = STATUS_MAPPED_ALIGNMENT;
            size = mm_round_up( want, large_mask );
            if (align_mask < large_mask) align_mask = large_mask;
        }
    }
    if (!status)
    {
        ctx.fd = section->fd;
        ctx.offset = offset;
        ctx.shared = !cow;
        /* SEC_RESERVE: the view's pages stay reserved until MEM_COMMIT */
        ctx.prot = (section->flags & SEC_RESERVE) ? PROT_NONE : mm_prot_to_unix( MM_COMMITTED | protect );
        req.addr = addr;
        req.size = size;
        req.lowest = lowest;
        req.limit = limit;
        req.align_mask = align_mask;
        req.top_down = !!(alloc_type & MEM_TOP_DOWN);
        if (alloc_type & MEM_REPLACE_PLACEHOLDER) status = replace_placeholder( &req, &ctx, &base, &a );
        else status = mm_place( &req, map_view_cb, &ctx, &base );
        if (!status && !(alloc_type & MEM_REPLACE_PLACEHOLDER) && !(a = vad_new( MM_KIND_MAPPED, base, base + size )))
        {
            os_release( base, size );
            status = STATUS_NO_MEMORY;
        }
        if (!status)
        {
            /* SEC_NOCACHE / SEC_WRITECOMBINE show in the view's protections like the PAGE_*
             * modifiers of a private allocation (kernel32 test_VirtualAlloc: a SEC_NOCACHE view
             * is PAGE_READWRITE | PAGE_NOCACHE, AllocationProtect too) */
            a->alloc_prot = protect | ((section->flags & SEC_NOCACHE) ? PAGE_NOCACHE : 0) |
                            ((section->flags & SEC_WRITECOMBINE) ? PAGE_WRITECOMBINE : 0);
            a->section = section;
            a->offset = offset;
            a->cow = cow;
            if (section->flags & SEC_NOCACHE) a->flags |= MM_F_NOCACHE;
            if (section->flags & SEC_WRITECOMBINE) a->flags |= MM_F_WRITECOMBINE;
            if (section->flags & SEC_LARGE_PAGES) a->flags |= MM_F_LARGE_PAGES;
            if (!(section->flags & SEC_RESERVE)) run_at( a, 0 )->state = MM_COMMITTED | protect;
            else view_from_section( a, protect );
            host_addref( &section->obj );
            vad_insert( a );
            if ((section->flags & SEC_RESERVE) && commit_size)
            {
                /* CommitSize commits the start of a SEC_RESERVE view (ReactOS apitest) */
                size_t n = mm_round_up( commit_size < size ? commit_size : size, MM_PAGE_MASK ) >> MM_PAGE_SHIFT;
                runs_update( a, 0, n, MM_PRIVMAP, MM_COMMITTED | protect );
                mm_sync_kernel( a, 0, n );
                section_commit_pages( a, 0, n );
            }
            *size_io = size;
            *base_out = base;
        }
    }
    mm_unlock_exclusive();
    section_release( section );
    return status;
}

static NTSTATUS map_common( HANDLE handle, HANDLE process, PVOID *addr_ptr, ULONG_PTR zero_bits, SIZE_T commit_size,
                            const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr, ULONG alloc_type, ULONG protect,
                            const MEM_EXTENDED_PARAMETER *params, ULONG count, int ex )
{
    uintptr_t lowest = 0, limit = 0, base = 0;
    size_t align_mask = MM_GRAN_MASK;
    LARGE_INTEGER offset = { .QuadPart = 0 };
    void *addr;
    SIZE_T size;
    int have_req;
    NTSTATUS status, ret;

    if ((status = mm_ensure_init())) return status;
    if ((status = mm_fetch_inout( addr_ptr, size_ptr, &addr, &size ))) return status;
    if (offset_ptr && host_copy_from_user( &offset, offset_ptr, sizeof(offset) )) return STATUS_ACCESS_VIOLATION;

    if (zero_bits > 21 && zero_bits < 32) return STATUS_INVALID_PARAMETER_4;
    if (addr && zero_bits && zero_bits < 32 && ((uintptr_t)addr >> (32 - zero_bits)))
        return STATUS_INVALID_PARAMETER_4;
    if (addr && zero_bits >= 32 && ((uintptr_t)addr & ~zero_bits)) return STATUS_INVALID_PARAMETER_4;
    /* MEM_COMMIT is refused (ReactOS apitest), AT_ROUND_TO_PAGE only exists for 32-bit callers */
    if (alloc_type & ~(MEM_TOP_DOWN | MEM_RESERVE | MEM_LARGE_PAGES | (ex ? MEM_REPLACE_PLACEHOLDER : 0)))
        return ex ? STATUS_INVALID_PARAMETER : STATUS_INVALID_PARAMETER_9;
    /* MapViewOfFile3: the view replaces the placeholder at the address given */
    if ((alloc_type & MEM_REPLACE_PLACEHOLDER) && !addr) return STATUS_INVALID_PARAMETER;
    /* MapViewOfFile3: with MEM_REPLACE_PLACEHOLDER the 64K alignment of the offset and the
     * address does not apply, page alignment does (the address is the placeholder's, which
     * MEM_PRESERVE_PLACEHOLDER splits at any page); otherwise both are 64K multiples */
    if (alloc_type & MEM_REPLACE_PLACEHOLDER)
    {
        if ((offset.QuadPart & MM_PAGE_MASK) || ((uintptr_t)addr & MM_PAGE_MASK)) return STATUS_MAPPED_ALIGNMENT;
    }
    else if ((offset.QuadPart & MM_GRAN_MASK) || ((uintptr_t)addr & MM_GRAN_MASK)) return STATUS_MAPPED_ALIGNMENT;
    if (offset.QuadPart < 0) return STATUS_INVALID_PARAMETER;
    if (ex && (status = mm_parse_address_requirements( params, count, addr != NULL, &lowest, &limit, &align_mask,
                                                       &have_req )))
        return status;
    if ((status = host_check_process( process ))) return status;
    if (addr && ((uintptr_t)addr < mm.lowest || (uintptr_t)addr > mm.highest)) return STATUS_INVALID_PARAMETER_3;
    if (!addr && zero_bits)
    {
        uintptr_t zl = mm_zero_bits_limit( zero_bits ) + 1;
        if (!limit || zl < limit) limit = zl;
    }

    ret = map_worker( handle, (uintptr_t)addr, offset.QuadPart, &size, commit_size, alloc_type, protect, lowest, limit,
                      align_mask, &base );
    if (!NT_SUCCESS( ret )) return ret;
    if ((status = mm_store_inout( addr_ptr, size_ptr, base, size ))) return status;
    return ret;
}

NTSTATUS WINAPI NtMapViewOfSection( HANDLE handle, HANDLE process, PVOID *addr_ptr, ULONG_PTR zero_bits,
                                    SIZE_T commit_size, const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr,
                                    SECTION_INHERIT inherit, ULONG alloc_type, ULONG protect )
{
    if (inherit != ViewShare && inherit != ViewUnmap) return STATUS_INVALID_PARAMETER_8;
    return map_common( handle, process, addr_ptr, zero_bits, commit_size, offset_ptr, size_ptr, alloc_type, protect,
                       NULL, 0, 0 );
}

NTSTATUS WINAPI NtMapViewOfSectionEx( HANDLE handle, HANDLE process, PVOID *addr_ptr, const LARGE_INTEGER *offset_ptr,
                                      SIZE_T *size_ptr, ULONG alloc_type, ULONG protect,
                                      MEM_EXTENDED_PARAMETER *params, ULONG count )
{
    return map_common( handle, process, addr_ptr, 0, 0, offset_ptr, size_ptr, alloc_type, protect, params, count, 1 );
}

int section_make_private( struct mm_alloc *a, size_t first, size_t count, int prot )
{
    MM_ASSERT_EXCLUSIVE();
    /* the private mapping reads the section's current data until a page is written */
    return os_map_file( a->base + (first << MM_PAGE_SHIFT), count << MM_PAGE_SHIFT, prot, a->section->fd,
                        a->offset + (first << MM_PAGE_SHIFT), 0, 1 );
}

void section_unmap_view( struct mm_alloc *a )
{
    MM_ASSERT_EXCLUSIVE();
    os_release( a->base, a->end - a->base );
    vad_remove( a );
    section_release( a->section );
    vad_free( a );
}

/* Lock: exclusive.  UnmapViewOfFile2(MEM_PRESERVE_PLACEHOLDER): a view that replaced a
 * placeholder becomes that placeholder again; any other view cannot (our choice, as for
 * private memory in Wine's ntdll test: STATUS_CONFLICTING_ADDRESSES). */
static NTSTATUS unmap_to_placeholder( struct mm_alloc *a )
{
    struct mm_alloc *ph;

    MM_ASSERT_EXCLUSIVE();
    if (!(a->flags & MM_F_REPLACED)) return STATUS_CONFLICTING_ADDRESSES;
    if (!(ph = mm_new_placeholder( a->base, a->end ))) return STATUS_NO_MEMORY;
    /* an anonymous PROT_NONE mapping over the file mapping: the range never becomes free */
    if (os_replace_anon( a->base, a->end - a->base, PROT_NONE ))
    {
        vad_free( ph );
        return STATUS_NO_MEMORY;
    }
    vad_remove( a );
    section_release( a->section );
    vad_free( a );
    vad_insert( ph );
    return STATUS_SUCCESS;
}

static NTSTATUS unmap_common( HANDLE process, PVOID addr, ULONG flags )
{
    struct mm_alloc *a;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = host_check_process( process ))) return status;
    if (flags & ~(1u /* MEM_UNMAP_WITH_TRANSIENT_BOOST: a scheduling hint */ | MEM_PRESERVE_PLACEHOLDER))
        return STATUS_INVALID_PARAMETER;
    mm_lock_exclusive();
    a = vad_find( (uintptr_t)addr );
    if (!a || !alloc_is_view( a )) status = STATUS_NOT_MAPPED_VIEW;
    else if (flags & MEM_PRESERVE_PLACEHOLDER) status = unmap_to_placeholder( a );
    else section_unmap_view( a );
    mm_unlock_exclusive();
    return status;
}

NTSTATUS WINAPI NtUnmapViewOfSection( HANDLE process, PVOID addr )
{
    return unmap_common( process, addr, 0 );
}

NTSTATUS WINAPI NtUnmapViewOfSectionEx( HANDLE process, PVOID addr, ULONG flags )
{
    return unmap_common( process, addr, flags );
}

/* ---- queries ---------------------------------------------------------------------------------- */

uint32_t section_view_protect( const struct mm_alloc *a, size_t page, uint32_t state, size_t *span_end )
{
    uint64_t entries[64];
    uint32_t prot = state & MM_PROT_MASK;
    size_t n, end = *span_end;
    int copied;

    if (!(a->cow || (state & MM_PRIVMAP)) || !(state & MM_COMMITTED)) return prot;
    if ((prot & 0xff) != PAGE_WRITECOPY && (prot & 0xff) != PAGE_EXECUTE_WRITECOPY) return prot;
    /* a private copy is an anonymous page: present (or swapped) and not file/shared */
    n = end - page < ARRAY_SIZE( entries ) ? end - page : ARRAY_SIZE( entries );
    if (os_read_pagemap( a->base + (page << MM_PAGE_SHIFT), n, entries )) return prot;
    copied = (entries[0] & (OS_PM_PRESENT | OS_PM_SWAPPED)) && !(entries[0] & OS_PM_FILE_SHARED);
    for (size_t i = 1; i < n; i++)
    {
        int c = (entries[i] & (OS_PM_PRESENT | OS_PM_SWAPPED)) && !(entries[i] & OS_PM_FILE_SHARED);
        if (c != copied)
        {
            *span_end = page + i;
            break;
        }
    }
    if (*span_end > page + n) *span_end = page + n;
    if (!copied) return prot;
    return (prot & ~0xffu) | ((prot & 0xff) == PAGE_WRITECOPY ? PAGE_READWRITE : PAGE_EXECUTE_READWRITE);
}

static size_t append_wide( WCHAR *dst, size_t pos, size_t cap, const char *src, int slashes )
{
    for (; *src; src++, pos++)
        if (pos < cap) dst[pos] = (slashes && *src == '/') ? '\\' : (unsigned char)*src;
    return pos;
}

/* Lock: shared.  MemoryMappedFilenameInformation: the file's name, in the standalone host's
 * NT form \??\unix\path\to\file (Wine's form for Unix paths). */
NTSTATUS section_query_name( uintptr_t addr, void *buffer, SIZE_T len, SIZE_T *written )
{
    struct mm_alloc *a = vad_find( addr );
    MEMORY_SECTION_NAME *info = buffer;
    size_t chars, needed;
    WCHAR *dst;

    if (!a || a->kind == MM_KIND_FOREIGN || !alloc_is_view( a )) return STATUS_INVALID_ADDRESS;
    if (!a->section->path) return STATUS_FILE_INVALID;   /* a pagefile-backed view */
    chars = append_wide( NULL, 0, 0, "\\??\\unix", 0 ) + append_wide( NULL, 0, 0, a->section->path, 1 );
    needed = sizeof(*info) + (chars + 1) * sizeof(WCHAR);
    *written = needed;
    if (len < needed) return STATUS_BUFFER_OVERFLOW;
    dst = (WCHAR *)(info + 1);
    chars = append_wide( dst, 0, chars + 1, "\\??\\unix", 0 );
    chars = append_wide( dst, chars, chars + strlen( a->section->path ) + 1, a->section->path, 1 );
    dst[chars] = 0;
    info->SectionFileName.Buffer = dst;
    info->SectionFileName.Length = chars * sizeof(WCHAR);
    info->SectionFileName.MaximumLength = (chars + 1) * sizeof(WCHAR);
    return STATUS_SUCCESS;
}

NTSTATUS WINAPI NtQuerySection( HANDLE handle, SECTION_INFORMATION_CLASS info_class, void *ptr, SIZE_T size,
                                SIZE_T *ret_size )
{
    struct host_object *obj;
    struct mm_section *section;
    NTSTATUS status;
    SIZE_T len;

    if ((status = mm_ensure_init())) return status;
    switch (info_class)
    {
    case SectionBasicInformation:
        if (size < sizeof(SECTION_BASIC_INFORMATION)) return STATUS_INFO_LENGTH_MISMATCH;
        break;
    case SectionImageInformation:
        if (size < sizeof(SECTION_IMAGE_INFORMATION)) return STATUS_INFO_LENGTH_MISMATCH;
        break;
    default:
        return STATUS_INVALID_INFO_CLASS;
    }
    if ((status = host_ref_handle( handle, HOST_SECTION, SECTION_QUERY, &obj, NULL ))) return status;
    section = section_from_obj( obj );
    if (info_class == SectionBasicInformation)
    {
        SECTION_BASIC_INFORMATION info;
        memset( &info, 0, sizeof(info) );
        mm_lock_shared();
        info.Size.QuadPart = section->size;
        mm_unlock_shared();
        info.Attributes = section->flags;
        /* NT reports the preferred base only for images */
        info.BaseAddress = section->is_image ? (void *)(uintptr_t)section->image.image_base : NULL;
        len = sizeof(info);
        status = host_copy_to_user( ptr, &info, len );
    }
    else if (!section->is_image) status = STATUS_SECTION_NOT_IMAGE;
    else
    {
        len = sizeof(SECTION_IMAGE_INFORMATION);
        status = host_copy_to_user( ptr, &section->image.info, len );
    }
    section_release( section );
    if (!status && ret_size && host_copy_to_user( ret_size, &len, sizeof(len) )) status = STATUS_ACCESS_VIOLATION;
    return status;
}

NTSTATUS WINAPI NtFlushVirtualMemory( HANDLE process, LPCVOID *addr_ptr, SIZE_T *size_ptr, ULONG unknown )
{
    struct mm_alloc *a;
    void *addr;
    SIZE_T size;
    uintptr_t start, end = 0;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if ((status = mm_fetch_inout( (PVOID *)addr_ptr, size_ptr, &addr, &size ))) return status;
    if ((status = host_check_process( process ))) return status;
    start = mm_round_down( (uintptr_t)addr, MM_PAGE_MASK );
    if (size)
    {
        uintptr_t last;
        if (__builtin_add_overflow( (uintptr_t)addr, size, &last )) return STATUS_INVALID_PARAMETER;
        end = mm_round_up( last, MM_PAGE_MASK );
    }
    mm_lock_shared();
    a = vad_find( start );
    if (!a || a->kind == MM_KIND_FOREIGN) status = STATUS_NOT_MAPPED_VIEW;   /* ZwFlushVirtualMemory doc */
    else if (!alloc_is_view( a )) status = STATUS_NOT_MAPPED_DATA;
    else
    {
        if (!size) end = a->end;   /* 0: to the end of the view */
        if (end > a->end) status = STATUS_INVALID_PARAMETER;
        /* copy-on-write and image views have nothing to write back */
        else if (!a->cow && os_sync( start, end - start )) status = STATUS_NOT_MAPPED_DATA;
    }
    mm_unlock_shared();
    if (status) return status;
    return mm_store_inout( (PVOID *)addr_ptr, size_ptr, start, end - start );
}

/* Lock: shared.  Is addr inside something: ours, or a kernel mapping we did not make? */
static int is_allocated( uintptr_t addr, struct mm_alloc **a )
{
    struct os_mapping map;

    *a = vad_find( addr );
    if (*a && (*a)->kind != MM_KIND_FOREIGN) return 1;
    *a = NULL;
    return !os_query_visible( mm_round_down( addr, MM_PAGE_MASK ), &map ) && map.start <= addr;
}

NTSTATUS WINAPI NtAreMappedFilesTheSame( PVOID addr1, PVOID addr2 )
{
    struct mm_alloc *a, *b;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    mm_lock_shared();
    if (!is_allocated( (uintptr_t)addr1, &a ) || !is_allocated( (uintptr_t)addr2, &b )) status = STATUS_INVALID_ADDRESS;
    else if (!a || !b || !alloc_is_view( a ) || !alloc_is_view( b )) status = STATUS_CONFLICTING_ADDRESSES;
    else if (a == b) status = STATUS_SUCCESS;
    /* only image views compare by file; two data views are different "files" even of one
     * section (kernel32 test_NtAreMappedFilesTheSame) */
    else if (a->kind == MM_KIND_IMAGE && b->kind == MM_KIND_IMAGE &&
             (a->section == b->section || (a->section->dev == b->section->dev && a->section->ino == b->section->ino)))
        status = STATUS_SUCCESS;
    else status = STATUS_NOT_SAME_DEVICE;
    mm_unlock_shared();
    return status;
}

/* ---- faults ------------------------------------------------------------------------------------ */

/* SIGBUS on a view: the file no longer covers the page (truncated under the view) */
enum mm_fault_result mm_classify_bus_fault( void *addr, int access, struct mm_fault *fault )
{
    struct mm_alloc *a;
    int is_view;

    /* the faulting thread never holds mm.lock while touching view memory, so a shared lock
     * is safe here; try it anyway, a signal handler must not block (no host_lock_enter: the
     * signal handler already runs with the host's signals as they are) */
    if (pthread_rwlock_tryrdlock( &mm.lock )) return MM_FAULT_UNKNOWN;
    a = vad_find( (uintptr_t)addr );
    is_view = a && alloc_is_view( a );
    pthread_rwlock_unlock( &mm.lock );
    if (!is_view) return MM_FAULT_UNKNOWN;
    /* NT's parameters: { read 0 / write 1 / execute 8, address, the I/O status behind it } */
    memset( fault, 0, sizeof(*fault) );
    fault->code = STATUS_IN_PAGE_ERROR;
    fault->info[0] = access;
    fault->info[1] = (ULONG_PTR)addr;
    fault->info[2] = STATUS_END_OF_FILE;
    fault->ninfo = 3;
    return MM_FAULT_RAISE;
}

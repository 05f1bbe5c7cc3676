/*
 * ntdll-mm core: SEC_IMAGE sections: the PE file laid out once at section creation, and image
 * views mapped from it, relocated when they cannot sit at the preferred base.
 *
 * Where NT and Linux differ:
 * - NT reads an image into the section's prototype pages (headers and each section at its RVA,
 *   tails zero) and shares them between views; here the layout is a memfd the size of the
 *   image, views map it MAP_PRIVATE (copy-on-write), and page-aligned file data is mapped from
 *   the file itself (below).
 * - NT applies relocations while it reads pages in, so relocated pages are still clean
 *   PAGE_WRITECOPY pages; here a relocated view maps its own memfd holding the image relocated
 *   for its base, so queries still tell written pages from relocated ones.
 * - Writable IMAGE_SCN_MEM_SHARED sections are common to every view in every process.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>

#include "imagemap.h"
#include "image.h"
#include "pagerun.h"
#include "pages.h"
#include "place.h"
#include "reserved.h"
#include "vad.h"
#include "os.h"

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
            os_file_write( fd, file + sec->raw_offset, sec->raw_size, c.offset ) != (ssize_t)sec->raw_size)
        {
            close( fd );
            return STATUS_NO_MEMORY;
        }
    }
    section->shared_fd = fd;
    return STATUS_SUCCESS;
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

NTSTATUS imgmap_build( struct mm_section *section, int file_fd, int *keep_fd )
{
    uint64_t file_size = section->file_size;
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
        if (os_file_write( fd, file, n, 0 ) != (ssize_t)n) status = STATUS_NO_MEMORY;
    }
    else
    {
        uint32_t hdr = section->image.headers_size < file_size ? section->image.headers_size : (uint32_t)file_size;
        if (os_file_write( fd, file, hdr, 0 ) != (ssize_t)hdr) status = STATUS_NO_MEMORY;
        for (unsigned int i = 0; !status && i < section->image.nsections; i++)
        {
            const struct mm_image_section *sec = &section->image.sections[i];
            /* a file read into memory (no mmap) cannot be mapped either, nor one on a noexec
             * mount (code must become executable; Wine's virtual.c falls back to read() too) */
            uint32_t skip = copy || !exec ? 0 : direct_part( &section->image, i );

            section->direct_size[i] = skip;
            direct |= !!skip;
            if (sec->raw_size == skip) continue;
            if (os_file_write( fd, file + sec->raw_offset + skip, sec->raw_size - skip, sec->rva + skip ) !=
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

    SPACE_ASSERT_EXCLUSIVE();
    for (unsigned int i = 0; i < img->nsections; i++)
    {
        const struct mm_image_section *sec = &img->sections[i];
        size_t len = direct_len( section, i, view_size );

        if (len && os_map( base + sec->rva, len, prot, OS_MAP_PRIVATE, section->image_fd, sec->raw_offset, 1 ))
            return STATUS_NO_MEMORY;
    }
    return STATUS_SUCCESS;
}

void imgmap_free( struct mm_section *section )
{
    if (section->shared_fd >= 0) close( section->shared_fd );
    if (section->image_fd >= 0) close( section->image_fd );
    if (section->reloc_fd >= 0) close( section->reloc_fd );
    mm_free( section->direct_size );
    image_free( &section->image );
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
        pages_sync_kernel( a, 0, npages );
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
    pages_sync_kernel( a, 0, npages );
}

/* Does NT relocate this image when it maps it away from its preferred base?  Only a dynamically
 * relocated one (DYNAMIC_BASE, with code, not .NET: SectionImageInformation's
 * ImageDynamicallyRelocated) with its relocations: any other is mapped as it is, its headers
 * keeping the preferred base, and the PE loader relocates it (kernel32 loader.c,
 * test_import_resolution "map with ntdll, without IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE": not
 * relocated, STATUS_IMAGE_NOT_AT_BASE; Wine's perform_relocations refuses a stripped DLL there,
 * STATUS_CONFLICTING_ADDRESSES).  A flat image is never relocated (Wine's loader). */
static int imgmap_dynamic( const struct mm_image *img )
{
    return (img->info.ImageFlags & 0x04 /* ImageDynamicallyRelocated */) &&
           !(img->info.ImageFlags & 0x08 /* ImageMappedFlat */) && !img->relocs_stripped;
}

/* Lock: exclusive.  NT applies relocations when it reads the image in, once, for the image's
 * relocated base: the pages are shared by every view (prototype PTEs), still clean
 * copy-on-write pages (PAGE_WRITECOPY), and a view elsewhere holds the same bytes, its loader
 * told by STATUS_IMAGE_NOT_AT_BASE to relocate them again (Wine's ntdll test_syscalls maps
 * ntdll.dll a second time and finds the first page identical to the loaded module's).  Here:
 * the image relocated by delta in a memfd of the section's, made by the first view and mapped
 * over every view, so a query still tells written pages from relocated ones. */
static NTSTATUS relocate_view( struct mm_section *section, uintptr_t base, size_t size, int64_t delta )
{
    const struct mm_image *img = &section->image;
    unsigned char *buf;
    NTSTATUS status = STATUS_SUCCESS;
    int fd;

    if (section->reloc_fd >= 0 && section->reloc_delta != delta)
    {
        /* made for a base that did not stay the image's (its first view failed) */
        close( section->reloc_fd );
        section->reloc_fd = -1;
    }
    if (section->reloc_fd < 0)
    {
        if (!(buf = mm_malloc( size ))) return STATUS_NO_MEMORY;
        if (os_file_read( section->fd, buf, size, 0 ) != (ssize_t)size) status = STATUS_NO_MEMORY;
        for (unsigned int i = 0; !status && i < img->nsections; i++)
        {
            size_t len = direct_len( section, i, size );
            if (len && os_file_read( section->image_fd, buf + img->sections[i].rva, len,
                                     img->sections[i].raw_offset ) != (ssize_t)len)
                status = STATUS_NO_MEMORY;
        }
        if (!status && !(status = image_relocate( buf, img, delta )))
        {
            if ((fd = os_create_shm( size, "ntdll-mm relocated image" )) < 0) status = STATUS_NO_MEMORY;
            else if (os_file_write( fd, buf, size, 0 ) != (ssize_t)size)
            {
                close( fd );
                status = STATUS_NO_MEMORY;
            }
            else
            {
                section->reloc_fd = fd;
                section->reloc_delta = delta;
            }
        }
        mm_free( buf );
        if (status) return status;
    }
    if (os_map( base, size, PROT_READ | PROT_WRITE, OS_MAP_PRIVATE, section->reloc_fd, 0, 1 )) return STATUS_NO_MEMORY;
    return STATUS_SUCCESS;
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
        if (os_map( base + rva, size, PROT_READ | PROT_WRITE, OS_MAP_SHARED, section->shared_fd, c.offset, 1 ))
            return STATUS_NO_MEMORY;
    }
    return STATUS_SUCCESS;
}

/* the view's first mapping: the laid-out image, copy-on-write */
static int map_layout( uintptr_t addr, size_t size, void *ctx )
{
    const struct mm_section *section = ctx;
    return resv_map( addr, size, PROT_READ | PROT_WRITE, OS_MAP_PRIVATE, section->fd, 0 );
}

/* Lock: exclusive.  What a new image view at [base, base+size) needs beyond the layout: the
 * file's direct parts, relocation, the shared sections. */
static NTSTATUS finish_view( struct mm_section *section, uintptr_t base, size_t size, int64_t delta )
{
    NTSTATUS status;

    if ((status = map_direct_parts( section, base, size, PROT_READ | PROT_WRITE ))) return status;
    /* delta: 0 unless the image is relocated here (imgmap_dynamic) */
    if (delta && (status = relocate_view( section, base, size, delta ))) return status;
    return map_shared_sections( section, base, size );
}

NTSTATUS imgmap_map_view( struct mm_section *section, uintptr_t addr, uintptr_t limit, int top_down,
                          struct mm_alloc **view )
{
    const struct mm_image *img = &section->image;
    size_t size = mm_round_up( img->image_size, MM_PAGE_MASK );
    struct place_req req = { addr, size, 0, limit, MM_GRAN_MASK, top_down };
    int dynamic = imgmap_dynamic( img ), first = dynamic && !section->reloc_base;
    /* where the image belongs: NT gives a dynamically relocated image one relocated base, where
     * every view of it goes when it can, else the preferred base */
    uintptr_t home = dynamic && section->reloc_base ? section->reloc_base : img->image_base;
    struct mm_alloc *a;
    uintptr_t base = 0;
    NTSTATUS status;
    int64_t delta;

    SPACE_ASSERT_EXCLUSIVE();
    /* a 32-bit image must stay below 4 GiB (2 GiB unless large-address aware), or its
     * 32-bit relocations cannot express where it sits */
    if (!img->is_64bit)
    {
        uintptr_t top = (img->info.ImageCharacteristics & IMAGE_FILE_LARGE_ADDRESS_AWARE) ? 0x100000000ull : 0x80000000ull;
        if (!req.limit || req.limit > top) req.limit = top;
        limit = req.limit;
    }
    if (!addr && home && home + size <= space.highest + 1 && (!limit || home + size <= limit))
    {
        req.addr = home;
        status = place_range( &req, map_layout, section, &base );
        req.addr = 0;
        /* Taken: elsewhere, even when the relocations were stripped (kernel32 loader.c
         * test_image_mapping, which passes on Windows: STATUS_IMAGE_NOT_AT_BASE for DLLs and
         * EXEs alike; it is the PE loader that refuses a stripped DLL away from its base) */
        if (status == STATUS_CONFLICTING_ADDRESSES) status = place_range( &req, map_layout, section, &base );
    }
    else status = place_range( &req, map_layout, section, &base );
    if (status) return status;
    /* the first view the core places decides the relocated base: where the preferred base was
     * taken, NT's relocated base is elsewhere too, and the view is at home (kernel32 loader.c,
     * test_import_resolution "map with ntdll": STATUS_SUCCESS away from a taken preferred base
     * for a DYNAMIC_BASE image, STATUS_IMAGE_NOT_AT_BASE without it) */
    if (first && !addr) home = base;
    /* every view holds the image relocated for home (relocate_view) */
    delta = dynamic ? (int64_t)(home - img->image_base) : 0;
    if (!(a = vad_new( MM_KIND_IMAGE, base, base + size ))) status = STATUS_NO_MEMORY;
    else if ((status = finish_view( section, base, size, delta ))) vad_free( a );
    if (status)
    {
        resv_release( base, size );
        return status;
    }
    if (first && !addr) section->reloc_base = home;
    a->alloc_prot = PAGE_EXECUTE_WRITECOPY;
    a->section = section;
    a->cow = 1;
    host_addref( &section->obj );
    image_protections( a, img );
    vad_insert( a );
    *view = a;
    return base == home ? STATUS_SUCCESS : STATUS_IMAGE_NOT_AT_BASE;
}

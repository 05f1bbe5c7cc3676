/*
 * ntdll-mm core: section objects: mm_section_create_from_fd and its accessors, the access rules
 * between sections, views and handles, NtExtendSection's work and NtQuerySection.
 *
 * Where NT and Linux differ:
 * - A pagefile-backed section is a memfd; a file-backed one keeps its own descriptor of the
 *   file.  Views are MAP_SHARED mappings of that descriptor, so every view of a section and
 *   the file itself see the same pages (the page cache), as NT's views share the section's
 *   prototype PTEs.
 * - A SEC_IMAGE section is laid out once, at creation (imagemap.c).
 *
 * Section objects are the core's; names, handles and the NT object around them belong to the
 * host (standalone/section.c: NtCreateSection, NtOpenSection, NtExtendSection; wineserver
 * mappings in Wine), which makes them with mm_section_create_from_fd (host.h).
 *
 * Lock rules: section objects are immutable after creation except 'size' (mm_section_extend)
 * and the SEC_RESERVE commit bitmap, which are read and written under the space lock.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "section.h"
#include "imagemap.h"
#include "space.h"
#include "usercopy.h"
#include "os.h"

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
    if (section->is_image) imgmap_free( section );
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
int section_protect_allowed( ULONG limit, ULONG prot )
{
    unsigned int want = prot_access_bits( prot );
    return (want & prot_access_bits( limit )) == want;
}

/* ---- section objects ------------------------------------------------------------------------ */

void mm_section_set_shared_fd( struct mm_section *s, int fd )
{
    if (s->shared_fd >= 0) close( s->shared_fd );
    s->shared_fd = fd;
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
        section->file_size = file_size;
        status = imgmap_build( section, fd, &keep );
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
    section->reloc_fd = -1;
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

uint64_t mm_section_size( struct mm_section *s )
{
    uint64_t size;

    space_lock_shared();
    size = s->size;
    space_unlock_shared();
    return size;
}

ULONG mm_section_flags( struct mm_section *s )
{
    return s->flags;
}

NTSTATUS mm_section_extend( struct mm_section *s, uint64_t *size )
{
    NTSTATUS status = STATUS_SUCCESS;

    space_lock_exclusive();
    if (!(s->flags & SEC_FILE) || s->is_image) status = STATUS_SECTION_NOT_EXTENDED;
    else if (*size > s->size)
    {
        if (!s->file_writable) status = STATUS_SECTION_NOT_EXTENDED;
        else if (os_file_grow( s->fd, *size )) status = STATUS_DISK_FULL;
        /* existing views keep their size, as on NT; new views can reach the new end */
        else s->size = *size;
    }
    *size = s->size;
    space_unlock_exclusive();
    return status;
}

void mm_section_describe( struct mm_section *s, struct mm_section_desc *desc )
{
    memset( desc, 0, sizeof(*desc) );
    desc->attributes = s->flags;
    /* an image reports the size of its file, not of the image (kernel32 loader.c
     * test_image_mapping / query_image_section, which pass on Windows) */
    if (s->is_image) desc->size = s->file_size;
    else desc->size = mm_section_size( s );
    desc->is_image = s->is_image;
    if (s->is_image) desc->image = s->image.info;
}

NTSTATUS WINAPI NtQuerySection( HANDLE handle, SECTION_INFORMATION_CLASS info_class, void *ptr, SIZE_T size,
                                SIZE_T *ret_size )
{
    struct mm_section_desc desc;
    NTSTATUS status;
    SIZE_T len;

    if ((status = mm_ensure_init())) return status;
    switch (info_class)
    {
    case SectionBasicInformation:
        len = sizeof(SECTION_BASIC_INFORMATION);
        break;
    case SectionImageInformation:
        len = sizeof(SECTION_IMAGE_INFORMATION);
        break;
    default:
        return STATUS_INVALID_INFO_CLASS;
    }
    if (size < len) return STATUS_INFO_LENGTH_MISMATCH;
    /* NT probes the whole output buffer as given before it looks at the section (Wine's
     * NtQuerySection, which passes ntdll's info tests on Windows) */
    if (!ptr || user_probe_write( ptr, size )) return STATUS_ACCESS_VIOLATION;
    if ((status = host_query_section( handle, &desc ))) return status;
    if (info_class == SectionBasicInformation)
    {
        SECTION_BASIC_INFORMATION info;

        memset( &info, 0, sizeof(info) );
        info.Attributes = desc.attributes;
        /* NT reports no base address, images included (kernel32 loader.c, which passes on
         * Windows: BaseAddress NULL for SEC_IMAGE | SEC_FILE) */
        info.BaseAddress = NULL;
        info.Size.QuadPart = desc.size;
        status = host_copy_to_user( ptr, &info, len );
    }
    else if (!desc.is_image) status = STATUS_SECTION_NOT_IMAGE;
    else status = host_copy_to_user( ptr, &desc.image, len );
    if (!status && ret_size && host_copy_to_user( ret_size, &len, sizeof(len) )) status = STATUS_ACCESS_VIOLATION;
    return status;
}

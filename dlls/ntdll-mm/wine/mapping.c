/*
 * ntdll-mm inside Wine: wineserver mappings as the core's sections, and views as the server
 * knows them.
 *
 * Where Wine and NT (and the standalone host) differ:
 * - Section objects are wineserver "mapping" objects (NtCreateSection/NtOpenSection are Wine's,
 *   in sync.c).  The server checks the handle's access (get_mapping_info) and hands out the
 *   backing file's descriptor: the file itself, or for pagefile-backed sections a temporary file
 *   the server made.  That becomes a core section (mm_section_create_from_fd), kept in a
 *   per-process cache keyed by the descriptor's file identity and the mapping's parameters, so
 *   every view of one mapping in this process shares one core section and with it the
 *   SEC_RESERVE commit state (the core commits a page in every view at once).
 * - The server does not keep a section's page protection, only the handle's access and whether
 *   the file may be written: a mapping of a writable descriptor is treated as
 *   PAGE_EXECUTE_READWRITE, of a read-only one as PAGE_EXECUTE_WRITECOPY (views may still be
 *   copy-on-write).  NT also refuses a view more permissive than the section's protection
 *   (STATUS_SECTION_PROTECTION); here only what the file allows is enforced.
 * - Every view is registered with the server (map_view) and unregistered when unmapped
 *   (unmap_view), from the core's view hooks, under the core's lock: the server builds the
 *   process's module list, the main exe's name, the debugger's load/unload events,
 *   get_mapping_filename and is_same_mapping from them.
 * - Commit state of SEC_RESERVE mappings is shared between processes through the server
 *   (add_mapping_committed_range / get_mapping_committed_range): a view mapped here starts with
 *   the pages committed so far anywhere, and a commit here is published.  A view already mapped
 *   in another process learns of a later commit when it is queried or protected (as Wine's
 *   virtual.c asks the server), or at the first fault on such a page (NT commits the page for
 *   every view at once).  The server refuses to record a range that reaches the end of the view
 *   (Wine 8.0's add_committed_range), so a commit of a view's last page stays local.
 * - Images: the server parses the PE file and describes it (mmw_image_info); the core lays
 *   the image out again from the file.  The writable shared (IMAGE_SCN_MEM_SHARED) sections
 *   are mapped from the server's file of them, common to all processes, as Wine's own
 *   virtual.c maps them (mm_section_set_shared_fd).  Wine's load order may put a builtin in
 *   the place of an image (load_builtin): that is decided before the core maps anything.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* ---- the cache of core sections ------------------------------------------------------------ */

struct cached_section
{
    struct list        entry;
    struct mm_section *section;      /* no reference: the entry goes when the section does */
    dev_t              dev;
    ino_t              ino;
    struct timespec    mtime;        /* images: the core laid out this version of the file */
    off_t              file_size;
    ULONG              flags;        /* SEC_* as given to the core */
    uint64_t           size;
    int                writable;
    BOOL               listed;
};

static struct list section_cache = LIST_INIT( section_cache );
static pthread_mutex_t cache_mutex = PTHREAD_MUTEX_INITIALIZER;

/* a reference, unless the count already reached zero (the section is being destroyed) */
static BOOL addref_if_alive( struct host_object *obj )
{
    LONG refs = obj->refs;

    while (refs > 0)
    {
        LONG prev = InterlockedCompareExchange( &obj->refs, refs + 1, refs );
        if (prev == refs) return TRUE;
        refs = prev;
    }
    return FALSE;
}

/* the core's destroy hook, possibly under the space lock: only the cache mutex here */
static void section_gone( struct mm_section *section, void *ctx )
{
    struct cached_section *entry = ctx;
    sigset_t sigset;

    server_enter_uninterrupted_section( &cache_mutex, &sigset );
    if (entry->listed) list_remove( &entry->entry );
    server_leave_uninterrupted_section( &cache_mutex, &sigset );
    mm_free( entry );
}

static struct mm_section *cache_find( const struct cached_section *key )
{
    struct cached_section *entry;
    struct mm_section *ret = NULL;
    sigset_t sigset;

    server_enter_uninterrupted_section( &cache_mutex, &sigset );
    LIST_FOR_EACH_ENTRY( entry, &section_cache, struct cached_section, entry )
    {
        if (entry->dev != key->dev || entry->ino != key->ino || entry->flags != key->flags ||
            entry->size != key->size || entry->writable != key->writable || entry->file_size != key->file_size ||
            entry->mtime.tv_sec != key->mtime.tv_sec || entry->mtime.tv_nsec != key->mtime.tv_nsec)
            continue;
        if (addref_if_alive( mm_section_object( entry->section ) ))
        {
            ret = entry->section;
            break;
        }
    }
    server_leave_uninterrupted_section( &cache_mutex, &sigset );
    return ret;
}

/* add a new section (one reference, ours); another thread may have added one meanwhile: then
 * that one is returned with a reference and ours is released */
static struct mm_section *cache_add( struct cached_section *new_entry )
{
    struct mm_section *existing;
    sigset_t sigset;

    /* the hook owns new_entry from here on */
    mm_section_set_destroy_hook( new_entry->section, section_gone, new_entry );
    if ((existing = cache_find( new_entry )))
    {
        host_release( mm_section_object( new_entry->section ) );
        return existing;
    }
    server_enter_uninterrupted_section( &cache_mutex, &sigset );
    list_add_head( &section_cache, &new_entry->entry );
    new_entry->listed = TRUE;
    server_leave_uninterrupted_section( &cache_mutex, &sigset );
    return new_entry->section;
}

/* ---- server requests ------------------------------------------------------------------------ */

unsigned int mmw_get_mapping( HANDLE handle, ACCESS_MASK access, struct mmw_mapping *mapping )
{
    mmw_image_info *info;
    data_size_t total, size = 1024;
    unsigned int status;

    memset( mapping, 0, sizeof(*mapping) );
    for (;;)
    {
        if (!(info = mm_malloc( size ))) return STATUS_NO_MEMORY;
        SERVER_START_REQ( get_mapping_info )
        {
            req->handle = wine_server_obj_handle( handle );
            req->access = access;
            wine_server_set_reply( req, info, size );
            status = wine_server_call( req );
            mapping->sec_flags = reply->flags;
            mapping->full_size = reply->size;
            total = reply->total;
            mapping->shared_file = wine_server_ptr_handle( reply->shared_file );
        }
        SERVER_END_REQ;
        if (!status && total <= size - sizeof(WCHAR)) break;
        mm_free( info );
        if (mapping->shared_file) NtClose( mapping->shared_file );
        mapping->shared_file = 0;
        if (status) return status;
        /* the name did not fit: again with room for it and its terminator */
        size = total + sizeof(WCHAR);
    }
    if (!total)
    {
        mm_free( info );
        return STATUS_SUCCESS;
    }
    if (total < sizeof(*info))
    {
        mm_free( info );
        mmw_free_mapping( mapping );
        return STATUS_INVALID_IMAGE_FORMAT;
    }
    ((WCHAR *)(info + 1))[(total - sizeof(*info)) / sizeof(WCHAR)] = 0;
    mapping->image = info;
    return STATUS_SUCCESS;
}

void mmw_free_mapping( struct mmw_mapping *mapping )
{
    if (mapping->shared_file) NtClose( mapping->shared_file );
    mm_free( mapping->image );
    mapping->shared_file = 0;
    mapping->image = NULL;
}

static unsigned int server_unmap_view( void *base )
{
    unsigned int status;

    SERVER_START_REQ( unmap_view )
    {
        req->base = wine_server_client_ptr( base );
        status = wine_server_call( req );
    }
    SERVER_END_REQ;
    return status;
}

/* ---- core sections of server mappings ----------------------------------------------------- */

/* a descriptor of our own for a server handle (the fd cache keeps its own one) */
static NTSTATUS unix_fd_of( HANDLE handle, ACCESS_MASK access, int *fd )
{
    NTSTATUS status;
    int needs_close;

    if ((status = server_get_unix_fd( handle, access, fd, &needs_close, NULL, NULL ))) return status;
    if (!needs_close && (*fd = fcntl( *fd, F_DUPFD_CLOEXEC, 0 )) == -1) return STATUS_TOO_MANY_OPENED_FILES;
    return STATUS_SUCCESS;
}

/* The core section of a mapping the server described, from this process's cache or made
 * now (one reference); shared_file (the server's file of an image's shared sections, or 0)
 * stays the caller's. */
static NTSTATUS section_of_mapping( HANDLE handle, const struct mmw_mapping *mapping, struct mm_section **ret )
{
    unsigned int sec_flags = mapping->sec_flags;
    mem_size_t full_size = mapping->full_size;
    HANDLE shared_file = mapping->shared_file;
    struct cached_section key, *entry;
    struct stat st;
    NTSTATUS status;
    ULONG protect;
    int fd, fl;

    if ((status = unix_fd_of( handle, 0, &fd ))) return status;
    if (fstat( fd, &st ) == -1 || (fl = fcntl( fd, F_GETFL )) == -1)
    {
        close( fd );
        return STATUS_INVALID_HANDLE;
    }

    memset( &key, 0, sizeof(key) );
    key.dev = st.st_dev;
    key.ino = st.st_ino;
    key.size = full_size;
    key.writable = (fl & O_ACCMODE) == O_RDWR;
    /* SEC_FILE data mappings have no SEC_COMMIT in the server's flags; large pages would need
     * a hugetlb backing the server's temp file is not */
    key.flags = sec_flags & (SEC_IMAGE | SEC_RESERVE | SEC_COMMIT | SEC_FILE | SEC_NOCACHE | SEC_WRITECOMBINE);
    if (!(key.flags & (SEC_IMAGE | SEC_RESERVE | SEC_COMMIT))) key.flags |= SEC_COMMIT;
    if (key.flags & SEC_IMAGE)
    {
        /* the core copied part of the file (and maps the rest): a file rewritten in place
         * (same inode) is another image */
        key.flags = SEC_IMAGE | SEC_FILE;
        key.mtime = st.st_mtim;
        key.file_size = st.st_size;
    }

    if ((*ret = cache_find( &key )))
    {
        close( fd );
        return STATUS_SUCCESS;
    }
    if (!(entry = mm_malloc( sizeof(*entry) )))
    {
        close( fd );
        return STATUS_NO_MEMORY;
    }
    *entry = key;
    protect = key.writable ? PAGE_EXECUTE_READWRITE : PAGE_EXECUTE_WRITECOPY;
    /* the core takes the descriptor, also on failure */
    if ((status = mm_section_create_from_fd( fd, key.flags, protect, full_size, key.writable, NULL, &entry->section )))
    {
        WARN( "mapping %p: core section failed %08x\n", handle, (int)status );
        mm_free( entry );
        return status;
    }
    /* the server's file of the image's shared sections, common to every process (its
     * layout is the one the core expects); without it the core's own copy serves */
    if (shared_file)
    {
        int shared_fd;

        if (!unix_fd_of( shared_file, FILE_READ_DATA | FILE_WRITE_DATA, &shared_fd ))
            mm_section_set_shared_fd( entry->section, shared_fd );
        else WARN( "mapping %p: no descriptor for its shared sections\n", handle );
    }
    TRACE( "mapping %p: new section %p flags %08x size %s\n", handle, entry->section, (int)key.flags,
           wine_dbgstr_longlong( full_size ) );
    *ret = cache_add( entry );
    return STATUS_SUCCESS;
}

void virtual_fill_image_information( const mmw_image_info *pe_info, SECTION_IMAGE_INFORMATION *info )
{
    info->TransferAddress             = wine_server_get_ptr( pe_info->base + pe_info->entry_point );
    info->ZeroBits                    = pe_info->zerobits;
    info->MaximumStackSize            = pe_info->stack_size;
    info->CommittedStackSize          = pe_info->stack_commit;
    info->SubSystemType               = pe_info->subsystem;
    info->MinorSubsystemVersion       = pe_info->subsystem_minor;
    info->MajorSubsystemVersion       = pe_info->subsystem_major;
    info->MajorOperatingSystemVersion = pe_info->osversion_major;
    info->MinorOperatingSystemVersion = pe_info->osversion_minor;
    info->ImageCharacteristics        = pe_info->image_charact;
    info->DllCharacteristics          = pe_info->dll_charact;
    info->Machine                     = pe_info->machine;
    info->ImageContainsCode           = pe_info->contains_code;
    info->ImageFlags                  = pe_info->image_flags;
    info->LoaderFlags                 = pe_info->loader_flags;
    info->ImageFileSize               = pe_info->file_size;
    info->CheckSum                    = pe_info->checksum;
}

/* NtQuerySection (the core's): the mapping as the server describes it */
NTSTATUS host_query_section( HANDLE handle, struct mm_section_desc *desc )
{
    mmw_image_info image;
    unsigned int status;

    memset( desc, 0, sizeof(*desc) );
    SERVER_START_REQ( get_mapping_info )
    {
        req->handle = wine_server_obj_handle( handle );
        req->access = SECTION_QUERY;
        wine_server_set_reply( req, &image, sizeof(image) );
        if (!(status = wine_server_call( req )))
        {
            desc->attributes = reply->flags;
            desc->size = reply->size;
            desc->is_image = !!(reply->flags & SEC_IMAGE);
        }
    }
    SERVER_END_REQ;
    if (!status && desc->is_image) virtual_fill_image_information( &image, &desc->image );
    return status;
}

/* ---- views ------------------------------------------------------------------------------- */

/* what the view hooks need to know of the NtMapViewOfSection call that maps a view */
struct map_call
{
    HANDLE          handle;
    ACCESS_MASK     access;
    mmw_image_info *image;         /* SEC_IMAGE mappings */
    void           *base;          /* out: the view */
    unsigned int    server_status; /* out: what the server answered (a success status) */
};

/* the core mapped a view (under its lock): the server registers it */
NTSTATUS host_view_mapped( const struct mm_view *view, void *ctx )
{
    struct map_call *call = ctx;
    unsigned int status;

    /* every view of this host is mapped through mmw_map_view */
    if (!call) return STATUS_SUCCESS;
    /* the server answers STATUS_IMAGE_NOT_AT_BASE for an image away from its preferred base */
    status = mmw_server_map_view( view, call->handle, call->access, call->image );
    if (!NT_SUCCESS( status ))
    {
        ERR( "server refused view %p-%p of %p: %08x\n", view->base, (char *)view->base + view->size, call->handle, status );
        return status;
    }
    call->base = view->base;
    call->server_status = status;
    return STATUS_SUCCESS;
}

void host_view_unmapped( const struct mm_view *view )
{
    unsigned int status = server_unmap_view( view->base );

    if (status) FIXME( "server did not know the view %p: %08x\n", view->base, status );
}

/* a commit in a view of a SEC_RESERVE mapping is the mapping's, for every process */
void host_view_committed( const struct mm_view *view, SIZE_T offset, SIZE_T size )
{
    SERVER_START_REQ( add_mapping_committed_range )
    {
        req->base   = wine_server_client_ptr( view->base );
        req->offset = offset;
        req->size   = size;
        wine_server_call( req );   /* the server refuses a range reaching the view's end */
    }
    SERVER_END_REQ;
}

/* Pages of the SEC_RESERVE view that the mapping has committed (in any process, as the server
 * records them) are committed in it too. */
static void pull_committed( const struct mm_view *view )
{
    SIZE_T pos = 0;

    while (pos < view->size)
    {
        unsigned int status;
        SIZE_T range = 0;
        int committed = 0;

        SERVER_START_REQ( get_mapping_committed_range )
        {
            req->base   = wine_server_client_ptr( view->base );
            req->offset = pos;
            if (!(status = wine_server_call( req )))
            {
                range = reply->size;
                committed = reply->committed;
            }
        }
        SERVER_END_REQ;
        if (status || !range) break;
        if (range > view->size - pos) range = view->size - pos;
        if (committed && mm_view_sync_commit( view, pos, mm_round_up( range, MM_PAGE_MASK ) )) break;
        pos += range;
    }
}

BOOL mmw_sync_committed( const void *addr )
{
    MEMORY_BASIC_INFORMATION mbi;
    struct mm_view view;

    if (!mm_reserve_view_count() || !mm_view_at( addr, &view ) || !(view.sec_flags & SEC_RESERVE)) return FALSE;
    pull_committed( &view );
    return !mm_NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryBasicInformation, &mbi, sizeof(mbi), NULL ) &&
           mbi.State == MEM_COMMIT;
}

void mmw_sync_committed_at( PVOID *addr_ptr )
{
    void *addr;

    if (mm_reserve_view_count() && !host_copy_from_user( &addr, addr_ptr, sizeof(addr) )) mmw_sync_committed( addr );
}

NTSTATUS mmw_map_view( HANDLE handle, struct mm_map_args *args, struct mmw_mapping *mapping, unsigned int flags )
{
    struct map_call call = { handle, args->access, NULL, NULL, 0 };
    struct mmw_mapping asked;
    struct mm_section *section;
    struct mm_view view;
    NTSTATUS status;

    /* the server's description, once: it checks the handle and its access, and tells whether
     * the mapping is an image, which a builtin may replace */
    if (!mapping && (status = mmw_get_mapping( handle, args->access, mapping = &asked ))) return status;
    call.image = mapping->image;
    /* an image asked for by another machine: nothing is mapped, a builtin neither (the core's
     * rule, mm_map_section, decided before Wine's load order) */
    if (call.image && args->machine && args->machine != call.image->machine)
    {
        status = STATUS_NOT_SUPPORTED;
        goto done;
    }
    if (call.image && !(flags & (MMW_MAP_BUILTIN | MMW_MAP_NO_LOAD_ORDER)))
    {
        /* Wine's load order: a builtin may stand in for the image (a fake dll always does) */
        status = mmw_load_builtin( call.image, args );
        if (status != STATUS_IMAGE_ALREADY_LOADED) goto done;
    }
    /* the preloader keeps the main exe's preferred range until the exe claims it */
    if (args->addr)
        mmw_claim_preload_reserve( (void *)args->addr, args->size ? args->size : (call.image ? call.image->map_size : 0x10000) );
    else if (call.image) mmw_claim_preload_reserve( wine_server_get_ptr( call.image->base ), call.image->map_size );

    if ((status = section_of_mapping( handle, mapping, &section ))) goto done;
    status = mm_map_section( section, args, &call );
    host_release( mm_section_object( section ) );
    if (!NT_SUCCESS( status ) || !call.base) goto done;
    if (flags & MMW_MAP_BUILTIN) mmw_add_builtin_module( call.base, NULL, 0 );
    /* an image for another machine than the process's (the server says so: Wine 10.0), as NT */
    if (call.server_status == STATUS_IMAGE_MACHINE_TYPE_MISMATCH) status = call.server_status;
    /* a SEC_RESERVE view starts with what the mapping committed in other processes */
    if ((mapping->sec_flags & SEC_RESERVE) && mm_view_at( call.base, &view )) pull_committed( &view );
    TRACE( "handle %p: view %p offset %s flags %08x status %08x\n", handle, call.base,
           wine_dbgstr_longlong( args->offset ), mapping->sec_flags, (int)status );
done:
    mmw_free_mapping( mapping );
    return status;
}

NTSTATUS mmw_unmap_view( PVOID addr, ULONG flags )
{
    struct mm_view gone;
    unsigned int status;
    SIZE_T size;
    void *base;

    if ((base = mmw_so_builtin_at( addr, &size )))
    {
        /* a .so builtin: memory of the unix loader, not the core's */
        if (mmw_builtin_module_busy( base )) return STATUS_SUCCESS;
        if ((status = server_unmap_view( base )))
        {
            FIXME( "failed to unmap %p %x\n", base, status );
            return status;
        }
        mmw_release_builtin_module( base );
        return STATUS_SUCCESS;
    }
    if ((status = mm_unmap_view( addr, flags, &gone ))) return status;
    /* outside the core's lock: releasing a builtin runs its library's destructors */
    if (gone.sec_flags & SEC_IMAGE) mmw_release_builtin_module( gone.base );
    TRACE( "unmapped %p-%p\n", gone.base, (char *)gone.base + gone.size );
    return STATUS_SUCCESS;
}

NTSTATUS mmw_mapped_filename( HANDLE process, LPCVOID addr, MEMORY_SECTION_NAME *info, SIZE_T len,
                              SIZE_T *ret_len )
{
    unsigned int status;

    if (!info) return STATUS_ACCESS_VIOLATION;

    SERVER_START_REQ( get_mapping_filename )
    {
        req->process = wine_server_obj_handle( process );
        req->addr = wine_server_client_ptr( addr );
        if (len > sizeof(*info) + sizeof(WCHAR))
            wine_server_set_reply( req, info + 1, len - sizeof(*info) - sizeof(WCHAR) );
        status = wine_server_call( req );
        if (!status || status == STATUS_BUFFER_OVERFLOW)
        {
            if (ret_len) *ret_len = sizeof(*info) + reply->len + sizeof(WCHAR);
            if (len < sizeof(*info)) status = STATUS_INFO_LENGTH_MISMATCH;
            if (!status)
            {
                info->SectionFileName.Buffer = (WCHAR *)(info + 1);
                info->SectionFileName.Length = reply->len;
                info->SectionFileName.MaximumLength = reply->len + sizeof(WCHAR);
                info->SectionFileName.Buffer[reply->len / sizeof(WCHAR)] = 0;
            }
        }
    }
    SERVER_END_REQ;
    return status;
}

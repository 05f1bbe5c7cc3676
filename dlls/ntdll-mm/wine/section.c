/*
 * ntdll-mm inside Wine 8.0: wineserver mappings as the core's sections, and views as the
 * server knows them.
 *
 * Where Wine and NT (and the standalone host) differ:
 * - Section objects are wineserver "mapping" objects (NtCreateSection/NtOpenSection are Wine's,
 *   in sync.c).  The server checks the handle's access (get_mapping_info) and hands out the
 *   backing file's descriptor: the file itself, or for pagefile-backed sections a temporary file
 *   the server made.  host_ref_handle turns that into a core section (mm_section_create_from_fd),
 *   kept in a per-process cache keyed by the descriptor's file identity and the mapping's
 *   parameters, so every view of one mapping in this process shares one core section and with
 *   it the SEC_RESERVE commit state (the core commits a page in every view at once).
 * - The server does not keep a section's page protection, only the handle's access and whether
 *   the file may be written: a mapping of a writable descriptor is treated as
 *   PAGE_EXECUTE_READWRITE, of a read-only one as PAGE_EXECUTE_WRITECOPY (views may still be
 *   copy-on-write).  NT also refuses a view more permissive than the section's protection
 *   (STATUS_SECTION_PROTECTION); here only what the file allows is enforced.
 * - Every view is registered with the server (map_view) and unregistered when unmapped
 *   (unmap_view): the server builds the process's module list, the main exe's name, the
 *   debugger's load/unload events, get_mapping_filename and is_same_mapping from them.
 * - Commit state of SEC_RESERVE mappings is shared between processes through the server
 *   (add_mapping_committed_range / get_mapping_committed_range): a view mapped here starts with
 *   the pages committed so far anywhere, and a commit here is published.  A view already mapped
 *   in another process learns of a later commit when it is queried (NtQueryVirtualMemory asks
 *   the server first, as Wine's does); touching the page before that faults (NT commits the
 *   page for every view at once).  The server refuses to record a range that reaches the end
 *   of the view (Wine 8.0's add_committed_range), so a commit of a view's last page stays local.
 * - Images: the server parses the PE file and describes it (pe_image_info_t); the core lays
 *   the image out again from the file.  The writable shared (IMAGE_SCN_MEM_SHARED) sections
 *   are mapped from the server's file of them, common to all processes, as Wine's own
 *   virtual.c maps them (mm_section_set_shared_fd).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"
#include "nt_wine.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

#ifndef SEC_LARGE_PAGES
#define SEC_LARGE_PAGES 0x80000000
#endif
#ifndef SEC_WRITECOMBINE
#define SEC_WRITECOMBINE 0x40000000
#endif

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

/* the core's destroy hook, possibly under mm.lock: only the cache mutex here */
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

unsigned int mmw_get_mapping_info( HANDLE handle, ACCESS_MASK access, unsigned int *sec_flags,
                                   mem_size_t *full_size, HANDLE *shared_file, pe_image_info_t **image )
{
    pe_image_info_t *info;
    data_size_t total, size = 1024;
    unsigned int status;

    *image = NULL;
    *shared_file = 0;
    for (;;)
    {
        if (!(info = mm_malloc( size ))) return STATUS_NO_MEMORY;
        SERVER_START_REQ( get_mapping_info )
        {
            req->handle = wine_server_obj_handle( handle );
            req->access = access;
            wine_server_set_reply( req, info, size );
            status = wine_server_call( req );
            *sec_flags = reply->flags;
            *full_size = reply->size;
            total = reply->total;
            *shared_file = wine_server_ptr_handle( reply->shared_file );
        }
        SERVER_END_REQ;
        if (!status && total <= size - sizeof(WCHAR)) break;
        mm_free( info );
        if (status) return status;
        /* the name did not fit: again with room for it and its terminator */
        if (*shared_file) NtClose( *shared_file );
        *shared_file = 0;
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
        if (*shared_file) NtClose( *shared_file );
        *shared_file = 0;
        return STATUS_INVALID_IMAGE_FORMAT;
    }
    ((WCHAR *)(info + 1))[(total - sizeof(*info)) / sizeof(WCHAR)] = 0;
    *image = info;
    return STATUS_SUCCESS;
}

static unsigned int server_map_view( HANDLE mapping, ACCESS_MASK access, void *base, SIZE_T size, ULONGLONG start )
{
    unsigned int status;

    SERVER_START_REQ( map_view )
    {
        req->mapping = wine_server_obj_handle( mapping );
        req->access  = access;
        req->base    = wine_server_client_ptr( base );
        req->size    = size;
        req->start   = start;
        status = wine_server_call( req );
    }
    SERVER_END_REQ;
    return status;
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

/* ---- host_ref_handle ------------------------------------------------------------------------ */

/* The handle's granted access (NtQueryObject), for host_ref_handle's optional output. */
static ACCESS_MASK handle_access( HANDLE handle )
{
    OBJECT_BASIC_INFORMATION info;

    if (NtQueryObject( handle, ObjectBasicInformation, &info, sizeof(info), NULL )) return 0;
    return info.GrantedAccess;
}

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
 * now; shared_file (the server's file of an image's shared sections, or 0) stays the caller's. */
static NTSTATUS section_of_mapping( HANDLE handle, unsigned int sec_flags, mem_size_t full_size, HANDLE shared_file,
                                    struct mm_section **ret )
{
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

NTSTATUS host_ref_handle( HANDLE handle, enum host_type type, ACCESS_MASK needed,
                          struct host_object **obj, ACCESS_MASK *granted )
{
    struct mm_section *section;
    pe_image_info_t *image = NULL;
    unsigned int sec_flags, status;
    mem_size_t full_size;
    HANDLE shared_file;

    *obj = NULL;
    if (granted) *granted = 0;
    /* the core asks the Wine host for sections only: files are the server's business */
    if (type != HOST_SECTION) return STATUS_OBJECT_TYPE_MISMATCH;

    /* the server checks the handle, its type and its access */
    if ((status = mmw_get_mapping_info( handle, needed, &sec_flags, &full_size, &shared_file, &image )))
        return status;
    mm_free( image );
    status = section_of_mapping( handle, sec_flags, full_size, shared_file, &section );
    if (shared_file) NtClose( shared_file );
    if (status) return status;
    *obj = mm_section_object( section );
    if (granted) *granted = handle_access( handle );
    return STATUS_SUCCESS;
}

/* ---- views registered with the server --------------------------------------------------------- */

struct wine_view
{
    struct list entry;
    char       *base;
    SIZE_T      size;
    ULONGLONG   offset;        /* in the section */
    ULONG       sec_flags;     /* the mapping's SEC_* flags */
    ULONG       protect;       /* the view's protection */
    BOOL        system;        /* a .so builtin the unix loader mapped itself */
};

static struct list views = LIST_INIT( views );
static pthread_mutex_t view_mutex;
static pthread_once_t view_mutex_once = PTHREAD_ONCE_INIT;
static LONG reserve_views;     /* views of SEC_RESERVE mappings: commits to publish */

static void init_view_mutex( void )
{
    pthread_mutexattr_t attr;

    /* recursive, as Wine's virtual_mutex: an APC run by a thread waiting inside a server call
     * made under it may map or unmap views too */
    pthread_mutexattr_init( &attr );
    pthread_mutexattr_settype( &attr, PTHREAD_MUTEX_RECURSIVE );
    pthread_mutex_init( &view_mutex, &attr );
    pthread_mutexattr_destroy( &attr );
}

static void lock_views( sigset_t *sigset )
{
    pthread_once( &view_mutex_once, init_view_mutex );
    server_enter_uninterrupted_section( &view_mutex, sigset );
}

static void unlock_views( sigset_t *sigset )
{
    server_leave_uninterrupted_section( &view_mutex, sigset );
}

/* view_mutex held */
static struct wine_view *find_wine_view( const void *addr )
{
    struct wine_view *view;

    LIST_FOR_EACH_ENTRY( view, &views, struct wine_view, entry )
        if ((const char *)addr >= view->base && (const char *)addr - view->base < view->size) return view;
    return NULL;
}

/* view_mutex held */
static void add_wine_view( void *base, SIZE_T size, ULONGLONG offset, ULONG sec_flags, ULONG protect, BOOL system )
{
    struct wine_view *view;

    if (!(view = mm_malloc( sizeof(*view) )))
    {
        ERR( "out of memory for the view at %p\n", base );
        return;
    }
    view->base = base;
    view->size = size;
    view->offset = offset;
    view->sec_flags = sec_flags;
    view->protect = protect;
    view->system = system;
    list_add_tail( &views, &view->entry );
    if (sec_flags & SEC_RESERVE) InterlockedIncrement( &reserve_views );
}

/* view_mutex held */
static void remove_wine_view( struct wine_view *view )
{
    if (view->sec_flags & SEC_RESERVE) InterlockedDecrement( &reserve_views );
    list_remove( &view->entry );
    mm_free( view );
}

/* The parameter checks NtMapViewOfSection makes before it looks at the section (Wine's order):
 * the builtin replacing an image must not be loaded for a call that then fails on them. */
static BOOL map_params_valid( PVOID addr, ULONG_PTR zero_bits, const LARGE_INTEGER *offset_ptr, BOOL ex )
{
    if (!ex)
    {
        if (zero_bits > 21 && zero_bits < 32) return FALSE;
        if (addr && zero_bits && zero_bits < 32 && ((UINT_PTR)addr >> (32 - zero_bits))) return FALSE;
        if (addr && zero_bits >= 32 && ((UINT_PTR)addr & ~zero_bits)) return FALSE;
    }
    if ((UINT_PTR)addr & MM_GRAN_MASK) return FALSE;
    if (offset_ptr && (offset_ptr->QuadPart & MM_GRAN_MASK)) return FALSE;
    return TRUE;
}

/* view_mutex held.  Commit the pages of [addr, addr+size) (in a view) that are still reserved here;
 * committed ones keep their protection (committing them again would reset it, as on NT). */
static void commit_reserved( char *addr, SIZE_T size, ULONG protect )
{
    char *end = addr + size;

    while (addr < end)
    {
        MEMORY_BASIC_INFORMATION mbi;
        SIZE_T len;

        if (mm_NtQueryVirtualMemory( NtCurrentProcess(), addr, MemoryBasicInformation, &mbi, sizeof(mbi), NULL ) ||
            !mbi.RegionSize)
            break;
        len = mbi.RegionSize < (SIZE_T)(end - addr) ? mbi.RegionSize : (SIZE_T)(end - addr);
        if (mbi.State == MEM_RESERVE)
        {
            void *base = addr;
            SIZE_T commit = len;
            NTSTATUS ret = mm_NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, &commit, MEM_COMMIT, protect );
            if (ret) WARN( "committing %p-%p of a SEC_RESERVE view: %08x\n", addr, addr + len, (int)ret );
        }
        addr += len;
    }
}

/* view_mutex held.  Pages of the SEC_RESERVE view [base, base+size) that the mapping has
 * committed (in any process, as the server records them) are committed in it too. */
static void pull_committed( char *base, SIZE_T size, ULONG protect )
{
    SIZE_T pos = 0;

    while (pos < size)
    {
        unsigned int status;
        SIZE_T range = 0;
        int committed = 0;

        SERVER_START_REQ( get_mapping_committed_range )
        {
            req->base   = wine_server_client_ptr( base );
            req->offset = pos;
            if (!(status = wine_server_call( req )))
            {
                range = reply->size;
                committed = reply->committed;
            }
        }
        SERVER_END_REQ;
        if (status || !range) break;
        if (range > size - pos) range = size - pos;
        if (committed) commit_reserved( base + pos, range, protect );
        pos += range;
    }
}

void mmw_sync_committed( const void *addr )
{
    struct wine_view *view;
    sigset_t sigset;

    if (!reserve_views) return;
    lock_views( &sigset );
    if ((view = find_wine_view( addr )) && (view->sec_flags & SEC_RESERVE))
        pull_committed( view->base, view->size, view->protect );
    unlock_views( &sigset );
}

/* view_mutex held */
static void push_committed( const struct wine_view *view, const char *addr, SIZE_T size )
{
    SERVER_START_REQ( add_mapping_committed_range )
    {
        req->base   = wine_server_client_ptr( view->base );
        req->offset = addr - view->base;
        req->size   = size;
        wine_server_call( req );   /* the server refuses a range reaching the view's end */
    }
    SERVER_END_REQ;
}

void mmw_note_commit( void *addr, SIZE_T size )
{
    struct wine_view *view;
    sigset_t sigset;

    if (!reserve_views || !size) return;
    lock_views( &sigset );
    if ((view = find_wine_view( addr )) && (view->sec_flags & SEC_RESERVE) &&
        size <= view->size - ((char *)addr - view->base))
        push_committed( view, addr, size );
    unlock_views( &sigset );
}

NTSTATUS mmw_map_view( HANDLE handle, PVOID *addr_ptr, ULONG_PTR zero_bits, SIZE_T commit_size,
                       const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr, SECTION_INHERIT inherit,
                       ULONG alloc_type, ULONG protect, MEM_EXTENDED_PARAMETER *params, ULONG count,
                       BOOL ex, BOOL is_builtin )
{
    pe_image_info_t *image = NULL;
    unsigned int sec_flags = 0, info_status;
    mem_size_t full_size = 0;
    HANDLE shared_file = 0;
    ACCESS_MASK access = 0;
    LARGE_INTEGER offset = { .QuadPart = 0 };
    NTSTATUS status;
    sigset_t sigset;
    SIZE_T size = 0;
    void *base = NULL;
    BOOL readable;

    /* the caller's arguments, read once; unreadable ones are the core's to report */
    readable = !host_copy_from_user( &base, addr_ptr, sizeof(base) ) &&
               !host_copy_from_user( &size, size_ptr, sizeof(size) ) &&
               (!offset_ptr || !host_copy_from_user( &offset, offset_ptr, sizeof(offset) ));

    /* the server's description first: images may be replaced by a builtin.  If it fails, the
     * core reports the error, in NT's order of checks (it asks the server again) */
    if (!(info_status = mm_view_access( protect, &access )))
        info_status = mmw_get_mapping_info( handle, access, &sec_flags, &full_size, &shared_file, &image );
    if (shared_file) NtClose( shared_file );

    if (image && readable && !is_builtin && map_params_valid( base, zero_bits, &offset, ex ))
    {
        /* Wine's load order: a builtin may stand in for the image (a fake dll always does) */
        status = load_builtin( image, (WCHAR *)(image + 1), addr_ptr, size_ptr, zero_bits );
        if (status != STATUS_IMAGE_ALREADY_LOADED)
        {
            mm_free( image );
            return status;
        }
    }
    /* the preloader keeps the main exe's preferred range until the exe claims it */
    if (readable)
    {
        if (base) mmw_claim_preload_reserve( base, size ? size : (image ? image->map_size : 0x10000) );
        else if (image) mmw_claim_preload_reserve( wine_server_get_ptr( image->base ), image->map_size );
    }

    lock_views( &sigset );
    if (ex) status = mm_NtMapViewOfSectionEx( handle, NtCurrentProcess(), addr_ptr, offset_ptr, size_ptr, alloc_type,
                                              protect, params, count );
    else status = mm_NtMapViewOfSection( handle, NtCurrentProcess(), addr_ptr, zero_bits, commit_size, offset_ptr,
                                         size_ptr, inherit, alloc_type, protect );
    if (NT_SUCCESS( status ) && (host_copy_from_user( &base, addr_ptr, sizeof(base) ) ||
                                 host_copy_from_user( &size, size_ptr, sizeof(size) )))
    {
        /* the caller's pointers went away under us: the view cannot be registered */
        mm_NtUnmapViewOfSection( NtCurrentProcess(), base );
        status = STATUS_ACCESS_VIOLATION;
    }
    if (NT_SUCCESS( status ) && info_status)
    {
        /* the handle changed under us: the view cannot be registered */
        mm_NtUnmapViewOfSection( NtCurrentProcess(), base );
        status = info_status;
    }
    if (NT_SUCCESS( status ))
    {
        ULONGLONG start = image ? 0 : offset.QuadPart;
        unsigned int ret;

        ret = server_map_view( handle, access, base, image && size > image->map_size ? image->map_size : size, start );
        if (!NT_SUCCESS( ret ))
        {
            ERR( "server refused view %p-%p of %p: %08x\n", base, (char *)base + size, handle, ret );
            mm_NtUnmapViewOfSection( NtCurrentProcess(), base );
            status = ret;
        }
        else
        {
            add_wine_view( base, size, start, sec_flags, protect, FALSE );
            if (is_builtin) mmw_add_builtin_module( base, NULL );
            if (sec_flags & SEC_RESERVE)
            {
                struct wine_view *view = find_wine_view( base );

                /* CommitSize committed the start of the view (the core did it) */
                if (commit_size && view)
                    push_committed( view, base, mm_round_up( commit_size < size ? commit_size : size, MM_PAGE_MASK ) );
                pull_committed( base, size, protect );
            }
            TRACE( "handle %p: view %p-%p offset %s flags %08x status %08x\n", handle, base, (char *)base + size,
                   wine_dbgstr_longlong( start ), sec_flags, (int)status );
        }
    }
    unlock_views( &sigset );
    mm_free( image );
    return status;
}

NTSTATUS mmw_unmap_view( PVOID addr, ULONG flags, BOOL ex )
{
    struct wine_view *view;
    NTSTATUS status;
    sigset_t sigset;

    lock_views( &sigset );
    view = find_wine_view( addr );
    if (view && view->system)
    {
        /* a .so builtin: memory of the unix loader, not the core's */
        status = STATUS_SUCCESS;
        if (!mmw_builtin_module_busy( view->base ))
        {
            if (!(status = server_unmap_view( view->base )))
            {
                mmw_release_builtin_module( view->base );
                remove_wine_view( view );
            }
            else FIXME( "failed to unmap %p %x\n", view->base, (int)status );
        }
        unlock_views( &sigset );
        return status;
    }
    if (ex) status = mm_NtUnmapViewOfSectionEx( NtCurrentProcess(), addr, flags );
    else status = mm_NtUnmapViewOfSection( NtCurrentProcess(), addr );
    if (!status && view)
    {
        unsigned int ret = server_unmap_view( view->base );
        if (ret) FIXME( "server did not know the view %p: %08x\n", view->base, ret );
        if (view->sec_flags & SEC_IMAGE) mmw_release_builtin_module( view->base );
        TRACE( "unmapped %p-%p\n", view->base, view->base + view->size );
        remove_wine_view( view );
    }
    unlock_views( &sigset );
    return status;
}

NTSTATUS mmw_register_system_view( void *base, SIZE_T size, const pe_image_info_t *info,
                                   const UNICODE_STRING *nt_name )
{
    unsigned int status;
    sigset_t sigset;

    lock_views( &sigset );
    SERVER_START_REQ( map_view )
    {
        req->base = wine_server_client_ptr( base );
        req->size = size;
        wine_server_add_data( req, info, sizeof(*info) );
        wine_server_add_data( req, nt_name->Buffer, nt_name->Length );
        status = wine_server_call( req );
    }
    SERVER_END_REQ;
    if (NT_SUCCESS( status )) add_wine_view( base, size, 0, SEC_IMAGE | SEC_FILE, PAGE_EXECUTE_WRITECOPY, TRUE );
    unlock_views( &sigset );
    return status;
}

void mmw_sync_committed_at( PVOID *addr_ptr )
{
    void *addr;

    if (reserve_views && !host_copy_from_user( &addr, addr_ptr, sizeof(addr) )) mmw_sync_committed( addr );
}

/* ---- queries -------------------------------------------------------------------------------- */

void virtual_fill_image_information( const pe_image_info_t *pe_info, SECTION_IMAGE_INFORMATION *info )
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

NTSTATUS mmw_query_section( HANDLE handle, SECTION_INFORMATION_CLASS info_class, void *ptr, SIZE_T size,
                            SIZE_T *ret_size )
{
    pe_image_info_t image;
    unsigned int status;
    SIZE_T len = 0;

    switch (info_class)
    {
    case SectionBasicInformation:
        if (size < sizeof(SECTION_BASIC_INFORMATION)) return STATUS_INFO_LENGTH_MISMATCH;
        break;
    case SectionImageInformation:
        if (size < sizeof(SECTION_IMAGE_INFORMATION)) return STATUS_INFO_LENGTH_MISMATCH;
        break;
    default:
        FIXME( "class %u not implemented\n", info_class );
        return STATUS_INVALID_INFO_CLASS;
    }
    if (!ptr) return STATUS_ACCESS_VIOLATION;
    /* NT probes the whole output buffer as given before it looks at the section */
    if (!virtual_check_buffer_for_write( ptr, size )) return STATUS_ACCESS_VIOLATION;

    SERVER_START_REQ( get_mapping_info )
    {
        req->handle = wine_server_obj_handle( handle );
        req->access = SECTION_QUERY;
        wine_server_set_reply( req, &image, sizeof(image) );
        if (!(status = wine_server_call( req )))
        {
            if (info_class == SectionBasicInformation)
            {
                SECTION_BASIC_INFORMATION *info = ptr;

                info->Attributes    = reply->flags;
                info->BaseAddress   = NULL;   /* NT reports none, images included */
                info->Size.QuadPart = reply->size;
                len = sizeof(*info);
            }
            else if (reply->flags & SEC_IMAGE)
            {
                virtual_fill_image_information( &image, ptr );
                len = sizeof(SECTION_IMAGE_INFORMATION);
            }
            else status = STATUS_SECTION_NOT_IMAGE;
        }
    }
    SERVER_END_REQ;
    if (!status && ret_size) *ret_size = len;
    return status;
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

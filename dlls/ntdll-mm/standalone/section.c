/*
 * ntdll-mm standalone host: section objects as NT calls see them: NtCreateSection,
 * NtOpenSection, NtExtendSection, NtQuerySection's description, and the section namespace.
 *
 * Inside Wine these belong to Wine (sync.c and wineserver mappings), and the Wine host makes the
 * core's section objects itself.  This file uses the same interface (host.h): a section is made
 * by mm_section_create_from_fd from a descriptor, and handed to the caller as a handle of the
 * standalone handle table.
 *
 * Where NT and Linux differ: NT's object manager keeps a name only while a handle is open;
 * views alone do not keep it.  The namespace here is flat (no directories): the whole
 * ObjectName, compared exactly, or ignoring ASCII case with OBJ_CASE_INSENSITIVE.
 *
 * Lock rules: names_lock protects the name list.  It may be taken under the space lock (a
 * section's destroy hook runs where its last reference goes, possibly under the space lock),
 * so it is never held while calling into the core.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: config.h, _GNU_SOURCE */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "standalone.h"

/* GENERIC_* rights as NT maps them for sections */
static ACCESS_MASK map_section_access( ACCESS_MASK access )
{
    if (access & GENERIC_READ) access |= STANDARD_RIGHTS_READ | SECTION_QUERY | SECTION_MAP_READ;
    if (access & GENERIC_WRITE) access |= STANDARD_RIGHTS_WRITE | SECTION_MAP_WRITE;
    if (access & GENERIC_EXECUTE) access |= STANDARD_RIGHTS_EXECUTE | SECTION_MAP_EXECUTE;
    if (access & GENERIC_ALL) access |= SECTION_ALL_ACCESS;
    return access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}

/* ---- names -------------------------------------------------------------------------------- */

struct named_section
{
    struct named_section *next;
    struct mm_section *section;  /* no reference: the entry goes before the section does */
    WCHAR *name;
    USHORT len;                  /* bytes */
};

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static struct named_section *named_sections;

void names_fork( enum mm_fork_phase phase )
{
    switch (phase)
    {
    case MM_FORK_PREPARE: pthread_mutex_lock( &names_lock ); break;
    case MM_FORK_PARENT:  pthread_mutex_unlock( &names_lock ); break;
    case MM_FORK_CHILD:   pthread_mutex_init( &names_lock, NULL ); break;
    }
}

static int names_equal( const WCHAR *a, USHORT alen, const WCHAR *b, USHORT blen, int nocase )
{
    USHORT i;

    if (alen != blen) return 0;
    for (i = 0; i < alen / sizeof(WCHAR); i++)
    {
        WCHAR ca = a[i], cb = b[i];
        if (nocase && ca >= 'a' && ca <= 'z') ca -= 32;
        if (nocase && cb >= 'a' && cb <= 'z') cb -= 32;
        if (ca != cb) return 0;
    }
    return 1;
}

/* names_lock held */
static struct named_section *find_named( const WCHAR *name, USHORT len, ULONG attributes )
{
    struct named_section *n;

    for (n = named_sections; n; n = n->next)
        if (names_equal( n->name, n->len, name, len, !!(attributes & OBJ_CASE_INSENSITIVE) )) return n;
    return NULL;
}

/* names_lock held.  A reference to a named section, unless its last reference is already gone
 * (its destroy hook is waiting for names_lock to unlink it): then it is as good as unnamed. */
static struct mm_section *ref_named( struct named_section *n )
{
    struct host_object *obj = mm_section_object( n->section );
    LONG refs = __atomic_load_n( &obj->refs, __ATOMIC_RELAXED );

    while (refs > 0)
        if (__atomic_compare_exchange_n( &obj->refs, &refs, refs + 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED ))
            return n->section;
    return NULL;
}

static void unlink_name( struct mm_section *section )
{
    struct named_section **p, *found = NULL;

    pthread_mutex_lock( &names_lock );
    for (p = &named_sections; *p; p = &(*p)->next)
        if ((*p)->section == section)
        {
            found = *p;
            *p = found->next;
            break;
        }
    pthread_mutex_unlock( &names_lock );
    if (!found) return;
    mm_free( found->name );
    mm_free( found );
}

static void section_destroy_hook( struct mm_section *section, void *ctx )
{
    unlink_name( section );
}

/* NT keeps a name only while a handle is open: views alone do not keep it */
static void section_last_handle( struct host_object *obj )
{
    unlink_name( mm_section_from_object( obj ) );
}

/* copy the name out of caller memory; *name NULL when unnamed */
static NTSTATUS fetch_name( const OBJECT_ATTRIBUTES *attr, WCHAR **name, USHORT *len, ULONG *attributes )
{
    OBJECT_ATTRIBUTES oa;
    UNICODE_STRING us;

    *name = NULL;
    *len = 0;
    *attributes = 0;
    if (!attr) return STATUS_SUCCESS;
    if (host_copy_from_user( &oa, attr, sizeof(oa) )) return STATUS_ACCESS_VIOLATION;
    *attributes = oa.Attributes;
    if (!oa.ObjectName) return oa.RootDirectory ? STATUS_OBJECT_NAME_INVALID : STATUS_SUCCESS;
    if (oa.RootDirectory) return STATUS_INVALID_HANDLE;   /* no directories in this namespace */
    if (host_copy_from_user( &us, oa.ObjectName, sizeof(us) )) return STATUS_ACCESS_VIOLATION;
    if (!us.Length) return STATUS_SUCCESS;
    if ((us.Length & 1) || us.Length > us.MaximumLength) return STATUS_OBJECT_NAME_INVALID;
    if (!(*name = mm_malloc( us.Length ))) return STATUS_NO_MEMORY;
    if (host_copy_from_user( *name, us.Buffer, us.Length ))
    {
        mm_free( *name );
        *name = NULL;
        return STATUS_ACCESS_VIOLATION;
    }
    *len = us.Length;
    return STATUS_SUCCESS;
}

/* Open a handle to section for the caller and write it out; consumes the caller's reference.
 * A handle the caller cannot receive is closed again. */
static NTSTATUS return_handle( struct mm_section *section, ACCESS_MASK access, HANDLE *handle, NTSTATUS success )
{
    HANDLE h;
    NTSTATUS status = handles_alloc( mm_section_object( section ), map_section_access( access ), &h );

    host_release( mm_section_object( section ) );
    if (status) return status;
    if (host_copy_to_user( handle, &h, sizeof(h) ))
    {
        NtClose( h );
        return STATUS_ACCESS_VIOLATION;
    }
    return success;
}

/* ---- NtCreateSection ------------------------------------------------------------------------ */

/* the core's section object for the backing NtCreateSection names: a memfd of our own (the
 * core makes it) or the file behind a standalone file handle */
static NTSTATUS create_object( ULONG sec_flags, ULONG protect, uint64_t size, HANDLE file, ACCESS_MASK file_access,
                               struct mm_section **ret )
{
    struct host_object *fobj;
    struct host_file *hf;
    NTSTATUS status;
    int fd;

    if (!file) return mm_section_create_from_fd( -1, sec_flags, protect, size, 1, NULL, ret );
    if ((status = handles_ref( file, HOST_FILE, file_access, &fobj, NULL ))) return status;
    hf = (struct host_file *)fobj;
    if ((fd = fcntl( hf->fd, F_DUPFD_CLOEXEC, 3 )) < 0) status = STATUS_NO_MEMORY;
    /* a view can write to the file only if the section's protection asked for writing */
    else status = mm_section_create_from_fd( fd, sec_flags | SEC_FILE, protect, size,
                                             !!(file_access & FILE_WRITE_DATA), hf->path, ret );
    host_release( fobj );
    return status;
}

/* the file access a section of this protection needs: reading for copy-on-write and images,
 * and FILE_EXECUTE for executable sections (kernel32 test_mapping, a todo in Wine) */
static NTSTATUS file_access_for( ULONG protect, ULONG sec_flags, ACCESS_MASK *access )
{
    switch (protect)
    {
    case PAGE_READONLY:
    case PAGE_WRITECOPY:
        *access = FILE_READ_DATA;
        return STATUS_SUCCESS;
    case PAGE_EXECUTE_READ:
    case PAGE_EXECUTE_WRITECOPY:
        *access = FILE_READ_DATA | FILE_EXECUTE;
        return STATUS_SUCCESS;
    case PAGE_READWRITE:
        *access = (sec_flags & SEC_IMAGE) ? FILE_READ_DATA : FILE_READ_DATA | FILE_WRITE_DATA;
        return STATUS_SUCCESS;
    case PAGE_EXECUTE_READWRITE:
        *access = (sec_flags & SEC_IMAGE) ? FILE_READ_DATA | FILE_EXECUTE
                                          : FILE_READ_DATA | FILE_WRITE_DATA | FILE_EXECUTE;
        return STATUS_SUCCESS;
    case PAGE_EXECUTE:
        *access = FILE_EXECUTE;
        return STATUS_SUCCESS;
    default:   /* PAGE_NOACCESS included (ReactOS apitest NtCreateSection) */
        return STATUS_INVALID_PAGE_PROTECTION;
    }
}

/* the SEC_* flags: one of SEC_IMAGE / SEC_RESERVE / SEC_COMMIT and what may go with it */
static NTSTATUS check_sec_flags( ULONG sec_flags, HANDLE file, const LARGE_INTEGER *size_ptr, LONGLONG size )
{
    const ULONG valid_flags = SEC_IMAGE | SEC_RESERVE | SEC_COMMIT | SEC_NOCACHE | SEC_WRITECOMBINE | SEC_LARGE_PAGES;
    struct ntdll_mm_kernel_info kinfo;

    /* flags NtCreateSection does not know */
    if (sec_flags & ~valid_flags) return STATUS_INVALID_PARAMETER;
    switch (sec_flags & (SEC_IMAGE | SEC_RESERVE | SEC_COMMIT))
    {
    case SEC_IMAGE:
        /* an image is a file's, with no page attributes of its own */
        if (sec_flags & (SEC_WRITECOMBINE | SEC_LARGE_PAGES)) return STATUS_INVALID_PARAMETER;
        if (!file) return STATUS_INVALID_FILE_FOR_SECTION;
        return STATUS_SUCCESS;
    case SEC_COMMIT:
    case SEC_RESERVE:
        /* one caching attribute at most */
        if ((sec_flags & SEC_NOCACHE) && (sec_flags & SEC_WRITECOMBINE)) return STATUS_INVALID_PARAMETER;
        if (!(sec_flags & SEC_LARGE_PAGES)) return STATUS_SUCCESS;
        /* large pages: pagefile-backed and committed only (kernel32 test_CreateFileMapping),
         * a size in large pages, and SeLockMemoryPrivilege */
        ntdll_mm_get_kernel_info( &kinfo );
        if (file || (sec_flags & SEC_RESERVE)) return STATUS_INVALID_PARAMETER;
        if (!kinfo.large_page_size) return STATUS_INVALID_PARAMETER;
        if (!host_has_lock_memory_privilege()) return STATUS_PRIVILEGE_NOT_HELD;
        if (!size_ptr || !size || (size & (kinfo.large_page_size - 1))) return STATUS_INVALID_PARAMETER;
        return STATUS_SUCCESS;
    default:
        /* none of them, or more than one */
        return STATUS_INVALID_PARAMETER;
    }
}

/* A named section: the existing one under that name (opened with OBJ_OPENIF, else a name
 * collision) or a free list entry for the new one.  *existing_status: the status that ends the
 * call, or STATUS_SUCCESS to go on and create. */
static NTSTATUS look_up_name( const WCHAR *name, USHORT name_len, ULONG attributes, ACCESS_MASK access,
                              HANDLE *handle, struct named_section **entry, NTSTATUS *existing_status )
{
    struct mm_section *existing = NULL;
    struct named_section *n;

    *existing_status = STATUS_SUCCESS;
    pthread_mutex_lock( &names_lock );
    if ((n = find_named( name, name_len, attributes ))) existing = ref_named( n );
    pthread_mutex_unlock( &names_lock );
    if (existing)
    {
        if (attributes & OBJ_OPENIF) *existing_status = return_handle( existing, access, handle, STATUS_OBJECT_NAME_EXISTS );
        else
        {
            host_release( mm_section_object( existing ) );
            *existing_status = STATUS_OBJECT_NAME_COLLISION;
        }
        return STATUS_SUCCESS;
    }
    if (!(*entry = mm_calloc( 1, sizeof(**entry) ))) return STATUS_NO_MEMORY;
    return STATUS_SUCCESS;
}

/* give the new section its name; STATUS_OBJECT_NAME_COLLISION if another thread named one so
 * meanwhile (NT would have serialised us).  The entry and the name are the list's on success. */
static NTSTATUS add_name( struct mm_section *section, struct named_section *entry, WCHAR *name, USHORT name_len,
                          ULONG attributes )
{
    struct mm_section *existing;
    struct named_section *n;

    pthread_mutex_lock( &names_lock );
    if ((n = find_named( name, name_len, attributes )) && (existing = ref_named( n )))
    {
        pthread_mutex_unlock( &names_lock );
        host_release( mm_section_object( existing ) );
        return STATUS_OBJECT_NAME_COLLISION;
    }
    entry->section = section;
    entry->name = name;
    entry->len = name_len;
    entry->next = named_sections;
    named_sections = entry;
    pthread_mutex_unlock( &names_lock );
    return STATUS_SUCCESS;
}

NTSTATUS WINAPI NtCreateSection( HANDLE *handle, ACCESS_MASK access, const OBJECT_ATTRIBUTES *attr,
                                 const LARGE_INTEGER *size_ptr, ULONG protect, ULONG sec_flags, HANDLE file )
{
    struct mm_section *section;
    struct named_section *entry = NULL;
    ACCESS_MASK file_access;
    LARGE_INTEGER size = { .QuadPart = 0 };
    HANDLE h = 0;
    WCHAR *name;
    USHORT name_len;
    ULONG attributes;
    NTSTATUS status, existing;

    if ((status = mm_ensure_init())) return status;
    if (host_copy_to_user( handle, &h, sizeof(h) )) return STATUS_ACCESS_VIOLATION;
    if (size_ptr && host_copy_from_user( &size, size_ptr, sizeof(size) )) return STATUS_ACCESS_VIOLATION;
    if ((status = file_access_for( protect, sec_flags, &file_access ))) return status;
    if ((status = check_sec_flags( sec_flags, file, size_ptr, size.QuadPart ))) return status;
    /* a negative size */
    if (size.QuadPart < 0) return STATUS_INVALID_PARAMETER;

    if ((status = fetch_name( attr, &name, &name_len, &attributes ))) return status;
    if (name && ((status = look_up_name( name, name_len, attributes, access, handle, &entry, &existing )) ||
                 (status = existing) || !entry))
    {
        mm_free( name );
        return status;
    }
    if ((status = create_object( sec_flags, protect, size.QuadPart, file, file_access, &section )))
    {
        mm_free( name );
        mm_free( entry );
        return status;
    }
    mm_section_object( section )->last_handle = section_last_handle;
    mm_section_set_destroy_hook( section, section_destroy_hook, NULL );
    if (name && (status = add_name( section, entry, name, name_len, attributes )))
    {
        mm_free( name );
        mm_free( entry );
        host_release( mm_section_object( section ) );
        return status;
    }
    return return_handle( section, access, handle, STATUS_SUCCESS );
}

NTSTATUS WINAPI NtOpenSection( HANDLE *handle, ACCESS_MASK access, const OBJECT_ATTRIBUTES *attr )
{
    struct named_section *n;
    struct mm_section *section = NULL;
    HANDLE h = 0;
    WCHAR *name;
    USHORT len;
    ULONG attributes;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if (host_copy_to_user( handle, &h, sizeof(h) )) return STATUS_ACCESS_VIOLATION;
    if (!attr) return STATUS_INVALID_PARAMETER;
    if ((status = fetch_name( attr, &name, &len, &attributes ))) return status;
    if (!name) return STATUS_OBJECT_PATH_SYNTAX_BAD;
    pthread_mutex_lock( &names_lock );
    if ((n = find_named( name, len, attributes ))) section = ref_named( n );
    pthread_mutex_unlock( &names_lock );
    mm_free( name );
    if (!section) return STATUS_OBJECT_NAME_NOT_FOUND;
    return return_handle( section, access, handle, STATUS_SUCCESS );
}

NTSTATUS WINAPI NtExtendSection( HANDLE handle, PLARGE_INTEGER size_ptr )
{
    struct host_object *obj;
    LARGE_INTEGER size;
    uint64_t new_size;
    NTSTATUS status;

    if ((status = mm_ensure_init())) return status;
    if (host_copy_from_user( &size, size_ptr, sizeof(size) )) return STATUS_ACCESS_VIOLATION;
    if ((status = handles_ref( handle, HOST_SECTION, SECTION_EXTEND_SIZE, &obj, NULL ))) return status;
    /* a negative size never extends anything */
    new_size = size.QuadPart < 0 ? 0 : size.QuadPart;
    status = mm_section_extend( mm_section_from_object( obj ), &new_size );
    host_release( obj );
    size.QuadPart = new_size;
    if (!status && host_copy_to_user( size_ptr, &size, sizeof(size) )) status = STATUS_ACCESS_VIOLATION;
    return status;
}

NTSTATUS host_query_section( HANDLE handle, struct mm_section_desc *desc )
{
    struct host_object *obj;
    NTSTATUS status;

    if ((status = handles_ref( handle, HOST_SECTION, SECTION_QUERY, &obj, NULL ))) return status;
    mm_section_describe( mm_section_from_object( obj ), desc );
    host_release( obj );
    return STATUS_SUCCESS;
}

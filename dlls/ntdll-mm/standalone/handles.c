/*
 * ntdll-mm standalone host: handles: a flat table of objects (files, sections), NtClose, and
 * file handles for a plain Linux program (ntdll_mm_open_file, ntdll_mm_file_handle_from_fd).
 *
 * Where NT and Linux differ: NT creates file-backed sections from a file handle (NtCreateFile's);
 * a plain Linux program has none, so the host turns a path or a file descriptor into one.
 * Handle values are multiples of 4 as on NT, starting at 0x1004.
 *
 * Lock rules: handle_lock is never held while taking the space lock or calling a destructor.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: config.h, _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "standalone.h"

struct handle_entry
{
    struct host_object *obj;
    ACCESS_MASK access;
};

static pthread_mutex_t handle_lock = PTHREAD_MUTEX_INITIALIZER;
static struct handle_entry *handles;
static size_t nb_handles, handles_cap;

#define HANDLE_BASE 0x1000

static inline HANDLE index_to_handle( size_t i ) { return (HANDLE)(ULONG_PTR)(HANDLE_BASE + 4 * (i + 1)); }
static inline size_t handle_to_index( HANDLE h )
{
    ULONG_PTR v = (ULONG_PTR)h;
    if (v <= HANDLE_BASE || (v & 3)) return (size_t)-1;
    return (v - HANDLE_BASE) / 4 - 1;
}

void handles_fork( enum mm_fork_phase phase )
{
    switch (phase)
    {
    case MM_FORK_PREPARE: pthread_mutex_lock( &handle_lock ); break;
    case MM_FORK_PARENT:  pthread_mutex_unlock( &handle_lock ); break;
    case MM_FORK_CHILD:   pthread_mutex_init( &handle_lock, NULL ); break;
    }
}

void host_addref( struct host_object *obj )
{
    __atomic_add_fetch( &obj->refs, 1, __ATOMIC_RELAXED );
}

void host_release( struct host_object *obj )
{
    if (!__atomic_sub_fetch( &obj->refs, 1, __ATOMIC_ACQ_REL )) obj->destroy( obj );
}

NTSTATUS handles_alloc( struct host_object *obj, ACCESS_MASK access, HANDLE *handle )
{
    size_t i;

    pthread_mutex_lock( &handle_lock );
    for (i = 0; i < nb_handles; i++) if (!handles[i].obj) break;
    if (i == nb_handles)
    {
        if (nb_handles == handles_cap)
        {
            size_t cap = handles_cap ? handles_cap * 2 : 64;
            struct handle_entry *h = mm_realloc( handles, cap * sizeof(*h) );
            if (!h)
            {
                pthread_mutex_unlock( &handle_lock );
                return STATUS_NO_MEMORY;
            }
            handles = h;
            handles_cap = cap;
        }
        nb_handles++;
    }
    host_addref( obj );
    obj->handles++;
    handles[i].obj = obj;
    handles[i].access = access;
    pthread_mutex_unlock( &handle_lock );
    *handle = index_to_handle( i );
    return STATUS_SUCCESS;
}

NTSTATUS handles_ref( HANDLE handle, enum host_type type, ACCESS_MASK needed,
                      struct host_object **obj, ACCESS_MASK *granted )
{
    size_t i = handle_to_index( handle );
    NTSTATUS status = STATUS_SUCCESS;

    /* pseudo-handles of the current process and thread name objects, of the wrong type */
    if (handle == NtCurrentProcess() || handle == (HANDLE)~(ULONG_PTR)1) return STATUS_OBJECT_TYPE_MISMATCH;
    pthread_mutex_lock( &handle_lock );
    if (i >= nb_handles || !handles[i].obj) status = STATUS_INVALID_HANDLE;
    else if (handles[i].obj->type != type) status = STATUS_OBJECT_TYPE_MISMATCH;
    else if ((handles[i].access & needed) != needed) status = STATUS_ACCESS_DENIED;
    else
    {
        *obj = handles[i].obj;
        if (granted) *granted = handles[i].access;
        host_addref( *obj );
    }
    pthread_mutex_unlock( &handle_lock );
    return status;
}

NTSTATUS WINAPI NtClose( HANDLE handle )
{
    size_t i = handle_to_index( handle );
    struct host_object *obj = NULL;
    int last = 0;

    pthread_mutex_lock( &handle_lock );
    if (i < nb_handles && handles[i].obj)
    {
        obj = handles[i].obj;
        handles[i].obj = NULL;
        last = !--obj->handles;
    }
    pthread_mutex_unlock( &handle_lock );
    if (!obj) return STATUS_INVALID_HANDLE;
    if (last && obj->last_handle) obj->last_handle( obj );
    host_release( obj );
    return STATUS_SUCCESS;
}

/* ---- files ---------------------------------------------------------------------------------- */

static void file_destroy( struct host_object *obj )
{
    struct host_file *file = (struct host_file *)obj;
    close( file->fd );
    mm_free( file->path );
    mm_free( file );
}

/* GENERIC_* rights as NtCreateFile maps them for files */
static ACCESS_MASK map_file_access( ACCESS_MASK access )
{
    if (access & GENERIC_READ) access |= FILE_READ_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE;
    if (access & GENERIC_WRITE) access |= FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_ATTRIBUTES | SYNCHRONIZE;
    if (access & GENERIC_EXECUTE) access |= FILE_EXECUTE | SYNCHRONIZE;
    if (access & GENERIC_ALL) access |= FILE_ALL_ACCESS;
    return access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL);
}

static NTSTATUS status_from_errno( int err )
{
    switch (err)
    {
    case ENOENT: return STATUS_OBJECT_NAME_NOT_FOUND;
    case EACCES: case EPERM: case EROFS: return STATUS_ACCESS_DENIED;
    case EISDIR: return STATUS_FILE_IS_A_DIRECTORY;
    case ENOMEM: return STATUS_NO_MEMORY;
    case EBADF: return STATUS_INVALID_HANDLE;
    default: return STATUS_UNSUCCESSFUL;
    }
}

static NTSTATUS make_file( int fd, ACCESS_MASK access, HANDLE *handle )
{
    struct host_file *file;
    char link[64], path[PATH_MAX];
    ssize_t len;
    NTSTATUS status;

    if (!(file = mm_calloc( 1, sizeof(*file) )))
    {
        close( fd );
        return STATUS_NO_MEMORY;
    }
    file->obj.refs = 0;
    file->obj.type = HOST_FILE;
    file->obj.destroy = file_destroy;
    file->fd = fd;
    snprintf( link, sizeof(link), "/proc/self/fd/%d", fd );
    if ((len = readlink( link, path, sizeof(path) - 1 )) > 0)
    {
        path[len] = 0;
        file->path = mm_strdup( path );
    }
    host_addref( &file->obj );
    status = handles_alloc( &file->obj, map_file_access( access ), handle );
    host_release( &file->obj );
    return status;
}

NTSTATUS ntdll_mm_open_file( const char *path, ACCESS_MASK access, HANDLE *handle )
{
    ACCESS_MASK mapped = map_file_access( access );
    int flags = (mapped & (FILE_WRITE_DATA | FILE_APPEND_DATA)) ? O_RDWR : O_RDONLY;
    int fd;

    if (!path || !handle) return STATUS_INVALID_PARAMETER;
    if (mm_ensure_init()) return STATUS_NOT_SUPPORTED;
    if ((fd = open( path, flags | O_CLOEXEC )) < 0) return status_from_errno( errno );
    return make_file( fd, access, handle );
}

NTSTATUS ntdll_mm_file_handle_from_fd( int fd, ACCESS_MASK access, HANDLE *handle )
{
    int copy;

    if (!handle) return STATUS_INVALID_PARAMETER;
    if (mm_ensure_init()) return STATUS_NOT_SUPPORTED;
    if ((copy = fcntl( fd, F_DUPFD_CLOEXEC, 3 )) < 0) return status_from_errno( errno );
    return make_file( copy, access, handle );
}

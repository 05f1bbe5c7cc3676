/*
 * ntdll-mm inside Wine: the builtin module list.
 *
 * Wine's unix loader (unix/loader.c) maps its builtin PE dlls (ntdll.dll first) from the
 * library directory through wineserver mappings, and may also load old-style .so builtins with
 * dlopen, whose memory it then declares as an image view.  It keeps a list of those modules:
 * for a .so builtin its dlopen handle, for every builtin the path of its unix library (the
 * __wine_unix_call_funcs a PE dll reaches through NtQueryVirtualMemory(MemoryWineUnixFuncs)).
 * Nothing of this exists on NT.
 *
 * Where this differs from Wine's virtual.c: the memory of a .so builtin is mapped by the
 * dynamic linker, not by the core, so the core sees it as foreign memory (its queries do not
 * report it as MEM_IMAGE); the server knows it as an image view all the same.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

struct builtin_module
{
    struct list  entry;
    unsigned int refcount;
    void        *handle;         /* dlopen handle of a .so builtin, NULL for a PE builtin */
    void        *module;         /* its base address */
    SIZE_T       size;           /* .so builtins: the size of what the dynamic linker mapped */
    char        *unix_path;      /* its unix library (load_builtin_unixlib) */
    void        *unix_handle;    /* dlopen handle of that library, opened on first use */
};

static struct list builtin_modules = LIST_INIT( builtin_modules );
static pthread_mutex_t builtin_mutex = PTHREAD_MUTEX_INITIALIZER;

/* builtin_mutex held */
static struct builtin_module *find_builtin( void *module )
{
    struct builtin_module *builtin;

    LIST_FOR_EACH_ENTRY( builtin, &builtin_modules, struct builtin_module, entry )
        if (builtin->module == module) return builtin;
    return NULL;
}

void mmw_add_builtin_module( void *module, void *handle, SIZE_T size )
{
    struct builtin_module *builtin;
    sigset_t sigset;

    if (!(builtin = mm_calloc( 1, sizeof(*builtin) ))) return;
    builtin->handle = handle;
    builtin->module = module;
    builtin->size = size;
    builtin->refcount = 1;
    server_enter_uninterrupted_section( &builtin_mutex, &sigset );
    list_add_tail( &builtin_modules, &builtin->entry );
    server_leave_uninterrupted_section( &builtin_mutex, &sigset );
}

void mmw_release_builtin_module( void *module )
{
    struct builtin_module *builtin;
    sigset_t sigset;

    server_enter_uninterrupted_section( &builtin_mutex, &sigset );
    if ((builtin = find_builtin( module )) && !--builtin->refcount) list_remove( &builtin->entry );
    else builtin = NULL;
    server_leave_uninterrupted_section( &builtin_mutex, &sigset );
    if (!builtin) return;
    /* outside the mutex: dlclose runs the library's destructors */
    if (builtin->handle) dlclose( builtin->handle );
    if (builtin->unix_handle) dlclose( builtin->unix_handle );
    mm_free( builtin->unix_path );
    mm_free( builtin );
}

void *mmw_so_builtin_at( const void *addr, SIZE_T *size )
{
    struct builtin_module *builtin;
    void *ret = NULL;
    sigset_t sigset;

    server_enter_uninterrupted_section( &builtin_mutex, &sigset );
    LIST_FOR_EACH_ENTRY( builtin, &builtin_modules, struct builtin_module, entry )
    {
        if (!builtin->handle || (const char *)addr < (char *)builtin->module ||
            (const char *)addr - (char *)builtin->module >= builtin->size)
            continue;
        ret = builtin->module;
        *size = builtin->size;
        break;
    }
    server_leave_uninterrupted_section( &builtin_mutex, &sigset );
    return ret;
}

BOOL mmw_builtin_module_busy( void *module )
{
    struct builtin_module *builtin;
    BOOL busy = FALSE;
    sigset_t sigset;

    server_enter_uninterrupted_section( &builtin_mutex, &sigset );
    if ((builtin = find_builtin( module )) && builtin->refcount > 1)
    {
        TRACE( "not freeing in-use builtin %p\n", module );
        builtin->refcount--;
        busy = TRUE;
    }
    server_leave_uninterrupted_section( &builtin_mutex, &sigset );
    return busy;
}

/* the dlopen handle of a .so builtin, with a reference (the loader dlcloses its own) */
void *get_builtin_so_handle( void *module )
{
    struct builtin_module *builtin;
    void *ret = NULL;
    sigset_t sigset;

    server_enter_uninterrupted_section( &builtin_mutex, &sigset );
    if ((builtin = find_builtin( module )) && (ret = builtin->handle)) builtin->refcount++;
    server_leave_uninterrupted_section( &builtin_mutex, &sigset );
    return ret;
}

NTSTATUS load_builtin_unixlib( void *module, const char *name )
{
    struct builtin_module *builtin;
    NTSTATUS status = STATUS_SUCCESS;
    sigset_t sigset;

    server_enter_uninterrupted_section( &builtin_mutex, &sigset );
    if ((builtin = find_builtin( module )))
    {
        if (builtin->unix_path) status = STATUS_IMAGE_ALREADY_LOADED;
        else if (!(builtin->unix_path = mm_strdup( name ))) status = STATUS_NO_MEMORY;
    }
    server_leave_uninterrupted_section( &builtin_mutex, &sigset );
    return status;
}

/* The unix library of a builtin (load_builtin_unixlib), dlopen()ed on first use: its handle,
 * NULL when it has none; *is_ntdll when it is ntdll.so itself (this library). */
void *mmw_builtin_unix_lib( void *module, BOOL *is_ntdll )
{
    struct builtin_module *builtin;
    void *handle = NULL;
    const char *p;
    sigset_t sigset;

    *is_ntdll = FALSE;
    server_enter_uninterrupted_section( &builtin_mutex, &sigset );
    if ((builtin = find_builtin( module )) && builtin->unix_path)
    {
        if ((p = strrchr( builtin->unix_path, '/' )) && !strcmp( p, "/ntdll.so" )) *is_ntdll = TRUE;
        else
        {
            if (!builtin->unix_handle) builtin->unix_handle = dlopen( builtin->unix_path, RTLD_NOW );
            handle = builtin->unix_handle;
        }
    }
    server_leave_uninterrupted_section( &builtin_mutex, &sigset );
    return handle;
}

/*
 * ntdll-mm inside Wine 8.0: builtin modules.
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
#include "nt_wine.h"

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

void mmw_add_builtin_module( void *module, void *handle )
{
    struct builtin_module *builtin;
    sigset_t sigset;

    if (!(builtin = mm_calloc( 1, sizeof(*builtin) ))) return;
    builtin->handle = handle;
    builtin->module = module;
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

NTSTATUS mmw_builtin_unix_funcs( void *module, BOOL wow, const void **funcs )
{
    const char *name = wow ? "__wine_unix_call_wow64_funcs" : "__wine_unix_call_funcs";
    struct builtin_module *builtin;
    NTSTATUS status = STATUS_DLL_NOT_FOUND;
    const char *p;
    sigset_t sigset;

    /* ntdll's own unix calls live in this library */
    if (module == ntdll_module)
    {
        *funcs = wow ? __wine_unix_call_wow64_funcs : __wine_unix_call_funcs;
        return STATUS_SUCCESS;
    }
    server_enter_uninterrupted_section( &builtin_mutex, &sigset );
    if ((builtin = find_builtin( module )))
    {
        if (builtin->unix_path && (p = strrchr( builtin->unix_path, '/' )) && !strcmp( p, "/ntdll.so" ))
        {
            *funcs = wow ? __wine_unix_call_wow64_funcs : __wine_unix_call_funcs;
            status = STATUS_SUCCESS;
        }
        else
        {
            if (builtin->unix_path && !builtin->unix_handle)
                builtin->unix_handle = dlopen( builtin->unix_path, RTLD_NOW );
            if (builtin->unix_handle)
            {
                *funcs = dlsym( builtin->unix_handle, name );
                status = *funcs ? STATUS_SUCCESS : STATUS_ENTRYPOINT_NOT_FOUND;
            }
        }
    }
    server_leave_uninterrupted_section( &builtin_mutex, &sigset );
    return status;
}

/* Map a builtin PE dll for the unix loader from a server mapping of the file it found in the
 * library path: only Wine builtins of the wanted machine qualify; the view is registered like
 * any image view and the module joins the builtin list. */
NTSTATUS virtual_map_builtin_module( HANDLE mapping, void **module, SIZE_T *size, SECTION_IMAGE_INFORMATION *info,
                                     ULONG_PTR zero_bits, WORD machine, BOOL prefer_native )
{
    const ACCESS_MASK access = SECTION_MAP_READ | SECTION_MAP_EXECUTE;
    pe_image_info_t *image = NULL;
    unsigned int sec_flags;
    mem_size_t full_size;
    HANDLE shared_file;
    NTSTATUS status;
    WCHAR *filename;

    if ((status = mmw_get_mapping_info( mapping, access, &sec_flags, &full_size, &shared_file, &image )))
        return status;
    if (shared_file) NtClose( shared_file );
    if (!image) return STATUS_INVALID_PARAMETER;

    *module = NULL;
    *size = 0;
    filename = (WCHAR *)(image + 1);
    if (!(image->image_flags & IMAGE_FLAGS_WineBuiltin))
    {
        WARN( "%s found in WINEDLLPATH but not a builtin, ignoring\n", debugstr_w(filename) );
        status = STATUS_DLL_NOT_FOUND;
    }
    else if (machine && image->machine != machine)
    {
        TRACE( "%s is for arch %04x, continuing search\n", debugstr_w(filename), image->machine );
        status = STATUS_IMAGE_MACHINE_TYPE_MISMATCH;
    }
    else if (prefer_native && (image->dll_charact & IMAGE_DLLCHARACTERISTICS_PREFER_NATIVE))
    {
        TRACE( "%s has prefer-native flag, ignoring builtin\n", debugstr_w(filename) );
        status = STATUS_IMAGE_ALREADY_LOADED;
    }
    else
    {
        status = mmw_map_view( mapping, module, zero_bits, 0, NULL, size, ViewShare, 0, PAGE_EXECUTE_READ,
                               NULL, 0, FALSE, TRUE );
        TRACE( "%s at %p status %08x\n", debugstr_w(filename), *module, (int)status );
        virtual_fill_image_information( image, info );
    }
    mm_free( image );
    return status;
}

/* The unix loader dlopen()ed a .so builtin and laid its PE view out itself: declare it to the
 * server as an image view and add it to the builtin list, with its dlopen handle. */
NTSTATUS virtual_create_builtin_view( void *module, const UNICODE_STRING *nt_name,
                                      pe_image_info_t *info, void *so_handle )
{
    void *base = wine_server_get_ptr( info->base );
    NTSTATUS status;

    status = mmw_register_system_view( base, info->map_size, info, nt_name );
    if (NT_SUCCESS( status ))
    {
        TRACE( "created %p-%p for %s\n", base, (char *)base + info->map_size, debugstr_us(nt_name) );
        mmw_add_builtin_module( base, so_handle );
    }
    return status;
}

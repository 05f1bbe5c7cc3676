/*
 * ntdll-mm inside Wine 8.0: builtin modules as Wine 8.0's unix loader maps them
 * (virtual_map_builtin_module; its .so builtins: views.c) and their unix call tables.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <dlfcn.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* Map a builtin PE dll for the unix loader from a server mapping of the file it found in the
 * library path: only Wine builtins of the wanted machine qualify; the view is registered like
 * any image view and the module joins the builtin list. */
NTSTATUS virtual_map_builtin_module( HANDLE mapping, void **module, SIZE_T *size, SECTION_IMAGE_INFORMATION *info,
                                     ULONG_PTR zero_bits, WORD machine, BOOL prefer_native )
{
    const ACCESS_MASK access = SECTION_MAP_READ | SECTION_MAP_EXECUTE;
    struct mmw_mapping desc;
    mmw_image_info *image;
    NTSTATUS status;
    WCHAR *filename;

    if ((status = mmw_get_mapping( mapping, access, &desc ))) return status;
    if (!(image = desc.image))
    {
        mmw_free_mapping( &desc );
        return STATUS_INVALID_PARAMETER;
    }

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
        struct mm_map_args args;

        virtual_fill_image_information( image, info );
        TRACE( "mapping %s\n", debugstr_w(filename) );
        /* as NtMapViewOfSection( mapping, NtCurrentProcess(), module, zero_bits, 0, NULL, size,
         * ViewShare, 0, PAGE_EXECUTE_READ ) would, for the loader's own builtin, with the server's
         * description asked above (mmw_map_view frees it) */
        if (!(status = mm_map_args_fetch( &args, module, zero_bits, 0, NULL, size, 0, PAGE_EXECUTE_READ, NULL, 0, 0 )) &&
            !(status = mm_map_args_check( &args )))
            return mmw_map_view( mapping, &args, &desc, MMW_MAP_BUILTIN );
    }
    mmw_free_mapping( &desc );
    return status;
}

/* NtQueryVirtualMemory(MemoryWineUnixFuncs / MemoryWineUnixWow64Funcs): the unix call table of a
 * builtin's unix library (Wine 8.0: ntdll's own is in this library) */
NTSTATUS mmw_builtin_unix_funcs( void *module, BOOL wow, const void **funcs )
{
    const char *name = wow ? "__wine_unix_call_wow64_funcs" : "__wine_unix_call_funcs";
    BOOL is_ntdll;
    void *handle;

    if (module == ntdll_module || (!(handle = mmw_builtin_unix_lib( module, &is_ntdll )) && is_ntdll))
    {
        *funcs = wow ? __wine_unix_call_wow64_funcs : __wine_unix_call_funcs;
        return STATUS_SUCCESS;
    }
    if (!handle) return STATUS_DLL_NOT_FOUND;
    *funcs = dlsym( handle, name );
    return *funcs ? STATUS_SUCCESS : STATUS_ENTRYPOINT_NOT_FOUND;
}

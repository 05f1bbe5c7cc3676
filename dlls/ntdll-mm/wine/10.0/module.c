/*
 * ntdll-mm inside Wine 10.0: modules as Wine 10.0's unix loader maps them
 * (virtual_map_builtin_module, virtual_map_module, virtual_relocate_module; its .so builtins:
 * views.c) and the unix call tables of builtins.
 *
 * Where Wine 10.0 differs from 8.0 here: the loader maps the main exe through
 * virtual_map_module (Wine's load order may substitute a builtin), the address windows are
 * (limit_low, limit_high) instead of zero bits, the server checks an image's machine against
 * the process's when the view is registered (map_image_view), and ntdll.dll, when it could not
 * be mapped at its base, is relocated by the loader asking virtual_relocate_module.  The core
 * relocates every image it maps away from its preferred base and writes the new base into the
 * mapped headers (as NT does), so for an image of the core's virtual_relocate_module has
 * nothing left to do.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <dlfcn.h>

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* map the image of a server mapping for the loader, as NtMapViewOfSection( mapping,
 * NtCurrentProcess(), module, 0, 0, NULL, size, ViewShare, 0, PAGE_EXECUTE_READ ) with the
 * window [limit_low, limit_high] would; desc is the server's description (freed here).  An
 * image for another machine than the one asked is STATUS_NOT_SUPPORTED, as in Wine 10.0's
 * virtual.c (ntdll's wow64 test: MemExtendedParameterImageMachine of another machine). */
static NTSTATUS map_module( HANDLE mapping, struct mmw_mapping *desc, void **module, SIZE_T *size,
                            ULONG_PTR limit_low, ULONG_PTR limit_high, USHORT machine, unsigned int flags )
{
    struct mm_map_args args;
    NTSTATUS status;

    if (machine && machine != desc->image->machine) status = STATUS_NOT_SUPPORTED;
    else if ((status = mm_map_args_fetch( &args, module, 0, 0, NULL, size, 0, PAGE_EXECUTE_READ, NULL, 0, 0 )) ||
        (status = mm_map_args_check( &args )))
    {
        mmw_free_mapping( desc );
        return status;
    }
    if (limit_low) args.lowest = limit_low;
    if (limit_high) args.limit = limit_high + 1;
    return mmw_map_view( mapping, &args, desc, flags );
}

/* Map a builtin PE dll for the unix loader from a server mapping of the file it found in the
 * library path: only Wine builtins qualify; the view is registered like any image view and the
 * module joins the builtin list. */
NTSTATUS virtual_map_builtin_module( HANDLE mapping, void **module, SIZE_T *size,
                                     SECTION_IMAGE_INFORMATION *info, ULONG_PTR limit_low,
                                     ULONG_PTR limit_high, WORD machine, BOOL prefer_native )
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
    if (!image->wine_builtin)
    {
        WARN( "%s found in WINEDLLPATH but not a builtin, ignoring\n", debugstr_w(filename) );
        status = STATUS_DLL_NOT_FOUND;
    }
    else if (prefer_native && (image->dll_charact & IMAGE_DLLCHARACTERISTICS_PREFER_NATIVE))
    {
        TRACE( "%s has prefer-native flag, ignoring builtin\n", debugstr_w(filename) );
        status = STATUS_IMAGE_ALREADY_LOADED;
    }
    else
    {
        virtual_fill_image_information( image, info );
        TRACE( "mapping %s\n", debugstr_w(filename) );
        return map_module( mapping, &desc, module, size, limit_low, limit_high, machine, MMW_MAP_BUILTIN );
    }
    mmw_free_mapping( &desc );
    return status;
}

/* Map the image of a server mapping for the loader (the main exe): a builtin in its place when
 * Wine's load order says so, else the image itself. */
NTSTATUS virtual_map_module( HANDLE mapping, void **module, SIZE_T *size, SECTION_IMAGE_INFORMATION *info,
                             ULONG_PTR limit_low, ULONG_PTR limit_high, USHORT machine )
{
    const ACCESS_MASK access = SECTION_MAP_READ | SECTION_MAP_EXECUTE;
    struct mmw_mapping desc;
    mmw_image_info *image;
    NTSTATUS status;

    if ((status = mmw_get_mapping( mapping, access, &desc ))) return status;
    if (!(image = desc.image))
    {
        mmw_free_mapping( &desc );
        return STATUS_INVALID_PARAMETER;
    }
    *module = NULL;
    *size = 0;
    status = load_builtin( image, (WCHAR *)(image + 1), machine, info, module, size, limit_low, limit_high );
    if (status != STATUS_IMAGE_ALREADY_LOADED)
    {
        mmw_free_mapping( &desc );
        return status;
    }
    virtual_fill_image_information( image, info );
    /* the load order was asked above: the image itself */
    return map_module( mapping, &desc, module, size, limit_low, limit_high, machine, MMW_MAP_NO_LOAD_ORDER );
}

/* The loader's ntdll.dll was mapped away from its preferred base.  The core relocated it while
 * mapping it and wrote the new base into its headers, so the headers' base is the module's;
 * anything else was not mapped by the core. */
NTSTATUS virtual_relocate_module( void *module )
{
    const IMAGE_DOS_HEADER *dos = module;
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)((const char *)module + dos->e_lfanew);
    ULONG_PTR image_base;

    if (nt->OptionalHeader.Magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC)
        image_base = ((const IMAGE_NT_HEADERS64 *)nt)->OptionalHeader.ImageBase;
    else
        image_base = ((const IMAGE_NT_HEADERS32 *)nt)->OptionalHeader.ImageBase;
    if (image_base == (ULONG_PTR)module) return STATUS_SUCCESS;
    if (nt->FileHeader.Characteristics & IMAGE_FILE_RELOCS_STRIPPED)
    {
        ERR( "module %p needs relocating from %p, but its relocations are stripped\n", module, (void *)image_base );
        return STATUS_CONFLICTING_ADDRESSES;
    }
    ERR( "module %p with base %p was not mapped by the memory manager\n", module, (void *)image_base );
    return STATUS_INVALID_IMAGE_FORMAT;
}

/* NtQueryVirtualMemory(MemoryWineUnixFuncs / MemoryWineUnixWow64Funcs): the unix call table of
 * a builtin's unix library.  Wine 10.0's loader hands ntdll.dll its table itself; ntdll.so
 * exports none (as Wine's own virtual.c finds, which looks the name up there too). */
NTSTATUS mmw_builtin_unix_funcs( void *module, BOOL wow, const void **funcs )
{
    const char *name = wow ? "__wine_unix_call_wow64_funcs" : "__wine_unix_call_funcs";
    BOOL is_ntdll;
    void *handle;

    if (!(handle = mmw_builtin_unix_lib( module, &is_ntdll )))
        return is_ntdll ? STATUS_ENTRYPOINT_NOT_FOUND : STATUS_DLL_NOT_FOUND;
    *funcs = dlsym( handle, name );
    return *funcs ? STATUS_SUCCESS : STATUS_ENTRYPOINT_NOT_FOUND;
}

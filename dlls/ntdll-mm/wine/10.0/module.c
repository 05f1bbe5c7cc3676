/*
 * ntdll-mm inside Wine 10.0: modules as Wine 10.0's unix loader maps them
 * (virtual_map_builtin_module, virtual_map_module, virtual_relocate_module; its .so builtins:
 * views.c) and the unix call tables of builtins.
 *
 * Where Wine 10.0 differs from 8.0 here: the loader maps the main exe through
 * virtual_map_module (Wine's load order may substitute a builtin), the address windows are
 * (limit_low, limit_high) instead of zero bits, the server checks an image's machine against
 * the process's when the view is registered (map_image_view), and ntdll.dll, when it could not
 * be mapped at its base, is relocated by the loader asking virtual_relocate_module (when the
 * core did not relocate it while mapping it: only DYNAMIC_BASE images are, as on NT).
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

/* Apply one block of base relocations to the page at page (delta: new base - old base);
 * FALSE for an entry type a 64-bit or 32-bit x86 image cannot have. */
static BOOL relocate_block( char *page, const IMAGE_BASE_RELOCATION *rel, INT_PTR delta )
{
    const USHORT *entry = (const USHORT *)(rel + 1);
    unsigned int count = (rel->SizeOfBlock - sizeof(*rel)) / sizeof(*entry);

    for (unsigned int i = 0; i < count; i++)
    {
        char *p = page + (entry[i] & 0xfff);

        switch (entry[i] >> 12)
        {
        case IMAGE_REL_BASED_ABSOLUTE: break;
        case IMAGE_REL_BASED_HIGHLOW: *(DWORD *)p += (DWORD)delta; break;
        case IMAGE_REL_BASED_DIR64:   *(ULONGLONG *)p += delta; break;
        default: return FALSE;
        }
    }
    return TRUE;
}

/* The loader's ntdll.dll was mapped away from its preferred base (STATUS_IMAGE_NOT_AT_BASE).
 * The core relocates an image that NT relocates while mapping it (DYNAMIC_BASE) and writes
 * the new base into its headers; any other is the loader's to relocate, as Wine 10.0's loader
 * asks here: its sections made writable, the relocation blocks applied, the protections put
 * back (what the PE loader would do; NT's own loader does it in user mode too). */
NTSTATUS virtual_relocate_module( void *module )
{
    char *base = module;
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(base + ((const IMAGE_DOS_HEADER *)module)->e_lfanew);
    IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION( nt );
    const IMAGE_DATA_DIRECTORY *dir;
    const IMAGE_BASE_RELOCATION *rel, *end;
    ULONG old_prot[96], size_of_image;
    ULONG_PTR image_base;
    unsigned int nsec = nt->FileHeader.NumberOfSections, i;
    NTSTATUS status = STATUS_SUCCESS;
    INT_PTR delta;

    if (nt->OptionalHeader.Magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC)
    {
        IMAGE_OPTIONAL_HEADER64 *opt = (IMAGE_OPTIONAL_HEADER64 *)&nt->OptionalHeader;
        image_base = opt->ImageBase;
        size_of_image = opt->SizeOfImage;
        dir = opt->NumberOfRvaAndSizes > IMAGE_DIRECTORY_ENTRY_BASERELOC ?
              &opt->DataDirectory[IMAGE_DIRECTORY_ENTRY_BASERELOC] : NULL;
    }
    else
    {
        IMAGE_OPTIONAL_HEADER32 *opt = (IMAGE_OPTIONAL_HEADER32 *)&nt->OptionalHeader;
        image_base = opt->ImageBase;
        size_of_image = opt->SizeOfImage;
        dir = opt->NumberOfRvaAndSizes > IMAGE_DIRECTORY_ENTRY_BASERELOC ?
              &opt->DataDirectory[IMAGE_DIRECTORY_ENTRY_BASERELOC] : NULL;
    }
    if (!(delta = (ULONG_PTR)module - image_base)) return STATUS_SUCCESS;
    if (nt->FileHeader.Characteristics & IMAGE_FILE_RELOCS_STRIPPED)
    {
        ERR( "module %p needs relocating from %p, but its relocations are stripped\n", module, (void *)image_base );
        return STATUS_CONFLICTING_ADDRESSES;
    }
    if (!dir || !dir->Size) return STATUS_SUCCESS;
    if (nsec > ARRAY_SIZE(old_prot) || dir->VirtualAddress >= size_of_image ||
        dir->Size > size_of_image - dir->VirtualAddress)
        return STATUS_INVALID_IMAGE_FORMAT;
    TRACE( "%p -> %p\n", (void *)image_base, module );

    for (i = 0; i < nsec; i++)
    {
        void *addr = base + sec[i].VirtualAddress;
        SIZE_T size = sec[i].SizeOfRawData;

        old_prot[i] = 0;
        if (size) mm_NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, PAGE_READWRITE, &old_prot[i] );
    }
    rel = (const IMAGE_BASE_RELOCATION *)(base + dir->VirtualAddress);
    end = (const IMAGE_BASE_RELOCATION *)((const char *)rel + dir->Size);
    while (rel + 1 <= end && rel->SizeOfBlock >= sizeof(*rel) &&
           rel->SizeOfBlock <= (const char *)end - (const char *)rel && rel->VirtualAddress < size_of_image)
    {
        if (!relocate_block( base + rel->VirtualAddress, rel, delta ))
        {
            status = STATUS_INVALID_IMAGE_FORMAT;
            break;
        }
        rel = (const IMAGE_BASE_RELOCATION *)((const char *)rel + rel->SizeOfBlock);
    }
    for (i = 0; i < nsec; i++)
    {
        void *addr = base + sec[i].VirtualAddress;
        SIZE_T size = sec[i].SizeOfRawData;
        ULONG prot;

        if (size && old_prot[i]) mm_NtProtectVirtualMemory( NtCurrentProcess(), &addr, &size, old_prot[i], &prot );
    }
    return status;
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

/*
 * Conformance: image sections. CreateFileMapping(SEC_IMAGE) on a real PE DLL
 * (tests/pe/data/secimage_dll.c, built next to this program), the layout and
 * per-section protections of its views, and copy-on-write of an image's data
 * pages after LoadLibraryEx.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

static SIZE_T page;
static char dll_path[MAX_PATH];

/* The page protection the loader gives a section, from its characteristics
 * (kernel32/tests/loader.c test_section_access table: read-only data PAGE_READONLY, writable
 * data PAGE_WRITECOPY, code PAGE_EXECUTE_READ, writable code PAGE_EXECUTE_WRITECOPY). */
static DWORD section_protection( DWORD characteristics )
{
    BOOL r = !!(characteristics & IMAGE_SCN_MEM_READ), w = !!(characteristics & IMAGE_SCN_MEM_WRITE);
    BOOL x = !!(characteristics & IMAGE_SCN_MEM_EXECUTE);

    if (x) return w ? PAGE_EXECUTE_WRITECOPY : r ? PAGE_EXECUTE_READ : PAGE_EXECUTE;
    if (w) return PAGE_WRITECOPY;
    return r ? PAGE_READONLY : PAGE_NOACCESS;
}

static const IMAGE_SECTION_HEADER *find_section( const char *base, const char *name )
{
    const IMAGE_NT_HEADERS *nt = (const IMAGE_NT_HEADERS *)(base + ((const IMAGE_DOS_HEADER *)base)->e_lfanew);
    const IMAGE_SECTION_HEADER *sec = IMAGE_FIRST_SECTION( nt );
    unsigned int i;

    for (i = 0; i < nt->FileHeader.NumberOfSections; i++)
        if (!strncmp( (const char *)sec[i].Name, name, IMAGE_SIZEOF_SHORT_NAME )) return &sec[i];
    return NULL;
}

static BOOL contains( const char *mem, SIZE_T size, const char *str )
{
    SIZE_T len = strlen( str ), i;

    for (i = 0; i + len <= size; i++) if (!memcmp( mem + i, str, len )) return TRUE;
    return FALSE;
}

static void test_SEC_IMAGE_rejects_non_images(void)
{
    char path[MAX_PATH], dir[MAX_PATH];
    HANDLE file, mapping;
    DWORD done;

    /* kernel32/tests/virtual.c test_CreateFileMapping: SEC_IMAGE on a data file or on the paging
     * file fails with ERROR_BAD_EXE_FORMAT; SEC_IMAGE | SEC_COMMIT with ERROR_INVALID_PARAMETER. */
    GetTempPathA( sizeof(dir), dir );
    GetTempFileNameA( dir, "mmi", 0, path );
    file = CreateFileA( path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_FLAG_DELETE_ON_CLOSE, NULL );
    ok( file != INVALID_HANDLE_VALUE, "CreateFile failed\n" );
    if (file == INVALID_HANDLE_VALUE) return;
    WriteFile( file, "this is not a PE image, just some text\n", 39, &done, NULL );
    SetLastError( 0xdeadbeef );
    mapping = CreateFileMappingA( file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL );
    ok( !mapping && GetLastError() == ERROR_BAD_EXE_FORMAT, "text file: %p error %lu\n", mapping, GetLastError() );
    if (mapping) CloseHandle( mapping );
    CloseHandle( file );

    SetLastError( 0xdeadbeef );
    mapping = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0x1000, NULL );
    ok( !mapping && GetLastError() == ERROR_BAD_EXE_FORMAT, "paging file: %p error %lu\n", mapping, GetLastError() );
    if (mapping) CloseHandle( mapping );

    file = CreateFileA( dll_path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL );
    SetLastError( 0xdeadbeef );
    mapping = CreateFileMappingA( file, NULL, PAGE_READONLY | SEC_IMAGE | SEC_COMMIT, 0, 0, NULL );
    ok( !mapping && GetLastError() == ERROR_INVALID_PARAMETER, "SEC_IMAGE | SEC_COMMIT: %p error %lu\n", mapping,
        GetLastError() );
    if (mapping) CloseHandle( mapping );
    CloseHandle( file );
}

static void test_SEC_IMAGE_view_layout(void)
{
    static const char *names[] = { ".text", ".rdata", ".data", ".bss" };
    MEMORY_BASIC_INFORMATION info;
    const IMAGE_NT_HEADERS *nt;
    const IMAGE_SECTION_HEADER *sec;
    HANDLE file, mapping;
    char *base, *base2, *p;
    SIZE_T total;
    unsigned int i;

    file = CreateFileA( dll_path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL );
    ok( file != INVALID_HANDLE_VALUE, "cannot open %s, error %lu\n", dll_path, GetLastError() );
    if (file == INVALID_HANDLE_VALUE) return;

    /* CreateFileMapping, SEC_IMAGE: "Specifies that the file that the hFile parameter specifies is
     * an executable image file ... the mapping attributes ... are determined by the image";
     * test_image_mapping maps it with MapViewOfFile. */
    mapping = CreateFileMappingA( file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL );
    ok( mapping != NULL, "CreateFileMapping(SEC_IMAGE) failed, error %lu\n", GetLastError() );
    base = mapping ? MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 ) : NULL;
    ok( base != NULL, "MapViewOfFile of the image failed, error %lu\n", GetLastError() );
    if (!base) goto done;
    nt = (const IMAGE_NT_HEADERS *)(base + ((const IMAGE_DOS_HEADER *)base)->e_lfanew);
    ok( nt->Signature == IMAGE_NT_SIGNATURE, "no PE signature in the view\n" );

    /* test_image_mapping / test_section_access: the headers page is PAGE_READONLY; every region of
     * the view is MEM_IMAGE, MEM_COMMIT, with AllocationProtect PAGE_EXECUTE_WRITECOPY. */
    ok( mm_query( base, &info ), "VirtualQuery failed\n" );
    ok( info.AllocationBase == base && info.Type == MEM_IMAGE && info.State == MEM_COMMIT,
        "headers: base %p type %#lx state %#lx\n", info.AllocationBase, info.Type, info.State );
    ok( info.Protect == PAGE_READONLY && info.RegionSize == page, "headers: protect %#lx size %#Ix\n",
        info.Protect, info.RegionSize );
    ok( info.AllocationProtect == PAGE_EXECUTE_WRITECOPY, "AllocationProtect %#lx, expected PAGE_EXECUTE_WRITECOPY\n",
        info.AllocationProtect );

    /* Each section is mapped at its RVA with the protection its characteristics ask for. */
    for (i = 0; i < ARRAY_SIZE(names); i++)
    {
        winetest_push_context( "%s", names[i] );
        sec = find_section( base, names[i] );
        ok( sec != NULL, "section missing from the helper DLL\n" );
        if (sec)
        {
            ok( mm_query( base + sec->VirtualAddress, &info ), "VirtualQuery failed\n" );
            ok( info.BaseAddress == base + sec->VirtualAddress, "region starts at %p\n", info.BaseAddress );
            ok( info.AllocationBase == base && info.Type == MEM_IMAGE && info.State == MEM_COMMIT,
                "base %p type %#lx state %#lx\n", info.AllocationBase, info.Type, info.State );
            ok( info.Protect == section_protection( sec->Characteristics ), "protect %#lx, expected %#lx\n",
                info.Protect, section_protection( sec->Characteristics ) );
            ok( info.AllocationProtect == PAGE_EXECUTE_WRITECOPY, "AllocationProtect %#lx\n", info.AllocationProtect );
        }
        winetest_pop_context();
    }

    /* Section contents come from the file; uninitialised data is zero. */
    if ((sec = find_section( base, ".rdata" )))
        ok( contains( base + sec->VirtualAddress, sec->Misc.VirtualSize, "ntdll-mm read-only data" ),
            ".rdata does not hold its string\n" );
    if ((sec = find_section( base, ".data" )))
        ok( contains( base + sec->VirtualAddress, sec->Misc.VirtualSize, "ntdll-mm writable data" ),
            ".data does not hold its string\n" );
    if ((sec = find_section( base, ".bss" )))
    {
        for (p = base + sec->VirtualAddress; p < base + sec->VirtualAddress + sec->Misc.VirtualSize; p++) if (*p) break;
        ok( p == base + sec->VirtualAddress + sec->Misc.VirtualSize, ".bss not zero at %p\n", p );
    }

    /* The view covers SizeOfImage, page-rounded, and nothing more (the image is one allocation). */
    for (total = 0; mm_query( base + total, &info ) && info.AllocationBase == base; total += info.RegionSize)
        ok( info.Type == MEM_IMAGE, "region at +%#Ix has type %#lx\n", total, info.Type );
    ok( total == ((nt->OptionalHeader.SizeOfImage + page - 1) & ~(page - 1)), "view spans %#Ix, SizeOfImage %#lx\n",
        total, nt->OptionalHeader.SizeOfImage );

    /* Memory Protection Constants: writing to PAGE_READONLY / PAGE_EXECUTE_READ pages raises an
     * access violation, in image views as anywhere. */
    mm_install_fault_handler();
    for (i = 0; i < 2; i++)
    {
        mm_reset_fault();
        if ((sec = find_section( base, i ? ".text" : ".rdata" ))) mm_probe_write( base + sec->VirtualAddress + 4, 1 );
        ok( mm_last_fault.count == 1 && mm_last_fault.code == STATUS_ACCESS_VIOLATION && mm_last_fault.info[0] == 1,
            "write to %s: %ld faults code %#lx\n", i ? ".text" : ".rdata", mm_last_fault.count, mm_last_fault.code );
    }

    /* test_image_mapping: a second view of the same image lands elsewhere ("mapped addresses
     * should be different") and has the same layout. */
    base2 = MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 );
    ok( base2 != NULL && base2 != base, "second view %p (first %p)\n", base2, base );
    if (base2)
    {
        if ((sec = find_section( base2, ".text" )))
            ok( mm_query( base2 + sec->VirtualAddress, &info ) && info.Protect == section_protection( sec->Characteristics ) &&
                info.Type == MEM_IMAGE, "second view .text protect %#lx type %#lx\n", info.Protect, info.Type );
        UnmapViewOfFile( base2 );
    }

    ok( UnmapViewOfFile( base ), "UnmapViewOfFile failed, error %lu\n", GetLastError() );
    ok( mm_query( base, &info ) && info.State == MEM_FREE, "after unmap state %#lx\n", info.State );
done:
    if (mapping) CloseHandle( mapping );
    CloseHandle( file );
}

static void test_loaded_image_copy_on_write(void)
{
    MEMORY_BASIC_INFORMATION info;
    const IMAGE_SECTION_HEADER *data, *rdata;
    HMODULE module;
    char *base;
    DWORD old;

    /* LoadLibraryEx with DONT_RESOLVE_DLL_REFERENCES maps the image without running it
     * (test_section_access does the same). */
    module = LoadLibraryExA( dll_path, NULL, DONT_RESOLVE_DLL_REFERENCES );
    ok( module != NULL, "LoadLibraryEx failed, error %lu\n", GetLastError() );
    if (!module) return;
    base = (char *)module;
    data = find_section( base, ".data" );
    rdata = find_section( base, ".rdata" );
    ok( data && rdata && data->Misc.VirtualSize > page, "unexpected helper DLL layout\n" );
    if (!data || !rdata) goto done;

    ok( mm_query( base + data->VirtualAddress, &info ), "VirtualQuery failed\n" );
    ok( info.Type == MEM_IMAGE && info.Protect == PAGE_WRITECOPY, ".data type %#lx protect %#lx\n", info.Type, info.Protect );

    /* test_section_access: "Windows changes the WRITECOPY to WRITE protection on an image section
     * write (for a changed page only)" - todo_wine in Wine's own test. */
    base[data->VirtualAddress + 8] = 'W';
    ok( mm_query( base + data->VirtualAddress, &info ), "VirtualQuery failed\n" );
    todo_wine ok( info.Protect == PAGE_READWRITE, "written .data page protect %#lx, expected PAGE_READWRITE\n", info.Protect );
    todo_wine ok( info.RegionSize == page, "written .data page region %#Ix, expected one page\n", info.RegionSize );
    ok( mm_query( base + data->VirtualAddress + page, &info ), "VirtualQuery failed\n" );
    ok( info.Protect == PAGE_WRITECOPY, "untouched .data page protect %#lx, expected PAGE_WRITECOPY\n", info.Protect );

    /* loader.c test_VirtualProtect: asking for PAGE_READWRITE on an image page gives
     * PAGE_WRITECOPY (the page is still shared with the file), and the old value is reported. */
    ok( VirtualProtect( base + rdata->VirtualAddress, page, PAGE_READWRITE, &old ), "VirtualProtect failed, error %lu\n",
        GetLastError() );
    ok( old == PAGE_READONLY, "old protection %#lx\n", old );
    ok( mm_query( base + rdata->VirtualAddress, &info ) && info.Protect == PAGE_WRITECOPY,
        ".rdata after VirtualProtect(PAGE_READWRITE): %#lx, expected PAGE_WRITECOPY\n", info.Protect );

    /* The file is untouched by the private write: a fresh SEC_IMAGE view shows the original. */
    {
        HANDLE file = CreateFileA( dll_path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL );
        HANDLE mapping = CreateFileMappingA( file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL );
        char *view = mapping ? MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 ) : NULL;

        ok( view != NULL, "MapViewOfFile failed, error %lu\n", GetLastError() );
        if (view)
        {
            ok( view[data->VirtualAddress + 8] != 'W', "private write reached the image file\n" );
            UnmapViewOfFile( view );
        }
        if (mapping) CloseHandle( mapping );
        CloseHandle( file );
    }

done:
    ok( FreeLibrary( module ), "FreeLibrary failed\n" );
    ok( mm_query( base, &info ) && info.State == MEM_FREE, "after FreeLibrary state %#lx\n", info.State );
}

START_TEST(secimage)
{
    char *p;

    page = mm_page_size();
    GetModuleFileNameA( NULL, dll_path, sizeof(dll_path) - 32 );
    p = strrchr( dll_path, '\\' );
    strcpy( p ? p + 1 : dll_path, "secimage_dll.dll" );
    if (GetFileAttributesA( dll_path ) == INVALID_FILE_ATTRIBUTES)
    {
        skip( "helper %s not found (tests/pe/build.sh puts it next to this program)\n", dll_path );
        return;
    }

    test_SEC_IMAGE_rejects_non_images();
    test_SEC_IMAGE_view_layout();
    test_loaded_image_copy_on_write();
}

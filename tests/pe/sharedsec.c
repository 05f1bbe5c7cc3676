/*
 * Conformance: writable image sections marked IMAGE_SCN_MEM_SHARED.  NT maps such a
 * section from one set of pages shared by every view of the image, in every process
 * (PAGE_READWRITE, not copy-on-write), where the other writable sections are copy-on-write
 * (PAGE_WRITECOPY).  Uses tests/pe/data/shared_dll.c, built next to this program.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include "_pe_test.h"
#include "wine/test.h"

static char dll_path[MAX_PATH];

static volatile LONG *dll_export( HMODULE module, const char *name )
{
    return (volatile LONG *)GetProcAddress( module, name );
}

/* the child: loads the DLL, reports what it finds in the shared section, then writes there */
static int child( void )
{
    HMODULE module = LoadLibraryA( dll_path );
    volatile LONG *shared, *priv;
    int ret;

    if (!module) return 1;
    shared = dll_export( module, "shared_data" );
    priv = dll_export( module, "private_data" );
    if (!shared || !priv) return 2;
    ret = shared[0] == 0x1234 && shared[1024] == 0x4321 && priv[0] == 0x5eed ? 42 : 3;
    shared[1] = 0x777;
    return ret;
}

static void test_shared_section_protection(HMODULE module)
{
    MEMORY_BASIC_INFORMATION info;
    volatile LONG *shared = dll_export( module, "shared_data" );
    volatile LONG *priv = dll_export( module, "private_data" );

    ok( shared && priv, "exports missing\n" );
    if (!shared || !priv) return;
    /* kernel32 loader.c test_section_access, which passes on Windows: a shared writable
     * section is PAGE_READWRITE, an ordinary one PAGE_WRITECOPY */
    ok( mm_query( (void *)shared, &info ), "VirtualQuery failed\n" );
    ok( info.Type == MEM_IMAGE && info.State == MEM_COMMIT, "shared section: type %#lx state %#lx\n",
        info.Type, info.State );
    /* Wine 8.0 maps the section shared but reports it as copy-on-write (VPROT_WRITECOPY) */
    todo_wine ok( info.Protect == PAGE_READWRITE, "shared section: protect %#lx\n", info.Protect );
    ok( mm_query( (void *)priv, &info ), "VirtualQuery failed\n" );
    ok( info.Protect == PAGE_WRITECOPY, "ordinary writable section: protect %#lx\n", info.Protect );
    ok( shared[0] == 0x5eed, "initial contents %#lx\n", shared[0] );
    /* writing keeps the page shared: still PAGE_READWRITE afterwards */
    shared[0] = 0x1234;
    shared[1024] = 0x4321;
    ok( mm_query( (void *)shared, &info ), "VirtualQuery failed\n" );
    todo_wine ok( info.Protect == PAGE_READWRITE, "after a write: protect %#lx\n", info.Protect );
}

static void test_shared_section_second_view(HMODULE module)
{
    volatile LONG *shared = dll_export( module, "shared_data" );
    HANDLE file, mapping;
    char *view;
    IMAGE_NT_HEADERS *nt;
    ULONG_PTR rva;

    if (!shared) return;
    /* a second view of the same image (SEC_IMAGE) in this process: its shared section is the
     * same pages (MapViewOfFile of SEC_IMAGE, learn.microsoft.com CreateFileMapping) */
    file = CreateFileA( dll_path, GENERIC_READ | GENERIC_EXECUTE, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL );
    ok( file != INVALID_HANDLE_VALUE, "CreateFile failed, error %lu\n", GetLastError() );
    if (file == INVALID_HANDLE_VALUE) return;
    mapping = CreateFileMappingA( file, NULL, PAGE_READONLY | SEC_IMAGE, 0, 0, NULL );
    ok( mapping != NULL, "CreateFileMapping(SEC_IMAGE) failed, error %lu\n", GetLastError() );
    view = mapping ? MapViewOfFile( mapping, FILE_MAP_READ, 0, 0, 0 ) : NULL;
    ok( view != NULL, "MapViewOfFile failed, error %lu\n", GetLastError() );
    if (view)
    {
        volatile LONG *other;

        nt = (IMAGE_NT_HEADERS *)(view + ((IMAGE_DOS_HEADER *)view)->e_lfanew);
        rva = (char *)shared - (char *)module;
        ok( rva < nt->OptionalHeader.SizeOfImage, "rva %#Ix\n", rva );
        other = (volatile LONG *)(view + rva);
        ok( other[0] == 0x1234 && other[1024] == 0x4321,
            "second view of the shared section reads %#lx %#lx, expected 0x1234 0x4321\n", other[0], other[1024] );
        shared[2] = 0x999;
        ok( other[2] == 0x999, "a write through the module shows in the second view as %#lx\n", other[2] );
        UnmapViewOfFile( view );
    }
    if (mapping) CloseHandle( mapping );
    CloseHandle( file );
}

static void test_shared_section_other_process(HMODULE module)
{
    volatile LONG *shared = dll_export( module, "shared_data" );
    PROCESS_INFORMATION pi;
    STARTUPINFOA si = { sizeof(si) };
    char cmd[2 * MAX_PATH], **argv;
    DWORD code = 0;

    if (!shared) return;
    winetest_get_mainargs( &argv );
    snprintf( cmd, sizeof(cmd), "\"%s\" sharedsec child", argv[0] );
    if (!CreateProcessA( NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi ))
    {
        ok( 0, "CreateProcess failed, error %lu\n", GetLastError() );
        return;
    }
    ok( WaitForSingleObject( pi.hProcess, 20000 ) == WAIT_OBJECT_0, "the child did not exit\n" );
    GetExitCodeProcess( pi.hProcess, &code );
    ok( code == 42, "the child saw other contents in the shared section (exit code %lu)\n", code );
    ok( shared[1] == 0x777, "the child's write shows here as %#lx\n", shared[1] );
    CloseHandle( pi.hThread );
    CloseHandle( pi.hProcess );
}

START_TEST(sharedsec)
{
    char **argv, *p;
    int argc = winetest_get_mainargs( &argv );
    HMODULE module;

    GetModuleFileNameA( NULL, dll_path, sizeof(dll_path) );
    p = strrchr( dll_path, '\\' );
    strcpy( p ? p + 1 : dll_path, "shared_dll.dll" );
    if (argc >= 3 && !strcmp( argv[2], "child" )) ExitProcess( child() );

    module = LoadLibraryA( dll_path );
    ok( module != NULL, "LoadLibrary(%s) failed, error %lu\n", dll_path, GetLastError() );
    if (!module) return;
    test_shared_section_protection( module );
    test_shared_section_second_view( module );
    test_shared_section_other_process( module );
    FreeLibrary( module );
}

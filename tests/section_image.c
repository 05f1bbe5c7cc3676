/*
 * SEC_IMAGE sections and views: NtCreateSection(SEC_IMAGE) on PE files built by MinGW
 * (x86_64 and i686), NtQuerySection, views at the preferred base and elsewhere with
 * relocations (STATUS_IMAGE_NOT_AT_BASE), per-section protections, MEM_IMAGE queries,
 * copy-on-write of image pages, MemoryImageInformation, and malformed files.
 *
 * Native rules: Wine 8.0 dlls/kernel32/tests/loader.c (test_Loader, query_image_section:
 * Type MEM_IMAGE, AllocationProtect PAGE_EXECUTE_WRITECOPY, writable sections
 * PAGE_WRITECOPY, STATUS_IMAGE_NOT_AT_BASE for a view away from the preferred base),
 * dlls/kernel32/tests/virtual.c test_NtAreMappedFilesTheSame (two views of one image file
 * are the same file), Microsoft's "PE Format" page.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util.h"
#include "image_util.h"

struct sample
{
    unsigned char *data;
    size_t size;
    HANDLE file;
};

/* the sample as a file handle (a private copy in a temporary file) */
static int open_sample( const char *name, struct sample *s )
{
    char why[256], path[] = "/tmp/ntdll-mm-image-XXXXXX";
    int fd;

    memset( s, 0, sizeof(*s) );
    if (!(s->data = load_pe_sample( name, &s->size, why, sizeof(why) )))
    {
        skip( "%s: %s\n", name, why );
        return 0;
    }
    if ((fd = mkstemp( path )) < 0 || write( fd, s->data, s->size ) != (ssize_t)s->size)
    {
        ok( 0, "cannot write %s\n", path );
        if (fd >= 0) close( fd );
        free( s->data );
        return 0;
    }
    unlink( path );
    ok( !ntdll_mm_file_handle_from_fd( fd, GENERIC_READ | GENERIC_EXECUTE, &s->file ), "file handle\n" );
    close( fd );
    return 1;
}

static void close_sample( struct sample *s )
{
    NtClose( s->file );
    free( s->data );
}

static const unsigned char *section_header( const unsigned char *data, const char *name )
{
    uint32_t nt = get32( data + 0x3c );
    unsigned int n = get16( data + nt + 6 ), opt = get16( data + nt + 20 );
    const unsigned char *table = data + nt + 24 + opt;

    for (unsigned int i = 0; i < n; i++)
        if (!strncmp( (const char *)table + 40 * i, name, 8 )) return table + 40 * i;
    return NULL;
}

static uint64_t image_base_of( const unsigned char *data, int is_64bit )
{
    uint32_t nt = get32( data + 0x3c );
    return is_64bit ? get64( data + nt + 24 + 24 ) : get32( data + nt + 24 + 28 );
}

static void check_image_view( const char *what, char *base, const unsigned char *file )
{
    static const struct { const char *name; ULONG prot; } secs[] =
    {
        { ".text", PAGE_EXECUTE_READ },
        { ".rdata", PAGE_READONLY },
        { ".data", PAGE_WRITECOPY },
    };
    MEMORY_BASIC_INFORMATION mbi;

    ok( !query( base, &mbi ), "%s: query\n", what );
    ok( mbi.Type == MEM_IMAGE, "%s: Type %#x, expected MEM_IMAGE\n", what, (unsigned int)mbi.Type );
    ok( mbi.AllocationBase == base, "%s: AllocationBase %p, expected %p\n", what, mbi.AllocationBase, base );
    ok( mbi.AllocationProtect == PAGE_EXECUTE_WRITECOPY, "%s: AllocationProtect %#x, expected PAGE_EXECUTE_WRITECOPY\n",
        what, (unsigned int)mbi.AllocationProtect );
    ok( mbi.Protect == PAGE_READONLY, "%s: headers %#x, expected PAGE_READONLY\n", what, (unsigned int)mbi.Protect );
    ok( !memcmp( base, "MZ", 2 ), "%s: no MZ at the base\n", what );
    for (unsigned int i = 0; i < ARRAY_SIZE(secs); i++)
    {
        const unsigned char *sh = section_header( file, secs[i].name );
        if (!sh)
        {
            ok( 0, "%s: no %s section in the sample\n", what, secs[i].name );
            continue;
        }
        ok( !query( base + get32( sh + 12 ), &mbi ), "%s: query %s\n", what, secs[i].name );
        ok( mbi.Protect == secs[i].prot, "%s: %s protection %#x, expected %#x\n", what, secs[i].name,
            (unsigned int)mbi.Protect, (unsigned int)secs[i].prot );
        ok( mbi.State == MEM_COMMIT && mbi.Type == MEM_IMAGE, "%s: %s state %#x type %#x\n", what, secs[i].name,
            (unsigned int)mbi.State, (unsigned int)mbi.Type );
        /* raw data copied to the RVA (a relocated view differs where fixups apply) */
        if (get32( sh + 16 ) >= 16 && strcmp( what, "relocated view" ))
            ok( !memcmp( base + get32( sh + 12 ), file + get32( sh + 20 ), 16 ), "%s: %s contents differ from the file\n",
                what, secs[i].name );
    }
}

static void image_views( const char *name, int is_64bit )
{
    struct sample s;
    SECTION_IMAGE_INFORMATION ii;
    SECTION_BASIC_INFORMATION bi;
    NTDLL_MM_MEMORY_IMAGE_INFORMATION mi;
    HANDLE section;
    void *v1 = NULL, *v2 = NULL;
    SIZE_T size1 = 0, size2 = 0;
    uint64_t pref;
    const unsigned char *data_sh;
    NTSTATUS status;

    if (!open_sample( name, &s )) return;
    pref = image_base_of( s.data, is_64bit );
    status = NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, SEC_IMAGE, s.file );
    ok( status == STATUS_SUCCESS, "%s: NtCreateSection(SEC_IMAGE) got %s\n", name, status_name( status ) );
    if (status)
    {
        close_sample( &s );
        return;
    }

    status = NtQuerySection( section, SectionBasicInformation, &bi, sizeof(bi), NULL );
    ok( !status, "%s: basic info %s\n", name, status_name( status ) );
    ok( bi.Attributes == (SEC_IMAGE | 0x800000 /* SEC_FILE */), "%s: Attributes %#x\n", name, (unsigned int)bi.Attributes );
    ok( (ULONG_PTR)bi.BaseAddress == pref, "%s: BaseAddress %p, expected %#llx\n", name, bi.BaseAddress,
        (unsigned long long)pref );
    status = NtQuerySection( section, SectionImageInformation, &ii, sizeof(ii), NULL );
    ok( !status, "%s: image info %s\n", name, status_name( status ) );
    ok( ii.Machine == (is_64bit ? IMAGE_FILE_MACHINE_AMD64 : IMAGE_FILE_MACHINE_I386), "%s: Machine %#x\n", name,
        ii.Machine );
    ok( (ULONG_PTR)ii.TransferAddress == pref + get32( s.data + get32( s.data + 0x3c ) + 24 + 16 ),
        "%s: TransferAddress %p\n", name, ii.TransferAddress );
    ok( ii.ImageFileSize == s.size, "%s: ImageFileSize %u, expected %zu\n", name, (unsigned int)ii.ImageFileSize, s.size );
    status = NtQuerySection( section, SectionImageInformation, &ii, sizeof(ii) - 1, NULL );
    ok( status == STATUS_INFO_LENGTH_MISMATCH, "%s: short image info got %s\n", name, status_name( status ) );

    /* the first view sits at the preferred base if it is free */
    status = NtMapViewOfSection( section, NtCurrentProcess(), &v1, 0, 0, NULL, &size1, ViewShare, 0, PAGE_EXECUTE_WRITECOPY );
    ok( status == STATUS_SUCCESS || status == STATUS_IMAGE_NOT_AT_BASE, "%s: map got %s\n", name, status_name( status ) );
    if (!NT_SUCCESS( status )) goto done;
    ok( status == ((ULONG_PTR)v1 == pref ? STATUS_SUCCESS : STATUS_IMAGE_NOT_AT_BASE), "%s: status %s for %p (base %#llx)\n",
        name, status_name( status ), v1, (unsigned long long)pref );
    ok( size1 == (SIZE_T)bi.Size.QuadPart, "%s: view size %#lx, expected %#llx\n", name, (unsigned long)size1,
        (unsigned long long)bi.Size.QuadPart );
    check_image_view( name, v1, s.data );
    /* the mapped headers name the base the view sits at (the preferred one here, or the new
     * one when it was taken: NT writes OptionalHeader.ImageBase when it relocates, and Wine's
     * loader relocates again only when the module is not at that base) */
    ok( image_base_of( v1, is_64bit ) == (uintptr_t)v1, "%s: header ImageBase %#llx, view at %p\n", name,
        (unsigned long long)image_base_of( v1, is_64bit ), v1 );
    status = NtQueryVirtualMemory( NtCurrentProcess(), (char *)v1 + 0x1000, MemoryImageInformation, &mi, sizeof(mi), NULL );
    ok( !status && mi.ImageBase == v1 && mi.SizeOfImage == size1, "%s: image information %s %p %#lx\n", name,
        status_name( status ), mi.ImageBase, (unsigned long)mi.SizeOfImage );

    /* the second view cannot: relocated elsewhere */
    status = NtMapViewOfSection( section, NtCurrentProcess(), &v2, 0, 0, NULL, &size2, ViewShare, 0, PAGE_EXECUTE_WRITECOPY );
    ok( status == STATUS_IMAGE_NOT_AT_BASE, "%s: second view got %s, expected STATUS_IMAGE_NOT_AT_BASE\n", name,
        status_name( status ) );
    if (NT_SUCCESS( status ))
    {
        const unsigned char *rdata_sh = section_header( s.data, ".rdata" );
        int64_t delta = (char *)v2 - (char *)(uintptr_t)pref;

        ok( v2 != v1, "%s: same address twice\n", name );
        if (!is_64bit) ok( (ULONG_PTR)v2 + size2 <= 0x80000000, "%s: 32-bit image at %p, above 2 GiB\n", name, v2 );
        check_image_view( "relocated view", v2, s.data );
        /* a relocated view's headers carry its new base (NT's relocation rewrites ImageBase) */
        ok( image_base_of( v2, is_64bit ) == (uintptr_t)v2, "%s: relocated header ImageBase %#llx, view at %p\n",
            name, (unsigned long long)image_base_of( v2, is_64bit ), v2 );
        ok( image_base_of( v1, is_64bit ) == (uintptr_t)v1, "%s: first view's ImageBase changed to %#llx\n", name,
            (unsigned long long)image_base_of( v1, is_64bit ) );
        /* pe_sample_pointers[0] points at the start of .rdata: find it in .data and check it moved */
        data_sh = section_header( s.data, ".data" );
        if (data_sh && rdata_sh)
        {
            uint64_t want = pref + get32( rdata_sh + 12 ) + delta, found = 0;
            const unsigned char *d = (const unsigned char *)v2 + get32( data_sh + 12 );
            for (uint32_t off = 0; off + 8 <= get32( data_sh + 8 ) && !found; off += is_64bit ? 8 : 4)
            {
                uint64_t v = is_64bit ? get64( d + off ) : get32( d + off );
                if (v >= (uint64_t)(uintptr_t)v2 && v < (uint64_t)(uintptr_t)v2 + size2) found = v;
            }
            ok( found != 0, "%s: no relocated pointer into the view in .data\n", name );
            ok( !found || found >= want, "%s: relocated pointer %#llx below .rdata %#llx\n", name,
                (unsigned long long)found, (unsigned long long)want );
        }
        /* both views are the same file; a write to one view's data page stays private */
        ok( NtAreMappedFilesTheSame( v1, v2 ) == STATUS_SUCCESS, "%s: views not the same file\n", name );
        if (data_sh)
        {
            char *p2 = (char *)v2 + get32( data_sh + 12 ), *p1 = (char *)v1 + get32( data_sh + 12 );
            MEMORY_BASIC_INFORMATION mbi;
            char before = *p1;

            *p2 = (char)(before + 1);
            ok( *p1 == before, "%s: a write to one image view reached the other\n", name );
            ok( !query( p2, &mbi ) && mbi.Protect == PAGE_READWRITE, "%s: written image page %#x, expected PAGE_READWRITE\n",
                name, (unsigned int)mbi.Protect );
            ok( !query( p1, &mbi ) && mbi.Protect == PAGE_WRITECOPY, "%s: untouched image page %#x, expected PAGE_WRITECOPY\n",
                name, (unsigned int)mbi.Protect );
        }
        ok( NtUnmapViewOfSection( NtCurrentProcess(), v2 ) == STATUS_SUCCESS, "%s: unmap second\n", name );
    }
    ok( NtUnmapViewOfSection( NtCurrentProcess(), (char *)v1 + 0x1000 ) == STATUS_SUCCESS, "%s: unmap by an inner address\n",
        name );
done:
    NtClose( section );
    close_sample( &s );
}

TEST(NtMapViewOfSection_sec_image_x86_64_dll)
{
    image_views( "pe_sample64.dll", 1 );
}

TEST(NtMapViewOfSection_sec_image_x86_64_exe)
{
    image_views( "pe_sample64.exe", 1 );
}

TEST(NtMapViewOfSection_sec_image_i686_dll)
{
    image_views( "pe_sample32.dll", 0 );
}

TEST(NtMapViewOfSection_sec_image_i686_exe)
{
    image_views( "pe_sample32.exe", 0 );
}

/* loader.c test_Loader: files that are not PE images are refused at NtCreateSection */
TEST(NtCreateSection_sec_image_rejects_malformed_files)
{
    static const struct { const char *what; const char *data; size_t len; NTSTATUS expect; } cases[] =
    {
        { "text file", "hello, world, this is not a PE file at all......................", 64, STATUS_INVALID_IMAGE_NOT_MZ },
        { "MZ only", "MZ", 2, STATUS_INVALID_IMAGE_PROTECT },
    };
    char path[] = "/tmp/ntdll-mm-badimage-XXXXXX";

    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
    {
        HANDLE file, section = 0;
        NTSTATUS status;
        int fd = mkstemp( path );

        if (fd < 0 || write( fd, cases[i].data, cases[i].len ) != (ssize_t)cases[i].len)
        {
            ok( 0, "cannot write a test file\n" );
            if (fd >= 0) close( fd );
            return;
        }
        unlink( path );
        strcpy( path + strlen( path ) - 6, "XXXXXX" );
        ok( !ntdll_mm_file_handle_from_fd( fd, GENERIC_READ | GENERIC_EXECUTE, &file ), "file handle\n" );
        close( fd );
        status = NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, SEC_IMAGE, file );
        ok( status == cases[i].expect, "%s: got %s, expected %s\n", cases[i].what, status_name( status ),
            status_name( cases[i].expect ) );
        ok( !section, "%s: handle %p returned\n", cases[i].what, section );
        if (!status) NtClose( section );
        NtClose( file );
    }
}

/* a hand-made image whose preferred base is taken and whose relocations were stripped cannot
 * be mapped anywhere else */
TEST(NtMapViewOfSection_sec_image_without_relocations_needs_its_base)
{
    struct test_pe pe;
    char path[] = "/tmp/ntdll-mm-norelocs-XXXXXX";
    HANDLE file, section;
    void *v1 = NULL, *v2 = NULL;
    SIZE_T size1 = 0, size2 = 0;
    NTSTATUS status;
    int fd;

    build_pe( &pe, 1, 2, 0, 0 );
    /* FileHeader.Characteristics |= IMAGE_FILE_RELOCS_STRIPPED; no DYNAMIC_BASE */
    put16( pe.data + PE_LFANEW + 22, get16( pe.data + PE_LFANEW + 22 ) | IMAGE_FILE_RELOCS_STRIPPED );
    put16( pe.data + pe_opt_field( &pe, 70 ), 0 );
    if ((fd = mkstemp( path )) < 0 || write( fd, pe.data, pe.size ) != (ssize_t)pe.size)
    {
        ok( 0, "cannot write %s\n", path );
        free_pe( &pe );
        return;
    }
    unlink( path );
    ok( !ntdll_mm_file_handle_from_fd( fd, GENERIC_READ | GENERIC_EXECUTE, &file ), "file handle\n" );
    close( fd );
    status = NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, SEC_IMAGE, file );
    ok( status == STATUS_SUCCESS, "create got %s\n", status_name( status ) );
    if (!status)
    {
        status = NtMapViewOfSection( section, NtCurrentProcess(), &v1, 0, 0, NULL, &size1, ViewShare, 0, PAGE_EXECUTE_WRITECOPY );
        ok( status == STATUS_SUCCESS && (ULONG_PTR)v1 == PE_IMAGE_BASE, "first view got %s at %p\n", status_name( status ), v1 );
        status = NtMapViewOfSection( section, NtCurrentProcess(), &v2, 0, 0, NULL, &size2, ViewShare, 0, PAGE_EXECUTE_WRITECOPY );
        ok( status == STATUS_CONFLICTING_ADDRESSES, "second view got %s, expected STATUS_CONFLICTING_ADDRESSES\n",
            status_name( status ) );
        if (NT_SUCCESS( status )) NtUnmapViewOfSection( NtCurrentProcess(), v2 );
        if (v1) NtUnmapViewOfSection( NtCurrentProcess(), v1 );
        NtClose( section );
    }
    NtClose( file );
    free_pe( &pe );
}

/* MemoryImageInformation is for image views only */
TEST(NtQueryVirtualMemory_image_information_of_other_memory_fails)
{
    NTDLL_MM_MEMORY_IMAGE_INFORMATION mi;
    char *base = alloc_or_fail( 0x1000, MEM_COMMIT, PAGE_READWRITE );
    NTSTATUS status;
    SIZE_T len = 0;

    if (!base) return;
    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryImageInformation, &mi, sizeof(mi), NULL );
    ok( status == STATUS_INVALID_ADDRESS, "private memory: got %s, expected STATUS_INVALID_ADDRESS\n", status_name( status ) );
    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryImageInformation, &mi, sizeof(mi) - 1, &len );
    ok( status == STATUS_INFO_LENGTH_MISMATCH, "short buffer: got %s\n", status_name( status ) );
    release( base );
}

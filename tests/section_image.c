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
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
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

/* OptionalHeader.SizeOfImage rounded up to pages: an image view's size */
static SIZE_T image_size_of( const unsigned char *data )
{
    return (get32( data + get32( data + 0x3c ) + 24 + 56 ) + 0xfff) & ~(SIZE_T)0xfff;
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
    /* no base address and the size of the file, images included (kernel32 loader.c
     * test_image_mapping / query_image_section, which pass on Windows) */
    ok( !bi.BaseAddress, "%s: BaseAddress %p\n", name, bi.BaseAddress );
    ok( bi.Size.QuadPart == (LONGLONG)s.size, "%s: Size %#llx, expected the file size %#zx\n", name,
        (unsigned long long)bi.Size.QuadPart, s.size );
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
    ok( size1 == image_size_of( s.data ), "%s: view size %#lx, expected SizeOfImage %#lx\n", name,
        (unsigned long)size1, (unsigned long)image_size_of( s.data ) );
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
        int64_t delta = (char *)v1 - (char *)(uintptr_t)pref;

        ok( v2 != v1, "%s: same address twice\n", name );
        if (!is_64bit) ok( (ULONG_PTR)v2 + size2 <= 0x80000000, "%s: 32-bit image at %p, above 2 GiB\n", name, v2 );
        check_image_view( "relocated view", v2, s.data );
        /* NT relocates an image once, for where it belongs (the first view here): a view elsewhere
         * holds the same bytes, headers included, and its loader relocates them by v2 - v1 (Wine's
         * ntdll test_syscalls finds a second view's first page identical to the loaded module's) */
        ok( image_base_of( v2, is_64bit ) == (uintptr_t)v1, "%s: second view's header ImageBase %#llx, expected %p\n",
            name, (unsigned long long)image_base_of( v2, is_64bit ), v1 );
        ok( image_base_of( v1, is_64bit ) == (uintptr_t)v1, "%s: first view's ImageBase changed to %#llx\n", name,
            (unsigned long long)image_base_of( v1, is_64bit ) );
        /* pe_sample_pointers[0] points at the start of .rdata: find it in .data, pointing into the
         * first view */
        data_sh = section_header( s.data, ".data" );
        if (data_sh && rdata_sh)
        {
            uint64_t want = pref + get32( rdata_sh + 12 ) + delta, found = 0;
            const unsigned char *d = (const unsigned char *)v2 + get32( data_sh + 12 );
            for (uint32_t off = 0; off + 8 <= get32( data_sh + 8 ) && !found; off += is_64bit ? 8 : 4)
            {
                uint64_t v = is_64bit ? get64( d + off ) : get32( d + off );
                if (v >= (uint64_t)(uintptr_t)v1 && v < (uint64_t)(uintptr_t)v1 + size1) found = v;
            }
            ok( found != 0, "%s: no pointer into the first view in the second's .data\n", name );
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

/* a hand-made image file (build_pe) with these FileHeader.Characteristics and DllCharacteristics,
 * as a SEC_IMAGE section; NULL after a reported failure */
static HANDLE image_section( struct test_pe *pe )
{
    char path[] = "/tmp/ntdll-mm-image-XXXXXX";
    HANDLE file, section = NULL;
    NTSTATUS status;
    int fd;

    if ((fd = mkstemp( path )) < 0 || write( fd, pe->data, pe->size ) != (ssize_t)pe->size)
    {
        ok( 0, "cannot write %s\n", path );
        if (fd >= 0) close( fd );
        return NULL;
    }
    unlink( path );
    ok( !ntdll_mm_file_handle_from_fd( fd, GENERIC_READ | GENERIC_EXECUTE, &file ), "file handle\n" );
    close( fd );
    status = NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, SEC_IMAGE, file );
    ok( status == STATUS_SUCCESS, "create got %s\n", status_name( status ) );
    NtClose( file );
    return status ? NULL : section;
}

/* kernel32 loader.c test_image_mapping (passes on Windows, for a DLL and an EXE whose
 * relocations were stripped): a second view of the image, whose preferred base the first one
 * holds, is still mapped elsewhere, STATUS_IMAGE_NOT_AT_BASE, with the image's layout and
 * protections.  Nothing is relocated (there is nothing to apply) and the headers keep the
 * preferred base: the PE loader refuses a stripped DLL there (LoadLibrary fails with
 * ERROR_INVALID_ADDRESS), which Wine's loader decides from OptionalHeader.ImageBase. */
TEST(NtMapViewOfSection_sec_image_without_relocations_maps_elsewhere_unrelocated)
{
    static const struct { const char *what; uint16_t chars; } tests[] =
    {
        { "dll", IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL | IMAGE_FILE_RELOCS_STRIPPED },
        { "exe", IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_RELOCS_STRIPPED },
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
    {
        struct test_pe pe;
        HANDLE section;
        void *v1 = NULL, *v2 = NULL;
        SIZE_T size1 = 0, size2 = 0;
        MEMORY_BASIC_INFORMATION mbi;
        NTSTATUS status;

        build_pe( &pe, 1, 2, 0, 0 );
        put16( pe.data + PE_LFANEW + FH_CHARS, tests[i].chars );
        put16( pe.data + pe_opt_field( &pe, OPT_DLL_CHARS ), 0 );   /* no DYNAMIC_BASE */
        if (!(section = image_section( &pe )))
        {
            free_pe( &pe );
            continue;
        }
        status = NtMapViewOfSection( section, NtCurrentProcess(), &v1, 0, 0, NULL, &size1, ViewShare, 0, PAGE_READONLY );
        ok( status == STATUS_SUCCESS && (ULONG_PTR)v1 == PE_IMAGE_BASE, "%s: first view got %s at %p\n", tests[i].what,
            status_name( status ), v1 );
        status = NtMapViewOfSection( section, NtCurrentProcess(), &v2, 0, 0, NULL, &size2, ViewShare, 0, PAGE_READONLY );
        ok( status == STATUS_IMAGE_NOT_AT_BASE, "%s: second view got %s, expected STATUS_IMAGE_NOT_AT_BASE\n",
            tests[i].what, status_name( status ) );
        if (NT_SUCCESS( status ))
        {
            ok( v2 && v2 != v1 && size2 == size1, "%s: second view %p size %#lx\n", tests[i].what, v2, (unsigned long)size2 );
            ok( get64( (unsigned char *)v2 + pe_opt_field( &pe, OPT_IMAGE_BASE ) ) == PE_IMAGE_BASE,
                "%s: header ImageBase %#llx, expected the preferred base\n", tests[i].what,
                (unsigned long long)get64( (unsigned char *)v2 + pe_opt_field( &pe, OPT_IMAGE_BASE ) ) );
            ok( !memcmp( v1, v2, size1 ), "%s: the views differ\n", tests[i].what );
            ok( !query( (char *)v2 + 0x1000, &mbi ), "%s: query\n", tests[i].what );
            ok( mbi.AllocationBase == v2 && mbi.AllocationProtect == PAGE_EXECUTE_WRITECOPY && mbi.Type == MEM_IMAGE &&
                mbi.State == MEM_COMMIT && mbi.Protect == PAGE_EXECUTE_READ && mbi.RegionSize == 0x1000,
                "%s: .text %p %#x %#x %#x %#x %#lx\n", tests[i].what, mbi.AllocationBase,
                (unsigned int)mbi.AllocationProtect, (unsigned int)mbi.Type, (unsigned int)mbi.State,
                (unsigned int)mbi.Protect, (unsigned long)mbi.RegionSize );
            check_invariants();
            ok( NtUnmapViewOfSection( NtCurrentProcess(), v2 ) == STATUS_SUCCESS, "%s: unmap second\n", tests[i].what );
        }
        if (v1) NtUnmapViewOfSection( NtCurrentProcess(), v1 );
        NtClose( section );
        free_pe( &pe );
    }
}

/* kernel32 loader.c test_import_resolution, "map with ntdll" (Wine 10.0's test, which passes on
 * Windows), with the image's preferred base taken: a DYNAMIC_BASE image is mapped elsewhere,
 * relocated there (its headers name the new base) and STATUS_SUCCESS: that is where the image
 * belongs now, NT's relocated base; another view at the same time cannot be there,
 * STATUS_IMAGE_NOT_AT_BASE, holding the same bytes (its loader relocates them), and once the
 * first is gone a new one is at home again.  Without
 * DYNAMIC_BASE the image is mapped elsewhere as it is, STATUS_IMAGE_NOT_AT_BASE, its pointers and
 * headers still for the preferred base: relocating it is the PE loader's job. */
TEST(NtMapViewOfSection_sec_image_relocated_only_with_dynamic_base)
{
    const uint64_t target = PE_IMAGE_BASE + 0x1000;   /* what the relocated pointer holds */

    for (int dynamic = 1; dynamic >= 0; dynamic--)
    {
        const char *what = dynamic ? "DYNAMIC_BASE" : "no DYNAMIC_BASE";
        const uint16_t entry = (IMAGE_REL_BASED_DIR64 << 12) | 0x10;
        void *taken = (void *)(uintptr_t)PE_IMAGE_BASE, *v1 = NULL, *v2 = NULL, *v3 = NULL;
        SIZE_T taken_size = 0x10000, size = 0;
        struct test_pe pe;
        HANDLE section;
        NTSTATUS status;

        build_pe( &pe, 1, 2, 1, 0 );
        put64( pe.data + get32( pe.data + pe_sec( &pe, 0 ) + SEC_PTR ) + 0x10, target );
        pe_set_relocs( &pe, 0x1000, &entry, 1 );
        if (!dynamic) put16( pe.data + pe_opt_field( &pe, OPT_DLL_CHARS ), IMAGE_DLLCHARACTERISTICS_NX_COMPAT );
        if (!(section = image_section( &pe )))
        {
            free_pe( &pe );
            continue;
        }
        status = NtAllocateVirtualMemory( NtCurrentProcess(), &taken, 0, &taken_size, MEM_RESERVE, PAGE_NOACCESS );
        ok( !status && taken == (void *)(uintptr_t)PE_IMAGE_BASE, "%s: reserving the preferred base: %s\n", what,
            status_name( status ) );

        status = NtMapViewOfSection( section, NtCurrentProcess(), &v1, 0, 0, NULL, &size, ViewShare, 0, PAGE_READONLY );
        ok( status == (dynamic ? STATUS_SUCCESS : STATUS_IMAGE_NOT_AT_BASE), "%s: first view got %s at %p\n", what,
            status_name( status ), v1 );
        if (NT_SUCCESS( status ))
        {
            uint64_t delta = dynamic ? (uintptr_t)v1 - PE_IMAGE_BASE : 0;

            ok( v1 != taken, "%s: view at the taken base\n", what );
            ok( get64( (unsigned char *)v1 + 0x1010 ) == target + delta, "%s: pointer %#llx, expected %#llx\n", what,
                (unsigned long long)get64( (unsigned char *)v1 + 0x1010 ), (unsigned long long)(target + delta) );
            ok( get64( (unsigned char *)v1 + pe_opt_field( &pe, OPT_IMAGE_BASE ) ) == PE_IMAGE_BASE + delta,
                "%s: header ImageBase %#llx\n", what,
                (unsigned long long)get64( (unsigned char *)v1 + pe_opt_field( &pe, OPT_IMAGE_BASE ) ) );
            size = 0;
            status = NtMapViewOfSection( section, NtCurrentProcess(), &v2, 0, 0, NULL, &size, ViewShare, 0,
                                         PAGE_READONLY );
            ok( status == STATUS_IMAGE_NOT_AT_BASE && v2 != v1, "%s: second view got %s at %p\n", what,
                status_name( status ), v2 );
            if (NT_SUCCESS( status ))
            {
                /* the same bytes as the first view: relocated for where the image belongs */
                ok( get64( (unsigned char *)v2 + 0x1010 ) == target + delta, "%s: second view's pointer %#llx\n",
                    what, (unsigned long long)get64( (unsigned char *)v2 + 0x1010 ) );
                ok( !memcmp( v1, v2, 0x1000 ), "%s: headers differ\n", what );
                NtUnmapViewOfSection( NtCurrentProcess(), v2 );
            }
            NtUnmapViewOfSection( NtCurrentProcess(), v1 );
            if (dynamic)
            {
                size = 0;
                status = NtMapViewOfSection( section, NtCurrentProcess(), &v3, 0, 0, NULL, &size, ViewShare, 0,
                                             PAGE_READONLY );
                ok( status == STATUS_SUCCESS && v3 == v1, "%s: a later view got %s at %p, expected %p\n", what,
                    status_name( status ), v3, v1 );
                if (NT_SUCCESS( status )) NtUnmapViewOfSection( NtCurrentProcess(), v3 );
            }
        }
        check_invariants();
        taken_size = 0;
        NtFreeVirtualMemory( NtCurrentProcess(), &taken, &taken_size, MEM_RELEASE );
        NtClose( section );
        free_pe( &pe );
    }
}

/* MemExtendedParameterImageMachine (Wine 10.0's ntdll test_NtMapViewOfSectionEx and wow64.c
 * test_image_mappings, which pass on Windows): the image's own machine maps it, and an i386 image
 * in this 64-bit process then says STATUS_IMAGE_MACHINE_TYPE_MISMATCH; any other machine is
 * STATUS_NOT_SUPPORTED, nothing mapped. */
TEST(NtMapViewOfSectionEx_image_machine)
{
    static const struct { int is_64bit; USHORT machine; NTSTATUS expect; } tests[] =
    {
        { 1, IMAGE_FILE_MACHINE_AMD64, STATUS_SUCCESS },
        { 1, 0, STATUS_SUCCESS },
        { 1, IMAGE_FILE_MACHINE_I386, STATUS_NOT_SUPPORTED },
        { 1, 0x162 /* IMAGE_FILE_MACHINE_R3000 */, STATUS_NOT_SUPPORTED },
        { 0, IMAGE_FILE_MACHINE_I386, STATUS_IMAGE_MACHINE_TYPE_MISMATCH },
        { 0, IMAGE_FILE_MACHINE_AMD64, STATUS_NOT_SUPPORTED },
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
    {
        MEM_EXTENDED_PARAMETER ext;
        struct test_pe pe;
        HANDLE section;
        void *base = NULL;
        SIZE_T size = 0;
        NTSTATUS status;

        build_pe( &pe, tests[i].is_64bit, 1, 0, 0 );
        if (!(section = image_section( &pe )))
        {
            free_pe( &pe );
            continue;
        }
        memset( &ext, 0, sizeof(ext) );
        ext.Type = 6 /* MemExtendedParameterImageMachine (Windows SDK) */;
        ext.ULong = tests[i].machine;
        status = NtMapViewOfSectionEx( section, NtCurrentProcess(), &base, NULL, &size, 0, PAGE_READONLY, &ext, 1 );
        ok( status == tests[i].expect, "%u: got %s, expected %s\n", i, status_name( status ),
            status_name( tests[i].expect ) );
        ok( NT_SUCCESS( status ) ? base != NULL : !base, "%u: base %p\n", i, base );
        if (NT_SUCCESS( status )) NtUnmapViewOfSection( NtCurrentProcess(), base );
        NtClose( section );
        free_pe( &pe );
    }
    check_invariants();
}

/* kernel32 loader.c test_VirtualProtect (passes on Windows): an image page takes every single
 * protection; a writable one becomes copy-on-write (PAGE_READWRITE gives PAGE_WRITECOPY,
 * PAGE_EXECUTE_READWRITE gives PAGE_EXECUTE_WRITECOPY), as the query and the next old protection
 * say; combinations of base protections are refused.  Writing a PAGE_WRITECOPY image page makes
 * it PAGE_READWRITE (loader.c test_Loader's scn_page_access_after_write) and never reaches the
 * file. */
TEST(NtProtectVirtualMemory_image_pages_copy_on_write)
{
    static const struct { ULONG set, get; } tests[] =
    {
        { PAGE_NOACCESS, PAGE_NOACCESS },
        { PAGE_READONLY, PAGE_READONLY },
        { PAGE_READWRITE, PAGE_WRITECOPY },
        { PAGE_WRITECOPY, PAGE_WRITECOPY },
        { PAGE_EXECUTE, PAGE_EXECUTE },
        { PAGE_EXECUTE_READ, PAGE_EXECUTE_READ },
        { PAGE_EXECUTE_READWRITE, PAGE_EXECUTE_WRITECOPY },
        { PAGE_EXECUTE_WRITECOPY, PAGE_EXECUTE_WRITECOPY },
        { PAGE_READWRITE | PAGE_READONLY, 0 },
        { PAGE_WRITECOPY | PAGE_READWRITE, 0 },
        { PAGE_EXECUTE_READWRITE | PAGE_EXECUTE, 0 },
        { PAGE_EXECUTE_WRITECOPY | PAGE_EXECUTE_READWRITE, 0 },
        { PAGE_READWRITE | PAGE_GUARD, PAGE_WRITECOPY | PAGE_GUARD },
    };
    struct test_pe pe;
    HANDLE section;
    char *view = NULL, *page;
    SIZE_T size = 0;
    MEMORY_BASIC_INFORMATION mbi;
    ULONG old;
    NTSTATUS status;

    build_pe( &pe, 1, 2, 0, 0 );   /* section 1, the last page, is writable data */
    if (!(section = image_section( &pe )))
    {
        free_pe( &pe );
        return;
    }
    status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&view, 0, 0, NULL, &size, ViewShare, 0,
                                 PAGE_READONLY );
    ok( NT_SUCCESS( status ), "map got %s\n", status_name( status ) );
    if (!NT_SUCCESS( status )) goto done;
    page = view + 0x2000;   /* section 1, writable data: PAGE_WRITECOPY */
    ok( nt_protect( page, 0x1000, PAGE_NOACCESS, &old ) == STATUS_SUCCESS && old == PAGE_WRITECOPY,
        "first protect: old %#x\n", (unsigned int)old );
    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
    {
        old = 0xdeadbeef;
        status = nt_protect( page, 0x1000, tests[i].set, &old );
        if (!tests[i].get)
        {
            ok( status == STATUS_INVALID_PAGE_PROTECTION, "%#x: got %s, expected STATUS_INVALID_PAGE_PROTECTION\n",
                (unsigned int)tests[i].set, status_name( status ) );
            continue;
        }
        ok( status == STATUS_SUCCESS && old == PAGE_NOACCESS, "%#x: got %s, old %#x\n", (unsigned int)tests[i].set,
            status_name( status ), (unsigned int)old );
        ok( !query( page, &mbi ) && mbi.Protect == tests[i].get && mbi.RegionSize == 0x1000 &&
            mbi.AllocationProtect == PAGE_EXECUTE_WRITECOPY && mbi.Type == MEM_IMAGE,
            "%#x: query %#x size %#lx, expected %#x\n", (unsigned int)tests[i].set, (unsigned int)mbi.Protect,
            (unsigned long)mbi.RegionSize, (unsigned int)tests[i].get );
        check_kernel_prot( page, tests[i].get );
        old = 0xdeadbeef;
        status = nt_protect( page, 0x1000, PAGE_NOACCESS, &old );
        ok( status == STATUS_SUCCESS && old == tests[i].get, "%#x: back to PAGE_NOACCESS got %s, old %#x, expected %#x\n",
            (unsigned int)tests[i].set, status_name( status ), (unsigned int)old, (unsigned int)tests[i].get );
    }
    /* written: the private copy is PAGE_READWRITE, the file keeps its bytes */
    ok( nt_protect( page, 0x1000, PAGE_READWRITE, &old ) == STATUS_SUCCESS, "protect for the write\n" );
    page[0] = (char)(page[0] + 1);
    ok( !query( page, &mbi ) && mbi.Protect == PAGE_READWRITE, "written page %#x, expected PAGE_READWRITE\n",
        (unsigned int)mbi.Protect );
    ok( nt_protect( page, 0x1000, PAGE_READONLY, &old ) == STATUS_SUCCESS && old == PAGE_READWRITE,
        "old protection of the written page %#x\n", (unsigned int)old );
    check_invariants();
    ok( NtUnmapViewOfSection( NtCurrentProcess(), view ) == STATUS_SUCCESS, "unmap\n" );
done:
    NtClose( section );
    free_pe( &pe );
}

/* A writable section marked IMAGE_SCN_MEM_SHARED (MSVC's #pragma section(..., shared), GCC's
 * "shared" attribute on Windows: "shared among all running copies of an executable or DLL") is
 * one set of pages for every view of the image: PAGE_READWRITE, not copy-on-write (kernel32
 * loader.c test_section_access, which passes on Windows, for the protection); a write through
 * one view shows in the others, the ordinary writable section next to it stays private per
 * view, and the kernel maps the shared pages shared (invariant checker). */
TEST(NtMapViewOfSection_sec_image_shared_section_is_common_to_views)
{
    struct test_pe pe;
    HANDLE section;
    char *v1 = NULL, *v2 = NULL, *v3 = NULL;
    SIZE_T size1 = 0, size2 = 0, size3 = 0;
    MEMORY_BASIC_INFORMATION mbi;
    uint32_t shared_rva, private_rva;
    ULONG old;
    NTSTATUS status;

    build_pe( &pe, 1, 3, 1, 0 );   /* .text, .data1 (made shared), .data2, .reloc */
    put32( pe.data + pe_sec( &pe, 1 ) + SEC_CHARS, get32( pe.data + pe_sec( &pe, 1 ) + SEC_CHARS ) | IMAGE_SCN_MEM_SHARED );
    shared_rva = get32( pe.data + pe_sec( &pe, 1 ) + SEC_VA );
    private_rva = get32( pe.data + pe_sec( &pe, 2 ) + SEC_VA );
    if (!(section = image_section( &pe )))
    {
        free_pe( &pe );
        return;
    }
    status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&v1, 0, 0, NULL, &size1, ViewShare, 0,
                                 PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "first view got %s\n", status_name( status ) );
    status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&v2, 0, 0, NULL, &size2, ViewShare, 0,
                                 PAGE_READONLY );
    ok( status == STATUS_IMAGE_NOT_AT_BASE, "second view got %s\n", status_name( status ) );
    if (!v1 || !v2) goto done;

    ok( !query( v1 + shared_rva, &mbi ) && mbi.Protect == PAGE_READWRITE && mbi.RegionSize == 0x1000 &&
        mbi.Type == MEM_IMAGE, "shared section: protect %#x size %#lx, expected PAGE_READWRITE 0x1000\n",
        (unsigned int)mbi.Protect, (unsigned long)mbi.RegionSize );
    ok( !query( v1 + private_rva, &mbi ) && mbi.Protect == PAGE_WRITECOPY,
        "ordinary writable section: protect %#x, expected PAGE_WRITECOPY\n", (unsigned int)mbi.Protect );
    check_kernel_prot( v1 + shared_rva, PAGE_READWRITE );
    ok( v1[shared_rva] == 0x22 && v2[shared_rva] == 0x22, "file contents %#x %#x, expected 0x22\n",
        (unsigned char)v1[shared_rva], (unsigned char)v2[shared_rva] );

    v1[shared_rva] = 0x5a;
    v2[shared_rva + 1] = 0x5b;
    v1[private_rva] = 0x5c;
    ok( v2[shared_rva] == 0x5a && v1[shared_rva + 1] == 0x5b, "shared section: views read %#x %#x, expected 0x5a 0x5b\n",
        (unsigned char)v2[shared_rva], (unsigned char)v1[shared_rva + 1] );
    ok( v2[private_rva] == 0x33, "ordinary section: the other view reads %#x, expected its own 0x33\n",
        (unsigned char)v2[private_rva] );
    ok( !query( v1 + shared_rva, &mbi ) && mbi.Protect == PAGE_READWRITE, "written shared page: protect %#x\n",
        (unsigned int)mbi.Protect );
    ok( !query( v1 + private_rva, &mbi ) && mbi.Protect == PAGE_READWRITE, "written private page: protect %#x\n",
        (unsigned int)mbi.Protect );
    check_invariants();

    /* taken away and given back, the writable protection is the shared one again */
    ok( nt_protect( v1 + shared_rva, 0x1000, PAGE_READONLY, &old ) == STATUS_SUCCESS && old == PAGE_READWRITE,
        "protect read-only: old %#x\n", (unsigned int)old );
    ok( nt_protect( v1 + shared_rva, 0x1000, PAGE_READWRITE, &old ) == STATUS_SUCCESS && old == PAGE_READONLY,
        "protect read/write: old %#x\n", (unsigned int)old );
    ok( !query( v1 + shared_rva, &mbi ) && mbi.Protect == PAGE_READWRITE, "after re-protection: %#x\n",
        (unsigned int)mbi.Protect );
    v1[shared_rva + 2] = 0x5d;
    ok( v2[shared_rva + 2] == 0x5d, "write after re-protection reads %#x in the other view\n",
        (unsigned char)v2[shared_rva + 2] );
    check_invariants();

    /* the pages outlive the views while the section lives */
    ok( NtUnmapViewOfSection( NtCurrentProcess(), v1 ) == STATUS_SUCCESS, "unmap first\n" );
    ok( NtUnmapViewOfSection( NtCurrentProcess(), v2 ) == STATUS_SUCCESS, "unmap second\n" );
    v1 = v2 = NULL;
    status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&v3, 0, 0, NULL, &size3, ViewShare, 0,
                                 PAGE_READONLY );
    ok( NT_SUCCESS( status ), "third view got %s\n", status_name( status ) );
    if (v3)
    {
        ok( v3[shared_rva] == 0x5a && v3[shared_rva + 2] == 0x5d && v3[private_rva] == 0x33,
            "third view reads %#x %#x %#x, expected 0x5a 0x5d 0x33\n", (unsigned char)v3[shared_rva],
            (unsigned char)v3[shared_rva + 2], (unsigned char)v3[private_rva] );
        NtUnmapViewOfSection( NtCurrentProcess(), v3 );
    }
    check_invariants();
done:
    if (v1) NtUnmapViewOfSection( NtCurrentProcess(), v1 );
    if (v2) NtUnmapViewOfSection( NtCurrentProcess(), v2 );
    NtClose( section );
    free_pe( &pe );
}

/* Wine's ntdll test_query_image_information (Wine 10.0's, which passes on Windows): outside
 * image views MemoryImageInformation succeeds with everything 0 for allocated memory, reserved
 * or committed, and is STATUS_INVALID_ADDRESS for free memory; a short buffer is
 * STATUS_INFO_LENGTH_MISMATCH and a longer one is fine, the length written only on success. */
TEST(NtQueryVirtualMemory_image_information_of_other_memory)
{
    NTDLL_MM_MEMORY_IMAGE_INFORMATION mi;
    char *base = alloc_or_fail( 0x10000, MEM_RESERVE, PAGE_READWRITE );
    NTSTATUS status;
    SIZE_T len;

    if (!base) return;
    for (int commit = 0; commit < 2; commit++)
    {
        if (commit)
        {
            void *p = base;
            SIZE_T size = 0x1000;
            ok( !nt_alloc( &p, &size, MEM_COMMIT, PAGE_READWRITE ), "commit failed\n" );
        }
        memset( &mi, 0xcc, sizeof(mi) );
        len = 0xdead;
        status = NtQueryVirtualMemory( NtCurrentProcess(), base + 0x234, MemoryImageInformation, &mi, sizeof(mi), &len );
        ok( status == STATUS_SUCCESS && len == sizeof(mi), "%s: got %s, length %#lx\n", commit ? "committed" : "reserved",
            status_name( status ), (unsigned long)len );
        ok( !mi.ImageBase && !mi.SizeOfImage && !mi.ImageFlags, "%s: %p %#lx %#x\n", commit ? "committed" : "reserved",
            mi.ImageBase, (unsigned long)mi.SizeOfImage, (unsigned int)mi.ImageFlags );
    }
    len = 0xdead;
    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryImageInformation, &mi, sizeof(mi) + 2, &len );
    ok( status == STATUS_SUCCESS && len == sizeof(mi), "longer buffer: got %s, length %#lx\n", status_name( status ),
        (unsigned long)len );
    len = 0xdead;
    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryImageInformation, &mi, sizeof(mi) - 1, &len );
    ok( status == STATUS_INFO_LENGTH_MISMATCH && len == 0xdead, "short buffer: got %s, length %#lx\n",
        status_name( status ), (unsigned long)len );
    release( base );
    len = 0xdead;
    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryImageInformation, &mi, sizeof(mi), &len );
    ok( status == STATUS_INVALID_ADDRESS && len == 0xdead, "free memory: got %s, length %#lx\n",
        status_name( status ), (unsigned long)len );
}

/* ---- page-aligned file data is mapped from the file ----
 *
 * A section whose raw data starts on a page of the file (FileAlignment 0x1000, as Wine's own
 * PE modules have) is mapped from the file itself, copy-on-write, as Wine's virtual.c does;
 * the headers, a section's last partial page and data at 512-byte offsets come from the
 * laid-out copy.  What a program sees must not change: NT's layout (zero after the raw data,
 * whatever the file holds there), PAGE_WRITECOPY until written, writes private to the view,
 * relocations in a view away from the preferred base. */

#define AL_FILE_SIZE 0x4600u

static unsigned char al_byte( uint32_t offset )
{
    return (unsigned char)(offset * 13 + 7);
}

/* .text   rva 0x1000 vsize 0x1000, file 0x1000 + 0x1000: all from the file
 * .data1  rva 0x2000 vsize 0x2000, file 0x2000 + 0x1200: a page from the file, 0x200 copied,
 *         the rest zero (the file holds 0xee there)
 * .data2  rva 0x4000 vsize 0x800,  file 0x4200 + 0x200: copied (not on a page of the file)
 * .reloc  rva 0x5000, file 0x4400 + 0x200: one DIR64 fixup at .text + 0x10 */
static void build_aligned_pe( struct test_pe *pe )
{
    static const struct { uint32_t vsize, va, raw, ptr; } secs[] =
    {
        { 0x1000, 0x1000, 0x1000, 0x1000 },
        { 0x2000, 0x2000, 0x1200, 0x2000 },
        { 0x800,  0x4000, 0x200,  0x4200 },
        { 0x10,   0x5000, 0x200,  0x4400 },
    };
    uint16_t fixup = (IMAGE_REL_BASED_DIR64 << 12) | 0x10;
    unsigned char *p;

    build_pe( pe, 1, 3, 1, AL_FILE_SIZE );
    p = pe->data = realloc( pe->data, AL_FILE_SIZE );
    memset( p + pe->size, 0, AL_FILE_SIZE - pe->size );
    pe->size = AL_FILE_SIZE;
    for (uint32_t o = 0x1000; o < 0x4400; o++) p[o] = al_byte( o );
    memset( p + 0x3200, 0xee, 0xe00 );   /* in the file, past .data1's raw data */
    for (unsigned int i = 0; i < ARRAY_SIZE(secs); i++)
    {
        unsigned char *s = p + pe_sec( pe, i );
        put32( s + SEC_VSIZE, secs[i].vsize );
        put32( s + SEC_VA, secs[i].va );
        put32( s + SEC_RAW, secs[i].raw );
        put32( s + SEC_PTR, secs[i].ptr );
    }
    put64( p + 0x1010, PE_IMAGE_BASE + 0x1234 );   /* the fixup's target: an address in the image */
    put32( p + pe_opt_field( pe, OPT_SIZE_OF_IMAGE ), 0x6000 );
    put32( p + pe_opt_field( pe, OPT_DIR( IMAGE_DIRECTORY_ENTRY_BASERELOC ) ), 0x5000 );
    pe_set_relocs( pe, 0x1000, &fixup, 1 );
}

/* the kernel's mapping of addr: whether its name contains what */
static int kernel_map_named( const void *addr, const char *what )
{
    char line[512];
    FILE *f = fopen( "/proc/self/maps", "r" );
    int found = 0;

    if (!f) return -1;
    while (fgets( line, sizeof(line), f ))
    {
        unsigned long start, end;
        if (sscanf( line, "%lx-%lx", &start, &end ) != 2) continue;
        if ((uintptr_t)addr < start || (uintptr_t)addr >= end) continue;
        found = strstr( line, what ) != NULL;
        break;
    }
    fclose( f );
    return found;
}

static void check_aligned_view( const char *what, const unsigned char *v, int64_t delta )
{
    uint32_t bad = 0, first = 0;

    for (uint32_t rva = 0x1000; rva < 0x4800; rva++)
    {
        unsigned char want;
        if (rva >= 0x1010 && rva < 0x1018) continue;   /* the fixup, below */
        if (rva < 0x3200) want = al_byte( rva );
        else if (rva < 0x4000) want = 0;                /* NT's zero fill, not the file's 0xee */
        else if (rva < 0x4200) want = al_byte( rva + 0x200 );
        else want = 0;
        if (v[rva] != want && !bad++) first = rva;
    }
    ok( !bad, "%s: %u bytes differ from NT's layout, the first at rva %#x (%#x, expected %#x)\n", what, bad,
        first, v[first], first < 0x3200 ? al_byte( first ) : 0 );
    ok( get64( v + 0x1010 ) == (uint64_t)(PE_IMAGE_BASE + 0x1234 + delta), "%s: fixup %#llx, expected %#llx\n", what,
        (unsigned long long)get64( v + 0x1010 ), (unsigned long long)(PE_IMAGE_BASE + 0x1234 + delta) );
}

TEST(NtMapViewOfSection_sec_image_page_aligned_data_is_mapped_from_the_file)
{
    struct test_pe pe;
    HANDLE section;
    unsigned char *v1 = NULL, *v2 = NULL;
    SIZE_T size1 = 0, size2 = 0;
    MEMORY_BASIC_INFORMATION mbi;
    NTSTATUS status;

    build_aligned_pe( &pe );
    if (!(section = image_section( &pe )))
    {
        free_pe( &pe );
        return;
    }
    status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&v1, 0, 0, NULL, &size1, ViewShare, 0,
                                 PAGE_READONLY );
    ok( status == STATUS_SUCCESS && (uintptr_t)v1 == PE_IMAGE_BASE && size1 == 0x6000,
        "first view got %s at %p size %#lx\n", status_name( status ), v1, (unsigned long)size1 );
    status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&v2, 0, 0, NULL, &size2, ViewShare, 0,
                                 PAGE_READONLY );
    ok( status == STATUS_IMAGE_NOT_AT_BASE, "second view got %s\n", status_name( status ) );
    if (!v1 || !v2) goto done;

    check_aligned_view( "view at the base", v1, 0 );
    /* NT relocates an image once, for its section's home base, and every view shares those
     * pages; a view elsewhere returns STATUS_IMAGE_NOT_AT_BASE and the loader fixes it up
     * (Wine's ntdll test_syscalls: a second mapping of ntdll.dll reads the same bytes) */
    check_aligned_view( "view away from home", v2, 0 );
    /* where the pages come from: the file for page-aligned data, else the laid-out copy */
    ok( kernel_map_named( v1 + 0x1000, "ntdll-mm-image-" ) == 1, ".text of the view at the base is not the file's\n" );
    ok( kernel_map_named( v1 + 0x2000, "ntdll-mm-image-" ) == 1, ".data1's first page is not the file's\n" );
    ok( kernel_map_named( v1 + 0x3000, "memfd:" ) == 1, ".data1's partial page is not the laid-out copy\n" );
    ok( kernel_map_named( v1 + 0x4000, "memfd:" ) == 1, ".data2 is not the laid-out copy\n" );

    /* protections as for any image: PAGE_WRITECOPY over both kinds of page until written
     * (.data1 and .data2 make one region) */
    ok( !query( v1 + 0x2000, &mbi ) && mbi.Protect == PAGE_WRITECOPY && mbi.RegionSize == 0x3000 &&
        mbi.Type == MEM_IMAGE, ".data1: protect %#x size %#lx, expected PAGE_WRITECOPY 0x3000\n",
        (unsigned int)mbi.Protect, (unsigned long)mbi.RegionSize );
    ok( !query( v1 + 0x1000, &mbi ) && mbi.Protect == PAGE_EXECUTE_READ && mbi.RegionSize == 0x1000,
        ".text: protect %#x size %#lx\n", (unsigned int)mbi.Protect, (unsigned long)mbi.RegionSize );
    check_invariants();

    /* a write makes the page private to the view: PAGE_READWRITE (both pages of .data1, one
     * from the file and one from the copy), the other view and the file keep their bytes */
    v1[0x2000] = 0x5a;
    v1[0x3100] = 0x5b;
    ok( v2[0x2000] == al_byte( 0x2000 ) && v2[0x3100] == al_byte( 0x3100 ),
        "the view away from home reads %#x %#x after the other's writes\n", v2[0x2000], v2[0x3100] );
    ok( !query( v1 + 0x2000, &mbi ) && mbi.Protect == PAGE_READWRITE && mbi.RegionSize == 0x2000,
        "written .data1: protect %#x size %#lx, expected PAGE_READWRITE 0x2000\n", (unsigned int)mbi.Protect,
        (unsigned long)mbi.RegionSize );
    ok( !query( v2 + 0x2000, &mbi ) && mbi.Protect == PAGE_WRITECOPY, "other view's .data1: protect %#x\n",
        (unsigned int)mbi.Protect );
    check_invariants();

    /* a third view after the writes reads the file again */
    ok( NtUnmapViewOfSection( NtCurrentProcess(), v1 ) == STATUS_SUCCESS, "unmap first\n" );
    v1 = NULL;
    size1 = 0;
    status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&v1, 0, 0, NULL, &size1, ViewShare, 0,
                                 PAGE_READONLY );
    ok( status == STATUS_SUCCESS, "third view got %s\n", status_name( status ) );
    if (v1) check_aligned_view( "third view", v1, 0 );
    check_invariants();
done:
    if (v1) NtUnmapViewOfSection( NtCurrentProcess(), v1 );
    if (v2) NtUnmapViewOfSection( NtCurrentProcess(), v2 );
    NtClose( section );
    free_pe( &pe );
}

/* Child of the test below, already in a private mount namespace: a noexec tmpfs holding the
 * image.  Its checks are counted by run_in_child (a failed one ends the child). */
static void noexec_child( void *arg )
{
    struct test_pe *pe = arg;
    char dir[] = "/tmp/ntdll-mm-noexec-XXXXXX", path[64], report[256];
    HANDLE file = NULL, section = NULL;
    unsigned char *view = NULL;
    SIZE_T size = 0;
    NTSTATUS status;
    void *p;
    int fd = -1;

    if (!ok( mkdtemp( dir ) != NULL, "mkdtemp: %s\n", strerror( errno ) )) return;
    if (!ok( !mount( "ntdll-mm-noexec", dir, "tmpfs", MS_NOEXEC, "size=1m" ), "mount tmpfs noexec: %s\n",
             strerror( errno ) ))
        goto done;
    snprintf( path, sizeof(path), "%s/image.dll", dir );
    fd = open( path, O_CREAT | O_RDWR, 0700 );
    if (!ok( fd >= 0 && write( fd, pe->data, pe->size ) == (ssize_t)pe->size, "writing the image: %s\n",
             strerror( errno ) ))
        goto done;
    /* the mount refuses executable mappings of its files: what the test is about */
    p = mmap( NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0 );
    if (!ok( p == MAP_FAILED, "the noexec mount let the file be mapped executable\n" )) goto done;
    if (!ok( !ntdll_mm_file_handle_from_fd( fd, GENERIC_READ | GENERIC_EXECUTE, &file ), "file handle\n" )) goto done;
    status = NtCreateSection( &section, SECTION_ALL_ACCESS, NULL, NULL, PAGE_EXECUTE_READ, SEC_IMAGE, file );
    if (!ok( !status, "NtCreateSection: %s\n", status_name( status ) )) goto done;
    status = NtMapViewOfSection( section, NtCurrentProcess(), (void **)&view, 0, 0, NULL, &size, ViewShare, 0,
                                 PAGE_READONLY );
    if (!ok( !status, "NtMapViewOfSection: %s\n", status_name( status ) )) goto done;
    /* .text executable in the kernel, the layout as anywhere else, the map consistent */
    ok( kernel_map_named( view + 0x1000, "r-xp" ) == 1, ".text is not executable in the kernel's map\n" );
    ok( view[0x1000] == al_byte( 0x1000 ) && view[0x31ff] == al_byte( 0x31ff ) && !view[0x3200] &&
        view[0x4000] == al_byte( 0x4200 ), "the copied image differs from NT's layout\n" );
    ok( !ntdll_mm_check_invariants( report, sizeof(report) ), "invariants: %s\n", report );
    NtUnmapViewOfSection( NtCurrentProcess(), view );
done:
    if (section) NtClose( section );
    if (file) NtClose( file );
    if (fd >= 0) close( fd );
    umount2( dir, MNT_DETACH );
    rmdir( dir );
}

/* A private mount namespace: unshared, with / made private so that mounts stay its own.
 * Fails where / is not a mount point (a chroot) or unsharing is refused. */
static int enter_private_mount_namespace( void )
{
    return unshare( CLONE_NEWNS ) || mount( NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL ) ? errno : 0;
}

/* Asked in a throw-away child, so that the test's own process keeps its namespace. */
static int private_mount_namespace_error( void )
{
    int status;
    pid_t pid = fork();

    if (pid < 0) return errno;
    if (!pid) _exit( enter_private_mount_namespace() ? 1 : 0 );
    while (waitpid( pid, &status, 0 ) < 0 && errno == EINTR) ;
    return WIFEXITED( status ) && !WEXITSTATUS( status ) ? 0 : EPERM;
}

static void noexec_in_namespace( void *arg )
{
    int err = enter_private_mount_namespace();

    if (!ok( !err, "private mount namespace: %s\n", strerror( err ) )) return;
    noexec_child( arg );
}

/* Wine's virtual.c reads an image's sections into memory when its file sits on a noexec mount
 * (mmap with PROT_EXEC fails there); so must we: the file is not mapped, and the code is
 * executable as usual. */
TEST(NtMapViewOfSection_sec_image_on_noexec_mount_is_copied)
{
    struct test_pe pe;
    int st;

    if (geteuid())
    {
        skip( "a noexec tmpfs needs root (mounted in a private mount namespace)\n" );
        return;
    }
    /* a chroot's / is no mount point: no private namespace, so no mount of our own there */
    if (private_mount_namespace_error())
    {
        skip( "no private mount namespace here (unshare(CLONE_NEWNS) or making / private failed: a chroot?)\n" );
        return;
    }
    build_aligned_pe( &pe );
    st = run_in_child( noexec_in_namespace, &pe );
    ok( WIFEXITED( st ), "child: status %#x\n", st );
    free_pe( &pe );
}

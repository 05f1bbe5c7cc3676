/*
 * The PE parser behind SEC_IMAGE sections (dlls/ntdll-mm/image.c): image_parse on real
 * MinGW-built DLLs and EXEs (x86_64 and i686, tests/data/pe_sample.c) checked against their
 * headers read here independently (what `objdump -x` prints), the section protections,
 * image_relocate on a buffer laid out like the mapped image, and hand-made malformed files
 * with the status NtCreateSection(SEC_IMAGE) returns on Windows.
 *
 * Expectations: Wine's dlls/kernel32/tests/loader.c (test_Loader's header table and its
 * map_image_section statuses, query_image_section's SectionImageInformation fields,
 * test_section_access's protections), which pass on Windows; where those tests are silent,
 * the rules documented at the top of dlls/ntdll-mm/image.c (Windows Research Kernel, the
 * Windows 10 loader checks reproduced by avast's pelib) and noted case by case below.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include "image_util.h"

#define IMGF_COMPLUS_NATIVE_READY   0x01
#define IMGF_COMPLUS_IL_ONLY        0x02
#define IMGF_DYNAMICALLY_RELOCATED  0x04
#define IMGF_MAPPED_FLAT            0x08
#define IMGF_COMPLUS_PREFER_32BIT   0x20

/* ---- the MinGW samples -------------------------------------------------------------------- */

/* the protection test_section_access expects, written out independently of image.c */
static uint32_t expected_protect( uint32_t c )
{
    int x = !!(c & IMAGE_SCN_MEM_EXECUTE), r = !!(c & IMAGE_SCN_MEM_READ), w = !!(c & IMAGE_SCN_MEM_WRITE);
    int s = !!(c & IMAGE_SCN_MEM_SHARED);

    if (w) return s ? (x ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE) : (x ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY);
    if (x) return r ? PAGE_EXECUTE_READ : PAGE_EXECUTE;
    return r ? PAGE_READONLY : PAGE_NOACCESS;
}

struct reloc_target
{
    uint32_t rva;
    int type;
};

/* walk the relocation directory of the file (not through image.c) */
static unsigned int file_relocs( const unsigned char *file, size_t size, uint32_t opt, int is_64bit, uint32_t table,
                                 unsigned int nsections, struct reloc_target *targets, unsigned int max )
{
    uint32_t dir = opt + (is_64bit ? 112 : 96) + 8 * IMAGE_DIRECTORY_ENTRY_BASERELOC;
    uint32_t rva = get32( file + dir ), len = get32( file + dir + 4 ), off = 0, pos;
    unsigned int count = 0;

    for (unsigned int i = 0; i < nsections; i++)
    {
        const unsigned char *s = file + table + 40 * i;
        if (rva >= get32( s + SEC_VA ) && rva < get32( s + SEC_VA ) + get32( s + SEC_RAW ))
            off = get32( s + SEC_PTR ) + rva - get32( s + SEC_VA );
    }
    if (!off || off + len > size) return 0;
    for (pos = 0; pos + 8 <= len; )
    {
        uint32_t page = get32( file + off + pos ), block = get32( file + off + pos + 4 );
        if (block < 8) break;
        for (uint32_t e = 8; e + 2 <= block; e += 2)
        {
            uint16_t entry = get16( file + off + pos + e );
            if (!(entry >> 12)) continue;
            if (count < max)
            {
                targets[count].rva = page + (entry & 0xfff);
                targets[count].type = entry >> 12;
            }
            count++;
        }
        pos += block;
    }
    return count;
}

static void test_sample( const char *name )
{
    struct reloc_target targets[256];
    unsigned char *file, *image, *orig, *patched;
    const unsigned char *nt, *opt, *fh;
    struct mm_image img;
    uint32_t table, size_of_image, sa, fa, data_rva = 0, data_end = 0;
    unsigned int nsec, ntargets, in_data = 0, i;
    size_t size;
    int is_64bit;
    uint64_t image_base, delta;
    NTSTATUS status;
    char why[4400];

    if (!(file = load_pe_sample( name, &size, why, sizeof(why) )))
    {
        skip( "%s\n", why );
        return;
    }
    /* the headers, read here as objdump -x prints them */
    nt = file + get32( file + 0x3c );
    fh = nt + 4;
    opt = nt + 24;
    is_64bit = get16( opt ) == IMAGE_NT_OPTIONAL_HDR64_MAGIC;
    nsec = get16( fh + 2 );
    table = (nt - file) + 24 + get16( fh + 16 );
    image_base = is_64bit ? get64( opt + 24 ) : get32( opt + 28 );
    sa = get32( opt + 32 );
    fa = get32( opt + 36 );
    size_of_image = get32( opt + 56 );

    status = image_parse( file, size, &img );
    ok( status == STATUS_SUCCESS, "%s: got %s\n", name, image_status_name( status ) );
    if (status)
    {
        free( file );
        return;
    }
    check_image_invariants( &img, size );
    ok( img.is_64bit == is_64bit, "%s: is_64bit %d\n", name, img.is_64bit );
    ok( img.machine == (is_64bit ? IMAGE_FILE_MACHINE_AMD64 : IMAGE_FILE_MACHINE_I386) && img.machine == get16( fh ),
        "%s: machine %#x\n", name, img.machine );
    ok( img.image_base == image_base, "%s: image_base %#llx, expected %#llx\n", name,
        (unsigned long long)img.image_base, (unsigned long long)image_base );
    ok( img.image_size == ((size_of_image + 0xfff) & ~0xfffu), "%s: image_size %#x, SizeOfImage %#x\n", name,
        img.image_size, size_of_image );
    ok( img.headers_size == get32( opt + 60 ), "%s: headers_size %#x\n", name, img.headers_size );
    ok( img.section_alignment == sa && sa == 0x1000, "%s: section_alignment %#x\n", name, img.section_alignment );
    ok( img.file_alignment == fa && fa == 0x200, "%s: file_alignment %#x\n", name, img.file_alignment );
    ok( img.dll_characteristics == get16( opt + 70 ), "%s: dll_characteristics %#x\n", name, img.dll_characteristics );
    ok( img.relocs_stripped == !!(get16( fh + 18 ) & IMAGE_FILE_RELOCS_STRIPPED), "%s: relocs_stripped %d\n", name,
        img.relocs_stripped );
    ok( img.reloc_rva == get32( opt + (is_64bit ? 112 : 96) + 40 ) && img.reloc_size == get32( opt + (is_64bit ? 116 : 100) + 40 ),
        "%s: relocation directory %#x+%#x\n", name, img.reloc_rva, img.reloc_size );
    ok( img.reloc_rva && img.reloc_size, "%s: no relocations (built without --dynamicbase?)\n", name );
    ok( img.nsections == nsec && nsec >= 5, "%s: nsections %u, NumberOfSections %u\n", name, img.nsections, nsec );

    /* SectionImageInformation, as query_image_section checks it */
    ok( img.info.TransferAddress == (void *)(uintptr_t)(image_base + get32( opt + 16 )), "%s: TransferAddress %p\n",
        name, img.info.TransferAddress );
    ok( img.info.ZeroBits == 0, "%s: ZeroBits %u\n", name, (unsigned int)img.info.ZeroBits );
    ok( img.info.MaximumStackSize == (is_64bit ? get64( opt + 72 ) : get32( opt + 72 )), "%s: MaximumStackSize %#zx\n",
        name, (size_t)img.info.MaximumStackSize );
    ok( img.info.CommittedStackSize == (is_64bit ? get64( opt + 80 ) : get32( opt + 76 )),
        "%s: CommittedStackSize %#zx\n", name, (size_t)img.info.CommittedStackSize );
    ok( img.info.SubSystemType == get16( opt + 68 ), "%s: SubSystemType %u\n", name, (unsigned int)img.info.SubSystemType );
    ok( img.info.MajorSubsystemVersion == get16( opt + 48 ) && img.info.MinorSubsystemVersion == get16( opt + 50 ),
        "%s: subsystem version %u.%u\n", name, img.info.MajorSubsystemVersion, img.info.MinorSubsystemVersion );
    ok( img.info.MajorOperatingSystemVersion == get16( opt + 40 ) && img.info.MinorOperatingSystemVersion == get16( opt + 42 ),
        "%s: OS version %u.%u\n", name, img.info.MajorOperatingSystemVersion, img.info.MinorOperatingSystemVersion );
    ok( img.info.ImageCharacteristics == get16( fh + 18 ), "%s: ImageCharacteristics %#x\n", name,
        img.info.ImageCharacteristics );
    ok( img.info.DllCharacteristics == get16( opt + 70 ), "%s: DllCharacteristics %#x\n", name,
        img.info.DllCharacteristics );
    ok( img.info.Machine == get16( fh ), "%s: Machine %#x\n", name, img.info.Machine );
    ok( img.info.ImageContainsCode == TRUE, "%s: ImageContainsCode %u\n", name, img.info.ImageContainsCode );
    /* MinGW sets DYNAMIC_BASE: an image with code and no COM descriptor is "dynamically relocated" */
    ok( img.info.ImageFlags == ((get16( opt + 70 ) & IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE) ? IMGF_DYNAMICALLY_RELOCATED : 0),
        "%s: ImageFlags %#x\n", name, img.info.ImageFlags );
    ok( img.info.LoaderFlags == 0, "%s: LoaderFlags %#x\n", name, (unsigned int)img.info.LoaderFlags );
    ok( img.info.ImageFileSize == size, "%s: ImageFileSize %#x, file %#zx\n", name, (unsigned int)img.info.ImageFileSize,
        size );
    ok( img.info.CheckSum == get32( opt + 64 ), "%s: CheckSum %#x\n", name, (unsigned int)img.info.CheckSum );

    /* sections, as objdump -h lists them */
    for (i = 0; i < nsec && i < img.nsections; i++)
    {
        const unsigned char *s = file + table + 40 * i;
        const struct mm_image_section *sec = &img.sections[i];
        uint32_t vsize = get32( s + SEC_VSIZE ) ? get32( s + SEC_VSIZE ) : get32( s + SEC_RAW );
        uint32_t raw = get32( s + SEC_RAW ), ptr = raw ? get32( s + SEC_PTR ) : 0, expect_raw;

        ok( !memcmp( sec->name, s, 8 ) && !sec->name[8], "%s: section %u name %s\n", name, i, sec->name );
        ok( sec->rva == get32( s + SEC_VA ), "%s %s: rva %#x\n", name, sec->name, sec->rva );
        ok( sec->virtual_size == vsize, "%s %s: virtual_size %#x, expected %#x\n", name, sec->name, sec->virtual_size, vsize );
        ok( sec->characteristics == get32( s + SEC_CHARS ), "%s %s: characteristics %#x\n", name, sec->name,
            sec->characteristics );
        ok( sec->protect == expected_protect( sec->characteristics ), "%s %s: protect %#x\n", name, sec->name, sec->protect );
        /* MinGW's raw data is sector-aligned and a multiple of FileAlignment: NT maps the raw
         * data, then the file's following bytes up to the end of the page */
        expect_raw = ptr ? raw : 0;
        if (expect_raw > ((vsize + 0xfff) & ~0xfffu)) expect_raw = (vsize + 0xfff) & ~0xfffu;
        if (ptr + expect_raw > size) expect_raw = size - ptr;
        ok( sec->raw_offset == (expect_raw ? ptr : 0), "%s %s: raw_offset %#x, PointerToRawData %#x\n", name, sec->name,
            sec->raw_offset, ptr );
        ok( sec->raw_size == expect_raw, "%s %s: raw_size %#x, expected %#x\n", name, sec->name, sec->raw_size, expect_raw );
        if (!strcmp( sec->name, ".text" ))
            ok( sec->protect == PAGE_EXECUTE_READ, "%s .text: protect %#x\n", name, sec->protect );
        else if (!strcmp( sec->name, ".rdata" ) || !strcmp( sec->name, ".reloc" ) || !strcmp( sec->name, ".edata" ))
            ok( sec->protect == PAGE_READONLY, "%s %s: protect %#x\n", name, sec->name, sec->protect );
        else if (!strcmp( sec->name, ".data" ) || !strcmp( sec->name, ".bss" ))
        {
            ok( sec->protect == PAGE_WRITECOPY, "%s %s: protect %#x\n", name, sec->name, sec->protect );
            if (!strcmp( sec->name, ".data" ))
            {
                data_rva = sec->rva;
                data_end = sec->rva + sec->virtual_size;
            }
            else ok( !sec->raw_size && !sec->raw_offset, "%s .bss: raw %#x+%#x\n", name, sec->raw_offset, sec->raw_size );
        }
    }

    /* relocations: lay the file out independently, relocate, compare */
    ntargets = file_relocs( file, size, opt - file, is_64bit, table, nsec, targets, ARRAY_SIZE(targets) );
    ok( ntargets >= 6 && ntargets <= ARRAY_SIZE(targets), "%s: %u relocations\n", name, ntargets );
    if (ntargets > ARRAY_SIZE(targets)) ntargets = ARRAY_SIZE(targets);
    orig = calloc( 1, img.image_size );
    patched = calloc( 1, img.image_size );
    memcpy( orig, file, get32( opt + 60 ) < size ? get32( opt + 60 ) : size );
    for (i = 0; i < nsec; i++)
    {
        const unsigned char *s = file + table + 40 * i;
        uint32_t raw = get32( s + SEC_RAW ), vsize = get32( s + SEC_VSIZE ) ? get32( s + SEC_VSIZE ) : raw;
        uint32_t len = raw < ((vsize + 0xfff) & ~0xfffu) ? raw : ((vsize + 0xfff) & ~0xfffu);
        if (raw && get32( s + SEC_PTR ) + len <= size) memcpy( orig + get32( s + SEC_VA ), file + get32( s + SEC_PTR ), len );
    }
    image = layout_image( file, size, &img );
    ok( image && !memcmp( image, orig, img.image_size ), "%s: raw_offset/raw_size lay out a different image\n", name );
    if (!image)
    {
        free( orig );
        free( patched );
        image_free( &img );
        free( file );
        return;
    }
    delta = is_64bit ? 0x7ff000000000ull - image_base : 0x10000000;
    status = image_relocate( image, &img, (int64_t)delta );
    ok( status == STATUS_SUCCESS, "%s: image_relocate got %s\n", name, image_status_name( status ) );
    for (i = 0; i < ntargets; i++)
    {
        uint32_t t = targets[i].rva;
        uint64_t value;

        ok( targets[i].type == (is_64bit ? IMAGE_REL_BASED_DIR64 : IMAGE_REL_BASED_HIGHLOW), "%s: relocation type %d\n",
            name, targets[i].type );
        if (targets[i].type == IMAGE_REL_BASED_DIR64)
        {
            value = get64( image + t );
            ok( value == get64( orig + t ) + delta, "%s: DIR64 at %#x: %#llx, was %#llx\n", name, t,
                (unsigned long long)value, (unsigned long long)get64( orig + t ) );
            memset( patched + t, 1, 8 );
        }
        else
        {
            value = get32( image + t );
            ok( value == (uint32_t)(get32( orig + t ) + delta), "%s: HIGHLOW at %#x: %#x, was %#x\n", name, t,
                (unsigned int)value, get32( orig + t ) );
            memset( patched + t, 1, 4 );
        }
        /* every pointer now points into the image at its new base */
        ok( value - (image_base + delta) < img.image_size, "%s: relocated pointer at %#x is %#llx\n", name, t,
            (unsigned long long)value );
        if (t >= data_rva && t < data_end) in_data++;
    }
    ok( in_data >= 6, "%s: %u relocations in .data, expected the 6 of pe_sample_pointers\n", name, in_data );
    /* the mapped headers name the new base */
    {
        uint32_t field = (opt - file) + (is_64bit ? 24 : 28);
        uint64_t base_now = is_64bit ? get64( image + field ) : get32( image + field );
        ok( base_now == (is_64bit ? image_base + delta : (uint32_t)(image_base + delta)), "%s: header ImageBase %#llx\n",
            name, (unsigned long long)base_now );
        memset( patched + field, 1, is_64bit ? 8 : 4 );
    }
    for (i = 0; i < img.image_size; i++)
        if (!patched[i] && image[i] != orig[i]) break;
    ok( i == img.image_size, "%s: byte at %#x changed without a relocation\n", name, i );
    /* relocating by -delta restores every fixup (the header's ImageBase is always written as
     * the preferred base + delta, so it is not compared) */
    status = image_relocate( image, &img, -(int64_t)delta );
    {
        uint32_t field = (opt - file) + (is_64bit ? 24 : 28);
        memcpy( image + field, orig + field, is_64bit ? 8 : 4 );
    }
    ok( status == STATUS_SUCCESS && !memcmp( image, orig, img.image_size ), "%s: relocating back: %s\n", name,
        image_status_name( status ) );

    free( image );
    free( orig );
    free( patched );
    image_free( &img );
    ok( !img.sections && !img.nsections, "image_free left %p / %u\n", img.sections, img.nsections );
    free( file );
}

TEST(image_mingw_dll64)
{
    test_sample( pe_sample_names[0] );
}

TEST(image_mingw_exe64)
{
    test_sample( pe_sample_names[1] );
}

TEST(image_mingw_dll32)
{
    test_sample( pe_sample_names[2] );
}

TEST(image_mingw_exe32)
{
    test_sample( pe_sample_names[3] );
}

/* ---- protections -------------------------------------------------------------------------- */

TEST(image_section_protect)
{
    /* kernel32 loader.c test_section_access (native); the CNT_* bits never matter there */
    static const struct { uint32_t chars, protect; } tests[] =
    {
        { 0, PAGE_NOACCESS },
        { IMAGE_SCN_MEM_READ, PAGE_READONLY },
        { IMAGE_SCN_MEM_WRITE, PAGE_WRITECOPY },
        { IMAGE_SCN_MEM_EXECUTE, PAGE_EXECUTE },
        { IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE, PAGE_WRITECOPY },
        { IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_EXECUTE, PAGE_EXECUTE_READ },
        { IMAGE_SCN_MEM_WRITE | IMAGE_SCN_MEM_EXECUTE, PAGE_EXECUTE_WRITECOPY },
        { IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE | IMAGE_SCN_MEM_EXECUTE, PAGE_EXECUTE_WRITECOPY },
        { IMAGE_SCN_CNT_CODE, PAGE_NOACCESS },
        { IMAGE_SCN_CNT_INITIALIZED_DATA, PAGE_NOACCESS },
        { IMAGE_SCN_CNT_UNINITIALIZED_DATA | IMAGE_SCN_MEM_READ, PAGE_READONLY },
        { IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE, PAGE_WRITECOPY },
        { IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_DISCARDABLE, PAGE_EXECUTE_READ },
        /* shared sections (Windows Research Kernel MiGetImageProtection): writable ones are
         * shared between views, not copy-on-write */
        { IMAGE_SCN_MEM_SHARED, PAGE_NOACCESS },
        { IMAGE_SCN_MEM_SHARED | IMAGE_SCN_MEM_READ, PAGE_READONLY },
        { IMAGE_SCN_MEM_SHARED | IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_READ, PAGE_EXECUTE_READ },
        { IMAGE_SCN_MEM_SHARED | IMAGE_SCN_MEM_WRITE, PAGE_READWRITE },
        { IMAGE_SCN_MEM_SHARED | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE, PAGE_READWRITE },
        { IMAGE_SCN_MEM_SHARED | IMAGE_SCN_MEM_WRITE | IMAGE_SCN_MEM_EXECUTE, PAGE_EXECUTE_READWRITE },
        { IMAGE_SCN_MEM_SHARED | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE | IMAGE_SCN_MEM_EXECUTE, PAGE_EXECUTE_READWRITE },
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
        ok( image_section_protect( tests[i].chars ) == tests[i].protect, "%#x: got %#x, expected %#x\n",
            tests[i].chars, image_section_protect( tests[i].chars ), tests[i].protect );
}

/* ---- hand-made images --------------------------------------------------------------------- */

static NTSTATUS parse_pe( const struct test_pe *pe, struct mm_image *img )
{
    NTSTATUS status = image_parse( pe->data, pe->size, img );
    if (!status) check_image_invariants( img, pe->size );
    return status;
}

TEST(image_handmade_fields)
{
    struct test_pe pe;
    struct mm_image img;
    NTSTATUS status;

    for (int is_64bit = 0; is_64bit <= 1; is_64bit++)
    {
        build_pe( &pe, is_64bit, 3, 0, 0 );
        status = parse_pe( &pe, &img );
        ok( status == STATUS_SUCCESS, "%d: got %s\n", is_64bit, image_status_name( status ) );
        if (status)
        {
            free_pe( &pe );
            continue;
        }
        ok( img.nsections == 3 && img.image_size == 0x4000 && img.headers_size == 0x200, "%d: %u sections, size %#x/%#x\n",
            is_64bit, img.nsections, img.image_size, img.headers_size );
        ok( img.info.TransferAddress == (void *)(uintptr_t)(PE_IMAGE_BASE + 0x1010), "%d: TransferAddress %p\n", is_64bit,
            img.info.TransferAddress );
        ok( img.info.MaximumStackSize == 0x100000 && img.info.CommittedStackSize == 0x2000, "%d: stack %#zx/%#zx\n",
            is_64bit, (size_t)img.info.MaximumStackSize, (size_t)img.info.CommittedStackSize );
        ok( img.info.SubSystemType == IMAGE_SUBSYSTEM_WINDOWS_CUI && img.info.MajorSubsystemVersion == 6 &&
            img.info.MinorSubsystemVersion == 2 && img.info.MajorOperatingSystemVersion == 6 &&
            img.info.MinorOperatingSystemVersion == 1, "%d: subsystem / versions\n", is_64bit );
        ok( img.info.ImageFlags == IMGF_DYNAMICALLY_RELOCATED, "%d: ImageFlags %#x\n", is_64bit, img.info.ImageFlags );
        ok( img.info.ImageContainsCode && !img.info.LoaderFlags && img.info.CheckSum == 0x1234 &&
            img.info.ImageFileSize == pe.size, "%d: other fields\n", is_64bit );
        ok( img.sections[0].raw_offset == 0x200 && img.sections[0].raw_size == 0x200 &&
            img.sections[0].protect == PAGE_EXECUTE_READ && img.sections[1].protect == PAGE_WRITECOPY,
            "%d: section 0 %#x+%#x prot %#x\n", is_64bit, img.sections[0].raw_offset, img.sections[0].raw_size,
            img.sections[0].protect );
        image_free( &img );
        free_pe( &pe );
    }
}

TEST(image_handmade_contains_code)
{
    /* query_image_section: SizeOfCode or AddressOfEntryPoint, else (Windows 8+) an executable
     * section; CNT_CODE alone does not count */
    static const struct { uint32_t code, entry, chars; BOOLEAN expect; } tests[] =
    {
        { 0x200, 0, IMAGE_SCN_MEM_READ, TRUE },
        { 0, 0x1010, IMAGE_SCN_MEM_READ, TRUE },
        { 0, 0, IMAGE_SCN_MEM_READ | IMAGE_SCN_CNT_CODE, FALSE },
        { 0, 0, IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_EXECUTE, TRUE },
    };
    struct test_pe pe;
    struct mm_image img;

    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
    {
        NTSTATUS status;

        build_pe( &pe, 1, 2, 0, 0 );
        put32( pe.data + pe.opt + OPT_SIZE_OF_CODE, tests[i].code );
        put32( pe.data + pe.opt + OPT_ENTRY, tests[i].entry );
        put32( pe.data + pe_sec( &pe, 0 ) + SEC_CHARS, tests[i].chars );
        status = parse_pe( &pe, &img );
        ok( status == STATUS_SUCCESS, "%u: got %s\n", i, image_status_name( status ) );
        if (!status)
        {
            ok( img.info.ImageContainsCode == tests[i].expect, "%u: ImageContainsCode %u\n", i, img.info.ImageContainsCode );
            /* DYNAMIC_BASE counts only for images with code (or relocations: these have none) */
            ok( !!(img.info.ImageFlags & IMGF_DYNAMICALLY_RELOCATED) == tests[i].expect, "%u: ImageFlags %#x\n", i,
                img.info.ImageFlags );
            image_free( &img );
        }
        free_pe( &pe );
    }
}

TEST(image_handmade_complus)
{
    /* query_image_section: ComPlusILOnly for an ILONLY COR20 header of runtime 2.5 or later;
     * ComPlusNativeReady / Prefer32bit only in PE32; LoaderFlags 1 whenever the COM
     * descriptor directory is set; no ImageDynamicallyRelocated for .NET images */
    static const struct { int is_64bit; uint16_t major, minor; uint32_t flags; UCHAR expect; } tests[] =
    {
        { 1, 2, 5, COMIMAGE_FLAGS_ILONLY, IMGF_COMPLUS_IL_ONLY },
        { 1, 2, 4, COMIMAGE_FLAGS_ILONLY, 0 },
        { 1, 3, 0, COMIMAGE_FLAGS_ILONLY, IMGF_COMPLUS_IL_ONLY },
        { 1, 2, 5, 0, 0 },
        { 1, 2, 5, COMIMAGE_FLAGS_ILONLY | COMIMAGE_FLAGS_32BITPREFERRED, IMGF_COMPLUS_IL_ONLY },
        { 0, 2, 5, COMIMAGE_FLAGS_ILONLY, IMGF_COMPLUS_IL_ONLY | IMGF_COMPLUS_NATIVE_READY },
        { 0, 2, 5, COMIMAGE_FLAGS_ILONLY | COMIMAGE_FLAGS_32BITREQUIRED, IMGF_COMPLUS_IL_ONLY },
        { 0, 2, 5, COMIMAGE_FLAGS_ILONLY | COMIMAGE_FLAGS_32BITPREFERRED,
          IMGF_COMPLUS_IL_ONLY | IMGF_COMPLUS_NATIVE_READY | IMGF_COMPLUS_PREFER_32BIT },
        { 0, 2, 4, COMIMAGE_FLAGS_ILONLY, 0 },
    };
    struct test_pe pe;
    struct mm_image img;

    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
    {
        unsigned char *cor;
        NTSTATUS status;

        build_pe( &pe, tests[i].is_64bit, 2, 0, 0 );
        put32( pe.data + pe_opt_field( &pe, OPT_DIR( IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR ) ), 0x2000 );
        put32( pe.data + pe_opt_field( &pe, OPT_DIR( IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR ) ) + 4, 72 );
        cor = pe.data + get32( pe.data + pe_sec( &pe, 1 ) + SEC_PTR );
        memset( cor, 0, 72 );
        put32( cor, 72 );
        put16( cor + 4, tests[i].major );
        put16( cor + 6, tests[i].minor );
        put32( cor + 16, tests[i].flags );
        status = parse_pe( &pe, &img );
        ok( status == STATUS_SUCCESS, "%u: got %s\n", i, image_status_name( status ) );
        if (!status)
        {
            ok( img.info.ImageFlags == tests[i].expect, "%u: ImageFlags %#x, expected %#x\n", i, img.info.ImageFlags,
                tests[i].expect );
            ok( img.info.LoaderFlags == 1, "%u: LoaderFlags %#x\n", i, (unsigned int)img.info.LoaderFlags );
            image_free( &img );
        }
        free_pe( &pe );
    }
}

/* one change to a hand-made image */
enum where { W_NONE, W_FILE, W_NT, W_OPT, W_SEC0, W_SEC1, W_SEC2 };
struct change
{
    enum where where;
    uint32_t offset;   /* for W_OPT: the PE32+ offset, translated for PE32 */
    int width;         /* 1, 2, 4 or 8 */
    uint64_t value;
};

#define NO_TRUNC ((size_t)-1)

struct malformed
{
    const char *name;
    int is_64bit;
    unsigned int nsections;
    struct change changes[4];
    size_t size;                       /* NO_TRUNC: the built size */
    void (*fixup)( struct test_pe *pe );
    NTSTATUS expect;
};

static void apply_change( struct test_pe *pe, const struct change *c )
{
    uint32_t at;

    switch (c->where)
    {
    case W_NONE: return;
    case W_FILE: at = c->offset; break;
    case W_NT:   at = PE_LFANEW + c->offset; break;
    case W_OPT:  at = pe_opt_field( pe, c->offset ); break;
    default:     at = pe_sec( pe, c->where - W_SEC0 ) + c->offset; break;
    }
    switch (c->width)
    {
    case 1: pe->data[at] = c->value; break;
    case 2: put16( pe->data + at, c->value ); break;
    case 4: put32( pe->data + at, c->value ); break;
    case 8: put64( pe->data + at, c->value ); break;
    }
}

/* SectionAlignment = FileAlignment = 0x200: every section at rva == PointerToRawData */
static void make_flat( struct test_pe *pe )
{
    put32( pe->data + pe->opt + OPT_SECTION_ALIGN, 0x200 );
    put32( pe->data + pe->opt + OPT_FILE_ALIGN, 0x200 );
    put32( pe->data + pe->opt + OPT_SIZE_OF_IMAGE, pe->size );
    for (unsigned int i = 0; i < pe->nsections; i++)
    {
        put32( pe->data + pe_sec( pe, i ) + SEC_VA, get32( pe->data + pe_sec( pe, i ) + SEC_PTR ) );
        put32( pe->data + pe_sec( pe, i ) + SEC_VSIZE, 0x180 );
    }
    put32( pe->data + pe->opt + OPT_ENTRY, 0x210 );
}

static void make_flat_800( struct test_pe *pe )
{
    make_flat( pe );
    put32( pe->data + pe->opt + OPT_SECTION_ALIGN, 0x800 );
}

static void make_flat_misplaced( struct test_pe *pe )
{
    make_flat( pe );
    put32( pe->data + pe_sec( pe, 1 ) + SEC_VA, 0x1000 );
}

static void make_flat_bss( struct test_pe *pe )
{
    make_flat( pe );
    put32( pe->data + pe_sec( pe, 2 ) + SEC_VSIZE, 0x400 );
}

/* SizeOfOptionalHeader 0xf8 with the section table moved accordingly */
static void bigger_optional_header( struct test_pe *pe )
{
    memmove( pe->data + pe->table + 8, pe->data + pe->table, 40 * pe->nsections );
    memset( pe->data + pe->table, 0, 8 );
    put16( pe->data + PE_LFANEW + FH_OPT_SIZE, 0xf8 );
    pe->table += 8;
}

/* the last section without raw data, so that the one before it ends the file */
static void last_is_bss( struct test_pe *pe )
{
    put32( pe->data + pe_sec( pe, 2 ) + SEC_RAW, 0 );
    put32( pe->data + pe_sec( pe, 2 ) + SEC_PTR, 0 );
    pe->size = 0x600 - 0x100;   /* section 1 (0x400-0x600) loses its last 0x100 bytes */
}

static void swap_sections( struct test_pe *pe )
{
    unsigned char tmp[40];

    memcpy( tmp, pe->data + pe_sec( pe, 1 ), 40 );
    memcpy( pe->data + pe_sec( pe, 1 ), pe->data + pe_sec( pe, 2 ), 40 );
    memcpy( pe->data + pe_sec( pe, 2 ), tmp, 40 );
}

static void machine_i386_in_pe32plus( struct test_pe *pe )
{
    put16( pe->data + PE_LFANEW + FH_MACHINE, IMAGE_FILE_MACHINE_I386 );
}

#define DB_NX (IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE | IMAGE_DLLCHARACTERISTICS_NX_COMPAT)
#define EXE_DLL (IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL)

/* The layout built by build_pe( 64-bit, 3 sections ): headers 0x200 (table at 0x148),
 * sections at rva 0x1000/0x2000/0x3000 with raw data at 0x200/0x400/0x600, file 0x800 bytes,
 * SizeOfImage 0x4000.  PE32: optional header 0xe0, table at 0x138. */
static const struct malformed malformed[] =
{
    { "valid", 1, 3, {{0}}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "valid PE32", 0, 3, {{0}}, NO_TRUNC, NULL, STATUS_SUCCESS },
    /* truncations at every header boundary */
    { "empty file", 1, 3, {{0}}, 0, NULL, STATUS_INVALID_FILE_FOR_SECTION },
    { "1 byte", 1, 3, {{0}}, 1, NULL, STATUS_INVALID_IMAGE_NOT_MZ },
    { "2 bytes (MZ)", 1, 3, {{0}}, 2, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "cut in e_lfanew", 1, 3, {{0}}, 0x3d, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "cut before the NT header", 1, 3, {{0}}, 0x40, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "cut in the signature", 1, 3, {{0}}, 0x42, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "cut after the signature", 1, 3, {{0}}, 0x44, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "cut in the file header", 1, 3, {{0}}, 0x50, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "cut after the file header", 1, 3, {{0}}, 0x58, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "cut in the optional header", 1, 3, {{0}}, 0x100, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "cut 1 byte short of IMAGE_NT_HEADERS64", 1, 3, {{0}}, 0x147, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "PE32 cut 1 byte short of IMAGE_NT_HEADERS64", 0, 3, {{0}}, 0x147, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "cut after the NT headers", 1, 3, {{0}}, 0x148, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "cut in the section table", 1, 3, {{0}}, 0x170, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "cut after the section table", 1, 3, {{0}}, 0x1c0, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "cut in the first section", 1, 3, {{0}}, 0x300, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "last section 1 byte short", 1, 3, {{0}}, 0x7ff, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "earlier section cut (last one has no raw data)", 1, 3, {{0}}, NO_TRUNC, last_is_bss, STATUS_SUCCESS },
    /* signatures */
    { "no MZ", 1, 3, {{ W_FILE, 0, 2, 0x5a4e }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_NOT_MZ },
    { "no PE signature", 1, 3, {{ W_NT, 0, 4, 0xdeadbeef }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "PE signature without the zeroes", 1, 3, {{ W_NT, 0, 4, 0x11114550 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "e_lfanew not 4-aligned", 1, 3, {{ W_FILE, 0x3c, 4, 0x42 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "e_lfanew past the end", 1, 3, {{ W_FILE, 0x3c, 4, 0x98760000 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "e_lfanew at the end", 1, 3, {{ W_FILE, 0x3c, 4, 0x800 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "e_lfanew 0", 1, 3, {{ W_FILE, 0x3c, 4, 0 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_PROTECT },
    { "NE, Windows", 1, 3, {{ W_NT, 0, 4, IMAGE_OS2_SIGNATURE }, { W_NT, 0x36, 1, 2 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_WIN_16 },
    { "NE, DOS 4", 1, 3, {{ W_NT, 0, 4, IMAGE_OS2_SIGNATURE }, { W_NT, 0x36, 1, 5 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_PROTECT },
    { "NE, OS/2", 1, 3, {{ W_NT, 0, 4, IMAGE_OS2_SIGNATURE }, { W_NT, 0x36, 1, 1 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_NE_FORMAT },
    { "NE, unknown, Windows 3.x", 1, 3, {{ W_NT, 0, 4, IMAGE_OS2_SIGNATURE }, { W_NT, 0x36, 1, 0 }, { W_NT, 0x3e, 2, 0x30a }},
      NO_TRUNC, NULL, STATUS_INVALID_IMAGE_WIN_16 },
    { "LE", 1, 3, {{ W_NT, 0, 4, IMAGE_OS2_SIGNATURE_LE }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_PROTECT },
    /* file header */
    { "Machine and SizeOfOptionalHeader 0", 1, 3, {{ W_NT, FH_MACHINE, 2, 0 }, { W_NT, FH_OPT_SIZE, 2, 0 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_PROTECT },
    { "not IMAGE_FILE_EXECUTABLE_IMAGE", 1, 3, {{ W_NT, FH_CHARS, 2, IMAGE_FILE_DLL }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "Magic 0xdead", 1, 3, {{ W_OPT, OPT_MAGIC, 2, 0xdead }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "Magic ROM", 1, 3, {{ W_OPT, OPT_MAGIC, 2, 0x107 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "Machine 0", 1, 3, {{ W_NT, FH_MACHINE, 2, 0 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "Machine 0xdead", 1, 3, {{ W_NT, FH_MACHINE, 2, 0xdead }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "PE32+ I386", 1, 3, {{0}}, NO_TRUNC, machine_i386_in_pe32plus, STATUS_INVALID_IMAGE_FORMAT },
    { "PE32 AMD64", 0, 3, {{ W_NT, FH_MACHINE, 2, IMAGE_FILE_MACHINE_AMD64 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "PE32+ IA64", 1, 3, {{ W_NT, FH_MACHINE, 2, IMAGE_FILE_MACHINE_IA64 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "PE32+ ARM64 without NX_COMPAT", 1, 3, {{ W_NT, FH_MACHINE, 2, IMAGE_FILE_MACHINE_ARM64 },
      { W_OPT, OPT_DLL_CHARS, 2, IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "PE32+ ARM64 without DYNAMIC_BASE", 1, 3, {{ W_NT, FH_MACHINE, 2, IMAGE_FILE_MACHINE_ARM64 },
      { W_OPT, OPT_DLL_CHARS, 2, IMAGE_DLLCHARACTERISTICS_NX_COMPAT }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "PE32+ ARM64 relocations stripped", 1, 3, {{ W_NT, FH_MACHINE, 2, IMAGE_FILE_MACHINE_ARM64 },
      { W_NT, FH_CHARS, 2, EXE_DLL | IMAGE_FILE_RELOCS_STRIPPED }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "PE32+ ARM64 DYNAMIC_BASE | NX_COMPAT", 1, 3, {{ W_NT, FH_MACHINE, 2, IMAGE_FILE_MACHINE_ARM64 }}, NO_TRUNC, NULL,
      STATUS_SUCCESS },
    { "PE32 ARMNT DYNAMIC_BASE | NX_COMPAT", 0, 3, {{ W_NT, FH_MACHINE, 2, IMAGE_FILE_MACHINE_ARMNT }}, NO_TRUNC, NULL,
      STATUS_SUCCESS },
    { "PE32 ARMNT without DYNAMIC_BASE", 0, 3, {{ W_NT, FH_MACHINE, 2, IMAGE_FILE_MACHINE_ARMNT }, { W_OPT, OPT_DLL_CHARS, 2, 0 }},
      NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "AMD64 without DYNAMIC_BASE", 1, 3, {{ W_OPT, OPT_DLL_CHARS, 2, 0 }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "relocations stripped", 1, 3, {{ W_NT, FH_CHARS, 2, EXE_DLL | IMAGE_FILE_RELOCS_STRIPPED }}, NO_TRUNC, NULL,
      STATUS_SUCCESS },
    { "AppContainer", 1, 3, {{ W_OPT, OPT_DLL_CHARS, 2, DB_NX | IMAGE_DLLCHARACTERISTICS_APPCONTAINER }}, NO_TRUNC, NULL,
      STATUS_SUCCESS },
    { "AppContainer, relocations stripped", 1, 3, {{ W_OPT, OPT_DLL_CHARS, 2, DB_NX | IMAGE_DLLCHARACTERISTICS_APPCONTAINER },
      { W_NT, FH_CHARS, 2, EXE_DLL | IMAGE_FILE_RELOCS_STRIPPED }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    /* alignments */
    { "FileAlignment 0", 1, 3, {{ W_OPT, OPT_FILE_ALIGN, 4, 0 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "FileAlignment 0x300", 1, 3, {{ W_OPT, OPT_FILE_ALIGN, 4, 0x300 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "FileAlignment 0x600", 1, 3, {{ W_OPT, OPT_FILE_ALIGN, 4, 0x600 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "FileAlignment 0x100 (below 512, not SectionAlignment)", 1, 3, {{ W_OPT, OPT_FILE_ALIGN, 4, 0x100 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "FileAlignment 0x400", 1, 3, {{ W_OPT, OPT_FILE_ALIGN, 4, 0x400 }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "FileAlignment 0x1000", 1, 3, {{ W_OPT, OPT_FILE_ALIGN, 4, 0x1000 }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "FileAlignment 0x2000 > SectionAlignment", 1, 3, {{ W_OPT, OPT_FILE_ALIGN, 4, 0x2000 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SectionAlignment 0", 1, 3, {{ W_OPT, OPT_SECTION_ALIGN, 4, 0 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "SectionAlignment 0x3000", 1, 3, {{ W_OPT, OPT_SECTION_ALIGN, 4, 0x3000 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "SectionAlignment 0x2000, sections at 0x1000", 1, 3, {{ W_OPT, OPT_SECTION_ALIGN, 4, 0x2000 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SectionAlignment 0x100 < FileAlignment", 1, 3, {{ W_OPT, OPT_SECTION_ALIGN, 4, 0x100 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    /* sizes */
    { "SizeOfImage 0", 1, 3, {{ W_OPT, OPT_SIZE_OF_IMAGE, 4, 0 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfImage one page short", 1, 3, {{ W_OPT, OPT_SIZE_OF_IMAGE, 4, 0x3000 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfImage not page-aligned", 1, 3, {{ W_OPT, OPT_SIZE_OF_IMAGE, 4, 0x3001 }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "SizeOfImage larger than the sections", 1, 3, {{ W_OPT, OPT_SIZE_OF_IMAGE, 4, 0x100000 }}, NO_TRUNC, NULL,
      STATUS_SUCCESS },
    { "SizeOfImage 0x77000000", 1, 3, {{ W_OPT, OPT_SIZE_OF_IMAGE, 4, 0x77000000 }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "SizeOfImage 0x77001000", 1, 3, {{ W_OPT, OPT_SIZE_OF_IMAGE, 4, 0x77001000 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfImage 0xffffffff", 1, 3, {{ W_OPT, OPT_SIZE_OF_IMAGE, 4, 0xffffffff }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfHeaders 0", 1, 3, {{ W_OPT, OPT_SIZE_OF_HDRS, 4, 0 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfHeaders = SizeOfImage", 1, 3, {{ W_OPT, OPT_SIZE_OF_HDRS, 4, 0x4000 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfHeaders over a page", 1, 3, {{ W_OPT, OPT_SIZE_OF_HDRS, 4, 0x1001 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfHeaders past the end of the file", 1, 3, {{ W_OPT, OPT_SIZE_OF_HDRS, 4, 0xe00 }}, NO_TRUNC, NULL,
      STATUS_SUCCESS },
    { "SizeOfHeaders smaller than the section table", 1, 3, {{ W_OPT, OPT_SIZE_OF_HDRS, 4, 0x100 }}, NO_TRUNC, NULL,
      STATUS_SUCCESS },
    { "ImageBase not 64K-aligned", 1, 3, {{ W_OPT, OPT_IMAGE_BASE, 8, 0x10001000 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "PE32 ImageBase not 64K-aligned", 0, 3, {{ W_OPT, OPT_IMAGE_BASE, 4, 0x10000200 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "ImageBase above 4 GiB", 1, 3, {{ W_OPT, OPT_IMAGE_BASE, 8, 0x7ff000000000ull }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    /* SizeOfOptionalHeader */
    { "SizeOfOptionalHeader 0xf4 (not a multiple of 8)", 1, 3, {{ W_NT, FH_OPT_SIZE, 2, 0xf4 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfOptionalHeader too small (table inside it)", 1, 3, {{ W_NT, FH_OPT_SIZE, 2, 0x70 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfOptionalHeader too large (table past the end)", 1, 3, {{ W_NT, FH_OPT_SIZE, 2, 0xfff8 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "SizeOfOptionalHeader 0xf8, table after it", 1, 3, {{0}}, NO_TRUNC, bigger_optional_header, STATUS_SUCCESS },
    { "PE32 with SizeOfOptionalHeader of PE32+", 0, 3, {{ W_NT, FH_OPT_SIZE, 2, 0xf0 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    /* NumberOfSections */
    { "no sections", 1, 3, {{ W_NT, FH_NSECTIONS, 2, 0 }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "NumberOfSections 193", 1, 3, {{ W_NT, FH_NSECTIONS, 2, 193 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "NumberOfSections 0xffff", 1, 3, {{ W_NT, FH_NSECTIONS, 2, 0xffff }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "NumberOfSections 4 (the fourth entry is zeroes)", 1, 3, {{ W_NT, FH_NSECTIONS, 2, 4 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "150 sections", 1, 150, {{0}}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "192 sections", 1, 192, {{0}}, NO_TRUNC, NULL, STATUS_SUCCESS },
    /* section layout */
    { "gap between sections", 1, 3, {{ W_SEC2, SEC_VA, 4, 0x4000 }, { W_OPT, OPT_SIZE_OF_IMAGE, 4, 0x5000 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "overlapping sections", 1, 3, {{ W_SEC1, SEC_VA, 4, 0x1800 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "two sections at the same rva", 1, 3, {{ W_SEC1, SEC_VA, 4, 0x1000 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "sections out of order", 1, 3, {{0}}, NO_TRUNC, swap_sections, STATUS_INVALID_IMAGE_FORMAT },
    { "section over the headers", 1, 3, {{ W_SEC0, SEC_VA, 4, 0 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "section unaligned", 1, 3, {{ W_SEC0, SEC_VA, 4, 0x1200 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "section beyond SizeOfImage", 1, 3, {{ W_SEC2, SEC_VSIZE, 4, 0x1001 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "section of 4 GiB", 1, 3, {{ W_SEC2, SEC_VSIZE, 4, 0xffffffff }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "VirtualSize and SizeOfRawData 0", 1, 3, {{ W_SEC1, SEC_VSIZE, 4, 0 }, { W_SEC1, SEC_RAW, 4, 0 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "VirtualSize 0: SizeOfRawData", 1, 3, {{ W_SEC1, SEC_VSIZE, 4, 0 }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "raw range wraps", 1, 3, {{ W_SEC0, SEC_PTR, 4, 0xffffff00 }}, NO_TRUNC, NULL, STATUS_INVALID_IMAGE_FORMAT },
    { "first section's raw data past the end", 1, 3, {{ W_SEC0, SEC_PTR, 4, 0x10000 }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "last section's raw data past the end", 1, 3, {{ W_SEC2, SEC_RAW, 4, 0x400 }}, NO_TRUNC, NULL,
      STATUS_INVALID_IMAGE_FORMAT },
    { "last section without raw data, pointer past the end", 1, 3, {{ W_SEC2, SEC_RAW, 4, 0 }, { W_SEC2, SEC_PTR, 4, 0x100000 }},
      NO_TRUNC, NULL, STATUS_SUCCESS },
    { "PointerToRawData not sector-aligned", 1, 3, {{ W_SEC0, SEC_PTR, 4, 0x210 }}, NO_TRUNC, NULL, STATUS_SUCCESS },
    { "SizeOfRawData larger than VirtualSize", 1, 3, {{ W_SEC0, SEC_RAW, 4, 0x400 }, { W_SEC0, SEC_VSIZE, 4, 0x100 }},
      NO_TRUNC, NULL, STATUS_SUCCESS },
    /* SectionAlignment below the page size: the file is mapped flat */
    { "flat", 1, 3, {{0}}, NO_TRUNC, make_flat, STATUS_SUCCESS },
    { "flat PE32", 0, 3, {{0}}, NO_TRUNC, make_flat, STATUS_SUCCESS },
    { "flat, SectionAlignment 0x800, FileAlignment 0x200", 1, 3, {{0}}, NO_TRUNC, make_flat_800, STATUS_SUCCESS },
    { "flat, section not at its file offset", 1, 3, {{0}}, NO_TRUNC, make_flat_misplaced, STATUS_INVALID_IMAGE_FORMAT },
    { "flat, uninitialised data", 1, 3, {{0}}, NO_TRUNC, make_flat_bss, STATUS_INVALID_IMAGE_FORMAT },
};

TEST(image_malformed)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(malformed); i++)
    {
        const struct malformed *m = &malformed[i];
        struct test_pe pe;
        struct mm_image img;
        NTSTATUS status;

        build_pe( &pe, m->is_64bit, m->nsections, 0, 0 );
        if (m->fixup) m->fixup( &pe );
        for (unsigned int c = 0; c < ARRAY_SIZE(m->changes); c++) apply_change( &pe, &m->changes[c] );
        if (m->size != NO_TRUNC) pe.size = m->size;
        memset( &img, 0xcc, sizeof(img) );
        status = parse_pe( &pe, &img );
        ok( status == m->expect, "%s: got %s, expected %s\n", m->name, image_status_name( status ),
            image_status_name( m->expect ) );
        if (status)
        {
            static const struct mm_image zero;
            ok( !memcmp( &img, &zero, sizeof(img) ), "%s: image not zeroed on failure\n", m->name );
        }
        else image_free( &img );
        free_pe( &pe );
    }
}

/* details of some of the images above */
TEST(image_handmade_layout)
{
    struct test_pe pe;
    struct mm_image img;
    NTSTATUS status;

    /* an unaligned PointerToRawData: NT reads from its sector (kernel32 test_Loader checks the
     * section shows the file from PointerToRawData & ~0x1ff) */
    build_pe( &pe, 1, 3, 0, 0 );
    put32( pe.data + pe_sec( &pe, 0 ) + SEC_PTR, 0x210 );
    status = parse_pe( &pe, &img );
    ok( !status && img.sections[0].raw_offset == 0x200 && img.sections[0].raw_size == 0x400,
        "unaligned pointer: %s, raw %#x+%#x\n", image_status_name( status ), status ? 0 : img.sections[0].raw_offset,
        status ? 0 : img.sections[0].raw_size );
    if (!status) image_free( &img );
    free_pe( &pe );

    /* VirtualSize 0 is SizeOfRawData */
    build_pe( &pe, 1, 3, 0, 0 );
    put32( pe.data + pe_sec( &pe, 1 ) + SEC_VSIZE, 0 );
    status = parse_pe( &pe, &img );
    ok( !status && img.sections[1].virtual_size == 0x200, "VirtualSize 0: %s\n", image_status_name( status ) );
    if (!status) image_free( &img );
    free_pe( &pe );

    /* an earlier section cut by the end of the file: what is there is mapped, zeroes after */
    build_pe( &pe, 1, 3, 0, 0 );
    last_is_bss( &pe );
    status = parse_pe( &pe, &img );
    ok( !status && img.sections[1].raw_offset == 0x400 && img.sections[1].raw_size == 0x100 &&
        !img.sections[2].raw_size && !img.sections[2].raw_offset, "cut section: %s\n", image_status_name( status ) );
    if (!status) image_free( &img );
    free_pe( &pe );

    /* a first section whose data is past the end of the file reads as zeroes */
    build_pe( &pe, 1, 3, 0, 0 );
    put32( pe.data + pe_sec( &pe, 0 ) + SEC_PTR, 0x10000 );
    status = parse_pe( &pe, &img );
    ok( !status && !img.sections[0].raw_size, "data past the end: %s\n", image_status_name( status ) );
    if (!status) image_free( &img );
    free_pe( &pe );

    /* raw data beyond the virtual size stops at the page the virtual size ends in */
    build_pe( &pe, 1, 3, 0, 0x2000 );
    put32( pe.data + pe_sec( &pe, 2 ) + SEC_RAW, 0x1800 );
    put32( pe.data + pe_sec( &pe, 2 ) + SEC_VSIZE, 0x100 );
    pe.size = 0x600 + 0x1800;
    status = parse_pe( &pe, &img );
    ok( !status && img.sections[2].raw_size == 0x1000, "raw data over the virtual size: %s, %#x\n",
        image_status_name( status ), status ? 0 : img.sections[2].raw_size );
    if (!status) image_free( &img );
    free_pe( &pe );

    /* SizeOfImage is rounded to pages, not to SectionAlignment */
    build_pe( &pe, 1, 3, 0, 0 );
    put32( pe.data + pe.opt + OPT_SIZE_OF_IMAGE, 0x3001 );
    status = parse_pe( &pe, &img );
    ok( !status && img.image_size == 0x4000, "SizeOfImage 0x3001: %s\n", image_status_name( status ) );
    if (!status) image_free( &img );
    free_pe( &pe );

    /* a flat image: everything PAGE_EXECUTE_WRITECOPY, ImageMappedFlat, code (query_image_section);
     * not ImageDynamicallyRelocated (Wine 10.0's query_image_section: only Windows 8 and older
     * set it for a flat image) */
    build_pe( &pe, 1, 3, 0, 0 );
    make_flat( &pe );
    put32( pe.data + pe.opt + OPT_SIZE_OF_CODE, 0 );
    put32( pe.data + pe.opt + OPT_ENTRY, 0 );
    put32( pe.data + pe_sec( &pe, 0 ) + SEC_CHARS, IMAGE_SCN_MEM_READ );
    status = parse_pe( &pe, &img );
    ok( status == STATUS_SUCCESS, "flat: %s\n", image_status_name( status ) );
    if (!status)
    {
        ok( img.info.ImageFlags == IMGF_MAPPED_FLAT, "flat: ImageFlags %#x\n",
            img.info.ImageFlags );
        ok( img.info.ImageContainsCode, "flat: no code\n" );
        ok( img.image_size == 0x1000 && img.sections[1].rva == 0x400 && img.sections[1].raw_offset == 0x400 &&
            img.sections[1].protect == PAGE_EXECUTE_WRITECOPY, "flat: layout\n" );
        image_free( &img );
    }
    free_pe( &pe );
}

/* ---- kernel32 loader.c test_Loader's images ----------------------------------------------- */

/* create_test_dll of test_Loader, for x64: a DOS header of dos_size bytes (cut short, its
 * e_lfanew then comes from the optional header), the NT headers, at most one section of
 * 10 bytes, the file padded to 268 bytes */
static unsigned char *wine_test_dll( uint32_t dos_size, uint16_t nsections, uint16_t opt_size, uint32_t sa, uint32_t fa,
                                     uint32_t size_of_image, uint32_t size_of_headers, size_t *size )
{
    unsigned char *file = calloc( 1, 0x2000 ), dos[64] = { 'M', 'Z' }, nt[0x108] = { 0 }, *opt = nt + 24;
    size_t pos;

    put32( dos + 0x3c, 0x40 );
    put32( nt, IMAGE_NT_SIGNATURE );
    put16( nt + 4, IMAGE_FILE_MACHINE_AMD64 );
    put16( nt + 6, nsections );
    put16( nt + 20, opt_size );
    put16( nt + 22, IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL );
    put16( opt, IMAGE_NT_OPTIONAL_HDR64_MAGIC );
    opt[2] = 1;
    put32( opt + 20, 0x10 );            /* BaseOfCode, also e_lfanew of a 16-byte DOS header */
    put64( opt + 24, 0x10000000 );
    put32( opt + 32, sa );
    put32( opt + 36, fa );
    put16( opt + 40, 4 );
    put16( opt + 44, 1 );
    put16( opt + 48, 4 );
    put32( opt + 56, size_of_image );
    put32( opt + 60, size_of_headers );
    put16( opt + 68, IMAGE_SUBSYSTEM_WINDOWS_CUI );

    memcpy( file, dos, dos_size );
    pos = dos_size;
    memcpy( file + pos, nt, 24 );
    pos += 24;
    if (opt_size)
    {
        memcpy( file + pos, opt, 0xf0 );
        pos += opt_size > 0xf0 ? opt_size : 0xf0;
    }
    if (nsections)
    {
        unsigned char *sec;

        pos = dos_size + 24 + opt_size;
        sec = file + pos;
        memcpy( sec, ".rodata", 7 );
        put32( sec + SEC_RAW, 10 );
        if (sa >= 0x1000)
        {
            put32( sec + SEC_PTR, dos_size );
            put32( sec + SEC_VA, sa );
            put32( sec + SEC_VSIZE, 100 );
        }
        else
        {
            put32( sec + SEC_PTR, size_of_headers );
            put32( sec + SEC_VA, size_of_headers );
            put32( sec + SEC_VSIZE, 5 );
        }
        put32( sec + SEC_CHARS, IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ );
        memcpy( sec + 40, "section data", 12 );
        pos += 40 + 16;
    }
    if (pos < 268) pos = 268;
    *size = pos;
    return file;
}

TEST(image_wine_test_loader)
{
#define HDRS (0x40 + 0x108 + 0x28)
    static const struct
    {
        uint32_t dos_size;
        uint16_t nsections, opt_size;
        uint32_t sa, fa, size_of_image, size_of_headers;
        NTSTATUS expect;
        int pinned;   /* the status is native's NtCreateSection's, not only LoadLibrary's */
    } td[] =
    {
        /* LoadLibrary fails: ERROR_BAD_EXE_FORMAT */
        { 0x40, 1, 0, 0, 0, 0, 0, STATUS_INVALID_IMAGE_FORMAT, 0 },
        { 0x40, 1, 0xf0, 0x1000, 0x1000, HDRS + 0xe00, HDRS, STATUS_INVALID_IMAGE_FORMAT, 0 },
        /* LoadLibrary succeeds, then query_image_section checks NtCreateSection succeeds */
        { 0x40, 1, 0xf0, 0x1000, 0x1000, HDRS + 0x1000, HDRS, STATUS_SUCCESS, 1 },
        { 0x40, 1, 0xf0, 0x1000, 0x1000, 0x1f00, 0x1000, STATUS_SUCCESS, 1 },
        { 0x40, 1, 0xf0, 0x200, 0x200, HDRS + 0x200, HDRS, STATUS_SUCCESS, 1 },
        { 0x40, 1, 0xf0, 0x200, 0x1000, HDRS + 0x1000, HDRS, STATUS_INVALID_IMAGE_FORMAT, 0 },
        { 0x40, 1, 0xf0, 0x1000, 0x200, HDRS + 0x1000, HDRS, STATUS_SUCCESS, 1 },
        { 0x40, 1, 0xf0, 0x1000, 0x200, HDRS + 0x1000, 0x200, STATUS_SUCCESS, 1 },
        /* LoadLibrary fails since Vista; NtCreateSection accepts these here: the checks that
         * refuse them (SizeOfHeaders 0, a SizeOfImage below the headers) are the loader's */
        { 0x40, 0, 0x40, 0x200, 0x200, 0xd0, 0xc0, STATUS_SUCCESS, 0 },
        { 0x40, 0, 0x40, 0x200, 0x200, 0x1000, 0, STATUS_SUCCESS, 0 },
        { 0x40, 0, 0x40, 0x200, 0x200, 1, 0, STATUS_SUCCESS, 0 },
        { 0x40, 0, 0x40, 4, 4, 1, 0, STATUS_SUCCESS, 0 },
        { 0x40, 0, 0x40, 1, 1, 1, 0, STATUS_SUCCESS, 0 },
        { 0x40, 0, 0x40, 0x200, 0x200, 0, 0, STATUS_INVALID_IMAGE_FORMAT, 0 },
        /* upack */
        { 0x10, 1, 0x148, 0x1000, 0x200, HDRS + 0x1000, 0x200, STATUS_SUCCESS, 1 },
        /* minimal images of XP (92 bytes) and Windows 7 (268 bytes) */
        { 0x04, 0, 0x40, 4, 4, 1, 0, STATUS_SUCCESS, 0 },
        { 0x04, 0, 0xf0, 4, 4, 0x40, 0, STATUS_SUCCESS, 0 },
        /* 8k demos: SizeOfOptionalHeader 8 */
        { 0x04, 0, 0x08, 4, 4, 0x200000, 0x40, STATUS_SUCCESS, 1 },
    };
#undef HDRS

    for (unsigned int i = 0; i < ARRAY_SIZE(td); i++)
    {
        struct mm_image img;
        unsigned char *file;
        size_t size;
        NTSTATUS status;

        file = wine_test_dll( td[i].dos_size, td[i].nsections, td[i].opt_size, td[i].sa, td[i].fa,
                              td[i].size_of_image, td[i].size_of_headers, &size );
        status = image_parse( file, size, &img );
        ok( status == td[i].expect, "%u%s: got %s, expected %s\n", i, td[i].pinned ? "" : " (not pinned)",
            image_status_name( status ), image_status_name( td[i].expect ) );
        if (!status)
        {
            check_image_invariants( &img, size );
            /* query_image_section */
            ok( img.info.ImageFileSize == size, "%u: ImageFileSize %#x\n", i, (unsigned int)img.info.ImageFileSize );
            ok( !!(img.info.ImageFlags & IMGF_MAPPED_FLAT) == (td[i].sa < 0x1000), "%u: ImageFlags %#x\n", i,
                img.info.ImageFlags );
            ok( img.info.ImageContainsCode == (td[i].sa < 0x1000), "%u: ImageContainsCode %u\n", i,
                img.info.ImageContainsCode );
            ok( img.image_size == ((td[i].size_of_image + 0xfff) & ~0xfffu), "%u: image_size %#x\n", i, img.image_size );
            ok( img.info.TransferAddress == (void *)0x10000000, "%u: TransferAddress %p\n", i, img.info.TransferAddress );
            /* the section shows the file from its sector: PointerToRawData dos_size, read from 0 */
            if (td[i].nsections && td[i].sa >= 0x1000)
                ok( img.sections[0].raw_offset == 0 && img.sections[0].raw_size == size, "%u: raw %#x+%#x\n", i,
                    img.sections[0].raw_offset, img.sections[0].raw_size );
            image_free( &img );
        }
        free( file );
    }
}

/* ---- relocations -------------------------------------------------------------------------- */

/* build a 64-bit image with .text at 0x1000 and .reloc at 0x2000 (image 0x3000), parse it,
 * lay it out */
static unsigned char *reloc_image( struct test_pe *pe, struct mm_image *img, const uint16_t *entries, unsigned int count,
                                   uint32_t page )
{
    NTSTATUS status;

    build_pe( pe, 1, 1, 1, 0 );
    pe_set_relocs( pe, page, entries, count );
    /* values to patch at .text + 0x00 (8 bytes), + 0x10 (4), + 0x20, + 0x24, + 0x28 (2 each) */
    put64( pe->data + 0x200, 0x10001234 );
    put32( pe->data + 0x210, 0x10005678 );
    put16( pe->data + 0x220, 0x1000 );
    put16( pe->data + 0x224, 0x1234 );
    put16( pe->data + 0x228, 0x1000 );
    status = image_parse( pe->data, pe->size, img );
    ok( status == STATUS_SUCCESS, "got %s\n", image_status_name( status ) );
    if (status) return NULL;
    ok( img->image_size == 0x3000 && img->reloc_rva == 0x2000 && img->reloc_size == 8 + 2 * count,
        "layout %#x, relocations %#x+%#x\n", img->image_size, img->reloc_rva, img->reloc_size );
    return layout_image( pe->data, pe->size, img );
}

TEST(image_relocate_types)
{
    static const uint16_t entries[] =
    {
        IMAGE_REL_BASED_DIR64 << 12 | 0x000,
        IMAGE_REL_BASED_HIGHLOW << 12 | 0x010,
        IMAGE_REL_BASED_HIGH << 12 | 0x020,
        IMAGE_REL_BASED_LOW << 12 | 0x024,
        IMAGE_REL_BASED_HIGHADJ << 12 | 0x028, 0x9000,   /* the low half: 0x9000, negative */
        IMAGE_REL_BASED_ABSOLUTE << 12 | 0x030,
    };
    static const int64_t deltas[] = { 0x123456780000ll, -0x10000, 0x7fff0000, -0x100000000ll };
    struct test_pe pe;
    struct mm_image img;

    for (unsigned int d = 0; d < ARRAY_SIZE(deltas); d++)
    {
        int64_t delta = deltas[d];
        unsigned char *image = reloc_image( &pe, &img, entries, ARRAY_SIZE(entries), 0x1000 ), *orig;
        uint32_t full;
        NTSTATUS status;

        if (!image)
        {
            free_pe( &pe );
            continue;
        }
        orig = malloc( img.image_size );
        memcpy( orig, image, img.image_size );
        status = image_relocate( image, &img, delta );
        ok( status == STATUS_SUCCESS, "%d: got %s\n", d, image_status_name( status ) );
        ok( get64( image + 0x1000 ) == 0x10001234 + (uint64_t)delta, "%d: DIR64 %#llx\n", d,
            (unsigned long long)get64( image + 0x1000 ) );
        ok( get32( image + 0x1010 ) == (uint32_t)(0x10005678 + (uint64_t)delta), "%d: HIGHLOW %#x\n", d,
            get32( image + 0x1010 ) );
        ok( get16( image + 0x1020 ) == (uint16_t)(0x1000 + ((uint64_t)delta >> 16)), "%d: HIGH %#x\n", d,
            get16( image + 0x1020 ) );
        ok( get16( image + 0x1024 ) == (uint16_t)(0x1234 + delta), "%d: LOW %#x\n", d, get16( image + 0x1024 ) );
        /* HIGHADJ: the high half of (0x1000 << 16) + (short)0x9000 + delta, rounded */
        full = (0x1000u << 16) + (uint32_t)(int32_t)(int16_t)0x9000 + (uint32_t)delta;
        ok( get16( image + 0x1028 ) == (uint16_t)((full + 0x8000) >> 16), "%d: HIGHADJ %#x\n", d, get16( image + 0x1028 ) );
        ok( get64( image + PE_LFANEW + 24 + OPT_IMAGE_BASE ) == PE_IMAGE_BASE + (uint64_t)delta, "%d: ImageBase %#llx\n",
            d, (unsigned long long)get64( image + PE_LFANEW + 24 + OPT_IMAGE_BASE ) );
        /* nothing else changed */
        memcpy( orig + PE_LFANEW + 24 + OPT_IMAGE_BASE, image + PE_LFANEW + 24 + OPT_IMAGE_BASE, 8 );
        memcpy( orig + 0x1000, image + 0x1000, 8 );
        memcpy( orig + 0x1010, image + 0x1010, 4 );
        memcpy( orig + 0x1020, image + 0x1020, 2 );
        memcpy( orig + 0x1024, image + 0x1024, 2 );
        memcpy( orig + 0x1028, image + 0x1028, 2 );
        ok( !memcmp( orig, image, img.image_size ), "%d: other bytes changed\n", d );

        /* delta 0 changes nothing */
        memcpy( orig, image, img.image_size );
        ok( image_relocate( image, &img, 0 ) == STATUS_SUCCESS && !memcmp( orig, image, img.image_size ), "delta 0\n" );
        free( orig );
        free( image );
        image_free( &img );
        free_pe( &pe );
    }
}

TEST(image_relocate_malformed)
{
    static const struct
    {
        const char *name;
        uint16_t entries[4];
        unsigned int count;
        uint32_t page;
        int block_size_change;     /* added to SizeOfBlock (not to the directory size) */
        int dir_size_change;       /* added to the directory size */
        uint32_t dir_rva;          /* 0: keep */
        NTSTATUS expect;
    } tests[] =
    {
        { "valid", { 0xa000, 0x3010 }, 2, 0x1000, 0, 0, 0, STATUS_SUCCESS },
        { "empty block", { 0 }, 0, 0x1000, 0, 0, 0, STATUS_SUCCESS },
        { "SizeOfBlock 0", { 0xa000 }, 1, 0x1000, -10, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        { "SizeOfBlock 4", { 0xa000 }, 1, 0x1000, -6, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        { "SizeOfBlock beyond the directory", { 0xa000 }, 1, 0x1000, 2, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        /* a tail shorter than a block header is padding: the second entry is never read */
        { "SizeOfBlock short of the directory by 2", { 0xa000, 0xa008 }, 2, 0x1000, -2, 0, 0, STATUS_SUCCESS },
        { "SizeOfBlock short of the directory by 8", { 0xa000, 0xa008, 0xa010, 0xa018 }, 4, 0x1000, -8, 0, 0,
          STATUS_INVALID_IMAGE_FORMAT },
        { "padding after the last block", { 0xa000 }, 1, 0x1000, 0, 4, 0, STATUS_SUCCESS },
        { "odd SizeOfBlock", { 0xa000 }, 1, 0x1000, 1, 1, 0, STATUS_SUCCESS },
        { "target past the image", { 0xaffc }, 1, 0x2000, 0, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        { "target ending the image", { 0xaff8 }, 1, 0x2000, 0, 0, 0, STATUS_SUCCESS },
        { "HIGHLOW ending the image", { 0x3ffc }, 1, 0x2000, 0, 0, 0, STATUS_SUCCESS },
        { "HIGHLOW past the image", { 0x3ffd }, 1, 0x2000, 0, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        { "page far past the image", { 0xa000 }, 1, 0x10000000, 0, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        { "page 0xfffff000", { 0x3fff }, 1, 0xfffff000, 0, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        { "ABSOLUTE anywhere", { 0x0fff }, 1, 0x10000000, 0, 0, 0, STATUS_SUCCESS },
        { "type 5 (MIPS_JMPADDR / ARM_MOV32)", { 0x5000 }, 1, 0x1000, 0, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        { "type 11", { 0xb000 }, 1, 0x1000, 0, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        { "HIGHADJ without its second entry", { 0xa000, 0x4020 }, 2, 0x1000, 0, 0, 0, STATUS_INVALID_IMAGE_FORMAT },
        { "directory past the image", { 0xa000 }, 1, 0x1000, 0, 0, 0x2ff8, STATUS_INVALID_IMAGE_FORMAT },
        { "directory rva past the image", { 0xa000 }, 1, 0x1000, 0, 0, 0x7000, STATUS_INVALID_IMAGE_FORMAT },
    };
    struct test_pe pe;
    struct mm_image img;

    for (unsigned int i = 0; i < ARRAY_SIZE(tests); i++)
    {
        unsigned char *image = reloc_image( &pe, &img, tests[i].entries, tests[i].count, tests[i].page ), *orig;
        NTSTATUS status;

        if (!image)
        {
            free_pe( &pe );
            continue;
        }
        /* change the block and the directory in the laid-out image, as a file would */
        put32( image + 0x2004, get32( image + 0x2004 ) + tests[i].block_size_change );
        img.reloc_size += tests[i].dir_size_change;
        if (tests[i].dir_rva) img.reloc_rva = tests[i].dir_rva;
        orig = malloc( img.image_size );
        memcpy( orig, image, img.image_size );
        status = image_relocate( image, &img, 0x10000 );
        ok( status == tests[i].expect, "%s: got %s, expected %s\n", tests[i].name, image_status_name( status ),
            image_status_name( tests[i].expect ) );
        if (status) ok( !memcmp( orig, image, img.image_size ), "%s: image changed on failure\n", tests[i].name );
        else ok( tests[i].count < 1 || tests[i].entries[0] >> 12 == 0 || memcmp( orig, image, img.image_size ),
                 "%s: nothing relocated\n", tests[i].name );
        free( orig );
        free( image );
        image_free( &img );
        free_pe( &pe );
    }
}

TEST(image_relocate_two_blocks)
{
    /* a valid first block, then a malformed second one: nothing at all is applied */
    struct test_pe pe;
    struct mm_image img;
    static const uint16_t entries[] = { 0xa000 };
    unsigned char *image = reloc_image( &pe, &img, entries, 1, 0x1000 ), *orig;
    NTSTATUS status;

    if (!image)
    {
        free_pe( &pe );
        return;
    }
    /* second block right after the first (0x2000 + 10, padded to 0x200c) */
    put32( image + 0x2004, 12 );
    put32( image + 0x200c, 0x1000 );
    put32( image + 0x2010, 0 );        /* SizeOfBlock 0 */
    img.reloc_size = 12 + 10;
    orig = malloc( img.image_size );
    memcpy( orig, image, img.image_size );
    status = image_relocate( image, &img, 0x10000 );
    ok( status == STATUS_INVALID_IMAGE_FORMAT && !memcmp( orig, image, img.image_size ), "got %s\n",
        image_status_name( status ) );
    /* a valid second block: both applied */
    put32( image + 0x2010, 10 );
    put16( image + 0x2014, 0xa008 );
    status = image_relocate( image, &img, 0x10000 );
    ok( status == STATUS_SUCCESS, "got %s\n", image_status_name( status ) );
    ok( get64( image + 0x1000 ) == get64( orig + 0x1000 ) + 0x10000 && get64( image + 0x1008 ) == get64( orig + 0x1008 ) + 0x10000,
        "blocks not applied\n" );
    /* no directory at all: only the header's ImageBase is (re)written */
    img.reloc_rva = img.reloc_size = 0;
    memcpy( orig, image, img.image_size );
    status = image_relocate( image, &img, 0x10000 );
    ok( status == STATUS_SUCCESS && get64( image + PE_LFANEW + 24 + OPT_IMAGE_BASE ) == PE_IMAGE_BASE + 0x10000,
        "no directory: %s, ImageBase %#llx\n", image_status_name( status ),
        (unsigned long long)get64( image + PE_LFANEW + 24 + OPT_IMAGE_BASE ) );
    put64( orig + PE_LFANEW + 24 + OPT_IMAGE_BASE, PE_IMAGE_BASE + 0x10000 );
    ok( !memcmp( orig, image, img.image_size ), "no directory: other bytes changed\n" );
    free( orig );
    free( image );
    image_free( &img );
    free_pe( &pe );
}

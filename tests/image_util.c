/*
 * ntdll-mm native tests: helpers for the PE parser tests (see image_util.h).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "image_util.h"

const char * const pe_sample_names[4] =
{
    "pe_sample64.dll", "pe_sample64.exe", "pe_sample32.dll", "pe_sample32.exe"
};

/* $NTDLL_MM_PE_SAMPLES, else <directory of the test program>/data; libtool may run the real
 * program from tests/.libs, whose parent is tests/ */
static void sample_dir( char *dir, size_t len )
{
    const char *env = getenv( "NTDLL_MM_PE_SAMPLES" );
    ssize_t n;
    char *slash;

    if (env && *env)
    {
        snprintf( dir, len, "%s", env );
        return;
    }
    n = readlink( "/proc/self/exe", dir, len - 1 );
    if (n <= 0)
    {
        snprintf( dir, len, "tests/data" );
        return;
    }
    dir[n] = 0;
    if ((slash = strrchr( dir, '/' ))) *slash = 0;
    n = strlen( dir );
    if (n >= 6 && !strcmp( dir + n - 6, "/.libs" )) dir[n - 6] = 0;
    snprintf( dir + strlen( dir ), len - strlen( dir ), "/data" );
}

unsigned char *load_pe_sample( const char *name, size_t *size, char *why, size_t why_len )
{
    char dir[4096], path[4200];
    unsigned char *buf;
    FILE *f;
    long len;

    sample_dir( dir, sizeof(dir) );
    snprintf( path, sizeof(path), "%s/%s", dir, name );
    if (!(f = fopen( path, "rb" )))
    {
        snprintf( why, why_len, "%s not found (MinGW x86_64-w64-mingw32-gcc / i686-w64-mingw32-gcc missing at "
                  "build time?)", path );
        return NULL;
    }
    fseek( f, 0, SEEK_END );
    len = ftell( f );
    fseek( f, 0, SEEK_SET );
    if (len <= 0 || !(buf = malloc( len )) || fread( buf, 1, len, f ) != (size_t)len)
    {
        snprintf( why, why_len, "cannot read %s", path );
        fclose( f );
        return NULL;
    }
    fclose( f );
    *size = len;
    return buf;
}

uint32_t pe_opt_field( const struct test_pe *pe, uint32_t offset64 )
{
    if (pe->is_64bit) return pe->opt + offset64;
    switch (offset64)
    {
    case OPT_IMAGE_BASE: return pe->opt + 28;
    case OPT_NUM_DIRS:   return pe->opt + 92;
    }
    if (offset64 >= OPT_DIR(0)) return pe->opt + offset64 - 16;  /* data directories */
    return pe->opt + offset64;   /* the fields before the stack sizes are common */
}

void build_pe( struct test_pe *pe, int is_64bit, unsigned int nsections, int with_relocs, size_t slack )
{
    unsigned int total = nsections + (with_relocs ? 1 : 0), i;
    uint32_t opt_size = is_64bit ? 0xf0 : 0xe0, hdr, first_va, image_size;
    unsigned char *p;

    memset( pe, 0, sizeof(*pe) );
    pe->is_64bit = is_64bit;
    pe->nsections = total;
    pe->opt = PE_LFANEW + 24;
    pe->table = pe->opt + opt_size;
    hdr = (pe->table + 40 * total + 0x1ff) & ~0x1ffu;
    first_va = (hdr + 0xfff) & ~0xfffu;
    image_size = first_va + 0x1000 * total;
    pe->size = hdr + 0x200 * total;
    pe->data = calloc( 1, pe->size + slack );
    p = pe->data;

    put16( p, IMAGE_DOS_SIGNATURE );
    put32( p + 0x3c, PE_LFANEW );
    put32( p + PE_LFANEW, IMAGE_NT_SIGNATURE );
    put16( p + PE_LFANEW + FH_MACHINE, is_64bit ? IMAGE_FILE_MACHINE_AMD64 : IMAGE_FILE_MACHINE_I386 );
    put16( p + PE_LFANEW + FH_NSECTIONS, total );
    put16( p + PE_LFANEW + FH_OPT_SIZE, opt_size );
    put16( p + PE_LFANEW + FH_CHARS, IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_DLL |
           (is_64bit ? IMAGE_FILE_LARGE_ADDRESS_AWARE : IMAGE_FILE_32BIT_MACHINE) );

    put16( p + pe->opt + OPT_MAGIC, is_64bit ? IMAGE_NT_OPTIONAL_HDR64_MAGIC : IMAGE_NT_OPTIONAL_HDR32_MAGIC );
    p[pe->opt + 2] = 2;  /* linker version */
    put32( p + pe->opt + OPT_SIZE_OF_CODE, nsections ? 0x200 : 0 );
    put32( p + pe->opt + OPT_ENTRY, nsections ? first_va + 0x10 : 0 );
    if (is_64bit) put64( p + pe->opt + OPT_IMAGE_BASE, PE_IMAGE_BASE );
    else put32( p + pe->opt + 28, PE_IMAGE_BASE );
    put32( p + pe->opt + OPT_SECTION_ALIGN, 0x1000 );
    put32( p + pe->opt + OPT_FILE_ALIGN, 0x200 );
    put16( p + pe->opt + 40, 6 );            /* MajorOperatingSystemVersion */
    put16( p + pe->opt + 42, 1 );            /* MinorOperatingSystemVersion */
    put16( p + pe->opt + 48, 6 );            /* MajorSubsystemVersion */
    put16( p + pe->opt + 50, 2 );            /* MinorSubsystemVersion */
    put32( p + pe->opt + OPT_SIZE_OF_IMAGE, image_size );
    put32( p + pe->opt + OPT_SIZE_OF_HDRS, hdr );
    put32( p + pe->opt + OPT_CHECKSUM, 0x1234 );
    put16( p + pe->opt + 68, IMAGE_SUBSYSTEM_WINDOWS_CUI );
    put16( p + pe->opt + OPT_DLL_CHARS, IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE | IMAGE_DLLCHARACTERISTICS_NX_COMPAT );
    if (is_64bit)
    {
        put64( p + pe->opt + 72, 0x100000 );  /* stack reserve */
        put64( p + pe->opt + 80, 0x2000 );    /* stack commit */
    }
    else
    {
        put32( p + pe->opt + 72, 0x100000 );
        put32( p + pe->opt + 76, 0x2000 );
    }
    put32( p + pe_opt_field( pe, OPT_NUM_DIRS ), IMAGE_NUMBEROF_DIRECTORY_ENTRIES );

    for (i = 0; i < total; i++)
    {
        unsigned char *s = p + pe_sec( pe, i );
        int reloc = with_relocs && i == total - 1;

        if (reloc) memcpy( s, ".reloc", 6 );
        else snprintf( (char *)s, 8, i ? ".data%u" : ".text", i );
        put32( s + SEC_VSIZE, reloc ? 8 + 2 * PE_RELOC_MAX : 0x800 );
        put32( s + SEC_VA, first_va + 0x1000 * i );
        put32( s + SEC_RAW, 0x200 );
        put32( s + SEC_PTR, hdr + 0x200 * i );
        put32( s + SEC_CHARS, reloc ? IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_DISCARDABLE :
               !i ? IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_READ :
               IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE );
        if (!reloc) memset( p + hdr + 0x200 * i, 0x11 * (i + 1), 0x200 );
    }
    if (with_relocs)
    {
        put32( p + pe_opt_field( pe, OPT_DIR( IMAGE_DIRECTORY_ENTRY_BASERELOC ) ), first_va + 0x1000 * (total - 1) );
        pe_set_relocs( pe, first_va, NULL, 0 );
    }
}

void pe_set_relocs( struct test_pe *pe, uint32_t page, const uint16_t *entries, unsigned int count )
{
    uint32_t s = pe_sec( pe, pe->nsections - 1 );
    unsigned char *block = pe->data + get32( pe->data + s + SEC_PTR );

    memset( block, 0, 0x200 );
    put32( block, page );
    put32( block + 4, 8 + 2 * count );
    for (unsigned int i = 0; i < count && i < PE_RELOC_MAX; i++) put16( block + 8 + 2 * i, entries[i] );
    put32( pe->data + pe_opt_field( pe, OPT_DIR( IMAGE_DIRECTORY_ENTRY_BASERELOC ) ) + 4, 8 + 2 * count );
}

void free_pe( struct test_pe *pe )
{
    free( pe->data );
    pe->data = NULL;
}

unsigned char *layout_image( const unsigned char *file, size_t size, const struct mm_image *img )
{
    unsigned char *image = calloc( 1, img->image_size );
    size_t hdr = img->headers_size < size ? img->headers_size : size;

    if (!image)
    {
        ok( 0, "cannot allocate %#x bytes for the image\n", img->image_size );
        return NULL;
    }
    if (hdr > img->image_size) hdr = img->image_size;
    memcpy( image, file, hdr );
    for (unsigned int i = 0; i < img->nsections; i++)
    {
        const struct mm_image_section *sec = &img->sections[i];
        if (sec->raw_size) memcpy( image + sec->rva, file + sec->raw_offset, sec->raw_size );
    }
    return image;
}

unsigned int check_image_invariants_( const char *file, int line, const struct mm_image *img, size_t size )
{
    int flat = !!(img->info.ImageFlags & 0x08);
    unsigned int failures = 0;
    uint64_t prev_end = 0;

    /* only failures are reported: the fuzzer checks millions of these */
#define inv_ok( cond, ... ) do { if (!(cond)) { mmtest_ok( file, line, 0, __VA_ARGS__ ); failures++; } } while (0)
    inv_ok( img->image_size && !(img->image_size & 0xfff), "image_size %#x\n", img->image_size );
    inv_ok( img->headers_size < img->image_size, "headers_size %#x image_size %#x\n", img->headers_size, img->image_size );
    inv_ok( !(img->image_base & 0xffff), "image_base %#llx\n", (unsigned long long)img->image_base );
    inv_ok( img->nsections <= 192, "nsections %u\n", img->nsections );
    inv_ok( !img->nsections || img->sections, "no section array\n" );
    inv_ok( flat == (img->section_alignment < 0x1000), "flat %d, SectionAlignment %#x\n", flat, img->section_alignment );
    inv_ok( img->info.ImageFileSize == size, "ImageFileSize %#x, size %#zx\n", (unsigned int)img->info.ImageFileSize, size );
    inv_ok( !img->reloc_size || img->reloc_rva, "reloc directory %#x+%#x\n", img->reloc_rva, img->reloc_size );
    for (unsigned int i = 0; i < img->nsections && !failures; i++)
    {
        const struct mm_image_section *sec = &img->sections[i];
        uint64_t vend = (uint64_t)sec->rva + (flat ? sec->virtual_size : ((uint64_t)sec->virtual_size + 0xfff) & ~0xfffull);

        inv_ok( vend <= img->image_size, "section %u %#x+%#x past image_size %#x\n", i, sec->rva, sec->virtual_size,
                img->image_size );
        inv_ok( (uint64_t)sec->raw_offset + sec->raw_size <= size, "section %u raw %#x+%#x past the file (%#zx)\n",
                i, sec->raw_offset, sec->raw_size, size );
        inv_ok( sec->raw_size <= (((uint64_t)sec->virtual_size + 0xfff) & ~0xfffull),
                "section %u raw_size %#x virtual_size %#x\n", i, sec->raw_size, sec->virtual_size );
        inv_ok( !sec->name[8], "section %u name not terminated\n", i );
        if (flat)
        {
            inv_ok( sec->protect == PAGE_EXECUTE_WRITECOPY, "section %u protect %#x\n", i, sec->protect );
            continue;
        }
        inv_ok( sec->virtual_size, "section %u has no size\n", i );
        inv_ok( sec->rva >= prev_end, "section %u at %#x overlaps the previous one (end %#llx)\n", i, sec->rva,
                (unsigned long long)prev_end );
        inv_ok( sec->rva >= img->headers_size, "section %u at %#x overlaps the headers (%#x)\n", i, sec->rva,
                img->headers_size );
        inv_ok( !(sec->rva & (img->section_alignment - 1)), "section %u at %#x unaligned\n", i, sec->rva );
        inv_ok( sec->protect == image_section_protect( sec->characteristics ), "section %u protect %#x\n", i, sec->protect );
        prev_end = vend;
    }
#undef inv_ok
    return failures;
}

const char *image_status_name( NTSTATUS status )
{
    static char buf[4][16];
    static int idx;

    switch ((ULONG)status)
    {
#define CASE(s) case (ULONG)s: return #s
    CASE(STATUS_SUCCESS);
    CASE(STATUS_INVALID_IMAGE_FORMAT);
    CASE(STATUS_INVALID_IMAGE_NOT_MZ);
    CASE(STATUS_INVALID_IMAGE_PROTECT);
    CASE(STATUS_INVALID_IMAGE_WIN_16);
    CASE(STATUS_INVALID_IMAGE_NE_FORMAT);
    CASE(STATUS_INVALID_IMAGE_WIN_64);
    CASE(STATUS_INVALID_FILE_FOR_SECTION);
    CASE(STATUS_NO_MEMORY);
#undef CASE
    }
    idx = (idx + 1) % 4;
    snprintf( buf[idx], sizeof(buf[idx]), "%#x", (unsigned int)status );
    return buf[idx];
}

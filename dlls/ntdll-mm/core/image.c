/*
 * ntdll-mm core: PE image parsing for SEC_IMAGE sections (validation, layout, relocations).
 *
 * The rules are NT's section-creation checks, each with the public source that establishes it:
 *  [pecoff] Microsoft's "PE Format" specification (learn.microsoft.com/windows/win32/debug/pe-format);
 *  [kvirt]  Wine's dlls/kernel32/tests/virtual.c (passes on Windows);
 *  [ros]    ReactOS ntoskrnl/mm/section.c PeFmtCreateSection (behaviour only);
 *  [wrk-only] PROVENANCE: a rule whose only basis so far is the Windows Research Kernel, which
 *           Wine cannot accept; docs/image-provenance.md lists each one with Wine's behaviour as
 *           the replacement (to be done before this file goes upstream);
 *  [pelib]  avast/retdec src/pelib/ImageLoader.cpp, which reproduces the Windows 7 and 10
 *           image loader's checks found by comparing its mappings with real Windows;
 *  [w10]    notes on Windows 10 19041's image checks (alignment, machine, SizeOfImage
 *           limit, SizeOfOptionalHeader % 8, non-Intel images must be DYNAMIC_BASE|NX_COMPAT);
 *  [loader] Wine's dlls/kernel32/tests/loader.c, which pins the statuses native Windows
 *           returns (test_Loader, map_image_section, query_image_section, test_section_access);
 *  [wine]   Wine 8.0 server/mapping.c get_image_params for the SECTION_IMAGE_INFORMATION
 *           fields and the COM+ flags.
 * Each check says where it comes from.  Everything is read through bounds-checked helpers:
 * no field of the file is trusted (tests/image_fuzz.c).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "host.h"   /* mm_calloc, mm_free */

#define IMG_PAGE_SIZE    0x1000u           /* x86_64 NT page */
#define IMG_PAGE_MASK    (IMG_PAGE_SIZE - 1)
#define IMG_SECTOR_MASK  0x1ffu            /* image data is read in 512-byte sectors [loader] */
#define IMG_MAX_SECTIONS 192               /* Windows 7 and later; XP allowed 96 [pelib] */
#define IMG_MAX_SIZE     0x77000000u       /* largest SizeOfImage, Windows 10 [w10] */

/* sizes of the on-disk structures (winnt.h), spelt out: the parser never casts file bytes */
#define NT_SIG_SIZE      4
#define FILE_HDR_SIZE    20
#define OPT32_SIZE       224
#define OPT64_SIZE       240
#define SEC_HDR_SIZE     40
#define COR20_SIZE       72

/* SECTION_IMAGE_INFORMATION.ImageFlags bits */
#define IMGF_COMPLUS_NATIVE_READY   0x01
#define IMGF_COMPLUS_IL_ONLY        0x02
#define IMGF_DYNAMICALLY_RELOCATED  0x04
#define IMGF_MAPPED_FLAT            0x08
#define IMGF_COMPLUS_PREFER_32BIT   0x20

#define IMAGE_LOADER_FLAGS_COMPLUS_ 0x00000001   /* LoaderFlags of a .NET image [loader][wine] */

#ifndef IMAGE_FILE_MACHINE_ARM64
#define IMAGE_FILE_MACHINE_ARM64 0xaa64
#endif
#ifndef IMAGE_DLLCHARACTERISTICS_APPCONTAINER
#define IMAGE_DLLCHARACTERISTICS_APPCONTAINER 0x1000
#endif

/* ---- little-endian readers: out-of-range bytes read as zero, as NT's zero-filled
 *      header page does [loader] ------------------------------------------------------------- */

struct image_file
{
    const unsigned char *data;
    uint64_t size;
};

static uint8_t rd8( const struct image_file *f, uint64_t off )
{
    return off < f->size ? f->data[off] : 0;
}

static uint16_t rd16( const struct image_file *f, uint64_t off )
{
    return rd8( f, off ) | (uint16_t)rd8( f, off + 1 ) << 8;
}

static uint32_t rd32( const struct image_file *f, uint64_t off )
{
    return rd16( f, off ) | (uint32_t)rd16( f, off + 2 ) << 16;
}

static uint64_t rd64( const struct image_file *f, uint64_t off )
{
    return rd32( f, off ) | (uint64_t)rd32( f, off + 4 ) << 32;
}

static int is_pow2( uint32_t x )
{
    return x && !(x & (x - 1));
}

static uint64_t round_up64( uint64_t v, uint64_t align )  /* align: power of two */
{
    return (v + align - 1) & ~(align - 1);
}

/* ---- protections ---------------------------------------------------------------------- */

/* NT's image protection table, indexed by the section's execute/read/write/shared bits
 * ([loader] test_section_access, [pelib] ImageProtectionArray; the non-shared half is pinned
 * by [loader] test_section_access).  Sections with none of the MEM_* bits are NOACCESS:
 * NT does not fall back to the CNT_* bits (ReactOS does; Windows does not). */
uint32_t image_section_protect( uint32_t characteristics )
{
    static const uint32_t table[16] =
    {
        PAGE_NOACCESS,    PAGE_EXECUTE,           PAGE_READONLY,  PAGE_EXECUTE_READ,
        PAGE_WRITECOPY,   PAGE_EXECUTE_WRITECOPY, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY,
        PAGE_NOACCESS,    PAGE_EXECUTE,           PAGE_READONLY,  PAGE_EXECUTE_READ,
        PAGE_READWRITE,   PAGE_EXECUTE_READWRITE, PAGE_READWRITE, PAGE_EXECUTE_READWRITE,
    };
    unsigned int index = 0;

    if (characteristics & IMAGE_SCN_MEM_EXECUTE) index |= 1;
    if (characteristics & IMAGE_SCN_MEM_READ)    index |= 2;
    if (characteristics & IMAGE_SCN_MEM_WRITE)   index |= 4;
    if (characteristics & IMAGE_SCN_MEM_SHARED)  index |= 8;
    return table[index];
}

/* ---- NE / LE: the statuses NT returns for 16-bit and OS/2 executables ------------------- */

static NTSTATUS non_pe_status( const struct image_file *f, uint64_t nt )
{
    uint16_t exetyp, expver;

    /* [wine] get_image_params; [loader] test_Loader: ne_exetyp 2 gives
     * STATUS_INVALID_IMAGE_WIN_16, 5 STATUS_INVALID_IMAGE_PROTECT, others NE_FORMAT.
     * The DOS-extender heuristics (PharLap, Rational, Lotus, Borland 16STUB, import checks)
     * are not reproduced: those files get STATUS_INVALID_IMAGE_NE_FORMAT.  [wrk-only]: the
     * exetyp 0 with version 2.x/3.x case and ne_enttab == ne_imptab. */
    if (rd16( f, nt ) == IMAGE_OS2_SIGNATURE)
    {
        exetyp = rd8( f, nt + 0x36 );
        expver = rd16( f, nt + 0x3e );
        if (exetyp == 2 || (exetyp == 0 && ((expver & 0xff00) == 0x200 || (expver & 0xff00) == 0x300)))
            return STATUS_INVALID_IMAGE_WIN_16;
        if (exetyp == 5 || rd16( f, nt + 0x04 ) == rd16( f, nt + 0x28 ))  /* ne_enttab == ne_imptab */
            return STATUS_INVALID_IMAGE_PROTECT;
        return STATUS_INVALID_IMAGE_NE_FORMAT;
    }
    /* LE (OS/2, VxD) and anything else: handed to the DOS subsystem [loader][wine] */
    return STATUS_INVALID_IMAGE_PROTECT;
}

/* ---- the image as mapped: what lies at an RVA --------------------------------------------- */

/* Copy len bytes at rva of the image as section.c lays it out (header bytes, each section's
 * raw data at its RVA, zero elsewhere) from the file.  Used for the COM+ header. */
static void read_image_rva( const struct image_file *f, const struct mm_image *img, uint32_t rva,
                            unsigned char *buf, uint32_t len )
{
    for (uint32_t i = 0; i < len; i++)
    {
        uint64_t r = (uint64_t)rva + i;
        buf[i] = 0;
        if (r >= img->image_size) continue;
        if (img->info.ImageFlags & IMGF_MAPPED_FLAT)
        {
            buf[i] = rd8( f, r );
            continue;
        }
        if (r < img->headers_size) buf[i] = rd8( f, r );
        for (unsigned int s = 0; s < img->nsections; s++)
        {
            const struct mm_image_section *sec = &img->sections[s];
            if (r >= sec->rva && r - sec->rva < sec->raw_size) buf[i] = rd8( f, sec->raw_offset + (r - sec->rva) );
        }
    }
}

/* [wine] get_image_params/load_clr_header, [loader] query_image_section: the ComPlus flags
 * come from a COR20 header of runtime version 2.5 or later with COMIMAGE_FLAGS_ILONLY. */
static void set_complus_flags( const struct image_file *f, struct mm_image *img, uint32_t cor_rva, uint32_t cor_size )
{
    unsigned char cor[COR20_SIZE];
    struct image_file hdr = { cor, sizeof(cor) };
    uint16_t major, minor;
    uint32_t flags;

    read_image_rva( f, img, cor_rva, cor, cor_size < sizeof(cor) ? cor_size : sizeof(cor) );
    if (cor_size < sizeof(cor)) memset( cor + cor_size, 0, sizeof(cor) - cor_size );
    major = rd16( &hdr, 4 );
    minor = rd16( &hdr, 6 );
    flags = rd32( &hdr, 16 );
    if (major < 2 || (major == 2 && minor < 5)) return;
    if (!(flags & COMIMAGE_FLAGS_ILONLY)) return;
    img->info.ImageFlags |= IMGF_COMPLUS_IL_ONLY;
    if (!img->is_64bit)
    {
        if (!(flags & COMIMAGE_FLAGS_32BITREQUIRED)) img->info.ImageFlags |= IMGF_COMPLUS_NATIVE_READY;
        if (flags & COMIMAGE_FLAGS_32BITPREFERRED) img->info.ImageFlags |= IMGF_COMPLUS_PREFER_32BIT;
    }
}

/* ---- sections ------------------------------------------------------------------------------ */

/* Sections of an image with SectionAlignment >= page size: each gets its own pages. */
static NTSTATUS parse_sections( const struct image_file *f, struct mm_image *img, uint64_t table,
                                uint32_t size_of_image )
{
    const uint32_t sa = img->section_alignment, fa = img->file_alignment;
    uint64_t image_pages = round_up64( size_of_image, IMG_PAGE_SIZE ) / IMG_PAGE_SIZE;
    uint64_t next_va, pages;

    /* [pelib] (Windows 10): SizeOfHeaders 0 is refused when sections get their own pages */
    if (!img->headers_size) return STATUS_INVALID_IMAGE_FORMAT;
    /* [wrk-only] the header pages, rounded to SectionAlignment, must fit in SizeOfImage */
    next_va = round_up64( img->headers_size, sa );
    pages = next_va / IMG_PAGE_SIZE;
    if (pages > image_pages) return STATUS_INVALID_IMAGE_FORMAT;
    image_pages -= pages;

    for (unsigned int i = 0; i < img->nsections; i++)
    {
        struct mm_image_section *sec = &img->sections[i];
        uint64_t h = table + (uint64_t)i * SEC_HDR_SIZE;
        uint32_t va = rd32( f, h + 12 ), vsize = rd32( f, h + 8 ), raw = rd32( f, h + 16 );
        uint32_t ptr = rd32( f, h + 20 );
        uint64_t start, end, limit;

        memcpy( sec->name, f->data + h, 8 );  /* the table was checked to lie in the file */
        sec->name[8] = 0;
        sec->characteristics = rd32( f, h + 36 );
        if (!vsize) vsize = raw;     /* VirtualSize 0 means SizeOfRawData [wine][ros] */
        if (!raw) ptr = 0;           /* no raw data, no pointer [pecoff][ros] */
        /* the raw range must not wrap [wine][ros] */
        if ((uint64_t)ptr + raw > 0xffffffffu) return STATUS_INVALID_IMAGE_FORMAT;
        /* [pecoff][ros][pelib] sections follow each other exactly: each starts where the previous one,
         * rounded to SectionAlignment, ended, so they are sorted and never overlap */
        if (va != next_va) return STATUS_INVALID_IMAGE_FORMAT;
        /* [ros] a section of no size at all is refused */
        if (!vsize) return STATUS_INVALID_IMAGE_FORMAT;
        pages = round_up64( vsize, sa ) / IMG_PAGE_SIZE;
        /* [loader][wine] the sections must fit in SizeOfImage */
        if (pages > image_pages) return STATUS_INVALID_IMAGE_FORMAT;
        image_pages -= pages;
        next_va += pages * IMG_PAGE_SIZE;
        /* [wrk-only] (Wine checks every section), [pelib]: only the last section's raw data must lie in the
         * file; an earlier one running past the end reads as zeros past it */
        if (i == img->nsections - 1 && (uint64_t)ptr + raw > f->size) return STATUS_INVALID_IMAGE_FORMAT;

        sec->rva = va;
        sec->virtual_size = vsize;
        sec->protect = image_section_protect( sec->characteristics );
        sec->raw_offset = sec->raw_size = 0;
        if (!ptr) continue;          /* uninitialised data: demand-zero pages [pecoff][wine] */
        /* [loader][pelib][wine] NT reads from the 512-byte sector holding PointerToRawData and up
         * to the end of the raw data rounded to FileAlignment, but only into the pages below
         * SizeOfRawData and the virtual size; the rest of the section reads as zero. */
        start = ptr & ~(uint64_t)IMG_SECTOR_MASK;
        end = round_up64( (uint64_t)ptr + raw, fa );
        limit = start + round_up64( raw < vsize ? raw : vsize, IMG_PAGE_SIZE );
        if (end > limit) end = limit;
        if (end > f->size) end = f->size;
        if (start >= end) continue;
        sec->raw_offset = (uint32_t)start;
        sec->raw_size = (uint32_t)(end - start);
    }
    return STATUS_SUCCESS;
}

/* Sections of an image with SectionAlignment below the page size: NT maps the file as it is
 * (one subsection, PAGE_EXECUTE_WRITECOPY), so each section must sit in the file at its RVA
 * and have all its data there [pecoff][loader][wine]. */
static NTSTATUS parse_flat_sections( const struct image_file *f, struct mm_image *img, uint64_t table )
{
    for (unsigned int i = 0; i < img->nsections; i++)
    {
        struct mm_image_section *sec = &img->sections[i];
        uint64_t h = table + (uint64_t)i * SEC_HDR_SIZE;
        uint32_t va = rd32( f, h + 12 ), vsize = rd32( f, h + 8 ), raw = rd32( f, h + 16 );
        uint32_t ptr = rd32( f, h + 20 );
        uint64_t avail;

        memcpy( sec->name, f->data + h, 8 );
        sec->name[8] = 0;
        sec->characteristics = rd32( f, h + 36 );
        if (!vsize) vsize = raw;
        if (!raw) ptr = 0;
        if ((uint64_t)ptr + raw > 0xffffffffu) return STATUS_INVALID_IMAGE_FORMAT;
        if (ptr != va || vsize > raw) return STATUS_INVALID_IMAGE_FORMAT;  /* vsize > raw: [wrk-only] */
        /* informational only: clip to the image, everything is EXECUTE_WRITECOPY [loader] */
        sec->rva = va < img->image_size ? va : img->image_size;
        sec->virtual_size = (uint32_t)(img->image_size - sec->rva < vsize ? img->image_size - sec->rva : vsize);
        avail = sec->rva < f->size ? f->size - sec->rva : 0;
        sec->raw_offset = sec->rva;
        sec->raw_size = (uint32_t)(avail < sec->virtual_size ? avail : sec->virtual_size);
        if (!sec->raw_size) sec->raw_offset = 0;
        sec->protect = PAGE_EXECUTE_WRITECOPY;
    }
    return STATUS_SUCCESS;
}

/* ---- image_parse ---------------------------------------------------------------------------- */

/* the header fields the checks and the image description use */
struct pe_headers
{
    uint32_t lfanew, size_of_image, size_of_headers, size_of_code, entry;
    uint32_t num_dirs, cor_rva, cor_size, loader_flags;
    uint16_t opt_size, characteristics, magic, machine, dll_chars;
    uint64_t nt, opt, dirs, image_base, stack_reserve, stack_commit;
    unsigned int nsections;
};

/* The DOS and NT headers: where they are, and the optional header's fields by its Magic. */
static NTSTATUS read_headers( const struct image_file *f, struct mm_image *img, struct pe_headers *h )
{
    uint32_t sig;

    /* [kvirt] an empty file cannot be read; [wrk-only] a file of 4 GiB or more is refused */
    if (!f->size) return STATUS_INVALID_FILE_FOR_SECTION;
    if ((uint64_t)f->size > 0xffffffffu) return STATUS_INVALID_FILE_FOR_SECTION;

    /* DOS header: [loader] e_magic 0 gives STATUS_INVALID_IMAGE_NOT_MZ */
    if (rd16( f, 0 ) != IMAGE_DOS_SIGNATURE) return STATUS_INVALID_IMAGE_NOT_MZ;
    h->lfanew = rd32( f, 0x3c );
    /* [wrk-only] (64-bit builds): an NT header not on a 4-byte boundary, or past the end of the
     * file ([loader]: e_lfanew 0x98760000), is STATUS_INVALID_IMAGE_PROTECT */
    if (h->lfanew & 3) return STATUS_INVALID_IMAGE_PROTECT;
    if (h->lfanew > f->size) return STATUS_INVALID_IMAGE_PROTECT;
    h->nt = h->lfanew;

    /* [loader][wine]: a bad signature is STATUS_INVALID_IMAGE_PROTECT, NE/LE their own */
    sig = rd32( f, h->nt );
    if (sig != IMAGE_NT_SIGNATURE) return non_pe_status( f, h->nt );

    h->machine         = rd16( f, h->nt + 4 );
    h->nsections       = rd16( f, h->nt + 6 );
    h->opt_size        = rd16( f, h->nt + 20 );
    h->characteristics = rd16( f, h->nt + 22 );
    h->opt = h->nt + NT_SIG_SIZE + FILE_HDR_SIZE;

    /* [wrk-only] a "PE" that is really a DOS program */
    if (!h->machine && !h->opt_size) return STATUS_INVALID_IMAGE_PROTECT;
    /* [pelib] since Windows 7 (Vista per the newer notes) the file must hold a whole
     * IMAGE_NT_HEADERS64 (264 bytes) at e_lfanew on 64-bit Windows; [loader] the 268-byte
     * minimal image "what really matters is file size" */
    if (h->nt + NT_SIG_SIZE + FILE_HDR_SIZE + OPT64_SIZE > f->size) return STATUS_INVALID_IMAGE_FORMAT;
    /* [pecoff] a PE file must say it is executable */
    if (!(h->characteristics & IMAGE_FILE_EXECUTABLE_IMAGE)) return STATUS_INVALID_IMAGE_FORMAT;

    /* the optional header is read whole, whatever SizeOfOptionalHeader says: [loader] the
     * "8k demo" image with SizeOfOptionalHeader 8 loads, and query_image_section expects
     * the real fields even when SizeOfOptionalHeader is short */
    h->magic = rd16( f, h->opt );
    switch (h->magic)
    {
    case IMAGE_NT_OPTIONAL_HDR32_MAGIC:
        img->is_64bit    = 0;
        h->image_base    = rd32( f, h->opt + 28 );
        h->stack_reserve = rd32( f, h->opt + 72 );
        h->stack_commit  = rd32( f, h->opt + 76 );
        h->loader_flags  = rd32( f, h->opt + 88 );
        h->num_dirs      = rd32( f, h->opt + 92 );
        h->dirs          = h->opt + 96;
        break;
    case IMAGE_NT_OPTIONAL_HDR64_MAGIC:
        img->is_64bit    = 1;
        h->image_base    = rd64( f, h->opt + 24 );
        h->stack_reserve = rd64( f, h->opt + 72 );
        h->stack_commit  = rd64( f, h->opt + 80 );
        h->loader_flags  = rd32( f, h->opt + 104 );
        h->num_dirs      = rd32( f, h->opt + 108 );
        h->dirs          = h->opt + 112;
        break;
    default:
        return STATUS_INVALID_IMAGE_FORMAT;  /* [loader] Magic 0xdead */
    }
    /* the data directories: (RVA, size) pairs after the optional header's fixed part */
    h->cor_rva  = rd32( f, h->dirs + 8 * IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR );
    h->cor_size = rd32( f, h->dirs + 8 * IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR + 4 );
    if (h->num_dirs > IMAGE_DIRECTORY_ENTRY_BASERELOC)
    {
        img->reloc_rva  = rd32( f, h->dirs + 8 * IMAGE_DIRECTORY_ENTRY_BASERELOC );
        img->reloc_size = rd32( f, h->dirs + 8 * IMAGE_DIRECTORY_ENTRY_BASERELOC + 4 );
    }
    if (!img->reloc_rva || !img->reloc_size) img->reloc_rva = img->reloc_size = 0;

    /* fields at the same offset in both layouts */
    h->size_of_code        = rd32( f, h->opt + 4 );
    h->entry               = rd32( f, h->opt + 16 );
    img->section_alignment = rd32( f, h->opt + 32 );
    img->file_alignment    = rd32( f, h->opt + 36 );
    h->size_of_image       = rd32( f, h->opt + 56 );
    h->size_of_headers     = rd32( f, h->opt + 60 );
    h->dll_chars           = rd16( f, h->opt + 70 );
    return STATUS_SUCCESS;
}

/* The checks of the header fields NT makes before it looks at the sections. */
static NTSTATUS check_headers( const struct image_file *f, const struct mm_image *img, const struct pe_headers *h )
{
    int legacy;

    /* alignments [pecoff][loader][ros], [pelib], [w10] */
    if ((img->file_alignment & 511) && img->file_alignment != img->section_alignment)
        return STATUS_INVALID_IMAGE_FORMAT;
    if (!is_pow2( img->file_alignment )) return STATUS_INVALID_IMAGE_FORMAT;
    if (!is_pow2( img->section_alignment )) return STATUS_INVALID_IMAGE_FORMAT;
    if (img->section_alignment < img->file_alignment) return STATUS_INVALID_IMAGE_FORMAT;
    /* [w10] SizeOfImage limit; [pelib] Windows 7+ section count limit */
    if (h->size_of_image > IMG_MAX_SIZE) return STATUS_INVALID_IMAGE_FORMAT;
    if (h->nsections > IMG_MAX_SECTIONS) return STATUS_INVALID_IMAGE_FORMAT;
    /* machine against Magic [wine][w10]; [loader]: on x64 Windows a PE32+ must be AMD64 (or
     * ARM64, below), a PE32 I386 (or ARMNT); 0, 0xdead, the other bitness are refused */
    if (h->magic == IMAGE_NT_OPTIONAL_HDR32_MAGIC)
    {
        if (h->machine != IMAGE_FILE_MACHINE_I386 && h->machine != IMAGE_FILE_MACHINE_ARMNT)
            return STATUS_INVALID_IMAGE_FORMAT;
        legacy = h->machine == IMAGE_FILE_MACHINE_I386;
    }
    else
    {
        if (h->machine != IMAGE_FILE_MACHINE_AMD64 && h->machine != IMAGE_FILE_MACHINE_ARM64)
            return STATUS_INVALID_IMAGE_FORMAT;
        legacy = h->machine == IMAGE_FILE_MACHINE_AMD64;
    }
    /* [wrk-only][w10] the headers must be smaller than the image */
    if (h->size_of_headers >= h->size_of_image) return STATUS_INVALID_IMAGE_FORMAT;
    /* [pecoff][ros][pelib] the preferred base is 64K-aligned */
    if (h->image_base & 0xffff) return STATUS_INVALID_IMAGE_FORMAT;
    /* [wrk-only] (64-bit kernel), [w10] */
    if (h->opt_size & 7) return STATUS_INVALID_IMAGE_FORMAT;
    /* [w10][pelib] (Windows 10 1903+): a non-Intel image (ARM64, ARMNT) must carry its
     * relocations and be DYNAMIC_BASE | NX_COMPAT; [loader] ARM64 without DYNAMIC_BASE on
     * x64 is STATUS_INVALID_IMAGE_FORMAT */
    if (!legacy && ((h->characteristics & IMAGE_FILE_RELOCS_STRIPPED) ||
                    (h->dll_chars & (IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE | IMAGE_DLLCHARACTERISTICS_NX_COMPAT)) !=
                    (IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE | IMAGE_DLLCHARACTERISTICS_NX_COMPAT)))
        return STATUS_INVALID_IMAGE_FORMAT;
    /* [w10] an AppContainer image must be relocatable */
    if ((h->dll_chars & IMAGE_DLLCHARACTERISTICS_APPCONTAINER) && (h->characteristics & IMAGE_FILE_RELOCS_STRIPPED))
        return STATUS_INVALID_IMAGE_FORMAT;
    /* [loader]: SizeOfImage 0 is refused (a page's worth of it is enough) */
    if (!h->size_of_image) return STATUS_INVALID_IMAGE_FORMAT;
    /* the section table follows the optional header as SizeOfOptionalHeader places it; it
     * need not lie inside SizeOfHeaders [pelib], but it must lie in the file */
    if (h->opt + h->opt_size + (uint64_t)h->nsections * SEC_HDR_SIZE > f->size) return STATUS_INVALID_IMAGE_FORMAT;
    return STATUS_SUCCESS;
}

/* SECTION_IMAGE_INFORMATION [wine], [loader] query_image_section */
static void fill_info( const struct image_file *f, struct mm_image *img, const struct pe_headers *h )
{
    img->info.TransferAddress = (void *)(uintptr_t)(h->image_base + h->entry);
    img->info.ZeroBits = 0;
    img->info.MaximumStackSize = h->stack_reserve;
    img->info.CommittedStackSize = h->stack_commit;
    img->info.SubSystemType = rd16( f, h->opt + 68 );
    img->info.MinorSubsystemVersion = rd16( f, h->opt + 50 );
    img->info.MajorSubsystemVersion = rd16( f, h->opt + 48 );
    img->info.MajorOperatingSystemVersion = rd16( f, h->opt + 40 );
    img->info.MinorOperatingSystemVersion = rd16( f, h->opt + 42 );
    img->info.ImageCharacteristics = h->characteristics;
    img->info.DllCharacteristics = h->dll_chars;
    img->info.Machine = h->machine;
    img->info.CheckSum = rd32( f, h->opt + 64 );
    img->info.ImageFileSize = (ULONG)f->size;
    /* [loader]: code if SizeOfCode or an entry point, and (Windows 8+) a flat image or an
     * executable section */
    img->info.ImageContainsCode = h->size_of_code || h->entry || (img->info.ImageFlags & IMGF_MAPPED_FLAT);
    for (unsigned int i = 0; i < img->nsections && !img->info.ImageContainsCode; i++)
        if (img->sections[i].characteristics & IMAGE_SCN_MEM_EXECUTE) img->info.ImageContainsCode = TRUE;
    /* [ros] LoaderFlags keeps the header's value and gains COMPLUS for a .NET image; [loader]
     * LoaderFlags is 1 exactly when the COM descriptor directory is set */
    img->info.LoaderFlags = h->loader_flags;
    if (h->cor_rva && h->cor_size)
    {
        img->info.LoaderFlags |= IMAGE_LOADER_FLAGS_COMPLUS_;
        set_complus_flags( f, img, h->cor_rva, h->cor_size );
    }
    /* [loader][wine]: ImageDynamicallyRelocated for a DYNAMIC_BASE image that is not flat, has
     * code or relocations (Wine 10.0's loader.c test_import_resolution: a DLL without code but
     * with a relocation directory has it) and is not .NET */
    if ((h->dll_chars & IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE) && !(img->info.ImageFlags & IMGF_MAPPED_FLAT) &&
        (img->info.ImageContainsCode || (img->reloc_size && !img->relocs_stripped)) && !(h->cor_rva && h->cor_size))
        img->info.ImageFlags |= IMGF_DYNAMICALLY_RELOCATED;
}

static NTSTATUS parse( const void *data, size_t size, struct mm_image *img )
{
    const struct image_file file = { data, size }, *f = &file;
    struct pe_headers h;
    NTSTATUS status;

    memset( &h, 0, sizeof(h) );
    if ((status = read_headers( f, img, &h ))) return status;
    if ((status = check_headers( f, img, &h ))) return status;

    img->nt_offset        = h.lfanew;
    img->image_base       = h.image_base;
    img->image_size       = (uint32_t)round_up64( h.size_of_image, IMG_PAGE_SIZE );
    img->headers_size     = h.size_of_headers;
    img->machine          = h.machine;
    img->dll_characteristics = h.dll_chars;
    img->relocs_stripped  = !!(h.characteristics & IMAGE_FILE_RELOCS_STRIPPED);
    img->nsections        = h.nsections;
    if (h.nsections && !(img->sections = mm_calloc( h.nsections, sizeof(*img->sections) ))) return STATUS_NO_MEMORY;

    if (img->section_alignment < IMG_PAGE_SIZE)
    {
        img->info.ImageFlags |= IMGF_MAPPED_FLAT;
        status = parse_flat_sections( f, img, h.opt + h.opt_size );
    }
    else status = parse_sections( f, img, h.opt + h.opt_size, h.size_of_image );
    if (status) return status;
    fill_info( f, img, &h );
    return STATUS_SUCCESS;
}

NTSTATUS image_parse( const void *data, size_t size, struct mm_image *img )
{
    NTSTATUS status;

    memset( img, 0, sizeof(*img) );
    if ((status = parse( data, size, img )))
    {
        image_free( img );
        memset( img, 0, sizeof(*img) );
    }
    return status;
}

void image_free( struct mm_image *img )
{
    mm_free( img->sections );
    img->sections = NULL;
    img->nsections = 0;
}

/* ---- relocations ---------------------------------------------------------------------------- */

static uint16_t ld16( const unsigned char *p ) { return p[0] | (uint16_t)p[1] << 8; }
static uint32_t ld32( const unsigned char *p ) { return ld16( p ) | (uint32_t)ld16( p + 2 ) << 16; }
static uint64_t ld64( const unsigned char *p ) { return ld32( p ) | (uint64_t)ld32( p + 4 ) << 32; }
static void st16( unsigned char *p, uint16_t v ) { p[0] = v; p[1] = v >> 8; }
static void st32( unsigned char *p, uint32_t v ) { st16( p, v ); st16( p + 2, v >> 16 ); }
static void st64( unsigned char *p, uint64_t v ) { st32( p, v ); st32( p + 4, v >> 32 ); }

/* bytes a fixup of this type patches; 0 for ABSOLUTE, -1 for a type NT does not know on x86 */
static int fixup_width( unsigned int type )
{
    switch (type)
    {
    case IMAGE_REL_BASED_ABSOLUTE: return 0;
    case IMAGE_REL_BASED_HIGH:
    case IMAGE_REL_BASED_LOW:
    case IMAGE_REL_BASED_HIGHADJ:  return 2;
    case IMAGE_REL_BASED_HIGHLOW:  return 4;
    case IMAGE_REL_BASED_DIR64:    return 8;
    default:                       return -1;
    }
}

/* One pass over the relocation blocks: check everything (apply == 0) or apply (apply == 1).
 * The apply pass checks again, because a fixup may land in the relocation table itself. */
static NTSTATUS relocation_pass( unsigned char *base, const struct mm_image *img, int64_t delta, int apply )
{
    uint64_t pos = img->reloc_rva, end = (uint64_t)img->reloc_rva + img->reloc_size;

    if (end > img->image_size) return STATUS_INVALID_IMAGE_FORMAT;
    /* a tail shorter than a block header is padding */
    while (end - pos >= 8)
    {
        uint32_t page = ld32( base + pos ), block = ld32( base + pos + 4 );
        uint64_t entries = pos + 8, count;

        /* SizeOfBlock covers its 8-byte header and lies inside the directory: a block of size 0
         * would never advance (NT's loaders walk the same way) */
        if (block < 8 || block > end - pos) return STATUS_INVALID_IMAGE_FORMAT;
        count = (block - 8) / 2;
        for (uint64_t i = 0; i < count; i++)
        {
            uint16_t e = ld16( base + entries + 2 * i );
            unsigned int type = e >> 12;
            int width = fixup_width( type );
            uint64_t target = (uint64_t)page + (e & 0xfff);
            uint16_t adj = 0;

            if (width < 0) return STATUS_INVALID_IMAGE_FORMAT;
            if (type == IMAGE_REL_BASED_HIGHADJ)
            {
                /* the low half of the full value comes in the next entry */
                if (++i >= count) return STATUS_INVALID_IMAGE_FORMAT;
                adj = ld16( base + entries + 2 * i );
            }
            if (!width) continue;
            if (target + width > img->image_size) return STATUS_INVALID_IMAGE_FORMAT;
            if (!apply) continue;
            switch (type)
            {
            case IMAGE_REL_BASED_HIGH:
                st16( base + target, ld16( base + target ) + (uint16_t)((uint64_t)delta >> 16) );
                break;
            case IMAGE_REL_BASED_LOW:
                st16( base + target, ld16( base + target ) + (uint16_t)delta );
                break;
            case IMAGE_REL_BASED_HIGHADJ:
            {
                uint32_t v = ((uint32_t)ld16( base + target ) << 16) + (uint32_t)(int32_t)(int16_t)adj;
                v += (uint32_t)delta + 0x8000;
                st16( base + target, v >> 16 );
                break;
            }
            case IMAGE_REL_BASED_HIGHLOW:
                st32( base + target, ld32( base + target ) + (uint32_t)delta );
                break;
            case IMAGE_REL_BASED_DIR64:
                st64( base + target, ld64( base + target ) + (uint64_t)delta );
                break;
            }
        }
        pos += block;
    }
    return STATUS_SUCCESS;
}

NTSTATUS image_relocate( void *mapped, const struct mm_image *img, int64_t delta )
{
    unsigned char *base = mapped;
    uint64_t field = (uint64_t)img->nt_offset + NT_SIG_SIZE + FILE_HDR_SIZE + (img->is_64bit ? 24 : 28);
    uint64_t limit = img->headers_size < img->image_size ? img->headers_size : img->image_size;
    NTSTATUS status;

    if (!delta) return STATUS_SUCCESS;
    if (img->reloc_size)
    {
        /* validate the whole directory first, so that a malformed one changes nothing */
        if ((status = relocation_pass( base, img, delta, 0 ))) return status;
        if ((status = relocation_pass( base, img, delta, 1 ))) return status;
    }
    /* the mapped headers name the base the image now sits at */
    if (img->is_64bit && field + 8 <= limit) st64( base + field, img->image_base + (uint64_t)delta );
    else if (!img->is_64bit && field + 4 <= limit) st32( base + field, (uint32_t)(img->image_base + (uint64_t)delta) );
    return STATUS_SUCCESS;
}

/*
 * ntdll-mm: PE image parsing for SEC_IMAGE sections.
 *
 * image_parse() validates a PE file (32-bit PE32 or 64-bit PE32+) the way NT's section
 * creation does and describes its layout; imagemap.c maps it.  It never trusts a field of
 * the file: every offset, size and count is checked against the file size and against the
 * other headers (malformed files give STATUS_INVALID_IMAGE_FORMAT, never a crash; fuzzed in
 * tests/image_fuzz.c).  No system calls here: the caller reads the file into memory.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_IMAGE_H
#define NTDLL_MM_IMAGE_H

#include "mm_entry.h"
#include <stdint.h>
#include <stddef.h>
#include "ntdll-mm.h"

#ifndef NTDLL_MM_CORE
# error "a core-private header: a host includes host.h only"
#endif

MM_HIDDEN_BEGIN

struct mm_image_section
{
    char     name[9];            /* NUL-terminated copy of the 8-byte name */
    uint32_t rva;                /* VirtualAddress */
    uint32_t virtual_size;       /* Misc.VirtualSize, or SizeOfRawData when that is 0 (not rounded) */
    uint32_t raw_offset;         /* file offset of the bytes that appear at rva: PointerToRawData rounded
                                    down to 512 (NT reads images in sectors), 0 when raw_size is 0.
                                    Not page-aligned in general (FileAlignment 0x200): copy, don't mmap */
    uint32_t raw_size;           /* bytes of file data at rva: up to the end of the raw data rounded to
                                    FileAlignment, clipped to the pages below SizeOfRawData and the
                                    virtual size and to the end of the file; the rest of the section
                                    reads as zero.  raw_size <= round_up( virtual_size, page ) */
    uint32_t characteristics;    /* IMAGE_SCN_* */
    uint32_t protect;            /* NT page protection of the mapped section (image_section_protect);
                                    PAGE_EXECUTE_WRITECOPY for every section of a flat image */
};

struct mm_image
{
    SECTION_IMAGE_INFORMATION info;  /* as NtQuerySection(SectionImageInformation) reports it,
                                        TransferAddress at the preferred base */
    uint64_t image_base;             /* OptionalHeader.ImageBase (64K-aligned) */
    uint32_t image_size;             /* SizeOfImage rounded up to the page size: NT's view size
                                        (SectionBasicInformation.Size); every section lies inside */
    uint32_t headers_size;           /* SizeOfHeaders (< SizeOfImage; may exceed the file: the
                                        bytes past the file read as zero) */
    uint32_t section_alignment;      /* < page size: info.ImageMappedFlat, see below */
    uint32_t file_alignment;
    int      is_64bit;               /* PE32+ */
    uint16_t machine;                /* AMD64 or ARM64 (PE32+), I386 or ARMNT (PE32) */
    uint16_t dll_characteristics;
    uint32_t reloc_rva, reloc_size;  /* IMAGE_DIRECTORY_ENTRY_BASERELOC (0 if none or not within
                                        NumberOfRvaAndSizes); checked by image_relocate */
    int      relocs_stripped;        /* IMAGE_FILE_RELOCS_STRIPPED */
    uint32_t nt_offset;              /* e_lfanew: file (and image) offset of the NT headers */
    unsigned int nsections;
    struct mm_image_section *sections;  /* malloc'ed; sorted by rva, non-overlapping, contiguous
                                           at SectionAlignment after the headers (except in a
                                           flat image, where they are informational only) */
};

/* Layout NT gives a normal image (SectionAlignment >= 4K):
 *   [0, round_up(headers_size, 4K))          file[0, headers_size), zero after; PAGE_READONLY
 *   [round_up(headers_size, 4K), first rva)  (SectionAlignment padding) PAGE_NOACCESS
 *   each section: [rva, rva + raw_size) file[raw_offset...], zero up to
 *                 round_up(virtual_size, 4K), all with sec->protect; then PAGE_NOACCESS up to
 *                 the next section (padding to SectionAlignment) and to image_size.
 *   (The NOACCESS padding is the Windows Research Kernel's prototype-PTE layout; no kernel32
 *   test pins how a query reports it.)
 * A flat image (info.ImageMappedFlat, SectionAlignment < 4K, e.g. 0x200) is the file mapped
 * as it is: file[0, min(file size, image_size)) at offset 0, zero after, every page
 * PAGE_EXECUTE_WRITECOPY (kernel32 loader tests); its sections sit at rva == raw_offset and
 * need not be sorted.  Wine applies no relocations to flat images (native: not pinned). */

/* Validate and describe the PE file held in file[0..size) (the whole file: ImageFileSize and
 * the last section's raw data are checked against size).  On success *img must be freed with
 * image_free(); on failure *img is zeroed.  Statuses, as NtCreateSection(SEC_IMAGE) on x64:
 *   STATUS_INVALID_FILE_FOR_SECTION   empty file, or 4 GiB or more
 *   STATUS_INVALID_IMAGE_NOT_MZ       no MZ signature
 *   STATUS_INVALID_IMAGE_PROTECT      e_lfanew unaligned or past the end, no PE signature,
 *                                     LE, Machine and SizeOfOptionalHeader both 0
 *   STATUS_INVALID_IMAGE_NE_FORMAT, STATUS_INVALID_IMAGE_WIN_16   NE executables
 *   STATUS_INVALID_IMAGE_FORMAT       anything else NT refuses to map
 *   STATUS_NO_MEMORY */
NTSTATUS image_parse( const void *file, size_t size, struct mm_image *img );
void image_free( struct mm_image *img );

/* NT protection for a section's IMAGE_SCN_MEM_* flags: writable sections are
 * PAGE_WRITECOPY / PAGE_EXECUTE_WRITECOPY (copy-on-write), as NT maps images, except
 * writable IMAGE_SCN_MEM_SHARED ones (PAGE_READWRITE / PAGE_EXECUTE_READWRITE: shared by every
 * view); no MEM_* flag at all is PAGE_NOACCESS. */
uint32_t image_section_protect( uint32_t characteristics );

/* Apply the base relocations of img to the image mapped (writable) at 'mapped', which sits
 * delta bytes away from its preferred base.  The relocation blocks are read from the mapped
 * image (image_size bytes); the directory must lie inside it, every block must have
 * 8 <= SizeOfBlock <= what is left of the directory, every fixup type must be ABSOLUTE, HIGH,
 * LOW, HIGHADJ, HIGHLOW or DIR64 and every target must lie inside image_size.  The whole
 * directory is checked before anything is written: STATUS_INVALID_IMAGE_FORMAT leaves the
 * image untouched.  HIGHLOW adds the low 32 bits of delta (a PE32 image belongs below 4 GiB).
 * On success with a non-zero delta, OptionalHeader.ImageBase in the mapped headers is set to
 * the new base (when the headers hold it), as NT's kernel does when it relocates an image
 * (avast pelib, MiRelocateImage: "even if the image does not have relocations"): Wine 8.0's
 * loader (dlls/ntdll/loader.c perform_relocations) relocates again from that field otherwise.
 * No directory is STATUS_SUCCESS: the caller checks relocs_stripped first. */
NTSTATUS image_relocate( void *mapped, const struct mm_image *img, int64_t delta );

MM_HIDDEN_END

#endif

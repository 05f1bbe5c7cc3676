/*
 * ntdll-mm native tests: helpers for the PE parser tests (tests/image.c, tests/image_fuzz.c):
 * the MinGW-built sample images, a builder of small hand-made PE files, little-endian field
 * access, and an independent layout of an image the way section.c maps it.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_TEST_IMAGE_UTIL_H
#define NTDLL_MM_TEST_IMAGE_UTIL_H

#include <stdint.h>
#include <stddef.h>
#include "test.h"
#include "image.h"

/* The sample images built from tests/data/pe_sample.c by tests/tests.am, in the directory
 * named by $NTDLL_MM_PE_SAMPLES (set by `make check`), else tests/data next to the test
 * program.  Returns NULL and sets *why if the file is missing (MinGW not installed). */
extern const char * const pe_sample_names[4];   /* pe_sample64.dll, pe_sample64.exe, pe_sample32.dll, pe_sample32.exe */
unsigned char *load_pe_sample( const char *name, size_t *size, char *why, size_t why_len );

/* little-endian access to file bytes */
static inline uint16_t get16( const unsigned char *p ) { return p[0] | (uint16_t)p[1] << 8; }
static inline uint32_t get32( const unsigned char *p ) { return get16( p ) | (uint32_t)get16( p + 2 ) << 16; }
static inline uint64_t get64( const unsigned char *p ) { return get32( p ) | (uint64_t)get32( p + 4 ) << 32; }
static inline void put16( unsigned char *p, uint16_t v ) { p[0] = v; p[1] = v >> 8; }
static inline void put32( unsigned char *p, uint32_t v ) { put16( p, v ); put16( p + 2, v >> 16 ); }
static inline void put64( unsigned char *p, uint64_t v ) { put32( p, v ); put32( p + 4, v >> 32 ); }

/* A small valid image made by hand: DOS header with e_lfanew 0x40, PE32+ (AMD64) or PE32
 * (I386) DLL, SectionAlignment 0x1000, FileAlignment 0x200, ImageBase 0x10000000,
 * DYNAMIC_BASE | NX_COMPAT, and nsections sections of 0x800 bytes virtual, 0x200 raw each
 * (section 0 code, the others writable data; raw data filled with 0x11 * (i + 1)), one after
 * the other.  If with_relocs, one more section ".reloc" holds a relocation directory with one
 * block for page rva 0x1000 of section 0 (entries filled in by the caller, see
 * pe_set_relocs).  The buffer has room for 'slack' more bytes past size. */
struct test_pe
{
    unsigned char *data;
    size_t size;
    int is_64bit;
    unsigned int nsections;   /* including .reloc */
    uint32_t opt;             /* file offset of the optional header */
    uint32_t table;           /* file offset of the section table */
};

#define PE_LFANEW       0x40
#define PE_IMAGE_BASE   0x10000000u
#define PE_RELOC_MAX    64   /* entries of the relocation block */

void build_pe( struct test_pe *pe, int is_64bit, unsigned int nsections, int with_relocs, size_t slack );
void free_pe( struct test_pe *pe );
/* file offset of a section header, and of an optional-header field given its PE32+ offset
 * (the PE32 layout is translated) */
static inline uint32_t pe_sec( const struct test_pe *pe, unsigned int i ) { return pe->table + 40 * i; }
uint32_t pe_opt_field( const struct test_pe *pe, uint32_t offset64 );
/* optional header offsets (PE32+ layout) */
#define OPT_MAGIC          0
#define OPT_SIZE_OF_CODE   4
#define OPT_ENTRY          16
#define OPT_IMAGE_BASE     24    /* 8 bytes in PE32+, 4 at 28 in PE32 */
#define OPT_SECTION_ALIGN  32
#define OPT_FILE_ALIGN     36
#define OPT_SIZE_OF_IMAGE  56
#define OPT_SIZE_OF_HDRS   60
#define OPT_CHECKSUM       64
#define OPT_DLL_CHARS      70
#define OPT_NUM_DIRS       108
#define OPT_DIR(i)         (112 + 8 * (i))
/* section header field offsets */
#define SEC_VSIZE   8
#define SEC_VA      12
#define SEC_RAW     16
#define SEC_PTR     20
#define SEC_CHARS   36
/* file header field offsets from e_lfanew */
#define FH_MACHINE   4
#define FH_NSECTIONS 6
#define FH_OPT_SIZE  20
#define FH_CHARS     22

/* Replace the relocation block of pe (built with_relocs): page rva and entries */
void pe_set_relocs( struct test_pe *pe, uint32_t page, const uint16_t *entries, unsigned int count );

/* Lay the file out the way section.c does from a parsed image (headers, raw data at each
 * rva); returns a calloc'ed image_size buffer, or NULL (reported) if that fails. */
unsigned char *layout_image( const unsigned char *file, size_t size, const struct mm_image *img );

/* Check what every successfully parsed image must satisfy; returns the number of failures. */
#define check_image_invariants( img, size ) check_image_invariants_( __FILE__, __LINE__, img, size )
unsigned int check_image_invariants_( const char *file, int line, const struct mm_image *img, size_t size );

const char *image_status_name( NTSTATUS status );

#endif

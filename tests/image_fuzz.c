/*
 * Deterministic mutation fuzzer for the PE parser (dlls/ntdll-mm/image.c).  Seeds: the
 * MinGW-built samples (when built) and hand-made minimal images (PE32+, PE32, flat, with
 * relocations).  Each iteration copies a seed, applies a few mutations (byte flips, header
 * and section fields set to boundary values, truncation, extension), parses it, and when
 * image_parse succeeds checks the invariants every parsed image must satisfy (sections
 * inside image_size, sorted, raw ranges inside the file), lays the image out as section.c
 * does and runs image_relocate on it with a random delta.  Nothing may crash (run it once
 * under -fsanitize=address,undefined to make that mean something).
 *
 *   NTDLL_MM_FUZZ_ITERATIONS   iterations (default 20000)
 *   NTDLL_MM_FUZZ_SEED         PRNG seed (default fixed: runs are reproducible)
 * A failure prints the iteration number; rerun with the same seed to reproduce it.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "image_util.h"

static uint64_t rng_state;

static uint64_t rnd( void )
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t rnd_below( uint32_t n )
{
    return n ? (uint32_t)(rnd() % n) : 0;
}

struct seed
{
    unsigned char *data;
    size_t size;
};

/* a value that tends to sit on a boundary */
static uint32_t interesting( uint32_t old )
{
    static const uint32_t values[] =
    {
        0, 1, 2, 4, 7, 8, 0x10, 0x40, 0x100, 0x1ff, 0x200, 0x201, 0x400, 0x800, 0xfff, 0x1000, 0x1001, 0x2000,
        0x10000, 0x7fff, 0x8000, 0xffff, 0x77000000, 0x7fffffff, 0x80000000, 0xfffff000, 0xfffffffe, 0xffffffff,
    };
    switch (rnd_below( 4 ))
    {
    case 0: return values[rnd_below( ARRAY_SIZE(values) )];
    case 1: return old + 1 + rnd_below( 0x10 );
    case 2: return old - 1 - rnd_below( 0x10 );
    default: return old ^ (1u << rnd_below( 32 ));
    }
}

static void put_width( unsigned char *p, int width, uint32_t v )
{
    if (width == 1) *p = v;
    else if (width == 2) put16( p, v );
    else put32( p, v );
}

static uint32_t get_width( const unsigned char *p, int width )
{
    return width == 1 ? *p : width == 2 ? get16( p ) : get32( p );
}

/* one mutation of buf (capacity cap, current length *len) */
static void mutate( unsigned char *buf, size_t cap, size_t *len )
{
    static const struct { uint16_t off; uint8_t width; } nt_fields[] =
    {
        { 0, 4 }, { 4, 2 }, { 6, 2 }, { 20, 2 }, { 22, 2 },                              /* signature, file header */
        { 24 + 0, 2 }, { 24 + 4, 4 }, { 24 + 16, 4 }, { 24 + 24, 4 }, { 24 + 28, 4 },   /* Magic, code, entry, base */
        { 24 + 32, 4 }, { 24 + 36, 4 }, { 24 + 56, 4 }, { 24 + 60, 4 }, { 24 + 70, 2 }, /* alignments, sizes, dll */
        { 24 + 92, 4 }, { 24 + 108, 4 },                                                /* NumberOfRvaAndSizes */
        { 24 + 96 + 40, 4 }, { 24 + 100 + 40, 4 }, { 24 + 112 + 40, 4 }, { 24 + 116 + 40, 4 },  /* relocations */
        { 24 + 96 + 112, 4 }, { 24 + 100 + 112, 4 }, { 24 + 112 + 112, 4 }, { 24 + 116 + 112, 4 }, /* COM */
    };
    static const uint8_t sec_fields[] = { SEC_VSIZE, SEC_VA, SEC_RAW, SEC_PTR, SEC_CHARS };
    uint32_t lfanew = *len >= 0x40 ? get32( buf + 0x3c ) : 0;
    size_t at;

    switch (rnd_below( 10 ))
    {
    case 0:   /* flip a bit anywhere */
        if (*len) buf[rnd_below( *len )] ^= 1 << rnd_below( 8 );
        break;
    case 1:   /* set a byte anywhere */
        if (*len) buf[rnd_below( *len )] = rnd();
        break;
    case 2:   /* a byte in the headers */
        if (*len) buf[rnd_below( *len < 0x400 ? *len : 0x400 )] = rnd();
        break;
    case 3:
    case 4:   /* an NT header field */
    {
        unsigned int f = rnd_below( ARRAY_SIZE(nt_fields) );
        at = (size_t)lfanew + nt_fields[f].off;
        if (lfanew < *len && at + nt_fields[f].width <= *len)
            put_width( buf + at, nt_fields[f].width, interesting( get_width( buf + at, nt_fields[f].width ) ) );
        break;
    }
    case 5:
    case 6:   /* a section header field */
    {
        uint32_t opt_size, nsec;
        if (lfanew >= *len || (size_t)lfanew + 24 > *len) break;
        opt_size = get16( buf + lfanew + 20 );
        nsec = get16( buf + lfanew + 6 );
        if (!nsec) nsec = 1;
        at = (size_t)lfanew + 24 + opt_size + 40 * rnd_below( nsec > 16 ? 16 : nsec ) + sec_fields[rnd_below( 5 )];
        if (at + 4 <= *len) put32( buf + at, interesting( get32( buf + at ) ) );
        break;
    }
    case 7:   /* e_lfanew */
        if (*len >= 0x40) put32( buf + 0x3c, interesting( lfanew ) );
        break;
    case 8:   /* truncate */
        if (*len) *len = rnd_below( 2 ) ? rnd_below( *len ) : *len - 1 - rnd_below( *len < 0x40 ? *len : 0x40 );
        break;
    case 9:   /* extend with random bytes */
    {
        size_t add = rnd_below( 0x800 );
        if (*len + add > cap) add = cap - *len;
        for (size_t i = 0; i < add; i++) buf[*len + i] = rnd();
        *len += add;
        break;
    }
    }
}

static void add_seed( struct seed *seeds, unsigned int *count, const unsigned char *data, size_t size )
{
    seeds[*count].data = malloc( size );
    memcpy( seeds[*count].data, data, size );
    seeds[*count].size = size;
    (*count)++;
}

static void add_handmade_seed( struct seed *seeds, unsigned int *count, int is_64bit, unsigned int nsections, int relocs,
                               int flat )
{
    static const uint16_t entries[] = { 0xa000, 0x3010, 0x1020, 0x2024, 0x4028, 0x9000, 0x0030 };
    struct test_pe pe;

    build_pe( &pe, is_64bit, nsections, relocs, 0 );
    if (relocs) pe_set_relocs( &pe, get32( pe.data + pe_sec( &pe, 0 ) + SEC_VA ), entries, ARRAY_SIZE(entries) );
    if (flat)
    {
        put32( pe.data + pe.opt + OPT_SECTION_ALIGN, 0x200 );
        put32( pe.data + pe.opt + OPT_SIZE_OF_IMAGE, pe.size );
        for (unsigned int i = 0; i < pe.nsections; i++)
        {
            put32( pe.data + pe_sec( &pe, i ) + SEC_VA, get32( pe.data + pe_sec( &pe, i ) + SEC_PTR ) );
            put32( pe.data + pe_sec( &pe, i ) + SEC_VSIZE, 0x100 );
        }
    }
    add_seed( seeds, count, pe.data, pe.size );
    free_pe( &pe );
}

TEST(image_fuzz)
{
    struct seed seeds[16];
    unsigned int nseeds = 0, iterations = 20000, parsed = 0, relocated = 0, failures = 0;
    uint64_t seed = 0x6e74646c6c2d6d6dull;   /* "ntdll-mm" */
    const char *env;
    unsigned char *buf;
    size_t cap = 0;
    struct timespec t0, t1;

    if ((env = getenv( "NTDLL_MM_FUZZ_ITERATIONS" )) && *env) iterations = strtoul( env, NULL, 0 );
    if ((env = getenv( "NTDLL_MM_FUZZ_SEED" )) && *env) seed = strtoull( env, NULL, 0 );
    rng_state = seed;

    for (unsigned int i = 0; i < ARRAY_SIZE(pe_sample_names); i++)
    {
        char why[4400];
        size_t size;
        unsigned char *data = load_pe_sample( pe_sample_names[i], &size, why, sizeof(why) );

        if (!data)
        {
            skip( "fuzzing hand-made images only: %s\n", why );
            continue;
        }
        add_seed( seeds, &nseeds, data, size );
        free( data );
    }
    add_handmade_seed( seeds, &nseeds, 1, 3, 1, 0 );
    add_handmade_seed( seeds, &nseeds, 0, 3, 1, 0 );
    add_handmade_seed( seeds, &nseeds, 1, 2, 0, 1 );
    add_handmade_seed( seeds, &nseeds, 0, 1, 0, 0 );
    for (unsigned int i = 0; i < nseeds; i++)
    {
        struct mm_image img;
        NTSTATUS status = image_parse( seeds[i].data, seeds[i].size, &img );
        ok( status == STATUS_SUCCESS, "seed %u does not parse: %s\n", i, image_status_name( status ) );
        if (!status) image_free( &img );
        if (seeds[i].size > cap) cap = seeds[i].size;
    }
    cap += 0x4000;
    buf = malloc( cap );

    clock_gettime( CLOCK_MONOTONIC, &t0 );
    for (unsigned int it = 0; it < iterations && failures < 5; it++)
    {
        const struct seed *s = &seeds[rnd_below( nseeds )];
        unsigned int nmut = 1 + rnd_below( 6 );
        unsigned char *copy, *image;
        struct mm_image img;
        size_t len = s->size;
        NTSTATUS status;

        memcpy( buf, s->data, len );
        for (unsigned int m = 0; m < nmut; m++) mutate( buf, cap, &len );
        /* an exact-size copy, so that a read past the end is an ASan error */
        copy = malloc( len ? len : 1 );
        memcpy( copy, buf, len );
        status = image_parse( copy, len, &img );
        if (status)
        {
            if (status != STATUS_INVALID_IMAGE_FORMAT && status != STATUS_INVALID_IMAGE_NOT_MZ &&
                status != STATUS_INVALID_IMAGE_PROTECT && status != STATUS_INVALID_IMAGE_NE_FORMAT &&
                status != STATUS_INVALID_IMAGE_WIN_16 && status != STATUS_INVALID_FILE_FOR_SECTION)
            {
                ok( 0, "iteration %u: unexpected status %s\n", it, image_status_name( status ) );
                failures++;
            }
            free( copy );
            continue;
        }
        parsed++;
        if (check_image_invariants( &img, len ))
        {
            trace( "iteration %u (seed %#llx) broke an invariant\n", it, (unsigned long long)seed );
            failures++;
        }
        else if ((image = layout_image( copy, len, &img )))
        {
            int64_t delta = (int64_t)(rnd() & 0x7fffffff0000ull) * (rnd_below( 2 ) ? 1 : -1);
            status = image_relocate( image, &img, delta );
            if (status != STATUS_SUCCESS && status != STATUS_INVALID_IMAGE_FORMAT)
            {
                ok( 0, "iteration %u: image_relocate returned %s\n", it, image_status_name( status ) );
                failures++;
            }
            if (!status) relocated++;
            free( image );
        }
        image_free( &img );
        free( copy );
    }
    clock_gettime( CLOCK_MONOTONIC, &t1 );
    ok( !failures, "%u failures\n", failures );
    trace( "%u iterations (seed %#llx, %u seeds): %u parsed, %u relocated, %.2f s\n", iterations,
           (unsigned long long)seed, nseeds, parsed, relocated,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 );
    /* the mutations must not be so destructive that nothing parses */
    ok( parsed > iterations / 20, "only %u of %u mutated images parsed\n", parsed, iterations );
    free( buf );
    for (unsigned int i = 0; i < nseeds; i++) free( seeds[i].data );
}

/*
 * Sample PE image for tests/image.c: built at `make check` time by MinGW for x86_64 and
 * i686, as a DLL and as an EXE (-DPE_SAMPLE_EXE), with no CRT and no imports.  It has code,
 * read-only data, initialised data full of absolute pointers (so that the image carries base
 * relocations: DIR64 on x86_64, HIGHLOW on i686), uninitialised data and an export.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const char pe_sample_rdata[] = "ntdll-mm pe sample read-only data";
char pe_sample_data[64] = "ntdll-mm pe sample data";
char pe_sample_bss[3 * 4096];

/* absolute addresses: each needs a base relocation */
const char *pe_sample_pointers[6] =
{
    pe_sample_rdata, pe_sample_rdata + 9, pe_sample_data, pe_sample_data + 63, pe_sample_bss, pe_sample_bss + 8191
};

__declspec(dllexport) int pe_sample_add( int a, int b )
{
    pe_sample_bss[0] = (char)a;
    return a + b + pe_sample_pointers[2][0];
}

/* the entry point, named the same on both targets (no stdcall decoration) */
int pe_sample_entry( void *a, unsigned int b, void *c ) __asm__( "pe_sample_entry" );
int pe_sample_entry( void *a, unsigned int b, void *c )
{
#ifdef PE_SAMPLE_EXE
    return pe_sample_add( 1, 2 );
#else
    return 1;
#endif
}

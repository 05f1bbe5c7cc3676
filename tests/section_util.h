/*
 * ntdll-mm native tests: helpers shared by the section tests (section_*.c): temporary files in a
 * private mkdtemp directory, file handles, section and view shorthands, UNICODE_STRING names,
 * the /proc/self/pagemap entry of a page.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_TEST_SECTION_UTIL_H
#define NTDLL_MM_TEST_SECTION_UTIL_H

#include <stdint.h>
#include <sys/types.h>
#include "util.h"

#ifndef STATUS_MAPPED_ALIGNMENT
#define STATUS_MAPPED_ALIGNMENT ((NTSTATUS)0xC0000220)
#endif

/* Section access masks as CreateFileMapping builds them (kernelbase) */
#define SECTION_RW   (SECTION_QUERY | SECTION_MAP_READ | SECTION_MAP_WRITE)
#define SECTION_RWX  (SECTION_QUERY | SECTION_MAP_READ | SECTION_MAP_WRITE | SECTION_MAP_EXECUTE)

/* The byte every test file holds at offset off, unless the test wrote something else */
static inline unsigned char pattern_byte( uint64_t off )
{
    return (unsigned char)(off * 7 + (off >> 12) + 1);
}

/* Create tmpdir/name (in a private mkdtemp directory removed at exit) of size bytes filled
 * with pattern_byte(); path receives the full name.  Returns 0, or -1 after reporting a failure. */
#define make_test_file( path, name, size ) make_test_file_( __FILE__, __LINE__, path, name, size )
int make_test_file_( const char *file, int line, char path[512], const char *name, off_t size );
/* Remove a file made by make_test_file (ignores a NULL or empty path) */
void remove_test_file( const char *path );
/* stat() size of path, -1 if it does not exist */
off_t file_size( const char *path );
/* pread of one byte / len bytes from path through a fresh descriptor; -1 on error */
int file_byte( const char *path, off_t off );
ssize_t file_read( const char *path, off_t off, void *buf, size_t len );
ssize_t file_write( const char *path, off_t off, const void *buf, size_t len );

/* ntdll_mm_open_file(), reporting a failure; NULL on failure */
#define open_file( path, access ) open_file_( __FILE__, __LINE__, path, access )
HANDLE open_file_( const char *file, int line, const char *path, ACCESS_MASK access );

/* NtCreateSection; size < 0 passes a NULL MaximumSize */
NTSTATUS create_section( HANDLE *section, ACCESS_MASK access, LONGLONG size, ULONG prot,
                         ULONG attributes, HANDLE file );
/* NtCreateSection that must succeed; NULL (and a reported failure) otherwise */
#define section_or_fail( access, size, prot, attributes, file ) \
    section_or_fail_( __FILE__, __LINE__, access, size, prot, attributes, file )
HANDLE section_or_fail_( const char *file, int line, ACCESS_MASK access, LONGLONG size, ULONG prot,
                         ULONG attributes, HANDLE file_handle );

/* NtMapViewOfSection in the current process, ViewShare, no commit size */
NTSTATUS map_view( HANDLE section, void **addr, ULONG_PTR zero_bits, LONGLONG offset,
                   SIZE_T *size, ULONG type, ULONG prot );
/* Map the whole section (offset 0, size 0) anywhere; NULL and a reported failure otherwise */
#define view_or_fail( section, prot ) view_or_fail_( __FILE__, __LINE__, section, prot )
void *view_or_fail_( const char *file, int line, HANDLE section, ULONG prot );
NTSTATUS unmap_view( void *addr );
/* NtUnmapViewOfSection that must succeed */
#define unmap( addr ) unmap_( __FILE__, __LINE__, addr )
void unmap_( const char *file, int line, void *addr );
/* NtClose that must succeed (ignores NULL) */
#define close_handle( h ) close_handle_( __FILE__, __LINE__, h )
void close_handle_( const char *file, int line, HANDLE h );

/* NtQuerySection(SectionBasicInformation) */
NTSTATUS query_section( HANDLE section, SECTION_BASIC_INFORMATION *info );

/* Build a UNICODE_STRING from ASCII into buf (n WCHARs) */
void init_unicode( UNICODE_STRING *str, WCHAR *buf, size_t n, const char *ascii );
/* Object attributes for a name (RootDirectory NULL) */
void init_attr( OBJECT_ATTRIBUTES *attr, UNICODE_STRING *name, ULONG attributes );
/* A section name unique to this process: "\BaseNamedObjects\ntdll_mm_<tag>_<pid>" */
void section_name( char *buf, size_t len, const char *tag );

/* Raw /proc/self/pagemap entry of the page holding addr (bit 63 present, bit 61 file-page or
 * shared-anonymous); returns 0 if unreadable. */
uint64_t pagemap_entry( const void *addr );
#define PM_PRESENT   (1ULL << 63)
#define PM_SWAPPED   (1ULL << 62)
#define PM_FILE      (1ULL << 61)

/* status_name() that also knows the section statuses */
const char *sstatus( NTSTATUS status );

/* Statuses that RtlNtStatusToDosError turns into ERROR_INVALID_PARAMETER, including the
 * protection ones: used where the only native evidence is a kernel32 test that saw
 * ERROR_INVALID_PARAMETER; every use says so. */
int maps_to_invalid_parameter( NTSTATUS status );

#endif

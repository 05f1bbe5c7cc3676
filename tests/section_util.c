/*
 * ntdll-mm native tests: helpers shared by the section tests.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "section_util.h"

static char tmpdir[256];
static pid_t tmpdir_owner;

static void remove_tmpdir( void )
{
    /* only the process that made it (children leave with _exit, but be safe) */
    if (tmpdir[0] && getpid() == tmpdir_owner) rmdir( tmpdir );
}

static const char *get_tmpdir( void )
{
    if (!tmpdir[0])
    {
        const char *base = getenv( "TMPDIR" );
        if (!base || !*base) base = "/tmp";
        snprintf( tmpdir, sizeof(tmpdir), "%s/ntdll-mm-sect-XXXXXX", base );
        if (!mkdtemp( tmpdir ))
        {
            tmpdir[0] = 0;
            return NULL;
        }
        tmpdir_owner = getpid();
        atexit( remove_tmpdir );
    }
    return tmpdir;
}

int make_test_file_( const char *file, int line, char path[512], const char *name, off_t size )
{
    const char *dir = get_tmpdir();
    unsigned char buf[4096];
    off_t off;
    int fd;

    path[0] = 0;
    if (!dir)
    {
        mmtest_ok( file, line, 0, "mkdtemp failed: %s\n", strerror( errno ) );
        return -1;
    }
    snprintf( path, 512, "%s/%s", dir, name );
    fd = open( path, O_RDWR | O_CREAT | O_TRUNC, 0600 );
    if (fd < 0)
    {
        mmtest_ok( file, line, 0, "cannot create %s: %s\n", path, strerror( errno ) );
        path[0] = 0;
        return -1;
    }
    for (off = 0; off < size; off += sizeof(buf))
    {
        size_t len = size - off < (off_t)sizeof(buf) ? (size_t)(size - off) : sizeof(buf);
        for (size_t i = 0; i < len; i++) buf[i] = pattern_byte( off + i );
        if (pwrite( fd, buf, len, off ) != (ssize_t)len)
        {
            mmtest_ok( file, line, 0, "cannot write %s: %s\n", path, strerror( errno ) );
            close( fd );
            unlink( path );
            path[0] = 0;
            return -1;
        }
    }
    close( fd );
    return 0;
}

void remove_test_file( const char *path )
{
    if (path && path[0]) unlink( path );
}

off_t file_size( const char *path )
{
    struct stat st;
    if (stat( path, &st )) return -1;
    return st.st_size;
}

ssize_t file_read( const char *path, off_t off, void *buf, size_t len )
{
    ssize_t ret;
    int fd = open( path, O_RDONLY );

    if (fd < 0) return -1;
    ret = pread( fd, buf, len, off );
    close( fd );
    return ret;
}

ssize_t file_write( const char *path, off_t off, const void *buf, size_t len )
{
    ssize_t ret;
    int fd = open( path, O_RDWR );

    if (fd < 0) return -1;
    ret = pwrite( fd, buf, len, off );
    close( fd );
    return ret;
}

int file_byte( const char *path, off_t off )
{
    unsigned char c;
    if (file_read( path, off, &c, 1 ) != 1) return -1;
    return c;
}

HANDLE open_file_( const char *file, int line, const char *path, ACCESS_MASK access )
{
    HANDLE handle = NULL;
    NTSTATUS status = ntdll_mm_open_file( path, access, &handle );

    mmtest_ok( file, line, status == STATUS_SUCCESS && handle,
               "ntdll_mm_open_file( %s, %#x ) failed: %s\n", path, (unsigned int)access,
               status_name( status ) );
    return status ? NULL : handle;
}

NTSTATUS create_section( HANDLE *section, ACCESS_MASK access, LONGLONG size, ULONG prot,
                         ULONG attributes, HANDLE file )
{
    LARGE_INTEGER max;

    max.QuadPart = size;
    return NtCreateSection( section, access, NULL, size < 0 ? NULL : &max, prot, attributes, file );
}

HANDLE section_or_fail_( const char *file, int line, ACCESS_MASK access, LONGLONG size, ULONG prot,
                         ULONG attributes, HANDLE file_handle )
{
    HANDLE section = NULL;
    NTSTATUS status = create_section( &section, access, size, prot, attributes, file_handle );

    mmtest_ok( file, line, status == STATUS_SUCCESS && section,
               "NtCreateSection( size %#llx, prot %#x, attributes %#x, file %p ) failed: %s\n",
               (unsigned long long)size, (unsigned int)prot, (unsigned int)attributes, file_handle,
               status_name( status ) );
    return status ? NULL : section;
}

NTSTATUS map_view( HANDLE section, void **addr, ULONG_PTR zero_bits, LONGLONG offset,
                   SIZE_T *size, ULONG type, ULONG prot )
{
    LARGE_INTEGER off;

    off.QuadPart = offset;
    return NtMapViewOfSection( section, NtCurrentProcess(), addr, zero_bits, 0, &off, size,
                               ViewShare, type, prot );
}

void *view_or_fail_( const char *file, int line, HANDLE section, ULONG prot )
{
    void *addr = NULL;
    SIZE_T size = 0;
    NTSTATUS status;

    if (!section) return NULL;
    status = map_view( section, &addr, 0, 0, &size, 0, prot );
    mmtest_ok( file, line, status == STATUS_SUCCESS && addr,
               "NtMapViewOfSection( prot %#x ) failed: %s\n", (unsigned int)prot, status_name( status ) );
    return status ? NULL : addr;
}

NTSTATUS unmap_view( void *addr )
{
    return NtUnmapViewOfSection( NtCurrentProcess(), addr );
}

void unmap_( const char *file, int line, void *addr )
{
    NTSTATUS status;

    if (!addr) return;
    status = unmap_view( addr );
    mmtest_ok( file, line, status == STATUS_SUCCESS, "NtUnmapViewOfSection( %p ) failed: %s\n",
               addr, status_name( status ) );
}

void close_handle_( const char *file, int line, HANDLE h )
{
    NTSTATUS status;

    if (!h) return;
    status = NtClose( h );
    mmtest_ok( file, line, status == STATUS_SUCCESS, "NtClose( %p ) failed: %s\n", h, status_name( status ) );
}

NTSTATUS query_section( HANDLE section, SECTION_BASIC_INFORMATION *info )
{
    memset( info, 0xcc, sizeof(*info) );
    return NtQuerySection( section, SectionBasicInformation, info, sizeof(*info), NULL );
}

void init_unicode( UNICODE_STRING *str, WCHAR *buf, size_t n, const char *ascii )
{
    size_t i;

    for (i = 0; ascii[i] && i + 1 < n; i++) buf[i] = (unsigned char)ascii[i];
    buf[i] = 0;
    str->Length = i * sizeof(WCHAR);
    str->MaximumLength = (i + 1) * sizeof(WCHAR);
    str->Buffer = buf;
}

void init_attr( OBJECT_ATTRIBUTES *attr, UNICODE_STRING *name, ULONG attributes )
{
    memset( attr, 0, sizeof(*attr) );
    attr->Length = sizeof(*attr);
    attr->RootDirectory = NULL;
    attr->ObjectName = name;
    attr->Attributes = attributes;
}

void section_name( char *buf, size_t len, const char *tag )
{
    snprintf( buf, len, "\\BaseNamedObjects\\ntdll_mm_%s_%d", tag, (int)getpid() );
}

uint64_t pagemap_entry( const void *addr )
{
    uint64_t entry = 0;
    long pagesz = sysconf( _SC_PAGESIZE );
    int fd = open( "/proc/self/pagemap", O_RDONLY );

    if (fd < 0) return 0;
    if (pread( fd, &entry, sizeof(entry), ((uintptr_t)addr / pagesz) * sizeof(entry) ) != sizeof(entry))
        entry = 0;
    close( fd );
    return entry;
}

const char *sstatus( NTSTATUS status )
{
    switch ((ULONG)status)
    {
#define CASE(s) case (ULONG)s: return #s
    CASE(STATUS_ACCESS_DENIED);
    CASE(STATUS_MAPPED_ALIGNMENT);
    CASE(STATUS_INVALID_VIEW_SIZE);
    CASE(STATUS_SECTION_PROTECTION);
    CASE(STATUS_SECTION_TOO_BIG);
    CASE(STATUS_SECTION_NOT_IMAGE);
    CASE(STATUS_SECTION_NOT_EXTENDED);
    CASE(STATUS_MAPPED_FILE_SIZE_ZERO);
    CASE(STATUS_INVALID_FILE_FOR_SECTION);
    CASE(STATUS_INVALID_IMAGE_FORMAT);
    CASE(STATUS_INVALID_IMAGE_NOT_MZ);
    CASE(STATUS_PRIVILEGE_NOT_HELD);
    CASE(STATUS_OBJECT_NAME_NOT_FOUND);
    CASE(STATUS_OBJECT_NAME_COLLISION);
    CASE(STATUS_OBJECT_NAME_EXISTS);
    CASE(STATUS_OBJECT_NAME_INVALID);
    CASE(STATUS_OBJECT_PATH_SYNTAX_BAD);
    CASE(STATUS_NOT_SAME_DEVICE);
    CASE(STATUS_FILE_INVALID);
    CASE(STATUS_BUFFER_OVERFLOW);
    CASE(STATUS_NOT_MAPPED_DATA);
    CASE(STATUS_IN_PAGE_ERROR);
    CASE(STATUS_INVALID_PARAMETER_7);
    CASE(STATUS_INVALID_PARAMETER_8);
    CASE(STATUS_INVALID_PARAMETER_9);
    CASE(STATUS_INVALID_PARAMETER_10);
    CASE(STATUS_INVALID_PARAMETER_MIX);
#undef CASE
    }
    return status_name( status );
}

int maps_to_invalid_parameter( NTSTATUS status )
{
    switch ((ULONG)status)
    {
    case (ULONG)STATUS_INVALID_PAGE_PROTECTION:
    case (ULONG)STATUS_SECTION_PROTECTION:
    case (ULONG)STATUS_INVALID_PARAMETER_7:
    case (ULONG)STATUS_INVALID_PARAMETER_8:
    case (ULONG)STATUS_INVALID_PARAMETER_9:
    case (ULONG)STATUS_INVALID_PARAMETER_10:
    case (ULONG)STATUS_INVALID_PARAMETER_MIX:
    case (ULONG)STATUS_UNABLE_TO_DELETE_SECTION:
        return 1;
    }
    return is_invalid_parameter( status );
}

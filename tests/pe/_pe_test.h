/*
 * Shared declarations for the ntdll-mm Windows-side conformance programs:
 * pieces MinGW's headers may lack, entry points resolved at run time, and
 * the memory probes implemented in _support.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef NTDLL_MM_PE_TEST_H
#define NTDLL_MM_PE_TEST_H

#include <string.h>
#include <windows.h>

#ifndef MEM_RESERVE_PLACEHOLDER
#define MEM_RESERVE_PLACEHOLDER   0x00040000
#endif
#ifndef MEM_REPLACE_PLACEHOLDER
#define MEM_REPLACE_PLACEHOLDER   0x00004000
#endif
#ifndef MEM_COALESCE_PLACEHOLDERS
#define MEM_COALESCE_PLACEHOLDERS 0x00000001
#endif
#ifndef MEM_PRESERVE_PLACEHOLDER
#define MEM_PRESERVE_PLACEHOLDER  0x00000002
#endif
#ifndef MEM_WRITE_WATCH
#define MEM_WRITE_WATCH           0x00200000
#endif
#ifndef MEM_LARGE_PAGES
#define MEM_LARGE_PAGES           0x20000000
#endif
#ifndef SEC_IMAGE
#define SEC_IMAGE                 0x01000000
#endif
#ifndef STATUS_GUARD_PAGE_VIOLATION
#define STATUS_GUARD_PAGE_VIOLATION ((DWORD)0x80000001)
#endif

/* Our own names for the extended-parameter pieces, so that the programs
 * build whatever MinGW's winnt.h version provides (layout from the
 * "MEM_EXTENDED_PARAMETER structure" and "MEM_ADDRESS_REQUIREMENTS
 * structure" pages on learn.microsoft.com). */
typedef struct
{
    PVOID  LowestStartingAddress;
    PVOID  HighestEndingAddress;
    SIZE_T Alignment;
} mm_address_requirements;

typedef struct DECLSPEC_ALIGN(8)
{
    DWORD64 Type : 8;    /* MEM_EXTENDED_PARAMETER_TYPE */
    DWORD64 Reserved : 56;
    union
    {
        DWORD64 ULong64;
        PVOID   Pointer;
        SIZE_T  Size;
        HANDLE  Handle;
        DWORD   ULong;
    };
} mm_extended_parameter;

#define MM_PARAMETER_ADDRESS_REQUIREMENTS 1  /* MemExtendedParameterAddressRequirements */
#define MM_PARAMETER_NUMA_NODE            2  /* MemExtendedParameterNumaNode */

typedef PVOID (WINAPI *mm_VirtualAlloc2)( HANDLE process, PVOID base, SIZE_T size, ULONG type,
                                          ULONG protect, mm_extended_parameter *params, ULONG count );
typedef PVOID (WINAPI *mm_MapViewOfFile3)( HANDLE mapping, HANDLE process, PVOID base, ULONG64 offset,
                                           SIZE_T size, ULONG type, ULONG protect,
                                           mm_extended_parameter *params, ULONG count );
typedef BOOL (WINAPI *mm_UnmapViewOfFile2)( HANDLE process, PVOID base, ULONG flags );

/* Resolve an export of kernelbase.dll, where VirtualAlloc2 and
 * MapViewOfFile3 live ("VirtualAlloc2 function": Requirements, DLL
 * Kernelbase.dll). */
static inline FARPROC mm_kernelbase_proc( const char *name )
{
    HMODULE mod = GetModuleHandleA( "kernelbase.dll" );

    if (!mod) mod = LoadLibraryA( "kernelbase.dll" );
    return mod ? GetProcAddress( mod, name ) : NULL;
}

/* The Wine version the program runs on, as major * 100 + minor (8.0: 800, 10.0: 1000), from
 * ntdll's wine_get_version; 0 on Windows.  For todo_wine_if where one Wine version has a bug
 * another has not. */
static inline int mm_wine_version(void)
{
    const char *(CDECL *get_version)(void);
    HMODULE ntdll = GetModuleHandleA( "ntdll.dll" );
    int major = 0, minor = 0;
    const char *v;

    if (!ntdll || !(get_version = (void *)GetProcAddress( ntdll, "wine_get_version" ))) return 0;
    for (v = get_version(); *v >= '0' && *v <= '9'; v++) major = major * 10 + (*v - '0');
    if (*v == '.') for (v++; *v >= '0' && *v <= '9'; v++) minor = minor * 10 + (*v - '0');
    return major * 100 + minor;
}

static inline SIZE_T mm_page_size(void)
{
    SYSTEM_INFO si;

    GetSystemInfo( &si );
    return si.dwPageSize;
}

static inline SIZE_T mm_granularity(void)
{
    SYSTEM_INFO si;

    GetSystemInfo( &si );
    return si.dwAllocationGranularity;
}

/* VirtualQuery into *info; returns TRUE when the whole structure came back. */
static inline BOOL mm_query( const void *addr, MEMORY_BASIC_INFORMATION *info )
{
    memset( info, 0xcc, sizeof(*info) );
    return VirtualQuery( addr, info, sizeof(*info) ) == sizeof(*info);
}
/* Probes implemented in _support.c; see mm_install_fault_handler(). */
struct mm_fault
{
    LONG      count;    /* exceptions seen at a probe since mm_reset_fault() */
    DWORD     code;     /* last exception code */
    ULONG_PTR info[2];  /* ExceptionInformation[0..1]: access kind, address */
    DWORD     nparams;  /* NumberParameters */
    ULONG_PTR info2;    /* ExceptionInformation[2] when there is one (STATUS_IN_PAGE_ERROR: the I/O status) */
};
extern struct mm_fault mm_last_fault;
extern unsigned int mm_probe_read( const volatile void *addr );  /* 0xffff after an access violation or in-page error */
extern void mm_probe_write( volatile void *addr, unsigned int byte );
extern void mm_install_fault_handler(void);
extern void mm_reset_fault(void);

#endif /* NTDLL_MM_PE_TEST_H */

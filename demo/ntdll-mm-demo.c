/*
 * ntdll-mm demo: a Windows program that takes the virtual memory manager
 * through reserve/commit, copy-on-write, guard pages, write watches and large
 * pages, and prints what it observed next to what Windows documents.
 * Build: x86_64-w64-mingw32-gcc -O2 -o ntdll-mm-demo.exe ntdll-mm-demo.c -ladvapi32
 * Exit status: 0 when the tour ran (whatever it observed), 1 if it could not
 * allocate memory at all. It leaves nothing behind and can be run any number
 * of times.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <string.h>
#include <windows.h>

#ifndef MEM_WRITE_WATCH
#define MEM_WRITE_WATCH 0x00200000
#endif
#ifndef MEM_LARGE_PAGES
#define MEM_LARGE_PAGES 0x20000000
#endif

static SIZE_T page;
static unsigned int matches, differences;

static const char *state_name( DWORD state )
{
    switch (state)
    {
    case MEM_COMMIT:  return "COMMIT";
    case MEM_RESERVE: return "RESERVE";
    case MEM_FREE:    return "FREE";
    default:          return "?";
    }
}

static const char *type_name( DWORD type )
{
    switch (type)
    {
    case MEM_PRIVATE: return "PRIVATE";
    case MEM_MAPPED:  return "MAPPED";
    case MEM_IMAGE:   return "IMAGE";
    case 0:           return "-";
    default:          return "?";
    }
}

/* Protection constant as text, e.g. "READWRITE+GUARD"; uses one of a few static buffers. */
static const char *prot_name( DWORD prot )
{
    static char bufs[4][64];
    static unsigned int next;
    char *buf = bufs[next++ % 4];
    const char *base;

    switch (prot & 0xff)
    {
    case 0:                      base = "-"; break;
    case PAGE_NOACCESS:          base = "NOACCESS"; break;
    case PAGE_READONLY:          base = "READONLY"; break;
    case PAGE_READWRITE:         base = "READWRITE"; break;
    case PAGE_WRITECOPY:         base = "WRITECOPY"; break;
    case PAGE_EXECUTE:           base = "EXECUTE"; break;
    case PAGE_EXECUTE_READ:      base = "EXECUTE_READ"; break;
    case PAGE_EXECUTE_READWRITE: base = "EXECUTE_READWRITE"; break;
    case PAGE_EXECUTE_WRITECOPY: base = "EXECUTE_WRITECOPY"; break;
    default:                     base = "?"; break;
    }
    snprintf( buf, sizeof(bufs[0]), "%s%s%s%s", base, (prot & PAGE_GUARD) ? "+GUARD" : "",
              (prot & PAGE_NOCACHE) ? "+NOCACHE" : "", (prot & PAGE_WRITECOMBINE) ? "+WRITECOMBINE" : "" );
    return buf;
}

/* Compare an observation with the documented Windows result and say so. */
static void expect( BOOL as_documented, const char *what )
{
    if (as_documented) matches++;
    else differences++;
    printf( "      %s %s\n", as_documented ? "[as on Windows]" : "[DIFFERS from Windows]", what );
}

/* Print every region of the allocation that contains addr. */
static void show_regions( const char *title, const void *addr )
{
    MEMORY_BASIC_INFORMATION info;
    const char *p;
    void *alloc;

    if (!VirtualQuery( addr, &info, sizeof(info) )) return;
    alloc = info.AllocationBase;
    printf( "    %s (allocation %p, created %s, %s):\n", title, alloc, prot_name( info.AllocationProtect ),
            type_name( info.Type ) );
    if (!alloc) alloc = info.BaseAddress;
    for (p = alloc; VirtualQuery( p, &info, sizeof(info ) ) && (info.AllocationBase == alloc || p == alloc);
         p += info.RegionSize)
    {
        printf( "      %p-%p  %-7s  %s\n", info.BaseAddress, (char *)info.BaseAddress + info.RegionSize,
                state_name( info.State ), prot_name( info.Protect ) );
        if (info.State == MEM_FREE) break;
    }
}

static DWORD query_protect( const void *addr )
{
    MEMORY_BASIC_INFORMATION info;

    return VirtualQuery( addr, &info, sizeof(info) ) ? info.Protect : 0xffffffff;
}

static DWORD query_state( const void *addr )
{
    MEMORY_BASIC_INFORMATION info;

    return VirtualQuery( addr, &info, sizeof(info) ) ? info.State : 0;
}

/* Exceptions seen by the vectored handler. */
static volatile LONG guard_hits;
static volatile ULONG_PTR guard_address, guard_kind;

static LONG CALLBACK demo_handler( EXCEPTION_POINTERS *ptrs )
{
    EXCEPTION_RECORD *rec = ptrs->ExceptionRecord;

    if (rec->ExceptionCode != STATUS_GUARD_PAGE_VIOLATION) return EXCEPTION_CONTINUE_SEARCH;
    InterlockedIncrement( &guard_hits );
    guard_kind = rec->ExceptionInformation[0];
    guard_address = rec->ExceptionInformation[1];
    return EXCEPTION_CONTINUE_EXECUTION;  /* the guard is gone; the access is retried */
}

static void demo_reserve_commit(void)
{
    char *base, *p;
    DWORD old;

    printf( "\n[1] reserve, commit, protect, decommit, release\n" );
    base = VirtualAlloc( NULL, 0x100000, MEM_RESERVE, PAGE_READWRITE );
    printf( "    VirtualAlloc(NULL, 1 MB, MEM_RESERVE, PAGE_READWRITE) -> %p\n", base );
    if (!base) return;
    expect( !((ULONG_PTR)base & 0xffff), "reservations start on a 64K boundary" );

    p = VirtualAlloc( base + 0x10000, 3 * page, MEM_COMMIT, PAGE_READWRITE );
    printf( "    VirtualAlloc(base+0x10000, 3 pages, MEM_COMMIT) -> %p\n", p );
    if (p)
    {
        expect( p[0] == 0 && p[3 * page - 1] == 0, "committed pages read as zero" );
        strcpy( p, "hello" );
        VirtualProtect( p + page, page, PAGE_READONLY, &old );
        printf( "    VirtualProtect(second page, PAGE_READONLY) -> old protection %s\n", prot_name( old ) );
    }
    show_regions( "layout", base );
    expect( query_state( base ) == MEM_RESERVE && query_protect( base ) == 0,
            "reserved pages: state RESERVE, protection 0" );
    expect( query_protect( base + 0x10000 + page ) == PAGE_READONLY, "the protected page is its own region" );

    VirtualFree( base + 0x10000, 3 * page, MEM_DECOMMIT );
    printf( "    VirtualFree(MEM_DECOMMIT) -> back to reserved\n" );
    expect( query_state( base + 0x10000 ) == MEM_RESERVE, "decommitted pages are reserved again" );
    VirtualFree( base, 0, MEM_RELEASE );
    expect( query_state( base ) == MEM_FREE, "released range is free" );
}

static void demo_copy_on_write(void)
{
    HANDLE section;
    char *shared, *cow;

    printf( "\n[2] copy-on-write (FILE_MAP_COPY view of a 4-page section)\n" );
    section = CreateFileMappingA( INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4 * page, NULL );
    shared = section ? MapViewOfFile( section, FILE_MAP_WRITE, 0, 0, 0 ) : NULL;
    cow = section ? MapViewOfFile( section, FILE_MAP_COPY, 0, 0, 0 ) : NULL;
    printf( "    shared view %p, copy-on-write view %p\n", shared, cow );
    if (shared && cow)
    {
        strcpy( shared + page, "original" );
        printf( "    before writing: copy-on-write page protection %s\n", prot_name( query_protect( cow + page ) ) );
        expect( query_protect( cow + page ) == PAGE_WRITECOPY, "an untouched copy-on-write page is WRITECOPY" );
        strcpy( cow + page, "private" );
        printf( "    wrote \"private\" through the copy-on-write view\n" );
        show_regions( "copy-on-write view", cow );
        expect( query_protect( cow + page ) == PAGE_READWRITE, "the written page became READWRITE (a private copy)" );
        expect( query_protect( cow + 2 * page ) == PAGE_WRITECOPY, "pages not written stay WRITECOPY" );
        printf( "    shared view still reads \"%s\", copy reads \"%s\"\n", shared + page, cow + page );
        expect( !strcmp( shared + page, "original" ), "the section itself is unchanged" );
    }
    if (cow) UnmapViewOfFile( cow );
    if (shared) UnmapViewOfFile( shared );
    if (section) CloseHandle( section );
}

static void demo_guard_page(void)
{
    PVOID handler;
    char *base;
    DWORD old;
    char value;

    printf( "\n[3] guard page (PAGE_READWRITE | PAGE_GUARD, caught by a vectored handler)\n" );
    base = VirtualAlloc( NULL, 2 * page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    if (!base) return;
    base[page] = 'g';
    VirtualProtect( base + page, page, PAGE_READWRITE | PAGE_GUARD, &old );
    show_regions( "before the access", base );

    handler = AddVectoredExceptionHandler( TRUE, demo_handler );
    guard_hits = 0;
    value = *(volatile char *)(base + page);
    printf( "    first read -> exceptions caught: %ld (STATUS_GUARD_PAGE_VIOLATION at %p, %s), value '%c'\n",
            guard_hits, (void *)guard_address, guard_kind ? "write" : "read", value );
    expect( guard_hits == 1 && guard_address == (ULONG_PTR)(base + page),
            "one STATUS_GUARD_PAGE_VIOLATION naming the address" );
    printf( "    after the exception the page is %s\n", prot_name( query_protect( base + page ) ) );
    expect( query_protect( base + page ) == PAGE_READWRITE, "the guard is cleared by the first access" );
    value = *(volatile char *)(base + page);
    printf( "    second read -> exceptions caught so far: %ld\n", guard_hits );
    expect( guard_hits == 1, "the second access raises nothing" );
    RemoveVectoredExceptionHandler( handler );
    VirtualFree( base, 0, MEM_RELEASE );
}

static void demo_write_watch(void)
{
    void *pages[16];
    ULONG_PTR count = 16, i;
    ULONG granularity;
    char *base;

    printf( "\n[4] write watch (MEM_WRITE_WATCH, GetWriteWatch)\n" );
    base = VirtualAlloc( NULL, 16 * page, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, PAGE_READWRITE );
    printf( "    VirtualAlloc(16 pages, MEM_WRITE_WATCH) -> %p\n", base );
    if (!base)
    {
        printf( "    refused, error %lu\n", GetLastError() );
        return;
    }
    base[2 * page] = 1;
    base[2 * page + 1] = 1;
    base[9 * page + 100] = 1;
    base[15 * page] = 1;
    printf( "    wrote to pages 2 (twice), 9 and 15\n" );
    if (GetWriteWatch( WRITE_WATCH_FLAG_RESET, base, 16 * page, pages, &count, &granularity ))
    {
        printf( "    GetWriteWatch failed, error %lu\n", GetLastError() );
        differences++;
    }
    else
    {
        printf( "    GetWriteWatch(WRITE_WATCH_FLAG_RESET) -> %llu pages, granularity %#lx:",
                (unsigned long long)count, granularity );
        for (i = 0; i < count; i++) printf( " page %llu", (unsigned long long)(((char *)pages[i] - base) / page) );
        printf( "\n" );
        expect( count == 3 && pages[0] == base + 2 * page && pages[2] == base + 15 * page,
                "each written page reported once, in address order" );
        count = 16;
        GetWriteWatch( 0, base, 16 * page, pages, &count, &granularity );
        printf( "    after the reset -> %llu pages\n", (unsigned long long)count );
        expect( count == 0, "the reset cleared the record" );
    }
    VirtualFree( base, 0, MEM_RELEASE );
}

static BOOL enable_lock_memory_privilege(void)
{
    TOKEN_PRIVILEGES tp;
    HANDLE token;
    BOOL ret;

    if (!OpenProcessToken( GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token )) return FALSE;
    tp.PrivilegeCount = 1;
    tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
    ret = LookupPrivilegeValueA( NULL, "SeLockMemoryPrivilege", &tp.Privileges[0].Luid ) &&
          AdjustTokenPrivileges( token, FALSE, &tp, 0, NULL, NULL ) && GetLastError() == ERROR_SUCCESS;
    CloseHandle( token );
    return ret;
}

static void demo_large_pages(void)
{
    SIZE_T large = GetLargePageMinimum();
    DWORD err;
    char *p;

    printf( "\n[5] large pages\n" );
    printf( "    GetLargePageMinimum() -> %#llx\n", (unsigned long long)large );
    if (!large)
    {
        printf( "    the processor reports no large pages; nothing to try\n" );
        return;
    }
    if (enable_lock_memory_privilege())
        printf( "    SeLockMemoryPrivilege: held and enabled\n" );
    else
        printf( "    SeLockMemoryPrivilege: not held by this token (error %lu); Windows then refuses large pages\n",
                GetLastError() );

    p = VirtualAlloc( NULL, large, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, PAGE_READWRITE );
    err = GetLastError();
    if (p)
    {
        printf( "    VirtualAlloc(%#llx, MEM_LARGE_PAGES) -> %p (%s)\n", (unsigned long long)large, p,
                ((ULONG_PTR)p & (large - 1)) ? "not large-page aligned" : "large-page aligned" );
        show_regions( "large-page allocation", p );
        VirtualFree( p, 0, MEM_RELEASE );
    }
    else
    {
        printf( "    VirtualAlloc(%#llx, MEM_LARGE_PAGES) refused: error %lu (%s)\n", (unsigned long long)large, err,
                err == ERROR_PRIVILEGE_NOT_HELD ? "ERROR_PRIVILEGE_NOT_HELD: the privilege is missing" :
                err == ERROR_NO_SYSTEM_RESOURCES ? "ERROR_NO_SYSTEM_RESOURCES: no contiguous physical memory" :
                err == ERROR_INVALID_PARAMETER ? "ERROR_INVALID_PARAMETER: large pages not supported here" :
                "see System Error Codes" );
        if (err != ERROR_NO_SYSTEM_RESOURCES)
            expect( err == ERROR_PRIVILEGE_NOT_HELD, "without the privilege the refusal is ERROR_PRIVILEGE_NOT_HELD" );
    }
}

int main( void )
{
    const char * (CDECL *wine_version)(void);
    SYSTEM_INFO si;
    void *probe;

    setvbuf( stdout, NULL, _IONBF, 0 );
    GetSystemInfo( &si );
    page = si.dwPageSize;
    wine_version = (void *)GetProcAddress( GetModuleHandleA( "ntdll.dll" ), "wine_get_version" );

    printf( "ntdll-mm demo: a tour of the Windows virtual memory manager\n" );
    printf( "  running on %s%s\n", wine_version ? "Wine " : "Windows", wine_version ? wine_version() : "" );
    printf( "  page size %#lx, allocation granularity %#lx, user space %p-%p\n", si.dwPageSize,
            si.dwAllocationGranularity, si.lpMinimumApplicationAddress, si.lpMaximumApplicationAddress );

    probe = VirtualAlloc( NULL, page, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    if (!probe)
    {
        printf( "cannot allocate memory at all (error %lu)\n", GetLastError() );
        return 1;
    }
    VirtualFree( probe, 0, MEM_RELEASE );

    demo_reserve_commit();
    demo_copy_on_write();
    demo_guard_page();
    demo_write_watch();
    demo_large_pages();

    printf( "\nsummary: %u observations as Windows documents them, %u different\n", matches, differences );
    return 0;
}

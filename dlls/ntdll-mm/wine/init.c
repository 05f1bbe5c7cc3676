/*
 * ntdll-mm inside Wine: start-up of the memory manager, the preloader's reservations,
 * system information and user shared data.
 *
 * Where Wine and NT differ from a plain Linux process:
 * - Wine's preloader (wine64-preloader) maps the address ranges Windows programs expect to own
 *   PROT_NONE before anything else loads (the low 2 GB below 0x68000000, 0x7ff00000-0x7fff0000,
 *   the top of the 47-bit space), so that glibc and the unix libraries never land there.  It
 *   publishes them in wine_main_preload_info.  For NT they are free address space: they are
 *   handed to the core as host-reserved areas (mm_add_reserved_area), where allocations and
 *   views are mapped over the reservation and released memory becomes reservation again.
 * - The preloader also keeps the main exe's preferred range (WINEPRELOADRESERVE) reserved
 *   until the exe is mapped; it stays out of the core's free space until then
 *   (mmw_claim_preload_reserve).
 * - KUSER_SHARED_DATA lives at 0x7ffe0000 as on NT: a private read-only page first (the TEB
 *   code allocates it), replaced by wineserver's __wine_user_shared_data section once the
 *   server connection exists, so that the server updates the clock in every process.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef HAVE_SYS_SYSINFO_H
# include <sys/sysinfo.h>
#endif

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* NT's fixed address of KUSER_SHARED_DATA; Wine's exported pointer to it */
struct _KUSER_SHARED_DATA *user_shared_data = (void *)0x7ffe0000;

/* the layout of wine_main_preload_info (loader/preloader.c): a zero-size entry ends it */
struct mmw_preload_range
{
    void  *addr;
    size_t size;
};

static uintptr_t preload_reserve_start, preload_reserve_end;   /* WINEPRELOADRESERVE */
static int preload_reserve_claimed;
static pthread_mutex_t preload_mutex = PTHREAD_MUTEX_INITIALIZER;

/* mmap() anonymous memory at a fixed address (Wine's unix code uses it for memory it owns,
 * outside NT's view: the syscall dispatcher pointer page, builtin .so headers) */
void *anon_mmap_fixed( void *start, size_t size, int prot, int flags )
{
    return mmap( start, size, prot, MAP_PRIVATE | MAP_ANON | MAP_FIXED | flags, -1, 0 );
}

/* mmap() anonymous memory anywhere: memory of the unix side, foreign to NT */
void *anon_mmap_alloc( size_t size, int prot )
{
    return mmap( NULL, size, prot, MAP_PRIVATE | MAP_ANON, -1, 0 );
}

/* hand [start, end) to the core as free address space owned by the host */
static void add_reserved( uintptr_t start, uintptr_t end )
{
    NTSTATUS status;

    start = mm_round_up( start, MM_GRAN_MASK );
    end = mm_round_down( end, MM_GRAN_MASK );
    if (start >= end) return;
    if ((status = mm_add_reserved_area( start, end )))
        ERR( "cannot add reserved area %p-%p: %08x\n", (void *)start, (void *)end, (unsigned int)status );
    else
        TRACE( "reserved area %p-%p\n", (void *)start, (void *)end );
}

void mmw_claim_preload_reserve( const void *addr, SIZE_T size )
{
    uintptr_t start = (uintptr_t)addr, end = start + size;
    sigset_t sigset;

    if (__atomic_load_n( &preload_reserve_claimed, __ATOMIC_ACQUIRE )) return;
    if (!(preload_reserve_end > start && preload_reserve_start < end)) return;
    server_enter_uninterrupted_section( &preload_mutex, &sigset );
    if (!preload_reserve_claimed)
    {
        TRACE( "exe range %p-%p becomes free address space\n",
               (void *)preload_reserve_start, (void *)preload_reserve_end );
        add_reserved( preload_reserve_start, preload_reserve_end );
        __atomic_store_n( &preload_reserve_claimed, 1, __ATOMIC_RELEASE );
    }
    server_leave_uninterrupted_section( &preload_mutex, &sigset );
}

/* A preloader range, minus the exe range (kept back until the exe is mapped): only what the
 * preloader still keeps reserved (it may have given parts up; anything else mapped there stays
 * foreign) becomes the core's free address space. */
static void claim_preload_range( uintptr_t start, uintptr_t end )
{
    NTSTATUS status;

    if (preload_reserve_end > start && preload_reserve_start < end)
    {
        if (preload_reserve_start > start) claim_preload_range( start, preload_reserve_start );
        if (preload_reserve_end < end) claim_preload_range( preload_reserve_end, end );
        return;
    }
    start = mm_round_up( start, MM_PAGE_MASK );
    end = mm_round_down( end, MM_PAGE_MASK );
    if (start >= end) return;
    if ((status = mm_claim_reserved_areas( start, end )))
        ERR( "cannot claim the preloader's range %p-%p: %08x\n", (void *)start, (void *)end, (unsigned int)status );
}

/* Without a preloader: map [start, end) PROT_NONE where nothing is mapped yet and hand it to
 * the core; a range partly in use is split in halves, down to 64K pieces. */
static void reserve_free( uintptr_t start, uintptr_t end )
{
    uintptr_t mid;
    void *p;

    if (end - start < MM_GRANULARITY) return;
    p = mmap( (void *)start, end - start, PROT_NONE,
              MAP_PRIVATE | MAP_ANON | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0 );
    if (p == (void *)start)
    {
        add_reserved( start, end );
        return;
    }
    if (p != MAP_FAILED) munmap( p, end - start );   /* an old kernel ignoring the flag */
    mid = mm_round_down( start + (end - start) / 2, MM_GRAN_MASK );
    reserve_free( start, mid );
    reserve_free( mid, end );
}

void virtual_init(void)
{
    struct mmw_preload_range **preload = dlsym( RTLD_DEFAULT, "wine_main_preload_info" );
    const char *env = getenv( "WINEPRELOADRESERVE" );
    NTSTATUS status;
    unsigned int i;

    if (env)
    {
        unsigned long start, end;
        if (sscanf( env, "%lx-%lx", &start, &end ) == 2 && start < end)
        {
            preload_reserve_start = mm_round_down( start, MM_GRAN_MASK );
            preload_reserve_end = mm_round_up( end, MM_GRAN_MASK );
        }
    }
    if ((status = mm_ensure_init()))
    {
        ERR( "ntdll-mm failed to initialise: %08x\n", (unsigned int)status );
        exit( 1 );
    }
    if (preload && *preload)
    {
        for (i = 0; (*preload)[i].size; i++)
        {
            uintptr_t start = (uintptr_t)(*preload)[i].addr;
            TRACE( "preloader range %p-%p\n", (*preload)[i].addr, (char *)(*preload)[i].addr + (*preload)[i].size );
            claim_preload_range( start, start + (*preload)[i].size );
        }
    }
    else
    {
        /* no preloader: reserve NT's ranges ourselves, where nothing is mapped yet */
        static const uintptr_t ranges[][2] =
        {
            { 0x000000010000, 0x000068000000 },
            { 0x00007ff00000, 0x00007fff0000 },
            { 0x7ffffe000000, 0x7fffffff0000 },
        };
        for (i = 0; i < ARRAY_SIZE(ranges); i++) reserve_free( ranges[i][0], ranges[i][1] );
    }
    TRACE( "user space %p-%p\n", ntdll_mm_lowest_address(), ntdll_mm_highest_address() );
}

ULONG_PTR mmw_highest_user_address( BOOL wow64 )
{
    if (wow64)
    {
        if (main_image_info.ImageCharacteristics & IMAGE_FILE_LARGE_ADDRESS_AWARE) return 0xbfffffff;
        return 0x7ffeffff;
    }
    return (ULONG_PTR)ntdll_mm_highest_address();
}

ULONG_PTR get_system_affinity_mask(void)
{
    ULONG n = peb->NumberOfProcessors;

    if (n >= sizeof(ULONG_PTR) * 8) return ~(ULONG_PTR)0;
    return ((ULONG_PTR)1 << n) - 1;
}

void virtual_get_system_info( SYSTEM_BASIC_INFORMATION *info, BOOL wow64 )
{
    ULONG64 pages = 0;
#ifdef HAVE_SYS_SYSINFO_H
    struct sysinfo si;

    if (!sysinfo( &si )) pages = (ULONG64)si.totalram * si.mem_unit / MM_PAGE_SIZE;
#endif
    if (!pages)
    {
        long n = sysconf( _SC_PHYS_PAGES );
        pages = n > 0 ? (ULONG64)n : 0x7fffffff / MM_PAGE_SIZE;
    }
    if (!pages) pages = 1;

    info->unknown                      = 0;
    info->KeMaximumIncrement           = 0;
    info->PageSize                     = MM_PAGE_SIZE;
    info->MmHighestPhysicalPage        = pages;
    info->MmLowestPhysicalPage         = 1;
    info->MmNumberOfPhysicalPages      = pages - 1;
    info->AllocationGranularity        = MM_GRANULARITY;
    info->LowestUserAddress            = (void *)0x10000;
    info->HighestUserAddress           = (void *)mmw_highest_user_address( wow64 );
    info->ActiveProcessorsAffinityMask = get_system_affinity_mask();
    info->NumberOfProcessors           = peb->NumberOfProcessors;
}

/* Wine calls this once the main exe is known, for a large-address-aware program.  A 64-bit
 * process has NT's full 128 TB either way, and the wow64 limit follows the exe's
 * IMAGE_FILE_LARGE_ADDRESS_AWARE flag (mmw_highest_user_address): nothing changes here. */
void virtual_set_large_address_space(void)
{
    if (peb->OSPlatformId != VER_PLATFORM_WIN32_NT) return;
    TRACE( "large address space: user range ends at %p\n", ntdll_mm_highest_address() );
}

/* Replace the private page at 0x7ffe0000 (allocated with the first TEB) by wineserver's
 * shared page: the server keeps the tick count and time in it up to date. */
void virtual_map_user_shared_data(void)
{
    static const WCHAR nameW[] = {'\\','K','e','r','n','e','l','O','b','j','e','c','t','s','\\',
        '_','_','w','i','n','e','_','u','s','e','r','_','s','h','a','r','e','d','_','d','a','t','a',0};
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES attr;
    HANDLE section;
    unsigned int status;
    int fd, needs_close;

    name.Buffer = (WCHAR *)nameW;
    name.Length = sizeof(nameW) - sizeof(WCHAR);
    name.MaximumLength = sizeof(nameW);
    InitializeObjectAttributes( &attr, &name, 0, 0, NULL );
    if ((status = NtOpenSection( &section, SECTION_ALL_ACCESS, &attr )))
    {
        ERR( "cannot open the user shared data section: %08x\n", status );
        exit( 1 );
    }
    if ((status = server_get_unix_fd( section, 0, &fd, &needs_close, NULL, NULL )))
    {
        ERR( "no fd for the user shared data section: %08x\n", status );
        exit( 1 );
    }
    /* the page stays a private read-only allocation for NT (as on Windows); only its backing
     * changes */
    if ((status = mm_map_host_file( user_shared_data, MM_PAGE_SIZE, fd, 0 )))
    {
        ERR( "cannot map the user shared data: %08x\n", status );
        exit( 1 );
    }
    if (needs_close) close( fd );
    NtClose( section );
    TRACE( "user shared data mapped at %p\n", user_shared_data );
}

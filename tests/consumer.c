/*
 * A program built only from `pkg-config --cflags --libs ntdll-mm` after `make install`:
 * proves the installed header, library and ntdll-mm.pc are enough to call the NT API.
 * Prints "consumer: N passed, N failed".
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <ntdll-mm.h>
#include <stdio.h>

int main( void )
{
    void *base = NULL;
    SIZE_T size = 0x1234;
    MEMORY_BASIC_INFORMATION mbi;
    NTSTATUS status;
    int failed = 0, passed = 0;

    status = NtAllocateVirtualMemory( NtCurrentProcess(), &base, 0, &size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE );
    if (status || size != 0x2000 || ((ULONG_PTR)base & 0xffff))
    {
        printf( "allocate: status %#x base %p size %#lx, expected 0, 64K-aligned, 0x2000\n",
                (unsigned int)status, base, (unsigned long)size );
        failed++;
    }
    else passed++;
    status = NtQueryVirtualMemory( NtCurrentProcess(), base, MemoryBasicInformation, &mbi, sizeof(mbi), NULL );
    if (status || mbi.State != MEM_COMMIT || mbi.Protect != PAGE_READWRITE || mbi.RegionSize != 0x2000)
    {
        printf( "query: status %#x state %#x protect %#x size %#lx\n", (unsigned int)status,
                (unsigned int)mbi.State, (unsigned int)mbi.Protect, (unsigned long)mbi.RegionSize );
        failed++;
    }
    else passed++;
    size = 0;
    status = NtFreeVirtualMemory( NtCurrentProcess(), &base, &size, MEM_RELEASE );
    if (status || size != 0x2000)
    {
        printf( "release: status %#x size %#lx\n", (unsigned int)status, (unsigned long)size );
        failed++;
    }
    else passed++;
    printf( "consumer: %d passed, %d failed\n", passed, failed );
    return failed != 0;
}

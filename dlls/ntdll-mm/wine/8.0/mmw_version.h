/*
 * ntdll-mm inside Wine 8.0: the names Wine 8.0's headers give the types the shared host files
 * use (host_wine.h includes this header; the hook places the one of the Wine it builds).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_WINE_VERSION_H
#define NTDLL_MM_WINE_VERSION_H

/* the server's description of an image (protocol.def: pe_image_info), 80 bytes */
typedef pe_image_info_t mmw_image_info;

/* What Wine 8.0's kernelbase leaves to ntdll that Windows' kernelbase does itself (later Wine
 * does it too), so that the Win32 calls behave as on Windows:
 * - MapViewOfFile3 with a NULL process maps into the current one: Windows' kernelbase passes
 *   the current process, Wine 8.0's passes the NULL through (NT itself would answer
 *   STATUS_INVALID_HANDLE);
 * - VirtualFree(addr, size, MEM_RELEASE) with a size fails, ERROR_INVALID_PARAMETER (kernel32's
 *   test_VirtualAlloc, which passes on Windows): Windows' kernelbase refuses it, Wine 8.0's
 *   passes it on, and NtFreeVirtualMemory would release the range (Wine 10.0's ntdll test).
 *   So under Wine 8.0 NtFreeVirtualMemory refuses, STATUS_INVALID_PARAMETER, a MEM_RELEASE of
 *   part of an allocation (as the core did before Wine 10.0's tests showed NT's answer);
 * - WriteProcessMemory on a page the program may read but not write (its own code): Windows'
 *   kernelbase makes the page writable first (NtProtectVirtualMemory), Wine 8.0's writes at
 *   once, and programs patching their own code rely on it: NtWriteVirtualMemory on the current
 *   process has the server write such pages (through /proc and ptrace), as Wine 8.0 does. */
#define MMW_NULL_PROCESS_IS_CURRENT 1
#define MMW_REFUSE_RELEASE_WITH_SIZE 1
#define MMW_SERVER_WRITES_READONLY 1

#endif

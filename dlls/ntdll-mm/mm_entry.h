/*
 * ntdll-mm: the NT entry points the core defines, and their names in each build.
 *
 * Standalone (libntdll-mm): the core defines the real names, NtAllocateVirtualMemory and so on,
 * as a program linked against the library expects.
 *
 * Inside Wine's ntdll.so (NTDLL_MM_WINE defined): the exported Nt* names of the calls that take
 * a process handle belong to the Wine host (dlls/ntdll-mm/wine/), which forwards calls on other
 * processes through wineserver APCs and calls the core's mm_Nt* function for the current
 * process.  This header renames the core's definitions of those (and Wine's winternl.h
 * declarations seen by core files) to mm_Nt*, and declares the mm_Nt* prototypes.  The calls
 * without a process handle (NtQuerySection, NtAreMappedFilesTheSame,
 * NtFlushProcessWriteBuffers) are exported from the core under their own names.
 *
 * NtMapViewOfSection(Ex) and NtUnmapViewOfSection(Ex) are not the core's in either build: a
 * section handle means something only to its host, so each host defines them on
 * mm_map_args_fetch, mm_map_section and mm_unmap_view (host.h).
 *
 * Use:
 * - Every file includes this header first: the core's, the OS layer's and the standalone
 *   host's .c files directly, the Wine host's through host_wine.h (and every header of ours
 *   includes it before anything else), so that the renames apply to winternl.h too and
 *   _GNU_SOURCE is set before the first system header.
 * - A host file that defines the real exported names (the Wine host) defines
 *   NTDLL_MM_NO_RENAME before including any ntdll-mm header: it then gets the mm_Nt*
 *   prototypes without the renames, and may include Wine's headers in any order.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_ENTRY_H
#define NTDLL_MM_ENTRY_H

#ifdef NTDLL_MM_WINE
/* Wine builds its unix side with config.h (which sets _GNU_SOURCE); ours passes -D flags */
# include "config.h"
# if !defined(HAVE_LINUX_USERFAULTFD_H) && defined(__has_include)
#  if __has_include(<linux/userfaultfd.h>)
#   define HAVE_LINUX_USERFAULTFD_H 1
#  endif
# endif
#endif
#ifndef _GNU_SOURCE
# define _GNU_SOURCE 1
#endif

/* Inside Wine's ntdll.so the core's internal names (vad_*, os_*, space, ...) stay inside the
 * library: the declarations of the core's headers are hidden.  The standalone library exports
 * only its public API (Makefile.am: -export-symbols-regex). */
#ifdef NTDLL_MM_WINE
# define MM_HIDDEN_BEGIN _Pragma("GCC visibility push(hidden)")
# define MM_HIDDEN_END   _Pragma("GCC visibility pop")
#else
# define MM_HIDDEN_BEGIN
# define MM_HIDDEN_END
#endif

/* NtFlushProcessWriteBuffers is void in the Windows SDK and in Wine 8.0's winternl.h, NTSTATUS
 * in Wine 10.0's (always STATUS_SUCCESS): the core's definition follows the header it builds
 * with. */
#if defined(NTDLL_MM_WINE_VERSION) && NTDLL_MM_WINE_VERSION >= 1000
# define MM_FLUSH_WRITE_BUFFERS_TYPE   NTSTATUS
# define MM_FLUSH_WRITE_BUFFERS_RETURN return STATUS_SUCCESS
#else
# define MM_FLUSH_WRITE_BUFFERS_TYPE   void
# define MM_FLUSH_WRITE_BUFFERS_RETURN return
#endif

#if defined(NTDLL_MM_WINE) && !defined(NTDLL_MM_NO_RENAME)
# define NtAllocateVirtualMemory       mm_NtAllocateVirtualMemory
# define NtAllocateVirtualMemoryEx     mm_NtAllocateVirtualMemoryEx
# define NtFreeVirtualMemory           mm_NtFreeVirtualMemory
# define NtProtectVirtualMemory        mm_NtProtectVirtualMemory
# define NtQueryVirtualMemory          mm_NtQueryVirtualMemory
# define NtFlushVirtualMemory          mm_NtFlushVirtualMemory
# define NtLockVirtualMemory           mm_NtLockVirtualMemory
# define NtUnlockVirtualMemory         mm_NtUnlockVirtualMemory
# define NtGetWriteWatch               mm_NtGetWriteWatch
# define NtResetWriteWatch             mm_NtResetWriteWatch
# define NtSetInformationVirtualMemory mm_NtSetInformationVirtualMemory
# define NtFlushInstructionCache       mm_NtFlushInstructionCache
#endif

#include "ntdll-mm.h"

#ifdef NTDLL_MM_WINE
MM_HIDDEN_BEGIN
/* The core's entry points under their Wine-build names.  Same parameters, same results as the
 * NT calls; 'process' must be the current process (NtCurrentProcess() or a handle the host
 * accepts in host_check_process): the Wine host forwards other processes before calling. */
NTSTATUS WINAPI mm_NtAllocateVirtualMemory( HANDLE process, PVOID *ret, ULONG_PTR zero_bits, SIZE_T *size_ptr,
                                            ULONG type, ULONG protect );
NTSTATUS WINAPI mm_NtAllocateVirtualMemoryEx( HANDLE process, PVOID *ret, SIZE_T *size_ptr, ULONG type,
                                              ULONG protect, MEM_EXTENDED_PARAMETER *parameters, ULONG count );
NTSTATUS WINAPI mm_NtFreeVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG type );
NTSTATUS WINAPI mm_NtProtectVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG new_prot,
                                           ULONG *old_prot );
NTSTATUS WINAPI mm_NtQueryVirtualMemory( HANDLE process, LPCVOID addr, MEMORY_INFORMATION_CLASS info_class,
                                         PVOID buffer, SIZE_T len, SIZE_T *res_len );
NTSTATUS WINAPI mm_NtFlushVirtualMemory( HANDLE process, LPCVOID *addr_ptr, SIZE_T *size_ptr, ULONG unknown );
NTSTATUS WINAPI mm_NtLockVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG map_type );
NTSTATUS WINAPI mm_NtUnlockVirtualMemory( HANDLE process, PVOID *addr_ptr, SIZE_T *size_ptr, ULONG map_type );
NTSTATUS WINAPI mm_NtGetWriteWatch( HANDLE process, ULONG flags, PVOID base, SIZE_T size, PVOID *addresses,
                                    ULONG_PTR *count, ULONG *granularity );
NTSTATUS WINAPI mm_NtResetWriteWatch( HANDLE process, PVOID base, SIZE_T size );
NTSTATUS WINAPI mm_NtSetInformationVirtualMemory( HANDLE process, VIRTUAL_MEMORY_INFORMATION_CLASS info_class,
                                                  ULONG_PTR count, PMEMORY_RANGE_ENTRY addresses, PVOID ptr,
                                                  ULONG size );
NTSTATUS WINAPI mm_NtFlushInstructionCache( HANDLE process, LPCVOID addr, SIZE_T size );
MM_HIDDEN_END
#endif

#endif /* NTDLL_MM_ENTRY_H */

/*
 * ntdll-mm inside Wine 8.0's ntdll.so: what the Wine host's NT-call files share
 * (wine/nt.c: the exported Nt* calls; wine/section.c: wineserver mappings as core sections and
 * the views registered with the server; wine/module.c: builtin modules).
 *
 * Include after host_wine.h.
 *
 * Lock order: view_mutex (section.c) -> mm.lock (the core) -> cache / builtin mutexes.  The
 * latter two are leaves: nothing calls into the core or the server while holding them, since a
 * core section's destroy hook (which takes the cache mutex) may run under mm.lock.  Every mutex
 * is taken with server_enter_uninterrupted_section: a thread holding one must not run a system
 * APC (SIGUSR1 & co.) that needs it again.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_NT_WINE_H
#define NTDLL_MM_NT_WINE_H

/* ---- section.c ------------------------------------------------------------------------- */

/* NtMapViewOfSection(Ex) for the current process: a builtin instead of the image when the load
 * order says so (unless is_builtin: the loader's own mapping of a builtin, which is then added
 * to the builtin module list), the core's view, and the view's registration with wineserver
 * (map_view) that the server's module list, debug events, get_mapping_filename and
 * is_same_mapping rely on. */
NTSTATUS mmw_map_view( HANDLE handle, PVOID *addr_ptr, ULONG_PTR zero_bits, SIZE_T commit_size,
                       const LARGE_INTEGER *offset_ptr, SIZE_T *size_ptr, SECTION_INHERIT inherit,
                       ULONG alloc_type, ULONG protect, MEM_EXTENDED_PARAMETER *params, ULONG count,
                       BOOL ex, BOOL is_builtin ) DECLSPEC_HIDDEN;
/* NtUnmapViewOfSection(Ex) for the current process (and the view's unregistration) */
NTSTATUS mmw_unmap_view( PVOID addr, ULONG flags, BOOL ex ) DECLSPEC_HIDDEN;
/* NtQuerySection from the server's mapping information, as Wine reports it */
NTSTATUS mmw_query_section( HANDLE handle, SECTION_INFORMATION_CLASS info_class, void *ptr, SIZE_T size,
                            SIZE_T *ret_size ) DECLSPEC_HIDDEN;
/* MemoryMappedFilenameInformation for any process: the NT name wineserver keeps for the view */
NTSTATUS mmw_mapped_filename( HANDLE process, LPCVOID addr, MEMORY_SECTION_NAME *info, SIZE_T len,
                              SIZE_T *ret_len ) DECLSPEC_HIDDEN;
/* [addr, addr+size) of the current process was committed (NtAllocateVirtualMemory MEM_COMMIT):
 * if it lies in a view of a SEC_RESERVE mapping, tell the server, so that views mapped later,
 * in this process or another, start with those pages committed.  Cheap when no such view exists. */
void mmw_note_commit( void *addr, SIZE_T size ) DECLSPEC_HIDDEN;
/* addr of the current process is about to be queried or protected: if it lies in a view of a SEC_RESERVE
 * mapping, commit the pages of that view other processes committed since (Wine's queries ask
 * the server too).  Cheap when no such view exists. */
void mmw_sync_committed( const void *addr ) DECLSPEC_HIDDEN;
/* the same for the address *addr_ptr (a caller's pointer, read only when such views exist) */
void mmw_sync_committed_at( PVOID *addr_ptr ) DECLSPEC_HIDDEN;
/* Register memory the unix loader mapped itself (a .so builtin) as an image view with the
 * server, and remember it as a "system" view: unmapping it releases the builtin module. */
NTSTATUS mmw_register_system_view( void *base, SIZE_T size, const pe_image_info_t *info,
                                   const UNICODE_STRING *nt_name ) DECLSPEC_HIDDEN;

/* The wineserver description of a mapping (get_mapping_info): *image (malloc'ed, followed by
 * the NUL-terminated NT file name) only for SEC_IMAGE mappings; *shared_file is the handle of
 * the server's file for the image's shared sections, or 0. */
unsigned int mmw_get_mapping_info( HANDLE handle, ACCESS_MASK access, unsigned int *sec_flags,
                                   mem_size_t *full_size, HANDLE *shared_file,
                                   pe_image_info_t **image ) DECLSPEC_HIDDEN;

/* ---- module.c -------------------------------------------------------------------------- */

/* the builtin module list (Wine's: PE builtins with handle NULL, .so builtins with their
 * dlopen handle) */
void mmw_add_builtin_module( void *module, void *handle ) DECLSPEC_HIDDEN;
void mmw_release_builtin_module( void *module ) DECLSPEC_HIDDEN;
/* a .so builtin's view is being unmapped: TRUE if other users remain (one reference dropped,
 * the view stays), FALSE if this was the last one */
BOOL mmw_builtin_module_busy( void *module ) DECLSPEC_HIDDEN;
/* NtQueryVirtualMemory(MemoryWineUnixFuncs / MemoryWineUnixWow64Funcs) */
NTSTATUS mmw_builtin_unix_funcs( void *module, BOOL wow, const void **funcs ) DECLSPEC_HIDDEN;

#endif /* NTDLL_MM_NT_WINE_H */

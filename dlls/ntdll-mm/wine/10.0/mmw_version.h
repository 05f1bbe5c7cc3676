/*
 * ntdll-mm inside Wine 10.0: the names Wine 10.0's headers give the types the shared host files
 * use (host_wine.h includes this header; the hook places the one of the Wine it builds).
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef NTDLL_MM_WINE_VERSION_H
#define NTDLL_MM_WINE_VERSION_H

/* the server's description of an image (protocol.def: pe_image_info, 88 bytes: 10.0 added the
 * server's relocation address map_addr and turned the Wine flags into bitfields) */
typedef struct pe_image_info mmw_image_info;

/* Wine 10.0's kernelbase does what Windows' does before ntdll (see 8.0/mmw_version.h): NT's
 * answers stand */
#define MMW_NULL_PROCESS_IS_CURRENT 0
#define MMW_REFUSE_RELEASE_WITH_SIZE 0
#define MMW_SERVER_WRITES_READONLY 0

#endif

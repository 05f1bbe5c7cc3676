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

#endif

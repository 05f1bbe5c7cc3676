/*
 * Helper DLL for tests/pe/sharedsec.c: one writable section marked IMAGE_SCN_MEM_SHARED
 * (GCC's "shared" attribute on a variable in a named section, the MinGW spelling of MSVC's
 * #pragma section(..., shared)), spanning two pages, next to an ordinary writable one.
 * Built by tests/pe/build.sh into OUTDIR/shared_dll.dll.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <windows.h>

__declspec(dllexport) volatile LONG shared_data[2 * 4096 / sizeof(LONG)]
    __attribute__((section(".shr"), shared)) = { 0x5eed };
__declspec(dllexport) volatile LONG private_data[16] = { 0x5eed };

BOOL WINAPI DllMain( HINSTANCE instance, DWORD reason, void *reserved )
{
    return TRUE;
}

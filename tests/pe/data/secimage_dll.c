/*
 * Helper DLL for tests/pe/secimage.c: a small PE image with one section of
 * each kind (code, read-only data, writable data spanning two pages,
 * uninitialised data) whose contents the test can recognise.
 * Built by tests/pe/build.sh into OUTDIR/secimage_dll.dll.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <windows.h>

__declspec(dllexport) const char secimage_rdata[64] = "ntdll-mm read-only data";
__declspec(dllexport) char secimage_data[2 * 4096] = "ntdll-mm writable data";
__declspec(dllexport) char secimage_bss[3 * 4096];
/* an absolute address, so that the image carries base relocations */
__declspec(dllexport) const char *secimage_pointer = secimage_rdata;

__declspec(dllexport) int WINAPI secimage_add( int a, int b )
{
    secimage_bss[0] = 1;
    return a + b;
}

BOOL WINAPI DllMain( HINSTANCE instance, DWORD reason, void *reserved )
{
    return TRUE;
}

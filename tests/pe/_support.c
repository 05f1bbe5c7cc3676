/*
 * Support code linked into every tests/pe program:
 * - the glue Wine's include/wine/test.h expects from Wine's own start-up code
 *   (winecrt0) when a test is built outside Wine's tree with plain MinGW: the
 *   three debug-string helpers declared in include/wine/debug.h;
 * - memory probes and a vectored exception handler, so that checks can make
 *   one access and see which exception (if any) it raised.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdio.h>
#include <string.h>
#include <windows.h>
#include "_pe_test.h"

struct __wine_debug_channel;

/* A small ring of per-thread buffers: strings stay valid for a few calls,
 * which is the contract wine/debug.h documents for wine_dbgstr_*(). */
static __thread char dbg_ring[8][512];
static __thread unsigned int dbg_next;

const char * __cdecl __wine_dbg_strdup( const char *str )
{
    char *buf = dbg_ring[dbg_next++ % 8];

    lstrcpynA( buf, str, sizeof(dbg_ring[0]) );
    return buf;
}

int __cdecl __wine_dbg_output( const char *str )
{
    return fputs( str, stderr ) >= 0 ? (int)strlen( str ) : -1;
}

int __cdecl __wine_dbg_header( int cls, struct __wine_debug_channel *channel, const char *function )
{
    return -1;  /* debug channels are never enabled in these programs */
}

/* Memory probes: one load or store at a known instruction, so that the
 * vectored handler below can step over it after an access violation and
 * let it re-execute after a guard-page violation (which clears the guard,
 * see "Creating Guard Pages" on learn.microsoft.com). */
__asm__( ".text\n"
         ".globl mm_probe_read\n"
         "mm_probe_read:\n"
         "    xorl %eax, %eax\n"
         ".globl mm_probe_read_insn\n"
         "mm_probe_read_insn:\n"
         "    movzbl (%rcx), %eax\n"
         ".globl mm_probe_read_done\n"
         "mm_probe_read_done:\n"
         "    ret\n"
         ".globl mm_probe_write\n"
         "mm_probe_write:\n"
         ".globl mm_probe_write_insn\n"
         "mm_probe_write_insn:\n"
         "    movb %dl, (%rcx)\n"
         ".globl mm_probe_write_done\n"
         "mm_probe_write_done:\n"
         "    ret\n" );

extern char mm_probe_read_insn[], mm_probe_read_done[];
extern char mm_probe_write_insn[], mm_probe_write_done[];

struct mm_fault mm_last_fault;

static LONG CALLBACK mm_fault_handler( EXCEPTION_POINTERS *ptrs )
{
    EXCEPTION_RECORD *rec = ptrs->ExceptionRecord;
    CONTEXT *ctx = ptrs->ContextRecord;
    char *pc = (char *)ctx->Rip;

    if (pc != mm_probe_read_insn && pc != mm_probe_write_insn) return EXCEPTION_CONTINUE_SEARCH;

    mm_last_fault.count++;
    mm_last_fault.code = rec->ExceptionCode;
    mm_last_fault.info[0] = rec->NumberParameters > 0 ? rec->ExceptionInformation[0] : ~(ULONG_PTR)0;
    mm_last_fault.info[1] = rec->NumberParameters > 1 ? rec->ExceptionInformation[1] : ~(ULONG_PTR)0;
    mm_last_fault.nparams = rec->NumberParameters;
    mm_last_fault.info2 = rec->NumberParameters > 2 ? rec->ExceptionInformation[2] : ~(ULONG_PTR)0;

    if (rec->ExceptionCode == STATUS_ACCESS_VIOLATION || rec->ExceptionCode == STATUS_IN_PAGE_ERROR)
    {
        /* skip the faulting access (the page cannot be read in either); a read then
         * returns 0xffff */
        if (pc == mm_probe_read_insn)
        {
            ctx->Rax = 0xffff;
            ctx->Rip = (ULONG_PTR)mm_probe_read_done;
        }
        else ctx->Rip = (ULONG_PTR)mm_probe_write_done;
        return EXCEPTION_CONTINUE_EXECUTION;
    }
    if (rec->ExceptionCode == STATUS_GUARD_PAGE_VIOLATION)
        return EXCEPTION_CONTINUE_EXECUTION;  /* the guard is gone: retry the access */
    return EXCEPTION_CONTINUE_SEARCH;
}

void mm_install_fault_handler(void)
{
    static PVOID handler;

    if (!handler) handler = AddVectoredExceptionHandler( TRUE, mm_fault_handler );
}

void mm_reset_fault(void)
{
    memset( &mm_last_fault, 0, sizeof(mm_last_fault) );
}

/*
 * ntdll-mm core: the core's own heap (mm_malloc, mm_calloc, mm_realloc, mm_free).
 *
 * Why not the C library's malloc: inside Wine, NT calls on a process run in one of its threads
 * as system APCs, and a thread busy in Wine's unix code runs them from its SIGUSR1 handler
 * (wait_suspend -> server_select -> invoke_system_apc), wherever the signal interrupted it,
 * malloc included.  The C heap is not reentrant (its per-thread cache is updated without a
 * lock), so a VirtualAllocEx from another process that allocates a node with calloc while the
 * target thread is inside malloc corrupts the heap.  NT has no such constraint (the calls run
 * in the kernel); Wine's own virtual.c avoids it by never calling malloc on those paths.
 *
 * This heap is entered only inside the host's signal bracket (host_lock_enter/leave: the Wine
 * host defers its server signals until the bracket ends), so no handler can run an NT call on
 * a thread that is inside it, and it does not depend on the C heap's state.  Memory comes
 * from the OS layer (os_pool_map: private anonymous mappings outside NT's view, which sees
 * them as foreign memory like any mapping of the C library).
 *
 * Layout: every block starts with a 16-byte header holding its size; blocks up to POOL_MAX
 * bytes come from size classes (free lists, carved from POOL_CHUNK chunks that are never
 * returned); bigger ones are mappings of their own, unmapped on free.  Payloads are 16-byte
 * aligned.
 *
 * Lock rules: pool_lock (a mutex) only inside the host bracket; taken for free-list and chunk
 * changes, never while calling out of this file except os_pool_map for a new chunk.  May be
 * called with the space lock held or not.  A fork()ed child gets the heap in a consistent state: the
 * core's fork handler holds pool_lock across the fork (heap_fork), last of its locks.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mm_entry.h"   /* first: NTDLL_MM_WINE renames, config.h, _GNU_SOURCE */
#include <pthread.h>
#include <string.h>
#include "heap.h"
#include "os.h"

#define POOL_HEADER  16
#define POOL_MAX     4096                 /* largest size-class block, header included */
#define POOL_CHUNK   (256 * 1024)

/* block sizes, header included: powers of two and their midpoints */
static const unsigned int class_size[] = { 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
                                           3072, 4096 };
#define NCLASSES (sizeof(class_size) / sizeof(class_size[0]))

struct pool_header
{
    size_t size;          /* block size, header included (size classes) or mapping length (big) */
    size_t big;           /* non-zero: a mapping of its own */
};

struct pool_free
{
    struct pool_free *next;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pool_free *free_list[NCLASSES];
static char *carve_pos, *carve_end;
static struct ntdll_mm_heap_info stats;

/* Lock: the space lock exclusive (the core's fork handler, inside its signal bracket). */
void heap_fork( enum mm_fork_phase phase )
{
    switch (phase)
    {
    case MM_FORK_PREPARE: pthread_mutex_lock( &pool_lock ); break;
    case MM_FORK_PARENT:  pthread_mutex_unlock( &pool_lock ); break;
    case MM_FORK_CHILD:   pthread_mutex_init( &pool_lock, NULL ); break;
    }
}

static inline struct pool_header *header_of( void *p )
{
    return (struct pool_header *)((char *)p - POOL_HEADER);
}

static unsigned int class_of( size_t block )
{
    unsigned int c = 0;

    while (class_size[c] < block) c++;
    return c;
}

/* Lock: pool_lock.  A block of class c from its free list or carved from the current chunk. */
static void *take_block( unsigned int c )
{
    struct pool_free *f = free_list[c];
    char *p;

    if (f)
    {
        free_list[c] = f->next;
        return f;
    }
    if ((size_t)(carve_end - carve_pos) < class_size[c])
    {
        /* the rest of the old chunk goes to the free lists of the classes it fits */
        while (carve_pos && (size_t)(carve_end - carve_pos) >= class_size[0])
        {
            unsigned int k = NCLASSES - 1;

            while (class_size[k] > (size_t)(carve_end - carve_pos)) k--;
            f = (struct pool_free *)(carve_pos + POOL_HEADER);
            ((struct pool_header *)carve_pos)->size = class_size[k];
            ((struct pool_header *)carve_pos)->big = 0;
            f->next = free_list[k];
            free_list[k] = f;
            carve_pos += class_size[k];
        }
        if (!(p = os_pool_map( POOL_CHUNK ))) return NULL;
        carve_pos = p;
        carve_end = p + POOL_CHUNK;
        stats.chunks++;
    }
    p = carve_pos;
    carve_pos += class_size[c];
    ((struct pool_header *)p)->size = class_size[c];
    ((struct pool_header *)p)->big = 0;
    return p + POOL_HEADER;
}

void *mm_malloc( size_t size )
{
    struct pool_header *h;
    void *p;

    if (size > SIZE_MAX - POOL_MAX) return NULL;
    if (size + POOL_HEADER > POOL_MAX)
    {
        size_t len = (size + POOL_HEADER + MM_PAGE_MASK) & ~MM_PAGE_MASK;

        host_lock_enter();
        h = os_pool_map( len );
        if (h)
        {
            h->size = len;
            h->big = 1;
            __atomic_add_fetch( &stats.big, 1, __ATOMIC_RELAXED );
        }
        host_lock_leave();
        return h ? (char *)h + POOL_HEADER : NULL;
    }
    host_lock_enter();
    pthread_mutex_lock( &pool_lock );
    p = take_block( class_of( size + POOL_HEADER ) );
    if (p) stats.blocks++;
    pthread_mutex_unlock( &pool_lock );
    host_lock_leave();
    return p;
}

void *mm_calloc( size_t count, size_t size )
{
    void *p;

    if (size && count > SIZE_MAX / size) return NULL;
    /* class blocks are reused: clear them; a new mapping is already zero */
    if ((p = mm_malloc( count * size )) && !header_of( p )->big)
        memset( p, 0, count * size );
    return p;
}

void mm_free( void *p )
{
    struct pool_header *h;
    unsigned int c;

    if (!p) return;
    h = header_of( p );
    host_lock_enter();
    if (h->big)
    {
        __atomic_sub_fetch( &stats.big, 1, __ATOMIC_RELAXED );
        os_pool_unmap( h, h->size );
    }
    else
    {
        c = class_of( h->size );
        pthread_mutex_lock( &pool_lock );
        ((struct pool_free *)p)->next = free_list[c];
        free_list[c] = p;
        stats.blocks--;
        pthread_mutex_unlock( &pool_lock );
    }
    host_lock_leave();
}

void *mm_realloc( void *p, size_t size )
{
    struct pool_header *h;
    size_t have;
    void *q;

    if (!p) return mm_malloc( size );
    h = header_of( p );
    have = h->size - POOL_HEADER;
    if (size <= have) return p;
    if (!(q = mm_malloc( size ))) return NULL;
    memcpy( q, p, size < have ? size : have );
    mm_free( p );
    return q;
}

void ntdll_mm_get_heap_info( struct ntdll_mm_heap_info *out )
{
    host_lock_enter();
    pthread_mutex_lock( &pool_lock );
    *out = stats;
    out->big = __atomic_load_n( &stats.big, __ATOMIC_RELAXED );
    pthread_mutex_unlock( &pool_lock );
    host_lock_leave();
}

char *mm_strdup( const char *str )
{
    size_t len = strlen( str ) + 1;
    char *p = mm_malloc( len );

    if (p) memcpy( p, str, len );
    return p;
}

/*
 * ntdll-mm inside Wine 8.0: views as Wine 8.0's server protocol records them (the core's views,
 * and the PE views of .so builtins: virtual_create_builtin_view), and Wine 8.0's builtin load
 * order for an image being mapped.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* Wine 8.0 records data and image views alike with map_view; for an image the server answers
 * STATUS_IMAGE_NOT_AT_BASE away from its preferred base (a success status) and covers the
 * image's map_size */
unsigned int mmw_server_map_view( const struct mm_view *view, HANDLE mapping, ACCESS_MASK access,
                                  const mmw_image_info *image )
{
    SIZE_T size = view->size;
    unsigned int status;

    if (image && size > image->map_size) size = image->map_size;
    SERVER_START_REQ( map_view )
    {
        req->mapping = wine_server_obj_handle( mapping );
        req->access  = access;
        req->base    = wine_server_client_ptr( view->base );
        req->size    = size;
        req->start   = image ? 0 : view->offset;
        status = wine_server_call( req );
    }
    SERVER_END_REQ;
    return status;
}

NTSTATUS mmw_load_builtin( const mmw_image_info *image, const struct mm_map_args *args )
{
    return load_builtin( image, (WCHAR *)(image + 1), args->addr_ptr, args->size_ptr, args->zero_bits );
}

/* A .so builtin's PE view, laid out by the unix loader: Wine 8.0 declares it with map_view
 * without a mapping, the server's image description and NT name as data. */
static NTSTATUS register_so_view( void *base, SIZE_T size, const mmw_image_info *info,
                                  const UNICODE_STRING *nt_name, void *so_handle )
{
    unsigned int status;

    SERVER_START_REQ( map_view )
    {
        req->base = wine_server_client_ptr( base );
        req->size = size;
        wine_server_add_data( req, info, sizeof(*info) );
        wine_server_add_data( req, nt_name->Buffer, nt_name->Length );
        status = wine_server_call( req );
    }
    SERVER_END_REQ;
    if (NT_SUCCESS( status )) mmw_add_builtin_module( base, so_handle, size );
    return status;
}

/* The unix loader dlopen()ed a .so builtin and laid its PE view out itself: declare it to the
 * server as an image view and add it to the builtin list, with its dlopen handle. */
NTSTATUS virtual_create_builtin_view( void *module, const UNICODE_STRING *nt_name,
                                      mmw_image_info *info, void *so_handle )
{
    void *base = wine_server_get_ptr( info->base );
    NTSTATUS status;

    status = register_so_view( base, info->map_size, info, nt_name, so_handle );
    if (NT_SUCCESS( status ))
        TRACE( "created %p-%p for %s\n", base, (char *)base + info->map_size, debugstr_us(nt_name) );
    return status;
}

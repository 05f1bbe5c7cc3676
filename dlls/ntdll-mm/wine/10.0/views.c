/*
 * ntdll-mm inside Wine 10.0: views as Wine 10.0's server protocol records them (the core's
 * views, and the PE views of .so builtins: virtual_create_builtin_view), and Wine 10.0's builtin
 * load order for an image being mapped.
 *
 * Copyright 2026 the ntdll-mm authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "host_wine.h"

WINE_DEFAULT_DEBUG_CHANNEL(virtual);

/* Wine 10.0 records a data view with map_view and an image view with map_image_view, which
 * also tells the server the image's entry point and machine (it sets the process's for the main
 * exe).  For an image the server answers STATUS_IMAGE_NOT_AT_BASE away from the address it
 * expects (its own relocation address, else the preferred base) and
 * STATUS_IMAGE_MACHINE_TYPE_MISMATCH for a machine other than the process's: both success
 * statuses. */
unsigned int mmw_server_map_view( const struct mm_view *view, HANDLE mapping, ACCESS_MASK access,
                                  const mmw_image_info *image )
{
    SIZE_T size = view->size;
    unsigned int status;

    if (image)
    {
        if (size > image->map_size) size = image->map_size;
        SERVER_START_REQ( map_image_view )
        {
            req->mapping = wine_server_obj_handle( mapping );
            req->base    = wine_server_client_ptr( view->base );
            req->size    = size;
            req->entry   = image->entry_point;
            req->machine = image->machine;
            status = wine_server_call( req );
        }
        SERVER_END_REQ;
        return status;
    }
    SERVER_START_REQ( map_view )
    {
        req->mapping = wine_server_obj_handle( mapping );
        req->access  = access;
        req->base    = wine_server_client_ptr( view->base );
        req->size    = size;
        req->start   = view->offset;
        status = wine_server_call( req );
    }
    SERVER_END_REQ;
    return status;
}

/* Wine 10.0's load_builtin takes the caller's address window as (limit_low, limit_high), both
 * inclusive, where the core's args have [lowest, limit). */
NTSTATUS mmw_load_builtin( const mmw_image_info *image, const struct mm_map_args *args )
{
    SECTION_IMAGE_INFORMATION info;

    return load_builtin( image, (WCHAR *)(image + 1), args->machine, &info, args->addr_ptr, args->size_ptr,
                         args->lowest, args->limit ? args->limit - 1 : 0 );
}

/* The unix loader dlopen()ed a .so builtin and laid its PE view out itself: Wine 10.0 declares
 * it with map_builtin_view (the server's image description and the NT name), and it joins the
 * builtin list with its dlopen handle. */
NTSTATUS virtual_create_builtin_view( void *module, const UNICODE_STRING *nt_name,
                                      mmw_image_info *info, void *so_handle )
{
    void *base = wine_server_get_ptr( info->base );
    unsigned int status;

    SERVER_START_REQ( map_builtin_view )
    {
        wine_server_add_data( req, info, sizeof(*info) );
        wine_server_add_data( req, nt_name->Buffer, nt_name->Length );
        status = wine_server_call( req );
    }
    SERVER_END_REQ;
    if (status) return status;
    mmw_add_builtin_module( base, so_handle, info->map_size );
    TRACE( "created %p-%p for %s\n", base, (char *)base + info->map_size, debugstr_us(nt_name) );
    return STATUS_SUCCESS;
}

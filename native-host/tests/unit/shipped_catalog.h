/* shipped_catalog.h - the catalog of data/ loaded once per test program, for the
 * tests that are about the shipped data itself. Include once per test program;
 * use load_shipped_catalog/unload_shipped_catalog as group fixtures. */
#ifndef MK_SHIPPED_CATALOG_H
#define MK_SHIPPED_CATALOG_H
#include "catalog.h"

static mk_catalog *cat;

static int load_shipped_catalog(void **state)
{
    (void)state;
    char *error = NULL;
    cat = mk_catalog_load(mk_catalog_default_dir(), &error);
    if (!cat)
        fail_msg("catalog: %s", error);
    return 0;
}

static int unload_shipped_catalog(void **state)
{
    (void)state;
    mk_catalog_free(cat);
    return 0;
}

#endif

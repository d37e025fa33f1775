/* fuzz_context.h - the analysis context the fuzz targets share.
 *
 * Loaded once from the source tree's data/, offline, without a feed database
 * or a cache, so a target depends neither on MEKIKI_DATA_DIR nor on anything
 * the user has set up, and nothing touches the network. Aborts (the fuzzer
 * reports it) when the data cannot be loaded.
 */
#ifndef MK_FUZZ_CONTEXT_H
#define MK_FUZZ_CONTEXT_H

#include <stdio.h>
#include <stdlib.h>

#include "analyze.h"

static inline mk_context *mk_fuzz_context(const char *target)
{
    mk_options opt = {
        .offline = true,
        .no_cache = true,
        .locale = "en",
        .data_dir = MK_SOURCE_DATA_DIR,
        .feed_db = "/nonexistent/mekiki-fuzz-feed.sqlite",
    };
    char *error = NULL;
    mk_context *ctx = mk_context_open(&opt, &error);
    if (!ctx) {
        fprintf(stderr, "%s: cannot load %s: %s\n", target, MK_SOURCE_DATA_DIR, error ? error : "unknown error");
        abort();
    }
    return ctx;
}

#endif

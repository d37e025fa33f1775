/* scan.h - `mekiki scan`: analyse every message under some paths.
 *
 * A path is a directory (walked recursively; every regular file is taken as
 * one message, hidden files skipped), an mbox file (split on "From " lines,
 * with ">From " unquoted) or a single message file. Work is spread over N
 * worker processes; each prints one JSON line per message
 * {"path","verdict","score","findings":[ids],"ms"} (mbox messages are named
 * "FILE#N"). A summary goes to stderr at the end.
 */
#ifndef MK_SCAN_H
#define MK_SCAN_H

#include <stddef.h>
#include <stdio.h>

#include "analyze.h"

/* Returns the exit status: 0 when every message was analysed, 1 when any
 * input could not be read or parsed. */
int mk_scan_run(mk_context *ctx, char **paths, size_t n_paths, int jobs, FILE *out);

#endif

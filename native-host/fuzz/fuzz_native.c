/* fuzz_native.c - libFuzzer target: the native-messaging host on any byte stream.
 *
 * The input is what Thunderbird would write to the host's stdin: frames of
 * requests, well-formed or not. It is served by mk_native_serve() exactly as
 * in native mode - the reader, a worker thread per analyze request, the
 * deadline watch, cancels, busy refusals - with the replies written to
 * /dev/null, until the stream ends and every request has been answered. The
 * first byte picks the analysis deadline, so that about half of the runs
 * answer their requests past a 1 ms deadline while the worker is still
 * analysing (the "slow analysis" path) and the rest within the normal one.
 * The context is fuzz_context.h's, offline: online requests get the offline
 * report again as their final one, and nothing touches the network.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze.h"
#include "fuzz_context.h"
#include "native.h"

static mk_context *fuzz_ctx;
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_ctx = mk_fuzz_context("fuzz_native");
    sink = fopen("/dev/null", "wb");
    if (!sink)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_ctx->opt.deadline_ms = (data[0] & 1) ? 1 : 0;   /* 0: the host's default deadline */
    FILE *in = fmemopen((void *)(data + 1), size > 1 ? size - 1 : 1, "rb");
    if (!in)
        return 0;
    if (size == 1)
        fgetc(in);   /* an empty stream */
    mk_native_serve(fuzz_ctx, in, sink);
    fclose(in);
    return 0;
}

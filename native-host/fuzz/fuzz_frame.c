/* fuzz_frame.c - libFuzzer target: the native-messaging frame reader on any byte stream.
 *
 * The input is served as a stream and read frame by frame exactly as the
 * native host does, including discarding the body of oversized frames, until
 * the stream ends. A small frame limit makes the oversized path reachable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size ? size : 1, "rb");
    if (!f)
        return 0;
    if (size == 0)
        fgetc(f);   /* an empty input is an immediately ended stream */
    for (;;) {
        char *body = NULL;
        size_t len = 0;
        uint32_t declared = 0;
        mk_frame_status st = mk_frame_read(f, 4096, &body, &len, &declared);
        free(body);
        if (st == MK_FRAME_TOO_LARGE && mk_frame_discard(f, declared) == declared)
            continue;
        if (st != MK_FRAME_OK && st != MK_FRAME_EMPTY)
            break;
    }
    fclose(f);
    return 0;
}

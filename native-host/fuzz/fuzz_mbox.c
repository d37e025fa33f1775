/* fuzz_mbox.c - libFuzzer target: splitting arbitrary bytes as an mbox.
 *
 * Every message is fetched and touched (so sanitizers see reads past its
 * end); a small per-message limit exercises the skip path. */
#include <stdint.h>
#include <stdio.h>

#include "mbox.h"

/* Where the bytes read are summed, so the reads cannot be optimised away. */
static volatile unsigned fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    mk_mbox *m = mk_mbox_open(f, 2048);
    size_t index = 0, len = 0;
    unsigned sum = 0;
    for (;;) {
        mk_mbox_status st = mk_mbox_next(m, &index);
        if (st == MK_MBOX_END || st == MK_MBOX_IO_ERROR)
            break;
        const char *msg = mk_mbox_data(m, &len);
        for (size_t i = 0; msg && i < len; i++)
            sum += (unsigned char)msg[i];
    }
    fuzz_sink = sum;
    mk_mbox_close(m);
    fclose(f);
    return 0;
}

/* frame.c - reading and writing length-prefixed native-messaging frames.
 *
 * The length prefix comes from the other side of a pipe, so it is a claim,
 * not a fact. The body buffer therefore starts small and doubles as bytes
 * arrive, up to the claimed length: a sender that announces 60 MiB and then
 * hangs up costs us only what it really sent. Frames above the caller's
 * limit are not read at all; mk_frame_discard() can skip their body in fixed
 * chunks, which is how the native host keeps in step with a sender that
 * really does send an oversized frame (Thunderbird always sends the bytes it
 * announced, so skipping exactly that many is the only rule that finds the
 * next frame boundary again).
 */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MK_FRAME_FIRST_CHUNK (64u * 1024u)
#define MK_FRAME_DISCARD_CHUNK (64u * 1024u)

/* ---- reading ------------------------------------------------------------- */

static mk_frame_status read_length(FILE *in, uint32_t *declared)
{
    unsigned char b[4];
    size_t got = fread(b, 1, sizeof b, in);
    if (got == sizeof b) {
        memcpy(declared, b, sizeof *declared);   /* native byte order, by definition */
        return MK_FRAME_OK;
    }
    if (ferror(in))
        return MK_FRAME_IO_ERROR;
    return got == 0 ? MK_FRAME_EOF : MK_FRAME_TRUNCATED_LENGTH;
}

/* Reads exactly want bytes into a buffer that grows only as data arrives. */
static mk_frame_status read_body(FILE *in, size_t want, char **data, size_t *len)
{
    size_t cap = want < MK_FRAME_FIRST_CHUNK ? want : MK_FRAME_FIRST_CHUNK;
    char *buf = mk_xmalloc(cap + 1);
    size_t have = 0;
    while (have < want) {
        if (have == cap) {
            cap = (cap > want / 2) ? want : cap * 2;
            buf = mk_xrealloc(buf, cap + 1);
        }
        size_t ask = cap - have;
        size_t got = fread(buf + have, 1, ask, in);
        have += got;
        if (got < ask)   /* fread only stops short at end of input or on error */
            break;
    }
    *len = have;
    if (have < want) {
        mk_frame_status st = ferror(in) ? MK_FRAME_IO_ERROR : MK_FRAME_TRUNCATED_BODY;
        free(buf);
        return st;
    }
    buf[have] = '\0';
    *data = buf;
    return MK_FRAME_OK;
}

mk_frame_status mk_frame_read(FILE *in, size_t max, char **data, size_t *len, uint32_t *declared)
{
    uint32_t n = 0;
    *data = NULL;
    *len = 0;
    *declared = 0;
    mk_frame_status st = read_length(in, &n);
    if (st != MK_FRAME_OK)
        return st;
    *declared = n;
    if (n == 0)
        return MK_FRAME_EMPTY;
    if ((uint64_t)n > (uint64_t)max)
        return MK_FRAME_TOO_LARGE;
    return read_body(in, n, data, len);
}

uint64_t mk_frame_discard(FILE *in, uint64_t n)
{
    static _Thread_local char sink[MK_FRAME_DISCARD_CHUNK];   /* contents never read */
    uint64_t done = 0;
    while (done < n) {
        uint64_t left = n - done;
        size_t want = left < sizeof sink ? (size_t)left : sizeof sink;
        size_t got = fread(sink, 1, want, in);
        done += got;
        if (got < want)
            break;
    }
    return done;
}

/* ---- writing ------------------------------------------------------------- */

int mk_frame_write(FILE *out, const char *data, size_t len)
{
    if (len > UINT32_MAX)
        return -1;
    uint32_t n = (uint32_t)len;
    unsigned char b[4];
    memcpy(b, &n, sizeof b);
    if (fwrite(b, 1, sizeof b, out) != sizeof b)
        return -1;
    if (len && fwrite(data, 1, len, out) != len)
        return -1;
    return fflush(out) == 0 ? 0 : -1;
}

const char *mk_frame_status_text(mk_frame_status st)
{
    switch (st) {
    case MK_FRAME_OK: return "ok";
    case MK_FRAME_EOF: return "end of input";
    case MK_FRAME_TRUNCATED_LENGTH: return "input ended inside a frame's length prefix";
    case MK_FRAME_TRUNCATED_BODY: return "input ended inside a frame's body";
    case MK_FRAME_EMPTY: return "empty frame (length 0)";
    case MK_FRAME_TOO_LARGE: return "frame larger than the host accepts";
    case MK_FRAME_IO_ERROR: return "read error";
    }
    return "unknown frame status";
}

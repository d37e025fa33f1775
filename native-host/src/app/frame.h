/* frame.h - WebExtension native-messaging frames on a byte stream.
 *
 * A frame is a 4-byte length in native byte order followed by that many bytes.
 * Reading distinguishes every way a stream can go wrong, because the host
 * answers each differently: a clean end of input between frames, input that
 * stops inside the length prefix or inside the body, an empty frame and a
 * frame larger than the caller accepts. A too-large frame's body is left
 * unread so the caller can decide to discard it (mk_frame_discard) and stay in
 * step with the sender. Memory grows with the bytes that actually arrive, not
 * with the length the sender claims.
 */
#ifndef MK_FRAME_H
#define MK_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum mk_frame_status {
    MK_FRAME_OK,                /* *data holds *len bytes (plus a NUL) */
    MK_FRAME_EOF,               /* clean end of input before any length byte */
    MK_FRAME_TRUNCATED_LENGTH,  /* input ended inside the 4-byte length */
    MK_FRAME_TRUNCATED_BODY,    /* input ended inside the body; *len = bytes received */
    MK_FRAME_EMPTY,             /* length 0: nothing to read, stream still in step */
    MK_FRAME_TOO_LARGE,         /* length > max; the body is still unread */
    MK_FRAME_IO_ERROR           /* read error other than end of input */
} mk_frame_status;

/* Reads one frame of at most max bytes. On MK_FRAME_OK *data is allocated
 * (free with free()) and NUL-terminated; on every other status *data is NULL.
 * *declared receives the length prefix whenever it was read completely. */
mk_frame_status mk_frame_read(FILE *in, size_t max, char **data, size_t *len, uint32_t *declared);

/* Reads and drops up to n bytes in fixed-size chunks; returns how many were dropped
 * (fewer than n only at end of input or on error). */
uint64_t mk_frame_discard(FILE *in, uint64_t n);

/* Writes one frame and flushes; 0 on success, -1 on error or when len does not fit. */
int mk_frame_write(FILE *out, const char *data, size_t len);

/* A short English description of a status, for error replies and logs. */
const char *mk_frame_status_text(mk_frame_status st);

#endif

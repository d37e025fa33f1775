/* native.h - native-messaging mode: Thunderbird talks to the host over stdio.
 *
 * Frames are a 4-byte native-endian length followed by that many bytes of
 * UTF-8 JSON, in both directions. Requests: {"type":"analyze","id","raw_b64",
 * "locale","online","lookups"}, {"type":"cancel","id"} and {"type":"ping"}.
 * Requests are served concurrently: for analyze the host answers with the
 * offline report as soon as it is ready, then (when online) with the final
 * report after the look-ups, while other requests are read and answered.
 * Anything malformed, refused (busy) or late (deadline) gets
 * {"type":"error","id","code","message"} and the host keeps serving; end of
 * input ends the loop cleanly once the requests in flight are answered.
 */
#ifndef MK_NATIVE_H
#define MK_NATIVE_H

#include <stdio.h>

#include "analyze.h"

/* Largest decoded message, and the largest request frame: the message's base64
 * (4/3 of it) plus room for the other fields. A bigger frame cannot hold an
 * acceptable message, so it is refused before any of it is parsed. */
#define MK_NATIVE_MAX_MESSAGE (32u * 1024u * 1024u)
#define MK_NATIVE_MAX_FRAME (MK_NATIVE_MAX_MESSAGE / 3u * 4u + 1024u * 1024u)
/* Largest reply frame: Thunderbird rejects host messages of 1 MiB or more. */
#define MK_NATIVE_MAX_REPLY (1024u * 1024u - 1024u)

/* Serves requests from in until EOF; returns 0 on clean EOF. */
int mk_native_serve(mk_context *ctx, FILE *in, FILE *out);

#endif

/* native_reply.h - frames from the host to Thunderbird, from any thread.
 *
 * Several threads answer requests at once (the reader for pings and
 * malformed frames, workers for reports, the deadline watch for late ones),
 * and a frame is only valid when written whole. A mk_native_out owns the
 * reply stream and the one lock around writing it; once a write fails the
 * channel is marked broken and every later frame is dropped, since nobody is
 * listening any more.
 *
 * Callers that must order a frame with a decision taken under another lock
 * (a worker's report against a deadline reply) take the write lock with
 * mk_native_out_lock() while still holding theirs, then write with
 * mk_native_out_write_locked() and release it.
 */
#ifndef MK_NATIVE_REPLY_H
#define MK_NATIVE_REPLY_H

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "util.h"

typedef struct mk_native_out {
    FILE *stream;
    pthread_mutex_t lock;
    atomic_bool broken;   /* a write failed: the reader has gone */
} mk_native_out;

void mk_native_out_init(mk_native_out *o, FILE *stream);
void mk_native_out_destroy(mk_native_out *o);
bool mk_native_out_broken(mk_native_out *o);

/* msg as one reply frame's text, an oversized report trimmed to fit (see
 * report_fit.h); NULL when it cannot be serialised. Free with free(). */
char *mk_native_serialise(json_t *msg, size_t *len);

void mk_native_out_lock(mk_native_out *o);
void mk_native_out_unlock(mk_native_out *o);
/* Writes one frame; the caller holds the write lock. */
void mk_native_out_write_locked(mk_native_out *o, const char *text, size_t len);
/* Serialises and writes msg under the lock. */
void mk_native_send(mk_native_out *o, json_t *msg);

/* {"type":"error","id":id,"code":code,"message":...}, also logged to stderr;
 * id may be NULL. A new reference. */
json_t *mk_native_error(json_t *id, const char *code, const char *fmt, ...)
    MK_PRINTF(3, 4);
json_t *mk_native_verror(json_t *id, const char *code, const char *fmt, va_list ap)
    MK_PRINTF(3, 0);
void mk_native_send_error(mk_native_out *o, json_t *id, const char *code, const char *fmt, ...)
    MK_PRINTF(4, 5);

#endif

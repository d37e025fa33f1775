/* native_jobs.h - analyze requests in flight: one worker each, a deadline each.
 *
 * The reader hands each valid analyze request to mk_native_jobs_start(),
 * which runs it on its own thread and returns at once, so no message ever
 * waits behind another's analysis or look-ups. A request's replies are its
 * offline report, then (when it asked for "online") its final report. Each
 * request has a deadline: past it the host answers with what it has (the
 * offline report again as the final one) or a "deadline" error, and nothing
 * more is sent for it. A "cancel" stops the request's look-ups and silences
 * it. At most MK_NATIVE_MAX_JOBS requests (and MK_NATIVE_MAX_JOB_BYTES of
 * messages) are in flight; a request past that is answered "busy" at once.
 * A worker past its deadline still counts until it has really ended, so the
 * bound holds for CPU and memory, not only for replies.
 */
#ifndef MK_NATIVE_JOBS_H
#define MK_NATIVE_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "analyze.h"
#include "native_reply.h"

#define MK_NATIVE_MAX_JOBS 8
#define MK_NATIVE_MAX_JOB_BYTES (64u * 1024u * 1024u)
/* The offline report's deadline, counted from the request's arrival, when
 * the options give none (mk_options.deadline_ms). */
#define MK_NATIVE_DEFAULT_DEADLINE_MS 15000
/* The final report's deadline: the look-up budget plus this, counted from
 * the offline report. */
#define MK_NATIVE_FINAL_GRACE_MS 2000

typedef struct mk_native_jobs mk_native_jobs;

/* What one analyze request asks for; the reader has validated every field. */
typedef struct mk_native_job_spec {
    json_t *id;          /* string or integer; copied */
    json_t *raw_b64;     /* the message's base64 string: the job takes the only reference */
    const char *locale;  /* "ja" / "en" (static or the context's) */
    bool online;
    bool dns, registration;   /* the kinds of look-up the user allows */
    size_t message_bytes;     /* decoded size of raw_b64 */
    long long deadline_ms;    /* the request's own deadline when shorter than the host's; 0: none */
    mk_trust_list *trust;     /* the reader's trusted senders, or NULL; the job takes it */
} mk_native_job_spec;

mk_native_jobs *mk_native_jobs_new(mk_context *ctx, mk_native_out *out);
/* Starts the request or answers it with a "busy"/"internal" error. */
void mk_native_jobs_start(mk_native_jobs *jobs, const mk_native_job_spec *spec);
/* Stops every request in flight with this id; nothing more is sent for them.
 * An id that is not in flight (finished, never seen) is ignored. */
void mk_native_jobs_cancel(mk_native_jobs *jobs, const json_t *id);
/* True when no request is in flight and every worker has ended: only then may
 * the reader swap what analyses share (the location databases). */
bool mk_native_jobs_idle(mk_native_jobs *jobs);
/* Frees the workers that have ended; the reader calls it between frames. */
void mk_native_jobs_reap(mk_native_jobs *jobs);
/* Waits until every request has been answered and every worker has ended
 * (stop: cancel them first, when nobody listens any more), then frees all. */
void mk_native_jobs_free(mk_native_jobs *jobs, bool stop);

#endif

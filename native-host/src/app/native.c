/* native.c - the native-messaging loop: read frames, dispatch them, never wait.
 *
 * Thunderbird owns both ends of our stdio, and anything on stdout that is not
 * a well-formed frame breaks the channel for good. So the first thing the
 * loop does when it writes to the process's stdout is to move the frames to a
 * private duplicate of that descriptor and point descriptor 1 at stderr:
 * a stray printf in any library then lands in the log, not in the protocol.
 *
 * This thread only reads and dispatches. A ping is answered here at once; an
 * analyze request is validated here and then handed to its own worker
 * (native_jobs.c), so the next frame is read while earlier messages are
 * still being analysed or looked up: a newly displayed message's offline
 * verdict never waits behind another message's look-ups, and one slow or
 * hostile message holds nobody else up. {"type":"cancel","id":..} stops a
 * request's look-ups and silences it. Replies from all threads go through
 * one lock (native_reply.c).
 *
 * Requests are untrusted. Every failure to serve one becomes an error reply
 * naming the problem (bad_request for anything malformed, too_large for sizes
 * over the limits, busy past the requests in flight, deadline past a
 * request's deadline, internal when analysis itself fails) and the loop goes
 * on. Stream-level damage is handled by what can still be known:
 *   - length 0: an error, and the stream is still in step;
 *   - a length over MK_NATIVE_MAX_FRAME: an error, then exactly that many
 *     bytes are discarded in chunks, since the sender (Thunderbird) always
 *     writes what it announced and the next frame starts right after;
 *   - end of input inside a length or a body: an error, then a clean exit,
 *     since nothing more can arrive.
 * At end of input the loop waits for the requests still in flight to be
 * answered (each is bounded by its deadline), then returns.
 *
 * An analyze request gets its offline report at once (the add-on shows it
 * while look-ups run), then, when the request asked for "online", the final
 * report: after the look-ups, or - when the host runs with --offline - the
 * same offline report again, so a client that asked for a final answer always
 * gets one. Replies that would reach Thunderbird's
 * 1 MiB limit are trimmed by mk_report_fit(), never dropped.
 *
 * {"type": "feed_import"} imports a phishing-URL list the reader picked (as
 * `mekiki feed import` does) and reopens the feed; a ping reopens it too.
 * {"type": "update_data"} runs `mekiki update-data` here and answers once it
 * is done (the add-on sends it on a connection of its own); a ping reopens
 * the location data when its files changed, so the long-lived host picks up
 * an update made by another process.
 */
#include "native.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "geo_update.h"
#include "platform.h"
#include "report_fit.h"
#include "native_jobs.h"
#include "native_reply.h"
#include "util.h"

typedef struct mk_session {
    mk_context *ctx;
    FILE *in;
    mk_native_out out;
    mk_native_jobs *jobs;
} mk_session;

static void send_json(mk_session *s, json_t *msg)
{
    mk_native_send(&s->out, msg);
}

#define send_error(s, id, ...) mk_native_send_error(&(s)->out, id, __VA_ARGS__)

/* ---- ping ---------------------------------------------------------------- */

static json_t *describe_catalog(const mk_catalog *cat)
{
    if (!cat)
        return json_null();
    return json_pack("{s:s?, s:I, s:I, s:I, s:I, s:I}", "dir", cat->dir,
                     "brands", (json_int_t)cat->n_brands,
                     "shorteners", (json_int_t)cat->shorteners.n,
                     "tracking_hosts", (json_int_t)cat->tracking_hosts.n,
                     "hosting_asns", (json_int_t)cat->n_hosting_asns,
                     "findings", (json_int_t)json_object_size(cat->findings));
}

static const char *feed_path(const mk_context *ctx)
{
    return ctx->opt.feed_db ? ctx->opt.feed_db : mk_feed_default_path();
}

/* The feed database in use: where, whether loaded, how many entries and the
 * date of the newest ("entries" and "updated" extend the contract). */
static json_t *describe_feed(const mk_context *ctx)
{
    long entries = 0;
    char updated[40];
    bool counted = mk_feed_stats(ctx->feed, &entries, updated, sizeof updated);
    return json_pack("{s:s?, s:b, s:I, s:s?}", "path", feed_path(ctx), "loaded", ctx->feed != NULL, "entries",
                     (json_int_t)entries, "updated", counted && *updated ? updated : NULL);
}

/* Opens the feed again: another host process (the add-on's import, or
 * `mekiki feed import`) may have created or filled it. */
static void reopen_feed(mk_context *ctx)
{
    mk_feed_close(ctx->feed);
    ctx->feed = mk_feed_open(feed_path(ctx), NULL);
}

static void handle_ping(mk_session *s, json_t *id)
{
    /* A ping is also how the add-on says "the data may have been updated".
     * The databases and the feed are swapped only while no analysis runs (the reader is
     * the only one that starts analyses, so none can start meanwhile); else
     * a later ping picks the new files up. */
    if (mk_native_jobs_idle(s->jobs)) {
        mk_context_refresh_geo(s->ctx);
        reopen_feed(s->ctx);
    }
    json_t *dbs = json_pack("{s:o, s:o, s:o}", "geo", mk_geo_describe(s->ctx->geo),
                            "catalog", describe_catalog(s->ctx->catalog),
                            "feed", describe_feed(s->ctx));
    json_t *msg = json_pack("{s:s, s:O?, s:s, s:o}", "type", "pong", "id", id,
                            "version", MK_VERSION, "databases", dbs);
    send_json(s, msg);
    json_decref(msg);
}

/* ---- feed_import --------------------------------------------------------- */

static const char *check_base64(const char *b, size_t n, size_t *decoded, size_t *bad_at);

/* {"type": "feed_import", "id", "name": "list.csv", "data_b64": "..."}: the
 * same import as `mekiki feed import`, of a list the reader picked in the
 * options page; the answer says how many entries were read and describes
 * the feed now in use. */
static void handle_feed_import(mk_session *s, json_t *req, json_t *id)
{
    json_t *name = json_object_get(req, "name");
    json_t *b64 = json_object_get(req, "data_b64");
    if (name && !json_is_string(name)) {
        send_error(s, id, "bad_request", "field 'name' must be a string");
        return;
    }
    if (!json_is_string(b64) || json_string_length(b64) == 0) {
        send_error(s, id, "bad_request", "field 'data_b64' must be a non-empty string");
        return;
    }
    size_t decoded = 0, bad_at = 0;
    const char *why = check_base64(json_string_value(b64), json_string_length(b64), &decoded, &bad_at);
    if (why) {
        send_error(s, id, "bad_request", "field 'data_b64' is not valid base64: %s (offset %zu)", why, bad_at);
        return;
    }
    if (decoded > MK_NATIVE_MAX_MESSAGE) {
        send_error(s, id, "too_large", "the list is %zu bytes; the host accepts at most %u", decoded,
                   MK_NATIVE_MAX_MESSAGE);
        return;
    }
    char *label = mk_xstrndup(name ? json_string_value(name) : "imported list", 200);
    gsize len = 0;
    guchar *data = g_base64_decode(json_string_value(b64), &len);
    long imported = 0;
    char *error = NULL;
    mk_feed_import_bytes(feed_path(s->ctx), label, (const char *)data, len, &imported, &error);
    g_free(data);
    free(label);
    /* Analyses read the feed: it is reopened now only when none runs, else by
     * the next ping that finds the host idle. */
    if (mk_native_jobs_idle(s->jobs))
        reopen_feed(s->ctx);
    json_t *msg = json_pack("{s:s, s:O?, s:s, s:I, s:s?, s:o}", "type", "feed_import", "id", id, "status",
                            error ? "failed" : "ok", "imported", (json_int_t)imported, "error", error, "feed",
                            describe_feed(s->ctx));
    free(error);
    send_json(s, msg);
    json_decref(msg);
}

/* ---- update_data ----------------------------------------------------------- */

/* Runs `mekiki update-data` in this host (the add-on sends it on a connection
 * of its own, since it takes as long as the download) and answers with the
 * result and the databases now in use. */
static void handle_update_data(mk_session *s, json_t *id)
{
    mk_geo_update_options opt = {0};
    mk_geo_update_status status;
    json_t *result = mk_geo_update_run(&opt, &status);
    if (mk_native_jobs_idle(s->jobs))
        mk_context_refresh_geo(s->ctx);
    json_t *msg = json_pack("{s:s, s:O?, s:s, s:o, s:{s:o}}", "type", "update_data", "id", id, "status",
                            mk_geo_update_status_name(status), "result", result, "databases", "geo",
                            mk_geo_describe(s->ctx->geo));
    send_json(s, msg);
    json_decref(msg);
}

/* ---- analyze: validating the request ------------------------------------- */

static bool is_b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* Checks strict standard base64 (g_base64_decode skips bad characters silently)
 * and computes the decoded size. Returns NULL when valid, else what is wrong. */
static const char *check_base64(const char *b, size_t n, size_t *decoded, size_t *bad_at)
{
    *bad_at = 0;
    if (n % 4 != 0)
        return "its length is not a multiple of 4";
    size_t pad = 0;
    if (n >= 1 && b[n - 1] == '=')
        pad++;
    if (n >= 2 && b[n - 2] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++) {
        if (!is_b64_char((unsigned char)b[i])) {
            *bad_at = i;
            return "it contains a character outside the base64 alphabet";
        }
    }
    *decoded = n / 4 * 3 - pad;
    return NULL;
}

/* The reply language: a string starting with "ja" or "en" (so "ja-JP" works), else the default. */
static bool pick_locale(json_t *v, const char *fallback, const char **locale)
{
    *locale = fallback;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v))
        return false;
    const char *l = json_string_value(v);
    if (g_ascii_strncasecmp(l, "ja", 2) == 0)
        *locale = "ja";
    else if (g_ascii_strncasecmp(l, "en", 2) == 0)
        *locale = "en";
    return true;
}

/* ---- analyze: handing it over ---------------------------------------------- */

/* The request's optional "lookups": {"dns": bool, "rdap": bool, ...} — which
 * kinds of network look-up the user allows. Absent kinds are allowed; "geo"
 * and "feeds" are local databases and involve no network. */
static bool lookup_allowed(json_t *lookups, const char *kind)
{
    return !json_is_false(json_object_get(lookups, kind));
}

/* Takes key's value out of obj: the caller then holds its only reference, so
 * a worker thread can own it without sharing reference counts with this one. */
static json_t *detach(json_t *obj, const char *key)
{
    json_t *v = json_incref(json_object_get(obj, key));
    json_object_del(obj, key);
    return v;
}

static void handle_analyze(mk_session *s, json_t *req, json_t *id)
{
    if (!id) {
        send_error(s, NULL, "bad_request", "missing field 'id'");
        return;
    }
    if (!json_is_string(id) && !json_is_integer(id)) {
        send_error(s, NULL, "bad_request", "field 'id' must be a string");
        return;
    }
    json_t *b64 = json_object_get(req, "raw_b64");
    if (!b64) {
        send_error(s, id, "bad_request", "missing field 'raw_b64'");
        return;
    }
    if (!json_is_string(b64)) {
        send_error(s, id, "bad_request", "field 'raw_b64' must be a string");
        return;
    }
    const char *locale;
    const char *fallback = s->ctx->opt.locale ? s->ctx->opt.locale : "en";
    if (!pick_locale(json_object_get(req, "locale"), fallback, &locale)) {
        send_error(s, id, "bad_request", "field 'locale' must be a string");
        return;
    }
    json_t *online = json_object_get(req, "online");
    if (online && !json_is_boolean(online) && !json_is_null(online)) {
        send_error(s, id, "bad_request", "field 'online' must be true or false");
        return;
    }
    json_t *deadline = json_object_get(req, "deadline_ms");
    if (deadline && !json_is_null(deadline) && (!json_is_integer(deadline) || json_integer_value(deadline) <= 0)) {
        send_error(s, id, "bad_request", "field 'deadline_ms' must be a positive number of milliseconds");
        return;
    }

    size_t n = json_string_length(b64), decoded = 0, bad_at = 0;
    if (n == 0) {
        send_error(s, id, "bad_request", "field 'raw_b64' is empty");
        return;
    }
    const char *why = check_base64(json_string_value(b64), n, &decoded, &bad_at);
    if (why) {
        send_error(s, id, "bad_request", "field 'raw_b64' is not valid base64: %s (offset %zu)", why,
                   bad_at);
        return;
    }
    if (decoded > MK_NATIVE_MAX_MESSAGE) {
        send_error(s, id, "too_large", "the message is %zu bytes; the host accepts at most %u", decoded,
                   MK_NATIVE_MAX_MESSAGE);
        return;
    }
    /* The reader's trusted senders (an extension of the contract, see
     * sender_trust.h): judged afresh against every message. */
    mk_trust_list *trust = NULL;
    json_t *trusted = json_object_get(req, "trusted_senders");
    if (trusted && !json_is_null(trusted)) {
        const char *trust_error = NULL;
        trust = mk_trust_list_from_json(trusted, &trust_error);
        if (!trust) {
            send_error(s, id, "bad_request", "%s", trust_error);
            return;
        }
    }
    json_t *lookups = json_object_get(req, "lookups");
    mk_native_job_spec spec = {
        .id = id,
        .raw_b64 = detach(req, "raw_b64"),
        .locale = locale,
        .online = json_is_true(online),
        .dns = lookup_allowed(lookups, "dns"),
        .registration = lookup_allowed(lookups, "rdap"),
        .message_bytes = decoded,
        .deadline_ms = json_is_integer(deadline) ? json_integer_value(deadline) : 0,
        .trust = trust,
    };
    mk_native_jobs_start(s->jobs, &spec);
}

static void handle_cancel(mk_session *s, json_t *id)
{
    if (!id)
        send_error(s, NULL, "bad_request", "a cancel needs the field 'id' of the request to stop");
    else if (!json_is_string(id) && !json_is_integer(id))
        send_error(s, NULL, "bad_request", "field 'id' must be a string");
    else
        mk_native_jobs_cancel(s->jobs, id);   /* no reply: the request simply says nothing more */
}

/* ---- dispatch ------------------------------------------------------------ */

/* A request is a handful of fields; one big string (raw_b64) is what makes it
 * large. Counting structural characters outside strings before parsing keeps
 * a frame of 64 MiB of "[1,1,1,..." from becoming gigabytes of parsed values. */
/* A request's structure is a handful of fields plus, at most, the reader's
 * trusted senders (MK_TRUST_MAX_ENTRIES objects of four fields). */
#define MK_NATIVE_MAX_ELEMENTS 4096

static size_t count_json_elements(const char *p, size_t len)
{
    size_t count = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == ',' || c == '[' || c == '{' || c == ':') {
            count++;
        }
    }
    return count;
}

static void serve_frame(mk_session *s, char *data, size_t len)
{
    if (count_json_elements(data, len) > MK_NATIVE_MAX_ELEMENTS) {
        free(data);
        send_error(s, NULL, "bad_request", "a request may hold at most %d JSON elements",
                   MK_NATIVE_MAX_ELEMENTS);
        return;
    }
    json_error_t err;
    json_t *req = json_loadb(data, len, JSON_DECODE_ANY, &err);
    free(data);   /* the request text can be tens of MiB; the parsed form is all we need */
    if (!req) {
        send_error(s, NULL, "bad_request", "invalid JSON at byte %d: %s", err.position, err.text);
        return;
    }
    if (!json_is_object(req)) {
        send_error(s, NULL, "bad_request", "a request must be a JSON object");
        json_decref(req);
        return;
    }
    json_t *id = json_object_get(req, "id");
    json_t *echo_id = (json_is_string(id) || json_is_integer(id)) ? id : NULL;
    json_t *type = json_object_get(req, "type");
    if (!type)
        send_error(s, echo_id, "bad_request", "missing field 'type'");
    else if (!json_is_string(type))
        send_error(s, echo_id, "bad_request", "field 'type' must be a string");
    else if (strcmp(json_string_value(type), "analyze") == 0)
        handle_analyze(s, req, id);
    else if (strcmp(json_string_value(type), "ping") == 0)
        handle_ping(s, echo_id);
    else if (strcmp(json_string_value(type), "update_data") == 0)
        handle_update_data(s, echo_id);
    else if (strcmp(json_string_value(type), "cancel") == 0)
        handle_cancel(s, id);
    else if (strcmp(json_string_value(type), "feed_import") == 0)
        handle_feed_import(s, req, echo_id);
    else
        send_error(s, echo_id, "bad_request", "unknown type '%.64s'", json_string_value(type));
    json_decref(req);
}

/* Handles one frame read result; false when the loop must stop. */
static bool serve_one(mk_session *s, int *status)
{
    mk_native_jobs_reap(s->jobs);
    char *data = NULL;
    size_t len = 0;
    uint32_t declared = 0;
    mk_frame_status st = mk_frame_read(s->in, MK_NATIVE_MAX_FRAME, &data, &len, &declared);
    switch (st) {
    case MK_FRAME_OK:
        serve_frame(s, data, len);
        return !mk_native_out_broken(&s->out);
    case MK_FRAME_EOF:
        return false;
    case MK_FRAME_EMPTY:
        send_error(s, NULL, "bad_request", "%s", mk_frame_status_text(st));
        return !mk_native_out_broken(&s->out);
    case MK_FRAME_TOO_LARGE:
        send_error(s, NULL, "too_large", "frame of %u bytes; the host accepts at most %u; skipping it",
                   declared, MK_NATIVE_MAX_FRAME);
        return mk_frame_discard(s->in, declared) == declared && !mk_native_out_broken(&s->out);
    case MK_FRAME_TRUNCATED_LENGTH:
    case MK_FRAME_TRUNCATED_BODY:
        send_error(s, NULL, "bad_request", "%s (%zu of %u bytes)", mk_frame_status_text(st), len, declared);
        return false;
    case MK_FRAME_IO_ERROR:
        fprintf(stderr, "mekiki: native: reading requests failed: %s\n", g_strerror(errno));
        *status = 1;
        return false;
    }
    return false;
}

/* ---- the loop ------------------------------------------------------------ */

/* When out is the process's stdout, frames go to a private copy of fd 1 and
 * fd 1 itself is pointed at stderr. Returns the stream to write frames to. */
static FILE *claim_stdout(FILE *out, bool *owned)
{
    *owned = false;
    if (out != stdout)
        return out;
    fflush(stdout);
    int fd = dup(STDOUT_FILENO);
    if (fd < 0)
        return out;
    FILE *frames = fdopen(fd, "wb");
    if (!frames) {
        close(fd);
        return out;
    }
    dup2(STDERR_FILENO, STDOUT_FILENO);
    *owned = true;
    return frames;
}

int mk_native_serve(mk_context *ctx, FILE *in, FILE *out)
{
    mk_platform_init();   /* a vanished reader is a write error, not a death; binary stdio */
    bool owned = false;
    FILE *frames = claim_stdout(out, &owned);
    mk_session s = {.ctx = ctx, .in = in};
    mk_native_out_init(&s.out, frames);
    s.jobs = mk_native_jobs_new(ctx, &s.out);
    int status = 0;
    while (serve_one(&s, &status))
        ;
    /* At end of input the requests in flight are still answered; with nobody reading, they are stopped. */
    mk_native_jobs_free(s.jobs, mk_native_out_broken(&s.out) || status != 0);
    if (mk_native_out_broken(&s.out))
        status = 1;
    mk_native_out_destroy(&s.out);
    if (owned)
        fclose(frames);
    return status;
}

/* native.c - the native-messaging loop: read a frame, parse it, answer it.
 *
 * Thunderbird owns both ends of our stdio, and anything on stdout that is not
 * a well-formed frame breaks the channel for good. So the first thing the
 * loop does when it writes to the process's stdout is to move the frames to a
 * private duplicate of that descriptor and point descriptor 1 at stderr:
 * a stray printf in any library then lands in the log, not in the protocol.
 *
 * Requests are untrusted. Every failure to serve one becomes an error reply
 * naming the problem (bad_request for anything malformed, too_large for sizes
 * over the limits, internal when analysis itself fails) and the loop goes on.
 * Stream-level damage is handled by what can still be known:
 *   - length 0: an error, and the stream is still in step;
 *   - a length over MK_NATIVE_MAX_FRAME: an error, then exactly that many
 *     bytes are discarded in chunks, since the sender (Thunderbird) always
 *     writes what it announced and the next frame starts right after;
 *   - end of input inside a length or a body: an error, then a clean exit,
 *     since nothing more can arrive.
 *
 * An analyze request gets its offline report at once (the add-on shows it
 * while look-ups run), then, when the request asked for "online", the final
 * report: after the look-ups, or - when the host runs with --offline - the
 * same offline report again, so a client that asked for a final answer always
 * gets one. Replies that would reach Thunderbird's
 * 1 MiB limit are trimmed by mk_report_fit(), never dropped.
 */
#include "native.h"

#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "platform.h"
#include "report_fit.h"
#include "util.h"

typedef struct mk_session {
    mk_context *ctx;
    FILE *in;
    FILE *out;
    bool broken;   /* the reply channel failed: nobody is listening any more */
} mk_session;

/* ---- replies ------------------------------------------------------------- */

/* Serialises msg (trimming an oversized report) and writes it as one frame. */
static void send_json(mk_session *s, json_t *msg)
{
    if (s->broken)
        return;
    size_t len = 0;
    char *text = mk_report_fit(msg, MK_NATIVE_MAX_REPLY, &len);
    if (!text) {
        fprintf(stderr, "mekiki: native: a reply could not be serialised\n");
        return;
    }
    if (mk_frame_write(s->out, text, len) != 0) {
        fprintf(stderr, "mekiki: native: writing a reply failed: %s\n", strerror(errno));
        s->broken = true;
    }
    free(text);
}

static void send_error(mk_session *s, json_t *id, const char *code, const char *fmt, ...)
    MK_PRINTF(4, 5);

static void send_error(mk_session *s, json_t *id, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "mekiki: native: %s: %s\n", code, text);
    char *valid = g_utf8_make_valid(text, -1);   /* parser messages may quote raw input bytes */
    json_t *msg = json_pack("{s:s, s:O?, s:s, s:s}", "type", "error", "id", id, "code", code,
                            "message", valid);
    g_free(valid);
    if (msg)
        send_json(s, msg);
    json_decref(msg);
    g_free(text);
}

static void send_report(mk_session *s, json_t *id, const char *stage, json_t *report)
{
    json_t *msg = json_pack("{s:s, s:O?, s:s, s:O}", "type", "report", "id", id, "stage", stage,
                            "report", report);
    send_json(s, msg);
    json_decref(msg);
}

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

static json_t *describe_feed(const mk_context *ctx)
{
    const char *path = ctx->opt.feed_db ? ctx->opt.feed_db : mk_feed_default_path();
    return json_pack("{s:s?, s:b}", "path", path, "loaded", ctx->feed != NULL);
}

static void handle_ping(mk_session *s, json_t *id)
{
    json_t *dbs = json_pack("{s:o, s:o, s:o}", "geo", mk_geo_describe(s->ctx->geo),
                            "catalog", describe_catalog(s->ctx->catalog),
                            "feed", describe_feed(s->ctx));
    json_t *msg = json_pack("{s:s, s:O?, s:s, s:o}", "type", "pong", "id", id,
                            "version", MK_VERSION, "databases", dbs);
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

/* ---- analyze: running it ------------------------------------------------- */

/* The request's optional "lookups": {"dns": bool, "rdap": bool, ...} — which
 * kinds of network look-up the user allows. Absent kinds are allowed; "geo"
 * and "feeds" are local databases and involve no network. */
static bool lookup_allowed(json_t *lookups, const char *kind)
{
    return !json_is_false(json_object_get(lookups, kind));
}

static void run_analysis(mk_session *s, json_t *id, const char *raw, size_t len, const char *locale,
                         bool online, json_t *lookups)
{
    mk_analysis *a = mk_analysis_offline(s->ctx, raw, len);
    if (!a) {
        send_error(s, id, "internal", "the analysis could not be started");
        return;
    }
    json_t *report = mk_analysis_report(a, locale);
    if (!report) {
        send_error(s, id, "internal", "the report could not be built");
        mk_analysis_free(a);
        return;
    }
    send_report(s, id, "offline", report);
    json_decref(report);
    if (online && !s->broken) {
        mk_analysis_allow_lookups(a, lookup_allowed(lookups, "dns"), lookup_allowed(lookups, "rdap"));
        mk_analysis_enrich(a);   /* a no-op in --offline mode */
        report = mk_analysis_report(a, locale);
        if (report)
            send_report(s, id, "final", report);
        else
            send_error(s, id, "internal", "the final report could not be built");
        json_decref(report);
    }
    mk_analysis_free(a);
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
    gsize raw_len = 0;
    guchar *raw = g_base64_decode(json_string_value(b64), &raw_len);
    run_analysis(s, id, (const char *)raw, raw_len, locale, json_is_true(online), json_object_get(req, "lookups"));
    g_free(raw);
}

/* ---- dispatch ------------------------------------------------------------ */

/* A request is a handful of fields; one big string (raw_b64) is what makes it
 * large. Counting structural characters outside strings before parsing keeps
 * a frame of 64 MiB of "[1,1,1,..." from becoming gigabytes of parsed values. */
#define MK_NATIVE_MAX_ELEMENTS 1024

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
    else
        send_error(s, echo_id, "bad_request", "unknown type '%.64s'", json_string_value(type));
    json_decref(req);
}

/* Handles one frame read result; false when the loop must stop. */
static bool serve_one(mk_session *s, int *status)
{
    char *data = NULL;
    size_t len = 0;
    uint32_t declared = 0;
    mk_frame_status st = mk_frame_read(s->in, MK_NATIVE_MAX_FRAME, &data, &len, &declared);
    switch (st) {
    case MK_FRAME_OK:
        serve_frame(s, data, len);
        return !s->broken;
    case MK_FRAME_EOF:
        return false;
    case MK_FRAME_EMPTY:
        send_error(s, NULL, "bad_request", "%s", mk_frame_status_text(st));
        return !s->broken;
    case MK_FRAME_TOO_LARGE:
        send_error(s, NULL, "too_large", "frame of %u bytes; the host accepts at most %u; skipping it",
                   declared, MK_NATIVE_MAX_FRAME);
        return mk_frame_discard(s->in, declared) == declared && !s->broken;
    case MK_FRAME_TRUNCATED_LENGTH:
    case MK_FRAME_TRUNCATED_BODY:
        send_error(s, NULL, "bad_request", "%s (%zu of %u bytes)", mk_frame_status_text(st), len, declared);
        return false;
    case MK_FRAME_IO_ERROR:
        fprintf(stderr, "mekiki: native: reading requests failed: %s\n", strerror(errno));
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
    mk_session s = {.ctx = ctx, .in = in, .out = claim_stdout(out, &owned)};
    int status = 0;
    while (serve_one(&s, &status))
        ;
    if (s.broken)
        status = 1;
    if (owned)
        fclose(s.out);
    return status;
}

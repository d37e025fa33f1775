/* native_reply.c - writing reply frames, one at a time, from many threads.
 *
 * Serialising a report (and trimming one that would pass Thunderbird's 1 MiB
 * limit) is the expensive part and needs no lock; only the write of the
 * finished frame is serialised. A failed write marks the channel broken:
 * Thunderbird has closed its end, so later frames are dropped quietly and the
 * reader ends the session.
 */
#include "native_reply.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "native.h"
#include "report_fit.h"

void mk_native_out_init(mk_native_out *o, FILE *stream)
{
    o->stream = stream;
    pthread_mutex_init(&o->lock, NULL);
    atomic_init(&o->broken, false);
}

void mk_native_out_destroy(mk_native_out *o)
{
    pthread_mutex_destroy(&o->lock);
}

bool mk_native_out_broken(mk_native_out *o)
{
    return atomic_load(&o->broken);
}

char *mk_native_serialise(json_t *msg, size_t *len)
{
    char *text = msg ? mk_report_fit(msg, MK_NATIVE_MAX_REPLY, len) : NULL;
    if (!text)
        fprintf(stderr, "mekiki: native: a reply could not be serialised\n");
    return text;
}

void mk_native_out_lock(mk_native_out *o)
{
    pthread_mutex_lock(&o->lock);
}

void mk_native_out_unlock(mk_native_out *o)
{
    pthread_mutex_unlock(&o->lock);
}

void mk_native_out_write_locked(mk_native_out *o, const char *text, size_t len)
{
    if (!text || atomic_load(&o->broken))
        return;
    if (mk_frame_write(o->stream, text, len) != 0) {
        fprintf(stderr, "mekiki: native: writing a reply failed: %s\n", g_strerror(errno));
        atomic_store(&o->broken, true);
    }
}

void mk_native_send(mk_native_out *o, json_t *msg)
{
    if (atomic_load(&o->broken))
        return;
    size_t len = 0;
    char *text = mk_native_serialise(msg, &len);
    mk_native_out_lock(o);
    mk_native_out_write_locked(o, text, len);
    mk_native_out_unlock(o);
    free(text);
}

json_t *mk_native_verror(json_t *id, const char *code, const char *fmt, va_list ap)
{
    char *text = g_strdup_vprintf(fmt, ap);
    fprintf(stderr, "mekiki: native: %s: %s\n", code, text);
    char *valid = g_utf8_make_valid(text, -1);   /* parser messages may quote raw input bytes */
    json_t *msg = json_pack("{s:s, s:O?, s:s, s:s}", "type", "error", "id", id, "code", code,
                            "message", valid);
    g_free(valid);
    g_free(text);
    return msg;
}

json_t *mk_native_error(json_t *id, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *msg = mk_native_verror(id, code, fmt, ap);
    va_end(ap);
    return msg;
}

void mk_native_send_error(mk_native_out *o, json_t *id, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *msg = mk_native_verror(id, code, fmt, ap);
    va_end(ap);
    mk_native_send(o, msg);
    json_decref(msg);
}

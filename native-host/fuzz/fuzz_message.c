/* fuzz_message.c - libFuzzer target: raw bytes to a parsed mk_message.
 *
 * mk_message_parse() promises never to fail: any bytes give a message, with
 * `error` set when nothing could be read. The target holds it to that and
 * then reads every string the message owns to its terminator, so that ASan
 * sees any string left unterminated, freed early or shared between fields,
 * and checks the few invariants callers rely on (counts match arrays, strings
 * are never NULL). GMime is set up once in LLVMFuzzerInitialize.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

/* ---- helpers ------------------------------------------------------------- */

static size_t touch(const char *s)
{
    if (!s)
        abort();   /* the header promises strings are never NULL */
    return strlen(s);
}

static size_t touch_address(const mk_address *a)
{
    return touch(a->name) + touch(a->address) + touch(a->domain);
}

static size_t touch_parts(const mk_message *m)
{
    size_t sum = 0;
    for (size_t i = 0; i < m->n_headers; i++)
        sum += touch(m->headers[i].name) + touch(m->headers[i].value);
    for (size_t i = 0; i < m->n_to; i++)
        sum += touch_address(&m->to[i]);
    for (size_t i = 0; i < m->n_texts; i++)
        sum += touch(m->texts[i]);
    for (size_t i = 0; i < m->n_htmls; i++)
        sum += touch(m->htmls[i]);
    for (size_t i = 0; i < m->n_attachments; i++) {
        const mk_attachment *a = &m->attachments[i];
        sum += touch(a->filename) + touch(a->content_type) + (a->html ? strlen(a->html) : 0);
    }
    return sum;
}

/* ---- entry point --------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mk_message_library_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mk_message *m = mk_message_parse((const char *)data, size);
    if (!m)
        abort();
    volatile size_t sink = touch_parts(m);
    sink += touch(m->subject) + touch(m->date_raw) + touch(m->date_rfc3339);
    sink += touch_address(&m->from) + touch_address(&m->sender) + touch_address(&m->reply_to) +
            touch_address(&m->return_path);
    sink += touch(m->message_id) + touch(m->message_id_domain);
    if (m->error)
        sink += strlen(m->error);
    const char *received = mk_message_header(m, "Received");
    if (received)
        sink += strlen(received);
    long idx = mk_message_header_index(m, "received", 0);
    if (idx >= (long)m->n_headers)
        abort();
    mk_message_free(m);
    (void)sink;
    return 0;
}

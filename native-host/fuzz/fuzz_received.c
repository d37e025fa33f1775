/* fuzz_received.c - libFuzzer target: Received headers and the trust walk.
 *
 * The whole input is first parsed as one Received header value, the way a
 * single folded header reaches mk_received_parse(). Then it is cut into lines
 * and each line becomes one header of a synthetic message, so the chain
 * builder sees many hops at once and has to order them, mark the trusted ones
 * and find the origin. A line starting with '!' becomes some other header,
 * which moves header indexes around without being a hop; this keeps
 * mk_hops_trusted_header_limit() honest about indexes that are not hops.
 * Every string of every hop is read to its end so the sanitizers notice a
 * missing terminator or a freed buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "received.h"

#define FUZZ_MAX_LINES 256

/* ---- helpers ------------------------------------------------------------- */

static size_t touch(const char *s)
{
    return s ? strlen(s) : 0;
}

static size_t touch_hop(const mk_hop *h)
{
    return touch(h->helo) + touch(h->rdns) + touch(h->ip) + touch(h->by) + touch(h->with) +
           touch(h->id) + touch(h->for_addr) + touch(h->date_rfc3339) + touch(h->raw);
}

/* Splits buf in place at newlines into header values of a synthetic message. */
static size_t split_headers(char *buf, mk_header *headers)
{
    static char received[] = "Received";
    static char other[] = "X-Fuzz";
    size_t n = 0;
    char *line = buf;
    while (line && n < FUZZ_MAX_LINES) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        bool is_other = line[0] == '!';
        headers[n].name = is_other ? other : received;
        headers[n].value = is_other ? line + 1 : line;
        n++;
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

/* ---- entry point --------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    volatile size_t sink = 0;

    mk_hop one;
    mk_received_parse(buf, &one);
    sink += touch_hop(&one);
    mk_hop_free(&one);

    mk_header headers[FUZZ_MAX_LINES];
    mk_message msg;
    memset(&msg, 0, sizeof msg);
    msg.headers = headers;
    msg.n_headers = split_headers(buf, headers);

    mk_hops hops;
    mk_hops_build(&msg, &hops);
    for (size_t i = 0; i < hops.n; i++)
        sink += touch_hop(&hops.v[i]);
    if (hops.origin >= (long)hops.n)
        abort();   /* the origin must be one of the hops */
    size_t limit = mk_hops_trusted_header_limit(&hops, &msg);
    if (limit > msg.n_headers)
        abort();   /* the limit is an index into the headers, at most one past the end */
    mk_hops_free(&hops);
    free(buf);
    (void)sink;
    return 0;
}

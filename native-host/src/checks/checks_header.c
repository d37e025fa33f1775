/* checks_header.c - what the envelope and the trace headers give away.
 *
 * These are the checks an investigator runs before reading a word of the
 * body: a spam stamp on the subject, a spam verdict from the recipient's own
 * filter, a display name that claims a brand or an authority its address
 * cannot back, reply and bounce addresses of another organisation, and above
 * all the origin hop - the one Received line written by the recipient's own
 * server, whose IP and reverse name the sender could not forge. Where the
 * recipient's server already verified the sender (DMARC or an aligned DKIM
 * pass), the origin checks stand down: the message demonstrably comes from
 * the domain it names, however it was relayed.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "domain.h"
#include "textnorm.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------- */

static const char *first_phrase_in(const mk_strlist *phrases, const char *folded)
{
    for (size_t i = 0; i < phrases->n; i++)
        if (mk_text_contains(folded, phrases->v[i]))
            return phrases->v[i];
    return NULL;
}

static const mk_hop *origin_hop(const mk_facts *f)
{
    return f->hops.origin >= 0 ? &f->hops.v[f->hops.origin] : NULL;
}

static bool is_known_name(const char *name)
{
    return name && *name && strcmp(name, "unknown") != 0;
}

/* ---- subject and filters ------------------------------------------------- */

static void check_spam_stamp(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    const char *stamp = first_phrase_in(&cat->phrases.spam_stamps, f->subject_folded);
    if (!stamp)
        return;
    json_t *ev = json_pack("{s:s, s:s}", "stamp", mk_catalog_phrase_as_written(cat, stamp), "subject", f->msg->subject);
    mk_findings_add(out, "spam_stamp", ev);
}

/* X-Spam-Status: Yes, score=...; X-Spam-Flag: YES; Microsoft's SFV:SPM / SCL >= 5. */
static bool header_says_spam(const char *name, const char *value)
{
    if (mk_ascii_ieq(name, "X-Spam-Flag") || mk_ascii_ieq(name, "X-Spam"))
        return strncasecmp(value, "yes", 3) == 0 || strncasecmp(value, "true", 4) == 0;
    if (mk_ascii_ieq(name, "X-Spam-Status"))
        return strncasecmp(value, "yes", 3) == 0;
    if (mk_ascii_ieq(name, "X-Forefront-Antispam-Report") ||
        mk_ascii_ieq(name, "X-Forefront-Antispam-Report-Untrusted"))
        return mk_ascii_istr(value, "SFV:SPM") != NULL;
    if (mk_ascii_ieq(name, "X-MS-Exchange-Organization-SCL"))
        return atoi(value) >= 5;
    if (mk_ascii_ieq(name, "X-Spam-Verdict") || mk_ascii_ieq(name, "X-Barracuda-Spam-Status"))
        return strncasecmp(value, "spam", 4) == 0 || strncasecmp(value, "yes", 3) == 0;
    return false;
}

/* Exchange Online strips X-MS-Exchange-Organization-* and X-Forefront-* headers
 * from incoming mail and writes its own, wherever they sit in the header, so
 * when the recipient's side is Microsoft 365 they are the recipient's verdict. */
static bool recipient_is_exchange_online(const mk_facts *f)
{
    for (size_t i = 0; i < f->hops.n; i++) {
        const mk_hop *h = &f->hops.v[i];
        if (h->trusted && (mk_domain_within(h->by, "outlook.com") || mk_domain_within(h->by, "office365.com")))
            return true;
    }
    return false;
}

static bool is_exchange_verdict_header(const char *name)
{
    return mk_ascii_ieq(name, "X-Forefront-Antispam-Report") ||
           mk_ascii_ieq(name, "X-MS-Exchange-Organization-SCL");
}

static void check_upstream_spam_verdict(const mk_facts *f, mk_findings *out)
{
    const mk_message *m = f->msg;
    bool exchange = recipient_is_exchange_online(f);
    for (size_t i = 0; i < m->n_headers; i++) {
        bool trusted = i < f->trusted_header_limit || (exchange && is_exchange_verdict_header(m->headers[i].name));
        if (!trusted || !header_says_spam(m->headers[i].name, m->headers[i].value))
            continue;
        char *value = mk_xstrndup(m->headers[i].value, 300);
        mk_findings_add(out, "upstream_spam_verdict",
                        json_pack("{s:s, s:s}", "header", m->headers[i].name, "value", value));
        free(value);
        return;
    }
}

/* ---- sender identity ----------------------------------------------------- */

static void check_display_name_brand(const mk_facts *f, mk_findings *out)
{
    const mk_brand *b = f->claimed_brand;
    if (!b || !f->claim_source || strcmp(f->claim_source, "display_name") != 0)
        return;
    /* The brand's own domain speaks for it, unless it is a customer's mailbox there
     * ("Google Support" <someone@gmail.com> is not Google) or a customer's tenant
     * ("Microsoft 365" <admin@contoso.onmicrosoft.com> is not Microsoft). */
    if (!*f->from.regdom || mk_brand_speaks_for(b, f->msg->from.domain, f->from.regdom))
        return;
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "display_name", f->msg->from.name, "brand",
                           b->name_ja, "address", f->msg->from.address, "official",
                           b->domains.v[0]);
    mk_findings_add(out, "display_name_brand_mismatch", ev);
}

static void check_display_name_admin(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    const char *role = first_phrase_in(&cat->phrases.admin_roles, f->from_name_folded);
    if (!role)
        return;
    /* An administrator of the recipient's own organisation may write as such. */
    if (*f->recipient_regdom && mk_org_same(cat, f->recipient_regdom, f->from.regdom))
        return;
    json_t *ev = json_pack("{s:s, s:s, s:s}", "display_name", f->msg->from.name, "role", mk_catalog_phrase_as_written(cat, role),
                           "address", f->msg->from.address);
    mk_findings_add(out, "display_name_impersonates_admin", ev);
}

/* Replies to a different free-mail domain of the same provider (From outlook.com,
 * Reply-To hotmail.com) go to a different person: the provider is one, its
 * customers are many. Only a mailbox itself counts (the provider's own services,
 * groups.msn.com, are the provider); bounces and Message-IDs may name either. */
static bool replies_elsewhere(const mk_catalog *cat, const mk_party *from, const mk_party *reply)
{
    const char *domain = reply->addr->domain;
    const char *from_domain = from->addr->domain;
    return strcmp(from->regdom, reply->regdom) != 0 && strcmp(domain, reply->regdom) == 0 &&
           (mk_catalog_is_mailbox_domain(cat, from_domain) || mk_catalog_is_mailbox_domain(cat, domain));
}

static void check_party_mismatch(const mk_facts *f, const mk_catalog *cat, const mk_party *p,
                                 const char *id, mk_findings *out)
{
    if (!*p->regdom || !*f->from.regdom)
        return;
    bool reply = p == &f->reply_to;
    if (mk_org_same(cat, f->from.regdom, p->regdom) && !(reply && replies_elsewhere(cat, &f->from, p)))
        return;
    if (mk_is_list_domain(f, p->regdom))
        return;
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "from", f->msg->from.address, "from_domain",
                           f->from.regdom, "other", p->addr->address, "other_domain", p->regdom);
    mk_findings_add(out, id, ev);
}

static void check_message_id(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    if (!*f->message_id_regdom || !*f->from.regdom ||
        mk_org_related(cat, f->from.regdom, f->message_id_regdom))
        return;
    json_t *ev = json_pack("{s:s, s:s, s:s}", "message_id", f->msg->message_id, "message_id_domain",
                           f->message_id_regdom, "from_domain", f->from.regdom);
    mk_findings_add(out, "message_id_mismatch", ev);
}

static bool auth_word_fails(const char *w)
{
    return strcmp(w, "fail") == 0 || strcmp(w, "softfail") == 0 || strcmp(w, "permerror") == 0;
}

static void check_auth_failure(const mk_facts *f, mk_findings *out)
{
    const mk_auth *a = &f->auth;
    if (!a->present)
        return;
    bool spf = auth_word_fails(a->spf), dkim = strcmp(a->dkim, "fail") == 0,
         dmarc = auth_word_fails(a->dmarc);
    if (!spf && !dkim && !dmarc)
        return;
    char *header = mk_xstrndup(a->header, 400);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "spf", a->spf, "dkim", a->dkim, "dmarc", a->dmarc,
                           "header", header);
    free(header);
    mk_findings_add(out, "auth_failure", ev);
}

/* ---- the origin hop ------------------------------------------------------ */

static json_t *hop_evidence(const mk_hop *h)
{
    return json_pack("{s:s, s:s, s:s}", "helo", h->helo, "rdns", h->rdns, "ip", h->ip);
}

static void check_origin_mismatch(const mk_facts *f, const mk_catalog *cat, const mk_hop *h,
                                  mk_findings *out)
{
    if (!*f->from.regdom || !*h->ip || mk_origin_speaks_for_from(f, cat))
        return;
    json_t *ev = hop_evidence(h);
    json_object_set_new(ev, "from_domain", json_string(f->from.regdom));
    mk_findings_add(out, "received_origin_mismatch", ev);
}

static void check_no_rdns(const mk_hop *h, mk_findings *out)
{
    if (!*h->ip || strcmp(h->rdns, "unknown") != 0)
        return;
    mk_findings_add(out, "received_no_rdns", hop_evidence(h));
}

/* HELO that names the From domain, a bare IP, or an organisation the rDNS
 * contradicts. */
static void check_helo(const mk_facts *f, const mk_catalog *cat, const mk_hop *h, mk_findings *out)
{
    if (!*h->helo)
        return;
    const char *why = NULL;
    const char *helo_reg = *f->origin_helo_regdom ? f->origin_helo_regdom : NULL;
    const char *rdns_reg = *f->origin_rdns_regdom ? f->origin_rdns_regdom : NULL;
    if (mk_ip_is_literal(h->helo))
        why = "bare_ip";
    else if (!helo_reg)
        why = NULL;   /* single-label or junk HELO names are common and harmless */
    else if (rdns_reg && !mk_org_same(cat, helo_reg, rdns_reg)) {
        /* Relays often greet with a sister company's name; what matters is a
         * greeting that borrows the sender's domain or a brand's. */
        if (mk_org_same(cat, helo_reg, f->from.regdom))
            why = "claims_from_domain";
        else if (mk_catalog_brand_owning(cat, helo_reg))
            why = "claims_brand_domain";
    }
    else if (!rdns_reg && mk_org_same(cat, helo_reg, f->from.regdom))
        why = "claims_from_domain";
    if (why) {
        json_t *ev = hop_evidence(h);
        json_object_set_new(ev, "reason", json_string(why));
        mk_findings_add(out, "helo_mismatch", ev);
    }
}

static bool in_hosting_network(const mk_catalog *cat, const mk_hop *h,
                               const mk_geo_info *g)
{
    if (g->has_asn)
        for (size_t i = 0; i < cat->n_hosting_asns; i++)
            if (cat->hosting_asns[i] == g->asn)
                return true;
    for (size_t i = 0; is_known_name(h->rdns) && i < cat->hosting_rdns.n; i++)
        if (mk_domain_within(h->rdns, cat->hosting_rdns.v[i]))
            return true;
    return false;
}

static void check_hosting(const mk_facts *f, const mk_catalog *cat, const mk_hop *h,
                          const mk_geo_info *g, mk_findings *out)
{
    if (!*h->ip || mk_name_is_from_org(f, cat, h->rdns, f->origin_rdns_regdom) || !in_hosting_network(cat, h, g))
        return;
    json_t *ev = hop_evidence(h);
    json_object_set_new(ev, "asn", json_integer(g->asn));
    json_object_set_new(ev, "network", json_string(g->asn_org ? g->asn_org : ""));
    mk_findings_add(out, "origin_hosting_provider", ev);
}

static void check_country(const mk_facts *f, const mk_hop *h, const mk_geo_info *g, mk_findings *out)
{
    const mk_brand *b = f->claimed_brand;
    if (!b || !*b->country || !g->has_location || !*g->country)
        return;
    if (strcasecmp(b->country, g->country) == 0)
        return;
    json_t *ev = hop_evidence(h);
    json_object_set_new(ev, "brand", json_string(b->name_ja));
    json_object_set_new(ev, "brand_country", json_string(b->country));
    json_object_set_new(ev, "country", json_string(g->country));
    json_object_set_new(ev, "city", json_string(g->city ? g->city : ""));
    mk_findings_add(out, "origin_country_mismatch", ev);
}

static void check_origin(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    const mk_hop *h = origin_hop(f);
    if (!h)
        return;
    const mk_geo_info *g = &f->hop_geo[f->hops.origin];
    bool authenticated = mk_from_authenticated(f, cat);
    if (!authenticated) {
        check_origin_mismatch(f, cat, h, out);
        check_helo(f, cat, h, out);
        check_hosting(f, cat, h, g, out);
        check_country(f, h, g, out);
    }
    check_no_rdns(h, out);
}

/* ---- entry --------------------------------------------------------------- */

void mk_checks_header(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    check_spam_stamp(f, cat, out);
    check_upstream_spam_verdict(f, out);
    check_display_name_brand(f, out);
    check_display_name_admin(f, cat, out);
    check_party_mismatch(f, cat, &f->reply_to, "reply_to_mismatch", out);
    check_party_mismatch(f, cat, &f->return_path, "return_path_mismatch", out);
    check_message_id(f, cat, out);
    check_auth_failure(f, out);
    check_origin(f, cat, out);
}

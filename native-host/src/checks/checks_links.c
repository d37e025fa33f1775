/* checks_links.c - the link checks: where links go, against what they claim.
 *
 * Pure functions of the facts. Each check looks at the links gathered in
 * facts->page (HTML anchors, form actions, URLs in text and attachments) and
 * the sender-side parties, and reports evidence that names the link by its
 * index ("link": i) so the report can list findings under each link.
 *
 * Genuine mail is full of links whose host differs from what they show:
 * newsletters send every click through a tracking service, and companies
 * redirect through their own click servers. So a mismatch is excused when the
 * target is a known click-tracking host, or when the target is on the sender's
 * own organisation and the text shows the sender's own organisation or brand.
 * It is never excused when the text shows a brand's domain that the sender
 * does not own: that is the phishing case even if the phisher's link is on
 * the phisher's own From domain.
 *
 * hidden_text fires at MK_HIDDEN_MIN visible-character count. Nearly every
 * marketing mail hides a preheader (one sentence of 40 to 150 characters,
 * padded with zero-width characters that page.c does not count) with
 * display:none; the filter-evasion padding that phishing hides is longer
 * (paragraphs of unrelated text), so 200 separates the two.
 */
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "domain.h"
#include "lookalike.h"
#include "url.h"
#include "util.h"

#define MK_HIDDEN_MIN 200
#define MK_PER_CHECK_LINKS 20   /* links reported per finding id; the rest are the same story */

/* ---- list membership ---- */

/* host equals an entry or is a subdomain of one (entries are lower-case). */
static bool host_in_list(const char *host, const mk_strlist *list)
{
    size_t hl = strlen(host);
    for (size_t i = 0; i < list->n; i++) {
        const char *e = list->v[i];
        size_t el = strlen(e);
        if (hl == el ? strcmp(host, e) == 0 : (hl > el && host[hl - el - 1] == '.' && strcmp(host + hl - el, e) == 0))
            return true;
    }
    return false;
}

static bool is_tracking(const mk_catalog *cat, const mk_url *u)
{
    return host_in_list(u->host, &cat->tracking_hosts);
}

static const char *from_regdom(const mk_facts *f)
{
    return f->from.regdom ? f->from.regdom : "";
}

/* The brand the From address speaks for, if any (not its customers' mailboxes or tenants). */
static const mk_brand *sender_brand(const mk_facts *f, const mk_catalog *cat)
{
    const char *r = from_regdom(f);
    const mk_brand *b = *r ? mk_catalog_brand_owning(cat, r) : NULL;
    return mk_brand_speaks_for(b, f->from.addr ? f->from.addr->domain : r, r) ? b : NULL;
}

static bool sender_is(const mk_facts *f, const mk_catalog *cat, const mk_brand *b)
{
    return b && sender_brand(f, cat) == b;
}

static bool on_sender_org(const mk_facts *f, const mk_url *u)
{
    return u->regdom[0] && strcmp(u->regdom, from_regdom(f)) == 0;
}

static json_t *link_evidence(size_t i)
{
    json_t *ev = json_object();
    json_object_set_new(ev, "link", json_integer((json_int_t)i));
    return ev;
}

/* ---- link_text_mismatch ---- */

static bool shown_matches_target(const char *shown, const mk_url *u)
{
    if (strcmp(shown, u->host) == 0)
        return true;
    char *sr = mk_domain_registrable(shown);
    bool same = sr && u->regdom[0] && strcmp(sr, u->regdom) == 0;
    free(sr);
    return same;
}

/* The sender's own click server showing the sender's own site or brand. */
static bool own_redirect(const mk_facts *f, const mk_catalog *cat, const char *shown, const mk_url *u)
{
    if (!on_sender_org(f, u))
        return false;
    char *sr = mk_domain_registrable(shown);
    bool own = false;
    if (sr) {
        const mk_brand *shown_brand = mk_catalog_brand_owning(cat, sr);
        own = strcmp(sr, from_regdom(f)) == 0 || !shown_brand || shown_brand == sender_brand(f, cat);
    }
    free(sr);
    return own;
}

/* Two domains of one brand ("rakuten.co.jp" shown, "rakuten.com" target). */
static bool same_brand(const mk_catalog *cat, const char *shown, const mk_url *u)
{
    char *sr = mk_domain_registrable(shown);
    const mk_brand *a = sr ? mk_catalog_brand_owning(cat, sr) : NULL;
    const mk_brand *b = u->regdom[0] ? mk_catalog_brand_owning(cat, u->regdom) : NULL;
    free(sr);
    return a && a == b;
}

/* A click-tracking host (Mailchimp, SendGrid...) stands between the reader and
 * the sender's own site, so it excuses the mismatch only when the text shows
 * the sender's organisation; a third party's domain shown through someone's
 * tracker is the phish. */
static bool tracked_own_text(const mk_facts *f, const mk_catalog *cat, const mk_link *l, const char *shown)
{
    if (!is_tracking(cat, &l->url) || !*from_regdom(f))
        return false;
    char *sr = mk_domain_registrable(shown);
    bool own = sr && mk_org_related(cat, sr, from_regdom(f));
    free(sr);
    /* The sender's own page elsewhere: "instagram.com/harborbooks" from harborbooks.com. */
    size_t label = strcspn(from_regdom(f), ".");
    if (!own && label >= 4) {
        char *name = mk_xstrndup(from_regdom(f), label);
        own = mk_ascii_istr(l->text, name) != NULL;
        free(name);
    }
    return own;
}

/* A data: or javascript: link whose text shows a web address: the click runs
 * or opens what the message carries, not the site it names. */
static bool script_link_shown_as_site(const mk_link *l, size_t i, mk_findings *out)
{
    if (!(mk_ascii_istr(l->href, "data:") == l->href || mk_ascii_istr(l->href, "javascript:") == l->href))
        return false;
    char *shown = l->text[0] ? mk_url_host_in_text(l->text) : NULL;
    if (shown) {
        json_t *ev = link_evidence(i);
        json_object_set_new(ev, "shown", json_string(shown));
        json_object_set_new(ev, "actual", json_stringn(l->href, strcspn(l->href, ":") + 1));
        mk_findings_add(out, "link_text_mismatch", ev);
    }
    free(shown);
    return shown != NULL;
}

static void check_text_mismatch(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    size_t reported = 0;
    for (size_t i = 0; i < f->page.n_links && reported < MK_PER_CHECK_LINKS; i++) {
        const mk_link *l = &f->page.links[i];
        if (l->source == MK_LINK_HTML && script_link_shown_as_site(l, i, out)) {
            reported++;
            continue;
        }
        if (l->source == MK_LINK_TEXT || l->source == MK_LINK_FORM || !l->url.valid || !l->text[0])
            continue;
        char *shown = mk_url_host_in_text(l->text);
        if (shown && !shown_matches_target(shown, &l->url) && !tracked_own_text(f, cat, l, shown) &&
            !own_redirect(f, cat, shown, &l->url) && !same_brand(cat, shown, &l->url)) {
            json_t *ev = link_evidence(i);
            json_object_set_new(ev, "shown", json_string(shown));
            json_object_set_new(ev, "actual", json_string(l->url.host));
            mk_findings_add(out, "link_text_mismatch", ev);
            reported++;
        }
        free(shown);
    }
}

/* ---- link_brand_mismatch ---- */

/* The From domain is the brand's and a trusted Authentication-Results header
 * vouches for it. An unauthenticated From of the brand's domain proves
 * nothing: the seed messages forge exactly that (member@eki-net.com). */
static bool sender_is_verified(const mk_facts *f, const mk_catalog *cat, const mk_brand *b)
{
    if (!sender_is(f, cat, b) || !f->auth.present)
        return false;
    const char *dkim = f->auth.dkim ? f->auth.dkim : "", *dmarc = f->auth.dmarc ? f->auth.dmarc : "";
    return strcmp(dkim, "pass") == 0 || strcmp(dmarc, "pass") == 0;
}

/* Is the claim strong enough to hold the links to the brand?
 *  - A display name or a 【brand】 tag in the subject is a claim.
 *  - Nothing else is when the origin belongs to the From organisation or to
 *    its relays (a list post titled "Google open-sources VP8" is a topic).
 *  - A brand named in the subject is a claim when the mail presses the reader
 *    (a deadline, a request to log in or confirm details): "Your PayPal
 *    account has been limited" speaks as PayPal even when SPF vouches for the
 *    sender's own domain, since that proves the domain, not the brand. Without
 *    pressure it is a claim only from the brand's own, unauthenticated domain:
 *    "New Google News" from a news site speaks about Google, and its links
 *    rightly go to the news site.
 *  - A From on the brand's own domain is a claim unless authentication vouches
 *    for it (a forged member@eki-net.com from a VPS). */
static bool claim_binds_links(const mk_facts *f, const mk_catalog *cat)
{
    if (!f->claim_source || strcmp(f->claim_source, "body") == 0)
        return false;
    if (strcmp(f->claim_source, "display_name") == 0 || strcmp(f->claim_source, "subject_tag") == 0)
        return true;
    if (mk_origin_speaks_for_from(f, cat))
        return false;
    bool subject = strcmp(f->claim_source, "subject") == 0;
    if (subject && mk_wording_presses(f, cat))
        return true;
    if (mk_from_authenticated(f, cat))
        return false;
    return !subject || sender_is(f, cat, f->claimed_brand);
}

/* A discussion list's own links (its footer, its archive) are the list's, not
 * the poster's. Only a list that takes posts (List-Post) counts: bulk senders,
 * phishers among them, add List-Unsubscribe on their own domain. */
static bool list_own_link(const mk_facts *f, const mk_url *u)
{
    return f->msg && mk_message_header(f->msg, "List-Post") && mk_is_list_domain(f, u->regdom);
}

static void check_brand_mismatch(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    const mk_brand *b = f->claimed_brand;
    if (!b || !claim_binds_links(f, cat) || sender_is_verified(f, cat, b))
        return;
    size_t reported = 0;
    for (size_t i = 0; i < f->page.n_links && reported < MK_PER_CHECK_LINKS; i++) {
        const mk_url *u = &f->page.links[i].url;
        if (!u->valid || is_tracking(cat, u) || list_own_link(f, u))
            continue;
        if (!u->host_is_ip && (mk_brand_speaks_for(b, u->host, u->regdom) ||
                               (mk_catalog_brand_owning(cat, u->regdom) && !mk_catalog_is_customer_host(cat, u->host))))
            continue;   /* the brand's own site, or another known company's (not a page its customers publish) */
        json_t *ev = link_evidence(i);
        json_object_set_new(ev, "brand", json_string(b->name_ja));
        json_object_set_new(ev, "brand_id", json_string(b->id));
        json_object_set_new(ev, "actual", json_string(u->host));
        mk_findings_add(out, "link_brand_mismatch", ev);
        reported++;
    }
}

/* ---- lookalike_domain ---- */

/* Does the message itself claim brand b (by name, subject or address, not a
 * mention in the body)? A standalone URL (`mekiki url`) has no message: there
 * every resemblance counts. */
static bool claim_matches(const mk_facts *f, const mk_brand *b)
{
    if (!f->msg)
        return true;
    return f->claimed_brand == b && f->claim_source && strcmp(f->claim_source, "body") != 0;
}

/* Near-miss spellings (typo) of a link host are common among unrelated real
 * sites (jscentral.com, tesco.ie): they count when the message claims that
 * brand. Homoglyphs, IDN spellings and brand tokens with added words are
 * deliberate and count on their own. */
static bool link_lookalike_counts(const mk_facts *f, const mk_lookalike_hit *hit)
{
    return strcmp(hit->how, "typo") != 0 || claim_matches(f, hit->brand);
}

static json_t *lookalike_evidence(const char *domain, const mk_lookalike_hit *hit, const char *where)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "domain", domain, "brand", hit->brand->name_ja, "brand_id",
                     hit->brand->id, "official", hit->official, "how", hit->how, "where", where);
}

static void check_party_lookalike(const mk_party *p, const char *where, const mk_catalog *cat, mk_findings *out)
{
    if (!p->addr || !p->addr->domain || !p->addr->domain[0])
        return;
    char *ascii = mk_domain_to_ascii(p->addr->domain);
    mk_lookalike_hit hit;
    if (ascii && mk_lookalike_domain(cat, ascii, &hit))
        mk_findings_add(out, "lookalike_domain", lookalike_evidence(ascii, &hit, where));
    free(ascii);
}

/* True when an earlier link has the same host (its result is already known). */
static bool host_seen_before(const mk_page *page, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(page->links[j].url.host, page->links[i].url.host) == 0)
            return true;
    return false;
}

static void check_lookalike(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    check_party_lookalike(&f->from, "from", cat, out);
    check_party_lookalike(&f->reply_to, "reply_to", cat, out);
    check_party_lookalike(&f->return_path, "return_path", cat, out);
    size_t reported = 0;
    for (size_t i = 0; i < f->page.n_links && reported < MK_PER_CHECK_LINKS; i++) {
        const mk_url *u = &f->page.links[i].url;
        mk_lookalike_hit hit;
        if (!u->valid || u->host_is_ip || host_seen_before(&f->page, i) || !mk_lookalike_domain(cat, u->host, &hit) ||
            !link_lookalike_counts(f, &hit))
            continue;
        json_t *ev = lookalike_evidence(u->host, &hit, "link");
        json_object_set_new(ev, "link", json_integer((json_int_t)i));
        mk_findings_add(out, "lookalike_domain", ev);
        reported++;
    }
}

/* ---- brand_in_subdomain_or_path ---- */

static bool excused_brand_mention(const mk_facts *f, const mk_catalog *cat, const mk_url *u,
                                  const mk_brand_in_url_hit *hit)
{
    if (sender_is_verified(f, cat, hit->brand))
        return true;   /* the brand's own signed mail linking through a CDN or partner */
    bool in_path = strcmp(hit->where, "path") == 0 || strcmp(hit->where, "query") == 0;
    /* Redirect and share links carry other sites' addresses in their query and
     * path as a matter of course; there a brand counts only when the message
     * claims to be that brand. */
    if (in_path && !claim_matches(f, hit->brand))
        return true;
    return in_path && (on_sender_org(f, u) || host_in_list(u->host, &cat->shorteners));
}

static void check_brand_in_url(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    size_t reported = 0;
    for (size_t i = 0; i < f->page.n_links && reported < MK_PER_CHECK_LINKS; i++) {
        const mk_url *u = &f->page.links[i].url;
        mk_brand_in_url_hit hit;
        if (!u->valid || is_tracking(cat, u) || !mk_brand_in_url(cat, u, &hit))
            continue;
        if (!excused_brand_mention(f, cat, u, &hit)) {
            json_t *ev = link_evidence(i);
            json_object_set_new(ev, "actual", json_string(u->host));
            json_object_set_new(ev, "matched", json_string(hit.matched));
            json_object_set_new(ev, "where", json_string(hit.where));
            json_object_set_new(ev, "brand", json_string(hit.brand->name_ja));
            json_object_set_new(ev, "brand_id", json_string(hit.brand->id));
            mk_findings_add(out, "brand_in_subdomain_or_path", ev);
            reported++;
        }
        free(hit.matched);
    }
}

/* ---- hosts: IPs and shorteners ---- */

static void check_hosts(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    for (size_t i = 0; i < f->page.n_links; i++) {
        const mk_url *u = &f->page.links[i].url;
        if (!u->valid || host_seen_before(&f->page, i))
            continue;
        const char *id = NULL;
        if (u->host_is_ip && !mk_ip_is_private(u->host))
            id = "link_ip_host";
        else if (!u->host_is_ip && host_in_list(u->host, &cat->shorteners))
            id = "link_shortener";
        if (!id)
            continue;
        json_t *ev = link_evidence(i);
        json_object_set_new(ev, "host", json_string(u->host));
        mk_findings_add(out, id, ev);
    }
}

/* ---- forms, attachments, hidden text, feeds ---- */

static void check_form(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    if (f->page.forms == 0)
        return;
    /* A search box or a survey in a newsletter is a form too. What phishing
     * needs is a password field, or a form under a borrowed brand's name. */
    bool borrowed_brand = f->claimed_brand && f->claim_source && strcmp(f->claim_source, "body") != 0 &&
                          !sender_is_verified(f, cat, f->claimed_brand);
    if (!f->page.password_input && !borrowed_brand)
        return;
    const char *action = "";
    for (size_t i = 0; i < f->page.n_links && !*action; i++)
        if (f->page.links[i].source == MK_LINK_FORM)
            action = f->page.links[i].href;
    json_t *ev = json_pack("{s:s, s:I, s:b}", "action", action, "forms", (json_int_t)f->page.forms,
                           "password_input", f->page.password_input);
    mk_findings_add(out, "html_form", ev);
}

/* What an attached page's script does to build a page the mail filter never
 * saw ("HTML smuggling"): decode a payload, assemble a file, send the browser
 * elsewhere, post what is typed. Named in the evidence so the reader sees why. */
static json_t *smuggling_signs(const char *html)
{
    static const char *const signs[] = {"atob(", "new Blob", "unescape(", "location.href", "location.replace",
                                        "window.location", "http-equiv=\"refresh\"", "document.write",
                                        "XMLHttpRequest", "fetch(", "<form"};
    json_t *found = json_array();
    for (size_t i = 0; i < sizeof signs / sizeof *signs; i++)
        if (mk_ascii_istr(html, signs[i]))
            json_array_append_new(found, json_string(signs[i]));
    return found;
}

/* An SVG is a picture unless it runs script, embeds a page or links out. */
static bool svg_is_picture(const mk_attachment *a)
{
    bool svg = strcmp(a->content_type, "image/svg+xml") == 0 || mk_ascii_ends_with(a->filename, ".svg") ||
               mk_ascii_ends_with(a->filename, ".svgz");
    static const char *const active[] = {"<script", "javascript:", "onload", "onerror", "<foreignobject",
                                         "href=", "<iframe"};
    for (size_t i = 0; svg && i < sizeof active / sizeof *active; i++)
        if (mk_ascii_istr(a->html, active[i]))
            return false;
    return svg;
}

static void check_attachments(const mk_facts *f, mk_findings *out)
{
    if (!f->msg)
        return;
    for (size_t i = 0; i < f->msg->n_attachments; i++) {
        const mk_attachment *a = &f->msg->attachments[i];
        if (!a->html || svg_is_picture(a))
            continue;
        mk_findings_add(out, "html_attachment",
                        json_pack("{s:s, s:s, s:I, s:o}", "name", a->filename, "type", a->content_type, "size",
                                  (json_int_t)a->size, "script", smuggling_signs(a->html)));
    }
}

static void check_hidden(const mk_facts *f, mk_findings *out)
{
    if (f->page.hidden_chars < MK_HIDDEN_MIN)
        return;
    mk_findings_add(out, "hidden_text",
                    json_pack("{s:I, s:s}", "chars", (json_int_t)f->page.hidden_chars, "sample",
                              f->page.hidden_text ? f->page.hidden_text : ""));
}

static void check_feed(const mk_facts *f, mk_findings *out)
{
    if (!f->link_feed_match)
        return;
    for (size_t i = 0; i < f->page.n_links; i++) {
        if (!f->link_feed_match[i])
            continue;
        json_t *ev = link_evidence(i);
        json_object_set_new(ev, "url", json_string(f->page.links[i].href));
        json_object_set_new(ev, "entry", json_string(f->link_feed_match[i]));
        mk_findings_add(out, "link_on_blocklist", ev);
    }
}

void mk_checks_links(const mk_facts *facts, const mk_catalog *cat, mk_findings *out)
{
    if (!facts || !cat || !out)
        return;
    check_text_mismatch(facts, cat, out);
    check_brand_mismatch(facts, cat, out);
    check_lookalike(facts, cat, out);
    check_brand_in_url(facts, cat, out);
    check_hosts(facts, cat, out);
    check_form(facts, cat, out);
    mk_check_prefilled_recipient(facts, out);
    check_attachments(facts, out);
    check_hidden(facts, out);
    check_feed(facts, out);
}

/* report.c - facts and findings as the report of contract.md, section 2.
 *
 * The report is the product's public face: the add-on renders it, help desks
 * receive it exported, scripts read it. It is built in one pass from the
 * facts and findings; nothing here decides anything. Finding texts come from
 * data/findings.json in the requested locale (the variant for the
 * evidence's "reason" when there is one), with {name} placeholders replaced
 * by the evidence field of that name, so the explanation a reader sees names
 * the actual domains and addresses of this message.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "sender_trust.h"
#include "util.h"

/* ---- small builders ------------------------------------------------------ */

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* json_string() rejects invalid UTF-8; message-derived strings are already
 * UTF-8, but never let one bad byte drop a field. */
static json_t *jstr(const char *s)
{
    json_t *v = json_string(s ? s : "");
    return v ? v : json_string("\xEF\xBF\xBD");
}

static json_t *party_json(const mk_party *p)
{
    /* A name without an address ("MAILER DAEMON <>") is shown as it stands. */
    if (!p->addr || (!*p->addr->address && !*p->addr->name))
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "name", jstr(p->addr->name));
    json_object_set_new(o, "address", jstr(p->addr->address));
    json_object_set_new(o, "domain", jstr(p->addr->domain));
    json_object_set_new(o, "registrable_domain", jstr(p->regdom));
    return o;
}

static json_t *brand_json(const mk_facts *f, const char *locale)
{
    const mk_brand *b = f->claimed_brand;
    if (!b)
        return json_null();
    json_t *domains = json_array();
    for (size_t i = 0; i < b->domains.n; i++)
        json_array_append_new(domains, json_string(b->domains.v[i]));
    json_t *o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s}", "id", b->id, "name",
                          strcmp(locale, "ja") == 0 ? b->name_ja : b->name_en, "official_domains", domains,
                          "country", b->country, "kind", b->kind, "source", f->claim_source ? f->claim_source : "");
    if (*b->report_address)
        json_object_set_new(o, "report_address", json_string(b->report_address));
    return o;
}

static json_t *attachments_json(const mk_message *m)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < m->n_attachments; i++) {
        const mk_attachment *a = &m->attachments[i];
        json_array_append_new(arr, json_pack("{s:o, s:o, s:I, s:b}", "name", jstr(a->filename), "type",
                                             jstr(a->content_type), "size", (json_int_t)a->size,
                                             "renders_html", a->html != NULL));
    }
    return arr;
}

/* "proves_from" (an addition to the contract): the strongest passing
 * authentication aligned with the From domain, what "I know this sender"
 * records (sender_trust.h). */
static json_t *auth_json(const mk_facts *f)
{
    const mk_auth *a = &f->auth;
    if (!a->present)
        return json_null();
    return json_pack("{s:s, s:s, s:s, s:o, s:s}", "spf", a->spf, "dkim", a->dkim, "dmarc", a->dmarc, "header",
                     jstr(a->header), "proves_from", mk_trust_proof_name(mk_trust_proof_of(f, f->from.regdom)));
}

static json_t *message_json(const mk_facts *f, const char *locale)
{
    const mk_message *m = f->msg;
    json_t *o = json_object();
    json_object_set_new(o, "subject", jstr(m->subject));
    json_object_set_new(o, "date", str_or_null(m->date_rfc3339));
    json_object_set_new(o, "from", party_json(&f->from));
    json_object_set_new(o, "sender", party_json(&f->sender));
    json_object_set_new(o, "reply_to", party_json(&f->reply_to));
    json_object_set_new(o, "return_path", party_json(&f->return_path));
    json_t *to = json_array();
    for (size_t i = 0; i < m->n_to && i < 50; i++)
        json_array_append_new(to, jstr(m->to[i].address));
    json_object_set_new(o, "to", to);
    json_object_set_new(o, "message_id", jstr(m->message_id));
    json_object_set_new(o, "message_id_domain", jstr(m->message_id_domain));
    json_object_set_new(o, "claimed_brand", brand_json(f, locale));
    json_object_set_new(o, "authentication", auth_json(f));
    json_object_set_new(o, "attachments", attachments_json(m));
    json_object_set_new(o, "size", json_integer((json_int_t)m->raw_size));
    return o;
}

/* ---- hops and links ------------------------------------------------------ */

static json_t *geo_json(const mk_geo_info *g)
{
    return g->has_location ? json_pack("{s:s, s:o}", "country", g->country, "city", jstr(g->city))
                           : json_null();
}

static json_t *asn_json(const mk_geo_info *g)
{
    return g->has_asn ? json_pack("{s:I, s:o}", "number", (json_int_t)g->asn, "org", jstr(g->asn_org))
                      : json_null();
}

static json_t *hops_json(const mk_facts *f)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < f->hops.n; i++) {
        const mk_hop *h = &f->hops.v[i];
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer((json_int_t)i));
        json_object_set_new(o, "helo", jstr(h->helo));
        json_object_set_new(o, "rdns", jstr(h->rdns));
        if (h->rdns_unconfirmed)
            json_object_set_new(o, "rdns_unconfirmed", json_true());
        json_object_set_new(o, "ip", jstr(h->ip));
        json_object_set_new(o, "by", jstr(h->by));
        json_object_set_new(o, "with", jstr(h->with));
        json_object_set_new(o, "id", jstr(h->id));
        json_object_set_new(o, "for", jstr(h->for_addr));
        json_object_set_new(o, "date", str_or_null(h->date_rfc3339));
        json_object_set_new(o, "delay_s", h->delay_s >= 0 ? json_integer(h->delay_s) : json_null());
        json_object_set_new(o, "trusted", json_boolean(h->trusted));
        json_object_set_new(o, "geo", geo_json(&f->hop_geo[i]));
        json_object_set_new(o, "asn", asn_json(&f->hop_geo[i]));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *origin_json(const mk_facts *f)
{
    if (f->hops.origin < 0)
        return json_null();
    const mk_hop *h = &f->hops.v[f->hops.origin];
    return json_pack("{s:I, s:o, s:o, s:o, s:o}", "hop", (json_int_t)f->hops.origin, "ip", jstr(h->ip),
                     "helo", jstr(h->helo), "rdns", jstr(h->rdns), "by", jstr(h->by));
}

static const char *link_source_name(mk_link_source s)
{
    switch (s) {
    case MK_LINK_TEXT: return "text";
    case MK_LINK_ATTACHMENT: return "attachment";
    case MK_LINK_FORM: return "form";
    default: return "html";
    }
}

/* Finding ids whose evidence (or "more" evidence) names link i. */
static void add_link_findings(const mk_findings *fs, json_t *links)
{
    for (size_t k = 0; k < fs->n; k++) {
        json_t *ev = fs->v[k].evidence;
        json_t *all = json_array();
        json_array_append(all, ev);
        json_t *more = json_object_get(ev, "more");
        if (json_is_array(more))
            json_array_extend(all, more);
        size_t j;
        json_t *e;
        json_array_foreach(all, j, e) {
            json_t *idx = json_object_get(e, "link");
            if (!json_is_integer(idx))
                continue;
            json_t *link = json_array_get(links, (size_t)json_integer_value(idx));
            json_t *ids = link ? json_object_get(link, "findings") : NULL;
            bool present = false;
            size_t n;
            json_t *v;
            json_array_foreach(ids, n, v) present = present || strcmp(json_string_value(v), fs->v[k].id) == 0;
            if (ids && !present)
                json_array_append_new(ids, json_string(fs->v[k].id));
        }
        json_decref(all);
    }
}

static json_t *links_json(const mk_facts *f, const mk_findings *fs)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < f->page.n_links; i++) {
        const mk_link *l = &f->page.links[i];
        json_t *o = json_object();
        json_object_set_new(o, "href", jstr(l->href));
        json_object_set_new(o, "text", jstr(l->text));
        json_object_set_new(o, "host", jstr(l->url.host));
        json_object_set_new(o, "host_unicode", jstr(l->url.host_unicode));
        json_object_set_new(o, "registrable_domain", jstr(l->url.regdom));
        json_object_set_new(o, "source", json_string(link_source_name(l->source)));
        if (l->wrapper_host)
            json_object_set_new(o, "wrapped_by", json_pack("{s:s, s:s}", "service", l->wrapper_name,
                                                           "host", l->wrapper_host));
        json_object_set_new(o, "findings", json_array());
        json_array_append_new(arr, o);
    }
    add_link_findings(fs, arr);
    return arr;
}

/* ---- finding texts ------------------------------------------------------- */

/* Between the items of a list in a sentence: Japanese lists take the
 * ideographic comma (「至急、停止されます」), English ones a comma. */
static const char *list_separator(const char *locale)
{
    return locale && strcmp(locale, "ja") == 0 ? "、" : ", ";
}

static void append_evidence_value(mk_strbuf *b, json_t *v, const char *locale)
{
    if (json_is_string(v))
        mk_strbuf_puts(b, json_string_value(v));
    else if (json_is_integer(v))
        mk_strbuf_printf(b, "%lld", (long long)json_integer_value(v));
    else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (i)
                mk_strbuf_puts(b, list_separator(locale));
            append_evidence_value(b, e, locale);
        }
    }
}

/* The texts of one field of a finding: the variant for the evidence's
 * "reason" when findings.json has one ("variants": {reason: {field: ...}}),
 * else the finding's own. One finding can fire for different reasons, and a
 * sentence written for one ("a generic greeting such as {phrases}") must not
 * be shown for another (no greeting at all). */
static json_t *finding_texts(json_t *def, const char *field, json_t *evidence)
{
    const char *reason = json_string_value(json_object_get(evidence, "reason"));
    json_t *variant = reason ? json_object_get(json_object_get(def, "variants"), reason) : NULL;
    json_t *texts = variant ? json_object_get(variant, field) : NULL;
    return texts ? texts : json_object_get(def, field);
}

/* Evidence values that are words of Mekiki's own ("how": "confusable",
 * "where": "fragment") read in the reader's language: labels.json has them as
 * "KEY_VALUE". NULL for values that come from the message (domains, phrases). */
static const char *evidence_word(const mk_catalog *cat, const char *key, json_t *v, const char *locale)
{
    if (!json_is_string(v))
        return NULL;
    char *label = mk_xasprintf("%s_%s", key, json_string_value(v));
    json_t *texts = json_object_get(cat->labels, label);
    free(label);
    return json_string_value(json_object_get(texts, locale));
}

char *mk_report_finding_text(const mk_catalog *cat, const char *id, const char *field, const char *locale,
                             json_t *evidence)
{
    json_t *def = json_object_get(cat->findings, id);
    json_t *texts = def ? finding_texts(def, field, evidence) : NULL;
    const char *tmpl = texts ? json_string_value(json_object_get(texts, locale)) : NULL;
    if (!tmpl)
        return mk_xstrdup(id);
    mk_strbuf b = {0};
    for (const char *p = tmpl; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close && close - p < 40) {
            char *key = mk_xstrndup(p + 1, (size_t)(close - p - 1));
            json_t *v = json_object_get(evidence, key);
            const char *word = v ? evidence_word(cat, key, v, locale) : NULL;
            free(key);
            if (word) {
                mk_strbuf_puts(&b, word);
                p = close + 1;
                continue;
            }
            if (v) {
                append_evidence_value(&b, v, locale);
                p = close + 1;
                continue;
            }
        }
        mk_strbuf_putc(&b, *p++);
    }
    return mk_strbuf_steal(&b);
}

static json_t *findings_json(const mk_findings *fs, const mk_catalog *cat, const char *locale)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < fs->n; i++) {
        const mk_finding *fd = &fs->v[i];
        char *title = mk_report_finding_text(cat, fd->id, "title", locale, fd->evidence);
        char *detail = mk_report_finding_text(cat, fd->id, "detail", locale, fd->evidence);
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(fd->id));
        json_object_set_new(o, "severity", json_string(mk_catalog_severity(cat, fd->id)));
        json_object_set_new(o, "points", json_integer(mk_catalog_points(cat, fd->id)));
        json_object_set_new(o, "title", jstr(title));
        json_object_set_new(o, "detail", jstr(detail));
        json_object_set(o, "evidence", fd->evidence);
        json_array_append_new(arr, o);
        free(title);
        free(detail);
    }
    return arr;
}

/* ---- entry --------------------------------------------------------------- */

static double round_ms(double ms)
{
    return (double)(long long)(ms * 1000.0 + 0.5) / 1000.0;
}

json_t *mk_report_build(const mk_facts *f, const mk_findings *fs, const mk_catalog *cat,
                        const mk_report_meta *meta)
{
    const char *locale = meta->locale && strcmp(meta->locale, "ja") == 0 ? "ja" : "en";
    json_t *r = json_object();
    json_object_set_new(r, "schema_version", json_integer(1));
    json_object_set_new(r, "verdict", json_string(meta->verdict));
    json_object_set_new(r, "score", json_integer(meta->score));
    json_object_set_new(r, "mode", json_string(meta->mode));
    json_object_set_new(r, "locale", json_string(locale));
    if (meta->error)
        json_object_set_new(r, "error", jstr(meta->error));
    json_object_set_new(r, "message", message_json(f, locale));
    json_object_set_new(r, "hops", hops_json(f));
    json_object_set_new(r, "origin", origin_json(f));
    json_object_set_new(r, "links", links_json(f, fs));
    if (f->page.links_dropped)
        json_object_set_new(r, "links_dropped", json_integer((json_int_t)f->page.links_dropped));
    json_object_set_new(r, "findings", findings_json(fs, cat, locale));
    json_object_set_new(r, "lookups", json_array());
    double total = meta->parse_ms + meta->analyze_ms + meta->enrich_ms;
    json_object_set_new(r, "timing_ms",
                        json_pack("{s:f, s:f, s:f, s:f}", "parse", round_ms(meta->parse_ms), "analyze",
                                  round_ms(meta->analyze_ms), "enrich", round_ms(meta->enrich_ms), "total",
                                  round_ms(total)));
    return r;
}

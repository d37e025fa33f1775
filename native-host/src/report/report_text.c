/* report_text.c - the report for a person at a terminal.
 *
 * `mekiki analyze --format text` prints what the add-on shows: the verdict
 * in words, who the message claims to be and who sent it, the findings with
 * their explanations, the hop table and the links. It reads only the JSON
 * report, so the text and the JSON can never disagree. Labels come from
 * data/labels.json in the requested locale.
 *
 * Everything in the report that came from the message is the sender's text,
 * and a terminal obeys control characters: an escape sequence in a Subject
 * can clear the screen and redraw a phishing verdict as "looks safe", a
 * right-to-left override can turn a domain around. So the report is first
 * copied with every string made inert: each C0/C1 control character, DEL and
 * each bidirectional formatting character is written as a visible \xNN or
 * \uNNNN escape. The layout then adds only its own newlines and spaces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

/* ---- making the sender's text inert ---- */

static bool is_bidi_control(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* Code point of the UTF-8 sequence at p and its length (report strings are
 * valid UTF-8: jansson refuses anything else). */
static uint32_t next_code_point(const unsigned char *p, size_t *len)
{
    if (p[0] < 0x80) {
        *len = 1;
        return p[0];
    }
    size_t n = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
    uint32_t cp = p[0] & (0x3F >> (n - 1));
    for (size_t i = 1; i < n && p[i]; i++)
        cp = (cp << 6) | (p[i] & 0x3F);
    *len = n;
    return cp;
}

static char *escape_controls(const char *s)
{
    mk_strbuf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n;
        uint32_t cp = next_code_point(p, &n);
        if (cp < 0x20 || cp == 0x7F)
            mk_strbuf_printf(&b, "\\x%02X", (unsigned)cp);
        else if ((cp >= 0x80 && cp < 0xA0) || is_bidi_control(cp))
            mk_strbuf_printf(&b, "\\u%04X", (unsigned)cp);
        else
            mk_strbuf_append(&b, (const char *)p, n);
        p += n;
    }
    return mk_strbuf_steal(&b);
}

/* A copy of v in which every string is escaped (object keys are the
 * report's own and stay as they are). */
static json_t *inert_copy(const json_t *v)
{
    if (json_is_string(v)) {
        char *e = escape_controls(json_string_value(v));
        json_t *r = json_string(e);
        free(e);
        return r;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) json_array_append_new(a, inert_copy(x));
        return a;
    }
    if (json_is_object(v)) {
        json_t *o = json_object();
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) json_object_set_new(o, k, inert_copy(x));
        return o;
    }
    return json_deep_copy(v);
}

/* ---- layout ---- */

static const char *sget(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void put_label_line(mk_strbuf *b, const mk_catalog *cat, const char *locale, const char *key,
                           const char *value)
{
    if (!value || !*value)
        return;
    mk_strbuf_printf(b, "  %s: %s\n", mk_catalog_label(cat, key, locale), value);
}

static void put_party(mk_strbuf *b, const mk_catalog *cat, const char *locale, const char *key, json_t *p)
{
    if (!json_is_object(p))
        return;
    const char *name = sget(p, "name");
    char *line = *name ? mk_xasprintf("\"%s\" <%s>", name, sget(p, "address"))
                       : mk_xasprintf("<%s>", sget(p, "address"));
    put_label_line(b, cat, locale, key, line);
    free(line);
}

static void put_header(mk_strbuf *b, const json_t *r, const mk_catalog *cat, const char *locale)
{
    const char *verdict = sget((json_t *)r, "verdict");
    char *vkey = mk_xasprintf("verdict_%s", verdict);
    mk_strbuf_printf(b, "%s  (%s %lld/100)\n", mk_catalog_label(cat, vkey, locale),
                     mk_catalog_label(cat, "score", locale),
                     (long long)json_integer_value(json_object_get(r, "score")));
    free(vkey);
    if (json_object_get(r, "error"))
        put_label_line(b, cat, locale, "error", sget((json_t *)r, "error"));
    json_t *m = json_object_get(r, "message");
    put_label_line(b, cat, locale, "subject", sget(m, "subject"));
    put_party(b, cat, locale, "from", json_object_get(m, "from"));
    put_party(b, cat, locale, "reply_to", json_object_get(m, "reply_to"));
    put_party(b, cat, locale, "return_path", json_object_get(m, "return_path"));
    put_label_line(b, cat, locale, "message_id", sget(m, "message_id"));
    json_t *brand = json_object_get(m, "claimed_brand");
    if (json_is_object(brand)) {
        json_t *domains = json_object_get(brand, "official_domains");
        mk_strbuf d = {0};
        size_t i;
        json_t *v;
        json_array_foreach(domains, i, v) {
            if (i)
                mk_strbuf_puts(&d, ", ");
            mk_strbuf_puts(&d, json_string_value(v));
        }
        char *line = mk_xasprintf("%s (%s: %s)", sget(brand, "name"),
                                  mk_catalog_label(cat, "official_domains", locale), d.data ? d.data : "");
        put_label_line(b, cat, locale, "claimed_brand", line);
        free(line);
        mk_strbuf_free(&d);
    }
    json_t *o = json_object_get(r, "origin");
    if (json_is_object(o)) {
        char *line = mk_xasprintf("%s (%s) [%s]", sget(o, "helo"), sget(o, "rdns"), sget(o, "ip"));
        put_label_line(b, cat, locale, "origin", line);
        free(line);
    }
    /* What kept the online checks from being made (a lying resolver, failing registries). */
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(json_object_get(r, "online"), "notices"), i, n)
        mk_strbuf_printf(b, "! %s\n", sget(n, "text"));
}

static void put_findings(mk_strbuf *b, const json_t *r, const mk_catalog *cat, const char *locale)
{
    json_t *fs = json_object_get(r, "findings");
    mk_strbuf_printf(b, "\n%s (%zu)\n", mk_catalog_label(cat, "findings", locale), json_array_size(fs));
    size_t i;
    json_t *f;
    json_array_foreach(fs, i, f) {
        mk_strbuf_printf(b, "  [%s +%lld] %s\n", sget(f, "severity"),
                         (long long)json_integer_value(json_object_get(f, "points")), sget(f, "title"));
        mk_strbuf_printf(b, "      %s\n", sget(f, "detail"));
    }
}

/* The report's array under key, after a heading labelled by the same key;
 * NULL (and no heading) when the array is empty. */
static json_t *put_section(mk_strbuf *b, const json_t *r, const mk_catalog *cat, const char *locale,
                           const char *key)
{
    json_t *list = json_object_get(r, key);
    if (json_array_size(list) == 0)
        return NULL;
    mk_strbuf_printf(b, "\n%s\n", mk_catalog_label(cat, key, locale));
    return list;
}

static void put_hops(mk_strbuf *b, const json_t *r, const mk_catalog *cat, const char *locale)
{
    json_t *hops = put_section(b, r, cat, locale, "hops");
    if (!hops)
        return;
    size_t i;
    json_t *h;
    json_array_foreach(hops, i, h) {
        json_t *geo = json_object_get(h, "geo");
        json_t *asn = json_object_get(h, "asn");
        mk_strbuf_printf(b, "  %zu%s %s (%s) [%s] -> %s", i, json_is_true(json_object_get(h, "trusted")) ? "*" : " ",
                         sget(h, "helo"), sget(h, "rdns"), sget(h, "ip"), sget(h, "by"));
        if (json_is_object(geo))
            mk_strbuf_printf(b, "  %s %s", sget(geo, "country"), sget(geo, "city"));
        if (json_is_object(asn))
            mk_strbuf_printf(b, "  AS%lld %s", (long long)json_integer_value(json_object_get(asn, "number")),
                             sget(asn, "org"));
        mk_strbuf_putc(b, '\n');
    }
    mk_strbuf_printf(b, "  (* %s)\n", mk_catalog_label(cat, "trusted_hop", locale));
}

static void put_links(mk_strbuf *b, const json_t *r, const mk_catalog *cat, const char *locale)
{
    json_t *links = json_object_get(r, "links");
    if (json_array_size(links) == 0)
        return;
    mk_strbuf_printf(b, "\n%s (%zu)\n", mk_catalog_label(cat, "links", locale), json_array_size(links));
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l) {
        if (i >= 30) {
            mk_strbuf_printf(b, "  ... %zu\n", json_array_size(links) - i);
            break;
        }
        mk_strbuf_printf(b, "  %s\n", sget(l, "href"));
        if (*sget(l, "text"))
            mk_strbuf_printf(b, "      %s: %s\n", mk_catalog_label(cat, "link_text", locale), sget(l, "text"));
        json_t *ids = json_object_get(l, "findings");
        size_t j;
        json_t *id;
        json_array_foreach(ids, j, id) mk_strbuf_printf(b, "      ! %s\n", json_string_value(id));
    }
}

/* One footer line: "DB-IP City Lite (2026-06-05, CC BY 4.0): IP Geolocation by DB-IP https://db-ip.com". */
static void put_database(mk_strbuf *b, json_t *d)
{
    mk_strbuf_printf(b, "  %s (%s", sget(d, "name"), sget(d, "build_date"));
    if (*sget(d, "licence"))
        mk_strbuf_printf(b, ", %s", sget(d, "licence"));
    mk_strbuf_puts(b, ")");
    if (*sget(d, "credit"))
        mk_strbuf_printf(b, ": %s", sget(d, "credit"));
    mk_strbuf_putc(b, '\n');
}

/* The footer: each database that placed the hops, its date, licence and the
 * credit its licence requires (CC BY for DB-IP and ip-location-db). */
static void put_databases(mk_strbuf *b, const json_t *r, const mk_catalog *cat, const char *locale)
{
    json_t *dbs = put_section(b, r, cat, locale, "databases");   /* NULL: none, nothing printed */
    size_t i;
    json_t *d;
    json_array_foreach(dbs, i, d)
        put_database(b, d);
}

char *mk_report_text(const json_t *report, const mk_catalog *cat, const char *locale)
{
    json_t *r = inert_copy(report);
    mk_strbuf b = {0};
    put_header(&b, r, cat, locale);
    put_findings(&b, r, cat, locale);
    put_hops(&b, r, cat, locale);
    put_links(&b, r, cat, locale);
    put_databases(&b, r, cat, locale);
    json_decref(r);
    return mk_strbuf_steal(&b);
}

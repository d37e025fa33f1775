/* urlreport.c - judging a single URL, for `mekiki url`.
 *
 * The URL is wrapped as a one-link page and run through the same link checks
 * as a message's links (mk_checks_links), with facts that carry no sender and
 * no claimed brand. Reusing the checks keeps one definition of each finding:
 * a URL judged here gets exactly the link findings it would get in a mail.
 * Checks that need a sender (link_text_mismatch, link_brand_mismatch) stay
 * silent because those facts are absent.
 */
#include "urlreport.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "facts.h"
#include "findings.h"
#include "lookalike.h"
#include "url.h"
#include "util.h"

static json_t *brand_json(const mk_brand *b)
{
    if (!b)
        return json_null();
    json_t *domains = json_array();
    for (size_t i = 0; i < b->domains.n; i++)
        json_array_append_new(domains, json_string(b->domains.v[i]));
    return json_pack("{s:s, s:s, s:o}", "id", b->id, "name", b->name_ja, "official_domains", domains);
}

static json_t *findings_json(const mk_findings *f)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < f->n; i++) {
        json_t *ev = json_deep_copy(f->v[i].evidence);
        json_object_del(ev, "link");   /* there is only the one link */
        json_array_append_new(arr, json_pack("{s:s, s:o}", "id", f->v[i].id, "evidence", ev));
    }
    return arr;
}

/* Facts holding one link and nothing else. */
static void one_link_facts(mk_facts *facts, const char *url, char **feed_match)
{
    memset(facts, 0, sizeof *facts);
    facts->page.links = mk_xcalloc(1, sizeof *facts->page.links);
    facts->page.n_links = 1;
    mk_link *l = &facts->page.links[0];
    l->href = mk_xstrdup(url);
    l->text = mk_xstrdup("");
    l->source = MK_LINK_TEXT;
    mk_url_parse(url, &l->url);
    facts->from.regdom = "";
    facts->reply_to.regdom = "";
    facts->return_path.regdom = "";
    facts->link_feed_match = feed_match;
}

/* The URL as a JSON string; bytes that are not UTF-8 become '?'. */
static json_t *url_string(const char *url)
{
    json_t *s = json_string(url);
    if (s)
        return s;
    char *copy = mk_xstrdup(url);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    s = json_string(copy);
    free(copy);
    return s;
}

json_t *mk_url_report(const mk_catalog *cat, mk_feed *feed, const char *url)
{
    if (!url)
        url = "";
    char *feed_match[1] = {NULL};
    mk_facts facts;
    one_link_facts(&facts, url, feed_match);
    const mk_url *u = &facts.page.links[0].url;
    if (feed && u->valid)
        feed_match[0] = mk_feed_match(feed, u, url);

    mk_findings found = {0};
    if (cat)
        mk_checks_links(&facts, cat, &found);
    const mk_brand *imitated = cat ? mk_url_imitated_brand(cat, u) : NULL;
    json_t *report = json_pack("{s:o, s:s, s:s, s:s, s:o, s:o}", "url", url_string(url), "host", u->host, "host_unicode",
                               u->host_unicode, "registrable_domain", u->regdom, "imitated_brand",
                               brand_json(imitated), "findings", findings_json(&found));
    mk_findings_free(&found);
    free(feed_match[0]);
    mk_page_free(&facts.page);
    return report;
}

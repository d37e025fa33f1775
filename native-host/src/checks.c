/* checks.c - running the check families, and the notions they share.
 *
 * Families run in a fixed order so that findings appear in the report in a
 * stable order: envelope and headers first (what the investigator reads
 * first), then links and brands, then wording, then what look-ups added.
 */
#include "checks.h"

#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "util.h"

void mk_checks_run(const mk_facts *facts, const mk_catalog *cat, mk_findings *out)
{
    mk_checks_header(facts, cat, out);
    mk_checks_links(facts, cat, out);
    mk_checks_wording(facts, cat, out);
    mk_checks_online(facts, cat, out);
    mk_checks_coverage(facts, cat, out);
}

/* ---- the origin and the From organisation ---- */

/* Does header `name` mention a host of organisation regdom (after '@', '<', '.'
 * or "//")? List-Id, List-Post and friends name the list's own domain. */
static bool header_names_org(const mk_message *m, const char *name, const char *regdom)
{
    const char *v = mk_message_header(m, name);
    if (!v || !*regdom)
        return false;
    size_t scanned = 0;
    for (const char *p = v; *p && scanned < 2048; p++, scanned++) {
        if (*p != '@' && *p != '.' && *p != '<' && *p != '/')
            continue;
        size_t len = strcspn(p + 1, ">)/:?# \t\r\n,;");
        if (len == 0 || len > 253)
            continue;
        char *host = mk_xstrndup(p + 1, len);
        char *reg = mk_domain_registrable(host);
        bool same = reg && strcmp(reg, regdom) == 0;
        free(host);
        free(reg);
        if (same)
            return true;
    }
    return false;
}

static const char *const list_headers[] = {"List-Id", "List-Post", "List-Unsubscribe", "List-Help",
                                           "List-Archive", "Mailing-List"};

/* Mailing lists legitimately set Reply-To to the list, and bounce to themselves. */
bool mk_is_list_domain(const mk_message *m, const char *regdom)
{
    for (size_t i = 0; i < sizeof list_headers / sizeof *list_headers; i++)
        if (header_names_org(m, list_headers[i], regdom))
            return true;
    return false;
}

/* Does a host name of the origin belong to the From organisation? */
bool mk_name_is_from_org(const mk_facts *f, const mk_catalog *cat, const char *name)
{
    if (!(*name && strcmp(name, "unknown") != 0) || mk_ip_is_literal(name))
        return false;
    /* A VPS name under a provider's zone speaks for the customer, not the provider. */
    if (mk_catalog_is_customer_host(cat, name))
        return false;
    char *reg = mk_domain_registrable(name);
    bool same = reg && mk_org_related(cat, f->from.regdom, reg);
    free(reg);
    return same;
}

/* Organisations entitled to relay for the author: the Sender (RFC 5322: the agent
 * responsible for transmission), the mailing list named in List-* headers, and a
 * bounce domain (Return-Path) of another organisation, as mailing services use. */
static bool relayed_by_agent(const mk_facts *f, const mk_catalog *cat, const char *origin_regdom)
{
    if (*f->sender.regdom && mk_org_related(cat, f->sender.regdom, origin_regdom))
        return true;
    if (mk_is_list_domain(f->msg, origin_regdom))
        return true;
    return *f->return_path.regdom && !mk_org_same(cat, f->return_path.regdom, f->from.regdom) &&
           mk_org_related(cat, f->return_path.regdom, origin_regdom);
}

bool mk_origin_speaks_for_from(const mk_facts *f, const mk_catalog *cat)
{
    if (f->hops.origin < 0 || !*f->from.regdom)
        return false;
    const mk_hop *h = &f->hops.v[f->hops.origin];
    /* The rDNS name was recorded by the trusted server. The HELO only counts
     * when that server wrote down no reverse name at all (some do not look it
     * up); "unknown" means the address has none, and a host without a name
     * that greets with the sender's domain is making a claim, not proving it. */
    bool rdns_known = *h->rdns && strcmp(h->rdns, "unknown") != 0;
    if (mk_name_is_from_org(f, cat, h->rdns))
        return true;
    if (!*h->rdns && mk_name_is_from_org(f, cat, h->helo))
        return true;
    const char *name = rdns_known ? h->rdns : h->helo;
    if (!*name || mk_ip_is_literal(name) || mk_catalog_is_customer_host(cat, name))
        return false;
    char *origin_regdom = mk_domain_registrable(name);
    bool relayed = origin_regdom && relayed_by_agent(f, cat, origin_regdom);
    free(origin_regdom);
    return relayed;
}

/* imakenews.net and imakenews.com, example.co.uk and example.com: one name
 * of five letters or more under two suffixes is one organisation's. Not for
 * a brand's name (the catalog knows which of its domains are its own), and not
 * for short names, which unrelated owners share (mail.com, mail.ru). */
static bool same_name_other_suffix(const mk_catalog *cat, const char *a, const char *b)
{
    size_t la = strcspn(a, "."), lb = strcspn(b, ".");
    if (la != lb || la < 5 || strncmp(a, b, la) != 0)
        return false;
    return !mk_catalog_brand_owning(cat, a) && !mk_catalog_brand_owning(cat, b);
}

bool mk_org_same(const mk_catalog *cat, const char *a, const char *b)
{
    if (!a || !b || !*a || !*b)
        return false;
    if (strcmp(a, b) == 0)
        return true;
    /* A group domain (jreast.co.jp) may belong to several brands: any brand listing both counts. */
    for (size_t i = 0; i < cat->n_brands; i++) {
        const mk_strlist *d = &cat->brands[i].domains;
        if (mk_strlist_contains(d, a) && mk_strlist_contains(d, b))
            return true;
    }
    return false;
}

bool mk_org_related(const mk_catalog *cat, const char *a, const char *b)
{
    return mk_org_same(cat, a, b) || (a && b && same_name_other_suffix(cat, a, b));
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

static bool regdom_same_org(const mk_catalog *cat, const char *from_regdom, const char *host)
{
    char *reg = host ? mk_domain_registrable(host) : NULL;
    bool same = reg && mk_org_same(cat, from_regdom, reg);
    free(reg);
    return same;
}

bool mk_from_authenticated(const mk_facts *f, const mk_catalog *cat)
{
    if (!f->auth.present || !*f->from.regdom)
        return false;
    if (strcmp(f->auth.dmarc, "pass") == 0)
        return true;
    /* SPF pass for an envelope sender of the From organisation (aligned SPF). */
    if (strcmp(f->auth.spf, "pass") == 0) {
        char *d = spf_mailfrom_domain(f->auth.header);
        bool aligned = regdom_same_org(cat, f->from.regdom, d);
        free(d);
        if (aligned)
            return true;
    }
    for (const char *p = mk_ascii_istr(f->auth.header, "dkim=pass"); p;
         p = mk_ascii_istr(p + 1, "dkim=pass")) {
        char *d = dkim_pass_domain(p);
        bool same = regdom_same_org(cat, f->from.regdom, d);
        free(d);
        if (same)
            return true;
    }
    return false;
}

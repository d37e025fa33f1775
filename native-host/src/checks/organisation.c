/* organisation.c - which organisation a domain, a relay or a signature speaks for.
 *
 * The check families share one notion: two registrable domains are one
 * organisation when they are equal or both official domains of one brand, and
 * related when they are one long name under two suffixes. From it follow
 * whether the origin relay, the mailing list or the signing domain may speak
 * for the From address. Only facts and the catalog are read.
 */
#include "organisation.h"

#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "util.h"

/* ---- the origin and the From organisation ---- */

/* Mailing lists legitimately set Reply-To to the list, and bounce to themselves. */
bool mk_is_list_domain(const mk_facts *f, const char *regdom)
{
    return regdom && *regdom && mk_strlist_contains(&f->list_regdoms, regdom);
}

/* Does a host name of the origin belong to the From organisation? */
bool mk_name_is_from_org(const mk_facts *f, const mk_catalog *cat, const char *name, const char *regdom)
{
    if (!(*name && strcmp(name, "unknown") != 0) || mk_ip_is_literal(name))
        return false;
    /* A VPS name under a provider's zone speaks for the customer, not the provider. */
    if (mk_catalog_is_customer_host(cat, name))
        return false;
    return regdom && *regdom && mk_org_related(cat, f->from.regdom, regdom);
}

/* Organisations entitled to relay for the author: the Sender (RFC 5322: the agent
 * responsible for transmission), the mailing list named in List-* headers, and a
 * bounce domain (Return-Path) of another organisation, as mailing services use. */
static bool relayed_by_agent(const mk_facts *f, const mk_catalog *cat, const char *origin_regdom)
{
    if (*f->sender.regdom && mk_org_related(cat, f->sender.regdom, origin_regdom))
        return true;
    if (mk_is_list_domain(f, origin_regdom))
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
    if (mk_name_is_from_org(f, cat, h->rdns, f->origin_rdns_regdom))
        return true;
    if (!*h->rdns && mk_name_is_from_org(f, cat, h->helo, f->origin_helo_regdom))
        return true;
    const char *name = rdns_known ? h->rdns : h->helo;
    if (!*name || mk_ip_is_literal(name) || mk_catalog_is_customer_host(cat, name))
        return false;
    const char *origin_regdom = rdns_known ? f->origin_rdns_regdom : f->origin_helo_regdom;
    return origin_regdom && *origin_regdom && relayed_by_agent(f, cat, origin_regdom);
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

bool mk_from_authenticated(const mk_facts *f, const mk_catalog *cat)
{
    if (!f->auth.present || !*f->from.regdom)
        return false;
    if (strcmp(f->auth.dmarc, "pass") == 0)
        return true;
    /* SPF pass for an envelope sender of the From organisation (aligned SPF). */
    if (strcmp(f->auth.spf, "pass") == 0 && f->auth.mailfrom_regdom && *f->auth.mailfrom_regdom &&
        mk_org_same(cat, f->from.regdom, f->auth.mailfrom_regdom))
        return true;
    for (size_t i = 0; i < f->auth.dkim_pass_regdoms.n; i++)
        if (mk_org_same(cat, f->from.regdom, f->auth.dkim_pass_regdoms.v[i]))
            return true;
    return false;
}

/* checks_online.c - findings that need the network's answers.
 *
 * Pure functions of facts->online (filled by mk_enrich): no I/O here. Each
 * check fires only on a definitive answer. A timeout or a missing answer is
 * "unknown" and never a finding, so an unreachable network leaves the
 * offline report as it was. The posts' questions map to checks as follows:
 *   does the sender's domain exist?          from_domain_unresolvable, reply_to_unresolvable
 *   is it registered at all?                 domain_unregistered (header domains only)
 *   when and by whom?                        domain_newly_registered, domain_privacy_proxy
 *                                            (age counted to the message's arrival, not to now)
 *   does the rDNS name point back?           received_rdns_mismatch
 *   does the HELO name point to the origin?  helo_not_origin
 *   may the origin send for the From domain? received_origin_mismatch (A, MX, SPF)
 */
#include "checks.h"

#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "online_facts.h"

#define MK_NEW_DOMAIN_DAYS 90

static const char *role_word(unsigned roles)
{
    if (roles & MK_ROLE_FROM)
        return "from";
    if (roles & MK_ROLE_REPLY_TO)
        return "reply_to";
    if (roles & MK_ROLE_RETURN_PATH)
        return "return_path";
    if (roles & MK_ROLE_LINK)
        return "link";
    return "helo";
}

/* Hosts are stored in ASCII; message domains may be written in Unicode. */
static const mk_online_host *party_host(const mk_online_facts *o, const mk_party *p)
{
    if (!p->addr || !p->addr->domain[0])
        return NULL;
    char *ascii = mk_domain_to_ascii(p->addr->domain);
    const mk_online_host *h = mk_online_host_find(o, ascii);
    free(ascii);
    return h;
}

static bool does_not_exist(const mk_online_host *h)
{
    return h && mk_existence_denied(h->dns);
}

/* A brand's official domain exists: a resolver that says otherwise is filtering
 * or broken (captive networks, sandboxes), and its "no such name" for any other
 * domain cannot be trusted either. */
static bool resolver_contradicts_catalog(const mk_online_facts *o, const mk_catalog *cat, const mk_facts *f)
{
    const mk_party *parties[] = {&f->from, &f->reply_to, &f->return_path};
    for (size_t i = 0; cat && i < sizeof parties / sizeof *parties; i++) {
        const mk_online_host *h = party_host(o, parties[i]);
        if (does_not_exist(h) && mk_catalog_brand_owning(cat, parties[i]->regdom))
            return true;
    }
    return false;
}

static void check_resolvable(const mk_online_facts *o, const mk_catalog *cat, const mk_facts *f, mk_findings *out)
{
    if (resolver_contradicts_catalog(o, cat, f))
        return;
    const mk_online_host *from = party_host(o, &f->from);
    if (does_not_exist(from))
        mk_findings_add(out, "from_domain_unresolvable",
                        json_pack("{s:s, s:s}", "domain", from->name, "dns", mk_existence_name(from->dns)));
    const mk_online_host *rt = party_host(o, &f->reply_to);
    if (does_not_exist(rt))
        mk_findings_add(out, "reply_to_unresolvable",
                        json_pack("{s:s, s:s}", "domain", rt->name, "dns", mk_existence_name(rt->dns)));
}

/* A link domain the brand itself or a mail service owns tells us nothing about the sender. */
static bool is_known_infrastructure(const mk_catalog *cat, const char *domain)
{
    return cat && (mk_catalog_brand_owning(cat, domain) || mk_strlist_contains(&cat->tracking_hosts, domain) ||
                   mk_strlist_contains(&cat->shorteners, domain));
}

static void check_registration(const mk_online_facts *o, const mk_catalog *cat, mk_findings *out)
{
    const unsigned header_roles = MK_ROLE_FROM | MK_ROLE_REPLY_TO | MK_ROLE_RETURN_PATH;
    for (size_t i = 0; i < o->n_regs; i++) {
        const mk_online_registration *g = &o->regs[i];
        bool header = g->roles & header_roles;
        if (!header && is_known_infrastructure(cat, g->domain))
            continue;
        if (header && g->status == MK_REG_UNREGISTERED)
            mk_findings_add(out, "domain_unregistered",
                            json_pack("{s:s, s:s, s:s}", "domain", g->domain, "role", role_word(g->roles), "source",
                                      mk_reg_source_name(g->source)));
        if (g->status != MK_REG_REGISTERED)
            continue;
        /* Age when the message arrived: last year's phish was new then, and a domain
         * registered after the message arrived did not exist when it was sent. */
        long age_days = g->created > 0 && g->created <= o->received_at ? (long)((o->received_at - g->created) / 86400) : -1;
        if (age_days >= 0 && age_days < MK_NEW_DOMAIN_DAYS)
            mk_findings_add(out, "domain_newly_registered",
                            json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "domain", g->domain, "role", role_word(g->roles),
                                      "created", g->created_text, "age_days", (int)age_days, "registrar", g->registrar,
                                      "reason", mk_clock_name(o->received_clock)));
        if (g->privacy_service)
            mk_findings_add(out, "domain_privacy_proxy",
                            json_pack("{s:s, s:s, s:s, s:s}", "domain", g->domain, "role", role_word(g->roles),
                                      "service", g->privacy_service, "registrant", g->privacy_text));
    }
}

static void check_rdns(const mk_online_origin *or, mk_findings *out)
{
    const char *which = NULL, *name = NULL, *result = NULL;
    if (mk_forward_failed(or->recorded_forward)) {
        which = "recorded";
        name = or->recorded_name;
        result = mk_forward_name(or->recorded_forward);
    } else if (mk_forward_failed(or->ptr_forward)) {
        which = "live_ptr";
        name = or->ptr_names.v[0];
        result = mk_forward_name(or->ptr_forward);
    }
    if (!which)
        return;
    json_t *addrs = json_array();
    for (size_t i = 0; i < or->forward_addresses.n; i++)
        json_array_append_new(addrs, json_string(or->forward_addresses.v[i]));
    mk_findings_add(out, "received_rdns_mismatch",
                    json_pack("{s:s, s:s, s:s, s:s, s:o}", "ip", or->ip, "rdns", name, "source", which,
                              "forward", result, "resolves_to", addrs));
}

static void check_origin_owner(const mk_online_facts *o, const mk_facts *f, mk_findings *out)
{
    const mk_online_origin *or = &o->origin;
    const mk_online_host *from = party_host(o, &f->from);
    if (!or->ip[0] || !from || from->dns != MK_EXIST_OK || !or->from_checked || or->from_match != MK_FROM_MATCH_NONE)
        return;
    mk_findings_add(out, "received_origin_mismatch",
                    json_pack("{s:s, s:s, s:s, s:s, s:s}", "ip", or->ip, "from_domain", from->name,
                              "checked", or->spf_record[0] ? "A, AAAA, MX, SPF" : "A, AAAA, MX (no SPF record)",
                              "spf", or->spf_record, "source", "online"));
}

/* The origin greeted with a public name that does not lead back to its address. */
static void check_helo(const mk_online_origin *or, mk_findings *out)
{
    if (!or->helo[0] || !mk_forward_failed(or->helo_forward))
        return;
    /* The live reverse name in the HELO name's own domain: the operator's naming, not a lie. */
    char *helo_reg = mk_domain_registrable(or->helo);
    bool same_operator = false;
    for (size_t i = 0; helo_reg && i < or->ptr_names.n && !same_operator; i++) {
        char *ptr_reg = mk_domain_registrable(or->ptr_names.v[i]);
        same_operator = ptr_reg && mk_ascii_ieq(ptr_reg, helo_reg);
        free(ptr_reg);
    }
    free(helo_reg);
    if (same_operator)
        return;
    json_t *addrs = json_array();
    for (size_t i = 0; i < or->helo_addresses.n; i++)
        json_array_append_new(addrs, json_string(or->helo_addresses.v[i]));
    mk_findings_add(out, "helo_not_origin",
                    json_pack("{s:s, s:s, s:s, s:o, s:s}", "helo", or->helo, "ip", or->ip, "forward",
                              mk_forward_name(or->helo_forward), "resolves_to", addrs, "reason",
                              mk_forward_name(or->helo_forward)));
}

void mk_checks_online(const mk_facts *facts, const mk_catalog *cat, mk_findings *out)
{
    const mk_online_facts *o = facts ? facts->online : NULL;
    if (!o)
        return;
    check_resolvable(o, cat, facts, out);
    check_registration(o, cat, out);
    if (o->origin.ip[0]) {
        check_rdns(&o->origin, out);
        check_helo(&o->origin, out);
        check_origin_owner(o, facts, out);
    }
}

/* online_facts.c - turning raw look-up answers into facts the checks can read.
 *
 * The engine (lookups.c) collects every answer in one JSON object keyed by
 * "kind:type:target". This file reads the facts off that object: per host
 * whether it exists and where it points, per registrable domain what the
 * registry says, and for the origin IP its live reverse name, whether names
 * point back to it and whether it belongs to the From domain (A, MX or SPF).
 * A missing or timed-out answer always becomes "unknown", never a negative,
 * so that a slow network cannot produce a finding; so do all DNS answers of
 * a resolver the engine caught lying (summary.resolver_unreliable). Every
 * string stored is a copy: the answers are freed once the facts are built.
 * It also dates the message's arrival, the clock a domain's age is read on.
 * The online part of the report is written by online_report.c.
 */
#include "online_facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "facts.h"
#include "privacy.h"
#include "spf.h"

#define MK_SPF_MAX_DEPTH 3
#define MK_SPF_MAX_TXT 32

/* ---- reading answers ----------------------------------------------------- */

static const json_t *answer(const json_t *results, const char *kind, const char *type, const char *target)
{
    char *key = mk_xasprintf("%s:%s:%s", kind, type, target);
    const json_t *r = json_object_get(results, key);
    free(key);
    return r;
}

static const char *status_of(const json_t *r)
{
    const char *s = json_string_value(json_object_get(r, "status"));
    return s ? s : "missing";
}

/* A definitive DNS answer: records, NXDOMAIN or "no such record". */
static bool definitive(const json_t *r)
{
    const char *s = status_of(r);
    return !strcmp(s, "ok") || !strcmp(s, "nxdomain") || !strcmp(s, "nodata");
}

static void push_answers(mk_strlist *out, const json_t *r)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "answers"), i, v) {
        const char *s = json_string_value(v);
        if (s && !mk_strlist_contains(out, s))
            mk_strlist_push(out, s);
    }
}

/* Existence from the answers for the given record types. */
static mk_existence existence(const json_t *results, const char *name, bool with_mx)
{
    const char *types[] = {"A", "AAAA", "MX"};
    size_t n = with_mx ? 3 : 2;
    bool all_definitive = true, any_nx = false;
    for (size_t i = 0; i < n; i++) {
        const json_t *r = answer(results, "dns", types[i], name);
        if (!strcmp(status_of(r), "ok"))
            return MK_EXIST_OK;
        any_nx |= !strcmp(status_of(r), "nxdomain");
        all_definitive &= definitive(r);
    }
    return any_nx ? MK_EXIST_NXDOMAIN : all_definitive ? MK_EXIST_NODATA : MK_EXIST_UNKNOWN;
}

/* ---- hosts --------------------------------------------------------------- */

static void build_host(mk_online_host *h, const char *name, unsigned roles, const json_t *results,
                       const mk_geo *geo)
{
    bool sender = roles & (MK_ROLE_FROM | MK_ROLE_REPLY_TO | MK_ROLE_RETURN_PATH);
    h->name = mk_xstrdup(name);
    h->roles = roles;
    h->dns = existence(results, name, sender);
    push_answers(&h->addresses, answer(results, "dns", "A", name));
    push_answers(&h->addresses, answer(results, "dns", "AAAA", name));
    if (sender) {
        push_answers(&h->mx_hosts, answer(results, "dns", "MX", name));
        for (size_t i = 0; i < h->mx_hosts.n; i++) {
            push_answers(&h->mx_addresses, answer(results, "dns", "A", h->mx_hosts.v[i]));
            push_answers(&h->mx_addresses, answer(results, "dns", "AAAA", h->mx_hosts.v[i]));
        }
    }
    for (size_t i = 0; i < h->addresses.n && geo && !h->has_geo; i++)
        if (!mk_ip_is_private(h->addresses.v[i])) {
            mk_geo_info_free(&h->geo);   /* a miss still fills empty strings */
            h->has_geo = mk_geo_lookup(geo, h->addresses.v[i], &h->geo);
        }
}

/* The local databases' answers about a link host's address, listed like the network's. */
static void add_local_lookup(mk_online_facts *online, mk_lookup_kind kind, const char *ip, bool found)
{
    online->lookups = mk_xrealloc(online->lookups, (online->n_lookups + 1) * sizeof *online->lookups);
    online->lookups[online->n_lookups++] = (mk_online_lookup){
        .kind = kind,
        .type = kind == MK_LOOKUP_GEO ? "CITY" : "ASN",
        .target = mk_xstrdup(ip),
        .status = found ? MK_LOOKUP_OK : MK_LOOKUP_NXDOMAIN,
        .purpose = kind == MK_LOOKUP_GEO ? MK_PURPOSE_GEO : MK_PURPOSE_ASN,
        .server = mk_xstrdup(""),
    };
}

static void list_geo_lookups(mk_online_facts *online, const mk_geo *geo)
{
    for (size_t i = 0; geo && i < online->n_hosts; i++) {
        const mk_online_host *h = &online->hosts[i];
        if (!(h->roles & MK_ROLE_LINK) || !h->has_geo)
            continue;
        const char *ip = NULL;
        for (size_t k = 0; k < h->addresses.n && !ip; k++)
            if (!mk_ip_is_private(h->addresses.v[k]))
                ip = h->addresses.v[k];
        add_local_lookup(online, MK_LOOKUP_GEO, ip, h->geo.has_location);
        add_local_lookup(online, MK_LOOKUP_ASN, ip, h->geo.has_asn);
    }
}

/* ---- registrations ------------------------------------------------------- */

static char *field(const json_t *r, const char *name)
{
    const char *s = json_string_value(json_object_get(r, name));
    return mk_xstrdup(s ? s : "");
}

static void find_privacy(mk_online_registration *g, const json_t *r, const mk_privacy *privacy)
{
    const char *candidates[] = {g->registrant_org, g->registrant_name};
    for (size_t i = 0; i < 2 && !g->privacy_service; i++) {
        const char *svc = mk_privacy_match(privacy, candidates[i]);
        if (svc) {
            g->privacy_service = mk_xstrdup(svc);
            g->privacy_text = mk_xstrdup(candidates[i]);
        }
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "remarks"), i, v) {
        const char *svc = g->privacy_service ? NULL : mk_privacy_match(privacy, json_string_value(v));
        if (svc) {
            g->privacy_service = mk_xstrdup(svc);
            g->privacy_text = mk_xstrdup(json_string_value(v));
        }
    }
}

static void build_reg(mk_online_registration *g, const char *domain, unsigned roles, const json_t *results,
                      const mk_privacy *privacy)
{
    g->domain = mk_xstrdup(domain);
    g->roles = roles;
    const json_t *r = answer(results, "rdap", "domain", domain);
    g->source = MK_SOURCE_RDAP;
    if (!r) {
        r = answer(results, "whois", "domain", domain);
        g->source = r ? MK_SOURCE_WHOIS : MK_SOURCE_NONE;
    }
    const char *st = status_of(r);
    g->status = !strcmp(st, "registered") ? MK_REG_REGISTERED : !strcmp(st, "unregistered") ? MK_REG_UNREGISTERED
                                                                                           : MK_REG_UNKNOWN;
    g->created = (time_t)json_integer_value(json_object_get(r, "created_epoch"));
    g->created_text = field(r, "created");
    g->registrar = field(r, "registrar");
    g->registrant_name = field(r, "registrant_name");
    g->registrant_org = field(r, "registrant_org");
    g->registrant_country = field(r, "registrant_country");
    g->registry_status = field(r, "registry_status");
    if (g->status == MK_REG_REGISTERED)
        find_privacy(g, r, privacy);
}

/* ---- the origin ---------------------------------------------------------- */

/* Does name resolve back to ip? Collects the addresses it resolves to. */
static mk_forward forward_check(const json_t *results, const char *name, const char *ip, mk_strlist *seen)
{
    if (!name || !name[0])
        return MK_FORWARD_NONE;
    const json_t *a = answer(results, "dns", "A", name);
    const json_t *aaaa = answer(results, "dns", "AAAA", name);
    mk_strlist addrs = {0};
    push_answers(&addrs, a);
    push_answers(&addrs, aaaa);
    bool hit = mk_strlist_contains(&addrs, ip);
    for (size_t i = 0; i < addrs.n; i++)
        if (!mk_strlist_contains(seen, addrs.v[i]))
            mk_strlist_push(seen, addrs.v[i]);
    size_t n = addrs.n;
    mk_strlist_free(&addrs);
    if (hit)
        return MK_FORWARD_CONFIRMED;
    if (!definitive(a) || !definitive(aaaa))
        return MK_FORWARD_UNKNOWN;
    return n ? MK_FORWARD_MISMATCH : MK_FORWARD_UNRESOLVABLE;
}

/* Walks the SPF record of domain and its includes; returns the matching network
 * (allocated, "include:x (ip4:...)" when found through an include) or NULL. */
static char *spf_match(const json_t *results, const char *domain, const char *ip, int depth,
                       bool *complete, char **record_out)
{
    const json_t *r = answer(results, "dns", "TXT", domain);
    if (!definitive(r)) {
        *complete = false;
        return NULL;
    }
    const char *txt[MK_SPF_MAX_TXT];
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(json_object_get(r, "answers"), i, v) {
        if (n < MK_SPF_MAX_TXT)
            txt[n++] = json_string_value(v);
    }
    const char *rec = mk_spf_pick(txt, n);
    if (record_out && rec)
        *record_out = mk_xstrdup(rec);
    mk_spf spf;
    if (!mk_spf_parse(rec, &spf))
        return NULL;
    const char *net = mk_spf_match_ip(&spf, ip);
    char *hit = net ? mk_xstrdup(net) : NULL;
    for (size_t k = 0; !hit && k < spf.includes.n; k++) {
        if (depth >= MK_SPF_MAX_DEPTH) {
            *complete = false;
            break;
        }
        char *sub = spf_match(results, spf.includes.v[k], ip, depth + 1, complete, NULL);
        if (sub)
            hit = mk_xasprintf("include:%s (%s)", spf.includes.v[k], sub);
        free(sub);
    }
    mk_spf_free(&spf);
    return hit;
}

static void build_from_match(mk_online_origin *o, const mk_online_facts *online, const json_t *plan,
                             const json_t *results)
{
    const char *from = json_string_value(json_object_get(plan, "from_host"));
    const mk_online_host *h = from ? mk_online_host_find(online, from) : NULL;
    o->spf_record = mk_xstrdup("");
    o->spf_mechanism = mk_xstrdup("");
    if (!h || !o->ip[0])
        return;
    if (mk_strlist_contains(&h->addresses, o->ip))
        o->from_match = MK_FROM_MATCH_A;
    else if (mk_strlist_contains(&h->mx_addresses, o->ip))
        o->from_match = MK_FROM_MATCH_MX;
    bool complete = h->dns != MK_EXIST_UNKNOWN;
    char *record = NULL;
    char *net = o->from_match ? NULL : spf_match(results, from, o->ip, 0, &complete, &record);
    if (record) {
        free(o->spf_record);
        o->spf_record = record;
    }
    if (net) {
        o->from_match = MK_FROM_MATCH_SPF;
        free(o->spf_mechanism);
        o->spf_mechanism = net;
    }
    o->from_checked = o->from_match != MK_FROM_MATCH_NONE || complete;
}

static void build_origin(mk_online_facts *online, const json_t *plan, const json_t *results)
{
    mk_online_origin *o = &online->origin;
    const char *ip = json_string_value(json_object_get(plan, "origin_ip"));
    const char *rdns = json_string_value(json_object_get(plan, "recorded_rdns"));
    const char *helo = json_string_value(json_object_get(plan, "helo"));
    o->ip = mk_xstrdup(ip ? ip : "");
    o->recorded_name = mk_xstrdup(rdns ? rdns : "");
    o->helo = mk_xstrdup(ip && helo ? helo : "");
    o->ptr = MK_EXIST_SKIPPED;
    if (!ip)
        return;
    /* An origin without a PTR record is the usual case for phishing: the status is
     * an enum, not a word borrowed from the answer, which is freed after the build. */
    const json_t *ptr = answer(results, "dns", "PTR", ip);
    const char *st = status_of(ptr);
    o->ptr = !definitive(ptr) ? MK_EXIST_UNKNOWN : !strcmp(st, "ok") ? MK_EXIST_OK
             : !strcmp(st, "nxdomain") ? MK_EXIST_NXDOMAIN : MK_EXIST_NODATA;
    push_answers(&o->ptr_names, ptr);
    o->recorded_forward = forward_check(results, o->recorded_name, ip, &o->forward_addresses);
    o->ptr_forward = forward_check(results, o->ptr_names.n ? o->ptr_names.v[0] : "", ip, &o->forward_addresses);
    o->helo_forward = forward_check(results, o->helo, ip, &o->helo_addresses);
    build_from_match(o, online, plan, results);
}

/* ---- the summary ----------------------------------------------------------- */

/* Counts how the questions ended, and whether every registry question failed. */
static void summarise(mk_online_facts *online, const json_t *results)
{
    mk_online_summary *s = &online->summary;
    for (size_t i = 0; i < online->n_lookups; i++) {
        switch (online->lookups[i].status) {
        case MK_LOOKUP_OK:
        case MK_LOOKUP_NXDOMAIN:
        case MK_LOOKUP_CACHED: s->answered++; break;
        case MK_LOOKUP_ERROR: s->failed++; break;
        case MK_LOOKUP_TIMEOUT: s->timed_out++; break;
        case MK_LOOKUP_SKIPPED: s->skipped++; break;
        }
    }
    size_t answered = 0, errors = 0;
    for (size_t i = 0; i < online->n_regs; i++) {
        const char *domain = online->regs[i].domain;
        const json_t *r = answer(results, "rdap", "domain", domain);
        if (!r)
            r = answer(results, "whois", "domain", domain);
        const char *st = status_of(r);
        if (!r || !strcmp(st, "timeout"))
            continue;
        answered++;
        errors += !strcmp(st, "error");
    }
    s->registry_unreliable = answered > 0 && errors == answered;
}

/* ---- build / find / free ------------------------------------------------- */

void mk_online_build(mk_online_facts *online, const json_t *plan, const json_t *results, const mk_geo *geo,
                     const struct mk_privacy *privacy)
{
    const json_t *hosts = json_object_get(plan, "hosts");
    const json_t *regs = json_object_get(plan, "regs");
    /* A resolver caught denying names that exist is heard no further: as if it had been silent. */
    json_t *none = json_object();
    const json_t *dns_results = online->summary.resolver_unreliable ? none : results;
    online->hosts = mk_xcalloc(json_object_size(hosts) + 1, sizeof *online->hosts);
    online->regs = mk_xcalloc(json_object_size(regs) + 1, sizeof *online->regs);
    const char *name;
    json_t *roles;
    json_object_foreach((json_t *)hosts, name, roles)
        build_host(&online->hosts[online->n_hosts++], name, (unsigned)json_integer_value(roles), dns_results, geo);
    json_object_foreach((json_t *)regs, name, roles)
        build_reg(&online->regs[online->n_regs++], name, (unsigned)json_integer_value(roles), results, privacy);
    build_origin(online, plan, dns_results);
    json_decref(none);
    list_geo_lookups(online, geo);
    summarise(online, results);
}

/* ---- the clock ------------------------------------------------------------- */

time_t mk_received_at(const mk_facts *f, time_t now, mk_clock *clock)
{
    time_t t = 0;
    *clock = MK_CLOCK_ANALYSIS;
    if (f && f->hops.origin >= 0 && (size_t)f->hops.origin < f->hops.n)
        t = f->hops.v[f->hops.origin].date;
    for (size_t i = f ? f->hops.n : 0; t <= 0 && i-- > 0;)
        if (f->hops.v[i].trusted)
            t = f->hops.v[i].date;   /* the topmost trusted hop with a date */
    if (t > 0)
        *clock = MK_CLOCK_RECEIVED;
    else if (f && f->msg && f->msg->date > 0) {
        t = f->msg->date;
        *clock = MK_CLOCK_DATE;
    }
    /* A date in the future is a wrong clock or a lie: the message cannot have arrived after now. */
    return t > 0 && t < now ? t : now;
}

const mk_online_host *mk_online_host_find(const mk_online_facts *online, const char *name)
{
    for (size_t i = 0; online && name && i < online->n_hosts; i++)
        if (mk_ascii_ieq(online->hosts[i].name, name))
            return &online->hosts[i];
    return NULL;
}

const mk_online_registration *mk_online_reg_find(const mk_online_facts *online, const char *domain)
{
    for (size_t i = 0; online && domain && i < online->n_regs; i++)
        if (mk_ascii_ieq(online->regs[i].domain, domain))
            return &online->regs[i];
    return NULL;
}

static void free_host(mk_online_host *h)
{
    free(h->name);
    mk_strlist_free(&h->addresses);
    mk_strlist_free(&h->mx_hosts);
    mk_strlist_free(&h->mx_addresses);
    mk_geo_info_free(&h->geo);   /* filled even by a lookup that found nothing */
}

static void free_reg(mk_online_registration *g)
{
    free(g->domain);
    free(g->created_text);
    free(g->registrar);
    free(g->registrant_name);
    free(g->registrant_org);
    free(g->registrant_country);
    free(g->registry_status);
    free(g->privacy_service);
    free(g->privacy_text);
}

void mk_online_facts_free(mk_online_facts *online)
{
    if (!online)
        return;
    for (size_t i = 0; i < online->n_lookups; i++) {
        mk_online_lookup *l = &online->lookups[i];
        free(l->target), free(l->server);
    }
    free(online->lookups);
    for (size_t i = 0; i < online->n_hosts; i++)
        free_host(&online->hosts[i]);
    free(online->hosts);
    for (size_t i = 0; i < online->n_regs; i++)
        free_reg(&online->regs[i]);
    free(online->regs);
    mk_online_origin *o = &online->origin;
    free(o->ip);
    free(o->recorded_name);
    free(o->helo);
    mk_strlist_free(&o->helo_addresses);
    free(o->spf_record);
    free(o->spf_mechanism);
    mk_strlist_free(&o->ptr_names);
    mk_strlist_free(&o->forward_addresses);
    free(online);
}

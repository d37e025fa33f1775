/* lookups.c - the look-ups, all at once, under one clock.
 *
 * An investigator checking a phishing mail asks DNS whether the sender's
 * domain exists, who the origin IP says it is and whether that name points
 * back, whether the IP may send for the From domain, and a registry when and
 * by whom each domain was registered. This engine asks all of that
 * concurrently from one thread: c-ares sockets, WHOIS sockets and curl's
 * transfers are polled together by curl_multi_poll() (ours passed as extra
 * descriptors), so there is one loop and one deadline. Whatever has not
 * answered when the budget runs out is cancelled and reported as "timeout";
 * the checks then treat it as unknown, so a silent network only ever removes
 * online findings.
 *
 * Work is planned first (which names, which registrable domains, which IP),
 * then every first-round question is asked. Answers may raise follow-up
 * questions: MX hosts need addresses, a PTR name needs forward confirmation,
 * an SPF record names includes, registration needs the IANA bootstrap or a
 * WHOIS referral and WHOIS servers need addresses. Every answer, first or
 * follow-up, lands in one JSON object keyed by "kind:type:target"; at the end
 * online_facts.c reads the facts from that object. Answers come from the
 * SQLite cache when fresh, which is reported per look-up as "cached".
 *
 * Privacy: every name and address asked about or connected to - planned,
 * followed up from an answer, a WHOIS server or an RDAP redirect - passes
 * mk_contact_check() first (contact.h), so nothing internal from a message
 * or a hostile answer is ever sent out: no special-use name (.local,
 * .internal, .home.arpa, ...) and no internal address, however spelled.
 * Only servers named in the options may be local.
 * The phishing pages themselves are never fetched.
 */
#include "lookups.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "catalog.h"
#include "contact.h"
#include "dns.h"
#include "domain.h"
#include "privacy.h"
#include "rdap.h"
#include "resolver_check.h"
#include "spf.h"
#include "whois.h"

#define MK_MAX_HOSTS 40
#define MK_MAX_REGS 20
#define MK_MAX_SPF_LOOKUPS 10
#define MK_MAX_POLLFDS 64
#define MK_STOP_POLL_MS 50

typedef struct whois_wait {
    char *kind;      /* "whois" or "whois-ref" */
    char *target;    /* domain or TLD */
    char *host;      /* server name or IP */
    int port;
    char *query;
    bool explicit_server;
    bool started;
} whois_wait;

typedef struct engine {
    const mk_enrich_options *opt;
    mk_online_facts *online;
    mk_dns *dns;
    mk_rdap *rdap;
    mk_whois *whois;
    mk_cache *cache;
    json_t *whois_servers;
    json_t *plan;        /* {"hosts": {name: roles}, "regs": {domain: roles}, "from_host", "origin_ip", "recorded_rdns"} */
    json_t *results;     /* "kind:type:target" -> result */
    json_t *started;     /* same keys, for de-duplication */
    json_t *bootstrap;   /* IANA file once known */
    int bootstrap_state; /* 0 not asked, 1 asked, 2 done (bootstrap may still be NULL) */
    mk_strlist await_bootstrap;
    whois_wait *waits;
    size_t n_waits;
    size_t spf_lookups;
    json_t *to_cache;    /* [[kind:type, target, result, ttl]], written in one transaction at the end */
    mk_resolver_check resolver_check;
    mk_resolver_verdict cached_verdict;  /* UNTESTED unless the cache knew this resolver */
    bool closing;
} engine;

typedef struct query_ctx {
    engine *e;
    char *kind;
    char *type;
    char *target;
    mk_lookup_purpose purpose;
    size_t lookup;
} query_ctx;

static void on_result(engine *e, const char *kind, const char *type, const char *target, json_t *result,
                      mk_lookup_purpose purpose);

/* ---- the lookups list ---------------------------------------------------- */

static mk_lookup_kind kind_of(const char *kind)
{
    return !strcmp(kind, "dns") ? MK_LOOKUP_DNS : !strcmp(kind, "rdap") ? MK_LOOKUP_RDAP : MK_LOOKUP_WHOIS;
}

/* The record type as the report shows it: DNS types as they are, registries by protocol. */
static const char *shown_type(mk_lookup_kind kind, const char *type)
{
    static const char *const dns_types[] = {"A", "AAAA", "MX", "PTR", "TXT"};
    if (kind == MK_LOOKUP_RDAP)
        return "RDAP";
    if (kind == MK_LOOKUP_WHOIS)
        return "WHOIS";
    for (size_t i = 0; i < sizeof dns_types / sizeof *dns_types; i++)
        if (!strcmp(type, dns_types[i]))
            return dns_types[i];
    return "A";
}

static size_t add_lookup(engine *e, const char *kind, const char *type, const char *target, const char *server,
                         mk_lookup_purpose purpose)
{
    mk_online_facts *o = e->online;
    o->lookups = mk_xrealloc(o->lookups, (o->n_lookups + 1) * sizeof *o->lookups);
    mk_online_lookup *l = &o->lookups[o->n_lookups];
    l->kind = kind_of(kind);
    l->type = shown_type(l->kind, type);
    l->target = mk_xstrdup(target);
    l->status = MK_LOOKUP_TIMEOUT;
    l->purpose = purpose;
    l->server = mk_xstrdup(server ? server : "");
    l->ms = 0;
    return o->n_lookups++;
}

static void set_lookup(engine *e, size_t i, mk_lookup_status status, double ms)
{
    mk_online_lookup *l = &e->online->lookups[i];
    l->status = status;
    l->ms = ms;
}

/* ---- caching policy ------------------------------------------------------ */

static long ttl_for(const char *kind, const json_t *result)
{
    const char *st = json_string_value(json_object_get(result, "status"));
    if (!st || strcmp(st, "timeout") == 0 || strcmp(st, "error") == 0)
        return 0;
    if (strcmp(kind, "dns") == 0)
        return strcmp(st, "ok") == 0 ? MK_TTL_DNS_POSITIVE : MK_TTL_DNS_NEGATIVE;
    return strcmp(st, "unregistered") == 0 ? MK_TTL_RDAP_NEGATIVE : MK_TTL_RDAP_POSITIVE;
}

/* How one answer (its JSON "status" word) ended, for the lookups list. */
static mk_lookup_status lookup_status(const json_t *result)
{
    const char *st = json_string_value(json_object_get(result, "status"));
    if (!st)
        return MK_LOOKUP_ERROR;
    if (!strcmp(st, "unregistered") || !strcmp(st, "nxdomain"))
        return MK_LOOKUP_NXDOMAIN;
    if (!strcmp(st, "registered") || !strcmp(st, "nodata") || !strcmp(st, "ok"))
        return MK_LOOKUP_OK;
    if (!strcmp(st, "timeout"))
        return MK_LOOKUP_TIMEOUT;
    if (!strcmp(st, "skipped"))
        return MK_LOOKUP_SKIPPED;
    return MK_LOOKUP_ERROR;
}

static char *make_key(const char *kind, const char *type, const char *target)
{
    return mk_xasprintf("%s:%s:%s", kind, type, target);
}

/* Marks key as started; false when it already was (or the engine is closing). */
static bool claim(engine *e, const char *key)
{
    if (e->closing || json_object_get(e->started, key))
        return false;
    json_object_set_new(e->started, key, json_true());
    return true;
}

/* Answers from the cache when possible; true when it did. */
static bool answer_from_cache(engine *e, const char *kind, const char *type, const char *target,
                              const char *server, mk_lookup_purpose purpose)
{
    char *ckey = mk_xasprintf("%s:%s", kind, type);
    json_t *hit = mk_cache_get(e->cache, ckey, target, e->online->now);
    free(ckey);
    if (!hit)
        return false;
    size_t i = add_lookup(e, kind, type, target, server, purpose);
    set_lookup(e, i, MK_LOOKUP_CACHED, 0);
    on_result(e, kind, type, target, hit, purpose);
    return true;
}

static query_ctx *new_ctx(engine *e, const char *kind, const char *type, const char *target, const char *server,
                          mk_lookup_purpose purpose)
{
    query_ctx *q = mk_xcalloc(1, sizeof *q);
    q->e = e;
    q->kind = mk_xstrdup(kind);
    q->type = mk_xstrdup(type);
    q->target = mk_xstrdup(target);
    q->purpose = purpose;
    q->lookup = add_lookup(e, kind, type, target, server, purpose);
    return q;
}

static void free_ctx(query_ctx *q)
{
    free(q->kind);
    free(q->type);
    free(q->target);
    free(q);
}

/* Records, caches and dispatches one fresh answer; frees the context. */
static void complete(query_ctx *q, json_t *result, double ms)
{
    engine *e = q->e;
    set_lookup(e, q->lookup, lookup_status(result), ms);
    /* The resolver check's answers test one resolver: never remembered as facts. */
    long ttl = q->purpose == MK_PURPOSE_RESOLVER_CHECK ? 0 : ttl_for(q->kind, result);
    if (ttl > 0) {
        /* Written after the loop: a disk sync per answer would serialise the look-ups. */
        char *ckey = mk_xasprintf("%s:%s", q->kind, q->type);
        json_array_append_new(e->to_cache, json_pack("[s, s, O, I]", ckey, q->target, result, (json_int_t)ttl));
        free(ckey);
    }
    on_result(e, q->kind, q->type, q->target, result, q->purpose);
    free_ctx(q);
}

/* ---- DNS ----------------------------------------------------------------- */

static void on_dns(void *arg, json_t *result, double ms)
{
    complete(arg, result, ms);
}

/* Lists a question that mk_contact_check() refused, and why, instead of asking it. */
static void refuse(engine *e, const char *kind, const char *type, const char *target, mk_lookup_purpose purpose,
                   mk_contact why)
{
    fprintf(stderr, "mekiki: not asking %s %s about %s: %s\n", kind, type, target, mk_contact_name(why));
    size_t i = add_lookup(e, kind, type, target, "", purpose);
    set_lookup(e, i, MK_LOOKUP_SKIPPED, 0);
}

static void ask_dns(engine *e, const char *name, mk_dns_type type, mk_lookup_purpose purpose)
{
    const char *tname = mk_dns_type_name(type);
    char *key = make_key("dns", tname, name);
    bool mine = claim(e, key);
    free(key);
    if (!mine)
        return;
    /* A PTR's target is the address itself. The resolver check's names are
     * fixed in data/ (one of them under .invalid on purpose) and say nothing
     * about the message, so the contact rule is for every other question. */
    mk_contact why = purpose == MK_PURPOSE_RESOLVER_CHECK ? MK_CONTACT_ALLOWED : mk_contact_check(name);
    if (why != MK_CONTACT_ALLOWED) {
        refuse(e, "dns", tname, name, purpose, why);
        return;
    }
    if (purpose != MK_PURPOSE_RESOLVER_CHECK && answer_from_cache(e, "dns", tname, name, mk_dns_server(e->dns), purpose))
        return;
    if (!e->dns) {
        size_t i = add_lookup(e, "dns", tname, name, "", purpose);
        set_lookup(e, i, MK_LOOKUP_ERROR, 0);
        return;
    }
    mk_dns_query(e->dns, name, type, on_dns, new_ctx(e, "dns", tname, name, mk_dns_server(e->dns), purpose));
}

static void ask_addresses(engine *e, const char *name, mk_lookup_purpose purpose)
{
    ask_dns(e, name, MK_DNS_A, purpose);
    ask_dns(e, name, MK_DNS_AAAA, purpose);
}

/* ---- WHOIS --------------------------------------------------------------- */

static void on_whois(void *arg, const char *text, size_t len, const char *error, double ms)
{
    query_ctx *q = arg;
    json_t *r = error ? json_pack("{s:s}", "status", error) : mk_whois_parse(text, len);
    complete(q, r, ms);
}

static void connect_whois(engine *e, whois_wait *w, const char *ip)
{
    w->started = true;
    char *server = mk_xasprintf("%s:%d", w->host, w->port);
    query_ctx *q = new_ctx(e, "whois", strcmp(w->kind, "whois-ref") == 0 ? "referral" : "domain", w->target, server,
                           MK_PURPOSE_REGISTRATION);
    free(server);
    if (!w->explicit_server && !mk_contact_allowed(ip)) {
        set_lookup(e, q->lookup, MK_LOOKUP_SKIPPED, 0);   /* a public server name must not lead inside */
        free_ctx(q);
        return;
    }
    mk_whois_query(e->whois, ip, w->port, w->query, on_whois, q);
}

/* Starts every waiting WHOIS query whose server address is now known. */
static void start_ready_whois(engine *e)
{
    for (size_t i = 0; i < e->n_waits; i++) {
        whois_wait *w = &e->waits[i];
        if (w->started || e->closing)
            continue;
        if (mk_ip_is_literal(w->host)) {
            connect_whois(e, w, w->host);
            continue;
        }
        char *key = make_key("dns", "A", w->host);
        json_t *r = json_object_get(e->results, key);
        free(key);
        if (!r)
            continue;
        json_t *first = json_array_get(json_object_get(r, "answers"), 0);
        if (json_is_string(first))
            connect_whois(e, w, json_string_value(first));
        else
            w->started = true;   /* the server does not resolve: registration stays unknown */
    }
}

static void ask_whois(engine *e, const char *kind, const char *target, const char *host, int port,
                      const char *query, bool explicit_server)
{
    const char *type = strcmp(kind, "whois-ref") == 0 ? "referral" : "domain";
    char *key = make_key("whois", type, target);
    bool mine = claim(e, key);
    free(key);
    if (!mine)
        return;
    mk_contact why = explicit_server ? MK_CONTACT_ALLOWED : mk_contact_check(host);
    if (why != MK_CONTACT_ALLOWED) {   /* a referral from a hostile server must not lead inside */
        refuse(e, "whois", type, target, MK_PURPOSE_REGISTRATION, why);
        return;
    }
    char *server = mk_xasprintf("%s:%d", host, port);
    bool cached = answer_from_cache(e, "whois", type, target, server, MK_PURPOSE_REGISTRATION);
    free(server);
    if (cached)
        return;
    e->waits = mk_xrealloc(e->waits, (e->n_waits + 1) * sizeof *e->waits);
    whois_wait *w = &e->waits[e->n_waits++];
    w->kind = mk_xstrdup(kind);
    w->target = mk_xstrdup(target);
    w->host = mk_xstrdup(host);
    w->port = port;
    w->query = mk_xstrdup(query);
    w->explicit_server = explicit_server;
    w->started = false;
    if (!mk_ip_is_literal(host))
        ask_dns(e, host, MK_DNS_A, MK_PURPOSE_REGISTRATION);
    start_ready_whois(e);
}

static const char *tld_of(const char *domain)
{
    const char *dot = strrchr(domain, '.');
    return dot ? dot + 1 : domain;
}

/* WHOIS for a registrable domain: the configured server, the table's, or IANA's referral. */
static void ask_whois_domain(engine *e, const char *domain, const char *server_hint)
{
    const char *suffix = "";
    const char *table_server = mk_whois_server_for(e->whois_servers, tld_of(domain), &suffix);
    char *query = mk_xasprintf("%s%s", domain, suffix);
    char *host = NULL;
    int port = MK_WHOIS_PORT;
    if (e->opt->whois_server && mk_whois_split_server(e->opt->whois_server, &host, &port))
        ask_whois(e, "whois", domain, host, port, query, true);
    else if (server_hint || table_server)
        ask_whois(e, "whois", domain, server_hint ? server_hint : table_server, MK_WHOIS_PORT, query, false);
    else {
        const char *ref = json_string_value(json_object_get(e->whois_servers, "referral_server"));
        if (ref)
            ask_whois(e, "whois-ref", tld_of(domain), ref, MK_WHOIS_PORT, tld_of(domain), false);
    }
    free(host);
    free(query);
}

/* ---- RDAP ---------------------------------------------------------------- */

static void on_rdap(void *arg, long status, const char *body, size_t len, const char *error, double ms)
{
    query_ctx *q = arg;
    json_t *r;
    if (strcmp(q->type, "bootstrap") == 0)
        r = error ? NULL : json_loadb(body, len, 0, NULL);
    else
        r = error ? json_pack("{s:s}", "status", error) : mk_rdap_parse_domain(status, body, len);
    if (strcmp(q->type, "bootstrap") == 0) {
        bool ok = json_is_object(r) && json_is_array(json_object_get(r, "services"));
        if (!ok) {
            json_decref(r);
            r = json_pack("{s:s}", "status", error ? error : "error");
        } else {
            json_object_set_new(r, "status", json_string("ok"));
        }
    }
    complete(q, r, ms);
}

static void ask_rdap_url(engine *e, const char *domain, const char *base)
{
    char *key = make_key("rdap", "domain", domain);
    bool mine = claim(e, key);
    free(key);
    if (!mine || answer_from_cache(e, "rdap", "domain", domain, base, MK_PURPOSE_REGISTRATION))
        return;
    char *url = mk_rdap_domain_url(base, domain);
    mk_rdap_fetch(e->rdap, url, on_rdap, new_ctx(e, "rdap", "domain", domain, base, MK_PURPOSE_REGISTRATION));
    free(url);
}

static void ask_bootstrap(engine *e)
{
    if (e->bootstrap_state)
        return;
    e->bootstrap_state = 1;
    if (answer_from_cache(e, "rdap", "bootstrap", "dns.json", MK_RDAP_BOOTSTRAP_URL, MK_PURPOSE_REGISTRATION))
        return;
    mk_rdap_fetch(e->rdap, MK_RDAP_BOOTSTRAP_URL, on_rdap,
                  new_ctx(e, "rdap", "bootstrap", "dns.json", MK_RDAP_BOOTSTRAP_URL, MK_PURPOSE_REGISTRATION));
}

/* Routes one registrable domain to RDAP or WHOIS (see whois_servers.json and the contract). */
static void ask_registration(engine *e, const char *domain)
{
    const char *suffix;
    if (mk_whois_server_for(e->whois_servers, tld_of(domain), &suffix)) {
        ask_whois_domain(e, domain, NULL);
    } else if (e->opt->rdap_base && e->opt->rdap_base[0]) {
        ask_rdap_url(e, domain, e->opt->rdap_base);
    } else if (e->bootstrap_state == 2) {
        char *base = e->bootstrap ? mk_rdap_bootstrap_base(e->bootstrap, tld_of(domain)) : NULL;
        if (base)
            ask_rdap_url(e, domain, base);
        else if (e->bootstrap)
            ask_whois_domain(e, domain, NULL);
        free(base);
    } else {
        if (!mk_strlist_contains(&e->await_bootstrap, domain))
            mk_strlist_push(&e->await_bootstrap, domain);
        ask_bootstrap(e);
    }
}

/* ---- follow-up questions ------------------------------------------------- */

static void follow_spf(engine *e, json_t *result)
{
    json_t *answers = json_object_get(result, "answers");
    size_t n = json_array_size(answers);
    const char *txt[MK_DNS_MAX_ANSWERS];
    for (size_t i = 0; i < n && i < MK_DNS_MAX_ANSWERS; i++)
        txt[i] = json_string_value(json_array_get(answers, i));
    mk_spf spf;
    if (!mk_spf_parse(mk_spf_pick(txt, n < MK_DNS_MAX_ANSWERS ? n : MK_DNS_MAX_ANSWERS), &spf))
        return;
    for (size_t i = 0; i < spf.includes.n && e->spf_lookups < MK_MAX_SPF_LOOKUPS; i++) {
        char *reg = mk_domain_registrable(spf.includes.v[i]);
        bool registrable = reg != NULL;
        free(reg);
        if (!registrable)
            continue;
        e->spf_lookups++;
        ask_dns(e, spf.includes.v[i], MK_DNS_TXT, MK_PURPOSE_SPF);
    }
    mk_spf_free(&spf);
}

static void follow_names(engine *e, json_t *result, size_t max, mk_lookup_purpose purpose)
{
    json_t *answers = json_object_get(result, "answers");
    for (size_t i = 0; i < json_array_size(answers) && i < max; i++) {
        const char *name = json_string_value(json_array_get(answers, i));
        char *reg = mk_domain_registrable(name);
        if (reg)
            ask_addresses(e, name, purpose);
        free(reg);
    }
}

static void follow_bootstrap(engine *e, json_t *result)
{
    e->bootstrap_state = 2;
    if (json_is_array(json_object_get(result, "services")))
        e->bootstrap = json_incref(result);
    for (size_t i = 0; i < e->await_bootstrap.n; i++)
        ask_registration(e, e->await_bootstrap.v[i]);
}

static void follow_referral(engine *e, const char *tld, json_t *result)
{
    const char *refer = json_string_value(json_object_get(result, "refer"));
    const json_t *regs = json_object_get(e->plan, "regs");
    const char *domain;
    json_t *v;
    json_object_foreach((json_t *)regs, domain, v) {
        if (refer && strcmp(tld_of(domain), tld) == 0)
            ask_whois_domain(e, domain, refer);
    }
}

static void on_result(engine *e, const char *kind, const char *type, const char *target, json_t *result,
                      mk_lookup_purpose purpose)
{
    char *key = make_key(kind, type, target);
    json_object_set_new(e->results, key, result);   /* takes the reference */
    free(key);
    bool ok = strcmp(json_string_value(json_object_get(result, "status")) ?: "", "ok") == 0;
    if (e->closing)
        return;
    if (strcmp(kind, "dns") == 0) {
        if (strcmp(type, "MX") == 0 && ok)
            follow_names(e, result, 5, purpose);
        else if (strcmp(type, "PTR") == 0 && ok)
            follow_names(e, result, 2, MK_PURPOSE_ORIGIN_FORWARD);
        else if (strcmp(type, "TXT") == 0 && ok)
            follow_spf(e, result);
        else if (strcmp(type, "A") == 0)
            start_ready_whois(e);
    } else if (strcmp(type, "bootstrap") == 0) {
        follow_bootstrap(e, result);
    } else if (strcmp(type, "referral") == 0) {
        follow_referral(e, target, result);
    }
}

/* ---- the resolver check -------------------------------------------------- */

/* Asks the resolver about names whose answer is known, unless a recent verdict is cached. */
static void ask_resolver_check(engine *e)
{
    const char *server = mk_dns_server(e->dns);
    json_t *hit = mk_cache_get(e->cache, "resolver:check", server, e->online->now);
    const char *word = json_string_value(json_object_get(hit, "verdict"));
    e->cached_verdict = !word ? MK_RESOLVER_UNTESTED
                        : !strcmp(word, "unreliable") ? MK_RESOLVER_UNRELIABLE : MK_RESOLVER_TRUSTED;
    json_decref(hit);
    const mk_strlist *lists[] = {&e->resolver_check.must_exist, &e->resolver_check.must_not_exist};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < lists[k]->n; i++) {
            if (e->cached_verdict == MK_RESOLVER_UNTESTED)
                ask_dns(e, lists[k]->v[i], MK_DNS_A, MK_PURPOSE_RESOLVER_CHECK);
            else
                set_lookup(e, add_lookup(e, "dns", "A", lists[k]->v[i], server, MK_PURPOSE_RESOLVER_CHECK),
                           MK_LOOKUP_CACHED, 0);
        }
}

/* The verdict on the resolver, remembered for the next message when it is one. */
static void judge_resolver(engine *e)
{
    mk_resolver_verdict v = e->cached_verdict;
    if (v == MK_RESOLVER_UNTESTED && !e->opt->skip_dns) {
        v = mk_resolver_check_judge(&e->resolver_check, e->results);
        long ttl = mk_resolver_verdict_ttl(v);
        if (ttl > 0)
            json_array_append_new(e->to_cache, json_pack("[s, s, {s:s}, I]", "resolver:check", mk_dns_server(e->dns),
                                                         "verdict", mk_resolver_verdict_name(v), (json_int_t)ttl));
    }
    e->online->summary.resolver_unreliable = v == MK_RESOLVER_UNRELIABLE;
}

/* ---- planning ------------------------------------------------------------ */

/* A name we may ask about: a public registrable domain (never "localhost", "x.corp", an IP). */
static char *public_name(const char *host)
{
    if (!host || !host[0] || mk_ip_is_literal(host) || !mk_contact_allowed(host))
        return NULL;
    char *ascii = mk_domain_to_ascii(host);
    char *reg = ascii ? mk_domain_registrable(ascii) : NULL;
    if (!reg) {
        free(ascii);
        return NULL;
    }
    free(reg);
    return ascii;
}

static void plan_add(json_t *obj, const char *name, unsigned role, size_t max)
{
    json_t *cur = json_object_get(obj, name);
    if (cur)
        json_object_set_new(obj, name, json_integer(json_integer_value(cur) | role));
    else if (json_object_size(obj) < max)
        json_object_set_new(obj, name, json_integer(role));
}

static void plan_party(json_t *plan, const mk_party *p, unsigned role)
{
    if (!p->addr)
        return;
    char *name = public_name(p->addr->domain);
    if (!name)
        return;
    plan_add(json_object_get(plan, "hosts"), name, role, MK_MAX_HOSTS);
    char *reg = mk_domain_registrable(name);
    plan_add(json_object_get(plan, "regs"), reg, role, MK_MAX_REGS);
    if (role == MK_ROLE_FROM)
        json_object_set_new(plan, "from_host", json_string(name));
    free(reg);
    free(name);
}

static void plan_links(json_t *plan, const mk_facts *f)
{
    for (size_t i = 0; i < f->page.n_links; i++) {
        const mk_url *u = &f->page.links[i].url;
        char *name = u->valid ? public_name(u->host) : NULL;
        if (!name)
            continue;
        plan_add(json_object_get(plan, "hosts"), name, MK_ROLE_LINK, MK_MAX_HOSTS);
        char *reg = mk_domain_registrable(name);
        plan_add(json_object_get(plan, "regs"), reg, MK_ROLE_LINK, MK_MAX_REGS);
        free(reg);
        free(name);
    }
}

/* Do two names belong to the same registrable domain (one operator's naming)? */
static bool same_registrable(const char *a, const char *b)
{
    char *ra = a ? mk_domain_registrable(a) : NULL;
    char *rb = b ? mk_domain_registrable(b) : NULL;
    bool same = ra && rb && mk_ascii_ieq(ra, rb);
    free(ra);
    free(rb);
    return same;
}

static void plan_origin(json_t *plan, const mk_facts *f)
{
    if (f->hops.origin < 0 || (size_t)f->hops.origin >= f->hops.n)
        return;
    const mk_hop *h = &f->hops.v[f->hops.origin];
    if (h->ip[0] && mk_contact_allowed(h->ip) && mk_ip_is_literal(h->ip))
        json_object_set_new(plan, "origin_ip", json_string(h->ip));
    char *name = public_name(h->rdns);
    if (name)
        json_object_set_new(plan, "recorded_rdns", json_string(name));
    /* The HELO name, when it is a public name outside the recorded name's domain (a
     * provider's internal naming, as in outbound.protection.outlook.com, is its own
     * business) and not one of the message's own names (a HELO that borrows the From
     * domain is the origin check's business): it is resolved and compared with the
     * IP, and its domain's registration read. */
    char *helo = public_name(h->helo);
    bool known = helo && (json_object_get(json_object_get(plan, "hosts"), helo) || same_registrable(helo, name));
    if (helo && !known) {
        json_object_set_new(plan, "helo", json_string(helo));
        char *reg = mk_domain_registrable(helo);
        plan_add(json_object_get(plan, "regs"), reg, MK_ROLE_HELO, MK_MAX_REGS);
        free(reg);
    }
    free(helo);
    free(name);
}

json_t *mk_enrich_plan(const mk_facts *f)
{
    json_t *plan = json_pack("{s:{}, s:{}}", "hosts", "regs");
    plan_party(plan, &f->from, MK_ROLE_FROM);
    plan_party(plan, &f->reply_to, MK_ROLE_REPLY_TO);
    plan_party(plan, &f->return_path, MK_ROLE_RETURN_PATH);
    plan_links(plan, f);
    plan_origin(plan, f);
    return plan;
}

/* The question's purpose for a name with these roles (the first role wins). */
static mk_lookup_purpose role_purpose(unsigned roles)
{
    if (roles & MK_ROLE_FROM)
        return MK_PURPOSE_SENDER;
    if (roles & MK_ROLE_REPLY_TO)
        return MK_PURPOSE_REPLY_TO;
    if (roles & MK_ROLE_RETURN_PATH)
        return MK_PURPOSE_RETURN_PATH;
    return MK_PURPOSE_LINK;
}

static void ask_plan(engine *e)
{
    const char *from = json_string_value(json_object_get(e->plan, "from_host"));
    const char *name;
    json_t *roles;
    if (!e->opt->skip_dns) {
        ask_resolver_check(e);
        json_object_foreach(json_object_get(e->plan, "hosts"), name, roles) {
            unsigned r = (unsigned)json_integer_value(roles);
            ask_addresses(e, name, role_purpose(r));
            if (r & (MK_ROLE_FROM | MK_ROLE_REPLY_TO | MK_ROLE_RETURN_PATH))
                ask_dns(e, name, MK_DNS_MX, role_purpose(r));
        }
        const char *ip = json_string_value(json_object_get(e->plan, "origin_ip"));
        if (ip) {
            ask_dns(e, ip, MK_DNS_PTR, MK_PURPOSE_ORIGIN_REVERSE);
            if (from)
                ask_dns(e, from, MK_DNS_TXT, MK_PURPOSE_SPF);
        }
        const char *rdns = json_string_value(json_object_get(e->plan, "recorded_rdns"));
        if (ip && rdns)
            ask_addresses(e, rdns, MK_PURPOSE_ORIGIN_FORWARD);
        const char *helo = json_string_value(json_object_get(e->plan, "helo"));
        if (ip && helo)
            ask_addresses(e, helo, MK_PURPOSE_HELO);
    }
    if (!e->opt->skip_registration)
        json_object_foreach(json_object_get(e->plan, "regs"), name, roles)
            ask_registration(e, name);
}

/* ---- the loop ------------------------------------------------------------ */

static size_t pending(const engine *e)
{
    return mk_dns_pending(e->dns) + mk_rdap_pending(e->rdap) + mk_whois_pending(e->whois);
}

static void run_once(engine *e, int wait_ms)
{
    struct pollfd pfd[MK_MAX_POLLFDS];
    struct curl_waitfd wfd[MK_MAX_POLLFDS];
    size_t nd = e->dns ? mk_dns_pollfds(e->dns, pfd, MK_MAX_POLLFDS / 2) : 0;
    size_t nw = mk_whois_pollfds(e->whois, pfd + nd, MK_MAX_POLLFDS - nd);
    for (size_t i = 0; i < nd + nw; i++) {
        wfd[i].fd = pfd[i].fd;
        wfd[i].events = (short)(((pfd[i].events & POLLIN) ? CURL_WAIT_POLLIN : 0) |
                                ((pfd[i].events & POLLOUT) ? CURL_WAIT_POLLOUT : 0));
        wfd[i].revents = 0;
    }
    if (e->dns)
        wait_ms = mk_dns_timeout_ms(e->dns, wait_ms);
    curl_multi_poll(mk_rdap_multi(e->rdap), wfd, (unsigned)(nd + nw), wait_ms, NULL);
    for (size_t i = 0; i < nd + nw; i++)
        pfd[i].revents = (short)(((wfd[i].revents & CURL_WAIT_POLLIN) ? POLLIN : 0) |
                                 ((wfd[i].revents & CURL_WAIT_POLLOUT) ? POLLOUT : 0) |
                                 ((wfd[i].revents & CURL_WAIT_POLLPRI) ? POLLIN : 0));
    if (e->dns)
        mk_dns_process(e->dns, pfd, nd);
    mk_whois_process(e->whois, pfd + nd, nw);
    mk_rdap_perform(e->rdap);
}

static bool stopped(const engine *e)
{
    return e->opt->stop && atomic_load(e->opt->stop);
}

static void run_until(engine *e, double deadline)
{
    mk_rdap_perform(e->rdap);
    while (pending(e) > 0 && !stopped(e)) {
        double left = deadline - mk_now_ms();
        if (left <= 0)
            break;
        if (left > MK_STOP_POLL_MS && e->opt->stop)
            left = MK_STOP_POLL_MS;   /* a stop from another thread is seen this quickly */
        run_once(e, left < 1 ? 1 : (int)left);
    }
    e->closing = true;
    e->online->budget_exhausted = pending(e) > 0;
    mk_dns_cancel(e->dns);
    mk_rdap_cancel(e->rdap);
    mk_whois_cancel(e->whois);
}

/* ---- set-up and tear-down ------------------------------------------------ */

static void open_services(engine *e, const mk_enrich_options *opt, int budget)
{
    char *err = NULL;
    e->dns = mk_dns_new(opt->dns_server, budget < 2000 ? budget : 2000, &err);
    free(err);
    e->rdap = mk_rdap_new(budget);
    if (opt->rdap_base && opt->rdap_base[0])
        mk_rdap_trust(e->rdap, opt->rdap_base);   /* the user's server; redirects away from it are judged */
    e->whois = mk_whois_new();
    if (!opt->no_cache) {
        char *dir = opt->cache_dir ? mk_xstrdup(opt->cache_dir) : mk_cache_default_dir();
        e->cache = mk_cache_open(dir, NULL);
        free(dir);
    }
    const char *data = opt->data_dir ? opt->data_dir : mk_catalog_default_dir();
    e->whois_servers = mk_whois_servers_load(data, NULL);
    mk_resolver_check_load(data, &e->resolver_check);
}

static void flush_cache(engine *e)
{
    if (!e->cache || json_array_size(e->to_cache) == 0)
        return;
    mk_cache_begin(e->cache);
    size_t i;
    json_t *row;
    json_array_foreach(e->to_cache, i, row) {
        mk_cache_put(e->cache, json_string_value(json_array_get(row, 0)), json_string_value(json_array_get(row, 1)),
                     json_array_get(row, 2), e->online->now, (long)json_integer_value(json_array_get(row, 3)));
    }
    mk_cache_commit(e->cache);
}

static void close_services(engine *e)
{
    flush_cache(e);
    json_decref(e->to_cache);
    mk_dns_free(e->dns);
    mk_rdap_free(e->rdap);
    mk_whois_free(e->whois);
    mk_cache_close(e->cache);
    json_decref(e->whois_servers);
    json_decref(e->bootstrap);
    json_decref(e->started);
    mk_strlist_free(&e->await_bootstrap);
    mk_resolver_check_free(&e->resolver_check);
    for (size_t i = 0; i < e->n_waits; i++) {
        free(e->waits[i].kind);
        free(e->waits[i].target);
        free(e->waits[i].host);
        free(e->waits[i].query);
    }
    free(e->waits);
}

mk_online_facts *mk_enrich(const mk_facts *facts, const mk_geo *geo, const mk_enrich_options *opt)
{
    static const mk_enrich_options defaults = {.budget_ms = 3000};
    if (!opt)
        opt = &defaults;
    double t0 = mk_now_ms();
    int budget = opt->budget_ms > 0 ? opt->budget_ms : 3000;
    engine e = {0};
    e.opt = opt;
    e.online = mk_xcalloc(1, sizeof *e.online);
    e.online->now = time(NULL);
    e.online->received_at = mk_received_at(facts, e.online->now, &e.online->received_clock);
    e.online->budget_ms = budget;
    e.results = json_object();
    e.started = json_object();
    e.to_cache = json_array();
    e.plan = facts ? mk_enrich_plan(facts) : json_pack("{s:{}, s:{}}", "hosts", "regs");
    open_services(&e, opt, budget);
    ask_plan(&e);
    run_until(&e, t0 + budget);
    judge_resolver(&e);
    close_services(&e);
    const char *data = opt->data_dir ? opt->data_dir : mk_catalog_default_dir();
    mk_privacy *privacy = mk_privacy_load(data, NULL);
    mk_online_build(e.online, e.plan, e.results, geo, privacy);
    mk_privacy_free(privacy);
    json_decref(e.plan);
    json_decref(e.results);
    e.online->elapsed_ms = mk_now_ms() - t0;
    return e.online;
}

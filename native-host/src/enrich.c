/* enrich.c - the look-ups, all at once, under one clock.
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
#include "enrich.h"

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
    bool closing;
} engine;

typedef struct query_ctx {
    engine *e;
    char *key;
    char *kind;
    char *type;
    char *target;
    size_t lookup;
    long http_ok_ttl;
} query_ctx;

static void on_result(engine *e, const char *kind, const char *type, const char *target, json_t *result);

/* ---- the lookups list ---------------------------------------------------- */

static size_t add_lookup(engine *e, const char *kind, const char *type, const char *target, const char *server)
{
    mk_online_facts *o = e->online;
    o->lookups = mk_xrealloc(o->lookups, (o->n_lookups + 1) * sizeof *o->lookups);
    mk_online_lookup *l = &o->lookups[o->n_lookups];
    l->kind = mk_xstrdup(kind);
    l->type = mk_xstrdup(type);
    l->target = mk_xstrdup(target);
    l->status = mk_xstrdup("timeout");
    l->server = mk_xstrdup(server ? server : "");
    l->ms = 0;
    return o->n_lookups++;
}

static void set_lookup(engine *e, size_t i, const char *status, double ms)
{
    mk_online_lookup *l = &e->online->lookups[i];
    free(l->status);
    l->status = mk_xstrdup(status);
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

/* The status word for the lookups list. */
static const char *lookup_status(const json_t *result)
{
    const char *st = json_string_value(json_object_get(result, "status"));
    if (!st)
        return "error";
    if (strcmp(st, "unregistered") == 0)
        return "nxdomain";
    if (strcmp(st, "registered") == 0 || strcmp(st, "nodata") == 0)
        return "ok";
    return st;
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
                              const char *server)
{
    char *ckey = mk_xasprintf("%s:%s", kind, type);
    json_t *hit = mk_cache_get(e->cache, ckey, target, e->online->now);
    free(ckey);
    if (!hit)
        return false;
    size_t i = add_lookup(e, kind, type, target, server);
    set_lookup(e, i, "cached", 0);
    on_result(e, kind, type, target, hit);
    return true;
}

static query_ctx *new_ctx(engine *e, const char *kind, const char *type, const char *target, const char *server)
{
    query_ctx *q = mk_xcalloc(1, sizeof *q);
    q->e = e;
    q->kind = mk_xstrdup(kind);
    q->type = mk_xstrdup(type);
    q->target = mk_xstrdup(target);
    q->lookup = add_lookup(e, kind, type, target, server);
    return q;
}

/* Records, caches and dispatches one fresh answer; frees the context. */
static void complete(query_ctx *q, json_t *result, double ms)
{
    engine *e = q->e;
    set_lookup(e, q->lookup, lookup_status(result), ms);
    long ttl = ttl_for(q->kind, result);
    if (ttl > 0) {
        /* Written after the loop: a disk sync per answer would serialise the look-ups. */
        char *ckey = mk_xasprintf("%s:%s", q->kind, q->type);
        json_array_append_new(e->to_cache, json_pack("[s, s, O, I]", ckey, q->target, result, (json_int_t)ttl));
        free(ckey);
    }
    on_result(e, q->kind, q->type, q->target, result);
    free(q->kind);
    free(q->type);
    free(q->target);
    free(q->key);
    free(q);
}

/* ---- DNS ----------------------------------------------------------------- */

static void on_dns(void *arg, json_t *result, double ms)
{
    complete(arg, result, ms);
}

/* Lists a question that mk_contact_check() refused, and why, instead of asking it. */
static void refuse(engine *e, const char *kind, const char *type, const char *target, mk_contact why)
{
    fprintf(stderr, "mekiki: not asking %s %s about %s: %s\n", kind, type, target, mk_contact_name(why));
    size_t i = add_lookup(e, kind, type, target, "");
    set_lookup(e, i, "skipped", 0);
}

static void ask_dns(engine *e, const char *name, mk_dns_type type)
{
    const char *tname = mk_dns_type_name(type);
    char *key = make_key("dns", tname, name);
    bool mine = claim(e, key);
    free(key);
    if (!mine)
        return;
    mk_contact why = mk_contact_check(name);   /* a PTR's target is the address itself */
    if (why != MK_CONTACT_ALLOWED) {
        refuse(e, "dns", tname, name, why);
        return;
    }
    if (answer_from_cache(e, "dns", tname, name, mk_dns_server(e->dns)))
        return;
    if (!e->dns) {
        size_t i = add_lookup(e, "dns", tname, name, "");
        set_lookup(e, i, "error", 0);
        return;
    }
    mk_dns_query(e->dns, name, type, on_dns, new_ctx(e, "dns", tname, name, mk_dns_server(e->dns)));
}

static void ask_addresses(engine *e, const char *name)
{
    ask_dns(e, name, MK_DNS_A);
    ask_dns(e, name, MK_DNS_AAAA);
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
    query_ctx *q = new_ctx(e, "whois", strcmp(w->kind, "whois-ref") == 0 ? "referral" : "domain", w->target, server);
    free(server);
    if (!w->explicit_server && !mk_contact_allowed(ip)) {
        set_lookup(e, q->lookup, "skipped", 0);   /* a public server name must not lead inside */
        free(q->kind), free(q->type), free(q->target), free(q);
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
        refuse(e, "whois", type, target, why);
        return;
    }
    char *server = mk_xasprintf("%s:%d", host, port);
    bool cached = answer_from_cache(e, "whois", type, target, server);
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
        ask_dns(e, host, MK_DNS_A);
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
    if (!mine || answer_from_cache(e, "rdap", "domain", domain, base))
        return;
    char *url = mk_rdap_domain_url(base, domain);
    mk_rdap_fetch(e->rdap, url, on_rdap, new_ctx(e, "rdap", "domain", domain, base));
    free(url);
}

static void ask_bootstrap(engine *e)
{
    if (e->bootstrap_state)
        return;
    e->bootstrap_state = 1;
    if (answer_from_cache(e, "rdap", "bootstrap", "dns.json", MK_RDAP_BOOTSTRAP_URL))
        return;
    mk_rdap_fetch(e->rdap, MK_RDAP_BOOTSTRAP_URL, on_rdap,
                  new_ctx(e, "rdap", "bootstrap", "dns.json", MK_RDAP_BOOTSTRAP_URL));
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
        ask_dns(e, spf.includes.v[i], MK_DNS_TXT);
    }
    mk_spf_free(&spf);
}

static void follow_names(engine *e, json_t *result, size_t max)
{
    json_t *answers = json_object_get(result, "answers");
    for (size_t i = 0; i < json_array_size(answers) && i < max; i++) {
        const char *name = json_string_value(json_array_get(answers, i));
        char *reg = mk_domain_registrable(name);
        if (reg)
            ask_addresses(e, name);
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

static void on_result(engine *e, const char *kind, const char *type, const char *target, json_t *result)
{
    char *key = make_key(kind, type, target);
    json_object_set_new(e->results, key, result);   /* takes the reference */
    free(key);
    bool ok = strcmp(json_string_value(json_object_get(result, "status")) ?: "", "ok") == 0;
    if (e->closing)
        return;
    if (strcmp(kind, "dns") == 0) {
        if (strcmp(type, "MX") == 0 && ok)
            follow_names(e, result, 5);
        else if (strcmp(type, "PTR") == 0 && ok)
            follow_names(e, result, 2);
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

static void ask_plan(engine *e)
{
    const char *from = json_string_value(json_object_get(e->plan, "from_host"));
    const char *name;
    json_t *roles;
    if (!e->opt->skip_dns) {
        json_object_foreach(json_object_get(e->plan, "hosts"), name, roles) {
            ask_addresses(e, name);
            if (json_integer_value(roles) & (MK_ROLE_FROM | MK_ROLE_REPLY_TO | MK_ROLE_RETURN_PATH))
                ask_dns(e, name, MK_DNS_MX);
        }
        const char *ip = json_string_value(json_object_get(e->plan, "origin_ip"));
        if (ip) {
            ask_dns(e, ip, MK_DNS_PTR);
            if (from)
                ask_dns(e, from, MK_DNS_TXT);
        }
        const char *rdns = json_string_value(json_object_get(e->plan, "recorded_rdns"));
        if (rdns)
            ask_addresses(e, rdns);
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
    e.online->budget_ms = budget;
    e.results = json_object();
    e.started = json_object();
    e.to_cache = json_array();
    e.plan = facts ? mk_enrich_plan(facts) : json_pack("{s:{}, s:{}}", "hosts", "regs");
    open_services(&e, opt, budget);
    ask_plan(&e);
    run_until(&e, t0 + budget);
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

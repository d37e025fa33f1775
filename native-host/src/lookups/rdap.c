/* rdap.c - RDAP: the structured successor of WHOIS, fetched concurrently.
 *
 * Transfers: every request is an easy handle on one multi handle, so any
 * number of registries are asked at once and the caller's loop stays in
 * charge of time. Each handle has a private record with the growing body
 * (refused past MK_RDAP_MAX_BODY), the callback and the start time. Only
 * http and https are allowed, and signals are disabled so that a timeout
 * cannot interrupt the host.
 *
 * Where a transfer may go: a registry's answer is hostile too, and a 302 to
 * http://127.0.0.2:8080/... or http://[::ffff:10.0.0.1]/ would make the host
 * send a GET with an attacker's path inside the user's network. So curl
 * follows no redirect itself: each Location is judged by mk_contact_check()
 * before it is followed (at most three times), and every address curl is
 * about to connect to - also for names that resolve inside, or URLs from the
 * bootstrap file - is judged again in the open-socket callback. The one
 * exception is the server the user configured (--rdap-base): its origin
 * (scheme, host, port) is trusted wherever it is, redirects to that same
 * origin included; a redirect away from it is judged like any other. When
 * the environment names a proxy, curl connects to the proxy (the user's
 * choice) and the URL checks alone apply.
 *
 * Parsing: an RDAP domain object lists events (we want "registration"),
 * entities with roles (registrar, registrant, ...) whose contact data is a
 * jCard (RFC 7095: ["vcard", [[name, params, type, value], ...]]) and
 * remarks. Registries differ in detail, so the parser looks for the fields by
 * meaning and tolerates every shape; entities nest, and the walk is bounded.
 */
#include "rdap.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contact.h"
#include "domain.h"
#include "platform.h"
#include "util.h"

#define MK_RDAP_MAX_REDIRECTS 3

typedef struct rdap_transfer rdap_transfer;

struct mk_rdap {
    CURLM *multi;
    size_t pending;
    int timeout_ms;
    rdap_transfer *head;   /* every unfinished transfer, so that cancel can reach them */
    char *trusted_origin;  /* "scheme://host:port" of the user's server, or NULL */
    bool via_proxy;        /* the environment names a proxy: curl connects to it, not to the registry */
};

struct rdap_transfer {
    rdap_transfer *prev, *next;
    mk_rdap *owner;
    CURL *easy;
    mk_strbuf body;
    int too_big;
    int redirects;
    bool trusted;          /* the URL is on the user's configured server */
    mk_rdap_cb cb;
    void *arg;
    double started;
};

/* ---- transfers ----------------------------------------------------------- */

/* curl_global_init() must run once before any thread uses curl. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void init_curl(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

mk_rdap *mk_rdap_new(int timeout_ms)
{
    pthread_once(&curl_once, init_curl);
    mk_rdap *r = mk_xcalloc(1, sizeof *r);
    r->multi = curl_multi_init();
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : 3000;
    static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                             "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxy_vars / sizeof proxy_vars[0]; i++) {
        const char *v = getenv(proxy_vars[i]);
        if (v && v[0])
            r->via_proxy = true;
    }
    return r;
}

/* ---- where a transfer may go ------------------------------------------------ */

/* "scheme://host:port" of url, lower-case, default port filled in; *host gets the
 * host as curl will use it (numeric IPv4 spellings normalised). NULL when unparsable. */
static char *origin_of(const char *url, char **host)
{
    *host = NULL;
    CURLU *u = curl_url();
    char *scheme = NULL, *h = NULL, *port = NULL, *origin = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        origin = mk_xasprintf("%s://%s:%s", scheme, h, port);
        for (char *p = origin; *p; p++)
            *p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
        *host = mk_xstrdup(h);
    }
    curl_free(scheme);
    curl_free(h);
    curl_free(port);
    curl_url_cleanup(u);
    return origin;
}

void mk_rdap_trust(mk_rdap *r, const char *base_url)
{
    char *host = NULL;
    free(r->trusted_origin);
    r->trusted_origin = origin_of(base_url, &host);
    free(host);
}

/* May url be fetched? Sets *trusted when it is on the user's own server. A
 * host name is judged here, before curl resolves it (resolving alone would
 * leak it); an address is judged where curl connects to it, open_checked(),
 * which also sees what names resolve to - unless a proxy does the connecting. */
static mk_contact judge_url(const mk_rdap *r, const char *url, bool *trusted)
{
    char *host = NULL;
    char *origin = origin_of(url, &host);
    *trusted = origin && r->trusted_origin && strcmp(origin, r->trusted_origin) == 0;
    mk_contact verdict = MK_CONTACT_ALLOWED;
    if (!origin)
        verdict = MK_CONTACT_NOT_A_NAME;
    else if (!*trusted && (r->via_proxy || !mk_ip_is_literal(host)))
        verdict = mk_contact_check(host);
    free(origin);
    free(host);
    return verdict;
}

/* curl's open-socket callback: the last word on every address a transfer connects to. */
static curl_socket_t open_checked(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
    rdap_transfer *t = clientp;
    if (!t->trusted && !t->owner->via_proxy) {
        unsigned char bytes[16] = {[10] = 0xff, [11] = 0xff};
        bool known = false;
        if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in)) {
            memcpy(bytes + 12, &((const struct sockaddr_in *)(const void *)&a->addr)->sin_addr, 4);
            known = true;
        } else if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6)) {
            memcpy(bytes, &((const struct sockaddr_in6 *)(const void *)&a->addr)->sin6_addr, 16);
            known = true;
        }
        mk_address_scope scope = known ? mk_address_scope_of_bytes(bytes) : MK_SCOPE_NOT_ADDRESS;
        if (scope != MK_SCOPE_PUBLIC) {
            fprintf(stderr, "mekiki: rdap: refusing to connect to a %s address\n", mk_address_scope_name(scope));
            return CURL_SOCKET_BAD;
        }
    }
    (void)purpose;
    return socket(a->family, a->socktype, a->protocol);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    rdap_transfer *t = userp;
    size_t n = size * nmemb;
    if (t->body.len + n > MK_RDAP_MAX_BODY) {
        t->too_big = 1;
        return 0;   /* aborts the transfer */
    }
    mk_strbuf_append(&t->body, data, n);
    return n;
}

static void finish(mk_rdap *r, rdap_transfer *t, long status, const char *error)
{
    curl_multi_remove_handle(r->multi, t->easy);
    curl_easy_cleanup(t->easy);
    if (t->prev)
        t->prev->next = t->next;
    else
        r->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    r->pending--;
    t->cb(t->arg, status, t->body.data ? t->body.data : "", t->body.len, error, mk_now_ms() - t->started);
    mk_strbuf_free(&t->body);
    free(t);
}

void mk_rdap_fetch(mk_rdap *r, const char *url, mk_rdap_cb cb, void *arg)
{
    rdap_transfer *t = mk_xcalloc(1, sizeof *t);
    t->owner = r;
    t->cb = cb;
    t->arg = arg;
    t->started = mk_now_ms();
    t->easy = curl_easy_init();
    CURL *e = t->easy;
    mk_contact verdict = judge_url(r, url, &t->trusted);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);   /* redirects are judged, then followed by hand */
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)r->timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "mekiki/" MK_VERSION);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    t->next = r->head;
    if (r->head)
        r->head->prev = t;
    r->head = t;
    r->pending++;
    if (verdict != MK_CONTACT_ALLOWED) {
        fprintf(stderr, "mekiki: rdap: not fetching %s: %s\n", url, mk_contact_name(verdict));
        finish(r, t, 0, "error");
    } else if (curl_multi_add_handle(r->multi, e) != CURLM_OK) {
        finish(r, t, 0, "error");
    }
}

/* Follows a redirect to location when it may be followed; false when it is refused. */
static bool follow(mk_rdap *r, rdap_transfer *t, const char *location)
{
    bool trusted = false;
    mk_contact verdict = judge_url(r, location, &trusted);
    if (verdict != MK_CONTACT_ALLOWED || t->redirects >= MK_RDAP_MAX_REDIRECTS) {
        fprintf(stderr, "mekiki: rdap: not following a redirect to %s: %s\n", location,
                verdict != MK_CONTACT_ALLOWED ? mk_contact_name(verdict) : "too many redirects");
        return false;
    }
    char *url = mk_xstrdup(location);   /* location belongs to the handle */
    curl_multi_remove_handle(r->multi, t->easy);
    mk_strbuf_free(&t->body);
    t->too_big = 0;
    t->redirects++;
    t->trusted = trusted;
    curl_easy_setopt(t->easy, CURLOPT_URL, url);
    free(url);
    return curl_multi_add_handle(r->multi, t->easy) == CURLM_OK;
}

size_t mk_rdap_pending(const mk_rdap *r)
{
    return r ? r->pending : 0;
}

CURLM *mk_rdap_multi(mk_rdap *r)
{
    return r->multi;
}

void mk_rdap_perform(mk_rdap *r)
{
    int running = 0;
    curl_multi_perform(r->multi, &running);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(r->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        rdap_transfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        long status = 0;
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        CURLcode rc = m->data.result;
        char *location = NULL;
        if (rc == CURLE_OK && status >= 300 && status < 400 &&
            curl_easy_getinfo(m->easy_handle, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location) {
            if (!follow(r, t, location))
                finish(r, t, 0, "error");
            continue;
        }
        const char *err = NULL;
        if (rc == CURLE_OPERATION_TIMEDOUT)
            err = "timeout";
        else if (rc != CURLE_OK)
            err = "error";
        finish(r, t, rc == CURLE_OK ? status : 0, err);
    }
}

void mk_rdap_cancel(mk_rdap *r)
{
    while (r && r->head)
        finish(r, r->head, 0, "timeout");
}

void mk_rdap_free(mk_rdap *r)
{
    if (!r)
        return;
    mk_rdap_cancel(r);
    curl_multi_cleanup(r->multi);
    free(r->trusted_origin);
    free(r);
}

/* ---- URLs and the IANA bootstrap ----------------------------------------- */

char *mk_rdap_domain_url(const char *base, const char *domain)
{
    size_t n = strlen(base);
    return mk_xasprintf("%s%sdomain/%s", base, n && base[n - 1] == '/' ? "" : "/", domain);
}

static bool tld_listed(const json_t *tlds, const char *tld)
{
    size_t i;
    json_t *v;
    json_array_foreach(tlds, i, v) {
        if (json_is_string(v) && mk_ascii_ieq(json_string_value(v), tld))
            return true;
    }
    return false;
}

static char *pick_url(const json_t *urls)
{
    size_t i;
    json_t *v;
    const char *fallback = NULL;
    json_array_foreach(urls, i, v) {
        const char *u = json_string_value(v);
        if (!u)
            continue;
        if (strncmp(u, "https://", 8) == 0)
            return mk_xstrdup(u);
        if (!fallback && strncmp(u, "http://", 7) == 0)
            fallback = u;
    }
    return mk_xstrdup(fallback);
}

char *mk_rdap_bootstrap_base(const json_t *bootstrap, const char *tld)
{
    json_t *services = json_object_get(bootstrap, "services");
    size_t i;
    json_t *svc;
    json_array_foreach(services, i, svc) {
        if (json_array_size(svc) >= 2 && tld_listed(json_array_get(svc, 0), tld))
            return pick_url(json_array_get(svc, 1));
    }
    return NULL;
}

/* ---- dates --------------------------------------------------------------- */

static int read_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/* Accepts "YYYY-MM-DD", optionally "THH:MM:SS", fractions, and Z or +HH:MM. */
time_t mk_rdap_parse_time(const char *s)
{
    if (!s)
        return 0;
    const char *p = s;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y = read_digits(&p, 4);
    if (y < 1970 || *p++ != '-')
        return 0;
    int mo = read_digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-')
        return 0;
    int d = read_digits(&p, 2);
    if (d < 1 || d > 31)
        return 0;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    long offset = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        tm.tm_hour = read_digits(&p, 2);
        if (*p == ':')
            p++;
        tm.tm_min = read_digits(&p, 2);
        if (*p == ':') {
            p++;
            tm.tm_sec = read_digits(&p, 2);
        }
        if (tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
            return 0;
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++)
                ;
        if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int oh = read_digits(&p, 2);
            if (*p == ':')
                p++;
            int om = isdigit((unsigned char)*p) ? read_digits(&p, 2) : 0;
            if (oh >= 0 && om >= 0)
                offset = sign * (oh * 3600L + om * 60L);
        }
    }
    return mk_platform_timegm(&tm) - offset;
}

/* ---- the domain object --------------------------------------------------- */

#define MK_RDAP_MAX_DEPTH 4

static bool has_role(const json_t *entity, const char *role)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(entity, "roles"), i, v) {
        if (json_is_string(v) && mk_ascii_ieq(json_string_value(v), role))
            return true;
    }
    return false;
}

/* The value of the first jCard property `name` that is a string. */
static const char *vcard_text(const json_t *entity, const char *name)
{
    json_t *props = json_array_get(json_object_get(entity, "vcardArray"), 1);
    size_t i;
    json_t *p;
    json_array_foreach(props, i, p) {
        const char *pname = json_string_value(json_array_get(p, 0));
        json_t *val = json_array_get(p, 3);
        if (pname && mk_ascii_ieq(pname, name)) {
            if (json_is_string(val))
                return json_string_value(val);
            if (json_is_array(val) && json_is_string(json_array_get(val, 0)))
                return json_string_value(json_array_get(val, 0));
        }
    }
    return NULL;
}

/* Country from adr: the "cc" parameter (RFC 8605) or the last address component. */
static const char *vcard_country(const json_t *entity)
{
    json_t *props = json_array_get(json_object_get(entity, "vcardArray"), 1);
    size_t i;
    json_t *p;
    json_array_foreach(props, i, p) {
        const char *pname = json_string_value(json_array_get(p, 0));
        if (!pname || !mk_ascii_ieq(pname, "adr"))
            continue;
        const char *cc = json_string_value(json_object_get(json_array_get(p, 1), "cc"));
        if (cc && cc[0])
            return cc;
        const char *country = json_string_value(json_array_get(json_array_get(p, 3), 6));
        if (country && country[0])
            return country;
    }
    return NULL;
}

static void set_once(json_t *out, const char *key, const char *value)
{
    if (value && value[0] && !json_object_get(out, key)) {
        json_t *v = json_string(value);
        if (v)
            json_object_set_new(out, key, v);
    }
}

/* Remarks (titles and description lines) are where registries say "REDACTED FOR PRIVACY". */
static void add_remark_text(json_t *remarks, const json_t *text)
{
    if (json_is_string(text) && json_array_size(remarks) < 16)
        json_array_append_new(remarks, json_string(json_string_value(text)));
}

static void add_remarks(const json_t *obj, json_t *remarks)
{
    size_t i, j;
    json_t *r, *line;
    json_array_foreach(json_object_get(obj, "remarks"), i, r) {
        add_remark_text(remarks, json_object_get(r, "title"));
        json_array_foreach(json_object_get(r, "description"), j, line)
            add_remark_text(remarks, line);
    }
}

static void read_entities(const json_t *obj, json_t *out, json_t *remarks, int depth)
{
    if (depth > MK_RDAP_MAX_DEPTH)
        return;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(obj, "entities"), i, e) {
        if (has_role(e, "registrar")) {
            set_once(out, "registrar", vcard_text(e, "fn"));
            set_once(out, "registrar", vcard_text(e, "org"));
        }
        if (has_role(e, "registrant")) {
            set_once(out, "registrant_name", vcard_text(e, "fn"));
            set_once(out, "registrant_org", vcard_text(e, "org"));
            set_once(out, "registrant_country", vcard_country(e));
            add_remarks(e, remarks);
        }
        read_entities(e, out, remarks, depth + 1);
    }
}

static void read_events(const json_t *obj, json_t *out)
{
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(obj, "events"), i, ev) {
        const char *action = json_string_value(json_object_get(ev, "eventAction"));
        const char *date = json_string_value(json_object_get(ev, "eventDate"));
        if (!action || !date || !mk_ascii_ieq(action, "registration"))
            continue;
        time_t t = mk_rdap_parse_time(date);
        if (t > 0) {
            set_once(out, "created", date);
            json_object_set_new(out, "created_epoch", json_integer((json_int_t)t));
        }
        return;
    }
}

json_t *mk_rdap_parse_domain(long http_status, const char *body, size_t len)
{
    if (http_status == 404)
        return json_pack("{s:s}", "status", "unregistered");
    json_t *doc = NULL;
    if (http_status == 200 && body)
        doc = json_loadb(body, len, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return json_pack("{s:s, s:I}", "status", "error", "http", (json_int_t)http_status);
    }
    const char *cls = json_string_value(json_object_get(doc, "objectClassName"));
    json_t *out = json_object();
    if (cls && !mk_ascii_ieq(cls, "domain")) {
        json_object_set_new(out, "status", json_string("error"));
    } else {
        json_object_set_new(out, "status", json_string("registered"));
        json_t *remarks = json_array();
        read_events(doc, out);
        const char *registry_status = json_string_value(json_array_get(json_object_get(doc, "status"), 0));
        if (registry_status)
            json_object_set_new(out, "registry_status", json_string(registry_status));
        read_entities(doc, out, remarks, 0);
        add_remarks(doc, remarks);
        json_object_set_new(out, "remarks", remarks);
    }
    json_decref(doc);
    return out;
}

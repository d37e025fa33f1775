/* dns.c - c-ares behind a poll-style interface, answers as JSON.
 *
 * c-ares already multiplexes any number of queries over a few sockets; this
 * file only adapts it to an event loop that also serves HTTP and WHOIS. We use
 * ares_query() rather than ares_search() so that a name from a message is
 * asked exactly as written and never completed with the local search domains.
 * Each query carries a small record with its callback and start time; c-ares
 * calls back exactly once per query (on answer, error, cancel or destruction),
 * which is where the record is freed. Answers are cut at MK_DNS_MAX_ANSWERS so
 * a hostile zone cannot grow a report without bound.
 *
 * The calls used (ares_query, ares_getsock, ares_parse_*_reply) are those of
 * Debian 12's c-ares 1.18; c-ares 1.28 and later mark them deprecated in
 * favour of the ares_dns_record API, which 1.18 lacks, but still provide
 * them. CARES_NO_DEPRECATED keeps a build against a current c-ares
 * (Homebrew) free of those warnings.
 */
#include "dns.h"

#define CARES_NO_DEPRECATED
#include <ares.h>
#include <ares_nameser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "platform.h"
#include "util.h"

struct mk_dns {
    ares_channel channel;
    size_t pending;
    char *server;
};

typedef struct dns_query {
    mk_dns *dns;
    mk_dns_type type;
    mk_dns_cb cb;
    void *arg;
    double started;
} dns_query;

/* ---- channel ------------------------------------------------------------- */

/* ares_library_init() is not thread-safe and look-ups run on several threads at once. */
static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void init_library(void)
{
    ares_library_init(ARES_LIB_INIT_ALL);
}

static void init_library_once(void)
{
    pthread_once(&library_once, init_library);
}

mk_dns *mk_dns_new(const char *server, int timeout_ms, char **error)
{
    if (error)
        *error = NULL;
    init_library_once();
    mk_dns *dns = mk_xcalloc(1, sizeof *dns);
    struct ares_options o;
    memset(&o, 0, sizeof o);
    o.timeout = timeout_ms > 0 ? timeout_ms : 2000;
    o.tries = 2;
    int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    int rc = ares_init_options(&dns->channel, &o, mask);
    if (rc == ARES_SUCCESS && server && server[0])
        rc = ares_set_servers_ports_csv(dns->channel, server);
    if (rc != ARES_SUCCESS) {
        if (error)
            *error = mk_xasprintf("dns: %s%s%s", ares_strerror(rc), server ? " for server " : "",
                                  server ? server : "");
        if (dns->channel)
            ares_destroy(dns->channel);
        free(dns);
        return NULL;
    }
    dns->server = mk_xstrdup(server && server[0] ? server : "system");
    return dns;
}

void mk_dns_free(mk_dns *dns)
{
    if (!dns)
        return;
    ares_destroy(dns->channel);   /* calls back every outstanding query */
    free(dns->server);
    free(dns);
}

const char *mk_dns_server(const mk_dns *dns)
{
    return dns ? dns->server : "";
}

const char *mk_dns_type_name(mk_dns_type type)
{
    static const char *names[] = {"A", "AAAA", "MX", "PTR", "TXT"};
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "?";
}

size_t mk_dns_pending(const mk_dns *dns)
{
    return dns ? dns->pending : 0;
}

/* ---- answers to JSON ----------------------------------------------------- */

static void add_answer(json_t *answers, const char *s)
{
    if (json_array_size(answers) >= MK_DNS_MAX_ANSWERS || !s)
        return;
    for (size_t i = 0; i < json_array_size(answers); i++)
        if (strcmp(json_string_value(json_array_get(answers, i)), s) == 0)
            return;
    json_t *v = json_string(s);   /* NULL for invalid UTF-8: dropped */
    if (v)
        json_array_append_new(answers, v);
}

static int parse_addresses(const unsigned char *buf, int len, int family, json_t *answers)
{
    char text[INET6_ADDRSTRLEN];
    if (family == AF_INET) {
        struct ares_addrttl a[MK_DNS_MAX_ANSWERS];
        int n = MK_DNS_MAX_ANSWERS;
        int rc = ares_parse_a_reply(buf, len, NULL, a, &n);
        for (int i = 0; rc == ARES_SUCCESS && i < n; i++)
            add_answer(answers, inet_ntop(AF_INET, &a[i].ipaddr, text, sizeof text));
        return rc;
    }
    struct ares_addr6ttl a[MK_DNS_MAX_ANSWERS];
    int n = MK_DNS_MAX_ANSWERS;
    int rc = ares_parse_aaaa_reply(buf, len, NULL, a, &n);
    for (int i = 0; rc == ARES_SUCCESS && i < n; i++)
        add_answer(answers, inet_ntop(AF_INET6, &a[i].ip6addr, text, sizeof text));
    return rc;
}

static int cmp_mx(const void *a, const void *b)
{
    const struct ares_mx_reply *x = *(const struct ares_mx_reply *const *)a;
    const struct ares_mx_reply *y = *(const struct ares_mx_reply *const *)b;
    return (int)x->priority - (int)y->priority;
}

static int parse_mx(const unsigned char *buf, int len, json_t *answers)
{
    struct ares_mx_reply *head = NULL;
    int rc = ares_parse_mx_reply(buf, len, &head);
    if (rc != ARES_SUCCESS)
        return rc;
    struct ares_mx_reply *v[MK_DNS_MAX_ANSWERS];
    size_t n = 0;
    for (struct ares_mx_reply *m = head; m && n < MK_DNS_MAX_ANSWERS; m = m->next)
        v[n++] = m;
    qsort(v, n, sizeof v[0], cmp_mx);
    for (size_t i = 0; i < n; i++)
        add_answer(answers, v[i]->host);
    ares_free_data(head);
    return n ? ARES_SUCCESS : ARES_ENODATA;
}

static int parse_ptr(const unsigned char *buf, int len, json_t *answers)
{
    struct hostent *h = NULL;
    int rc = ares_parse_ptr_reply(buf, len, NULL, 0, AF_INET, &h);
    if (rc != ARES_SUCCESS)
        return rc;
    add_answer(answers, h->h_name);
    for (size_t i = 0; h->h_aliases && h->h_aliases[i] && i < MK_DNS_MAX_ANSWERS; i++)
        add_answer(answers, h->h_aliases[i]);
    ares_free_hostent(h);
    return ARES_SUCCESS;
}

/* A TXT record may be split into several strings; SPF is defined on their concatenation. */
static int parse_txt(const unsigned char *buf, int len, json_t *answers)
{
    struct ares_txt_ext *head = NULL;
    int rc = ares_parse_txt_reply_ext(buf, len, &head);
    if (rc != ARES_SUCCESS)
        return rc;
    mk_strbuf record = {0};
    for (struct ares_txt_ext *t = head; t; t = t->next) {
        if (t->record_start && record.len) {
            add_answer(answers, record.data);
            record.len = 0;
        }
        if (record.len + t->length <= 4096)
            mk_strbuf_append(&record, (const char *)t->txt, t->length);
    }
    if (record.len)
        add_answer(answers, record.data);
    mk_strbuf_free(&record);
    ares_free_data(head);
    return ARES_SUCCESS;
}

static int parse_answer(mk_dns_type type, const unsigned char *buf, int len, json_t *answers)
{
    switch (type) {
    case MK_DNS_A: return parse_addresses(buf, len, AF_INET, answers);
    case MK_DNS_AAAA: return parse_addresses(buf, len, AF_INET6, answers);
    case MK_DNS_MX: return parse_mx(buf, len, answers);
    case MK_DNS_PTR: return parse_ptr(buf, len, answers);
    case MK_DNS_TXT: return parse_txt(buf, len, answers);
    }
    return ARES_EBADRESP;
}

static const char *status_word(int rc)
{
    switch (rc) {
    case ARES_SUCCESS: return "ok";
    case ARES_ENOTFOUND: return "nxdomain";
    case ARES_ENODATA: return "nodata";
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION: return "timeout";
    default: return "error";
    }
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *buf, int len)
{
    (void)timeouts;
    dns_query *q = arg;
    json_t *answers = json_array();
    int rc = status;
    if (rc == ARES_SUCCESS)
        rc = parse_answer(q->type, buf, len, answers);
    if (rc == ARES_SUCCESS && json_array_size(answers) == 0)
        rc = ARES_ENODATA;
    json_t *result = json_pack("{s:s, s:o}", "status", status_word(rc), "answers", answers);
    q->dns->pending--;
    q->cb(q->arg, result, mk_now_ms() - q->started);
    free(q);
}

/* ---- queries ------------------------------------------------------------- */

char *mk_dns_reverse_name(const char *ip)
{
    unsigned char a[16];
    if (!ip)
        return NULL;
    if (inet_pton(AF_INET, ip, a) == 1)
        return mk_xasprintf("%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
    if (inet_pton(AF_INET6, ip, a) != 1)
        return NULL;
    mk_strbuf b = {0};
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        mk_strbuf_putc(&b, hex[a[i] & 0xf]);
        mk_strbuf_putc(&b, '.');
        mk_strbuf_putc(&b, hex[a[i] >> 4]);
        mk_strbuf_putc(&b, '.');
    }
    mk_strbuf_puts(&b, "ip6.arpa");
    return mk_strbuf_steal(&b);
}

static int wire_type(mk_dns_type type)
{
    switch (type) {
    case MK_DNS_A: return ns_t_a;
    case MK_DNS_AAAA: return ns_t_aaaa;
    case MK_DNS_MX: return ns_t_mx;
    case MK_DNS_PTR: return ns_t_ptr;
    case MK_DNS_TXT: return ns_t_txt;
    }
    return ns_t_a;
}

void mk_dns_query(mk_dns *dns, const char *name, mk_dns_type type, mk_dns_cb cb, void *arg)
{
    char *qname = type == MK_DNS_PTR ? mk_dns_reverse_name(name) : mk_xstrdup(name);
    if (!qname || !qname[0] || strlen(qname) > 253) {
        json_t *r = json_pack("{s:s, s:[]}", "status", "error", "answers");
        free(qname);
        cb(arg, r, 0);
        return;
    }
    dns_query *q = mk_xcalloc(1, sizeof *q);
    q->dns = dns;
    q->type = type;
    q->cb = cb;
    q->arg = arg;
    q->started = mk_now_ms();
    dns->pending++;
    ares_query(dns->channel, qname, ns_c_in, wire_type(type), on_answer, q);
    free(qname);
}

/* ---- event loop glue ----------------------------------------------------- */

size_t mk_dns_pollfds(mk_dns *dns, struct pollfd *fds, size_t max)
{
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    /* c-ares packs readable bits in 0..15 and writable bits in 16..31; its own
     * ARES_GETSOCK_WRITABLE macro shifts a signed 1 into the sign bit for the
     * last socket, so the bits are tested here as unsigned. */
    unsigned bits = (unsigned)ares_getsock(dns->channel, socks, ARES_GETSOCK_MAXNUM);
    size_t n = 0;
    for (unsigned i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
        short ev = 0;
        if (bits & (1u << i))
            ev |= POLLIN;
        if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
            ev |= POLLOUT;
        if (!ev)
            continue;
        fds[n].fd = socks[i];
        fds[n].events = ev;
        fds[n].revents = 0;
        n++;
    }
    return n;
}

void mk_dns_process(mk_dns *dns, const struct pollfd *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!fds[i].revents)
            continue;
        ares_socket_t r = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_socket_t w = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_process_fd(dns->channel, r, w);
    }
    ares_process_fd(dns->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);   /* timers */
}

int mk_dns_timeout_ms(mk_dns *dns, int max_ms)
{
    struct timeval max = {max_ms / 1000, (max_ms % 1000) * 1000};
    struct timeval tv;
    struct timeval *t = ares_timeout(dns->channel, &max, &tv);
    long ms = (long)t->tv_sec * 1000 + (t->tv_usec + 999) / 1000;
    return ms < max_ms ? (int)ms : max_ms;
}

void mk_dns_cancel(mk_dns *dns)
{
    if (dns)
        ares_cancel(dns->channel);
}

/* dns.c - c-ares behind a poll-style interface, answers as JSON.
 *
 * c-ares already multiplexes any number of queries over a few sockets; this
 * file only adapts it to an event loop that also serves HTTP and WHOIS. A
 * name from a message is asked exactly as written and never completed with
 * the local search domains. Each query carries a small record with its
 * callback and start time; c-ares calls back exactly once per query (on
 * answer, error, cancel or destruction), which is where the record is freed.
 * Answers are cut at MK_DNS_MAX_ANSWERS so a hostile zone cannot grow a report
 * without bound.
 *
 * The c-ares calls that differ between Debian 12's c-ares 1.18 and current
 * c-ares (sending a question, reading its records, listing and serving the
 * sockets) are behind dns_cares.h; everything here is common to both.
 */
#include "dns.h"

#include <ares.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "dns_cares.h"
#include "platform.h"
#include "util.h"

struct mk_dns {
    ares_channel channel;
    mk_cares_sockets *sockets;   /* after channel: destroying it still reports sockets */
    size_t pending;
    char *server;
};

typedef struct dns_query {
    mk_cares_question question;   /* first: the answer callback gets it back */
    mk_dns *dns;
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
    dns->sockets = mk_cares_sockets_new(&o, &mask);
    int rc = ares_init_options(&dns->channel, &o, mask);
    if (rc == ARES_SUCCESS && server && server[0])
        rc = ares_set_servers_ports_csv(dns->channel, server);
    if (rc != ARES_SUCCESS) {
        if (error)
            *error = mk_xasprintf("dns: %s%s%s", ares_strerror(rc), server ? " for server " : "",
                                  server ? server : "");
        if (dns->channel)
            ares_destroy(dns->channel);
        mk_cares_sockets_free(dns->sockets);
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
    mk_cares_sockets_free(dns->sockets);
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

static int cmp_priority(const void *a, const void *b)
{
    const mk_cares_item *x = *(const mk_cares_item *const *)a;
    const mk_cares_item *y = *(const mk_cares_item *const *)b;
    return (int)x->priority - (int)y->priority;
}

static void add_exchanges(const mk_cares_item *items, size_t n, json_t *answers)
{
    const mk_cares_item *v[MK_DNS_MAX_ANSWERS];
    size_t k = 0;
    for (size_t i = 0; i < n && k < MK_DNS_MAX_ANSWERS; i++)
        v[k++] = &items[i];
    qsort(v, k, sizeof v[0], cmp_priority);
    for (size_t i = 0; i < k; i++)
        add_answer(answers, v[i]->data);
}

/* A TXT record may be split into several strings; SPF is defined on their concatenation. */
static void add_txt_records(const mk_cares_item *items, size_t n, json_t *answers)
{
    mk_strbuf record = {0};
    for (size_t i = 0; i < n; i++) {
        if (items[i].record_start && record.len) {
            add_answer(answers, record.data);
            record.len = 0;
        }
        if (record.len + items[i].len <= 4096)
            mk_strbuf_append(&record, items[i].data, items[i].len);
    }
    if (record.len)
        add_answer(answers, record.data);
    mk_strbuf_free(&record);
}

static void add_records(mk_dns_type type, const mk_cares_item *items, size_t n, json_t *answers)
{
    char text[INET6_ADDRSTRLEN];
    switch (type) {
    case MK_DNS_A:
    case MK_DNS_AAAA:
        for (size_t i = 0; i < n; i++)
            add_answer(answers, inet_ntop(type == MK_DNS_A ? AF_INET : AF_INET6, items[i].data, text, sizeof text));
        return;
    case MK_DNS_MX: add_exchanges(items, n, answers); return;
    case MK_DNS_PTR:
        for (size_t i = 0; i < n; i++)
            add_answer(answers, items[i].data);
        return;
    case MK_DNS_TXT: add_txt_records(items, n, answers); return;
    }
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

static void on_answer(mk_cares_question *question, int status, const mk_cares_item *items, size_t n)
{
    dns_query *q = (dns_query *)question;
    json_t *answers = json_array();
    int rc = status;
    if (rc == ARES_SUCCESS)
        add_records(q->question.type, items, n, answers);
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
    q->question = (mk_cares_question){.type = type, .answered = on_answer};
    q->dns = dns;
    q->cb = cb;
    q->arg = arg;
    q->started = mk_now_ms();
    dns->pending++;
    mk_cares_ask(dns->channel, qname, &q->question);
    free(qname);
}

/* ---- event loop glue ----------------------------------------------------- */

size_t mk_dns_pollfds(mk_dns *dns, struct pollfd *fds, size_t max)
{
    return mk_cares_pollfds(dns->channel, dns->sockets, fds, max);
}

void mk_dns_process(mk_dns *dns, const struct pollfd *fds, size_t n)
{
    mk_cares_process(dns->channel, fds, n);
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

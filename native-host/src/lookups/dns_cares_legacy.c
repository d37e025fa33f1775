/* dns_cares_legacy.c - the dns_cares.h contract with c-ares' older calls.
 *
 * These are the calls of Debian 12's c-ares 1.18: ares_query() sends the
 * question, the ares_parse_*_reply() parsers read the answer's wire format,
 * ares_getsock() lists the sockets to poll and ares_process_fd() serves them.
 * c-ares 1.28 deprecated all but the last, which gave way to
 * ares_process_fds() in 1.34; each part below is compiled only as long as
 * c-ares has no replacement, and dns_cares_dnsrec.c supplies the rest.
 */
#include "dns_cares.h"

#if ARES_VERSION < 0x011c00

#include <ares_nameser.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- answers ------------------------------------------------------------- */

static void answer_addresses(mk_cares_question *q, const unsigned char *buf, int len)
{
    mk_cares_item items[MK_DNS_MAX_ANSWERS];
    int n = MK_DNS_MAX_ANSWERS;
    int rc;
    if (q->type == MK_DNS_A) {
        struct ares_addrttl a[MK_DNS_MAX_ANSWERS];
        rc = ares_parse_a_reply(buf, len, NULL, a, &n);
        for (int i = 0; rc == ARES_SUCCESS && i < n; i++)
            items[i] = (mk_cares_item){.data = &a[i].ipaddr, .len = sizeof a[i].ipaddr};
        q->answered(q, rc, items, rc == ARES_SUCCESS ? (size_t)n : 0);
        return;
    }
    struct ares_addr6ttl a[MK_DNS_MAX_ANSWERS];
    rc = ares_parse_aaaa_reply(buf, len, NULL, a, &n);
    for (int i = 0; rc == ARES_SUCCESS && i < n; i++)
        items[i] = (mk_cares_item){.data = &a[i].ip6addr, .len = sizeof a[i].ip6addr};
    q->answered(q, rc, items, rc == ARES_SUCCESS ? (size_t)n : 0);
}

static void answer_mx(mk_cares_question *q, const unsigned char *buf, int len)
{
    struct ares_mx_reply *head = NULL;
    int rc = ares_parse_mx_reply(buf, len, &head);
    mk_cares_item items[MK_DNS_MAX_ANSWERS];
    size_t n = 0;
    for (struct ares_mx_reply *m = head; rc == ARES_SUCCESS && m && n < MK_DNS_MAX_ANSWERS; m = m->next)
        items[n++] = (mk_cares_item){.data = m->host, .len = strlen(m->host), .priority = m->priority};
    q->answered(q, rc, items, n);
    ares_free_data(head);
}

static void answer_ptr(mk_cares_question *q, const unsigned char *buf, int len)
{
    struct hostent *h = NULL;
    int rc = ares_parse_ptr_reply(buf, len, NULL, 0, AF_INET, &h);
    mk_cares_item items[MK_DNS_MAX_ANSWERS + 1];
    size_t n = 0;
    if (rc == ARES_SUCCESS) {
        items[n++] = (mk_cares_item){.data = h->h_name, .len = strlen(h->h_name)};
        for (size_t i = 0; h->h_aliases && h->h_aliases[i] && i < MK_DNS_MAX_ANSWERS; i++)
            items[n++] = (mk_cares_item){.data = h->h_aliases[i], .len = strlen(h->h_aliases[i])};
    }
    q->answered(q, rc, items, n);
    if (h)
        ares_free_hostent(h);
}

static void answer_txt(mk_cares_question *q, const unsigned char *buf, int len)
{
    struct ares_txt_ext *head = NULL;
    int rc = ares_parse_txt_reply_ext(buf, len, &head);
    size_t n = 0;
    for (struct ares_txt_ext *t = head; rc == ARES_SUCCESS && t; t = t->next)
        n++;
    mk_cares_item *items = mk_xcalloc(n ? n : 1, sizeof *items);
    n = 0;
    for (struct ares_txt_ext *t = head; rc == ARES_SUCCESS && t; t = t->next)
        items[n++] = (mk_cares_item){.data = t->txt, .len = t->length, .record_start = t->record_start};
    q->answered(q, rc, items, n);
    free(items);
    ares_free_data(head);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *buf, int len)
{
    (void)timeouts;
    mk_cares_question *q = arg;
    if (status != ARES_SUCCESS) {
        q->answered(q, status, NULL, 0);
        return;
    }
    switch (q->type) {
    case MK_DNS_A:
    case MK_DNS_AAAA: answer_addresses(q, buf, len); break;
    case MK_DNS_MX: answer_mx(q, buf, len); break;
    case MK_DNS_PTR: answer_ptr(q, buf, len); break;
    case MK_DNS_TXT: answer_txt(q, buf, len); break;
    }
}

static const int wire_types[] = {
    [MK_DNS_A] = ns_t_a, [MK_DNS_AAAA] = ns_t_aaaa, [MK_DNS_MX] = ns_t_mx,
    [MK_DNS_PTR] = ns_t_ptr, [MK_DNS_TXT] = ns_t_txt,
};

void mk_cares_ask(struct ares_channeldata *channel, const char *qname, mk_cares_question *q)
{
    ares_query(channel, qname, ns_c_in, wire_types[q->type], on_answer, q);
}

/* ---- sockets ------------------------------------------------------------- */

mk_cares_sockets *mk_cares_sockets_new(struct ares_options *o, int *optmask)
{
    (void)o;
    (void)optmask;
    return NULL;   /* ares_getsock() is asked each time */
}

void mk_cares_sockets_free(mk_cares_sockets *sockets)
{
    (void)sockets;
}

size_t mk_cares_pollfds(struct ares_channeldata *channel, const mk_cares_sockets *sockets,
                        struct pollfd *fds, size_t max)
{
    (void)sockets;
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    /* c-ares packs readable bits in 0..15 and writable bits in 16..31; its own
     * ARES_GETSOCK_WRITABLE macro shifts a signed 1 into the sign bit for the
     * last socket, so the bits are tested here as unsigned. */
    unsigned bits = (unsigned)ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
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

#endif

#if ARES_VERSION < 0x012200

void mk_cares_process(struct ares_channeldata *channel, const struct pollfd *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!fds[i].revents)
            continue;
        ares_socket_t r = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_socket_t w = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_process_fd(channel, r, w);
    }
    ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);   /* timers */
}

#endif

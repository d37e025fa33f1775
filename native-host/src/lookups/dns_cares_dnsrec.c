/* dns_cares_dnsrec.c - the dns_cares.h contract with c-ares' current calls.
 *
 * ares_query_dnsrec() (c-ares 1.28) sends the question and hands back the
 * parsed answer as an ares_dns_record_t, read here with ares_dns_rr_get_*().
 * The records taken are those c-ares' own (now deprecated)
 * ares_parse_*_reply() take from the same answer, in the same order: class IN
 * A or AAAA records whatever their owner name; class IN MX records; class IN
 * PTR records, the last one named first; class IN or CHAOS TXT records,
 * string by string from c-ares 1.32 (earlier versions join a record's strings
 * into one, as their parser did).
 *
 * The sockets to poll come from the socket-state callback, which c-ares calls
 * whenever a socket opens, closes or changes what it waits for; readiness goes
 * back through ares_process_fds() (c-ares 1.34). Each part is compiled only
 * from the version that has its calls; dns_cares_legacy.c supplies the rest.
 */
#include "dns_cares.h"

#if ARES_VERSION >= 0x011c00

#include <ares_dns_record.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- answers ------------------------------------------------------------- */

typedef struct item_list {
    mk_cares_item *v;
    size_t n, cap;
} item_list;

static void item_push(item_list *l, mk_cares_item item)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = mk_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = item;
}

static mk_cares_item name_item(const char *name)
{
    return (mk_cares_item){.data = name, .len = strlen(name)};
}

/* A TXT string as the parser gave it: never a NULL pointer, even when empty. */
static mk_cares_item string_item(const unsigned char *data, size_t len, bool record_start)
{
    return (mk_cares_item){.data = data ? (const void *)data : "", .len = data ? len : 0,
                           .record_start = record_start};
}

/* Adds the records of one answer to l; returns an ARES_* status. */
static int read_answer(mk_dns_type type, const ares_dns_record_t *rec, item_list *l)
{
    size_t count = ares_dns_record_rr_cnt(rec, ARES_SECTION_ANSWER);
    if (count == 0)
        return ARES_ENODATA;
    const char *last_ptr = NULL;
    for (size_t i = 0; i < count; i++) {
        const ares_dns_rr_t *rr = ares_dns_record_rr_get_const(rec, ARES_SECTION_ANSWER, i);
        if (!rr)
            return ARES_EBADRESP;
        ares_dns_class_t cls = ares_dns_rr_get_class(rr);
        ares_dns_rec_type_t rtype = ares_dns_rr_get_type(rr);
        if (rtype == ARES_REC_TYPE_TXT && type == MK_DNS_TXT && (cls == ARES_CLASS_IN || cls == ARES_CLASS_CHAOS)) {
#if ARES_VERSION >= 0x012000
            size_t strings = ares_dns_rr_get_abin_cnt(rr, ARES_RR_TXT_DATA);
            for (size_t j = 0; j < strings; j++) {
                size_t len = 0;
                const unsigned char *data = ares_dns_rr_get_abin(rr, ARES_RR_TXT_DATA, j, &len);
                item_push(l, string_item(data, len, j == 0));
            }
#else
            size_t len = 0;
            const unsigned char *data = ares_dns_rr_get_bin(rr, ARES_RR_TXT_DATA, &len);
            item_push(l, string_item(data, len, true));
#endif
            continue;
        }
        if (cls != ARES_CLASS_IN)
            continue;
        if (rtype == ARES_REC_TYPE_A && type == MK_DNS_A && l->n < MK_DNS_MAX_ANSWERS)
            item_push(l, (mk_cares_item){.data = ares_dns_rr_get_addr(rr, ARES_RR_A_ADDR),
                                         .len = sizeof(struct in_addr)});
        else if (rtype == ARES_REC_TYPE_AAAA && type == MK_DNS_AAAA && l->n < MK_DNS_MAX_ANSWERS)
            item_push(l, (mk_cares_item){.data = ares_dns_rr_get_addr6(rr, ARES_RR_AAAA_ADDR),
                                         .len = sizeof(struct ares_in6_addr)});
        else if (rtype == ARES_REC_TYPE_MX && type == MK_DNS_MX && l->n < MK_DNS_MAX_ANSWERS) {
            const char *exchange = ares_dns_rr_get_str(rr, ARES_RR_MX_EXCHANGE);
            if (!exchange)
                return ARES_EBADRESP;
            mk_cares_item item = name_item(exchange);
            item.priority = ares_dns_rr_get_u16(rr, ARES_RR_MX_PREFERENCE);
            item_push(l, item);
        } else if (rtype == ARES_REC_TYPE_PTR && type == MK_DNS_PTR) {
            last_ptr = ares_dns_rr_get_str(rr, ARES_RR_PTR_DNAME);
            if (!last_ptr)
                return ARES_EBADRESP;
            /* Slot 0 is kept for the last name, c-ares' h_name. */
            if (l->n == 0)
                item_push(l, (mk_cares_item){0});
            if (l->n < MK_DNS_MAX_ANSWERS + 1)
                item_push(l, name_item(last_ptr));
        }
    }
    if (type == MK_DNS_PTR) {
        if (!last_ptr)
            return ARES_ENODATA;
        l->v[0] = name_item(last_ptr);
    }
    return ARES_SUCCESS;
}

static void on_answer(void *arg, ares_status_t status, size_t timeouts, const ares_dns_record_t *rec)
{
    (void)timeouts;
    mk_cares_question *q = arg;
    item_list l = {0};
    int rc = (int)status;
    if (rc == ARES_SUCCESS)
        rc = rec ? read_answer(q->type, rec, &l) : ARES_EBADRESP;
    q->answered(q, rc, l.v, rc == ARES_SUCCESS ? l.n : 0);
    free(l.v);
}

static const ares_dns_rec_type_t record_types[] = {
    [MK_DNS_A] = ARES_REC_TYPE_A, [MK_DNS_AAAA] = ARES_REC_TYPE_AAAA, [MK_DNS_MX] = ARES_REC_TYPE_MX,
    [MK_DNS_PTR] = ARES_REC_TYPE_PTR, [MK_DNS_TXT] = ARES_REC_TYPE_TXT,
};

void mk_cares_ask(struct ares_channeldata *channel, const char *qname, mk_cares_question *q)
{
    /* On failure c-ares has already called on_answer with the error. */
    (void)ares_query_dnsrec(channel, qname, ARES_CLASS_IN, record_types[q->type], on_answer, q, NULL);
}

/* ---- sockets ------------------------------------------------------------- */

/* The sockets c-ares has open, each with the events it waits for, in the
 * order c-ares opened them. */
struct mk_cares_sockets {
    struct pollfd *v;
    size_t n, cap;
};

static void on_socket_state(void *data, ares_socket_t fd, int readable, int writable)
{
    mk_cares_sockets *s = data;
    size_t i = 0;
    while (i < s->n && s->v[i].fd != fd)
        i++;
    if (!readable && !writable) {
        if (i < s->n) {
            memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof s->v[0]);
            s->n--;
        }
        return;
    }
    if (i == s->n) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 4;
            s->v = mk_xrealloc(s->v, s->cap * sizeof s->v[0]);
        }
        s->v[s->n++].fd = fd;
    }
    s->v[i].events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
    s->v[i].revents = 0;
}

mk_cares_sockets *mk_cares_sockets_new(struct ares_options *o, int *optmask)
{
    mk_cares_sockets *s = mk_xcalloc(1, sizeof *s);
    o->sock_state_cb = on_socket_state;
    o->sock_state_cb_data = s;
    *optmask |= ARES_OPT_SOCK_STATE_CB;
    return s;
}

void mk_cares_sockets_free(mk_cares_sockets *sockets)
{
    if (!sockets)
        return;
    free(sockets->v);
    free(sockets);
}

size_t mk_cares_pollfds(struct ares_channeldata *channel, const mk_cares_sockets *sockets,
                        struct pollfd *fds, size_t max)
{
    (void)channel;
    size_t n = sockets->n < max ? sockets->n : max;
    if (n)
        memcpy(fds, sockets->v, n * sizeof fds[0]);
    return n;
}

#endif

#if ARES_VERSION >= 0x012200

void mk_cares_process(struct ares_channeldata *channel, const struct pollfd *fds, size_t n)
{
    ares_fd_events_t *events = mk_xcalloc(n ? n : 1, sizeof *events);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned flags = 0;
        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP))
            flags |= ARES_FD_EVENT_READ;
        if (fds[i].revents & POLLOUT)
            flags |= ARES_FD_EVENT_WRITE;
        if (flags)
            events[k++] = (ares_fd_events_t){.fd = fds[i].fd, .events = flags};
    }
    (void)ares_process_fds(channel, events, k, ARES_PROCESS_FLAG_NONE);   /* and the timers */
    free(events);
}

#endif

/* dns_cares.h - the c-ares calls whose interface changed, behind one contract.
 *
 * c-ares 1.28 deprecated the calls that send a question, read its answer and
 * list a channel's sockets (ares_query, ares_parse_*_reply, ares_getsock) in
 * favour of the ares_dns_record interface, which Debian 12's c-ares 1.18 does
 * not have, and 1.34 added ares_process_fds() beside ares_process_fd(). dns.c
 * creates, times and cancels its channel with calls every c-ares has, and asks
 * this contract for the rest. Each part of it is compiled from one of two
 * files, chosen by ARES_VERSION:
 *   dns_cares_legacy.c   before 1.28: ares_query, ares_parse_*_reply, ares_getsock;
 *                        before 1.34: ares_process_fd
 *   dns_cares_dnsrec.c   1.28 and later: ares_query_dnsrec, the ares_dns_rr_get_*
 *                        readers, the socket-state callback;
 *                        1.34 and later: ares_process_fds
 * Both ask the same question and hand over the same records, in the same
 * order and with the same bounds, as the c-ares parsers of the version built
 * against.
 */
#ifndef MK_DNS_CARES_H
#define MK_DNS_CARES_H

#include <ares.h>
#include <stdbool.h>
#include <stddef.h>

#include "dns.h"
#include "platform.h"

/* One record of an answer, valid only during the answer callback.
 *   A, AAAA  data: the address (4 or 16 bytes)
 *   MX       data: the exchange's name (NUL-terminated), priority: its preference
 *   PTR      data: a name (NUL-terminated); the first item is the name c-ares
 *            reports for the address, the others its aliases
 *   TXT      data: one character-string (may hold NUL bytes); record_start on
 *            the first string of each record
 * A, AAAA and MX give at most MK_DNS_MAX_ANSWERS items, PTR one more. */
typedef struct mk_cares_item {
    const void *data;
    size_t len;
    unsigned short priority;
    bool record_start;
} mk_cares_item;

/* A question in flight, owned by the caller (typically the first member of a
 * larger record) until its callback. answered gets the question back with an
 * ARES_* status (the query's, else the parser's) and the records; it is
 * called exactly once (on answer, error, cancel or the channel's destruction). */
typedef struct mk_cares_question mk_cares_question;
struct mk_cares_question {
    mk_dns_type type;
    void (*answered)(mk_cares_question *q, int status, const mk_cares_item *items, size_t n);
};

/* Asks qname (sent exactly as written, never completed with search domains),
 * class IN, of type q->type. */
void mk_cares_ask(struct ares_channeldata *channel, const char *qname, mk_cares_question *q);

/* What the channel's sockets wait for. Made before the channel: it may add
 * options (the socket-state callback) to o and *optmask. NULL when c-ares is
 * asked instead. Freed after ares_destroy(), which still reports sockets. */
typedef struct mk_cares_sockets mk_cares_sockets;
mk_cares_sockets *mk_cares_sockets_new(struct ares_options *o, int *optmask);
void mk_cares_sockets_free(mk_cares_sockets *sockets);

/* Fills up to max pollfds with the sockets c-ares waits on; returns how many. */
size_t mk_cares_pollfds(struct ares_channeldata *channel, const mk_cares_sockets *sockets,
                        struct pollfd *fds, size_t max);
/* Hands c-ares the readiness in fds (revents) and runs its expired timers. */
void mk_cares_process(struct ares_channeldata *channel, const struct pollfd *fds, size_t n);

#endif

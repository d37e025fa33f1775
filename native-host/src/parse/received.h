/* received.h - the Received chain: one hop per trace header, and the origin.
 *
 * Each Received header is parsed into a hop: the HELO name the client gave,
 * the reverse-DNS name and IP the receiving server recorded, the receiving
 * server (`by`), protocol (`with`), queue id, envelope recipient (`for`) and
 * the timestamp. Hops are returned in transit order: hops[0] is the oldest
 * (lowest) Received header, the last is the recipient's final server.
 *
 * The trust boundary: the topmost Received header was written by the
 * recipient's own server. Walking down, a hop is still written by the
 * recipient's infrastructure while the previous trusted hop received the
 * message from a host of the same organisation (same registrable domain as a
 * trusted `by`, a private/loopback address, or no network peer at all). The
 * origin is the first hop, from the top, whose client is outside: its IP and
 * rDNS were recorded by a trusted server, so the sender could not forge them.
 */
#ifndef MK_RECEIVED_H
#define MK_RECEIVED_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "message.h"

typedef struct mk_hop {
    char *helo;      /* name the client announced, "" when none */
    char *rdns;      /* reverse DNS name recorded by the receiver; "unknown" when the
                        receiver wrote "unknown"; "" when not recorded */
    char *ip;        /* client IP (v4 or v6, no brackets, no "IPv6:" prefix), "" when none */
    char *by;        /* receiving host, "" when none */
    char *with;      /* protocol, e.g. "ESMTPS", "" when none */
    char *id;        /* queue id, "" when none */
    char *for_addr;  /* envelope recipient without brackets, "" when none */
    time_t date;     /* 0 when absent or unparsable */
    char *date_rfc3339; /* "" when date == 0 */
    long delay_s;    /* seconds since the previous (older) hop; -1 when unknown */
    bool rdns_unconfirmed; /* the receiver noted that rdns does not resolve back to ip
                              (sendmail's "(may be forged)"). Shown in the report's hops, not
                              scored: on the corpus it marks ham origins (74 messages) more often
                              than phishing ones (8), so it is no evidence of phishing. */
    bool trusted;    /* written by the recipient's own infrastructure */
    size_t header_index; /* index into mk_message.headers */
    char *raw;       /* the header value as given */
} mk_hop;

typedef struct mk_hops {
    mk_hop *v;       /* transit order: v[0] oldest */
    size_t n;
    long origin;     /* index into v of the origin hop, or -1 when unknown */
} mk_hops;

/* Parses one Received header value into *hop (all strings allocated, never NULL).
 * Returns true when at least one of from/by was recognised. */
bool mk_received_parse(const char *value, mk_hop *hop);
void mk_hop_free(mk_hop *hop);

/* Builds the chain from all Received headers of msg, marks trusted hops, sets origin. */
void mk_hops_build(const mk_message *msg, mk_hops *out);
void mk_hops_free(mk_hops *hops);

/* Headers of msg with an index smaller than the returned value were written by
 * the recipient's own side (they sit above, i.e. were added after, the origin's
 * Received header, which is included). 0 when there is no Received header;
 * with Received headers but no origin found, the topmost Received header + 1. */
size_t mk_hops_trusted_header_limit(const mk_hops *hops, const mk_message *msg);

#endif

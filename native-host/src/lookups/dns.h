/* dns.h - concurrent DNS look-ups with c-ares, driven by someone else's event loop.
 *
 * A mk_dns owns one c-ares channel. Queries are started with mk_dns_query()
 * and answered through a callback with a small JSON object:
 *   {"status": "ok|nxdomain|nodata|timeout|error", "answers": ["..."]}
 * where answers are addresses (A, AAAA), host names sorted by preference (MX),
 * host names (PTR, target is an IP) or whole TXT strings (TXT). The channel
 * never blocks: the owner polls the sockets from mk_dns_pollfds(), hands the
 * ready ones to mk_dns_process() and never waits longer than
 * mk_dns_timeout_ms(). mk_dns_cancel() answers everything outstanding with
 * "timeout", which is how the engine enforces its budget.
 */
#ifndef MK_DNS_H
#define MK_DNS_H

#include <jansson.h>
#include "platform.h"
#include <stddef.h>

typedef enum mk_dns_type {
    MK_DNS_A = 0,
    MK_DNS_AAAA,
    MK_DNS_MX,
    MK_DNS_PTR,
    MK_DNS_TXT,
} mk_dns_type;

/* At most this many answers are kept per query. */
#define MK_DNS_MAX_ANSWERS 32

/* Takes ownership of result (never NULL). status is a string inside result. */
typedef void (*mk_dns_cb)(void *arg, json_t *result, double ms);

typedef struct mk_dns mk_dns;

/* server: "IP[:PORT]" (comma-separated list allowed) or NULL for the system
 * resolver. timeout_ms bounds each try. NULL with *error set on failure. */
mk_dns *mk_dns_new(const char *server, int timeout_ms, char **error);
void mk_dns_free(mk_dns *dns);   /* outstanding callbacks are called with "timeout" */

const char *mk_dns_type_name(mk_dns_type type);   /* "A", "AAAA", ... */
/* A printable description of the server in use ("127.0.0.1:5353" or "system"). */
const char *mk_dns_server(const mk_dns *dns);

void mk_dns_query(mk_dns *dns, const char *name, mk_dns_type type, mk_dns_cb cb, void *arg);

size_t mk_dns_pending(const mk_dns *dns);
/* Fills up to max pollfds; returns how many. */
size_t mk_dns_pollfds(mk_dns *dns, struct pollfd *fds, size_t max);
/* Processes readiness reported in fds (revents) and any expired timers. */
void mk_dns_process(mk_dns *dns, const struct pollfd *fds, size_t n);
/* Milliseconds until c-ares needs mk_dns_process() for a timer, capped at max_ms. */
int mk_dns_timeout_ms(mk_dns *dns, int max_ms);
void mk_dns_cancel(mk_dns *dns);

/* The reverse-lookup name of an IP ("4.3.2.1.in-addr.arpa"); NULL when not an IP. */
char *mk_dns_reverse_name(const char *ip);

#endif

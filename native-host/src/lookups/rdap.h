/* rdap.h - registration data over HTTP(S): fetching with libcurl multi, parsing with Jansson.
 *
 * The fetching half is a thin, non-blocking wrapper around a curl multi
 * handle: mk_rdap_fetch() queues a GET, the owner's event loop waits on the
 * multi handle (curl_multi_wait with its own extra sockets), calls
 * mk_rdap_perform(), and callbacks fire as transfers finish. Bodies are cut at
 * MK_RDAP_MAX_BODY. The parsing half turns an RDAP domain answer (RFC 9083)
 * into the facts an investigator reads off a WHOIS page, as JSON:
 *   {"status": "registered|unregistered|error", "created": "RFC 3339", "created_epoch": N,
 *    "registrar": "...", "registrant_name": "...", "registrant_org": "...",
 *    "registrant_country": "JP", "registry_status": "active", "remarks": ["..."]}
 * and finds a TLD's registry in IANA's bootstrap file (RFC 9224).
 */
#ifndef MK_RDAP_H
#define MK_RDAP_H

#include <curl/curl.h>
#include <jansson.h>
#include <stddef.h>
#include <time.h>

#define MK_RDAP_MAX_BODY (1024 * 1024)
#define MK_RDAP_BOOTSTRAP_URL "https://data.iana.org/rdap/dns.json"

/* http_status is 0 when no answer arrived; error is NULL on success, "timeout" when cancelled. */
typedef void (*mk_rdap_cb)(void *arg, long http_status, const char *body, size_t len,
                           const char *error, double ms);

typedef struct mk_rdap mk_rdap;

mk_rdap *mk_rdap_new(int timeout_ms);
void mk_rdap_free(mk_rdap *rdap);   /* pending callbacks are called with "timeout" */

/* The user's own server (--rdap-base): its origin may be reached wherever it
 * is, even on loopback; every other URL, redirect and address is judged by
 * mk_contact_check() (see rdap.c). */
void mk_rdap_trust(mk_rdap *rdap, const char *base_url);
void mk_rdap_fetch(mk_rdap *rdap, const char *url, mk_rdap_cb cb, void *arg);
size_t mk_rdap_pending(const mk_rdap *rdap);
CURLM *mk_rdap_multi(mk_rdap *rdap);   /* for curl_multi_wait() in the owner's loop */
void mk_rdap_perform(mk_rdap *rdap);   /* drives transfers and fires finished callbacks */
void mk_rdap_cancel(mk_rdap *rdap);    /* finishes every pending transfer as "timeout" */

/* The URL to ask about domain under base ("https://x/rdap/" + "domain/NAME"). Allocated. */
char *mk_rdap_domain_url(const char *base, const char *domain);
/* The registry base URL for tld from an IANA bootstrap object (https preferred), or NULL. */
char *mk_rdap_bootstrap_base(const json_t *bootstrap, const char *tld);

/* Parses an RDAP domain answer; 404 means unregistered. New reference, never NULL. */
json_t *mk_rdap_parse_domain(long http_status, const char *body, size_t len);

/* "2024-05-01T12:00:00Z" (fractions and offsets allowed) to Unix time; 0 when unparsable. */
time_t mk_rdap_parse_time(const char *s);

#endif

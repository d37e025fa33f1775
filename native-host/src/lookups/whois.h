/* whois.h - WHOIS over TCP port 43 for registries without RDAP (.jp among them).
 *
 * The client half opens non-blocking connections to an IP address (the
 * engine resolves server names with its own DNS) and is driven by the
 * owner's poll loop like dns.h: mk_whois_pollfds(), mk_whois_process(). A
 * query is one line; the answer is everything until the server closes, cut
 * at MK_WHOIS_MAX_ANSWER. The parsing half reads the free-text answer, in the
 * common "Key: value" style and in JPRS's "[Key] value" style, into the same
 * JSON shape as rdap.h, plus "refer" when the server points elsewhere:
 *   {"status": "registered|unregistered|error", "created", "created_epoch",
 *    "registrar", "registrant_name", "registrant_org", "registrant_country",
 *    "registry_status" (the registry's own word: "connect", "Active", "ok"), "refer"}
 * Japanese JPRS answers (ISO-2022-JP) are decoded first; Nominet's "Key:" with the value
 * on the next, deeper-indented line is read too.
 * Which server serves which TLD is data (data/whois_servers.json).
 */
#ifndef MK_WHOIS_H
#define MK_WHOIS_H

#include <jansson.h>
#include "platform.h"
#include <stdbool.h>
#include <stddef.h>

#define MK_WHOIS_MAX_ANSWER (64 * 1024)
#define MK_WHOIS_PORT 43

/* error is NULL on success, "timeout" when cancelled, else "error". */
typedef void (*mk_whois_cb)(void *arg, const char *text, size_t len, const char *error, double ms);

typedef struct mk_whois mk_whois;

mk_whois *mk_whois_new(void);
void mk_whois_free(mk_whois *w);   /* pending callbacks are called with "timeout" */

/* ip is a literal; query is sent followed by CRLF. */
void mk_whois_query(mk_whois *w, const char *ip, int port, const char *query, mk_whois_cb cb, void *arg);
size_t mk_whois_pending(const mk_whois *w);
size_t mk_whois_pollfds(mk_whois *w, struct pollfd *fds, size_t max);
void mk_whois_process(mk_whois *w, const struct pollfd *fds, size_t n);
void mk_whois_cancel(mk_whois *w);

/* Parses an answer; never NULL. */
json_t *mk_whois_parse(const char *text, size_t len);

/* Splits "HOST[:PORT]" / "[V6]:PORT" into an allocated host and a port (default 43).
 * Returns false on junk. */
bool mk_whois_split_server(const char *spec, char **host, int *port);

/* Loads DIR/whois_servers.json: {"referral_server": "whois.iana.org",
 * "tlds": {"jp": {"server": "whois.jprs.jp", "query_suffix": "/e"}}}.
 * NULL with *error set when missing or malformed. */
json_t *mk_whois_servers_load(const char *dir, char **error);
/* The WHOIS server for tld from that table, or NULL; *suffix gets the query suffix ("" if none). */
const char *mk_whois_server_for(const json_t *servers, const char *tld, const char **suffix);

#endif

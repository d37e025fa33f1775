/* lookups.h - the network look-ups an investigator would do by hand.
 *
 * Given the offline facts, mk_enrich() gathers, concurrently and within one
 * wall-clock budget: DNS (A/AAAA/MX of sender and link domains, PTR of the
 * origin IP and forward confirmation of its name, the From domain's SPF/MX
 * addresses), registration data (RDAP via the IANA bootstrap, WHOIS on port 43
 * where there is no RDAP) and the location/network of link hosts. Results are
 * cached in SQLite. Only domain names and IP addresses leave the machine, and
 * never a loopback/private/link-local target taken from a message.
 */
#ifndef MK_LOOKUPS_H
#define MK_LOOKUPS_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "facts.h"
#include "geo.h"
#include "online_facts.h"

typedef struct mk_enrich_options {
    const char *dns_server;   /* "IP[:PORT]" or NULL for the system resolver */
    const char *rdap_base;    /* base URL or NULL for the IANA bootstrap */
    const char *whois_server; /* "HOST[:PORT]" to use for every WHOIS query, or NULL */
    int budget_ms;            /* wall-clock budget for all look-ups (default 3000) */
    const char *cache_dir;    /* NULL for the default */
    bool no_cache;
    const char *data_dir;     /* for privacy_services.json / whois_servers.json; NULL: mk_catalog_default_dir() */
    bool skip_dns;            /* the user turned DNS look-ups of message names off */
    bool skip_registration;   /* the user turned RDAP/WHOIS look-ups off */
    const atomic_bool *stop;  /* when set and it becomes true, the look-ups end at once (NULL: never) */
} mk_enrich_options;

/* Never NULL. The facts are not modified; the caller stores the result in facts->online. */
mk_online_facts *mk_enrich(const mk_facts *facts, const mk_geo *geo, const mk_enrich_options *opt);

/* The engine's first half, exposed for tests: what to ask, as
 * {"hosts": {name: roles}, "regs": {domain: roles}, "from_host", "origin_ip", "recorded_rdns"}.
 * The second half is mk_online_build() (online_facts.h). */
json_t *mk_enrich_plan(const mk_facts *facts);


#endif

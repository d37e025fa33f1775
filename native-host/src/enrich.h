/* enrich.h - the network look-ups an investigator would do by hand.
 *
 * Given the offline facts, mk_enrich() gathers, concurrently and within one
 * wall-clock budget: DNS (A/AAAA/MX of sender and link domains, PTR of the
 * origin IP and forward confirmation of its name, the From domain's SPF/MX
 * addresses), registration data (RDAP via the IANA bootstrap, WHOIS on port 43
 * where there is no RDAP) and the location/network of link hosts. Results are
 * cached in SQLite. Only domain names and IP addresses leave the machine, and
 * never a loopback/private/link-local target taken from a message.
 */
#ifndef MK_ENRICH_H
#define MK_ENRICH_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "facts.h"
#include "geo.h"

#include <time.h>

#include "util.h"

/* ---- what the look-ups learned (read by checks_online.c) ------------------ */

/* Why a name was looked up; a name can have several roles. */
enum {
    MK_ROLE_FROM = 1u << 0,
    MK_ROLE_REPLY_TO = 1u << 1,
    MK_ROLE_RETURN_PATH = 1u << 2,
    MK_ROLE_LINK = 1u << 3,
    MK_ROLE_ORIGIN = 1u << 4,   /* the origin's rDNS names */
};

/* One question asked (or answered from the cache), as listed in the report. */
typedef struct mk_online_lookup {
    char *kind;     /* "dns", "rdap", "whois" */
    char *type;     /* DNS record type, "domain", "bootstrap" or "referral" */
    char *target;
    char *status;   /* "ok", "nxdomain" (also: not registered), "timeout", "error", "skipped", "cached" */
    char *server;   /* who was asked */
    double ms;
} mk_online_lookup;

/* What DNS says about one host name. */
typedef struct mk_online_host {
    char *name;              /* lower-case ASCII */
    unsigned roles;
    const char *dns;         /* "ok" (has A/AAAA/MX), "nxdomain", "nodata" (exists, none of them),
                                "unknown" (no complete answer in time), "skipped" */
    mk_strlist addresses;    /* A and AAAA */
    mk_strlist mx_hosts;     /* by preference; only for sender-side names */
    mk_strlist mx_addresses;
    bool has_geo;            /* geo/asn of the first public address */
    mk_geo_info geo;
} mk_online_host;

/* What the registry says about one registrable domain. */
typedef struct mk_online_registration {
    char *domain;
    unsigned roles;
    const char *status;      /* "registered", "unregistered", "unknown" */
    const char *source;      /* "rdap", "whois", "" */
    char *server;            /* "" when none answered */
    time_t created;          /* 0 when unknown */
    char *created_text;      /* as the registry wrote it, "" when unknown */
    char *registrar;         /* "" when unknown (all strings below too) */
    char *registrant_name;
    char *registrant_org;
    char *registrant_country;
    char *privacy_service;   /* the privacy/proxy service hiding the registrant, NULL when none */
    char *privacy_text;      /* the registry text that showed it, NULL when none */
} mk_online_registration;

/* The origin relay as seen live. */
typedef struct mk_online_origin {
    char *ip;                /* "" when there is no (public) origin IP */
    const char *ptr;         /* "ok", "nxdomain", "nodata", "unknown", "skipped" */
    mk_strlist ptr_names;    /* live reverse names of ip */
    /* Forward confirmation: does the name resolve back to ip? For the rDNS name the
     * receiving server recorded and for the first live PTR name. */
    char *recorded_name;     /* hop rdns when it is a name, else "" */
    const char *recorded_forward; /* "confirmed", "mismatch", "unresolvable", "unknown", "" (no name) */
    const char *ptr_forward;      /* same, for ptr_names.v[0] */
    mk_strlist forward_addresses; /* addresses of the checked names */
    /* Does ip belong to the From domain? */
    bool from_checked;       /* From domain's A/AAAA/MX and SPF all answered */
    const char *from_match;  /* "a", "mx", "spf" or NULL */
    char *spf_record;        /* the From domain's v=spf1 record, "" when none */
    char *spf_mechanism;     /* the mechanism that matched, "" when none */
} mk_online_origin;

struct mk_online_facts {
    time_t now;              /* when the look-ups ran; checks compare dates with this */
    int budget_ms;
    double elapsed_ms;
    bool budget_exhausted;   /* some look-ups were cut off */
    mk_online_lookup *lookups;
    size_t n_lookups;
    mk_online_host *hosts;
    size_t n_hosts;
    mk_online_registration *regs;
    size_t n_regs;
    mk_online_origin origin;
};

/* The entry for a host / registrable domain, or NULL. */
const mk_online_host *mk_online_host_find(const mk_online_facts *online, const char *name);
const mk_online_registration *mk_online_reg_find(const mk_online_facts *online, const char *domain);

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
void mk_online_facts_free(mk_online_facts *online);

/* The engine's two halves, exposed for tests. mk_enrich_plan() lists what to ask:
 * {"hosts": {name: roles}, "regs": {domain: roles}, "from_host", "origin_ip", "recorded_rdns"}.
 * mk_online_build() fills online's hosts/regs/origin from the plan and the answers
 * ({"dns:A:name": {...}, "rdap:domain:x": {...}, "whois:domain:x": {...}, ...}). */
struct mk_privacy;
json_t *mk_enrich_plan(const mk_facts *facts);
void mk_online_build(mk_online_facts *online, const json_t *plan, const json_t *results,
                     const mk_geo *geo, const struct mk_privacy *privacy);

/* Adds what the look-ups learned to a report: "lookups", and geo/asn/addresses on links. */
void mk_online_annotate_report(const mk_online_facts *online, const mk_facts *facts, json_t *report);

#endif

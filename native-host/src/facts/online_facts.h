/* online_facts.h - what the network look-ups learned, as facts the checks read.
 *
 * The look-up engine (lookups.h) asks; this is the record of the answers,
 * reduced per host (does it exist, where does it point), per registrable
 * domain (what the registry says) and for the origin relay (its live reverse
 * name, forward confirmation, whether it may send for the From domain). A
 * missing or late answer is "unknown", never a negative. mk_facts.online
 * points here once enrichment ran.
 */
#ifndef MK_ONLINE_FACTS_H
#define MK_ONLINE_FACTS_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "geo.h"
#include "privacy.h"
#include "util.h"

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

typedef struct mk_online_facts {
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
} mk_online_facts;

/* The entry for a host / registrable domain, or NULL. */
const mk_online_host *mk_online_host_find(const mk_online_facts *online, const char *name);
const mk_online_registration *mk_online_reg_find(const mk_online_facts *online, const char *domain);

/* Fills online's hosts/regs/origin from the engine's plan and its answers
 * ({"dns:A:name": {...}, "rdap:domain:x": {...}, "whois:domain:x": {...}, ...};
 * see mk_enrich_plan() in lookups.h). */
void mk_online_build(mk_online_facts *online, const json_t *plan, const json_t *results,
                     const mk_geo *geo, const mk_privacy *privacy);
void mk_online_facts_free(mk_online_facts *online);

#endif

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
    MK_ROLE_HELO = 1u << 5,     /* the name the origin gave in HELO/EHLO */
};

/* The words of the online stage, each an enum with one mk_..._name() giving its JSON
 * spelling (online_names.c). A name never returns NULL. */

/* GEO and ASN are the local databases' answers about a link host's address. */
typedef enum mk_lookup_kind { MK_LOOKUP_DNS, MK_LOOKUP_RDAP, MK_LOOKUP_WHOIS, MK_LOOKUP_GEO, MK_LOOKUP_ASN } mk_lookup_kind;
const char *mk_lookup_kind_name(mk_lookup_kind kind);   /* "dns", "rdap", "whois", "geo", "asn" */

/* How one question ended. NXDOMAIN also stands for "not registered" at a registry. */
typedef enum mk_lookup_status {
    MK_LOOKUP_OK,
    MK_LOOKUP_NXDOMAIN,
    MK_LOOKUP_TIMEOUT,    /* no answer within the budget (also: cancelled) */
    MK_LOOKUP_ERROR,      /* an answer that says nothing: SERVFAIL, garbage, HTTP 5xx/429 ... */
    MK_LOOKUP_SKIPPED,    /* not asked: turned off, or the address it led to was private */
    MK_LOOKUP_CACHED,     /* answered from the cache */
} mk_lookup_status;
const char *mk_lookup_status_name(mk_lookup_status status);

/* Why Mekiki asked (the report's "purpose"). */
typedef enum mk_lookup_purpose {
    MK_PURPOSE_SENDER,          /* the From domain and its mail servers */
    MK_PURPOSE_REPLY_TO,
    MK_PURPOSE_RETURN_PATH,
    MK_PURPOSE_LINK,
    MK_PURPOSE_ORIGIN_REVERSE,  /* PTR of the origin IP */
    MK_PURPOSE_ORIGIN_FORWARD,  /* does a reverse name point back? */
    MK_PURPOSE_HELO,
    MK_PURPOSE_SPF,
    MK_PURPOSE_REGISTRATION,    /* RDAP, WHOIS, their bootstrap and referrals and server addresses */
    MK_PURPOSE_RESOLVER_CHECK,  /* names whose answer is known, asked to test the resolver */
    MK_PURPOSE_GEO,             /* where a host's address is (local database) */
    MK_PURPOSE_ASN,             /* whose network it is (local database) */
    MK_PURPOSE_FEED,            /* a phishing feed (local database; named for the add-on's table) */
} mk_lookup_purpose;
const char *mk_lookup_purpose_name(mk_lookup_purpose purpose);

/* What DNS says about a name (or the PTR of an address). */
typedef enum mk_existence {
    MK_EXIST_UNKNOWN = 0,  /* no complete answer in time, or a resolver not trusted */
    MK_EXIST_OK,           /* has records (A/AAAA/MX; PTR names) */
    MK_EXIST_NXDOMAIN,
    MK_EXIST_NODATA,       /* the name exists, none of the records asked for */
    MK_EXIST_SKIPPED,      /* nothing to ask (no public origin IP) */
} mk_existence;
const char *mk_existence_name(mk_existence e);   /* "unknown", "ok", "nxdomain", "nodata", "skipped" */
bool mk_existence_denied(mk_existence e);         /* NXDOMAIN or NODATA */

/* Does a name resolve back to an address? */
typedef enum mk_forward {
    MK_FORWARD_NONE = 0,       /* no name to check: "" */
    MK_FORWARD_CONFIRMED,
    MK_FORWARD_MISMATCH,       /* resolves, to other addresses */
    MK_FORWARD_UNRESOLVABLE,   /* resolves to nothing */
    MK_FORWARD_UNKNOWN,
} mk_forward;
const char *mk_forward_name(mk_forward f);
bool mk_forward_failed(mk_forward f);   /* MISMATCH or UNRESOLVABLE */

typedef enum mk_reg_status { MK_REG_UNKNOWN = 0, MK_REG_REGISTERED, MK_REG_UNREGISTERED } mk_reg_status;
const char *mk_reg_status_name(mk_reg_status s);   /* "unknown", "registered", "unregistered" */

typedef enum mk_reg_source { MK_SOURCE_NONE = 0, MK_SOURCE_RDAP, MK_SOURCE_WHOIS } mk_reg_source;
const char *mk_reg_source_name(mk_reg_source s);   /* "", "rdap", "whois" */

/* How the origin was found to belong to the From domain. */
typedef enum mk_from_match { MK_FROM_MATCH_NONE = 0, MK_FROM_MATCH_A, MK_FROM_MATCH_MX, MK_FROM_MATCH_SPF } mk_from_match;
const char *mk_from_match_name(mk_from_match m);   /* "", "a", "mx", "spf" */

/* Which clock a domain's age is measured against (see mk_received_at()). */
typedef enum mk_clock {
    MK_CLOCK_RECEIVED,   /* the Received date written at the trust boundary */
    MK_CLOCK_DATE,       /* the message's own Date header */
    MK_CLOCK_ANALYSIS,   /* neither was usable: the time of analysis */
} mk_clock;
const char *mk_clock_name(mk_clock c);   /* "received", "date", "analysis" */

/* ---- what the look-ups learned (read by checks_online.c) ------------------ */

/* One question asked (or answered from the cache), as listed in the report. */
typedef struct mk_online_lookup {
    mk_lookup_kind kind;
    const char *type;     /* "A", "AAAA", "MX", "PTR", "TXT", "RDAP", "WHOIS", "CITY", "ASN" (static) */
    char *target;
    mk_lookup_status status;
    mk_lookup_purpose purpose;
    char *server;         /* who was asked, "" when nobody */
    double ms;
} mk_online_lookup;

/* What DNS says about one host name. */
typedef struct mk_online_host {
    char *name;              /* lower-case ASCII */
    unsigned roles;
    mk_existence dns;        /* OK: has A/AAAA (or MX for sender-side names) */
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
    mk_reg_status status;
    mk_reg_source source;
    time_t created;          /* 0 when unknown */
    char *created_text;      /* as the registry wrote it, "" when unknown */
    char *registrar;         /* "" when unknown (all strings below too) */
    char *registrant_name;
    char *registrant_org;
    char *registrant_country;
    char *registry_status;   /* the registry's own word: "connect" (DENIC), "Active" (JPRS), "ok" */
    char *privacy_service;   /* the privacy/proxy service hiding the registrant, NULL when none */
    char *privacy_text;      /* the registry text that showed it, NULL when none */
} mk_online_registration;

/* The origin relay as seen live. Every string is owned (never a pointer into answers). */
typedef struct mk_online_origin {
    char *ip;                /* "" when there is no (public) origin IP */
    mk_existence ptr;        /* SKIPPED when there is no ip */
    mk_strlist ptr_names;    /* live reverse names of ip */
    /* Forward confirmation: does the name resolve back to ip? For the rDNS name the
     * receiving server recorded and for the first live PTR name. */
    char *recorded_name;     /* hop rdns when it is a name, else "" */
    mk_forward recorded_forward;
    mk_forward ptr_forward;  /* for ptr_names.v[0] */
    mk_strlist forward_addresses; /* addresses of the checked names */
    /* The HELO name, when it is a public name other than the recorded rDNS name. */
    char *helo;              /* "" when not looked up */
    mk_forward helo_forward;
    mk_strlist helo_addresses;
    /* Does ip belong to the From domain? */
    bool from_checked;       /* From domain's A/AAAA/MX and SPF all answered */
    mk_from_match from_match;
    char *spf_record;        /* the From domain's v=spf1 record, "" when none */
    char *spf_mechanism;     /* the mechanism that matched, "" when none */
} mk_online_origin;

/* How the questions ended, for the report's "online" summary. */
typedef struct mk_online_summary {
    size_t answered, failed, timed_out, skipped;
    bool resolver_unreliable;  /* the resolver denied names that exist: DNS facts were not used */
    bool registry_unreliable;  /* every registry question failed: registration facts are unknown */
} mk_online_summary;

typedef struct mk_online_facts {
    time_t now;              /* when the look-ups ran */
    time_t received_at;      /* when the message arrived (never later than now); ages count to this */
    mk_clock received_clock; /* where received_at came from */
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
    mk_online_summary summary;
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

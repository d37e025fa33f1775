/* facts.h - everything the checks may look at, derived once from a message.
 *
 * Data flows one way: raw bytes -> mk_message -> mk_facts -> checks ->
 * findings -> score -> report. Building facts does all the parsing and
 * normalisation (Received chain, links, folded text, brand claim, trusted
 * authentication results, local database look-ups); checks are then pure
 * functions of the facts. Online enrichment adds `online` and the checks run
 * again. Pointers to strings inside `msg` are borrowed; everything else is
 * owned by the facts and released by mk_facts_free().
 */
#ifndef MK_FACTS_H
#define MK_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "geo.h"
#include "page.h"
#include "message.h"
#include "online_facts.h"
#include "pairset.h"
#include "received.h"

typedef struct mk_party {
    const mk_address *addr;  /* borrowed from msg */
    char *regdom;            /* registrable domain of addr->domain, "" when none */
} mk_party;

typedef struct mk_auth {
    bool present;        /* a trusted Authentication-Results header exists */
    char *spf;           /* result words, lower-case ("pass", "fail", "softfail", ...), "" when absent */
    char *dkim;
    char *dmarc;
    char *header;        /* the header value used as evidence, "" when none */
    char *mailfrom_regdom;      /* registrable domain of smtp.mailfrom=, "" when none */
    mk_strlist dkim_pass_regdoms; /* registrable domains of the dkim=pass signers (header.d/header.i) */
} mk_auth;

typedef struct mk_feed mk_feed;                  /* defined by feed.h */

typedef struct mk_facts {
    const mk_message *msg;
    mk_hops hops;
    mk_geo_info *hop_geo;     /* parallel to hops.v; zeroed when no database */
    size_t trusted_header_limit; /* see mk_hops_trusted_header_limit() */
    char *origin_helo_regdom; /* registrable domain of the origin hop's HELO, "" when none */
    char *origin_rdns_regdom; /* of its recorded rDNS name, "" when none or "unknown" */
    mk_page page;             /* links, visible text, forms, hidden text of all parts */

    mk_party from, sender, reply_to, return_path;
    char *message_id_regdom;  /* "" when none */
    char *recipient_regdom;   /* recipient organisation (from trusted `for`, else To), "" when unknown */
    mk_strlist list_regdoms;  /* registrable domains of the hosts List-* headers name (the list's own) */
    mk_auth auth;             /* from trusted Authentication-Results only */

    char *subject_folded;     /* mk_text_fold of the subject */
    char *from_name_folded;   /* mk_text_fold of the From display name */
    char *body_folded;        /* mk_text_fold of the visible text (bounded to 64 KiB) */
    mk_pairset *text_pairs;   /* byte pairs of subject_folded and body_folded: phrases and names
                                 with a pair outside it occur in neither (pairset.h) */

    const mk_brand *claimed_brand;  /* NULL when the message claims no known brand */
    const char *claim_source;       /* "display_name", "subject_tag" (【brand】 at the head of the
                                       subject), "subject", "from_domain", "body" or NULL */
    char *claim_text;               /* the words that made the claim, "" when none */

    char **link_feed_match;   /* parallel to page.links: matching feed entry or NULL */

    const mk_online_facts *online;  /* NULL until enrichment ran */
} mk_facts;

void mk_facts_build(const mk_message *msg, const mk_catalog *cat, const mk_geo *geo,
                    mk_feed *feed, mk_facts *out);
void mk_facts_free(mk_facts *facts);

/* Brand claim detection (brand_claim.c): sets claimed_brand, claim_source, claim_text. */
void mk_facts_find_brand_claim(const mk_catalog *cat, mk_facts *facts);

/* When the message arrived (online_facts.c): the date of the origin's Received
 * header (written by the recipient's side at the trust boundary), else of the
 * topmost trusted one, else the Date header, else now; never later than now.
 * *clock says which. Domain ages are counted to this moment. */
time_t mk_received_at(const mk_facts *facts, time_t now, mk_clock *clock);

#endif

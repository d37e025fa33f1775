/* sender_trust.h - does the reader's trust in a sender hold for this message?
 *
 * A reader who says "I know this sender" gets an entry in a list the add-on
 * keeps locally and sends with each analyze request: the sender's address,
 * the registrable domain of their organisation, whether the whole
 * organisation or only that address is meant, and the authentication the
 * message had when the reader vouched for it. The list holds no verdicts,
 * only the evidence the trust rests on, so it is checked afresh every time:
 *
 *   held        the From address (or organisation - never a free-mail or ISP
 *               mailbox domain, whose addresses are strangers') is on the list and the
 *               message proves that domain now as it did then: a trusted
 *               Authentication-Results header shows DMARC, aligned DKIM or
 *               aligned SPF passing for it (an entry made without any proof
 *               holds as long as no authentication fails);
 *   unproven    the From address is on the list but that proof is missing or
 *               failing now: someone may be using the name;
 *   imitated    the From domain is not on the list but imitates a domain
 *               that is (typo, confusable letters, IDN, the name with words
 *               added - the brand catalog's look-alike tests with the
 *               reader's senders as the brands), or the display name shows a
 *               trusted address or domain that is not the sender's;
 *   not_listed  none of these.
 *
 * Unproven and imitated add findings (trusted_sender_unproven,
 * trusted_sender_lookalike); held adds none and the report's "sender_trust"
 * object says why it held. The score is never lowered here: how a held trust
 * is shown is the add-on's choice.
 */
#ifndef MK_SENDER_TRUST_H
#define MK_SENDER_TRUST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "facts.h"
#include "findings.h"

/* The most entries one request may carry (the add-on keeps no more). */
#define MK_TRUST_MAX_ENTRIES 200

typedef enum mk_trust_proof {
    MK_TRUST_PROOF_NONE,    /* no passing authentication for the domain */
    MK_TRUST_PROOF_SPF,     /* SPF pass with an envelope sender in the domain */
    MK_TRUST_PROOF_DKIM,    /* a DKIM signature of the domain passed */
    MK_TRUST_PROOF_DMARC,   /* DMARC pass */
} mk_trust_proof;

typedef enum mk_trust_status {
    MK_TRUST_NOT_LISTED,
    MK_TRUST_HELD,
    MK_TRUST_UNPROVEN,
    MK_TRUST_IMITATED,
} mk_trust_status;

typedef struct mk_trusted_sender {
    char *address;          /* lower-case; "" when the entry names only an organisation */
    char *domain;           /* registrable domain, lower-case ASCII */
    bool organisation;      /* the whole domain, not only the address */
    mk_trust_proof proof;   /* what the message proved when the reader trusted it */
} mk_trusted_sender;

typedef struct mk_trust_list {
    mk_trusted_sender *v;
    size_t n;
    mk_catalog lookalikes;  /* the trusted domains as brands, for look-alike tests */
} mk_trust_list;

typedef struct mk_trust_result {
    mk_trust_status status;
    const mk_trusted_sender *entry;  /* the entry concerned; NULL when not_listed */
    mk_trust_proof proof_now;        /* what this message proves for its From domain */
    const char *how;                 /* imitated: "typo", "confusable", "idn", "brand_token",
                                        "display_name"; else NULL (static) */
} mk_trust_result;

const char *mk_trust_proof_name(mk_trust_proof p);
const char *mk_trust_status_name(mk_trust_status s);

/* Reads the request's "trusted_senders" array: [{"address", "domain",
 * "scope": "address"|"organisation", "proof": "none"|"spf"|"dkim"|"dmarc"}].
 * NULL with *error (static text) when malformed or longer than the limit. */
mk_trust_list *mk_trust_list_from_json(const json_t *array, const char **error);
void mk_trust_list_free(mk_trust_list *list);

/* What this message proves about its From domain. */
mk_trust_proof mk_trust_proof_of(const mk_facts *facts, const char *regdom);

void mk_sender_trust_judge(const mk_facts *facts, const mk_catalog *cat, const mk_trust_list *list,
                           mk_trust_result *out);
/* Adds trusted_sender_unproven / trusted_sender_lookalike for such results. */
void mk_checks_sender_trust(const mk_facts *facts, const mk_trust_result *r, mk_findings *out);
/* The report's "sender_trust" object (new reference). */
json_t *mk_sender_trust_json(const mk_trust_result *r);

#endif

/* checks.h - the checks: pure functions from facts to findings.
 *
 * Each family lives in its own file and only reads the facts and the catalog;
 * none does I/O. mk_checks_run() runs every family in a fixed order.
 */
#ifndef MK_CHECKS_H
#define MK_CHECKS_H

#include "catalog.h"
#include "facts.h"
#include "findings.h"

void mk_checks_header(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);   /* checks_header.c */
void mk_checks_links(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);    /* checks_links.c */
void mk_checks_wording(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);  /* checks_wording.c */
void mk_checks_online(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);   /* checks_online.c; no-op when facts->online is NULL */
void mk_checks_coverage(const mk_facts *facts, const mk_catalog *cat, mk_findings *out); /* checks_coverage.c */

void mk_checks_run(const mk_facts *facts, const mk_catalog *cat, mk_findings *out);

/* Shared by the families (checks.c): two registrable domains belong to one
 * organisation when they are equal or both are official domains of one brand.
 * This is what authentication alignment and Reply-To / Return-Path accept. */
bool mk_org_same(const mk_catalog *cat, const char *regdom_a, const char *regdom_b);
/* mk_org_same, or one name of five letters or more under two suffixes that no
 * brand owns (imakenews.net, imakenews.com): good enough to say which servers
 * send for an organisation, never to authenticate it (an impostor can register
 * the name under another suffix, as business e-mail fraud does for replies). */
bool mk_org_related(const mk_catalog *cat, const char *regdom_a, const char *regdom_b);
/* True when a List-* header of m names a host of organisation regdom. */
bool mk_is_list_domain(const mk_message *m, const char *regdom);
/* True when a host name (HELO or rDNS) belongs to the From organisation (not a
 * customer host under a provider's zone). */
bool mk_name_is_from_org(const mk_facts *facts, const mk_catalog *cat, const char *name);
/* True when the origin's recorded name belongs to the From organisation or to an
 * agent entitled to relay for it: the Sender, the mailing list, a bounce domain. */
bool mk_origin_speaks_for_from(const mk_facts *facts, const mk_catalog *cat);
/* True when the trusted Authentication-Results say the From domain passed DMARC,
 * or DKIM passed for a signing domain of the From organisation. */
bool mk_from_authenticated(const mk_facts *facts, const mk_catalog *cat);
/* True when the subject or body presses the reader (checks_wording.c): an
 * urgency phrase, or requests for credentials in two forms. */
bool mk_wording_presses(const mk_facts *facts, const mk_catalog *cat);

#endif

/* organisation.h - which organisation a domain, a relay or a signature speaks for.
 *
 * Shared by the check families; pure functions of the facts and the catalog.
 */
#ifndef MK_ORGANISATION_H
#define MK_ORGANISATION_H

#include <stdbool.h>

#include "catalog.h"
#include "facts.h"

/* Two registrable domains belong to one
 * organisation when they are equal or both are official domains of one brand.
 * This is what authentication alignment and Reply-To / Return-Path accept. */
bool mk_org_same(const mk_catalog *cat, const char *regdom_a, const char *regdom_b);
/* mk_org_same, or one name of five letters or more under two suffixes that no
 * brand owns (imakenews.net, imakenews.com): good enough to say which servers
 * send for an organisation, never to authenticate it (an impostor can register
 * the name under another suffix, as business e-mail fraud does for replies). */
bool mk_org_related(const mk_catalog *cat, const char *regdom_a, const char *regdom_b);
/* True when a List-* header names a host of organisation regdom (facts->list_regdoms). */
bool mk_is_list_domain(const mk_facts *facts, const char *regdom);
/* True when a host name (HELO or rDNS) of registrable domain regdom belongs to
 * the From organisation (not a customer host under a provider's zone). */
bool mk_name_is_from_org(const mk_facts *facts, const mk_catalog *cat, const char *name, const char *regdom);
/* True when the origin's recorded name belongs to the From organisation or to an
 * agent entitled to relay for it: the Sender, the mailing list, a bounce domain. */
bool mk_origin_speaks_for_from(const mk_facts *facts, const mk_catalog *cat);
/* True when the trusted Authentication-Results say the From domain passed DMARC,
 * or DKIM passed for a signing domain of the From organisation. */
bool mk_from_authenticated(const mk_facts *facts, const mk_catalog *cat);

#endif

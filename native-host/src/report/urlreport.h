/* urlreport.h - the report for `mekiki url URL...`: one URL judged on its own.
 *
 * Without a message there is no sender, wording or route to weigh, so the
 * report says only what the URL itself shows: its host in ASCII and Unicode,
 * its registrable domain, the brand it imitates, and the findings that need
 * nothing but the URL (lookalike_domain, brand_in_subdomain_or_path,
 * link_ip_host, link_shortener, link_on_blocklist).
 */
#ifndef MK_URLREPORT_H
#define MK_URLREPORT_H

#include <jansson.h>

#include "catalog.h"
#include "feed.h"

/* {"url","host","host_unicode","registrable_domain",
 *  "imitated_brand":{"id","name","official_domains"}|null,
 *  "findings":[{"id","evidence"}...]}. feed may be NULL. Returns a new reference. */
json_t *mk_url_report(const mk_catalog *cat, mk_feed *feed, const char *url);

#endif

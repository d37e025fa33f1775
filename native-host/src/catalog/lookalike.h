/* lookalike.h - does a host name imitate a brand?
 *
 * A host imitates a brand when it is not on the brand's official domains but
 * its registrable domain is close to one of them: a typo (edit distance over
 * the label, e.g. ekl-net for eki-net), a confusable spelling (UTS #39 skeleton
 * equal, e.g. Cyrillic letters or rn for m), an IDN form, or the brand's token
 * with words, digits or hyphens added (eki-net-memoryless, go-eki-jp, smbc-card1).
 * Separately, a brand can hide in the parts of a URL that do not decide where
 * it goes: subdomains of another domain (smbc.co.jp.awback.cn), the path, the
 * query, the fragment (#1.jr-central.co.jp) or the userinfo (eki-net.com@evil).
 */
#ifndef MK_LOOKALIKE_H
#define MK_LOOKALIKE_H

#include <stdbool.h>

#include "catalog.h"
#include "url.h"

typedef struct mk_lookalike_hit {
    const mk_brand *brand;
    const char *official;   /* the official domain imitated (borrowed from the catalog) */
    const char *how;        /* "typo", "confusable", "idn", "brand_token" (static string) */
} mk_lookalike_hit;

/* host: lower-case ASCII. False for official domains of any brand. */
bool mk_lookalike_domain(const mk_catalog *cat, const char *host, mk_lookalike_hit *hit);

typedef struct mk_brand_in_url_hit {
    const mk_brand *brand;
    const char *where;      /* "subdomain", "path", "query", "fragment", "userinfo" (static) */
    char *matched;          /* the text that named the brand (allocated) */
} mk_brand_in_url_hit;

/* False when the URL's registrable domain is the brand's own. Caller frees hit->matched. */
bool mk_brand_in_url(const mk_catalog *cat, const mk_url *url, mk_brand_in_url_hit *hit);

/* Brand that a URL imitates, if any: lookalike host first, then brand in URL. */
const mk_brand *mk_url_imitated_brand(const mk_catalog *cat, const mk_url *url);

#endif

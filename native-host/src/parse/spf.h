/* spf.h - just enough SPF (RFC 7208) to ask "may this IP send for this domain?".
 *
 * We do not evaluate SPF as a receiving server would (qualifiers, exists:,
 * macros, the 10-lookup limit with its permerror); the question an
 * investigator asks is simpler: is the origin IP among the networks the
 * domain names in its record? So a record is reduced to its ip4:/ip6:
 * networks, the domains it includes (include: and redirect=) and whether it
 * names its own a/mx hosts. Only "+" (pass) mechanisms count.
 */
#ifndef MK_SPF_H
#define MK_SPF_H

#include <stdbool.h>

#include "util.h"

typedef struct mk_spf {
    mk_strlist networks;   /* "ip4:203.0.113.0/24", "ip6:2001:db8::/32" as written */
    mk_strlist includes;   /* lower-case domains from include: and redirect= */
    bool uses_a;           /* bare "a" or "a/NN" */
    bool uses_mx;          /* bare "mx" or "mx/NN" */
} mk_spf;

/* The v=spf1 record among TXT strings (NULL when none); borrowed from the array. */
const char *mk_spf_pick(const char *const *txt, size_t n);
/* Parses a v=spf1 record; false (and *out empty) when it is not one. At most 32 terms. */
bool mk_spf_parse(const char *record, mk_spf *out);
void mk_spf_free(mk_spf *spf);
/* The network mechanism containing ip (mk_ip_in_network), or NULL. Borrowed from spf. */
const char *mk_spf_match_ip(const mk_spf *spf, const char *ip);

#endif

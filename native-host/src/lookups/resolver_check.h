/* resolver_check.h - is the resolver telling the truth?
 *
 * Captive portals, hijacking ISPs and broken local resolvers answer "no such
 * name" for everything, or an address for names that cannot exist. Believed,
 * such a resolver makes a genuine sender look forged. Before its denials are
 * used, the engine asks it about names whose answer is known
 * (data/resolver_check.json): names that must exist and names that must not
 * (RFC 6761's .invalid). One wrong answer and every DNS fact of the message is
 * set aside. The verdict is cached per resolver for a while, so the check
 * costs nothing on the next message.
 */
#ifndef MK_RESOLVER_CHECK_H
#define MK_RESOLVER_CHECK_H

#include <jansson.h>

#include "util.h"

typedef enum mk_resolver_verdict {
    MK_RESOLVER_UNTESTED = 0,  /* some answer missing (silence proves nothing) */
    MK_RESOLVER_TRUSTED,
    MK_RESOLVER_UNRELIABLE,
} mk_resolver_verdict;
const char *mk_resolver_verdict_name(mk_resolver_verdict v);   /* "untested", "trusted", "unreliable" */

typedef struct mk_resolver_check {
    mk_strlist must_exist;      /* asked for A; NXDOMAIN or no address convicts the resolver */
    mk_strlist must_not_exist;  /* asked for A; any address convicts it */
} mk_resolver_check;

/* Reads DIR/resolver_check.json {"must_exist": [...], "must_not_exist": [...]}.
 * False (and an empty check) when it is missing or malformed. */
bool mk_resolver_check_load(const char *dir, mk_resolver_check *out);
void mk_resolver_check_free(mk_resolver_check *c);

/* Judges the answers, found in results under "dns:A:NAME" as dns.h reports them. */
mk_resolver_verdict mk_resolver_check_judge(const mk_resolver_check *c, const json_t *results);

/* Seconds a verdict is remembered: a trusted resolver for an hour, a lying one briefly
 * (the user may log in to the captive portal). */
long mk_resolver_verdict_ttl(mk_resolver_verdict v);

#endif

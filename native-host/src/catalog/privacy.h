/* privacy.h - the names privacy/proxy services put in place of a registrant.
 *
 * Loaded from data/privacy_services.json: a list of services, each with a
 * display name and lower-case patterns. A registrant field that contains a
 * pattern means the real owner is hidden, which the posts note as a warning
 * sign for a domain that claims to be a bank or a railway.
 */
#ifndef MK_PRIVACY_H
#define MK_PRIVACY_H

typedef struct mk_privacy mk_privacy;

/* NULL with *error set (allocated) when DIR/privacy_services.json is missing or malformed. */
mk_privacy *mk_privacy_load(const char *dir, char **error);
void mk_privacy_free(mk_privacy *p);

/* The service name whose pattern occurs in text (case-insensitive), or NULL. Borrowed. */
const char *mk_privacy_match(const mk_privacy *p, const char *text);

#endif

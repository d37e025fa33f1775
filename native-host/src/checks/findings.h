/* findings.h - what the checks found, each with its evidence.
 *
 * A finding is an id from the contract (and data/findings.json) plus a JSON
 * object of evidence. One id appears once per message: adding an id that is
 * already present appends the new evidence to the first one's "more" array
 * (at most 20), so the score counts each kind of problem once. Evidence that
 * concerns one link carries "link": <index into mk_facts.page.links>, which
 * the report uses to list the finding under that link.
 */
#ifndef MK_FINDINGS_H
#define MK_FINDINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct mk_finding {
    char *id;
    json_t *evidence;   /* object, owned */
} mk_finding;

typedef struct mk_findings {
    mk_finding *v;
    size_t n;
    size_t cap;
} mk_findings;

/* Takes ownership of evidence (an object; NULL means {}). */
void mk_findings_add(mk_findings *f, const char *id, json_t *evidence);
bool mk_findings_has(const mk_findings *f, const char *id);
const mk_finding *mk_findings_get(const mk_findings *f, const char *id);
/* Drops the finding with this id, keeping the order of the others. */
void mk_findings_remove(mk_findings *f, const char *id);
void mk_findings_free(mk_findings *f);

#endif

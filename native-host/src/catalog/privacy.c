/* privacy.c - recognising privacy/proxy registrants by name.
 *
 * The list is data, not code: registrars rename and new services appear, so
 * the patterns live in data/privacy_services.json. Matching is a plain
 * case-insensitive substring test; the patterns are chosen specific enough
 * ("withheld for privacy", "whois代行") that a real company name does not
 * contain them by accident.
 */
#include "privacy.h"

#include <jansson.h>
#include <stdlib.h>

#include "util.h"

struct mk_privacy {
    mk_strlist names;     /* service name per pattern, parallel to patterns */
    mk_strlist patterns;
};

static bool load_service(mk_privacy *p, const json_t *svc)
{
    const char *name = json_string_value(json_object_get(svc, "name"));
    json_t *pats = json_object_get(svc, "patterns");
    if (!name || !json_is_array(pats))
        return false;
    size_t i;
    json_t *v;
    json_array_foreach(pats, i, v) {
        const char *pat = json_string_value(v);
        if (!pat || !pat[0])
            return false;
        mk_strlist_push(&p->names, name);
        mk_strlist_push(&p->patterns, pat);
    }
    return true;
}

mk_privacy *mk_privacy_load(const char *dir, char **error)
{
    if (error)
        *error = NULL;
    char *path = mk_xasprintf("%s/privacy_services.json", dir ? dir : ".");
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    mk_privacy *p = mk_xcalloc(1, sizeof *p);
    json_t *services = json_object_get(doc, "services");
    bool ok = json_is_array(services);
    size_t i;
    json_t *svc;
    json_array_foreach(services, i, svc) {
        if (ok && !load_service(p, svc))
            ok = false;
    }
    if (!ok) {
        if (error)
            *error = mk_xasprintf("%s: %s", path, doc ? "expected {\"services\": [{\"name\", \"patterns\"}]}" : je.text);
        mk_privacy_free(p);
        p = NULL;
    }
    json_decref(doc);
    free(path);
    return p;
}

void mk_privacy_free(mk_privacy *p)
{
    if (!p)
        return;
    mk_strlist_free(&p->names);
    mk_strlist_free(&p->patterns);
    free(p);
}

const char *mk_privacy_match(const mk_privacy *p, const char *text)
{
    if (!p || !text || !text[0])
        return NULL;
    for (size_t i = 0; i < p->patterns.n; i++)
        if (mk_ascii_istr(text, p->patterns.v[i]))
            return p->names.v[i];
    return NULL;
}

/* resolver_check.c - judging a resolver by names whose answer is known.
 *
 * See resolver_check.h. A name that must exist but is denied, or a name that
 * must not exist but resolves, convicts the resolver; a timeout or SERVFAIL
 * only leaves it untested, because silence is not a lie.
 */
#include "resolver_check.h"

#include <stdlib.h>
#include <string.h>

const char *mk_resolver_verdict_name(mk_resolver_verdict v)
{
    static const char *const names[] = {"untested", "trusted", "unreliable"};
    return (size_t)v < sizeof names / sizeof *names ? names[v] : names[0];
}

static void read_names(const json_t *doc, const char *key, mk_strlist *out)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, key), i, v) {
        const char *s = json_string_value(v);
        if (s && s[0] && strlen(s) < 254 && out->n < 8)
            mk_strlist_push(out, s);
    }
}

bool mk_resolver_check_load(const char *dir, mk_resolver_check *out)
{
    memset(out, 0, sizeof *out);
    char *path = mk_xasprintf("%s/resolver_check.json", dir ? dir : ".");
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    free(path);
    read_names(doc, "must_exist", &out->must_exist);
    read_names(doc, "must_not_exist", &out->must_not_exist);
    json_decref(doc);
    return out->must_exist.n + out->must_not_exist.n > 0;
}

void mk_resolver_check_free(mk_resolver_check *c)
{
    mk_strlist_free(&c->must_exist);
    mk_strlist_free(&c->must_not_exist);
}

/* The status word of the A answer for name, "" when there is none. */
static const char *a_status(const json_t *results, const char *name)
{
    char *key = mk_xasprintf("dns:A:%s", name);
    const char *s = json_string_value(json_object_get(json_object_get(results, key), "status"));
    free(key);
    return s ? s : "";
}

mk_resolver_verdict mk_resolver_check_judge(const mk_resolver_check *c, const json_t *results)
{
    bool complete = c->must_exist.n + c->must_not_exist.n > 0;
    for (size_t i = 0; i < c->must_exist.n; i++) {
        const char *s = a_status(results, c->must_exist.v[i]);
        if (!strcmp(s, "nxdomain") || !strcmp(s, "nodata"))
            return MK_RESOLVER_UNRELIABLE;
        complete &= !strcmp(s, "ok");
    }
    for (size_t i = 0; i < c->must_not_exist.n; i++) {
        const char *s = a_status(results, c->must_not_exist.v[i]);
        if (!strcmp(s, "ok"))
            return MK_RESOLVER_UNRELIABLE;
        complete &= !strcmp(s, "nxdomain") || !strcmp(s, "nodata");
    }
    return complete ? MK_RESOLVER_TRUSTED : MK_RESOLVER_UNTESTED;
}

long mk_resolver_verdict_ttl(mk_resolver_verdict v)
{
    return v == MK_RESOLVER_TRUSTED ? 3600 : v == MK_RESOLVER_UNRELIABLE ? 120 : 0;
}

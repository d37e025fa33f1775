/* rewriters.c - taking the destination out of a wrapped link; see rewriters.h. */
#include "rewriters.h"

#include <glib.h>
#include <string.h>

#include "domain.h"

#define MAX_DESTINATION 8192

static const char *const kind_names[] = {"param", "proofpoint2", "proofpoint3", "path", "segment",
                                         "host_param"};

const char *mk_rewrite_kind_name(mk_rewrite_kind kind)
{
    return (size_t)kind < sizeof kind_names / sizeof *kind_names ? kind_names[kind] : "param";
}

static bool kind_from_name(const char *s, mk_rewrite_kind *out)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof *kind_names; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (mk_rewrite_kind)i;
            return true;
        }
    return false;
}

void mk_rewriters_free(mk_rewriters *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].name);
        mk_strlist_free(&r->v[i].hosts);
        free(r->v[i].path_prefix);
        free(r->v[i].param);
    }
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

static const char *string_or(json_t *o, const char *key, const char *fallback)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : fallback;
}

static bool read_rule(json_t *o, mk_rewriter *out)
{
    const char *name = string_or(o, "name", NULL);
    json_t *hosts = json_object_get(o, "hosts");
    if (!json_is_object(o) || !name || !json_is_array(hosts) || !json_array_size(hosts) ||
        !kind_from_name(string_or(o, "kind", "param"), &out->kind))
        return false;
    out->name = mk_xstrdup(name);
    out->path_prefix = mk_xstrdup(string_or(o, "path", ""));
    out->param = mk_xstrdup(string_or(o, "param", ""));
    size_t i;
    json_t *h;
    json_array_foreach(hosts, i, h) {
        if (!json_is_string(h) || !json_string_length(h))
            return false;
        mk_strlist_push_owned(&out->hosts, mk_ascii_lower_inplace(mk_xstrdup(json_string_value(h))));
    }
    bool needs_param = out->kind == MK_REWRITE_PARAM || out->kind == MK_REWRITE_PROOFPOINT2 ||
                       out->kind == MK_REWRITE_HOST_PARAM;
    return !needs_param || *out->param;
}

bool mk_rewriters_read(json_t *arr, mk_rewriters *out, char **error)
{
    memset(out, 0, sizeof *out);
    if (!json_is_array(arr)) {
        *error = mk_xstrdup("missing \"rewriters\" array");
        return false;
    }
    out->v = mk_xcalloc(json_array_size(arr) ? json_array_size(arr) : 1, sizeof *out->v);
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        bool ok = read_rule(o, &out->v[out->n]);
        out->n++;   /* so that a partial entry is freed */
        if (!ok) {
            *error = mk_xasprintf("invalid rule %zu", i);
            mk_rewriters_free(out);
            return false;
        }
    }
    return true;
}

/* ---- matching ---- */

static bool host_matches(const char *host, const char *regdom, const char *entry)
{
    size_t el = strlen(entry);
    if (el > 2 && strcmp(entry + el - 2, ".*") == 0) {
        /* "google.*": the registrable domain is the label under some public suffix. */
        return regdom[0] && strncmp(regdom, entry, el - 1) == 0;
    }
    size_t hl = strlen(host);
    return hl == el ? strcmp(host, entry) == 0
                    : hl > el && host[hl - el - 1] == '.' && strcmp(host + hl - el, entry) == 0;
}

static bool rule_matches(const mk_rewriter *rule, const mk_url *u)
{
    if (strncmp(u->path, rule->path_prefix, strlen(rule->path_prefix)) != 0)
        return false;
    for (size_t j = 0; j < rule->hosts.n; j++)
        if (host_matches(u->host, u->regdom, rule->hosts.v[j]))
            return true;
    return false;
}

/* ---- the destination ---- */

static char *unescape(const char *s, size_t len)
{
    char *raw = mk_xstrndup(s, len);
    char *plain = g_uri_unescape_string(raw, NULL);
    if (!plain)
        return raw;   /* a stray '%': the text as written */
    free(raw);
    char *copy = mk_xstrdup(plain);
    g_free(plain);
    return copy;
}

/* The raw value of query parameter name in href, not yet decoded. */
static bool raw_param(const char *href, const char *name, const char **value, size_t *len)
{
    const char *q = strchr(href, '?');
    if (!q)
        return false;
    size_t nl = strlen(name);
    for (const char *p = q + 1; *p && *p != '#';) {
        size_t field = strcspn(p, "&#");
        if (field > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            *value = p + nl + 1;
            *len = field - nl - 1;
            return true;
        }
        p += field;
        if (*p == '&')
            p++;
    }
    return false;
}

/* Where the path starts in href (after "scheme://authority"). */
static const char *raw_path(const char *href)
{
    const char *p = strstr(href, "://");
    p = p ? p + 3 : href;
    return p + strcspn(p, "/?#");
}

static char *with_scheme(char *url)
{
    if (strstr(url, "://") || strncmp(url, "//", 2) == 0 || !*url)
        return url;
    char *full = mk_xasprintf("https://%s", url);
    free(url);
    return full;
}

static char *proofpoint2(const char *v, size_t len)
{
    char *s = mk_xstrndup(v, len);
    for (char *c = s; *c; c++)
        *c = *c == '-' ? '%' : *c == '_' ? '/' : *c;
    char *out = unescape(s, strlen(s));
    free(s);
    return out;
}

static char *destination(const mk_rewriter *rule, const char *href)
{
    const char *v;
    size_t len;
    const char *path = raw_path(href);
    switch (rule->kind) {
    case MK_REWRITE_PARAM:
        return raw_param(href, rule->param, &v, &len) ? with_scheme(unescape(v, len)) : NULL;
    case MK_REWRITE_PROOFPOINT2:
        return raw_param(href, rule->param, &v, &len) ? with_scheme(proofpoint2(v, len)) : NULL;
    case MK_REWRITE_HOST_PARAM:
        if (!raw_param(href, rule->param, &v, &len))
            return NULL;
        {
            char *host = unescape(v, len);
            char *url = mk_xasprintf("https://%s/", host);
            free(host);
            return url;
        }
    case MK_REWRITE_PROOFPOINT3: {
        const char *open = strstr(path, "__");
        const char *close = open ? strstr(open + 2, "__;") : NULL;
        if (!close)
            close = open ? strstr(open + 2, "__") : NULL;
        return close ? with_scheme(unescape(open + 2, (size_t)(close - open - 2))) : NULL;
    }
    case MK_REWRITE_PATH: {
        size_t pl = strlen(rule->path_prefix);
        if (strncmp(path, rule->path_prefix, pl) != 0)
            return NULL;
        return with_scheme(unescape(path + pl, strcspn(path + pl, "#")));
    }
    case MK_REWRITE_SEGMENT: {
        size_t pl = strlen(rule->path_prefix);
        const char *rest = strncmp(path, rule->path_prefix, pl) == 0 ? path + pl : path;
        rest += strspn(rest, "/");
        const char *slash = strchr(rest, '/');
        return slash && slash[1] ? with_scheme(unescape(slash + 1, strlen(slash + 1))) : NULL;
    }
    }
    return NULL;
}

char *mk_rewriters_unwrap(const mk_rewriters *r, const mk_url *u, const char *href, const mk_rewriter **rule)
{
    if (!u->valid || !*u->host)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (!rule_matches(&r->v[i], u))
            continue;
        char *dest = destination(&r->v[i], href);
        if (dest && *dest && strlen(dest) <= MAX_DESTINATION) {
            *rule = &r->v[i];
            return dest;
        }
        free(dest);
    }
    return NULL;
}

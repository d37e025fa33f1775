/* catalog.c - loading and validating the data files.
 *
 * Each file is read with Jansson, checked field by field, and copied into
 * plain C structures so that the hot path never touches JSON: brand names and
 * phrases are folded once here (mk_text_fold) and domains lower-cased. A
 * malformed file is a start-up error that names the file and the entry, so a
 * bad edit to data/ is caught at once instead of silently weakening a check.
 * The findings texts stay as JSON because the report copies them verbatim.
 * The indexes over the brands (look-alike labels, brand-name phrase sets)
 * are built on first use, so a start that only answers a ping skips them.
 */
#include "catalog.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "domain.h"
#include "platform.h"
#include "textnorm.h"

/* ---- errors -------------------------------------------------------------- */

typedef struct load_state {
    const char *dir;
    const char *file;
    char *error;
} load_state;

static bool fail(load_state *st, const char *what, const char *where)
{
    if (!st->error)
        st->error = mk_xasprintf("%s/%s: %s%s%s", st->dir, st->file, what, where ? " at " : "",
                                 where ? where : "");
    return false;
}

static json_t *load_file(load_state *st, const char *file)
{
    st->file = file;
    char *path = mk_xasprintf("%s/%s", st->dir, file);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    free(path);
    if (!root) {
        char *msg = mk_xasprintf("cannot load (%s, line %d)", jerr.text, jerr.line);
        fail(st, msg, NULL);
        free(msg);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        fail(st, "top level must be an object", NULL);
        return NULL;
    }
    return root;
}

/* ---- list helpers -------------------------------------------------------- */

typedef enum { AS_IS, LOWER, FOLD } list_mode;

static bool read_strings(load_state *st, json_t *arr, list_mode mode, mk_strlist *out, const char *where)
{
    if (!arr)
        return true;
    if (!json_is_array(arr))
        return fail(st, "expected an array of strings", where);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v) || json_string_length(v) == 0)
            return fail(st, "expected a non-empty string", where);
        const char *s = json_string_value(v);
        char *copy = mode == FOLD ? mk_text_fold(s, strlen(s)) : mk_xstrdup(s);
        if (mode == LOWER)
            mk_ascii_lower_inplace(copy);
        if (!*copy || mk_strlist_contains(out, copy))
            free(copy);
        else
            mk_strlist_push_owned(out, copy);
    }
    return true;
}

/* Phrase sets are objects of language -> array; all languages are merged. */
/* Remembers how each phrase of arr is written in phrases.json, by its folded
 * form: matching runs on folded text ("ログイン" and "ﾛｸﾞｲﾝ" both fold to
 * "ろぐいん"), but a reader is shown the words as a person writes them. */
static void remember_written(json_t *written, json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        char *folded = mk_text_fold(s, strlen(s));
        if (*folded && !json_object_get(written, folded))
            json_object_set_new(written, folded, json_string(s));
        free(folded);
    }
}

static bool read_phrase_set(load_state *st, json_t *root, const char *key, mk_strlist *out, json_t *written)
{
    json_t *obj = json_object_get(root, key);
    if (!obj)
        return fail(st, "missing phrase set", key);
    if (json_is_array(obj)) {
        remember_written(written, obj);
        return read_strings(st, obj, FOLD, out, key);
    }
    if (!json_is_object(obj))
        return fail(st, "phrase set must be an object of language -> array", key);
    const char *lang;
    json_t *arr;
    json_object_foreach(obj, lang, arr) {
        char *where = mk_xasprintf("%s.%s", key, lang);
        bool ok = read_strings(st, arr, FOLD, out, where);
        free(where);
        if (ok)
            remember_written(written, arr);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- brands -------------------------------------------------------------- */

static const char *str_field(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* local@domain in printable ASCII without spaces, quotes or angle brackets:
 * the add-on puts it in a compose window's To field as it is. */
static bool is_plain_address(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.') || strlen(s) > 254)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p >= 0x7f || strchr("\"<>(),;:[]\\", *p))
            return false;
    }
    return true;
}

static bool read_brand(load_state *st, json_t *b, mk_brand *out)
{
    const char *id = str_field(b, "id");
    if (!id || !*id)
        return fail(st, "brand without id", NULL);
    json_t *name = json_object_get(b, "name");
    const char *ja = json_is_object(name) ? str_field(name, "ja") : NULL;
    const char *en = json_is_object(name) ? str_field(name, "en") : NULL;
    if (!ja && !en)
        return fail(st, "brand needs name.ja or name.en", id);
    out->id = mk_xstrdup(id);
    out->name_ja = mk_xstrdup(ja ? ja : en);
    out->name_en = mk_xstrdup(en ? en : ja);
    const char *country = str_field(b, "country");
    const char *kind = str_field(b, "kind");
    out->country = mk_xstrdup(country ? country : "");
    out->kind = mk_xstrdup(kind ? kind : "other");
    const char *report = str_field(b, "report_address");
    if (report && !is_plain_address(report))
        return fail(st, "report_address is not a plain e-mail address", id);
    out->report_address = mk_xstrdup(report ? report : "");
    if (!read_strings(st, json_object_get(b, "names"), FOLD, &out->names, id) ||
        !read_strings(st, json_object_get(b, "sender_names"), FOLD, &out->sender_names, id) ||
        !read_strings(st, json_object_get(b, "domains"), LOWER, &out->domains, id) ||
        !read_strings(st, json_object_get(b, "tokens"), LOWER, &out->tokens, id) ||
        !read_strings(st, json_object_get(b, "customer_zones"), LOWER, &out->customer_zones, id) ||
        !read_strings(st, json_object_get(b, "mailbox_domains"), LOWER, &out->mailbox_domains, id))
        return false;
    if (out->domains.n == 0)
        return fail(st, "brand has no official domain", id);
    /* An official domain is compared with registrable domains, so a public suffix
     * (myshopify.com) or a host below the registrable domain could never match. */
    for (size_t i = 0; i < out->domains.n; i++) {
        char *reg = mk_domain_registrable(out->domains.v[i]);
        bool registrable = reg && strcmp(reg, out->domains.v[i]) == 0;
        free(reg);
        if (!registrable)
            return fail(st, "official domain is not a registrable domain (list it under customer_zones or "
                            "mailbox_domains)", out->domains.v[i]);
    }
    /* The display names are names users see too. */
    const char *shown[2] = {ja, en};
    for (int i = 0; i < 2; i++) {
        if (!shown[i])
            continue;
        char *f = mk_text_fold(shown[i], strlen(shown[i]));
        if (*f && !mk_strlist_contains(&out->names, f))
            mk_strlist_push_owned(&out->names, f);
        else
            free(f);
    }
    return true;
}

static bool load_brands(load_state *st, mk_catalog *cat)
{
    json_t *root = load_file(st, "brands.json");
    if (!root)
        return false;
    json_t *arr = json_object_get(root, "brands");
    bool ok = json_is_array(arr) ? true : fail(st, "missing \"brands\" array", NULL);
    if (ok) {
        cat->brands = mk_xcalloc(json_array_size(arr), sizeof(mk_brand));
        size_t i;
        json_t *b;
        json_array_foreach(arr, i, b) {
            if (!json_is_object(b) || !read_brand(st, b, &cat->brands[cat->n_brands])) {
                ok = fail(st, "invalid brand entry", NULL);
                cat->n_brands++;   /* so that the partial entry is freed */
                break;
            }
            cat->n_brands++;
        }
    }
    json_decref(root);
    return ok;
}

/* ---- other files --------------------------------------------------------- */

static bool load_phrases(load_state *st, mk_catalog *cat)
{
    json_t *root = load_file(st, "phrases.json");
    if (!root)
        return false;
    mk_phrases *p = &cat->phrases;
    p->written = json_object();
    bool ok = read_phrase_set(st, root, "urgency", &p->urgency, p->written) &&
              read_phrase_set(st, root, "credential", &p->credential, p->written) &&
              read_phrase_set(st, root, "generic_salutation", &p->generic_salutation, p->written) &&
              read_phrase_set(st, root, "admin_roles", &p->admin_roles, p->written) &&
              read_phrase_set(st, root, "spam_stamps", &p->spam_stamps, p->written) &&
              read_phrase_set(st, root, "reward", &p->reward, p->written) &&
              read_phrase_set(st, root, "claim", &p->claim, p->written) &&
              read_phrase_set(st, root, "credential_everyday", &p->credential_everyday, p->written);
    /* Everyday wording only lowers the weight of phrases credential matches. */
    for (size_t i = 0; ok && i < p->credential_everyday.n; i++)
        if (!mk_strlist_contains(&p->credential, p->credential_everyday.v[i]))
            ok = fail(st, "credential_everyday phrase missing from credential", p->credential_everyday.v[i]);
    json_decref(root);
    return ok;
}

static bool load_shorteners(load_state *st, mk_catalog *cat)
{
    json_t *root = load_file(st, "shorteners.json");
    if (!root)
        return false;
    bool ok = read_strings(st, json_object_get(root, "shorteners"), LOWER, &cat->shorteners, "shorteners") &&
              read_strings(st, json_object_get(root, "tracking_hosts"), LOWER, &cat->tracking_hosts,
                           "tracking_hosts");
    json_decref(root);
    return ok;
}

/* Path words are matched against the lower-case words of a link's path, so
 * each must be lower-case already; ports must be real TCP ports. */
static bool load_landing(load_state *st, mk_catalog *cat)
{
    json_t *root = load_file(st, "landing.json");
    if (!root)
        return false;
    bool ok = read_strings(st, json_object_get(root, "credential_path_words"), LOWER, &cat->credential_path_words,
                           "credential_path_words") &&
              read_strings(st, json_object_get(root, "cms_folders"), LOWER, &cat->cms_folders, "cms_folders") &&
              read_strings(st, json_object_get(root, "page_extensions"), LOWER, &cat->page_extensions,
                           "page_extensions");
    json_t *ports = json_object_get(root, "standard_ports");
    if (ok && (!json_is_array(ports) || json_array_size(ports) == 0))
        ok = fail(st, "missing \"standard_ports\" array", NULL);
    if (ok) {
        cat->standard_ports = mk_xcalloc(json_array_size(ports), sizeof *cat->standard_ports);
        size_t i;
        json_t *p;
        json_array_foreach(ports, i, p) {
            if (!json_is_integer(p) || json_integer_value(p) < 1 || json_integer_value(p) > 65535) {
                ok = fail(st, "standard_ports entries must be integers 1..65535", NULL);
                break;
            }
            cat->standard_ports[cat->n_standard_ports++] = (int)json_integer_value(p);
        }
    }
    if (ok && (cat->credential_path_words.n == 0 || cat->cms_folders.n == 0 || cat->page_extensions.n == 0))
        ok = fail(st, "credential_path_words, cms_folders and page_extensions must not be empty", NULL);
    json_decref(root);
    return ok;
}

static bool load_rewriters(load_state *st, mk_catalog *cat)
{
    json_t *root = load_file(st, "rewriters.json");
    if (!root)
        return false;
    char *error = NULL;
    bool ok = mk_rewriters_read(json_object_get(root, "rewriters"), &cat->rewriters, &error) ||
              fail(st, error, NULL);
    free(error);
    json_decref(root);
    return ok;
}

static bool load_hosting(load_state *st, mk_catalog *cat)
{
    json_t *root = load_file(st, "hosting.json");
    if (!root)
        return false;
    json_t *asns = json_object_get(root, "asns");
    bool ok = json_is_array(asns) ? true : fail(st, "missing \"asns\" array", NULL);
    if (ok) {
        cat->hosting_asns = mk_xcalloc(json_array_size(asns), sizeof(long));
        size_t i;
        json_t *a;
        json_array_foreach(asns, i, a) {
            json_t *num = json_is_object(a) ? json_object_get(a, "asn") : a;
            if (!json_is_integer(num)) {
                ok = fail(st, "asn entries need an integer \"asn\"", NULL);
                break;
            }
            cat->hosting_asns[cat->n_hosting_asns++] = (long)json_integer_value(num);
        }
    }
    ok = ok && read_strings(st, json_object_get(root, "rdns_suffixes"), LOWER, &cat->hosting_rdns,
                            "rdns_suffixes");
    json_decref(root);
    return ok;
}

static bool check_text_pair(load_state *st, json_t *def, const char *key, const char *id)
{
    json_t *t = json_object_get(def, key);
    if (!json_is_object(t) || !json_is_string(json_object_get(t, "ja")) ||
        !json_is_string(json_object_get(t, "en"))) {
        char *where = mk_xasprintf("%s.%s", id, key);
        fail(st, "needs {\"ja\", \"en\"} strings", where);
        free(where);
        return false;
    }
    return true;
}

static bool load_findings(load_state *st, mk_catalog *cat)
{
    json_t *root = load_file(st, "findings.json");
    if (!root)
        return false;
    const char *id;
    json_t *def;
    json_object_foreach(root, id, def) {
        if (!json_is_object(def) || !json_is_integer(json_object_get(def, "points")) ||
            !json_is_string(json_object_get(def, "severity"))) {
            json_decref(root);
            return fail(st, "finding needs integer points and a severity", id);
        }
        if (!check_text_pair(st, def, "title", id) || !check_text_pair(st, def, "detail", id)) {
            json_decref(root);
            return false;
        }
    }
    cat->findings = root;
    return true;
}

static bool load_labels(load_state *st, mk_catalog *cat)
{
    json_t *root = load_file(st, "labels.json");
    if (!root)
        return false;
    const char *key;
    json_t *def;
    json_object_foreach(root, key, def) {
        if (!json_is_object(def) || !json_is_string(json_object_get(def, "ja")) ||
            !json_is_string(json_object_get(def, "en"))) {
            json_decref(root);
            return fail(st, "label needs {\"ja\", \"en\"} strings", key);
        }
    }
    cat->labels = root;
    return true;
}

/* ---- public -------------------------------------------------------------- */

mk_catalog *mk_catalog_load(const char *dir, char **error)
{
    mk_catalog *cat = mk_xcalloc(1, sizeof *cat);
    cat->dir = mk_xstrdup(dir);
    load_state st = {.dir = dir};
    bool ok = load_brands(&st, cat) && load_phrases(&st, cat) && load_shorteners(&st, cat) && load_landing(&st, cat) &&
              load_rewriters(&st, cat) &&
              load_hosting(&st, cat) && load_findings(&st, cat) && load_labels(&st, cat);
    if (!ok) {
        if (error)
            *error = st.error;
        else
            free(st.error);
        mk_catalog_free(cat);
        return NULL;
    }
    cat->indexed = true;
    return cat;
}

/* Builds the indexes the first time they are asked for; threads that ask at
 * the same time wait for the one that builds them. */
static pthread_mutex_t indexing_lock = PTHREAD_MUTEX_INITIALIZER;

static void ensure_indexes(const mk_catalog *cat)
{
    if (!cat->indexed || atomic_load_explicit(&cat->index_ready, memory_order_acquire))
        return;
    mk_catalog *c = (mk_catalog *)cat;   /* the indexes are a cache of the catalog's own data */
    pthread_mutex_lock(&indexing_lock);
    if (!atomic_load_explicit(&c->index_ready, memory_order_relaxed)) {
        c->lookalike_index = mk_lookalike_index_build(c->brands, c->n_brands);
        c->name_index = mk_name_index_build(c->brands, c->n_brands);
        atomic_store_explicit(&c->index_ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&indexing_lock);
}

const mk_lookalike_index *mk_catalog_lookalike_index(const mk_catalog *cat)
{
    ensure_indexes(cat);
    return cat->lookalike_index;
}

const mk_name_index *mk_catalog_name_index(const mk_catalog *cat)
{
    ensure_indexes(cat);
    return cat->name_index;
}

void mk_brand_free(mk_brand *b)
{
    free(b->id);
    free(b->name_ja);
    free(b->name_en);
    free(b->country);
    free(b->kind);
    free(b->report_address);
    mk_strlist_free(&b->names);
    mk_strlist_free(&b->sender_names);
    mk_strlist_free(&b->domains);
    mk_strlist_free(&b->tokens);
    mk_strlist_free(&b->customer_zones);
    mk_strlist_free(&b->mailbox_domains);
}

void mk_catalog_free(mk_catalog *cat)
{
    if (!cat)
        return;
    for (size_t i = 0; i < cat->n_brands; i++)
        mk_brand_free(&cat->brands[i]);
    free(cat->brands);
    mk_phrases *p = &cat->phrases;
    json_decref(p->written);
    mk_strlist_free(&p->urgency);
    mk_strlist_free(&p->credential);
    mk_strlist_free(&p->credential_everyday);
    mk_strlist_free(&p->generic_salutation);
    mk_strlist_free(&p->admin_roles);
    mk_strlist_free(&p->spam_stamps);
    mk_strlist_free(&p->reward);
    mk_strlist_free(&p->claim);
    mk_strlist_free(&cat->shorteners);
    mk_strlist_free(&cat->tracking_hosts);
    mk_strlist_free(&cat->credential_path_words);
    mk_strlist_free(&cat->cms_folders);
    mk_strlist_free(&cat->page_extensions);
    free(cat->standard_ports);
    mk_rewriters_free(&cat->rewriters);
    mk_strlist_free(&cat->hosting_rdns);
    free(cat->hosting_asns);
    json_decref(cat->findings);
    json_decref(cat->labels);
    mk_lookalike_index_free(cat->lookalike_index);
    mk_name_index_free(cat->name_index);
    free(cat->dir);
    free(cat);
}

static bool has_brands_file(const char *dir)
{
    struct stat sb;
    char *path = mk_xasprintf("%s/brands.json", dir);
    bool found = stat(path, &sb) == 0;
    free(path);
    return found;
}

/* The directory holding the running program, into buf; false when unknown. */
static bool exe_dir(char *buf, size_t size)
{
    char *exe = mk_platform_exe_path();
    size_t n = exe ? strlen(exe) : 0;
    while (n > 0 && !mk_platform_is_separator(exe[n - 1]))
        n--;
    bool ok = n > 1 && n - 1 < size;
    if (ok)
        snprintf(buf, size, "%.*s", (int)(n - 1), exe);
    free(exe);
    return ok;
}

const char *mk_catalog_default_dir(void)
{
    static _Thread_local char found[PATH_MAX + 64];   /* per thread: analyses run at once */
    const char *env = getenv("MEKIKI_DATA_DIR");
    if (env && *env)
        return env;
    char dir[PATH_MAX];
    if (exe_dir(dir, sizeof dir)) {
        /* An installed copy: PREFIX/bin/mekiki -> PREFIX/share/mekiki/data, wherever PREFIX now is. */
        snprintf(found, sizeof found, "%s/%s", dir, MK_DATA_DIR_FROM_BINDIR);
        if (has_brands_file(found))
            return found;
        /* A data directory beside the program: the build tree's link to the
         * sources' data/, or an unpacked archive. */
        snprintf(found, sizeof found, "%s/data", dir);
        if (has_brands_file(found))
            return found;
    }
    /* The install location, also when it is missing: loading then fails with
     * an error that names it. */
    return MK_INSTALL_DATA_DIR;
}

const mk_brand *mk_catalog_brand_by_id(const mk_catalog *cat, const char *id)
{
    for (size_t i = 0; id && i < cat->n_brands; i++)
        if (strcmp(cat->brands[i].id, id) == 0)
            return &cat->brands[i];
    return NULL;
}

const mk_brand *mk_catalog_brand_owning(const mk_catalog *cat, const char *regdom)
{
    if (!regdom || !*regdom)
        return NULL;
    const mk_lookalike_index *ix = mk_catalog_lookalike_index(cat);
    if (ix)
        return mk_lookalike_index_owner(ix, regdom);
    for (size_t i = 0; i < cat->n_brands; i++)   /* a catalog built by hand */
        if (mk_strlist_contains(&cat->brands[i].domains, regdom))
            return &cat->brands[i];
    return NULL;
}

static bool within_zone(const char *host, const char *zone)
{
    size_t lh = strlen(host), lz = strlen(zone);
    if (lh < lz || strcasecmp(host + lh - lz, zone) != 0)
        return false;
    return lh == lz || host[lh - lz - 1] == '.';
}

static bool within_any(const char *host, const mk_strlist *zones)
{
    for (size_t j = 0; host && *host && j < zones->n; j++)
        if (within_zone(host, zones->v[j]))
            return true;
    return false;
}

bool mk_catalog_is_mailbox_domain(const mk_catalog *cat, const char *domain)
{
    for (size_t i = 0; i < cat->n_brands; i++)
        if (within_any(domain, &cat->brands[i].mailbox_domains))
            return true;
    return false;
}

bool mk_catalog_is_customer_host(const mk_catalog *cat, const char *host)
{
    if (!host)
        return false;
    for (size_t i = 0; i < cat->n_brands; i++)
        for (size_t j = 0; j < cat->brands[i].customer_zones.n; j++)
            if (within_zone(host, cat->brands[i].customer_zones.v[j]))
                return true;
    return false;
}

bool mk_brand_speaks_for(const mk_brand *b, const char *host, const char *regdom)
{
    return b && regdom && *regdom && mk_strlist_contains(&b->domains, regdom) &&
           !within_any(host, &b->mailbox_domains) && !within_any(host, &b->customer_zones);
}

int mk_catalog_points(const mk_catalog *cat, const char *id)
{
    json_t *def = json_object_get(cat->findings, id);
    return def ? (int)json_integer_value(json_object_get(def, "points")) : 0;
}

const char *mk_catalog_severity(const mk_catalog *cat, const char *id)
{
    json_t *def = json_object_get(cat->findings, id);
    const char *s = def ? json_string_value(json_object_get(def, "severity")) : NULL;
    return s ? s : "low";
}

const char *mk_catalog_phrase_as_written(const mk_catalog *cat, const char *folded)
{
    const char *written = json_string_value(json_object_get(cat->phrases.written, folded));
    return written ? written : folded;
}

const char *mk_catalog_label(const mk_catalog *cat, const char *key, const char *locale)
{
    json_t *def = json_object_get(cat->labels, key);
    const char *s = def ? json_string_value(json_object_get(def, locale)) : NULL;
    if (!s && def)
        s = json_string_value(json_object_get(def, "en"));
    return s ? s : key;
}

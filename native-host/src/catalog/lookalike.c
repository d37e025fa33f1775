/* lookalike.c - does a host name imitate a brand, and does a URL name one?
 *
 * What decides where a link goes is its registrable domain (eTLD+1), and
 * what a reader recognises in it is the label in front of the public suffix:
 * "eki-net" in eki-net.com, "smbc-card" in smbc-card.com. A lookalike host
 * keeps that label recognisable while changing it, so we compare registrable
 * labels, never whole host names:
 *
 *   confusable  the labels read the same: equal after folding the ASCII
 *               look-alikes (0/o, 1/l/i, rn/m, vv/w, cl/d, hyphens dropped),
 *               or, for IDN labels, equal UTS #39 skeletons (ICU);
 *   idn         an IDN label that spells a brand's name ("えきねっと.com");
 *   typo        Damerau-Levenshtein distance 1 from an official label of at
 *               least 6 characters, or 2 for labels of 8 or more; shorter
 *               labels ("au", "jcb", "monex") are one keystroke from
 *               thousands of genuine names ("money"), so they only match
 *               through tokens. The host's label must also have 6 characters
 *               or more and keep the official label's first letter: readers
 *               anchor on it, and a dropped or changed first letter turns
 *               brand labels into everyday names (email.com, cloud.de,
 *               mobile.de);
 *   brand_token a brand token with words, digits or hyphens added
 *               ("eki-net-memoryless", "smbc-card1", "aeon-xxx").
 *
 * Precision guards: a registrable domain that a brand owns (including its
 * customer zones) is never a lookalike; a token must sit on a boundary
 * (label edge, hyphen or digit), so "aeon" does not match "pantheon"; a
 * token of 5 or more characters may run into a word after it ("rakutenpay"),
 * and one of 6 or more into a word before it ("jrrekinet"), because short
 * tokens do so by chance ("gmail" in "enigmail"). Confusable folding needs
 * official labels of 5 or more characters ("frii" is not "fril").
 *
 * The same typo and confusable tests also run on each subdomain label (the
 * contract's example ekl-net.vecterdian.shop is a lookalike), but a correctly
 * spelt token in a subdomain is left to mk_brand_in_url().
 *
 * mk_brand_in_url() looks at the parts that do not decide the destination:
 * subdomains (tokens or a whole official domain, smbc.co.jp.awback.cn), the
 * userinfo, and the path, query and fragment (a whole official domain only;
 * bare tokens in paths are common in genuine campaign URLs).
 */
#include "lookalike.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "lookalike_index.h"
#include "textnorm.h"
#include "util.h"

#define MK_LABEL_MAX 63
#define MK_SHORT_TOKEN 5   /* tokens shorter than this need a boundary on both sides */
#define MK_LONG_TOKEN 6    /* tokens at least this long may follow letters */

/* ---- small string tools ---- */

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

static bool is_letter(char c)
{
    return c >= 'a' && c <= 'z';
}

/* The registrable label: "eki-net" of "eki-net.com", "x" of "x.co.jp". */
static char *first_label(const char *regdom)
{
    return mk_xstrndup(regdom, strcspn(regdom, "."));
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent
 * transpositions) between a and b when it is at most limit, else limit + 1.
 * Only the diagonal band |i - j| <= limit can hold such small distances, so
 * only that band is computed, three rows at a time, and the walk stops as
 * soon as a whole row exceeds the limit. Labels are at most MK_LABEL_MAX. */
static int edit_distance_within(const char *a, const char *b, int limit)
{
    size_t n = strlen(a), m = strlen(b);
    int over = limit + 1;
    if (n > MK_LABEL_MAX || m > MK_LABEL_MAX || n > m + (size_t)limit || m > n + (size_t)limit)
        return over;
    int rows[3][MK_LABEL_MAX + 1];
    int *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j <= (size_t)limit ? (int)j : over;
    for (size_t i = 1; i <= n; i++) {
        int row_min = over;
        size_t lo = i > (size_t)limit ? i - (size_t)limit : 0, hi = i + (size_t)limit < m ? i + (size_t)limit : m;
        for (size_t j = 0; j <= m; j++)
            cur[j] = over;
        if (lo == 0)
            cur[0] = (int)i;
        for (size_t j = lo > 0 ? lo : 1; j <= hi; j++) {
            int best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (prev[j - 1] + (a[i - 1] != b[j - 1]) < best)
                best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            cur[j] = best < over ? best : over;
            if (cur[j] < row_min)
                row_min = cur[j];
        }
        if (cur[0] < row_min)
            row_min = cur[0];
        if (row_min > limit)
            return over;
        int *spare = before;
        before = prev;
        prev = cur;
        cur = spare;
    }
    return prev[m];
}

/* ---- token matching ---- */

/* True when token occurs in label on boundaries (see the file comment). */
static bool label_has_token(const char *label, const char *token)
{
    size_t tl = strlen(token), ll = strlen(label);
    if (tl < 3 || tl > ll)
        return false;
    for (const char *p = strstr(label, token); p; p = strstr(p + 1, token)) {
        bool at_start = p == label, at_end = (size_t)(p - label) + tl == ll;
        char before = at_start ? '\0' : p[-1], after = at_end ? '\0' : p[tl];
        bool left = at_start || !is_letter(before);
        bool right = at_end || !is_letter(after);
        if (left && right)
            return true;
        if (tl >= MK_SHORT_TOKEN && left)          /* "rakutenpay", "outlooksecure" */
            return true;
        if (tl >= MK_LONG_TOKEN && right)          /* "jrrekinet"; not "enigmail" */
            return true;
    }
    return false;
}

/* ---- lookalike hosts ---- */

typedef struct candidate {
    const mk_brand *brand;
    const char *official;
    const char *how;
    int strength;   /* higher wins: confusable/idn 3, typo 2, brand_token 1 */
} candidate;

static void consider(candidate *best, const mk_brand *brand, const char *official, const char *how, int strength)
{
    if (strength > best->strength) {
        best->brand = brand;
        best->official = official;
        best->how = how;
        best->strength = strength;
    }
}

static bool typo_close(const char *label, size_t len, const mk_official_label *o)
{
    if (o->len < 6 || len < 6 || len + 2 < o->len || o->len + 2 < len || label[0] != o->label[0] ||
        strcmp(label, o->label) == 0)
        return false;
    int limit = o->len >= 8 ? 2 : 1;   /* the labels differ, so the distance is at least 1 */
    return edit_distance_within(label, o->label, limit) <= limit;
}

/* An IDN label whose folded Unicode form spells one of the brand's names. */
static bool idn_spells_name(const mk_brand *brand, const char *label_folded)
{
    for (size_t i = 0; i < brand->names.n; i++) {
        const char *name = brand->names.v[i];
        if (strlen(name) >= 6 && strstr(label_folded, name))   /* >= 2 kana/kanji */
            return true;
    }
    return false;
}

typedef struct host_view {
    const mk_lookalike_index *ix;
    const char *label;         /* ASCII registrable label */
    size_t len;                /* strlen(label) */
    char *ascii_fold;          /* mk_fold_ascii_lookalikes(label) */
    char *unicode_label;       /* Unicode label when IDN, else NULL */
    char *unicode_skeleton;    /* skeleton of unicode_label, else NULL */
    char *unicode_folded;      /* mk_text_fold of unicode_label, else NULL */
    bool names_a_brand;        /* the label is itself some brand's label or token */
    bool registry_suffix;      /* the public suffix is a registry's, not a hosting platform's */
    mk_byteset label_bytes;    /* which bytes occur in label: rules out most tokens before a search */
} host_view;

/* strcmp() == 0, with the first byte compared inline: almost every pair of
 * labels differs there, and this runs for every official label per host. */
static bool same_text(const char *a, const char *b)
{
    return a[0] == b[0] && strcmp(a, b) == 0;
}

static void compare_official(const host_view *h, const mk_official_label *o, candidate *best)
{
    if (h->names_a_brand || same_text(h->label, o->label))
        return;   /* "paypal" is PayPal, not a typo of PayPay */
    if (o->len >= 5 && same_text(h->ascii_fold, o->fold))
        consider(best, o->brand, o->official, "confusable", 3);
    if (h->unicode_skeleton && o->skeleton && same_text(o->skeleton, h->unicode_skeleton))
        consider(best, o->brand, o->official, "idn", 3);
    if (typo_close(h->label, h->len, o))
        consider(best, o->brand, o->official, "typo", 2);
}

/* True when label is exactly the first label of one of the brand's domains:
 * yahoo.com.au or amazon.de beside yahoo.com and amazon.co.jp are the brand's
 * own country domains far more often than fakes, and country registries police
 * them, so the bare name under another registry suffix is not called a
 * look-alike (under a hosting platform's suffix, smbc-card.web.app, it is). */
static bool is_official_label(const mk_lookalike_index *ix, size_t b, const char *label)
{
    for (size_t i = ix->brand_start[b]; i < ix->brand_start[b + 1]; i++)
        if (strcmp(ix->labels[i].label, label) == 0)
            return true;
    return false;
}

static void compare_brand(const host_view *h, const mk_brand *brand, size_t b, bool tokens, candidate *best)
{
    const mk_lookalike_index *ix = h->ix;
    /* compare_official rules out a label that is itself a brand's name, and
     * only such a label can be this brand's official label. Its fold and
     * typo tests need the same first byte as one of the brand's labels or
     * folds, and its skeleton test an IDN host: without either, skip. */
    if (!h->names_a_brand &&
        (h->unicode_skeleton || mk_byteset_has(&ix->label_heads[b], (unsigned char)h->label[0]) ||
         mk_byteset_has(&ix->fold_heads[b], (unsigned char)h->ascii_fold[0])))
        for (size_t i = ix->brand_start[b]; i < ix->brand_start[b + 1]; i++)
            compare_official(h, &ix->labels[i], best);
    if (!tokens || (h->registry_suffix && h->names_a_brand && is_official_label(ix, b, h->label)))
        return;
    const char *first = brand->domains.n ? brand->domains.v[0] : "";
    const mk_byteset *token_bytes = ix->token_bytes + ix->token_start[b];
    for (size_t t = 0; t < brand->tokens.n; t++)
        if (mk_byteset_within(&token_bytes[t], &h->label_bytes) &&   /* every byte of the token is in the label */
            label_has_token(h->label, brand->tokens.v[t]))
            consider(best, brand, first, "brand_token", 1);
    if (h->unicode_folded && idn_spells_name(brand, h->unicode_folded))
        consider(best, brand, first, "idn", 3);
}

/* The catalog's index; for a catalog assembled by hand, a temporary one that
 * the caller frees (*temporary). */
static const mk_lookalike_index *index_of(const mk_catalog *cat, mk_lookalike_index **temporary)
{
    *temporary = NULL;
    const mk_lookalike_index *ix = mk_catalog_lookalike_index(cat);
    if (ix)
        return ix;
    *temporary = mk_lookalike_index_build(cat->brands, cat->n_brands);
    return *temporary;
}

static void view_init(host_view *h, const mk_lookalike_index *ix, const char *label, const char *regdom)
{
    memset(h, 0, sizeof *h);
    h->ix = ix;
    h->label = label;
    h->len = strlen(label);
    h->registry_suffix = mk_domain_suffix_is_registry(regdom);
    h->names_a_brand = mk_lookalike_index_names_brand(ix, label);
    h->ascii_fold = mk_fold_ascii_lookalikes(label);
    for (const unsigned char *p = (const unsigned char *)label; *p; p++)
        mk_byteset_add(&h->label_bytes, *p);
    if (strncmp(label, "xn--", 4) == 0) {
        h->unicode_label = mk_domain_to_unicode(label);
        if (h->unicode_label && strcmp(h->unicode_label, label) != 0) {
            h->unicode_skeleton = mk_text_skeleton(h->unicode_label);
            h->unicode_folded = mk_text_fold(h->unicode_label, strlen(h->unicode_label));
        }
    }
}

static void view_free(host_view *h)
{
    free(h->ascii_fold);
    free(h->unicode_label);
    free(h->unicode_skeleton);
    free(h->unicode_folded);
}

/* A misspelt official label in front of another domain, as in the
 * contract's own example ekl-net.vecterdian.shop: typo and confusable only.
 * A correctly spelt brand token there is brand_in_subdomain_or_path. */
static void compare_subdomain_labels(const mk_catalog *cat, const mk_lookalike_index *ix, const char *host,
                                     const char *regdom, candidate *best)
{
    size_t hl = strlen(host), rl = strlen(regdom);
    if (hl <= rl + 1)
        return;
    char *sub = mk_ascii_lower_inplace(mk_xstrndup(host, hl - rl - 1));
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(sub, ".", &save); l && n < 32; l = strtok_r(NULL, ".", &save), n++) {
        /* Ordinary words sit in subdomains: "mail" is one letter from "gmail",
         * "server" from "xserver". Plain labels need 7 letters; 6 suffice with
         * a hyphen or digit, which words do not have. */
        size_t len = strlen(l);
        if (len < 6 || (len < 7 && !strpbrk(l, "-0123456789")))
            continue;
        host_view view;
        view_init(&view, ix, l, NULL);   /* a subdomain label: no suffix of its own */
        for (size_t b = 0; b < cat->n_brands; b++)
            compare_brand(&view, &cat->brands[b], b, false, best);
        view_free(&view);
    }
    free(sub);
}

bool mk_lookalike_domain(const mk_catalog *cat, const char *host, mk_lookalike_hit *hit)
{
    if (hit)
        memset(hit, 0, sizeof *hit);
    if (!cat || !host || !*host || mk_ip_is_literal(host))
        return false;
    char *regdom = mk_domain_registrable(host);
    if (!regdom)
        return false;
    if (mk_catalog_brand_owning(cat, regdom)) {
        free(regdom);
        return false;
    }
    mk_lookalike_index *temporary;
    const mk_lookalike_index *ix = index_of(cat, &temporary);
    char *label = first_label(regdom);
    host_view view;
    view_init(&view, ix, label, regdom);
    candidate best = {0};
    for (size_t b = 0; b < cat->n_brands; b++)
        compare_brand(&view, &cat->brands[b], b, true, &best);
    view_free(&view);
    free(label);
    if (!best.brand)
        compare_subdomain_labels(cat, ix, host, regdom, &best);
    free(regdom);
    mk_lookalike_index_free(temporary);
    if (!best.brand)
        return false;
    if (hit) {
        hit->brand = best.brand;
        hit->official = best.official;
        hit->how = best.how;
    }
    return true;
}

/* ---- brands named elsewhere in a URL ---- */

/* True when the match at p belongs to an address or Message-ID written in a
 * path ("/list/1234.qm@web.mail.yahoo.com"): an '@' earlier in the segment. */
static bool inside_address(const char *text, const char *p)
{
    while (p > text && !strchr("/?&=#", p[-1])) {
        if (p[-1] == '@')
            return true;
        p--;
    }
    return false;
}

/* Whole official domain inside lower-cased free text, label-aligned:
 * "smbc.co.jp" in "/www.smbc.co.jp/login" but not in "xsmbc.co.jpn". */
static bool text_has_domain(const char *text, const char *domain)
{
    size_t dl = strlen(domain);
    for (const char *p = strstr(text, domain); p; p = strstr(p + 1, domain)) {
        bool left = p == text || !(is_alnum((char)(p[-1] | 0x20)) || p[-1] == '-' || p[-1] == '@');
        char after = (char)(p[dl] | 0x20);
        bool right = p[dl] == '\0' || !(is_alnum(after) || p[dl] == '-');
        if (left && right && !inside_address(text, p))
            return true;
    }
    return false;
}

/* Each '.'-separated label of a subdomain part, tested for a token. */
static bool labels_have_token(const char *part, const char *token)
{
    bool found = false;
    char *copy = mk_xstrdup(part);
    mk_ascii_lower_inplace(copy);
    for (char *save = NULL, *l = strtok_r(copy, ".", &save); l && !found; l = strtok_r(NULL, ".", &save))
        found = label_has_token(l, token);
    free(copy);
    return found;
}

static bool set_url_hit(mk_brand_in_url_hit *hit, const mk_brand *brand, const char *where, const char *matched)
{
    if (hit) {
        hit->brand = brand;
        hit->where = where;
        hit->matched = mk_xstrdup(matched);
    }
    return true;
}

#define MK_SUB_LABELS 32

static size_t split_labels(char *s, char **out, size_t max)
{
    size_t n = 0;
    for (char *save = NULL, *l = strtok_r(s, ".", &save); l && n < max; l = strtok_r(NULL, ".", &save))
        out[n++] = l;
    return n;
}

/* The labels of a lower-cased URL part, split and folded once so that every
 * official domain of the catalog can be looked for among them. */
typedef struct part_labels {
    char *copy;                    /* the part, its dots overwritten by strtok_r */
    char *v[MK_SUB_LABELS];
    char *fold[MK_SUB_LABELS];     /* mk_fold_ascii_lookalikes(v[i]) */
    size_t n;
} part_labels;

static void part_labels_init(part_labels *p, const char *lower)
{
    p->copy = mk_xstrdup(lower);
    p->n = split_labels(p->copy, p->v, MK_SUB_LABELS);
    for (size_t i = 0; i < p->n; i++)
        p->fold[i] = mk_fold_ascii_lookalikes(p->v[i]);
}

static void part_labels_free(part_labels *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->fold[i]);
    free(p->copy);
}

/* True when the labels from index `from` on begin with exactly the labels of suffix ("co.jp"). */
static bool labels_continue_with(const part_labels *p, size_t from, const char *suffix)
{
    size_t k = from;
    for (const char *s = suffix; *s; k++) {
        size_t len = strcspn(s, ".");
        if (k >= p->n || strlen(p->v[k]) != len || strncmp(p->v[k], s, len) != 0)
            return false;
        s += len;
        if (*s == '.')
            s++;
    }
    return true;
}

/* A misspelt official domain among subdomain labels: "aeno.co.jp" in
 * aeno.co.jp.scbgzx.com. The suffix labels must match exactly and the first
 * label must be a typo or confusable of the official one. */
static bool subdomain_misspells(const part_labels *p, const mk_official_label *o)
{
    if (o->len < 4 || !*o->suffix)
        return false;
    for (size_t i = 0; i + 1 < p->n; i++) {
        if (!labels_continue_with(p, i + 1, o->suffix) || strcmp(p->v[i], o->label) == 0)
            continue;
        if (strcmp(p->fold[i], o->fold) == 0 || edit_distance_within(p->v[i], o->label, 1) == 1)
            return true;
    }
    return false;
}

/* Official domains anywhere in part; tokens too when tokens_ok. */
static bool part_names_brand(const mk_catalog *cat, const mk_lookalike_index *ix, const char *part,
                             const char *where, bool tokens_ok, mk_brand_in_url_hit *hit)
{
    if (!part || !*part)
        return false;
    /* Lower-case once: the catalog's domains and tokens already are, so the
     * part is matched byte for byte against all of them in one pass. */
    char *lower = mk_ascii_lower_inplace(mk_xstrdup(part));
    bool has_dot = strchr(lower, '.') != NULL;   /* no dot: no domain can be in it */
    part_labels labels = {0};
    if (has_dot && tokens_ok)
        part_labels_init(&labels, lower);
    /* Which official domains and tokens occur in the part at all, in one
     * pass; only those are then tested where they stand. */
    bool *seen = mk_xcalloc(mk_phraseset_count(ix->in_text) + 1, sizeof *seen);
    mk_lookalike_index_mark(ix, lower, seen);
    bool found = false;
    for (size_t b = 0; b < cat->n_brands && !found; b++) {
        const mk_brand *brand = &cat->brands[b];
        for (size_t d = 0; has_dot && d < brand->domains.n && !found; d++)
            if (seen[ix->brand_start[b] + d] && text_has_domain(lower, brand->domains.v[d]))
                found = set_url_hit(hit, brand, where, brand->domains.v[d]);
        for (size_t i = ix->brand_start[b]; has_dot && tokens_ok && i < ix->brand_start[b + 1] && !found; i++)
            if (subdomain_misspells(&labels, &ix->labels[i]))
                found = set_url_hit(hit, brand, where, ix->labels[i].official);
        const bool *token_seen = seen + ix->n_labels + ix->token_start[b];
        for (size_t t = 0; tokens_ok && t < brand->tokens.n && !found; t++)
            if ((token_seen[t] || !brand->tokens.v[t][0]) && labels_have_token(lower, brand->tokens.v[t]))
                found = set_url_hit(hit, brand, where, brand->tokens.v[t]);
    }
    free(seen);
    part_labels_free(&labels);
    free(lower);
    return found;
}

/* The subdomain labels in front of the registrable domain, or NULL. */
static char *subdomain_part(const mk_url *url)
{
    size_t hl = strlen(url->host), rl = strlen(url->regdom);
    if (rl == 0 || hl <= rl + 1)
        return NULL;
    return mk_xstrndup(url->host, hl - rl - 1);
}

bool mk_brand_in_url(const mk_catalog *cat, const mk_url *url, mk_brand_in_url_hit *hit)
{
    if (hit)
        memset(hit, 0, sizeof *hit);
    if (!cat || !url || !url->valid)
        return false;
    if (url->regdom[0] && mk_catalog_brand_owning(cat, url->regdom) && !mk_catalog_is_customer_host(cat, url->host))
        return false;
    mk_lookalike_index *temporary;
    const mk_lookalike_index *ix = index_of(cat, &temporary);
    char *sub = subdomain_part(url);
    bool found = part_names_brand(cat, ix, sub, "subdomain", true, hit) ||
                 part_names_brand(cat, ix, url->userinfo, "userinfo", true, hit) ||
                 part_names_brand(cat, ix, url->path, "path", false, hit) ||
                 part_names_brand(cat, ix, url->query, "query", false, hit) ||
                 part_names_brand(cat, ix, url->fragment, "fragment", false, hit);
    free(sub);
    mk_lookalike_index_free(temporary);
    return found;
}

const mk_brand *mk_url_imitated_brand(const mk_catalog *cat, const mk_url *url)
{
    if (!cat || !url || !url->valid)
        return NULL;
    mk_lookalike_hit lh;
    if (mk_lookalike_domain(cat, url->host, &lh))
        return lh.brand;
    mk_brand_in_url_hit bh;
    if (mk_brand_in_url(cat, url, &bh)) {
        free(bh.matched);
        return bh.brand;
    }
    return NULL;
}

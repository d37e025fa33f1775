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
 *               least 5 characters, or 2 for labels of 8 or more; shorter
 *               labels ("au", "jcb", "ana") are one keystroke from thousands
 *               of genuine names, so they only match through tokens;
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

#include <stdlib.h>
#include <string.h>

#include "domain.h"
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
 * transpositions), for labels of at most MK_LABEL_MAX bytes. */
static int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > MK_LABEL_MAX || m > MK_LABEL_MAX || n > m + 2 || m > n + 2)
        return 99;   /* too long, or too far apart to matter to any caller */
    int d[MK_LABEL_MAX + 1][MK_LABEL_MAX + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            int best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m];
}

/* Folds the ASCII characters that read alike in a URL bar, and drops
 * hyphens, so "eki-net", "ekinet" and "ek1-net" fold to the same string. */
static char *fold_ascii_lookalikes(const char *s)
{
    mk_strbuf b = {0};
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (c == '-')
            continue;
        if (c == 'r' && s[i + 1] == 'n') {
            c = 'm';
            i++;
        } else if (c == 'v' && s[i + 1] == 'v') {
            c = 'w';
            i++;
        } else if (c == 'c' && s[i + 1] == 'l') {
            c = 'd';
            i++;
        } else if (c == '0') {
            c = 'o';
        } else if (c == '1' || c == 'i') {
            c = 'l';
        }
        mk_strbuf_putc(&b, c);
    }
    return mk_strbuf_steal(&b);
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

static bool typo_close(const char *label, const char *official_label)
{
    size_t ol = strlen(official_label);
    if (ol < 5 || strcmp(label, official_label) == 0)
        return false;
    int d = edit_distance(label, official_label);
    return d == 1 || (d == 2 && ol >= 8);
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
    const char *label;         /* ASCII registrable label */
    char *ascii_fold;          /* fold_ascii_lookalikes(label) */
    char *unicode_label;       /* Unicode label when IDN, else NULL */
    char *unicode_skeleton;    /* skeleton of unicode_label, else NULL */
    char *unicode_folded;      /* mk_text_fold of unicode_label, else NULL */
    bool names_a_brand;        /* the label is itself some brand's label or token */
    bool registry_suffix;      /* the public suffix is a registry's, not a hosting platform's */
} host_view;

static void compare_official(const host_view *h, const mk_brand *brand, const char *official, candidate *best)
{
    if (h->names_a_brand)
        return;   /* "paypal" is PayPal, not a typo of PayPay */
    char *ol = first_label(official);
    char *ofold = fold_ascii_lookalikes(ol);
    if (strcmp(h->label, ol) != 0) {
        if (strlen(ol) >= 5 && strcmp(h->ascii_fold, ofold) == 0)
            consider(best, brand, official, "confusable", 3);
        if (h->unicode_skeleton) {
            char *osk = mk_text_skeleton(ol);
            if (osk && strcmp(osk, h->unicode_skeleton) == 0)
                consider(best, brand, official, "idn", 3);
            free(osk);
        }
        if (typo_close(h->label, ol))
            consider(best, brand, official, "typo", 2);
    }
    free(ofold);
    free(ol);
}

/* True when label is exactly the first label of one of the brand's domains:
 * yahoo.com.au or amazon.de beside yahoo.com and amazon.co.jp are the brand's
 * own country domains far more often than fakes, and country registries police
 * them, so the bare name under another registry suffix is not called a
 * look-alike (under a hosting platform's suffix, smbc-card.web.app, it is). */
static bool is_official_label(const mk_brand *brand, const char *label)
{
    for (size_t d = 0; d < brand->domains.n; d++) {
        char *ol = first_label(brand->domains.v[d]);
        bool same = strcmp(ol, label) == 0;
        free(ol);
        if (same)
            return true;
    }
    return false;
}

static void compare_brand(const host_view *h, const mk_brand *brand, bool tokens, candidate *best)
{
    for (size_t d = 0; d < brand->domains.n; d++)
        compare_official(h, brand, brand->domains.v[d], best);
    if (!tokens || (h->registry_suffix && is_official_label(brand, h->label)))
        return;
    const char *first = brand->domains.n ? brand->domains.v[0] : "";
    for (size_t t = 0; t < brand->tokens.n; t++)
        if (label_has_token(h->label, brand->tokens.v[t]))
            consider(best, brand, first, "brand_token", 1);
    if (h->unicode_folded && idn_spells_name(brand, h->unicode_folded))
        consider(best, brand, first, "idn", 3);
}

/* True when label is exactly an official label or a token of some brand. */
static bool label_names_brand(const mk_catalog *cat, const char *label)
{
    size_t n = strlen(label);
    for (size_t b = 0; b < cat->n_brands; b++) {
        const mk_brand *brand = &cat->brands[b];
        if (mk_strlist_contains(&brand->tokens, label))
            return true;
        for (size_t d = 0; d < brand->domains.n; d++)
            if (strncmp(brand->domains.v[d], label, n) == 0 && brand->domains.v[d][n] == '.')
                return true;
    }
    return false;
}

static void view_init(host_view *h, const mk_catalog *cat, const char *label, const char *regdom)
{
    memset(h, 0, sizeof *h);
    h->label = label;
    h->registry_suffix = mk_domain_suffix_is_registry(regdom);
    h->names_a_brand = label_names_brand(cat, label);
    h->ascii_fold = fold_ascii_lookalikes(label);
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
static void compare_subdomain_labels(const mk_catalog *cat, const char *host, const char *regdom, candidate *best)
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
        view_init(&view, cat, l, NULL);   /* a subdomain label: no suffix of its own */
        for (size_t b = 0; b < cat->n_brands; b++)
            compare_brand(&view, &cat->brands[b], false, best);
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
    char *label = first_label(regdom);
    host_view view;
    view_init(&view, cat, label, regdom);
    candidate best = {0};
    for (size_t b = 0; b < cat->n_brands; b++)
        compare_brand(&view, &cat->brands[b], true, &best);
    view_free(&view);
    free(label);
    if (!best.brand)
        compare_subdomain_labels(cat, host, regdom, &best);
    free(regdom);
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

/* A misspelt official domain among subdomain labels: "aeno.co.jp" in
 * aeno.co.jp.scbgzx.com. The suffix labels must match exactly and the first
 * label must be a typo or confusable of the official one. */
static bool subdomain_misspells(const char *sub, const char *official)
{
    char *s = mk_ascii_lower_inplace(mk_xstrdup(sub)), *o = mk_xstrdup(official);
    char *sl[MK_SUB_LABELS], *ol[MK_SUB_LABELS];
    size_t ns = split_labels(s, sl, MK_SUB_LABELS), no = split_labels(o, ol, MK_SUB_LABELS);
    bool found = false;
    for (size_t i = 0; no >= 2 && i + no <= ns && !found; i++) {
        bool suffix_same = true;
        for (size_t k = 1; k < no && suffix_same; k++)
            suffix_same = strcmp(sl[i + k], ol[k]) == 0;
        if (!suffix_same || strcmp(sl[i], ol[0]) == 0)
            continue;
        char *a = fold_ascii_lookalikes(sl[i]), *b = fold_ascii_lookalikes(ol[0]);
        found = (strlen(ol[0]) >= 4 && strcmp(a, b) == 0) || (strlen(ol[0]) >= 4 && edit_distance(sl[i], ol[0]) == 1);
        free(a);
        free(b);
    }
    free(s);
    free(o);
    return found;
}

/* Official domains anywhere in part; tokens too when tokens_ok. */
static bool part_names_brand(const mk_catalog *cat, const char *part, const char *where, bool tokens_ok,
                             mk_brand_in_url_hit *hit)
{
    if (!part || !*part)
        return false;
    /* Lower-case once: the catalog's domains and tokens already are, so the
     * hundreds of searches below can use plain (vectorised) strstr. */
    char *lower = mk_ascii_lower_inplace(mk_xstrdup(part));
    bool has_dot = strchr(lower, '.') != NULL;   /* no dot: no domain can be in it */
    bool found = false;
    for (size_t b = 0; b < cat->n_brands && !found; b++) {
        const mk_brand *brand = &cat->brands[b];
        for (size_t d = 0; has_dot && d < brand->domains.n && !found; d++)
            if (text_has_domain(lower, brand->domains.v[d]))
                found = set_url_hit(hit, brand, where, brand->domains.v[d]);
        for (size_t d = 0; has_dot && tokens_ok && d < brand->domains.n && !found; d++)
            if (subdomain_misspells(lower, brand->domains.v[d]))
                found = set_url_hit(hit, brand, where, brand->domains.v[d]);
        for (size_t t = 0; tokens_ok && t < brand->tokens.n && !found; t++)
            if (strstr(lower, brand->tokens.v[t]) && labels_have_token(lower, brand->tokens.v[t]))
                found = set_url_hit(hit, brand, where, brand->tokens.v[t]);
    }
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
    char *sub = subdomain_part(url);
    bool found = part_names_brand(cat, sub, "subdomain", true, hit) ||
                 part_names_brand(cat, url->userinfo, "userinfo", true, hit) ||
                 part_names_brand(cat, url->path, "path", false, hit) ||
                 part_names_brand(cat, url->query, "query", false, hit) ||
                 part_names_brand(cat, url->fragment, "fragment", false, hit);
    free(sub);
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

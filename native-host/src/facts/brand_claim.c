/* brand_claim.c - which brand does the message claim to be?
 *
 * A reader decides who wrote a mail from, in order, the sender's name, the
 * subject, the address, and only then the body. We follow that order: the
 * display name and the subject are matched against every brand's folded names
 * (the longest name wins, so 三井住友カード beats 三井住友), and the display name
 * and 【tags】 of the subject also against the short sender names ("au",
 * "ETC") that would be noise in running text; then the From
 * domain, when it is a brand's official domain; then the body, where a brand
 * must be named repeatedly near the top before we believe the message speaks
 * for it (a newsletter that mentions Apple once does not claim to be Apple).
 *
 * An address quoted in the subject ("お問い合わせ <someone@arrow.ocn.ne.jp>")
 * names a mailbox, not the brand whose domain it is on: addresses are blanked
 * before the subject is searched.
 *
 * A sender name that opens with the sender's own domain name and names a
 * brand after it ("Lockergnome Apple Core" <subscriptions@lockergnome.com>,
 * "Acmenews PayPal digest") is the sender speaking about the brand: that
 * brand is its topic, and neither the name nor a subject tag repeating it
 * claims it. The sender's name must stand first, whole, and be at least
 * MIN_OWN_NAME letters long, so "Amazon Japan" <x@japan.example> still claims;
 * and the origin must be the sender's own server (its recorded reverse name,
 * or its HELO where none was recorded, on the From domain), so a name made up
 * to match a throw-away domain and sent from a rented server still claims.
 *
 * Each text is searched for all names in one pass over the catalog's name
 * index (name_index.h); a catalog built by hand, without the index, is
 * searched name by name behind a byte-pair filter, with the same results.
 */
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "pairset.h"
#include "textnorm.h"
#include "util.h"

#define BODY_CLAIM_WINDOW 3000   /* bytes of folded body where a claim counts */
#define BODY_CLAIM_MIN_MENTIONS 2
#define MIN_OWN_NAME 5   /* letters of the From domain's name that make it the sender's own name */

typedef struct brand_match {
    const mk_brand *brand;
    const char *name;   /* the folded name that matched (borrowed) */
    size_t len;
} brand_match;

static bool sender_name_in(const char *text, const char *name);
static bool sender_name_at(const char *text, size_t start, size_t n);

/* One pass over text with the name index: the longest name standing there as
 * the search requires, the first in catalog order among equally long ones. */
typedef struct longest_search {
    const mk_catalog *cat;
    const mk_phraseset *set;
    const size_t *brand_of;
    const char *text;
    bool sender;
    brand_match best;
    size_t best_id;
} longest_search;

static bool consider_longest(void *ctx, size_t id, size_t start)
{
    longest_search *s = ctx;
    size_t len = 0;
    const char *name = mk_phraseset_phrase(s->set, id, &len);
    if (len < s->best.len || (len == s->best.len && s->best.brand && id > s->best_id))
        return true;
    if (!(s->sender ? sender_name_at(s->text, start, len) : mk_text_word_at(s->text, start, len)))
        return true;
    s->best = (brand_match){&s->cat->brands[s->brand_of[id]], name, len};
    s->best_id = id;
    return true;
}

/* Longest brand name contained in text: among the names, or with sender set
 * among the sender names where they stand alone (sender_name_in). */
static brand_match longest_of(const mk_catalog *cat, const char *text, bool sender)
{
    brand_match best = {0};
    if (!text || !*text)
        return best;
    const mk_name_index *ix = mk_catalog_name_index(cat);
    if (ix) {
        longest_search s = {.cat = cat, .text = text, .sender = sender,
                            .set = sender ? ix->sender_names : ix->names,
                            .brand_of = sender ? ix->sender_names_brand : ix->names_brand};
        mk_phraseset_scan(s.set, text, consider_longest, &s);
        return s.best;
    }
    mk_pairset pairs = {0};   /* rules out most names before any search */
    mk_pairset_add(&pairs, text);
    for (size_t i = 0; i < cat->n_brands; i++) {
        const mk_brand *b = &cat->brands[i];
        const mk_strlist *list = sender ? &b->sender_names : &b->names;
        for (size_t j = 0; j < list->n; j++) {
            size_t len = strlen(list->v[j]);
            if (len > best.len && mk_pairset_may_contain(&pairs, list->v[j]) &&
                (sender ? sender_name_in(text, list->v[j]) : mk_text_contains(text, list->v[j]))) {
                best.brand = b;
                best.name = list->v[j];
                best.len = len;
            }
        }
    }
    return best;
}

static brand_match match_longest(const mk_catalog *cat, const char *text)
{
    return longest_of(cat, text, false);
}

/* True when a sender name (see catalog.h) stands on its own in text: the
 * whole text, or set off by non-ASCII text or brackets on both sides
 * ("ETCメッセージ", "【au】お支払い"), never inside an ASCII phrase ("Line
 * Smith", "[ups-users]"), where such short words are something else. */
static bool sender_name_at(const char *text, size_t start, size_t n)
{
    static const char delimiters[] = "[]()<>:|/";
    unsigned char before = start > 0 ? (unsigned char)text[start - 1] : 0, after = (unsigned char)text[start + n];
    bool left = before == 0 || before >= 0x80 || strchr(delimiters, before);
    bool right = after == 0 || after >= 0x80 || strchr(delimiters, after);
    return left && right;
}

static bool sender_name_in(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(text, name); p; p = strstr(p + 1, name))
        if (sender_name_at(text, (size_t)(p - text), n))
            return true;
    return false;
}

/* The brand whose sender name stands in text (longest wins), if any. */
static brand_match match_sender_name(const mk_catalog *cat, const char *text)
{
    return longest_of(cat, text, true);
}

/* Text with every space removed: "東 京 電 力" and "E T C" are written to slip
 * past filters, and a reader still sees the name. */
static char *without_spaces(const char *text)
{
    char *out = mk_xstrdup(text ? text : "");
    char *w = out;
    for (const char *r = out; *r; r++)
        if (*r != ' ')
            *w++ = *r;
    *w = '\0';
    return out;
}

/* Longest brand name in text, then in its space-free form. */
static brand_match match_name(const mk_catalog *cat, const char *text)
{
    brand_match m = match_longest(cat, text);
    if (m.brand || !text || !strchr(text, ' '))
        return m;
    char *compact = without_spaces(text);
    m = match_longest(cat, compact);
    free(compact);
    return m;
}

static bool is_address_byte(char c, bool local_part)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           (local_part && (c == '_' || c == '+' || c == '%'));
}

/* The text with every e-mail address in it blanked out: an auto-reply's
 * subject quoting "<someone@arrow.ocn.ne.jp>" names a mailbox, not OCN. */
static char *without_addresses(const char *text)
{
    char *out = mk_xstrdup(text ? text : "");
    for (char *at = strchr(out, '@'); at; at = strchr(at + 1, '@')) {
        char *start = at, *end = at + 1;
        while (start > out && is_address_byte(start[-1], true))
            start--;
        while (is_address_byte(*end, false))
            end++;
        if (start < at && end > at + 1)
            memset(start, ' ', (size_t)(end - start));
    }
    return out;
}

/* Japanese commercial mail names its sender in brackets at the head of the
 * subject: 【三井住友カード】, ［えきねっと］, ＜重要＞【SAISON】. A brand inside such a
 * tag is the subject speaking as the brand, not mentioning it. */
static bool in_sender_tag(const char *subject, const char *name)
{
    static const char *const pairs[][2] = {{"【", "】"}, {"[", "]"}, {"「", "」"}, {"<", ">"}};
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        for (const char *open = strstr(subject, pairs[i][0]); open; open = strstr(open + 1, pairs[i][0])) {
            const char *inner = open + strlen(pairs[i][0]);
            const char *close = strstr(inner, pairs[i][1]);
            if (!close || close - inner > 120)
                continue;
            char *tag = mk_xstrndup(inner, (size_t)(close - inner));
            char *compact = without_spaces(tag);
            char *compact_name = without_spaces(name);
            bool hit = strstr(compact, compact_name) != NULL;
            free(tag);
            free(compact);
            free(compact_name);
            if (hit)
                return true;
        }
    }
    return false;
}

static size_t count_mentions(const char *text, const char *needle)
{
    size_t count = 0, n = strlen(needle);
    const char *p = text;
    while (count < 100 && (p = strstr(p, needle)) != NULL) {
        count++;
        p += n;
    }
    return count;
}

typedef struct window_search {
    const char *text;
    const mk_phraseset *set;
    bool *present;   /* by id: the name stands in text on word boundaries */
} window_search;

static bool mark_word(void *ctx, size_t id, size_t start)
{
    window_search *w = ctx;
    size_t len = 0;
    mk_phraseset_phrase(w->set, id, &len);
    if (!w->present[id] && mk_text_word_at(w->text, start, len))
        w->present[id] = true;
    return true;
}

/* The brand named most often in the opening of the body, if named enough.
 * pairs (of the whole body) rules most names out without a search. */
static brand_match match_body(const mk_catalog *cat, const mk_pairset *pairs, const char *body)
{
    brand_match best = {0};
    size_t best_count = 0;
    size_t len = strlen(body);
    if (len > BODY_CLAIM_WINDOW) {
        len = BODY_CLAIM_WINDOW;
        while (len > 0 && ((unsigned char)body[len] & 0xC0) == 0x80)
            len--;
    }
    char *window = mk_xstrndup(body, len);
    /* Which names stand in the window: one pass with the index, else each name behind the filter. */
    bool *present = NULL;
    const mk_name_index *ix = mk_catalog_name_index(cat);
    if (ix) {
        present = mk_xcalloc(mk_phraseset_count(ix->names) + 1, sizeof *present);
        window_search ws = {window, ix->names, present};
        mk_phraseset_scan(ws.set, window, mark_word, &ws);
    }
    size_t id = 0;
    for (size_t i = 0; i < cat->n_brands; i++) {
        const mk_brand *b = &cat->brands[i];
        for (size_t j = 0; j < b->names.n; j++, id++) {
            if (present ? !present[id]
                        : !mk_pairset_may_contain(pairs, b->names.v[j]) || !mk_text_contains(window, b->names.v[j]))
                continue;
            size_t c = count_mentions(window, b->names.v[j]);
            if (c > best_count) {
                best_count = c;
                best.brand = b;
                best.name = b->names.v[j];
                best.len = strlen(b->names.v[j]);
            }
        }
    }
    free(present);
    free(window);
    if (best_count < BODY_CLAIM_MIN_MENTIONS)
        best.brand = NULL;
    return best;
}

static void set_claim(mk_facts *f, const mk_brand *b, const char *source, const char *text)
{
    f->claimed_brand = b;
    f->claim_source = source;
    free(f->claim_text);
    f->claim_text = mk_xstrdup(text ? text : "");
}

/* Does the folded display name open with the From domain's own name (the
 * registrable domain's first label, "lockergnome" of lockergnome.com), as a
 * whole word, with the brand's name standing after it? */
static bool own_name_leads(const mk_facts *f, const brand_match *m)
{
    const char *regdom = f->from.regdom ? f->from.regdom : "";
    const char *name = f->from_name_folded ? f->from_name_folded : "";
    size_t label = strcspn(regdom, ".");
    if (label < MIN_OWN_NAME || strncmp(name, regdom, label) != 0 || !mk_text_word_at(name, 0, label))
        return false;
    const mk_hop *origin = f->hops.origin >= 0 ? &f->hops.v[f->hops.origin] : NULL;
    bool own_server = origin && (strcmp(f->origin_rdns_regdom, regdom) == 0 ||
                                 (!*origin->rdns && strcmp(f->origin_helo_regdom, regdom) == 0));
    if (!own_server)
        return false;
    char *own = mk_xstrndup(regdom, label);
    bool topic = strstr(name + label, m->name) != NULL && strstr(m->name, own) == NULL;
    free(own);
    return topic;
}

void mk_facts_find_brand_claim(const mk_catalog *cat, mk_facts *f)
{
    brand_match m = match_name(cat, f->from_name_folded);
    if (!m.brand)
        m = match_sender_name(cat, f->from_name_folded);
    const mk_brand *topic = NULL;   /* a brand the sender's own name speaks about */
    if (m.brand && own_name_leads(f, &m))
        topic = m.brand;
    else if (m.brand) {
        set_claim(f, m.brand, "display_name", f->msg->from.name);
        return;
    }
    /* "From: Facebook" with no address at all: what a reader sees is the name. */
    const char *addr = f->msg->from.address;
    if (*addr && !strchr(addr, '@')) {
        char *folded = mk_text_fold(addr, strlen(addr));
        m = match_longest(cat, folded);
        free(folded);
        if (m.brand) {
            set_claim(f, m.brand, "display_name", addr);
            return;
        }
    }
    char *subject = without_addresses(f->subject_folded);
    m = match_name(cat, subject);
    free(subject);
    if (m.brand && m.brand != topic) {
        bool tagged = in_sender_tag(f->subject_folded, m.name);
        set_claim(f, m.brand, tagged ? "subject_tag" : "subject", f->msg->subject);
        return;
    }
    m = match_sender_name(cat, f->subject_folded);
    if (m.brand && m.brand != topic && in_sender_tag(f->subject_folded, m.name)) {
        set_claim(f, m.brand, "subject_tag", f->msg->subject);
        return;
    }
    /* A gmail.com or docomo.ne.jp address is a person, not Google or docomo. */
    const mk_brand *owner = mk_catalog_is_mailbox_domain(cat, f->from.addr->domain)
                                ? NULL
                                : mk_catalog_brand_owning(cat, f->from.regdom);
    if (owner) {
        set_claim(f, owner, "from_domain", f->from.addr->address);
        return;
    }
    m = match_body(cat, f->text_pairs, f->body_folded ? f->body_folded : "");
    if (m.brand) {
        set_claim(f, m.brand, "body", m.name);
        return;
    }
    set_claim(f, NULL, NULL, "");
}

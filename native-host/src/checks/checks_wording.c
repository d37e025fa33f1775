/* checks_wording.c - the words of the lure.
 *
 * Phishing text follows a script: a greeting that names nobody, a threat with
 * a deadline, and a request to log in or confirm payment details. Each script
 * element is a phrase list per language in data/phrases.json, matched on the
 * folded subject and visible text so width, case and kana variants all hit.
 * One phrase is enough to report; the evidence lists the first few matched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "textnorm.h"
#include "util.h"

#define GREETING_WINDOW 600    /* bytes of folded body where a greeting is looked for */
#define EVIDENCE_PHRASES 3
#define GREETING_LINE 160     /* bytes where a named greeting (山田様, Hi Emma) is looked for */

/* Up to `limit` phrases found in a or b; pairs (of texts a and b come from) rules most out unread. */
static json_t *matched_up_to(const mk_catalog *cat, const mk_strlist *phrases, const mk_pairset *pairs, const char *a,
                             const char *b, size_t limit)
{
    json_t *found = json_array();
    for (size_t i = 0; i < phrases->n && json_array_size(found) < limit; i++)
        if (mk_pairset_may_contain(pairs, phrases->v[i]) &&
            (mk_text_contains(a, phrases->v[i]) || (b && mk_text_contains(b, phrases->v[i]))))
            json_array_append_new(found, json_string(mk_catalog_phrase_as_written(cat, phrases->v[i])));
    return found;
}

/* The first few phrases found, for evidence. */
static json_t *matched_phrases(const mk_catalog *cat, const mk_strlist *phrases, const mk_pairset *pairs, const char *a,
                               const char *b)
{
    return matched_up_to(cat, phrases, pairs, a, b, EVIDENCE_PHRASES);
}

/* Every credential phrase found (the count of requests needs them all). */
static json_t *matched_credentials(const mk_facts *f, const mk_catalog *cat)
{
    return matched_up_to(cat, &cat->phrases.credential, f->text_pairs, f->body_folded, f->subject_folded, SIZE_MAX);
}

/* How many different requests the matched credential phrases make. The
 * everyday ones ("log in", "login", "password", "click here") are what any
 * account mail or newsletter says, and together count as one request;
 * each other phrase ("verify your identity", "update your payment") is one. */
static size_t credential_requests(const mk_catalog *cat, const json_t *creds)
{
    size_t strong = 0, everyday = 0;
    size_t i;
    json_t *v;
    json_array_foreach(creds, i, v) {
        const char *written = json_string_value(v);
        char *folded = mk_text_fold(written, strlen(written));
        if (mk_strlist_contains(&cat->phrases.credential_everyday, folded))
            everyday = 1;
        else
            strong++;
        free(folded);
    }
    return strong + everyday;
}

/* As check_phrase_families judges it: one urgency phrase, or credentials
 * requested in two different ways ("click here" and "log in" are one). */
bool mk_wording_presses(const mk_facts *f, const mk_catalog *cat)
{
    json_t *urgent = matched_phrases(cat, &cat->phrases.urgency, f->text_pairs, f->body_folded, f->subject_folded);
    json_t *creds = matched_credentials(f, cat);
    bool presses = json_array_size(urgent) > 0 || credential_requests(cat, creds) >= 2;
    json_decref(urgent);
    json_decref(creds);
    return presses;
}

/* A claim made by the sender's name, address or subject, not merely a brand the body talks about. */
static bool claims_brand(const mk_facts *f)
{
    return f->claimed_brand && f->claim_source && strcmp(f->claim_source, "body") != 0;
}

/* Urgency: one phrase is enough. A request for credentials is everyday wording
 * ("log in to see your order") unless it comes with pressure, with a claimed
 * brand, with a password field, or in several forms at once. */
static void check_phrase_families(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    json_t *urgent = matched_phrases(cat, &cat->phrases.urgency, f->text_pairs, f->body_folded, f->subject_folded);
    json_t *creds = matched_credentials(f, cat);
    bool has_urgency = json_array_size(urgent) > 0;
    if (has_urgency)
        mk_findings_add(out, "urgency_language", json_pack("{s:o}", "phrases", urgent));
    else
        json_decref(urgent);
    size_t n = credential_requests(cat, creds);
    while (json_array_size(creds) > EVIDENCE_PHRASES)
        json_array_remove(creds, EVIDENCE_PHRASES);
    /* One request counts with pressure, under a claimed brand, or beside a
     * password field the message itself carries (a sign-in page attached). */
    if (n >= 2 || (n == 1 && (has_urgency || claims_brand(f) || f->page.password_input)))
        mk_findings_add(out, "credential_request", json_pack("{s:o}", "phrases", creds));
    else
        json_decref(creds);
}

/* The prize lure: something won or owed, and a push to claim it. Either alone
 * is everyday ("rewards programme", "redeem at checkout"); together they are
 * the script of prize, gift-card and crypto-giveaway fraud. */
static void check_reward_lure(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    json_t *reward = matched_phrases(cat, &cat->phrases.reward, f->text_pairs, f->body_folded, f->subject_folded);
    json_t *claim = json_array_size(reward)
                        ? matched_phrases(cat, &cat->phrases.claim, f->text_pairs, f->body_folded, f->subject_folded)
                        : json_array();
    if (json_array_size(reward) && json_array_size(claim)) {
        json_array_extend(reward, claim);
        mk_findings_add(out, "reward_lure", json_pack("{s:O}", "phrases", reward));
    }
    json_decref(reward);
    json_decref(claim);
}

static char *greeting_window(const char *body)
{
    size_t len = strlen(body);
    if (len > GREETING_WINDOW) {
        len = GREETING_WINDOW;
        while (len > 0 && ((unsigned char)body[len] & 0xC0) == 0x80)
            len--;
    }
    return mk_xstrndup(body, len);
}

/* True when the opening of the body names the recipient (display name or mailbox). */
static bool names_recipient(const mk_facts *f, const char *window)
{
    for (size_t i = 0; i < f->msg->n_to; i++) {
        const mk_address *to = &f->msg->to[i];
        char *name = mk_text_fold(to->name, strlen(to->name));
        bool hit = strlen(name) >= 2 && strstr(window, name);
        free(name);
        if (hit)
            return true;
        const char *at = strchr(to->address, '@');
        if (at && at > to->address) {
            char *local = mk_ascii_lower_inplace(mk_xstrndup(to->address, (size_t)(at - to->address)));
            hit = strlen(local) >= 3 && strstr(window, local);
            free(local);
            if (hit)
                return true;
        }
    }
    return false;
}

/* Does a generic salutation phrase end exactly at `end` in text? */
static bool generic_ends_at(const mk_strlist *generic, const char *text, const char *end)
{
    for (size_t i = 0; i < generic->n; i++) {
        size_t n = strlen(generic->v[i]);
        if ((size_t)(end - text) >= n && memcmp(end - n, generic->v[i], n) == 0)
            return true;
    }
    return false;
}

/* A greeting that addresses someone by name: "<name>様 / さま / さん / 殿" (Japanese
 * honorifics after a name that is not a generic phrase such as お客様), or
 * "dear / hi / hello <word>" where the pair is not a generic phrase. */
static bool has_named_greeting(const mk_strlist *generic, const char *window)
{
    static const char *const honorifics[] = {"様", "さま", "さん", "殿"};
    size_t opening = strlen(window) < GREETING_LINE ? strlen(window) : GREETING_LINE;
    for (size_t h = 0; h < sizeof honorifics / sizeof *honorifics; h++) {
        size_t hn = strlen(honorifics[h]);
        for (const char *p = strstr(window, honorifics[h]); p && (size_t)(p - window) < opening;
             p = strstr(p + hn, honorifics[h])) {
            const char *name_end = p > window && p[-1] == ' ' ? p - 1 : p;
            if (name_end == window || strncmp(p + hn, "々", strlen("々")) == 0)
                continue;   /* no name before it, or 様々 ("various") */
            if (!generic_ends_at(generic, window, p + hn) && !generic_ends_at(generic, window, name_end))
                return true;
        }
    }
    static const char *const openers[] = {"dear ", "hi ", "hello ", "olá ", "prezado ", "estimado "};
    for (size_t o = 0; o < sizeof openers / sizeof *openers; o++) {
        for (const char *p = strstr(window, openers[o]); p && (size_t)(p - window) < opening;
             p = strstr(p + 1, openers[o])) {
            if (p > window && p[-1] != ' ')
                continue;
            const char *word = p + strlen(openers[o]);
            size_t wn = strcspn(word, " ,.:;!");
            if (wn == 0)
                continue;
            if (!generic_ends_at(generic, window, word + wn))
                return true;
        }
    }
    return false;
}

static void check_salutation(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    char *window = greeting_window(f->body_folded);
    if (!*window || names_recipient(f, window) ||
        has_named_greeting(&cat->phrases.generic_salutation, window)) {
        free(window);
        return;
    }
    json_t *generic = matched_phrases(cat, &cat->phrases.generic_salutation, f->text_pairs, window, NULL);
    if (json_array_size(generic) > 0)
        mk_findings_add(out, "no_salutation", json_pack("{s:s, s:o}", "reason", "generic", "phrases", generic));
    else {
        json_decref(generic);
        /* A brand that writes to its own customer addresses them by name. */
        if (f->msg->n_to > 0 && claims_brand(f) && strcmp(f->claim_source, "subject") != 0)
            mk_findings_add(out, "no_salutation", json_pack("{s:s}", "reason", "none"));
    }
    free(window);
}

/* A subject or sender name spelt in disguised letters (textnorm.h). Three
 * letters make a word; a single styled initial is decoration. */
#define DISGUISED_MIN 3

static void check_disguised(const mk_facts *f, mk_findings *out)
{
    const char *where = NULL, *text = NULL;
    if (mk_text_disguised_letters(f->msg->subject) >= DISGUISED_MIN) {
        where = "subject";
        text = f->msg->subject;
    } else if (mk_text_disguised_letters(f->msg->from.name) >= DISGUISED_MIN) {
        where = "display_name";
        text = f->msg->from.name;
    }
    if (where)
        mk_findings_add(out, "disguised_letters", json_pack("{s:s, s:s}", "reason", where, "text", text));
}

void mk_checks_wording(const mk_facts *f, const mk_catalog *cat, mk_findings *out)
{
    check_salutation(f, cat, out);
    check_phrase_families(f, cat, out);
    check_reward_lure(f, cat, out);
    check_disguised(f, out);
}

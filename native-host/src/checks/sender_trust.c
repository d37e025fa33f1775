/* sender_trust.c - judging the reader's trusted senders against one message.
 * See sender_trust.h for the rule; this file only applies it.
 */
#include "sender_trust.h"

#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "lookalike.h"
#include "util.h"

/* ---- names ---------------------------------------------------------------- */

static const char *const PROOF_NAMES[] = {"none", "spf", "dkim", "dmarc"};
static const char *const STATUS_NAMES[] = {"not_listed", "held", "unproven", "imitated"};

const char *mk_trust_proof_name(mk_trust_proof p)
{
    return (size_t)p < sizeof PROOF_NAMES / sizeof PROOF_NAMES[0] ? PROOF_NAMES[p] : "none";
}

const char *mk_trust_status_name(mk_trust_status s)
{
    return (size_t)s < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0] ? STATUS_NAMES[s] : "not_listed";
}

static bool proof_from_name(const char *name, mk_trust_proof *out)
{
    for (size_t i = 0; i < sizeof PROOF_NAMES / sizeof PROOF_NAMES[0]; i++) {
        if (strcmp(name, PROOF_NAMES[i]) == 0) {
            *out = (mk_trust_proof)i;
            return true;
        }
    }
    return false;
}

/* ---- the list ------------------------------------------------------------- */

static const char *string_field(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool read_entry(const json_t *o, mk_trusted_sender *e, const char **error)
{
    if (!json_is_object(o)) {
        *error = "each trusted sender must be an object";
        return false;
    }
    const char *address = string_field(o, "address");
    const char *domain = string_field(o, "domain");
    const char *scope = string_field(o, "scope");
    const char *proof = string_field(o, "proof");
    if (!domain || !*domain || strlen(domain) > 253 || (address && strlen(address) > 320)) {
        *error = "a trusted sender needs a 'domain' (and at most a 320-byte 'address')";
        return false;
    }
    e->proof = MK_TRUST_PROOF_NONE;
    if (proof && !proof_from_name(proof, &e->proof)) {
        *error = "a trusted sender's 'proof' must be none, spf, dkim or dmarc";
        return false;
    }
    if (scope && strcmp(scope, "organisation") != 0 && strcmp(scope, "address") != 0) {
        *error = "a trusted sender's 'scope' must be address or organisation";
        return false;
    }
    char *regdom = mk_domain_registrable(domain);
    if (!regdom) {
        *error = "a trusted sender's 'domain' is not a domain name";
        return false;
    }
    e->domain = mk_ascii_lower_inplace(regdom);
    e->address = mk_ascii_lower_inplace(mk_xstrdup(address ? address : ""));
    e->organisation = (scope && strcmp(scope, "organisation") == 0) || !*e->address;
    return true;
}

/* The trusted domains as a catalog of brands, so that the catalog's own
 * look-alike tests find imitations of them. */
static void build_lookalikes(mk_trust_list *list)
{
    mk_catalog *cat = &list->lookalikes;
    cat->brands = mk_xcalloc(list->n ? list->n : 1, sizeof(mk_brand));
    for (size_t i = 0; i < list->n; i++) {
        const char *domain = list->v[i].domain;
        bool seen = false;
        for (size_t j = 0; j < cat->n_brands && !seen; j++)
            seen = strcmp(cat->brands[j].id, domain) == 0;
        if (seen)
            continue;
        mk_brand *b = &cat->brands[cat->n_brands++];
        b->id = mk_xstrdup(domain);
        b->name_ja = mk_xstrdup(domain);
        b->name_en = mk_xstrdup(domain);
        b->country = mk_xstrdup("");
        b->kind = mk_xstrdup("trusted_sender");
        b->report_address = mk_xstrdup("");
        mk_strlist_push(&b->domains, domain);
        /* The organisation's name as a token ("example-support.com"), when it
         * is long enough to be distinctive. */
        const char *dot = strchr(domain, '.');
        if (dot && dot - domain >= 4)
            mk_strlist_push_owned(&b->tokens, mk_xstrndup(domain, (size_t)(dot - domain)));
    }
}

mk_trust_list *mk_trust_list_from_json(const json_t *array, const char **error)
{
    *error = NULL;
    if (!json_is_array(array)) {
        *error = "'trusted_senders' must be an array";
        return NULL;
    }
    size_t n = json_array_size(array);
    if (n > MK_TRUST_MAX_ENTRIES) {
        *error = "'trusted_senders' holds more entries than the host accepts";
        return NULL;
    }
    mk_trust_list *list = mk_xcalloc(1, sizeof *list);
    list->v = mk_xcalloc(n ? n : 1, sizeof *list->v);
    for (size_t i = 0; i < n; i++) {
        if (!read_entry(json_array_get(array, i), &list->v[i], error)) {
            mk_trust_list_free(list);
            return NULL;
        }
        list->n++;
    }
    build_lookalikes(list);
    return list;
}

void mk_trust_list_free(mk_trust_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++) {
        free(list->v[i].address);
        free(list->v[i].domain);
    }
    free(list->v);
    for (size_t i = 0; i < list->lookalikes.n_brands; i++)
        mk_brand_free(&list->lookalikes.brands[i]);
    free(list->lookalikes.brands);
    free(list);
}

/* ---- judging -------------------------------------------------------------- */

mk_trust_proof mk_trust_proof_of(const mk_facts *f, const char *regdom)
{
    const mk_auth *a = &f->auth;
    if (!a->present || !regdom || !*regdom || strcmp(f->from.regdom, regdom) != 0)
        return MK_TRUST_PROOF_NONE;
    if (strcmp(a->dmarc, "pass") == 0)
        return MK_TRUST_PROOF_DMARC;
    if (mk_strlist_contains(&a->dkim_pass_regdoms, regdom))
        return MK_TRUST_PROOF_DKIM;
    if (strcmp(a->spf, "pass") == 0 && strcmp(a->mailfrom_regdom, regdom) == 0)
        return MK_TRUST_PROOF_SPF;
    return MK_TRUST_PROOF_NONE;
}

static bool authentication_fails(const mk_auth *a)
{
    return a->present && (strcmp(a->dmarc, "fail") == 0 || strcmp(a->dkim, "fail") == 0 ||
                          strcmp(a->spf, "fail") == 0 || strcmp(a->spf, "softfail") == 0);
}

/* An organisation entry never covers a free-mail or ISP mailbox domain: its
 * addresses belong to strangers, not to one organisation. */
static const mk_trusted_sender *listed_entry(const mk_trust_list *list, const mk_catalog *cat, const char *address,
                                             const char *regdom)
{
    const mk_trusted_sender *org = NULL;
    for (size_t i = 0; i < list->n; i++) {
        const mk_trusted_sender *e = &list->v[i];
        if (*e->address && strcmp(e->address, address) == 0)
            return e;
        if (!org && e->organisation && strcmp(e->domain, regdom) == 0 && !mk_catalog_is_mailbox_domain(cat, regdom))
            org = e;
    }
    return org;
}

/* A display name that shows a trusted address or domain other than the sender's. */
static const mk_trusted_sender *named_in_display(const mk_trust_list *list, const mk_facts *f)
{
    const char *name = f->from_name_folded;
    if (!name || !*name)
        return NULL;
    for (size_t i = 0; i < list->n; i++) {
        const mk_trusted_sender *e = &list->v[i];
        if (strcmp(e->domain, f->from.regdom) == 0)
            continue;
        if ((*e->address && strstr(name, e->address)) || strstr(name, e->domain))
            return e;
    }
    return NULL;
}

static const mk_trusted_sender *entry_for_domain(const mk_trust_list *list, const char *domain)
{
    for (size_t i = 0; i < list->n; i++) {
        if (strcmp(list->v[i].domain, domain) == 0)
            return &list->v[i];
    }
    return NULL;
}

void mk_sender_trust_judge(const mk_facts *f, const mk_catalog *cat, const mk_trust_list *list,
                           mk_trust_result *out)
{
    memset(out, 0, sizeof *out);
    /* What the sender proves now, so the reader's "I know this sender" can
     * record it even when nobody is on the list yet. */
    out->proof_now = mk_trust_proof_of(f, f->from.regdom);
    if (!list || !list->n || !f->from.addr || !*f->from.regdom)
        return;
    char *address = mk_ascii_lower_inplace(mk_xstrdup(f->from.addr->address));
    const mk_trusted_sender *e = listed_entry(list, cat, address, f->from.regdom);
    free(address);
    if (e) {
        out->entry = e;
        out->proof_now = mk_trust_proof_of(f, e->domain);
        bool holds = e->proof == MK_TRUST_PROOF_NONE ? !authentication_fails(&f->auth)
                                                     : out->proof_now != MK_TRUST_PROOF_NONE;
        out->status = holds ? MK_TRUST_HELD : MK_TRUST_UNPROVEN;
        return;
    }
    mk_lookalike_hit hit;
    if (f->from.addr->domain && mk_lookalike_domain(&list->lookalikes, f->from.addr->domain, &hit)) {
        out->status = MK_TRUST_IMITATED;
        out->entry = entry_for_domain(list, hit.official);
        out->how = hit.how;
        return;
    }
    e = named_in_display(list, f);
    if (e) {
        out->status = MK_TRUST_IMITATED;
        out->entry = e;
        out->how = "display_name";
    }
}

void mk_checks_sender_trust(const mk_facts *f, const mk_trust_result *r, mk_findings *out)
{
    if (!r->entry || (r->status != MK_TRUST_UNPROVEN && r->status != MK_TRUST_IMITATED))
        return;
    const char *trusted = *r->entry->address ? r->entry->address : r->entry->domain;
    const char *sender = f->from.addr && f->from.addr->address ? f->from.addr->address : "";
    if (r->status == MK_TRUST_UNPROVEN)
        mk_findings_add(out, "trusted_sender_unproven",
                        json_pack("{s:s, s:s, s:s, s:s}", "sender", sender, "trusted", trusted, "proof_then",
                                  mk_trust_proof_name(r->entry->proof), "proof_now",
                                  mk_trust_proof_name(r->proof_now)));
    else
        mk_findings_add(out, "trusted_sender_lookalike",
                        json_pack("{s:s, s:s, s:s}", "sender", sender, "trusted", trusted, "how", r->how));
}

json_t *mk_sender_trust_json(const mk_trust_result *r)
{
    json_t *entry = json_null();
    if (r->entry)
        entry = json_pack("{s:s, s:s, s:s, s:s}", "address", r->entry->address, "domain", r->entry->domain,
                          "scope", r->entry->organisation ? "organisation" : "address", "proof",
                          mk_trust_proof_name(r->entry->proof));
    return json_pack("{s:s, s:o, s:s, s:s?}", "status", mk_trust_status_name(r->status), "entry", entry,
                     "proof_now", mk_trust_proof_name(r->proof_now), "how", r->how);
}

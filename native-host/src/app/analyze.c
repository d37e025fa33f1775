/* analyze.c - the pipeline of one message, offline first, then online.
 *
 * raw bytes -> mk_message -> mk_facts -> checks -> findings -> score. The
 * offline stage uses only local data and takes well under a millisecond for
 * ordinary mail, so the add-on can show it at once. The online stage adds the
 * look-up results to the facts and runs every check again from scratch: checks
 * stay pure functions of the facts, and the final report supersedes the
 * offline one rather than patching it.
 */
#include "analyze.h"

#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "contact.h"
#include "lookups.h"
#include "online_report.h"
#include "facts.h"
#include "findings.h"
#include "message.h"
#include "report.h"
#include "score.h"
#include "util.h"

struct mk_analysis {
    mk_context *ctx;
    mk_message *msg;
    mk_facts facts;
    mk_findings findings;
    mk_online_facts *online;
    int score;
    const char *verdict;
    double parse_ms, analyze_ms, enrich_ms;
    bool skip_dns, skip_registration;
    const atomic_bool *stop;
    const mk_trust_list *trust;   /* the reader's trusted senders; NULL when none were given */
    mk_trust_result trust_result;
};

/* ---- context ------------------------------------------------------------- */

const char *mk_locale_from_env(void)
{
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strncmp(v, "ja", 2) == 0 ? "ja" : "en";
    }
    return "en";
}

bool mk_context_refresh_geo(mk_context *ctx)
{
    const char *city = ctx->opt.geoip_city ? ctx->opt.geoip_city : mk_geo_default_city_path();
    const char *asn = ctx->opt.geoip_asn ? ctx->opt.geoip_asn : mk_geo_default_asn_path();
    mk_geo *fresh = mk_geo_open(city, asn, NULL);
    if (ctx->geo) {
        /* Same files, same builds: keep the mapping already warm in memory. */
        json_t *before = mk_geo_describe(ctx->geo);
        json_t *after = mk_geo_describe(fresh);
        bool same = json_equal(before, after);
        json_decref(before);
        json_decref(after);
        if (same) {
            mk_geo_close(fresh);
            return false;
        }
    }
    mk_geo_close(ctx->geo);
    ctx->geo = fresh;
    return true;
}

mk_context *mk_context_open(const mk_options *opt, char **error)
{
    mk_message_library_init();
    const char *dir = opt->data_dir ? opt->data_dir : mk_catalog_default_dir();
    mk_catalog *cat = mk_catalog_load(dir, error);
    if (!cat)
        return NULL;
    if (!mk_contact_load(dir, error)) {   /* the names never to look up: validated before any look-up */
        mk_catalog_free(cat);
        return NULL;
    }
    mk_context *ctx = mk_xcalloc(1, sizeof *ctx);
    ctx->opt = *opt;
    if (!ctx->opt.locale)
        ctx->opt.locale = mk_locale_from_env();
    if (ctx->opt.budget_ms <= 0)
        ctx->opt.budget_ms = 3000;
    ctx->catalog = cat;
    mk_context_refresh_geo(ctx);
    ctx->feed = mk_feed_open(opt->feed_db ? opt->feed_db : mk_feed_default_path(), NULL);
    return ctx;
}

void mk_context_close(mk_context *ctx)
{
    if (!ctx)
        return;
    mk_catalog_free(ctx->catalog);
    mk_geo_close(ctx->geo);
    mk_feed_close(ctx->feed);
    free(ctx);
}

/* ---- stages -------------------------------------------------------------- */

/* Findings that repeat another filter's judgement rather than evidence in the message. */
static const char *const upstream_judgements[] = {"upstream_spam_verdict", "spam_stamp"};

static void run_checks(mk_analysis *a)
{
    mk_findings_free(&a->findings);
    mk_checks_run(&a->facts, a->ctx->catalog, &a->findings);
    if (a->ctx->opt.own_evidence)
        for (size_t i = 0; i < sizeof upstream_judgements / sizeof *upstream_judgements; i++)
            mk_findings_remove(&a->findings, upstream_judgements[i]);
    if (a->trust) {
        mk_sender_trust_judge(&a->facts, a->ctx->catalog, a->trust, &a->trust_result);
        mk_checks_sender_trust(&a->facts, &a->trust_result, &a->findings);
    }
    a->score = mk_score_compute(&a->findings, a->ctx->catalog);
    a->verdict = mk_score_verdict(a->score);
}

mk_analysis *mk_analysis_offline(mk_context *ctx, const char *raw, size_t len)
{
    mk_analysis *a = mk_xcalloc(1, sizeof *a);
    a->ctx = ctx;
    double t0 = mk_now_ms();
    a->msg = mk_message_parse(raw, len);
    double t1 = mk_now_ms();
    mk_facts_build(a->msg, ctx->catalog, ctx->geo, ctx->feed, &a->facts);
    run_checks(a);
    double t2 = mk_now_ms();
    a->parse_ms = t1 - t0;
    a->analyze_ms = t2 - t1;
    return a;
}

void mk_analysis_enrich(mk_analysis *a)
{
    if (a->ctx->opt.offline || a->online || a->msg->error)
        return;
    mk_enrich_options eo = {
        .dns_server = a->ctx->opt.dns_server,
        .rdap_base = a->ctx->opt.rdap_base,
        .whois_server = a->ctx->opt.whois_server,
        .budget_ms = a->ctx->opt.budget_ms,
        .cache_dir = a->ctx->opt.cache_dir,
        .no_cache = a->ctx->opt.no_cache,
        .data_dir = a->ctx->opt.data_dir,
        .skip_dns = a->skip_dns,
        .skip_registration = a->skip_registration,
        .stop = a->stop,
    };
    double t0 = mk_now_ms();
    a->online = mk_enrich(&a->facts, a->ctx->geo, &eo);
    a->facts.online = a->online;
    run_checks(a);
    a->enrich_ms = mk_now_ms() - t0;
}

void mk_analysis_trust_senders(mk_analysis *a, const mk_trust_list *list)
{
    a->trust = list;
    if (!a->msg->error)
        run_checks(a);
}

void mk_analysis_allow_lookups(mk_analysis *a, bool dns, bool registration)
{
    a->skip_dns = !dns;
    a->skip_registration = !registration;
}

void mk_analysis_set_stop(mk_analysis *a, const atomic_bool *stop)
{
    a->stop = stop;
}

json_t *mk_analysis_report(const mk_analysis *a, const char *locale)
{
    mk_report_meta meta = {
        .verdict = a->verdict,
        .score = a->score,
        .mode = a->online ? "online" : "offline",
        .locale = locale ? locale : a->ctx->opt.locale,
        .parse_ms = a->parse_ms,
        .analyze_ms = a->analyze_ms,
        .enrich_ms = a->enrich_ms,
        .error = a->msg->error,
    };
    json_t *r = mk_report_build(&a->facts, &a->findings, a->ctx->catalog, &meta);
    if (a->online)
        mk_online_annotate_report(a->online, a->ctx->catalog, meta.locale, r);
    /* Which data placed the hops, of when, and the credit its licence asks for. */
    json_object_set_new(r, "databases", mk_geo_sources(a->ctx->geo));
    if (a->trust)
        json_object_set_new(r, "sender_trust", mk_sender_trust_json(&a->trust_result));
    return r;
}

const char *mk_analysis_verdict(const mk_analysis *a)
{
    return a->verdict;
}

int mk_analysis_score(const mk_analysis *a)
{
    return a->score;
}

size_t mk_analysis_finding_ids(const mk_analysis *a, const char **ids, size_t max)
{
    size_t n = 0;
    for (; n < a->findings.n && n < max; n++)
        ids[n] = a->findings.v[n].id;
    return n;
}

bool mk_analysis_failed(const mk_analysis *a)
{
    return a->msg->error != NULL;
}

void mk_analysis_free(mk_analysis *a)
{
    if (!a)
        return;
    mk_findings_free(&a->findings);
    mk_facts_free(&a->facts);
    mk_online_facts_free(a->online);
    mk_message_free(a->msg);
    free(a);
}

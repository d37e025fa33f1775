/* analyze.h - one message from raw bytes to report, in two stages.
 *
 * A mk_context holds what is loaded once per process (catalog, GeoIP/ASN
 * databases, local feed) and the options. mk_analysis_offline() parses the
 * message, builds facts and runs the checks without any network: this is the
 * report the add-on shows at once. mk_analysis_enrich() then runs the look-ups
 * within the budget and re-runs the checks; mk_analysis_report() renders the
 * current state as contract JSON in the requested locale.
 */
#ifndef MK_ANALYZE_H
#define MK_ANALYZE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "feed.h"
#include "geo.h"
#include "sender_trust.h"

typedef struct mk_options {
    bool offline;
    const char *dns_server;
    const char *rdap_base;
    const char *whois_server;
    const char *geoip_city;
    const char *geoip_asn;
    int budget_ms;
    const char *cache_dir;
    bool no_cache;
    const char *locale;     /* "ja" or "en" */
    const char *data_dir;   /* NULL: mk_catalog_default_dir() */
    const char *feed_db;    /* NULL: mk_feed_default_path() */
    int deadline_ms;        /* native mode: a request's offline report is due within this (0: default) */
    /* Judge on the message's own evidence: the verdicts other filters wrote
     * (upstream_spam_verdict, spam_stamp) are neither reported nor scored. */
    bool own_evidence;
} mk_options;

typedef struct mk_context {
    mk_options opt;
    mk_catalog *catalog;
    mk_geo *geo;
    mk_feed *feed;          /* NULL when no feed database exists */
} mk_context;

/* Loads the catalog and databases. NULL with *error set when the catalog is unusable. */
mk_context *mk_context_open(const mk_options *opt, char **error);
void mk_context_close(mk_context *ctx);
/* Opens the GeoIP/ASN databases again when their files changed (e.g.
 * `update-data` replaced them); true when it did. Only while no analysis of
 * this context is running: the old mapping is closed. */
bool mk_context_refresh_geo(mk_context *ctx);

/* The locale from $LC_ALL / $LC_MESSAGES / $LANG: "ja" when it starts with ja, else "en". */
const char *mk_locale_from_env(void);

typedef struct mk_analysis mk_analysis;

mk_analysis *mk_analysis_offline(mk_context *ctx, const char *raw, size_t len);
void mk_analysis_enrich(mk_analysis *a);   /* no-op when ctx->opt.offline */
/* Narrows the next mk_analysis_enrich() to the kinds of look-up a user allows
 * (the add-on's options); both are allowed by default. */
void mk_analysis_allow_lookups(mk_analysis *a, bool dns, bool registration);
/* When *stop becomes true (another thread sets it), the look-ups of the next
 * or running mk_analysis_enrich() end at once; stop must outlive a. */
void mk_analysis_set_stop(mk_analysis *a, const atomic_bool *stop);
/* Judges the reader's trusted senders (sender_trust.h) from now on: the
 * checks run again with them, and the report gains "sender_trust". The list
 * is borrowed and must outlive the analysis. */
void mk_analysis_trust_senders(mk_analysis *a, const mk_trust_list *list);
json_t *mk_analysis_report(const mk_analysis *a, const char *locale);   /* new reference */
const char *mk_analysis_verdict(const mk_analysis *a);
int mk_analysis_score(const mk_analysis *a);
/* Finding ids in report order (borrowed). */
size_t mk_analysis_finding_ids(const mk_analysis *a, const char **ids, size_t max);
/* True when the input could not be read as a message at all (exit status 1). */
bool mk_analysis_failed(const mk_analysis *a);
void mk_analysis_free(mk_analysis *a);

#endif

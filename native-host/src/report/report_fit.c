/* report_fit.c - trimming a report, least useful parts first, until it fits.
 *
 * Each step removes something a reader of the add-on's panel misses least,
 * and the reply is measured again after each one:
 *
 *   1. per-hop "raw" header text and the lookup log (counts are kept);
 *   2. long strings in finding evidence and in links (cut on a UTF-8
 *      boundary with an ellipsis);
 *   3. links: the first MK_FIT_LINKS, links with findings chosen before
 *      plain ones, original order kept; then half as many, and so on to none;
 *   4. every string in the report cut short;
 *   5. a minimal report: verdict, score, mode, subject and the findings
 *      without their texts and evidence.
 *
 * Trimming mutates the report in place: the caller sends it and drops it.
 * Measuring means serialising again, which is cheap next to the analysis
 * that produced the report and happens only for oversized ones.
 */
#include "report_fit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MK_FIT_LINKS 200
#define MK_FIT_EVIDENCE 256
#define MK_FIT_LINK_TEXT 512
#define MK_FIT_ANY_STRING 120

/* ---- strings ------------------------------------------------------------- */

char *mk_utf8_truncate(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return mk_xstrdup(s);
    size_t cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;   /* never split a multi-byte character */
    char *r = mk_xmalloc(cut + sizeof "\xE2\x80\xA6");
    memcpy(r, s, cut);
    memcpy(r + cut, "\xE2\x80\xA6", sizeof "\xE2\x80\xA6");
    return r;
}

/* Cuts every string inside v (recursively) to max bytes. */
static void truncate_strings(json_t *v, size_t max, int depth)
{
    if (depth > 64)
        return;
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach(v, key, child) {
            if (json_is_string(child) && json_string_length(child) > max) {
                char *t = mk_utf8_truncate(json_string_value(child), max);
                json_object_set_new(v, key, json_string(t));
                free(t);
            } else {
                truncate_strings(child, max, depth + 1);
            }
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *child = json_array_get(v, i);
            if (json_is_string(child) && json_string_length(child) > max) {
                char *t = mk_utf8_truncate(json_string_value(child), max);
                json_array_set_new(v, i, json_string(t));
                free(t);
            } else {
                truncate_strings(child, max, depth + 1);
            }
        }
    }
}

/* ---- trimming steps ------------------------------------------------------ */

static void drop_raw_and_lookups(json_t *report)
{
    json_t *hops = json_object_get(report, "hops");
    for (size_t i = 0; i < json_array_size(hops); i++)
        json_object_del(json_array_get(hops, i), "raw");
    json_t *lookups = json_object_get(report, "lookups");
    if (json_array_size(lookups) > 0) {
        json_object_set_new(report, "lookups_omitted", json_integer((json_int_t)json_array_size(lookups)));
        json_object_set_new(report, "lookups", json_array());
    }
}

static void shorten_evidence_and_links(json_t *report)
{
    json_t *findings = json_object_get(report, "findings");
    for (size_t i = 0; i < json_array_size(findings); i++)
        truncate_strings(json_object_get(json_array_get(findings, i), "evidence"), MK_FIT_EVIDENCE, 0);
    truncate_strings(json_object_get(report, "links"), MK_FIT_LINK_TEXT, 0);
}

static bool link_is_flagged(json_t *link)
{
    return json_array_size(json_object_get(link, "findings")) > 0;
}

/* Keeps at most keep links, flagged ones first, in their original order. */
static void keep_links(json_t *report, size_t keep)
{
    json_t *links = json_object_get(report, "links");
    size_t n = json_array_size(links);
    if (n <= keep)
        return;
    if (!json_object_get(report, "links_total"))
        json_object_set_new(report, "links_total", json_integer((json_int_t)n));
    bool *chosen = mk_xcalloc(n, sizeof *chosen);
    size_t taken = 0;
    for (size_t i = 0; i < n && taken < keep; i++)
        if (link_is_flagged(json_array_get(links, i)))
            chosen[i] = true, taken++;
    for (size_t i = 0; i < n && taken < keep; i++)
        if (!chosen[i])
            chosen[i] = true, taken++;
    json_t *kept = json_array();
    for (size_t i = 0; i < n; i++)
        if (chosen[i])
            json_array_append(kept, json_array_get(links, i));
    free(chosen);
    json_object_set_new(report, "links", kept);
}

/* Replaces the report's content by the few fields the add-on cannot do without. */
static void reduce_to_minimum(json_t *report, bool with_findings)
{
    static const char *const keep[] = {"schema_version", "verdict", "score", "mode", "error",
                                       "links_total", "lookups_omitted", "truncated"};
    json_t *small = json_object();
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        json_t *v = json_object_get(report, keep[i]);
        if (v && !json_is_object(v) && !json_is_array(v))
            json_object_set(small, keep[i], v);
    }
    json_t *subject = json_object_get(json_object_get(report, "message"), "subject");
    if (json_is_string(subject))
        json_object_set_new(small, "message", json_pack("{s:O}", "subject", subject));
    json_t *findings = json_array();
    json_t *old = json_object_get(report, "findings");
    for (size_t i = 0; with_findings && i < json_array_size(old); i++) {
        json_t *f = json_array_get(old, i);
        json_t *slim = json_object();
        static const char *const fields[] = {"id", "severity", "points"};
        for (size_t k = 0; k < 3; k++)
            if (json_object_get(f, fields[k]))
                json_object_set(slim, fields[k], json_object_get(f, fields[k]));
        json_array_append_new(findings, slim);
    }
    json_object_set_new(small, "findings", findings);
    truncate_strings(small, MK_FIT_ANY_STRING, 0);
    json_object_clear(report);
    json_object_update(report, small);
    json_decref(small);
}

/* ---- measuring ----------------------------------------------------------- */

static char *dump_if_fits(json_t *envelope, size_t max, size_t *len)
{
    char *s = json_dumps(envelope, JSON_COMPACT);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    if (n <= max) {
        *len = n;
        return s;
    }
    free(s);
    return NULL;
}

char *mk_report_fit(json_t *envelope, size_t max, size_t *len)
{
    char *s = dump_if_fits(envelope, max, len);
    json_t *report = json_object_get(envelope, "report");
    if (s || !json_is_object(report))
        return s;
    json_object_set_new(envelope, "truncated", json_true());
    json_object_set_new(report, "truncated", json_true());

    drop_raw_and_lookups(report);
    if ((s = dump_if_fits(envelope, max, len)))
        return s;
    shorten_evidence_and_links(report);
    for (size_t keep = MK_FIT_LINKS;; keep /= 2) {
        keep_links(report, keep);
        if ((s = dump_if_fits(envelope, max, len)))
            return s;
        if (keep == 0)
            break;
    }
    truncate_strings(report, MK_FIT_ANY_STRING, 0);
    if ((s = dump_if_fits(envelope, max, len)))
        return s;
    reduce_to_minimum(report, true);
    if ((s = dump_if_fits(envelope, max, len)))
        return s;
    reduce_to_minimum(report, false);
    return dump_if_fits(envelope, max, len);
}

/* report.h - rendering an analysis as the contract's report.
 *
 * mk_report_build() produces the JSON report of contract.md section 2 from
 * the facts and findings, with finding titles and details taken from
 * data/findings.json in the requested locale ({name} placeholders filled from
 * the evidence). mk_report_text() renders such a report for a terminal, with
 * labels from data/labels.json.
 */
#ifndef MK_REPORT_H
#define MK_REPORT_H

#include <jansson.h>

#include "catalog.h"
#include "facts.h"
#include "findings.h"

typedef struct mk_report_meta {
    const char *verdict;
    int score;
    const char *mode;       /* "offline" or "online" */
    const char *locale;     /* "ja" or "en" */
    double parse_ms, analyze_ms, enrich_ms;
    const char *error;      /* NULL unless the input could not be read */
} mk_report_meta;

json_t *mk_report_build(const mk_facts *facts, const mk_findings *findings, const mk_catalog *cat,
                        const mk_report_meta *meta);

/* Localised title/detail of one finding, placeholders filled. Allocated. */
char *mk_report_finding_text(const mk_catalog *cat, const char *id, const char *field,
                             const char *locale, json_t *evidence);

/* Human-readable rendering (allocated UTF-8). */
char *mk_report_text(const json_t *report, const mk_catalog *cat, const char *locale);

#endif

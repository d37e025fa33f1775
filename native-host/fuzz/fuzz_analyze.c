/* fuzz_analyze.c - libFuzzer target: the whole offline analysis of raw bytes.
 *
 * This is what the host does with every message a user opens: parse, build
 * facts, run every check, score, and render the report in JSON and as text.
 * The context (brand catalog, finding texts, GeoIP/ASN files when installed)
 * is loaded once in LLVMFuzzerInitialize from the source tree's data/, so the
 * target does not depend on MEKIKI_DATA_DIR or on anything the user has set
 * up; no feed database is opened and nothing touches the network. The report
 * must always be an object with a verdict, whatever the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "analyze.h"
#include "fuzz_context.h"
#include "report.h"

static mk_context *fuzz_ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_ctx = mk_fuzz_context("fuzz_analyze");
    return 0;
}

/* Renders the report both ways; a missing verdict is a bug. */
static void render(const mk_analysis *a)
{
    json_t *report = mk_analysis_report(a, "ja");
    if (!report || !json_is_string(json_object_get(report, "verdict")))
        abort();
    char *json = json_dumps(report, JSON_COMPACT);
    if (!json)
        abort();
    free(json);
    char *text = mk_report_text(report, fuzz_ctx->catalog, "en");
    free(text);
    json_decref(report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mk_analysis *a = mk_analysis_offline(fuzz_ctx, (const char *)data, size);
    if (!a || !mk_analysis_verdict(a))
        abort();
    const char *ids[64];
    volatile size_t n = mk_analysis_finding_ids(a, ids, 64);
    (void)n;
    render(a);
    mk_analysis_free(a);
    return 0;
}

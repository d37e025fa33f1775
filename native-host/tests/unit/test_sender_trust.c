/* test_sender_trust.c - the reader's trusted senders against real messages:
 * trust holds while the same authenticated domain speaks, breaks when the
 * proof is gone, and a look-alike of a trusted sender is flagged, not trusted.
 *
 * The base message is a fixture from a mailing list whose author's domain
 * passes DMARC, DKIM and SPF in the recipient's own Authentication-Results;
 * each case rewrites a header of it and runs the whole offline analysis.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analyze.h"
#include "util.h"

static mk_context *ctx;
static char *base;   /* the fixture's bytes */

static int setup(void **state)
{
    (void)state;
    mk_options opt = {.offline = true, .no_cache = true, .locale = "en", .data_dir = MK_SOURCE_DATA_DIR};
    char *error = NULL;
    ctx = mk_context_open(&opt, &error);
    if (!ctx) {
        fprintf(stderr, "context: %s\n", error ? error : "?");
        return -1;
    }
    const char *dir = getenv("MEKIKI_FIXTURES");
    char *path = mk_xasprintf("%s/genuine-mailing-list-patch-postfix.eml", dir && *dir ? dir : "tests/fixtures");
    FILE *fp = fopen(path, "rb");
    free(path);
    if (!fp)
        return -1;
    mk_strbuf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        mk_strbuf_append(&b, chunk, n);
    fclose(fp);
    base = mk_strbuf_steal(&b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(base);
    mk_context_close(ctx);
    return 0;
}

/* text with every `from` replaced by `to`. */
static char *rewrite_in(const char *text, const char *from, const char *to)
{
    mk_strbuf b = {0};
    const char *p = text;
    const char *hit;
    while ((hit = strstr(p, from)) != NULL) {
        mk_strbuf_append(&b, p, (size_t)(hit - p));
        mk_strbuf_append(&b, to, strlen(to));
        p = hit + strlen(from);
    }
    mk_strbuf_append(&b, p, strlen(p));
    return mk_strbuf_steal(&b);
}

static char *rewrite(const char *from, const char *to)
{
    return rewrite_in(base, from, to);
}

static mk_trust_list *trust(const char *json)
{
    json_t *arr = json_loads(json, 0, NULL);
    assert_non_null(arr);
    const char *error = NULL;
    mk_trust_list *list = mk_trust_list_from_json(arr, &error);
    json_decref(arr);
    if (!list)
        fail_msg("trust list refused: %s", error);
    return list;
}

typedef struct outcome {
    char status[32];
    char proof_now[16];
    char how[32];
    bool unproven, lookalike;
    int score;
} outcome;

static outcome judge(const char *message, const char *list_json)
{
    mk_trust_list *list = trust(list_json);
    mk_analysis *a = mk_analysis_offline(ctx, message, strlen(message));
    mk_analysis_trust_senders(a, list);
    json_t *r = mk_analysis_report(a, "en");
    json_t *st = json_object_get(r, "sender_trust");
    assert_non_null(st);
    outcome o = {0};
    snprintf(o.status, sizeof o.status, "%s", json_string_value(json_object_get(st, "status")));
    snprintf(o.proof_now, sizeof o.proof_now, "%s", json_string_value(json_object_get(st, "proof_now")));
    const char *how = json_string_value(json_object_get(st, "how"));
    snprintf(o.how, sizeof o.how, "%s", how ? how : "");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(r, "findings"), i, f) {
        const char *id = json_string_value(json_object_get(f, "id"));
        o.unproven |= strcmp(id, "trusted_sender_unproven") == 0;
        o.lookalike |= strcmp(id, "trusted_sender_lookalike") == 0;
    }
    o.score = mk_analysis_score(a);
    json_decref(r);
    mk_analysis_free(a);
    mk_trust_list_free(list);
    return o;
}

static const char *KSATO =
    "[{\"address\": \"ksato@tanuki-lab.jp\", \"domain\": \"tanuki-lab.jp\", \"scope\": \"address\", \"proof\": \"dmarc\"}]";
static const char *TANUKI_ORG = "[{\"domain\": \"tanuki-lab.jp\", \"scope\": \"organisation\", \"proof\": \"dkim\"}]";

static void test_trust_holds_while_the_domain_proves_itself(void **state)
{
    (void)state;
    outcome o = judge(base, KSATO);
    assert_string_equal(o.status, "held");
    assert_string_equal(o.proof_now, "dmarc");
    assert_false(o.unproven || o.lookalike);
    /* a colleague at the same trusted organisation */
    char *other = rewrite("ksato@tanuki-lab.jp", "mori@tanuki-lab.jp");
    assert_string_equal(judge(other, TANUKI_ORG).status, "held");
    /* ...is not covered by trust in one address */
    assert_string_equal(judge(other, KSATO).status, "not_listed");
    free(other);
    /* trusting "the organisation" gmail.com does not trust every Gmail user */
    char *gmail = rewrite("ksato@tanuki-lab.jp", "someone@gmail.com");
    assert_string_equal(judge(gmail, "[{\"domain\": \"gmail.com\", \"scope\": \"organisation\"}]").status, "not_listed");
    free(gmail);
}

static void test_trust_breaks_when_the_proof_is_gone(void **state)
{
    (void)state;
    outcome held = judge(base, KSATO);
    /* DMARC, DKIM and SPF all failing: the name is used without proof */
    char *a = rewrite("dmarc=pass", "dmarc=fail");
    char *b = rewrite_in(a, "dkim=pass", "dkim=fail");
    char *c = rewrite_in(b, "spf=pass", "spf=fail");
    outcome o = judge(c, KSATO);
    assert_string_equal(o.status, "unproven");
    assert_string_equal(o.proof_now, "none");
    assert_true(o.unproven);
    assert_true(o.score > held.score);
    /* an entry made without proof still breaks on failing authentication */
    outcome none = judge(c, "[{\"address\": \"ksato@tanuki-lab.jp\", \"domain\": \"tanuki-lab.jp\", \"proof\": \"none\"}]");
    assert_string_equal(none.status, "unproven");
    /* DKIM alone still proves the domain for an entry made with DMARC */
    outcome dkim = judge(a, KSATO);
    assert_string_equal(dkim.status, "held");
    assert_string_equal(dkim.proof_now, "dkim");
    free(a);
    free(b);
    free(c);
}

static void test_lookalikes_of_a_trusted_sender_are_flagged(void **state)
{
    (void)state;
    struct { const char *from, *how; } cases[] = {
        {"ksato@tanuki-1ab.jp", NULL},              /* digit for letter */
        {"ksato@tanukl-lab.jp", NULL},              /* one letter off */
        {"ksato@tanuki-lab-support.com", "brand_token"},
        {"ksato@xn--tanuki-lb-7yh.jp", NULL},       /* Cyrillic а in an IDN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = rewrite("ksato@tanuki-lab.jp", cases[i].from);
        outcome o = judge(m, KSATO);
        if (strcmp(o.status, "imitated") != 0)
            fail_msg("%s: %s", cases[i].from, o.status);
        assert_true(o.lookalike);
        if (cases[i].how)
            assert_string_equal(o.how, cases[i].how);
        free(m);
    }
    /* the trusted address shown as the display name of another sender */
    char *m = rewrite("From: Kenji Sato <ksato@tanuki-lab.jp>", "From: \"ksato@tanuki-lab.jp\" <kenji@mailbox-example.net>");
    outcome o = judge(m, KSATO);
    assert_string_equal(o.status, "imitated");
    assert_string_equal(o.how, "display_name");
    free(m);
    /* an unrelated sender is simply not on the list */
    m = rewrite("ksato@tanuki-lab.jp", "info@harborbooks.com");
    o = judge(m, KSATO);
    assert_string_equal(o.status, "not_listed");
    assert_false(o.lookalike || o.unproven);
    free(m);
    /* an empty list still tells what the sender proves, for a new entry */
    o = judge(base, "[]");
    assert_string_equal(o.status, "not_listed");
    assert_string_equal(o.proof_now, "dmarc");
}

static void test_without_a_list_the_report_is_unchanged(void **state)
{
    (void)state;
    mk_analysis *a = mk_analysis_offline(ctx, base, strlen(base));
    json_t *r = mk_analysis_report(a, "en");
    assert_null(json_object_get(r, "sender_trust"));
    json_decref(r);
    mk_analysis_free(a);
}

/* What "I know this sender" records: the report says what the message
 * proves for its From domain, with or without a list. */
static void test_the_report_says_what_the_sender_proves(void **state)
{
    (void)state;
    const char *cases[][3] = {
        {"dmarc=pass", "dmarc=pass", "dmarc"},
        {"dmarc=pass", "dmarc=none", "dkim"},   /* aligned DKIM (header.d=tanuki-lab.jp) */
    };
    for (size_t i = 0; i < 2; i++) {
        char *m = rewrite(cases[i][0], cases[i][1]);
        mk_analysis *a = mk_analysis_offline(ctx, m, strlen(m));
        json_t *r = mk_analysis_report(a, "en");
        json_t *auth = json_object_get(json_object_get(r, "message"), "authentication");
        assert_string_equal(json_string_value(json_object_get(auth, "proves_from")), cases[i][2]);
        json_decref(r);
        mk_analysis_free(a);
        free(m);
    }
    /* SPF passes for the list's envelope domain, not the author's: no proof for tanuki-lab.jp */
    char *a1 = rewrite("dmarc=pass", "dmarc=none");
    char *a2 = rewrite_in(a1, "dkim=pass", "dkim=none");
    assert_string_equal(judge(a2, "[]").proof_now, "none");
    free(a1);
    free(a2);
}

static void test_malformed_lists_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "{}", "[1]", "[{\"address\": \"a@b.example\"}]", "[{\"domain\": \"x.example\", \"proof\": \"magic\"}]",
        "[{\"domain\": \"x.example\", \"scope\": \"everyone\"}]", "[{\"domain\": \"not a domain\"}]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        const char *error = NULL;
        mk_trust_list *list = mk_trust_list_from_json(j, &error);
        if (list)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(error);
        json_decref(j);
    }
    json_t *many = json_array();
    for (int i = 0; i <= MK_TRUST_MAX_ENTRIES; i++)
        json_array_append_new(many, json_pack("{s:s}", "domain", "x.example"));
    const char *error = NULL;
    assert_null(mk_trust_list_from_json(many, &error));
    assert_non_null(strstr(error, "more entries"));
    json_decref(many);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trust_holds_while_the_domain_proves_itself),
        cmocka_unit_test(test_trust_breaks_when_the_proof_is_gone),
        cmocka_unit_test(test_lookalikes_of_a_trusted_sender_are_flagged),
        cmocka_unit_test(test_without_a_list_the_report_is_unchanged),
        cmocka_unit_test(test_the_report_says_what_the_sender_proves),
        cmocka_unit_test(test_malformed_lists_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
